import type { DeviceRegistry } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { KeyType, deviceIdOf } from "../core/registry.js";

export interface ListNetworkDevicesParams {
  networkId: bigint;
  fromBlock: number;
  toBlock: number;
  /** Blocks per `eth_getLogs` request. */
  pageSize?: number;
}

export interface RegisteredDevice {
  /** Derived from the key (the event does not repeat it): `deviceIdOf(keyType, key)`. */
  deviceId: bigint;
  index: bigint;
  /** The owner at registration. */
  owner: string;
  keyType: KeyType;
  key: string;
  metadataHash: string;
  /** The attester that co-signed; zero in networks that require none. */
  attester: string;
  blockNumber: number;
  transactionHash: string;
}

/**
 * The devices registered in a network over a block range, from `DeviceRegistered` events, in registration order.
 * The registry keeps counts, not lists: this is how a network's devices are enumerated.
 * @example const devices = await listNetworkDevices(registry, { networkId: 1n, fromBlock: 0, toBlock: latest });
 */
export async function listNetworkDevices(
  registry: DeviceRegistry,
  p: ListNetworkDevicesParams,
): Promise<RegisteredDevice[]> {
  const pageSize = p.pageSize ?? 10_000;
  if (pageSize < 1) throw new InvalidInputError(`pageSize must be at least 1, got ${pageSize}`);
  const filter = registry.filters.DeviceRegistered(p.networkId);
  const out: RegisteredDevice[] = [];
  for (let from = p.fromBlock; from <= p.toBlock; from += pageSize) {
    const to = Math.min(p.toBlock, from + pageSize - 1);
    for (const log of await registry.queryFilter(filter, from, to)) {
      const keyType = Number(log.args.keyType) as KeyType;
      out.push({
        deviceId: deviceIdOf(keyType, log.args.key),
        index: log.args.index,
        owner: log.args.owner,
        keyType,
        key: log.args.key,
        metadataHash: log.args.metadataHash,
        attester: log.args.attester,
        blockNumber: log.blockNumber,
        transactionHash: log.transactionHash,
      });
    }
  }
  return out;
}
