/**
 * Finding: epoch-mode payouts are not bounded by the root's declared `totalOwed`.
 *
 * `commitEpoch` checks budget, rate and solvency against `c.totalOwed`, a number the quorum declares next to the
 * root; `claim` pays any leaf of the root in force (`cumulative - paidEpoch`) and never compares what epoch mode has
 * paid in total with that number. A root whose leaves add up to more than its `totalOwed` therefore pays past the
 * epoch budget and past solvency: it can take the funds that back ledger-mode credit. The README lists solvency and
 * the per-epoch budget as bounds on a compromised quorum "in both modes"; in epoch mode only the guardian's veto
 * bounds it.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { CHALLENGE_PERIOD, USDC } from "../helpers/pool.js";
import { attackFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;
const fixture = () => attackFixture(ethers, time);

describe("attack: epoch-mode payout beyond the declared totalOwed", function () {
  it("never pays out of a root more than the totalOwed it declared (budget and solvency bind payouts, not a number)", async function () {
    const { pool, usdc, poolAddress, alice, bob, stranger, bobDevices, closeEpoch, record, proof, rawCommit, sign } =
      await loadFixture(fixture);
    await closeEpoch(1n);
    // Ledger mode owes bob ~300 USDC for epoch 0.
    await record(0n, [proof(bobDevices[0]!.deviceId, 900_000_000n)]);
    expect((await pool.account(bob.address)).ledgerClaimable).to.be.greaterThan(299n * USDC);

    // A compromised quorum commits epoch 1: one leaf paying alice the whole pool balance, declared totalOwed 1 USDC.
    const balance = await usdc.balanceOf(poolAddress);
    const c = await rawCommit(1n, [[alice.address, balance]], 1n * USDC);
    await expect(pool.connect(stranger).commitEpoch(c, await sign(c))).to.emit(pool, "EpochCommitted");
    expect((await pool.totals()).epochOwed).to.equal(1n * USDC);

    // The guardian misses it; the challenge period passes.
    await time.increase(CHALLENGE_PERIOD);

    // Safe behaviour: epoch mode never pays more than the totalOwed of the root in force (here 1 USDC), so the
    // claim of the whole balance is refused. Today it pays 1,000,000 USDC (a million times the budgeted total).
    await expect(pool.claim(alice.address, balance, [])).to.revert(ethers);
    // And what ledger mode owes bob is still there.
    await expect(pool.claim(bob.address, 0n, [])).to.emit(pool, "Claimed");
  });
});
