/**
 * Batch settlement gas (issue 13), per account, at 10, 100 and 500 accounts of existing holders (each account paid
 * once before, so its pool entry and its token balance are non-zero): push payouts in epoch mode (one multiproof
 * over the batch's leaves), push payouts of ledger credit, and signed claims through `claimBatchWithSig`. Each size
 * runs in its own pools, whose tree holds exactly the batch's accounts (as a keeper batching neighbouring leaves of a
 * fully opted-in tree would), so the figures compare with `settle_batch100_per_account` of the signed batch. Also
 * the batch's own overhead: the same push again, every account skipped with nothing to pay. Set up through the SDK
 * (`deployDepin`, `setupPool`, `registerFleet`, `recordWork`, `buildEpoch`, `commitEpoch`, `signPushRecipient`,
 * `relayPushRecipient`, `pushPayouts`, `claimBatchArgs`). POOL_KIND=whole (default) or clone. Writes
 * bench/settle-<kind>.json.
 *
 *   npx hardhat run scripts/bench/settle.ts
 *   POOL_KIND=clone npx hardhat run scripts/bench/settle.ts
 */
import { Wallet, id } from "ethers";

import {
  buildEpoch,
  type BuiltEpoch,
  buildRegistration,
  claimBatchArgs,
  commitEpoch,
  deviceIdOf,
  type DeviceState,
  DeviceStatus,
  poolConfig,
  pushPayoutArgs,
  pushPayouts,
  readPoolDomain,
  recordWork,
  registerFleet,
  registryDomain,
  relayPushRecipient,
  Secp256k1DeviceKey,
  setupPool,
  signClaim,
  signPushRecipient,
  WAD,
} from "../../sdk/src/index.js";
import {
  benchChain,
  benchDeployment,
  closeEpoch,
  type Pool,
  poolKind,
  type Row,
  USDC,
  writeChainBench,
} from "./chain.js";
import type { GasFigures } from "./output.js";

const KIND = poolKind();
const SIZES = [10, 100, 500];
const MAX = Math.max(...SIZES);
const RATE = WAD / 3n;
const BUDGET = 10n ** 12n * USDC;
const DEVICE_CAP = 10_000_000n;
const FAR_DEADLINE = 2n ** 63n;
/** Work units per device per epoch: about one USDC at RATE. */
const UNITS = 3_000_000n;

const { ethers, networkHelpers, signer } = await benchChain();
const [deployer, fleetOwner, relayer, keeper] = [signer(0), signer(1), signer(2), signer(3)];
const quorum = [4, 5, 6].map(signer);
const { chainId } = await ethers.provider.getNetwork();

const { registry, factory, tokenAddress, networkId } = await benchDeployment(deployer, {
  metadata: "bench/settle",
  mint: 10n ** 12n * USDC,
});

/** The accounts: keys we hold (they sign opt-ins and claims), the same every run. */
const wallets = Array.from({ length: MAX }, (_, i) => new Wallet(id(`bench/settle/account/${i}`)));

// Ledger mode: MAX devices of one fleet, device i paying wallet i.
const keys = Array.from({ length: MAX }, (_, i) => new Secp256k1DeviceKey(id(`bench/settle/device/${i}`)));
const registrationDomain = registryDomain(chainId, await registry.getAddress());
for (let start = 0; start < MAX; start += 100) {
  const registrations = await Promise.all(
    keys.slice(start, start + 100).map((device) =>
      buildRegistration({
        device,
        domain: registrationDomain,
        owner: fleetOwner.address,
        networkId,
        deadline: FAR_DEADLINE,
      }),
    ),
  );
  await registerFleet(registry.connect(fleetOwner), { networkId, registrations });
}
const deviceIds = keys.map((k) => deviceIdOf(k.keyType, k.key));
for (const [i, deviceId] of deviceIds.entries()) {
  await (await registry.connect(fleetOwner).setPayout(deviceId, wallets[i]!.address)).wait();
}

let salt = 0;
async function newPool(): Promise<{ pool: Pool; address: string }> {
  const { pool, address } = await setupPool(factory.connect(deployer), {
    config: poolConfig({
      token: tokenAddress,
      networkId,
      admin: deployer.address,
      verifiers: quorum.map((v) => v.address),
      quorum: 3,
      params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP },
      maxRelayerFee: USDC,
    }),
    salt: id(`bench/settle/pool/${salt++}`),
    kind: KIND,
    funding: [{ amount: 10n ** 9n * USDC, ref: id("bench/settle/funding") }],
  });
  return { pool, address };
}

