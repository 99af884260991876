/**
 * Stranded tokens: what a pool holds beyond `funded - paid` (sent to it directly, a positive rebase) leaves only by a
 * sweep the admin queues for a named recipient, executable after the delay, cancellable by the guardian, re-checked
 * against the surplus when executed; nothing owed or funded can ever leave that way.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { CHANGE_DELAY, USDC, closeEpoch, customPool, poolFixture } from "../helpers/pool.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

async function strandedFixture() {
  const f = await poolFixture(ethers);
  await closeEpoch(time, f.pool, 0n);
  await f.record(0n, [f.proof(f.aliceDevices[0]!.deviceId, 300_000_000n)]); // alice is owed 100 USDC - 1 unit
  await f.usdc.mint(f.stranger.address, 500n * USDC);
  await f.usdc.connect(f.stranger).transfer(f.poolAddress, 500n * USDC); // sent directly: stranded
  return f;
}

describe("RewardPool surplus sweep", function () {
  it("sends only the surplus, to the recipient named in the queue, after the delay", async function () {
    const { pool, usdc, admin, alice, stranger, bob, poolAddress } = await loadFixture(strandedFixture);
    expect(await pool.surplus()).to.equal(500n * USDC);
    await expect(pool.connect(admin).queueSweep(bob.address, 500n * USDC + 1n))
      .to.be.revertedWithCustomError(pool, "RewardPoolSweepExceedsSurplus")
      .withArgs(500n * USDC + 1n, 500n * USDC);
    await expect(pool.connect(stranger).queueSweep(stranger.address, 1n))
      .to.be.revertedWithCustomError(pool, "RewardPoolUnauthorized")
      .withArgs(stranger.address);
    await expect(pool.connect(admin).queueSweep(poolAddress, 1n))
      .to.be.revertedWithCustomError(pool, "RewardPoolInvalidConfig")
      .withArgs("to");
    const queued = pool.connect(admin).queueSweep(bob.address, 500n * USDC);
    const eta = BigInt((await (await queued).getBlock())!.timestamp) + CHANGE_DELAY;
    await expect(queued)
      .to.emit(pool, "SweepQueued")
      .withArgs(bob.address, 500n * USDC, eta);
    await expect(pool.connect(stranger).executeSweep())
      .to.be.revertedWithCustomError(pool, "RewardPoolChangeNotDue")
      .withArgs(eta, eta - CHANGE_DELAY + 1n);
    // Claims meanwhile never touch the surplus: it is measured against funded - paid.
    await pool.claim(alice.address, 0n, []);
    expect(await pool.surplus()).to.equal(500n * USDC);
    await time.increaseTo(eta);
    await expect(pool.connect(stranger).executeSweep())
      .to.emit(pool, "Swept")
      .withArgs(bob.address, 500n * USDC, stranger.address);
    expect(await usdc.balanceOf(bob.address)).to.equal(500n * USDC);
    const t = await pool.totals();
    expect(await usdc.balanceOf(poolAddress)).to.equal(t.funded - t.paid);
    expect(await pool.surplus()).to.equal(0n);
    await expect(pool.connect(stranger).executeSweep()).to.be.revertedWithCustomError(pool, "RewardPoolNoQueuedChange");
  });

  it("lets the guardian or admin cancel a sweep before it is executed", async function () {
    const { pool, admin, guardian, stranger, bob } = await loadFixture(strandedFixture);
    await pool.connect(admin).queueSweep(bob.address, 100n * USDC);
    await expect(pool.connect(stranger).cancelSweep()).to.be.revertedWithCustomError(pool, "RewardPoolUnauthorized");
    await time.increase(CHANGE_DELAY);
    await expect(pool.connect(guardian).cancelSweep())
      .to.emit(pool, "SweepCancelled")
      .withArgs(bob.address, 100n * USDC, guardian.address);
    await expect(pool.connect(stranger).executeSweep()).to.be.revertedWithCustomError(pool, "RewardPoolNoQueuedChange");
    await expect(pool.connect(admin).cancelSweep()).to.be.revertedWithCustomError(pool, "RewardPoolNoQueuedChange");
  });

  it("re-checks the surplus when executed and moves nothing while paused", async function () {
    const f = await loadFixture(strandedFixture);
    const token = await ethers.deployContract("MockRebasingToken");
    const p = await customPool(ethers, f, {}, { token, funding: 1_000n * USDC });
    await token.mint(f.stranger.address, 200n * USDC);
    await token.connect(f.stranger).transfer(p.address, 200n * USDC);
    expect(await p.pool.surplus()).to.equal(200n * USDC);
    await p.pool.connect(f.admin).queueSweep(f.bob.address, 200n * USDC);
    await time.increase(CHANGE_DELAY);
    // A negative rebase of 10% takes the balance from 1,200 to 1,080: the surplus is 80 now, not 200.
    await token.rebase(9n * 10n ** 17n);
    expect(await p.pool.surplus()).to.equal(80n * USDC);
    await expect(p.pool.connect(f.stranger).executeSweep())
      .to.be.revertedWithCustomError(p.pool, "RewardPoolSweepExceedsSurplus")
      .withArgs(200n * USDC, 80n * USDC);
    await p.pool.connect(f.guardian).pause();
    await expect(p.pool.connect(f.stranger).executeSweep()).to.be.revertedWithCustomError(p.pool, "RewardPoolPaused");
    expect(await token.balanceOf(f.bob.address)).to.equal(0n);
  });
});
