/**
 * The outflow circuit breaker: at most `outflowLimit` token units leave by claims in any `outflowWindow` seconds.
 * Over it a claim pays what fits and defers the rest (`ClaimDeferred`), or is refused whole
 * (`RewardPoolOutflowLimited`) with nothing moved; the limit changes only through the delay.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { CLAIM_TYPES, OutflowLimitedError, poolErrorInterfaces, withDecodedErrors } from "../../sdk/src/index.js";
import { CHANGE_DELAY, DAY, USDC, closeEpoch, customPool, poolFixture } from "../helpers/pool.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const LIMIT = 100n * USDC;

async function breakerFixture() {
  const f = await poolFixture(ethers);
  const p = await customPool(ethers, f, { outflowLimit: LIMIT, outflowWindow: Number(DAY) });
  await closeEpoch(time, p.pool, 0n);
  // Alice is owed 130, bob 40: more than one window's limit together.
  await p.record(0n, [
    p.worth(f.aliceDevices[0]!.deviceId, 130n * USDC),
    p.worth(f.bobDevices[0]!.deviceId, 40n * USDC),
  ]);
  return { ...f, ...p };
}

/** What the pool and both accounts hold, to show that nothing moved. */
async function books(f: Awaited<ReturnType<typeof breakerFixture>>) {
  return {
    pool: await f.usdc.balanceOf(f.address),
    alice: await f.usdc.balanceOf(f.alice.address),
    bob: await f.usdc.balanceOf(f.bob.address),
    aliceAccount: await f.pool.account(f.alice.address),
    bobAccount: await f.pool.account(f.bob.address),
    totals: await f.pool.totals(),
  };
}

const windowOf = (timestamp: bigint) => timestamp / DAY;

