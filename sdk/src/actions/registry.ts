/**
 * DeviceRegistry actions over ethers v6 and the typechain types: reads apart from writes, errors decoded.
 */
import type { ContractRunner } from "ethers";

import { DeviceRegistry__factory, type DeviceRegistry } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { withDecodedErrors } from "../errors/contract.js";
import { registerFleetArgs } from "../core/registration.js";
import { DeviceStatus, KeyType, deviceIdOf, type SignedRegistration } from "../core/registry.js";

/** The registry's interface, for decoding its errors and logs. */
export const registryInterface = DeviceRegistry__factory.createInterface();

/** Binds a DeviceRegistry at `address` to `runner` (a provider for reads, a signer for writes). */
export function deviceRegistryAt(address: string, runner: ContractRunner): DeviceRegistry {
  return DeviceRegistry__factory.connect(address, runner);
}

/* READS */

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

/* WRITES */

export interface RegisterDeviceParameters {
  networkId: bigint;
  /** From `buildRegistration`, signed by the device (and its attester where the network requires one). */
  registration: SignedRegistration;
}

export interface RegisterDeviceReturnType {
  deviceId: bigint;
  /** The device's dense index in the registry. */
  index: bigint;
  transactionHash: string;
  gasUsed: bigint;
}

/**
 * Registers one device, owned by the registry's signer (cheaper than a fleet of one).
 * @example const { deviceId } = await registerDevice(registry.connect(operator), { networkId: 1n, registration });
 */
export async function registerDevice(
  registry: DeviceRegistry,
  p: RegisterDeviceParameters,
): Promise<RegisterDeviceReturnType> {
  const receipt = await withDecodedErrors([registryInterface], async () =>
    (await registry.register(p.networkId, p.registration.registration, p.registration.attestation)).wait(),
  );
  if (receipt === null) throw new InvalidInputError("the registration transaction was dropped");
  const event = receipt.logs
    .map((log) => registryInterface.parseLog(log))
    .find((parsed) => parsed?.name === "DeviceRegistered");
  const r = p.registration.registration;
  return {
    deviceId: deviceIdOf(Number(r.keyType) as KeyType, String(r.key)),
    index: (event?.args.index as bigint | undefined) ?? 0n,
    transactionHash: receipt.hash,
    gasUsed: receipt.gasUsed,
  };
}

/** Gas of a fleet transaction beyond its devices' own (base cost, calldata head, the fleet's checks). */
const FLEET_BASE_GAS = 200_000n;

/** Registrations per transaction that stay well under the 16,777,216 gas cap per transaction (EIP-7825). */
export const MAX_FLEET_BATCH = 200;

export interface RegisterFleetParams {
  networkId: bigint;
  /** From `buildRegistration`; attestations are sent only if some registration carries one. */
  registrations: readonly SignedRegistration[];
  /** Devices per transaction, at most MAX_FLEET_BATCH. */
  batchSize?: number;
  /** Called after each batch is mined with the devices registered so far and the fleet's size (progress bars). */
  onBatch?: (registered: number, total: number) => void;
  /**
   * Gas per device to send with each batch instead of asking the node to estimate it (a fleet's estimate can cost
   * as much as the transaction on a development node). A refused batch is then re-run as a call to decode why.
   */
  gasPerDevice?: bigint;
}

export interface RegisterFleetResult {
  firstIndex: bigint;
  transactionHashes: string[];
  gasUsed: bigint;
}

/**
 * Registers a fleet owned by the registry's signer, in as few transactions as the gas cap allows. Each batch is
 * all-or-nothing; a refused batch throws a `ContractRevertError` naming the device by its position in its batch,
 * after earlier batches have landed (their devices are in `transactionHashes` of the error's cause chain).
 * @example const { firstIndex } = await registerFleet(registry.connect(operator), { networkId: 1n, registrations });
 */
export async function registerFleet(registry: DeviceRegistry, p: RegisterFleetParams): Promise<RegisterFleetResult> {
  const batchSize = p.batchSize ?? MAX_FLEET_BATCH;
  if (p.registrations.length === 0) throw new InvalidInputError("the fleet lists no device");
  if (batchSize < 1 || batchSize > MAX_FLEET_BATCH) {
    throw new InvalidInputError(`batchSize must be 1..${MAX_FLEET_BATCH}, got ${batchSize}`);
  }
  const result: RegisterFleetResult = { firstIndex: 0n, transactionHashes: [], gasUsed: 0n };
  for (let start = 0; start < p.registrations.length; start += batchSize) {
    const batch = p.registrations.slice(start, start + batchSize);
    const args = registerFleetArgs(batch);
    const receipt = await withDecodedErrors([registryInterface], async () => {
      if (p.gasPerDevice === undefined) return (await registry.registerFleet(p.networkId, ...args)).wait();
      const gasLimit = FLEET_BASE_GAS + p.gasPerDevice * BigInt(batch.length);
      try {
        return await (await registry.registerFleet(p.networkId, ...args, { gasLimit })).wait();
      } catch (error) {
        await registry.registerFleet.staticCall(p.networkId, ...args); // throws the contract's reason, if any
        throw error;
      }
    });
    if (receipt === null) throw new InvalidInputError("the fleet transaction was dropped");
    for (const log of receipt.logs) {
      const parsed = registryInterface.parseLog(log);
      if (parsed?.name === "DeviceRegistered" && result.firstIndex === 0n)
        result.firstIndex = parsed.args.index as bigint;
    }
    result.transactionHashes.push(receipt.hash);
    result.gasUsed += receipt.gasUsed;
    p.onBatch?.(start + batch.length, p.registrations.length);
  }
  return result;
}
