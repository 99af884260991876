/**
 * One claim across pools (`ClaimRouter`): an operator's claims in three pools of two tokens in one transaction, with
 * and without one signature; replays, a refusing pool, forged entries and an ERC-1271 account; and the invariants:
 * every pool pays exactly what its books stop owing, to the token unit, and nothing is paid twice.
 */
import { expect } from "chai";
import { TypedDataEncoder, id, type Signer } from "ethers";
import { network } from "hardhat";

import {
  CLAIM_BUNDLE_TYPES,
  type ClaimBundle,
  DeviceStatus,
  WAD,
  bundleDomain,
  buildEpoch,
  proofFor,
} from "../../sdk/src/index.js";
import { epochHelpers } from "../helpers/epoch.js";
import {
  BUDGET,
  CHALLENGE_PERIOD,
  DAY,
  DEVICE_CAP,
  RATE,
  USDC,
  closeEpoch as closeEpochOf,
  customPool,
  poolFixture,
} from "../helpers/pool.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

/** Ledger credit with a remainder below one unit: 1/3 of a unit per work unit. */
const unitsWorth = (amount: bigint) => (amount * WAD) / RATE + 1n;

async function routerFixture() {
  const f = await poolFixture(ethers);
  const router = await ethers.deployContract("ClaimRouter");
  const dai = await ethers.deployContract("MockPermitToken");
  const poolB = await customPool(ethers, f);
  const poolC = await customPool(ethers, f, {}, { token: dai });
  // Not in any bundle: where a bundle must not pay.
  const poolD = await customPool(ethers, f);

  await time.increaseTo(BigInt(await time.latest()) + DAY);
  const [d0, d1, d2, d3] = f.aliceDevices;
  // Epoch 0, ledger mode: alice earns in pool A (USDC), B (USDC), C (DAI-like) and D; bob in A and C.
  await f.record(0n, [f.proof(d0!.deviceId, unitsWorth(300n * USDC)), f.proof(f.bobDevices[0]!.deviceId, 7_777n)]);
  await poolB.record(0n, [poolB.worth(d1!.deviceId, 250n * USDC)]);
  await poolC.record(0n, [
    { deviceId: d2!.deviceId, units: unitsWorth(42n * USDC), evidenceHash: id("c") },
    { deviceId: f.bobDevices[1]!.deviceId, units: 3_000n, evidenceHash: id("c-bob") },
  ]);
  await poolD.record(0n, [poolD.worth(d3!.deviceId, 9n * USDC)]);

  // Epoch 1, epoch mode in pool A: a root paying alice (on top of her ledger credit) and an ERC-1271 wallet.
  const wallet = await ethers.deployContract("MockERC1271Wallet", [f.bob.address]);
  const walletAddress = await wallet.getAddress();
  const { closeEpoch, commitOf, submit } = epochHelpers(f, time);
  await closeEpoch(1n);
  const devices = new Map(
    [f.alice.address, walletAddress].map((payee, i) => {
      const deviceId = 90_000n + BigInt(i);
      return [deviceId, { deviceId, networkId: 1n, status: DeviceStatus.Active, payee, recordedInLedger: false }];
    }),
  );
  const built = buildEpoch({
    ledgerCreditedWad: (await f.pool.totals()).creditedWad,
    pool: f.poolAddress,
    chainId: f.chainId,
    epoch: 1,
    formulaVersion: 1,
    params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP },
    networkId: 1n,
    registryBlock: 0,
    devices,
    reports: [
      { deviceId: 90_000n, units: 300_000_000n, evidenceHash: id("a") },
      { deviceId: 90_001n, units: 60_000_000n, evidenceHash: id("w") },
    ],
  });
  await submit(await commitOf(built));
  await time.increase(CHALLENGE_PERIOD);
  // The wallet also earns ledger credit in pool C (its device's payout is the wallet).
  await f.registry.connect(f.bob).setPayout(f.bobDevices[1]!.deviceId, walletAddress);
  await closeEpochOf(time, poolC.pool, 2n);
  await poolC.record(2n, [
    { deviceId: f.bobDevices[1]!.deviceId, units: unitsWorth(5n * USDC), evidenceHash: id("w") },
  ]);

  const pools = { A: f.pool, B: poolB.pool, C: poolC.pool, D: poolD.pool };
  const addresses = {
    A: f.poolAddress,
    B: poolB.address,
    C: poolC.address,
    D: poolD.address,
  };
  const aliceEpoch = proofFor(built, f.alice.address);
  const walletEpoch = proofFor(built, walletAddress);
  return {
    ...f,
    router,
    dai,
    pools,
    addresses,
    poolB,
    poolC,
    poolD,
    built,
    aliceEpoch,
    wallet,
    walletAddress,
    walletEpoch,
  };
}

