/**
 * Batch settlement: one relayer call settles many signed claims (`claimBatchWithSig`), the epoch-mode leaves proven
 * together by one OpenZeppelin multiproof, each claim checked as `claimWithSig` checks it, a failing claim skipped
 * (`ClaimSkipped`) with its credit and nonce intact. Gas per account at 10 and 100 accounts (existing holders) is
 * printed and held below a single signed claim's; the benchmark (scripts/bench/settle.ts) records the curve.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { Wallet, id, type HDNodeWallet } from "ethers";
import { network } from "hardhat";

import {
  buildEpoch,
  CLAIM_TYPES,
  type DeviceState,
  DeviceStatus,
  proofFor,
  type WorkReport,
} from "../../sdk/src/index.js";
import { epochHelpers } from "../helpers/epoch.js";
import { BUDGET, CHALLENGE_PERIOD, DEVICE_CAP, RATE, USDC, poolFixture } from "../helpers/pool.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const ACCOUNTS = 100;

interface SignedClaim {
  account: string;
  recipient: string;
  maxFee: bigint;
  nonce: bigint;
  deadline: bigint;
}

async function batchFixture() {
  return epochModeBatch(await poolFixture(ethers));
}

async function wholeBatchFixture() {
  return epochModeBatch(await poolFixture(ethers, { kind: "whole" }));
}

async function epochModeBatch(f: Awaited<ReturnType<typeof poolFixture>>) {
  const { closeEpoch, commitOf, submit } = epochHelpers(f, time);
  // Ledger credit for alice (epoch 0), then an epoch-mode root (epoch 1) paying ACCOUNTS fresh accounts i+1 USDC.
  await closeEpoch(0n);
  await f.record(
    0n,
    f.aliceDevices.map((d) => f.proof(d.deviceId, 3_000_001n)),
  );
  const wallets: HDNodeWallet[] = Array.from({ length: ACCOUNTS }, () => Wallet.createRandom());
  const devices = new Map<bigint, DeviceState>(
    wallets.map((w, i) => {
      const deviceId = 10_000n + BigInt(i);
      return [
        deviceId,
        { deviceId, networkId: 1n, status: DeviceStatus.Active, payee: w.address, recordedInLedger: false },
      ];
    }),
  );
  const reports: WorkReport[] = wallets.map((_, i) => ({
    deviceId: 10_000n + BigInt(i),
    units: BigInt(i + 1) * 3_000_000n,
    evidenceHash: id(`work:${i}`),
  }));
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
    devices,
    reports,
  });
  await submit(await commitOf(built));
  await time.increase(CHALLENGE_PERIOD);
  // Existing holders: every recipient already holds the token (the figure the issue asks for).
  for (const w of [...wallets, f.alice]) await f.usdc.connect(f.admin).mint(w.address, 1n);
  const tree = StandardMerkleTree.of(
    built.tree.values().map(([a, c]) => [a, c]),
    ["address", "uint256"],
  );
  return { ...f, wallets, built, tree };
}

type Fixture = Awaited<ReturnType<typeof epochModeBatch>>;

/**
 * The steady state a payout service runs in: every account has claimed before (epoch 1, one batch), so its entry in
 * the pool and its token balance are both non-zero; epoch 2's root (another i+1 USDC each) is in force.
 */
async function steadyFixture() {
  return steadyState(await batchFixture());
}

async function wholeSteadyFixture() {
  return steadyState(await wholeBatchFixture());
}

async function steadyState(f: Fixture) {
  await send(f, await batchOf(f, f.wallets, [f.alice]));
  const { closeEpoch, commitOf, submit } = epochHelpers(f, time);
  await closeEpoch(2n);
  const devices = new Map<bigint, DeviceState>(
    f.wallets.map((w, i) => {
      const deviceId = 10_000n + BigInt(i);
      return [
        deviceId,
        { deviceId, networkId: 1n, status: DeviceStatus.Active, payee: w.address, recordedInLedger: false },
      ];
    }),
  );
  const built = buildEpoch({
    ledgerCreditedWad: (await f.pool.totals()).creditedWad,
    pool: f.poolAddress,
    chainId: f.chainId,
    epoch: 2,
    formulaVersion: 1,
    params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP },
    networkId: 1n,
    registryBlock: 0,
    devices,
    reports: f.wallets.map((_, i) => ({
      deviceId: 10_000n + BigInt(i),
      units: BigInt(i + 1) * 3_000_000n,
      evidenceHash: id(`work2:${i}`),
    })),
    previous: { manifest: f.built.manifest, text: f.built.text },
  });
  await submit(await commitOf(built));
  await time.increase(CHALLENGE_PERIOD);
  const tree = StandardMerkleTree.of(
    built.tree.values().map(([a, c]) => [a, c]),
    ["address", "uint256"],
  );
  return { ...f, built, tree };
}

