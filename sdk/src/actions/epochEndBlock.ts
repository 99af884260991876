import type { IRewardPool } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";

/**
 * The last block of `epoch` of `pool`: the newest block whose timestamp is before the next epoch starts. Throws if
 * the epoch has not ended yet. Binary search: about log2(head) block reads.
 */
export async function epochEndBlock(pool: IRewardPool, epoch: bigint): Promise<number> {
  const provider = pool.runner?.provider;
  if (provider === undefined || provider === null)
    throw new InvalidInputError("epochEndBlock needs a pool with a provider");
  const { genesis, epochLength } = await pool.settings();
  const end = genesis + (epoch + 1n) * epochLength; // first second of the next epoch
  // ethers caches identical requests for a moment (250 ms), so a block read just before may come back stale:
  // look again briefly before concluding the epoch has not ended.
  let head = await provider.getBlock("latest");
  for (let retry = 0; retry < 3 && (head === null || BigInt(head.timestamp) < end); retry++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    head = await provider.getBlock("latest");
  }
  if (head === null || BigInt(head.timestamp) < end) {
    throw new InvalidInputError(`epoch ${epoch} has not ended: it ends at ${end}`);
  }
  let lo = 0;
  let hi = head.number;
  // Invariant: block `lo` is before `end` (or is genesis), block `hi + 1` is at or after it.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const block = await provider.getBlock(mid);
    if (block !== null && BigInt(block.timestamp) < end) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
