// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DeviceRegistry} from "../../contracts/DeviceRegistry.sol";
import {IDeviceRegistry} from "../../contracts/interfaces/IDeviceRegistry.sol";
import {IRewardPool} from "../../contracts/interfaces/IRewardPool.sol";
import {MockUSDC} from "../../contracts/mocks/MockUSDC.sol";
import {RewardPool} from "../../contracts/RewardPool.sol";
import {RewardPoolFactory} from "../../contracts/RewardPoolFactory.sol";
import {TestBase} from "./utils/Vm.sol";

/// @notice Drives a real registry, token and pool with random funding, registrations, transfers, proof batches,
/// claims, clawbacks and pauses, and keeps ghost books to compare the pool against.
contract RewardPoolHandler is TestBase {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant DEVICES = 12;
    uint256 internal constant OPERATORS = 3;
    uint256 internal constant RATE = WAD / 3 + 7; // leaves a remainder on every credit
    uint128 internal constant BUDGET = 5_000e6;
    uint64 internal constant CAP = 2_000_000;
    uint32 internal constant EPOCH = 1 days;

    DeviceRegistry public registry;
    MockUSDC public usdc;
    RewardPool public pool;

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
    uint256 public ghostUnits;
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
    uint32 internal _nextCommitEpoch;
    uint256 public ghostPaidEpoch;
    mapping(address account => uint256 paid) public ghostPaidLedger;
    bool public paidFromUnripeRoot;

    constructor() {
        registry = new DeviceRegistry();
        uint32 networkId = registry.createNetwork(false, bytes32(0));
        usdc = new MockUSDC();
        RewardPoolFactory factory = new RewardPoolFactory(registry);
        address[] memory verifiers = new address[](3);
        for (uint256 i; i < 3; ++i) {
            _verifierKeys[i] = 0xA11CE + i;
        }
        // Signers must be ascending: sort the keys by address once.
        _sortVerifierKeys();
        for (uint256 i; i < 3; ++i) verifiers[i] = VM.addr(_verifierKeys[i]);
        for (uint256 i; i < OPERATORS; ++i) operators[i] = address(uint160(0xB0B0 + i));
        IRewardPool.PoolConfig memory config = IRewardPool.PoolConfig({
            token: address(usdc),
            networkId: networkId,
            admin: address(this),
            guardian: address(this),
            verifiers: verifiers,
            quorum: 2,
            epochLength: EPOCH,
            changeDelay: 1 days,
            challengePeriod: uint32(CHALLENGE),
            params: IRewardPool.RewardParams({rate: uint128(RATE), epochBudget: BUDGET, deviceCap: CAP}),
            minClaim: 0,
            maxRelayerFee: 0,
            requireDeviceSignatures: false
        });
        pool = RewardPool(factory.createPool(config, bytes32(0)));
        usdc.approve(address(pool), type(uint256).max);
    }

    /* ACTIONS */

    function fund(uint256 amountSeed) external {
        uint256 amount = _bound(amountSeed, 1, 3_000e6);
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
        uint32 epoch = uint32(_bound(epochSeed, 0, 6));
        _closeEpoch(epoch);
        uint256 n;
        IRewardPool.Proof[] memory all = new IRewardPool.Proof[](deviceIds.length);
        for (uint256 i; i < deviceIds.length; ++i) {
            if ((mask >> i) & 1 == 0) continue;
            uint64 units = uint64(_bound(uint256(keccak256(abi.encode(unitsSeed, i))), 1, CAP));
            all[n++] = IRewardPool.Proof({deviceId: deviceIds[i], units: units, evidenceHash: bytes32(i)});
        }
        if (n == 0) return;
        IRewardPool.Proof[] memory proofs = new IRewardPool.Proof[](n);
        for (uint256 i; i < n; ++i) proofs[i] = all[i];

        uint256 nonce = _batchNonce++;
        bytes32 structHash = keccak256(
            abi.encode(pool.PROOF_BATCH_TYPEHASH(), epoch, nonce, keccak256(abi.encode(proofs)))
        );
        IRewardPool.Attestation memory att = _attest(
            keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash))
        );
        try pool.recordProofs(epoch, nonce, proofs, new IRewardPool.DeviceSignature[](0), att) {
            if (_paused()) movedWhilePaused = true;
            for (uint256 i; i < n; ++i) {
                if (ghostRecorded[epoch][proofs[i].deviceId]) doubleCredit = true;
                ghostRecorded[epoch][proofs[i].deviceId] = true;
                (, , , address payee) = registry.rewardInfo(proofs[i].deviceId);
                ghostCreditedWad[payee] += proofs[i].units * RATE;
                ghostUnits += proofs[i].units;
            }
            if (epoch > maxEpochSeen) maxEpochSeen = epoch;
        } catch {}
    }

    function claim(uint256 accountSeed, bool withEpoch) external {
        uint256 i = accountSeed % OPERATORS;
        address account = operators[i];
        uint256 cumulative;
        bytes32[] memory proof;
        (IRewardPool.EpochRoot memory active, ) = pool.epochRoots();
        if (withEpoch && active.root != bytes32(0)) (cumulative, proof) = _proof(active.root, i);
        uint256 before = usdc.balanceOf(account);
        uint256 paidEpochBefore = pool.account(account).paidEpoch;
        bool paused = _paused();
        try pool.claim(account, cumulative, proof) returns (uint256 amount) {
            if (paused) movedWhilePaused = true;
            _bookClaim(account, amount, pool.account(account).paidEpoch - paidEpochBefore);
        } catch {}
        if (paused && usdc.balanceOf(account) != before) movedWhilePaused = true;
    }

    /// @dev Commits the next epoch: every operator's cumulative moves by a random step, up or (fraud) down.
    function commitRoot(uint256 stepSeed, bool lowerOne) external {
        uint32 epoch = _nextCommitEpoch;
        _closeEpoch(epoch);
        uint256[OPERATORS] memory cumulatives;
        uint256[OPERATORS] memory highest;
        uint256 total;
        for (uint256 i; i < OPERATORS; ++i) {
            uint256 step = _bound(uint256(keccak256(abi.encode(stepSeed, i))), 0, 500e6);
            cumulatives[i] = _lastCumulatives[i] + step;
            if (lowerOne && i == stepSeed % OPERATORS) cumulatives[i] = _lastCumulatives[i] / 2;
            // totalOwed counts each account's highest cumulative: a lowered leaf may already have been paid higher.
            highest[i] = cumulatives[i] > _lastHighest[i] ? cumulatives[i] : _lastHighest[i];
            total += highest[i];
        }
        bytes32 root = _root(cumulatives);
        IRewardPool.EpochCommit memory c = IRewardPool.EpochCommit({
            epoch: epoch,
            root: root,
            totalOwed: total,
            epochTotal: 0,
            manifestHash: keccak256(abi.encode(epoch)),
            manifestUriHash: bytes32(0),
            formulaVersion: 1
        });
        bytes32 structHash = keccak256(
            abi.encode(
                pool.EPOCH_COMMIT_TYPEHASH(),
                c.epoch,
                c.root,
                c.totalOwed,
                c.epochTotal,
                c.manifestHash,
                c.manifestUriHash,
                c.formulaVersion
            )
        );
        try pool.commitEpoch(c, _attest(keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash)))) {
            _leavesOf[root] = cumulatives;
            _lastCumulatives = cumulatives;
            _highestOf[root] = highest;
            _lastHighest = highest;
            ++_nextCommitEpoch;
            for (uint256 i; i < OPERATORS; ++i) {
                if (cumulatives[i] > ghostMaxCumulative[operators[i]])
                    ghostMaxCumulative[operators[i]] = cumulatives[i];
            }
        } catch {}
    }

    /// @dev Tries to claim with the pending root's leaf before its challenge period ends: must never pay.
    function claimTooEarly(uint256 accountSeed) external {
        (, IRewardPool.EpochRoot memory pending) = pool.epochRoots();
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

    function veto() external {
        (, IRewardPool.EpochRoot memory pending) = pool.epochRoots();
        if (pending.root == bytes32(0)) return;
        pool.vetoEpoch(pending.epoch, bytes32("veto"));
        vetoed[pending.root] = true;
        // The vetoed totals no longer count as the latest: the next commit builds on the root in force.
        (IRewardPool.EpochRoot memory active, ) = pool.epochRoots();
        _lastCumulatives = _leavesOf[active.root];
        _lastHighest = _highestOf[active.root];
    }

    /// @notice The most the pool can still be asked to pay: unpaid ledger credit plus, per account, the highest
    /// cumulative of the roots that count minus what epoch mode already paid.
    function obligationBound() external view returns (uint256 bound) {
        for (uint256 i; i < OPERATORS; ++i) {
            IRewardPool.AccountView memory v = pool.account(operators[i]);
            bound += v.ledgerClaimable + _lastHighest[i] - v.paidEpoch;
        }
    }

    function warp(uint256 secondsSeed) external {
        VM.warp(block.timestamp + _bound(secondsSeed, 1, 2 * CHALLENGE));
    }

    function clawback(uint256 accountSeed, uint256 amountSeed) external {
        address account = operators[accountSeed % OPERATORS];
        IRewardPool.AccountView memory a = pool.account(account);
        uint256 unclaimed = a.unpaidWad;
        if (unclaimed == 0) return;
        uint256 amountWad = _bound(amountSeed, 1, unclaimed);
        uint256 nonce = _batchNonce++;
        bytes32 structHash = keccak256(
            abi.encode(pool.CLAWBACK_TYPEHASH(), account, uint256(1), amountWad, bytes32("fraud"), nonce)
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash));
        pool.clawback(account, 1, amountWad, bytes32("fraud"), nonce, _attest(digest));
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

    function rate() external pure returns (uint256) {
        return RATE;
    }

    function budget() external pure returns (uint256) {
        return BUDGET;
    }

    function _paused() internal view returns (bool) {
        return pool.settings().paused;
    }

    function _closeEpoch(uint32 epoch) internal {
        uint256 closesAt = pool.settings().genesis + (uint256(epoch) + 1) * EPOCH;
        if (block.timestamp < closesAt) VM.warp(closesAt);
    }

    function _attest(bytes32 digest) internal view returns (IRewardPool.Attestation memory att) {
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
        IRewardPool.Totals memory t = handler.pool().totals();
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
        IRewardPool.Totals memory t = handler.pool().totals();
        require(t.creditedWad + t.epochOwed * 1e18 <= t.funded * 1e18, "ledger credit + epoch owed > funded");
    }

    function invariant_NoAccountPaidMoreThanItsHighestCommittedCumulativePlusLedgerCredit() public view {
        for (uint256 i; i < handler.operatorCount(); ++i) {
            address a = handler.operators(i);
            IRewardPool.AccountView memory v = handler.pool().account(a);
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
        (IRewardPool.EpochRoot memory active, ) = handler.pool().epochRoots();
        require(active.root == bytes32(0) || !handler.vetoed(active.root), "a vetoed root is in force");
    }

    function invariant_EachAccountClaimedAtMostCredited_ExactRounding() public view {
        uint256 sum;
        for (uint256 i; i < handler.operatorCount(); ++i) {
            address a = handler.operators(i);
            IRewardPool.AccountView memory v = handler.pool().account(a);
            uint256 paidWad = handler.ghostPaidLedger(a) * 1e18;
            require(paidWad <= handler.ghostCreditedWad(a), "claimed > credited");
            // Exact: what is unpaid is what was credited (units x rate) minus what was paid, to the wei.
            require(v.unpaidWad == handler.ghostCreditedWad(a) - paidWad, "unpaid != credited - paid");
            sum += handler.ghostCreditedWad(a);
        }
        IRewardPool.Totals memory t = handler.pool().totals();
        require(t.creditedWad == sum, "total credit != sum of accounts");
        require(
            t.creditedWad + t.clawedBackWad == handler.ghostUnits() * handler.rate(),
            "sum credited != units x rate"
        );
    }

    function invariant_EpochCreditWithinBudget() public view {
        for (uint32 e; e <= handler.maxEpochSeen(); ++e) {
            require(handler.pool().epochCreditedWad(e) <= handler.budget() * 1e18, "epoch over budget");
        }
    }

    function invariant_NoProofCreditedTwice() public view {
        require(!handler.doubleCredit(), "a proof was credited twice");
    }

    function invariant_PausedPoolMovesNoFunds() public view {
        require(!handler.movedWhilePaused(), "funds moved while paused");
    }
}
