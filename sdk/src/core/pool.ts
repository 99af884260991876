/**
 * RewardPool encodings: EIP-712 types of proof batches, work reports, epoch commits, clawbacks and claims; reward
 * math at full precision. Pure: no I/O. Mirrors `contracts/interfaces/IRewardPool.sol`, whose NatSpec gives each
 * type string; the pool's address and the chain id are in the domain, never in a message.
 */
import { AbiCoder, keccak256, type TypedDataDomain } from "ethers";

export const POOL_DOMAIN_NAME = "DePIN RewardPool";
export const POOL_DOMAIN_VERSION = "1";
/** Rates are token units per work unit scaled by 1e18. */
export const WAD = 10n ** 18n;

export const PROOF_BATCH_TYPES = {
  ProofBatch: [
    { name: "epoch", type: "uint32" },
    { name: "batchNonce", type: "uint256" },
    { name: "proofsHash", type: "bytes32" },
  ],
};

export const WORK_REPORT_TYPES = {
  WorkReport: [
    { name: "deviceId", type: "uint256" },
    { name: "epoch", type: "uint32" },
    { name: "units", type: "uint64" },
    { name: "evidenceHash", type: "bytes32" },
  ],
};

export const CLAWBACK_TYPES = {
  Clawback: [
    { name: "account", type: "address" },
    { name: "deviceId", type: "uint256" },
    { name: "amountWad", type: "uint256" },
    { name: "reasonHash", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export const CLAIM_TYPES = {
  Claim: [
    { name: "account", type: "address" },
    { name: "recipient", type: "address" },
    { name: "maxFee", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** A push payout choice (`recipient` zero: opt out), signed by the account; `nonce` is its claim nonce. */
export const PUSH_RECIPIENT_TYPES = {
  PushRecipient: [
    { name: "account", type: "address" },
    { name: "recipient", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export interface PushRecipientChoice {
  account: string;
  /** Where push payouts go: the account itself, another address, or zero to opt out. */
  recipient: string;
  /** The account's next claim nonce (`account(account).claimNonce`): choices and signed claims share it. */
  nonce: bigint;
  deadline: bigint;
}

export interface Proof {
  deviceId: bigint;
  units: bigint;
  evidenceHash: string;
}

export interface SignedClaim {
  account: string;
  recipient: string;
  maxFee: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** The verifier quorum's signatures over one message: signers strictly ascending, one signature each. */
export interface QuorumSignatures {
  signers: string[];
  signatures: string[];
}

/** The pool's EIP-712 domain. */
export function poolDomain(chainId: bigint, pool: string): TypedDataDomain {
  return { name: POOL_DOMAIN_NAME, version: POOL_DOMAIN_VERSION, chainId, verifyingContract: pool };
}

/** `keccak256(abi.encode(proofs))`, as the pool hashes a batch. */
export function hashProofs(proofs: readonly Proof[]): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["tuple(uint256 deviceId,uint64 units,bytes32 evidenceHash)[]"],
      [proofs.map((p) => [p.deviceId, p.units, p.evidenceHash])],
    ),
  );
}

/** Reward of `units` at `rate`, in WAD (token units × 1e18): exact, nothing rounded. */
export function rewardWad(units: bigint, rate: bigint): bigint {
  return units * rate;
}

/** Token units payable from a WAD credit: rounded down, the remainder stays credited. */
export function payable(creditedWad: bigint): bigint {
  return creditedWad / WAD;
}

/** Anything that signs EIP-712 typed data for a known address (EOA or ERC-1271 wallet). */
export interface QuorumSigner {
  readonly address: string;
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, Array<{ name: string; type: string }>>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/**
 * Puts verifiers' signatures of one message (made separately, e.g. one per verifier machine) in the order the pool
 * demands: signers strictly ascending by address.
 */
export function combineSignatures(signed: readonly { signer: string; signature: string }[]): QuorumSignatures {
  const sorted = [...signed].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
  return { signers: sorted.map((s) => s.signer), signatures: sorted.map((s) => s.signature) };
}

/** Collects verifier signatures in the order the pool demands: signers strictly ascending by address. */
export async function attest(
  signers: readonly QuorumSigner[],
  domain: TypedDataDomain,
  types: Record<string, Array<{ name: string; type: string }>>,
  value: Record<string, unknown>,
): Promise<QuorumSignatures> {
  return combineSignatures(
    await Promise.all(
      signers.map(async (s) => ({ signer: s.address, signature: await s.signTypedData(domain, types, value) })),
    ),
  );
}

/** The quorum's attestation of a proof batch. */
export function attestBatch(
  signers: readonly QuorumSigner[],
  domain: TypedDataDomain,
  epoch: bigint,
  batchNonce: bigint,
  proofs: readonly Proof[],
): Promise<QuorumSignatures> {
  return attest(signers, domain, PROOF_BATCH_TYPES, { epoch, batchNonce, proofsHash: hashProofs(proofs) });
}

export const EPOCH_COMMIT_TYPES = {
  EpochCommit: [
    { name: "epoch", type: "uint32" },
    { name: "nonce", type: "uint32" },
    { name: "root", type: "bytes32" },
    { name: "totalOwed", type: "uint256" },
    { name: "epochTotal", type: "uint256" },
    { name: "rate", type: "uint128" },
    { name: "manifestHash", type: "bytes32" },
    { name: "manifestUri", type: "string" },
    { name: "formulaVersion", type: "uint32" },
    { name: "ledgerCreditedWad", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** What the quorum signs and `commitEpoch` takes (see `IRewardPoolBase.EpochCommit`). */
export interface EpochCommit {
  epoch: bigint;
  /** The pool's `commitNonce()` when it is submitted; each accepted commit uses one up. */
  nonce: bigint;
  root: string;
  totalOwed: bigint;
  epochTotal: bigint;
  /** The rate of `epoch` (`rewardParamsAt(epoch).rate`). */
  rate: bigint;
  manifestHash: string;
  manifestUri: string;
  formulaVersion: bigint;
  /** The pool's `totals().creditedWad` the root was built against; the commit fails if it changed. */
  ledgerCreditedWad: bigint;
  /** Last timestamp (inclusive) it may be submitted at. */
  deadline: bigint;
}

/** The quorum's attestation of an epoch commit. */
export function attestEpoch(
  signers: readonly QuorumSigner[],
  domain: TypedDataDomain,
  commit: EpochCommit,
): Promise<QuorumSignatures> {
  return attest(signers, domain, EPOCH_COMMIT_TYPES, { ...commit });
}

export interface Clawback {
  account: string;
  deviceId: bigint;
  amountWad: bigint;
  reasonHash: string;
  nonce: bigint;
  /** Last timestamp (inclusive) the clawback may be submitted at. */
  deadline: bigint;
}

/** The quorum's signatures over a clawback. */
export function attestClawback(
  signers: readonly QuorumSigner[],
  domain: TypedDataDomain,
  clawback: Clawback,
): Promise<QuorumSignatures> {
  return attest(signers, domain, CLAWBACK_TYPES, { ...clawback });
}

/**
 * The EIP-3009 nonce `fundWithAuthorization` requires: `keccak256(abi.encode(pool, ref, salt))`, so the funder's
 * signature also fixes the pool and the funding reference (USDC nonces are per signer across every payee). `salt`
 * makes each authorization unique.
 */
export function fundingNonce(pool: string, ref: string, salt: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "bytes32", "bytes32"], [pool, ref, salt]));
}

/** A pool configuration as `createPool` / `createWholePool` take it. */
export interface PoolConfigInput {
  token: string;
  networkId: bigint | number;
  admin: string;
  guardian: string;
  verifiers: string[];
  quorum: number;
  epochLength: bigint | number;
  changeDelay: bigint | number;
  challengePeriod: bigint | number;
  /** Closed epochs that can still be recorded or committed (at least 1). */
  settlementWindow: number;
  params: { rate: bigint; epochBudget: bigint; deviceCap: bigint };
  /** At most 10^7 token units; never binds an account claiming for itself. */
  minClaim: bigint;
  maxRelayerFee: bigint;
  requireDeviceSignatures: boolean;
  /**
   * The outflow breaker: at most this many token units leave by claims in any `outflowWindow` seconds (a steady
   * flow gets about half). At most seven significant digits (`m * 10^e`, `m < 2^24`): see `outflowLimitAtLeast`.
   */
  outflowLimit: bigint;
  /** The breaker's window in seconds (1 to 2^24 - 1). */
  outflowWindow: bigint | number;
}

/**
 * The smallest outflow limit the pool accepts that is at least `amount`: the pool keeps limits as `m * 10^e` with
 * `m < 2^24` (about seven significant digits), so other values are rounded up.
 * @example outflowLimitAtLeast(123_456_789n) // 123_500_000n
 */
export function outflowLimitAtLeast(amount: bigint): bigint {
  if (amount <= 0n) return 1n;
  let mantissa = amount;
  let scale = 1n;
  while (mantissa >= 1n << 24n) {
    mantissa = (mantissa + 9n) / 10n;
    scale *= 10n;
  }
  return mantissa * scale;
}

const DAY_SECONDS = 86_400n;

/**
 * A pool configuration with the usual defaults filled in: daily epochs, a one-day delay on verifier and rate
 * changes, a six-hour challenge period, a seven-epoch settlement window, a two-thirds quorum, the admin as guardian,
 * no minimum claim, no relayer fee, and an outflow breaker of twice the epoch budget per epoch (so a steady flow of
 * a whole budget per epoch always passes, and a drain is slowed to that).
 * @example const config = poolConfig({ token, networkId: 1n, admin, verifiers, params: { rate, epochBudget, deviceCap } });
 */
export function poolConfig(
  p: Pick<PoolConfigInput, "token" | "networkId" | "admin" | "verifiers" | "params"> & Partial<PoolConfigInput>,
): PoolConfigInput {
  return {
    guardian: p.admin,
    quorum: Math.ceil((p.verifiers.length * 2) / 3),
    epochLength: DAY_SECONDS,
    changeDelay: DAY_SECONDS,
    challengePeriod: DAY_SECONDS / 4n,
    settlementWindow: 7,
    minClaim: 0n,
    maxRelayerFee: 0n,
    requireDeviceSignatures: false,
    outflowLimit: outflowLimitAtLeast(2n * p.params.epochBudget),
    outflowWindow: p.epochLength ?? DAY_SECONDS,
    ...p,
  };
}

/** The chain-wide EIP-712 domain of claim bundles (one signature for claims in several pools; see IClaimRouter). */
export const BUNDLE_DOMAIN_NAME = "DePIN Rewards Claims";
export const BUNDLE_DOMAIN_VERSION = "1";

export const CLAIM_BUNDLE_TYPES = {
  ClaimBundle: [
    { name: "account", type: "address" },
    { name: "recipient", type: "address" },
    { name: "deadline", type: "uint256" },
    { name: "claims", type: "PoolClaim[]" },
  ],
  PoolClaim: [
    { name: "pool", type: "address" },
    { name: "maxFee", type: "uint256" },
    { name: "nonce", type: "uint256" },
  ],
};

/** One pool's entry of a claim bundle: the most a relayer may take there and the account's claim nonce there. */
export interface PoolClaimEntry {
  pool: string;
  maxFee: bigint;
  nonce: bigint;
}

/** What the account signs once for claims in several pools. */
export interface ClaimBundle {
  account: string;
  recipient: string;
  deadline: bigint;
  claims: PoolClaimEntry[];
}

/** The claim bundles' domain on `chainId`: no verifying contract (each pool checks its own entry). */
export function bundleDomain(chainId: bigint): TypedDataDomain {
  return { name: BUNDLE_DOMAIN_NAME, version: BUNDLE_DOMAIN_VERSION, chainId };
}
