// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeviceRegistry} from "./IDeviceRegistry.sol";

/// @title IRewardPool
/// @notice A protocol's reward pool: holds one stablecoin, records verified work by the devices of one registry
/// network, credits rewards to the payee of record of each device, and pays accounts by pull claims.
/// @dev Roles and their powers:
/// - Admin (two-step handover): queues changes to the verifier set, quorum and reward parameters (they take
///   effect `changeDelay` seconds later, announced by events first), sets minimum claim, relayer fee cap and the
///   guardian, unpauses, cancels queued changes. Cannot record work, move funds or touch accounts.
/// - Guardian: pauses at once, cancels queued changes. Cannot unpause, record work or move funds.
/// - Verifiers (M-of-N, EOAs or ERC-1271 contracts): together, by EIP-712 signatures, record batches of work
///   proofs and claw back unclaimed credit of fraudulent work. No single verifier can do anything.
/// - Anyone: funds the pool, triggers a claim (funds always go to the account or the recipient it signed), relays
///   a signed claim for a capped fee, applies queued changes that are due.
///
/// Reward math: `rate` is token units per work unit scaled by 1e18 (WAD). Credits accrue in WAD per account and
/// round down only when paid, so remainders carry and the sum credited is exactly Σ units × rate.
///
/// Token assumptions: a plain ERC-20 (6-decimals USDC-like by default) that moves exactly the amount asked. Fee-on-
/// transfer tokens are refused at funding (balance must grow by the amount); rebasing tokens are not supported.
/// A token that blocks a recipient (USDC blacklist) fails only that recipient's claim.
interface IRewardPool {
    /* TYPES */

    /// @notice Economic parameters; changed only through the queue.
    struct RewardParams {
        /// @dev Token units per work unit, scaled by 1e18.
        uint128 rate;
        /// @dev Most token units credited for one epoch, all devices together.
        uint128 epochBudget;
        /// @dev Most work units one device may be credited in one epoch.
        uint64 deviceCap;
    }

    /// @notice What `initialize` takes.
    struct PoolConfig {
        address token;
        uint32 networkId;
        address admin;
        address guardian;
        address[] verifiers;
        uint8 quorum;
        uint32 epochLength;
        uint32 changeDelay;
        /// @dev Seconds an epoch root waits, vetoable by the guardian, before it pays.
        uint32 challengePeriod;
        RewardParams params;
        uint48 minClaim;
        uint128 maxRelayerFee;
        bool requireDeviceSignatures;
    }

    /// @notice One unit of verified work: `units` of work by `deviceId` in the batch's epoch.
    struct Proof {
        uint256 deviceId;
        uint64 units;
        bytes32 evidenceHash;
    }

    /// @notice A device's own signature over its work report, when the pool requires device-signed work.
    /// @dev `key` must hash to the proof's device id together with `keyType` (see IDeviceRegistry).
    struct DeviceSignature {
        IDeviceRegistry.KeyType keyType;
        bytes key;
        bytes signature;
    }

    /// @notice The verifier quorum's signatures: `signers` strictly ascending, one signature each.
    struct Attestation {
        address[] signers;
        bytes[] signatures;
    }

    /// @notice A claim signed by the account, relayed by anyone.
    struct SignedClaim {
        address account;
        address recipient;
        uint256 maxFee;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice What the epoch-mode quorum signs for one epoch (EIP-712 type `EpochCommit`).
    /// @param root Merkle root over leaves (account, cumulative owed since the pool began), double-hashed as
    /// OpenZeppelin's StandardMerkleTree does.
    /// @param totalOwed Everything epoch mode may have paid or still owes since the pool began, in token units: the
    /// sum over accounts of the highest cumulative ever committed (the sum of leaves until a total goes down).
    /// @param epochTotal What this epoch adds (informational, from the manifest; totals may also go down).
    /// @param manifestHash keccak256 of the published manifest file (per-device work and rewards, per-account totals).
    /// @param manifestUriHash keccak256 of the manifest's URI.
    /// @param formulaVersion Version of the reward formula that turned work into rewards.
    struct EpochCommit {
        uint32 epoch;
        bytes32 root;
        uint256 totalOwed;
        uint256 epochTotal;
        bytes32 manifestHash;
        bytes32 manifestUriHash;
        uint32 formulaVersion;
    }

