import { expect } from "chai";
import { ZeroAddress, id } from "ethers";
import { network } from "hardhat";

import {
  attestEpoch,
  buildEpoch,
  type BuiltEpoch,
  checkManifestDevices,
  CLAIM_TYPES,
  type DeviceState,
  DeviceStatus,
  type EpochCommit,
  epochCommitOf,
  EpochOverBudgetError,
  ManifestMismatchError,
  poolDomain,
  proofFor,
  readManifest,
  screenReports,
  serializeManifest,
  WAD,
  type WorkReport,
  WorkReportRejectedError,
} from "../../sdk/src/index.js";
import { epochHelpers } from "../helpers/epoch.js";
import {
  BUDGET,
  CHALLENGE_PERIOD,
  DAY,
  DEVICE_CAP,
  RATE,
  SETTLEMENT_WINDOW,
  USDC,
  closeEpoch as closeEpochOf,
  poolFixture,
} from "../helpers/pool.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

type Fixture = Awaited<ReturnType<typeof poolFixture>>;

async function epochFixture() {
  const f = await poolFixture(ethers);
  const work = (devices: Fixture["aliceDevices"], units: bigint): WorkReport[] =>
    devices.map((d) => ({ deviceId: d.deviceId, units, evidenceHash: id(`work:${d.deviceId}:${units}`) }));
  const { closeEpoch, build, commitOf, submit, commit } = epochHelpers(f, time);
  /** Builds an epoch without the chain: the fixture's devices, active, paying their owners; parameters overridable. */
  const devices = new Map<bigint, DeviceState>(
    [
      ...f.aliceDevices.map((d) => [d.deviceId, f.alice.address] as const),
      ...f.bobDevices.map((d) => [d.deviceId, f.bob.address] as const),
    ].map(([deviceId, payee]) => [
      deviceId,
      { deviceId, networkId: 1n, status: DeviceStatus.Active, payee, recordedInLedger: false },
    ]),
  );
  const buildPure = (
    epoch: number,
    reports: WorkReport[],
    {
      ledgerCreditedWad,
      ...params
    }: Partial<{ rate: bigint; epochBudget: bigint; deviceCap: bigint; ledgerCreditedWad: bigint }> = {},
    previous?: BuiltEpoch,
  ) =>
    buildEpoch({
      ...(ledgerCreditedWad === undefined ? {} : { ledgerCreditedWad }),
      pool: f.poolAddress,
      chainId: f.chainId,
      epoch,
      formulaVersion: 1,
      params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP, ...params },
      networkId: 1n,
      registryBlock: 0,
      devices,
      reports,
      ...(previous === undefined ? {} : { previous: { manifest: previous.manifest, text: previous.text } }),
    });
  /** Everything about the pool's epoch-mode state, to assert that a refused call changed nothing. */
  const snapshot = async () =>
    JSON.stringify(
      {
        roots: await f.pool.epochRoots(),
        totals: await f.pool.totals(),
        nonce: await f.pool.commitNonce(),
        balance: await f.usdc.balanceOf(f.poolAddress),
        alice: await f.pool.account(f.alice.address),
      },
      (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
    );
  return { ...f, closeEpoch, work, build, buildPure, commitOf, submit, commit, snapshot };
}

