// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IBlacklistable} from "./interfaces/IBlacklistable.sol";
import {IDeviceRegistry} from "./interfaces/IDeviceRegistry.sol";
import {IRewardPoolGovernance} from "./interfaces/IRewardPoolGovernance.sol";
import {EpochHead, EpochHeadLibrary} from "./libraries/EpochHead.sol";
import {RewardPoolStorage} from "./RewardPoolStorage.sol";

/// @title RewardPoolGovernance
/// @notice See {IRewardPoolGovernance}: setup, the guardian's veto, scheduled changes, roles and every view of a
/// reward pool. One instance serves every pool of a factory; pools reach it by delegatecall from their fallback,
/// so it runs on the pool's storage and `msg.sender` is the pool's caller.
/// @dev Called directly, it acts on its own empty storage: initializers are disabled and every role is unset,
/// so nothing there can be initialized or changed.
contract RewardPoolGovernance is RewardPoolStorage, IRewardPoolGovernance {
    using SafeCast for uint256;

    constructor() {
        _disableInitializers();
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
        _minClaim = config.minClaim;
        require(config.maxRelayerFee >> 96 == 0, RewardPoolInvalidConfig("maxRelayerFee"));
        _maxRelayerFee = uint96(config.maxRelayerFee);
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
    }

    /* EPOCH MODE */

    /// @inheritdoc IRewardPoolGovernance
    function vetoEpoch(uint32 epoch, bytes32 reasonHash) external {
        require(msg.sender == _guardian, RewardPoolUnauthorized(msg.sender));
        EpochHead head = _epochHead;
        uint256 claimableAt = head.latestClaimableAt();
        uint256 latest = head.latestRoot();
        EpochRoot memory pending = _roots[latest];
        require(
            claimableAt != 0 && block.timestamp < claimableAt && pending.epoch == epoch,
            RewardPoolNothingToVeto(epoch)
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
        uint40 eta = _verifiersEta;
        require(eta != 0, RewardPoolNoQueuedChange());
        require(block.timestamp >= eta, RewardPoolChangeNotDue(eta, block.timestamp));
        _applyDueChanges();
    }

    /// @inheritdoc IRewardPoolGovernance
    function cancelQueuedChanges() external {
        require(msg.sender == _admin || msg.sender == _guardian, RewardPoolUnauthorized(msg.sender));
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
        _minClaim = minClaim;
        require(maxRelayerFee >> 96 == 0, RewardPoolInvalidConfig("maxRelayerFee"));
        _maxRelayerFee = uint96(maxRelayerFee);
        emit ClaimSettingsChanged(minClaim, maxRelayerFee);
    }

    /// @inheritdoc IRewardPoolGovernance
    function setGuardian(address guardian) external onlyAdmin {
        emit GuardianChanged(_guardian, guardian);
        _guardian = guardian;
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
        require(msg.sender == _guardian, RewardPoolUnauthorized(msg.sender));
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
                guardian: _guardian,
                paused: _paused
            });
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
                epochOwed: _epochOwed()
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