/** Opts the first n wallets in to push payouts to themselves, by signatures a relayer submits. */
async function optIn(pool: Pool, n: number): Promise<void> {
  const domain = await readPoolDomain(pool);
  for (const w of wallets.slice(0, n)) {
    const choice = { account: w.address, recipient: w.address, nonce: 0n, deadline: FAR_DEADLINE };
    const signature = await signPushRecipient(w, domain, choice);
    await relayPushRecipient(pool.connect(relayer), { choice, signature });
  }
}

const previous = new Map<Pool, BuiltEpoch>();
/** Commits `epoch` paying each of the first n wallets about one USDC more, and waits out the challenge period. */
async function commit(pool: Pool, address: string, epoch: number, n: number): Promise<BuiltEpoch> {
  const devices = new Map<bigint, DeviceState>(
    wallets.slice(0, n).map((w, i) => {
      const deviceId = BigInt(id(`bench/settle/epoch-device/${i}`));
      return [
        deviceId,
        { deviceId, networkId, status: DeviceStatus.Active, payee: w.address, recordedInLedger: false },
      ];
    }),
  );
  const before = previous.get(pool);
  const built = buildEpoch({
    pool: address,
    chainId,
    epoch,
    formulaVersion: 1,
    params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP },
    networkId,
    registryBlock: await ethers.provider.getBlockNumber(),
    devices,
    reports: [...devices.keys()].map((deviceId) => ({
      deviceId,
      units: UNITS,
      evidenceHash: id(`${epoch}:${deviceId}`),
    })),
    ...(before === undefined ? {} : { previous: { manifest: before.manifest, text: before.text } }),
  });
  await commitEpoch(pool.connect(relayer), { built, uri: `ipfs://bench/settle/${epoch}`, verifiers: quorum });
  previous.set(pool, built);
  return built;
}

const rows: Row[] = [];
const figures: GasFigures = {};
function measure(key: string, operation: string, n: number, gasUsed: bigint, extra: Record<string, number> = {}) {
  const perAccount = Math.round(Number(gasUsed) / n);
  figures[key] = perAccount;
  rows.push({ key, operation, accounts: n, gasUsed: Number(gasUsed), perAccount, ...extra });
}

/**
 * A first payout to fresh recipients costs about 35,000 gas each (a zero balance becomes non-zero), so it goes in
 * batches that stay under the 2^24 gas cap per transaction (EIP-7825).
 */
const FIRST_BATCH = 200;

/** Pushes to the first n wallets (all must be paid) in batches of `batchSize`; returns the first transaction's gas. */
async function pushAll(pool: Pool, n: number, built?: BuiltEpoch, batchSize = n): Promise<bigint> {
  const r = await pushPayouts(pool.connect(keeper), {
    accounts: wallets.slice(0, n).map((w) => w.address),
    ...(built === undefined ? {} : { tree: built.tree }),
    batchSize,
  });
  const skipped = r.results.filter((x) => x.status === "skipped");
  if (skipped.length !== 0) throw new Error(`push of ${n}: ${skipped.length} skipped (${JSON.stringify(skipped[0])})`);
  return r.transactions[0]!.gasUsed;
}

// Every pool is created first, so that all share one clock: epochs close for all of them together.
const epochPools = new Map<number, { pool: Pool; address: string }>();
const ledgerPools = new Map<number, { pool: Pool; address: string }>();
for (const n of SIZES) {
  epochPools.set(n, await newPool());
  ledgerPools.set(n, await newPool());
}
const allPools = [...epochPools.values(), ...ledgerPools.values()].map((p) => p.pool);
for (const n of SIZES) {
  await optIn(epochPools.get(n)!.pool, n);
  await optIn(ledgerPools.get(n)!.pool, n);
}

// Ledger mode: epoch 0 credits everyone (then a first push makes them holders), epoch 1 again (measured).
const ledgerNonce = new Map<Pool, bigint>();
async function credit(pool: Pool, epoch: bigint, n: number): Promise<void> {
  const proofs = deviceIds.slice(0, n).map((deviceId) => ({ deviceId, units: UNITS, evidenceHash: id(`${epoch}`) }));
  const { nextNonce } = await recordWork(pool.connect(relayer), {
    epoch,
    proofs,
    verifiers: quorum,
    firstNonce: ledgerNonce.get(pool) ?? 0n,
    batchSize: 500,
  });
  ledgerNonce.set(pool, nextNonce);
}
await closeEpoch(networkHelpers, allPools, 0n);
for (const n of SIZES) await credit(ledgerPools.get(n)!.pool, 0n, n);

