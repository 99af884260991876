import type { IRewardPool } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { getClaimable } from "./getClaimable.js";
import { getPoolEvents } from "./getPoolEvents.js";
import { readLedgerCredits } from "./ledgerCredits.js";
import { getPoolAccount } from "./getPoolAccount.js";
import { type EpochLeafProof } from "./claim.js";
import { addressParam } from "./transaction.js";

export interface GetAccountEarningsParameters {
  account: string;
  /** The account's leaf and proof in the root in force (`proofFor(manifest, account)`), for the epoch-mode part. */
  epoch?: EpochLeafProof;
  /** The pool's creation block or earlier (default 0). */
  fromBlock?: number;
  /** Default: the latest block. */
  toBlock?: number;
}

export interface GetAccountEarningsReturnType {
  account: string;
  ledger: {
    /** Σ units × rate of the proofs credited to the account (`WorkRecorded`), in WAD. */
    creditedWad: bigint;
    /** Clawed back for fraud (`ClawedBack`), in WAD. */
    clawedBackWad: bigint;
    /** Paid by claims (`Claimed.ledgerAmount`), in token units. */
    paid: bigint;
    /** Not paid yet (the pool's view), in WAD; the part below one token unit carries to the next claim. */
    unpaidWad: bigint;
    claimable: bigint;
  };
  epochMode: {
    /** The leaf given (the cumulative owed in the root in force), or 0 without one. */
    cumulative: bigint;
    /** What epoch mode has paid the account (the pool's view). */
    paid: bigint;
    /** What the leaf pays now. */
    claimable: bigint;
  };
  /** What one claim pays now, both modes. */
  claimable: bigint;
  /** The nonce the account's next signed (gasless) claim must carry. */
  claimNonce: bigint;
}

/**
 * An account's earnings in a pool, both modes: ledger credit, clawbacks and payments from the pool's events, what
 * is unpaid from its views, and what a claim pays now (`claimable`, with the epoch-mode leaf when given). The
 * events and the views must agree (credited − clawed back − paid = unpaid, in whole token units); a `fromBlock`
 * after the pool's first credit to the account makes them disagree and throws.
 * @example const e = await getAccountEarnings(pool, { account, epoch: proofFor(manifest, account) });
 */
export async function getAccountEarnings(
  pool: IRewardPool,
  p: GetAccountEarningsParameters,
): Promise<GetAccountEarningsReturnType> {
  const account = addressParam(p.account, "account");
  const provider = pool.runner?.provider;
  if (provider === null || provider === undefined) throw new InvalidInputError("getAccountEarnings needs a provider");
  const fromBlock = p.fromBlock ?? 0;
  const toBlock = p.toBlock ?? (await provider.getBlockNumber());
  const at = { blockTag: toBlock };
  const [credits, clawbacks, claims, view, claimable] = await Promise.all([
    readLedgerCredits(pool, { account, fromBlock, toBlock }),
    pool.filters
      .ClawedBack(account)
      .getTopicFilter()
      .then((topics) => getPoolEvents(pool, { fromBlock, toBlock, topics })),
    pool.filters
      .Claimed(account)
      .getTopicFilter()
      .then((topics) => getPoolEvents(pool, { fromBlock, toBlock, topics })),
    getPoolAccount(pool, account, at),
    getClaimable(pool, { account, ...(p.epoch === undefined ? {} : { epoch: p.epoch }) }),
  ]);
  const creditedWad = credits.reduce((sum, c) => sum + c.rewardWad, 0n);
  const clawedBackWad = clawbacks.reduce((sum, e) => sum + (e.args.amountWad as bigint), 0n);
  const paidLedger = claims.reduce((sum, e) => sum + (e.args.ledgerAmount as bigint), 0n);
  if (creditedWad - clawedBackWad - paidLedger * 10n ** 18n !== view.unpaidWad) {
    throw new InvalidInputError(
      `the pool's events from block ${fromBlock} do not add up to ${account}'s ledger entry`,
      {
        details: "pass a fromBlock at or before the block the pool was created in",
      },
    );
  }
  return {
    account,
    ledger: {
      creditedWad,
      clawedBackWad,
      paid: paidLedger,
      unpaidWad: view.unpaidWad,
      claimable: claimable.ledgerAmount,
    },
    epochMode: { cumulative: p.epoch?.cumulative ?? 0n, paid: view.paidEpoch, claimable: claimable.epochAmount },
    claimable: claimable.total,
    claimNonce: view.claimNonce,
  };
}
