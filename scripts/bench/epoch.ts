/**
 * Epoch-mode gas benchmark: commit cost (3-of-5 quorum) for epochs of 1,000 and 10,000 devices, and claims with
 * merkle proofs (first, repeat by an existing holder, gasless). POOL_KIND=clone (default) or whole picks how the
 * factory deploys the pool. Writes bench-results/epoch-<kind>.json.
 *
 *   npm run bench:epoch          (both kinds)
 */
import { mkdir, writeFile } from "node:fs/promises";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { Wallet, dataSlice, getAddress, id } from "ethers";
import { network } from "hardhat";

import {
  allProofs,
  attestEpoch,
  buildEpoch,
  type BuiltEpoch,
  CLAIM_TYPES,
  createPool,
  createWholePool,
  type DeviceState,
  DeviceStatus,
  epochCommitOf,
  poolConfig,
  poolDomain,
  WAD,
  type WorkReport,
} from "../../sdk/src/index.js";
import { accounts } from "../../test/helpers/accounts.js";

interface Row {
  operation: string;
  devices?: number;
  accounts?: number;
  proofLength?: number;
  gasUsed: number;
}

const USDC = 10n ** 6n;
const DAY = 86_400n;
const RATE = WAD / 3n;
const BUDGET = 10n ** 12n * USDC;
const DEVICE_CAP = 10_000_000n;
const { ethers, networkHelpers } = await network.create();
const acc = await accounts(ethers);
const { admin, relayer, verifiers } = acc;
const holder = acc.alice; // an operator that claims every epoch
const { chainId } = await ethers.provider.getNetwork();

const registry = await ethers.deployContract("DeviceRegistry");
await (await registry.connect(admin).createNetwork(false, id("bench"))).wait();
const usdc = await ethers.deployContract("MockUSDC");
const factory = await ethers.deployContract("RewardPoolFactory", [
  await registry.getAddress(),
  await (await ethers.deployContract("RewardPoolGovernance")).getAddress(),
]);
const KIND = process.env.POOL_KIND === "whole" ? "whole" : "clone";
const poolAddress = await (KIND === "whole" ? createWholePool : createPool)(factory.connect(admin), {
  salt: id("epoch-bench"),
  config: poolConfig({
    token: await usdc.getAddress(),
    networkId: 1n,
    admin: admin.address,
    verifiers: verifiers.map((v) => v.address),
    quorum: 3,
    params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP },
    maxRelayerFee: USDC,
  }),
});
const pool = await ethers.getContractAt("IRewardPool", poolAddress);
const domain = poolDomain(chainId, poolAddress);
await (await usdc.mint(admin.address, 10n ** 12n * USDC)).wait();
await (await usdc.connect(admin).approve(poolAddress, 2n ** 255n)).wait();
await (await pool.connect(admin).fund(10n ** 11n * USDC, id("bench-funding"))).wait();
const genesis = (await pool.settings()).genesis;

/** `devices` devices spread over `accounts` accounts (10 devices each), the holder among them. */
/**
 * Synthetic devices, active in network 1 and paying `accounts` round-robin: the commit's gas does not depend on
 * the registry (the chain checks no device in epoch mode), so the benchmark skips registering 10,000 of them.
 */
function fleet(devices: number, accounts: string[]): Map<bigint, DeviceState> {
  return new Map(
    Array.from({ length: devices }, (_, i) => {
      const deviceId = BigInt(id(`device-${i}`));
      const state = {
        deviceId,
        networkId: 1n,
        status: DeviceStatus.Active,
        payee: accounts[i % accounts.length]!,
        recordedInLedger: false,
      };
      return [deviceId, state];
    }),
  );
}

function reports(epoch: number, devices: Map<bigint, DeviceState>): WorkReport[] {
  return [...devices.keys()].map((deviceId, i) => ({
    deviceId,
    units: 2_000_000n + BigInt((i * 7919 + epoch) % 1000),
    evidenceHash: id(`evidence-${epoch}-${i}`),
  }));
}

const rows: Row[] = [];
let previous: BuiltEpoch | undefined;
async function commitEpoch(epoch: number, devices: number, accounts: string[]): Promise<BuiltEpoch> {
  const closesAt = genesis + BigInt(epoch + 1) * DAY;
  if (BigInt(await networkHelpers.time.latest()) < closesAt) await networkHelpers.time.increaseTo(closesAt);
  const states = fleet(devices, accounts);
  const built = buildEpoch({
    pool: poolAddress,
    chainId,
    epoch,
    formulaVersion: 1,
    params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP },
    networkId: 1n,
    registryBlock: await ethers.provider.getBlockNumber(),
    devices: states,
    reports: reports(epoch, states),
    ...(previous === undefined ? {} : { previous: { manifest: previous.manifest, text: previous.text } }),
  });
  const commit = epochCommitOf(
    built,
    `ipfs://bench/epoch-${epoch}.json`,
    await pool.commitNonce(),
    BigInt(await networkHelpers.time.latest()) + DAY,
  );
  const receipt = await (
    await pool.commitEpoch(commit, await attestEpoch(verifiers.slice(0, 3), domain, commit))
  ).wait();
  rows.push({
    operation: "commitEpoch (3-of-5)",
    devices,
    accounts: built.manifest.accounts.length,
    gasUsed: Number(receipt!.gasUsed),
  });
  await networkHelpers.time.increase(DAY / 4n);
  previous = built;
  return built;
}

