// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DeviceRegistry} from "../../contracts/DeviceRegistry.sol";
import {IDeviceRegistry} from "../../contracts/interfaces/IDeviceRegistry.sol";
import {IRewardPool} from "../../contracts/interfaces/IRewardPool.sol";
import {IRewardPoolBase} from "../../contracts/interfaces/IRewardPoolBase.sol";
import {MockUSDC} from "../../contracts/mocks/MockUSDC.sol";
import {RewardPoolFactory} from "../../contracts/RewardPoolFactory.sol";
import {RewardPoolGovernance} from "../../contracts/RewardPoolGovernance.sol";
import {TestBase} from "./utils/Vm.sol";

/// @notice Drives a real registry, token and pool with random funding, registrations, transfers, proof batches,
/// claims, clawbacks and pauses, and keeps ghost books to compare the pool against.
contract RewardPoolHandler is TestBase {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant DEVICES = 12;
    uint256 internal constant OPERATORS = 3;
    uint256 internal constant RATE = WAD / 3 + 7; // leaves a remainder on every credit
    uint128 internal constant BUDGET = 2_000e6;
    uint64 internal constant CAP = 2_000_000;
    uint32 internal constant EPOCH = 1 days;
    uint16 internal constant WINDOW = 3;

    DeviceRegistry public registry;
    MockUSDC public usdc;
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

    constructor() {
        registry = new DeviceRegistry();
        uint32 networkId = registry.createNetwork(false, bytes32(0));
        usdc = new MockUSDC();
        RewardPoolFactory factory = new RewardPoolFactory(registry, address(new RewardPoolGovernance()));
        address[] memory verifiers = new address[](3);
        for (uint256 i; i < 3; ++i) {
            _verifierKeys[i] = 0xA11CE + i;
        }
        // Signers must be ascending: sort the keys by address once.
        _sortVerifierKeys();
        for (uint256 i; i < 3; ++i) verifiers[i] = VM.addr(_verifierKeys[i]);
        for (uint256 i; i < OPERATORS; ++i) operators[i] = address(uint160(0xB0B0 + i));
        IRewardPoolBase.PoolConfig memory config = IRewardPoolBase.PoolConfig({
            token: address(usdc),
            networkId: networkId,
            admin: address(this),
            guardian: address(this),
            verifiers: verifiers,
            quorum: 2,
            epochLength: EPOCH,
            changeDelay: 1 days,
            challengePeriod: uint32(CHALLENGE),
            settlementWindow: WINDOW,
            params: IRewardPoolBase.RewardParams({rate: uint128(RATE), epochBudget: BUDGET, deviceCap: CAP}),
            minClaim: 0,
            maxRelayerFee: 0,
            requireDeviceSignatures: false,
            outflowLimit: 1_000_000e6,
            outflowWindow: 1 days
        });
        pool = IRewardPool(factory.createPool(config, bytes32(0)));
        usdc.approve(address(pool), type(uint256).max);
    }

    /* ACTIONS */

    function fund(uint256 amountSeed) external {
        uint256 amount = _bound(amountSeed, 1, 10_000e6);
        usdc.mint(address(this), amount);
        if (_paused()) {
            uint256 before = usdc.balanceOf(address(pool));
            try pool.fund(amount, bytes32("ref")) {
                movedWhilePaused = true;
            } catch {}
            if (usdc.balanceOf(address(pool)) != before) movedWhilePaused = true;
            return;
        }
        pool.fund(amount, bytes32("ref"));
        ghostFunded += amount;
    }

    function registerDevice(uint256 operatorSeed) external {
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

    function transferDevice(uint256 deviceSeed, uint256 toSeed) external {
        if (deviceIds.length == 0) return;
        uint256 deviceId = deviceIds[deviceSeed % deviceIds.length];
        address from = registry.ownerOf(deviceId);
        address to = operators[toSeed % OPERATORS];
        VM.prank(from);
        registry.transferFrom(from, to, deviceId);
    }

    function recordBatch(uint256 epochSeed, uint256 mask, uint256 unitsSeed) external {
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
        } catch {}
    }

    function claim(uint256 accountSeed, bool withEpoch) external {
        uint256 i = accountSeed % OPERATORS;
        address account = operators[i];
        uint256 cumulative;
        bytes32[] memory proof;
        (IRewardPoolBase.EpochRoot memory active, ) = pool.epochRoots();
        if (withEpoch && active.root != bytes32(0)) (cumulative, proof) = _proof(active.root, i);
        uint256 before = usdc.balanceOf(account);
        uint256 paidEpochBefore = pool.account(account).paidEpoch;
        bool paused = _paused();
        try pool.claim(account, cumulative, proof) returns (uint256 amount) {
            if (paused) movedWhilePaused = true;
            if (withEpoch && vetoed[active.root]) vetoedRootPaid = true;
            _bookClaim(account, amount, pool.account(account).paidEpoch - paidEpochBefore);
        } catch {}
        if (paused && usdc.balanceOf(account) != before) movedWhilePaused = true;
    }

    /// @dev Commits the current epoch (closing it): every operator's cumulative moves by a random step, up or
    /// (fraud) down. It supersedes a pending root, or corrects it when the epoch is the same.
    function commitRoot(uint256 stepSeed, bool lowerOne) external observed {
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
        } catch {}
    }

    /// @dev Re-submits a commit the pool already accepted (in force, superseded or vetoed): must always fail.
    function replayCommit(uint256 indexSeed) external observed {
        if (_sentCommits.length == 0) return;
        uint256 i = _bound(indexSeed, 0, _sentCommits.length - 1);
        try pool.commitEpoch(_sentCommits[i], _sentSignatures[i]) {
            ++replaysAccepted;
        } catch {}
    }

    /// @dev Commits a total owed past every budget so far, validly signed and fully funded: must always fail.
    function commitOverBudget(uint256 extraSeed) external observed {
        if (_paused()) return;
        uint32 epoch = pool.currentEpoch();
        _closeEpoch(epoch);
        (IRewardPool.EpochRoot memory active, ) = pool.epochRoots();
        uint256 budgets;
        for (uint32 e; e <= epoch; ++e) budgets += pool.rewardParamsAt(e).epochBudget;
        uint256 total = active.totalOwed + budgets + _bound(extraSeed, 1, 1_000e6);
        // Funded, so only the budget can refuse it.
        usdc.mint(address(this), total);
        pool.fund(total, bytes32("over-budget"));
        ghostFunded += total;
        IRewardPool.EpochCommit memory c = _commit(epoch, keccak256(abi.encode("over", total)), total);
        try pool.commitEpoch(c, _attest(_commitDigest(c))) {
            ++overBudgetCommits;
        } catch {}
    }

    /// @dev Commits a total owed below the root in force's, validly signed: must always fail.
    function commitLoweredTotal(uint256 lessSeed) external observed {
        (IRewardPoolBase.EpochRoot memory active, ) = pool.epochRoots();
        if (active.totalOwed == 0) return;
        uint32 epoch = pool.currentEpoch();
        _closeEpoch(epoch);
        uint256 total = active.totalOwed - _bound(lessSeed, 1, active.totalOwed);
        IRewardPoolBase.EpochCommit memory c = _commit(epoch, keccak256(abi.encode("lowered", total)), total);
        try pool.commitEpoch(c, _attest(_commitDigest(c))) {
            ++loweredTotalsAccepted;
        } catch {}
    }

    /// @dev Schedules a new budget (same rate: the ghost books price ledger work by each epoch's rate anyway) and
    /// sometimes cancels it at once; cancelling never changes the parameters in force.
    function scheduleBudget(uint256 budgetSeed, bool cancel) external observed {
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
    function cancelChanges() external observed {
        uint128 before = pool.rewardParams().epochBudget;
        try pool.cancelQueuedChanges() {} catch {}
        if (pool.rewardParams().epochBudget != before) ++inForceChangesCancelled;
    }

    /// @dev Tries to claim with the pending root's leaf before its challenge period ends: must never pay.
    function claimTooEarly(uint256 accountSeed) external {
        (, IRewardPoolBase.EpochRoot memory pending) = pool.epochRoots();
        if (pending.root == bytes32(0)) return;
        uint256 i = accountSeed % OPERATORS;
        (uint256 cumulative, bytes32[] memory proof) = _proof(pending.root, i);
        uint256 paidBefore = pool.account(operators[i]).paidEpoch;
        try pool.claim(operators[i], cumulative, proof) returns (uint256 amount) {
            uint256 paidAfter = pool.account(operators[i]).paidEpoch;
            _bookClaim(operators[i], amount, paidAfter - paidBefore);
            if (paidAfter != paidBefore) paidFromUnripeRoot = true;
        } catch {}
    }

    function veto() external observed {
        (, IRewardPoolBase.EpochRoot memory pending) = pool.epochRoots();
        if (pending.root == bytes32(0)) return;
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

    function warp(uint256 secondsSeed) external observed {
        VM.warp(block.timestamp + _bound(secondsSeed, 1, 2 * CHALLENGE));
    }

    function clawback(uint256 accountSeed, uint256 amountSeed) external {
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

    function togglePause() external {
        if (_paused()) {
            pool.unpause();
        } else {
            pool.pause();
        }
    }

    /* HELPERS */

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
        require(handler.usdc().balanceOf(address(handler.pool())) == t.funded - paid, "balance != funded - paid");
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
            handler.usdc().balanceOf(address(handler.pool())) >= handler.obligationBound(),
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
}
