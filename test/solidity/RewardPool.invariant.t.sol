// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DeviceRegistry} from "../../contracts/DeviceRegistry.sol";
import {IDeviceRegistry} from "../../contracts/interfaces/IDeviceRegistry.sol";
import {IRewardPool} from "../../contracts/interfaces/IRewardPool.sol";
import {IRewardPoolBase} from "../../contracts/interfaces/IRewardPoolBase.sol";
import {MockHookToken} from "../../contracts/mocks/MockHookToken.sol";
import {RewardPoolFactory} from "../../contracts/RewardPoolFactory.sol";
import {RewardPoolGovernance} from "../../contracts/RewardPoolGovernance.sol";
import {RewardPoolSettlement} from "../../contracts/RewardPoolSettlement.sol";
import {TestBase} from "./utils/Vm.sol";

/// @notice Drives a real registry, factory, token and pool with random funding, registrations, transfers, device
/// status and payout changes, proof batches, commits, claims (direct and relayed), clawbacks, pauses, vetoes,
/// scheduled changes, donations and sweeps, and hostile actors: a relayer (over-fees, changed recipients), a token
/// whose hooks re-enter the pool, a single compromised verifier, a compromised guardian. It keeps ghost books to
/// compare the pool against, and counts calls and reverts by reason for the campaign's report.
contract RewardPoolHandler is TestBase {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant DEVICES = 12;
    uint256 internal constant OPERATORS = 3;
    uint256 internal constant RATE = WAD / 3 + 7; // leaves a remainder on every credit
    uint128 internal constant BUDGET = 2_000e6;
    uint64 internal constant CAP = 2_000_000;
    uint32 internal constant EPOCH = 1 days;
    uint16 internal constant WINDOW = 3;
    uint128 internal constant MAX_FEE = 1e6;
    uint256 internal constant OUTFLOW_WINDOW = 1 days;
    address internal constant RELAYER = address(0x4E1A7E4);
    address internal constant SWEEP_TO = address(0x5EE9);
    address internal constant GUARDIAN_A = address(0x6A4D1);
    address internal constant GUARDIAN_B = address(0x6A4D2);

    DeviceRegistry public registry;
    MockHookToken public token;
    IRewardPool public pool;

    address[OPERATORS] public operators;
    uint256[3] internal _verifierKeys;
    uint256[] public deviceIds;
    uint256 internal _registeredCount;
    uint256 internal _batchNonce;

    // Ghost books.
    mapping(address account => uint256 creditedWad) public ghostCreditedWad;
    mapping(uint32 epoch => mapping(uint256 deviceId => bool)) public ghostRecorded;
    uint256 public ghostFunded;
    uint256 public ghostPaid;
    /// @dev Σ units × the rate of their epoch, WAD.
    uint256 public ghostCreditedRateUnits;
    uint256 public ghostClawedBackWad;
    uint32 public maxEpochSeen;
    bool public doubleCredit;
    bool public movedWhilePaused;

    // Epoch-mode ghost books: each committed root's leaves, the highest cumulative ever committed per account.
    address internal constant FILLER = address(0xF111E5);
    uint256 internal constant CHALLENGE = 1 days;
    mapping(bytes32 root => uint256[OPERATORS] cumulatives) internal _leavesOf;
    mapping(bytes32 root => bool wasVetoed) public vetoed;
    mapping(address account => uint256 cumulative) public ghostMaxCumulative;
    uint256[OPERATORS] internal _lastCumulatives;
    /// @dev Highest cumulative per account over the roots that still count (vetoed ones do not), per root.
    mapping(bytes32 root => uint256[OPERATORS] highest) internal _highestOf;
    uint256[OPERATORS] internal _lastHighest;
    uint256 public ghostPaidEpoch;
    mapping(address account => uint256 paid) public ghostPaidLedger;
    bool public paidFromUnripeRoot;

    // Attacks on epoch mode: every accepted or vetoed commit, to replay; what must never happen.
    IRewardPoolBase.EpochCommit[] internal _sentCommits;
    IRewardPoolBase.QuorumSignatures[] internal _sentSignatures;
    uint256 public commitsAccepted;
    uint256 public replaysAccepted;
    uint256 public loweredTotalsAccepted;
    uint256 public overBudgetCommits;
    uint256 public inForceChangesCancelled;
    uint256 public highestTotalOwedInForce;
    bool public totalOwedInForceDecreased;
    bool public vetoedRootPaid;

    // Hostile actors and bounded powers: what must never happen.
    RewardPoolFactory public factory;
    uint256[OPERATORS] internal _operatorKeys;
    uint256 public rogueAccepted;
    uint256 public guardianOverreach;
    uint256 public relayerAbuse;
    uint256 public hookReentered;
    uint256 public ghostDonated;
    uint256 public ghostSwept;
    uint256 public poolsCreated;
    /// @dev Every outflow by a claim: when, how much, and the limit in force then.
    uint256[] internal _outTimes;
    uint256[] internal _outAmounts;
    uint256[] internal _outLimits;

    // Metrics for the campaign report (per run: the handler is fresh each run).
    uint256 public calls;
    bytes32[] public actionNames;
    mapping(bytes32 action => uint256 count) public callsOf;
    bytes4[] public revertSelectors;
    mapping(bytes4 selector => uint256 count) public revertsOf;

    constructor() {
        registry = new DeviceRegistry();
        registry.createNetwork(false, bytes32(0));
        token = new MockHookToken();
        factory = new RewardPoolFactory(
            registry,
            address(new RewardPoolGovernance(address(new RewardPoolSettlement())))
        );
        for (uint256 i; i < 3; ++i) {
            _verifierKeys[i] = 0xA11CE + i;
        }
        // Signers must be ascending: sort the keys by address once.
        _sortVerifierKeys();
        for (uint256 i; i < OPERATORS; ++i) {
            _operatorKeys[i] = 0xB0B0 + i;
            operators[i] = VM.addr(_operatorKeys[i]);
        }
        pool = IRewardPool(factory.createPool(_config(), bytes32(0)));
        token.approve(address(pool), type(uint256).max);
    }

    /* ACTIONS */

    function fund(uint256 amountSeed) external counted("fund") {
        uint256 amount = _bound(amountSeed, 1, 10_000e6);
        token.mint(address(this), amount);
        if (_paused()) {
            uint256 before = token.balanceOf(address(pool));
            try pool.fund(amount, bytes32("ref")) {
                movedWhilePaused = true;
            } catch (bytes memory reason) {
                _countRevert(reason);
            }
            if (token.balanceOf(address(pool)) != before) movedWhilePaused = true;
            return;
        }
        pool.fund(amount, bytes32("ref"));
        ghostFunded += amount;
    }

    function registerDevice(uint256 operatorSeed) external counted("registerDevice") {
        if (_registeredCount == DEVICES) return;
        uint256 pk = 0xDE71CE + _registeredCount;
        address owner = operators[operatorSeed % OPERATORS];
        IDeviceRegistry.Registration memory r;
        r.keyType = IDeviceRegistry.KeyType.Secp256k1;
        r.key = abi.encodePacked(VM.addr(pk));
        r.deadline = type(uint64).max;
        (r.signature.r, r.signature.vs) = _signCompact(pk, registry.registrationDigest(owner, 1, r));
        VM.prank(owner);
        deviceIds.push(registry.register(1, r, IDeviceRegistry.Attestation(address(0), "")));
        ++_registeredCount;
    }

    function transferDevice(uint256 deviceSeed, uint256 toSeed) external counted("transferDevice") {
        if (deviceIds.length == 0) return;
        uint256 deviceId = deviceIds[deviceSeed % deviceIds.length];
        address from = registry.ownerOf(deviceId);
        address to = operators[toSeed % OPERATORS];
        VM.prank(from);
        registry.transferFrom(from, to, deviceId);
    }

    function recordBatch(uint256 epochSeed, uint256 mask, uint256 unitsSeed) external counted("recordBatch") {
        if (deviceIds.length == 0) return;
        // A closed epoch inside the settlement window, or the current one once it closes.
        uint32 current = pool.currentEpoch();
        uint32 epoch = uint32(_bound(epochSeed, current > 2 ? current - 2 : 0, current));
        _closeEpoch(epoch);
        uint256 n;
        IRewardPoolBase.Proof[] memory all = new IRewardPoolBase.Proof[](deviceIds.length);
        for (uint256 i; i < deviceIds.length; ++i) {
            if ((mask >> i) & 1 == 0) continue;
            uint64 units = uint64(_bound(uint256(keccak256(abi.encode(unitsSeed, i))), 1, CAP));
            all[n++] = IRewardPoolBase.Proof({deviceId: deviceIds[i], units: units, evidenceHash: bytes32(i)});
        }
        if (n == 0) return;
        IRewardPoolBase.Proof[] memory proofs = new IRewardPoolBase.Proof[](n);
        for (uint256 i; i < n; ++i) proofs[i] = all[i];

        uint256 nonce = _batchNonce++;
        bytes32 structHash = keccak256(
            abi.encode(pool.PROOF_BATCH_TYPEHASH(), epoch, nonce, keccak256(abi.encode(proofs)))
        );
        IRewardPoolBase.QuorumSignatures memory att = _attest(
            keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash))
        );
        uint256 rewardRate = pool.rewardParamsAt(epoch).rate;
        try pool.recordProofs(epoch, nonce, proofs, new IRewardPoolBase.DeviceSignature[](0), att) {
            if (_paused()) movedWhilePaused = true;
            for (uint256 i; i < n; ++i) {
                if (ghostRecorded[epoch][proofs[i].deviceId]) doubleCredit = true;
                ghostRecorded[epoch][proofs[i].deviceId] = true;
                (, , , address payee) = registry.rewardInfo(proofs[i].deviceId);
                ghostCreditedWad[payee] += proofs[i].units * rewardRate;
                ghostCreditedRateUnits += proofs[i].units * rewardRate;
            }
            if (epoch > maxEpochSeen) maxEpochSeen = epoch;
        } catch (bytes memory reason) {
            _countRevert(reason);
        }
    }

    function claim(uint256 accountSeed, bool withEpoch) external counted("claim") {
        uint256 i = accountSeed % OPERATORS;
        address account = operators[i];
        uint256 cumulative;
        bytes32[] memory proof;
        (IRewardPoolBase.EpochRoot memory active, ) = pool.epochRoots();
        if (withEpoch && active.root != bytes32(0)) (cumulative, proof) = _proof(active.root, i);
        uint256 before = token.balanceOf(account);
        uint256 paidEpochBefore = pool.account(account).paidEpoch;
        bool paused = _paused();
        try pool.claim(account, cumulative, proof) returns (uint256 amount) {
            if (paused) movedWhilePaused = true;
            if (withEpoch && vetoed[active.root]) vetoedRootPaid = true;
            _bookClaim(account, amount, pool.account(account).paidEpoch - paidEpochBefore);
            _logOutflow(amount);
            _noteBreaker(account, cumulative, "");
        } catch (bytes memory reason) {
            _countRevert(reason);
            _noteBreaker(account, cumulative, reason);
        }
        if (paused && token.balanceOf(account) != before) movedWhilePaused = true;
    }

    /// @dev An operator opts in to push payouts (to itself) and a keeper pushes it: its ledger credit and, with
    /// `withEpoch`, its epoch cumulative proven by a one-leaf multiproof. A skip (`PushSkipped`) moves nothing.
    function push(uint256 accountSeed, bool withEpoch) external counted("push") {
        uint256 i = accountSeed % OPERATORS;
        address account = operators[i];
        VM.prank(account);
        pool.setPushRecipient(account);
        address[] memory accounts = new address[](1);
        accounts[0] = account;
        uint256[] memory cumulatives = new uint256[](1);
        bytes32[] memory proof;
        (IRewardPoolBase.EpochRoot memory active, ) = pool.epochRoots();
        if (withEpoch && active.root != bytes32(0)) (cumulatives[0], proof) = _proof(active.root, i);
        // One leaf: its multiproof is its proof, every step taking the next proof node.
        bool[] memory flags = new bool[](cumulatives[0] == 0 ? 0 : proof.length);
        if (cumulatives[0] == 0) proof = new bytes32[](0);
        uint256 before = token.balanceOf(account);
        uint256 paidEpochBefore = pool.account(account).paidEpoch;
        bool paused = _paused();
        VM.prank(RELAYER);
        try pool.pushPayouts(accounts, cumulatives, proof, flags) returns (uint256 amount, uint256) {
            if (amount != 0) {
                if (paused) movedWhilePaused = true;
                if (withEpoch && vetoed[active.root]) vetoedRootPaid = true;
                _bookClaim(account, amount, pool.account(account).paidEpoch - paidEpochBefore);
                _logOutflow(amount);
            }
        } catch (bytes memory reason) {
            _countRevert(reason);
        }
        if (paused && token.balanceOf(account) != before) movedWhilePaused = true;
    }

    /// @dev Commits the current epoch (closing it): every operator's cumulative moves by a random step, up or
    /// (fraud) down. It supersedes a pending root, or corrects it when the epoch is the same.
    function commitRoot(uint256 stepSeed, bool lowerOne) external counted("commitRoot") observed {
        uint32 epoch = pool.currentEpoch();
        _closeEpoch(epoch);
        uint256[OPERATORS] memory cumulatives;
        uint256[OPERATORS] memory highest;
        uint256 total;
        for (uint256 i; i < OPERATORS; ++i) {
            uint256 step = _bound(uint256(keccak256(abi.encode(stepSeed, i))), 0, 800e6);
            cumulatives[i] = _lastCumulatives[i] + step;
            if (lowerOne && i == stepSeed % OPERATORS) cumulatives[i] = _lastCumulatives[i] / 2;
            // totalOwed counts each account's highest cumulative: a lowered leaf may already have been paid higher.
            highest[i] = cumulatives[i] > _lastHighest[i] ? cumulatives[i] : _lastHighest[i];
            total += highest[i];
        }
        bytes32 root = _root(cumulatives);
        IRewardPoolBase.EpochCommit memory c = _commit(epoch, root, total);
        IRewardPoolBase.QuorumSignatures memory sigs = _attest(_commitDigest(c));
        (IRewardPoolBase.EpochRoot memory activeBefore, ) = pool.epochRoots();
        try pool.commitEpoch(c, sigs) {
            ++commitsAccepted;
            _sentCommits.push(c);
            _sentSignatures.push(sigs);
            _leavesOf[root] = cumulatives;
            _lastCumulatives = cumulatives;
            _highestOf[root] = highest;
            _lastHighest = highest;
            for (uint256 i; i < OPERATORS; ++i) {
                if (cumulatives[i] > ghostMaxCumulative[operators[i]])
                    ghostMaxCumulative[operators[i]] = cumulatives[i];
            }
            // Growth since the root in force, against the budgets of the epochs it covers (ledger credit aside).
            uint256 from = activeBefore.claimableAt != 0 ? activeBefore.epoch + 1 : 0;
            uint256 budgets;
            for (uint256 e = from; e <= epoch; ++e) budgets += pool.rewardParamsAt(uint32(e)).epochBudget;
            if (total - activeBefore.totalOwed > budgets) ++overBudgetCommits;
        } catch (bytes memory reason) {
            _countRevert(reason);
        }
    }

    /// @dev Re-submits a commit the pool already accepted (in force, superseded or vetoed): must always fail.
    function replayCommit(uint256 indexSeed) external counted("replayCommit") observed {
        if (_sentCommits.length == 0) return;
        uint256 i = _bound(indexSeed, 0, _sentCommits.length - 1);
        try pool.commitEpoch(_sentCommits[i], _sentSignatures[i]) {
            ++replaysAccepted;
        } catch (bytes memory reason) {
            _countRevert(reason);
        }
    }

    /// @dev Commits a total owed past every budget so far, validly signed and fully funded: must always fail.
    function commitOverBudget(uint256 extraSeed) external counted("commitOverBudget") observed {
        if (_paused()) return;
        uint32 epoch = pool.currentEpoch();
        _closeEpoch(epoch);
        (IRewardPool.EpochRoot memory active, ) = pool.epochRoots();
        uint256 budgets;
        for (uint32 e; e <= epoch; ++e) budgets += pool.rewardParamsAt(e).epochBudget;
        uint256 total = active.totalOwed + budgets + _bound(extraSeed, 1, 1_000e6);
        // Funded, so only the budget can refuse it.
        token.mint(address(this), total);
        pool.fund(total, bytes32("over-budget"));
        ghostFunded += total;
        IRewardPool.EpochCommit memory c = _commit(epoch, keccak256(abi.encode("over", total)), total);
        try pool.commitEpoch(c, _attest(_commitDigest(c))) {
            ++overBudgetCommits;
        } catch (bytes memory reason) {
            _countRevert(reason);
        }
    }

    /// @dev Commits a total owed below the root in force's, validly signed: must always fail.
    function commitLoweredTotal(uint256 lessSeed) external counted("commitLoweredTotal") observed {
        (IRewardPoolBase.EpochRoot memory active, ) = pool.epochRoots();
        if (active.totalOwed == 0) return;
        uint32 epoch = pool.currentEpoch();
        _closeEpoch(epoch);
        uint256 total = active.totalOwed - _bound(lessSeed, 1, active.totalOwed);
        IRewardPoolBase.EpochCommit memory c = _commit(epoch, keccak256(abi.encode("lowered", total)), total);
        try pool.commitEpoch(c, _attest(_commitDigest(c))) {
            ++loweredTotalsAccepted;
        } catch (bytes memory reason) {
            _countRevert(reason);
        }
    }

    /// @dev Schedules a new budget (same rate: the ghost books price ledger work by each epoch's rate anyway) and
    /// sometimes cancels it at once; cancelling never changes the parameters in force.
    function scheduleBudget(uint256 budgetSeed, bool cancel) external counted("scheduleBudget") observed {
        uint128 newBudget = uint128(_bound(budgetSeed, 1_000e6, 8_000e6));
        pool.queueRewardParams(
            IRewardPoolBase.RewardParams({rate: uint128(RATE), epochBudget: newBudget, deviceCap: CAP})
        );
        if (!cancel) return;
        uint128 before = pool.rewardParams().epochBudget;
        pool.cancelQueuedChanges();
        if (pool.rewardParams().epochBudget != before) ++inForceChangesCancelled;
    }

    /// @dev Cancels whatever is scheduled, possibly nothing; what is in force must not move.
    function cancelChanges() external counted("cancelChanges") observed {
        uint128 before = pool.rewardParams().epochBudget;
        try pool.cancelQueuedChanges() {} catch (bytes memory reason) {
            _countRevert(reason);
        }
        if (pool.rewardParams().epochBudget != before) ++inForceChangesCancelled;
    }

    /// @dev Tries to claim with the pending root's leaf before its challenge period ends: must never pay.
    function claimTooEarly(uint256 accountSeed) external counted("claimTooEarly") {
        (, IRewardPoolBase.EpochRoot memory pending) = pool.epochRoots();
        if (pending.root == bytes32(0)) return;
        uint256 i = accountSeed % OPERATORS;
        (uint256 cumulative, bytes32[] memory proof) = _proof(pending.root, i);
        uint256 paidBefore = pool.account(operators[i]).paidEpoch;
        try pool.claim(operators[i], cumulative, proof) returns (uint256 amount) {
            uint256 paidAfter = pool.account(operators[i]).paidEpoch;
            _bookClaim(operators[i], amount, paidAfter - paidBefore);
            _logOutflow(amount);
            if (paidAfter != paidBefore) paidFromUnripeRoot = true;
        } catch (bytes memory reason) {
            _countRevert(reason);
        }
    }

    function veto() external counted("veto") observed {
        (, IRewardPoolBase.EpochRoot memory pending) = pool.epochRoots();
        if (pending.root == bytes32(0)) return;
        VM.prank(_guardianNow());
        pool.vetoEpoch(pending.epoch, pending.nonce, bytes32("veto"));
        vetoed[pending.root] = true;
        // The vetoed totals no longer count as the latest: the next commit builds on the root in force.
        (IRewardPoolBase.EpochRoot memory active, ) = pool.epochRoots();
        _lastCumulatives = _leavesOf[active.root];
        _lastHighest = _highestOf[active.root];
    }

    /// @notice The most the pool can still be asked to pay: unpaid ledger credit plus, per account, the highest
    /// cumulative of the roots that count minus what epoch mode already paid.
    function obligationBound() external view returns (uint256 bound) {
        for (uint256 i; i < OPERATORS; ++i) {
            IRewardPoolBase.AccountView memory v = pool.account(operators[i]);
            bound += v.ledgerClaimable + _lastHighest[i] - v.paidEpoch;
        }
    }

    function warp(uint256 secondsSeed) external counted("warp") observed {
        VM.warp(block.timestamp + _bound(secondsSeed, 1, 2 * CHALLENGE));
    }

    function clawback(uint256 accountSeed, uint256 amountSeed) external counted("clawback") {
        address account = operators[accountSeed % OPERATORS];
        IRewardPoolBase.AccountView memory a = pool.account(account);
        uint256 unclaimed = a.unpaidWad;
        if (unclaimed == 0) return;
        uint256 amountWad = _bound(amountSeed, 1, unclaimed);
        uint256 nonce = _batchNonce++;
        bytes32 structHash = keccak256(
            abi.encode(
                pool.CLAWBACK_TYPEHASH(),
                account,
                uint256(1),
                amountWad,
                bytes32("fraud"),
                nonce,
                block.timestamp
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash));
        pool.clawback(account, 1, amountWad, bytes32("fraud"), nonce, block.timestamp, _attest(digest));
        ghostCreditedWad[account] -= amountWad;
        ghostClawedBackWad += amountWad;
    }

    function togglePause() external counted("togglePause") {
        if (_paused()) {
            pool.unpause();
        } else {
            VM.prank(_guardianNow());
            pool.pause();
        }
    }

    /* HOSTILE ACTORS AND BOUNDED POWERS */

    /// @dev A relayer submits an operator's signed claim: honestly (a fee within the signed and pool caps), with a
    /// fee above the cap, or to a recipient the account did not sign. Only the first may ever pay.
    function relayClaim(uint256 accountSeed, uint256 feeSeed, uint8 mode) external counted("relayClaim") {
        uint256 i = accountSeed % OPERATORS;
        address account = operators[i];
        IRewardPoolBase.SignedClaim memory c = IRewardPoolBase.SignedClaim({
            account: account,
            recipient: account,
            maxFee: MAX_FEE,
            nonce: pool.account(account).claimNonce,
            deadline: block.timestamp + 1 days
        });
        bytes32 structHash = keccak256(
            abi.encode(pool.CLAIM_TYPEHASH(), c.account, c.recipient, c.maxFee, c.nonce, c.deadline)
        );
        (uint8 v, bytes32 r, bytes32 s) = VM.sign(
            _operatorKeys[i],
            keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash))
        );
        uint256 fee = _bound(feeSeed, 0, MAX_FEE);
        mode %= 3;
        if (mode == 1) fee = MAX_FEE + 1 + (feeSeed % 1e6);
        if (mode == 2) c.recipient = RELAYER;
        bool paused = _paused();
        VM.prank(RELAYER);
        try pool.claimWithSig(c, 0, new bytes32[](0), fee, abi.encodePacked(r, s, v)) returns (uint256 amount) {
            if (mode != 0) ++relayerAbuse;
            if (paused) movedWhilePaused = true;
            _bookClaim(account, amount, 0);
            _logOutflow(amount);
            _noteBreaker(account, 0, "");
        } catch (bytes memory reason) {
            _countRevert(reason);
            _noteBreaker(account, 0, reason);
        }
    }

    /// @dev One compromised verifier signs a batch alone, or twice over: must never be recorded.
    function rogueBatch(uint256 unitsSeed, bool twice) external counted("rogueBatch") {
        if (deviceIds.length == 0) return;
        uint32 current = pool.currentEpoch();
        uint32 epoch = current > 0 ? current - 1 : 0;
        _closeEpoch(epoch);
        IRewardPoolBase.Proof[] memory proofs = new IRewardPoolBase.Proof[](1);
        proofs[0] = IRewardPoolBase.Proof({
            deviceId: deviceIds[unitsSeed % deviceIds.length],
            units: uint64(_bound(unitsSeed, 1, CAP)),
            evidenceHash: "rogue"
        });
        uint256 nonce = _batchNonce++;
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                _domainSeparator(),
                keccak256(abi.encode(pool.PROOF_BATCH_TYPEHASH(), epoch, nonce, keccak256(abi.encode(proofs))))
            )
        );
        try pool.recordProofs(epoch, nonce, proofs, new IRewardPoolBase.DeviceSignature[](0), _rogue(digest, twice)) {
            ++rogueAccepted;
        } catch (bytes memory reason) {
            _countRevert(reason);
        }
    }

    /// @dev One compromised verifier signs a commit alone, or twice over: must never be accepted.
    function rogueCommit(uint256 totalSeed, bool twice) external counted("rogueCommit") {
        uint32 epoch = pool.currentEpoch();
        _closeEpoch(epoch);
        (IRewardPool.EpochRoot memory active, ) = pool.epochRoots();
        uint256 total = active.totalOwed + _bound(totalSeed, 0, BUDGET);
        IRewardPoolBase.EpochCommit memory c = _commit(epoch, keccak256(abi.encode("rogue", total)), total);
        try pool.commitEpoch(c, _rogue(_commitDigest(c), twice)) {
            ++rogueAccepted;
        } catch (bytes memory reason) {
            _countRevert(reason);
        }
    }

    /// @dev The guardian (compromised) tries every power it does not hold: none may succeed.
    function guardianAbuse(uint8 which) external counted("guardianAbuse") {
        address guardian = _guardianNow();
        which %= 8;
        VM.prank(guardian);
        bool ok;
        if (which == 0) {
            try pool.unpause() {
                ok = true;
            } catch (bytes memory reason) {
                _countRevert(reason);
            }
        } else if (which == 1) {
            try pool.cancelGuardianChange() {
                ok = true;
            } catch (bytes memory reason) {
                _countRevert(reason);
            }
        } else if (which == 2) {
            try pool.queueSweep(guardian, 1) {
                ok = true;
            } catch (bytes memory reason) {
                _countRevert(reason);
            }
        } else if (which == 3) {
            try pool.queueOutflowLimit(type(uint64).max, 1) {
                ok = true;
            } catch (bytes memory reason) {
                _countRevert(reason);
            }
        } else if (which == 4) {
            try pool.setClaimSettings(10e6, type(uint96).max) {
                ok = true;
            } catch (bytes memory reason) {
                _countRevert(reason);
            }
        } else if (which == 5) {
            try pool.queueGuardianChange(guardian) {
                ok = true;
            } catch (bytes memory reason) {
                _countRevert(reason);
            }
        } else if (which == 6) {
            try pool.transferAdmin(guardian) {
                ok = true;
            } catch (bytes memory reason) {
                _countRevert(reason);
            }
        } else {
            try pool.queueRewardParams(IRewardPoolBase.RewardParams({rate: 1, epochBudget: 1, deviceCap: 1})) {
                ok = true;
            } catch (bytes memory reason) {
                _countRevert(reason);
            }
        }
        if (ok) ++guardianOverreach;
    }

    /// @dev The admin replaces the guardian (through the delay); the guardian being replaced tries to cancel it.
    function rotateGuardian() external counted("rotateGuardian") {
        address next = _guardianNow() == GUARDIAN_A ? GUARDIAN_B : GUARDIAN_A;
        pool.queueGuardianChange(next);
        VM.prank(_guardianNow());
        try pool.cancelGuardianChange() {
            ++guardianOverreach;
        } catch (bytes memory reason) {
            _countRevert(reason);
        }
    }

    /// @dev The admin schedules another outflow limit (same window), sometimes cancelled by the guardian.
    function scheduleOutflow(uint256 limitSeed, bool cancel) external counted("scheduleOutflow") {
        pool.queueOutflowLimit(uint128(_bound(limitSeed, 1, 9) * 1_000e6), uint32(OUTFLOW_WINDOW));
        if (!cancel) return;
        VM.prank(_guardianNow());
        pool.cancelOutflowLimit();
    }

    function applyChanges() external counted("applyChanges") {
        try pool.applyQueuedChanges() {} catch (bytes memory reason) {
            _countRevert(reason);
        }
    }

    /// @dev Arms the token's hook: its next transfer calls back into the pool (a claim, a fund, a sweep).
    function armHook(uint256 accountSeed, uint8 which) external counted("armHook") {
        which %= 3;
        bytes memory data =
            which == 0
                ? abi.encodeCall(pool.claim, (operators[accountSeed % OPERATORS], 0, new bytes32[](0)))
                : which == 1
                    ? abi.encodeCall(pool.fund, (1, bytes32("hook")))
                    : abi.encodeCall(pool.executeSweep, ());
        token.arm(address(pool), data);
    }

    /// @dev Tokens sent to the pool directly, not by `fund`: surplus, never funding.
    function donate(uint256 amountSeed) external counted("donate") {
        uint256 amount = _bound(amountSeed, 1, 1_000e6);
        token.mint(address(this), amount);
        // A plain transfer is no call into the pool: an armed hook would run outside the pool's guard, as anyone.
        token.arm(address(0), "");
        require(token.transfer(address(pool), amount), "transfer");
        ghostDonated += amount;
    }

    function queueSweep(uint256 amountSeed) external counted("queueSweep") {
        uint256 amount = _bound(amountSeed, 1, pool.surplus() + 10e6);
        try pool.queueSweep(SWEEP_TO, amount) {} catch (bytes memory reason) {
            _countRevert(reason);
        }
    }

    function executeSweep() external counted("executeSweep") {
        uint256 before = token.balanceOf(SWEEP_TO);
        bool paused = _paused();
        try pool.executeSweep() {
            if (paused) movedWhilePaused = true;
        } catch (bytes memory reason) {
            _countRevert(reason);
        }
        ghostSwept += token.balanceOf(SWEEP_TO) - before;
    }

    function cancelSweep() external counted("cancelSweep") {
        VM.prank(_guardianNow());
        try pool.cancelSweep() {} catch (bytes memory reason) {
            _countRevert(reason);
        }
    }

    /// @dev The network admin suspends or reactivates a device (ledger mode then refuses or accepts its work).
    function toggleDevice(uint256 deviceSeed) external counted("toggleDevice") {
        if (deviceIds.length == 0) return;
        uint256 deviceId = deviceIds[deviceSeed % deviceIds.length];
        (, , IDeviceRegistry.DeviceStatus status, ) = registry.rewardInfo(deviceId);
        if (status == IDeviceRegistry.DeviceStatus.Active) registry.suspend(deviceId, "fraud");
        else registry.reactivate(deviceId, "cleared");
    }

    /// @dev A device's owner points its payout to another operator (or back to itself).
    function setPayout(uint256 deviceSeed, uint256 toSeed) external counted("setPayout") {
        if (deviceIds.length == 0) return;
        uint256 deviceId = deviceIds[deviceSeed % deviceIds.length];
        VM.prank(registry.ownerOf(deviceId));
        registry.setPayout(deviceId, operators[toSeed % OPERATORS]);
    }

    /// @dev Anyone creates another pool through the factory; it shares nothing with this one.
    function createPool(uint256 saltSeed) external counted("createPool") {
        IRewardPoolBase.PoolConfig memory config = _config();
        config.params.epochBudget = uint128(_bound(saltSeed, 1, BUDGET));
        factory.createPool(config, keccak256(abi.encode(saltSeed, poolsCreated)));
        ++poolsCreated;
    }

    /* HELPERS */

    modifier counted(bytes32 action) {
        if (callsOf[action] == 0) actionNames.push(action);
        ++calls;
        ++callsOf[action];
        uint256 hooks = token.hooksFired();
        _;
        // A hook armed above fired inside this action: its call into the pool must have been refused.
        if (token.hooksFired() != hooks) {
            if (token.lastHookSucceeded()) ++hookReentered;
            else _countRevert(token.lastHookResult());
        }
    }

    function _countRevert(bytes memory reason) internal {
        bytes4 selector = reason.length >= 4 ? bytes4(reason) : bytes4(0);
        if (revertsOf[selector] == 0) revertSelectors.push(selector);
        ++revertsOf[selector];
    }

    /// @dev Counts, in the report's actions, a claim the breaker paid only in part or refused whole.
    function _noteBreaker(address account, uint256 cumulative, bytes memory reason) internal {
        bytes32 name;
        if (reason.length == 0) {
            IRewardPoolBase.AccountView memory v = pool.account(account);
            if (v.ledgerClaimable == 0 && v.paidEpoch >= cumulative) return;
            name = "(claim deferred by the breaker)";
        } else if (bytes4(reason) == IRewardPoolBase.RewardPoolOutflowLimited.selector) {
            name = "(claim held by the breaker)";
        } else {
            return;
        }
        if (callsOf[name] == 0) actionNames.push(name);
        ++callsOf[name];
    }

    function _logOutflow(uint256 amount) internal {
        _outTimes.push(block.timestamp);
        _outAmounts.push(amount);
        _outLimits.push(pool.settings().outflowLimit);
    }

    /// @notice Whether the claims of some span of `OUTFLOW_WINDOW` seconds paid more than the limit then in force.
    function outflowOverLimit() external view returns (bool) {
        for (uint256 i; i < _outTimes.length; ++i) {
            uint256 sum;
            for (uint256 j; j <= i; ++j) {
                if (_outTimes[j] + OUTFLOW_WINDOW > _outTimes[i]) sum += _outAmounts[j];
            }
            if (sum > _outLimits[i]) return true;
        }
        return false;
    }

    function actionCount() external view returns (uint256) {
        return actionNames.length;
    }

    function revertReasonCount() external view returns (uint256) {
        return revertSelectors.length;
    }

    function _config() internal view returns (IRewardPoolBase.PoolConfig memory) {
        address[] memory verifiers = new address[](3);
        for (uint256 i; i < 3; ++i) verifiers[i] = VM.addr(_verifierKeys[i]);
        return
            IRewardPoolBase.PoolConfig({
                token: address(token),
                networkId: 1,
                admin: address(this),
                guardian: GUARDIAN_A,
                verifiers: verifiers,
                quorum: 2,
                epochLength: EPOCH,
                changeDelay: 1 days,
                challengePeriod: uint32(CHALLENGE),
                settlementWindow: WINDOW,
                params: IRewardPoolBase.RewardParams({rate: uint128(RATE), epochBudget: BUDGET, deviceCap: CAP}),
                minClaim: 0,
                maxRelayerFee: MAX_FEE,
                requireDeviceSignatures: false,
                outflowLimit: 500e6,
                outflowWindow: uint32(OUTFLOW_WINDOW)
            });
    }

    function _guardianNow() internal view returns (address) {
        return pool.settings().guardian;
    }

    /// @dev One verifier's signature alone, or the same signer twice.
    function _rogue(bytes32 digest, bool twice) internal view returns (IRewardPoolBase.QuorumSignatures memory att) {
        uint256 n = twice ? 2 : 1;
        att.signers = new address[](n);
        att.signatures = new bytes[](n);
        (uint8 v, bytes32 r, bytes32 s) = VM.sign(_verifierKeys[0], digest);
        for (uint256 i; i < n; ++i) {
            att.signers[i] = VM.addr(_verifierKeys[0]);
            att.signatures[i] = abi.encodePacked(r, s, v);
        }
    }

    /// @dev After each action: the total owed of the root in force never goes down.
    modifier observed() {
        _;
        (IRewardPoolBase.EpochRoot memory active, ) = pool.epochRoots();
        if (active.totalOwed < highestTotalOwedInForce) totalOwedInForceDecreased = true;
        else highestTotalOwedInForce = active.totalOwed;
    }

    function _commit(
        uint32 epoch,
        bytes32 root,
        uint256 total
    ) internal view returns (IRewardPoolBase.EpochCommit memory) {
        return
            IRewardPoolBase.EpochCommit({
                epoch: epoch,
                nonce: pool.commitNonce(),
                root: root,
                totalOwed: total,
                epochTotal: 0,
                rate: pool.rewardParamsAt(epoch).rate,
                manifestHash: keccak256(abi.encode(epoch)),
                manifestUri: "ipfs://manifest",
                formulaVersion: 1,
                ledgerCreditedWad: pool.totals().creditedWad,
                deadline: block.timestamp + 1 days
            });
    }

    function _commitDigest(IRewardPoolBase.EpochCommit memory c) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                pool.EPOCH_COMMIT_TYPEHASH(),
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
        );
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash));
    }

    function _bookClaim(address account, uint256 amount, uint256 epochPart) internal {
        ghostPaid += amount;
        ghostPaidEpoch += epochPart;
        ghostPaidLedger[account] += amount - epochPart;
    }

    /// @dev Root of the 4-leaf tree (operators, then a zero filler leaf), hashed as StandardMerkleTree leaves
    /// with OpenZeppelin's commutative node hashing.
    function _root(uint256[OPERATORS] memory c) internal view returns (bytes32) {
        bytes32[4] memory l = _leafHashes(c);
        return _node(_node(l[0], l[1]), _node(l[2], l[3]));
    }

    function _proof(bytes32 root, uint256 i) internal view returns (uint256 cumulative, bytes32[] memory proof) {
        uint256[OPERATORS] memory c = _leavesOf[root];
        bytes32[4] memory l = _leafHashes(c);
        proof = new bytes32[](2);
        proof[0] = l[i ^ 1];
        proof[1] = i < 2 ? _node(l[2], l[3]) : _node(l[0], l[1]);
        cumulative = c[i];
    }

    function _leafHashes(uint256[OPERATORS] memory c) internal view returns (bytes32[4] memory l) {
        for (uint256 i; i < OPERATORS; ++i) {
            l[i] = keccak256(bytes.concat(keccak256(abi.encode(operators[i], c[i]))));
        }
        l[3] = keccak256(bytes.concat(keccak256(abi.encode(FILLER, uint256(0)))));
    }

    function _node(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    function operatorCount() external pure returns (uint256) {
        return OPERATORS;
    }

    function _paused() internal view returns (bool) {
        return pool.settings().paused;
    }

    function _closeEpoch(uint32 epoch) internal {
        uint256 closesAt = pool.settings().genesis + (uint256(epoch) + 1) * EPOCH;
        if (block.timestamp < closesAt) VM.warp(closesAt);
    }

    function _attest(bytes32 digest) internal view returns (IRewardPoolBase.QuorumSignatures memory att) {
        att.signers = new address[](2);
        att.signatures = new bytes[](2);
        for (uint256 i; i < 2; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = VM.sign(_verifierKeys[i], digest);
            att.signers[i] = VM.addr(_verifierKeys[i]);
            att.signatures[i] = abi.encodePacked(r, s, v);
        }
    }

    function _domainSeparator() internal view returns (bytes32) {
        (, string memory name, string memory version, uint256 chainId, address verifyingContract, , ) = pool
            .eip712Domain();
        return
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256(bytes(name)),
                    keccak256(bytes(version)),
                    chainId,
                    verifyingContract
                )
            );
    }

    function _sortVerifierKeys() internal {
        for (uint256 i; i < 3; ++i) {
            for (uint256 j = i + 1; j < 3; ++j) {
                if (VM.addr(_verifierKeys[j]) < VM.addr(_verifierKeys[i])) {
                    (_verifierKeys[i], _verifierKeys[j]) = (_verifierKeys[j], _verifierKeys[i]);
                }
            }
        }
    }
}

