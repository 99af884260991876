import type { DeviceRegistry } from "../contracts/index.js";
import { registryInterface } from "./registry.js";
import { reasonHashParam } from "./suspendDevice.js";
import { sendTransaction, type TransactionResult } from "./transaction.js";

export interface ReactivateDeviceParameters {
  deviceId: bigint;
  /** 32 bytes on the record with the `DeviceReactivated` event, e.g. `id("appeal 17 upheld")`. */
  reasonHash: string;
}

export type ReactivateDeviceReturnType = TransactionResult;

/**
 * Reactivates a suspended device. The admin of the device's network only; a retired device stays retired.
 * @example await reactivateDevice(deviceRegistryAt(registry, networkAdmin), { deviceId, reasonHash: id("appeal") });
 */
export async function reactivateDevice(
  registry: DeviceRegistry,
  p: ReactivateDeviceParameters,
): Promise<ReactivateDeviceReturnType> {
  const reasonHash = reasonHashParam(p.reasonHash);
  return sendTransaction([registryInterface], () => registry.reactivate(p.deviceId, reasonHash));
}
