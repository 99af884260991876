// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeviceRegistry} from "./IDeviceRegistry.sol";

/// @title IRewardPoolBase
/// @notice Types, events and errors of a reward pool, shared by its parts ({IRewardPoolCore},
/// {IRewardPoolGovernance} and {IRewardPoolSettlement}). Clients use {IRewardPool}, which joins them; its NatSpec
/// names the roles and documents every signed message.
interface IRewardPoolBase {
    /* TYPES */

    /// @notice Economic parameters of an epoch; scheduled through the delay, fixed once their epoch starts.
    struct RewardParams {
        /// @dev Token units per work unit, scaled by 1e18.
        uint128 rate;
        /// @dev Most token units credited for one epoch, all devices and both modes together.
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
        /// @dev How many closed epochs can still be recorded or committed: epoch `e` until epoch
        /// `e + settlementWindow` ends. At least 1.
        uint16 settlementWindow;
        RewardParams params;
        /// @dev At most 10^7 token units; an account's own claim is never held to it.
        uint40 minClaim;
        uint128 maxRelayerFee;
        /// @dev Ledger mode checks each proof's device signature; epoch mode is then refused.
        bool requireDeviceSignatures;
        /// @dev The outflow breaker: at most `outflowLimit` token units leave by claims in any `outflowWindow`
        /// seconds. Non-zero, below 2^128 and written with at most seven significant digits (`m * 10^e`,
        /// `m < 2^24`); the window is 1 to 2^24 - 1 seconds.
        uint128 outflowLimit;
        uint32 outflowWindow;
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

    /// @notice The verifier quorum's signatures over one message: `signers` strictly ascending, one signature
    /// each (65-byte ECDSA for EOAs, anything the contract accepts for ERC-1271 signers).
    struct QuorumSignatures {
        address[] signers;
        bytes[] signatures;
    }

    /// @notice A claim signed by the account, relayed by anyone (EIP-712 type `Claim`).
    struct SignedClaim {
        address account;
        address recipient;
        uint256 maxFee;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice What the epoch-mode quorum signs for one epoch (EIP-712 type `EpochCommit`).
    /// @param epoch The closed epoch the root is for; it covers every epoch since the root in force.
    /// @param nonce Must be `commitNonce()`; used up when the commit is accepted.
    /// @param root Merkle root over leaves (account, cumulative owed since the pool began), double-hashed as
    /// OpenZeppelin's StandardMerkleTree does.
    /// @param totalOwed Everything epoch mode may have paid or still owes since the pool began, in token units: the
    /// sum over accounts of the highest cumulative ever committed. Never below the root in force's, and above it by
    /// at most the budget left in the epochs the commit covers.
    /// @param epochTotal What this epoch adds (informational, from the manifest; totals may also go down).
    /// @param rate The rate the manifest applied; must be the rate of `epoch` (see `rewardParamsAt`).
    /// @param manifestHash keccak256 of the published manifest file (per-device work and rewards, per-account totals).
    /// @param manifestUri Where the manifest is published (`ipfs://…` or `https://…`), emitted for auditors.
    /// @param formulaVersion Version of the reward formula that turned work into rewards.
    /// @param ledgerCreditedWad The pool's ledger credit (`totals().creditedWad`) when the root was built: the commit
    /// is refused if ledger mode credited or clawed back anything since, so no work is paid by both modes.
    /// @param deadline Last timestamp (inclusive) it may be submitted at: a commit that failed cannot come back later.
    struct EpochCommit {
        uint32 epoch;
        uint32 nonce;
        bytes32 root;
        uint256 totalOwed;
        uint256 epochTotal;
        uint128 rate;
        bytes32 manifestHash;
        string manifestUri;
        uint32 formulaVersion;
        uint256 ledgerCreditedWad;
        uint256 deadline;
    }

    /// @notice A committed epoch root as the pool stores it.
    struct EpochRoot {
        bytes32 root;
        uint128 totalOwed;
        uint32 epoch;
        uint32 nonce;
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
    /// @dev The pool's balance is `funded - paid`, plus any surplus (tokens sent to it directly, see `surplus()`).
    struct Totals {
        uint256 funded;
        uint256 creditedWad;
        uint256 clawedBackWad;
        /// @dev The larger total owed of the root in force and the pending one: what solvency reserves.
        uint256 epochOwed;
        /// @dev What epoch mode has paid, never more than the root in force's total owed.
        uint256 epochPaid;
        /// @dev Everything claims have paid out, both modes, relayer fees included (the sum of `Claimed` events).
        uint256 paid;
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
        uint16 settlementWindow;
        uint8 quorum;
        uint16 verifierCount;
        bool requireDeviceSignatures;
        uint40 minClaim;
        uint128 maxRelayerFee;
        address admin;
        address pendingAdmin;
        address guardian;
        bool paused;
        uint256 outflowLimit;
        uint32 outflowWindow;
    }

