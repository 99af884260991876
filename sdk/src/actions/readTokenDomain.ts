import { Contract, type ContractRunner, type Result, type TypedDataDomain, TypedDataEncoder, getAddress } from "ethers";
import { InvalidInputError } from "../errors/base.js";
import { isCallRevert } from "../errors/contract.js";
import { TokenDomainMismatchError, TokenDomainUnavailableError } from "../errors/token.js";

/** The token functions a domain can be read from; each one is optional. */
export const TOKEN_DOMAIN_ABI = [
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
  "function name() view returns (string)",
  "function version() view returns (string)",
  "function DOMAIN_SEPARATOR() view returns (bytes32)",
] as const;

/**
 * A token's EIP-712 domain, for signing its permits (`signPermit`) and EIP-3009 authorizations
 * (`signReceiveWithAuthorization`, ...), checked against the token's own `DOMAIN_SEPARATOR()` when it has one.
 *
 * - A token with ERC-5267 `eip712Domain()` (OpenZeppelin's `ERC20Permit`, the pools) gives its domain itself.
 * - Otherwise (Circle's USDC, FiatTokenV2_2, has no `eip712Domain()`) the domain is `name()`, `version()`, the
 *   runner's chain id and the token's address. A token without `version()` is tried with version "1"
 *   (OpenZeppelin's default), then with no version field (as UNI and COMP sign).
 *
 * @param runner A provider, or a signer with a provider.
 * @param token The token's address.
 * @throws TokenDomainMismatchError if the domain does not give the token's `DOMAIN_SEPARATOR()`: every signature
 * over it would be refused.
 * @throws TokenDomainUnavailableError if the token has neither `eip712Domain()` nor `name()` and
 * `DOMAIN_SEPARATOR()`.
 * @example
 * const domain = await readTokenDomain(provider, usdcAddress); // { name: "USD Coin", version: "2", chainId, ... }
 * const { v, r, s } = await signPermit(owner, domain, { owner: owner.address, spender: pool, value, nonce, deadline });
 */
export async function readTokenDomain(runner: ContractRunner, token: string): Promise<TypedDataDomain> {
  const address = getAddress(token);
  const provider = runner.provider;
  if (provider === null) throw new InvalidInputError("readTokenDomain needs a provider, or a signer with a provider");
  const contract = new Contract(address, TOKEN_DOMAIN_ABI, runner);
  // One round trip: every read is optional, and which ones the token answers decides the path.
  const [erc5267, onChainSeparator, name, version, network] = await Promise.all([
    optional<Result>(contract.getFunction("eip712Domain")()),
    optional<string>(contract.getFunction("DOMAIN_SEPARATOR")()),
    optional<string>(contract.getFunction("name")()),
    optional<string>(contract.getFunction("version")()),
    provider.getNetwork(),
  ]);

  if (erc5267 !== undefined) {
    const domain = fromErc5267(address, erc5267);
    // ERC-5267 is authoritative; a token that also has DOMAIN_SEPARATOR() must agree with it.
    if (onChainSeparator !== undefined && !hashesTo(domain, onChainSeparator)) {
      throw mismatch(address, name, domain, onChainSeparator, "eip712Domain()");
    }
    return domain;
  }
  if (name === undefined || onChainSeparator === undefined) {
    const missing = name === undefined ? "name()" : "DOMAIN_SEPARATOR()";
    throw new TokenDomainUnavailableError(address, `no eip712Domain() (ERC-5267) and no ${missing}`);
  }
  const base = { name, chainId: network.chainId, verifyingContract: address };
  const candidates: TypedDataDomain[] =
    version === undefined ? [{ ...base, version: "1" }, base] : [{ ...base, version }];
  const match = candidates.find((d) => hashesTo(d, onChainSeparator));
  if (match !== undefined) return match;
  const source = version === undefined ? 'name() and version "1" (the token has no version())' : "name() and version()";
  throw mismatch(address, name, candidates[0]!, onChainSeparator, source);
}

/** The domain an ERC-5267 `eip712Domain()` answer describes: only the fields its bitmap lists. */
function fromErc5267(token: string, r: Result): TypedDataDomain {
  const [fieldsHex, name, version, chainId, verifyingContract, salt, extensions] = r as unknown as [
    string,
    string,
    string,
    bigint,
    string,
    string,
    bigint[],
  ];
  if (extensions.length > 0) {
    throw new TokenDomainUnavailableError(token, "its eip712Domain() lists extensions, which the SDK cannot sign for");
  }
  const fields = parseInt(fieldsHex, 16);
  const domain: TypedDataDomain = {};
  if (fields & 0x01) domain.name = name;
  if (fields & 0x02) domain.version = version;
  if (fields & 0x04) domain.chainId = chainId;
  if (fields & 0x08) domain.verifyingContract = verifyingContract;
  if (fields & 0x10) domain.salt = salt;
  return domain;
}

function hashesTo(domain: TypedDataDomain, separator: string): boolean {
  return TypedDataEncoder.hashDomain(domain).toLowerCase() === separator.toLowerCase();
}

function mismatch(
  token: string,
  tokenName: string | undefined,
  domain: TypedDataDomain,
  onChainSeparator: string,
  source: string,
): TokenDomainMismatchError {
  return new TokenDomainMismatchError({
    token,
    ...(tokenName === undefined ? {} : { tokenName }),
    computedSeparator: TypedDataEncoder.hashDomain(domain),
    onChainSeparator,
    source,
  });
}

/** The call's result, or `undefined` if the token does not have the function (it reverts or returns nothing). */
async function optional<T>(call: Promise<unknown>): Promise<T | undefined> {
  try {
    return (await call) as T;
  } catch (error) {
    if (isCallRevert(error)) return undefined;
    throw error;
  }
}
