/**
 * Contract custom errors decoded to SDK errors with a plain message and the fix. One entry per custom error of
 * the project's contracts; `describeRevert` is exhaustive over that table and falls back to the raw name.
 * Reverts with a reason string (`Error(string)`, as USDC reverts) and panics (`Panic(uint256)`) decode whatever
 * interfaces are given, to `TokenRevertError` and `PanicError`.
 */
import { AbiCoder, dataSlice, isError, type Interface, type Result } from "ethers";

import { DepinError } from "./base.js";

type Describe = (args: Result) => { message: string; fix?: string };

const STATUS = ["none", "active", "suspended", "retired"];
const KEY_TYPE = ["none", "secp256k1", "p256"];
const PROOF_REJECTION = [
  "none",
  "unknown device",
  "device belongs to another network",
  "device is not active (suspended or retired)",
  "already recorded for this epoch",
  "zero units",
  "over the per-device cap",
  "bad device signature",
];

/** Plain-language descriptions of every custom error, keyed by error name. */
export const CONTRACT_ERRORS: Record<string, Describe> = {
  DeviceRegistryUnknownNetwork: ([networkId]) => ({
    message: `network ${networkId} does not exist`,
    fix: "create it with createNetwork, or use the id from its NetworkCreated event",
  }),
  DeviceRegistryNotNetworkAdmin: ([networkId, account]) => ({
    message: `${account} is not the admin of network ${networkId}`,
    fix: "send this transaction from the network admin's account",
  }),
  DeviceRegistryNotPendingAdmin: ([networkId, account]) => ({
    message: `${account} is not the pending admin of network ${networkId}`,
    fix: "the current admin must first propose this account with transferNetworkAdmin",
  }),
  DeviceRegistryEmptyFleet: () => ({ message: "the fleet registration lists no device" }),
  DeviceRegistryInvalidKey: ([index, keyType, length]) => ({
    message: `device #${index}: a ${KEY_TYPE[Number(keyType)] ?? `type-${keyType}`} key of ${length} bytes is not valid`,
    fix: "secp256k1 keys are the 20-byte address; P-256 keys are the 64-byte x||y point on the curve",
  }),
  DeviceRegistryKeyAlreadyRegistered: ([index, deviceId]) => ({
    message: `device #${index}: its key is already registered (device ${deviceId}); keys are single-use, even after retirement`,
  }),
  DeviceRegistrySignatureExpired: ([index, deadline, timestamp]) => ({
    message: `device #${index}: signatures expired at ${deadline}, chain time is ${timestamp}`,
    fix: "have the device sign again with a later deadline",
  }),
  DeviceRegistryInvalidDeviceSignature: ([index, deviceId]) => ({
    message: `device #${index} (${deviceId}): the device signature does not match this chain, registry, owner, network and fields`,
    fix: "sign with the device key for exactly the submitting owner, network, metadata, payout and deadline",
  }),
  DeviceRegistryMalleableSignature: ([index, deviceId]) => ({
    message: `device #${index} (${deviceId}): a signature uses a high s value (malleable)`,
    fix: "submit the low-s form of the signature (s = n - s)",
  }),
  DeviceRegistryAttestationRequired: ([index, deviceId]) => ({
    message: `device #${index} (${deviceId}): this network requires an attester signature`,
    fix: "have one of the network's attesters co-sign the registration",
  }),
  DeviceRegistryUnexpectedAttestation: ([index, deviceId]) => ({
    message: `device #${index} (${deviceId}): this network takes no attestation`,
    fix: "submit an empty attestation (NO_ATTESTATION: zero attester, no signature)",
  }),
  DeviceRegistryWrongAttestationCount: ([networkId, expected, given]) => ({
    message: `network ${networkId} takes ${expected} attestations for this fleet, ${given} were given`,
    fix: "one attestation per registration when the network requires attestations, none otherwise",
  }),
  DeviceRegistryUnknownAttester: ([index, networkId, attester]) => ({
    message: `device #${index}: ${attester} is not an attester of network ${networkId}`,
    fix: "use an allowlisted attester, or ask the network admin to add it",
  }),
  DeviceRegistryInvalidAttestation: ([index, deviceId, attester]) => ({
    message: `device #${index} (${deviceId}): the attestation does not verify for attester ${attester}`,
  }),
  DeviceRegistryUnknownDevice: ([deviceId]) => ({ message: `device ${deviceId} is not registered` }),
  DeviceRegistryNotDeviceOwner: ([deviceId, account]) => ({
    message: `${account} does not own device ${deviceId}`,
    fix: "only the owner sets the payout address or retires a device; ERC-721 approvals allow transfers only",
  }),
  DeviceRegistryInvalidStatus: ([deviceId, status]) => ({
    message: `device ${deviceId} is ${STATUS[Number(status)] ?? status}; this operation does not apply`,
  }),
  DeviceRegistryNotTransferable: ([deviceId, status]) => ({
    message: `device ${deviceId} is ${STATUS[Number(status)] ?? status} and cannot be transferred`,
    fix: "a retired device is a dead record: it never changes hands",
  }),
  DeviceRegistryUnsupportedMintOrBurn: ([deviceId, from, to]) => ({
    message: `device ${deviceId}: a move from ${from} to ${to} would mint or burn it outside registration`,
    fix: "devices are minted only by registration and never burned; retire a device instead",
  }),
  RewardPoolInvalidConfig: ([field]) => ({
    message: `pool configuration: ${field} is not valid`,
    fix: "rate, budget and device cap must be non-zero; quorum between 1 and the number of verifiers; minimum claim at most 10^7; outflow limit non-zero with at most seven significant digits (outflowLimitAtLeast), window 1 to 2^24 - 1 seconds; guardian non-zero",
  }),
  RewardPoolUnauthorized: ([account]) => ({ message: `${account} does not hold the role this action needs` }),
  RewardPoolPaused: () => ({ message: "the pool is paused: no funds move", fix: "wait for the admin to unpause" }),
  RewardPoolZeroAmount: () => ({ message: "the amount is zero" }),
  RewardPoolFeeOnTransfer: ([expected, received]) => ({
    message: `the pool received ${received} instead of ${expected}: fee-on-transfer tokens are not supported`,
  }),
  RewardPoolEmptyBatch: () => ({ message: "the batch has no proof" }),
  RewardPoolBatchNonceUsed: ([nonce]) => ({
    message: `nonce ${nonce} was used before`,
    fix: "sign the batch again with a fresh nonce",
  }),
  RewardPoolEpochNotClosed: ([epoch, current]) => ({
    message: `epoch ${epoch} has not closed (current epoch ${current})`,
    fix: "record work only for epochs that have ended",
  }),
  RewardPoolQuorumNotMet: ([signers, quorum]) => ({
    message: `${signers} verifier signatures, the quorum is ${quorum}`,
  }),
  RewardPoolSignerLengthMismatch: ([signers, signatures]) => ({
    message: `${signers} signers but ${signatures} signatures`,
  }),
  RewardPoolSignersNotSorted: ([position, signer]) => ({
    message: `signer #${position} (${signer}) is out of order or repeated`,
    fix: "list signers once each, ascending by address",
  }),
  RewardPoolNotVerifier: ([position, signer]) => ({
    message: `signer #${position} (${signer}) is not a verifier of this pool`,
  }),
  RewardPoolInvalidVerifierSignature: ([position, signer]) => ({
    message: `the signature of verifier #${position} (${signer}) does not match this pool, chain and batch`,
  }),
  RewardPoolDeviceSignaturesMismatch: ([proofs, signatures]) => ({
    message: `${proofs} proofs but ${signatures} device signatures`,
    fix: "send one device signature per proof when the pool requires device-signed work, none otherwise",
  }),
  RewardPoolProofRejected: ([index, deviceId, reason]) => ({
    message: `proof #${index} (device ${deviceId}) refused: ${PROOF_REJECTION[Number(reason)] ?? reason}`,
  }),
  RewardPoolBudgetExceeded: ([epoch, budgetWad, neededWad]) => ({
    message: `epoch ${epoch} budget exceeded: ${budgetWad} WAD allowed, ${neededWad} WAD needed`,
    fix: "split the work over epochs or ask the admin to raise the budget",
  }),
  RewardPoolInsolvent: ([availableWad, neededWad]) => ({
    message: `the pool cannot cover this credit: ${availableWad} WAD funded, ${neededWad} WAD needed`,
    fix: "fund the pool first",
  }),
  RewardPoolNothingToClaim: ([account]) => ({ message: `${account} has nothing to claim` }),
  RewardPoolBelowMinimumClaim: ([account, claimable, minClaim]) => ({
    message: `${account} can claim ${claimable}, below the minimum of ${minClaim}`,
    fix: "wait until more rewards accrue",
  }),
  RewardPoolSignatureExpired: ([deadline, timestamp]) => ({
    message: `the signed message expired at ${deadline} (chain time ${timestamp})`,
    fix: "sign it again with a later deadline",
  }),
  RewardPoolInvalidClaimNonce: ([account, expected, got]) => ({
    message: `claim nonce ${got} for ${account} is not the next one (${expected})`,
    fix: "sign the claim (or push payout choice: it shares the nonce) again with the current nonce",
  }),
  RewardPoolAccountBlocked: ([account]) => ({
    message: `the token blacklists ${account}: its signed claim to another recipient is refused (its credit stays)`,
    fix: "the account must be removed from the token's blacklist before it can be paid",
  }),
  RewardPoolPermitFailed: ([reason]) => ({
    message: `the permit failed (${describeRevertData(String(reason))}) and no allowance covers the amount`,
    fix: "sign the permit again for this token, spender, amount, nonce and a later deadline, or approve first",
  }),
  RewardPoolInvalidClaimSignature: ([account]) => ({
    message: `the claim (or push payout choice) signature is not ${account}'s`,
  }),
  RewardPoolFeeTooHigh: ([fee, maxFee]) => ({
    message: `relayer fee ${fee} is above the allowed ${maxFee} (the smaller of the signed maximum and the pool's cap)`,
    fix: "ask for a fee within the signed maxFee and the pool's maxRelayerFee",
  }),
  RewardPoolFeeAboveClaim: ([fee, amount]) => ({
    message: `relayer fee ${fee} is more than the claim pays (${amount})`,
    fix: "relay this claim later, when more has accrued, or for a smaller fee",
  }),
  RewardPoolClawbackTooLarge: ([account, unclaimedWad, amountWad]) => ({
    message: `${account} has ${unclaimedWad} WAD unclaimed, less than the ${amountWad} WAD clawback`,
  }),
  RewardPoolNoQueuedChange: () => ({ message: "no change is queued" }),
  RewardPoolChangeNotDue: ([eta, timestamp]) => ({
    message: `the queued change takes effect at ${eta}, now is ${timestamp}`,
  }),
  RewardPoolClawbackNonceUsed: ([nonce]) => ({
    message: `clawback nonce ${nonce} was already used`,
    fix: "have the quorum sign the clawback again with an unused nonce",
  }),
  RewardPoolEpochOutsideWindow: ([epoch, oldest]) => ({
    message: `epoch ${epoch} is past the settlement window; the oldest epoch that can still be paid for is ${oldest}`,
    fix: "work must be recorded or committed within the pool's settlementWindow epochs after it closes",
  }),
  RewardPoolEpochCoveredByRoot: ([epoch, coveredTo]) => ({
    message: `epoch ${epoch} is covered by an epoch-mode root (every epoch below ${coveredTo})`,
    fix: "record this work in the next epoch-mode manifest instead, or record a later epoch",
  }),
  RewardPoolEpochNotAfterLatest: ([epoch, latest]) => ({
    message: `epoch ${epoch} is not after the root in force or is before the pending root (epoch ${latest})`,
    fix: "commit an epoch after the root in force, and not before the pending one",
  }),
  RewardPoolInvalidCommitNonce: ([expected, got]) => ({
    message: `the epoch commit carries nonce ${got}; the pool expects ${expected}`,
    fix: "read commitNonce() and have the quorum sign the commit with it (a vetoed or superseded commit never comes back)",
  }),
  RewardPoolLedgerChanged: ([built, current]) => ({
    message: `the root was built against ledger credit ${built}; ledger mode has ${current} now`,
    fix: "rebuild the epoch from the chain as it is (readEpochInputs) and sign the new commit",
  }),
  RewardPoolRateMismatch: ([epoch, rate, committed]) => ({
    message: `the commit applies rate ${committed}, but epoch ${epoch}'s rate is ${rate}`,
    fix: "rebuild the manifest with rewardParamsAt(epoch).rate",
  }),
  RewardPoolTotalOwedDecreased: ([totalOwed, inForce]) => ({
    message: `the commit's total owed ${totalOwed} is below the root in force's ${inForce}`,
    fix: "total owed counts each account's highest cumulative ever committed; it never goes down",
  }),
  RewardPoolEpochModeDisabled: () => ({
    message: "this pool requires device-signed work, which epoch mode cannot prove on-chain",
    fix: "record work in ledger mode (recordProofs with device signatures)",
  }),
  MerkleProofInvalidMultiproof: () => ({
    message: "the claim batch's multiproof is malformed (leaves + proof nodes must be proof flags + 1)",
    fix: "send the proof and proofFlags of one getMultiProof over exactly the batch's epoch-mode leaves",
  }),
  RewardPoolInvalidBatchClaim: ([index]) => ({
    message: `entry ${index} of the claim batch is not an encoded claimWithSig call`,
    fix: 'encode each entry with the pool interface\'s encodeFunctionData("claimWithSig", [...])',
  }),
  RewardPoolNotInBundle: ([index]) => ({
    message: `entry ${index} of the claim bundle is not this pool's signed entry (pool, maxFee, nonce)`,
    fix: "submit the bundle exactly as signed (claimAllWithSig or relayClaimBundle), each pool at its own index",
  }),
  ClaimRouterNoClaims: () => ({
    message: "the claim lists no pool",
    fix: "list at least one pool with something to claim (findClaims discovers them)",
  }),
  ClaimRouterBundleExpired: ([deadline, timestamp]) => ({
    message: `the claim bundle expired at ${deadline}, chain time is ${timestamp}`,
    fix: "have the account sign the bundle again with a later deadline",
  }),
  ClaimRouterOutOfGas: ([index]) => ({
    message: `the pool of claim ${index} ran out of gas`,
    fix: "send the transaction with a higher gas limit (estimate it, do not cap it)",
  }),
  ClaimRouterNoFeeToken: ([index]) => ({
    message: `claim ${index} asked a relayer fee from a contract that reported no token (not a reward pool)`,
    fix: "relay that entry with a fee of 0, or drop it from the bundle",
  }),
  RewardPoolInvalidMultiproof: ([leaves]) => ({
    message: `the batch's multiproof does not prove its ${leaves} epoch-mode leaves against the root in force`,
    fix: "order the claims with a cumulative as the multiproof's leaves, built from the manifest of the root in force",
  }),
  RewardPoolPushLengthMismatch: ([accounts, cumulatives]) => ({
    message: `the push batch lists ${accounts} accounts but ${cumulatives} cumulatives`,
    fix: "pass one cumulative per account (0 for ledger credit only), as pushPayoutArgs builds them",
  }),
  RewardPoolInvalidPushRecipient: ([recipient]) => ({
    message: `${recipient} is the pool itself: push payouts cannot go there`,
    fix: "choose the account itself or another address (zero opts out)",
  }),
  RewardPoolPushOutOfGas: () => ({
    message: "a push payout's token transfer ran out of gas",
    fix: "send the batch with a higher gas limit, or fewer accounts per batch",
  }),
  RewardPoolInvalidMerkleProof: ([account, cumulative]) => ({
    message: `(${account}, ${cumulative}) is not a leaf of the root in force`,
    fix: "use the proof from the manifest of the root in force (it may have changed, or still be pending)",
  }),
  RewardPoolNoEpochRoot: () => ({
    message: "no epoch root is in force yet",
    fix: "wait until the first committed root's challenge period is over",
  }),
  RewardPoolNothingToVeto: ([epoch, nonce]) => ({
    message: `no root of epoch ${epoch} from commit ${nonce} is in its challenge period`,
    fix: "read epochRoots(): the pending root may be another commit (it replaced the one you checked), or none is pending",
  }),
  RewardPoolOutflowLimited: ([amount, available, retryAt]) => ({
    message: `the pool's outflow breaker holds this claim of ${amount}: only ${available} may leave now; nothing moved and the credit is intact`,
    fix:
      BigInt(retryAt) === 2n ** 256n - 1n
        ? "the minimum claim is above the whole outflow limit: claim for yourself (no minimum applies) or ask the admin to lower it"
        : `claim again at or after ${new Date(Number(retryAt) * 1000).toISOString()} (unix ${retryAt}), if nothing else leaves first; nextOutflowAt(amount) tells`,
  }),
  RewardPoolSweepExceedsSurplus: ([amount, surplus]) => ({
    message: `a sweep of ${amount} is more than the pool's surplus of ${surplus} (tokens beyond funded - paid)`,
    fix: "queue a sweep of at most surplus(): what is owed or funded can never be swept",
  }),
  RewardPoolFactoryInvalidGovernance: ([governance]) => ({
    message: `${governance} has no code: the factory needs a deployed RewardPoolGovernance`,
    fix: "deploy RewardPoolGovernance first (deployDepin does) and pass its address",
  }),
  RewardPoolTotalOwedTooLarge: ([totalOwed, max]) => ({
    message: `an epoch commit's total owed ${totalOwed} is above the ${max} token units epoch mode can account`,
  }),
  RewardPoolEpochPayoutCapped: ([paid, totalOwed]) => ({
    message: `this claim would take epoch-mode payouts to ${paid}, past the ${totalOwed} the root in force declared`,
    fix: "the root's leaves add up to more than its totalOwed: the quorum must commit a correct root",
  }),
  RewardPoolFactoryWrongInitcode: ([got, expected]) => ({
    message: `the whole-pool creation code hashes to ${got}, not the factory's ${expected}`,
    fix: "pass wholePoolInitcode(await factory.GOVERNANCE()) from the SDK built for this factory",
  }),
  InvalidInitialization: () => ({ message: "the pool is already initialized (or is an implementation, never to be)" }),
  NotInitializing: () => ({ message: "this function runs only while the pool is being initialized" }),
  ReentrancyGuardReentrantCall: () => ({ message: "a call re-entered the pool while it was moving funds; refused" }),
  SafeERC20FailedOperation: ([token]) => ({
    message: `the token ${token} refused the transfer or returned false`,
    fix: "check the token's balance, allowance, pause and blacklist state",
  }),
  SafeCastOverflowedUintDowncast: ([bits, value]) => ({
    message: `${value} does not fit in ${bits} bits`,
    fix: "use a smaller amount",
  }),
  AddressEmptyCode: ([target]) => ({ message: `${target} has no code (wrong address, or wrong chain?)` }),
  FailedCall: () => ({ message: "a low-level call failed without a reason" }),
  FailedDeployment: () => ({ message: "the pool could not be deployed (its address may already be taken)" }),
  Create2EmptyBytecode: () => ({ message: "the whole-pool creation code is empty" }),
  InsufficientBalance: ([balance, needed]) => ({ message: `balance ${balance} is below the ${needed} needed` }),
  ERC721InsufficientApproval: ([operator, tokenId]) => ({
    message: `${operator} is not approved to move device ${tokenId}`,
  }),
  ERC721InvalidReceiver: ([receiver]) => ({ message: `${receiver} cannot receive devices` }),
  ERC721IncorrectOwner: ([sender, tokenId, owner]) => ({
    message: `device ${tokenId} is owned by ${owner}, not ${sender}`,
  }),
  ERC721InvalidApprover: ([approver]) => ({ message: `${approver} cannot approve for this device` }),
  ERC721InvalidOperator: ([operator]) => ({ message: `${operator} cannot be an operator` }),
  ERC721InvalidOwner: ([owner]) => ({ message: `${owner} cannot own devices` }),
  ERC721InvalidSender: ([sender]) => ({ message: `${sender} cannot send devices` }),
  StringsInsufficientHexLength: ([value, length]) => ({ message: `${value} does not fit in ${length} hex bytes` }),
  InvalidShortString: () => ({ message: "an EIP-712 domain string is malformed" }),
  StringTooLong: ([str]) => ({ message: `the EIP-712 domain string ${str} is too long` }),
  ERC721NonexistentToken: ([tokenId]) => ({ message: `device ${tokenId} does not exist` }),
};