    /// @notice Changes the admin scheduled that are not applied yet (an `eta` of zero: none).
    struct PendingChanges {
        address guardian;
        uint64 guardianEta;
        uint256 outflowLimit;
        uint32 outflowWindow;
        uint64 outflowEta;
        address sweepTo;
        uint256 sweepAmount;
        uint64 sweepEta;
    }

    /* EVENTS */

    /// @notice The pool was initialized. In the same transaction, in this order: `VerifierSetChanged` (the initial
    /// set), `PoolInitialized`, `RewardParamsScheduled` (epoch 0), `ClaimSettingsChanged`, `OutflowLimitChanged`,
    /// then OpenZeppelin Initializable's `Initialized(1)`.
    event PoolInitialized(
        address indexed token,
        uint32 indexed networkId,
        address indexed admin,
        address guardian,
        uint64 genesis,
        uint32 epochLength,
        uint32 changeDelay,
        uint32 challengePeriod,
        uint16 settlementWindow,
        bool requireDeviceSignatures
    );
    /// @notice `from` funded the pool with `amount` under the funding reference `ref`.
    event Funded(address indexed from, bytes32 indexed ref, uint256 amount);
    /// @notice A quorum-signed batch was recorded; its `WorkRecorded` events precede it in the same transaction.
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
    /// @notice The outflow breaker let only part of `account`'s claim leave: `deferred` stays credited, and fits from
    /// `retryAt` if nothing else leaves first. Emitted before the claim's `Claimed`.
    event ClaimDeferred(address indexed account, uint256 deferred, uint256 retryAt);
    /// @notice A relayer took `fee` out of the signed claim of `account` it submitted.
    event RelayerFeePaid(address indexed account, address indexed relayer, uint256 fee);
    /// @notice The signed claim at `index` of a batch (see {IRewardPoolSettlement-claimBatchWithSig}) was skipped:
    /// `reason` is what the single claim would have reverted with (its first four bytes, the error's selector, are
    /// the reason code). Nothing of that account moved: its credit and its claim nonce are intact.
    event ClaimSkipped(address indexed account, uint256 index, bytes reason);
    /// @notice A batch of `claims` signed claims was settled by `relayer`: `skipped` of them skipped (each with its
    /// `ClaimSkipped`), the others paid `amount` in total (relayer fees included; each with its `Claimed`).
    event ClaimBatchSettled(address indexed relayer, uint256 claims, uint256 skipped, uint256 amount);
    /// @notice The claim of `account` just paid (its `Claimed` precedes this) was entry `index` of the claim bundle
    /// whose EIP-712 digest is `bundle` (see {IRewardPoolSettlement-claimBundledWithSig}): the same `bundle` in every
    /// pool it paid in links them.
    event ClaimBundled(address indexed account, bytes32 indexed bundle, uint256 index);
    /// @notice `account` opted in to push payouts (see {IRewardPoolSettlement-pushPayouts}), paid to `recipient`;
    /// `recipient` zero: it opted out, only claims pay it again.
    event PushRecipientSet(address indexed account, address indexed recipient);
    /// @notice A push payout batch skipped `account` for `reason`: nothing of it moved, its credit is intact.
    event PushSkipped(address indexed account, PushSkipReason reason);
    /// @notice `keeper` ran a push payout batch of `accounts` entries: `skipped` of them skipped (each with its
    /// `PushSkipped`), the others paid `amount` in total (each with its `Claimed`).
    event PushBatchSettled(address indexed keeper, uint256 accounts, uint256 skipped, uint256 amount);
    /// @notice The quorum committed an epoch root; it pays from `claimableAt` unless vetoed before.
    event EpochCommitted(
        uint32 indexed epoch,
        uint32 indexed nonce,
        bytes32 root,
        uint256 totalOwed,
        uint256 epochTotal,
        uint128 rate,
        bytes32 manifestHash,
        string manifestUri,
        uint32 formulaVersion,
        uint64 claimableAt,
        address[] signers
    );
    /// @notice A pending root (commit `nonce` for `epoch`) was replaced by a later commit before it paid.
    event EpochSuperseded(uint32 indexed epoch, uint32 indexed nonce, uint32 byEpoch);
    /// @notice The guardian vetoed the pending root of commit `nonce` for `epoch`: it never pays and its nonce is
    /// spent, so it cannot be submitted again; the quorum may commit a corrected root for the same epoch.
    event EpochVetoed(uint32 indexed epoch, uint32 indexed nonce, address indexed by, bytes32 reasonHash);
    /// @notice A proven cumulative is below what epoch mode already paid the account (fraud found later):
    /// nothing more is paid until its cumulative passes `paidEpoch`.
    event EpochShortfall(address indexed account, uint256 cumulative, uint256 paidEpoch);
    /// @notice The quorum removed `amountWad` of `account`'s unclaimed ledger credit for fraud by `deviceId`.
    event ClawedBack(
        address indexed account,
        uint256 indexed deviceId,
        uint256 amountWad,
        bytes32 reasonHash,
        uint256 nonce,
        address[] signers
    );
    /// @notice A verifier-set change was scheduled; it is in force from `eta`.
    event VerifierChangeQueued(address[] add, address[] remove, uint8 quorum, uint64 eta);
    /// @notice The verifier set changed (at initialization, or a scheduled change applied).
    event VerifierSetChanged(address[] add, address[] remove, uint8 quorum);
    /// @notice `params` are the reward parameters of every epoch from `fromEpoch` (which starts at `startsAt`) until
    /// a later schedule. A schedule replaces one that is not in force yet.
    event RewardParamsScheduled(uint32 indexed fromEpoch, RewardParams params, uint64 startsAt);
    /// @notice Scheduled changes that were not in force yet were cancelled.
    event QueuedChangeCancelled(bool verifiers, bool params, address by);
    event ClaimSettingsChanged(uint40 minClaim, uint128 maxRelayerFee);
    /// @notice The guardian changes to `guardian` from `eta` unless the admin cancels it first.
    event GuardianChangeQueued(address indexed guardian, uint64 eta);
    event GuardianChangeCancelled(address indexed guardian, address by);
    /// @notice The guardian changed (a scheduled change applied).
    event GuardianChanged(address indexed previous, address indexed guardian);
    /// @notice The outflow breaker changes to `limit` per `window` seconds once applied from `eta`, unless cancelled.
    event OutflowLimitQueued(uint256 limit, uint32 window, uint64 eta);
    event OutflowLimitCancelled(uint256 limit, uint32 window, address by);
    /// @notice The outflow breaker is now at most `limit` token units per `window` seconds.
    event OutflowLimitChanged(uint256 limit, uint32 window);
    /// @notice `amount` surplus tokens go to `to` once executed from `eta`, unless cancelled first.
    event SweepQueued(address indexed to, uint256 amount, uint64 eta);
    event SweepCancelled(address indexed to, uint256 amount, address by);
    /// @notice `amount` surplus tokens (never owed, never funding) were sent to `to`, the recipient the admin named.
    event Swept(address indexed to, uint256 amount, address by);
    event AdminTransferStarted(address indexed admin, address indexed pendingAdmin);
    event AdminTransferred(address indexed previous, address indexed admin);
    event Paused(address indexed by);
    event Unpaused(address indexed by);

