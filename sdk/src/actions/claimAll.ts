import { getAddress, TypedDataEncoder, type TransactionReceipt } from "ethers";
import type { ClaimRouter } from "../contracts/index.js";
import { CLAIM_BUNDLE_TYPES, type ClaimBundle } from "../core/pool.js";
import { InvalidInputError } from "../errors/base.js";
import { ContractRevertError, decodeContractError, describeRevertData } from "../errors/contract.js";
import type { EpochLeafProof } from "./claim.js";
import { NO_EPOCH } from "./claimEvents.js";
import { poolErrorInterfaces, rewardPoolAt } from "./pool.js";
import { sendOnce } from "./sendOnce.js";
import type { TransactionResult } from "./transaction.js";

/** One pool's claim for `claimAll`: the pool and, for epoch mode, the account's leaf in its root in force. */
export interface PoolClaimInput {
  pool: string;
  epoch?: EpochLeafProof;
}

/** What one pool did with its part of a `claimAll` or `relayClaimBundle`. */
export interface PoolClaimResult {
  pool: string;
  /** The pool's token: `amount` and `fee` are in its units. */
  token: string;
  /** Paid by the pool, relayer fee included (zero when skipped). */
  amount: bigint;
  /** The relayer's fee out of `amount` (zero when skipped or unsigned). */
  fee: bigint;
  status: "paid" | "skipped";
  /** Why the pool refused, when skipped: the decoded error (nothing of that claim moved; credit and nonce intact). */
  error?: { name: string; message: string; fix?: string };
}

export interface ClaimAllReturnType extends TransactionResult {
  results: PoolClaimResult[];
  /** True when an earlier attempt whose answer was lost made this claim (`results` are that transaction's). */
  alreadyLanded: boolean;
}

/**
 * Claims everything `account` is owed in several pools (any tokens) in one transaction through the claim router;
 * anyone may send it, each pool pays the account. A pool that refuses (paused, outflow breaker, nothing to claim)
 * is skipped and reported; the others pay. Via the router each pool's minimum claim applies.
 * @example const { results } = await claimAll(router, operator, (await findClaims(...)).map(toPoolClaim));
 */
export async function claimAll(
  router: ClaimRouter,
  account: string,
  claims: readonly PoolClaimInput[],
): Promise<ClaimAllReturnType> {
  const who = checkedAddress(account, "account");
  if (claims.length === 0) throw noClaims();
  const listed = claims.map((c, i) => ({
    pool: checkedAddress(c.pool, `claims[${i}].pool`),
    cumulative: (c.epoch ?? NO_EPOCH).cumulative,
    proof: (c.epoch ?? NO_EPOCH).proof,
  }));
  const tokens = await tokensOf(
    router,
    listed.map((c) => c.pool),
  );
  const startBlock = await blockNumber(router);
  const { receipt, alreadyLanded } = await sendOnce({
    interfaces: poolErrorInterfaces,
    contract: router,
    send: () => router.claimAll(who, listed),
    landed: () => routerClaimSince(router, who, startBlock),
  });
  return {
    ...resultsOf(
      router,
      receipt,
      listed.map((c) => c.pool),
      tokens,
    ),
    alreadyLanded,
  };
}

/** One pool's part of a signed bundle, as a relayer submits it: what is proven (epoch leaf) and the fee it takes. */
export interface BundledClaimInput {
  epoch?: EpochLeafProof;
  /** The relayer's fee in this pool, in its token: at most the entry's signed `maxFee` and the pool's cap. */
  fee?: bigint;
}

export interface RelayClaimBundleParameters {
  bundle: ClaimBundle;
  signature: string;
  /** One per entry of `bundle.claims`, in order; omitted: ledger credit only, no fee. */
  claims?: readonly BundledClaimInput[];
}

/**
 * Submits a bundle the account signed once (`signClaimBundle`) through the claim router: every listed pool checks
 * the signature and its own entry, pays the signed recipient and the fee (each in its own token) to the sender. The
 * account may send it itself (fees zero). An expired bundle is refused before sending.
 * @example await relayClaimBundle(router.connect(relayer), { bundle, signature, claims: [{ fee: 10_000n }] });
 */
