import { getAddress } from "ethers";
import type { DeviceRegistry } from "../contracts/index.js";
import type { DeviceState } from "../core/epoch.js";
import { DeviceStatus } from "../core/registry.js";

/** Device ids per `packedRewardInfos` call. */
const DEVICE_READ_CHUNK = 500;

/**
 * Decodes the registry's packed reward word (`packedRewardInfo`): bits 0-159 payee, 160-191 network id,
 * 232-239 status. Zero is an unknown device.
 */
export function decodeRewardInfo(deviceId: bigint, word: bigint): DeviceState {
  return {
    deviceId,
    payee: getAddress("0x" + (word & ((1n << 160n) - 1n)).toString(16).padStart(40, "0")),
    networkId: (word >> 160n) & 0xffff_ffffn,
    status: Number((word >> 232n) & 0xffn) as DeviceStatus,
  };
}

/**
 * Each device's status, network and payee of record as of `blockTag` (default: latest): in epoch mode, the payee of
 * record of an epoch's work is the device's payee at the epoch's last block (see `epochEndBlock`), the same rule
 * ledger mode applies at the moment it records.
 * @example const devices = await readDeviceStates(registry, ids, await epochEndBlock(pool, 3n));
 */
export async function readDeviceStates(
  registry: DeviceRegistry,
  deviceIds: readonly bigint[],
  blockTag?: number,
): Promise<Map<bigint, DeviceState>> {
  const out = new Map<bigint, DeviceState>();
  const unique = [...new Set(deviceIds)];
  for (let start = 0; start < unique.length; start += DEVICE_READ_CHUNK) {
    const ids = unique.slice(start, start + DEVICE_READ_CHUNK);
    const words = await registry.packedRewardInfos(ids, blockTag === undefined ? {} : { blockTag });
    ids.forEach((id, i) => out.set(id, decodeRewardInfo(id, words[i]!)));
  }
  return out;
}
