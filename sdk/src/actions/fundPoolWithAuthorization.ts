import { hexlify, isHexString, randomBytes, type Signer } from "ethers";

import type { IRewardPool } from "../contracts/index.js";
import { signReceiveWithAuthorization } from "../core/eip3009.js";
import { fundingNonce } from "../core/pool.js";
import { InvalidInputError } from "../errors/base.js";
import { poolErrorInterfaces } from "./pool.js";
import { readTokenDomain } from "./readTokenDomain.js";
import { sendTransaction, signerOf, type TransactionResult } from "./transaction.js";

export interface FundPoolWithAuthorizationParameters {
  /** Whose tokens fund the pool: signs the EIP-3009 authorization (default: the pool's signer, who also sends). */
  funder?: Signer;
  /** Token units. */
  amount: bigint;
  /** 32-byte funding reference; the authorization's nonce binds it (and the pool), so the relayer cannot change it. */
  ref: string;
  /** 32 bytes making the nonce unique (default: random). */
  salt?: string;
  /** How long the authorization stays valid, in seconds from the latest block (default 3,600). */
  validFor?: bigint;
}

export interface FundPoolWithAuthorizationReturnType extends TransactionResult {
  /** The EIP-3009 nonce used: `keccak256(abi.encode(pool, ref, salt))`. */
  nonce: string;
  salt: string;
}

/**
 * Funds a pool with an EIP-3009 `receiveWithAuthorization` (USDC): the funder signs, anyone sends
 * `fundWithAuthorization` (the pool's signer pays the gas). No approval, and the funder needs no native token.
 * @example await fundPoolWithAuthorization(rewardPoolAt(pool, relayer), { funder, amount, ref: id("contract-17") });
 */
export async function fundPoolWithAuthorization(
  pool: IRewardPool,
  p: FundPoolWithAuthorizationParameters,
): Promise<FundPoolWithAuthorizationReturnType> {
  if (p.amount <= 0n) throw new InvalidInputError(`amount must be positive, got ${p.amount}`);
  const sender = signerOf(pool, "fundPoolWithAuthorization");
  const funder = p.funder ?? sender;
  const salt = p.salt ?? hexlify(randomBytes(32));
  if (!isHexString(salt, 32)) throw new InvalidInputError(`salt ${salt} is not 32 bytes of hex`);
  if (!isHexString(p.ref, 32)) throw new InvalidInputError(`ref ${p.ref} is not 32 bytes of hex`);
  const [from, { token }, head, to] = await Promise.all([
    funder.getAddress(),
    pool.settings(),
    sender.provider!.getBlock("latest"),
    pool.getAddress(),
  ]);
  if (head === null) throw new InvalidInputError("the provider returned no latest block");
  const nonce = fundingNonce(to, p.ref, salt);
  const validBefore = BigInt(head.timestamp) + (p.validFor ?? 3_600n);
  const domain = await readTokenDomain(sender, token);
  const { v, r, s } = await signReceiveWithAuthorization(funder, domain, {
    from,
    to,
    value: p.amount,
    validAfter: 0n,
    validBefore,
    nonce,
  });
  const sent = await sendTransaction(poolErrorInterfaces, () =>
    pool.fundWithAuthorization(from, p.amount, p.ref, salt, 0n, validBefore, v, r, s),
  );
  return { ...sent, nonce, salt };
}
