import { expect } from "chai";
import { ZeroAddress, id } from "ethers";
import { network } from "hardhat";

import {
  ManifestMismatchError,
  buildEpoch,
  epochCommitOf,
  proofFor,
  readManifest,
  type BuiltEpoch,
  type WorkRecord,
} from "../../sdk/src/core/epoch.js";
import { CLAIM_TYPES, WAD, attestEpoch, poolDomain, type EpochCommit } from "../../sdk/src/core/pool.js";
import { CHALLENGE_PERIOD, RATE, USDC, closeEpoch as closeEpochOf, poolFixture } from "../helpers/pool.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

type Fixture = Awaited<ReturnType<typeof poolFixture>>;

async function epochFixture() {
  const f = await poolFixture(ethers);
  const closeEpoch = (epoch: bigint) => closeEpochOf(time, f.pool, epoch);
  const work = (devices: Fixture["aliceDevices"], account: string, units: bigint): WorkRecord[] =>
    devices.map((d) => ({ deviceId: d.deviceId, account, units, evidenceHash: id(`work:${d.deviceId}:${units}`) }));
  const build = (epoch: number, records: WorkRecord[], previous?: BuiltEpoch, adjustments = []) =>
    buildEpoch({
      pool: f.poolAddress,
      chainId: f.chainId,
      epoch,
      formulaVersion: 1,
      rate: RATE,
      records,
      adjustments,
      ...(previous === undefined ? {} : { previous: { manifest: previous.manifest, text: previous.text } }),
    });
  const commit = async (built: BuiltEpoch, signers = f.verifiers.slice(0, 3), domain = f.domain) => {
    const c = epochCommitOf(built, `ipfs://manifest-${built.manifest.epoch}`);
    return f.pool.commitEpoch(c, await attestEpoch(signers, domain, c));
  };
  return { ...f, closeEpoch, work, build, commit };
}

