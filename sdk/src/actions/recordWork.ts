import type { IRewardPool } from "../contracts/index.js";
import { type Proof, type QuorumSigner, attestBatch } from "../core/pool.js";
import { InvalidInputError } from "../errors/base.js";
import { type SubmitProofBatchReturnType, submitProofBatch } from "./submitProofBatch.js";
import { readPoolDomain } from "./readPoolDomain.js";

export interface RecordWorkParams {
  epoch: bigint;
  proofs: readonly Proof[];
  verifiers: readonly QuorumSigner[];
  /** First batch nonce to use; batches take consecutive nonces. */
  firstNonce: bigint;
  /** Proofs per transaction (500 fits comfortably under the per-transaction gas cap). */
  batchSize?: number;
  /** Called after each batch is mined with the proofs recorded so far and the total (progress bars). */
  onBatch?: (recorded: number, total: number) => void;
}

export interface RecordWorkReturnType {
  /** The next unused batch nonce. */
  nextNonce: bigint;
  /** One per batch, in order. */
  batches: (SubmitProofBatchReturnType & { nonce: bigint; proofs: number })[];
}

/**
 * Records verified work in batches, each attested by `verifiers` (a quorum of the pool's verifier set); each batch
 * goes through `submitProofBatch`, so none is ever sent twice.
 * @example const { nextNonce } = await recordWork(pool.connect(relayer), { epoch: 3n, proofs, verifiers: quorum, firstNonce: 0n });
 */
export async function recordWork(pool: IRewardPool, p: RecordWorkParams): Promise<RecordWorkReturnType> {
  const batchSize = p.batchSize ?? 500;
  if (batchSize < 1 || batchSize > 1000) throw new InvalidInputError(`batchSize must be 1..1000, got ${batchSize}`);
  if (p.proofs.length === 0) throw new InvalidInputError("no proofs to record");
  const domain = await readPoolDomain(pool);
  let nonce = p.firstNonce;
  const batches: RecordWorkReturnType["batches"] = [];
  for (let start = 0; start < p.proofs.length; start += batchSize) {
    const batch = p.proofs.slice(start, start + batchSize);
    const quorum = await attestBatch(p.verifiers, domain, p.epoch, nonce, batch);
    const submitted = await submitProofBatch(pool, { epoch: p.epoch, batchNonce: nonce, proofs: batch, quorum });
    batches.push({ ...submitted, nonce, proofs: batch.length });
    nonce += 1n;
    p.onBatch?.(start + batch.length, p.proofs.length);
  }
  return { nextNonce: nonce, batches };
}
