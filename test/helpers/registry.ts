/** Shared test helpers for DeviceRegistry: signed registrations without boilerplate. */
import type { Signer } from "ethers";

import {
  ATTESTATION_TYPES,
  ZERO_ADDRESS,
  ZERO_HASH,
  registrationValue,
  registryDomain,
  type RegistrationInput,
  type RegistrationMessage,
} from "../../sdk/src/core/registry.js";
import { signRegistration, type DeviceKey } from "../../sdk/src/core/keys.js";

export interface RegistrationOptions {
  chainId: bigint;
  registry: string;
  owner: string;
  networkId: bigint;
  metadataHash?: string;
  payout?: string;
  deadline?: bigint;
  /** Who attests: any EIP-712 signer, with the address the registry checks (an EOA, or an ERC-1271 wallet). */
  attester?: { address: string; signTypedData: Signer["signTypedData"] };
  /** Sign for another domain / owner / network than the one submitted (replay tests). */
  signChainId?: bigint;
  signRegistry?: string;
  signOwner?: string;
  signNetworkId?: bigint;
}

export const FAR_DEADLINE = 2n ** 63n;

/** A registration signed by `device` (and by `attester` when given). */
export async function signedRegistration(device: DeviceKey, o: RegistrationOptions): Promise<RegistrationInput> {
  const message: RegistrationMessage = {
    keyType: device.keyType,
    key: device.key,
    owner: o.owner,
    networkId: o.networkId,
    metadataHash: o.metadataHash ?? ZERO_HASH,
    payout: o.payout ?? ZERO_ADDRESS,
    deadline: o.deadline ?? FAR_DEADLINE,
  };
  const signed: RegistrationMessage = {
    ...message,
    owner: o.signOwner ?? message.owner,
    networkId: o.signNetworkId ?? message.networkId,
  };
  const domain = registryDomain(o.signChainId ?? o.chainId, o.signRegistry ?? o.registry);
  const deviceSignature = signRegistration(device, domain, signed);
  const attesterSignature =
    o.attester === undefined ? "0x" : await o.attester.signTypedData(domain, ATTESTATION_TYPES, registrationValue(signed));
  return {
    keyType: device.keyType,
    key: device.key,
    metadataHash: message.metadataHash,
    payout: message.payout,
    deadline: message.deadline,
    deviceSignature,
    attester: o.attester?.address ?? ZERO_ADDRESS,
    attesterSignature,
  };
}
