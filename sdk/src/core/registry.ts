/**
 * DeviceRegistry encodings: key types, device ids, the EIP-712 types a device key and an attester sign.
 * Pure: no I/O. Mirrors `contracts/DeviceRegistry.sol` and `contracts/libraries/DeviceKeys.sol`.
 */
import { getBytes, hexlify, isHexString, keccak256, solidityPacked, type TypedDataDomain } from "ethers";

/** Curve of a device key; numeric values match `IDeviceRegistry.KeyType`. */
export enum KeyType {
  Secp256k1 = 1,
  P256 = 2,
}

/** Device lifecycle; numeric values match `IDeviceRegistry.DeviceStatus`. */
export enum DeviceStatus {
  None = 0,
  Active = 1,
  Suspended = 2,
  Retired = 3,
}

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
export const ZERO_HASH = "0x0000000000000000000000000000000000000000000000000000000000000000";

/** EIP-712 domain name and version of the registry. */
export const REGISTRY_DOMAIN_NAME = "DePIN DeviceRegistry";
export const REGISTRY_DOMAIN_VERSION = "1";

const REGISTRATION_FIELDS = [
  { name: "keyType", type: "uint8" },
  { name: "key", type: "bytes" },
  { name: "owner", type: "address" },
  { name: "networkId", type: "uint32" },
  { name: "metadataHash", type: "bytes32" },
  { name: "payout", type: "address" },
  { name: "deadline", type: "uint64" },
];

/** Typed data signed by the device key. */
export const REGISTRATION_TYPES = { Registration: REGISTRATION_FIELDS };
/** Typed data signed by the network's attester: the same fields under another type name. */
export const ATTESTATION_TYPES = { Attestation: REGISTRATION_FIELDS };

/** What a registration commits to, as both the device and the attester sign it. */
export interface RegistrationMessage {
  keyType: KeyType;
  /** 20-byte address (secp256k1) or 64-byte x||y (P-256), hex. */
  key: string;
  owner: string;
  networkId: bigint;
  metadataHash: string;
  payout: string;
  deadline: bigint;
}

/**
 * A 64-byte device signature as two words (`IDeviceRegistry.CompactSignature`): for secp256k1 the EIP-2098 form
 * (`vs` is s with the recovery bit on top), for P-256 r and s.
 */
export interface CompactSignature {
  r: string;
  vs: string;
}

/** `IDeviceRegistry.Registration`: what the device key signed, and its signature. */
export interface RegistrationInput {
  keyType: KeyType;
  key: string;
  metadataHash: string;
  payout: string;
  deadline: bigint;
  signature: CompactSignature;
}

/** `IDeviceRegistry.Attestation`: an attester's co-signature; empty (`NO_ATTESTATION`) in open networks. */
export interface AttestationInput {
  attester: string;
  signature: string;
}

/** The attestation of a registration in a network that requires none. */
export const NO_ATTESTATION: Readonly<AttestationInput> = Object.freeze({ attester: ZERO_ADDRESS, signature: "0x" });

/**
 * A registration ready to submit: `register(networkId, registration, attestation)`, or in a fleet through the
 * `registerFleet` action, which sends the attestations only when the registrations carry them.
 */
export interface SignedRegistration {
  registration: RegistrationInput;
  attestation: AttestationInput;
}

/** The registry's EIP-712 domain on `chainId` at `registry`. */
export function registryDomain(chainId: bigint, registry: string): TypedDataDomain {
  return { name: REGISTRY_DOMAIN_NAME, version: REGISTRY_DOMAIN_VERSION, chainId, verifyingContract: registry };
}

/** The id a key has in every registry: `uint256(keccak256(abi.encodePacked(uint8(keyType), key)))`. */
export function deviceIdOf(keyType: KeyType, key: string): bigint {
  return BigInt(keccak256(solidityPacked(["uint8", "bytes"], [keyType, key])));
}

/** Checks a key's shape (not curve membership, which the contract checks); returns it as lowercase hex. */
export function normalizeKey(keyType: KeyType, key: string): string {
  if (!isHexString(key)) throw new TypeError(`device key must be 0x-prefixed hex, got ${key}`);
  const length = getBytes(key).length;
  const expected = keyType === KeyType.Secp256k1 ? 20 : keyType === KeyType.P256 ? 64 : undefined;
  if (expected === undefined) throw new TypeError(`unknown key type ${String(keyType)}`);
  if (length !== expected) {
    throw new TypeError(`a ${KeyType[keyType]} device key is ${expected} bytes, got ${length}`);
  }
  return hexlify(key);
}

/** The EIP-712 value for a registration message (what ethers' `signTypedData` takes). */
export function registrationValue(message: RegistrationMessage): Record<string, unknown> {
  return { ...message, keyType: Number(message.keyType) };
}
