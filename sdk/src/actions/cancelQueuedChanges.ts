import type { IRewardPool } from "../contracts/index.js";
import { poolErrorInterfaces } from "./pool.js";
import { sendTransaction, type TransactionResult } from "./transaction.js";

export type CancelQueuedChangesParameters = Record<string, never>;

export interface CancelQueuedChangesReturnType extends TransactionResult {
  /** Whether a queued verifier change was cancelled. */
  verifiers: boolean;
  /** Whether scheduled reward parameters were cancelled. */
  params: boolean;
}

/**
 * Cancels the scheduled changes that are not in force yet (a verifier change before its eta, reward parameters
 * before their epoch starts). The pool's admin or guardian.
 * @example const { verifiers, params } = await cancelQueuedChanges(pool, {});
 */
export async function cancelQueuedChanges(
  pool: IRewardPool,
  _p: CancelQueuedChangesParameters = {},
): Promise<CancelQueuedChangesReturnType> {
  const sent = await sendTransaction(poolErrorInterfaces, () => pool.cancelQueuedChanges());
  const receipt = await pool.runner?.provider?.getTransactionReceipt(sent.transactionHash);
  for (const log of receipt?.logs ?? []) {
    const parsed = pool.interface.parseLog(log);
    if (parsed?.name === "QueuedChangeCancelled") {
      return { ...sent, verifiers: parsed.args.verifiers as boolean, params: parsed.args.params as boolean };
    }
  }
  return { ...sent, verifiers: false, params: false };
}
