import { Contract } from "ethers";

import type { IRewardPool } from "../contracts/index.js";
import { signPermit } from "../core/eip3009.js";
import { InvalidInputError } from "../errors/base.js";
import { poolErrorInterfaces } from "./pool.js";
import { readTokenDomain } from "./readTokenDomain.js";
import { sendTransaction, signerOf, type TransactionResult } from "./transaction.js";

export interface FundPoolWithPermitParameters {
  /** Token units. */
  amount: bigint;
  /** 32-byte funding reference (e.g. `id("customer-contract-17")`); the `Funded` events carry it (indexed). */
  ref: string;
  /** How long the permit stays valid, in seconds from the latest block (default 3,600). */
  validFor?: bigint;
}

export type FundPoolWithPermitReturnType = TransactionResult;

/**
 * Funds a pool in one transaction without a prior `approve`: the funder (the pool's signer) signs an EIP-2612 permit
 * over the token's own EIP-712 domain (`readTokenDomain`), and `fundWithPermit` uses it.
 * @example await fundPoolWithPermit(rewardPoolAt(pool, funder), { amount: 5_000_000_000n, ref: id("contract-17") });
 */
export async function fundPoolWithPermit(
  pool: IRewardPool,
  p: FundPoolWithPermitParameters,
): Promise<FundPoolWithPermitReturnType> {
  if (p.amount <= 0n) throw new InvalidInputError(`amount must be positive, got ${p.amount}`);
  const signer = signerOf(pool, "fundPoolWithPermit");
  const [owner, { token }, head, spender] = await Promise.all([
    signer.getAddress(),
    pool.settings(),
    signer.provider!.getBlock("latest"),
    pool.getAddress(),
  ]);
  if (head === null) throw new InvalidInputError("the provider returned no latest block");
  const erc20 = new Contract(token, ["function nonces(address) view returns (uint256)"], signer);
  const [domain, nonce] = await Promise.all([
    readTokenDomain(signer, token),
    erc20.getFunction("nonces")(owner) as Promise<bigint>,
  ]);
  const deadline = BigInt(head.timestamp) + (p.validFor ?? 3_600n);
  const { v, r, s } = await signPermit(signer, domain, { owner, spender, value: p.amount, nonce, deadline });
  return sendTransaction(poolErrorInterfaces, () => pool.fundWithPermit(p.amount, p.ref, deadline, v, r, s));
}
