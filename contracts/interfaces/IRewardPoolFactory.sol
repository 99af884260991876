// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRewardPoolBase} from "./IRewardPoolBase.sol";

/// @title IRewardPoolFactory
/// @notice Protocols create their reward pools here: cheap EIP-1167 clones at deterministic addresses.
/// @dev No roles: anyone may create a pool for any network of the registry; the pool's admin is whoever the config
/// names. A pool earns trust from its verifiers and its funding, not from its creator.
interface IRewardPoolFactory {
    /// @notice A pool was created by `creator` with `salt`; it is the `index`-th pool of this factory. `whole` is
    /// false for a clone.
    event PoolCreated(
        address indexed pool,
        address indexed creator,
        uint32 indexed networkId,
        address token,
        bytes32 salt,
        uint256 index,
        bool whole
    );

    /// @notice `governance` has no code: the factory needs a deployed {RewardPoolGovernance}.
    error RewardPoolFactoryInvalidGovernance(address governance);

    /// @notice `initcode` is not RewardPool's creation code for a whole pool.
    error RewardPoolFactoryWrongInitcode(bytes32 got, bytes32 expected);

    /// @notice Creates and initializes a pool as an EIP-1167 clone at `predictPool(msg.sender, salt)`: cheap to
    /// create (~480k gas), each call then pays ~2,700 gas for the proxy's delegatecall.
    function createPool(IRewardPoolBase.PoolConfig calldata config, bytes32 salt) external returns (address pool);

    /// @notice Creates and initializes a whole pool (no proxy) at `predictWholePool(msg.sender, salt)`: costs
    /// ~5M gas once, then every claim and batch is cheaper. The factory cannot hold the pool's creation code (it
    /// would exceed the contract size limit), so the caller passes it and the factory checks its hash.
    /// @param initcode `RewardPool` creation code with `abi.encode(false)` appended (see `WHOLE_POOL_INITCODE_HASH`).
    function createWholePool(
        IRewardPoolBase.PoolConfig calldata config,
        bytes32 salt,
        bytes calldata initcode
    ) external returns (address pool);

    /// @notice Where `creator`'s clone pool with `salt` is (or will be).
    function predictPool(address creator, bytes32 salt) external view returns (address);

    /// @notice Where `creator`'s whole pool with `salt` is (or will be).
    function predictWholePool(address creator, bytes32 salt) external view returns (address);

    function isPool(address pool) external view returns (bool);

    function poolCount() external view returns (uint256);

    function poolAt(uint256 index) external view returns (address);
}
