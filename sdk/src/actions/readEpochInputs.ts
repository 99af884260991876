import type { DeviceRegistry, IRewardPool } from "../contracts/index.js";
import type { DeviceState, EpochParams } from "../core/epoch.js";
import { readDeviceStates } from "./readDeviceStates.js";
import { epochEndBlock } from "./epochEndBlock.js";

export interface EpochInputs {
  params: EpochParams;
  ledgerCreditedWad: bigint;
  networkId: bigint;
  registryBlock: number;
  devices: Map<bigint, DeviceState>;
}

/**
 * Everything `buildEpoch` needs from the chain for `epoch`: its parameters, the pool's network, its last block and
 * the reported devices' states at that block.
 * @example const inputs = await readEpochInputs(pool, registry, 3n, reports.map((r) => r.deviceId));
 */
export async function readEpochInputs(
  pool: IRewardPool,
  registry: DeviceRegistry,
  epoch: bigint,
  deviceIds: readonly bigint[],
): Promise<EpochInputs> {
  const [params, settings, registryBlock, totals, ledgerWad] = await Promise.all([
    pool.rewardParamsAt(epoch),
    pool.settings(),
    epochEndBlock(pool, epoch),
    pool.totals(),
    pool.epochCreditedWad(epoch),
  ]);
  const devices = await readDeviceStates(registry, deviceIds, registryBlock);
  // Work ledger mode already paid for this epoch must not be paid again by the root. Every recorded proof credits
  // at least one unit at a positive rate, so an epoch with no ledger credit has no recorded device: one read then.
  await Promise.all(
    [...devices.values()].map(async (d) => {
      d.recordedInLedger = ledgerWad === 0n ? false : await pool.isRecorded(epoch, d.deviceId);
    }),
  );
  return {
    params: { rate: params.rate, epochBudget: params.epochBudget, deviceCap: params.deviceCap },
    networkId: settings.networkId,
    registryBlock,
    ledgerCreditedWad: totals.creditedWad,
    devices,
  };
}
