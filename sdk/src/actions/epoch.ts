/**
 * Epoch-mode actions: the chain data a manifest is built from (the epoch's parameters, its last block, device states
 * and payees of record as of that block), and committing a built epoch. Pure building lives in `core/epoch.ts`.
 */
import { getAddress } from "ethers";

import type { DeviceRegistry, IRewardPool } from "../contracts/index.js";
import {
  type BuiltEpoch,
  type DeviceState,
  type EpochManifest,
  type EpochParams,
  epochCommitOf,
} from "../core/epoch.js";
import { attestEpoch, type EpochCommit, type QuorumSignatures, type QuorumSigner } from "../core/pool.js";
import { DeviceStatus } from "../core/registry.js";
import { InvalidInputError } from "../errors/base.js";
import { poolErrorInterfaces, readPoolDomain } from "./pool.js";
import { sendTransaction, type TransactionResult } from "./transaction.js";

/** Device ids per `packedRewardInfos` call. */
const DEVICE_READ_CHUNK = 500;

/**
 * Decodes the registry's packed reward word (`packedRewardInfo`): bits 0-159 payee, 160-191 network id,
 * 232-239 status. Zero is an unknown device.
 */
export function decodeRewardInfo(deviceId: bigint, word: bigint): DeviceState {
  return {
    deviceId,
    payee: getAddress("0x" + (word & ((1n << 160n) - 1n)).toString(16).padStart(40, "0")),
    networkId: (word >> 160n) & 0xffff_ffffn,
    status: Number((word >> 232n) & 0xffn) as DeviceStatus,
  };
}

/**
 * Each device's status, network and payee of record as of `blockTag` (default: latest): in epoch mode, the payee of
 * record of an epoch's work is the device's payee at the epoch's last block (see `epochEndBlock`), the same rule
 * ledger mode applies at the moment it records.
 * @example const devices = await readDeviceStates(registry, ids, await epochEndBlock(pool, 3n));
 */
export async function readDeviceStates(
  registry: DeviceRegistry,
  deviceIds: readonly bigint[],
  blockTag?: number,
): Promise<Map<bigint, DeviceState>> {
  const out = new Map<bigint, DeviceState>();
  const unique = [...new Set(deviceIds)];
  for (let start = 0; start < unique.length; start += DEVICE_READ_CHUNK) {
    const ids = unique.slice(start, start + DEVICE_READ_CHUNK);
    const words = await registry.packedRewardInfos(ids, blockTag === undefined ? {} : { blockTag });
    ids.forEach((id, i) => out.set(id, decodeRewardInfo(id, words[i]!)));
  }
  return out;
}

/**
 * The last block of `epoch` of `pool`: the newest block whose timestamp is before the next epoch starts. Throws if
 * the epoch has not ended yet. Binary search: about log2(head) block reads.
 */
