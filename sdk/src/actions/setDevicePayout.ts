import type { DeviceRegistry } from "../contracts/index.js";
import { registryInterface } from "./registry.js";
import { addressParam, sendTransaction, type TransactionResult } from "./transaction.js";

export interface SetDevicePayoutParameters {
  deviceId: bigint;
  /** Where the device's rewards go from now on; the zero address sends them to the owner again. */
  payout: string;
}

export type SetDevicePayoutReturnType = TransactionResult;

/**
 * Sets the payout address of a device: pools credit work they record from now on to it (the payee of record).
 * The device's owner only (the ERC-721 holder, not an approved operator); a transfer clears it.
 * @example await setDevicePayout(deviceRegistryAt(registry, owner), { deviceId, payout: "0x…" });
 */
export async function setDevicePayout(
  registry: DeviceRegistry,
  p: SetDevicePayoutParameters,
): Promise<SetDevicePayoutReturnType> {
  const payout = addressParam(p.payout, "payout");
  return sendTransaction([registryInterface], () => registry.setPayout(p.deviceId, payout));
}
