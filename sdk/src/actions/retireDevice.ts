import type { DeviceRegistry } from "../contracts/index.js";
import { registryInterface } from "./registry.js";
import { sendTransaction, type TransactionResult } from "./transaction.js";

export interface RetireDeviceParameters {
  deviceId: bigint;
}

export type RetireDeviceReturnType = TransactionResult;

/**
 * Retires a device for good: pools record no more work for it, it cannot be transferred, and its key can never be
 * registered again. The device's owner only.
 * @example await retireDevice(deviceRegistryAt(registry, owner), { deviceId });
 */
export async function retireDevice(
  registry: DeviceRegistry,
  p: RetireDeviceParameters,
): Promise<RetireDeviceReturnType> {
  return sendTransaction([registryInterface], () => registry.retire(p.deviceId));
}