type Fixture = Awaited<ReturnType<typeof routerFixture>>;
type PoolName = "A" | "B" | "C" | "D";

interface Entry {
  pool: PoolName;
  maxFee: bigint;
  fee: bigint;
}

/** What `account` can claim in pool `name` now (the claim's own view), with its epoch leaf in pool A. */
async function owed(f: Fixture, name: PoolName, account: string) {
  const epoch = name === "A" ? proofFor(f.built, account) : { cumulative: 0n, proof: [] };
  const [ledger, epochAmount] = await f.pools[name].claimable(account, epoch.cumulative, epoch.proof);
  return { amount: ledger + epochAmount, epoch };
}

/** The account's bundle over `entries` (nonces read from each pool), signed by `signer` in `chainId`'s domain. */
async function signBundle(
  f: Fixture,
  signer: Signer,
  account: string,
  entries: Entry[],
  options: { recipient?: string; deadline?: bigint; chainId?: bigint } = {},
) {
  const bundle: ClaimBundle = {
    account,
    recipient: options.recipient ?? account,
    deadline: options.deadline ?? BigInt(await time.latest()) + DAY,
    claims: await Promise.all(
      entries.map(async (e) => ({
        pool: f.addresses[e.pool],
        maxFee: e.maxFee,
        nonce: (await f.pools[e.pool].account(account)).claimNonce,
      })),
    ),
  };
  const signature = await signer.signTypedData(bundleDomain(options.chainId ?? f.chainId), CLAIM_BUNDLE_TYPES, bundle);
  return { bundle, signature };
}

async function signedClaims(f: Fixture, bundle: ClaimBundle, entries: Entry[]) {
  return Promise.all(
    bundle.claims.map(async (c, i) => {
      const { epoch } = await owed(f, entries[i]!.pool, bundle.account);
      return { ...c, cumulative: epoch.cumulative, proof: epoch.proof, fee: entries[i]!.fee };
    }),
  );
}

async function balances(f: Fixture, holders: string[]) {
  const out: Record<string, bigint> = {};
  for (const h of holders) {
    out[`usdc:${h}`] = await f.usdc.balanceOf(h);
    out[`dai:${h}`] = await f.dai.balanceOf(h);
  }
  return out;
}

