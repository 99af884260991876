import { getAddress } from "ethers";

import type { IRewardPool } from "../contracts/index.js";
import type { EpochParams } from "../core/epoch.js";
import { InvalidInputError } from "../errors/base.js";
import { withDecodedErrors } from "../errors/contract.js";
import { getPoolEvents } from "./getPoolEvents.js";
import { poolErrorInterfaces } from "./pool.js";

export interface GetPoolConfigParameters {
  /** Where to start reading the pool's governance events: its creation block or earlier (default 0). */
  fromBlock?: number;
}

export interface PoolConfigView {
  token: string;
  registry: string;
  networkId: bigint;
  admin: string;
  pendingAdmin: string;
  guardian: string;
  paused: boolean;
  genesis: bigint;
  epochLength: bigint;
  changeDelay: bigint;
  challengePeriod: bigint;
  settlementWindow: bigint;
  requireDeviceSignatures: boolean;
  minClaim: bigint;
  maxRelayerFee: bigint;
  currentEpoch: bigint;
  /** The reward parameters of the current epoch. */
  rewardParams: EpochParams;
  /**
   * The verifier set in force, ascending, and its quorum: from `VerifierSetChanged` events, plus a queued change
   * whose eta has passed (in force before a transaction applies it).
   */
  verifiers: string[];
  quorum: bigint;
  /** Reward parameters scheduled for a later epoch, if any. */
  scheduledParams?: { fromEpoch: bigint; startsAt: bigint; params: EpochParams };
  /** A queued verifier change, if any; `due` once its eta has passed (it counts from then, applied or not). */
  queuedVerifierChange?: { add: string[]; remove: string[]; quorum: bigint; eta: bigint; due: boolean };
}

export type GetPoolConfigReturnType = PoolConfigView;

/**
 * The pool's configuration now and what is scheduled: settings and roles from its views; the verifier set, a queued
 * verifier change and scheduled reward parameters from its events (the pool keeps no list of verifiers), checked
 * against its views. Throws if `fromBlock` is after the pool's creation (the events would not add up).
 * @example const { rewardParams, scheduledParams, queuedVerifierChange } = await getPoolConfig(pool, { fromBlock });
 */
export async function getPoolConfig(
  pool: IRewardPool,
  p: GetPoolConfigParameters = {},
): Promise<GetPoolConfigReturnType> {
  const provider = pool.runner?.provider;
  if (provider === null || provider === undefined) throw new InvalidInputError("getPoolConfig needs a provider");
  const head = await provider.getBlock("latest");
  if (head === null) throw new InvalidInputError("the provider returned no latest block");
  const at = { blockTag: head.number };
  const [s, currentEpoch, params] = await withDecodedErrors(poolErrorInterfaces, () =>
    Promise.all([pool.settings(at), pool.currentEpoch(at), pool.rewardParams(at)]),
  );
  const events = await getPoolEvents(pool, { fromBlock: p.fromBlock ?? 0, toBlock: head.number });

  const verifiers = new Set<string>();
  let quorum = 0n;
  let queued: PoolConfigView["queuedVerifierChange"];
  let scheduled: PoolConfigView["scheduledParams"];
  let initialized = false;
  for (const e of events) {
    if (e.name === "VerifierSetChanged") {
      for (const a of e.args.remove as string[]) verifiers.delete(getAddress(a));
      for (const a of e.args.add as string[]) verifiers.add(getAddress(a));
      quorum = BigInt(e.args.quorum);
      queued = undefined;
    } else if (e.name === "VerifierChangeQueued") {
      queued = {
        add: (e.args.add as string[]).map((a) => getAddress(a)),
        remove: (e.args.remove as string[]).map((a) => getAddress(a)),
        quorum: BigInt(e.args.quorum),
        eta: BigInt(e.args.eta),
        due: BigInt(e.args.eta) <= BigInt(head.timestamp),
      };
    } else if (e.name === "RewardParamsScheduled") {
      const [rate, epochBudget, deviceCap] = e.args.params as unknown as [bigint, bigint, bigint];
      scheduled = {
        fromEpoch: BigInt(e.args.fromEpoch),
        startsAt: BigInt(e.args.startsAt),
        params: { rate, epochBudget, deviceCap },
      };
    } else if (e.name === "QueuedChangeCancelled") {
      if (e.args.verifiers as boolean) queued = undefined;
      if (e.args.params as boolean) scheduled = undefined;
    } else if (e.name === "PoolInitialized") {
      initialized = true;
    }
  }
  // A change whose eta has passed is in force even before a transaction applies it (as the pool's views count it).
  if (queued?.due === true) {
    for (const a of queued.remove) verifiers.delete(a);
    for (const a of queued.add) verifiers.add(a);
    quorum = queued.quorum;
  }
  if (!initialized || BigInt(verifiers.size) !== s.verifierCount || quorum !== s.quorum) {
    throw new InvalidInputError(`the pool's events from block ${p.fromBlock ?? 0} do not add up to its verifier set`, {
      details: "pass a fromBlock at or before the block the pool was created in",
    });
  }
  return {
    token: s.token,
    registry: s.registry,
    networkId: s.networkId,
    admin: s.admin,
    pendingAdmin: s.pendingAdmin,
    guardian: s.guardian,
    paused: s.paused,
    genesis: s.genesis,
    epochLength: s.epochLength,
    changeDelay: s.changeDelay,
    challengePeriod: s.challengePeriod,
    settlementWindow: s.settlementWindow,
    requireDeviceSignatures: s.requireDeviceSignatures,
    minClaim: s.minClaim,
    maxRelayerFee: s.maxRelayerFee,
    currentEpoch,
    rewardParams: { rate: params.rate, epochBudget: params.epochBudget, deviceCap: params.deviceCap },
    verifiers: [...verifiers].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
    quorum,
    ...(scheduled !== undefined && scheduled.fromEpoch > currentEpoch ? { scheduledParams: scheduled } : {}),
    ...(queued === undefined ? {} : { queuedVerifierChange: queued }),
  };
}