/** A transaction or call reverted with a known custom error. */
export class ContractRevertError extends DepinError {
  override name = "ContractRevertError";
  readonly errorName: string;
  readonly args: readonly unknown[];
  readonly fix: string | undefined;

  /** `described` replaces the `CONTRACT_ERRORS` entry (subclasses describe built-in errors themselves). */
  constructor(errorName: string, args: Result, cause: unknown, described?: { message: string; fix?: string }) {
    const describe = CONTRACT_ERRORS[errorName];
    const { message, fix } =
      described ?? (describe === undefined ? { message: `reverted with ${errorName}` } : describe(args));
    super(message, { details: fix === undefined ? errorName : `${errorName}; ${fix}`, cause });
    this.errorName = errorName;
    this.args = args.toArray();
    this.fix = fix;
  }
}

/**
 * A claim the pool's outflow circuit breaker held (`RewardPoolOutflowLimited`): nothing moved and the credit is
 * intact. `retryAt` (unix seconds; `undefined` if the claim's minimum is above the whole limit) is when it fits if
 * nothing else leaves first; `available` is what could leave now.
 * @example
 * try { await claim(pool, { account }) } catch (e) { if (e instanceof OutflowLimitedError) wait(e.retryAt) }
 */
export class OutflowLimitedError extends ContractRevertError {
  override name = "OutflowLimitedError";
  readonly amount: bigint;
  readonly available: bigint;
  readonly retryAt: bigint | undefined;