    /* ERRORS */

    /// @notice A configuration value is invalid; `field` names it.
    error RewardPoolInvalidConfig(string field);
    /// @notice `account` does not hold the role this call needs.
    error RewardPoolUnauthorized(address account);
    /// @notice The pool is paused: no funding, recording, committing or claiming.
    error RewardPoolPaused();
    /// @notice An amount that must be positive is zero.
    error RewardPoolZeroAmount();
    /// @notice The token delivered `received` instead of `expected` (fee-on-transfer tokens are not supported).
    error RewardPoolFeeOnTransfer(uint256 expected, uint256 received);
    /// @notice A proof batch with no proof.
    error RewardPoolEmptyBatch();
    /// @notice This proof-batch nonce was already used.
    error RewardPoolBatchNonceUsed(uint256 batchNonce);
    /// @notice This clawback nonce was already used.
    error RewardPoolClawbackNonceUsed(uint256 nonce);
    /// @notice Work can only be recorded or committed for a closed epoch.
    error RewardPoolEpochNotClosed(uint32 epoch, uint32 currentEpoch);
    /// @notice `epoch` is past the settlement window; `oldest` is the oldest epoch that can still be paid for.
    error RewardPoolEpochOutsideWindow(uint32 epoch, uint32 oldest);
    /// @notice Ledger mode cannot record `epoch`: epoch mode's commits already cover every epoch below `coveredTo`.
    error RewardPoolEpochCoveredByRoot(uint32 epoch, uint32 coveredTo);
    /// @notice Fewer signers than the quorum.
    error RewardPoolQuorumNotMet(uint256 signers, uint8 quorum);
    /// @notice The signer and signature lists differ in length.
    error RewardPoolSignerLengthMismatch(uint256 signers, uint256 signatures);
    /// @notice Signers must be strictly ascending; `signer` at `position` is not.
    error RewardPoolSignersNotSorted(uint256 position, address signer);
    /// @notice `signer` at `position` is not a verifier (now).
    error RewardPoolNotVerifier(uint256 position, address signer);
    /// @notice The signature at `position` is not `signer`'s over this message in this pool's domain.
    error RewardPoolInvalidVerifierSignature(uint256 position, address signer);
    /// @notice A device-signed pool needs one device signature per proof; any other pool none.
    error RewardPoolDeviceSignaturesMismatch(uint256 proofs, uint256 signatures);
    /// @notice Proof `index` of the batch is refused; `reason` names why (see ProofRejection).
    error RewardPoolProofRejected(uint256 index, uint256 deviceId, ProofRejection reason);
    /// @notice Crediting `neededWad` would pass `budgetWad`, the budget left for `epoch` (for a commit: summed over
    /// the epochs it covers, up to `epoch`).
    error RewardPoolBudgetExceeded(uint32 epoch, uint256 budgetWad, uint256 neededWad);
    /// @notice Everything owed would pass everything funded (both in WAD).
    error RewardPoolInsolvent(uint256 availableWad, uint256 neededWad);
    /// @notice `account` has nothing to claim.
    error RewardPoolNothingToClaim(address account);
    /// @notice The claim is below the pool's minimum claim.
    error RewardPoolBelowMinimumClaim(address account, uint256 claimable, uint256 minClaim);
    /// @notice A signed message (claim, clawback, epoch commit) was submitted after its deadline.
    error RewardPoolSignatureExpired(uint256 deadline, uint256 timestamp);
    /// @notice A signed claim carries `got` but the account's next claim nonce is `expected`.
    error RewardPoolInvalidClaimNonce(address account, uint256 expected, uint256 got);
    /// @notice The token blacklists `account` (USDC): its signed claim to another recipient is refused and its
    /// credit stays in the pool, untouched.
    error RewardPoolAccountBlocked(address account);
    /// @notice The EIP-2612 permit failed (`reason` is the token's revert data) and no allowance covers the amount.
    error RewardPoolPermitFailed(bytes reason);
    /// @notice The claim signature is not `account`'s.
    error RewardPoolInvalidClaimSignature(address account);
    /// @notice The relayer asked for `fee`, above `maxFee`: the smaller of the signed maximum and the pool's cap.
    error RewardPoolFeeTooHigh(uint256 fee, uint256 maxFee);
    /// @notice The relayer asked for `fee`, more than the claim pays (`amount`).
    error RewardPoolFeeAboveClaim(uint256 fee, uint256 amount);
    /// @notice A clawback of `amountWad` is more than `account`'s unclaimed credit.
    error RewardPoolClawbackTooLarge(address account, uint256 unclaimedWad, uint256 amountWad);
    /// @notice No scheduled change that this call could act on.
    error RewardPoolNoQueuedChange();
    /// @notice The scheduled verifier change is not due before `eta`.
    error RewardPoolChangeNotDue(uint64 eta, uint256 timestamp);
    /// @notice A commit must be for an epoch after the root in force's and not before the pending root's.
    error RewardPoolEpochNotAfterLatest(uint32 epoch, uint32 latest);
    /// @notice The commit was built against ledger credit `built`; ledger mode has `current` now (a batch or a
    /// clawback since): rebuild the root from the chain as it is.
    error RewardPoolLedgerChanged(uint256 built, uint256 current);
    /// @notice An epoch commit carries `got` but the next commit nonce is `expected`.
    error RewardPoolInvalidCommitNonce(uint32 expected, uint32 got);
    /// @notice An epoch commit's rate is not the rate of its epoch.
    error RewardPoolRateMismatch(uint32 epoch, uint128 rate, uint128 committed);
    /// @notice An epoch commit's total owed is below the root in force's: total owed never decreases.
    error RewardPoolTotalOwedDecreased(uint256 totalOwed, uint256 inForce);
    /// @notice An epoch commit's total owed does not fit epoch mode's packed state (below 2^104 token units).
    error RewardPoolTotalOwedTooLarge(uint256 totalOwed, uint256 max);
    /// @notice Epoch mode is off in a pool that requires device-signed work (a root cannot prove device signatures).
    error RewardPoolEpochModeDisabled();
    /// @notice Paying this claim would take epoch mode's payouts to `paid`, past the `totalOwed` the root in force
    /// declared: its leaves add up to more than it claimed, so it pays no more (the guardian should have vetoed it).
    error RewardPoolEpochPayoutCapped(uint256 paid, uint256 totalOwed);
    /// @notice The leaf (account, cumulative) is not in the root in force.
    error RewardPoolInvalidMerkleProof(address account, uint256 cumulative);
    /// @notice No epoch root is in force yet.
    error RewardPoolNoEpochRoot();
    /// @notice Entry `index` of a claim batch is not an encoded `claimWithSig` call.
    error RewardPoolInvalidBatchClaim(uint256 index);
    /// @notice Entry `index` of the claim bundle is not this pool's claim: out of range, or not the hash of
    /// `PoolClaim(this pool, maxFee, nonce)` with the `maxFee` and `nonce` passed.
    error RewardPoolNotInBundle(uint256 index);
    /// @notice A claim batch's multiproof does not prove its epoch-mode leaves against the root in force.
    error RewardPoolInvalidMultiproof(uint256 leaves);
    /// @notice A push payout batch lists `accounts` accounts but `cumulatives` cumulatives: one each.
    error RewardPoolPushLengthMismatch(uint256 accounts, uint256 cumulatives);
    /// @notice A push payout's token transfer ran out of gas: send the batch with more gas (or fewer accounts).
    error RewardPoolPushOutOfGas();
    /// @notice The pool itself cannot be a push payout recipient (the tokens would stay in it as surplus).
    error RewardPoolInvalidPushRecipient(address recipient);
    /// @notice No root of commit `nonce` for `epoch` is in its challenge period (the pending root, if any, is another
    /// commit: a veto names exactly the commit it stops).
    error RewardPoolNothingToVeto(uint32 epoch, uint32 nonce);
    /// @notice The outflow breaker holds this claim of `amount`: only `available` may leave now, less than the
    /// claim's minimum. Nothing moved and the credit is intact; it fits from `retryAt` (a timestamp) if nothing else
    /// leaves first (`type(uint256).max`: never, the minimum claim is above the whole limit).
    error RewardPoolOutflowLimited(uint256 amount, uint256 available, uint256 retryAt);
    /// @notice A sweep of `amount` is more than the surplus (tokens beyond `funded - paid`).
    error RewardPoolSweepExceedsSurplus(uint256 amount, uint256 surplus);

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

    /// @notice Why a push payout skipped an account (see {IRewardPoolSettlement-pushPayouts}).
    enum PushSkipReason {
        /// @dev Not skipped (never emitted).
        None,
        /// @dev The account has not opted in to push payouts.
        NotOptedIn,
        /// @dev Nothing to pay: no whole token unit of ledger credit, and no epoch amount beyond what was paid.
        NothingToPay,
        /// @dev Below the pool's minimum claim (a keeper never pushes dust).
        BelowMinimumClaim,
        /// @dev The root in force has no payout headroom left for it (its leaves add up to more than it declared).
        EpochPayoutCapped,
        /// @dev The outflow breaker has no room for all of it in this window (pushes are never paid in part).
        OutflowLimited,
        /// @dev The token blacklists the account, which names another recipient (its credit stays with it).
        AccountBlocked,
        /// @dev The token blacklists the recipient.
        RecipientBlocked,
        /// @dev The token transfer reverted or returned false (a paused token, a short balance).
        TransferFailed
    }
}
