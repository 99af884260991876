import type { Log, Result } from "ethers";

import type { IRewardPool } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";

export interface GetPoolEventsParameters {
  fromBlock: number;
  /** Default: the latest block. */
  toBlock?: number;
  /** Topic filter, as `eth_getLogs` takes it (default: every event of the pool). */
  topics?: (string | string[] | null)[];
  /** Blocks per `eth_getLogs` request. */
  pageSize?: number;
}

/** One event of a pool, decoded with its ABI. */
export interface PoolEvent {
  name: string;
  args: Result;
  blockNumber: number;
  transactionHash: string;
  logIndex: number;
}

export type GetPoolEventsReturnType = PoolEvent[];

/**
 * A pool's events over a block range, decoded, in chain order; paged by block range (providers cap `eth_getLogs`).
 * @example for (const e of await getPoolEvents(pool, { fromBlock: 0 })) console.log(e.name, e.args.toObject());
 */
export async function getPoolEvents(pool: IRewardPool, p: GetPoolEventsParameters): Promise<GetPoolEventsReturnType> {
  const provider = pool.runner?.provider;
  if (provider === null || provider === undefined) throw new InvalidInputError("getPoolEvents needs a provider");
  const pageSize = p.pageSize ?? 10_000;
  if (pageSize < 1) throw new InvalidInputError(`pageSize must be at least 1, got ${pageSize}`);
  const toBlock = p.toBlock ?? (await provider.getBlockNumber());
  const address = await pool.getAddress();
  const out: PoolEvent[] = [];
  for (let from = p.fromBlock; from <= toBlock; from += pageSize) {
    const to = Math.min(toBlock, from + pageSize - 1);
    const logs = await provider.getLogs({
      address,
      fromBlock: from,
      toBlock: to,
      ...(p.topics === undefined ? {} : { topics: p.topics }),
    });
    out.push(...decodePoolLogs(pool, logs));
  }
  return out;
}

/** Decodes logs with the pool's ABI (skipping any it does not know), in chain order. */
export function decodePoolLogs(pool: IRewardPool, logs: readonly Log[]): PoolEvent[] {
  const out: PoolEvent[] = [];
  for (const log of logs) {
    const parsed = pool.interface.parseLog(log);
    if (parsed === null) continue;
    out.push({
      name: parsed.name,
      args: parsed.args,
      blockNumber: log.blockNumber,
      transactionHash: log.transactionHash,
      logIndex: log.index,
    });
  }
  return out.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}