  constructor(args: Result, cause: unknown) {
    super("RewardPoolOutflowLimited", args, cause);
    const [amount, available, retryAt] = args.toArray() as [bigint, bigint, bigint];
    this.amount = amount;
    this.available = available;
    this.retryAt = retryAt === 2n ** 256n - 1n ? undefined : retryAt;
  }
}

/**
 * What to do about the reason strings USDC (Circle's FiatTokenV2_2, and `MockUSDC`) reverts with, by reason. The
 * project's own contracts revert with custom errors only; a pool bubbles the token's reason up unchanged.
 */
export const TOKEN_REVERT_FIXES: Record<string, string> = {
  "Blacklistable: account is blacklisted":
    "the token's issuer blacklisted the sender, the recipient or the caller; it can neither send nor receive this " +
    "token (a blocked account's claim fails alone: claimWithSig lets the account name another recipient)",
  "Pausable: paused": "the token's issuer paused the token itself: nothing moves until it unpauses",
  "ERC20: transfer amount exceeds balance": "the payer holds less than the amount",
  "ERC20: transfer amount exceeds allowance":
    "approve the spender (the pool, to fund it) for at least the amount first, or fund with a permit or an authorization",
  "FiatTokenV2: invalid signature":
    "the authorization is not signed by the payer over the token's EIP-712 domain: sign over readTokenDomain()",
  "EIP2612: invalid signature":
    "the permit is not signed by the owner over the token's EIP-712 domain and the owner's current nonce: " +
    "sign over readTokenDomain() with nonces(owner)",
  "FiatTokenV2: permit is expired": "sign a new permit with a later deadline",
  "FiatTokenV2: authorization is not yet valid": "wait until after the authorization's validAfter",
  "FiatTokenV2: authorization is expired": "sign a new authorization with a later validBefore",
  "FiatTokenV2: authorization is used or canceled": "sign a new authorization with a fresh nonce",
  "FiatTokenV2: caller must be the payee": "receiveWithAuthorization must be sent by its payee (`to`)",
  "ECRecover: invalid signature 's' value": "submit the low-s form of the signature (s = n - s, v flipped)",
};

