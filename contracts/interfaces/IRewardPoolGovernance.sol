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

    /// @notice Vetoes the pending root of commit `nonce` for `epoch` before it becomes claimable. Guardian only.
    /// Final for that commit. Naming the nonce makes the veto stop exactly the commit the guardian checked: if
    /// another commit replaced it first (even for the same epoch), the veto is refused instead of hitting that one.
    function vetoEpoch(uint32 epoch, uint32 nonce, bytes32 reasonHash) external;

    /* FUNDING (by signature; plain `fund` is in {IRewardPoolCore}) */

    /// @notice Like {fund}, with an EIP-2612 permit signed by the caller.
    function fundWithPermit(uint256 amount, bytes32 ref, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Funds through an EIP-3009 `receiveWithAuthorization` signed by `from`, relayed by anyone.
    /// @dev The authorization's nonce must be `keccak256(abi.encode(pool, ref, salt))` (the pool's address, the
    /// reference, any salt), so the funder's signature also fixes the funding reference and the pool: USDC nonces
    /// are per signer across every payee, and a nonce bound to one pool can never collide with another's.
    function fundWithAuthorization(
        address from,
        uint256 amount,
        bytes32 ref,
        bytes32 salt,
        uint256 validAfter,
        uint256 validBefore,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /* GOVERNANCE */

    /// @notice Schedules a verifier-set and quorum change, in force `changeDelay` seconds from now. Admin only.
    function queueVerifierChange(address[] calldata add, address[] calldata remove, uint8 quorum) external;
    /// @notice Schedules reward parameters for every epoch from the first that starts at least `changeDelay` seconds
    /// from now, replacing a schedule not in force yet. Admin only.
    function queueRewardParams(RewardParams calldata params) external;
    /// @notice Applies every scheduled change that is due: verifiers (recording and committing apply them too),
    /// guardian and outflow limit (guardian calls and scheduling apply them too). Anyone may call.
    function applyQueuedChanges() external;
    /// @notice Cancels the scheduled verifier and reward-parameter changes that are not in force yet (a change in
    /// force is only undone by a new one). Admin or guardian.
    function cancelQueuedChanges() external;
    /// @notice Sets the minimum claim (at most 10^7 token units; never binds an account claiming for itself) and the
    /// cap on relayer fees (a relayer never takes more than the account signed either), at once. Admin only.
    function setClaimSettings(uint40 minClaim, uint128 maxRelayerFee) external;
    /// @notice Schedules `guardian` (non-zero) as the guardian from `changeDelay` seconds from now, replacing a
    /// scheduled one. Admin only; the guardian cannot cancel its own replacement.
    function queueGuardianChange(address guardian) external;
    /// @notice Cancels a scheduled guardian change before it is due. Admin only.
    function cancelGuardianChange() external;
    /// @notice Schedules the outflow breaker's limit and window (rules as in `PoolConfig`), applied from
    /// `changeDelay` seconds from now. Admin only.
    function queueOutflowLimit(uint128 limit, uint32 window) external;
    /// @notice Cancels a scheduled outflow-limit change before it is applied. Admin or guardian.
    function cancelOutflowLimit() external;
    /// @notice Schedules sending `amount` of the pool's surplus (see `surplus()`) to `to`, executable from
    /// `changeDelay` seconds from now, replacing a scheduled sweep. Admin only.
    function queueSweep(address to, uint256 amount) external;
    /// @notice Cancels the scheduled sweep before it is executed. Admin or guardian.
    function cancelSweep() external;
    /// @notice Sends the scheduled sweep to its recipient once due, if it is still within the surplus then. Anyone
    /// may call; refused while paused.
    function executeSweep() external;
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
    /// @notice What `claim(account, cumulative, proof)` owes now; reverts as the claim would on a bad proof or a
    /// payout past the root in force's total owed (it does not check the minimum claim, the pause or the outflow
    /// breaker: `outflowQuote` tells what of it leaves now).
    /// @notice The scheduled guardian, outflow-limit and sweep changes.
    function pendingChanges() external view returns (PendingChanges memory);
    /// @notice Token units claims may pay out now before the outflow breaker holds them.
    function outflowAvailable() external view returns (uint256);
    /// @notice When a claim paying `amount` fits the outflow breaker if nothing else leaves first: now (the current
    /// timestamp), the start of a later window, or `type(uint256).max` if `amount` is more than the whole limit
    /// (such a claim is paid in parts, see `ClaimDeferred`).
    function nextOutflowAt(uint256 amount) external view returns (uint256);
    /// @notice What a claim of `amount` is paid now under the outflow breaker, and when the rest fits if nothing else
    /// leaves first (a whole limit of it, if the rest is more). A claim is refused whole when it would be paid less
    /// than `threshold` (its minimum claim, or 1): `retryAt` is then when `threshold` fits. `paying == amount` and
    /// `retryAt` the current timestamp when the claim fits now. Claims use it on their rare path.
    function outflowQuote(uint256 amount, uint256 threshold) external view returns (uint256 paying, uint256 retryAt);
    /// @notice Tokens the pool holds beyond `funded - paid` (sent to it directly, a positive rebase): the most a
    /// sweep can take. Never what is owed, never funding.
    function surplus() external view returns (uint256);
    function claimable(
        address account,
        uint256 cumulative,
        bytes32[] calldata proof
    ) external view returns (uint256 ledgerAmount, uint256 epochAmount);
}
