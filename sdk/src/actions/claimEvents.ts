import type { TransactionReceipt } from "ethers";
import type { IRewardPool } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import type { ClaimReturnType, EpochLeafProof } from "./claim.js";

export const NO_EPOCH: EpochLeafProof = { cumulative: 0n, proof: [] };

export function claimedIn(pool: IRewardPool, receipt: TransactionReceipt, alreadyLanded: boolean): ClaimReturnType {
  const sent = { transactionHash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed };
  for (const log of receipt.logs) {
    const parsed = pool.interface.parseLog(log);
    if (parsed?.name === "Claimed") {
      const ledgerAmount = parsed.args.ledgerAmount as bigint;
      const epochAmount = parsed.args.epochAmount as bigint;
      return { ...sent, ledgerAmount, epochAmount, amount: ledgerAmount + epochAmount, alreadyLanded };
    }
  }
  return { ...sent, ledgerAmount: 0n, epochAmount: 0n, amount: 0n, alreadyLanded };
}

export async function blockNumberOf(pool: IRewardPool): Promise<number> {
  const provider = pool.runner?.provider;
  if (provider === null || provider === undefined) throw new InvalidInputError("a pool action needs a provider");
  return provider.getBlockNumber();
}

/** The hash of the first `Claimed` event of `account` after block `startBlock` (the head before sending), if any. */
export async function claimedSince(
  pool: IRewardPool,
  account: string,
  startBlock: number,
): Promise<string | undefined> {
  const logs = await pool.queryFilter(pool.filters.Claimed(account), startBlock + 1);
  return logs[0]?.transactionHash;
}
