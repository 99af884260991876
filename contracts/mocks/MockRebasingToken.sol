// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockRebasingToken
/// @notice TEST-ONLY 6-decimals token whose balances all scale with a shared index (like stETH or AMPL): a rebase
/// changes every holder's balance without a transfer. It exists to state what a rebase does to a reward pool's books
/// (pools do not support such tokens). Never deploy it for real use.
/// @dev Balances are shares times `index / 1e18`; a transfer moves the shares of `value`, rounded up, so a holder
/// never receives less than asked while the index is 1e18.
contract MockRebasingToken is ERC20 {
    uint256 internal constant _ONE = 1e18;

    /// @notice Token units per share, scaled by 1e18.
    uint256 public index = _ONE;

    /// @notice Deploys the token with no supply.
    constructor() ERC20("Mock Rebasing", "REB") {}

    /// @notice Mints `amount` to `to`. TEST FAUCET: deliberately open to anyone.
    function mint(address to, uint256 amount) external {
        _mint(to, _toShares(amount));
    }

    /// @notice Scales every balance by `newIndex / 1e18` at once. TEST ONLY: anyone may call it.
    function rebase(uint256 newIndex) external {
        index = newIndex;
    }

    /// @notice Six decimals, like USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Shares held times the index.
    function balanceOf(address account) public view override returns (uint256) {
        return (super.balanceOf(account) * index) / _ONE;
    }

    /// @notice All shares times the index.
    function totalSupply() public view override returns (uint256) {
        return (super.totalSupply() * index) / _ONE;
    }

    /// @dev Moves the shares of `value` token units.
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, from == address(0) ? value : _toShares(value));
    }

    function _toShares(uint256 amount) internal view returns (uint256) {
        return (amount * _ONE + index - 1) / index;
    }
}
