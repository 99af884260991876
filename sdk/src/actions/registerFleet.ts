import type { DeviceRegistry } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { withDecodedErrors } from "../errors/contract.js";
import { registerFleetArgs } from "../core/registration.js";
import type { SignedRegistration } from "../core/registry.js";
import { registryInterface } from "./registry.js";

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
