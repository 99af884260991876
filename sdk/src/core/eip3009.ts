/**
 * EIP-3009 (transfer with authorization, as USDC implements it): typed-data types and signing helpers.
 * Pure: no I/O beyond asking the given signer to sign. Mirrors `contracts/mocks/MockUSDC.sol` and FiatToken v2.
 *
 * Never hard-code the token's EIP-712 domain: read it with `readTokenDomain` (`actions/token.ts`), which uses the
 * token's ERC-5267 `eip712Domain()` where it exists and otherwise `name()` / `version()` (USDC has no
 * `eip712Domain()`; its version is "2"), checked against the token's `DOMAIN_SEPARATOR()`.
 */
import { Signature, type Signer, type TypedDataDomain, type TypedDataField } from "ethers";

/** Fields shared by `TransferWithAuthorization` and `ReceiveWithAuthorization`, in on-chain order. */
const AUTHORIZATION_FIELDS: TypedDataField[] = [
  { name: "from", type: "address" },
  { name: "to", type: "address" },
  { name: "value", type: "uint256" },
  { name: "validAfter", type: "uint256" },
  { name: "validBefore", type: "uint256" },
  { name: "nonce", type: "bytes32" },
];

/** Typed data of an authorization that anyone may submit (`transferWithAuthorization`). */
export const TRANSFER_WITH_AUTHORIZATION_TYPES: Record<string, TypedDataField[]> = {
  TransferWithAuthorization: AUTHORIZATION_FIELDS,
};

/** Typed data of an authorization that only the payee `to` may submit (`receiveWithAuthorization`). */
export const RECEIVE_WITH_AUTHORIZATION_TYPES: Record<string, TypedDataField[]> = {
  ReceiveWithAuthorization: AUTHORIZATION_FIELDS,
};

/** Typed data of the cancellation of an unused authorization (`cancelAuthorization`). */
export const CANCEL_AUTHORIZATION_TYPES: Record<string, TypedDataField[]> = {
  CancelAuthorization: [
    { name: "authorizer", type: "address" },
    { name: "nonce", type: "bytes32" },
  ],
};

/** An EIP-3009 authorization: `from` lets `value` move to `to` strictly between `validAfter` and `validBefore`. */
export interface Authorization {
  from: string;
  to: string;
  value: bigint;
  validAfter: bigint;
  validBefore: bigint;
  /** 32-byte hex nonce, unique per `from` (random, or derived from data the payee must bind). */
  nonce: string;
}

/** A secp256k1 signature split the way USDC's EIP-3009 functions take it. */
export interface VrsSignature {
  v: number;
  r: string;
  s: string;
}

/** Splits a 65-byte signature into `(v, r, s)` with `v` in {27, 28} and low `s`. */
export function splitSignature(signature: string): VrsSignature {
  const { v, r, s } = Signature.from(signature);
  return { v, r, s };
}

function authorizationMessage(auth: Authorization): Record<string, unknown> {
  return {
    from: auth.from,
    to: auth.to,
    value: auth.value,
    validAfter: auth.validAfter,
    validBefore: auth.validBefore,
    nonce: auth.nonce,
  };
}

/** Signs `auth` for `receiveWithAuthorization` (only `auth.to` may submit it). `signer` must be `auth.from`. */
export async function signReceiveWithAuthorization(
  signer: Signer,
  domain: TypedDataDomain,
  auth: Authorization,
): Promise<VrsSignature> {
  return splitSignature(
    await signer.signTypedData(domain, RECEIVE_WITH_AUTHORIZATION_TYPES, authorizationMessage(auth)),
  );
}

/** Signs `auth` for `transferWithAuthorization` (anyone may submit it). `signer` must be `auth.from`. */
export async function signTransferWithAuthorization(
  signer: Signer,
  domain: TypedDataDomain,
  auth: Authorization,
): Promise<VrsSignature> {
  return splitSignature(
    await signer.signTypedData(domain, TRANSFER_WITH_AUTHORIZATION_TYPES, authorizationMessage(auth)),
  );
}

/** Signs the cancellation of `authorizer`'s unused authorization with `nonce`. `signer` must be `authorizer`. */
export async function signCancelAuthorization(
  signer: Signer,
  domain: TypedDataDomain,
  authorizer: string,
  nonce: string,
): Promise<VrsSignature> {
  return splitSignature(await signer.signTypedData(domain, CANCEL_AUTHORIZATION_TYPES, { authorizer, nonce }));
}

/** Typed data of an EIP-2612 permit. */
export const PERMIT_TYPES: Record<string, TypedDataField[]> = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** An EIP-2612 permit: `owner` lets `spender` pull `value` until `deadline`; `nonce` is the token's `nonces(owner)`. */
export interface Permit {
  owner: string;
  spender: string;
  value: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** Signs an EIP-2612 permit (for `fundWithPermit`). `signer` must be `permit.owner`. */
export async function signPermit(signer: Signer, domain: TypedDataDomain, permit: Permit): Promise<VrsSignature> {
  return splitSignature(await signer.signTypedData(domain, PERMIT_TYPES, { ...permit }));
}