const accountsSmall = [holder.address, ...Array.from({ length: 99 }, () => Wallet.createRandom().address)];
const accountsLarge = [holder.address, ...Array.from({ length: 999 }, () => Wallet.createRandom().address)];

const claimRow = async (operation: string, built: BuiltEpoch) => {
  const leaf = allProofs(built).get(holder.address)!;
  const receipt = await (await pool.connect(relayer).claim(holder.address, leaf.cumulative, leaf.proof)).wait();
  rows.push({
    operation,
    accounts: built.manifest.accounts.length,
    proofLength: leaf.proof.length,
    gasUsed: Number(receipt!.gasUsed),
  });
};
await claimRow("claim with proof, first (recipient holds no token yet)", await commitEpoch(0, 1_000, accountsSmall));
await claimRow("claim with proof, repeat by an existing holder", await commitEpoch(1, 1_000, accountsSmall));
await commitEpoch(2, 1_000, accountsSmall);
await claimRow("claim with proof, repeat by an existing holder", await commitEpoch(3, 10_000, accountsLarge));

const e3 = await commitEpoch(4, 10_000, accountsLarge);
const leaf = allProofs(e3).get(holder.address)!;
const signed = {
  account: holder.address,
  recipient: holder.address,
  maxFee: USDC / 10n,
  nonce: (await pool.account(holder.address)).claimNonce,
  deadline: BigInt(await networkHelpers.time.latest()) + 3600n,
};
await (await usdc.mint(relayer.address, 1n)).wait(); // the relayer already holds the token, as a real one would
const signature = await holder.signTypedData(domain, CLAIM_TYPES, signed);
const gasless = await (
  await pool.connect(relayer).claimWithSig(signed, leaf.cumulative, leaf.proof, USDC / 10n, signature)
).wait();
rows.push({
  operation: "claimWithSig with proof (gasless, first signed claim of the account)",
  accounts: e3.manifest.accounts.length,
  proofLength: leaf.proof.length,
  gasUsed: Number(gasless!.gasUsed),
});
const e4 = await commitEpoch(5, 10_000, accountsLarge);
const leaf4 = allProofs(e4).get(holder.address)!;
const signed2 = { ...signed, nonce: signed.nonce + 1n, deadline: BigInt(await networkHelpers.time.latest()) + 3600n };
const gasless2 = await (
  await pool
    .connect(relayer)
    .claimWithSig(
      signed2,
      leaf4.cumulative,
      leaf4.proof,
      USDC / 10n,
      await holder.signTypedData(domain, CLAIM_TYPES, signed2),
    )
).wait();
rows.push({
  operation: "claimWithSig with proof, repeat (gasless)",
  accounts: e4.manifest.accounts.length,
  proofLength: leaf4.proof.length,
  gasUsed: Number(gasless2!.gasUsed),
});

// Like with like: a tree of 10,000 accounts, the same holder, token and compiler settings, against a URD-style
// distributor deployed in this run (contracts/mocks/UrdLikeDistributor.sol).
const accounts10k = [
  holder.address,
  ...Array.from({ length: 9_999 }, (_, i) => getAddress(dataSlice(id(`account-${i}`), 12))),
];
await commitEpoch(6, 10_000, accounts10k);
await claimRow(
  "claim with proof, repeat by an existing holder, 10,000-account tree",
  await commitEpoch(7, 10_000, accounts10k),
);

const urd = await ethers.deployContract("UrdLikeDistributor");
const urdAddress = await urd.getAddress();
const token = await usdc.getAddress();
await (await usdc.mint(urdAddress, 10n ** 12n * USDC)).wait();
const urdClaim = async (operation: string, round: bigint) => {
  const tree = StandardMerkleTree.of(
    accounts10k.map((a, i): [string, string, bigint] => [a, token, (BigInt(i) + 1n) * USDC * round]),
    ["address", "address", "uint256"],
  );
  await (await (await ethers.getContractAt("UrdLikeDistributor", urdAddress)).setRoot(tree.root)).wait();
  const proof = tree.getProof(0);
  const anchor = await ethers.getContractAt("UrdLikeDistributor", urdAddress, relayer);
  const receipt = await (await anchor.claim(holder.address, token, USDC * round, proof)).wait();
  rows.push({ operation, accounts: accounts10k.length, proofLength: proof.length, gasUsed: Number(receipt!.gasUsed) });
};
await urdClaim("anchor: URD-style claim, first, 10,000-account tree", 1n);
await urdClaim("anchor: URD-style claim, repeat by an existing holder, 10,000-account tree", 2n);

console.log(`pool deployed as: ${KIND}`);
console.table(rows);
await mkdir("bench-results", { recursive: true });
await writeFile(
  `bench-results/epoch-${KIND}.json`,
  JSON.stringify(
    {
      benchmark: "epoch-mode",
      pool: KIND === "whole" ? "whole pool (no proxy)" : "EIP-1167 clone",
      generatedAt: new Date().toISOString(),
      chain: "hardhat (EDR, in-process, osaka)",
      compiler: "solc 0.8.30, viaIR, optimizer runs 10000",
      token: "MockUSDC (cheaper than real USDC: see README)",
      note: "gasUsed is the whole transaction; devices are per epoch, accounts are tree leaves",
      rows,
    },
    null,
    2,
  ) + "\n",
);
console.log(`wrote bench-results/epoch-${KIND}.json`);