describe("RewardPool epoch mode", function () {
  describe("commitEpoch", function () {
    it("stores the root with every manifest field on the record, pending for the challenge period", async function () {
      const { pool, alice, aliceDevices, closeEpoch, work, build, verifiers, domain } = await loadFixture(epochFixture);
      await closeEpoch(0n);
      const built = build(0, work(aliceDevices, alice.address, 300n));
      const c = epochCommitOf(built, "ipfs://manifest-0");
      const att = await attestEpoch(verifiers.slice(0, 3), domain, c);
      const now = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(now);
      await expect(pool.commitEpoch(c, att))
        .to.emit(pool, "EpochCommitted")
        .withArgs(
          0,
          c.root,
          c.totalOwed,
          c.epochTotal,
          c.manifestHash,
          c.manifestUriHash,
          1,
          now + CHALLENGE_PERIOD,
          att.signers,
        );
      const [active, pending] = await pool.epochRoots();
      expect(active.root).to.equal(ethers.ZeroHash);
      expect(pending.root).to.equal(c.root);
      expect((await pool.totals()).epochOwed).to.equal(c.totalOwed);
    });

    it("refuses an open epoch, an epoch not after the latest, and a short quorum", async function () {
      const { pool, alice, aliceDevices, closeEpoch, work, build, commit, verifiers } = await loadFixture(epochFixture);
      await expect(commit(build(0, work(aliceDevices, alice.address, 1n))))
        .to.be.revertedWithCustomError(pool, "RewardPoolEpochNotClosed")
        .withArgs(0, 0);
      await closeEpoch(1n);
      const e1 = build(1, work(aliceDevices, alice.address, 1n));
      await commit(e1);
      await expect(commit(build(0, work(aliceDevices, alice.address, 1n))))
        .to.be.revertedWithCustomError(pool, "RewardPoolEpochNotAfterLatest")
        .withArgs(0, 1);
      await closeEpoch(2n);
      await expect(commit(build(2, work(aliceDevices, alice.address, 1n), e1), verifiers.slice(0, 2)))
        .to.be.revertedWithCustomError(pool, "RewardPoolQuorumNotMet")
        .withArgs(2, 3);
    });

    it("refuses signatures made for another pool or another chain", async function () {
      const {
        pool,
        factory,
        admin,
        config,
        alice,
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
      const built = build(0, work(aliceDevices, alice.address, 5n));
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
      const { pool, alice, bob, aliceDevices, bobDevices, closeEpoch, work, build, commit, record, proof } =
        await loadFixture(epochFixture);
      await closeEpoch(0n);
      // Ledger mode credits bob 300 USDC of the 1,000,000 funded.
      await record(0n, [proof(bobDevices[0]!.deviceId, 900_000_000n)]);
      const creditedWad = (await pool.totals()).creditedWad;
      const units = (usdc: bigint) => (usdc * USDC * WAD) / RATE + 1n;
      const tooMuch = build(0, work(aliceDevices.slice(0, 1), alice.address, units(999_701n)));
      await expect(commit(tooMuch))
        .to.be.revertedWithCustomError(pool, "RewardPoolInsolvent")
        .withArgs(1_000_000n * USDC * WAD, tooMuch.manifest.totalOwed * WAD + creditedWad);
      const fits = build(0, work(aliceDevices.slice(0, 1), alice.address, units(999_699n)));
      await expect(commit(fits)).to.emit(pool, "EpochCommitted");
      // And ledger mode now sees what epoch mode owes: another 300 USDC does not fit.
      await closeEpoch(1n);
      await expect(record(1n, [proof(bobDevices[1]!.deviceId, 900_000_000n)])).to.be.revertedWithCustomError(
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
      const built = build(0, work(aliceDevices, alice.address, 3_000_000n));
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
      const e0 = build(0, work(aliceDevices, alice.address, 3_000_000n));
      await commit(e0);
      await time.increase(CHALLENGE_PERIOD);
      const e1 = build(1, work(aliceDevices, alice.address, 9_000_000n), e0);
      await commit(e1);
      const reason = id("inflated-units");
      await expect(pool.connect(stranger).vetoEpoch(1, reason)).to.be.revertedWithCustomError(
        pool,
        "RewardPoolUnauthorized",
      );
      await expect(pool.connect(guardian).vetoEpoch(0, reason))
        .to.be.revertedWithCustomError(pool, "RewardPoolNothingToVeto")
        .withArgs(0);
      await expect(pool.connect(guardian).vetoEpoch(1, reason))
        .to.emit(pool, "EpochVetoed")
        .withArgs(1, guardian.address, reason);
      await time.increase(CHALLENGE_PERIOD);
      const vetoed = proofFor(e1, alice.address);
      await expect(pool.claim(alice.address, vetoed.cumulative, vetoed.proof))
        .to.be.revertedWithCustomError(pool, "RewardPoolInvalidMerkleProof")
        .withArgs(alice.address, vetoed.cumulative);
      const previous = proofFor(e0, alice.address);
      await expect(pool.claim(alice.address, previous.cumulative, previous.proof)).to.emit(pool, "Claimed");
    });

    it("refuses a veto after the challenge period", async function () {
      const { pool, guardian, alice, aliceDevices, closeEpoch, work, build, commit } = await loadFixture(epochFixture);
      await closeEpoch(0n);
      await commit(build(0, work(aliceDevices, alice.address, 1n)));
      await time.increase(CHALLENGE_PERIOD);
      await expect(pool.connect(guardian).vetoEpoch(0, id("late")))
        .to.be.revertedWithCustomError(pool, "RewardPoolNothingToVeto")
        .withArgs(0);
    });

    it("replaces an earlier root with a later one once the later one's period is over", async function () {
      const { pool, alice, bob, aliceDevices, bobDevices, closeEpoch, work, build, commit } =
        await loadFixture(epochFixture);
      await closeEpoch(1n);
      const e0 = build(0, work(aliceDevices, alice.address, 3_000_000n));
      await commit(e0);
      await time.increase(CHALLENGE_PERIOD);
      const e1 = build(
        1,
        [...work(aliceDevices, alice.address, 3_000_000n), ...work(bobDevices, bob.address, 3_000_000n)],
        e0,
      );
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
      const e1 = build(1, work(aliceDevices, alice.address, 3_000_000n));
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
      const e0 = build(0, work(aliceDevices, alice.address, 3_000_000n));
      await commit(e0);
      await time.increase(CHALLENGE_PERIOD);
      const first = proofFor(e0, alice.address);
      await pool.claim(alice.address, first.cumulative, first.proof); // ~5 USDC
      // Fraud found: 2 of alice's ~5 USDC are taken back in epoch 1.
      const fraud = [{ account: alice.address, amountWad: 2n * USDC * WAD, reasonHash: id("replayed-gps") }];
      const e1 = build(1, [], e0, fraud as never);
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
      const e2 = build(2, work(aliceDevices, alice.address, 3_000_000n), e1);
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
      const e0 = build(0, work(aliceDevices, alice.address, 3_000_000n));
      await commit(e0);
      await time.increase(CHALLENGE_PERIOD);
      const first = proofFor(e0, alice.address);
      await pool.claim(alice.address, first.cumulative, first.proof);
      const e1 = build(1, [], e0, [{ account: alice.address, amountWad: USDC * WAD, reasonHash: id("x") }] as never);
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
      const e0 = build(0, work(aliceDevices, alice.address, 3_000_000n));
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
      const e0 = build(0, work(aliceDevices, alice.address, 3_000_000n));
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

describe("SDK epoch builder and manifest", function () {
  const pool = "0x00000000000000000000000000000000000000aa";
  const a = "0x00000000000000000000000000000000000000A1";
  const b = "0x00000000000000000000000000000000000000b2";
  const rec = (deviceId: bigint, account: string, units: bigint): WorkRecord => ({
    deviceId,
    account,
    units,
    evidenceHash: id(`e${deviceId}`),
  });
  const e0 = buildEpoch({
    pool,
    chainId: 31337n,
    epoch: 0,
    formulaVersion: 1,
    rate: WAD / 3n,
    records: [rec(1n, a, 2n), rec(2n, b, 1n)],
  });

  it("carries remainders across epochs: cumulative is floor(Σ units × rate)", function () {
    const e1 = buildEpoch({
      pool,
      chainId: 31337n,
      epoch: 1,
      formulaVersion: 1,
      rate: WAD / 3n,
      records: [rec(1n, a, 1n)],
      previous: e0,
    });
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
    expect(() => readManifest(tampered)).to.throw(ManifestMismatchError, /cumulative/);
    const badRoot = e0.text.replace(e0.manifest.root, ethers.ZeroHash);
    expect(() => readManifest(badRoot)).to.throw(ManifestMismatchError, /root/);
    expect(() => readManifest("{not json")).to.throw(ManifestMismatchError, /JSON/);
  });

  it("checks a manifest against its predecessor", function () {
    const e1 = buildEpoch({
      pool,
      chainId: 31337n,
      epoch: 1,
      formulaVersion: 1,
      rate: WAD / 3n,
      records: [rec(1n, b, 9n)],
      previous: e0,
    });
    expect(readManifest(e1.text, e0).manifest.totalOwed).to.equal(e1.manifest.totalOwed);
    const other = buildEpoch({
      pool,
      chainId: 31337n,
      epoch: 0,
      formulaVersion: 1,
      rate: WAD / 3n,
      records: [rec(1n, a, 7n)],
    });
    expect(() => readManifest(e1.text, other)).to.throw(ManifestMismatchError, /previousManifestHash/);
  });

  it("keeps each account's highest cumulative in totalOwed after a total goes down", function () {
    const big = buildEpoch({
      pool,
      chainId: 31337n,
      epoch: 1,
      formulaVersion: 1,
      rate: WAD,
      records: [rec(3n, a, 10n)],
      previous: e0,
    });
    const lowered = buildEpoch({
      pool,
      chainId: 31337n,
      epoch: 2,
      formulaVersion: 1,
      rate: WAD,
      records: [],
      adjustments: [{ account: a, amountWad: 4n * WAD, reasonHash: id("fraud") }],
      previous: big,
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
    const c: EpochCommit = epochCommitOf(e0, "ipfs://x");
    expect(c.manifestHash).to.equal(ethers.keccak256(ethers.toUtf8Bytes(e0.text)));
    expect(c.totalOwed).to.equal(e0.manifest.totalOwed);
  });
});
