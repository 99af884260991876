/**
 * From an ingest service's stored reports to what the quorum signs once the epoch has closed: the epoch's manifest
 * (epoch mode, `buildEpoch`) or its proof batches (ledger mode, `recordProofs` / `submitProofBatch`). Reports stored
 * while the epoch was open are screened again against the chain as the pool will judge them (device states at the
 * epoch's last block for a manifest, now for ledger batches; work the ledger already recorded), and the ones that no
 * longer pass are returned apart with their reason.
 */
import type { DeviceRegistry, IRewardPool } from "../contracts/index.js";
import {
  buildEpoch,
  screenReports,
  type Adjustment,
  type BuiltEpoch,
  type EpochManifest,
  type ReportRejection,
  type WorkReport,
} from "../core/epoch.js";
import type { Proof } from "../core/pool.js";
import type { DeviceSignature } from "../core/work.js";
import { deviceRegistryAt } from "../actions/registry.js";
import { readDeviceStates } from "../actions/readDeviceStates.js";
import { readEpochInputs, type EpochInputs } from "../actions/readEpochInputs.js";
import { InvalidInputError } from "../errors/base.js";
import type { StoredWorkReport, WorkReportStore } from "./store.js";

export interface BuildFromStoreParams {
  store: WorkReportStore;
  /** The pool, connected to a provider. */
  pool: IRewardPool;
  /** The registry (default: the pool's). */
  registry?: DeviceRegistry;
  epoch: bigint;
}

async function closedEpochReports(p: BuildFromStoreParams): Promise<{ address: string; reports: StoredWorkReport[] }> {
  const current = await p.pool.currentEpoch();
  if (p.epoch >= current) {
    throw new InvalidInputError(`epoch ${p.epoch} has not closed (the pool is in epoch ${current})`);
  }
  const address = await p.pool.getAddress();
  return { address, reports: await p.store.list(address, p.epoch) };
}

async function registryOf(p: BuildFromStoreParams): Promise<DeviceRegistry> {
  return p.registry ?? deviceRegistryAt((await p.pool.settings()).registry, p.pool.runner!);
}

const plain = (r: StoredWorkReport): WorkReport => ({
  deviceId: r.report.deviceId,
  units: r.report.units,
  evidenceHash: r.report.evidenceHash,
});

export interface BuildEpochFromStoreResult {
  built: BuiltEpoch;
  inputs: EpochInputs;
  /** Stored reports left out: the device's state at the epoch's end, or the ledger, no longer allowed them. */
  rejected: { report: WorkReport; reason: ReportRejection }[];
}

/**
 * The closed epoch's manifest from the stored reports: `readEpochInputs` (device states at the epoch's last block),
 * `screenReports`, then `buildEpoch` with the accepted ones.
 * @example const { built } = await buildEpochFromStore({ store: service.store, pool, epoch: 3n, formulaVersion: 1, previous });
 */
export async function buildEpochFromStore(
  p: BuildFromStoreParams & {
    formulaVersion: number;
    previous?: { manifest: EpochManifest; text: string };
    adjustments?: readonly Adjustment[];
  },
): Promise<BuildEpochFromStoreResult> {
  const { address, reports } = await closedEpochReports(p);
  const registry = await registryOf(p);
  const inputs = await readEpochInputs(
    p.pool,
    registry,
    p.epoch,
    reports.map((r) => r.report.deviceId),
  );
  const screened = screenReports(reports.map(plain), {
    devices: inputs.devices,
    networkId: inputs.networkId,
    deviceCap: inputs.params.deviceCap,
  });
  const { chainId } = await p.pool.runner!.provider!.getNetwork();
  const built = buildEpoch({
    pool: address,
    chainId,
    epoch: Number(p.epoch),
    formulaVersion: p.formulaVersion,
    params: inputs.params,
    networkId: inputs.networkId,
    registryBlock: inputs.registryBlock,
    ledgerCreditedWad: inputs.ledgerCreditedWad,
    devices: inputs.devices,
    reports: screened.accepted.map((r) => ({ deviceId: r.deviceId, units: r.units, evidenceHash: r.evidenceHash })),
    ...(p.adjustments === undefined ? {} : { adjustments: p.adjustments }),
    ...(p.previous === undefined ? {} : { previous: p.previous }),
  });
  return { built, inputs, rejected: screened.rejected };
}

export interface LedgerBatch {
  proofs: Proof[];
  /** In proof order when the pool requires device signatures, else empty (what `recordProofs` takes). */
  deviceSignatures: DeviceSignature[];
}

/**
 * The closed epoch's ledger-mode batches from the stored reports, by device id, `batchSize` proofs each: devices
 * whose state now (the ledger credits the payee of record when it records) or whose recorded work refuses them are
 * left out with their reason. Each batch is then attested (`attestBatch`) and sent (`submitProofBatch`).
 * @example for (const [i, b] of (await buildLedgerBatchesFromStore({ store, pool, epoch: 3n })).batches.entries()) …
 */
export async function buildLedgerBatchesFromStore(
  p: BuildFromStoreParams & {
    batchSize?: number;
    /**
     * Read device states and recorded work as of this block (default: latest). The verifier quorum reads at the
     * epoch's last block, so that every verifier derives the same batches whenever it builds them.
     */
    blockTag?: number;
  },
): Promise<{ batches: LedgerBatch[]; rejected: { report: WorkReport; reason: ReportRejection }[] }> {
  const batchSize = p.batchSize ?? 500;
  if (batchSize < 1 || batchSize > 1000) throw new InvalidInputError(`batchSize must be 1..1000, got ${batchSize}`);
  const { reports } = await closedEpochReports(p);
  const registry = await registryOf(p);
  const [settings, params, devices] = await Promise.all([
    p.pool.settings(),
    p.pool.rewardParamsAt(p.epoch),
    readDeviceStates(
      registry,
      reports.map((r) => r.report.deviceId),
      p.blockTag,
    ),
  ]);
  const at = p.blockTag === undefined ? {} : { blockTag: p.blockTag };
  await Promise.all(
    [...devices.values()].map(async (d) => {
      d.recordedInLedger = await p.pool.isRecorded(p.epoch, d.deviceId, at);
    }),
  );
  const screened = screenReports(reports.map(plain), {
    devices,
    networkId: settings.networkId,
    deviceCap: params.deviceCap,
  });
  const byDevice = new Map(reports.map((r) => [r.report.deviceId, r]));
  const batches: LedgerBatch[] = [];
  for (let start = 0; start < screened.accepted.length; start += batchSize) {
    const chunk = screened.accepted.slice(start, start + batchSize);
    batches.push({
      proofs: chunk.map((r) => ({ deviceId: r.deviceId, units: r.units, evidenceHash: r.evidenceHash })),
      deviceSignatures: settings.requireDeviceSignatures ? chunk.map((r) => byDevice.get(r.deviceId)!.signature) : [],
    });
  }
  return { batches, rejected: screened.rejected };
}
