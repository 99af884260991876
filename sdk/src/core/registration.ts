/**
 * Building signed registrations: the device key signs locally, the attester (if the network needs one) co-signs.
 */
import type { Signer, TypedDataDomain } from "ethers";

import { signRegistration, type DeviceKey } from "./keys.js";
import {
  ATTESTATION_TYPES,
  ZERO_ADDRESS,
  ZERO_HASH,
  registrationValue,
  type RegistrationInput,
  type RegistrationMessage,
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
 * A registration ready for `register` / `registerFleet`.
 * @example
 * const reg = await buildRegistration({ device: Secp256k1DeviceKey.random(), domain, owner, networkId: 1n, deadline });
 */
export async function buildRegistration(p: BuildRegistrationParams): Promise<RegistrationInput> {
  const message: RegistrationMessage = {
    keyType: p.device.keyType,
    key: p.device.key,
    owner: p.owner,
    networkId: p.networkId,
    metadataHash: p.metadataHash ?? ZERO_HASH,
    payout: p.payout ?? ZERO_ADDRESS,
    deadline: p.deadline,
  };
  const attesterSignature =
    p.attester === undefined
      ? "0x"
      : await p.attester.signTypedData(p.domain, ATTESTATION_TYPES, registrationValue(message));
  return {
    keyType: message.keyType,
    key: message.key,
    metadataHash: message.metadataHash,
    payout: message.payout,
    deadline: message.deadline,
    deviceSignature: signRegistration(p.device, p.domain, message),
    attester: p.attester?.address ?? ZERO_ADDRESS,
    attesterSignature,
  };
}
