/**
 * Attacks through the pool's token, each asserting the exact refusal and that nothing moved: re-entrant hooks into
 * every external function, fee-on-transfer at the rounding edge, a negative rebase, a paused token, the pool itself
 * blacklisted. (A blacklisted account's signed claim, relayer over-fees and a changed recipient are in
 * `test/unit/RewardPool.test.ts` > claimWithSig.)
 */
import { expect } from "chai";
import { id, type Interface } from "ethers";
import { network } from "hardhat";

import { USDC, closeEpoch, customPool, poolFixture } from "../helpers/pool.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const baseFixture = () => poolFixture(ethers);

async function hookFixture() {
  const f = await poolFixture(ethers);
  const token = await ethers.deployContract("MockHookToken");
  const p = await customPool(ethers, f, {}, { token, funding: 10_000n * USDC });
  await closeEpoch(time, p.pool, 0n);
  await p.record(0n, [
    p.worth(f.aliceDevices[0]!.deviceId, 100n * USDC),
    p.worth(f.bobDevices[0]!.deviceId, 50n * USDC),
  ]);
  return { ...f, ...p, token };
}

/** The decoded name of the error a hook call reverted with (the shared reentrancy guard's error is OpenZeppelin's). */
function errorName(iface: Interface, data: string): string {
  if (data.startsWith(id("ReentrancyGuardReentrantCall()").slice(0, 10))) return "ReentrancyGuardReentrantCall";
  return iface.parseError(data)?.name ?? data;
}

