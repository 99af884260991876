/**
 * Ledger-mode gas: per-proof cost of `recordProofs` (first credit and steady state, one fleet and 50 payees, batch
 * sizes 10/100/500, device-signed with secp256k1 and P-256 keys), funding, and ledger claims (first, repeat,
 * gasless), and claims across pools through the claim router (1, 2 and 5 pools, with and without a signature). Set
 * up through the SDK (`deployDepin`, `createNetwork`, `setupPool`, `registerFleet`, `recordWork`,
 * `submitProofBatch`).
 * POOL_KIND=whole (default) or clone picks how the factory deploys the pools. Writes bench/pool-<kind>.json.
 *
 *   npx hardhat run scripts/bench/pool.ts
 *   POOL_KIND=clone npx hardhat run scripts/bench/pool.ts
 */
import { MaxUint256, dataSlice, getAddress, id } from "ethers";

import {
  attestBatch,
  buildRegistration,
  claim,
  claimAll,
  createNetwork,
  deployDepin,
  type DeviceKey,
  deviceIdOf,
  fundPool,
  getPoolAccount,
  P256DeviceKey,
  poolConfig,
  type Proof,
  readPoolDomain,
  recordWork,
  registerFleet,
  registryDomain,
  relayClaim,
  relayClaimBundle,
  Secp256k1DeviceKey,
  setupPool,
  signClaim,
  signClaimBundle,
  signWorkReport,
  submitProofBatch,
  WAD,
} from "../../sdk/src/index.js";
import { benchChain, closeEpoch, DAY, type Pool, poolKind, type Row, USDC, writeChainBench } from "./chain.js";
import type { GasFigures } from "./output.js";

const KIND = poolKind();
const FAR_DEADLINE = 2n ** 63n;
const FUNDING_REF = id("bench/customer-contract-1");

const { ethers, networkHelpers, signer } = await benchChain();
const [deployer, fleetOwner, p256Owner, relayer] = [signer(0), signer(1), signer(2), signer(3)];
const verifiers = [4, 5, 6, 7, 8].map(signer);
const quorum = verifiers.slice(0, 3);
const { chainId } = await ethers.provider.getNetwork();

const { registry, factory, router, token } = await deployDepin(deployer, { withTestToken: true });
const { networkId } = await createNetwork(registry.connect(deployer), {
  attestationRequired: false,
  metadataHash: id("bench"),
});
const registrationDomain = registryDomain(chainId, await registry.getAddress());

/** Registers `count` devices owned by `owner`, keys derived from `label` (the same devices every run). */
async function fleet(
  owner: { address: string },
  label: string,
  count: number,
  make: (seed: string) => DeviceKey,
): Promise<DeviceKey[]> {
  const keys = Array.from({ length: count }, (_, i) => make(id(`bench/pool/${label}/${i}`)));
  const registrations = await Promise.all(
    keys.map((device) =>
      buildRegistration({
        device,
        domain: registrationDomain,
        owner: owner.address,
        networkId,
        deadline: FAR_DEADLINE,
      }),
    ),
  );
  await registerFleet(registry.connect(owner as typeof deployer), { networkId, registrations });
  return keys;
}
const k1 = (seed: string) => new Secp256k1DeviceKey(seed);
const p256 = (seed: string) => P256DeviceKey.fromScalar(seed);

// One fleet of 500 secp256k1 devices (its owner is a key we hold: it signs gasless claims), one of 500 P-256
// devices, and 50 small operators with 10 devices each (impersonated accounts).
const bigFleet = await fleet(fleetOwner, "fleet", 500, k1);
const p256Fleet = await fleet(p256Owner, "p256-fleet", 500, p256);
const smallFleets: DeviceKey[] = [];
for (let i = 0; i < 50; i++) {
  const address = getAddress(dataSlice(id(`bench/pool/operator/${i}`), 12));
  await networkHelpers.impersonateAccount(address);
  await networkHelpers.setBalance(address, 10n ** 20n);
  smallFleets.push(...(await fleet(await ethers.getSigner(address), `operator-${i}`, 10, k1)));
}

