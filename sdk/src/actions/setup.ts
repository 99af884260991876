/**
 * Setting up depin-rewards on a chain, in one place for every caller (the simulation, benchmarks, test fixtures and
 * the end-to-end tests; the deploy script deploys the same contracts through Hardhat Ignition and records them):
 * the registry and factory (plus the test stablecoin on development chains), a network, and a pool, funded.
 */
import type { ContractRunner, Signer } from "ethers";

import {
  DeviceRegistry__factory,
  MockUSDC__factory,
  RewardPoolFactory__factory,
  RewardPoolGovernance__factory,
  type DeviceRegistry,
  type IRewardPool,
  type MockUSDC,
  type RewardPoolFactory,
} from "../contracts/index.js";
import type { PoolConfigInput } from "../core/pool.js";
import { InvalidInputError } from "../errors/base.js";
import { withDecodedErrors } from "../errors/contract.js";
import { createPool, createWholePool, fundPool, poolErrorInterfaces, rewardPoolAt } from "./pool.js";
import { registryInterface } from "./registry.js";

export interface DeployDepinParameters {
  /** Also deploy MockUSDC, the test stablecoin (development chains only; default false). */
  withTestToken?: boolean;
}

export interface DeployDepinReturnType {
  registry: DeviceRegistry;
  factory: RewardPoolFactory;
  /** MockUSDC, when `withTestToken` was set. */
  token?: MockUSDC;
  /** Gas used by each deployment transaction, by contract name. */
  gasUsed: Record<string, bigint>;
}

/**
 * Deploys the registry and the pool factory (whose constructor deploys the pools' governance half and the clones'
 * implementation) from the SDK's checked-in bytecode, and MockUSDC if asked. For networks whose deployments are
 * recorded, use the deploy script (`depin deploy`) and `loadDeployment` instead.
 * @example const { registry, factory, token } = await deployDepin(deployer, { withTestToken: true });
 */
export async function deployDepin(deployer: Signer, p: DeployDepinParameters = {}): Promise<DeployDepinReturnType> {
  const gasUsed: Record<string, bigint> = {};
  const deployed = async <T extends { waitForDeployment(): Promise<unknown>; deploymentTransaction(): unknown }>(
    name: string,
    contract: Promise<T>,
  ): Promise<T> => {
    const c = await contract;
    const receipt = await (c.deploymentTransaction() as { wait(): Promise<{ gasUsed: bigint } | null> }).wait();
    gasUsed[name] = receipt?.gasUsed ?? 0n;
    return c;
  };
  const registry = await deployed("DeviceRegistry", new DeviceRegistry__factory(deployer).deploy());
  // The pools' governance half is deployed on its own (the factory's initcode cannot hold both halves).
  const governance = await deployed("RewardPoolGovernance", new RewardPoolGovernance__factory(deployer).deploy());
  const factory = await deployed(
    "RewardPoolFactory",
    new RewardPoolFactory__factory(deployer).deploy(await registry.getAddress(), await governance.getAddress()),
  );
  const token = p.withTestToken ? await deployed("MockUSDC", new MockUSDC__factory(deployer).deploy()) : undefined;
  return { registry, factory, gasUsed, ...(token === undefined ? {} : { token }) };
}

export interface CreateNetworkParameters {
  /** Devices need an allow-listed attester's co-signature to register. */
  attestationRequired: boolean;
  /** keccak256 of what the network is (e.g. `id("acme-hotspots")`). */
  metadataHash: string;
  /** Attesters to allow-list right away (the sender becomes the network admin). */
  attesters?: readonly string[];
}

export interface CreateNetworkReturnType {
  networkId: bigint;
  gasUsed: bigint;
}

/**
 * Creates a network (the registry's signer becomes its admin) and allow-lists its attesters.
 * @example const { networkId } = await createNetwork(registry.connect(admin), { attestationRequired: true, metadataHash: id("acme"), attesters: [attester] });
 */
export async function createNetwork(
  registry: DeviceRegistry,
  p: CreateNetworkParameters,
): Promise<CreateNetworkReturnType> {
  const receipt = await withDecodedErrors([registryInterface], async () =>
    (await registry.createNetwork(p.attestationRequired, p.metadataHash)).wait(),
  );
  if (receipt === null) throw new InvalidInputError("the createNetwork transaction was dropped");
  const created = receipt.logs
    .map((log) => registryInterface.parseLog(log))
    .find((event) => event?.name === "NetworkCreated");
  if (created === undefined || created === null) throw new InvalidInputError("no NetworkCreated event in the receipt");
  const networkId = created.args.networkId as bigint;
  let gasUsed = receipt.gasUsed;
  for (const attester of p.attesters ?? []) {
    const r = await withDecodedErrors([registryInterface], async () =>
      (await registry.setAttester(networkId, attester, true)).wait(),
    );
    gasUsed += r?.gasUsed ?? 0n;
  }
  return { networkId, gasUsed };
}

export interface SetupPoolParameters {
  config: PoolConfigInput;
  /** Makes the pool's CREATE2 address unique per creator, e.g. `id("acme-mapping")`. */
  salt: string;
  /** `clone` (EIP-1167, cheap to create; default) or `whole` (~2,700 gas less per claim and batch). */
  kind?: "clone" | "whole";
  /** Funding to put in right away, each under its reference: the factory's signer approves and funds. */
  funding?: readonly { amount: bigint; ref: string }[];
}

export interface SetupPoolReturnType {
  pool: IRewardPool;
  address: string;
  /** Gas of the creation and of each funding (approvals included). */
  gasUsed: { create: bigint; fund: bigint[] };
}

/**
 * Creates a pool through the factory and funds it under each reference: what a protocol does first.
 * @example const { pool } = await setupPool(factory.connect(protocol), { config, salt: id("acme"), funding: [{ amount, ref: id("contract-17") }] });
 */
export async function setupPool(factory: RewardPoolFactory, p: SetupPoolParameters): Promise<SetupPoolReturnType> {
  const runner = factory.runner as (ContractRunner & Signer) | null;
  if (runner === null || typeof runner.getAddress !== "function") {
    throw new InvalidInputError("setupPool needs a factory connected to a signer");
  }
  const provider = runner.provider;
  if (provider === null) throw new InvalidInputError("setupPool needs a signer connected to a provider");
  const before = await provider.getBlockNumber();
  const create = p.kind === "whole" ? createWholePool : createPool;
  const address = await create(factory, { config: p.config, salt: p.salt });
  const pool = rewardPoolAt(address, runner);
  // The creation's gas, from the factory's PoolCreated receipt (createPool returns the address only).
  const logs = await provider.getLogs({
    address: await factory.getAddress(),
    fromBlock: before + 1,
    toBlock: "latest",
    topics: [factory.interface.getEvent("PoolCreated").topicHash],
  });
  const creation = logs.at(-1);
  const createGas =
    creation === undefined ? 0n : ((await provider.getTransactionReceipt(creation.transactionHash))?.gasUsed ?? 0n);
  const fundGas: bigint[] = [];
  if ((p.funding ?? []).length > 0) {
    const token = MockUSDC__factory.connect(String(p.config.token), runner);
    for (const f of p.funding ?? []) {
      const approval = await withDecodedErrors(poolErrorInterfaces, async () =>
        (await token.approve(address, f.amount)).wait(),
      );
      const funded = await fundPool(pool, f);
      fundGas.push((approval?.gasUsed ?? 0n) + funded.gasUsed);
    }
  }
  return { pool, address, gasUsed: { create: createGas, fund: fundGas } };
}
