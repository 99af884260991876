/**
 * Every privileged power, tried by every role that does not hold it; queued changes early and once in force;
 * two-step handovers half done; a veto racing a superseding commit. Each refusal is exact and nothing changes.
 */
import { expect } from "chai";
import { id, ZeroAddress } from "ethers";
import { network } from "hardhat";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import { CHANGE_DELAY, USDC } from "../helpers/pool.js";
import { attackFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;
const fixture = () => attackFixture(ethers, time);

type F = Awaited<ReturnType<typeof fixture>>;

/** Everything a privileged call could change. */
async function state(f: F) {
  return {
    settings: await f.pool.settings(),
    pending: await f.pool.pendingChanges(),
    params: await f.pool.rewardParamsAt(5),
    roots: await f.pool.epochRoots(),
    nonce: await f.pool.commitNonce(),
  };
}

describe("attack: roles", function () {
  it("refuses every privileged function to every role that does not hold it, changing nothing", async function () {
    const f = await loadFixture(fixture);
    const { pool, admin, guardian, alice, stranger, relayer, verifiers, registry } = f;
    const verifier = verifiers[0]!;
    const roles: Record<string, HardhatEthersSigner> = { admin, guardian, verifier, stranger, relayer, owner: alice };
    const params = { rate: 1n, epochBudget: 1n, deviceCap: 1n };
    // [function, who may call it, the call]
    const powers: [string, string[], (s: HardhatEthersSigner) => Promise<unknown>][] = [
      ["queueVerifierChange", ["admin"], (s) => pool.connect(s).queueVerifierChange([stranger.address], [], 1)],
      ["queueRewardParams", ["admin"], (s) => pool.connect(s).queueRewardParams(params)],
      ["setClaimSettings", ["admin"], (s) => pool.connect(s).setClaimSettings(1n, 1n)],
      ["queueGuardianChange", ["admin"], (s) => pool.connect(s).queueGuardianChange(s.address)],
      ["cancelGuardianChange", ["admin"], (s) => pool.connect(s).cancelGuardianChange()],
      ["queueOutflowLimit", ["admin"], (s) => pool.connect(s).queueOutflowLimit(1n, 1)],
      ["queueSweep", ["admin"], (s) => pool.connect(s).queueSweep(s.address, 1n)],
      ["transferAdmin", ["admin"], (s) => pool.connect(s).transferAdmin(s.address)],
      ["unpause", ["admin"], (s) => pool.connect(s).unpause()],
      ["pause", ["guardian"], (s) => pool.connect(s).pause()],
      ["vetoEpoch", ["guardian"], (s) => pool.connect(s).vetoEpoch(0, 0, id("r"))],
      ["cancelQueuedChanges", ["admin", "guardian"], (s) => pool.connect(s).cancelQueuedChanges()],
      ["cancelOutflowLimit", ["admin", "guardian"], (s) => pool.connect(s).cancelOutflowLimit()],
      ["cancelSweep", ["admin", "guardian"], (s) => pool.connect(s).cancelSweep()],
      ["acceptAdmin", [], (s) => pool.connect(s).acceptAdmin()],
    ];
    const before = await state(f);
    let refused = 0;
    for (const [name, holders, call] of powers) {
      for (const [role, signer] of Object.entries(roles)) {
        if (holders.includes(role)) continue;
        await expect(call(signer), `${name} by ${role}`)
          .to.be.revertedWithCustomError(pool, "RewardPoolUnauthorized")
          .withArgs(signer.address);
        ++refused;
      }
    }
    expect(refused).to.equal(73);
    // Initialization is nobody's: the pool is initialized once, by the factory.
    const governance = await ethers.getContractAt("RewardPoolGovernance", f.poolAddress);
    const registryAddress = await registry.getAddress();
    for (const signer of Object.values(roles)) {
      await expect(pool.connect(signer).initialize(registryAddress, f.config)).to.be.revertedWithCustomError(
        governance,
        "InvalidInitialization",
      );
    }
    expect(await state(f)).to.deep.equal(before);
  });

  it("bounds what the admin sets at once: a minimum claim of at most 10^7 units that never binds an own claim, and no zero guardian", async function () {
    const f = await loadFixture(fixture);
    const { pool, admin, alice, stranger, closeEpoch, record, proof, aliceDevices } = f;
    await expect(pool.connect(admin).setClaimSettings(10n * USDC + 1n, 0n))
      .to.be.revertedWithCustomError(pool, "RewardPoolInvalidConfig")
      .withArgs("minClaim");
    await expect(pool.connect(admin).queueGuardianChange(ZeroAddress))
      .to.be.revertedWithCustomError(pool, "RewardPoolInvalidConfig")
      .withArgs("guardian");
    await pool.connect(admin).setClaimSettings(10n * USDC, 0n);
    await closeEpoch(0n);
    await record(0n, [proof(aliceDevices[0]!.deviceId, 3_000_000n)]); // ~1 USDC, below the minimum
    await expect(pool.connect(stranger).claim(alice.address, 0n, []))
      .to.be.revertedWithCustomError(pool, "RewardPoolBelowMinimumClaim")
      .withArgs(alice.address, 999_999n, 10n * USDC);
    // The account's own claim takes its credit whatever the minimum: no setting can freeze it.
    await expect(pool.connect(alice).claim(alice.address, 0n, []))
      .to.emit(pool, "Claimed")
      .withArgs(alice.address, alice.address, 999_999n, 0n);
  });

  it("changes the guardian only after the delay; the old one acts until then, and cannot cancel its replacement", async function () {
    const f = await loadFixture(fixture);
    const { pool, admin, guardian, stranger } = f;
    const queued = pool.connect(admin).queueGuardianChange(stranger.address);
    const eta = BigInt((await (await queued).getBlock())!.timestamp) + CHANGE_DELAY;
    await expect(queued).to.emit(pool, "GuardianChangeQueued").withArgs(stranger.address, eta);
    await expect(pool.connect(guardian).cancelGuardianChange())
      .to.be.revertedWithCustomError(pool, "RewardPoolUnauthorized")
      .withArgs(guardian.address);
    await expect(pool.connect(guardian).cancelQueuedChanges()).to.be.revertedWithCustomError(
      pool,
      "RewardPoolNoQueuedChange",
    ); // cancelQueuedChanges covers verifiers and rates only
    // Early: the new guardian has no power yet, the old one still protects.
    await expect(pool.connect(stranger).pause())
      .to.be.revertedWithCustomError(pool, "RewardPoolUnauthorized")
      .withArgs(stranger.address);
    await expect(pool.connect(guardian).pause()).to.emit(pool, "Paused");
    await pool.connect(admin).unpause();
    // In force at its time, before anyone applies it: the old guardian is refused, the new one acts.
    await time.increaseTo(eta);
    await expect(pool.connect(guardian).pause())
      .to.be.revertedWithCustomError(pool, "RewardPoolUnauthorized")
      .withArgs(guardian.address);
    await expect(pool.connect(stranger).pause())
      .to.emit(pool, "GuardianChanged")
      .withArgs(guardian.address, stranger.address)
      .and.to.emit(pool, "Paused");
    // Once in force it cannot be cancelled: only a new change undoes it.
    await expect(pool.connect(admin).cancelGuardianChange()).to.be.revertedWithCustomError(
      pool,
      "RewardPoolNoQueuedChange",
    );
  });

  it("leaves a half-done admin handover powerless: the pending admin acts only after accepting, and can be replaced", async function () {
    const f = await loadFixture(fixture);
    const { pool, admin, bob, stranger } = f;
    await expect(pool.connect(admin).transferAdmin(bob.address))
      .to.emit(pool, "AdminTransferStarted")
      .withArgs(admin.address, bob.address);
    await expect(pool.connect(bob).unpause()).to.be.revertedWithCustomError(pool, "RewardPoolUnauthorized");
    await expect(pool.connect(admin).setClaimSettings(0n, 1n)).to.emit(pool, "ClaimSettingsChanged"); // still admin
    await pool.connect(admin).transferAdmin(stranger.address); // redirected before bob accepted
    await expect(pool.connect(bob).acceptAdmin())
      .to.be.revertedWithCustomError(pool, "RewardPoolUnauthorized")
      .withArgs(bob.address);
    await pool.connect(admin).transferAdmin(ZeroAddress); // withdrawn: nobody can accept
    await expect(pool.connect(stranger).acceptAdmin()).to.be.revertedWithCustomError(pool, "RewardPoolUnauthorized");
    expect((await pool.settings()).admin).to.equal(admin.address);
  });

  it("a veto names its commit: one racing a corrected commit for the same epoch is refused, not applied to it", async function () {
    const f = await loadFixture(fixture);
    const { pool, guardian, alice, closeEpoch, rawCommit, submit } = f;
    await closeEpoch(1n);
    const seen = await rawCommit(1n, [[alice.address, 5n * USDC]], 5n * USDC); // nonce 0
    await submit(seen);
    // The guardian checks it and sends a veto; meanwhile the quorum's corrected commit lands first.
    const corrected = await rawCommit(1n, [[alice.address, 4n * USDC]], 5n * USDC); // nonce 1
    await expect(submit(corrected)).to.emit(pool, "EpochSuperseded").withArgs(1, 0, 1);
    const before = await state(f);
    await expect(pool.connect(guardian).vetoEpoch(1, seen.nonce, id("inflated")))
      .to.be.revertedWithCustomError(pool, "RewardPoolNothingToVeto")
      .withArgs(1, seen.nonce);
    expect(await state(f)).to.deep.equal(before);
    expect((await pool.epochRoots()).pending.root).to.equal(before.roots.pending.root);
    // The guardian can still veto the corrected one, by its own nonce, if it is wrong too.
    await expect(pool.connect(guardian).vetoEpoch(1, corrected.nonce, id("still wrong")))
      .to.emit(pool, "EpochVetoed")
      .withArgs(1, corrected.nonce, guardian.address, id("still wrong"));
  });
});
