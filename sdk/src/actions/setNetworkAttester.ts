import type { DeviceRegistry } from "../contracts/index.js";
import { registryInterface } from "./registry.js";
import { addressParam, sendTransaction, type TransactionResult } from "./transaction.js";

export interface SetNetworkAttesterParameters {
  networkId: bigint;
  /** A manufacturer's or registrar's signing address (an EOA or an ERC-1271 contract). */
  attester: string;
  /** true adds it to the network's allowlist, false removes it. */
  allowed: boolean;
}

export type SetNetworkAttesterReturnType = TransactionResult;

/**
 * Adds an attester to a network's allowlist or removes it; in networks that require attestations, every
 * registration is co-signed by one of them. The network's admin only.
 * @example await setNetworkAttester(deviceRegistryAt(registry, admin), { networkId: 1n, attester, allowed: true });
 */
export async function setNetworkAttester(
  registry: DeviceRegistry,
  p: SetNetworkAttesterParameters,
): Promise<SetNetworkAttesterReturnType> {
  const attester = addressParam(p.attester, "attester");
  return sendTransaction([registryInterface], () => registry.setAttester(p.networkId, attester, p.allowed));
}
