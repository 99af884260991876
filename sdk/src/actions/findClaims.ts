import { getAddress } from "ethers";
import type { IRewardPool, RewardPoolFactory } from "../contracts/index.js";
import type { BuiltEpoch } from "../core/epoch.js";
import { proofFor } from "../core/epoch.js";
import { InvalidInputError } from "../errors/base.js";
import { ContractRevertError, decodeContractError } from "../errors/contract.js";
import type { EpochLeafProof } from "./claim.js";
import { NO_EPOCH } from "./claimEvents.js";
import { poolErrorInterfaces, rewardPoolAt } from "./pool.js";

export interface FindClaimsParameters {
  account: string;
  /** Where to look: every pool of these factories (the deployment's), and/or these pool addresses. */
  factories?: readonly RewardPoolFactory[];
  pools?: readonly string[];
  /**
   * Epoch manifests (read with `readManifestTree`): for each pool, the one whose root is the root in force gives the
   * account's leaf and proof; the others are ignored (an older or pending root pays nothing yet).
   */
  manifests?: readonly BuiltEpoch[];
}

/** What the account can claim in one pool now. */
export interface ClaimablePool {
  pool: string;
  token: string;
  ledgerAmount: bigint;
  epochAmount: bigint;
  /** `ledgerAmount + epochAmount`, in the pool's token units. */
  amount: bigint;
  /** The account's leaf in the root in force (zero and empty for ledger credit only). */
  epoch: EpochLeafProof;
  /** The account's claim nonce in the pool: what a bundle entry for it signs. */
  claimNonce: bigint;
  minClaim: bigint;
  maxRelayerFee: bigint;
  paused: boolean;
  /** Why it cannot be claimed through the router now (paused, below the pool's minimum claim), if so. */
  blocked?: string;
}

/**
 * Finds what `account` can claim in every pool of the given factories and addresses: ledger credit and, with the
 * manifest of a pool's root in force, the epoch-mode part with its proof (as `depin claim` does for one pool). Pools
 * with nothing to claim are left out; pools with something but blocked now say why (`blocked`).
 * @example const found = await findClaims(provider, { account, factories: [factory], manifests });
 */
export async function findClaims(
  runner: NonNullable<IRewardPool["runner"]>,
  p: FindClaimsParameters,
): Promise<ClaimablePool[]> {
  const account = getAddress(p.account);
  const addresses = new Set<string>((p.pools ?? []).map((a) => getAddress(a)));
  for (const factory of p.factories ?? []) {
    const count = await factory.poolCount();
    const all = await Promise.all(Array.from({ length: Number(count) }, (_, i) => factory.poolAt(i)));
    for (const a of all) addresses.add(getAddress(a));
  }
  if (addresses.size === 0) {
    throw new InvalidInputError("no pool to look in", {
      details: "pass a factory (the deployment's) or pool addresses",
    });
  }
  const manifests = new Map<string, BuiltEpoch[]>();
  for (const m of p.manifests ?? []) {
    const key = getAddress(m.manifest.pool);
    manifests.set(key, [...(manifests.get(key) ?? []), m]);
  }
  const found = await Promise.all(
    [...addresses].map((address) =>
      claimableIn(rewardPoolAt(address, runner), address, account, manifests.get(address) ?? []),
    ),
  );
  return found.filter((c): c is ClaimablePool => c !== undefined && c.amount > 0n);
}

async function claimableIn(
  pool: IRewardPool,
  address: string,
  account: string,
  manifests: readonly BuiltEpoch[],
): Promise<ClaimablePool | undefined> {
  const [settings, entry, roots] = await Promise.all([pool.settings(), pool.account(account), pool.epochRoots()]);
  const inForce = manifests.find((m) => m.manifest.root.toLowerCase() === roots.active.root.toLowerCase());
  const epoch = inForce === undefined ? NO_EPOCH : proofFor(inForce, account);
  let ledgerAmount: bigint;
  let epochAmount: bigint;
  try {
    [ledgerAmount, epochAmount] = await pool.claimable(account, epoch.cumulative, epoch.proof);
  } catch (error) {
    const decoded = decodeContractError(error, poolErrorInterfaces);
    if (decoded instanceof ContractRevertError) throw decoded;
    throw error;
  }
  const amount = ledgerAmount + epochAmount;
  if (amount === 0n) return undefined;
  const blocked = settings.paused
    ? "the pool is paused"
    : amount < settings.minClaim
      ? `below the pool's minimum claim (${settings.minClaim}): claim it from the pool directly`
      : undefined;
  return {
    pool: address,
    token: settings.token,
    ledgerAmount,
    epochAmount,
    amount,
    epoch,
    claimNonce: entry.claimNonce,
    minClaim: settings.minClaim,
    maxRelayerFee: settings.maxRelayerFee,
    paused: settings.paused,
    ...(blocked === undefined ? {} : { blocked }),
  };
}
