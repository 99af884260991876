// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockFeeOnTransferToken
/// @notice TEST-ONLY 6-decimals token that burns 1% (rounded down) of every transfer, so the receiver gets less than
/// was sent. It exists to prove that reward pools refuse fee-on-transfer tokens. Never deploy it for real use.
contract MockFeeOnTransferToken is ERC20 {
    /// @notice Share of every transfer that is burned, in basis points (1%).
    uint256 public constant FEE_BPS = 100;

    /// @notice Deploys the token with no supply.
    constructor() ERC20("Mock Fee On Transfer", "FOT") {}

    /// @notice Mints `amount` to `to`. TEST FAUCET: deliberately open to anyone; minting charges no fee.
    /// @param to Recipient of the new tokens.
    /// @param amount Amount in 6-decimal units.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Six decimals, like USDC.
    /// @return Always 6.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @dev Transfers between two accounts burn the fee from the sender and deliver the rest; mints and burns are
    /// untouched. The sender is debited the full `value`, and `Transfer` events show both parts.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * FEE_BPS) / 10_000;
        if (fee != 0) super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
