// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Time is part of the design here (epochs, signature deadlines, the outflow windows): all are measured in hours or
// days, so a block producer's few seconds of leeway move none of them.
// solhint-disable not-rely-on-time

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

import {IBlacklistable} from "./interfaces/IBlacklistable.sol";
import {IRewardPoolCore} from "./interfaces/IRewardPoolCore.sol";
import {IRewardPoolSettlement} from "./interfaces/IRewardPoolSettlement.sol";
import {ClaimBundles} from "./libraries/ClaimBundles.sol";
import {DeviceKeys} from "./libraries/DeviceKeys.sol";
import {EpochHead} from "./libraries/EpochHead.sol";
import {EpochProof} from "./libraries/EpochProof.sol";
import {Outflow, OutflowLibrary} from "./libraries/Outflow.sol";
import {RewardPoolStorage} from "./RewardPoolStorage.sol";

/// @title RewardPoolSettlement
/// @notice See {IRewardPoolSettlement}: settlement in batches (signed claims, push payouts) and a pool's part of a
/// claim bundle. One instance serves every pool of a factory; a pool reaches it by delegatecall from its
/// governance half's fallback ({RewardPoolGovernance}, itself reached from the pool's fallback), so it runs on the
/// pool's storage and `msg.sender` is the pool's caller. Its own half of the pool's code because the governance half
/// had no room left under the code size limit; the second delegatecall costs a batch once.
/// @dev Called directly (not by a pool), every state-changing function refuses (`RewardPoolUnauthorized`). Its
/// reentrancy guard is the pool's own (one transient slot).
contract RewardPoolSettlement is RewardPoolStorage, IRewardPoolSettlement, ReentrancyGuardTransient {
    using SafeCast for uint256;
    using SafeERC20 for IERC20;

    /// @dev This contract's own address: its code acts only when a pool runs it (by delegatecall).
    address private immutable _SELF;

    constructor() {
        _SELF = address(this);
        _disableInitializers();
    }

    /// @dev Refuses a call made to this contract itself rather than run by a pool: its own storage is no pool's, and
    /// nothing should be written there (an opt-in recorded here would be no account's choice in any pool).
    modifier onlyInPool() {
        require(address(this) != _SELF, RewardPoolUnauthorized(msg.sender));
        _;
    }

    /* BATCH SETTLEMENT */

    /// @inheritdoc IRewardPoolSettlement
    /// @dev Runs in the pool (reached through its fallback). Each claim runs the pool's own `claimWithSig` by
    /// delegatecall to the pool itself: same storage, same caller (the relayer gets its fees), same code path and
    /// checks, and a failing claim reverts only its own frame, so everything it did is undone and it is skipped.
    /// Every state change happens inside those frames, under the pool's reentrancy lock; the batch itself refuses to
    /// start while the lock is held (from a token's hook), so it never runs inside a claim.
    function claimBatchWithSig(
        bytes[] calldata claims,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external onlyInPool whenNotPaused returns (uint256 paid, uint256 skipped) {
        require(!_reentrancyGuardEntered(), ReentrancyGuardReentrantCall());
        uint256 n = claims.length;
        // The epoch-mode leaves, in the batch's order: (account, cumulative) read from each call's fixed head (the
        // signed claim's first field, then the cumulative), exactly where `claimWithSig` decodes them.
        bytes32[] memory leaves = new bytes32[](n);
        uint256 count;
        for (uint256 i; i < n; ++i) {
            bytes calldata c = claims[i];
            require(bytes4(c[:4]) == IRewardPoolCore.claimWithSig.selector, RewardPoolInvalidBatchClaim(i));
            uint256 cumulative = uint256(bytes32(c[164:196]));
            if (cumulative != 0) leaves[count++] = EpochProof.leaf(_batchAccount(c), cumulative);
        }
        if (count != 0) {
            (, , bytes32 root) = _proveLeaves(_epochHead, leaves, count, proof, proofFlags);
            // Marks each leaf proven against this root for this transaction; the pool's leaf check accepts it.
            for (uint256 i; i < count; ++i) TransientSlot.tstore(TransientSlot.asBytes32(leaves[i]), root);
        }
        for (uint256 i; i < n; ++i) {
            // A call to this pool's own code, in this pool's context; its failure is the skip, handled below.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory result) = address(this).delegatecall(claims[i]);
            if (ok) {
                paid += abi.decode(result, (uint256));
            } else {
                ++skipped;
                emit ClaimSkipped(_batchAccount(claims[i]), i, result);
            }
        }
        // Cleared: the marks never outlive the batch.
        for (uint256 i; i < count; ++i) TransientSlot.tstore(TransientSlot.asBytes32(leaves[i]), bytes32(0));
        emit ClaimBatchSettled(msg.sender, n, skipped, paid);
    }

    /* PUSH PAYOUTS */

    /// @inheritdoc IRewardPoolSettlement
    function setPushRecipient(address recipient) external onlyInPool {
        _setPushRecipient(msg.sender, recipient);
    }

    /// @inheritdoc IRewardPoolSettlement
    /// @dev Gas is what shapes this loop (the issue's goal is 15,000 per account at 100 existing holders): per
    /// account one read and one write of its slot (the opt-in flag is in it; a recipient other than the account is one
    /// more read), one transfer and its `Claimed`; the multiproof, the outflow breaker's word and the epoch head are
    /// read and written once per batch, their running totals kept on the stack. Each account's own entry is written
    /// before its transfer and put back if the transfer fails; the batch totals are written after the loop, with the
    /// reentrancy guard held throughout, so no token hook can act on the pool meanwhile.
    function pushPayouts(
        address[] calldata accounts,
        uint256[] calldata cumulatives,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external onlyInPool nonReentrant whenNotPaused returns (uint256 paid, uint256 skipped) {
        uint256 n = accounts.length;
        require(n == cumulatives.length, RewardPoolPushLengthMismatch(n, cumulatives.length));
        require(n != 0, RewardPoolEmptyBatch());
        EpochHead head = _epochHead;
        (bool latest, uint256 headroom) = _provePushLeaves(head, accounts, cumulatives, proof, proofFlags);
        uint256 limit = OutflowLibrary.unpackLimit(_outflowLimit);
        uint256 window = block.timestamp / _outflowWindow;
        Outflow outflow = _outflow;
        (uint256 previous, uint256 current) = outflow.usedAt(window);
        uint256 used = previous + current;
        uint256 epochPaid;
        for (uint256 i; i < n; ++i) {
            address account_ = accounts[i];
            Account memory a = _accounts[account_];
            uint256 ledgerAmount = a.unpaidWad / _WAD;
            uint256 epochAmount;
            uint256 cumulative = cumulatives[i];
            if (cumulative > a.paidEpoch) epochAmount = cumulative - a.paidEpoch;
            uint256 amount = ledgerAmount + epochAmount;
            uint256 share = OutflowLibrary.shareOf(amount, limit);
            PushSkipReason reason = _pushCheck(account_, a.push, amount, epochAmount, headroom, used + share);
            if (reason == PushSkipReason.None) {
                address recipient = a.push == _PUSH_SELF ? account_ : _pushRecipients[account_];
                // Effects first: the account's entry as paid, in one write; put back if the transfer fails.
                Account storage entry = _accounts[account_];
                (entry.unpaidWad, entry.paidEpoch) = (
                    a.unpaidWad - uint128(ledgerAmount * _WAD),
                    (a.paidEpoch + epochAmount).toUint96()
                );
                uint256 gasBefore = gasleft();
                if (_token.trySafeTransfer(recipient, amount)) {
                    used += share;
                    headroom -= epochAmount;
                    epochPaid += epochAmount;
                    paid += amount;
                    emit Claimed(account_, recipient, ledgerAmount, epochAmount);
                    continue;
                }
                // A transfer starved of gas is the caller's doing, not the account's: the whole batch reverts (so
                // a keeper cannot skip accounts by its gas limit, and gas estimation finds what the batch needs).
                require(gasleft() > gasBefore / 64, RewardPoolPushOutOfGas());
                _accounts[account_] = a;
                reason =
                    _tokenHasBlacklist && IBlacklistable(address(_token)).isBlacklisted(recipient)
                        ? PushSkipReason.RecipientBlocked
                        : PushSkipReason.TransferFailed;
            }
            ++skipped;
            emit PushSkipped(account_, reason);
        }
        if (paid != 0) {
            _outflow = OutflowLibrary.encode(outflow.paid() + paid, window, previous, used - previous);
            if (epochPaid != 0) _epochHead = head.spend(epochPaid, latest);
        }
        emit PushBatchSettled(msg.sender, n, skipped, paid);
    }

    /// @inheritdoc IRewardPoolSettlement
    function pushRecipient(address account_) external view returns (address) {
        uint8 push = _accounts[account_].push;
        if (push == _PUSH_NONE) return address(0);
        return push == _PUSH_SELF ? account_ : _pushRecipients[account_];
    }

    /// @inheritdoc IRewardPoolSettlement
    // solhint-disable-next-line func-name-mixedcase
    function PUSH_RECIPIENT_TYPEHASH() external pure returns (bytes32) {
        return _PUSH_RECIPIENT_TYPEHASH;
    }

    /// @inheritdoc IRewardPoolSettlement
    /// @dev Runs in the pool (reached through its fallback). Checks the bundle, then runs the pool's own
    /// `claimWithSig` by delegatecall to the pool itself (same storage, same caller) with an empty signature, which
    /// that call accepts only as the digest marked here, in transient storage, for it alone; a failure reverts
    /// everything, the mark included. Refuses to start while the pool's reentrancy lock is held (from a token's hook).
    function claimBundledWithSig(
        SignedClaim calldata c,
        bytes32[] calldata entries,
        uint256 index,
        uint256 cumulative,
        bytes32[] calldata proof,
        uint256 fee,
        bytes calldata signature
    ) external onlyInPool whenNotPaused returns (uint256 amount, address token) {
        require(!_reentrancyGuardEntered(), ReentrancyGuardReentrantCall());
        require(
            index < entries.length && entries[index] == ClaimBundles.entryHash(address(this), c.maxFee, c.nonce),
            RewardPoolNotInBundle(index)
        );
        bytes32 bundle = ClaimBundles.digest(c.account, c.recipient, c.deadline, entries);
        require(
            DeviceKeys.verifyAccount(c.account, bundle, signature) == DeviceKeys.Verdict.Valid,
            RewardPoolInvalidClaimSignature(c.account)
        );
        TransientSlot.Bytes32Slot mark = TransientSlot.asBytes32(_BUNDLED_CLAIM_SLOT);
        TransientSlot.tstore(mark, _poolClaimDigest(c));
        bytes memory result = Address.functionDelegateCall(
            address(this),
            abi.encodeCall(IRewardPoolCore.claimWithSig, (c, cumulative, proof, fee, ""))
        );
        TransientSlot.tstore(mark, bytes32(0));
        amount = abi.decode(result, (uint256));
        token = address(_token);
        emit ClaimBundled(c.account, bundle, index);
    }

    /* INTERNAL */

    /// @dev The pool's own EIP-712 digest of `Claim` (as {RewardPool} computes it in `claimWithSig`, whose cached
    /// domain separator is that pool's immutable and out of reach here).
    function _poolClaimDigest(SignedClaim calldata c) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(_DOMAIN_NAME)),
                keccak256(bytes(_DOMAIN_VERSION)),
                block.chainid,
                address(this)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(_CLAIM_TYPEHASH, c.account, c.recipient, c.maxFee, c.nonce, c.deadline)
        );
        return MessageHashUtils.toTypedDataHash(domain, structHash);
    }

    /// @dev Proves a push batch's epoch-mode leaves (the entries with a non-zero cumulative, in order) against the
    /// root in force by one multiproof, or reverts. Returns whether that root is the latest commit and what it may
    /// still pay (zero when the batch has no such leaf).
    function _provePushLeaves(
        EpochHead head,
        address[] calldata accounts,
        uint256[] calldata cumulatives,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) internal view returns (bool latest, uint256 headroom) {
        uint256 n = accounts.length;
        bytes32[] memory leaves = new bytes32[](n);
        uint256 count;
        for (uint256 i; i < n; ++i) {
            uint256 cumulative = cumulatives[i];
            if (cumulative != 0) leaves[count++] = EpochProof.leaf(accounts[i], cumulative);
        }
        if (count == 0) return (false, 0);
        (, latest, ) = _proveLeaves(head, leaves, count, proof, proofFlags);
        headroom = latest ? head.latestHeadroom() : head.previousHeadroom();
    }

    /// @dev Proves the first `count` of `leaves` (a batch's epoch-mode leaves, in the multiproof's order) against the
    /// root in force by one OpenZeppelin multiproof, or reverts; shortens `leaves` to them in place. Returns the root
    /// in force, its slot and whether it is the latest commit.
    function _proveLeaves(
        EpochHead head,
        bytes32[] memory leaves,
        uint256 count,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) internal view returns (uint256 index, bool latest, bytes32 root) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(leaves, count)
        }
        (index, latest) = _inForce(head);
        root = _roots[index].root;
        require(root != bytes32(0), RewardPoolNoEpochRoot());
        require(
            MerkleProof.multiProofVerifyCalldata(proof, proofFlags, root, leaves),
            RewardPoolInvalidMultiproof(count)
        );
    }

    /// @dev Why a push of `amount` (`epochAmount` of it from the root in force) to `account_` must be skipped, or
    /// `None` when it can go: `usedAfter` is the breaker's share used with it paid.
    function _pushCheck(
        address account_,
        uint8 push,
        uint256 amount,
        uint256 epochAmount,
        uint256 headroom,
        uint256 usedAfter
    ) internal view returns (PushSkipReason) {
        if (push == _PUSH_NONE) return PushSkipReason.NotOptedIn;
        if (amount == 0) return PushSkipReason.NothingToPay;
        if (amount < _minClaim) return PushSkipReason.BelowMinimumClaim;
        if (epochAmount > headroom) return PushSkipReason.EpochPayoutCapped;
        if (usedAfter > OutflowLibrary.FULL) return PushSkipReason.OutflowLimited;
        // As for signed claims: a blacklisted account must not route its credit to a clean recipient.
        if (push == _PUSH_OTHER && _tokenHasBlacklist && IBlacklistable(address(_token)).isBlacklisted(account_)) {
            return PushSkipReason.AccountBlocked;
        }
        return PushSkipReason.None;
    }

    /// @dev The account of an encoded `claimWithSig` call: the low 20 bytes of its first word.
    function _batchAccount(bytes calldata c) internal pure returns (address) {
        return address(bytes20(c[16:36]));
    }
}
