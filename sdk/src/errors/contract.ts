/**
 * Contract custom errors decoded to SDK errors with a plain message and the fix. One entry per custom error of
 * the project's contracts; `describeRevert` is exhaustive over that table and falls back to the raw name.
 */
import type { Interface, Result } from "ethers";

import { DepinError } from "./base.js";

type Describe = (args: Result) => { message: string; fix?: string };

const STATUS = ["none", "active", "suspended", "retired"];
const KEY_TYPE = ["none", "secp256k1", "p256"];
const PROOF_REJECTION = [
  "none",
  "unknown device",
  "device belongs to another network",
  "device is not active (suspended or retired)",
  "already recorded for this epoch",
  "zero units",
  "over the per-device cap",
  "bad device signature",
];

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
    fix: "submit an empty attestation (NO_ATTESTATION: zero attester, no signature)",
  }),
  DeviceRegistryWrongAttestationCount: ([networkId, expected, given]) => ({
    message: `network ${networkId} takes ${expected} attestations for this fleet, ${given} were given`,
    fix: "one attestation per registration when the network requires attestations, none otherwise",
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
    message: `${account} does not own device ${deviceId}`,
    fix: "only the owner sets the payout address or retires a device; ERC-721 approvals allow transfers only",
  }),
  DeviceRegistryInvalidStatus: ([deviceId, status]) => ({
    message: `device ${deviceId} is ${STATUS[Number(status)] ?? status}; this operation does not apply`,
  }),
  DeviceRegistryNotTransferable: ([deviceId, status]) => ({
    message: `device ${deviceId} is ${STATUS[Number(status)] ?? status} and cannot be transferred`,
    fix: "a retired device is a dead record: it never changes hands",
  }),
  DeviceRegistryUnsupportedMintOrBurn: ([deviceId, from, to]) => ({
    message: `device ${deviceId}: a move from ${from} to ${to} would mint or burn it outside registration`,
    fix: "devices are minted only by registration and never burned; retire a device instead",
  }),
  RewardPoolInvalidConfig: ([field]) => ({
    message: `pool configuration: ${field} is not valid`,
    fix: "rate, budget and device cap must be non-zero; quorum between 1 and the number of verifiers",
  }),
  RewardPoolUnauthorized: ([account]) => ({ message: `${account} does not hold the role this action needs` }),
  RewardPoolPaused: () => ({ message: "the pool is paused: no funds move", fix: "wait for the admin to unpause" }),
  RewardPoolZeroAmount: () => ({ message: "the amount is zero" }),
  RewardPoolFeeOnTransfer: ([expected, received]) => ({
    message: `the pool received ${received} instead of ${expected}: fee-on-transfer tokens are not supported`,
  }),
  RewardPoolEmptyBatch: () => ({ message: "the batch has no proof" }),
  RewardPoolBatchNonceUsed: ([nonce]) => ({
    message: `nonce ${nonce} was used before`,
    fix: "sign the batch again with a fresh nonce",
  }),
  RewardPoolEpochNotClosed: ([epoch, current]) => ({
    message: `epoch ${epoch} has not closed (current epoch ${current})`,
    fix: "record work only for epochs that have ended",
  }),
  RewardPoolQuorumNotMet: ([signers, quorum]) => ({
    message: `${signers} verifier signatures, the quorum is ${quorum}`,
  }),
  RewardPoolSignerLengthMismatch: ([signers, signatures]) => ({
    message: `${signers} signers but ${signatures} signatures`,
  }),
  RewardPoolSignersNotSorted: ([position, signer]) => ({
    message: `signer #${position} (${signer}) is out of order or repeated`,
    fix: "list signers once each, ascending by address",
  }),
  RewardPoolNotVerifier: ([position, signer]) => ({
    message: `signer #${position} (${signer}) is not a verifier of this pool`,
  }),
  RewardPoolInvalidVerifierSignature: ([position, signer]) => ({
    message: `the signature of verifier #${position} (${signer}) does not match this pool, chain and batch`,
  }),
  RewardPoolDeviceSignaturesMismatch: ([proofs, signatures]) => ({
    message: `${proofs} proofs but ${signatures} device signatures`,
    fix: "send one device signature per proof when the pool requires device-signed work, none otherwise",
  }),
  RewardPoolProofRejected: ([index, deviceId, reason]) => ({
    message: `proof #${index} (device ${deviceId}) refused: ${PROOF_REJECTION[Number(reason)] ?? reason}`,
  }),
  RewardPoolBudgetExceeded: ([epoch, budgetWad, neededWad]) => ({
    message: `epoch ${epoch} budget exceeded: ${budgetWad} WAD allowed, ${neededWad} WAD needed`,
    fix: "split the work over epochs or ask the admin to raise the budget",
  }),
  RewardPoolInsolvent: ([availableWad, neededWad]) => ({
    message: `the pool cannot cover this credit: ${availableWad} WAD funded, ${neededWad} WAD needed`,
    fix: "fund the pool first",
  }),
  RewardPoolNothingToClaim: ([account]) => ({ message: `${account} has nothing to claim` }),
  RewardPoolBelowMinimumClaim: ([account, claimable, minClaim]) => ({
    message: `${account} can claim ${claimable}, below the minimum of ${minClaim}`,
    fix: "wait until more rewards accrue",
  }),
  RewardPoolClaimExpired: ([deadline, timestamp]) => ({
    message: `the signed claim expired at ${deadline} (chain time ${timestamp})`,
    fix: "sign a new claim with a later deadline",
  }),
  RewardPoolInvalidClaimNonce: ([account, expected, got]) => ({
    message: `claim nonce ${got} for ${account} is not the next one (${expected})`,
    fix: "sign the claim again with the current nonce",
  }),
  RewardPoolInvalidClaimSignature: ([account]) => ({ message: `the claim signature is not ${account}'s` }),
  RewardPoolFeeTooHigh: ([fee, maxFee]) => ({ message: `relayer fee ${fee} is above the allowed ${maxFee}` }),
  RewardPoolClawbackTooLarge: ([account, unclaimedWad, amountWad]) => ({
    message: `${account} has ${unclaimedWad} WAD unclaimed, less than the ${amountWad} WAD clawback`,
  }),
  RewardPoolNoQueuedChange: () => ({ message: "no change is queued" }),
  RewardPoolChangeNotDue: ([eta, timestamp]) => ({
    message: `the queued change takes effect at ${eta}, now is ${timestamp}`,
  }),
  ERC721InsufficientApproval: ([operator, tokenId]) => ({
    message: `${operator} is not approved to move device ${tokenId}`,
  }),
  ERC721InvalidReceiver: ([receiver]) => ({ message: `${receiver} cannot receive devices` }),
  ERC721IncorrectOwner: ([sender, tokenId, owner]) => ({
    message: `device ${tokenId} is owned by ${owner}, not ${sender}`,
  }),
  ERC721InvalidApprover: ([approver]) => ({ message: `${approver} cannot approve for this device` }),
  ERC721InvalidOperator: ([operator]) => ({ message: `${operator} cannot be an operator` }),
  ERC721InvalidOwner: ([owner]) => ({ message: `${owner} cannot own devices` }),
  ERC721InvalidSender: ([sender]) => ({ message: `${sender} cannot send devices` }),
  StringsInsufficientHexLength: ([value, length]) => ({ message: `${value} does not fit in ${length} hex bytes` }),
  InvalidShortString: () => ({ message: "an EIP-712 domain string is malformed" }),
  StringTooLong: ([str]) => ({ message: `the EIP-712 domain string ${str} is too long` }),
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