describe("ClaimRouter: one claim across pools", function () {
  it("hashes bundles as EIP-712 does, in a chain-wide domain without a verifying contract", async function () {
    const f = await loadFixture(routerFixture);
    const { bundle } = await signBundle(f, f.alice, f.alice.address, [
      { pool: "A", maxFee: 1n, fee: 0n },
      { pool: "C", maxFee: 2n, fee: 0n },
    ]);
    const entries = bundle.claims.map((c) => TypedDataEncoder.hashStruct("PoolClaim", CLAIM_BUNDLE_TYPES, c));
    expect(await f.router.bundleDigest(bundle.account, bundle.recipient, bundle.deadline, entries)).to.equal(
      TypedDataEncoder.hash(bundleDomain(f.chainId), CLAIM_BUNDLE_TYPES, bundle),
    );
    expect(await f.router.entryHash(bundle.claims[1]!.pool, 2n, bundle.claims[1]!.nonce)).to.equal(entries[1]);
    expect(await f.router.DOMAIN_SEPARATOR()).to.equal(TypedDataEncoder.hashDomain(bundleDomain(f.chainId)));
    const [fields, name, version, chainId, verifyingContract] = await f.router.eip712Domain();
    expect([fields, name, version, chainId, verifyingContract]).to.deep.equal([
      "0x07",
      "DePIN Rewards Claims",
      "1",
      f.chainId,
      ethers.ZeroAddress,
    ]);
  });

  describe("without a signature (claimAll)", function () {
    it("pays the account exactly what each of three pools of two tokens owes it, in one transaction", async function () {
      const f = await loadFixture(routerFixture);
      const names: PoolName[] = ["A", "B", "C"];
      const before = await Promise.all(names.map((n) => owed(f, n, f.alice.address)));
      const totalsBefore = await Promise.all(names.map((n) => f.pools[n].totals()));
      const held = await balances(f, [f.alice.address, f.stranger.address]);
      const claims = names.map((n, i) => ({ pool: f.addresses[n], ...before[i]!.epoch }));

      const amounts = await f.router.connect(f.stranger).claimAll.staticCall(f.alice.address, claims);
      expect(amounts).to.deep.equal(before.map((b) => b.amount));
      const tx = f.router.connect(f.stranger).claimAll(f.alice.address, claims);
      for (const [i, n] of names.entries()) {
        await expect(tx)
          .to.emit(f.router, "PoolClaimPaid")
          .withArgs(f.alice.address, f.addresses[n], i, before[i]!.amount, 0n);
      }
      await expect(tx).to.not.emit(f.router, "PoolClaimSkipped");

      const after = await balances(f, [f.alice.address, f.stranger.address]);
      expect(after[`usdc:${f.alice.address}`]! - held[`usdc:${f.alice.address}`]!).to.equal(
        before[0]!.amount + before[1]!.amount,
      );
      expect(after[`dai:${f.alice.address}`]! - held[`dai:${f.alice.address}`]!).to.equal(before[2]!.amount);
      expect(after[`usdc:${f.stranger.address}`]).to.equal(held[`usdc:${f.stranger.address}`]);
      // Per pool: paid grows by exactly what the account's claimable fell by; the remainder below a unit stays.
      for (const [i, n] of names.entries()) {
        const totals = await f.pools[n].totals();
        expect(totals.paid - totalsBefore[i]!.paid, `pool ${n} paid`).to.equal(before[i]!.amount);
        expect((await owed(f, n, f.alice.address)).amount, `pool ${n} left`).to.equal(0n);
        expect((await f.pools[n].account(f.alice.address)).unpaidWad, `pool ${n} remainder`).to.be.lessThan(WAD);
      }
      expect(await f.usdc.balanceOf(await f.router.getAddress())).to.equal(0n);
    });

    it("pays nothing twice: the same claims again are skipped with NothingToClaim", async function () {
      const f = await loadFixture(routerFixture);
      const names: PoolName[] = ["A", "B", "C"];
      const claims = await Promise.all(
        names.map(async (n) => ({ pool: f.addresses[n], ...(await owed(f, n, f.alice.address)).epoch })),
      );
      await f.router.claimAll(f.alice.address, claims);
      const held = await balances(f, [f.alice.address]);
      const pool = f.pools.A;
      const tx = f.router.claimAll(f.alice.address, claims);
      for (const [i, n] of names.entries()) {
        await expect(tx)
          .to.emit(f.router, "PoolClaimSkipped")
          .withArgs(
            f.alice.address,
            f.addresses[n],
            i,
            pool.interface.encodeErrorResult("RewardPoolNothingToClaim", [f.alice.address]),
          );
      }
      expect(await balances(f, [f.alice.address])).to.deep.equal(held);
    });

    it("reverts, never skips, when a listed contract runs out of gas (a pool starved of gas is not a refusal)", async function () {
      const f = await loadFixture(routerFixture);
      const burner = await ethers.deployContract("MockGasBurner");
      const claims = [
        { pool: f.addresses.B, cumulative: 0n, proof: [] },
        { pool: await burner.getAddress(), cumulative: 0n, proof: [] },
      ];
      await expect(f.router.claimAll(f.alice.address, claims, { gasLimit: 2_000_000n }))
        .to.be.revertedWithCustomError(f.router, "ClaimRouterOutOfGas")
        .withArgs(1n);
      expect((await owed(f, "B", f.alice.address)).amount).to.be.greaterThan(0n);
    });

    it("skips a pool that refuses (paused, not a pool) and pays the others; the skipped credit stays", async function () {
      const f = await loadFixture(routerFixture);
      await f.pools.B.connect(f.guardian).pause();
      const owedB = await owed(f, "B", f.alice.address);
      const owedC = await owed(f, "C", f.alice.address);
      const claims = [
        { pool: f.addresses.B, cumulative: 0n, proof: [] },
        { pool: f.stranger.address, cumulative: 0n, proof: [] },
        { pool: f.addresses.C, cumulative: 0n, proof: [] },
      ];
      const tx = f.router.claimAll(f.alice.address, claims);
      await expect(tx)
        .to.emit(f.router, "PoolClaimSkipped")
        .withArgs(f.alice.address, f.addresses.B, 0n, f.pools.B.interface.encodeErrorResult("RewardPoolPaused"));
      await expect(tx).to.emit(f.router, "PoolClaimSkipped").withArgs(f.alice.address, f.stranger.address, 1n, "0x");
      await expect(tx)
        .to.emit(f.router, "PoolClaimPaid")
        .withArgs(f.alice.address, f.addresses.C, 2n, owedC.amount, 0n);
      expect((await f.pools.B.claimable(f.alice.address, 0n, []))[0]).to.equal(owedB.amount);
      await expect(f.router.claimAll(f.alice.address, [])).to.be.revertedWithCustomError(
        f.router,
        "ClaimRouterNoClaims",
      );
    });
  });

  describe("with one signature (claimAllWithSig)", function () {
    const ENTRIES: Entry[] = [
      { pool: "A", maxFee: 2n * USDC, fee: USDC },
      { pool: "B", maxFee: USDC, fee: 300_000n },
      { pool: "C", maxFee: USDC, fee: 123_456n },
    ];

    async function relayFixture() {
      const f = await loadFixture(routerFixture);
      const { bundle, signature } = await signBundle(f, f.alice, f.alice.address, ENTRIES, {
        recipient: f.stranger.address,
      });
      const claims = await signedClaims(f, bundle, ENTRIES);
      const args = [bundle.account, bundle.recipient, bundle.deadline, claims, signature] as const;
      return { f, bundle, signature, claims, args };
    }

    it("pays each pool's claim to the signed recipient and each pool's fee, in its token, to the relayer", async function () {
      const { f, bundle, args } = await relayFixture();
      const before = await Promise.all(ENTRIES.map((e) => owed(f, e.pool, f.alice.address)));
      const totalsBefore = await Promise.all(ENTRIES.map((e) => f.pools[e.pool].totals()));
      const holders = [f.alice.address, f.stranger.address, f.relayer.address];
      const held = await balances(f, holders);

      const tx = f.router.connect(f.relayer).claimAllWithSig(...args);
      const digest = TypedDataEncoder.hash(bundleDomain(f.chainId), CLAIM_BUNDLE_TYPES, bundle);
      for (const [i, e] of ENTRIES.entries()) {
        await expect(tx)
          .to.emit(f.router, "PoolClaimPaid")
          .withArgs(f.alice.address, f.addresses[e.pool], i, before[i]!.amount, e.fee);
        await expect(tx).to.emit(f.pools[e.pool], "ClaimBundled").withArgs(f.alice.address, digest, i);
      }
      await expect(tx).to.not.emit(f.router, "PoolClaimSkipped");

      const after = await balances(f, holders);
      const delta = (k: string) => after[k]! - held[k]!;
      const usdcOwed = before[0]!.amount + before[1]!.amount;
      const usdcFees = ENTRIES[0]!.fee + ENTRIES[1]!.fee;
      expect(delta(`usdc:${f.stranger.address}`)).to.equal(usdcOwed - usdcFees);
      expect(delta(`usdc:${f.relayer.address}`)).to.equal(usdcFees);
      expect(delta(`dai:${f.stranger.address}`)).to.equal(before[2]!.amount - ENTRIES[2]!.fee);
      expect(delta(`dai:${f.relayer.address}`)).to.equal(ENTRIES[2]!.fee);
      expect(delta(`usdc:${f.alice.address}`)).to.equal(0n);
      const routerAddress = await f.router.getAddress();
      expect([await f.usdc.balanceOf(routerAddress), await f.dai.balanceOf(routerAddress)]).to.deep.equal([0n, 0n]);
      for (const [i, e] of ENTRIES.entries()) {
        const pool = f.pools[e.pool];
        expect((await pool.totals()).paid - totalsBefore[i]!.paid, `pool ${e.pool} paid`).to.equal(before[i]!.amount);
        expect((await owed(f, e.pool, f.alice.address)).amount).to.equal(0n);
        expect((await pool.account(f.alice.address)).claimNonce).to.equal(bundle.claims[i]!.nonce + 1n);
      }
    });

    it("refuses a replay: the same bundle again pays nothing (each pool's nonce is spent)", async function () {
      const { f, args } = await relayFixture();
      await f.router.connect(f.relayer).claimAllWithSig(...args);
      const held = await balances(f, [f.stranger.address, f.relayer.address]);
      const tx = f.router.connect(f.relayer).claimAllWithSig(...args);
      for (const [i, e] of ENTRIES.entries()) {
        await expect(tx)
          .to.emit(f.router, "PoolClaimSkipped")
          .withArgs(
            f.alice.address,
            f.addresses[e.pool],
            i,
            f.pools.A.interface.encodeErrorResult("RewardPoolInvalidClaimNonce", [f.alice.address, 1n, 0n]),
          );
      }
      expect(await balances(f, [f.stranger.address, f.relayer.address])).to.deep.equal(held);
    });

    it("is refused by a pool it does not list, by a wrong index, and on another chain", async function () {
      const { f, bundle, claims, signature } = await relayFixture();
      const entries = bundle.claims.map((c) => TypedDataEncoder.hashStruct("PoolClaim", CLAIM_BUNDLE_TYPES, c));
      const header = (maxFee: bigint, nonce: bigint) => ({
        account: bundle.account,
        recipient: bundle.recipient,
        maxFee,
        nonce,
        deadline: bundle.deadline,
      });
      // Pool D is not listed: no index holds its entry.
      for (const index of [0n, 1n, 2n, 3n]) {
        await expect(
          f.pools.D.connect(f.relayer).claimBundledWithSig(header(USDC, 0n), entries, index, 0n, [], 0n, signature),
        )
          .to.be.revertedWithCustomError(f.pools.D, "RewardPoolNotInBundle")
          .withArgs(index);
      }
      // Pool B at pool A's index.
      await expect(
        f.pools.B.connect(f.relayer).claimBundledWithSig(header(USDC, 0n), entries, 0n, 0n, [], 0n, signature),
      ).to.be.revertedWithCustomError(f.pools.B, "RewardPoolNotInBundle");
      // The right entry, submitted straight to the pool (no router needed), pays once.
      await f.pools.B.connect(f.relayer).claimBundledWithSig(header(USDC, 0n), entries, 1n, 0n, [], 0n, signature);
      // Signed for another chain id: no pool here accepts it.
      const other = await signBundle(f, f.alice, f.alice.address, ENTRIES, { chainId: f.chainId + 1n });
      const tx = f.router.claimAllWithSig(
        other.bundle.account,
        other.bundle.recipient,
        other.bundle.deadline,
        claims,
        other.signature,
      );
      await expect(tx)
        .to.emit(f.router, "PoolClaimSkipped")
        .withArgs(
          f.alice.address,
          f.addresses.A,
          0n,
          f.pools.A.interface.encodeErrorResult("RewardPoolInvalidClaimSignature", [f.alice.address]),
        );
      await expect(tx).to.not.emit(f.router, "PoolClaimPaid");
    });

    it("is refused whole for any altered entry: a raised maxFee, a swapped pool", async function () {
      const { f, bundle, claims, signature } = await relayFixture();
      const invalid = f.pools.A.interface.encodeErrorResult("RewardPoolInvalidClaimSignature", [f.alice.address]);
      const altered = [
        claims.map((c, i) => (i === 1 ? { ...c, maxFee: c.maxFee + 1n } : c)),
        claims.map((c, i) => (i === 2 ? { ...c, pool: f.addresses.D } : c)),
        claims.map((c, i) => (i === 0 ? { ...c, nonce: c.nonce + 1n } : c)),
        [claims[1]!, claims[0]!, claims[2]!],
      ];
      for (const list of altered) {
        const tx = f.router
          .connect(f.relayer)
          .claimAllWithSig(bundle.account, bundle.recipient, bundle.deadline, list, signature);
        await expect(tx).to.not.emit(f.router, "PoolClaimPaid");
        await expect(tx).to.emit(f.router, "PoolClaimSkipped").withArgs(f.alice.address, list[1]!.pool, 1n, invalid);
      }
      // Another recipient or deadline than signed.
      for (const [recipient, deadline] of [
        [f.relayer.address, bundle.deadline],
        [bundle.recipient, bundle.deadline + 1n],
      ] as const) {
        const tx = f.router.connect(f.relayer).claimAllWithSig(bundle.account, recipient, deadline, claims, signature);
        await expect(tx).to.not.emit(f.router, "PoolClaimPaid");
      }
      // A fee above the signed maxFee fails that pool only (the pool's own check), the others pay.
      const greedy = claims.map((c, i) => (i === 1 ? { ...c, fee: c.maxFee + 1n } : c));
      const tx = f.router
        .connect(f.relayer)
        .claimAllWithSig(bundle.account, bundle.recipient, bundle.deadline, greedy, signature);
      await expect(tx)
        .to.emit(f.router, "PoolClaimSkipped")
        .withArgs(
          f.alice.address,
          f.addresses.B,
          1n,
          f.pools.B.interface.encodeErrorResult("RewardPoolFeeTooHigh", [claims[1]!.maxFee + 1n, claims[1]!.maxFee]),
        );
      await expect(tx)
        .to.emit(f.router, "PoolClaimPaid")
        .withArgs(f.alice.address, f.addresses.A, 0n, anyAmount(), claims[0]!.fee);
      expect((await f.pools.B.account(f.alice.address)).claimNonce).to.equal(0n);
    });

    it("never takes an empty signature for a bundle's outside of one", async function () {
      const { f, bundle } = await relayFixture();
      const c = {
        account: bundle.account,
        recipient: bundle.recipient,
        maxFee: USDC,
        nonce: 0n,
        deadline: bundle.deadline,
      };
      await expect(f.pools.B.connect(f.relayer).claimWithSig(c, 0n, [], 0n, "0x"))
        .to.be.revertedWithCustomError(f.pools.B, "RewardPoolInvalidClaimSignature")
        .withArgs(f.alice.address);
    });

    it("skips a pool that refuses (paused) with its credit and nonce intact, pays the others, and pays it later", async function () {
      const { f, bundle, args } = await relayFixture();
      await f.pools.B.connect(f.guardian).pause();
      const owedB = await owed(f, "B", f.alice.address);
      const tx = f.router.connect(f.relayer).claimAllWithSig(...args);
      await expect(tx)
        .to.emit(f.router, "PoolClaimSkipped")
        .withArgs(f.alice.address, f.addresses.B, 1n, f.pools.B.interface.encodeErrorResult("RewardPoolPaused"));
      await expect(tx)
        .to.emit(f.router, "PoolClaimPaid")
        .withArgs(f.alice.address, f.addresses.A, 0n, anyAmount(), ENTRIES[0]!.fee);
      await expect(tx)
        .to.emit(f.router, "PoolClaimPaid")
        .withArgs(f.alice.address, f.addresses.C, 2n, anyAmount(), ENTRIES[2]!.fee);
      expect((await f.pools.B.account(f.alice.address)).claimNonce).to.equal(0n);
      expect((await owed(f, "B", f.alice.address)).amount).to.equal(owedB.amount);
      // Unpaused, the same signed bundle still pays pool B (its entry's nonce is unused); A and C refuse it now.
      await f.pools.B.connect(f.admin).unpause();
      const held = await f.usdc.balanceOf(bundle.recipient);
      await f.router.connect(f.relayer).claimAllWithSig(...args);
      expect((await f.usdc.balanceOf(bundle.recipient)) - held).to.equal(owedB.amount - ENTRIES[1]!.fee);
    });

    it("refuses an expired bundle whole", async function () {
      const { f, bundle, args } = await relayFixture();
      await time.increaseTo(bundle.deadline);
      await expect(f.router.connect(f.relayer).claimAllWithSig(...args))
        .to.be.revertedWithCustomError(f.router, "ClaimRouterBundleExpired")
        .withArgs(bundle.deadline, bundle.deadline + 1n);
    });

    it("accepts an ERC-1271 account's signature in every pool", async function () {
      const f = await loadFixture(routerFixture);
      const entries: Entry[] = [
        { pool: "A", maxFee: USDC, fee: 1_000n },
        { pool: "C", maxFee: USDC, fee: 2_000n },
      ];
      const before = await Promise.all(entries.map((e) => owed(f, e.pool, f.walletAddress)));
      expect(before.every((b) => b.amount > 0n)).to.equal(true);
      // Signed by the wallet's owner for the wallet; the pools ask the wallet (isValidSignature).
      const { bundle, signature } = await signBundle(f, f.bob, f.walletAddress, entries, { recipient: f.bob.address });
      const claims = await signedClaims(f, bundle, entries);
      const heldUsdc = await f.usdc.balanceOf(f.bob.address);
      const heldDai = await f.dai.balanceOf(f.bob.address);
      await f.router
        .connect(f.relayer)
        .claimAllWithSig(bundle.account, bundle.recipient, bundle.deadline, claims, signature);
      expect((await f.usdc.balanceOf(f.bob.address)) - heldUsdc).to.equal(before[0]!.amount - 1_000n);
      expect((await f.dai.balanceOf(f.bob.address)) - heldDai).to.equal(before[1]!.amount - 2_000n);
      // A signature by anyone else for the wallet is refused.
      const forged = await signBundle(f, f.alice, f.walletAddress, entries);
      const tx = f.router.claimAllWithSig(
        forged.bundle.account,
        forged.bundle.recipient,
        forged.bundle.deadline,
        claims,
        forged.signature,
      );
      await expect(tx).to.not.emit(f.router, "PoolClaimPaid");
    });
  });

  describe("invariants over a run of claims", function () {
    it("pays, per pool and per account, exactly what each pool stops owing, once", async function () {
      const f = await loadFixture(routerFixture);
      const accounts = [f.alice.address, f.bob.address, f.walletAddress];
      const names: PoolName[] = ["A", "B", "C", "D"];
      const owedBefore = new Map<string, bigint>();
      for (const n of names) for (const a of accounts) owedBefore.set(`${n}:${a}`, (await owed(f, n, a)).amount);
      const paidBefore = await Promise.all(names.map(async (n) => (await f.pools[n].totals()).paid));
      const tokenOf = (n: PoolName) => (n === "C" ? f.dai : f.usdc);
      const poolBalances = await Promise.all(names.map((n) => tokenOf(n).balanceOf(f.addresses[n])));

      // Several rounds, each claiming everything for every account in every pool, some twice in one call.
      const paidTo = new Map<string, bigint>();
      for (let round = 0; round < 2; round++) {
        for (const a of accounts) {
          const claims = await Promise.all(
            [...names, "A" as PoolName].map(async (n) => ({ pool: f.addresses[n], ...(await owed(f, n, a)).epoch })),
          );
          const rx = await (await f.router.claimAll(a, claims)).wait();
          for (const log of rx!.logs) {
            const parsed = f.router.interface.parseLog(log);
            if (parsed?.name !== "PoolClaimPaid") continue;
            const key = `${parsed.args.pool}:${a}`;
            paidTo.set(key, (paidTo.get(key) ?? 0n) + parsed.args.amount);
          }
        }
      }
      for (const [i, n] of names.entries()) {
        let owedSum = 0n;
        for (const a of accounts) {
          const expected = owedBefore.get(`${n}:${a}`)!;
          owedSum += expected;
          expect(paidTo.get(`${f.addresses[n]}:${a}`) ?? 0n, `${n} paid ${a}`).to.equal(expected);
          expect((await owed(f, n, a)).amount, `${n} still owes ${a}`).to.equal(0n);
        }
        expect((await f.pools[n].totals()).paid - paidBefore[i]!, `${n} total paid`).to.equal(owedSum);
        expect(poolBalances[i]! - (await tokenOf(n).balanceOf(f.addresses[n])), `${n} balance`).to.equal(owedSum);
      }
    });
  });
});

/** Matches any uint256 in `withArgs`. */
function anyAmount() {
  return (value: bigint) => typeof value === "bigint" && value > 0n;
}