describe("RewardPool epoch mode", function () {
  describe("commitEpoch", function () {
    it("stores the root with every manifest field on the record, pending for the challenge period", async function () {
      const { pool, aliceDevices, closeEpoch, work, build, verifiers, domain } = await loadFixture(epochFixture);
      await closeEpoch(0n);
      const built = await build(0, work(aliceDevices, 300n));
      const c = epochCommitOf(built, "ipfs://bafy-manifest-0", 0n, BigInt(await time.latest()) + DAY);
      const att = await attestEpoch(verifiers.slice(0, 3), domain, c);
      const now = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(now);
      await expect(pool.commitEpoch(c, att))
        .to.emit(pool, "EpochCommitted")
        .withArgs(
          0,
          0,
          c.root,
          c.totalOwed,
          c.epochTotal,
          RATE,
          c.manifestHash,
          "ipfs://bafy-manifest-0",
          1,
          now + CHALLENGE_PERIOD,
          att.signers,
        );
      expect(await pool.commitNonce()).to.equal(1n);
      const [active, pending] = await pool.epochRoots();
      expect(active.root).to.equal(ethers.ZeroHash);
      expect(pending.root).to.equal(c.root);
      expect((await pool.totals()).epochOwed).to.equal(c.totalOwed);
    });

    it("refuses an open epoch, an epoch not after the latest, and a short quorum", async function () {
      const { pool, aliceDevices, closeEpoch, work, build, commit, commitOf, submit, verifiers } =
        await loadFixture(epochFixture);
      await closeEpoch(0n);
      const e0 = await commitOf(await build(0, work(aliceDevices, 1n)));
      await expect(submit({ ...e0, epoch: 1n }))
        .to.be.revertedWithCustomError(pool, "RewardPoolEpochNotClosed")
        .withArgs(1, 1);
      await closeEpoch(1n);
      const e1 = await build(1, work(aliceDevices, 1n));
      await commit(e1);
      await expect(commit(await build(0, work(aliceDevices, 1n))))
        .to.be.revertedWithCustomError(pool, "RewardPoolEpochNotAfterLatest")
        .withArgs(0, 1);
      await closeEpoch(2n);
      await expect(commit(await build(2, work(aliceDevices, 1n), e1), verifiers.slice(0, 2)))
        .to.be.revertedWithCustomError(pool, "RewardPoolQuorumNotMet")
        .withArgs(2, 3);
    });

    it("refuses signatures made for another pool or another chain", async function () {
      const {
        pool,
        factory,
        admin,
        config,
        aliceDevices,
        closeEpoch,
        work,
        build,
        commit,
        chainId,
        poolAddress,
        verifiers,
      } = await loadFixture(epochFixture);
      await closeEpoch(0n);
      const built = await build(0, work(aliceDevices, 5n));
      const other = await factory.predictPool(admin.address, id("other"));
      await factory.connect(admin).createPool(config, id("other"));
      const first = [...verifiers.slice(0, 3)]
        .map((v) => v.address)
        .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))[0];
      for (const domain of [poolDomain(chainId, other), poolDomain(chainId + 1n, poolAddress)]) {
        await expect(commit(built, verifiers.slice(0, 3), domain))
          .to.be.revertedWithCustomError(pool, "RewardPoolInvalidVerifierSignature")
          .withArgs(0, first);
      }
    });

    it("refuses a commit that owes more than the pool received minus what ledger mode owes", async function () {
      const { pool, bob, aliceDevices, bobDevices, closeEpoch, work, buildPure, commit, record, proof } =
        await loadFixture(epochFixture);
      await closeEpoch(1n);
      // Ledger mode credits bob 300 USDC of the 1,000,000 funded, in epoch 0.
      await record(0n, [proof(bobDevices[0]!.deviceId, 900_000_000n)]);
      const creditedWad = (await pool.totals()).creditedWad;
      // Epoch 1's root covers epochs 0 and 1: budget enough, funding not. (Units past the cap: the chain cannot
      // see caps, so the pure builder is given a large one.)
      const units = (usdc: bigint) => (usdc * USDC * WAD) / RATE + 1n;
      const tooMuch = buildPure(1, work(aliceDevices.slice(0, 1), units(999_701n)), {
        deviceCap: 10n ** 18n,
        ledgerCreditedWad: creditedWad,
      });
      await expect(commit(tooMuch))
        .to.be.revertedWithCustomError(pool, "RewardPoolInsolvent")
        .withArgs(1_000_000n * USDC * WAD, tooMuch.manifest.totalOwed * WAD + creditedWad);
      const fits = buildPure(1, work(aliceDevices.slice(0, 1), units(999_699n)), {
        deviceCap: 10n ** 18n,
        ledgerCreditedWad: creditedWad,
      });
      await expect(commit(fits)).to.emit(pool, "EpochCommitted");
      // And ledger mode now sees what epoch mode owes: another 300 USDC does not fit.
      await closeEpoch(2n);
      await expect(record(2n, [proof(bobDevices[1]!.deviceId, 900_000_000n)])).to.be.revertedWithCustomError(
        pool,
        "RewardPoolInsolvent",
      );
      expect(bob.address).to.not.equal(ZeroAddress);
    });
  });

  describe("challenge period and veto", function () {
    it("pays only after the challenge period", async function () {
      const { pool, usdc, alice, aliceDevices, closeEpoch, work, build, commit } = await loadFixture(epochFixture);
      await closeEpoch(0n);
      const built = await build(0, work(aliceDevices, 3_000_000n));
      await commit(built);
      const leaf = proofFor(built, alice.address);
      await expect(pool.claim(alice.address, leaf.cumulative, leaf.proof)).to.be.revertedWithCustomError(
        pool,
        "RewardPoolNoEpochRoot",
      );
      await time.increase(CHALLENGE_PERIOD);
      await expect(pool.claim(alice.address, leaf.cumulative, leaf.proof))
        .to.emit(pool, "Claimed")
        .withArgs(alice.address, alice.address, 0n, leaf.cumulative);
      expect(await usdc.balanceOf(alice.address)).to.equal(leaf.cumulative);
      expect(leaf.cumulative).to.equal((5n * 3_000_000n * RATE) / WAD);
    });

    it("never pays a vetoed root, and keeps the previous root in force", async function () {
      const { pool, guardian, stranger, alice, aliceDevices, closeEpoch, work, build, commit } =
        await loadFixture(epochFixture);
      await closeEpoch(1n);
      const e0 = await build(0, work(aliceDevices, 3_000_000n));
      await commit(e0);
      await time.increase(CHALLENGE_PERIOD);
      const e1 = await build(1, work(aliceDevices, 9_000_000n), e0);
      await commit(e1);
      const reason = id("inflated-units");
      await expect(pool.connect(stranger).vetoEpoch(1, 1, reason)).to.be.revertedWithCustomError(
        pool,
        "RewardPoolUnauthorized",
      );
      await expect(pool.connect(guardian).vetoEpoch(0, 1, reason))
        .to.be.revertedWithCustomError(pool, "RewardPoolNothingToVeto")
        .withArgs(0, 1);
      // The right epoch but another commit (here: the one in force) is refused too: a veto names its commit.
      await expect(pool.connect(guardian).vetoEpoch(1, 0, reason))
        .to.be.revertedWithCustomError(pool, "RewardPoolNothingToVeto")
        .withArgs(1, 0);
      await expect(pool.connect(guardian).vetoEpoch(1, 1, reason))
        .to.emit(pool, "EpochVetoed")
        .withArgs(1, 1, guardian.address, reason);
      await time.increase(CHALLENGE_PERIOD);
      const vetoed = proofFor(e1, alice.address);
      await expect(pool.claim(alice.address, vetoed.cumulative, vetoed.proof))
        .to.be.revertedWithCustomError(pool, "RewardPoolInvalidMerkleProof")
        .withArgs(alice.address, vetoed.cumulative);
      const previous = proofFor(e0, alice.address);
      await expect(pool.claim(alice.address, previous.cumulative, previous.proof)).to.emit(pool, "Claimed");
    });

    it("refuses a veto after the challenge period", async function () {
      const { pool, guardian, aliceDevices, closeEpoch, work, build, commit } = await loadFixture(epochFixture);
      await closeEpoch(0n);
      await commit(await build(0, work(aliceDevices, 1n)));
      await time.increase(CHALLENGE_PERIOD);
      await expect(pool.connect(guardian).vetoEpoch(0, 0, id("late")))
        .to.be.revertedWithCustomError(pool, "RewardPoolNothingToVeto")
        .withArgs(0, 0);
    });

    it("replaces an earlier root with a later one once the later one's period is over", async function () {
      const { pool, alice, bob, aliceDevices, bobDevices, closeEpoch, work, build, commit } =
        await loadFixture(epochFixture);
      await closeEpoch(1n);
      const e0 = await build(0, work(aliceDevices, 3_000_000n));
      await commit(e0);
      await time.increase(CHALLENGE_PERIOD);
      const e1 = await build(1, [...work(aliceDevices, 3_000_000n), ...work(bobDevices, 3_000_000n)], e0);
      await commit(e1);
      const bobLeaf = proofFor(e1, bob.address);
      await expect(pool.claim(bob.address, bobLeaf.cumulative, bobLeaf.proof)).to.be.revertedWithCustomError(
        pool,
        "RewardPoolInvalidMerkleProof",
      );
      await time.increase(CHALLENGE_PERIOD);
      await expect(pool.claim(bob.address, bobLeaf.cumulative, bobLeaf.proof)).to.emit(pool, "Claimed");
      const stale = proofFor(e0, alice.address);
      await expect(pool.claim(alice.address, stale.cumulative, stale.proof)).to.be.revertedWithCustomError(
        pool,
        "RewardPoolInvalidMerkleProof",
      );
      const [active, pending] = await pool.epochRoots();
      expect(active.epoch).to.equal(1n);
      expect(pending.root).to.equal(ethers.ZeroHash);
    });
  });

  describe("claims", function () {
    it("pays ledger credit and epoch cumulative in one call", async function () {
      const { pool, usdc, alice, aliceDevices, closeEpoch, work, build, commit, record, proof } =
        await loadFixture(epochFixture);
      await closeEpoch(1n);
      await record(0n, [proof(aliceDevices[0]!.deviceId, 3_000_000n)]);
      const e1 = await build(1, work(aliceDevices, 3_000_000n));
      await commit(e1);
      await time.increase(CHALLENGE_PERIOD);
      const leaf = proofFor(e1, alice.address);
      const ledger = (3_000_000n * RATE) / WAD;
      expect(await pool.claimable(alice.address, leaf.cumulative, leaf.proof)).to.deep.equal([ledger, leaf.cumulative]);
      await expect(pool.claim(alice.address, leaf.cumulative, leaf.proof))
        .to.emit(pool, "Claimed")
        .withArgs(alice.address, alice.address, ledger, leaf.cumulative);
      expect(await usdc.balanceOf(alice.address)).to.equal(ledger + leaf.cumulative);
      await expect(pool.claim(alice.address, leaf.cumulative, leaf.proof))
        .to.be.revertedWithCustomError(pool, "RewardPoolNothingToClaim")
        .withArgs(alice.address);
    });

    it("pays nothing while a lowered total is below what was paid, then resumes", async function () {
      const { pool, usdc, alice, aliceDevices, closeEpoch, work, build, commit } = await loadFixture(epochFixture);
      await closeEpoch(2n);
      const e0 = await build(0, work(aliceDevices, 3_000_000n));
      await commit(e0);
      await time.increase(CHALLENGE_PERIOD);
      const first = proofFor(e0, alice.address);
      await pool.claim(alice.address, first.cumulative, first.proof); // ~5 USDC
      // Fraud found: 2 of alice's ~5 USDC are taken back in epoch 1.
      const fraud = [{ account: alice.address, amountWad: 2n * USDC * WAD, reasonHash: id("replayed-gps") }];
      const e1 = await build(1, [], e0, fraud as never);
      await commit(e1);
      await time.increase(CHALLENGE_PERIOD);
      const lowered = proofFor(e1, alice.address);
      expect(lowered.cumulative).to.be.lessThan(first.cumulative);
      expect(await pool.claimable(alice.address, lowered.cumulative, lowered.proof)).to.deep.equal([0n, 0n]);
      await expect(pool.claim(alice.address, lowered.cumulative, lowered.proof))
        .to.be.revertedWithCustomError(pool, "RewardPoolNothingToClaim")
        .withArgs(alice.address);
      expect((await pool.account(alice.address)).paidEpoch).to.equal(first.cumulative);
      // Epoch 2 earns ~5 USDC more: only what passes the ~5 already paid is paid.
      const e2 = await build(2, work(aliceDevices, 3_000_000n), e1);
      await commit(e2);
      await time.increase(CHALLENGE_PERIOD);
      const resumed = proofFor(e2, alice.address);
      await pool.claim(alice.address, resumed.cumulative, resumed.proof);
      expect(await usdc.balanceOf(alice.address)).to.equal(resumed.cumulative);
      expect(resumed.cumulative).to.equal((2n * 5n * 3_000_000n * RATE - 2n * USDC * WAD) / WAD);
    });

    it("shows the shortfall in an event when a claim pays the ledger part only", async function () {
      const { pool, alice, aliceDevices, closeEpoch, work, build, commit, record, proof } =
        await loadFixture(epochFixture);
      await closeEpoch(2n);
      const e0 = await build(0, work(aliceDevices, 3_000_000n));
      await commit(e0);
      await time.increase(CHALLENGE_PERIOD);
      const first = proofFor(e0, alice.address);
      await pool.claim(alice.address, first.cumulative, first.proof);
      const e1 = await build(1, [], e0, [
        { account: alice.address, amountWad: USDC * WAD, reasonHash: id("x") },
      ] as never);
      await commit(e1);
      await time.increase(CHALLENGE_PERIOD);
      await record(2n, [proof(aliceDevices[0]!.deviceId, 3_000_000n)]);
      const lowered = proofFor(e1, alice.address);
      await expect(pool.claim(alice.address, lowered.cumulative, lowered.proof))
        .to.emit(pool, "EpochShortfall")
        .withArgs(alice.address, lowered.cumulative, first.cumulative);
    });

    it("relays a gasless claim with an epoch proof", async function () {
      const { pool, usdc, alice, stranger, relayer, aliceDevices, closeEpoch, work, build, commit, domain } =
        await loadFixture(epochFixture);
      await closeEpoch(0n);
      const e0 = await build(0, work(aliceDevices, 3_000_000n));
      await commit(e0);
      await time.increase(CHALLENGE_PERIOD);
      const leaf = proofFor(e0, alice.address);
      const c = {
        account: alice.address,
        recipient: stranger.address,
        maxFee: USDC,
        nonce: 0n,
        deadline: BigInt(await time.latest()) + 600n,
      };
      const signature = await alice.signTypedData(domain, CLAIM_TYPES, c);
      await expect(pool.connect(relayer).claimWithSig(c, leaf.cumulative, leaf.proof, USDC, signature))
        .to.emit(pool, "Claimed")
        .withArgs(alice.address, stranger.address, 0n, leaf.cumulative)
        .and.to.emit(pool, "RelayerFeePaid")
        .withArgs(alice.address, relayer.address, USDC);
      expect(await usdc.balanceOf(stranger.address)).to.equal(leaf.cumulative - USDC);
    });

    it("refuses a proof for another amount or another account", async function () {
      const { pool, alice, bob, aliceDevices, closeEpoch, work, build, commit } = await loadFixture(epochFixture);
      await closeEpoch(0n);
      const e0 = await build(0, work(aliceDevices, 3_000_000n));
      await commit(e0);
      await time.increase(CHALLENGE_PERIOD);
      const leaf = proofFor(e0, alice.address);
      await expect(pool.claim(alice.address, leaf.cumulative + 1n, leaf.proof))
        .to.be.revertedWithCustomError(pool, "RewardPoolInvalidMerkleProof")
        .withArgs(alice.address, leaf.cumulative + 1n);
      await expect(pool.claim(bob.address, leaf.cumulative, leaf.proof))
        .to.be.revertedWithCustomError(pool, "RewardPoolInvalidMerkleProof")
        .withArgs(bob.address, leaf.cumulative);
    });
  });
});

