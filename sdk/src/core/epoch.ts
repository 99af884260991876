/**
 * Epoch mode, pure: from per-device work records to per-account cumulative totals, the merkle tree the quorum
 * commits, and the manifest anyone can re-derive the root from. No I/O: callers read and write the text.
 *
 * Leaves are (account, cumulative owed in token units since the pool began), hashed as OpenZeppelin's
 * StandardMerkleTree does (`keccak256(bytes.concat(keccak256(abi.encode(account, cumulative))))`), which is what
 * `RewardPool` verifies. Rewards accrue per account at full precision (WAD); a leaf is the rounded-down total and
 * the remainder carries into the next epoch, so nothing is lost to rounding.
 *
 * `totalOwed`, which the pool checks against its funding, is the sum of each account's highest cumulative ever
 * committed, not of the current leaves: after a total goes down (fraud found later) the pool may already have paid
 * the higher amount, and counting only the lowered leaf would let ledger mode credit money that is gone.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { getAddress, isHexString, keccak256, toUtf8Bytes } from "ethers";

import { DepinError } from "../errors/base.js";
import { WAD, type EpochCommit } from "./pool.js";

export const MANIFEST_FORMAT = "depin-rewards/epoch-manifest@1";
export const LEAF_ENCODING = ["address", "uint256"];

/** One device's verified work in the epoch, credited to the device's account of record. */
export interface WorkRecord {
  deviceId: bigint;
  account: string;
  units: bigint;
  evidenceHash: string;
}

/** A correction found after the fact (fraud): `amountWad` is taken from the account's cumulative total. */
export interface Adjustment {
  account: string;
  amountWad: bigint;
  reasonHash: string;
}

export interface AccountTotal {
  account: string;
  /** Everything the account earned in epoch mode since the pool began, in WAD. */
  cumulativeWad: bigint;
  /** The leaf value: cumulativeWad rounded down to token units. */
  cumulative: bigint;
  /**
   * The highest leaf value this account ever had, this epoch included. Epoch mode may have paid up to it, so it is
   * what the account counts for in `totalOwed` even after its cumulative went down.
   */
  highestCumulative: bigint;
}

export interface EpochManifest {
  format: typeof MANIFEST_FORMAT;
  pool: string;
  chainId: bigint;
  epoch: number;
  formulaVersion: number;
  /** Token units per work unit × 1e18. */
  rate: bigint;
  /** keccak256 of the previous epoch's manifest text, or null for the first epoch. */
  previousManifestHash: string | null;
  records: WorkRecord[];
  adjustments: Adjustment[];
  /** Sorted by address. */
  accounts: AccountTotal[];
  root: string;
  totalOwed: bigint;
  epochTotal: bigint;
}

export interface BuildEpochParams {
  pool: string;
  chainId: bigint;
  epoch: number;
  formulaVersion: number;
  rate: bigint;
  records: readonly WorkRecord[];
  adjustments?: readonly Adjustment[];
  /** The previous epoch's manifest and its text (its totals carry over). */
  previous?: { manifest: EpochManifest; text: string };
}

export interface BuiltEpoch {
  manifest: EpochManifest;
  /** The manifest as published; `manifestHash` is its keccak256. */
  text: string;
  manifestHash: string;
  tree: StandardMerkleTree<[string, bigint]>;
}

/** The manifest was malformed or does not re-derive to what it claims. */
export class ManifestMismatchError extends DepinError {
  override name = "ManifestMismatchError";
}

/**
 * Builds an epoch: per-account cumulative totals carried from the previous manifest, the tree, the totals and the
 * manifest text.
 * @example const { manifest, text, manifestHash } = buildEpoch({ pool, chainId, epoch: 3, formulaVersion: 1, rate, records, previous });
 */
