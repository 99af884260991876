import type { IRewardPool } from "../contracts/index.js";
import { poolErrorInterfaces } from "./pool.js";
import { sendTransaction, type TransactionResult } from "./transaction.js";

export type CancelGuardianChangeReturnType = TransactionResult;

/**
 * Cancels a scheduled guardian change that is not yet in force. The pool's admin only (a guardian cannot keep itself).
 * @example await cancelGuardianChange(rewardPoolAt(pool, admin));
 */
export async function cancelGuardianChange(pool: IRewardPool): Promise<CancelGuardianChangeReturnType> {
  return sendTransaction(poolErrorInterfaces, () => pool.cancelGuardianChange());
}
