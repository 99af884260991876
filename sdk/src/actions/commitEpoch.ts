import type { IRewardPool } from "../contracts/index.js";
import { type BuiltEpoch, epochCommitOf } from "../core/epoch.js";
import { type EpochCommit, type QuorumSignatures, type QuorumSigner, attestEpoch } from "../core/pool.js";
import { InvalidInputError } from "../errors/base.js";
import { readPoolDomain } from "./readPoolDomain.js";
import type { TransactionResult } from "./transaction.js";
import { submitEpochCommit } from "./submitEpochCommit.js";

export interface CommitEpochReturnType extends TransactionResult {
  nonce: bigint;
  /** What the quorum signed and the signatures, as submitted (an auditor's record of the commit). */
  commit: EpochCommit;
  signatures: QuorumSignatures;
}

/**
 * Commits a built epoch published at `uri`: reads the pool's commit nonce, collects the quorum's signatures and
 * submits. Returns the commit nonce used, what was signed and the transaction.
 * @example const { nonce } = await commitEpoch(pool, { built, uri: "ipfs://…", verifiers: quorum });
 */
export async function commitEpoch(
  pool: IRewardPool,
  p: {
    built: BuiltEpoch;
    uri: string;
    verifiers: readonly QuorumSigner[];
    /** How long the signed commit stays valid, in seconds from the latest block (default one hour). */
    validFor?: bigint;
  },
): Promise<CommitEpochReturnType> {
  const [nonce, domain, head] = await Promise.all([
    pool.commitNonce(),
    readPoolDomain(pool),
    pool.runner?.provider?.getBlock("latest"),
  ]);
  if (head === null || head === undefined) throw new InvalidInputError("commitEpoch needs a pool with a provider");
  const commit = epochCommitOf(p.built, p.uri, nonce, BigInt(head.timestamp) + (p.validFor ?? 3_600n));
  const signatures = await attestEpoch(p.verifiers, domain, commit);
  return { ...(await submitEpochCommit(pool, { commit, signatures })), nonce, commit, signatures };
}
