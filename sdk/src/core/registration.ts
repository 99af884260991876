/**
 * Building signed registrations: the device key signs locally, the attester (if the network needs one) co-signs.
 */
import { getAddress, isHexString, type Signer, type TypedDataDomain } from "ethers";

import { InvalidInputError } from "../errors/base.js";

import { signRegistration, type DeviceKey } from "./keys.js";
import {
  ATTESTATION_TYPES,
  NO_ATTESTATION,
  ZERO_ADDRESS,
  ZERO_HASH,
  registrationValue,
  type AttestationInput,
  type RegistrationInput,
  type RegistrationMessage,
  type SignedRegistration,
} from "./registry.js";

/** Anything that signs EIP-712 typed data and has an address the registry checks (EOA or ERC-1271 wallet). */
export interface TypedDataSigner {
  readonly address: string;
  signTypedData: Signer["signTypedData"];
}

export interface BuildRegistrationParams {
  device: DeviceKey;
  /** The registry's EIP-712 domain (see `registryDomain`). */
  domain: TypedDataDomain;
  /** The account that will submit the registration and own the device token. */
  owner: string;
  networkId: bigint;
  metadataHash?: string;
  payout?: string;
  /** Unix seconds; the last moment the signatures are accepted. */
  deadline: bigint;
  attester?: TypedDataSigner;
}

/**
 * A registration ready for `register` / `registerFleet`: the device's signed part, and the attester's co-signature
 * when `attester` is given (`NO_ATTESTATION` otherwise).
 * @example
 * const reg = await buildRegistration({ device: Secp256k1DeviceKey.random(), domain, owner, networkId: 1n, deadline });
 * await registry.register(1n, reg.registration, reg.attestation);
 */
export async function buildRegistration(p: BuildRegistrationParams): Promise<SignedRegistration> {
  const message: RegistrationMessage = {
    keyType: p.device.keyType,
    key: p.device.key,
    owner: p.owner,
    networkId: p.networkId,
    metadataHash: p.metadataHash ?? ZERO_HASH,
    payout: p.payout ?? ZERO_ADDRESS,
    deadline: p.deadline,
  };
  const attestation =
    p.attester === undefined
      ? { ...NO_ATTESTATION }
      : {
          attester: p.attester.address,
          signature: await p.attester.signTypedData(p.domain, ATTESTATION_TYPES, registrationValue(message)),
        };
  return {
    registration: {
      keyType: message.keyType,
      key: message.key,
      metadataHash: message.metadataHash,
      payout: message.payout,
      deadline: message.deadline,
      signature: signRegistration(p.device, p.domain, message),
    },
    attestation,
  };
}

/**
 * The arguments of `registerFleet` after the network id: the registrations, and their attestations when any carries
 * one (a network takes one per registration or none; a mismatch reverts with `DeviceRegistryWrongAttestationCount`).
 * @example await registry.registerFleet(networkId, ...registerFleetArgs(signed));
 */
export function registerFleetArgs(
  signed: readonly SignedRegistration[],
): [registrations: RegistrationInput[], attestations: AttestationInput[]] {
  const attested = signed.some((s) => s.attestation.attester !== ZERO_ADDRESS);
  return [signed.map((s) => s.registration), attested ? signed.map((s) => s.attestation) : []];
}

/** Signed registrations as a JSON file (what devices hand their operator): bigints as decimal strings. */
export function serializeSignedRegistrations(list: readonly SignedRegistration[]): string {
  return JSON.stringify(list, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n";
}

/**
 * Reads a JSON file of signed registrations (as `serializeSignedRegistrations` writes them), checking each entry's
 * shape; throws `InvalidInputError` naming the first bad entry and field.
 */
export function parseSignedRegistrations(text: string): SignedRegistration[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new InvalidInputError("the registrations file is not valid JSON", { cause });
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidInputError("the registrations file must be a non-empty JSON array of signed registrations");
  }
  return raw.map((entry: unknown, i: number): SignedRegistration => {
    const bad = (field: string) =>
      new InvalidInputError(`registration #${i}: ${field} is missing or malformed`, {
        details: "each entry is what `depin device sign` prints",
      });
    const e = entry as { registration?: Record<string, unknown>; attestation?: Record<string, unknown> };
    const r = e.registration;
    if (r === undefined || typeof r !== "object") throw bad("registration");
    const hex = (v: unknown, field: string, bytes?: number) => {
      if (typeof v !== "string" || !isHexString(v, bytes)) throw bad(field);
      return v;
    };
    const sig = r.signature as { r?: unknown; vs?: unknown } | undefined;
    if (sig === undefined || typeof sig !== "object") throw bad("registration.signature");
    if (typeof r.deadline !== "string" || !/^\d+$/.test(r.deadline)) throw bad("registration.deadline");
    if (typeof r.keyType !== "number") throw bad("registration.keyType");
    let payout: string;
    try {
      payout = getAddress(String(r.payout));
    } catch {
      throw bad("registration.payout");
    }
    const a = e.attestation ?? { ...NO_ATTESTATION };
    return {
      registration: {
        keyType: r.keyType,
        key: hex(r.key, "registration.key"),
        metadataHash: hex(r.metadataHash, "registration.metadataHash", 32),
        payout,
        deadline: BigInt(r.deadline),
        signature: { r: hex(sig.r, "registration.signature.r", 32), vs: hex(sig.vs, "registration.signature.vs", 32) },
      },
      attestation: { attester: String(a.attester), signature: hex(a.signature, "attestation.signature") },
    };
  });
}
