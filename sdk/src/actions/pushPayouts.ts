/**
 * Push payouts (issue 13): accounts opt in to being paid without claiming, to a recipient they choose; a keeper pays
 * many of them in one transaction with one multiproof. Also the batch builder for `claimBatchWithSig`.
 */
import { ZeroAddress, type TypedDataDomain } from "ethers";

import type { IRewardPool } from "../contracts/index.js";
import type { AccountTree } from "../core/merkle.js";
import { PUSH_RECIPIENT_TYPES, type PushRecipientChoice, type QuorumSigner, type SignedClaim } from "../core/pool.js";
import { InvalidInputError } from "../errors/base.js";
import { poolErrorInterfaces } from "./pool.js";
import { addressParam, sendTransaction, type TransactionResult } from "./transaction.js";

/** Why a push payout skipped an account: the contract's `PushSkipReason`, by name. */
export const PUSH_SKIP_REASONS = [
  "None",
  "NotOptedIn",
  "NothingToPay",
  "BelowMinimumClaim",
  "EpochPayoutCapped",
  "OutflowLimited",
  "AccountBlocked",
  "RecipientBlocked",
  "TransferFailed",
] as const;
export type PushSkipReason = (typeof PUSH_SKIP_REASONS)[number];

/** Accounts per transaction by default: about 2 million gas in epoch mode, far below a block. */
export const DEFAULT_PUSH_BATCH = 100;

/**
 * Opts the connected signer's account in to push payouts, paid to `recipient` (default: itself).
 * @example await optInPush(pool.connect(operator), { recipient: treasury });
 */
export async function optInPush(pool: IRewardPool, p: { recipient?: string } = {}): Promise<TransactionResult> {
  const recipient = p.recipient === undefined ? await signerAddress(pool) : addressParam(p.recipient, "recipient");
  if (recipient === ZeroAddress) {
    throw new InvalidInputError("recipient is the zero address", { details: "to opt out, use optOutPush" });
  }
  return sendTransaction(poolErrorInterfaces, () => pool.setPushRecipient(recipient));
}

/** Opts the connected signer's account out of push payouts: only claims pay it again. */
export async function optOutPush(pool: IRewardPool): Promise<TransactionResult> {
  return sendTransaction(poolErrorInterfaces, () => pool.setPushRecipient(ZeroAddress));
}

/**
 * The account's signature for a push choice (`recipient` zero: opt out), to hand to a relayer; the nonce is its
 * next claim nonce, which the choice spends.
 */
export async function signPushRecipient(
  signer: QuorumSigner,
  domain: TypedDataDomain,
  c: PushRecipientChoice,
): Promise<string> {
  if (signer.address.toLowerCase() !== c.account.toLowerCase()) {
    throw new InvalidInputError(`the push choice is for ${c.account} but ${signer.address} is signing`);
  }
  return signer.signTypedData(domain, PUSH_RECIPIENT_TYPES, { ...c });
}

/** Submits a signed push choice (any sender pays the gas). */
export async function relayPushRecipient(
  pool: IRewardPool,
  p: { choice: PushRecipientChoice; signature: string },
): Promise<TransactionResult> {
  const c = p.choice;
  return sendTransaction(poolErrorInterfaces, () =>
    pool.setPushRecipientWithSig(c.account, c.recipient, c.nonce, c.deadline, p.signature),
  );
}

/** One account's outcome in a push payout. */
export type PushResult =
  | { account: string; status: "paid"; recipient: string; ledgerAmount: bigint; epochAmount: bigint }
  | { account: string; status: "skipped"; reason: PushSkipReason };

export interface PushPayoutsParameters {
  /** The accounts to pay (each at most once); those with a leaf in `tree` are paid their epoch amount too. */
  accounts: readonly string[];
  /** The tree of the root in force (`BuiltEpoch.tree`, or rebuilt from its manifest); omit for ledger credit only. */
  tree?: AccountTree;
  /** Accounts per transaction (default {DEFAULT_PUSH_BATCH}). */
  batchSize?: number;
}

export interface PushPayoutsReturnType {
  /** Every account's outcome, in the order given. */
  results: PushResult[];
  paid: bigint;
  transactions: TransactionResult[];
}

/** The arguments of one `pushPayouts` call: the tree's accounts first, in multiproof order, then the others. */
export function pushPayoutArgs(
  accounts: readonly string[],
  tree?: AccountTree,
): { accounts: string[]; cumulatives: bigint[]; proof: string[]; proofFlags: boolean[] } {
  const inTree = tree === undefined ? [] : accounts.filter((a) => tree.has(a));
  const others = accounts.filter((a) => tree === undefined || !tree.has(a));
  const multi = tree === undefined ? { leaves: [], proof: [], proofFlags: [] } : tree.multiProof(inTree);
  return {
    accounts: [...multi.leaves.map(([a]) => a), ...others],
    cumulatives: [...multi.leaves.map(([, c]) => c), ...others.map(() => 0n)],
    proof: multi.proof,
    proofFlags: multi.proofFlags,
  };
}

