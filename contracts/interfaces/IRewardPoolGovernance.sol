// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeviceRegistry} from "./IDeviceRegistry.sol";
import {IRewardPoolBase} from "./IRewardPoolBase.sol";

/// @title IRewardPoolGovernance
/// @notice Setup, the guardian's veto, governance and views. Served by {RewardPoolGovernance}, which every pool
/// reaches by delegatecall from its fallback (same storage, fixed address); see {IRewardPool} for roles.
interface IRewardPoolGovernance is IRewardPoolBase {
    /* SETUP */

    /// @notice Called once by the factory, on a fresh clone or a whole pool.
    function initialize(IDeviceRegistry registry, PoolConfig calldata config) external;

    /// @notice Vetoes the pending root of `epoch` before it becomes claimable. Guardian only. Final for that
    /// commit.
    function vetoEpoch(uint32 epoch, bytes32 reasonHash) external;

    /* GOVERNANCE */

    /// @notice Schedules a verifier-set and quorum change, in force `changeDelay` seconds from now. Admin only.
    function queueVerifierChange(address[] calldata add, address[] calldata remove, uint8 quorum) external;
    /// @notice Schedules reward parameters for every epoch from the first that starts at least `changeDelay` seconds
    /// from now, replacing a schedule not in force yet. Admin only.
    function queueRewardParams(RewardParams calldata params) external;
    /// @notice Applies a verifier change that is due. Anyone may call; recording and committing apply it too.
    function applyQueuedChanges() external;
    /// @notice Cancels scheduled changes that are not in force yet (a change in force is only undone by a new
    /// one). Admin or guardian.
    function cancelQueuedChanges() external;
    function setClaimSettings(uint40 minClaim, uint128 maxRelayerFee) external;
    function setGuardian(address guardian) external;
    function transferAdmin(address pendingAdmin) external;
    function acceptAdmin() external;
    function pause() external;
    function unpause() external;

    /* VIEWS */

    function currentEpoch() external view returns (uint32);
    function settings() external view returns (PoolSettings memory);
    function account(address account) external view returns (AccountView memory);
    function totals() external view returns (Totals memory);
    function epochCreditedWad(uint32 epoch) external view returns (uint256);
    function isRecorded(uint32 epoch, uint256 deviceId) external view returns (bool);
    /// @notice Whether `account` is a verifier now, counting a scheduled change whose delay has passed.
    function isVerifier(address account) external view returns (bool);
    /// @notice The reward parameters of the current epoch.
    function rewardParams() external view returns (RewardParams memory);
    /// @notice The reward parameters of `epoch` (scheduled ones included for future epochs).
    function rewardParamsAt(uint32 epoch) external view returns (RewardParams memory);
    /// @notice The nonce the next epoch commit must carry.
    function commitNonce() external view returns (uint32);
    /// @notice The root that pays now, and the one waiting out its challenge period (zero if none).
    function epochRoots() external view returns (EpochRoot memory active, EpochRoot memory pending);
    /// @notice What `claim(account, cumulative, proof)` would pay now; reverts as the claim would on a bad proof or
    /// a payout past the root in force's total owed (it does not check the minimum claim or the pause).
    function claimable(
        address account,
        uint256 cumulative,
        bytes32[] calldata proof
    ) external view returns (uint256 ledgerAmount, uint256 epochAmount);
}