    /// @notice A committed epoch root as the pool stores it.
    struct EpochRoot {
        bytes32 root;
        uint128 totalOwed;
        uint32 epoch;
        uint64 claimableAt;
    }

    /// @notice An account's entry: ledger credit not yet paid (WAD), what epoch mode paid it, its claim nonce.
    struct AccountView {
        uint256 unpaidWad;
        uint256 ledgerClaimable;
        uint256 paidEpoch;
        uint256 claimNonce;
    }

    /// @notice Pool-wide totals, in token units unless named WAD.
    /// @dev Total paid is not kept on-chain (it would cost every claim a write): it is the sum of `Claimed`
    /// events, and the pool's balance is `funded - paid` (plus any tokens sent to it directly).
    struct Totals {
        uint256 funded;
        uint256 creditedWad;
        uint256 clawedBackWad;
        uint256 epochOwed;
    }

    /// @notice Everything about the pool that is not per account, for SDKs and auditors.
    struct PoolSettings {
        address token;
        address registry;
        uint32 networkId;
        uint64 genesis;
        uint32 epochLength;
        uint32 changeDelay;
        uint32 challengePeriod;
        uint8 quorum;
        uint16 verifierCount;
        bool requireDeviceSignatures;
        uint48 minClaim;
        uint128 maxRelayerFee;
        address admin;
        address pendingAdmin;
        address guardian;
        bool paused;
    }

    /* EVENTS */

    /// @notice The pool was initialized; its verifier set and reward parameters follow as `VerifierSetChanged`
    /// and `RewardParamsChanged`, its claim settings as `ClaimSettingsChanged`.
    event PoolInitialized(
        address indexed token,
        uint32 indexed networkId,
        address indexed admin,
        address guardian,
        uint64 genesis,
        uint32 epochLength,
        uint32 changeDelay,
        uint32 challengePeriod,
        bool requireDeviceSignatures
    );
    event Funded(address indexed from, bytes32 indexed ref, uint256 amount);
    event BatchRecorded(
        uint32 indexed epoch,
        uint256 indexed batchNonce,
        bytes32 proofsHash,
        uint256 proofCount,
        uint256 totalUnits,
        uint256 rewardWad,
        uint128 rate,
        address[] signers
    );
    /// @notice One proof credited to `account`, the device's payee of record when it was recorded.
    /// @dev Kept small because it is emitted once per proof: its epoch, batch and rate are those of the
    /// `BatchRecorded` event that follows it in the same transaction, and its reward is `units * rate` (WAD).
    event WorkRecorded(uint256 indexed deviceId, address indexed account, uint64 units, bytes32 evidenceHash);
    /// @notice `account` was paid `ledgerAmount + epochAmount`, sent to `recipient` (less any relayer fee).
    event Claimed(address indexed account, address indexed recipient, uint256 ledgerAmount, uint256 epochAmount);
    /// @notice A relayer took `fee` out of the signed claim of `account` it submitted.
    event RelayerFeePaid(address indexed account, address indexed relayer, uint256 fee);
    /// @notice The quorum committed an epoch root; it pays from `claimableAt` unless vetoed before.
    event EpochCommitted(
        uint32 indexed epoch,
        bytes32 root,
        uint256 totalOwed,
        uint256 epochTotal,
        bytes32 manifestHash,
        bytes32 manifestUriHash,
        uint32 formulaVersion,
        uint64 claimableAt,
        address[] signers
    );
    /// @notice A pending root was replaced by a later commit before it became claimable.
    event EpochSuperseded(uint32 indexed epoch, uint32 indexed byEpoch);
    event EpochVetoed(uint32 indexed epoch, address indexed by, bytes32 reasonHash);
    /// @notice A proven cumulative is below what epoch mode already paid the account (fraud found later):
    /// nothing more is paid until its cumulative passes `paidEpoch`.
    event EpochShortfall(address indexed account, uint256 cumulative, uint256 paidEpoch);
    event ClawedBack(
        address indexed account,
        uint256 indexed deviceId,
        uint256 amountWad,
        bytes32 reasonHash,
        uint256 nonce,
        address[] signers
    );
    event VerifierChangeQueued(address[] add, address[] remove, uint8 quorum, uint64 eta);
    event VerifierSetChanged(address[] add, address[] remove, uint8 quorum);
    event RewardParamsQueued(RewardParams params, uint64 eta);
    event RewardParamsChanged(RewardParams params);
    event QueuedChangeCancelled(bool verifiers, bool params, address by);
    event ClaimSettingsChanged(uint48 minClaim, uint128 maxRelayerFee);
    event GuardianChanged(address indexed previous, address indexed guardian);
    event AdminTransferStarted(address indexed admin, address indexed pendingAdmin);
    event AdminTransferred(address indexed previous, address indexed admin);
    event Paused(address indexed by);
    event Unpaused(address indexed by);

