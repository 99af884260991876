/**
 * Reward pool gas benchmark: ledger-mode batches (per-proof gas, first credit vs steady state, one fleet vs many
 * operators, growing batch sizes), claims (first, repeat, gasless). Writes bench-results/pool.json.
 *
 *   npm run bench:pool
 */
import { mkdir, writeFile } from "node:fs/promises";

import { id } from "ethers";
import { network } from "hardhat";

import {
  attestBatch,
  CLAIM_TYPES,
  deviceIdOf,
  poolConfig,
  poolDomain,
  type Proof,
  registerFleetArgs,
  Secp256k1DeviceKey,
  WAD,
} from "../../sdk/src/index.js";
import { accounts } from "../../test/helpers/accounts.js";
import { signedRegistration } from "../../test/helpers/registry.js";

interface Row {
  operation: string;
  proofs?: number;
  payees?: number;
  gasUsed: number;
  gasPerProof?: number;
}

const USDC = 10n ** 6n;
const DAY = 86_400n;
const { ethers, networkHelpers } = await network.create();
const acc = await accounts(ethers);
const { admin, relayer, verifiers } = acc;
// The fleet owner is a key we hold (it signs a gasless claim); the 50 small operators are impersonated.
const operators = [acc.alice];
for (let i = 0; i < 50; i++) {
  const address = ethers.Wallet.createRandom().address;
  await networkHelpers.impersonateAccount(address);
  await networkHelpers.setBalance(address, 10n ** 20n);
  operators.push(await ethers.getSigner(address));
}
const { chainId } = await ethers.provider.getNetwork();

const registry = await ethers.deployContract("DeviceRegistry");
const registryAddress = await registry.getAddress();
await (await registry.connect(admin).createNetwork(false, id("bench"))).wait();

async function registerFleet(owner: (typeof operators)[number], count: number): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (let start = 0; start < count; start += 200) {
    const keys = Array.from({ length: Math.min(200, count - start) }, () => Secp256k1DeviceKey.random());
    const regs = await Promise.all(
      keys.map((k) =>
        signedRegistration(k, { chainId, registry: registryAddress, owner: owner.address, networkId: 1n }),
      ),
    );
    await (await registry.connect(owner).registerFleet(1, ...registerFleetArgs(regs))).wait();
    ids.push(...keys.map((k) => deviceIdOf(k.keyType, k.key)));
  }
  return ids;
}

// One big fleet of 500 devices, and 50 operators with 10 devices each.
const bigFleet = await registerFleet(operators[0]!, 500);
const smallFleets: bigint[] = [];
for (const op of operators.slice(1, 51)) smallFleets.push(...(await registerFleet(op, 10)));

const usdc = await ethers.deployContract("MockUSDC");
const factory = await ethers.deployContract("RewardPoolFactory", [
  registryAddress,
  await (await ethers.deployContract("RewardPoolGovernance")).getAddress(),
]);
const config = poolConfig({
  token: await usdc.getAddress(),
  networkId: 1n,
  admin: admin.address,
  verifiers: verifiers.map((v) => v.address),
  quorum: 3,
  params: { rate: WAD / 3n, epochBudget: 10n ** 12n * USDC, deviceCap: 1_000_000n },
  maxRelayerFee: USDC,
});
const poolAddress = await factory.predictPool(admin.address, id("bench"));
const createReceipt = await (await factory.connect(admin).createPool(config, id("bench"))).wait();
const pool = await ethers.getContractAt("IRewardPool", poolAddress);
const domain = poolDomain(chainId, poolAddress);
await (await usdc.mint(admin.address, 10n ** 12n * USDC)).wait();
await (await usdc.connect(admin).approve(poolAddress, 2n ** 255n)).wait();
const fundReceipt = await (await pool.connect(admin).fund(10n ** 9n * USDC, id("bench-funding"))).wait();
const fundAgain = await (await pool.connect(admin).fund(10n ** 9n * USDC, id("bench-funding"))).wait();

const rows: Row[] = [
  { operation: "createPool (clone + initialize, 5 verifiers)", gasUsed: Number(createReceipt!.gasUsed) },
  { operation: "fund, first (new reference)", gasUsed: Number(fundReceipt!.gasUsed) },
  { operation: "fund, known reference (repeat funder)", gasUsed: Number(fundAgain!.gasUsed) },
];
let nonce = 0n;
const genesis = (await pool.settings()).genesis;