// Two pools of the same kind: one plain, one that requires each proof to carry its device's signature.
const tokenAddress = await token!.getAddress();
await (await token!.mint(deployer.address, 10n ** 13n * USDC)).wait();
const config = (requireDeviceSignatures: boolean) =>
  poolConfig({
    token: tokenAddress,
    networkId,
    admin: deployer.address,
    verifiers: verifiers.map((v) => v.address),
    quorum: 3,
    params: { rate: WAD / 3n, epochBudget: 10n ** 12n * USDC, deviceCap: 1_000_000n },
    maxRelayerFee: USDC,
    requireDeviceSignatures,
  });
const funding = [{ amount: 10n ** 9n * USDC, ref: FUNDING_REF }];
const plain = await setupPool(factory.connect(deployer), {
  config: config(false),
  salt: id("bench/pool"),
  kind: KIND,
  funding,
});
const signed = await setupPool(factory.connect(deployer), {
  config: config(true),
  salt: id("bench/pool-device-signed"),
  kind: KIND,
  funding,
});

const rows: Row[] = [];
const figures: GasFigures = {};
const record = (key: string | undefined, row: Row, figure = row.gasUsed) => {
  rows.push(row);
  if (key !== undefined) figures[key] = Math.round(figure);
};
record("pool_create", {
  operation: `setupPool: create (${KIND}, 5 verifiers)`,
  gasUsed: Number(plain.gasUsed.create),
});
record(undefined, {
  operation: "setupPool: approve + fund, the pool's first funding",
  gasUsed: Number(plain.gasUsed.fund[0]),
});

// A repeat funder under a reference it used before (the allowance is set once, as a treasury would).
await (await token!.connect(deployer).approve(plain.address, MaxUint256)).wait();
const fund = await fundPool(plain.pool, { amount: 10n ** 9n * USDC, ref: FUNDING_REF });
record("fund", { operation: "fund, known reference (repeat funder)", gasUsed: Number(fund.gasUsed) });
const fundNew = await fundPool(plain.pool, { amount: 10n ** 9n * USDC, ref: id("bench/customer-contract-2") });
record("fund_new_reference", { operation: "fund, new reference (repeat funder)", gasUsed: Number(fundNew.gasUsed) });

const nonces = new Map<Pool, bigint>();
const proofsOf = (epoch: bigint, keys: readonly DeviceKey[]): Proof[] =>
  keys.map((k, i) => {
    const deviceId = deviceIdOf(k.keyType, k.key);
    return { deviceId, units: 1000n + BigInt(i % 97), evidenceHash: id(`evidence:${epoch}:${deviceId}`) };
  });

/** One `recordProofs` batch of `keys`' devices for `epoch`, device-signed when the pool requires it. */
async function batch(key: string | undefined, operation: string, pool: Pool, epoch: bigint, keys: DeviceKey[]) {
  await closeEpoch(networkHelpers, [plain.pool, signed.pool], epoch);
  const proofs = proofsOf(epoch, keys);
  const nonce = nonces.get(pool) ?? 0n;
  nonces.set(pool, nonce + 1n);
  const asRelayer = pool.connect(relayer);
  let gasUsed: bigint;
  if (pool === signed.pool) {
    // recordWork attests and sends plain batches; a device-signed one goes through submitProofBatch.
    const domain = await readPoolDomain(pool);
    const deviceSignatures = keys.map((k, i) => signWorkReport(k, domain, { ...proofs[i]!, epoch }));
    const quorumSignatures = await attestBatch(quorum, domain, epoch, nonce, proofs);
    ({ gasUsed } = await submitProofBatch(asRelayer, {
      epoch,
      batchNonce: nonce,
      proofs,
      deviceSignatures,
      quorum: quorumSignatures,
    }));
  } else {
    const { batches } = await recordWork(asRelayer, {
      epoch,
      proofs,
      verifiers: quorum,
      firstNonce: nonce,
      batchSize: 500,
    });
    gasUsed = batches[0]!.gasUsed;
  }
  const row = {
    operation,
    epoch: Number(epoch),
    proofs: proofs.length,
    payees: keys === smallFleets ? 50 : 1,
    gasUsed: Number(gasUsed),
    gasPerProof: Math.round(Number(gasUsed) / proofs.length),
  };
  record(key, row, row.gasPerProof);
}

