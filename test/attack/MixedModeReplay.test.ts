/**
 * Findings where one piece of work is paid by both modes.
 *
 * 1. The SDK epoch builder screens reports against the registry only (`readEpochInputs` + `screenReports`), never
 *    against what ledger mode already recorded for the epoch (`isRecorded(epoch, deviceId)`). The budget is shared
 *    and checked on-chain, but the per-device rule "at most `deviceCap` units, once per epoch" is not: a device-epoch
 *    recorded by a ProofBatch is credited again by the root the SDK builds for the same epoch. The vector is easy to
 *    reach: any ProofBatch that failed (e.g. `RewardPoolEpochCoveredByRoot` while a root was pending) can be
 *    re-submitted by anyone once that root is vetoed, and the corrected root the SDK builds still contains it.
 *
 * 2. A signed EpochCommit that was never accepted (its submission failed: paused, insolvent, out of gas, or the
 *    quorum simply changed its mind) has no deadline and stays valid for anyone to submit until some other commit
 *    spends its nonce. Unlike `Clawback` (deadline, "so a clawback that failed cannot later take credit earned by
 *    honest work"), a failed commit can land after the quorum settled the same epoch in ledger mode.
 */
import { expect } from "chai";
import { id } from "ethers";
import { network } from "hardhat";

import { attestBatch, proofFor } from "../../sdk/src/index.js";
import { CHALLENGE_PERIOD } from "../helpers/pool.js";
import { attackFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;
const fixture = () => attackFixture(ethers, time);

describe("attack: one device-epoch paid by both modes", function () {
  it("the SDK epoch builder refuses a device whose work in that epoch ledger mode already recorded", async function () {
    const { pool, usdc, alice, aliceDevices, closeEpoch, record, proof, report, build, submit, commitOf } =
      await loadFixture(fixture);
    await closeEpoch(1n);
    const device = aliceDevices[0]!.deviceId;
    // Ledger mode records the device's work for epoch 1 ...
    await record(1n, [proof(device, 3_000_000n)]);
    expect(await pool.isRecorded(1, device)).to.equal(true);

    // ... and the verifiers' epoch-mode pipeline, fed the same work report, builds epoch 1 through the SDK.
    let error: unknown;
    let paidTwice = 0n;
    try {
      const built = await build(1, [report(device, 3_000_000n)]);
      await submit(await commitOf(built)); // the chain accepts it: within budget and solvent
      await time.increase(CHALLENGE_PERIOD);
      const leaf = proofFor(built, alice.address);
      await pool.claim(alice.address, leaf.cumulative, leaf.proof);
      paidTwice = await usdc.balanceOf(alice.address);
    } catch (e) {
      error = e;
    }
    expect(
      error,
      `the builder credited a device-epoch ledger mode already paid; alice was paid ${paidTwice} for one epoch's work worth 999,999: paid twice`,
    ).to.not.equal(undefined);
  });

  it("a failed batch replayed after a veto is not credited a second time by the corrected root", async function () {
    const {
      pool,
      usdc,
      guardian,
      stranger,
      alice,
      aliceDevices,
      verifiers,
      domain,
      closeEpoch,
      proof,
      report,
      build,
      submit,
      commitOf,
    } = await loadFixture(fixture);
    await closeEpoch(1n);
    const device = aliceDevices[0]!.deviceId;
    // The quorum commits epoch 1 (pending) ...
    await submit(await commitOf(await build(1, [report(aliceDevices[1]!.deviceId, 30n)])));
    // ... and a ProofBatch for epoch 1 signed earlier lands too late: refused, its signatures now public.
    const proofs = [proof(device, 3_000_000n)];
    const batchSigs = await attestBatch(verifiers.slice(0, 3), domain, 1n, 77n, proofs);
    await expect(pool.recordProofs(1, 77n, proofs, [], batchSigs)).to.be.revertedWithCustomError(
      pool,
      "RewardPoolEpochCoveredByRoot",
    );
    // The verifiers move that work into epoch mode; the guardian vetoes the pending root for an unrelated reason.
    await pool.connect(guardian).vetoEpoch(1, (await pool.epochRoots()).pending.nonce, id("unrelated"));
    // Anyone replays the failed batch: ledger credit for the device in epoch 1.
    await expect(pool.connect(stranger).recordProofs(1, 77n, proofs, [], batchSigs)).to.emit(pool, "BatchRecorded");
    // The corrected root, built by the SDK from the work reports, includes the device's epoch-1 work again.
    let error: unknown;
    let paid = 0n;
    try {
      const built = await build(1, [report(device, 3_000_000n), report(aliceDevices[1]!.deviceId, 30n)]);
      await submit(await commitOf(built));
      await time.increase(CHALLENGE_PERIOD);
      const leaf = proofFor(built, alice.address);
      await pool.claim(alice.address, leaf.cumulative, leaf.proof);
      paid = await usdc.balanceOf(alice.address);
    } catch (e) {
      error = e;
    }
    expect(error, `the device's epoch-1 work was paid by both modes: alice received ${paid}`).to.not.equal(undefined);
  });

  it("a signed commit that failed cannot be submitted by anyone after the quorum settled its epoch in ledger mode", async function () {
    const { pool, admin, guardian, stranger, aliceDevices, closeEpoch, record, proof, report, build, commitOf, sign } =
      await loadFixture(fixture);
    await closeEpoch(1n);
    const devices = aliceDevices.slice(0, 3).map((d) => d.deviceId);
    // The quorum signs its epoch-1 root; the submission fails (the guardian paused the pool during an incident).
    const c = await commitOf(
      await build(
        1,
        devices.map((d) => report(d, 3_000_000n)),
      ),
    );
    const signatures = await sign(c);
    await pool.connect(guardian).pause();
    await expect(pool.commitEpoch(c, signatures)).to.be.revertedWithCustomError(pool, "RewardPoolPaused");
    await pool.connect(admin).unpause();
    // The quorum lets the signed commit's deadline pass, then settles epoch 1 in ledger mode instead.
    await time.increaseTo(c.deadline + 1n);
    await record(
      1n,
      devices.map((d) => proof(d, 3_000_000n)),
    );
    // Safe behaviour: the abandoned commit (no deadline, nonce never spent) is dead. Today anyone can submit it and
    // the same work is owed twice (only a guardian veto stops it).
    await expect(pool.connect(stranger).commitEpoch(c, signatures)).to.revert(ethers);
  });
});
