import type { IRewardPool } from "../contracts/index.js";
import type { BuiltEpoch } from "../core/epoch.js";
import { InvalidInputError } from "../errors/base.js";
import { getPoolEvents } from "./getPoolEvents.js";
import { readLedgerCredits, type LedgerCredit } from "./ledgerCredits.js";

export interface GetDeviceEarningsParameters {
  deviceId: bigint;
  /** The pool's creation block or earlier (default 0). */
  fromBlock?: number;
  /** Default: the latest block. */
  toBlock?: number;
  /**
   * Epoch-mode manifests (`readManifest` / `readManifestTree` of the published files) to count the device's records
   * from; each must have been committed on-chain, and not vetoed, in the block range.
   */
  manifests?: readonly BuiltEpoch[];
}

/** One epoch-mode record of the device, from a committed manifest. */
export interface EpochCredit {
  epoch: bigint;
  account: string;
  units: bigint;
  /** units × the manifest's rate: token units × 1e18. */
  rewardWad: bigint;
  evidenceHash: string;
  manifestHash: string;
}

export interface GetDeviceEarningsReturnType {
  deviceId: bigint;
  /** Each proof credited in ledger mode, in chain order. */
  ledger: LedgerCredit[];
  /** Ledger credit later clawed back for this device (fraud), in WAD. */
  clawedBackWad: bigint;
  /** The device's records in the given manifests. */
  epochMode: EpochCredit[];
  /** Σ ledger rewards − clawed back + Σ epoch-mode rewards, in WAD. */
  totalWad: bigint;
}

/**
 * What one device earned in a pool, per proof and per epoch, in both modes: ledger mode from the pool's events
 * (`WorkRecorded` joined with its `BatchRecorded`, minus `ClawedBack`), epoch mode from the manifests whose
 * commits are on-chain. Rewards went to the device's payee of record at the time (the `account` of each entry).
 * @example const { ledger, totalWad } = await getDeviceEarnings(pool, { deviceId, fromBlock: poolBlock });
 */
export async function getDeviceEarnings(
  pool: IRewardPool,
  p: GetDeviceEarningsParameters,
): Promise<GetDeviceEarningsReturnType> {
  const provider = pool.runner?.provider;
  if (provider === null || provider === undefined) throw new InvalidInputError("getDeviceEarnings needs a provider");
  const fromBlock = p.fromBlock ?? 0;
  const toBlock = p.toBlock ?? (await provider.getBlockNumber());
  const ledger = await readLedgerCredits(pool, { deviceId: p.deviceId, fromBlock, toBlock });
  const clawbackTopics = await pool.filters.ClawedBack(undefined, p.deviceId).getTopicFilter();
  const clawbacks = await getPoolEvents(pool, { fromBlock, toBlock, topics: clawbackTopics });
  const clawedBackWad = clawbacks.reduce((sum, e) => sum + (e.args.amountWad as bigint), 0n);

  const epochMode: EpochCredit[] = [];
  if (p.manifests !== undefined && p.manifests.length > 0) {
    const commits = await getPoolEvents(pool, {
      fromBlock,
      toBlock,
      topics: await pool.filters.EpochCommitted().getTopicFilter(),
    });
    const vetoes = await getPoolEvents(pool, {
      fromBlock,
      toBlock,
      topics: await pool.filters.EpochVetoed().getTopicFilter(),
    });
    const vetoed = new Set(vetoes.map((v) => `${v.args.epoch}:${v.args.nonce}`));
    for (const built of p.manifests) {
      const m = built.manifest;
      const commit = commits.find(
        (c) => c.args.manifestHash === built.manifestHash && !vetoed.has(`${c.args.epoch}:${c.args.nonce}`),
      );
      if (commit === undefined) {
        throw new InvalidInputError(`the manifest of epoch ${m.epoch} (${built.manifestHash}) is not committed`, {
          details: "it has no EpochCommitted event in the block range, or its commit was vetoed",
        });
      }
      for (const r of m.records) {
        if (r.deviceId !== p.deviceId) continue;
        epochMode.push({
          epoch: BigInt(m.epoch),
          account: r.account,
          units: r.units,
          rewardWad: r.units * m.rate,
          evidenceHash: r.evidenceHash,
          manifestHash: built.manifestHash,
        });
      }
    }
  }
  const totalWad =
    ledger.reduce((sum, c) => sum + c.rewardWad, 0n) -
    clawedBackWad +
    epochMode.reduce((sum, c) => sum + c.rewardWad, 0n);
  return { deviceId: p.deviceId, ledger, clawedBackWad, epochMode, totalWad };
}
