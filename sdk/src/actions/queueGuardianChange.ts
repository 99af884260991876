import type { IRewardPool } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { poolErrorInterfaces } from "./pool.js";
import { addressParam, sendTransaction, type TransactionResult } from "./transaction.js";

export interface QueueGuardianChangeParameters {
  /** The next guardian: who may pause, veto pending roots and cancel changes not yet in force. Never zero. */
  guardian: string;
}

export type QueueGuardianChangeReturnType = TransactionResult;

/**
 * Schedules a new guardian, in force `changeDelay` after this call (`GuardianChangeQueued` announces it); until then
 * the admin can cancel it (`cancelGuardianChange`), the guardian cannot. The pool's admin only.
 * @example await queueGuardianChange(rewardPoolAt(pool, admin), { guardian: safeAddress });
 */
export async function queueGuardianChange(
  pool: IRewardPool,
  p: QueueGuardianChangeParameters,
): Promise<QueueGuardianChangeReturnType> {
  const guardian = addressParam(p.guardian, "guardian");
  if (BigInt(guardian) === 0n) {
    throw new InvalidInputError("the guardian cannot be the zero address", {
      details: "a pool always has a guardian: name the account (e.g. a multisig) that may pause and veto",
    });
  }
  return sendTransaction(poolErrorInterfaces, () => pool.queueGuardianChange(guardian));
}
