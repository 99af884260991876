// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title MockPermitToken
/// @notice TEST-ONLY 6-decimals EIP-2612 token built on OpenZeppelin's `ERC20Permit`: unlike USDC it reports its
/// EIP-712 domain through ERC-5267 `eip712Domain()` (name "Mock Permit Token", version "1") and has no `version()`.
/// It exists to test the SDK's token-domain reader on both kinds of token. Never deploy it for real use.
contract MockPermitToken is ERC20Permit {
    /// @notice Deploys the token with no supply.
    constructor() ERC20("Mock Permit Token", "MPT") ERC20Permit("Mock Permit Token") {}

    /// @notice Mints `amount` to `to`. TEST FAUCET: deliberately open to anyone.
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
}
