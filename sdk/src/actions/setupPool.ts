import type { ContractRunner, Signer } from "ethers";
import { type IRewardPool, MockUSDC__factory, type RewardPoolFactory } from "../contracts/index.js";
import type { PoolConfigInput } from "../core/pool.js";
import { InvalidInputError } from "../errors/base.js";
import { withDecodedErrors } from "../errors/contract.js";
import { createPool } from "./createPool.js";
import { createWholePool } from "./createWholePool.js";
import { fundPool } from "./fundPool.js";
import { poolErrorInterfaces, rewardPoolAt } from "./pool.js";

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
