import type { DeviceRegistry } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { withDecodedErrors } from "../errors/contract.js";
import { KeyType, type SignedRegistration, deviceIdOf } from "../core/registry.js";
import { registryInterface } from "./registry.js";

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