/// @notice Invariants of DESIGN.md, checked after every random call sequence.
contract RewardPoolInvariantTest is TestBase {
    RewardPoolHandler internal handler;

    function setUp() public {
        handler = new RewardPoolHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_PaidNeverExceedsFunded() public view {
        IRewardPoolBase.Totals memory t = handler.pool().totals();
        uint256 paid = handler.ghostPaid();
        require(paid <= t.funded, "paid > funded");
        require(t.funded == handler.ghostFunded(), "funded books differ");
        require(
            handler.token().balanceOf(address(handler.pool())) ==
                t.funded - paid + handler.ghostDonated() - handler.ghostSwept(),
            "balance != funded - paid (+ surplus)"
        );
        uint256 paidBoth;
        for (uint256 i; i < handler.operatorCount(); ++i) {
            address a = handler.operators(i);
            paidBoth += handler.ghostPaidLedger(a) + handler.pool().account(a).paidEpoch;
        }
        require(paidBoth == paid, "claims differ from the accounts' paid");
    }

    function invariant_CreditNeverExceedsFunding() public view {
        IRewardPoolBase.Totals memory t = handler.pool().totals();
        require(t.creditedWad + t.epochOwed * 1e18 <= t.funded * 1e18, "ledger credit + epoch owed > funded");
    }

    function invariant_NoAccountPaidMoreThanItsHighestCommittedCumulativePlusLedgerCredit() public view {
        for (uint256 i; i < handler.operatorCount(); ++i) {
            address a = handler.operators(i);
            IRewardPoolBase.AccountView memory v = handler.pool().account(a);
            require(v.paidEpoch <= handler.ghostMaxCumulative(a), "epoch paid > highest committed cumulative");
            require(
                handler.ghostPaidLedger(a) * 1e18 + v.paidEpoch * 1e18 <=
                    handler.ghostCreditedWad(a) + handler.ghostMaxCumulative(a) * 1e18,
                "paid > ledger credit + highest cumulative"
            );
        }
    }

    function invariant_BalanceCoversEverythingStillOwed() public view {
        require(
            handler.token().balanceOf(address(handler.pool())) >= handler.obligationBound(),
            "the pool holds less than it may still have to pay"
        );
    }

    function invariant_NoRootPaysBeforeItsChallengePeriodEnds() public view {
        require(!handler.paidFromUnripeRoot(), "a root paid during its challenge period");
    }

    function invariant_VetoedRootNeverInForce() public view {
        (IRewardPoolBase.EpochRoot memory active, ) = handler.pool().epochRoots();
        require(active.root == bytes32(0) || !handler.vetoed(active.root), "a vetoed root is in force");
    }

    function invariant_EachAccountClaimedAtMostCredited_ExactRounding() public view {
        uint256 sum;
        for (uint256 i; i < handler.operatorCount(); ++i) {
            address a = handler.operators(i);
            IRewardPoolBase.AccountView memory v = handler.pool().account(a);
            uint256 paidWad = handler.ghostPaidLedger(a) * 1e18;
            require(paidWad <= handler.ghostCreditedWad(a), "claimed > credited");
            // Exact: what is unpaid is what was credited (units x rate) minus what was paid, to the wei.
            require(v.unpaidWad == handler.ghostCreditedWad(a) - paidWad, "unpaid != credited - paid");
            sum += handler.ghostCreditedWad(a);
        }
        IRewardPoolBase.Totals memory t = handler.pool().totals();
        require(t.creditedWad == sum, "total credit != sum of accounts");
        require(t.creditedWad + t.clawedBackWad == handler.ghostCreditedRateUnits(), "sum credited != units x rate");
    }

    function invariant_EpochCreditWithinBudget() public view {
        IRewardPool pool = handler.pool();
        for (uint32 e; e <= handler.maxEpochSeen(); ++e) {
            require(pool.epochCreditedWad(e) <= pool.rewardParamsAt(e).epochBudget * 1e18, "epoch over budget");
        }
    }

    /// @notice Both modes together never owe more than the budgets of every epoch so far.
    function invariant_BothModesWithinTheBudgetsOfAllEpochs() public view {
        IRewardPool pool = handler.pool();
        uint32 current = pool.currentEpoch();
        uint256 budgetsWad;
        uint256 ledgerWad;
        for (uint32 e; e <= current; ++e) {
            budgetsWad += pool.rewardParamsAt(e).epochBudget * 1e18;
            ledgerWad += pool.epochCreditedWad(e);
        }
        require(pool.totals().epochOwed * 1e18 + ledgerWad <= budgetsWad, "owed beyond the budgets of all epochs");
    }

    function invariant_EpochModeGrowthWithinBudget() public view {
        require(handler.overBudgetCommits() == 0, "a commit grew the total owed beyond its epochs' budgets");
    }

    function invariant_VetoedOrSupersededCommitNeverComesBack() public view {
        require(handler.replaysAccepted() == 0, "a commit was accepted twice");
        require(!handler.vetoedRootPaid(), "a vetoed root paid");
    }

    function invariant_TotalOwedNeverDecreases() public view {
        require(handler.loweredTotalsAccepted() == 0, "a lowered total owed was accepted");
        require(!handler.totalOwedInForceDecreased(), "the total owed in force went down");
    }

    /// @notice Whatever a root's leaves say, epoch mode pays out at most the total owed of the root in force.
    function invariant_EpochPayoutsWithinTheRootInForce() public view {
        IRewardPool pool = handler.pool();
        (IRewardPoolBase.EpochRoot memory active, ) = pool.epochRoots();
        uint256 paid = pool.totals().epochPaid;
        require(paid == handler.ghostPaidEpoch(), "epochPaid differs from the claims");
        require(paid <= active.totalOwed, "epoch mode paid more than the root in force owes");
    }

    function invariant_CancelNeverUndoesWhatIsInForce() public view {
        require(handler.inForceChangesCancelled() == 0, "a cancel changed the parameters in force");
    }

    function invariant_NoProofCreditedTwice() public view {
        require(!handler.doubleCredit(), "a proof was credited twice");
    }

    function invariant_PausedPoolMovesNoFunds() public view {
        require(!handler.movedWhilePaused(), "funds moved while paused");
    }

    /// @notice The breaker: the claims of any span of the window paid at most the limit in force.
    function invariant_OutflowWithinLimitInEveryWindow() public view {
        require(!handler.outflowOverLimit(), "claims passed the outflow limit within one window");
    }

    /// @notice Surplus leaves only as surplus: the balance is exactly funded - paid + donated - swept, and sweeps
    /// never took more than was donated (never what is owed or funded).
    function invariant_SweepsTakeOnlySurplus() public view {
        IRewardPoolBase.Totals memory t = handler.pool().totals();
        require(
            handler.token().balanceOf(address(handler.pool())) ==
                t.funded - t.paid + handler.ghostDonated() - handler.ghostSwept(),
            "balance != funded - paid + donated - swept"
        );
        require(handler.ghostSwept() <= handler.ghostDonated(), "a sweep took more than the surplus");
        require(t.paid == handler.ghostPaid(), "totals().paid differs from the claims");
    }

    /// @notice Hostile actors get nowhere: one verifier alone, a guardian beyond its powers, a relayer past the
    /// signed fee or recipient, a token hook re-entering the pool.
    function invariant_HostileActorsGetNothing() public view {
        require(handler.rogueAccepted() == 0, "a single verifier's batch or commit was accepted");
        require(handler.guardianOverreach() == 0, "the guardian used a power it does not hold");
        require(handler.relayerAbuse() == 0, "a relayer took more than signed or changed the recipient");
        require(handler.hookReentered() == 0, "a token hook re-entered the pool");
    }

    function invariant_FactoryListsEveryPool() public view {
        require(handler.factory().poolCount() == 1 + handler.poolsCreated(), "the factory lost a pool");
    }

    /// @notice After each run: appends its figures (calls, reverts by reason, calls by action) as one JSON line to
    /// the file named by DEPIN_INVARIANT_REPORT, for `npm run bench:invariant`. Nothing when unset.
    function afterInvariant() public {
        string memory path = VM.envOr("DEPIN_INVARIANT_REPORT", string(""));
        if (bytes(path).length == 0) return;
        string memory q = string(abi.encodePacked(bytes1(0x22))); // a double quote, for the JSON keys
        string memory line = string.concat("{", q, "calls", q, ":", VM.toString(handler.calls()));
        line = string.concat(line, ",", q, "reverts", q, ":{");
        for (uint256 i; i < handler.revertReasonCount(); ++i) {
            bytes4 selector = handler.revertSelectors(i);
            string memory key = string.concat(q, VM.toString(bytes32(selector)), q, ":");
            line = string.concat(line, i == 0 ? "" : ",", key, VM.toString(handler.revertsOf(selector)));
        }
        line = string.concat(line, "},", q, "actions", q, ":{");
        for (uint256 i; i < handler.actionCount(); ++i) {
            bytes32 action = handler.actionNames(i);
            string memory key = string.concat(q, VM.toString(action), q, ":");
            line = string.concat(line, i == 0 ? "" : ",", key, VM.toString(handler.callsOf(action)));
        }
        VM.writeLine(path, string.concat(line, "}}"));
    }
}
