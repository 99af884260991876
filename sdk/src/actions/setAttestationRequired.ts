import type { DeviceRegistry } from "../contracts/index.js";
import { registryInterface } from "./registry.js";
import { sendTransaction, type TransactionResult } from "./transaction.js";

export interface SetAttestationRequiredParameters {
  networkId: bigint;
  /** Whether each registration in the network needs an allowlisted attester's co-signature from now on. */
  required: boolean;
}

export type SetAttestationRequiredReturnType = TransactionResult;

/**
 * Requires (or stops requiring) an attester's co-signature for registrations in a network (anti-Sybil). Devices
 * already registered are unaffected. The network's admin only.
 * @example await setAttestationRequired(deviceRegistryAt(registry, admin), { networkId: 1n, required: true });
 */
export async function setAttestationRequired(
  registry: DeviceRegistry,
  p: SetAttestationRequiredParameters,
): Promise<SetAttestationRequiredReturnType> {
  return sendTransaction([registryInterface], () => registry.setAttestationRequired(p.networkId, p.required));
}