await batch(
  "record_proofs_batch500_per_proof_first_credit",
  "recordProofs, one fleet, first credit",
  plain.pool,
  0n,
  bigFleet,
);
await batch(
  "record_proofs_batch500_per_proof_device_signed_first_credit",
  "recordProofs, one fleet, device-signed (secp256k1), first credit",
  signed.pool,
  0n,
  bigFleet,
);
await batch(
  "record_proofs_batch500_per_proof_device_signed_p256_first_credit",
  "recordProofs, one fleet, device-signed (P-256), first credit",
  signed.pool,
  0n,
  p256Fleet,
);
await batch("record_proofs_batch500_per_proof", "recordProofs, one fleet, steady state", plain.pool, 1n, bigFleet);
await batch(
  "record_proofs_batch500_per_proof_device_signed",
  "recordProofs, one fleet, device-signed (secp256k1), steady state",
  signed.pool,
  1n,
  bigFleet,
);
await batch(
  "record_proofs_batch500_per_proof_device_signed_p256",
  "recordProofs, one fleet, device-signed (P-256), steady state",
  signed.pool,
  1n,
  p256Fleet,
);
await batch(
  "record_proofs_batch500_per_proof_50_payees_first_credit",
  "recordProofs, 50 operators × 10, first credit",
  plain.pool,
  1n,
  smallFleets,
);
await batch(
  "record_proofs_batch500_per_proof_50_payees",
  "recordProofs, 50 operators × 10, steady state",
  plain.pool,
  2n,
  smallFleets,
);
await batch(
  "record_proofs_batch10_per_proof",
  "recordProofs, one fleet, steady state",
  plain.pool,
  2n,
  bigFleet.slice(0, 10),
);
await batch(
  "record_proofs_batch100_per_proof",
  "recordProofs, one fleet, steady state",
  plain.pool,
  3n,
  bigFleet.slice(0, 100),
);

// Ledger claims by the fleet's owner: its first (it holds no token yet), then a repeat.
const claimRow = async (key: string, operation: string) => {
  const r = await claim(plain.pool.connect(relayer), fleetOwner.address);
  record(key, { operation, gasUsed: Number(r.gasUsed) });
};
await claimRow("claim_ledger_first_fresh_recipient", "claim, ledger, first (recipient holds no token yet)");
await batch(undefined, "recordProofs, one fleet, steady state", plain.pool, 4n, bigFleet);
await claimRow("claim_ledger_repeat_existing_holder", "claim, ledger, repeat by an existing holder (500-device fleet)");

// Gasless: the owner signs, the relayer sends and takes a fee; the first signed claim writes a fresh nonce.
const poolDomain = await readPoolDomain(plain.pool);
const gasless = async (key: string, operation: string, epoch: bigint) => {
  await batch(undefined, "recordProofs, one fleet, steady state", plain.pool, epoch, bigFleet);
  const signedClaim = {
    account: fleetOwner.address,
    recipient: fleetOwner.address,
    maxFee: USDC / 10n,
    nonce: (await getPoolAccount(plain.pool, fleetOwner.address)).claimNonce,
    deadline: BigInt(await networkHelpers.time.latest()) + DAY,
  };
  const signature = await signClaim(fleetOwner, poolDomain, signedClaim);
  const r = await relayClaim(plain.pool.connect(relayer), { claim: signedClaim, signature, fee: USDC / 10n });
  record(key, { operation, gasUsed: Number(r.gasUsed) });
};
await gasless("claim_ledger_gasless_first", "claimWithSig, ledger, first (fresh nonce, relayer's first fee)", 5n);
await gasless("claim_ledger_gasless", "claimWithSig, ledger, repeat (relayer takes a fee)", 6n);

