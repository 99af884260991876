import type { IRewardPool } from "../contracts/index.js";
import { poolErrorInterfaces } from "./pool.js";
import { addressParam, sendTransaction, type TransactionResult } from "./transaction.js";

export interface SetGuardianParameters {
  /** Who may pause, veto pending roots and cancel scheduled changes; the zero address leaves none. */
  guardian: string;
}

export type SetGuardianReturnType = TransactionResult;

/**
 * Sets the pool's guardian. The pool's admin only.
 * @example await setGuardian(pool, { guardian: safeAddress });
 */
export async function setGuardian(pool: IRewardPool, p: SetGuardianParameters): Promise<SetGuardianReturnType> {
  const guardian = addressParam(p.guardian, "guardian");
  return sendTransaction(poolErrorInterfaces, () => pool.setGuardian(guardian));
}