export async function epochEndBlock(pool: IRewardPool, epoch: bigint): Promise<number> {
  const provider = pool.runner?.provider;
  if (provider === undefined || provider === null)
    throw new InvalidInputError("epochEndBlock needs a pool with a provider");
  const { genesis, epochLength } = await pool.settings();
  const end = genesis + (epoch + 1n) * epochLength; // first second of the next epoch
  // ethers caches identical requests for a moment (250 ms), so a block read just before may come back stale:
  // look again briefly before concluding the epoch has not ended.
  let head = await provider.getBlock("latest");
  for (let retry = 0; retry < 3 && (head === null || BigInt(head.timestamp) < end); retry++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    head = await provider.getBlock("latest");
  }
  if (head === null || BigInt(head.timestamp) < end) {
    throw new InvalidInputError(`epoch ${epoch} has not ended: it ends at ${end}`);
  }
  let lo = 0;
  let hi = head.number;
  // Invariant: block `lo` is before `end` (or is genesis), block `hi + 1` is at or after it.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const block = await provider.getBlock(mid);
    if (block !== null && BigInt(block.timestamp) < end) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface EpochInputs {
  params: EpochParams;
  ledgerCreditedWad: bigint;
  networkId: bigint;
  registryBlock: number;
  devices: Map<bigint, DeviceState>;
}

/**
 * Everything `buildEpoch` needs from the chain for `epoch`: its parameters, the pool's network, its last block and
 * the reported devices' states at that block.
 * @example const inputs = await readEpochInputs(pool, registry, 3n, reports.map((r) => r.deviceId));
 */
export async function readEpochInputs(
  pool: IRewardPool,
  registry: DeviceRegistry,
  epoch: bigint,
  deviceIds: readonly bigint[],
): Promise<EpochInputs> {
  const [params, settings, registryBlock, totals, ledgerWad] = await Promise.all([
    pool.rewardParamsAt(epoch),
    pool.settings(),
    epochEndBlock(pool, epoch),
    pool.totals(),
    pool.epochCreditedWad(epoch),
  ]);
  const devices = await readDeviceStates(registry, deviceIds, registryBlock);
  // Work ledger mode already paid for this epoch must not be paid again by the root. Every recorded proof credits
  // at least one unit at a positive rate, so an epoch with no ledger credit has no recorded device: one read then.
  await Promise.all(
    [...devices.values()].map(async (d) => {
      d.recordedInLedger = ledgerWad === 0n ? false : await pool.isRecorded(epoch, d.deviceId);
    }),
  );
  return {
    params: { rate: params.rate, epochBudget: params.epochBudget, deviceCap: params.deviceCap },
    networkId: settings.networkId,
    registryBlock,
    ledgerCreditedWad: totals.creditedWad,
    devices,
  };
}

export interface CommitEpochReturnType extends TransactionResult {
  nonce: bigint;
  /** What the quorum signed and the signatures, as submitted (an auditor's record of the commit). */
  commit: EpochCommit;
  signatures: QuorumSignatures;
}

/**
 * Commits a built epoch published at `uri`: reads the pool's commit nonce, collects the quorum's signatures and
 * submits. Returns the commit nonce used, what was signed and the transaction.
 * @example const { nonce } = await commitEpoch(pool, { built, uri: "ipfs://…", verifiers: quorum });
 */
export async function commitEpoch(
  pool: IRewardPool,
  p: {
    built: BuiltEpoch;
    uri: string;
    verifiers: readonly QuorumSigner[];
    /** How long the signed commit stays valid, in seconds from the latest block (default one hour). */
    validFor?: bigint;
  },
): Promise<CommitEpochReturnType> {
  const [nonce, domain, head] = await Promise.all([
    pool.commitNonce(),
    readPoolDomain(pool),
    pool.runner?.provider?.getBlock("latest"),
  ]);
  if (head === null || head === undefined) throw new InvalidInputError("commitEpoch needs a pool with a provider");
  const commit = epochCommitOf(p.built, p.uri, nonce, BigInt(head.timestamp) + (p.validFor ?? 3_600n));
  const signatures = await attestEpoch(p.verifiers, domain, commit);
  return { ...(await submitEpochCommit(pool, { commit, signatures })), nonce, commit, signatures };
}

/**
 * Submits an epoch commit the quorum signed (each verifier signs `EPOCH_COMMIT_TYPES` on its own machine;
 * `combineSignatures` orders them): anyone may send it.
 * @example await submitEpochCommit(pool.connect(relayer), { commit, signatures: combineSignatures(signed) });
 */
export async function submitEpochCommit(
  pool: IRewardPool,
  p: { commit: EpochCommit; signatures: QuorumSignatures },
): Promise<TransactionResult> {
  return sendTransaction(poolErrorInterfaces, () => pool.commitEpoch(p.commit, p.signatures));
}

/**
 * Checks a manifest's own parameters against the chain: its pool and chain, the epoch's rate, cap and budget
 * (`rewardParamsAt`), the pool's network, and that its registry block is the epoch's last. Returns one line per
 * disagreement; pair it with `readManifest` (the manifest's arithmetic) and `checkManifestDevices` (device states at
 * its registry block).
 */
export async function checkManifestAgainstChain(pool: IRewardPool, manifest: EpochManifest): Promise<string[]> {
  const epoch = BigInt(manifest.epoch);
  const [params, settings, address, network, lastBlock] = await Promise.all([
    pool.rewardParamsAt(epoch),
    pool.settings(),
    pool.getAddress(),
    pool.runner?.provider?.getNetwork(),
    epochEndBlock(pool, epoch),
  ]);
  const findings: string[] = [];
  const compare = (field: string, listed: unknown, onChain: unknown) => {
    if (String(listed) !== String(onChain)) findings.push(`${field}: manifest says ${listed}, chain says ${onChain}`);
  };
  compare("pool", getAddress(manifest.pool), getAddress(address));
  if (network !== undefined) compare("chainId", manifest.chainId, network.chainId);
  compare("rate", manifest.rate, params.rate);
  compare("deviceCap", manifest.deviceCap, params.deviceCap);
  compare("epochBudget", manifest.epochBudget, params.epochBudget);
  compare("networkId", manifest.networkId, settings.networkId);
  compare("registryBlock", manifest.registryBlock, lastBlock);
  // Work ledger mode recorded for the epoch must not be in the root too (once a root covers an epoch, ledger mode
  // cannot record it, so what the chain says now is what it said then).
  const recorded = await Promise.all(manifest.records.map((r) => pool.isRecorded(epoch, r.deviceId)));
  manifest.records.forEach((r, i) => {
    if (recorded[i]) findings.push(`device ${r.deviceId}: its epoch ${epoch} work was also recorded in ledger mode`);
  });
  return findings;
}
