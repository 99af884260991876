/**
 * Second pass: attacks on the fixes that the reviewed code (762ab6c) refuses. Kept as passing regressions.
 */
import { signClaim } from "../../sdk/src/index.js";
import { expect } from "chai";
import { id } from "ethers";
import { network } from "hardhat";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import { CHALLENGE_PERIOD, USDC } from "../helpers/pool.js";
import { attackFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;
const fixture = () => attackFixture(ethers, time);

describe("second pass (refused): the payout cap across the two-entry root ring", function () {
  it("veto of a pending root after payouts: claims stay capped by the root in force, the vetoed total stops counting, ledger re-opens its epoch", async function () {
    const { pool, alice, bob, guardian, aliceDevices, closeEpoch, rawCommit, sign, record, proof } =
      await loadFixture(fixture);
    await closeEpoch(2n);
    const leaves: [string, bigint][] = [
      [alice.address, 100n * USDC],
      [bob.address, 100n * USDC],
    ];
    const tree = StandardMerkleTree.of(leaves, ["address", "uint256"]);
    // Root A (epoch 0) declares 150 for leaves adding up to 200.
    const a = await rawCommit(0n, leaves, 150n * USDC);
    await pool.commitEpoch(a, await sign(a));
    await time.increase(CHALLENGE_PERIOD);
    await pool.claim(alice.address, 100n * USDC, tree.getProof(0));
    // Root B (epoch 1) declares 10,000 and is pending: it must neither lift the cap nor pay.
    const bLeaves: [string, bigint][] = [[bob.address, 10_000n * USDC]];
    const b = await rawCommit(1n, bLeaves, 10_000n * USDC);
    await pool.commitEpoch(b, await sign(b));
    expect((await pool.totals()).epochOwed).to.equal(10_000n * USDC);
    await expect(pool.claim(bob.address, 100n * USDC, tree.getProof(1))).to.be.revertedWithCustomError(
      pool,
      "RewardPoolEpochPayoutCapped",
    );
    await expect(pool.claim(bob.address, 10_000n * USDC, [])).to.be.revertedWithCustomError(
      pool,
      "RewardPoolInvalidMerkleProof",
    );
    // Ledger cannot record epoch 1 while B covers it.
    await expect(record(1n, [proof(aliceDevices[0]!.deviceId, 3n)])).to.be.revertedWithCustomError(
      pool,
      "RewardPoolEpochCoveredByRoot",
    );
    await pool.connect(guardian).vetoEpoch(1, (await pool.epochRoots()).pending.nonce, id("inflated"));
    expect((await pool.totals()).epochOwed).to.equal(150n * USDC);
    const [active, pending] = await pool.epochRoots();
    expect([active.epoch, active.totalOwed, pending.claimableAt]).to.deep.equal([0n, 150n * USDC, 0n]);
    await expect(pool.claim(bob.address, 100n * USDC, tree.getProof(1))).to.be.revertedWithCustomError(
      pool,
      "RewardPoolEpochPayoutCapped",
    );
    await expect(record(1n, [proof(aliceDevices[0]!.deviceId, 3n)])).to.emit(pool, "BatchRecorded");
    // A later root in force must not be below what was paid, nor the one in force.
    const low = await rawCommit(2n, leaves, 149n * USDC);
    await expect(pool.commitEpoch(low, await sign(low))).to.be.revertedWithCustomError(
      pool,
      "RewardPoolTotalOwedDecreased",
    );
  });

  it("supersede to a later epoch, then in force: ledger is refused up to the latest root's epoch throughout, and the cap moves to the new root", async function () {
    const { pool, alice, bob, aliceDevices, closeEpoch, rawCommit, sign, record, proof } = await loadFixture(fixture);
    await closeEpoch(3n);
    const leaves: [string, bigint][] = [
      [alice.address, 100n * USDC],
      [bob.address, 100n * USDC],
    ];
    const tree = StandardMerkleTree.of(leaves, ["address", "uint256"]);
    const a = await rawCommit(0n, [[alice.address, 100n * USDC]], 100n * USDC);
    await pool.commitEpoch(a, await sign(a));
    await time.increase(CHALLENGE_PERIOD);
    const b = await rawCommit(1n, leaves, 150n * USDC);
    await pool.commitEpoch(b, await sign(b));
    const b2 = await rawCommit(2n, leaves, 200n * USDC);
    await expect(pool.commitEpoch(b2, await sign(b2))).to.emit(pool, "EpochSuperseded");
    const device = aliceDevices[0]!.deviceId;
    for (const e of [1n, 2n]) {
      await expect(record(e, [proof(device, 3n)])).to.be.revertedWithCustomError(pool, "RewardPoolEpochCoveredByRoot");
    }
    await expect(record(3n, [proof(device, 3n)])).to.emit(pool, "BatchRecorded");
    // Superseding backwards (below the pending root's epoch) or at the root in force's epoch is refused.
    const back = await rawCommit(1n, leaves, 200n * USDC);
    await expect(pool.commitEpoch(back, await sign(back))).to.be.revertedWithCustomError(
      pool,
      "RewardPoolEpochNotAfterLatest",
    );
    await time.increase(CHALLENGE_PERIOD);
    await expect(record(2n, [proof(aliceDevices[1]!.deviceId, 3n)])).to.be.revertedWithCustomError(
      pool,
      "RewardPoolEpochCoveredByRoot",
    );
    await pool.claim(alice.address, 100n * USDC, tree.getProof(0));
    await pool.claim(bob.address, 100n * USDC, tree.getProof(1)); // 200 of 200
    expect((await pool.totals()).epochPaid).to.equal(200n * USDC);
  });

  it("a lowered leaf pays nothing until it passes what was paid; the freed amount is not claimable twice", async function () {
    const { pool, alice, bob, closeEpoch, rawCommit, sign } = await loadFixture(fixture);
    await closeEpoch(2n);
    const a = await rawCommit(0n, [[alice.address, 100n * USDC]], 100n * USDC);
    await pool.commitEpoch(a, await sign(a));
    await time.increase(CHALLENGE_PERIOD);
    await pool.claim(alice.address, 100n * USDC, []);
    // A (naive) root lowers alice to 0 and hands her 100 to bob without raising totalOwed.
    const leaves: [string, bigint][] = [
      [alice.address, 1n],
      [bob.address, 100n * USDC],
    ];
    const tree = StandardMerkleTree.of(leaves, ["address", "uint256"]);
    const b = await rawCommit(1n, leaves, 100n * USDC);
    await pool.commitEpoch(b, await sign(b));
    await time.increase(CHALLENGE_PERIOD);
    await expect(pool.claim(alice.address, 1n, tree.getProof(0))).to.be.revertedWithCustomError(
      pool,
      "RewardPoolNothingToClaim",
    );
    await expect(pool.claim(bob.address, 100n * USDC, tree.getProof(1))).to.be.revertedWithCustomError(
      pool,
      "RewardPoolEpochPayoutCapped",
    );
  });
});

describe("second pass (refused): packed state", function () {
  it("reward parameters one bit too wide are refused; the widest that fit round-trip exactly", async function () {
    const { pool, admin } = await loadFixture(fixture);
    const max = { rate: 2n ** 88n - 1n, epochBudget: 2n ** 96n - 1n, deviceCap: 2n ** 40n - 1n };
    for (const [field, over] of [
      ["rate", { ...max, rate: 2n ** 88n }],
      ["epochBudget", { ...max, epochBudget: 2n ** 96n }],
      ["deviceCap", { ...max, deviceCap: 2n ** 40n }],
    ] as const) {
      await expect(pool.connect(admin).queueRewardParams(over))
        .to.be.revertedWithCustomError(pool, "RewardPoolInvalidConfig")
        .withArgs(field);
    }
    await pool.connect(admin).queueRewardParams(max);
    const far = 2n ** 32n - 1n;
    const got = await pool.rewardParamsAt(far);
    expect([got.rate, got.epochBudget, got.deviceCap]).to.deep.equal([max.rate, max.epochBudget, max.deviceCap]);
    // Epochs before the change keep theirs.
    expect((await pool.rewardParamsAt(0)).rate).to.not.equal(max.rate);
  });

  it("a relayed claim spends its nonce once; the packed nonce and credit survive a combined ledger + epoch claim", async function () {
    const { pool, alice, relayer, aliceDevices, domain, closeEpoch, record, proof, rawCommit, sign } =
      await loadFixture(fixture);
    await closeEpoch(1n);
    await record(0n, [proof(aliceDevices[0]!.deviceId, 30_000_001n)]); // leaves a third of a unit unpaid
    const c = await rawCommit(1n, [[alice.address, 5n * USDC]], 5n * USDC);
    await pool.commitEpoch(c, await sign(c));
    await time.increase(CHALLENGE_PERIOD);
    const claim = { account: alice.address, recipient: relayer.address, maxFee: USDC, nonce: 0n, deadline: 2n ** 40n };
    const signature = await signClaim(alice, domain, claim);
    await expect(pool.connect(relayer).claimWithSig(claim, 5n * USDC, [], USDC, signature)).to.emit(pool, "Claimed");
    const after = await pool.account(alice.address);
    expect([after.claimNonce, after.paidEpoch, after.unpaidWad > 0n]).to.deep.equal([1n, 5n * USDC, true]);
    await expect(pool.connect(relayer).claimWithSig(claim, 5n * USDC, [], 0n, signature)).to.be.revertedWithCustomError(
      pool,
      "RewardPoolInvalidClaimNonce",
    );
  });
});