describe("RewardPool epoch mode: replays and limits", function () {
  it("never lets a vetoed commit come back, and takes the corrected one for the same epoch", async function () {
    const {
      pool,
      guardian,
      stranger,
      alice,
      aliceDevices,
      closeEpoch,
      work,
      build,
      commitOf,
      submit,
      verifiers,
      domain,
      snapshot,
    } = await loadFixture(epochFixture);
    await closeEpoch(1n);
    const e0 = await build(0, work(aliceDevices, 3_000_000n));
    await submit(await commitOf(e0));
    await time.increase(CHALLENGE_PERIOD);
    // The quorum commits epoch 1; the guardian vetoes it.
    const bad = await commitOf(await build(1, work(aliceDevices, 9_000_000n), e0));
    const badSignatures = await attestEpoch(verifiers.slice(0, 3), domain, bad);
    await pool.commitEpoch(bad, badSignatures);
    await expect(pool.connect(guardian).vetoEpoch(1, 1, id("inflated")))
      .to.emit(pool, "EpochVetoed")
      .withArgs(1, 1, guardian.address, id("inflated"));
    // Anyone re-sending the identical calldata is refused, and nothing moves.
    const before = await snapshot();
    await expect(pool.connect(stranger).commitEpoch(bad, badSignatures))
      .to.be.revertedWithCustomError(pool, "RewardPoolInvalidCommitNonce")
      .withArgs(3, 1);
    expect(await snapshot()).to.equal(before);
    // The veto spent a nonce too; the quorum's corrected root for the same epoch goes through with the next one.
    const fixed = await commitOf(await build(1, work(aliceDevices, 3_000_000n), e0));
    expect(fixed.nonce).to.equal(3n);
    await expect(submit(fixed)).to.emit(pool, "EpochCommitted");
    await time.increase(CHALLENGE_PERIOD);
    const [active] = await pool.epochRoots();
    expect(active.root).to.equal(fixed.root);
    expect(active.nonce).to.equal(3n);
    // The vetoed leaf never pays.
    const vetoedLeaf = { cumulative: (5n * 12_000_000n * RATE) / WAD };
    await expect(
      pool.claim(alice.address, vetoedLeaf.cumulative, proofFor(e0, alice.address).proof),
    ).to.be.revertedWithCustomError(pool, "RewardPoolInvalidMerkleProof");
  });

  it("never lets a superseded or already accepted commit come back", async function () {
    const { pool, aliceDevices, closeEpoch, work, build, commitOf, submit, verifiers, domain, snapshot } =
      await loadFixture(epochFixture);
    await closeEpoch(2n);
    const e1 = await commitOf(await build(1, work(aliceDevices, 1_000n)));
    const e1Signatures = await attestEpoch(verifiers.slice(0, 3), domain, e1);
    await pool.commitEpoch(e1, e1Signatures);
    // Correcting a pending root for its own epoch supersedes it.
    const e1b = await commitOf(await build(1, work(aliceDevices, 2_000n)));
    await expect(submit(e1b)).to.emit(pool, "EpochSuperseded").withArgs(1, 0, 1);
    const before = await snapshot();
    await expect(pool.commitEpoch(e1, e1Signatures))
      .to.be.revertedWithCustomError(pool, "RewardPoolInvalidCommitNonce")
      .withArgs(2, 0);
    expect(await snapshot()).to.equal(before);
  });

  it("refuses a root that pays more than the epochs it covers can budget", async function () {
    const { factory, admin, config, usdc, aliceDevices, verifiers, chainId, work, buildPure } =
      await loadFixture(epochFixture);
    // A pool paying 100 USDC per epoch at most, 1,000 units per device.
    const salt = id("small-budget");
    const address = await factory.predictPool(admin.address, salt);
    await factory
      .connect(admin)
      .createPool({ ...config, params: { rate: RATE, epochBudget: 100n * USDC, deviceCap: 1_000n } }, salt);
    const small = await ethers.getContractAt("IRewardPool", address);
    await usdc.connect(admin).approve(address, 20_000n * USDC);
    await small.connect(admin).fund(20_000n * USDC, id("customer"));
    const domain = poolDomain(chainId, address);
    const send = async (built: BuiltEpoch) => {
      const c = epochCommitOf(built, "ipfs://m", await small.commitNonce(), BigInt(await time.latest()) + DAY);
      return small.commitEpoch(c, await attestEpoch(verifiers.slice(0, 3), domain, c));
    };
    await closeEpochOf(time, small, 0n);
    // One account paid 10,000 USDC (a quorum can sign anything; the SDK builder itself would refuse it).
    const units = (10_000n * USDC * WAD) / RATE;
    const lifted = { deviceCap: units, epochBudget: 10n ** 30n };
    const huge = buildPure(0, work(aliceDevices.slice(0, 1), units), lifted);
    const before = await small.epochRoots();
    await expect(send(huge))
      .to.be.revertedWithCustomError(small, "RewardPoolBudgetExceeded")
      .withArgs(0, 100n * USDC * WAD, huge.manifest.totalOwed * WAD);
    expect(await small.epochRoots()).to.deep.equal(before);
    expect(await small.commitNonce()).to.equal(0n);
    // Exactly the budget fits; a root covering two epochs may grow by both budgets, not more.
    const fits = buildPure(0, work(aliceDevices.slice(0, 1), (100n * USDC * WAD) / RATE), lifted);
    await expect(send(fits)).to.emit(small, "EpochCommitted");
    await time.increase(CHALLENGE_PERIOD);
    await closeEpochOf(time, small, 2n);
    const twoBudgets = (200n * USDC * WAD) / RATE;
    const over = buildPure(2, work(aliceDevices.slice(0, 1), twoBudgets + 4n), lifted, fits);
    await expect(send(over)).to.be.revertedWithCustomError(small, "RewardPoolBudgetExceeded");
    await expect(send(buildPure(2, work(aliceDevices.slice(0, 1), twoBudgets), lifted, fits))).to.emit(
      small,
      "EpochCommitted",
    );
  });

  it("refuses a commit at any rate but its epoch's own, and judges a late commit by its epoch's rate", async function () {
    const { pool, admin, aliceDevices, closeEpoch, work, build, buildPure, commit, commitOf, submit } =
      await loadFixture(epochFixture);
    await pool.connect(admin).queueRewardParams({ rate: RATE * 2n, epochBudget: BUDGET, deviceCap: DEVICE_CAP });
    await closeEpoch(3n);
    // Epoch 2 ran at the old rate even though the new one is in force now.
    const doubled = buildPure(2, work(aliceDevices, 10n), { rate: RATE * 2n });
    await expect(commit(doubled))
      .to.be.revertedWithCustomError(pool, "RewardPoolRateMismatch")
      .withArgs(2, RATE, RATE * 2n);
    const late = await build(2, work(aliceDevices, 10n));
    expect(late.manifest.rate).to.equal(RATE);
    await expect(commit(late)).to.emit(pool, "EpochCommitted");
    const e3 = await build(3, work(aliceDevices, 10n), late);
    expect(e3.manifest.rate).to.equal(RATE * 2n);
    const c = await commitOf(e3);
    await expect(submit({ ...c, rate: RATE }))
      .to.be.revertedWithCustomError(pool, "RewardPoolRateMismatch")
      .withArgs(3, RATE * 2n, RATE);
    await expect(submit(c)).to.emit(pool, "EpochCommitted");
  });

  it("refuses a total owed below the root in force", async function () {
    const { pool, aliceDevices, closeEpoch, work, build, commitOf, submit, snapshot } = await loadFixture(epochFixture);
    await closeEpoch(1n);
    const e0 = await build(0, work(aliceDevices, 3_000_000n));
    await submit(await commitOf(e0));
    await time.increase(CHALLENGE_PERIOD);
    const e1 = await commitOf(await build(1, work(aliceDevices, 1n), e0));
    const before = await snapshot();
    await expect(submit({ ...e1, totalOwed: e0.manifest.totalOwed - 1n }))
      .to.be.revertedWithCustomError(pool, "RewardPoolTotalOwedDecreased")
      .withArgs(e0.manifest.totalOwed - 1n, e0.manifest.totalOwed);
    expect(await snapshot()).to.equal(before);
  });

  it("refuses a total owed that does not fit epoch mode's packed state (2^104 token units)", async function () {
    const { pool, aliceDevices, closeEpoch, work, build, commitOf, submit, snapshot } = await loadFixture(epochFixture);
    await closeEpoch(1n);
    const c = await commitOf(await build(0, work(aliceDevices, 10n)));
    const before = await snapshot();
    await expect(submit({ ...c, totalOwed: 2n ** 104n }))
      .to.be.revertedWithCustomError(pool, "RewardPoolTotalOwedTooLarge")
      .withArgs(2n ** 104n, 2n ** 104n - 1n);
    expect(await snapshot()).to.equal(before);
  });

  it("refuses epoch mode in a pool that requires device-signed work", async function () {
    const f = await poolFixture(ethers, { requireDeviceSignatures: true });
    await closeEpochOf(time, f.pool, 0n);
    const c: EpochCommit = {
      epoch: 0n,
      nonce: 0n,
      root: id("root"),
      totalOwed: 1n,
      epochTotal: 1n,
      rate: RATE,
      manifestHash: id("manifest"),
      manifestUri: "ipfs://m",
      formulaVersion: 1n,
      ledgerCreditedWad: 0n,
      deadline: 2n ** 64n,
    };
    await expect(
      f.pool.commitEpoch(c, await attestEpoch(f.verifiers.slice(0, 3), f.domain, c)),
    ).to.be.revertedWithCustomError(f.pool, "RewardPoolEpochModeDisabled");
  });

  it("keeps ledger mode out of the epochs a root covers, until that root is vetoed", async function () {
    const { pool, guardian, aliceDevices, closeEpoch, work, build, commit, record, proof } =
      await loadFixture(epochFixture);
    await closeEpoch(1n);
    await commit(await build(1, work(aliceDevices.slice(0, 1), 10n)));
    await expect(record(0n, [proof(aliceDevices[1]!.deviceId, 5n)]))
      .to.be.revertedWithCustomError(pool, "RewardPoolEpochCoveredByRoot")
      .withArgs(0, 2);
    await pool.connect(guardian).vetoEpoch(1, (await pool.epochRoots()).pending.nonce, id("wrong"));
    await expect(record(0n, [proof(aliceDevices[1]!.deviceId, 5n)])).to.emit(pool, "BatchRecorded");
  });

  it("bounds how late work can be recorded or committed: the settlement window", async function () {
    const { pool, aliceDevices, closeEpoch, work, buildPure, commit, record, proof } = await loadFixture(epochFixture);
    const window = BigInt(SETTLEMENT_WINDOW);
    await closeEpoch(window); // current epoch: window + 1; oldest open: 1
    await expect(record(0n, [proof(aliceDevices[0]!.deviceId, 5n)]))
      .to.be.revertedWithCustomError(pool, "RewardPoolEpochOutsideWindow")
      .withArgs(0, 1);
    // A first commit covers at most the window's epochs, not every epoch since genesis.
    const allSinceGenesis = (BUDGET * (window + 1n) * WAD) / RATE;
    const tooMuch = buildPure(Number(window), work(aliceDevices.slice(0, 1), allSinceGenesis), {
      deviceCap: allSinceGenesis,
      epochBudget: allSinceGenesis,
    });
    await expect(commit(tooMuch))
      .to.be.revertedWithCustomError(pool, "RewardPoolBudgetExceeded")
      .withArgs(window, BUDGET * window * WAD, tooMuch.manifest.totalOwed * WAD);
    await expect(record(1n, [proof(aliceDevices[0]!.deviceId, 5n)])).to.emit(pool, "BatchRecorded");
  });
});

