// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Time is part of the design here (epochs, signature deadlines, the change delay, the challenge period, the outflow
// windows): all are measured in hours or days, so a block producer's few seconds of leeway move none of them.
// solhint-disable not-rely-on-time

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";

import {IDeviceRegistry} from "./interfaces/IDeviceRegistry.sol";
import {IRewardPoolBase} from "./interfaces/IRewardPoolBase.sol";
import {EpochHead} from "./libraries/EpochHead.sol";
import {EpochProof} from "./libraries/EpochProof.sol";
import {Outflow} from "./libraries/Outflow.sol";

/// @title RewardPoolStorage
/// @notice The state of a reward pool and the rules both of its halves apply: {RewardPool} (value moves) and
/// {RewardPoolGovernance} (setup, governance, views; reached by delegatecall, so it runs on this same storage).
/// @dev Both halves inherit this contract first and declare no state of their own, so their layouts are the same
/// (a test compares the compiler's storage layouts). Initializable keeps its flag in its own ERC-7201 slot.
abstract contract RewardPoolStorage is IRewardPoolBase, Initializable {
    using SafeCast for uint256;
    using SafeERC20 for IERC20;

    /* TYPES */

    /// @dev One slot per account for both modes, gasless claims and push payouts: ledger credit not yet paid (WAD,
    /// remainders included), what epoch mode has paid (token units), the next signed-claim nonce (16.7 million
    /// signed messages per account) and whether push payouts go to the account itself or to `_pushRecipients`
    /// (`_PUSH_*`), so a push to the account itself reads this slot only. Totals credited and paid per account live
    /// in the events.
    struct Account {
        uint128 unpaidWad;
        uint96 paidEpoch;
        uint24 claimNonce;
        uint8 push;
    }

    struct PendingVerifiers {
        address[] add;
        address[] remove;
        uint8 quorum;
    }

    /* CONSTANTS */

    uint256 internal constant _WAD = 1e18;

    /// @dev A reward-parameter checkpoint in one word: rate (bits 0-87), epoch budget (88-183), device cap (184-223)
    /// and the first epoch it applies to (224-255). {_packParams} refuses values that do not fit.
    uint256 internal constant _RATE_BITS = 88;
    uint256 internal constant _BUDGET_BITS = 96;
    uint256 internal constant _CAP_BITS = 40;

    /// @dev The most a minimum claim can be, in token units (10 tokens of 6 decimals): the admin sets it at once, so
    /// it is bounded; and an account's own claim is never held to it (see {claim}).
    uint256 internal constant _MAX_MIN_CLAIM = 10_000_000;
    /// @dev The EIP-712 type hash of a signed claim: `RewardPool.CLAIM_TYPEHASH`, and the settlement part's digest of a
    /// bundle's claim (the same message, so the pool's own check accepts it).
    bytes32 internal constant _CLAIM_TYPEHASH = keccak256(
        "Claim(address account,address recipient,uint256 maxFee,uint256 nonce,uint256 deadline)"
    );
    /// @dev The EIP-712 type hash of a signed push choice (see {IRewardPoolCore-setPushRecipientWithSig}); served by
    /// the governance half (`PUSH_RECIPIENT_TYPEHASH()`), where the pool's half has no room for the getter.
    bytes32 internal constant _PUSH_RECIPIENT_TYPEHASH = keccak256(
        "PushRecipient(address account,address recipient,uint256 nonce,uint256 deadline)"
    );
    /// @dev `Account.push`: not opted in to push payouts; paid to the account itself; paid to its `_pushRecipients`.
    uint8 internal constant _PUSH_NONE = 0;
    uint8 internal constant _PUSH_SELF = 1;
    uint8 internal constant _PUSH_OTHER = 2;
    /// @dev The longest outflow window, in seconds (it is kept in 24 bits: about 194 days).
    uint256 internal constant _MAX_OUTFLOW_WINDOW = (1 << 24) - 1;

    /// @dev The pool's EIP-712 domain (see {IRewardPool}); the governance half hashes `Claim` in it too.
    string internal constant _DOMAIN_NAME = "DePIN RewardPool";
    string internal constant _DOMAIN_VERSION = "1";
    /// @dev Transient: the pool's `Claim` digest that a claim bundle, checked by
    /// {RewardPoolSettlement-claimBundledWithSig}, authorizes for the one `claimWithSig` call it makes (with an empty
    /// signature). Set just before that call and cleared after it; nothing else writes it.
    bytes32 internal constant _BUNDLED_CLAIM_SLOT = bytes32(uint256(keccak256("depin.rewardpool.bundledClaim")) - 1);

    /* STORAGE */

    // slot: what every claim reads besides the account, the root, `_epochHead` and `_outflow`
    // (160 + 8 + 24 + 8 + 24 + 32 bits)
    IERC20 internal _token;
    bool internal _paused;
    /// @dev At most `_MAX_MIN_CLAIM`.
    uint24 internal _minClaim;
    /// @dev Whether the token answers `isBlacklisted` (USDC): a signed claim of a blacklisted account is refused.
    bool internal _tokenHasBlacklist;
    /// @dev The outflow breaker's window, in seconds, and its limit packed by {OutflowLibrary.packLimit}.
    uint24 internal _outflowWindow;
    uint32 internal _outflowLimit;
    /// @dev Epoch mode's hot word, apart so that a claim reads and writes one slot for the root in force and its
    /// payout cap: which entry of `_roots` is the latest, when it pays, and what each root may still pay.
    EpochHead internal _epochHead;
    // slot: registry, networkId, epochLength, changeDelay
    IDeviceRegistry internal _registry;
    uint32 internal _networkId;
    uint32 internal _epochLength;
    uint32 internal _changeDelay;
    // slot: read by every batch and commit (8 + 16 + 8 + 40 + 32 + 16 + 32 + 32 + 16 + 40 + 8 bits)
    uint8 internal _quorum;
    uint16 internal _verifierCount;
    bool internal _requireDeviceSignatures;
    uint40 internal _genesis;
    uint32 internal _challengePeriod;
    uint16 internal _settlementWindow;
    /// @dev The nonce the next epoch commit must carry.
    uint32 internal _commitNonce;
    /// @dev Ledger mode has recorded work in epochs below this one only (commits skip reading the rest).
    uint32 internal _ledgerRecordedTo;
    /// @dev How many reward-parameter checkpoints `_paramsWords` holds.
    uint16 internal _paramsCount;
    /// @dev When the queued verifier change takes effect (zero: none queued).
    uint40 internal _verifiersEta;
    // slot
    uint128 internal _totalFunded;

    address internal _admin;
    address internal _pendingAdmin;
    address internal _guardian;
    uint96 internal _maxRelayerFee;

    uint256 internal _totalCreditedWad;
    uint256 internal _totalClawedBackWad;

    mapping(address verifier => bool enabled) internal _verifiers;
    mapping(address account => Account entry) internal _accounts;
    mapping(uint32 epoch => uint256 creditedWad) internal _epochCreditedWad;
    mapping(uint32 epoch => mapping(uint256 word => uint256 bits)) internal _recorded;
    BitMaps.BitMap internal _usedBatchNonces;
    BitMaps.BitMap internal _usedClawbackNonces;

    PendingVerifiers internal _pendingVerifiers;

    /// @dev Reward parameters by checkpoint (see `_RATE_BITS`), `fromEpoch` ascending, the first from epoch 0. The
    /// last one may be scheduled (its epoch not started yet); every other one is final.
    mapping(uint256 index => uint256 word) internal _paramsWords;

    /// @dev Epoch mode: two entries used in turn. `_roots[_epochHead.latestRoot()]` is the latest commit; while it is
    /// pending the other entry is the root in force. A new commit overwrites the pending one (supersede) or, once the
    /// latest is in force, the other entry, so steady-state commits rewrite warm, non-zero slots and promotion is free.
    EpochRoot[2] internal _roots;

    /// @dev What claims have paid and the outflow breaker's last two windows; written by every claim.
    Outflow internal _outflow;

    // slot: a guardian change scheduled by the admin (in force from `_guardianEta`; zero: none)
    address internal _pendingGuardian;
    uint40 internal _guardianEta;
    // slot: an outflow limit change scheduled by the admin (applied from `_outflowEta`; zero: none)
    uint32 internal _pendingOutflowLimit;
    uint24 internal _pendingOutflowWindow;
    uint40 internal _outflowEta;
    // slots: a sweep of surplus tokens scheduled by the admin (executable from `_sweepEta`; zero: none)
    address internal _sweepTo;
    uint40 internal _sweepEta;
    uint256 internal _sweepAmount;

    /// @dev Push payout recipients other than the account itself (`Account.push == _PUSH_OTHER`); read only by
    /// push payouts that need it.
    mapping(address account => address recipient) internal _pushRecipients;

    /* MODIFIERS */

    modifier onlyAdmin() {
        require(msg.sender == _admin, RewardPoolUnauthorized(msg.sender));
        _;
    }

    modifier whenNotPaused() {
        require(!_paused, RewardPoolPaused());
        _;
    }

    /* HOT READS */

    /// @dev The pool's first slot in one read (token, pause flag, minimum claim, blacklist flag, outflow settings):
    /// a claim needs most of it and reads it once, then decodes it with the helpers below, which take each field's
    /// place from the compiler (`.offset`), so they follow the declarations above.
    function _firstSlot() internal view returns (uint256 word) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Every field the helpers below decode lives in this one slot: a declaration moved elsewhere stops every
            // claim here (invalid) rather than decode the wrong slot. The compiler folds the check to nothing.
            let s := _token.slot
            if iszero(
                and(
                    and(eq(_paused.slot, s), eq(_minClaim.slot, s)),
                    and(eq(_tokenHasBlacklist.slot, s), and(eq(_outflowWindow.slot, s), eq(_outflowLimit.slot, s)))
                )
            ) {
                invalid()
            }
            word := sload(s)
        }
    }

    function _tokenIn(uint256 word) internal pure returns (IERC20 token) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            token := and(shr(mul(8, _token.offset), word), 0xffffffffffffffffffffffffffffffffffffffff)
        }
    }

    function _pausedIn(uint256 word) internal pure returns (bool paused) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            paused := and(shr(mul(8, _paused.offset), word), 0xff)
        }
    }

    function _minClaimIn(uint256 word) internal pure returns (uint256 minClaim) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            minClaim := and(shr(mul(8, _minClaim.offset), word), 0xffffff)
        }
    }

    function _hasBlacklistIn(uint256 word) internal pure returns (bool hasBlacklist) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            hasBlacklist := and(shr(mul(8, _tokenHasBlacklist.offset), word), 0xff)
        }
    }

    function _outflowWindowIn(uint256 word) internal pure returns (uint256 window) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            window := and(shr(mul(8, _outflowWindow.offset), word), 0xffffff)
        }
    }

    function _outflowLimitIn(uint256 word) internal pure returns (uint32 packedLimit) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            packedLimit := and(shr(mul(8, _outflowLimit.offset), word), 0xffffffff)
        }
    }

    /// @dev An account's slot in one read (the struct copy would read it once per field).
    function _loadAccount(address account_) internal view returns (Account memory a) {
        Account storage stored = _accounts[account_];
        uint256 word;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            word := sload(stored.slot)
        }
        (a.unpaidWad, a.paidEpoch, a.claimNonce, a.push) = (
            uint128(word),
            uint96(word >> 128),
            uint24(word >> 224),
            uint8(word >> 248)
        );
    }

    /// @dev An account's slot in one write, in the struct's own layout (`unpaidWad`, then `paidEpoch`, then
    /// `claimNonce`, then `push`, from the low bits: tests read every field back through {account} and
    /// {pushRecipient}, and a claim must leave an account's push choice as it was).
    function _storeAccount(address account_, Account memory a) internal {
        Account storage stored = _accounts[account_];
        uint256 word =
            uint256(a.unpaidWad) |
                (uint256(a.paidEpoch) << 128) |
                (uint256(a.claimNonce) << 224) |
                (uint256(a.push) << 248);
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            sstore(stored.slot, word)
        }
    }

    /* SHARED RULES */

    /// @dev Whether a scheduled time (zero: nothing scheduled) has come: queued changes, pending epoch roots.
    function _isDue(uint256 at) internal view returns (bool) {
        return at != 0 && block.timestamp >= at;
    }

    function _currentEpoch() internal view returns (uint32) {
        return uint32((block.timestamp - _genesis) / _epochLength);
    }

    /// @dev Applies a verifier change whose time has come. Reward parameters need no applying: each epoch reads
    /// its own from the history.
    function _applyDueChanges() internal {
        if (_isDue(_verifiersEta)) {
            PendingVerifiers memory pv = _pendingVerifiers;
            delete _pendingVerifiers;
            _verifiersEta = 0;
            _changeVerifiers(pv.add, pv.remove, pv.quorum);
        }
    }

    function _changeVerifiers(address[] memory add, address[] memory remove, uint8 quorum) internal {
        uint256 count = _verifierCount;
        for (uint256 i; i < remove.length; ++i) {
            if (_verifiers[remove[i]]) {
                _verifiers[remove[i]] = false;
                --count;
            }
        }
        for (uint256 i; i < add.length; ++i) {
            require(add[i] != address(0), RewardPoolInvalidConfig("verifier"));
            if (!_verifiers[add[i]]) {
                _verifiers[add[i]] = true;
                ++count;
            }
        }
        require(quorum != 0 && quorum <= count, RewardPoolInvalidConfig("quorum"));
        _verifierCount = count.toUint16();
        _quorum = quorum;
        emit VerifierSetChanged(add, remove, quorum);
    }

    /* FUNDING */

    /// @dev Pulls `amount` from `from` (approved first) and records it under `ref`.
    function _pull(address from, uint256 amount, bytes32 ref) internal {
        require(amount != 0, RewardPoolZeroAmount());
        IERC20 token = _token;
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        require(received == amount, RewardPoolFeeOnTransfer(amount, received));
        _totalFunded += amount.toUint128();
        emit Funded(from, ref, amount);
    }

    /// @dev Refuses tokens that deliver less than the amount (fee-on-transfer). ({_pull} inlines the same, reading
    /// the token once.)
    function _recordFunding(address from, uint256 amount, bytes32 ref, uint256 balanceBefore) internal {
        uint256 received = _token.balanceOf(address(this)) - balanceBefore;
        require(received == amount, RewardPoolFeeOnTransfer(amount, received));
        _totalFunded += amount.toUint128();
        emit Funded(from, ref, amount);
    }

    /// @dev Tokens the pool holds beyond what funding brought in and claims have not paid (`funded - paid`): sent
    /// to it directly, or a positive rebase. Zero when the balance is short of that (a negative rebase).
    function _surplus() internal view returns (uint256) {
        uint256 balance = _token.balanceOf(address(this));
        uint256 booked = uint256(_totalFunded) - _outflow.paid();
        return balance > booked ? balance - booked : 0;
    }

    /// @dev The checkpoint word in force for `epoch`. The first starts at epoch 0, so the walk ends; a recent
    /// epoch is found in a step or two.
    function _paramsAt(uint32 epoch) internal view returns (uint256 word) {
        uint256 i = _paramsCount;
        do {
            word = _paramsWords[--i];
        } while (_fromEpoch(word) > epoch);
    }

    function _packParams(RewardParams memory p, uint32 fromEpoch) internal pure returns (uint256) {
        require(p.rate != 0 && p.rate >> _RATE_BITS == 0, RewardPoolInvalidConfig("rate"));
        require(p.epochBudget != 0 && p.epochBudget >> _BUDGET_BITS == 0, RewardPoolInvalidConfig("epochBudget"));
        require(p.deviceCap != 0 && p.deviceCap >> _CAP_BITS == 0, RewardPoolInvalidConfig("deviceCap"));
        return
            uint256(p.rate) |
            (uint256(p.epochBudget) << _RATE_BITS) |
            (uint256(p.deviceCap) << (_RATE_BITS + _BUDGET_BITS)) |
            (uint256(fromEpoch) << (_RATE_BITS + _BUDGET_BITS + _CAP_BITS));
    }

    function _unpackParams(uint256 word) internal pure returns (RewardParams memory p) {
        p.rate = uint128(word & ((1 << _RATE_BITS) - 1));
        p.epochBudget = uint128((word >> _RATE_BITS) & ((1 << _BUDGET_BITS) - 1));
        p.deviceCap = uint64((word >> (_RATE_BITS + _BUDGET_BITS)) & ((1 << _CAP_BITS) - 1));
    }

    function _fromEpoch(uint256 word) internal pure returns (uint32) {
        return uint32(word >> (_RATE_BITS + _BUDGET_BITS + _CAP_BITS));
    }

    /// @dev What epoch mode may owe: the larger of the two roots' totals (the latest may be pending and vetoed; the
    /// other is then in force and keeps paying). When the latest is in force the other is older and not larger.
    function _epochOwed() internal view returns (uint256) {
        uint256 a = _roots[0].totalOwed;
        uint256 b = _roots[1].totalOwed;
        return a > b ? a : b;
    }

    /// @dev Entry of `_roots` in force, and whether it is the latest commit: the latest once its challenge period is
    /// over, else the other one (the previous root in force; empty if there is none).
    function _inForce(EpochHead head) internal view returns (uint256 index, bool latest) {
        latest = _isDue(head.latestClaimableAt());
        index = latest ? head.latestRoot() : head.latestRoot() ^ 1;
    }

    /// @dev The root in force and the pending one (empty when none), and the epoch head. `withRoots` false leaves
    /// the `root` fields zero and reads one slot per entry instead of two (commits need only the other fields).
    function _epochRoots(
        bool withRoots
    ) internal view returns (EpochRoot memory active, EpochRoot memory pending, EpochHead head, bool hasPending) {
        head = _epochHead;
        uint256 latestAt = head.latestClaimableAt();
        uint256 latest = head.latestRoot();
        hasPending = latestAt != 0 && block.timestamp < latestAt;
        if (hasPending) {
            pending = _rootEntry(latest, withRoots);
            active = _rootEntry(latest ^ 1, withRoots);
        } else if (latestAt != 0) {
            active = _rootEntry(latest, withRoots);
        }
    }

    function _rootEntry(uint256 index, bool withRoot) internal view returns (EpochRoot memory entry) {
        EpochRoot storage stored = _roots[index];
        if (withRoot) entry.root = stored.root;
        (entry.totalOwed, entry.epoch, entry.nonce, entry.claimableAt) = (
            stored.totalOwed,
            stored.epoch,
            stored.nonce,
            stored.claimableAt
        );
    }

    /// @dev Everything epoch mode has paid: the latest root's total owed less what it may still pay.
    function _epochPaid() internal view returns (uint256) {
        EpochHead head = _epochHead;
        return _roots[head.latestRoot()].totalOwed - head.latestHeadroom();
    }

    /// @dev `head` after paying `epochAmount` from the root in force (entry `index`, the latest if `latest`); reverts
    /// if that passes the root's declared total owed (the chain cannot add up a root's leaves, so it caps what they
    /// pay). The caller writes the result back.
    function _spendEpochHeadroom(
        EpochHead head,
        uint256 index,
        bool latest,
        uint256 epochAmount
    ) internal view returns (EpochHead) {
        uint256 headroom = latest ? head.latestHeadroom() : head.previousHeadroom();
        if (epochAmount > headroom) {
            // Only on the way to a revert: the error reports what would have been paid against the total owed.
            uint256 totalOwed = _roots[index].totalOwed;
            revert RewardPoolEpochPayoutCapped(totalOwed - headroom + epochAmount, totalOwed);
        }
        return head.spend(epochAmount, latest);
    }

    /// @dev Reverts unless (account, cumulative) is a leaf of the root in force; returns that root's entry and
    /// whether it is the latest commit.
    function _verifyLeaf(
        EpochHead head,
        address account_,
        uint256 cumulative,
        bytes32[] calldata proof
    ) internal view returns (uint256 index, bool latest) {
        (index, latest) = _inForce(head);
        bytes32 root = _roots[index].root;
        require(root != bytes32(0), RewardPoolNoEpochRoot());
        // Double-hashed leaf, as OpenZeppelin's StandardMerkleTree: a leaf can never pass for an inner node.
        bytes32 leaf = EpochProof.leaf(account_, cumulative);
        // Or proven by a claim batch's multiproof against this very root, in this transaction (transient; see
        // {RewardPoolSettlement-claimBatchWithSig}). A leaf is a keccak256 output: no other transient slot is one.
        if (TransientSlot.tload(TransientSlot.asBytes32(leaf)) == root) return (index, latest);
        require(EpochProof.root(proof, leaf) == root, RewardPoolInvalidMerkleProof(account_, cumulative));
    }

    /// @dev Sets where push payouts of `account_` go (zero: opted out), in its slot's flag and, for a recipient
    /// other than itself, `_pushRecipients`.
    function _setPushRecipient(address account_, address recipient) internal {
        require(recipient != address(this), RewardPoolInvalidPushRecipient(recipient));
        uint8 push =
            recipient == address(0)
                ? _PUSH_NONE
                : recipient == account_
                    ? _PUSH_SELF
                    : _PUSH_OTHER;
        _pushRecipients[account_] = push == _PUSH_OTHER ? recipient : address(0);
        _accounts[account_].push = push;
        emit PushRecipientSet(account_, recipient);
    }

    /// @dev The oldest epoch that can still be recorded or committed: `settlementWindow` closed epochs stay open.
    function _oldestSettleable(uint32 current) internal view returns (uint32) {
        uint32 window = _settlementWindow;
        return current > window ? current - window : 0;
    }
}
