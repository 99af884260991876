import type { DeviceRegistry } from "../contracts/index.js";
import { withDecodedErrors } from "../errors/contract.js";
import { DeviceStatus, KeyType } from "../core/registry.js";
import { registryInterface } from "./registry.js";

export interface Device {
  deviceId: bigint;
  owner: string;
  networkId: bigint;
  index: bigint;
  status: DeviceStatus;
  keyType: KeyType;
  payout: string;
  metadataHash: string;
}

/**
 * Reads one device.
 * @example const d = await getDevice(registry, deviceId); if (d.status === DeviceStatus.Active) ...
 */
export async function getDevice(registry: DeviceRegistry, deviceId: bigint): Promise<Device> {
  const d = await withDecodedErrors([registryInterface], () => registry.device(deviceId));
  return {
    deviceId: d.deviceId,
    owner: d.owner,
    networkId: d.networkId,
    index: d.index,
    status: Number(d.status) as DeviceStatus,
    keyType: Number(d.keyType) as KeyType,
    payout: d.payout,
    metadataHash: d.metadataHash,
  };
}
