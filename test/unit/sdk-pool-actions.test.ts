import { expect } from "chai";
import { ZeroAddress, id } from "ethers";
import { network } from "hardhat";

import {
  applyQueuedChanges,
  cancelQueuedChanges,
  ContractRevertError,
  fundPoolWithAuthorization,
  fundPoolWithPermit,
  getAccountEarnings,
  getClaimable,
  getDeviceEarnings,
  getPoolConfig,
  InvalidInputError,
  type PoolEvent,
  proofFor,
  queueRewardParams,
  queueVerifierChange,
  rewardPoolAt,
  setClaimSettings,
  cancelGuardianChange,
  queueGuardianChange,
  vetoEpoch,
  WAD,
  watchPoolEvents,
} from "../../sdk/src/index.js";
import { epochHelpers } from "../helpers/epoch.js";
import { BUDGET, CHANGE_DELAY, DAY, DEVICE_CAP, RATE, USDC, fundedByRef, poolFixture } from "../helpers/pool.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const fixture = () => poolFixture(ethers);

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (error: unknown) => error,
  );
}

const errorName = (error: unknown) => (error as ContractRevertError).errorName;

describe("SDK pool actions", function () {
  describe("queueRewardParams and getPoolConfig", function () {
    it("schedules parameters from the first epoch after the delay, shows them, and cancels them", async function () {
      const f = await loadFixture(fixture);
      const pool = rewardPoolAt(f.poolAddress, f.admin);
      const next = { rate: RATE * 2n, epochBudget: BUDGET / 2n, deviceCap: 500n };
      const queued = await queueRewardParams(pool, { params: next });
      const { genesis } = await pool.settings();
      const now = BigInt(await time.latest());
      // The first epoch starting at or after now + changeDelay.
      const expectedFrom = (now + CHANGE_DELAY - genesis + DAY - 1n) / DAY;
      expect(queued.fromEpoch).to.equal(expectedFrom);
      expect(queued.startsAt).to.equal(genesis + expectedFrom * DAY);

      const config = await getPoolConfig(pool);
      expect(config.rewardParams).to.deep.equal({ rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP });
      expect(config.scheduledParams).to.deep.equal({
        fromEpoch: queued.fromEpoch,
        startsAt: queued.startsAt,
        params: next,
      });
      expect(config.verifiers).to.deep.equal(
        f.verifiers.map((v) => v.address).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
      );
      expect(config.quorum).to.equal(3n);
      expect(config.guardian).to.equal(f.guardian.address);

      // The guardian may cancel too.
      const cancelled = await cancelQueuedChanges(rewardPoolAt(f.poolAddress, f.guardian));
      expect([cancelled.verifiers, cancelled.params]).to.deep.equal([false, true]);
      expect((await getPoolConfig(pool)).scheduledParams).to.equal(undefined);
      expect(await pool.rewardParamsAt(queued.fromEpoch)).to.deep.equal([RATE, BUDGET, DEVICE_CAP]);
    });

    it("refuses a zero parameter before sending, and a sender who is not the admin on-chain", async function () {
      const f = await loadFixture(fixture);
      const bad = await rejectionOf(
        queueRewardParams(rewardPoolAt(f.poolAddress, f.admin), {
          params: { rate: 0n, epochBudget: BUDGET, deviceCap: 1n },
        }),
      );
      expect(bad).to.be.instanceOf(InvalidInputError);
      expect((bad as Error).message).to.contain("params.rate");
      const refused = await rejectionOf(
        queueRewardParams(rewardPoolAt(f.poolAddress, f.alice), {
          params: { rate: RATE, epochBudget: BUDGET, deviceCap: 1n },
        }),
      );
      expect(errorName(refused)).to.equal("RewardPoolUnauthorized");
    });
  });

  describe("queueVerifierChange and applyQueuedChanges", function () {
    it("queues a change in any order, refuses to apply it early, applies it when due", async function () {
      const f = await loadFixture(fixture);
      const pool = rewardPoolAt(f.poolAddress, f.admin);
      const [first, second] = f.verifiers;
      const newcomer = f.stranger.address;
      // Removals given in descending order: the SDK sorts them as the pool requires.
      const removals = [first!.address, second!.address].sort((a, b) => (BigInt(a) < BigInt(b) ? 1 : -1));
      const queued = await queueVerifierChange(pool, { add: [newcomer], remove: removals, quorum: 2 });
      expect(queued.eta).to.equal(BigInt(await time.latest()) + CHANGE_DELAY);
      const config = await getPoolConfig(pool);
      expect(config.queuedVerifierChange?.due).to.equal(false);
      expect(config.queuedVerifierChange?.add).to.deep.equal([newcomer]);
      expect(config.verifiers).to.have.length(5);

      const early = await rejectionOf(applyQueuedChanges(pool));
      expect(errorName(early)).to.equal("RewardPoolChangeNotDue");
      await time.increaseTo(queued.eta);
      await applyQueuedChanges(rewardPoolAt(f.poolAddress, f.bob)); // anyone
      const after = await getPoolConfig(pool);
      expect(after.queuedVerifierChange).to.equal(undefined);
      expect(after.verifiers).to.include(newcomer).and.not.include(first!.address);
      expect(after.verifiers).to.have.length(4);
      expect(after.quorum).to.equal(2n);
      expect(errorName(await rejectionOf(applyQueuedChanges(pool)))).to.equal("RewardPoolNoQueuedChange");
    });

    it("refuses a duplicate address before sending", async function () {
      const f = await loadFixture(fixture);
      const error = await rejectionOf(
        queueVerifierChange(rewardPoolAt(f.poolAddress, f.admin), {
          add: [f.stranger.address, f.stranger.address.toLowerCase()],
          quorum: 3,
        }),
      );
      expect(error).to.be.instanceOf(InvalidInputError);
      expect((error as Error).message).to.contain("twice");
    });
  });

  describe("setClaimSettings, queueGuardianChange and cancelGuardianChange", function () {
    it("sets the claim settings at once and the guardian only through the delay (admin only)", async function () {
      const f = await loadFixture(fixture);
      const pool = rewardPoolAt(f.poolAddress, f.admin);
      await setClaimSettings(pool, { minClaim: 5n * USDC, maxRelayerFee: USDC / 10n });
      await queueGuardianChange(pool, { guardian: f.bob.address });
      expect((await pool.settings()).guardian).to.equal(f.guardian.address);
      await time.increase(CHANGE_DELAY + 1n);
      await applyQueuedChanges(pool);
      const s = await pool.settings();
      expect([s.minClaim, s.maxRelayerFee, s.guardian]).to.deep.equal([5n * USDC, USDC / 10n, f.bob.address]);
      // A scheduled change can be cancelled by the admin before it is in force, and the guardian stays.
      await queueGuardianChange(pool, { guardian: f.alice.address });
      await cancelGuardianChange(pool);
      await time.increase(CHANGE_DELAY + 1n);
      await applyQueuedChanges(pool).catch(() => undefined);
      expect((await pool.settings()).guardian).to.equal(f.bob.address);
      const refused = await rejectionOf(
        queueGuardianChange(rewardPoolAt(f.poolAddress, f.guardian), { guardian: f.alice.address }),
      );
      expect(errorName(refused)).to.equal("RewardPoolUnauthorized");
      expect(await rejectionOf(queueGuardianChange(pool, { guardian: ZeroAddress }))).to.be.instanceOf(
        InvalidInputError,
      );
      expect(await rejectionOf(setClaimSettings(pool, { minClaim: 1n << 40n, maxRelayerFee: 0n }))).to.be.instanceOf(
        InvalidInputError,
      );
    });
  });

  describe("fundPoolWithPermit and fundPoolWithAuthorization", function () {
    it("funds without an approval, by permit and by EIP-3009 authorization relayed by another account", async function () {
      const f = await loadFixture(fixture);
      await f.usdc.mint(f.bob.address, 300n * USDC);
      const asBob = rewardPoolAt(f.poolAddress, f.bob);
      expect(await f.usdc.allowance(f.bob.address, f.poolAddress)).to.equal(0n);
      const fundedBefore = (await asBob.totals()).funded;

      await fundPoolWithPermit(asBob, { amount: 100n * USDC, ref: id("permit-ref") });
      expect(await fundedByRef(asBob, id("permit-ref"))).to.equal(100n * USDC);

      // Bob signs, the relayer sends and pays the gas.
      const relayed = await fundPoolWithAuthorization(rewardPoolAt(f.poolAddress, f.relayer), {
        funder: f.bob,
        amount: 150n * USDC,
        ref: id("auth-ref"),
      });
      expect(await fundedByRef(asBob, id("auth-ref"))).to.equal(150n * USDC);
      const funded = await asBob.queryFilter(asBob.filters.Funded(f.bob.address), relayed.blockNumber);
      expect(funded.map((e) => e.args.amount)).to.deep.equal([150n * USDC]);
      expect(await f.usdc.authorizationState(f.bob.address, relayed.nonce)).to.equal(true);

      expect((await asBob.totals()).funded).to.equal(fundedBefore + 250n * USDC);
      expect(await f.usdc.balanceOf(f.bob.address)).to.equal(50n * USDC);
    });

    it("refuses a zero amount before signing anything", async function () {
      const f = await loadFixture(fixture);
      const error = await rejectionOf(
        fundPoolWithPermit(rewardPoolAt(f.poolAddress, f.bob), { amount: 0n, ref: id("x") }),
      );
      expect(error).to.be.instanceOf(InvalidInputError);
    });
  });

  describe("vetoEpoch", function () {
    it("lets the guardian veto a pending root, which then pays nothing, and refuses a second veto", async function () {
      const f = await loadFixture(fixture);
      const epochs = epochHelpers(f, time);
      const [device] = f.aliceDevices;
      await epochs.closeEpoch(0n);
      const built = await epochs.build(0, [{ deviceId: device!.deviceId, units: 30n, evidenceHash: id("e") }]);
      await epochs.commit(built);
      const guardianPool = rewardPoolAt(f.poolAddress, f.guardian);
      const vetoed = await vetoEpoch(guardianPool, { epoch: 0n, nonce: 0n, reasonHash: id("inflated units") });
      const events = await guardianPool.queryFilter(guardianPool.filters.EpochVetoed(0n), vetoed.blockNumber);
      expect(events.map((e) => [e.args.by, e.args.reasonHash])).to.deep.equal([
        [f.guardian.address, id("inflated units")],
      ]);
      const [, pending] = await guardianPool.epochRoots();
      expect(pending.claimableAt).to.equal(0n);
      const again = await rejectionOf(vetoEpoch(guardianPool, { epoch: 0n, nonce: 0n, reasonHash: id("again") }));
      expect(errorName(again)).to.equal("RewardPoolNothingToVeto");
      const notGuardian = await rejectionOf(
        vetoEpoch(rewardPoolAt(f.poolAddress, f.admin), { epoch: 0n, nonce: 0n, reasonHash: id("x") }),
      );
      expect(errorName(notGuardian)).to.equal("RewardPoolUnauthorized");
    });
  });

  describe("earnings and claimable", function () {
    it("rebuilds per-device and per-account earnings in both modes and agrees with claimable and the claim", async function () {
      const f = await loadFixture(fixture);
      const epochs = epochHelpers(f, time);
      const pool = rewardPoolAt(f.poolAddress, f.alice);
      const [d1, d2] = f.aliceDevices;
      // Epoch 0 in ledger mode: two proofs of d1's... one per device (one batch), at RATE.
      await epochs.closeEpoch(0n);
      await f.record(0n, [f.proof(d1!.deviceId, 10n), f.proof(d2!.deviceId, 7n)]);
      // Epoch 1 in epoch mode: d1 does 20 units; d1 is paid to bob from now on (payout), so its epoch-1 work is bob's.
      await epochs.closeEpoch(1n);
      const built = await epochs.build(1, [{ deviceId: d1!.deviceId, units: 20n, evidenceHash: id("e1") }]);
      await epochs.commit(built);
      await time.increase(DAY);

      const device = await getDeviceEarnings(pool, { deviceId: d1!.deviceId, manifests: [built] });
      expect(device.ledger.map((c) => [c.epoch, c.units, c.rewardWad, c.account])).to.deep.equal([
        [0n, 10n, 10n * RATE, f.alice.address],
      ]);
      expect(device.epochMode.map((c) => [c.epoch, c.units, c.rewardWad])).to.deep.equal([[1n, 20n, 20n * RATE]]);
      expect(device.totalWad).to.equal(30n * RATE);
      const other = await getDeviceEarnings(pool, { deviceId: d2!.deviceId });
      expect(other.totalWad).to.equal(7n * RATE);

      const leaf = proofFor(built, f.alice.address);
      const account = await getAccountEarnings(pool, { account: f.alice.address, epoch: leaf });
      expect(account.ledger.creditedWad).to.equal(17n * RATE);
      expect(account.ledger.claimable).to.equal((17n * RATE) / WAD);
      expect(account.epochMode.cumulative).to.equal((20n * RATE) / WAD);
      expect(account.epochMode.claimable).to.equal((20n * RATE) / WAD);
      const claimable = await getClaimable(pool, { account: f.alice.address, epoch: leaf });
      expect(claimable.total).to.equal(account.claimable);

      const before = await f.usdc.balanceOf(f.alice.address);
      await pool.claim(f.alice.address, leaf.cumulative, leaf.proof);
      expect((await f.usdc.balanceOf(f.alice.address)) - before).to.equal(claimable.total);
      const after = await getAccountEarnings(pool, { account: f.alice.address, epoch: leaf });
      expect(after.claimable).to.equal(0n);
      expect(after.ledger.paid).to.equal((17n * RATE) / WAD);
      expect(after.ledger.unpaidWad).to.equal(17n * RATE - ((17n * RATE) / WAD) * WAD);
    });

    it("refuses a manifest that was never committed, and decodes a bad proof from claimable", async function () {
      const f = await loadFixture(fixture);
      const epochs = epochHelpers(f, time);
      const pool = rewardPoolAt(f.poolAddress, f.alice);
      const [d1] = f.aliceDevices;
      await epochs.closeEpoch(0n);
      const built = await epochs.build(0, [{ deviceId: d1!.deviceId, units: 20n, evidenceHash: id("e0") }]);
      const uncommitted = await rejectionOf(getDeviceEarnings(pool, { deviceId: d1!.deviceId, manifests: [built] }));
      expect(uncommitted).to.be.instanceOf(InvalidInputError);
      expect((uncommitted as Error).message).to.contain("is not committed");
      const badProof = await rejectionOf(
        getClaimable(pool, { account: f.alice.address, epoch: { cumulative: 5n, proof: [id("not a proof")] } }),
      );
      expect(badProof).to.be.instanceOf(ContractRevertError);
    });
  });

  describe("watchPoolEvents", function () {
    it("catches up from a block, then reports new events once each, in order, until stopped", async function () {
      const f = await loadFixture(fixture);
      const pool = rewardPoolAt(f.poolAddress, f.admin);
      const guardianPool = rewardPoolAt(f.poolAddress, f.guardian);
      const seen: PoolEvent[] = [];
      const from = (await ethers.provider.getBlockNumber()) + 1;
      await pool.fund(3n * USDC, id("watch-1"));
      const stop = watchPoolEvents(pool, { fromBlock: from, pollingInterval: 20, onEvent: (e) => void seen.push(e) });
      try {
        for (let i = 0; i < 100 && seen.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
        await pool.fund(4n * USDC, id("watch-2"));
        await guardianPool.pause();
        for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
      } finally {
        await stop();
      }
      await pool.unpause();
      await new Promise((r) => setTimeout(r, 100));
      expect(seen.map((e) => e.name)).to.deep.equal(["Funded", "Funded", "Paused"]);
      expect(seen.slice(0, 2).map((e) => e.args.amount)).to.deep.equal([3n * USDC, 4n * USDC]);
    });

    it("stops at the first failure without onError, and the stop function rejects with it", async function () {
      const f = await loadFixture(fixture);
      const pool = rewardPoolAt(f.poolAddress, f.admin);
      const from = (await ethers.provider.getBlockNumber()) + 1;
      await pool.fund(1n, id("watch-3"));
      let calls = 0;
      const stop = watchPoolEvents(pool, {
        fromBlock: from,
        pollingInterval: 20,
        onEvent: () => {
          calls++;
          throw new Error("consumer failed");
        },
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(await rejectionOf(stop())).to.have.property("message", "consumer failed");
      expect(calls).to.equal(1);
    });

    it("with onError, goes on after a failure and reports no event twice", async function () {
      const f = await loadFixture(fixture);
      const pool = rewardPoolAt(f.poolAddress, f.admin);
      const from = (await ethers.provider.getBlockNumber()) + 1;
      await pool.fund(1n, id("watch-4"));
      await pool.fund(2n, id("watch-5"));
      const seen: bigint[] = [];
      const errors: unknown[] = [];
      let failOnce = true;
      const stop = watchPoolEvents(pool, {
        fromBlock: from,
        pollingInterval: 20,
        onEvent: (e) => {
          if (e.args.amount === 2n && failOnce) {
            failOnce = false;
            throw new Error("transient");
          }
          seen.push(e.args.amount as bigint);
        },
        onError: (error) => void errors.push(error),
      });
      try {
        for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      } finally {
        await stop();
      }
      expect(seen).to.deep.equal([1n, 2n]);
      expect(errors).to.have.length(1);
    });
  });
});
