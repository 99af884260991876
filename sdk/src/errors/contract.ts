/**
 * Contract custom errors decoded to SDK errors with a plain message and the fix. One entry per custom error of
 * the project's contracts; `describeRevert` is exhaustive over that table and falls back to the raw name.
 */
import type { Interface, Result } from "ethers";

import { DepinError } from "./base.js";

type Describe = (args: Result) => { message: string; fix?: string };

const STATUS = ["none", "active", "suspended", "retired"];
const KEY_TYPE = ["none", "secp256k1", "p256"];

/** Plain-language descriptions of every custom error, keyed by error name. */
export const CONTRACT_ERRORS: Record<string, Describe> = {
  DeviceRegistryUnknownNetwork: ([networkId]) => ({
    message: `network ${networkId} does not exist`,
    fix: "create it with createNetwork, or use the id from its NetworkCreated event",
  }),
  DeviceRegistryNotNetworkAdmin: ([networkId, account]) => ({
    message: `${account} is not the admin of network ${networkId}`,
    fix: "send this transaction from the network admin's account",
  }),
  DeviceRegistryNotPendingAdmin: ([networkId, account]) => ({
    message: `${account} is not the pending admin of network ${networkId}`,
    fix: "the current admin must first propose this account with transferNetworkAdmin",
  }),
  DeviceRegistryEmptyFleet: () => ({ message: "the fleet registration lists no device" }),
  DeviceRegistryInvalidKey: ([index, keyType, length]) => ({
    message: `device #${index}: a ${KEY_TYPE[Number(keyType)] ?? `type-${keyType}`} key of ${length} bytes is not valid`,
    fix: "secp256k1 keys are the 20-byte address; P-256 keys are the 64-byte x||y point on the curve",
  }),
  DeviceRegistryKeyAlreadyRegistered: ([index, deviceId]) => ({
    message: `device #${index}: its key is already registered (device ${deviceId}); keys are single-use, even after retirement`,
  }),
  DeviceRegistrySignatureExpired: ([index, deadline, timestamp]) => ({
    message: `device #${index}: signatures expired at ${deadline}, chain time is ${timestamp}`,
    fix: "have the device sign again with a later deadline",
  }),
  DeviceRegistryInvalidDeviceSignature: ([index, deviceId]) => ({
    message: `device #${index} (${deviceId}): the device signature does not match this chain, registry, owner, network and fields`,
    fix: "sign with the device key for exactly the submitting owner, network, metadata, payout and deadline",
  }),
  DeviceRegistryMalleableSignature: ([index, deviceId]) => ({
    message: `device #${index} (${deviceId}): a signature uses a high s value (malleable)`,
    fix: "submit the low-s form of the signature (s = n - s)",
  }),
  DeviceRegistryAttestationRequired: ([index, deviceId]) => ({
    message: `device #${index} (${deviceId}): this network requires an attester signature`,
    fix: "have one of the network's attesters co-sign the registration",
  }),
  DeviceRegistryUnexpectedAttestation: ([index, deviceId]) => ({
    message: `device #${index} (${deviceId}): this network takes no attestation`,
    fix: "leave attester and attesterSignature empty",
  }),
  DeviceRegistryUnknownAttester: ([index, networkId, attester]) => ({
    message: `device #${index}: ${attester} is not an attester of network ${networkId}`,
    fix: "use an allowlisted attester, or ask the network admin to add it",
  }),
  DeviceRegistryInvalidAttestation: ([index, deviceId, attester]) => ({
    message: `device #${index} (${deviceId}): the attestation does not verify for attester ${attester}`,
  }),
  DeviceRegistryUnknownDevice: ([deviceId]) => ({ message: `device ${deviceId} is not registered` }),
  DeviceRegistryNotDeviceOwner: ([deviceId, account]) => ({
    message: `${account} neither owns device ${deviceId} nor is approved for it`,
  }),
  DeviceRegistryInvalidStatus: ([deviceId, status]) => ({
    message: `device ${deviceId} is ${STATUS[Number(status)] ?? status}; this operation does not apply`,
  }),
  ERC721InsufficientApproval: ([operator, tokenId]) => ({
    message: `${operator} is not approved to move device ${tokenId}`,
  }),
  ERC721InvalidReceiver: ([receiver]) => ({ message: `${receiver} cannot receive devices` }),
  ERC721NonexistentToken: ([tokenId]) => ({ message: `device ${tokenId} does not exist` }),
};

/** A transaction or call reverted with a known custom error. */
export class ContractRevertError extends DepinError {
  override name = "ContractRevertError";
  readonly errorName: string;
  readonly args: readonly unknown[];
  readonly fix: string | undefined;

  constructor(errorName: string, args: Result, cause: unknown) {
    const describe = CONTRACT_ERRORS[errorName];
    const { message, fix } = describe === undefined ? { message: `reverted with ${errorName}` } : describe(args);
    super(message, { details: fix === undefined ? errorName : `${errorName}; ${fix}`, cause });
    this.errorName = errorName;
    this.args = args.toArray();
    this.fix = fix;
  }
}

/** Finds the revert data in an ethers error, however deep the provider nested it. */
export function revertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  while (stack.length > 0) {
    const e = stack.pop();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) return data;
    for (const key of ["error", "info", "cause", "data"]) stack.push((e as Record<string, unknown>)[key]);
  }
  return undefined;
}

/**
 * Turns an ethers error into a `ContractRevertError` when its revert data decodes with one of `interfaces`;
 * returns the original error otherwise.
 */
export function decodeContractError(error: unknown, interfaces: readonly Interface[]): unknown {
  const data = revertData(error);
  if (data === undefined) return error;
  for (const iface of interfaces) {
    const parsed = iface.parseError(data);
    if (parsed !== null) return new ContractRevertError(parsed.name, parsed.args, error);
  }
  return error;
}

/** Runs `fn`, rethrowing contract reverts as `ContractRevertError`s. */
export async function withDecodedErrors<T>(interfaces: readonly Interface[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw decodeContractError(error, interfaces);
  }
}