/**
 * A revert with a reason string, `Error(string)`. The project's contracts revert with custom errors only, so the
 * reason comes from the token (USDC: "Blacklistable: account is blacklisted", "Pausable: paused", ...).
 */
export class TokenRevertError extends ContractRevertError {
  override name = "TokenRevertError";
  /** The revert reason, exactly as the contract gave it. */
  readonly reason: string;

  constructor(reason: string, args: Result, cause: unknown) {
    const fix = TOKEN_REVERT_FIXES[reason];
    super("Error", args, cause, { message: `reverted: "${reason}"`, ...(fix === undefined ? {} : { fix }) });
    this.reason = reason;
  }
}

/** Plain meanings of Solidity panic codes. */
export const PANIC_REASONS: Record<number, string> = {
  0x00: "generic compiler panic",
  0x01: "assertion failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division or modulo by zero",
  0x21: "invalid enum value",
  0x22: "corrupt storage byte array",
  0x31: "pop() on an empty array",
  0x32: "array index out of bounds",
  0x41: "out of memory",
  0x51: "call to an uninitialized internal function",
};

/** A Solidity panic, `Panic(uint256)`: a failed `assert`, an overflow, a division by zero, a bad index... */
export class PanicError extends ContractRevertError {
  override name = "PanicError";
  /** The panic code (0x11 for an arithmetic overflow, ...). */
  readonly code: bigint;