describe("SDK epoch builder and manifest", function () {
  const pool = "0x00000000000000000000000000000000000000aa";
  const a = "0x00000000000000000000000000000000000000A1";
  const b = "0x00000000000000000000000000000000000000b2";
  const params = { rate: WAD / 3n, epochBudget: 10n ** 12n, deviceCap: 100n };
  const state = (deviceId: bigint, payee: string, overrides: Partial<DeviceState> = {}): DeviceState => ({
    deviceId,
    networkId: 1n,
    status: DeviceStatus.Active,
    recordedInLedger: false,
    payee,
    ...overrides,
  });
  const devices = new Map<bigint, DeviceState>([
    [1n, state(1n, a)],
    [2n, state(2n, b)],
    [3n, state(3n, a)],
    [4n, state(4n, b, { status: DeviceStatus.Suspended })],
    [5n, state(5n, b, { networkId: 2n })],
  ]);
  const rep = (deviceId: bigint, units: bigint): WorkReport => ({ deviceId, units, evidenceHash: id(`e${deviceId}`) });
  const make = (
    epoch: number,
    reports: WorkReport[],
    previous?: BuiltEpoch,
    extra: Partial<Parameters<typeof buildEpoch>[0]> = {},
  ) =>
    buildEpoch({
      pool,
      chainId: 31337n,
      epoch,
      formulaVersion: 1,
      params,
      networkId: 1n,
      registryBlock: 10 * (epoch + 1),
      devices,
      reports,
      ...(previous === undefined ? {} : { previous }),
      ...extra,
    });
  const e0 = make(0, [rep(1n, 2n), rep(2n, 1n)]);

  it("credits each report to its device's payee of record", function () {
    expect(e0.manifest.records.map((r) => r.account)).to.deep.equal([ethers.getAddress(a), ethers.getAddress(b)]);
    expect(e0.manifest.registryBlock).to.equal(10);
    expect(e0.manifest.deviceCap).to.equal(100n);
  });

  it("screens out unknown, foreign, inactive, over-cap, zero and duplicate reports with the reason", function () {
    const { accepted, rejected } = screenReports(
      [rep(1n, 2n), rep(1n, 3n), rep(9n, 1n), rep(4n, 1n), rep(5n, 1n), rep(3n, 101n), rep(2n, 0n)],
      { devices, networkId: 1n, deviceCap: 100n },
    );
    expect(accepted.map((r) => r.deviceId)).to.deep.equal([1n]);
    expect(rejected.map((r) => r.reason)).to.deep.equal([
      "duplicate",
      "unknown device",
      "device not active",
      "wrong network",
      "over the per-device cap",
      "zero units",
    ]);
    expect(() => make(1, [rep(1n, 2n), rep(1n, 2n)], e0))
      .to.throw(WorkReportRejectedError, /duplicate/)
      .with.property("deviceId", 1n);
  });

  it("refuses an epoch that adds more than its budget", function () {
    expect(() => make(1, [rep(1n, 100n)], e0, { params: { ...params, epochBudget: 10n } })).to.throw(
      EpochOverBudgetError,
      /above its budget of 10/,
    );
  });

  it("carries remainders across epochs: cumulative is floor(Σ units × rate)", function () {
    const e1 = make(1, [rep(1n, 1n)], e0);
    const accA = e1.manifest.accounts.find((x) => x.account === ethers.getAddress(a))!;
    expect(accA.cumulativeWad).to.equal(3n * (WAD / 3n));
    expect(accA.cumulative).to.equal(0n); // 0.999… token units: nothing rounds up, the remainder stays
    expect(e1.manifest.previousManifestHash).to.equal(ethers.keccak256(ethers.toUtf8Bytes(e0.text)));
  });

  it("re-derives the root and totals when reading, and fails loudly on any mismatch", function () {
    const read = readManifest(e0.text);
    expect(read.manifest.root).to.equal(e0.manifest.root);
    expect(read.manifestHash).to.equal(e0.manifestHash);
    const tampered = e0.text.replace(
      `"cumulativeWad": "${(2n * (WAD / 3n)).toString()}"`,
      `"cumulativeWad": "${(5n * WAD).toString()}"`,
    );
    expect(() => readManifest(tampered)).to.throw(ManifestMismatchError);
    const badRoot = e0.text.replace(e0.manifest.root, ethers.ZeroHash);
    expect(() => readManifest(badRoot)).to.throw(ManifestMismatchError, /root/);
    expect(() => readManifest("{not json")).to.throw(ManifestMismatchError, /JSON/);
  });

  it("re-derives a first epoch's accounts from its records: a forged epoch-0 manifest fails", function () {
    // The only record credits `a`, but the accounts, root and totals pay `b`: consistent among themselves.
    const honest = make(0, [rep(1n, 30n)]);
    const paysB = make(0, [rep(2n, 30n)]);
    const forged = serializeManifest({ ...paysB.manifest, records: honest.manifest.records });
    expect(() => readManifest(forged)).to.throw(ManifestMismatchError, /account/);
    // A manifest that builds on a previous one cannot be read without it.
    expect(() => readManifest(make(1, [rep(1n, 1n)], e0).text)).to.throw(ManifestMismatchError, /previous manifest/);
  });

  it("refuses a manifest crediting a device twice or over the cap", function () {
    const twice = serializeManifest({ ...e0.manifest, records: [...e0.manifest.records, e0.manifest.records[0]!] });
    expect(() => readManifest(twice)).to.throw(ManifestMismatchError, /credited twice/);
    const overCap = serializeManifest({
      ...e0.manifest,
      records: e0.manifest.records.map((r) => ({ ...r, units: 101n })),
    });
    expect(() => readManifest(overCap)).to.throw(ManifestMismatchError, /over the cap/);
  });

  it("checks a manifest against its predecessor", function () {
    const e1 = make(1, [rep(2n, 9n)], e0);
    expect(readManifest(e1.text, e0).manifest.totalOwed).to.equal(e1.manifest.totalOwed);
    const other = make(0, [rep(1n, 7n)]);
    expect(() => readManifest(e1.text, other)).to.throw(ManifestMismatchError, /previousManifestHash/);
  });

  it("re-checks records against the registry's device states at the manifest's block", function () {
    expect(checkManifestDevices(e0.manifest, devices)).to.deep.equal([]);
    const moved = new Map(devices);
    moved.set(1n, state(1n, b));
    moved.set(2n, state(2n, b, { status: DeviceStatus.Suspended }));
    expect(checkManifestDevices(e0.manifest, moved)).to.deep.equal([
      `device 1: credited to ${ethers.getAddress(a)}, payee of record is ${ethers.getAddress(b)}`,
      "device 2: not active (status 2)",
    ]);
  });

  it("keeps each account's highest cumulative in totalOwed after a total goes down", function () {
    const big = make(1, [rep(3n, 30n)], e0, { params: { ...params, rate: WAD } });
    const lowered = make(2, [], big, {
      params: { ...params, rate: WAD },
      adjustments: [{ account: a, amountWad: 4n * WAD, reasonHash: id("fraud") }],
    });
    const before = big.manifest.accounts.find((x) => x.account === ethers.getAddress(a))!;
    const after = lowered.manifest.accounts.find((x) => x.account === ethers.getAddress(a))!;
    expect(after.cumulative).to.equal(before.cumulative - 4n);
    expect(after.highestCumulative).to.equal(before.cumulative);
    // The pool may already have paid the higher total: it keeps counting it, so ledger mode cannot spend it again.
    expect(lowered.manifest.totalOwed).to.equal(big.manifest.totalOwed);
    expect(readManifest(lowered.text, big).manifest.totalOwed).to.equal(big.manifest.totalOwed);
  });

  it("commits what the contract expects", function () {
    const c: EpochCommit = epochCommitOf(e0, "ipfs://x", 4n, 99n);
    expect(c.manifestHash).to.equal(ethers.keccak256(ethers.toUtf8Bytes(e0.text)));
    expect(c.totalOwed).to.equal(e0.manifest.totalOwed);
    expect(c.rate).to.equal(params.rate);
    expect(c.nonce).to.equal(4n);
    expect(c.manifestUri).to.equal("ipfs://x");
  });
});