export function buildEpoch(p: BuildEpochParams): BuiltEpoch {
  if (p.rate <= 0n) throw new ManifestMismatchError(`rate must be positive, got ${p.rate}`);
  if (p.previous !== undefined && p.previous.manifest.epoch >= p.epoch) {
    throw new ManifestMismatchError(
      `epoch ${p.epoch} does not follow the previous manifest's ${p.previous.manifest.epoch}`,
    );
  }
  const records = p.records.map((r) => ({ ...r, account: getAddress(r.account) }));
  const adjustments = (p.adjustments ?? []).map((a) => ({ ...a, account: getAddress(a.account) }));
  const accounts = deriveAccounts(p.previous?.manifest.accounts ?? [], records, adjustments, p.rate);
  const tree = treeOf(accounts);
  const totalOwed = accounts.reduce((sum, a) => sum + a.highestCumulative, 0n);
  const epochWad = records.reduce((sum, r) => sum + r.units * p.rate, 0n);
  const manifest: EpochManifest = {
    format: MANIFEST_FORMAT,
    pool: getAddress(p.pool),
    chainId: p.chainId,
    epoch: p.epoch,
    formulaVersion: p.formulaVersion,
    rate: p.rate,
    previousManifestHash: p.previous === undefined ? null : keccak256(toUtf8Bytes(p.previous.text)),
    records,
    adjustments,
    accounts,
    root: tree.root,
    totalOwed,
    epochTotal: epochWad / WAD,
  };
  const text = serializeManifest(manifest);
  return { manifest, text, manifestHash: keccak256(toUtf8Bytes(text)), tree };
}

/** The canonical manifest text: fixed key order, bigints as decimal strings, two-space indentation. */
export function serializeManifest(m: EpochManifest): string {
  const out = {
    format: m.format,
    pool: m.pool,
    chainId: m.chainId.toString(),
    epoch: m.epoch,
    formulaVersion: m.formulaVersion,
    rate: m.rate.toString(),
    previousManifestHash: m.previousManifestHash,
    records: m.records.map((r) => ({
      deviceId: r.deviceId.toString(),
      account: r.account,
      units: r.units.toString(),
      evidenceHash: r.evidenceHash,
    })),
    adjustments: m.adjustments.map((a) => ({
      account: a.account,
      amountWad: a.amountWad.toString(),
      reasonHash: a.reasonHash,
    })),
    accounts: m.accounts.map((a) => ({
      account: a.account,
      cumulativeWad: a.cumulativeWad.toString(),
      cumulative: a.cumulative.toString(),
      highestCumulative: a.highestCumulative.toString(),
    })),
    root: m.root,
    totalOwed: m.totalOwed.toString(),
    epochTotal: m.epochTotal.toString(),
  };
  return JSON.stringify(out, null, 2) + "\n";
}

/**
 * Parses a published manifest and re-derives everything it claims: the accounts from the previous manifest plus
 * this epoch's records and adjustments (when `previous` is given), the root from the accounts, and the totals.
 * Throws `ManifestMismatchError` naming the first difference.
 */
