/**
 * Deployment records: what was deployed where, one JSON file per contract in `deployments/<network>/`, written by
 * the deploy script (`npm run deploy`) and read by the SDK, the CLI and auditors. Addresses are never typed by hand.
 * Node only (reads the file system).
 */
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { getAddress, type InterfaceAbi } from "ethers";

import { DeploymentNotFoundError } from "./errors/base.js";

/** Where records live unless told otherwise. */
export const DEFAULT_DEPLOYMENTS_DIR = "deployments";

/** One deployed contract. */
export interface DeploymentRecord {
  contractName: string;
  chainId: bigint;
  address: string;
  abi: InterfaceAbi;
  /** Constructor arguments, as deployed (bigints as decimal strings in the file). */
  args: unknown[];
  /** The transaction that created it (for contracts a factory creates in its constructor: the factory's). */
  transactionHash: string;
  blockNumber: number;
  /** Hardhat Ignition's deployment id: one per chain and contract code. */
  deploymentId: string;
}

/** Every contract deployed on one network. */
export interface Deployment {
  network: string;
  chainId: bigint;
  contracts: Record<string, DeploymentRecord>;
}

/** Writes one record as `<dir>/<network>/<contractName>.json`. */
export async function writeDeploymentRecord(
  network: string,
  record: DeploymentRecord,
  dir = DEFAULT_DEPLOYMENTS_DIR,
): Promise<void> {
  await mkdir(join(dir, network), { recursive: true });
  const json = JSON.stringify(
    { ...record, address: getAddress(record.address) },
    (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
    2,
  );
  await writeFile(join(dir, network, `${record.contractName}.json`), json + "\n");
}

/**
 * Reads a network's records, by network name (`"localhost"`, `"base"`) or by chain id (the one network whose records
 * carry it).
 * @example const { contracts } = await loadDeployment(31337n); const registry = contracts.DeviceRegistry!.address;
 */
export async function loadDeployment(
  networkOrChainId: string | bigint,
  dir = DEFAULT_DEPLOYMENTS_DIR,
): Promise<Deployment> {
  if (typeof networkOrChainId === "string") return readNetwork(networkOrChainId, dir);
  const networks = await listDirs(dir);
  const matches: Deployment[] = [];
  for (const network of networks) {
    const deployment = await readNetwork(network, dir).catch(() => undefined);
    if (deployment?.chainId === networkOrChainId) matches.push(deployment);
  }
  if (matches.length !== 1) {
    throw new DeploymentNotFoundError(
      matches.length === 0
        ? `no deployment records for chain ${networkOrChainId} in ${dir}/`
        : `chain ${networkOrChainId} has records under ${matches.map((m) => m.network).join(", ")}: name the network`,
      { details: "deploy with `npm run deploy -- --network <name>`, or pass the network name" },
    );
  }
  return matches[0]!;
}

async function readNetwork(network: string, dir: string): Promise<Deployment> {
  let files: string[];
  try {
    files = (await readdir(join(dir, network))).filter((f) => f.endsWith(".json")).sort();
  } catch {
    files = [];
  }
  if (files.length === 0) {
    throw new DeploymentNotFoundError(`no deployment records for network "${network}" in ${dir}/${network}/`, {
      details: `deploy first: npm run deploy -- --network ${network}`,
    });
  }
  const contracts: Record<string, DeploymentRecord> = {};
  let chainId: bigint | undefined;
  for (const file of files) {
    const raw = JSON.parse(await readFile(join(dir, network, file), "utf8")) as Record<string, unknown>;
    const record: DeploymentRecord = {
      contractName: String(raw.contractName),
      chainId: BigInt(String(raw.chainId)),
      address: getAddress(String(raw.address)),
      abi: raw.abi as InterfaceAbi,
      args: raw.args as unknown[],
      transactionHash: String(raw.transactionHash),
      blockNumber: Number(raw.blockNumber),
      deploymentId: String(raw.deploymentId),
    };
    if (chainId !== undefined && record.chainId !== chainId) {
      throw new DeploymentNotFoundError(`${dir}/${network}/ mixes chains ${chainId} and ${record.chainId}`);
    }
    chainId = record.chainId;
    contracts[record.contractName] = record;
  }
  return { network, chainId: chainId!, contracts };
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}