    /* ERRORS */

    error RewardPoolInvalidConfig(string field);
    error RewardPoolUnauthorized(address account);
    error RewardPoolPaused();
    error RewardPoolZeroAmount();
    error RewardPoolFeeOnTransfer(uint256 expected, uint256 received);
    error RewardPoolEmptyBatch();
    error RewardPoolBatchNonceUsed(uint256 batchNonce);
    error RewardPoolEpochNotClosed(uint32 epoch, uint32 currentEpoch);
    error RewardPoolQuorumNotMet(uint256 signers, uint8 quorum);
    error RewardPoolSignerLengthMismatch(uint256 signers, uint256 signatures);
    error RewardPoolSignersNotSorted(uint256 position, address signer);
    error RewardPoolNotVerifier(uint256 position, address signer);
    error RewardPoolInvalidVerifierSignature(uint256 position, address signer);
    error RewardPoolDeviceSignaturesMismatch(uint256 proofs, uint256 signatures);
    /// @notice Proof `index` of the batch is refused; `reason` names why (see ProofRejection).
    error RewardPoolProofRejected(uint256 index, uint256 deviceId, ProofRejection reason);
    error RewardPoolBudgetExceeded(uint32 epoch, uint256 budgetWad, uint256 neededWad);
    error RewardPoolInsolvent(uint256 availableWad, uint256 neededWad);
    error RewardPoolNothingToClaim(address account);
    error RewardPoolBelowMinimumClaim(address account, uint256 claimable, uint256 minClaim);
    error RewardPoolClaimExpired(uint256 deadline, uint256 timestamp);
    error RewardPoolInvalidClaimNonce(address account, uint256 expected, uint256 got);
    error RewardPoolInvalidClaimSignature(address account);
    error RewardPoolFeeTooHigh(uint256 fee, uint256 maxFee);
    error RewardPoolClawbackTooLarge(address account, uint256 unclaimedWad, uint256 amountWad);
    error RewardPoolNoQueuedChange();
    error RewardPoolChangeNotDue(uint64 eta, uint256 timestamp);
    error RewardPoolEpochNotAfterLatest(uint32 epoch, uint32 latest);
    error RewardPoolInvalidMerkleProof(address account, uint256 cumulative);
    error RewardPoolNoEpochRoot();
    error RewardPoolNothingToVeto(uint32 epoch);

    /// @notice Why a proof was refused.
    enum ProofRejection {
        None,
        UnknownDevice,
        WrongNetwork,
        DeviceNotActive,
        AlreadyRecorded,
        ZeroUnits,
        OverDeviceCap,
        BadDeviceSignature
    }

    /* SETUP */

    /// @notice Called once by the factory on a fresh clone.
    function initialize(IDeviceRegistry registry, PoolConfig calldata config) external;

    /* FUNDING */