async function signClaim(f: Fixture, signer: HDNodeWallet | Fixture["alice"], o: Partial<SignedClaim> = {}) {
  const c: SignedClaim = {
    account: signer.address,
    recipient: signer.address,
    maxFee: 0n,
    nonce: (await f.pool.account(signer.address)).claimNonce,
    deadline: BigInt(await time.latest()) + 3_600n,
    ...o,
  };
  return { c, signature: await signer.signTypedData(f.domain, CLAIM_TYPES, c) };
}

/**
 * A batch for `wallets` (epoch-mode leaves, ordered as the multiproof needs them), then `ledgerOnly` (cumulative 0).
 * `tweak` may replace any claim's signed fields or signature.
 */
async function batchOf(
  f: Fixture,
  wallets: HDNodeWallet[],
  ledgerOnly: (HDNodeWallet | Fixture["alice"])[] = [],
  tweak: (i: number, w: HDNodeWallet) => Partial<SignedClaim> & { signature?: string } = () => ({}),
  fee = 0n,
) {
  const indices = wallets.map((w) => {
    for (const [i, v] of f.tree.entries()) if (v[0] === w.address) return i;
    throw new Error(`${w.address} not in the tree`);
  });
  const multi = f.tree.getMultiProof(indices);
  const byAddress = new Map(wallets.map((w) => [w.address, w]));
  const claims: SignedClaim[] = [];
  const cumulatives: bigint[] = [];
  const signatures: string[] = [];
  const fees: bigint[] = [];
  for (const [n, [account, cumulative]] of multi.leaves.entries()) {
    const w = byAddress.get(account as string)!;
    const { signature: forced, ...fields } = tweak(n, w);
    const { c, signature } = await signClaim(f, w, { maxFee: fee, ...fields });
    claims.push(c);
    cumulatives.push(BigInt(cumulative as bigint));
    signatures.push(forced ?? signature);
    fees.push(fee);
  }
  for (const s of ledgerOnly) {
    const { c, signature } = await signClaim(f, s, { maxFee: fee });
    claims.push(c);
    cumulatives.push(0n);
    signatures.push(signature);
    fees.push(fee);
  }
  return { claims, cumulatives, proof: multi.proof, proofFlags: multi.proofFlags, fees, signatures };
}

type Batch = Awaited<ReturnType<typeof batchOf>>;

/** Each claim encoded as the claimWithSig call a relayer would send alone, its proof left empty. */
function encode(f: Fixture, b: Batch) {
  return b.claims.map((c, i) =>
    f.pool.interface.encodeFunctionData("claimWithSig", [c, b.cumulatives[i]!, [], b.fees[i]!, b.signatures[i]!]),
  );
}

function send(f: Fixture, b: Batch) {
  return f.pool.connect(f.relayer).claimBatchWithSig(encode(f, b), b.proof, b.proofFlags);
}

async function balances(f: Fixture, addresses: string[]) {
  return Promise.all(addresses.map((a) => f.usdc.balanceOf(a)));
}

async function states(f: Fixture, addresses: string[]) {
  return Promise.all(
    addresses.map(async (a) => {
      const v = await f.pool.account(a);
      return [v.unpaidWad, v.paidEpoch, v.claimNonce];
    }),
  );
}

