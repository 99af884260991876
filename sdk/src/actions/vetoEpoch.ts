import type { IRewardPool } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { poolErrorInterfaces } from "./pool.js";
import { reasonHashParam } from "./suspendDevice.js";
import { sendTransaction, type TransactionResult } from "./transaction.js";

export interface VetoEpochParameters {
  /** The epoch of the pending root. */
  epoch: bigint;
  /**
   * The commit nonce of the root the guardian checked (`epochRoots().pending.nonce`): the pool refuses the veto if
   * another commit replaced that one meanwhile, so a veto never hits a root nobody looked at.
   */
  nonce: bigint;
  /** 32 bytes on the record with `EpochVetoed`, e.g. `id("inflated units")`. */
  reasonHash: string;
}

export type VetoEpochReturnType = TransactionResult;

/**
 * Vetoes the pending epoch root of `epoch` during its challenge period: it never pays, and its commit nonce is spent
 * so it cannot come back; the root in force keeps paying. The pool's guardian only.
 * @example await vetoEpoch(rewardPoolAt(pool, guardian), { epoch: 12n, nonce, reasonHash: id("inflated units") });
 */
export async function vetoEpoch(pool: IRewardPool, p: VetoEpochParameters): Promise<VetoEpochReturnType> {
  if (p.epoch < 0n || p.epoch >= 1n << 32n) throw new InvalidInputError(`epoch ${p.epoch} is out of range`);
  if (p.nonce < 0n || p.nonce >= 1n << 32n) throw new InvalidInputError(`nonce ${p.nonce} is out of range`);
  const reasonHash = reasonHashParam(p.reasonHash);
  return sendTransaction(poolErrorInterfaces, () => pool.vetoEpoch(p.epoch, p.nonce, reasonHash));
}