// Claims across pools: the fleet's owner (already a holder) earns in 5 pools of the same kind; `claimAll` (anyone
// sends it) and `claimAllWithSig` (one signature, a relayer takes a fee in each pool) over 1, 2 and 5 of them, each
// pool with fresh credit from a 10-device batch. Per pool = the transaction's gas ÷ pools.
const many: Pool[] = [];
for (let i = 0; i < 5; i++) {
  const { pool } = await setupPool(factory.connect(deployer), {
    config: config(false),
    salt: id(`bench/pool/claim-all/${i}`),
    kind: KIND,
    funding,
  });
  many.push(pool);
}
let manyEpoch = 0n;
const manyNonces = new Map<Pool, bigint>();
const creditMany = async (count: number) => {
  await closeEpoch(networkHelpers, many, manyEpoch);
  for (const pool of many.slice(0, count)) {
    const nonce = manyNonces.get(pool) ?? 0n;
    manyNonces.set(pool, nonce + 1n);
    await recordWork(pool.connect(relayer), {
      epoch: manyEpoch,
      proofs: proofsOf(manyEpoch, bigFleet.slice(0, 10)),
      verifiers: quorum,
      firstNonce: nonce,
    });
  }
  manyEpoch++;
};
// A first claim in each pool (fresh account entries), so the figures below are repeats by an existing holder.
await creditMany(5);
await claimAll(
  router.connect(relayer),
  fleetOwner.address,
  many.map((pool) => ({ pool: pool.target as string })),
);
for (const count of [1, 2, 5]) {
  await creditMany(count);
  const pools = many.slice(0, count).map((pool) => ({ pool: pool.target as string }));
  const r = await claimAll(router.connect(relayer), fleetOwner.address, pools);
  if (r.results.some((x) => x.status !== "paid")) throw new Error(`claimAll over ${count} pools skipped a pool`);
  const label = count === 1 ? "1pool" : `${count}pools`;
  record(
    `claim_all_${label}_per_pool`,
    { operation: `claimAll (router), ledger, repeat, ${count} pool(s): per pool`, gasUsed: Number(r.gasUsed) },
    Number(r.gasUsed) / count,
  );
}
for (const count of [1, 2, 5]) {
  await creditMany(count);
  const bundle = {
    account: fleetOwner.address,
    recipient: fleetOwner.address,
    deadline: BigInt(await networkHelpers.time.latest()) + DAY,
    claims: await Promise.all(
      many.slice(0, count).map(async (pool) => ({
        pool: pool.target as string,
        maxFee: 1_000n,
        nonce: (await getPoolAccount(pool, fleetOwner.address)).claimNonce,
      })),
    ),
  };
  const signature = await signClaimBundle(fleetOwner, chainId, bundle);
  const r = await relayClaimBundle(router.connect(relayer), {
    bundle,
    signature,
    claims: bundle.claims.map(() => ({ fee: 1_000n })),
  });
  if (r.results.some((x) => x.status !== "paid")) {
    throw new Error(
      `claimAllWithSig over ${count} pools skipped a pool: ${JSON.stringify(r.results.map((x) => x.error))}`,
    );
  }
  const label = count === 1 ? "1pool" : `${count}pools`;
  record(
    `claim_all_sig_${label}_per_pool`,
    {
      operation: `claimAllWithSig (router), ledger, one signature, relayer fee per pool, ${count} pool(s): per pool`,
      gasUsed: Number(r.gasUsed),
    },
    Number(r.gasUsed) / count,
  );
}

writeChainBench(`pool-${KIND}`, figures, rows, {
  pool: KIND === "whole" ? "whole pool (no proxy)" : "EIP-1167 clone",
  registeredDevices: Number(await registry.deviceCount()),
  definitions: {
    steady_state: "every device in the batch was credited in an earlier epoch",
    record_proofs_batch500_per_proof: "one recordProofs of 500 proofs of one fleet (one payee), steady state, ÷ 500",
    record_proofs_batch500_per_proof_device_signed:
      "the same in a pool with requireDeviceSignatures = true: each proof carries its device's secp256k1 " +
      "signature over its WorkReport (_p256: P-256 keys)",
    record_proofs_batch500_per_proof_50_payees: "500 proofs of 50 operators × 10 devices, steady state, ÷ 500",
    fund: "fund under a reference the funder used before, allowance already set",
    claim_all_5pools_per_pool:
      "one claimAll through the claim router paying an existing holder its ledger credit in 5 pools (same token), " +
      "÷ 5 (_1pool, _2pools: 1 and 2 pools); claim_all_sig_*: claimAllWithSig, one ClaimBundle signature, a relayer " +
      "fee in each pool",
  },
});
