/** Errors about the reward token itself, found before anything is signed or sent. */
import { DepinError } from "./base.js";

/**
 * The EIP-712 domain built for a token does not give the separator the token reports with `DOMAIN_SEPARATOR()`, so
 * any permit or EIP-3009 authorization signed over it would be refused ("invalid signature").
 */
export class TokenDomainMismatchError extends DepinError {
  override name = "TokenDomainMismatchError";
  /** The token's address. */
  readonly token: string;
  /** The separator of the domain the SDK built. */
  readonly computedSeparator: string;
  /** What the token's `DOMAIN_SEPARATOR()` returned. */
  readonly onChainSeparator: string;

  constructor(p: {
    token: string;
    tokenName?: string;
    computedSeparator: string;
    onChainSeparator: string;
    source: string;
  }) {
    const label = p.tokenName === undefined ? p.token : `${p.tokenName} (${p.token})`;
    super(
      `token ${label}: the EIP-712 domain from ${p.source} has separator ${p.computedSeparator}, ` +
        `but DOMAIN_SEPARATOR() returns ${p.onChainSeparator}`,
      {
        details:
          "signatures over this domain would be refused; the token builds its domain another way " +
          "(other name, version, chain id or fields): read its source and pass the domain explicitly",
      },
    );
    this.token = p.token;
    this.computedSeparator = p.computedSeparator;
    this.onChainSeparator = p.onChainSeparator;
  }
}

/** The token exposes neither `eip712Domain()` (ERC-5267) nor `name()` with `DOMAIN_SEPARATOR()`: it cannot be signed for. */
export class TokenDomainUnavailableError extends DepinError {
  override name = "TokenDomainUnavailableError";
  readonly token: string;

  constructor(token: string, missing: string, cause?: unknown) {
    super(`token ${token} has no readable EIP-712 domain: ${missing}`, {
      details: "permits and EIP-3009 authorizations need a token that implements EIP-2612 or EIP-3009",
      cause,
    });
    this.token = token;
  }
}
