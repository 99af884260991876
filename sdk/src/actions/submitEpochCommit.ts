import type { IRewardPool } from "../contracts/index.js";
import type { EpochCommit, QuorumSignatures } from "../core/pool.js";
import { poolErrorInterfaces } from "./pool.js";
import { type TransactionResult, sendTransaction } from "./transaction.js";

/**
 * Submits an epoch commit the quorum signed (each verifier signs `EPOCH_COMMIT_TYPES` on its own machine;
 * `combineSignatures` orders them): anyone may send it.
 * @example await submitEpochCommit(pool.connect(relayer), { commit, signatures: combineSignatures(signed) });
 */
export async function submitEpochCommit(
  pool: IRewardPool,
  p: { commit: EpochCommit; signatures: QuorumSignatures },
): Promise<TransactionResult> {
  return sendTransaction(poolErrorInterfaces, () => pool.commitEpoch(p.commit, p.signatures));
}
