// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Time is part of the design here (epochs, signature deadlines, the change delay, the challenge period, the outflow
// windows): all are measured in hours or days, so a block producer's few seconds of leeway move none of them.
// solhint-disable not-rely-on-time

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

import {IBlacklistable} from "./interfaces/IBlacklistable.sol";
import {IDeviceRegistry} from "./interfaces/IDeviceRegistry.sol";
import {IERC3009} from "./interfaces/IERC3009.sol";
import {IRewardPoolGovernance} from "./interfaces/IRewardPoolGovernance.sol";
import {EpochHead, EpochHeadLibrary} from "./libraries/EpochHead.sol";
import {Outflow, OutflowLibrary} from "./libraries/Outflow.sol";
import {RewardPoolStorage} from "./RewardPoolStorage.sol";

/// @title RewardPoolGovernance
/// @notice See {IRewardPoolGovernance}: setup, the guardian's veto, scheduled changes, roles and every view of a
/// reward pool. One instance serves every pool of a factory; pools reach it by delegatecall from their fallback,
/// so it runs on the pool's storage and `msg.sender` is the pool's caller.
/// @dev Called directly, it acts on its own empty storage: initializers are disabled and every role is unset,
/// so nothing there can be initialized or changed. Its reentrancy guard is the pool's own (one transient slot), so
/// a token hook inside a claim cannot reach {executeSweep}.
contract RewardPoolGovernance is RewardPoolStorage, IRewardPoolGovernance, ReentrancyGuardTransient {
    using SafeCast for uint256;
    using SafeERC20 for IERC20;

    /// @dev The settlement half ({RewardPoolSettlement}): what this contract does not serve, its fallback runs there.
    address private immutable _SETTLEMENT;

    /// @param settlement The {RewardPoolSettlement} every pool of this governance half settles batches through.
    constructor(address settlement) {
        _SETTLEMENT = settlement;
        _disableInitializers();
    }

    /// @notice Serves {IRewardPoolSettlement}: runs the settlement half's code on the pool's storage (this code runs
    /// by delegatecall from the pool, so the settlement half's does too), returning or reverting with what it did.
    fallback(bytes calldata data) external returns (bytes memory) {
        return Address.functionDelegateCall(_SETTLEMENT, data);
    }

    /* SETUP */

    /// @inheritdoc IRewardPoolGovernance
    function initialize(IDeviceRegistry registry, PoolConfig calldata config) external initializer {
        require(config.token != address(0), RewardPoolInvalidConfig("token"));
        require(config.admin != address(0), RewardPoolInvalidConfig("admin"));
        require(config.guardian != address(0), RewardPoolInvalidConfig("guardian"));
        require(config.epochLength != 0, RewardPoolInvalidConfig("epochLength"));
        require(config.settlementWindow != 0, RewardPoolInvalidConfig("settlementWindow"));
        registry.network(config.networkId); // reverts DeviceRegistryUnknownNetwork for an unknown network
        _packParams(config.params, 0); // refuses parameters that are zero or do not fit, before any write

        _token = IERC20(config.token);
        _genesis = uint40(block.timestamp);
        // USDC-like tokens: probe once for a blacklist, so signed claims can refuse a blacklisted account.
        try IBlacklistable(config.token).isBlacklisted(address(0)) returns (bool) {
            _tokenHasBlacklist = true;
        } catch {}
        _registry = registry;
        _networkId = config.networkId;
        _epochLength = config.epochLength;
        _changeDelay = config.changeDelay;
        _challengePeriod = config.challengePeriod;
        _settlementWindow = config.settlementWindow;
        _requireDeviceSignatures = config.requireDeviceSignatures;
        _admin = config.admin;
        _guardian = config.guardian;
        require(config.minClaim <= _MAX_MIN_CLAIM, RewardPoolInvalidConfig("minClaim"));
        _minClaim = uint24(config.minClaim);
        require(config.maxRelayerFee >> 96 == 0, RewardPoolInvalidConfig("maxRelayerFee"));
        _maxRelayerFee = uint96(config.maxRelayerFee);
        (uint32 limit, uint24 window) = _checkOutflow(config.outflowLimit, config.outflowWindow);
        _changeVerifiers(config.verifiers, new address[](0), config.quorum);
        emit PoolInitialized(
            config.token,
            config.networkId,
            config.admin,
            config.guardian,
            uint64(block.timestamp),
            config.epochLength,
            config.changeDelay,
            config.challengePeriod,
            config.settlementWindow,
            config.requireDeviceSignatures
        );
        _scheduleParams(config.params, 0);
        emit ClaimSettingsChanged(config.minClaim, config.maxRelayerFee);
        _setOutflow(limit, window, 0);
    }

    /* FUNDING (the rarer ways; `fund` is served by the pool itself) */

    /// @inheritdoc IRewardPoolGovernance
    function fundWithPermit(
        uint256 amount,
        bytes32 ref,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant whenNotPaused {
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch (
            bytes memory reason
        ) {
            // A front-run permit (the same signature submitted first) leaves the allowance in place: go on with it.
            // Otherwise the permit's own failure is the error, not the transfer's "allowance exceeded".
            if (_token.allowance(msg.sender, address(this)) < amount) revert RewardPoolPermitFailed(reason);
        }
        _pull(msg.sender, amount, ref);
    }

    /// @inheritdoc IRewardPoolGovernance
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
    ) external nonReentrant whenNotPaused {
        require(amount != 0, RewardPoolZeroAmount());
        uint256 before = _token.balanceOf(address(this));
        IERC3009(address(_token)).receiveWithAuthorization(
            from,
            address(this),
            amount,
            validAfter,
            validBefore,
            keccak256(abi.encode(address(this), ref, salt)),
            v,
            r,
            s
        );
        _recordFunding(from, amount, ref, before);
    }

    /* EPOCH MODE */

    /// @inheritdoc IRewardPoolGovernance
    function vetoEpoch(uint32 epoch, uint32 nonce, bytes32 reasonHash) external {
        _onlyGuardian();
        EpochHead head = _epochHead;
        uint256 claimableAt = head.latestClaimableAt();
        uint256 latest = head.latestRoot();
        EpochRoot memory pending = _roots[latest];
        // Named by its nonce too: a commit that superseded or corrected the one the guardian saw (even for the same
        // epoch, landing just before the veto) is not the one it meant to stop.
        require(
            claimableAt != 0 && block.timestamp < claimableAt && pending.epoch == epoch && pending.nonce == nonce,
            RewardPoolNothingToVeto(epoch, nonce)
        );
        // Erased, not just skipped: it never pays and its total stops counting. The root in force becomes the latest
        // again (its claimableAt is past, or zero if there is none), with what it may still pay. The vetoed commit's
        // nonce stays spent; its epochs are open again, to ledger mode and to a corrected commit.
        delete _roots[latest];
        // Spend a nonce too: a commit the quorum signed on top of the vetoed one (the next nonce) dies with it.
        ++_commitNonce;
        uint256 previous = latest ^ 1;
        _epochHead = EpochHeadLibrary.encode(
            uint40(_roots[previous].claimableAt),
            previous,
            head.previousHeadroom(),
            0
        );
        emit EpochVetoed(epoch, pending.nonce, msg.sender, reasonHash);
    }

    /* GOVERNANCE */

    /// @inheritdoc IRewardPoolGovernance
    function queueVerifierChange(address[] calldata add, address[] calldata remove, uint8 quorum) external onlyAdmin {
        // A change whose time has come is in force: apply it before queueing the next, never overwrite it.
        _applyDueChanges();
        // Checked now so that applying can never fail (and never block recordProofs): each list strictly
        // ascending, removals are current verifiers, additions are not, and the quorum fits the new set.
        address previous;
        for (uint256 i; i < remove.length; ++i) {
            require(remove[i] > previous && _verifiers[remove[i]], RewardPoolInvalidConfig("remove"));
            previous = remove[i];
        }
        previous = address(0);
        for (uint256 i; i < add.length; ++i) {
            require(add[i] > previous && !_verifiers[add[i]], RewardPoolInvalidConfig("add"));
            previous = add[i];
        }
        uint256 count = _verifierCount + add.length - remove.length;
        require(quorum != 0 && quorum <= count, RewardPoolInvalidConfig("quorum"));
        uint40 eta = uint40(block.timestamp) + _changeDelay;
        _pendingVerifiers = PendingVerifiers({add: add, remove: remove, quorum: quorum});
        _verifiersEta = eta;
        emit VerifierChangeQueued(add, remove, quorum, eta);
    }

    /// @inheritdoc IRewardPoolGovernance
    function queueRewardParams(RewardParams calldata params) external onlyAdmin {
        // The first epoch that starts once the delay has passed: no epoch ever runs at two rates, and no work
        // done before the delay is paid at the new rate.
        uint256 fromEpoch = Math.ceilDiv(block.timestamp + _changeDelay - _genesis, _epochLength);
        if (_scheduledParams()) --_paramsCount; // replaced: it was not in force yet
        _scheduleParams(params, fromEpoch.toUint32());
    }

    /// @inheritdoc IRewardPoolGovernance
    function applyQueuedChanges() external {
        // The earliest scheduled change (verifiers, guardian, outflow limit) decides the error when none is due.
        uint256 earliest = type(uint256).max;
        bool due;
        for (uint256 i; i < 3; ++i) {
            uint256 eta =
                i == 0
                    ? _verifiersEta
                    : i == 1
                        ? _guardianEta
                        : _outflowEta;
            if (eta == 0) continue;
            if (block.timestamp >= eta) due = true;
            else if (eta < earliest) earliest = eta;
        }
        if (!due) {
            require(earliest != type(uint256).max, RewardPoolNoQueuedChange());
            revert RewardPoolChangeNotDue(uint64(earliest), block.timestamp);
        }
        _applyDueChanges();
        _applyDueSettings();
    }

    /// @inheritdoc IRewardPoolGovernance
    function cancelQueuedChanges() external {
        _applyDueSettings();
        _onlyAdminOrGuardian();
        uint40 eta = _verifiersEta;
        // A change whose time has come is in force (even before a transaction applies it): only a new one undoes it.
        bool verifiers = eta != 0 && block.timestamp < eta;
        bool params = _scheduledParams();
        require(verifiers || params, RewardPoolNoQueuedChange());
        if (verifiers) {
            delete _pendingVerifiers;
            _verifiersEta = 0;
        }
        if (params) --_paramsCount;
        emit QueuedChangeCancelled(verifiers, params, msg.sender);
    }

    /// @inheritdoc IRewardPoolGovernance
    function setClaimSettings(uint40 minClaim, uint128 maxRelayerFee) external onlyAdmin {
        // At once, but bounded: the minimum claim never binds an account's own claim and never passes 10^7 units;
        // the relayer fee cap only lowers what a relayer may take below what the account signed.
        require(minClaim <= _MAX_MIN_CLAIM, RewardPoolInvalidConfig("minClaim"));
        require(maxRelayerFee >> 96 == 0, RewardPoolInvalidConfig("maxRelayerFee"));
        _minClaim = uint24(minClaim);
        _maxRelayerFee = uint96(maxRelayerFee);
        emit ClaimSettingsChanged(minClaim, maxRelayerFee);
    }

    /// @inheritdoc IRewardPoolGovernance
    function queueGuardianChange(address guardian) external onlyAdmin {
        _applyDueSettings();
        require(guardian != address(0), RewardPoolInvalidConfig("guardian"));
        uint40 eta = uint40(block.timestamp) + _changeDelay;
        (_pendingGuardian, _guardianEta) = (guardian, eta);
        emit GuardianChangeQueued(guardian, eta);
    }

    /// @inheritdoc IRewardPoolGovernance
    function cancelGuardianChange() external onlyAdmin {
        // The admin's own change: the guardian cannot cancel its replacement.
        _applyDueSettings();
        address guardian = _pendingGuardian;
        require(_guardianEta != 0, RewardPoolNoQueuedChange());
        (_pendingGuardian, _guardianEta) = (address(0), 0);
        emit GuardianChangeCancelled(guardian, msg.sender);
    }

    /// @inheritdoc IRewardPoolGovernance
    function queueOutflowLimit(uint128 limit, uint32 window) external onlyAdmin {
        _applyDueSettings();
        (uint32 packed, uint24 windowLength) = _checkOutflow(limit, window);
        uint40 eta = uint40(block.timestamp) + _changeDelay;
        (_pendingOutflowLimit, _pendingOutflowWindow, _outflowEta) = (packed, windowLength, eta);
        emit OutflowLimitQueued(limit, window, eta);
    }

    /// @inheritdoc IRewardPoolGovernance
    function cancelOutflowLimit() external {
        _applyDueSettings();
        _onlyAdminOrGuardian();
        require(_outflowEta != 0, RewardPoolNoQueuedChange());
        uint256 limit = OutflowLibrary.unpackLimit(_pendingOutflowLimit);
        uint32 window = _pendingOutflowWindow;
        (_pendingOutflowLimit, _pendingOutflowWindow, _outflowEta) = (0, 0, 0);
        emit OutflowLimitCancelled(limit, window, msg.sender);
    }

    /* SURPLUS */

    /// @inheritdoc IRewardPoolGovernance
    function queueSweep(address to, uint256 amount) external onlyAdmin {
        require(to != address(0) && to != address(this), RewardPoolInvalidConfig("to"));
        require(amount != 0, RewardPoolZeroAmount());
        uint256 available = _surplus();
        require(amount <= available, RewardPoolSweepExceedsSurplus(amount, available));
        uint40 eta = uint40(block.timestamp) + _changeDelay;
        (_sweepTo, _sweepEta, _sweepAmount) = (to, eta, amount);
        emit SweepQueued(to, amount, eta);
    }

    /// @inheritdoc IRewardPoolGovernance
    function cancelSweep() external {
        _applyDueSettings();
        _onlyAdminOrGuardian();
        uint256 amount = _sweepAmount;
        require(amount != 0, RewardPoolNoQueuedChange());
        address to = _sweepTo;
        (_sweepTo, _sweepEta, _sweepAmount) = (address(0), 0, 0);
        emit SweepCancelled(to, amount, msg.sender);
    }

    /// @inheritdoc IRewardPoolGovernance
    function executeSweep() external nonReentrant whenNotPaused {
        uint256 amount = _sweepAmount;
        require(amount != 0, RewardPoolNoQueuedChange());
        uint40 eta = _sweepEta;
        require(block.timestamp >= eta, RewardPoolChangeNotDue(eta, block.timestamp));
        // Checked again now: only tokens beyond `funded - paid` ever leave this way, never what is owed or funded.
        uint256 available = _surplus();
        require(amount <= available, RewardPoolSweepExceedsSurplus(amount, available));
        address to = _sweepTo;
        (_sweepTo, _sweepEta, _sweepAmount) = (address(0), 0, 0);
        emit Swept(to, amount, msg.sender);
        _token.safeTransfer(to, amount);
    }

    /// @inheritdoc IRewardPoolGovernance
    function transferAdmin(address pendingAdmin) external onlyAdmin {
        _pendingAdmin = pendingAdmin;
        emit AdminTransferStarted(msg.sender, pendingAdmin);
    }

    /// @inheritdoc IRewardPoolGovernance
    function acceptAdmin() external {
        require(msg.sender == _pendingAdmin && msg.sender != address(0), RewardPoolUnauthorized(msg.sender));
        emit AdminTransferred(_admin, msg.sender);
        _admin = msg.sender;
        delete _pendingAdmin;
    }

    /// @inheritdoc IRewardPoolGovernance
    function pause() external {
        _onlyGuardian();
        _paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IRewardPoolGovernance
    function unpause() external onlyAdmin {
        _paused = false;
        emit Unpaused(msg.sender);
    }

    /* VIEWS */

    /// @inheritdoc IRewardPoolGovernance
    function currentEpoch() external view returns (uint32) {
        return _currentEpoch();
    }

    /// @inheritdoc IRewardPoolGovernance
    function settings() external view returns (PoolSettings memory) {
        // A verifier change whose time has come is in force even before a transaction applies it.
        (uint8 quorum, uint256 verifierCount) = (_quorum, _verifierCount);
        if (_isDue(_verifiersEta)) {
            quorum = _pendingVerifiers.quorum;
            verifierCount = verifierCount + _pendingVerifiers.add.length - _pendingVerifiers.remove.length;
        }
        return
            PoolSettings({
                token: address(_token),
                registry: address(_registry),
                networkId: _networkId,
                genesis: _genesis,
                epochLength: _epochLength,
                changeDelay: _changeDelay,
                challengePeriod: _challengePeriod,
                settlementWindow: _settlementWindow,
                quorum: quorum,
                verifierCount: uint16(verifierCount),
                requireDeviceSignatures: _requireDeviceSignatures,
                minClaim: _minClaim,
                maxRelayerFee: _maxRelayerFee,
                admin: _admin,
                pendingAdmin: _pendingAdmin,
                guardian: _isDue(_guardianEta) ? _pendingGuardian : _guardian,
                paused: _paused,
                outflowLimit: OutflowLibrary.unpackLimit(_outflowLimit),
                outflowWindow: _outflowWindow
            });
    }

    /// @inheritdoc IRewardPoolGovernance
    function pendingChanges() external view returns (PendingChanges memory) {
        return
            PendingChanges({
                guardian: _pendingGuardian,
                guardianEta: _guardianEta,
                outflowLimit: _outflowEta == 0 ? 0 : OutflowLibrary.unpackLimit(_pendingOutflowLimit),
                outflowWindow: _pendingOutflowWindow,
                outflowEta: _outflowEta,
                sweepTo: _sweepTo,
                sweepAmount: _sweepAmount,
                sweepEta: _sweepEta
            });
    }

    /// @inheritdoc IRewardPoolGovernance
    function outflowAvailable() external view returns (uint256) {
        (uint256 previous, uint256 current, , , uint256 limit) = _outflowNow();
        return OutflowLibrary.room(previous + current, limit);
    }

    /// @inheritdoc IRewardPoolGovernance
    function nextOutflowAt(uint256 amount) external view returns (uint256) {
        (uint256 previous, uint256 current, uint256 window, uint256 windowLength, uint256 limit) = _outflowNow();
        return
            OutflowLibrary.fitsAt(
                previous,
                current,
                OutflowLibrary.shareOf(amount, limit),
                window,
                windowLength,
                block.timestamp
            );
    }

    /// @inheritdoc IRewardPoolGovernance
    function outflowQuote(uint256 amount, uint256 threshold) external view returns (uint256 paying, uint256 retryAt) {
        (uint256 previous, uint256 current, uint256 window, uint256 windowLength, uint256 limit) = _outflowNow();
        uint256 used = previous + current;
        paying = OutflowLibrary.room(used, limit);
        if (paying >= amount) return (amount, block.timestamp);
        uint256 waiting = amount - paying;
        if (paying < threshold) {
            waiting = threshold; // refused whole: when the claim's minimum fits as things are
        } else {
            current = OutflowLibrary.FULL - previous; // paid what fits: when the rest fits after that
        }
        uint256 share = OutflowLibrary.shareOf(waiting < limit ? waiting : limit, limit);
        retryAt = OutflowLibrary.fitsAt(previous, current, share, window, windowLength, block.timestamp);
    }

    /// @inheritdoc IRewardPoolGovernance
    function surplus() external view returns (uint256) {
        return _surplus();
    }

    /// @inheritdoc IRewardPoolGovernance
    function account(address account_) external view returns (AccountView memory v) {
        Account memory a = _accounts[account_];
        v = AccountView({
            unpaidWad: a.unpaidWad,
            ledgerClaimable: a.unpaidWad / _WAD,
            paidEpoch: a.paidEpoch,
            claimNonce: a.claimNonce
        });
    }

    /// @inheritdoc IRewardPoolGovernance
    function totals() external view returns (Totals memory) {
        return
            Totals({
                funded: _totalFunded,
                epochPaid: _epochPaid(),
                creditedWad: _totalCreditedWad,
                clawedBackWad: _totalClawedBackWad,
                epochOwed: _epochOwed(),
                paid: _outflow.paid()
            });
    }

    /// @inheritdoc IRewardPoolGovernance
    function epochCreditedWad(uint32 epoch) external view returns (uint256) {
        return _epochCreditedWad[epoch];
    }

    /// @inheritdoc IRewardPoolGovernance
    function isRecorded(uint32 epoch, uint256 deviceId) external view returns (bool) {
        (, uint40 index, , ) = _registry.rewardInfo(deviceId);
        return index != 0 && _recorded[epoch][index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @inheritdoc IRewardPoolGovernance
    function isVerifier(address account_) external view returns (bool) {
        uint40 eta = _verifiersEta;
        if (_isDue(eta)) {
            // A due change is in force even before a transaction applies it.
            address[] memory add = _pendingVerifiers.add;
            for (uint256 i; i < add.length; ++i) if (add[i] == account_) return true;
            address[] memory remove = _pendingVerifiers.remove;
            for (uint256 i; i < remove.length; ++i) if (remove[i] == account_) return false;
        }
        return _verifiers[account_];
    }

    /// @inheritdoc IRewardPoolGovernance
    function rewardParams() external view returns (RewardParams memory) {
        return _rewardParamsAt(_currentEpoch());
    }

    /// @inheritdoc IRewardPoolGovernance
    function rewardParamsAt(uint32 epoch) external view returns (RewardParams memory) {
        return _rewardParamsAt(epoch);
    }

    /// @inheritdoc IRewardPoolGovernance
    function commitNonce() external view returns (uint32) {
        return _commitNonce;
    }

    /// @inheritdoc IRewardPoolGovernance
    function epochRoots() external view returns (EpochRoot memory active, EpochRoot memory pending) {
        (active, pending, , ) = _epochRoots(true);
    }

    /// @inheritdoc IRewardPoolGovernance
    function claimable(
        address account_,
        uint256 cumulative,
        bytes32[] calldata proof
    ) external view returns (uint256 ledgerAmount, uint256 epochAmount) {
        Account memory a = _accounts[account_];
        ledgerAmount = a.unpaidWad / _WAD;
        if (cumulative != 0) {
            EpochHead head = _epochHead;
            (uint256 index, bool latest) = _verifyLeaf(head, account_, cumulative, proof);
            epochAmount = cumulative > a.paidEpoch ? cumulative - a.paidEpoch : 0;
            _spendEpochHeadroom(head, index, latest, epochAmount); // reverts as the claim would, past the total owed
        }
    }

    /* INTERNAL */

    function _onlyGuardian() internal {
        _applyDueSettings(); // a guardian change whose time has come is in force
        require(msg.sender == _guardian, RewardPoolUnauthorized(msg.sender));
    }

    function _onlyAdminOrGuardian() internal view {
        require(msg.sender == _admin || msg.sender == _guardian, RewardPoolUnauthorized(msg.sender));
    }

    /// @dev Applies a guardian or outflow-limit change whose time has come. Every governance call that a guardian
    /// makes or that schedules or cancels applies them first, so a due guardian change is in force for them; claims
    /// read the outflow limit as last applied.
    function _applyDueSettings() internal {
        if (_isDue(_guardianEta)) {
            address guardian = _pendingGuardian;
            emit GuardianChanged(_guardian, guardian);
            (_guardian, _pendingGuardian, _guardianEta) = (guardian, address(0), 0);
        }
        if (_isDue(_outflowEta)) {
            (uint32 limit, uint24 window) = (_pendingOutflowLimit, _pendingOutflowWindow);
            (_pendingOutflowLimit, _pendingOutflowWindow, _outflowEta) = (0, 0, 0);
            _setOutflow(limit, window, OutflowLibrary.unpackLimit(_outflowLimit));
        }
    }

    /// @dev Sets the breaker. What left in the last two windows under the previous limit (`previousLimit`, zero at
    /// initialization) counts in full against the new one, in its current window: a change never frees room early.
    function _setOutflow(uint32 limit, uint24 window, uint256 previousLimit) internal {
        uint256 newLimit = OutflowLibrary.unpackLimit(limit);
        Outflow outflow = _outflow;
        uint256 used;
        if (previousLimit != 0) {
            (uint256 previous, uint256 current) = outflow.usedAt(block.timestamp / _outflowWindow);
            // Token units that left, rounded up, then as a share of the new limit, rounded up; at most all of it.
            uint256 left = ((previous + current) * previousLimit + OutflowLibrary.FULL - 1) / OutflowLibrary.FULL;
            used = OutflowLibrary.shareOf(left, newLimit);
            if (used > OutflowLibrary.FULL) used = OutflowLibrary.FULL;
        }
        (_outflowLimit, _outflowWindow) = (limit, window);
        // Never zero after this (the window index is not), so a first claim rewrites a non-zero slot.
        _outflow = OutflowLibrary.encode(outflow.paid(), block.timestamp / window, 0, used);
        emit OutflowLimitChanged(newLimit, window);
    }

    function _checkOutflow(uint256 limit, uint256 window) internal pure returns (uint32 packed, uint24 windowLength) {
        packed = OutflowLibrary.packLimit(limit);
        require(packed != 0, RewardPoolInvalidConfig("outflowLimit"));
        require(window != 0 && window <= _MAX_OUTFLOW_WINDOW, RewardPoolInvalidConfig("outflowWindow"));
        windowLength = uint24(window);
    }

    /// @dev The breaker as a claim now would see it: shares used in the last two windows, the window index, the
    /// window length and the limit.
    function _outflowNow()
        internal
        view
        returns (uint256 previous, uint256 current, uint256 window, uint256 windowLength, uint256 limit)
    {
        windowLength = _outflowWindow;
        window = block.timestamp / windowLength;
        (previous, current) = _outflow.usedAt(window);
        limit = OutflowLibrary.unpackLimit(_outflowLimit);
    }

    function _scheduleParams(RewardParams memory params, uint32 fromEpoch) internal {
        uint256 n = _paramsCount;
        _paramsWords[n] = _packParams(params, fromEpoch);
        _paramsCount = (n + 1).toUint16();
        emit RewardParamsScheduled(fromEpoch, params, uint64(_genesis) + uint64(fromEpoch) * _epochLength);
    }

    /// @dev Whether the last checkpoint is scheduled but not in force (its epoch has not started).
    function _scheduledParams() internal view returns (bool) {
        return _fromEpoch(_paramsWords[_paramsCount - 1]) > _currentEpoch();
    }

    function _rewardParamsAt(uint32 epoch) internal view returns (RewardParams memory) {
        return _unpackParams(_paramsAt(epoch));
    }
}
