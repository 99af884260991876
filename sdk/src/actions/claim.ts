import type { IRewardPool } from "../contracts/index.js";
import { sendOnce } from "./sendOnce.js";
import type { TransactionResult } from "./transaction.js";
import { poolErrorInterfaces } from "./pool.js";
import { NO_EPOCH, blockNumberOf, claimedIn, claimedSince } from "./claimEvents.js";

/** An account's epoch-mode leaf and its proof, as `proofFor` finds them in a manifest. */
export interface EpochLeafProof {
  cumulative: bigint;
  proof: string[];
}

export interface ClaimReturnType extends TransactionResult {
  /** Paid from ledger credit and from epoch mode, in token units (the relayer's fee included). */
  ledgerAmount: bigint;
  epochAmount: bigint;
  amount: bigint;
  /** True when an earlier attempt whose answer was lost (or another sender) made this claim. */
  alreadyLanded: boolean;
}

/**
 * Claims everything `account` is owed by both modes (ledger credit, and the epoch-mode cumulative when `epoch` is
 * given); anyone may send it, the funds go to `account`. If the answer to the transaction is lost, the account's
 * `Claimed` events are checked before it is sent again (`sendOnce`).
 * @example const { amount } = await claim(pool, operator, proofFor(manifest, operator));
 */
export async function claim(
  pool: IRewardPool,
  account: string,
  epoch: EpochLeafProof = NO_EPOCH,
): Promise<ClaimReturnType> {
  const startBlock = await blockNumberOf(pool);
  const { receipt, alreadyLanded } = await sendOnce({
    interfaces: poolErrorInterfaces,
    contract: pool,
    send: () => pool.claim(account, epoch.cumulative, epoch.proof),
    landed: () => claimedSince(pool, account, startBlock),
  });
  return claimedIn(pool, receipt, alreadyLanded);
}