  constructor(code: bigint, args: Result, cause: unknown) {
    const hex = `0x${code.toString(16).padStart(2, "0")}`;
    const meaning = PANIC_REASONS[Number(code)] ?? "unknown panic code";
    super("Panic", args, cause, { message: `panicked: ${meaning} (${hex})` });
    this.code = code;
  }
}

const ERROR_STRING_SELECTOR = "0x08c379a0"; // Error(string)
const PANIC_SELECTOR = "0x4e487b71"; // Panic(uint256)

/** Revert data in words: a reason string, a panic, or the raw data (e.g. a token's custom error). */
export function describeRevertData(data: string): string {
  if (data === "0x") return "reverted without a reason";
  const decoded = decodeBuiltinRevert(data, undefined);
  return decoded === undefined ? `revert data ${data}` : decoded.message;
}

/** Decodes `Error(string)` and `Panic(uint256)` revert data, which no ABI lists; `undefined` for anything else. */
function decodeBuiltinRevert(data: string, cause: unknown): ContractRevertError | undefined {
  const selector = data.slice(0, 10).toLowerCase();
  if (selector !== ERROR_STRING_SELECTOR && selector !== PANIC_SELECTOR) return undefined;
  try {
    if (selector === ERROR_STRING_SELECTOR) {
      const args = AbiCoder.defaultAbiCoder().decode(["string"], dataSlice(data, 4));
      return new TokenRevertError(args[0] as string, args, cause);
    }
    const args = AbiCoder.defaultAbiCoder().decode(["uint256"], dataSlice(data, 4));
    return new PanicError(args[0] as bigint, args, cause);
  } catch {
    return undefined; // malformed data: leave the original error
  }
}

