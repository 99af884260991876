/**
 * Deploys depin-rewards with Hardhat Ignition and writes what was deployed where to `deployments/<network>/`, one
 * JSON file per contract (chain id, address, ABI, constructor arguments, transaction, block).
 *
 *   npm run deploy                        # the in-process chain (a dry run: nothing outlives it)
 *   npm run deploy -- --network localhost # `depin chain` / `hardhat node --hostname 127.0.0.1` (DEPIN_RPC_URL)
 *
 * Idempotent: the Ignition deployment id is derived from the chain and the contracts' creation code, so deploying
 * the same code twice changes nothing (Ignition resumes its journal), and changed code is a new deployment, recorded
 * over the old records. On a local chain (chain id 31337) the test stablecoin MockUSDC is deployed too.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { concat, keccak256 } from "ethers";
import hre, { network } from "hardhat";

import { DEFAULT_DEPLOYMENTS_DIR, writeDeploymentRecord } from "../../sdk/src/index.js";
import { depinModule } from "./modules.js";

const LOCAL_CHAIN_ID = 31337n;
const recordsDir = process.env.DEPIN_DEPLOYMENTS_DIR ?? DEFAULT_DEPLOYMENTS_DIR;

const connection = await network.create();
const { ethers, ignition, networkName } = connection;
const { chainId } = await ethers.provider.getNetwork();
const local = chainId === LOCAL_CHAIN_ID;
const names = [
  "DeviceRegistry",
  "RewardPoolSettlement",
  "RewardPoolGovernance",
  "RewardPoolFactory",
  "ClaimRouter",
  ...(local ? ["MockUSDC"] : []),
];
const artifacts = await Promise.all(names.map((name) => hre.artifacts.readArtifact(name)));
const codeHash = keccak256(concat(artifacts.map((a) => a.bytecode)));
const deploymentId = `depin-${chainId}-${codeHash.slice(2, 14)}`;

const deployed = await ignition.deploy(depinModule(local), { deploymentId });

/** Each deployment transaction and its receipt's block, by Ignition future id, from the deployment's journal. */
async function journalTransactions(): Promise<Map<string, { hash: string; blockNumber: number; args: unknown[] }>> {
  const out = new Map<string, { hash: string; blockNumber: number; args: unknown[] }>();
  const args = new Map<string, unknown[]>();
  let text: string;
  try {
    text = await readFile(join(hre.config.paths.ignition, "deployments", deploymentId, "journal.jsonl"), "utf8");
  } catch {
    return out; // the in-process chain keeps no journal
  }
  for (const line of text.split("\n").filter((l) => l.trim() !== "")) {
    const m = JSON.parse(line, (_, v: unknown) =>
      typeof v === "object" && v !== null && (v as { _kind?: string })._kind === "bigint"
        ? BigInt((v as { value: string }).value)
        : v,
    ) as Record<string, unknown>;
    if (m.type === "DEPLOYMENT_EXECUTION_STATE_INITIALIZE")
      args.set(String(m.futureId), m.constructorArgs as unknown[]);
    if (m.type === "TRANSACTION_CONFIRM") {
      const receipt = m.receipt as { blockNumber: number };
      out.set(String(m.futureId), { hash: String(m.hash), blockNumber: Number(receipt.blockNumber), args: [] });
    }
  }
  for (const [id, tx] of out) tx.args = args.get(id) ?? [];
  return out;
}

const transactions = await journalTransactions();
const contracts = deployed as Record<string, { getAddress(): Promise<string> }>;
const byName: Record<string, string> = {
  registry: "DeviceRegistry",
  settlement: "RewardPoolSettlement",
  governance: "RewardPoolGovernance",
  factory: "RewardPoolFactory",
  router: "ClaimRouter",
  usdc: "MockUSDC",
};
for (const [key, contract] of Object.entries(contracts)) {
  const contractName = byName[key]!;
  const address = await contract.getAddress();
  const tx = transactions.get(`DepinRewards#${contractName}`);
  const receipt = tx === undefined ? null : await ethers.provider.getTransactionReceipt(tx.hash);
  await writeDeploymentRecord(
    networkName,
    {
      contractName,
      chainId,
      address,
      abi: (await hre.artifacts.readArtifact(contractName)).abi,
      args: tx?.args ?? [],
      transactionHash: tx?.hash ?? "",
      blockNumber: receipt?.blockNumber ?? tx?.blockNumber ?? 0,
      deploymentId,
    },
    recordsDir,
  );
  console.log(`${contractName.padEnd(22)} ${address}`);
}

// The factory's constructor deploys the clones' implementation: recorded too.
const factory = await ethers.getContractAt("RewardPoolFactory", await contracts.factory!.getAddress());
const factoryTx = transactions.get("DepinRewards#RewardPoolFactory");
for (const [contractName, address] of [["RewardPool", await factory.IMPLEMENTATION()]] as const) {
  await writeDeploymentRecord(
    networkName,
    {
      contractName,
      chainId,
      address,
      abi: (await hre.artifacts.readArtifact("IRewardPool")).abi,
      args: [true, await factory.GOVERNANCE()],
      transactionHash: factoryTx?.hash ?? "",
      blockNumber: factoryTx?.blockNumber ?? 0,
      deploymentId,
    },
    recordsDir,
  );
  console.log(`${contractName.padEnd(22)} ${address} (created by RewardPoolFactory)`);
}
console.log(
  `deployment ${deploymentId} on ${networkName} (chain ${chainId}): records in ${recordsDir}/${networkName}/`,
);
