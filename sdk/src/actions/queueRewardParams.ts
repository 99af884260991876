import type { IRewardPool } from "../contracts/index.js";
import type { EpochParams } from "../core/epoch.js";
import { InvalidInputError } from "../errors/base.js";
import { poolErrorInterfaces } from "./pool.js";
import { sendTransaction, type TransactionResult } from "./transaction.js";

export interface QueueRewardParamsParameters {
  /** rate: token units per work unit × 1e18; epochBudget: token units per epoch; deviceCap: units per device. */
  params: EpochParams;
}

export interface QueueRewardParamsReturnType extends TransactionResult {
  /** The first epoch paid at the new parameters: the first that starts `changeDelay` or more from now. */
  fromEpoch: bigint;
  /** When that epoch starts (unix seconds). */
  startsAt: bigint;
}

/**
 * Schedules new reward parameters, announced by `RewardParamsScheduled` and in force from the first epoch that
 * starts at least `changeDelay` seconds later; replaces a schedule not yet in force. The pool's admin only.
 * @example const { fromEpoch } = await queueRewardParams(pool, { params: { rate, epochBudget, deviceCap } });
 */
export async function queueRewardParams(
  pool: IRewardPool,
  p: QueueRewardParamsParameters,
): Promise<QueueRewardParamsReturnType> {
  for (const field of ["rate", "epochBudget", "deviceCap"] as const) {
    if (p.params[field] <= 0n) throw new InvalidInputError(`params.${field} must be positive, got ${p.params[field]}`);
  }
  const sent = await sendTransaction(poolErrorInterfaces, () => pool.queueRewardParams({ ...p.params }));
  const receipt = await pool.runner?.provider?.getTransactionReceipt(sent.transactionHash);
  for (const log of receipt?.logs ?? []) {
    const parsed = pool.interface.parseLog(log);
    if (parsed?.name === "RewardParamsScheduled") {
      return { ...sent, fromEpoch: parsed.args.fromEpoch as bigint, startsAt: parsed.args.startsAt as bigint };
    }
  }
  throw new InvalidInputError(`transaction ${sent.transactionHash} scheduled no reward parameters`);
}
