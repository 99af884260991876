import type { TypedDataDomain } from "ethers";
import { CLAIM_TYPES, type QuorumSigner, type SignedClaim } from "../core/pool.js";
import { InvalidInputError } from "../errors/base.js";

/** The account's signature for a gasless claim, to hand to a relayer. */
export async function signClaim(signer: QuorumSigner, domain: TypedDataDomain, c: SignedClaim): Promise<string> {
  if (signer.address.toLowerCase() !== c.account.toLowerCase()) {
    throw new InvalidInputError(`the claim is for ${c.account} but ${signer.address} is signing`);
  }
  return signer.signTypedData(domain, CLAIM_TYPES, { ...c });
}