export function readManifest(text: string, previous?: { manifest: EpochManifest; text: string }): BuiltEpoch {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new ManifestMismatchError("the manifest is not valid JSON", { cause });
  }
  if (raw.format !== MANIFEST_FORMAT) {
    throw new ManifestMismatchError(`unknown manifest format ${String(raw.format)}; expected ${MANIFEST_FORMAT}`);
  }
  const m = parseManifest(raw);
  const tree = treeOf(m.accounts);
  if (tree.root !== m.root)
    throw new ManifestMismatchError(`root ${m.root} does not match the accounts (${tree.root})`);
  const totalOwed = m.accounts.reduce((sum, a) => sum + a.highestCumulative, 0n);
  if (totalOwed !== m.totalOwed) {
    throw new ManifestMismatchError(`totalOwed ${m.totalOwed} is not the sum of highest cumulatives ${totalOwed}`);
  }
  for (const a of m.accounts) {
    if (a.cumulative !== a.cumulativeWad / WAD) {
      throw new ManifestMismatchError(`account ${a.account}: cumulative ${a.cumulative} is not cumulativeWad / 1e18`);
    }
    if (a.highestCumulative < a.cumulative) {
      throw new ManifestMismatchError(`account ${a.account}: highestCumulative is below its cumulative`);
    }
  }
  const epochWad = m.records.reduce((sum, r) => sum + r.units * m.rate, 0n);
  if (m.epochTotal !== epochWad / WAD) {
    throw new ManifestMismatchError(`epochTotal ${m.epochTotal} does not match the records (${epochWad / WAD})`);
  }
  if (previous !== undefined) {
    const expectedPrevious = keccak256(toUtf8Bytes(previous.text));
    if (m.previousManifestHash !== expectedPrevious) {
      throw new ManifestMismatchError(`previousManifestHash ${m.previousManifestHash} is not ${expectedPrevious}`);
    }
    const derived = deriveAccounts(previous.manifest.accounts, m.records, m.adjustments, m.rate);
    const byAccount = new Map(m.accounts.map((a) => [a.account, a]));
    if (derived.length !== m.accounts.length) {
      throw new ManifestMismatchError(`${m.accounts.length} accounts listed, ${derived.length} derived`);
    }
    for (const d of derived) {
      const listed = byAccount.get(d.account);
      if (listed?.cumulativeWad !== d.cumulativeWad || listed.highestCumulative !== d.highestCumulative) {
        throw new ManifestMismatchError(
          `account ${d.account}: cumulativeWad ${listed?.cumulativeWad ?? "missing"}, derived ${d.cumulativeWad}`,
        );
      }
    }
  }
  return { manifest: m, text, manifestHash: keccak256(toUtf8Bytes(text)), tree };
}

/** An account's leaf and proof in a built or read epoch; cumulative zero and no proof if it has no leaf. */
export function proofFor(epoch: BuiltEpoch, account: string): { cumulative: bigint; proof: string[] } {
  const wanted = getAddress(account);
  for (const [i, [leafAccount, cumulative]] of epoch.tree.entries()) {
    if (leafAccount === wanted) return { cumulative: BigInt(cumulative), proof: epoch.tree.getProof(i) };
  }
  return { cumulative: 0n, proof: [] };
}

/** Every account's proof at once (one pass over the tree), for relayers and simulations. */
export function allProofs(epoch: BuiltEpoch): Map<string, { cumulative: bigint; proof: string[] }> {
  const out = new Map<string, { cumulative: bigint; proof: string[] }>();
  for (const [i, [account, cumulative]] of epoch.tree.entries()) {
    out.set(account, { cumulative: BigInt(cumulative), proof: epoch.tree.getProof(i) });
  }
  return out;
}

/** The leaf hash the pool computes for (account, cumulative). */
export function leafHash(account: string, cumulative: bigint): string {
  return StandardMerkleTree.of([[getAddress(account), cumulative]], LEAF_ENCODING).root;
}

function deriveAccounts(
  previous: readonly AccountTotal[],
  records: readonly WorkRecord[],
  adjustments: readonly Adjustment[],
  rate: bigint,
): AccountTotal[] {
  const wad = new Map<string, bigint>(previous.map((a) => [getAddress(a.account), a.cumulativeWad]));
  const highest = new Map<string, bigint>(previous.map((a) => [getAddress(a.account), a.highestCumulative]));
  for (const r of records) {
    if (r.units <= 0n) throw new ManifestMismatchError(`device ${r.deviceId}: units must be positive, got ${r.units}`);
    wad.set(r.account, (wad.get(r.account) ?? 0n) + r.units * rate);
  }
  for (const a of adjustments) {
    if (a.amountWad <= 0n) throw new ManifestMismatchError(`adjustment for ${a.account} must be positive`);
    const current = wad.get(a.account) ?? 0n;
    wad.set(a.account, current > a.amountWad ? current - a.amountWad : 0n);
  }
  return [...wad.entries()]
    .sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1))
    .map(([account, cumulativeWad]) => {
      const cumulative = cumulativeWad / WAD;
      const previousHighest = highest.get(account) ?? 0n;
      return {
        account,
        cumulativeWad,
        cumulative,
        highestCumulative: cumulative > previousHighest ? cumulative : previousHighest,
      };
    });
}

