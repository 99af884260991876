import type { IRewardPool } from "../contracts/index.js";
import { withDecodedErrors } from "../errors/contract.js";
import { poolErrorInterfaces } from "./pool.js";
import { type EpochLeafProof } from "./claim.js";
import { addressParam } from "./transaction.js";

export interface GetClaimableParameters {
  account: string;
  /** The account's leaf and proof in the root in force (`proofFor(manifest, account)`); omit for ledger credit only. */
  epoch?: EpochLeafProof;
}

export interface GetClaimableReturnType {
  /** Ledger credit payable now, in token units (the part below one unit carries). */
  ledgerAmount: bigint;
  /** What the epoch-mode leaf pays beyond what epoch mode already paid the account. */
  epochAmount: bigint;
  total: bigint;
}

/**
 * What `claim(account, cumulative, proof)` would pay now, from the pool's `claimable` view: reverts as the claim
 * would on a bad proof (decoded, e.g. `RewardPoolInvalidMerkleProof`). Does not check the minimum claim or the pause.
 * @example const { total } = await getClaimable(pool, { account, epoch: proofFor(manifest, account) });
 */
export async function getClaimable(pool: IRewardPool, p: GetClaimableParameters): Promise<GetClaimableReturnType> {
  const account = addressParam(p.account, "account");
  const [ledgerAmount, epochAmount] = await withDecodedErrors(poolErrorInterfaces, () =>
    pool.claimable(account, p.epoch?.cumulative ?? 0n, p.epoch?.proof ?? []),
  );
  return { ledgerAmount, epochAmount, total: ledgerAmount + epochAmount };
}
