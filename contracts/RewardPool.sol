// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Time is part of the design here (epochs, signature deadlines, the change delay, the challenge period, the outflow
// windows): all are measured in hours or days, so a block producer's few seconds of leeway move none of them.
// solhint-disable not-rely-on-time

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";

import {IDeviceRegistry} from "./interfaces/IDeviceRegistry.sol";
import {IBlacklistable} from "./interfaces/IBlacklistable.sol";
import {IRewardPoolCore} from "./interfaces/IRewardPoolCore.sol";
import {IRewardPoolGovernance} from "./interfaces/IRewardPoolGovernance.sol";
import {DeviceKeys} from "./libraries/DeviceKeys.sol";
import {DeviceWord} from "./libraries/DeviceWord.sol";
import {EpochHead, EpochHeadLibrary} from "./libraries/EpochHead.sol";
import {Outflow, OutflowLibrary} from "./libraries/Outflow.sol";
import {RewardPoolStorage} from "./RewardPoolStorage.sol";

/// @title RewardPool
/// @notice See {IRewardPool}. This contract serves {IRewardPoolCore}, what moves value; its fallback delegates
/// everything in {IRewardPoolGovernance} to a governance contract fixed at deployment. Deployed by
/// {RewardPoolFactory}, either as an EIP-1167 clone (cheap to create) or whole (no proxy, cheaper per call); the
/// clones' implementation itself can never be initialized.
/// @dev Ledger-mode cost per proof is the figure this contract is shaped around: "recorded in epoch E" flags are
/// bitmaps over the registry's dense device index (256 devices per slot), and consecutive proofs of one payee
/// accumulate in memory so a fleet's credit is written once per run, not once per device.
contract RewardPool is RewardPoolStorage, IRewardPoolCore, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using BitMaps for BitMaps.BitMap;
    using DeviceKeys for IDeviceRegistry.KeyType;

    /* CONSTANTS */

    bytes32 public constant PROOF_BATCH_TYPEHASH = keccak256(
        "ProofBatch(uint32 epoch,uint256 batchNonce,bytes32 proofsHash)"
    );
    bytes32 public constant WORK_REPORT_TYPEHASH = keccak256(
        "WorkReport(uint256 deviceId,uint32 epoch,uint64 units,bytes32 evidenceHash)"
    );
    bytes32 public constant CLAWBACK_TYPEHASH = keccak256(
        "Clawback(address account,uint256 deviceId,uint256 amountWad,bytes32 reasonHash,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant CLAIM_TYPEHASH = _CLAIM_TYPEHASH;
    bytes32 public constant EPOCH_COMMIT_TYPEHASH = keccak256(
        "EpochCommit(uint32 epoch,uint32 nonce,bytes32 root,uint256 totalOwed,uint256 epochTotal,uint128 rate,"
        "bytes32 manifestHash,string manifestUri,uint32 formulaVersion,uint256 ledgerCreditedWad,uint256 deadline)"
    );

    /// @inheritdoc IRewardPoolCore
    address public immutable GOVERNANCE;

    /* CONSTRUCTOR */

    /// @param asImplementation True for the implementation behind clones, which must never be initialized itself;
    /// false for a pool deployed whole by the factory, which initializes it in the same transaction.
    /// @param governance The {RewardPoolGovernance} this pool delegates governance and views to.
    constructor(bool asImplementation, address governance) EIP712(_DOMAIN_NAME, _DOMAIN_VERSION) {
        GOVERNANCE = governance;
        if (asImplementation) _disableInitializers();
    }

    /// @notice Serves {IRewardPoolGovernance}: runs the governance contract's code on this pool's storage and
    /// returns (or reverts with) exactly what it returned.
    fallback(bytes calldata data) external returns (bytes memory) {
        return Address.functionDelegateCall(GOVERNANCE, data);
    }

    /* FUNDING */

    /// @inheritdoc IRewardPoolCore
    function fund(uint256 amount, bytes32 ref) external nonReentrant whenNotPaused {
        _pull(msg.sender, amount, ref);
    }

    /* LEDGER MODE */

    /// @inheritdoc IRewardPoolCore
    function recordProofs(
        uint32 epoch,
        uint256 batchNonce,
        Proof[] calldata proofs,
        DeviceSignature[] calldata deviceSignatures,
        QuorumSignatures calldata quorum
    ) external nonReentrant whenNotPaused {
        _applyDueChanges();
        uint256 count = proofs.length;
        require(count != 0, RewardPoolEmptyBatch());
        _requireSettleable(epoch);
        // Epoch mode's latest root covers every epoch up to its own: its budget is spent there.
        EpochRoot memory latest = _rootEntry(_epochHead.latestRoot(), false);
        uint32 coveredTo = latest.claimableAt != 0 ? latest.epoch + 1 : 0;
        require(epoch >= coveredTo, RewardPoolEpochCoveredByRoot(epoch, coveredTo));
        require(!_usedBatchNonces.get(batchNonce), RewardPoolBatchNonceUsed(batchNonce));
        bool deviceSigned = _requireDeviceSignatures;
        require(
            deviceSignatures.length == (deviceSigned ? count : 0),
            RewardPoolDeviceSignaturesMismatch(count, deviceSignatures.length)
        );
        bytes32 proofsHash = keccak256(abi.encode(proofs));
        _checkQuorum(
            _hashTypedDataV4(keccak256(abi.encode(PROOF_BATCH_TYPEHASH, epoch, batchNonce, proofsHash))),
            quorum
        );
        _usedBatchNonces.set(batchNonce);

        // The epoch's own parameters, fixed since it started: a batch credits the same whenever it is submitted.
        RewardParams memory params = _unpackParams(_paramsAt(epoch));
        uint256 totalUnits = _creditProofs(epoch, params, proofs, deviceSignatures, deviceSigned);

        uint256 rewardWad = totalUnits * params.rate;
        uint256 epochCredited = _epochCreditedWad[epoch] + rewardWad;
        uint256 budgetWad = uint256(params.epochBudget) * _WAD;
        require(epochCredited <= budgetWad, RewardPoolBudgetExceeded(epoch, budgetWad, epochCredited));
        _epochCreditedWad[epoch] = epochCredited;
        if (epoch >= _ledgerRecordedTo) _ledgerRecordedTo = epoch + 1;
        uint256 creditedWad = _totalCreditedWad + rewardWad;
        _requireSolvent(creditedWad, _epochOwed());
        _totalCreditedWad = creditedWad;

        emit BatchRecorded(epoch, batchNonce, proofsHash, count, totalUnits, rewardWad, params.rate, quorum.signers);
    }

    /// @inheritdoc IRewardPoolCore
    function clawback(
        address account_,
        uint256 deviceId,
        uint256 amountWad,
        bytes32 reasonHash,
        uint256 nonce,
        uint256 deadline,
        QuorumSignatures calldata quorum
    ) external nonReentrant {
        _applyDueChanges();
        require(amountWad != 0, RewardPoolZeroAmount());
        require(block.timestamp <= deadline, RewardPoolSignatureExpired(deadline, block.timestamp));
        require(!_usedClawbackNonces.get(nonce), RewardPoolClawbackNonceUsed(nonce));
        _checkQuorum(
            _hashTypedDataV4(
                keccak256(abi.encode(CLAWBACK_TYPEHASH, account_, deviceId, amountWad, reasonHash, nonce, deadline))
            ),
            quorum
        );
        _usedClawbackNonces.set(nonce);
        Account storage a = _accounts[account_];
        uint256 unclaimedWad = a.unpaidWad;
        require(amountWad <= unclaimedWad, RewardPoolClawbackTooLarge(account_, unclaimedWad, amountWad));
        // Cannot underflow: amountWad <= unpaidWad, and the total includes this account's unpaid credit.
        unchecked {
            a.unpaidWad -= uint128(amountWad);
            _totalCreditedWad -= amountWad;
        }
        _totalClawedBackWad += amountWad;
        emit ClawedBack(account_, deviceId, amountWad, reasonHash, nonce, quorum.signers);
    }

    /* CLAIMS */

    /// @inheritdoc IRewardPoolCore
    function claim(
        address account_,
        uint256 cumulative,
        bytes32[] calldata proof
    ) external nonReentrant returns (uint256 amount) {
        uint256 config = _firstSlot();
        require(!_pausedIn(config), RewardPoolPaused());
        // The minimum claim keeps others from pushing dust onto an account; the account itself may always take its
        // own credit, so no minimum can freeze it.
        amount = _pay(config, account_, _loadAccount(account_), cumulative, proof, msg.sender != account_, account_, 0);
    }

    /// @inheritdoc IRewardPoolCore
    function claimWithSig(
        SignedClaim calldata c,
        uint256 cumulative,
        bytes32[] calldata proof,
        uint256 fee,
        bytes calldata signature
    ) external nonReentrant returns (uint256 amount) {
        uint256 config = _firstSlot();
        require(!_pausedIn(config), RewardPoolPaused());
        require(block.timestamp <= c.deadline, RewardPoolSignatureExpired(c.deadline, block.timestamp));
        Account memory a = _loadAccount(c.account);
        uint256 expected = a.claimNonce;
        require(c.nonce == expected, RewardPoolInvalidClaimNonce(c.account, expected, c.nonce));
        uint256 maxFee = c.maxFee < _maxRelayerFee ? c.maxFee : _maxRelayerFee;
        require(fee <= maxFee, RewardPoolFeeTooHigh(fee, maxFee));
        bytes32 digest = _claimDigest(c);
        // Or authorized, with no signature of its own, by the claim bundle the pool checked just before this call
        // (transient, see {RewardPoolSettlement-claimBundledWithSig}).
        require(
            (signature.length == 0 && TransientSlot.tload(TransientSlot.asBytes32(_BUNDLED_CLAIM_SLOT)) == digest) ||
                DeviceKeys.verifyAccount(c.account, digest, signature) == DeviceKeys.Verdict.Valid,
            RewardPoolInvalidClaimSignature(c.account)
        );
        // The token checks the recipient and the pool, not the account: a blacklisted account must not route its
        // credit to a clean recipient. Its credit stays, untouched. (Paid to itself, the token refuses it anyway.)
        if (c.recipient != c.account && _hasBlacklistIn(config)) {
            IBlacklistable token = IBlacklistable(address(_tokenIn(config)));
            require(!token.isBlacklisted(c.account), RewardPoolAccountBlocked(c.account));
        }
        ++a.claimNonce;
        amount = _pay(config, c.account, a, cumulative, proof, true, c.recipient, fee);
    }

    /// @inheritdoc IRewardPoolCore
    /// @dev Here rather than in the governance half, beside the pool's EIP-712 domain and signature check. The
    /// nonce is the claim nonce, so a bad nonce or signature reverts with the claim's errors.
    function setPushRecipientWithSig(
        address account_,
        address recipient,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external {
        require(block.timestamp <= deadline, RewardPoolSignatureExpired(deadline, block.timestamp));
        Account storage a = _accounts[account_];
        uint256 expected = a.claimNonce;
        require(nonce == expected, RewardPoolInvalidClaimNonce(account_, expected, nonce));
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(_PUSH_RECIPIENT_TYPEHASH, account_, recipient, nonce, deadline))
        );
        require(
            DeviceKeys.verifyAccount(account_, digest, signature) == DeviceKeys.Verdict.Valid,
            RewardPoolInvalidClaimSignature(account_)
        );
        ++a.claimNonce;
        _setPushRecipient(account_, recipient);
    }

    /* EPOCH MODE */

    /// @inheritdoc IRewardPoolCore
    function commitEpoch(EpochCommit calldata c, QuorumSignatures calldata quorum) external nonReentrant whenNotPaused {
        require(!_requireDeviceSignatures, RewardPoolEpochModeDisabled());
        _applyDueChanges();
        uint32 current = _requireSettleable(c.epoch);
        uint32 nonce = _commitNonce;
        require(c.nonce == nonce, RewardPoolInvalidCommitNonce(nonce, c.nonce));
        // Epoch mode's totals fit its packed head (see {EpochHead}): 2^104 token units is ~2 * 10^13 tokens of 18
        // decimals, far above any pool's funding.
        uint256 maxOwed = EpochHeadLibrary.HEADROOM_MASK;
        require(c.totalOwed <= maxOwed, RewardPoolTotalOwedTooLarge(c.totalOwed, maxOwed));
        require(block.timestamp <= c.deadline, RewardPoolSignatureExpired(c.deadline, block.timestamp));
        // Bound to the ledger it was built against: a batch recorded since (say, a stale one front-running this
        // commit) may hold work the root pays too, so the quorum must rebuild without it.
        uint256 creditedWad = _totalCreditedWad;
        require(c.ledgerCreditedWad == creditedWad, RewardPoolLedgerChanged(c.ledgerCreditedWad, creditedWad));
        (EpochRoot memory active, EpochRoot memory pending, EpochHead head, bool hasPending) = _epochRoots(false);
        bool hasActive = active.claimableAt != 0;
        // After the root in force; a pending root may be corrected for its own epoch or superseded by a later one.
        require(!hasActive || c.epoch > active.epoch, RewardPoolEpochNotAfterLatest(c.epoch, active.epoch));
        require(!hasPending || c.epoch >= pending.epoch, RewardPoolEpochNotAfterLatest(c.epoch, pending.epoch));
        require(c.totalOwed >= active.totalOwed, RewardPoolTotalOwedDecreased(c.totalOwed, active.totalOwed));
        // Growth since the root in force stays within the budget left in the epochs it covers, from the one after
        // the root in force (or the oldest the settlement window allows) to the commit's own.
        uint256 fromEpoch = hasActive ? uint256(active.epoch) + 1 : 0;
        uint256 oldest = _oldestSettleable(current);
        (uint128 rate, uint256 budgetLeftWad) = _epochModeAllowance(c.epoch, fromEpoch > oldest ? fromEpoch : oldest);
        require(c.rate == rate, RewardPoolRateMismatch(c.epoch, rate, c.rate));
        uint256 growthWad = (c.totalOwed - active.totalOwed) * _WAD;
        require(growthWad <= budgetLeftWad, RewardPoolBudgetExceeded(c.epoch, budgetLeftWad, growthWad));
        _checkQuorum(_epochCommitDigest(c), quorum);

        _commitNonce = nonce + 1;
        if (hasPending) emit EpochSuperseded(pending.epoch, pending.nonce, c.epoch);
        uint64 claimableAt = uint64(block.timestamp) + _challengePeriod;
        // A pending root is replaced in place; otherwise the entry not in force takes the new root.
        uint256 target = hasPending ? head.latestRoot() : head.latestRoot() ^ 1;
        _roots[target] = EpochRoot({
            root: c.root,
            totalOwed: uint128(c.totalOwed),
            epoch: c.epoch,
            nonce: nonce,
            claimableAt: claimableAt
        });
        // What the root in force may still pay carries over; the new root may pay that plus its growth. Fits: the
        // new headroom is at most c.totalOwed, below 2^104.
        uint256 activeHeadroom = hasPending ? head.previousHeadroom() : head.latestHeadroom();
        _epochHead = EpochHeadLibrary.encode(
            uint40(claimableAt),
            target,
            c.totalOwed - active.totalOwed + activeHeadroom,
            activeHeadroom
        );
        // With the new root pending: the active root keeps paying until it takes over, so both count, and the larger
        // is the new one (its total owed is not below the active root's, checked above; a pending root it replaces
        // no longer counts).
        _requireSolvent(creditedWad, c.totalOwed);
        _emitEpochCommitted(c, claimableAt, quorum.signers);
    }

    /* INTERNAL: LEDGER */

    /// @dev The per-proof loop. Reads each device once from the registry, keeps the current bitmap word and the
    /// current payee's credit in memory, and writes them back only when the word or the payee changes.
    function _creditProofs(
        uint32 epoch,
        RewardParams memory params,
        Proof[] calldata proofs,
        DeviceSignature[] calldata deviceSignatures,
        bool deviceSigned
    ) internal returns (uint256 totalUnits) {
        uint128 rate = params.rate;
        uint32 networkId = _networkId;
        mapping(uint256 word => uint256 bits) storage recorded = _recorded[epoch];

        // One registry call for the whole batch: the device reads stay cold, the call overhead is paid once.
        uint256[] memory infos;
        {
            uint256[] memory ids = new uint256[](proofs.length);
            for (uint256 i; i < proofs.length; ++i) ids[i] = proofs[i].deviceId;
            infos = _registry.packedRewardInfos(ids);
        }
        uint256 wordIndex = type(uint256).max;
        uint256 word;
        address payee;
        uint256 payeeUnits;
        for (uint256 i; i < proofs.length; ++i) {
            Proof calldata p = proofs[i];
            DeviceWord info = DeviceWord.wrap(infos[i]);
            uint64 units = p.units;
            // Fast path, one comparison each: the device is active in this network; 1 <= units <= cap
            // (units - 1 wraps for zero). The slow path finds and reports the reason.
            unchecked {
                if (!info.isActiveIn(networkId) || units - 1 >= params.deviceCap) {
                    _rejectProof(i, p.deviceId, info, networkId, units, params.deviceCap);
                }
            }
            address devicePayee = info.payee();
            uint256 index = info.index();

            uint256 w = index >> 8;
            if (w != wordIndex) {
                if (wordIndex != type(uint256).max) recorded[wordIndex] = word;
                wordIndex = w;
                word = recorded[w];
            }
            uint256 bit = 1 << (index & 0xff);
            require(word & bit == 0, RewardPoolProofRejected(i, p.deviceId, ProofRejection.AlreadyRecorded));
            word |= bit;

            if (deviceSigned) _checkDeviceSignature(i, p, epoch, deviceSignatures[i]);

            // A run of proofs with one payee (a fleet) is credited once: units add up, rate applies at the flush.
            if (devicePayee != payee) {
                if (payee != address(0)) _credit(payee, payeeUnits * rate);
                payee = devicePayee;
                payeeUnits = 0;
            }
            // Cannot overflow: at most ~10^5 proofs of uint64 units fit in a transaction.
            unchecked {
                payeeUnits += units;
                totalUnits += units;
            }
            emit WorkRecorded(p.deviceId, devicePayee, units, p.evidenceHash);
        }
        recorded[wordIndex] = word;
        _credit(payee, payeeUnits * rate);
    }

    /// @dev Reverts with the reason a proof failed the fast-path check in {_creditProofs}.
    function _rejectProof(
        uint256 i,
        uint256 deviceId,
        DeviceWord info,
        uint32 networkId,
        uint64 units,
        uint64 deviceCap
    ) internal pure {
        IDeviceRegistry.DeviceStatus status = info.status();
        ProofRejection reason;
        if (status == IDeviceRegistry.DeviceStatus.None) reason = ProofRejection.UnknownDevice;
        else if (info.networkId() != networkId) reason = ProofRejection.WrongNetwork;
        else if (status != IDeviceRegistry.DeviceStatus.Active) reason = ProofRejection.DeviceNotActive;
        else if (units == 0) reason = ProofRejection.ZeroUnits;
        else reason = units > deviceCap ? ProofRejection.OverDeviceCap : ProofRejection.None;
        revert RewardPoolProofRejected(i, deviceId, reason);
    }

    function _checkDeviceSignature(
        uint256 i,
        Proof calldata p,
        uint32 epoch,
        DeviceSignature calldata s
    ) internal view {
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(WORK_REPORT_TYPEHASH, p.deviceId, epoch, p.units, p.evidenceHash))
        );
        bool ok =
            s.keyType.deviceId(s.key) == p.deviceId &&
                s.keyType.verifyDevice(s.key, digest, s.signature) == DeviceKeys.Verdict.Valid;
        require(ok, RewardPoolProofRejected(i, p.deviceId, ProofRejection.BadDeviceSignature));
    }

    function _credit(address payee, uint256 amountWad) internal {
        Account storage a = _accounts[payee];
        a.unpaidWad = (uint256(a.unpaidWad) + amountWad).toUint128();
    }

    /// @dev One claim path for both entry points: settles `account_`, then pays `fee` to the caller and the rest to
    /// `recipient`, and emits what was paid. `config`: the pool's first slot ({_firstSlot}).
    function _pay(
        uint256 config,
        address account_,
        Account memory a,
        uint256 cumulative,
        bytes32[] calldata proof,
        bool minimum,
        address recipient,
        uint256 fee
    ) internal returns (uint256 amount) {
        (uint256 ledgerAmount, uint256 epochAmount) = _settle(config, account_, a, cumulative, proof, minimum);
        amount = ledgerAmount + epochAmount;
        require(fee <= amount, RewardPoolFeeAboveClaim(fee, amount));
        IERC20 token = _tokenIn(config);
        if (fee != 0) token.safeTransfer(msg.sender, fee);
        // Cannot underflow: fee <= amount, checked above.
        unchecked {
            token.safeTransfer(recipient, amount - fee);
        }
        emit Claimed(account_, recipient, ledgerAmount, epochAmount);
        if (fee != 0) emit RelayerFeePaid(account_, msg.sender, fee);
    }

    /// @dev Marks what `account_` is paid now as paid and returns it; the caller transfers (checks-effects-
    /// interactions). That is everything it can claim, unless the outflow breaker lets only part of it leave (see
    /// {_release}); the rest stays credited. The epoch part is skipped when `cumulative` is zero. `minimum`: hold the
    /// claim to the pool's minimum claim.
    function _settle(
        uint256 config,
        address account_,
        Account memory a,
        uint256 cumulative,
        bytes32[] calldata proof,
        bool minimum
    ) internal returns (uint256 ledgerAmount, uint256 epochAmount) {
        ledgerAmount = a.unpaidWad / _WAD;
        EpochHead head;
        uint256 index;
        bool latest;
        if (cumulative != 0) {
            head = _epochHead;
            (index, latest) = _verifyLeaf(head, account_, cumulative, proof);
            uint256 paidEpoch = a.paidEpoch;
            if (cumulative > paidEpoch) {
                epochAmount = cumulative - paidEpoch;
            } else if (cumulative < paidEpoch) {
                emit EpochShortfall(account_, cumulative, paidEpoch);
            }
        }
        uint256 amount = ledgerAmount + epochAmount;
        require(amount != 0, RewardPoolNothingToClaim(account_));
        uint256 threshold = 1;
        if (minimum) {
            uint256 minClaim = _minClaimIn(config);
            require(amount >= minClaim, RewardPoolBelowMinimumClaim(account_, amount, minClaim));
            if (minClaim > 1) threshold = minClaim;
        }
        uint256 paying = _release(config, account_, amount, threshold);
        if (paying < amount) {
            // Rare: the breaker defers part. Ledger credit is paid first, the epoch part waits.
            if (ledgerAmount > paying) ledgerAmount = paying;
            epochAmount = paying - ledgerAmount;
        }
        // The remainder below one token unit stays credited and carries into the next claim.
        a.unpaidWad -= uint128(ledgerAmount * _WAD);
        if (epochAmount != 0) {
            a.paidEpoch = (a.paidEpoch + epochAmount).toUint96();
            // Never more in total than the root in force declared (and had checked against budgets and funding).
            _epochHead = _spendEpochHeadroom(head, index, latest, epochAmount);
        }
        _storeAccount(account_, a); // one write for both modes
    }

    /// @dev The outflow breaker: books `amount` as paid if it fits the limit of the last two windows and returns
    /// it; else pays what fits, if that is at least `threshold` (the rest waits: `ClaimDeferred`), or reverts
    /// `RewardPoolOutflowLimited` naming when `threshold` will fit. One slot read and written. The rare path asks
    /// the governance half what fits and when ({IRewardPoolGovernance-outflowQuote}), to keep this half small.
    function _release(
        uint256 config,
        address account_,
        uint256 amount,
        uint256 threshold
    ) internal returns (uint256 paying) {
        uint256 limit = OutflowLibrary.unpackLimit(_outflowLimitIn(config));
        uint256 window = block.timestamp / _outflowWindowIn(config);
        Outflow outflow = _outflow;
        (uint256 previous, uint256 current) = outflow.usedAt(window);
        uint256 share = OutflowLibrary.shareOf(amount, limit);
        paying = amount;
        if (previous + current + share > OutflowLibrary.FULL) {
            uint256 retryAt;
            (paying, retryAt) = abi.decode(
                Address.functionDelegateCall(
                    GOVERNANCE,
                    abi.encodeCall(IRewardPoolGovernance.outflowQuote, (amount, threshold))
                ),
                (uint256, uint256)
            );
            require(paying >= threshold, RewardPoolOutflowLimited(amount, paying, retryAt));
            // What fits is the room left, to the share: the window pair is now full.
            share = OutflowLibrary.FULL - previous - current;
            emit ClaimDeferred(account_, amount - paying, retryAt);
        }
        _outflow = OutflowLibrary.encode(outflow.paid() + paying, window, previous, current + share);
    }

    /* INTERNAL: EPOCH MODE */

    function _epochCommitDigest(EpochCommit calldata c) internal view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        EPOCH_COMMIT_TYPEHASH,
                        c.epoch,
                        c.nonce,
                        c.root,
                        c.totalOwed,
                        c.epochTotal,
                        c.rate,
                        c.manifestHash,
                        keccak256(bytes(c.manifestUri)),
                        c.formulaVersion,
                        c.ledgerCreditedWad,
                        c.deadline
                    )
                )
            );
    }

    /// @dev The rate of `epoch`, and the budget left (_WAD) over epochs `fromEpoch`..`epoch`: each epoch's budget less
    /// what ledger mode credited in it. Walks the epochs and the parameter history down together.
    function _epochModeAllowance(
        uint32 epoch,
        uint256 fromEpoch
    ) internal view returns (uint128 rate, uint256 budgetLeftWad) {
        uint256 i = _paramsCount - 1;
        uint256 word = _paramsWords[i];
        uint256 ledgerRecordedTo = _ledgerRecordedTo;
        for (uint256 e = epoch; ; --e) {
            while (_fromEpoch(word) > e) word = _paramsWords[--i];
            RewardParams memory params = _unpackParams(word);
            if (e == epoch) rate = params.rate;
            uint256 budgetWad = uint256(params.epochBudget) * _WAD;
            if (e < ledgerRecordedTo) {
                uint256 used = _epochCreditedWad[uint32(e)];
                budgetWad = used < budgetWad ? budgetWad - used : 0;
            }
            budgetLeftWad += budgetWad;
            if (e <= fromEpoch) break;
        }
    }

    /// @dev Split out of {commitEpoch} for the stack.
    function _emitEpochCommitted(EpochCommit calldata c, uint64 claimableAt, address[] calldata signers) internal {
        emit EpochCommitted(
            c.epoch,
            c.nonce,
            c.root,
            c.totalOwed,
            c.epochTotal,
            c.rate,
            c.manifestHash,
            c.manifestUri,
            c.formulaVersion,
            claimableAt,
            signers
        );
    }

    /// @dev Reverts unless `epoch` is closed and still within the settlement window; returns the current epoch.
    function _requireSettleable(uint32 epoch) internal view returns (uint32 current) {
        current = _currentEpoch();
        require(epoch < current, RewardPoolEpochNotClosed(epoch, current));
        uint32 oldest = _oldestSettleable(current);
        require(epoch >= oldest, RewardPoolEpochOutsideWindow(epoch, oldest));
    }

    /* INTERNAL: FUNDING AND SOLVENCY */

    /// @dev The one solvency rule of both modes: ledger credit plus what epoch mode may owe (`epochOwed`, see
    /// {_epochOwed}) never exceeds what the pool received (paid amounts stay in both sides, so the balance covers
    /// everything still owed).
    function _requireSolvent(uint256 creditedWad, uint256 epochOwed) internal view {
        uint256 neededWad = creditedWad + epochOwed * _WAD;
        uint256 availableWad = uint256(_totalFunded) * _WAD;
        require(neededWad <= availableWad, RewardPoolInsolvent(availableWad, neededWad));
    }

    /* INTERNAL: SIGNATURES */

    /// @dev Checks M-of-N signatures: signers strictly ascending (so unique), each a current verifier, each valid.
    function _checkQuorum(bytes32 digest, QuorumSignatures calldata sigs) internal view {
        uint256 n = sigs.signers.length;
        require(n == sigs.signatures.length, RewardPoolSignerLengthMismatch(n, sigs.signatures.length));
        uint8 quorum = _quorum;
        require(n >= quorum, RewardPoolQuorumNotMet(n, quorum));
        address previous;
        for (uint256 i; i < n; ++i) {
            address signer = sigs.signers[i];
            require(signer > previous, RewardPoolSignersNotSorted(i, signer));
            previous = signer;
            require(_verifiers[signer], RewardPoolNotVerifier(i, signer));
            require(
                DeviceKeys.verifyAccount(signer, digest, sigs.signatures[i]) == DeviceKeys.Verdict.Valid,
                RewardPoolInvalidVerifierSignature(i, signer)
            );
        }
    }

    function _claimDigest(SignedClaim calldata c) internal view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(abi.encode(CLAIM_TYPEHASH, c.account, c.recipient, c.maxFee, c.nonce, c.deadline))
            );
    }
}
