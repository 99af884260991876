import type { IRewardPool } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { type TransactionResult, sendTransaction } from "./transaction.js";
import { poolErrorInterfaces } from "./pool.js";

/**
 * Funds the pool from the signer's balance (approve first) under a reference. See also `fundPoolWithPermit` and
 * `fundPoolWithAuthorization`, which need no approval.
 * @example await fundPool(rewardPoolAt(pool, funder), { amount: 1_000_000_000n, ref: id("customer-contract-17") });
 */
export async function fundPool(pool: IRewardPool, p: { amount: bigint; ref: string }): Promise<TransactionResult> {
  if (p.amount <= 0n) throw new InvalidInputError(`funding amount must be positive, got ${p.amount}`);
  return sendTransaction(poolErrorInterfaces, () => pool.fund(p.amount, p.ref));
}