describe("RewardPool outflow breaker", function () {
  describe("claim", function () {
    it("pays what fits, defers the rest with the time it fits, then refuses a claim with nothing to pay it", async function () {
      const f = await loadFixture(breakerFixture);
      const { pool, alice, bob } = f;
      // 130 and 40 tokens of work at a rate of a third of a unit: each is owed a unit less (remainders carry).
      const aliceOwed = (await pool.account(alice.address)).ledgerClaimable;
      const bobOwed = (await pool.account(bob.address)).ledgerClaimable;
      expect([aliceOwed, bobOwed]).to.deep.equal([130n * USDC - 1n, 40n * USDC - 1n]);
      expect(await pool.outflowAvailable()).to.equal(LIMIT);
      expect(await pool.nextOutflowAt(LIMIT + 1n)).to.equal(2n ** 256n - 1n);
      const tx = pool.connect(alice).claim(alice.address, 0n, []);
      const at = BigInt((await (await tx).getBlock())!.timestamp);
      // 130 owed, 100 fit: 30 wait until the window after next (this window and the next each hold what left now).
      await expect(tx)
        .to.emit(pool, "ClaimDeferred")
        .withArgs(alice.address, aliceOwed - LIMIT, (windowOf(at) + 2n) * DAY)
        .and.to.emit(pool, "Claimed")
        .withArgs(alice.address, alice.address, LIMIT, 0n);
      expect(await pool.outflowAvailable()).to.equal(0n);
      expect((await pool.account(alice.address)).ledgerClaimable).to.equal(aliceOwed - LIMIT);
      expect((await pool.totals()).paid).to.equal(LIMIT);

      // Bob's claim now: nothing may leave, refused whole, nothing moved, naming when it fits.
      const before = await books(f);
      await expect(pool.connect(bob).claim(bob.address, 0n, []))
        .to.be.revertedWithCustomError(pool, "RewardPoolOutflowLimited")
        .withArgs(bobOwed, 0n, (windowOf(at) + 2n) * DAY);
      expect(await books(f)).to.deep.equal(before);
      expect(await pool.nextOutflowAt(bobOwed)).to.equal((windowOf(at) + 2n) * DAY);

      // One window later the first window still counts (any DAY seconds hold at most the limit): still refused.
      await time.increaseTo((windowOf(at) + 1n) * DAY);
      await expect(pool.connect(bob).claim(bob.address, 0n, [])).to.be.revertedWithCustomError(
        pool,
        "RewardPoolOutflowLimited",
      );
      await time.increaseTo((windowOf(at) + 2n) * DAY);
      await expect(pool.connect(bob).claim(bob.address, 0n, []))
        .to.emit(pool, "Claimed")
        .withArgs(bob.address, bob.address, bobOwed, 0n);
      await expect(pool.connect(alice).claim(alice.address, 0n, []))
        .to.emit(pool, "Claimed")
        .withArgs(alice.address, alice.address, aliceOwed - LIMIT, 0n);
      expect((await pool.totals()).paid).to.equal(aliceOwed + bobOwed);
      expect(await f.usdc.balanceOf(f.address)).to.equal(10_000n * USDC - aliceOwed - bobOwed);
    });

    it("counts the window before: a steady flow never passes the limit in any window's span", async function () {
      const f = await loadFixture(breakerFixture);
      const { pool, alice, bob } = f;
      const now = BigInt(await time.latest());
      // Late in a window, 40 leave; early in the next, only 60 more may (the span of a day holds both).
      const bobOwed = (await pool.account(bob.address)).ledgerClaimable;
      await time.increaseTo((windowOf(now) + 1n) * DAY - 10n);
      await pool.connect(bob).claim(bob.address, 0n, []);
      await time.increaseTo((windowOf(now) + 1n) * DAY + 10n);
      // Shares round up, so the room is at most a unit under the limit less what left.
      const room = await pool.outflowAvailable();
      expect(room).to.be.within(LIMIT - bobOwed - 1n, LIMIT - bobOwed);
      await expect(pool.connect(alice).claim(alice.address, 0n, []))
        .to.emit(pool, "Claimed")
        .withArgs(alice.address, alice.address, room, 0n);
    });

    it("holds a signed claim the same way, without spending its nonce", async function () {
      const f = await loadFixture(breakerFixture);
      const { pool, alice, bob, relayer, domain } = f;
      await pool.connect(alice).claim(alice.address, 0n, []); // the window is full
      const deadline = BigInt(await time.latest()) + 3n * DAY;
      const claim = { account: bob.address, recipient: bob.address, maxFee: USDC, nonce: 0n, deadline };
      const signature = await bob.signTypedData(domain, CLAIM_TYPES, claim);
      const before = await books(f);
      await expect(pool.connect(relayer).claimWithSig(claim, 0n, [], USDC, signature)).to.be.revertedWithCustomError(
        pool,
        "RewardPoolOutflowLimited",
      );
      expect(await books(f)).to.deep.equal(before);
      expect((await pool.account(bob.address)).claimNonce).to.equal(0n);
      await time.increase(2n * DAY);
      await expect(pool.connect(relayer).claimWithSig(claim, 0n, [], USDC, signature))
        .to.emit(pool, "RelayerFeePaid")
        .withArgs(bob.address, relayer.address, USDC);
    });

    it("refuses a claim for someone else whose minimum does not fit, and names when it will", async function () {
      const f = await loadFixture(breakerFixture);
      const { pool, admin, alice, bob, stranger } = f;
      await pool.connect(admin).setClaimSettings(10n * USDC, 0n);
      await pool.connect(bob).claim(bob.address, 0n, []); // 40 leave
      await pool.connect(stranger).claim(alice.address, 0n, []); // 60 fit of alice's 130
      // Room 0 < the minimum 10: refused whole.
      const before = await books(f);
      await expect(pool.connect(stranger).claim(alice.address, 0n, [])).to.be.revertedWithCustomError(
        pool,
        "RewardPoolOutflowLimited",
      );
      expect(await books(f)).to.deep.equal(before);
    });
  });

  describe("SDK", function () {
    it("decodes a held claim to an OutflowLimitedError whose fix names the time it fits", async function () {
      const f = await loadFixture(breakerFixture);
      const { pool, alice, bob } = f;
      await pool.connect(alice).claim(alice.address, 0n, []); // fills the window pair
      const retryAt = await pool.nextOutflowAt(1n);
      const error = await withDecodedErrors(poolErrorInterfaces, () =>
        pool.connect(bob).claim(bob.address, 0n, []),
      ).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(OutflowLimitedError);
      const held = error as OutflowLimitedError;
      expect([held.available, held.retryAt]).to.deep.equal([0n, retryAt]);
      expect(held.fix).to.contain(new Date(Number(retryAt) * 1000).toISOString());
      expect(held.message).to.contain("nothing moved and the credit is intact");
    });
  });

  describe("queueOutflowLimit", function () {
    it("changes the limit only through the delay, cancellable by the guardian, counting what already left", async function () {
      const f = await loadFixture(breakerFixture);
      const { pool, admin, guardian, stranger, bob } = f;
      await expect(pool.connect(stranger).queueOutflowLimit(1n, 1))
        .to.be.revertedWithCustomError(pool, "RewardPoolUnauthorized")
        .withArgs(stranger.address);
      await expect(pool.connect(admin).queueOutflowLimit(123_456_789n, Number(DAY)))
        .to.be.revertedWithCustomError(pool, "RewardPoolInvalidConfig")
        .withArgs("outflowLimit");
      await expect(pool.connect(admin).queueOutflowLimit(LIMIT, 0))
        .to.be.revertedWithCustomError(pool, "RewardPoolInvalidConfig")
        .withArgs("outflowWindow");
      await expect(pool.connect(admin).queueOutflowLimit(LIMIT, 2 ** 24))
        .to.be.revertedWithCustomError(pool, "RewardPoolInvalidConfig")
        .withArgs("outflowWindow");
      const queued = pool.connect(admin).queueOutflowLimit(1n, Number(DAY)); // a freeze, announced
      const eta = BigInt((await (await queued).getBlock())!.timestamp) + CHANGE_DELAY;
      await expect(queued).to.emit(pool, "OutflowLimitQueued").withArgs(1n, DAY, eta);
      await expect(pool.applyQueuedChanges())
        .to.be.revertedWithCustomError(pool, "RewardPoolChangeNotDue")
        .withArgs(eta, eta - CHANGE_DELAY + 1n);
      await expect(pool.connect(stranger).cancelOutflowLimit()).to.be.revertedWithCustomError(
        pool,
        "RewardPoolUnauthorized",
      );
      await expect(pool.connect(guardian).cancelOutflowLimit())
        .to.emit(pool, "OutflowLimitCancelled")
        .withArgs(1n, DAY, guardian.address);
      await expect(pool.connect(guardian).cancelOutflowLimit()).to.be.revertedWithCustomError(
        pool,
        "RewardPoolNoQueuedChange",
      );

      await pool.connect(admin).queueOutflowLimit(2n * LIMIT, Number(DAY));
      expect((await pool.pendingChanges()).outflowLimit).to.equal(2n * LIMIT);
      await time.increase(CHANGE_DELAY);
      expect((await pool.settings()).outflowLimit).to.equal(LIMIT); // claims see it once applied
      await pool.connect(bob).claim(bob.address, 0n, []); // about 40 of 100 used, under the old limit
      const room = await pool.outflowAvailable();
      await expect(pool.applyQueuedChanges())
        .to.emit(pool, "OutflowLimitChanged")
        .withArgs(2n * LIMIT, DAY);
      // What left in the last two windows counts against the new limit at once: no room freed early.
      expect(await pool.outflowAvailable()).to.be.within(room + LIMIT - 2n, room + LIMIT);
      expect((await pool.settings()).outflowLimit).to.equal(2n * LIMIT);
      expect((await pool.pendingChanges()).outflowEta).to.equal(0n);
      await expect(pool.connect(guardian).cancelOutflowLimit()).to.be.revertedWithCustomError(
        pool,
        "RewardPoolNoQueuedChange",
      );
    });
  });
});
