import type { IRewardPool } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { poolErrorInterfaces } from "./pool.js";
import { addressParam, sendTransaction, type TransactionResult } from "./transaction.js";

export interface QueueVerifierChangeParameters {
  /** Verifiers to add (any order; the SDK sorts them as the pool requires). */
  add?: readonly string[];
  /** Current verifiers to remove (any order). */
  remove?: readonly string[];
  /** Signatures needed once the change is in force. */
  quorum: number;
}

export interface QueueVerifierChangeReturnType extends TransactionResult {
  /** When the change is in force (unix seconds): `changeDelay` from now. */
  eta: bigint;
}

/**
 * Schedules a verifier-set and quorum change, announced by `VerifierChangeQueued` and in force `changeDelay` seconds
 * later (anyone may then `applyQueuedChanges`; recording and committing apply it too). Replaces a change not yet in
 * force. The pool's admin only.
 * @example await queueVerifierChange(pool, { add: [newVerifier], remove: [oldVerifier], quorum: 3 });
 */
export async function queueVerifierChange(
  pool: IRewardPool,
  p: QueueVerifierChangeParameters,
): Promise<QueueVerifierChangeReturnType> {
  const add = sortedAddresses(p.add ?? [], "add");
  const remove = sortedAddresses(p.remove ?? [], "remove");
  if (!Number.isInteger(p.quorum) || p.quorum < 1 || p.quorum > 255) {
    throw new InvalidInputError(`quorum must be a whole number 1..255, got ${p.quorum}`);
  }
  const sent = await sendTransaction(poolErrorInterfaces, () => pool.queueVerifierChange(add, remove, p.quorum));
  const receipt = await pool.runner?.provider?.getTransactionReceipt(sent.transactionHash);
  for (const log of receipt?.logs ?? []) {
    const parsed = pool.interface.parseLog(log);
    if (parsed?.name === "VerifierChangeQueued") return { ...sent, eta: parsed.args.eta as bigint };
  }
  throw new InvalidInputError(`transaction ${sent.transactionHash} queued no verifier change`);
}

/** The pool takes each list strictly ascending (no duplicates). */
function sortedAddresses(list: readonly string[], field: string): string[] {
  const out = list.map((a) => addressParam(a, field)).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  out.forEach((a, i) => {
    if (i > 0 && a === out[i - 1]) throw new InvalidInputError(`${field} lists ${a} twice`);
  });
  return out;
}
