import { isHexString } from "ethers";

import type { DeviceRegistry } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { registryInterface } from "./registry.js";
import { sendTransaction, type TransactionResult } from "./transaction.js";

export interface SuspendDeviceParameters {
  deviceId: bigint;
  /** 32 bytes on the record with the `DeviceSuspended` event, e.g. `id("fraud report 17")`. */
  reasonHash: string;
}

export type SuspendDeviceReturnType = TransactionResult;

/**
 * Suspends an active device of a network (e.g. fraud): pools record no work for it until it is reactivated. The
 * admin of the device's network only.
 * @example await suspendDevice(deviceRegistryAt(registry, networkAdmin), { deviceId, reasonHash: id("spoofed GPS") });
 */
export async function suspendDevice(
  registry: DeviceRegistry,
  p: SuspendDeviceParameters,
): Promise<SuspendDeviceReturnType> {
  const reasonHash = reasonHashParam(p.reasonHash);
  return sendTransaction([registryInterface], () => registry.suspend(p.deviceId, reasonHash));
}

/** A 32-byte reason hash, or an `InvalidInputError`. */
export function reasonHashParam(value: string): string {
  if (!isHexString(value, 32)) {
    throw new InvalidInputError(`reasonHash ${value} is not 32 bytes of hex`, {
      details: "hash the reason text, e.g. id(reason)",
    });
  }
  return value;
}
