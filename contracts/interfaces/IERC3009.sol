// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IERC3009
/// @notice The part of EIP-3009 (transfer with authorization, as USDC implements it) that reward pools use.
interface IERC3009 {
    /// @notice Moves `value` from `from` to `to` (which must be the caller) on `from`'s signed authorization.
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;
}