/** The error and every error nested in it (`error`, `info`, `cause`, `data`), however deep the provider nested them. */
function* nestedErrors(error: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  while (stack.length > 0) {
    const e = stack.pop();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const record = e as Record<string, unknown>;
    yield record;
    for (const key of ["error", "info", "cause", "data"]) stack.push(record[key]);
  }
}

/** Finds the revert data in an ethers error, however deep the provider nested it. */
export function revertData(error: unknown): string | undefined {
  for (const e of nestedErrors(error)) {
    const data = e.data;
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) return data;
  }
  return undefined;
}

/**
 * Whether a failed call reverted (with or without data, e.g. a function the contract does not have) or returned
 * data that does not decode, as opposed to not reaching the chain. ethers reports reverts as `CALL_EXCEPTION`;
 * EIP-1193 providers such as Hardhat's throw the JSON-RPC "execution reverted" error (code 3) with its data.
 */
export function isCallRevert(error: unknown): boolean {
  if (isError(error, "CALL_EXCEPTION") || isError(error, "BAD_DATA")) return true;
  for (const e of nestedErrors(error)) if (e.code === 3 && typeof e.data === "string") return true;
  return false;
}

/**
 * Turns an ethers error into a `ContractRevertError` when its revert data decodes with one of `interfaces`, into a
 * `TokenRevertError` for a reason string and into a `PanicError` for a panic; returns the original error otherwise.
 */
export function decodeContractError(error: unknown, interfaces: readonly Interface[]): unknown {
  const data = revertData(error);
  if (data === undefined) return error;
  const builtin = decodeBuiltinRevert(data, error);
  if (builtin !== undefined) return builtin;
  for (const iface of interfaces) {
    const parsed = iface.parseError(data);
    if (parsed === null) continue;
    if (parsed.name === "RewardPoolOutflowLimited") return new OutflowLimitedError(parsed.args, error);
    return new ContractRevertError(parsed.name, parsed.args, error);
  }
  return error;
}

/** Runs `fn`, rethrowing contract reverts as `ContractRevertError`s (`TokenRevertError`, `PanicError` included). */
export async function withDecodedErrors<T>(interfaces: readonly Interface[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw decodeContractError(error, interfaces);
  }
}