describe("Batch settlement (claimBatchWithSig)", function () {
  it("pays 100 epoch-mode accounts and a ledger account exactly what 101 single claims pay, to the unit", async function () {
    let f = await loadFixture(batchFixture);
    const everyone = [...f.wallets.map((w) => w.address), f.alice.address, f.relayer.address];
    // The reference: one claimWithSig each, fee 1 unit.
    for (const w of f.wallets) {
      const { c, signature } = await signClaim(f, w, { maxFee: 1n });
      const { cumulative, proof } = proofFor(f.built, w.address);
      await f.pool.connect(f.relayer).claimWithSig(c, cumulative, proof, 1n, signature);
    }
    {
      const { c, signature } = await signClaim(f, f.alice, { maxFee: 1n });
      await f.pool.connect(f.relayer).claimWithSig(c, 0n, [], 1n, signature);
    }
    const singleBalances = await balances(f, everyone);
    const singleStates = await states(f, everyone);
    const singleTotals = await f.pool.totals();

    f = await loadFixture(batchFixture);
    const batch = await batchOf(f, f.wallets, [f.alice], undefined, 1n);
    const tx = send(f, batch);
    await expect(tx).to.emit(f.pool, "ClaimBatchSettled").and.not.to.emit(f.pool, "ClaimSkipped");
    const receipt = await (await tx).wait();
    const claimed = receipt!.logs.filter((l) => l.topics[0] === f.pool.interface.getEvent("Claimed").topicHash);
    expect(claimed.length).to.equal(ACCOUNTS + 1);
    expect(await balances(f, everyone)).to.deep.equal(singleBalances);
    expect(await states(f, everyone)).to.deep.equal(singleStates);
    const totals = await f.pool.totals();
    expect(totals.paid).to.equal(singleTotals.paid);
    // Each account i was owed i+1 USDC; alice her ledger credit; the relayer 1 unit per claim.
    for (const w of f.wallets) {
      expect(await f.usdc.balanceOf(w.address)).to.equal(1n + proofFor(f.built, w.address).cumulative - 1n);
    }
  });

  it("skips a bad signature, an expired claim, a below-minimum claim and a blacklisted account, each keeping its credit and nonce", async function () {
    const f = await loadFixture(batchFixture);
    const ws = f.wallets.slice(0, 10);
    await f.pool.connect(f.admin).setClaimSettings(USDC + USDC / 2n, 10n ** 6n); // account 0 is owed 1 USDC: below
    const batch = await batchOf(f, ws, [], (_, w) => {
      if (w === ws[3]) return { signature: "0x" + "11".repeat(65) };
      if (w === ws[5]) return { deadline: 1n };
      return {};
    });
    await f.usdc.connect(f.admin).blacklist(ws[7]!.address);
    const before = await states(
      f,
      ws.map((w) => w.address),
    );
    const tx = send(f, batch);
    const pool = f.pool;
    await expect(tx).to.emit(pool, "ClaimSkipped").and.to.emit(pool, "ClaimBatchSettled");
    const receipt = await (await tx).wait();
    const skipped = receipt!.logs
      .map((l) => {
        try {
          return pool.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .filter((e) => e?.name === "ClaimSkipped")
      .map((e): [string, string] => [
        e!.args.account as string,
        pool.interface.parseError(e!.args.reason)?.name ?? "?",
      ]);
    expect(new Map(skipped)).to.deep.equal(
      new Map([
        [ws[0]!.address, "RewardPoolBelowMinimumClaim"],
        [ws[3]!.address, "RewardPoolInvalidClaimSignature"],
        [ws[5]!.address, "RewardPoolSignatureExpired"],
        [ws[7]!.address, "Error"], // the token's "Blacklistable: account is blacklisted"
      ]),
    );
    const after = await states(
      f,
      ws.map((w) => w.address),
    );
    for (const [i, w] of ws.entries()) {
      if ([0, 3, 5, 7].includes(i)) {
        expect(after[i], `skipped ${i}`).to.deep.equal(before[i]);
        expect(await f.usdc.balanceOf(w.address)).to.equal(1n);
      } else {
        expect(after[i]![2], `nonce ${i}`).to.equal(1n);
        expect(await f.usdc.balanceOf(w.address)).to.equal(1n + proofFor(f.built, w.address).cumulative);
      }
    }
    // The skipped accounts' credit is intact: each claims it later, with the nonce it had.
    const { c, signature } = await signClaim(f, ws[3]!);
    const { cumulative, proof } = proofFor(f.built, ws[3]!.address);
    await expect(f.pool.connect(f.relayer).claimWithSig(c, cumulative, proof, 0n, signature))
      .to.emit(f.pool, "Claimed")
      .withArgs(ws[3]!.address, ws[3]!.address, 0n, cumulative);
  });

  it("pays nothing twice when the same batch is replayed: every claim is skipped for its spent nonce", async function () {
    const f = await loadFixture(batchFixture);
    const batch = await batchOf(f, f.wallets.slice(0, 20), [f.alice]);
    await send(f, batch);
    const everyone = [...f.wallets.map((w) => w.address), f.alice.address];
    const paidBefore = (await f.pool.totals()).paid;
    const balancesBefore = await balances(f, everyone);
    const tx = send(f, batch);
    await expect(tx).to.emit(f.pool, "ClaimBatchSettled").withArgs(f.relayer.address, 21n, 21n, 0n);
    await expect(tx).not.to.emit(f.pool, "Claimed");
    expect((await f.pool.totals()).paid).to.equal(paidBefore);
    expect(await balances(f, everyone)).to.deep.equal(balancesBefore);
  });

  it("reverts a batch whose multiproof does not prove its leaves (a raised cumulative, a forged node, a substituted leaf)", async function () {
    const f = await loadFixture(batchFixture);
    const batch = await batchOf(f, f.wallets.slice(0, 8));
    const raised = { ...batch, cumulatives: batch.cumulatives.map((c, i) => (i === 2 ? c + 1n : c)) };
    await expect(send(f, raised)).to.be.revertedWithCustomError(f.pool, "RewardPoolInvalidMultiproof").withArgs(8n);
    const forged = { ...batch, proof: batch.proof.map((p, i) => (i === 0 ? id("forged") : p)) };
    await expect(send(f, forged)).to.be.revertedWithCustomError(f.pool, "RewardPoolInvalidMultiproof");
    // Another account's genuine leaf in place of a proven one: not what the multiproof proves. (Two sibling leaves
    // may trade places, as nodes hash as sorted pairs: both are still proven.)
    const outsider = await batchOf(f, [f.wallets[60]!]);
    const substituted = {
      ...batch,
      claims: batch.claims.map((c, i) => (i === 3 ? outsider.claims[0]! : c)),
      cumulatives: batch.cumulatives.map((c, i) => (i === 3 ? outsider.cumulatives[0]! : c)),
      signatures: batch.signatures.map((c, i) => (i === 3 ? outsider.signatures[0]! : c)),
    };
    await expect(send(f, substituted)).to.be.revertedWithCustomError(f.pool, "RewardPoolInvalidMultiproof");
    // A malformed multiproof (a flag short) is refused by OpenZeppelin's own check.
    const settlement = await ethers.getContractAt("RewardPoolSettlement", f.poolAddress);
    await expect(send(f, { ...batch, proofFlags: batch.proofFlags.slice(1) })).to.be.revertedWithCustomError(
      settlement,
      "MerkleProofInvalidMultiproof",
    );
    // Only claimWithSig calls run in a batch.
    const calls = encode(f, batch);
    calls[1] = f.pool.interface.encodeFunctionData("claim", [f.wallets[0]!.address, 0n, []]).padEnd(400, "0");
    await expect(f.pool.connect(f.relayer).claimBatchWithSig(calls, batch.proof, batch.proofFlags))
      .to.be.revertedWithCustomError(f.pool, "RewardPoolInvalidBatchClaim")
      .withArgs(1n);
    // Nothing moved; the honest batch still pays all eight.
    const total = batch.cumulatives.reduce((a, b) => a + b, 0n);
    await expect(send(f, batch)).to.emit(f.pool, "ClaimBatchSettled").withArgs(f.relayer.address, 8n, 0n, total);
    // A proven leaf is not left proven for a later single claim in another transaction.
    const { c, signature } = await signClaim(f, f.wallets[50]!);
    await expect(
      f.pool.connect(f.relayer).claimWithSig(c, 51n * USDC, [], 0n, signature),
    ).to.be.revertedWithCustomError(f.pool, "RewardPoolInvalidMerkleProof");
  });

  it("refuses a batch while the pool is paused", async function () {
    const f = await loadFixture(batchFixture);
    const batch = await batchOf(f, f.wallets.slice(0, 2));
    await f.pool.connect(f.guardian).pause();
    await expect(send(f, batch)).to.be.revertedWithCustomError(f.pool, "RewardPoolPaused");
  });

  it("measures gas per account at 10 and 100 accounts (existing holders) against single claims", async function () {
    const figures: Record<string, number> = {};
    for (const [fixture, prefix] of [
      [steadyFixture, "signed"],
      [wholeSteadyFixture, "signed_whole"],
      [batchFixture, "signed_first"],
    ] as const) {
      for (const count of [10, 100]) {
        const f = await loadFixture(fixture);
        const batch = await batchOf(f, f.wallets.slice(0, count));
        const tx = await send(f, batch);
        await expect(tx).not.to.emit(f.pool, "ClaimSkipped");
        const receipt = await tx.wait();
        figures[`${prefix}_batch${count}_per_account`] = Math.round(Number(receipt!.gasUsed) / count);
        if (count === 100 && prefix === "signed") {
          // The batch's own overhead: the same batch again, every claim skipped at its nonce (before its signature).
          const replay = await (await send(f, batch)).wait();
          figures.signed_batch100_all_skipped_per_account = Math.round(Number(replay!.gasUsed) / count);
        }
      }
      const f = await loadFixture(fixture);
      const w = f.wallets[0]!;
      const { c, signature } = await signClaim(f, w);
      const { cumulative, proof } = proofFor(f.built, w.address);
      const receipt = await (await f.pool.connect(f.relayer).claimWithSig(c, cumulative, proof, 0n, signature)).wait();
      figures[`${prefix}_single_claim_with_sig`] = Number(receipt!.gasUsed);
    }
    console.log("      batch settlement gas:", JSON.stringify(figures));
    // The batch must be cheaper per account than the claims sent alone (the benchmark, scripts/bench/settle.ts,
    // records the curve in bench/results.json as settle_batchN_per_account_signed).
    expect(figures.signed_batch100_per_account).to.be.below(figures.signed_single_claim_with_sig!);
    expect(figures.signed_whole_batch100_per_account).to.be.below(figures.signed_whole_single_claim_with_sig!);
  });
});
