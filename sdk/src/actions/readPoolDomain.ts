import { type TypedDataDomain, getAddress } from "ethers";
import type { IRewardPool } from "../contracts/index.js";
import { POOL_DOMAIN_NAME, POOL_DOMAIN_VERSION, poolDomain } from "../core/pool.js";
import { InvalidInputError } from "../errors/base.js";

/**
 * The pool's EIP-712 domain, read from the chain and checked: the contract must name itself as the verifying
 * contract and the connected chain as its chain, so a look-alike contract cannot collect signatures for another.
 */
export async function readPoolDomain(pool: IRewardPool): Promise<TypedDataDomain> {
  const [[, name, version, chainId, verifyingContract], address, network] = await Promise.all([
    pool.eip712Domain(),
    pool.getAddress(),
    pool.runner?.provider?.getNetwork(),
  ]);
  if (name !== POOL_DOMAIN_NAME || version !== POOL_DOMAIN_VERSION) {
    throw new InvalidInputError(
      `${address} is not a reward pool: its EIP-712 domain is "${name}" version "${version}"`,
    );
  }
  if (getAddress(verifyingContract) !== getAddress(address) || (network !== undefined && network.chainId !== chainId)) {
    throw new InvalidInputError(
      `${address} reports the EIP-712 domain of ${verifyingContract} on chain ${chainId}: refusing to sign for it`,
    );
  }
  return poolDomain(chainId, verifyingContract);
}
