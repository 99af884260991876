// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";

import {IDeviceRegistry} from "./interfaces/IDeviceRegistry.sol";
import {IRewardPool} from "./interfaces/IRewardPool.sol";
import {IRewardPoolBase} from "./interfaces/IRewardPoolBase.sol";
import {IRewardPoolFactory} from "./interfaces/IRewardPoolFactory.sol";
import {RewardPool} from "./RewardPool.sol";

/// @title RewardPoolFactory
/// @notice Creates reward pools as EIP-1167 clones of one implementation, at CREATE2 addresses that depend on the
/// creator and its salt only, and lists them.
contract RewardPoolFactory is IRewardPoolFactory {
    IDeviceRegistry public immutable REGISTRY;
    /// @notice The governance half every pool of this factory delegates to (see {IRewardPoolGovernance}).
    address public immutable GOVERNANCE;
    address public immutable IMPLEMENTATION;
    /// @notice keccak256 of `RewardPool` creation code with `abi.encode(false)`: what {createWholePool} deploys.
    bytes32 public immutable WHOLE_POOL_INITCODE_HASH;

    address[] internal _pools;
    mapping(address pool => bool created) internal _isPool;

    /// @param registry The device registry every pool of this factory reads.
    /// @param governance A {RewardPoolGovernance} deployed on its own (the factory cannot hold both halves' code
    /// within the initcode size limit); every pool delegates to it, fixed forever. Check its code like the factory's.
    constructor(IDeviceRegistry registry, address governance) {
        require(governance.code.length != 0, RewardPoolFactoryInvalidGovernance(governance));
        REGISTRY = registry;
        GOVERNANCE = governance;
        IMPLEMENTATION = address(new RewardPool(true, GOVERNANCE));
        WHOLE_POOL_INITCODE_HASH = keccak256(
            abi.encodePacked(type(RewardPool).creationCode, abi.encode(false, GOVERNANCE))
        );
    }

    /// @inheritdoc IRewardPoolFactory
    function createPool(IRewardPoolBase.PoolConfig calldata config, bytes32 salt) external returns (address pool) {
        pool = Clones.cloneDeterministic(IMPLEMENTATION, _salt(msg.sender, salt));
        _register(pool, config, salt, false);
    }

    /// @inheritdoc IRewardPoolFactory
    function createWholePool(
        IRewardPoolBase.PoolConfig calldata config,
        bytes32 salt,
        bytes calldata initcode
    ) external returns (address pool) {
        bytes32 hash = keccak256(initcode);
        require(hash == WHOLE_POOL_INITCODE_HASH, RewardPoolFactoryWrongInitcode(hash, WHOLE_POOL_INITCODE_HASH));
        // Deployed and initialized in one transaction: nobody can initialize it first.
        pool = Create2.deploy(0, _salt(msg.sender, salt), initcode);
        _register(pool, config, salt, true);
    }

    /// @inheritdoc IRewardPoolFactory
    function predictPool(address creator, bytes32 salt) external view returns (address) {
        return Clones.predictDeterministicAddress(IMPLEMENTATION, _salt(creator, salt));
    }

    /// @inheritdoc IRewardPoolFactory
    function predictWholePool(address creator, bytes32 salt) external view returns (address) {
        return Create2.computeAddress(_salt(creator, salt), WHOLE_POOL_INITCODE_HASH);
    }

    /// @inheritdoc IRewardPoolFactory
    function isPool(address pool) external view returns (bool) {
        return _isPool[pool];
    }

    /// @inheritdoc IRewardPoolFactory
    function poolCount() external view returns (uint256) {
        return _pools.length;
    }

    /// @inheritdoc IRewardPoolFactory
    function poolAt(uint256 index) external view returns (address) {
        return _pools[index];
    }

    function _register(address pool, IRewardPoolBase.PoolConfig calldata config, bytes32 salt, bool whole) internal {
        IRewardPool(pool).initialize(REGISTRY, config);
        _pools.push(pool);
        _isPool[pool] = true;
        emit PoolCreated(pool, msg.sender, config.networkId, config.token, salt, _pools.length - 1, whole);
    }

    function _salt(address creator, bytes32 salt) internal pure returns (bytes32) {
        return keccak256(abi.encode(creator, salt));
    }
}