export async function relayClaimBundle(
  router: ClaimRouter,
  p: RelayClaimBundleParameters,
): Promise<ClaimAllReturnType> {
  const { bundle } = p;
  if (bundle.claims.length === 0) throw noClaims();
  const parts: readonly BundledClaimInput[] = p.claims ?? bundle.claims.map(() => ({}));
  if (parts.length !== bundle.claims.length) {
    throw new InvalidInputError(`${parts.length} proofs and fees for a bundle of ${bundle.claims.length} pools`, {
      details: "pass one entry per signed pool, in the signed order",
    });
  }
  const provider = router.runner?.provider;
  if (provider == null) throw new InvalidInputError("relaying a claim bundle needs a provider");
  const head = await provider.getBlock("latest");
  if (head !== null && BigInt(head.timestamp) >= bundle.deadline) {
    throw new InvalidInputError(`the claim bundle expired at ${bundle.deadline} (chain time ${head.timestamp})`, {
      details: "have the account sign the bundle again with a later deadline",
    });
  }
  const claims = bundle.claims.map((c, i) => {
    const fee = parts[i]!.fee ?? 0n;
    if (fee > c.maxFee) {
      throw new InvalidInputError(`the fee ${fee} in pool ${c.pool} is above the signed maximum ${c.maxFee}`, {
        details: "take at most the entry's maxFee",
      });
    }
    const epoch = parts[i]!.epoch ?? NO_EPOCH;
    return {
      pool: checkedAddress(c.pool, `bundle.claims[${i}].pool`),
      maxFee: c.maxFee,
      nonce: c.nonce,
      cumulative: epoch.cumulative,
      proof: epoch.proof,
      fee,
    };
  });
  const pools = claims.map((c) => c.pool);
  const tokens = await tokensOf(router, pools);
  const account = checkedAddress(bundle.account, "bundle.account");
  const startBlock = await blockNumber(router);
  const { receipt, alreadyLanded } = await sendOnce({
    interfaces: poolErrorInterfaces,
    contract: router,
    send: () =>
      router.claimAllWithSig(
        account,
        checkedAddress(bundle.recipient, "bundle.recipient"),
        bundle.deadline,
        claims,
        p.signature,
      ),
    landed: () => routerClaimSince(router, account, startBlock),
  });
  return { ...resultsOf(router, receipt, pools, tokens), alreadyLanded };
}

/** The struct hashes of a bundle's entries, in order (what the pools check their own entry against). */
export function bundleEntryHashes(bundle: ClaimBundle): string[] {
  return bundle.claims.map((c) => TypedDataEncoder.hashStruct("PoolClaim", CLAIM_BUNDLE_TYPES, c));
}

function resultsOf(
  router: ClaimRouter,
  receipt: TransactionReceipt,
  pools: readonly string[],
  tokens: readonly string[],
): TransactionResult & { results: PoolClaimResult[] } {
  const results: PoolClaimResult[] = pools.map((pool, i) => ({
    pool,
    token: tokens[i]!,
    amount: 0n,
    fee: 0n,
    status: "skipped",
  }));
  const routerAddress = getAddress(router.target as string);
  for (const log of receipt.logs) {
    if (getAddress(log.address) !== routerAddress) continue;
    const parsed = router.interface.parseLog(log);
    if (parsed === null) continue;
    const index = Number(parsed.args.index as bigint);
    const result = results[index];
    if (result === undefined) continue;
    if (parsed.name === "PoolClaimPaid") {
      Object.assign(result, { amount: parsed.args.amount as bigint, fee: parsed.args.fee as bigint, status: "paid" });
    } else if (parsed.name === "PoolClaimSkipped") {
      result.error = skipReason(parsed.args.reason as string);
    }
  }
  return { transactionHash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, results };
}

/** A pool's revert data, decoded with the pools' errors (or described in words when no ABI knows it). */
function skipReason(data: string): { name: string; message: string; fix?: string } {
  if (data === "0x") return { name: "NoCode", message: "the address has no reward pool (no code, or no answer)" };
  const decoded = decodeContractError({ data }, poolErrorInterfaces);
  if (decoded instanceof ContractRevertError) {
    return {
      name: decoded.errorName,
      message: decoded.shortMessage,
      ...(decoded.fix === undefined ? {} : { fix: decoded.fix }),
    };
  }
  return { name: "Unknown", message: describeRevertData(data) };
}

/** Each pool's token (`settings().token`); a listed address that is not a pool is refused before sending. */
async function tokensOf(router: ClaimRouter, pools: readonly string[]): Promise<string[]> {
  const runner = router.runner;
  if (runner === null) throw new InvalidInputError("the claim router is not connected");
  return Promise.all(
    pools.map(async (pool) => {
      try {
        return (await rewardPoolAt(pool, runner).settings()).token;
      } catch (cause) {
        throw new InvalidInputError(`${pool} is not a reward pool (it has no settings())`, {
          details: "list only reward pools (findClaims lists a factory's pools)",
          cause,
        });
      }
    }),
  );
}

async function routerClaimSince(router: ClaimRouter, account: string, startBlock: number): Promise<string | undefined> {
  const logs = await router.queryFilter(router.filters.PoolClaimPaid(account), startBlock + 1);
  return logs[0]?.transactionHash;
}

async function blockNumber(router: ClaimRouter): Promise<number> {
  const provider = router.runner?.provider;
  if (provider == null) throw new InvalidInputError("the claim router needs a provider");
  return provider.getBlockNumber();
}

function checkedAddress(value: string, field: string): string {
  try {
    return getAddress(value);
  } catch (cause) {
    throw new InvalidInputError(`${field} ${value} is not an address`, { details: "pass a 0x… address", cause });
  }
}

function noClaims(): InvalidInputError {
  return new InvalidInputError("no pool to claim from", {
    details: "list at least one pool with something to claim (findClaims finds them)",
  });
}
