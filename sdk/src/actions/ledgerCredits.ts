/**
 * Ledger-mode credits rebuilt from a pool's events: each `WorkRecorded` joined with the `BatchRecorded` that closes
 * its transaction (which carries the epoch and the rate). Shared by the earnings actions.
 */
import type { TransactionReceipt } from "ethers";

import type { IRewardPool } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { getPoolEvents } from "./getPoolEvents.js";

/** One proof credited in ledger mode. */
export interface LedgerCredit {
  deviceId: bigint;
  /** The payee of record when the proof was recorded. */
  account: string;
  epoch: bigint;
  units: bigint;
  /** units × the epoch's rate: token units × 1e18. */
  rewardWad: bigint;
  evidenceHash: string;
  batchNonce: bigint;
  blockNumber: number;
  transactionHash: string;
}

/** The ledger credits of a device, of an account, or of both, over a block range, in chain order. */
export async function readLedgerCredits(
  pool: IRewardPool,
  p: { deviceId?: bigint; account?: string; fromBlock: number; toBlock: number },
): Promise<LedgerCredit[]> {
  const provider = pool.runner?.provider;
  if (provider === null || provider === undefined) throw new InvalidInputError("reading credits needs a provider");
  const filter = pool.filters.WorkRecorded(p.deviceId, p.account);
  const topics = await filter.getTopicFilter();
  const poolAddress = (await pool.getAddress()).toLowerCase();
  const events = await getPoolEvents(pool, { fromBlock: p.fromBlock, toBlock: p.toBlock, topics });
  const receipts = new Map<string, TransactionReceipt>();
  const credits: LedgerCredit[] = [];
  for (const e of events) {
    let receipt = receipts.get(e.transactionHash);
    if (receipt === undefined) {
      const fetched = await provider.getTransactionReceipt(e.transactionHash);
      if (fetched === null) throw new InvalidInputError(`no receipt for ${e.transactionHash}`);
      receipt = fetched;
      receipts.set(e.transactionHash, receipt);
    }
    // The batch event that closes the proof's transaction: the first BatchRecorded after it.
    const batch = receipt.logs
      .filter((l) => l.index > e.logIndex && l.address.toLowerCase() === poolAddress)
      .map((l) => ({ log: l, parsed: pool.interface.parseLog(l) }))
      .find((x) => x.parsed?.name === "BatchRecorded");
    if (batch?.parsed === undefined || batch.parsed === null) {
      throw new InvalidInputError(`WorkRecorded in ${e.transactionHash} has no BatchRecorded after it`);
    }
    const units = e.args.units as bigint;
    const rate = batch.parsed.args.rate as bigint;
    credits.push({
      deviceId: e.args.deviceId as bigint,
      account: e.args.account as string,
      epoch: batch.parsed.args.epoch as bigint,
      units,
      rewardWad: units * rate,
      evidenceHash: e.args.evidenceHash as string,
      batchNonce: batch.parsed.args.batchNonce as bigint,
      blockNumber: e.blockNumber,
      transactionHash: e.transactionHash,
    });
  }
  return credits;
}
