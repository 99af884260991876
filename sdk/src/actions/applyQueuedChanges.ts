import type { IRewardPool } from "../contracts/index.js";
import { poolErrorInterfaces } from "./pool.js";
import { sendTransaction, type TransactionResult } from "./transaction.js";

export type ApplyQueuedChangesParameters = Record<string, never>;

export type ApplyQueuedChangesReturnType = TransactionResult;

/**
 * Applies a queued verifier change whose delay has passed (reward parameters need no applying: each epoch reads its
 * own). Anyone may send it; refused with `RewardPoolChangeNotDue` before its time, `RewardPoolNoQueuedChange` if
 * nothing is queued.
 * @example await applyQueuedChanges(pool, {});
 */
export async function applyQueuedChanges(
  pool: IRewardPool,
  _p: ApplyQueuedChangesParameters = {},
): Promise<ApplyQueuedChangesReturnType> {
  return sendTransaction(poolErrorInterfaces, () => pool.applyQueuedChanges());
}