    /// @notice Pulls `amount` from the caller (approved first) and records it under `ref`.
    function fund(uint256 amount, bytes32 ref) external;

    /// @notice Like {fund}, with an EIP-2612 permit signed by the caller.
    function fundWithPermit(uint256 amount, bytes32 ref, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Funds through an EIP-3009 `receiveWithAuthorization` signed by `from`, relayed by anyone.
    /// @dev The authorization's nonce must be `keccak256(abi.encode(ref, salt))`, so the funder's signature also
    /// fixes the funding reference.
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

    /* LEDGER MODE */

    /// @notice Records a batch of proofs for `epoch`, attested by the verifier quorum over
    /// (pool, epoch, batchNonce, keccak256(abi.encode(proofs))). All or nothing.
    function recordProofs(
        uint32 epoch,
        uint256 batchNonce,
        Proof[] calldata proofs,
        DeviceSignature[] calldata deviceSignatures,
        Attestation calldata attestation
    ) external;

    /// @notice Removes `amountWad` of unclaimed credit from `account`, for fraudulent work by `deviceId`,
    /// attested by the verifier quorum over (pool, account, deviceId, amountWad, reasonHash, nonce).
    function clawback(
        address account,
        uint256 deviceId,
        uint256 amountWad,
        bytes32 reasonHash,
        uint256 nonce,
        Attestation calldata attestation
    ) external;

    /* CLAIMS */

    /// @notice Pays `account` everything it is owed by both modes: its ledger credit and, when `cumulative` is
    /// non-zero, its epoch-mode cumulative proven against the root in force. Anyone may call; funds go to
    /// `account` only. Fleets claim for all their devices and epochs at once.
    function claim(address account, uint256 cumulative, bytes32[] calldata proof) external returns (uint256 amount);

    /// @notice Pays a claim the account signed: `fee` to the caller (at most the signed max and the pool cap),
    /// the rest to the signed recipient. `cumulative` and `proof` as in {claim}; they are proven, not signed.
    function claimWithSig(
        SignedClaim calldata claim,
        uint256 cumulative,
        bytes32[] calldata proof,
        uint256 fee,
        bytes calldata signature
    ) external returns (uint256);

    /* EPOCH MODE */

    /// @notice Commits an epoch root signed by the verifier quorum. Refused if its total owed exceeds what the
    /// pool received minus what ledger mode owes, if its epoch is not closed or not after the latest commit.
    function commitEpoch(EpochCommit calldata commit, Attestation calldata attestation) external;

    /// @notice Vetoes the pending root of `epoch` before it becomes claimable. Guardian only.
    function vetoEpoch(uint32 epoch, bytes32 reasonHash) external;

    /* GOVERNANCE */

    function queueVerifierChange(address[] calldata add, address[] calldata remove, uint8 quorum) external;
    function queueRewardParams(RewardParams calldata params) external;
    /// @notice Applies queued changes whose delay has passed. Anyone may call; recordProofs applies them too.
    function applyQueuedChanges() external;
    function cancelQueuedChanges() external;
    function setClaimSettings(uint48 minClaim, uint128 maxRelayerFee) external;
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
    function fundedByRef(bytes32 ref) external view returns (uint256);
    function epochCreditedWad(uint32 epoch) external view returns (uint256);
    function isRecorded(uint32 epoch, uint256 deviceId) external view returns (bool);
    /// @notice Whether `account` is a verifier now, counting a queued change whose delay has passed.
    function isVerifier(address account) external view returns (bool);
    /// @notice The reward parameters in force now, counting a queued change whose delay has passed.
    function rewardParams() external view returns (RewardParams memory);
    /// @notice The root that pays now, and the one waiting out its challenge period (zero if none).
    function epochRoots() external view returns (EpochRoot memory active, EpochRoot memory pending);
    /// @notice What `claim(account, cumulative, proof)` would pay now; reverts on a bad proof.
    function claimable(
        address account,
        uint256 cumulative,
        bytes32[] calldata proof
    ) external view returns (uint256 ledgerAmount, uint256 epochAmount);
}
