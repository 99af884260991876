import type { IRewardPool } from "../contracts/index.js";
import type { DeviceSignature } from "../core/work.js";
import type { Proof, QuorumSignatures } from "../core/pool.js";
import { InvalidInputError } from "../errors/base.js";
import { poolErrorInterfaces } from "./pool.js";
import { sendOnce } from "./sendOnce.js";

export interface SubmitProofBatchParameters {
  epoch: bigint;
  batchNonce: bigint;
  proofs: readonly Proof[];
  /** The devices' signatures over their reports, in proof order, in pools that require them (else none). */
  deviceSignatures?: readonly DeviceSignature[];
  /** The quorum's signatures over the batch (`attestBatch`, or `combineSignatures` of each verifier's). */
  quorum: QuorumSignatures;
}

export interface SubmitProofBatchReturnType {
  transactionHash: string;
  blockNumber: number;
  gasUsed: bigint;
  /** True when the batch had already been recorded (an earlier attempt whose answer was lost, or another sender). */
  alreadyLanded: boolean;
}

/**
 * Records one quorum-signed batch of proofs (ledger mode); anyone may send it. If the answer to the transaction is
 * lost, the pool's `BatchRecorded` events for this epoch and batch nonce are checked before it is sent again: a batch
 * is never sent twice.
 * @example await submitProofBatch(pool, { epoch: 3n, batchNonce: 7n, proofs, quorum: combineSignatures(signed) });
 */
export async function submitProofBatch(
  pool: IRewardPool,
  p: SubmitProofBatchParameters,
): Promise<SubmitProofBatchReturnType> {
  if (p.proofs.length === 0) throw new InvalidInputError("the batch holds no proofs");
  const provider = pool.runner?.provider;
  if (provider === null || provider === undefined) throw new InvalidInputError("submitProofBatch needs a provider");
  const startBlock = await provider.getBlockNumber();
  const { receipt, alreadyLanded } = await sendOnce({
    interfaces: poolErrorInterfaces,
    contract: pool,
    send: () =>
      pool.recordProofs(p.epoch, p.batchNonce, [...p.proofs], [...(p.deviceSignatures ?? [])], {
        signers: [...p.quorum.signers],
        signatures: [...p.quorum.signatures],
      }),
    landed: async () =>
      (await pool.queryFilter(pool.filters.BatchRecorded(p.epoch, p.batchNonce), startBlock + 1))[0]?.transactionHash,
  });
  return { transactionHash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, alreadyLanded };
}
