import type { IRewardPool } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { poolErrorInterfaces } from "./pool.js";
import { sendTransaction, type TransactionResult } from "./transaction.js";

export interface SetClaimSettingsParameters {
  /** The smallest claim paid, in token units (at most 2^40 - 1). */
  minClaim: bigint;
  /** The most a relayer may take from a signed claim, in token units (at most 2^96 - 1). */
  maxRelayerFee: bigint;
}

export type SetClaimSettingsReturnType = TransactionResult;

/**
 * Sets the minimum claim and the relayer fee cap, at once. The pool's admin only.
 * @example await setClaimSettings(pool, { minClaim: 1_000_000n, maxRelayerFee: 100_000n });
 */
export async function setClaimSettings(
  pool: IRewardPool,
  p: SetClaimSettingsParameters,
): Promise<SetClaimSettingsReturnType> {
  if (p.minClaim < 0n || p.minClaim >= 1n << 40n) {
    throw new InvalidInputError(`minClaim ${p.minClaim} is out of range`, { details: "0 to 2^40 - 1 token units" });
  }
  if (p.maxRelayerFee < 0n || p.maxRelayerFee >= 1n << 96n) {
    throw new InvalidInputError(`maxRelayerFee ${p.maxRelayerFee} is out of range`, {
      details: "0 to 2^96 - 1 token units",
    });
  }
  return sendTransaction(poolErrorInterfaces, () => pool.setClaimSettings(p.minClaim, p.maxRelayerFee));
}