async function batch(operation: string, epoch: bigint, deviceIds: bigint[], payees: number): Promise<void> {
  const now = BigInt(await networkHelpers.time.latest());
  if (now < genesis + (epoch + 1n) * DAY) await networkHelpers.time.increaseTo(genesis + (epoch + 1n) * DAY);
  const proofs: Proof[] = deviceIds.map((deviceId, i) => ({
    deviceId,
    units: 1000n + BigInt(i % 97),
    evidenceHash: id(`evidence:${epoch}:${deviceId}`),
  }));
  const batchNonce = nonce++;
  const att = await attestBatch(verifiers.slice(0, 3), domain, epoch, batchNonce, proofs);
  const receipt = await (await pool.recordProofs(epoch, batchNonce, proofs, [], att)).wait();
  const gasUsed = Number(receipt!.gasUsed);
  rows.push({ operation, proofs: proofs.length, payees, gasUsed, gasPerProof: Math.round(gasUsed / proofs.length) });
}

await batch("recordProofs, one fleet, first credit", 0n, bigFleet, 1);
await batch("recordProofs, one fleet, steady state", 1n, bigFleet, 1);
await batch("recordProofs, 50 operators x 10, first credit", 1n, smallFleets, 50);
await batch("recordProofs, 50 operators x 10, steady state", 2n, smallFleets, 50);
let nextEpoch = 3n; // epochs in order: a pool records only the last `settlementWindow` closed epochs
for (const n of [1, 10, 100, 250])
  await batch("recordProofs, one fleet, steady state", nextEpoch++, bigFleet.slice(0, n), 1);

const claimGas = async (operation: string, who: (typeof operators)[number]) => {
  const receipt = await (await pool.connect(relayer).claim(who.address, 0n, [])).wait();
  rows.push({ operation, gasUsed: Number(receipt!.gasUsed) });
};
await claimGas("claim, first (recipient holds no token yet)", operators[0]!);
await batch("recordProofs, one fleet, steady state", nextEpoch++, bigFleet, 1);
await claimGas("claim, repeat by an existing holder (500-device fleet)", operators[0]!);

const account = operators[0]!;
const view = await pool.account(account.address);
const claim = {
  account: account.address,
  recipient: account.address,
  maxFee: USDC / 10n,
  nonce: view.claimNonce,
  deadline: BigInt(await networkHelpers.time.latest()) + 30n * DAY, // batches below move the clock a day each
};
await batch("recordProofs, one fleet, steady state", nextEpoch++, bigFleet, 1);
const signature = await account.signTypedData(domain, CLAIM_TYPES, claim);
const gasless = await (await pool.connect(relayer).claimWithSig(claim, 0n, [], USDC / 10n, signature)).wait();
rows.push({
  operation: "claimWithSig, first (fresh nonce slot, relayer's first fee)",
  gasUsed: Number(gasless!.gasUsed),
});

await batch("recordProofs, one fleet, steady state", nextEpoch++, bigFleet, 1);
const again = { ...claim, nonce: claim.nonce + 1n };
const signature2 = await account.signTypedData(domain, CLAIM_TYPES, again);
const gasless2 = await (await pool.connect(relayer).claimWithSig(again, 0n, [], USDC / 10n, signature2)).wait();
rows.push({ operation: "claimWithSig, repeat (gasless, relayer takes a fee)", gasUsed: Number(gasless2!.gasUsed) });

console.table(rows);
await mkdir("bench-results", { recursive: true });
await writeFile(
  "bench-results/pool.json",
  JSON.stringify(
    {
      benchmark: "reward-pool",
      generatedAt: new Date().toISOString(),
      chain: "hardhat (EDR, in-process, osaka)",
      compiler: "solc 0.8.30, viaIR, optimizer runs 10000",
      note: "gasUsed is the whole transaction; gasPerProof = gasUsed / proofs (quorum checks amortized)",
      registeredDevices: Number(await registry.deviceCount()),
      rows,
    },
    null,
    2,
  ) + "\n",
);
console.log("wrote bench-results/pool.json");
