import { getAddress, type TypedDataDomain } from "ethers";
import {
  BUNDLE_DOMAIN_NAME,
  CLAIM_BUNDLE_TYPES,
  bundleDomain,
  type ClaimBundle,
  type QuorumSigner,
} from "../core/pool.js";
import { InvalidInputError } from "../errors/base.js";

/**
 * The account's one signature over its claims in several pools (EIP-712 `ClaimBundle`, chain-wide domain "DePIN
 * Rewards Claims"), for `relayClaimBundle` (or the account itself) to submit through the claim router. Each entry's
 * `nonce` must be the account's claim nonce in that pool (`findClaims` reads them); each pool consumes its own.
 * @example const signature = await signClaimBundle(operator, chainId, { account, recipient, deadline, claims });
 */
export async function signClaimBundle(
  signer: QuorumSigner,
  chainIdOrDomain: bigint | TypedDataDomain,
  bundle: ClaimBundle,
  options: {
    /** The account is a contract (ERC-1271) and `signer` signs for it, as the account's `isValidSignature` expects. */
    contractAccount?: boolean;
  } = {},
): Promise<string> {
  if (options.contractAccount !== true && signer.address.toLowerCase() !== bundle.account.toLowerCase()) {
    throw new InvalidInputError(`the bundle is for ${bundle.account} but ${signer.address} is signing`);
  }
  if (bundle.claims.length === 0) {
    throw new InvalidInputError("the bundle lists no pool", { details: "add one entry per pool to claim from" });
  }
  const pools = new Set(bundle.claims.map((c) => getAddress(c.pool)));
  if (pools.size !== bundle.claims.length) {
    throw new InvalidInputError("the bundle lists a pool twice", { details: "one entry per pool" });
  }
  const domain = typeof chainIdOrDomain === "bigint" ? bundleDomain(chainIdOrDomain) : chainIdOrDomain;
  if (domain.name !== BUNDLE_DOMAIN_NAME || domain.verifyingContract !== undefined) {
    throw new InvalidInputError(`"${domain.name}" is not the claim bundles' domain`, {
      details: "pass the chain id, or bundleDomain(chainId)",
    });
  }
  return signer.signTypedData(domain, CLAIM_BUNDLE_TYPES, {
    ...bundle,
    claims: bundle.claims.map((c) => ({ pool: c.pool, maxFee: c.maxFee, nonce: c.nonce })),
  });
}