function treeOf(accounts: readonly AccountTotal[]): StandardMerkleTree<[string, bigint]> {
  if (accounts.length === 0) throw new ManifestMismatchError("an epoch needs at least one account");
  return StandardMerkleTree.of(
    accounts.map((a): [string, bigint] => [a.account, a.cumulative]),
    LEAF_ENCODING,
  );
}

function parseManifest(raw: Record<string, unknown>): EpochManifest {
  const big = (v: unknown, field: string): bigint => {
    if (typeof v !== "string" || !/^\d+$/.test(v)) throw new ManifestMismatchError(`${field} must be a decimal string`);
    return BigInt(v);
  };
  const hex = (v: unknown, field: string): string => {
    if (typeof v !== "string" || !isHexString(v, 32)) throw new ManifestMismatchError(`${field} must be a 32-byte hex`);
    return v;
  };
  const addr = (v: unknown, field: string): string => {
    try {
      return getAddress(v as string);
    } catch (cause) {
      throw new ManifestMismatchError(`${field} must be an address`, { cause });
    }
  };
  const list = (v: unknown, field: string): Record<string, unknown>[] => {
    if (!Array.isArray(v)) throw new ManifestMismatchError(`${field} must be a list`);
    return v as Record<string, unknown>[];
  };
  return {
    format: MANIFEST_FORMAT,
    pool: addr(raw.pool, "pool"),
    chainId: big(raw.chainId, "chainId"),
    epoch: Number(raw.epoch),
    formulaVersion: Number(raw.formulaVersion),
    rate: big(raw.rate, "rate"),
    previousManifestHash:
      raw.previousManifestHash === null ? null : hex(raw.previousManifestHash, "previousManifestHash"),
    records: list(raw.records, "records").map((r, i) => ({
      deviceId: big(r.deviceId, `records[${i}].deviceId`),
      account: addr(r.account, `records[${i}].account`),
      units: big(r.units, `records[${i}].units`),
      evidenceHash: hex(r.evidenceHash, `records[${i}].evidenceHash`),
    })),
    adjustments: list(raw.adjustments, "adjustments").map((a, i) => ({
      account: addr(a.account, `adjustments[${i}].account`),
      amountWad: big(a.amountWad, `adjustments[${i}].amountWad`),
      reasonHash: hex(a.reasonHash, `adjustments[${i}].reasonHash`),
    })),
    accounts: list(raw.accounts, "accounts").map((a, i) => ({
      account: addr(a.account, `accounts[${i}].account`),
      cumulativeWad: big(a.cumulativeWad, `accounts[${i}].cumulativeWad`),
      cumulative: big(a.cumulative, `accounts[${i}].cumulative`),
      highestCumulative: big(a.highestCumulative, `accounts[${i}].highestCumulative`),
    })),
    root: hex(raw.root, "root"),
    totalOwed: big(raw.totalOwed, "totalOwed"),
    epochTotal: big(raw.epochTotal, "epochTotal"),
  };
}

/** What the quorum signs and `commitEpoch` takes for a built epoch published at `uri`. */
export function epochCommitOf(epoch: BuiltEpoch, uri: string): EpochCommit {
  return {
    epoch: BigInt(epoch.manifest.epoch),
    root: epoch.manifest.root,
    totalOwed: epoch.manifest.totalOwed,
    epochTotal: epoch.manifest.epochTotal,
    manifestHash: epoch.manifestHash,
    manifestUriHash: keccak256(toUtf8Bytes(uri)),
    formulaVersion: BigInt(epoch.manifest.formulaVersion),
  };
}
