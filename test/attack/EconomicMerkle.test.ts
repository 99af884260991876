/**
 * Economic edges and Merkle attacks not covered elsewhere, each with its exact refusal and nothing moved: the
 * budget to the unit and exhausted mid-batch, the device cap to the unit, backdated epochs, many small claims by
 * many accounts never paying more than Σ units × rate to the wei; an inner node presented as a leaf, a proof from
 * another pool's root, a leaf of a root still in its challenge period. (Vetoed, superseded and lowered roots:
 * SecondPassRefused; a device sold between work and record: RewardPool.test.ts > recordProofs.)
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { network } from "hardhat";

import { WAD } from "../../sdk/src/index.js";
import {
  CHALLENGE_PERIOD,
  DEVICE_CAP,
  RATE,
  SETTLEMENT_WINDOW,
  USDC,
  closeEpoch,
  customPool,
} from "../helpers/pool.js";
import { attackFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;
const fixture = () => attackFixture(ethers, time);

describe("attack: economic edges", function () {
  it("takes the epoch budget to the unit, and refuses a batch that exhausts it midway, whole", async function () {
    const f = await loadFixture(fixture);
    const budget = 100n * USDC;
    const p = await customPool(ethers, f, { params: { rate: WAD, epochBudget: budget, deviceCap: DEVICE_CAP } });
    await closeEpoch(time, p.pool, 0n);
    const [a, b, c] = f.aliceDevices.map((d) => d.deviceId);
    const unit = (deviceId: bigint, units: bigint) => ({ deviceId, units, evidenceHash: ethers.ZeroHash });
    // Two proofs fit, the third passes the budget by one unit: nothing of the batch is recorded.
    await expect(p.record(0n, [unit(a!, 40n * USDC), unit(b!, 40n * USDC), unit(c!, 20n * USDC + 1n)]))
      .to.be.revertedWithCustomError(p.pool, "RewardPoolBudgetExceeded")
      .withArgs(0, budget * WAD, (budget + 1n) * WAD);
    expect(await p.pool.epochCreditedWad(0)).to.equal(0n);
    expect(await p.pool.isRecorded(0, a!)).to.equal(false);
    await expect(p.record(0n, [unit(a!, 40n * USDC), unit(b!, 40n * USDC), unit(c!, 20n * USDC)])).to.emit(
      p.pool,
      "BatchRecorded",
    );
    expect(await p.pool.epochCreditedWad(0)).to.equal(budget * WAD);
    await expect(p.record(0n, [unit(f.aliceDevices[3]!.deviceId, 1n)]))
      .to.be.revertedWithCustomError(p.pool, "RewardPoolBudgetExceeded")
      .withArgs(0, budget * WAD, budget * WAD + WAD);
  });

  it("takes the device cap to the unit and refuses one unit more", async function () {
    const f = await loadFixture(fixture);
    const { pool, record, aliceDevices, closeEpoch: close } = f;
    await close(0n);
    const [a, b] = aliceDevices.map((d) => d.deviceId);
    await expect(record(0n, [f.proof(a!, DEVICE_CAP + 1n)]))
      .to.be.revertedWithCustomError(pool, "RewardPoolProofRejected")
      .withArgs(0, a!, 6); // OverDeviceCap
    await expect(record(0n, [f.proof(b!, DEVICE_CAP)])).to.emit(pool, "WorkRecorded");
  });

  it("refuses backdated epochs past the settlement window in ledger mode", async function () {
    const f = await loadFixture(fixture);
    const { pool, record, aliceDevices, closeEpoch: close } = f;
    await close(BigInt(SETTLEMENT_WINDOW) + 1n); // epoch 8 closed: current is 9, epochs 2..8 settle
    await expect(record(1n, [f.proof(aliceDevices[0]!.deviceId, 3n)]))
      .to.be.revertedWithCustomError(pool, "RewardPoolEpochOutsideWindow")
      .withArgs(1, 2);
    await expect(record(2n, [f.proof(aliceDevices[0]!.deviceId, 3n)])).to.emit(pool, "BatchRecorded");
    expect((await pool.totals()).creditedWad).to.equal(3n * RATE);
  });

  it("many small claims by many accounts never pay more than Σ units × rate, to the wei", async function () {
    const f = await loadFixture(fixture);
    const { pool, record, usdc, alice, bob, aliceDevices, bobDevices, closeEpoch: close } = f;
    let units = { [alice.address]: 0n, [bob.address]: 0n };
    for (let epoch = 0n; epoch < 6n; epoch++) {
      await close(epoch);
      const proofs = [
        f.proof(aliceDevices[Number(epoch) % 5]!.deviceId, 7n + epoch, `e${epoch}`),
        f.proof(bobDevices[Number(epoch) % 2]!.deviceId, 5n + 2n * epoch, `e${epoch}`),
      ];
      await record(epoch, proofs);
      units = {
        [alice.address]: units[alice.address]! + 7n + epoch,
        [bob.address]: units[bob.address]! + 5n + 2n * epoch,
      };
      for (const who of [alice, bob]) {
        if ((await pool.account(who.address)).ledgerClaimable > 0n) await pool.connect(who).claim(who.address, 0n, []);
      }
    }
    for (const who of [alice, bob]) {
      const credited = units[who.address]! * RATE;
      const paid = await usdc.balanceOf(who.address);
      expect(paid * WAD + (await pool.account(who.address)).unpaidWad).to.equal(credited);
      expect(paid).to.equal(credited / WAD);
    }
    const t = await pool.totals();
    expect(t.paid).to.equal((await usdc.balanceOf(alice.address)) + (await usdc.balanceOf(bob.address)));
  });
});

describe("attack: Merkle", function () {
  async function rootInForce() {
    const f = await fixture();
    await f.closeEpoch(0n);
    const leaves: [string, bigint][] = [
      [f.alice.address, 5n * USDC],
      [f.bob.address, 3n * USDC],
      [f.stranger.address, 2n * USDC],
      [f.relayer.address, 1n * USDC],
    ];
    const tree = StandardMerkleTree.of(leaves, ["address", "uint256"]);
    await f.submit(await f.rawCommit(0n, leaves, 11n * USDC));
    await time.increase(CHALLENGE_PERIOD);
    return { ...f, tree, leaves };
  }

  it("an inner node presented as a leaf, and a leaf with a shortened proof, are refused", async function () {
    const f = await loadFixture(rootInForce);
    const { pool, tree, alice } = f;
    const proof = tree.getProof(0);
    // The parent of alice's leaf, as if it were a leaf: its hash as the cumulative, the rest of the path as proof.
    const parent = BigInt(
      proof.length > 1 ? ethers.keccak256(ethers.concat([...[tree.leafHash(tree.at(0)!), proof[0]!].sort()])) : 0n,
    );
    await expect(pool.claim(alice.address, parent, proof.slice(1)))
      .to.be.revertedWithCustomError(pool, "RewardPoolInvalidMerkleProof")
      .withArgs(alice.address, parent);
    await expect(pool.claim(alice.address, 5n * USDC, proof.slice(1)))
      .to.be.revertedWithCustomError(pool, "RewardPoolInvalidMerkleProof")
      .withArgs(alice.address, 5n * USDC);
    await expect(pool.claim(alice.address, 5n * USDC, proof)).to.emit(pool, "Claimed");
  });

  it("a proof from another pool's root, and a leaf of a root still in its challenge period, are refused", async function () {
    const f = await loadFixture(rootInForce);
    const { pool, alice, bob } = f;
    const foreign = StandardMerkleTree.of(
      [
        [alice.address, 500n * USDC],
        [bob.address, 1n],
      ],
      ["address", "uint256"],
    );
    await expect(pool.claim(alice.address, 500n * USDC, foreign.getProof(0)))
      .to.be.revertedWithCustomError(pool, "RewardPoolInvalidMerkleProof")
      .withArgs(alice.address, 500n * USDC);
    await f.closeEpoch(1n);
    const next: [string, bigint][] = [
      [alice.address, 9n * USDC],
      [bob.address, 3n * USDC],
    ];
    await f.submit(await f.rawCommit(1n, next, 15n * USDC));
    const pending = StandardMerkleTree.of(next, ["address", "uint256"]);
    const before = await pool.account(alice.address);
    await expect(pool.claim(alice.address, 9n * USDC, pending.getProof(0)))
      .to.be.revertedWithCustomError(pool, "RewardPoolInvalidMerkleProof")
      .withArgs(alice.address, 9n * USDC);
    expect(await pool.account(alice.address)).to.deep.equal(before);
  });
});