/**
 * Pays opted-in accounts by push, `batchSize` per transaction (callable by anyone: a keeper), the tree's accounts in
 * leaf order so that each batch's multiproof is as short as it can be. A skipped account
 * (not opted in, nothing owed, below the minimum claim, the outflow breaker, a blacklist, a failed transfer) keeps
 * its credit; its reason comes back in `results`.
 * @example const { results } = await pushPayouts(pool.connect(keeper), { accounts, tree: built.tree });
 */
export async function pushPayouts(pool: IRewardPool, p: PushPayoutsParameters): Promise<PushPayoutsReturnType> {
  const batchSize = p.batchSize ?? DEFAULT_PUSH_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidInputError(`batchSize ${batchSize} is not a positive integer`);
  }
  const accounts = p.accounts.map((a, i) => addressParam(a, `accounts[${i}]`));
  const seen = new Set<string>();
  for (const a of accounts) {
    if (seen.has(a)) throw new InvalidInputError(`account ${a} is listed twice`, { details: "list each once" });
    seen.add(a);
  }
  if (accounts.length === 0) throw new InvalidInputError("no accounts to pay");
  // Batches of neighbouring leaves share most of their multiproof: the tree's accounts in leaf order, then the rest.
  const ordered = orderForProofs(accounts, p.tree);
  const outcome = new Map<string, PushResult>();
  const transactions: TransactionResult[] = [];
  let paid = 0n;
  for (let start = 0; start < accounts.length; start += batchSize) {
    const args = pushPayoutArgs(ordered.slice(start, start + batchSize), p.tree);
    const tx = await sendTransaction(poolErrorInterfaces, () =>
      pool.pushPayouts(args.accounts, args.cumulatives, args.proof, args.proofFlags),
    );
    const receipt = await pool.runner?.provider?.getTransactionReceipt(tx.transactionHash);
    if (receipt === null || receipt === undefined) {
      throw new InvalidInputError(`no receipt for push payout transaction ${tx.transactionHash}`);
    }
    transactions.push(tx);
    for (const log of receipt.logs) {
      const parsed = pool.interface.parseLog(log);
      if (parsed?.name === "Claimed") {
        const account = parsed.args.account as string;
        const ledgerAmount = parsed.args.ledgerAmount as bigint;
        const epochAmount = parsed.args.epochAmount as bigint;
        paid += ledgerAmount + epochAmount;
        outcome.set(account, {
          account,
          status: "paid",
          recipient: parsed.args.recipient as string,
          ledgerAmount,
          epochAmount,
        });
      } else if (parsed?.name === "PushSkipped") {
        const account = parsed.args.account as string;
        const reason = PUSH_SKIP_REASONS[Number(parsed.args.reason)] ?? "None";
        outcome.set(account, { account, status: "skipped", reason });
      }
    }
  }
  const results = accounts.map((a) => {
    const r = outcome.get(a);
    if (r === undefined) throw new InvalidInputError(`the pool reported nothing for ${a}`);
    return r;
  });
  return { results, paid, transactions };
}

/** A signed claim for {claimBatchArgs}: the claim, its signature and the fee the relayer takes. */
export interface BatchClaim {
  claim: SignedClaim;
  signature: string;
  fee: bigint;
}

/**
 * The arguments of one `claimBatchWithSig` call: each claim encoded as the `claimWithSig` call a relayer would send
 * alone, the tree's accounts first (their cumulative from the tree, in multiproof order), then the ledger-only ones.
 */
export function claimBatchArgs(
  pool: IRewardPool,
  claims: readonly BatchClaim[],
  tree?: AccountTree,
): { claims: string[]; proof: string[]; proofFlags: boolean[] } {
  const byAccount = new Map<string, BatchClaim>();
  for (const c of claims) {
    const account = addressParam(c.claim.account, "claim.account");
    if (byAccount.has(account)) throw new InvalidInputError(`account ${account} has two claims in one batch`);
    byAccount.set(account, c);
  }
  const args = pushPayoutArgs([...byAccount.keys()], tree);
  return {
    claims: args.accounts.map((a, i) => {
      const c = byAccount.get(a)!;
      return pool.interface.encodeFunctionData("claimWithSig", [c.claim, args.cumulatives[i]!, [], c.fee, c.signature]);
    }),
    proof: args.proof,
    proofFlags: args.proofFlags,
  };
}

function orderForProofs(accounts: readonly string[], tree?: AccountTree): string[] {
  if (tree === undefined) return [...accounts];
  const wanted = new Set(accounts);
  const inTree = tree
    .values()
    .map(([a]) => a)
    .filter((a) => wanted.has(a));
  return [...inTree, ...accounts.filter((a) => !tree.has(a))];
}

async function signerAddress(pool: IRewardPool): Promise<string> {
  const runner = pool.runner as { getAddress?: () => Promise<string> } | null;
  if (runner?.getAddress === undefined) {
    throw new InvalidInputError("optInPush needs a pool connected to the account's signer");
  }
  return runner.getAddress();
}
