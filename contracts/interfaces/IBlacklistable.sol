// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IBlacklistable
/// @notice The blacklist view of tokens that keep one, as Circle's USDC (FiatTokenV2_2) does.
interface IBlacklistable {
    /// @notice Whether `account` is blacklisted: the token refuses to move its funds.
    function isBlacklisted(address account) external view returns (bool);
}
