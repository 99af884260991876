import type { IRewardPool } from "../contracts/index.js";
import { type Clawback, type QuorumSigner, attestClawback } from "../core/pool.js";
import { InvalidInputError } from "../errors/base.js";
import { type TransactionResult, sendTransaction } from "./transaction.js";
import { poolErrorInterfaces } from "./pool.js";
import { readPoolDomain } from "./readPoolDomain.js";

/**
 * Takes back unclaimed ledger credit of fraudulent work, with the quorum's signatures over the clawback (each
 * verifier signs `CLAWBACK_TYPES` with the pool's domain; `attestClawback` collects them).
 * @example await clawbackCredit(pool.connect(relayer), { clawback, verifiers: quorum });
 */
export async function clawbackCredit(
  pool: IRewardPool,
  p: { clawback: Clawback; verifiers: readonly QuorumSigner[] },
): Promise<TransactionResult> {
  if (p.clawback.amountWad <= 0n) throw new InvalidInputError("a clawback takes a positive amount (amountWad)");
  const signatures = await attestClawback(p.verifiers, await readPoolDomain(pool), p.clawback);
  const c = p.clawback;
  return sendTransaction(poolErrorInterfaces, () =>
    pool.clawback(c.account, c.deviceId, c.amountWad, c.reasonHash, c.nonce, c.deadline, signatures),
  );
}