for (const n of SIZES) await pushAll(ledgerPools.get(n)!.pool, n, undefined, FIRST_BATCH);
await closeEpoch(networkHelpers, allPools, 1n);
for (const n of SIZES) await credit(ledgerPools.get(n)!.pool, 1n, n);
for (const n of SIZES) {
  const gas = await pushAll(ledgerPools.get(n)!.pool, n);
  measure(`settle_batch${n}_per_account_ledger`, `pushPayouts, ledger credit, ${n} existing holders`, n, gas);
}

// Epoch mode: root 2 pays everyone once (then holders), root 3 is pushed (measured), root 4 is claimed by signed
// claims in one claimBatchWithSig (measured).
const { challengePeriod } = await epochPools.get(10)!.pool.settings();
const roots = async (epoch: number) => {
  await closeEpoch(networkHelpers, allPools, BigInt(epoch));
  const built = new Map<number, BuiltEpoch>();
  for (const n of SIZES) {
    const { pool, address } = epochPools.get(n)!;
    built.set(n, await commit(pool, address, epoch, n));
  }
  await networkHelpers.time.increase(challengePeriod + 1n);
  return built;
};
let built = await roots(2);
for (const n of SIZES) await pushAll(epochPools.get(n)!.pool, n, built.get(n), FIRST_BATCH);
built = await roots(3);
for (const n of SIZES) {
  const pool = epochPools.get(n)!.pool;
  const tree = built.get(n)!;
  const args = pushPayoutArgs(
    wallets.slice(0, n).map((w) => w.address),
    tree.tree,
  );
  const gas = await pushAll(pool, n, tree);
  measure(`settle_batch${n}_per_account`, `pushPayouts, epoch mode, ${n} existing holders`, n, gas, {
    proofNodes: args.proof.length,
  });
  if (n === 100) {
    // The batch's own cost: the same push again, every account read and skipped (nothing left to pay).
    const again = await pool.connect(keeper).pushPayouts(args.accounts, args.cumulatives, args.proof, args.proofFlags);
    const receipt = await again.wait();
    measure(
      "settle_batch100_all_skipped_per_account",
      "pushPayouts again, epoch mode, 100 accounts all skipped (nothing to pay)",
      n,
      receipt!.gasUsed,
    );
  }
}
built = await roots(4);
for (const n of SIZES) {
  const pool = epochPools.get(n)!.pool;
  const domain = await readPoolDomain(pool);
  const claims = [];
  for (const w of wallets.slice(0, n)) {
    const claim = {
      account: w.address,
      recipient: w.address,
      maxFee: 0n,
      nonce: (await pool.account(w.address)).claimNonce,
      deadline: FAR_DEADLINE,
    };
    claims.push({ claim, signature: await signClaim(w, domain, claim), fee: 0n });
  }
  const args = claimBatchArgs(pool, claims, built.get(n)!.tree);
  const gasNeeded = await pool
    .connect(relayer)
    .claimBatchWithSig.estimateGas(args.claims, args.proof, args.proofFlags)
    .catch(() => null);
  if (gasNeeded === null) {
    // About 36,000 gas per signed claim: 500 of them pass the 2^24 gas cap of one transaction (EIP-7825).
    rows.push({
      key: `settle_batch${n}_per_account_signed`,
      operation: `claimBatchWithSig, epoch mode, ${n} existing holders: over the per-transaction gas cap (2^24)`,
      accounts: n,
      gasUsed: 0,
    });
    continue;
  }
  const tx = await pool.connect(relayer).claimBatchWithSig(args.claims, args.proof, args.proofFlags);
  const receipt = await tx.wait();
  const settled = receipt!.logs.map((l) => pool.interface.parseLog(l)).find((e) => e?.name === "ClaimBatchSettled");
  if (settled?.args.skipped !== 0n) throw new Error(`claimBatchWithSig of ${n}: ${settled?.args.skipped} skipped`);
  measure(
    `settle_batch${n}_per_account_signed`,
    `claimBatchWithSig, epoch mode, ${n} existing holders`,
    n,
    receipt!.gasUsed,
  );
}

writeChainBench(`settle-${KIND}`, figures, rows, {
  kind: KIND,
  setting:
    "each size in its own pools; every account paid once before (existing holder, non-zero pool entry); the tree " +
    "of each epoch-mode pool holds exactly the batch's accounts; opted in to push payouts to itself; MockUSDC",
});
