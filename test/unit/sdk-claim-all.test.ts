/**
 * The SDK's claims across pools on the in-process chain: `findClaims` discovers what an account can claim in every
 * pool of the factory (ledger credit, and the epoch part from the manifest of the root in force), `claimAll` claims
 * it in one transaction, `signClaimBundle` + `relayClaimBundle` do it gasless with one signature; per-pool results
 * {pool, token, amount, fee, status, error?} exact to the token unit, and the typed errors for bad input.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { id } from "ethers";
import { network } from "hardhat";

import {
  auditIndex,
  claimAll,
  claimRouterAt,
  DeviceStatus,
  findClaims,
  indexChain,
  InvalidInputError,
  openAuditDb,
  readPoolDomain,
  relayPushRecipient,
  signPushRecipient,
  buildEpoch,
  relayClaimBundle,
  rewardPoolFactoryAt,
  signClaimBundle,
} from "../../sdk/src/index.js";
import { epochHelpers } from "../helpers/epoch.js";
import { BUDGET, CHALLENGE_PERIOD, DAY, DEVICE_CAP, RATE, USDC, customPool, poolFixture } from "../helpers/pool.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

async function fixture() {
  const f = await poolFixture(ethers);
  const router = claimRouterAt(await (await ethers.deployContract("ClaimRouter")).getAddress(), f.relayer);
  const dai = await ethers.deployContract("MockPermitToken");
  const poolB = await customPool(ethers, f, {}, { token: dai });
  const poolC = await customPool(ethers, f);
  await time.increaseTo(BigInt(await time.latest()) + DAY);
  await f.record(0n, [f.proof(f.aliceDevices[0]!.deviceId, 3_000_002n)]);
  await poolB.record(0n, [{ deviceId: f.aliceDevices[1]!.deviceId, units: 21_000_001n, evidenceHash: id("b") }]);
  // Pool C: only bob earns; alice has nothing there.
  await poolC.record(0n, [poolC.worth(f.bobDevices[0]!.deviceId, 3n * USDC)]);
  // Epoch mode in pool A: a root paying alice, its manifest the only way to her epoch part.
  const { closeEpoch, commitOf, submit } = epochHelpers(f, time);
  await closeEpoch(1n);
  const built = buildEpoch({
    ledgerCreditedWad: (await f.pool.totals()).creditedWad,
    pool: f.poolAddress,
    chainId: f.chainId,
    epoch: 1,
    formulaVersion: 1,
    params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP },
    networkId: 1n,
    registryBlock: 0,
    devices: new Map([
      [
        77n,
        { deviceId: 77n, networkId: 1n, status: DeviceStatus.Active, payee: f.alice.address, recordedInLedger: false },
      ],
    ]),
    reports: [{ deviceId: 77n, units: 12_000_003n, evidenceHash: id("e1") }],
  });
  await submit(await commitOf(built));
  await time.increase(CHALLENGE_PERIOD);
  const factory = rewardPoolFactoryAt(await f.factory.getAddress(), ethers.provider);
  return { ...f, router, dai, poolB, poolC, built, factory };
}

describe("SDK claims across pools", function () {
  it("finds the account's claims in every pool of the factory, with the epoch part from the manifest", async function () {
    const f = await loadFixture(fixture);
    const found = await findClaims(ethers.provider, {
      account: f.alice.address,
      factories: [f.factory],
      manifests: [f.built],
    });
    expect(found.map((c) => c.pool)).to.have.members([f.poolAddress, f.poolB.address]);
    const a = found.find((c) => c.pool === f.poolAddress)!;
    expect(a.ledgerAmount).to.equal(1_000_000n); // 3,000,002 units at 1/3: the remainder stays
    expect(a.epochAmount).to.equal(4_000_000n);
    expect(a.epoch.cumulative).to.equal(4_000_000n);
    expect(a.token).to.equal(await f.usdc.getAddress());
    const b = found.find((c) => c.pool === f.poolB.address)!;
    expect([b.amount, b.token, b.claimNonce]).to.deep.equal([7n * USDC, await f.dai.getAddress(), 0n]);
    // Without the manifest, the epoch part is not found (ledger only).
    const ledgerOnly = await findClaims(ethers.provider, { account: f.alice.address, factories: [f.factory] });
    expect(ledgerOnly.find((c) => c.pool === f.poolAddress)!.amount).to.equal(1_000_000n);
    await expect(findClaims(ethers.provider, { account: f.alice.address })).to.be.rejectedWith(InvalidInputError);
  });

  it("claims everything in one transaction and reports each pool exactly", async function () {
    const f = await loadFixture(fixture);
    const found = await findClaims(ethers.provider, {
      account: f.alice.address,
      factories: [f.factory],
      manifests: [f.built],
    });
    const usdcBefore = await f.usdc.balanceOf(f.alice.address);
    // A pool with nothing for alice is listed too: it is skipped with its decoded reason, the others pay.
    const { results } = await claimAll(f.router.connect(f.stranger), f.alice.address, [
      ...found.map((c) => ({ pool: c.pool, epoch: c.epoch })),
      { pool: f.poolC.address },
    ]);
    expect(results.map((r) => [r.pool, r.amount, r.fee, r.status])).to.deep.equal([
      ...found.map((c) => [c.pool, c.amount, 0n, "paid"]),
      [f.poolC.address, 0n, 0n, "skipped"],
    ]);
    expect(results[2]!.error?.name).to.equal("RewardPoolNothingToClaim");
    expect(results[2]!.token).to.equal(await f.usdc.getAddress());
    expect((await f.usdc.balanceOf(f.alice.address)) - usdcBefore).to.equal(5_000_000n);
    expect(await f.dai.balanceOf(f.alice.address)).to.equal(7n * USDC);
    await expect(claimAll(f.router, f.alice.address, [])).to.be.rejectedWith(
      InvalidInputError,
      "no pool to claim from",
    );
    await expect(claimAll(f.router, f.alice.address, [{ pool: f.stranger.address }])).to.be.rejectedWith(
      InvalidInputError,
      "is not a reward pool",
    );
  });

  it("signs once and relays with a fee per pool, in each pool's token", async function () {
    const f = await loadFixture(fixture);
    const found = await findClaims(ethers.provider, {
      account: f.alice.address,
      factories: [f.factory],
      manifests: [f.built],
    });
    const bundle = {
      account: f.alice.address,
      recipient: f.bob.address,
      deadline: BigInt(await time.latest()) + DAY,
      claims: found.map((c) => ({ pool: c.pool, maxFee: 50_000n, nonce: c.claimNonce })),
    };
    const signature = await signClaimBundle(f.alice, f.chainId, bundle);
    const fees = found.map((_, i) => BigInt(10_000 * (i + 1)));
    const { results } = await relayClaimBundle(f.router, {
      bundle,
      signature,
      claims: found.map((c, i) => ({ epoch: c.epoch, fee: fees[i]! })),
    });
    expect(results.map((r) => [r.pool, r.amount, r.fee, r.status])).to.deep.equal(
      found.map((c, i) => [c.pool, c.amount, fees[i], "paid"]),
    );
    const byToken = async (token: { balanceOf(a: string): Promise<bigint> }, a: string) => token.balanceOf(a);
    const usdcIndex = found.findIndex((c) => c.token === results[0]!.token && c.pool === f.poolAddress);
    expect(await byToken(f.usdc, f.relayer.address)).to.equal(fees[usdcIndex]);
    expect(await byToken(f.usdc, f.bob.address)).to.equal(found[usdcIndex]!.amount - fees[usdcIndex]!);
    // Typed input errors before anything is sent.
    await expect(signClaimBundle(f.bob, f.chainId, bundle)).to.be.rejectedWith(InvalidInputError, "is signing");
    await expect(
      signClaimBundle(f.alice, f.chainId, { ...bundle, claims: [bundle.claims[0]!, bundle.claims[0]!] }),
    ).to.be.rejectedWith(InvalidInputError, "twice");
    await expect(
      relayClaimBundle(f.router, { bundle, signature, claims: found.map(() => ({ fee: 50_001n })) }),
    ).to.be.rejectedWith(InvalidInputError, "above the signed maximum");
    await time.increaseTo(bundle.deadline);
    await expect(relayClaimBundle(f.router, { bundle, signature })).to.be.rejectedWith(InvalidInputError, "expired");
  });

  it("leaves an audit whose rebuilt claim nonces match the chain after a bundle and a signed push choice", async function () {
    const f = await loadFixture(fixture);
    const found = await findClaims(ethers.provider, {
      account: f.alice.address,
      factories: [f.factory],
      manifests: [f.built],
    });
    const deadline = BigInt(await time.latest()) + DAY;
    const bundle = {
      account: f.alice.address,
      recipient: f.alice.address,
      deadline,
      claims: found.map((c) => ({ pool: c.pool, maxFee: 0n, nonce: c.claimNonce })),
    };
    await relayClaimBundle(f.router, {
      bundle,
      signature: await signClaimBundle(f.alice, f.chainId, bundle),
      claims: found.map((c) => ({ epoch: c.epoch })),
    });
    // Bob chooses push payouts in pool C by signature (it spends his claim nonce there), a stranger relays it.
    const choice = { account: f.bob.address, recipient: f.bob.address, nonce: 0n, deadline };
    await relayPushRecipient(f.poolC.pool.connect(f.stranger), {
      choice,
      signature: await signPushRecipient(f.bob, await readPoolDomain(f.poolC.pool), choice),
    });

    const dir = await mkdtemp(join(tmpdir(), "depin-nonces-"));
    const db = await openAuditDb(dir);
    try {
      await indexChain({
        provider: ethers.provider,
        db,
        registry: await f.registry.getAddress(),
        factory: await f.factory.getAddress(),
        fromBlock: 0,
        confirmations: 0,
      });
      const report = await auditIndex({ db });
      const spent = [
        { pool: f.pool, account: f.alice.address },
        { pool: f.poolB.pool, account: f.alice.address },
        { pool: f.poolC.pool, account: f.bob.address },
      ];
      for (const { pool, account } of spent) {
        const address = await pool.getAddress();
        const onChain = (await pool.account(account)).claimNonce;
        expect(onChain, `${address} ${account} on-chain`).to.equal(1n);
        const rebuilt = report.accounts.find((a) => a.pool === address && a.account === account);
        expect(rebuilt?.claimNonce, `${address} ${account} rebuilt`).to.equal(onChain.toString());
      }
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
