import type { IRewardPool } from "../contracts/index.js";
import { withDecodedErrors } from "../errors/contract.js";
import { poolErrorInterfaces } from "./pool.js";

export interface PoolAccount {
  /** Ledger credit not yet paid, in WAD (token units × 1e18); the part below one token unit carries. */
  unpaidWad: bigint;
  ledgerClaimable: bigint;
  /** What epoch mode has paid the account so far, in token units. */
  paidEpoch: bigint;
  claimNonce: bigint;
}

/**
 * An account's ledger entry in a pool.
 * @example const { ledgerClaimable } = await getPoolAccount(pool, operator);
 */
export async function getPoolAccount(
  pool: IRewardPool,
  account: string,
  overrides: { blockTag?: number } = {},
): Promise<PoolAccount> {
  const a = await withDecodedErrors(poolErrorInterfaces, () => pool.account(account, overrides));
  return {
    unpaidWad: a.unpaidWad,
    ledgerClaimable: a.ledgerClaimable,
    paidEpoch: a.paidEpoch,
    claimNonce: a.claimNonce,
  };
}
