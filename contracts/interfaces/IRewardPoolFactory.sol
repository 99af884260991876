// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRewardPool} from "./IRewardPool.sol";

/// @title IRewardPoolFactory
/// @notice Protocols create their reward pools here: cheap EIP-1167 clones at deterministic addresses.
/// @dev No roles: anyone may create a pool for any network of the registry; the pool's admin is whoever the config
/// names. A pool earns trust from its verifiers and its funding, not from its creator.
interface IRewardPoolFactory {
    /// @notice A pool was created by `creator` with `salt`; it is the `index`-th pool of this factory.
    event PoolCreated(
        address indexed pool,
        address indexed creator,
        uint32 indexed networkId,
        address token,
        bytes32 salt,
        uint256 index
    );

    /// @notice Creates and initializes a pool at `predictPool(msg.sender, salt)`.
    function createPool(IRewardPool.PoolConfig calldata config, bytes32 salt) external returns (address pool);

    /// @notice Where `creator`'s pool with `salt` is (or will be).
    function predictPool(address creator, bytes32 salt) external view returns (address);

    function isPool(address pool) external view returns (bool);

    function poolCount() external view returns (uint256);

    function poolAt(uint256 index) external view returns (address);
}
