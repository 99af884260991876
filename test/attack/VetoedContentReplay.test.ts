/**
 * Finding: a veto is final for the vetoed commit, not for its content. Commits are cumulative (each builds on the
 * previous manifest), and the veto leaves `commitNonce()` where it was, so a commit the quorum signed on top of the
 * pending root before the veto (the builder's normal input is the latest manifest, pending or not) carries the
 * vetoed credit and stays valid: anyone holding it submits it right after the veto. The guardian has to notice and
 * veto again, every time.
 */
import { expect } from "chai";
import { id } from "ethers";
import { network } from "hardhat";

import { attackFixture } from "./fixture.js";
import { CHALLENGE_PERIOD } from "../helpers/pool.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;
const fixture = () => attackFixture(ethers, time);

describe("attack: vetoed content comes back through a commit signed on top of it", function () {
  it("a commit built on a root that was later vetoed cannot be submitted after the veto", async function () {
    const { pool, guardian, stranger, aliceDevices, closeEpoch, report, build, commitOf, sign, submit } =
      await loadFixture(fixture);
    await closeEpoch(0n);
    const e0 = await build(0, [report(aliceDevices[0]!.deviceId, 30n)]);
    await submit(await commitOf(e0));
    await time.increase(CHALLENGE_PERIOD);
    await closeEpoch(2n);
    // Epoch 1's root (inflated) is pending; the pipeline builds epoch 2 on top of it and the quorum signs it.
    const inflated = await build(1, [report(aliceDevices[1]!.deviceId, 900_000_000n)], e0);
    await submit(await commitOf(inflated));
    const e2 = await build(2, [report(aliceDevices[2]!.deviceId, 30n)], inflated);
    const e2Commit = await commitOf(e2); // nonce 2: the one after the pending root's
    const e2Signatures = await sign(e2Commit);
    // The guardian vetoes epoch 1 before the epoch-2 commit is sent.
    await expect(pool.connect(guardian).vetoEpoch(1, (await pool.epochRoots()).pending.nonce, id("inflated"))).to.emit(
      pool,
      "EpochVetoed",
    );
    // Safe behaviour: commits signed before the veto are dead. Today anyone submits it, with epoch 1's vetoed
    // credit inside (the root and totalOwed of e2 include it).
    expect(e2.manifest.totalOwed).to.be.greaterThan(inflated.manifest.totalOwed - 1n);
    await expect(pool.connect(stranger).commitEpoch(e2Commit, e2Signatures)).to.revert(ethers);
  });
});