describe("attack: tokens", function () {
  it("a token hook inside a claim re-enters every value-moving function and is refused by the shared guard", async function () {
    const f = await loadFixture(hookFixture);
    const { pool, token, alice, bob, address } = f;
    const iface = pool.interface;
    const empty = { signers: [], signatures: [] };
    const commit = {
      epoch: 0n,
      nonce: 0n,
      root: id("r"),
      totalOwed: 1n,
      epochTotal: 1n,
      rate: 1n,
      manifestHash: id("m"),
      manifestUri: "",
      formulaVersion: 1n,
      ledgerCreditedWad: 0n,
      deadline: 2n ** 64n,
    };
    const claim = { account: bob.address, recipient: bob.address, maxFee: 0n, nonce: 0n, deadline: 2n ** 64n };
    const calls: [string, string][] = [
      ["claim", iface.encodeFunctionData("claim", [bob.address, 0n, []])],
      ["claimWithSig", iface.encodeFunctionData("claimWithSig", [claim, 0n, [], 0n, "0x"])],
      ["fund", iface.encodeFunctionData("fund", [1n, id("r")])],
      ["fundWithPermit", iface.encodeFunctionData("fundWithPermit", [1n, id("r"), 0n, 27, id("r"), id("s")])],
      [
        "fundWithAuthorization",
        iface.encodeFunctionData("fundWithAuthorization", [
          bob.address,
          1n,
          id("r"),
          id("s"),
          0n,
          0n,
          27,
          id("r"),
          id("s"),
        ]),
      ],
      [
        "recordProofs",
        iface.encodeFunctionData("recordProofs", [0, 99n, [f.worth(f.aliceDevices[1]!.deviceId, 1n)], [], empty]),
      ],
      ["clawback", iface.encodeFunctionData("clawback", [bob.address, 1n, 1n, id("r"), 0n, 2n ** 64n, empty])],
      ["commitEpoch", iface.encodeFunctionData("commitEpoch", [commit, empty])],
      ["executeSweep", iface.encodeFunctionData("executeSweep")],
      [
        "claimBatchWithSig",
        iface.encodeFunctionData("claimBatchWithSig", [
          [iface.encodeFunctionData("claimWithSig", [claim, 0n, [], 0n, "0x"])],
          [],
          [],
        ]),
      ],
    ];
    for (const [name, data] of calls) {
      const before = {
        pool: await token.balanceOf(address),
        bob: await pool.account(bob.address),
        totals: await pool.totals(),
      };
      await token.arm(address, data);
      const paidAlice = (await pool.account(alice.address)).ledgerClaimable;
      // Alice's claim moves tokens out: the hook fires inside it, calling `name` on the pool.
      if (paidAlice > 0n) await pool.connect(alice).claim(alice.address, 0n, []);
      else {
        await token.mint(f.admin.address, 1n);
        await pool.connect(f.admin).fund(1n, id("trigger")); // transferFrom fires it too
      }
      expect(await token.lastHookSucceeded(), name).to.equal(false);
      expect(errorName(iface, await token.lastHookResult()), name).to.equal("ReentrancyGuardReentrantCall");
      // Nothing but the outer call moved: bob's credit and every other total are as they were.
      expect(await pool.account(bob.address), name).to.deep.equal(before.bob);
      const t = await pool.totals();
      expect(t.creditedWad, name).to.equal(before.totals.creditedWad);
      expect(await token.balanceOf(address), name).to.equal(t.funded - t.paid);
    }
    expect(await token.hooksFired()).to.equal(BigInt(calls.length));
  });

  it("a token hook reaching the governance half gets no role and no money", async function () {
    const f = await loadFixture(hookFixture);
    const { pool, token, alice, address, admin } = f;
    const iface = pool.interface;
    await token.mint(admin.address, 100n);
    const calls: [string, string, string][] = [
      ["pause", iface.encodeFunctionData("pause"), "RewardPoolUnauthorized"],
      ["vetoEpoch", iface.encodeFunctionData("vetoEpoch", [0, 0, id("r")]), "RewardPoolUnauthorized"],
      ["queueSweep", iface.encodeFunctionData("queueSweep", [alice.address, 1n]), "RewardPoolUnauthorized"],
      ["cancelQueuedChanges", iface.encodeFunctionData("cancelQueuedChanges"), "RewardPoolUnauthorized"],
      ["applyQueuedChanges", iface.encodeFunctionData("applyQueuedChanges"), "RewardPoolNoQueuedChange"],
      ["acceptAdmin", iface.encodeFunctionData("acceptAdmin"), "RewardPoolUnauthorized"],
    ];
    for (const [name, data, expected] of calls) {
      await token.arm(address, data);
      await pool.connect(admin).fund(1n, id("trigger"));
      expect(await token.lastHookSucceeded(), name).to.equal(false);
      expect(errorName(iface, await token.lastHookResult()), name).to.equal(expected);
    }
    expect((await pool.settings()).paused).to.equal(false);
  });

  it("fee-on-transfer: a fund that loses a single unit is refused exactly; one the fee rounds to zero is whole", async function () {
    const f = await loadFixture(baseFixture);
    const fot = await ethers.deployContract("MockFeeOnTransferToken");
    const p = await customPool(ethers, f, {}, { token: fot, funding: 0n });
    await fot.mint(f.admin.address, 1_000n);
    // 1% of 100 is exactly one unit: refused, nothing moved.
    await expect(p.pool.connect(f.admin).fund(100n, id("edge")))
      .to.be.revertedWithCustomError(p.pool, "RewardPoolFeeOnTransfer")
      .withArgs(100n, 99n);
    expect(await fot.balanceOf(p.address)).to.equal(0n);
    expect((await p.pool.totals()).funded).to.equal(0n);
    // 1% of 99 rounds to zero: the pool got exactly what it booked, so the books hold (no gap either way).
    await p.pool.connect(f.admin).fund(99n, id("edge"));
    expect((await p.pool.totals()).funded).to.equal(await fot.balanceOf(p.address));
  });

  it("a negative rebase leaves the last claimers unpaid with their credit intact, and no surplus to sweep", async function () {
    const f = await loadFixture(baseFixture);
    const reb = await ethers.deployContract("MockRebasingToken");
    const p = await customPool(ethers, f, {}, { token: reb, funding: 150n * USDC });
    await closeEpoch(time, p.pool, 0n);
    await p.record(0n, [
      p.worth(f.aliceDevices[0]!.deviceId, 100n * USDC),
      p.worth(f.bobDevices[0]!.deviceId, 50n * USDC),
    ]);
    await reb.rebase(5n * 10n ** 17n); // every balance halves: the pool holds 75, owes 150 - 2 units
    expect(await p.pool.surplus()).to.equal(0n);
    const owedBob = (await p.pool.account(f.bob.address)).ledgerClaimable;
    await p.pool.connect(f.bob).claim(f.bob.address, 0n, []); // 50 leave
    const before = await p.pool.account(f.alice.address);
    // Alice is owed ~100, the pool holds ~25: the token refuses, and her credit stays whole.
    await expect(p.pool.connect(f.alice).claim(f.alice.address, 0n, [])).to.be.revertedWithCustomError(
      reb,
      "ERC20InsufficientBalance",
    );
    expect(await p.pool.account(f.alice.address)).to.deep.equal(before);
    const t = await p.pool.totals();
    expect(t.paid).to.equal(owedBob);
    // The books show the gap an auditor reports: balance below funded - paid. Funding again makes her whole.
    expect(await reb.balanceOf(p.address)).to.be.lessThan(t.funded - t.paid);
    await reb.mint(f.admin.address, 100n * USDC);
    await p.pool.connect(f.admin).fund(100n * USDC, id("top-up"));
    await expect(p.pool.connect(f.alice).claim(f.alice.address, 0n, [])).to.emit(p.pool, "Claimed");
  });

  it("a paused token stops funding and claims; books and credit stay as they were", async function () {
    const f = await loadFixture(baseFixture);
    const { pool, usdc, admin, alice, poolAddress } = f;
    await closeEpoch(time, pool, 0n);
    await f.record(0n, [f.proof(f.aliceDevices[0]!.deviceId, 300n)]);
    await usdc.connect(admin).pause();
    const before = { account: await pool.account(alice.address), totals: await pool.totals() };
    await expect(pool.claim(alice.address, 0n, [])).to.be.revertedWith("Pausable: paused");
    await expect(pool.connect(admin).fund(1n, id("x"))).to.be.revertedWith("Pausable: paused");
    expect({ account: await pool.account(alice.address), totals: await pool.totals() }).to.deep.equal(before);
    await usdc.connect(admin).unpause();
    await expect(pool.claim(alice.address, 0n, [])).to.emit(pool, "Claimed");
    expect(await usdc.balanceOf(poolAddress)).to.equal((await pool.totals()).funded - (await pool.totals()).paid);
  });

  it("the pool itself blacklisted: nothing moves in or out, credit intact, until the issuer lifts it", async function () {
    const f = await loadFixture(baseFixture);
    const { pool, usdc, admin, alice, relayer, poolAddress } = f;
    await closeEpoch(time, pool, 0n);
    await f.record(0n, [f.proof(f.aliceDevices[0]!.deviceId, 300n)]);
    await usdc.connect(admin).blacklist(poolAddress);
    const before = { account: await pool.account(alice.address), totals: await pool.totals() };
    await expect(pool.claim(alice.address, 0n, [])).to.be.revertedWith("Blacklistable: account is blacklisted");
    await expect(pool.connect(admin).fund(1n, id("x"))).to.be.revertedWith("Blacklistable: account is blacklisted");
    expect({ account: await pool.account(alice.address), totals: await pool.totals() }).to.deep.equal(before);
    await usdc.connect(admin).unBlacklist(poolAddress);
    await expect(pool.connect(relayer).claim(alice.address, 0n, [])).to.emit(pool, "Claimed");
  });
});
