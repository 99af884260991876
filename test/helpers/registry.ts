/** Shared test helpers for DeviceRegistry: signed registrations, including deliberately mis-signed ones. */
import {
  type AttestationInput,
  buildRegistration,
  type DeviceKey,
  type RegistrationInput,
  registryDomain,
  type SignedRegistration,
  type TypedDataSigner,
} from "../../sdk/src/index.js";

export interface RegistrationOptions {
  chainId: bigint;
  registry: string;
  owner: string;
  networkId: bigint;
  metadataHash?: string;
  payout?: string;
  deadline?: bigint;
  attester?: TypedDataSigner;
  /** Sign for another domain / owner / network than the one submitted (replay tests). */
  signChainId?: bigint;
  signRegistry?: string;
  signOwner?: string;
  signNetworkId?: bigint;
}

export const FAR_DEADLINE = 2n ** 63n;

/** A registration signed by `device` (and by `attester` when given), optionally for the wrong context. */
export async function signedRegistration(device: DeviceKey, o: RegistrationOptions): Promise<SignedRegistration> {
  return buildRegistration({
    device,
    domain: registryDomain(o.signChainId ?? o.chainId, o.signRegistry ?? o.registry),
    owner: o.signOwner ?? o.owner,
    networkId: o.signNetworkId ?? o.networkId,
    deadline: o.deadline ?? FAR_DEADLINE,
    ...(o.metadataHash === undefined ? {} : { metadataHash: o.metadataHash }),
    ...(o.payout === undefined ? {} : { payout: o.payout }),
    ...(o.attester === undefined ? {} : { attester: o.attester }),
  });
}

/** `register` arguments after the network id, with fields of either part changed (tests of refusal). */
export function registerArgs(
  signed: SignedRegistration,
  registration: Partial<RegistrationInput> = {},
  attestation: Partial<AttestationInput> = {},
): [RegistrationInput, AttestationInput] {
  return [
    { ...signed.registration, ...registration },
    { ...signed.attestation, ...attestation },
  ];
}
