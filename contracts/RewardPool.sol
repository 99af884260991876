// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {BitMaps} from "@openzeppelin/contracts/utils/structs/BitMaps.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IDeviceRegistry} from "./interfaces/IDeviceRegistry.sol";
import {IERC3009} from "./interfaces/IERC3009.sol";
import {IRewardPool} from "./interfaces/IRewardPool.sol";
import {DeviceKeys} from "./libraries/DeviceKeys.sol";

/// @title RewardPool
/// @notice See {IRewardPool}. Deployed by {RewardPoolFactory}, either as an EIP-1167 clone (cheap to create) or
/// whole (no proxy, ~2,700 gas cheaper per call); the clones' implementation itself can never be initialized.
/// @dev Ledger-mode cost per proof is the figure this contract is shaped around: "recorded in epoch E" flags are
/// bitmaps over the registry's dense device index (256 devices per slot), and consecutive proofs of one payee
/// accumulate in memory so a fleet's credit is written once per run, not once per device.
contract RewardPool is IRewardPool, Initializable, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using BitMaps for BitMaps.BitMap;
    using DeviceKeys for IDeviceRegistry.KeyType;

    /* TYPES */

    /// @dev 128 + 128 bits: an account's credit (WAD) and what it was paid (token units).
    /// @dev One slot per account for both modes: ledger credit not yet paid (WAD, remainders included) and what
    /// epoch mode has paid (token units). Totals credited and paid per account live in the events.
    struct Account {
        uint128 unpaidWad;
        uint128 paidEpoch;
    }

    struct PendingVerifiers {
        address[] add;
        address[] remove;
        uint8 quorum;
    }

    /* CONSTANTS */

    uint256 public constant WAD = 1e18;

    /// @dev Status (bits 72-79) and network id (bits 0-31) of `packedRewardInfo >> 160`.
    uint256 internal constant _STATUS_NETWORK_MASK = (uint256(0xff) << 72) | 0xffffffff;

    bytes32 public constant PROOF_BATCH_TYPEHASH = keccak256(
        "ProofBatch(uint32 epoch,uint256 batchNonce,bytes32 proofsHash)"
    );
    bytes32 public constant WORK_REPORT_TYPEHASH = keccak256(
        "WorkReport(uint256 deviceId,uint32 epoch,uint64 units,bytes32 evidenceHash)"
    );
    bytes32 public constant CLAWBACK_TYPEHASH = keccak256(
        "Clawback(address account,uint256 deviceId,uint256 amountWad,bytes32 reasonHash,uint256 nonce)"
    );
    bytes32 public constant CLAIM_TYPEHASH = keccak256(
        "Claim(address account,address recipient,uint256 maxFee,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant EPOCH_COMMIT_TYPEHASH = keccak256(
        "EpochCommit(uint32 epoch,bytes32 root,uint256 totalOwed,uint256 epochTotal,bytes32 manifestHash,"
        "bytes32 manifestUriHash,uint32 formulaVersion)"
    );

    /* STORAGE */

    // slot: everything a claim reads besides the account and the root (160 + 8 + 48 + 40 bits)
    IERC20 internal _token;
    bool internal _paused;
    uint48 internal _minClaim;
    /// @dev When the pending epoch root starts to pay (zero: no pending root).
    uint40 internal _pendingClaimableAt;
    // slot: registry, networkId, epochLength, changeDelay
    IDeviceRegistry internal _registry;
    uint32 internal _networkId;
    uint32 internal _epochLength;
    uint32 internal _changeDelay;
    // slot: quorum, verifier count, device-signature flag, genesis, challenge period
    uint8 internal _quorum;
    uint16 internal _verifierCount;
    bool internal _requireDeviceSignatures;
    uint64 internal _genesis;
    uint32 internal _challengePeriod;

    RewardParams internal _params;
    // slot
    uint128 internal _totalFunded;
    uint128 internal _maxRelayerFee;

    address internal _admin;
    address internal _pendingAdmin;
    address internal _guardian;

    uint256 internal _totalCreditedWad;
    uint256 internal _totalClawedBackWad;

    mapping(address verifier => bool enabled) internal _verifiers;
    mapping(address account => Account entry) internal _accounts;
    mapping(address account => uint256 nonce) internal _claimNonces;
    mapping(bytes32 ref => uint256 amount) internal _fundedByRef;
    mapping(uint32 epoch => uint256 creditedWad) internal _epochCreditedWad;
    mapping(uint32 epoch => mapping(uint256 word => uint256 bits)) internal _recorded;
    BitMaps.BitMap internal _usedBatchNonces;
    BitMaps.BitMap internal _usedClawbackNonces;

    PendingVerifiers internal _pendingVerifiers;
    RewardParams internal _pendingParams;
    // slot: when each queued change takes effect (zero: none queued), read by every batch and commit
    uint64 internal _verifiersEta;
    uint64 internal _paramsEta;

    /// @dev Epoch mode: the root in force and the one in its challenge period (claimable from
    /// `_pendingClaimableAt`, which makes it the root in force without a write).
    EpochRoot internal _activeRoot;
    EpochRoot internal _pendingRoot;

    /* MODIFIERS */

    modifier onlyAdmin() {
        require(msg.sender == _admin, RewardPoolUnauthorized(msg.sender));
        _;
    }

    modifier whenNotPaused() {
        require(!_paused, RewardPoolPaused());
        _;
    }

    /* CONSTRUCTOR */

    /// @param asImplementation True for the implementation behind clones, which must never be initialized itself;
    /// false for a pool deployed whole by the factory, which initializes it in the same transaction.
    constructor(bool asImplementation) EIP712("DePIN RewardPool", "1") {
        if (asImplementation) _disableInitializers();
    }

    /// @inheritdoc IRewardPool
    function initialize(IDeviceRegistry registry, PoolConfig calldata config) external initializer {
        require(config.token != address(0), RewardPoolInvalidConfig("token"));
        require(config.admin != address(0), RewardPoolInvalidConfig("admin"));
        require(config.guardian != address(0), RewardPoolInvalidConfig("guardian"));
        require(config.epochLength != 0, RewardPoolInvalidConfig("epochLength"));
        registry.network(config.networkId); // reverts DeviceRegistryUnknownNetwork for an unknown network
        _validateParams(config.params);

        _token = IERC20(config.token);
        _genesis = uint64(block.timestamp);
        _registry = registry;
        _networkId = config.networkId;
        _epochLength = config.epochLength;
        _changeDelay = config.changeDelay;
        _challengePeriod = config.challengePeriod;
        _requireDeviceSignatures = config.requireDeviceSignatures;
        _admin = config.admin;
        _guardian = config.guardian;
        _params = config.params;
        _minClaim = config.minClaim;
        _maxRelayerFee = config.maxRelayerFee;
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
            config.requireDeviceSignatures
        );
        emit RewardParamsChanged(config.params);
        emit ClaimSettingsChanged(config.minClaim, config.maxRelayerFee);
    }

    /* FUNDING */

    /// @inheritdoc IRewardPool
    function fund(uint256 amount, bytes32 ref) external nonReentrant whenNotPaused {
        _pull(msg.sender, amount, ref);
    }

    /// @inheritdoc IRewardPool
    function fundWithPermit(
        uint256 amount,
        bytes32 ref,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant whenNotPaused {
        // A front-run permit (same signature submitted first) leaves the allowance in place: go on with it.
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _pull(msg.sender, amount, ref);
    }

    /// @inheritdoc IRewardPool
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
            keccak256(abi.encode(ref, salt)),
            v,
            r,
            s
        );
        _recordFunding(from, amount, ref, before);
    }

    /* LEDGER MODE */

    /// @inheritdoc IRewardPool
    function recordProofs(
        uint32 epoch,
        uint256 batchNonce,
        Proof[] calldata proofs,
        DeviceSignature[] calldata deviceSignatures,
        Attestation calldata attestation
    ) external nonReentrant whenNotPaused {
        _applyDueChanges();
        uint256 count = proofs.length;
        require(count != 0, RewardPoolEmptyBatch());
        uint32 current = _currentEpoch();
        require(epoch < current, RewardPoolEpochNotClosed(epoch, current));
        require(!_usedBatchNonces.get(batchNonce), RewardPoolBatchNonceUsed(batchNonce));
        bool deviceSigned = _requireDeviceSignatures;
        require(
            deviceSignatures.length == (deviceSigned ? count : 0),
            RewardPoolDeviceSignaturesMismatch(count, deviceSignatures.length)
        );
        bytes32 proofsHash = keccak256(abi.encode(proofs));
        _checkQuorum(
            _hashTypedDataV4(keccak256(abi.encode(PROOF_BATCH_TYPEHASH, epoch, batchNonce, proofsHash))),
            attestation
        );
        _usedBatchNonces.set(batchNonce);

        (uint256 totalUnits, uint128 rate) = _creditProofs(epoch, proofs, deviceSignatures, deviceSigned);

        uint256 rewardWad = totalUnits * rate;
        uint256 epochCredited = _epochCreditedWad[epoch] + rewardWad;
        uint256 budgetWad = uint256(_params.epochBudget) * WAD;
        require(epochCredited <= budgetWad, RewardPoolBudgetExceeded(epoch, budgetWad, epochCredited));
        _epochCreditedWad[epoch] = epochCredited;
        uint256 creditedWad = _totalCreditedWad + rewardWad;
        _requireSolvent(creditedWad);
        _totalCreditedWad = creditedWad;

        emit BatchRecorded(epoch, batchNonce, proofsHash, count, totalUnits, rewardWad, rate, attestation.signers);
    }

    /// @inheritdoc IRewardPool
    function clawback(
        address account_,
        uint256 deviceId,
        uint256 amountWad,
        bytes32 reasonHash,
        uint256 nonce,
        Attestation calldata attestation
    ) external nonReentrant {
        _applyDueChanges();
        require(amountWad != 0, RewardPoolZeroAmount());
        require(!_usedClawbackNonces.get(nonce), RewardPoolBatchNonceUsed(nonce));
        _checkQuorum(
            _hashTypedDataV4(
                keccak256(abi.encode(CLAWBACK_TYPEHASH, account_, deviceId, amountWad, reasonHash, nonce))
            ),
            attestation
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
        emit ClawedBack(account_, deviceId, amountWad, reasonHash, nonce, attestation.signers);
    }

    /* CLAIMS */

    /// @inheritdoc IRewardPool
    function claim(
        address account_,
        uint256 cumulative,
        bytes32[] calldata proof
    ) external nonReentrant whenNotPaused returns (uint256 amount) {
        (uint256 ledgerAmount, uint256 epochAmount) = _settle(account_, cumulative, proof);
        amount = ledgerAmount + epochAmount;
        _token.safeTransfer(account_, amount);
        emit Claimed(account_, account_, ledgerAmount, epochAmount);
    }

    /// @inheritdoc IRewardPool
    function claimWithSig(
        SignedClaim calldata c,
        uint256 cumulative,
        bytes32[] calldata proof,
        uint256 fee,
        bytes calldata signature
    ) external nonReentrant whenNotPaused returns (uint256 amount) {
        require(block.timestamp <= c.deadline, RewardPoolClaimExpired(c.deadline, block.timestamp));
        uint256 expected = _claimNonces[c.account];
        require(c.nonce == expected, RewardPoolInvalidClaimNonce(c.account, expected, c.nonce));
        uint256 maxFee = c.maxFee < _maxRelayerFee ? c.maxFee : _maxRelayerFee;
        require(fee <= maxFee, RewardPoolFeeTooHigh(fee, maxFee));
        require(
            DeviceKeys.verifyAccount(c.account, _claimDigest(c), signature) == DeviceKeys.Verdict.Valid,
            RewardPoolInvalidClaimSignature(c.account)
        );
        _claimNonces[c.account] = expected + 1;
        (uint256 ledgerAmount, uint256 epochAmount) = _settle(c.account, cumulative, proof);
        amount = ledgerAmount + epochAmount;
        require(fee <= amount, RewardPoolFeeTooHigh(fee, amount));
        if (fee != 0) _token.safeTransfer(msg.sender, fee);
        _token.safeTransfer(c.recipient, amount - fee);
        emit Claimed(c.account, c.recipient, ledgerAmount, epochAmount);
        if (fee != 0) emit RelayerFeePaid(c.account, msg.sender, fee);
    }

    /* EPOCH MODE */

    /// @inheritdoc IRewardPool
    function commitEpoch(EpochCommit calldata c, Attestation calldata attestation) external nonReentrant whenNotPaused {
        _applyDueChanges();
        uint32 current = _currentEpoch();
        require(c.epoch < current, RewardPoolEpochNotClosed(c.epoch, current));
        _promotePendingRoot();
        EpochRoot memory pending = _pendingRoot;
        EpochRoot memory active = _activeRoot;
        // The latest commit (pending, else active) fixes the order; a first commit may be for any closed epoch.
        EpochRoot memory latest = pending.claimableAt != 0 ? pending : active;
        require(
            latest.claimableAt == 0 || c.epoch > latest.epoch,
            RewardPoolEpochNotAfterLatest(c.epoch, latest.epoch)
        );
        _checkQuorum(_epochCommitDigest(c), attestation);

        if (pending.claimableAt != 0) emit EpochSuperseded(pending.epoch, c.epoch);
        uint64 claimableAt = uint64(block.timestamp) + _challengePeriod;
        _pendingRoot = EpochRoot({
            root: c.root,
            totalOwed: c.totalOwed.toUint128(),
            epoch: c.epoch,
            claimableAt: claimableAt
        });
        _pendingClaimableAt = uint40(claimableAt);
        // With the new root pending: the active root keeps paying until it takes over, so both count.
        _requireSolvent(_totalCreditedWad);
        emit EpochCommitted(
            c.epoch,
            c.root,
            c.totalOwed,
            c.epochTotal,
            c.manifestHash,
            c.manifestUriHash,
            c.formulaVersion,
            claimableAt,
            attestation.signers
        );
    }

    /// @inheritdoc IRewardPool
    function vetoEpoch(uint32 epoch, bytes32 reasonHash) external {
        require(msg.sender == _guardian, RewardPoolUnauthorized(msg.sender));
        uint40 claimableAt = _pendingClaimableAt;
        require(
            claimableAt != 0 && block.timestamp < claimableAt && _pendingRoot.epoch == epoch,
            RewardPoolNothingToVeto(epoch)
        );
        delete _pendingRoot;
        _pendingClaimableAt = 0;
        emit EpochVetoed(epoch, msg.sender, reasonHash);
    }

    /* GOVERNANCE */

    /// @inheritdoc IRewardPool
    function queueVerifierChange(address[] calldata add, address[] calldata remove, uint8 quorum) external onlyAdmin {
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
        uint64 eta = uint64(block.timestamp) + _changeDelay;
        _pendingVerifiers = PendingVerifiers({add: add, remove: remove, quorum: quorum});
        _verifiersEta = eta;
        emit VerifierChangeQueued(add, remove, quorum, eta);
    }

    /// @inheritdoc IRewardPool
    function queueRewardParams(RewardParams calldata params) external onlyAdmin {
        _validateParams(params);
        uint64 eta = uint64(block.timestamp) + _changeDelay;
        _pendingParams = params;
        _paramsEta = eta;
        emit RewardParamsQueued(params, eta);
    }

    /// @inheritdoc IRewardPool
    function applyQueuedChanges() external {
        uint64 eta = _verifiersEta;
        uint64 paramsEta = _paramsEta;
        require(eta != 0 || paramsEta != 0, RewardPoolNoQueuedChange());
        uint64 earliest = eta == 0 ? paramsEta : (paramsEta == 0 || eta < paramsEta ? eta : paramsEta);
        require(block.timestamp >= earliest, RewardPoolChangeNotDue(earliest, block.timestamp));
        _applyDueChanges();
    }

    /// @inheritdoc IRewardPool
    function cancelQueuedChanges() external {
        require(msg.sender == _admin || msg.sender == _guardian, RewardPoolUnauthorized(msg.sender));
        bool verifiers = _verifiersEta != 0;
        bool params = _paramsEta != 0;
        require(verifiers || params, RewardPoolNoQueuedChange());
        delete _pendingVerifiers;
        delete _pendingParams;
        (_verifiersEta, _paramsEta) = (0, 0);
        emit QueuedChangeCancelled(verifiers, params, msg.sender);
    }

    /// @inheritdoc IRewardPool
    function setClaimSettings(uint48 minClaim, uint128 maxRelayerFee) external onlyAdmin {
        _minClaim = minClaim;
        _maxRelayerFee = maxRelayerFee;
        emit ClaimSettingsChanged(minClaim, maxRelayerFee);
    }

    /// @inheritdoc IRewardPool
    function setGuardian(address guardian) external onlyAdmin {
        emit GuardianChanged(_guardian, guardian);
        _guardian = guardian;
    }

    /// @inheritdoc IRewardPool
    function transferAdmin(address pendingAdmin) external onlyAdmin {
        _pendingAdmin = pendingAdmin;
        emit AdminTransferStarted(msg.sender, pendingAdmin);
    }

    /// @inheritdoc IRewardPool
    function acceptAdmin() external {
        require(msg.sender == _pendingAdmin && msg.sender != address(0), RewardPoolUnauthorized(msg.sender));
        emit AdminTransferred(_admin, msg.sender);
        _admin = msg.sender;
        delete _pendingAdmin;
    }

    /// @inheritdoc IRewardPool
    function pause() external {
        require(msg.sender == _guardian, RewardPoolUnauthorized(msg.sender));
        _paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IRewardPool
    function unpause() external onlyAdmin {
        _paused = false;
        emit Unpaused(msg.sender);
    }

    /* VIEWS */

    /// @inheritdoc IRewardPool
    function currentEpoch() external view returns (uint32) {
        return _currentEpoch();
    }

    /// @inheritdoc IRewardPool
    function account(address account_) external view returns (AccountView memory v) {
        Account memory a = _accounts[account_];
        v = AccountView({
            unpaidWad: a.unpaidWad,
            ledgerClaimable: a.unpaidWad / WAD,
            paidEpoch: a.paidEpoch,
            claimNonce: _claimNonces[account_]
        });
    }

    /// @inheritdoc IRewardPool
    function claimable(
        address account_,
        uint256 cumulative,
        bytes32[] calldata proof
    ) external view returns (uint256 ledgerAmount, uint256 epochAmount) {
        Account memory a = _accounts[account_];
        ledgerAmount = a.unpaidWad / WAD;
        if (cumulative != 0) {
            _verifyLeaf(account_, cumulative, proof);
            epochAmount = cumulative > a.paidEpoch ? cumulative - a.paidEpoch : 0;
        }
    }

    /// @inheritdoc IRewardPool
    function epochRoots() external view returns (EpochRoot memory active, EpochRoot memory pending) {
        active = _activeRoot;
        pending = _pendingRoot;
        if (_isDue(pending.claimableAt)) {
            (active, pending) = (pending, active);
            delete pending;
        }
    }

    /// @inheritdoc IRewardPool
    function totals() external view returns (Totals memory) {
        return
            Totals({
                funded: _totalFunded,
                creditedWad: _totalCreditedWad,
                clawedBackWad: _totalClawedBackWad,
                epochOwed: _epochOwed()
            });
    }

    /// @inheritdoc IRewardPool
    function settings() external view returns (PoolSettings memory) {
        return
            PoolSettings({
                token: address(_token),
                registry: address(_registry),
                networkId: _networkId,
                genesis: _genesis,
                epochLength: _epochLength,
                changeDelay: _changeDelay,
                challengePeriod: _challengePeriod,
                quorum: _quorum,
                verifierCount: _verifierCount,
                requireDeviceSignatures: _requireDeviceSignatures,
                minClaim: _minClaim,
                maxRelayerFee: _maxRelayerFee,
                admin: _admin,
                pendingAdmin: _pendingAdmin,
                guardian: _guardian,
                paused: _paused
            });
    }

    /// @inheritdoc IRewardPool
    function fundedByRef(bytes32 ref) external view returns (uint256) {
        return _fundedByRef[ref];
    }

    /// @inheritdoc IRewardPool
    function epochCreditedWad(uint32 epoch) external view returns (uint256) {
        return _epochCreditedWad[epoch];
    }

    /// @inheritdoc IRewardPool
    function isRecorded(uint32 epoch, uint256 deviceId) external view returns (bool) {
        (, uint40 index, , ) = _registry.rewardInfo(deviceId);
        return index != 0 && _recorded[epoch][index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @inheritdoc IRewardPool
    function isVerifier(address account_) external view returns (bool) {
        uint64 eta = _verifiersEta;
        if (_isDue(eta)) {
            // A due change is in force even before a transaction applies it.
            address[] memory add = _pendingVerifiers.add;
            for (uint256 i; i < add.length; ++i) if (add[i] == account_) return true;
            address[] memory remove = _pendingVerifiers.remove;
            for (uint256 i; i < remove.length; ++i) if (remove[i] == account_) return false;
        }
        return _verifiers[account_];
    }

    /// @inheritdoc IRewardPool
    function rewardParams() external view returns (RewardParams memory) {
        uint64 eta = _paramsEta;
        return _isDue(eta) ? _pendingParams : _params;
    }

    /* INTERNAL: LEDGER */

    /// @dev The per-proof loop. Reads each device once from the registry, keeps the current bitmap word and the
    /// current payee's credit in memory, and writes them back only when the word or the payee changes.
    function _creditProofs(
        uint32 epoch,
        Proof[] calldata proofs,
        DeviceSignature[] calldata deviceSignatures,
        bool deviceSigned
    ) internal returns (uint256 totalUnits, uint128 rate) {
        RewardParams memory params = _params;
        rate = params.rate;
        uint32 networkId = _networkId;
        mapping(uint256 word => uint256 bits) storage recorded = _recorded[epoch];

        // One registry call for the whole batch: the device reads stay cold, the call overhead is paid once.
        uint256[] memory infos;
        {
            uint256[] memory ids = new uint256[](proofs.length);
            for (uint256 i; i < proofs.length; ++i) ids[i] = proofs[i].deviceId;
            infos = _registry.packedRewardInfos(ids);
        }
        uint256 expected = (uint256(uint8(IDeviceRegistry.DeviceStatus.Active)) << 72) | networkId;

        uint256 wordIndex = type(uint256).max;
        uint256 word;
        address payee;
        uint256 payeeUnits;
        for (uint256 i; i < proofs.length; ++i) {
            Proof calldata p = proofs[i];
            uint256 info = infos[i];
            uint64 units = p.units;
            // Fast path, one comparison each: the device is active in this network; 1 <= units <= cap
            // (units - 1 wraps for zero). The slow path finds and reports the reason.
            unchecked {
                if ((info >> 160) & _STATUS_NETWORK_MASK != expected || units - 1 >= params.deviceCap) {
                    _rejectProof(i, p.deviceId, info, networkId, units, params.deviceCap);
                }
            }
            address devicePayee = address(uint160(info));
            uint256 index = uint40(info >> 192);

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
        uint256 info,
        uint32 networkId,
        uint64 units,
        uint64 deviceCap
    ) internal pure {
        IDeviceRegistry.DeviceStatus status = IDeviceRegistry.DeviceStatus(uint8(info >> 232));
        ProofRejection reason;
        if (status == IDeviceRegistry.DeviceStatus.None) reason = ProofRejection.UnknownDevice;
        else if (uint32(info >> 160) != networkId) reason = ProofRejection.WrongNetwork;
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

    /// @dev Marks everything `account_` can claim as paid and returns it; the caller transfers
    /// (checks-effects-interactions). The epoch part is skipped when `cumulative` is zero.
    function _settle(
        address account_,
        uint256 cumulative,
        bytes32[] calldata proof
    ) internal returns (uint256 ledgerAmount, uint256 epochAmount) {
        Account memory a = _accounts[account_];
        ledgerAmount = a.unpaidWad / WAD;
        // The remainder below one token unit stays credited and carries into the next claim.
        a.unpaidWad -= uint128(ledgerAmount * WAD);
        if (cumulative != 0) {
            _verifyLeaf(account_, cumulative, proof);
            uint256 paidEpoch = a.paidEpoch;
            if (cumulative > paidEpoch) {
                epochAmount = cumulative - paidEpoch;
                a.paidEpoch = cumulative.toUint128();
            } else if (cumulative < paidEpoch) {
                emit EpochShortfall(account_, cumulative, paidEpoch);
            }
        }
        _accounts[account_] = a; // one write for both modes
        uint256 amount = ledgerAmount + epochAmount;
        require(amount != 0, RewardPoolNothingToClaim(account_));
        uint256 minClaim = _minClaim;
        require(amount >= minClaim, RewardPoolBelowMinimumClaim(account_, amount, minClaim));
    }

    /// @dev Reverts unless (account, cumulative) is a leaf of the root in force.
    function _verifyLeaf(address account_, uint256 cumulative, bytes32[] calldata proof) internal view {
        bytes32 root = _isDue(_pendingClaimableAt) ? _pendingRoot.root : _activeRoot.root;
        require(root != bytes32(0), RewardPoolNoEpochRoot());
        // Double-hashed leaf, as OpenZeppelin's StandardMerkleTree: a leaf can never pass for an inner node.
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account_, cumulative))));
        require(MerkleProof.verifyCalldata(proof, root, leaf), RewardPoolInvalidMerkleProof(account_, cumulative));
    }

    /// @dev Makes a pending root whose challenge period is over the active one.
    function _promotePendingRoot() internal {
        if (_isDue(_pendingClaimableAt)) {
            _activeRoot = _pendingRoot;
            delete _pendingRoot;
            _pendingClaimableAt = 0;
        }
    }

    /// @dev The one solvency rule of both modes: ledger credit plus what epoch mode may owe never exceeds what the
    /// pool received (paid amounts stay in both sides, so the balance covers everything still owed).
    function _requireSolvent(uint256 creditedWad) internal view {
        uint256 neededWad = creditedWad + _epochOwed() * WAD;
        uint256 availableWad = uint256(_totalFunded) * WAD;
        require(neededWad <= availableWad, RewardPoolInsolvent(availableWad, neededWad));
    }

    /// @dev What epoch mode may owe: the larger of the active and pending totals (a pending root may be vetoed).
    function _epochOwed() internal view returns (uint256) {
        uint256 active = _activeRoot.totalOwed;
        uint256 pending = _pendingRoot.totalOwed;
        return pending > active ? pending : active;
    }

    function _epochCommitDigest(EpochCommit calldata c) internal view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        EPOCH_COMMIT_TYPEHASH,
                        c.epoch,
                        c.root,
                        c.totalOwed,
                        c.epochTotal,
                        c.manifestHash,
                        c.manifestUriHash,
                        c.formulaVersion
                    )
                )
            );
    }

    /* INTERNAL: FUNDING */

    function _pull(address from, uint256 amount, bytes32 ref) internal {
        require(amount != 0, RewardPoolZeroAmount());
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(from, address(this), amount);
        _recordFunding(from, amount, ref, before);
    }

    /// @dev Refuses tokens that deliver less than the amount (fee-on-transfer).
    function _recordFunding(address from, uint256 amount, bytes32 ref, uint256 balanceBefore) internal {
        uint256 received = _token.balanceOf(address(this)) - balanceBefore;
        require(received == amount, RewardPoolFeeOnTransfer(amount, received));
        _totalFunded += amount.toUint128();
        _fundedByRef[ref] += amount;
        emit Funded(from, ref, amount);
    }

    /* INTERNAL: GOVERNANCE */

    /// @dev Checks M-of-N signatures: signers strictly ascending (so unique), each a current verifier, each valid.
    function _checkQuorum(bytes32 digest, Attestation calldata attestation) internal view {
        uint256 n = attestation.signers.length;
        require(n == attestation.signatures.length, RewardPoolSignerLengthMismatch(n, attestation.signatures.length));
        uint8 quorum = _quorum;
        require(n >= quorum, RewardPoolQuorumNotMet(n, quorum));
        address previous;
        for (uint256 i; i < n; ++i) {
            address signer = attestation.signers[i];
            require(signer > previous, RewardPoolSignersNotSorted(i, signer));
            previous = signer;
            require(_verifiers[signer], RewardPoolNotVerifier(i, signer));
            require(
                DeviceKeys.verifyAccount(signer, digest, attestation.signatures[i]) == DeviceKeys.Verdict.Valid,
                RewardPoolInvalidVerifierSignature(i, signer)
            );
        }
    }

    function _applyDueChanges() internal {
        (uint64 verifiersEta, uint64 paramsEta) = (_verifiersEta, _paramsEta);
        if (_isDue(verifiersEta)) {
            PendingVerifiers memory pv = _pendingVerifiers;
            delete _pendingVerifiers;
            _verifiersEta = 0;
            _changeVerifiers(pv.add, pv.remove, pv.quorum);
        }
        if (_isDue(paramsEta)) {
            RewardParams memory params = _pendingParams;
            delete _pendingParams;
            _paramsEta = 0;
            _params = params;
            emit RewardParamsChanged(params);
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

    function _validateParams(RewardParams memory params) internal pure {
        require(params.rate != 0, RewardPoolInvalidConfig("rate"));
        require(params.epochBudget != 0, RewardPoolInvalidConfig("epochBudget"));
        require(params.deviceCap != 0, RewardPoolInvalidConfig("deviceCap"));
    }

    /// @dev Whether a scheduled time (zero: nothing scheduled) has come: queued changes, pending epoch roots.
    function _isDue(uint256 at) internal view returns (bool) {
        return at != 0 && block.timestamp >= at;
    }

    function _currentEpoch() internal view returns (uint32) {
        return uint32((block.timestamp - _genesis) / _epochLength);
    }

    function _claimDigest(SignedClaim calldata c) internal view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(abi.encode(CLAIM_TYPEHASH, c.account, c.recipient, c.maxFee, c.nonce, c.deadline))
            );
    }
}
