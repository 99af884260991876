/**
 * Finding: a verifier change that is in force (its delay passed) but not yet applied by a transaction is silently
 * discarded when the admin queues the next change. Same class as the `cancelQueuedChanges` fix: the pool says a due
 * change "is in force (even before a transaction applies it)", `isVerifier` reports it so, but
 * `queueVerifierChange` overwrites `_pendingVerifiers` without applying it first. A removed (e.g. compromised)
 * verifier is back at once, with no delay and no event saying so.
 *
 * Also: `settings()` reports `quorum` and `verifierCount` from storage only, so after a due change it shows numbers
 * that are no longer the ones `recordProofs` / `commitEpoch` / `clawback` apply.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { CHANGE_DELAY } from "../helpers/pool.js";
import { attackFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;
const fixture = () => attackFixture(ethers, time);

describe("attack: verifier changes in force but not applied", function () {
  it("keeps a verifier removal that is in force when the admin queues the next change", async function () {
    const { pool, admin, stranger, verifiers, aliceDevices, closeEpoch, record, proof } = await loadFixture(fixture);
    const removed = verifiers[0]!;
    await pool.connect(admin).queueVerifierChange([], [removed.address], 3);
    await time.increase(CHANGE_DELAY);
    // In force: the pool's own view says so, and nobody needs to send applyQueuedChanges.
    expect(await pool.isVerifier(removed.address)).to.equal(false);

    // The admin queues an unrelated change (add a verifier).
    await pool.connect(admin).queueVerifierChange([stranger.address], [], 3);

    // Safe behaviour: the removal stays in force.
    expect(await pool.isVerifier(removed.address), "the removed verifier is a verifier again").to.equal(false);
    await closeEpoch(0n);
    await expect(
      record(0n, [proof(aliceDevices[0]!.deviceId, 5n)], verifiers.slice(0, 3)),
    ).to.be.revertedWithCustomError(pool, "RewardPoolNotVerifier");
  });

  it("reports in settings() the quorum and verifier count that signatures are checked against", async function () {
    const { pool, admin, verifiers, aliceDevices, closeEpoch, record, proof } = await loadFixture(fixture);
    await pool.connect(admin).queueVerifierChange([], [verifiers[4]!.address], 4);
    await time.increase(CHANGE_DELAY);
    await closeEpoch(0n);
    // The pool already demands 4 signatures ...
    await expect(record(0n, [proof(aliceDevices[0]!.deviceId, 5n)], verifiers.slice(0, 3)))
      .to.be.revertedWithCustomError(pool, "RewardPoolQuorumNotMet")
      .withArgs(3, 4);
    // ... but settings() (what an SDK reads to know how many signatures to collect) still says 3 of 5.
    const s = await pool.settings();
    expect([s.quorum, s.verifierCount]).to.deep.equal([4n, 4n]);
  });
});
