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
 *
 * What the chain cannot check in epoch mode, the builder enforces and the manifest records for auditors: each
 * report's device is registered, active and in the pool's network, and its account is the device's payee of record,
 * all as of `registryBlock` (the epoch's last block); units are within the epoch's per-device cap; a device appears
 * once per epoch; the epoch adds at most its budget. The rate is the epoch's own (`rewardParamsAt(epoch)`), which
 * `commitEpoch` checks.
 */
import { getAddress, isHexString } from "ethers";

import { DepinError } from "../errors/base.js";
import { AccountTree, accountLeafHash, checksumAddress, fastKeccak256 } from "./merkle.js";
import { WAD, type EpochCommit } from "./pool.js";
import { DeviceStatus } from "./registry.js";

export const MANIFEST_FORMAT = "depin-rewards/epoch-manifest@2";
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

/** A device's verified work report for one epoch; the builder credits it to the device's payee of record. */
export interface WorkReport {
  deviceId: bigint;
  units: bigint;
  evidenceHash: string;
}

/** A device as the registry reported it at the manifest's `registryBlock` (see `readDeviceStates`). */
export interface DeviceState {
  deviceId: bigint;
  networkId: bigint;
  status: DeviceStatus;
  /** The payee of record: the payout address, or the owner when none is set. */
  payee: string;
  /**
   * Whether ledger mode already recorded this device's work for the epoch (the pool's `isRecorded`; set by
   * `readEpochInputs`). The builder refuses a device for which it is not known to be false.
   */
  recordedInLedger?: boolean;
}

/** The reward parameters of one epoch, as `rewardParamsAt(epoch)` returns them. */
export interface EpochParams {
  rate: bigint;
  epochBudget: bigint;
  deviceCap: bigint;
}

/** Why a work report is left out of an epoch. */
export type ReportRejection =
  | "unknown device"
  | "wrong network"
  | "device not active"
  | "zero units"
  | "over the per-device cap"
  | "duplicate"
  | "recorded in ledger mode"
  | "ledger state unknown";

export interface ScreenedReports {
  accepted: WorkRecord[];
  rejected: { report: WorkReport; reason: ReportRejection }[];
}

export interface EpochManifest {
  format: typeof MANIFEST_FORMAT;
  pool: string;
  chainId: bigint;
  epoch: number;
  formulaVersion: number;
  /** Token units per work unit × 1e18: the epoch's rate on-chain. */
  rate: bigint;
  /** The epoch's per-device cap and budget, as the pool had them. */
  deviceCap: bigint;
  epochBudget: bigint;
  /** The pool's network: every record's device was in it. */
  networkId: bigint;
  /** The block whose registry state decided each device's status, network and payee (the epoch's last block). */
  registryBlock: number;
  /** The pool's ledger credit (`totals().creditedWad`) when the epoch was built: the commit is bound to it. */
  ledgerCreditedWad: bigint;
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
  /** The epoch's parameters on-chain (`rewardParamsAt(epoch)`). */
  params: EpochParams;
  networkId: bigint;
  registryBlock: number;
  /** The pool's `totals().creditedWad` when the inputs were read (default 0: a pool that never used ledger mode). */
  ledgerCreditedWad?: bigint;
  /** Every reported device's state at `registryBlock`. */
  devices: ReadonlyMap<bigint, DeviceState>;
  reports: readonly WorkReport[];
  adjustments?: readonly Adjustment[];
  /** The previous epoch's manifest and its text (its totals carry over). */
  previous?: { manifest: EpochManifest; text: string };
}

export interface BuiltEpoch {
  manifest: EpochManifest;
  /** The manifest as published; `manifestHash` is its keccak256. */
  text: string;
  manifestHash: string;
  tree: AccountTree;
}

/** The manifest was malformed or does not re-derive to what it claims. */
export class ManifestMismatchError extends DepinError {
  override name = "ManifestMismatchError";
}

/** A work report cannot go into an epoch (see `screenReports` to sort good reports from bad ones first). */
export class WorkReportRejectedError extends DepinError {
  override name = "WorkReportRejectedError";
  constructor(
    readonly deviceId: bigint,
    readonly reason: ReportRejection,
  ) {
    super(`device ${deviceId}: work report rejected (${reason})`, {
      details: "screen reports with screenReports and build the epoch from the accepted ones",
    });
  }
}

/** The epoch would add more than its budget. */
export class EpochOverBudgetError extends DepinError {
  override name = "EpochOverBudgetError";
}

/**
 * Sorts an epoch's work reports into those that can be credited and those that cannot, with the reason: the device
 * must be known, in `networkId` and active at the registry block, its units between 1 and the cap, and reported once
 * (the first report counts). Accepted reports are credited to the device's payee of record.
 * @example const { accepted, rejected } = screenReports(reports, { devices, networkId: 1n, deviceCap: 1000n });
 */
export function screenReports(
  reports: readonly WorkReport[],
  p: { devices: ReadonlyMap<bigint, DeviceState>; networkId: bigint; deviceCap: bigint },
): ScreenedReports {
  const out: ScreenedReports = { accepted: [], rejected: [] };
  const seen = new Set<bigint>();
  for (const report of reports) {
    const device = p.devices.get(report.deviceId);
    let reason: ReportRejection | undefined;
    if (seen.has(report.deviceId)) reason = "duplicate";
    else if (device === undefined || device.status === DeviceStatus.None) reason = "unknown device";
    else if (device.networkId !== p.networkId) reason = "wrong network";
    else if (device.status !== DeviceStatus.Active) reason = "device not active";
    else if (report.units <= 0n) reason = "zero units";
    else if (report.units > p.deviceCap) reason = "over the per-device cap";
    else if (device.recordedInLedger !== false) {
      // Fail closed: a state read without the pool's ledger (readDeviceStates alone) cannot prove the work unpaid.
      reason = device.recordedInLedger === true ? "recorded in ledger mode" : "ledger state unknown";
    }
    if (reason !== undefined || device === undefined) {
      out.rejected.push({ report, reason: reason ?? "unknown device" });
      continue;
    }
    seen.add(report.deviceId);
    out.accepted.push({ ...report, account: checksumAddress(device.payee) });
  }
  return out;
}

/**
 * Builds an epoch: screens the reports (throws `WorkReportRejectedError` on the first bad one), credits each to its
 * device's payee of record, carries per-account totals from the previous manifest, and makes the tree, the totals
 * and the manifest text. Throws `EpochOverBudgetError` if the epoch adds more than its budget.
 * @example const { manifest, text, manifestHash } = buildEpoch({ pool, chainId, epoch: 3, formulaVersion: 1, params, networkId, registryBlock, devices, reports, previous });
 */
export function buildEpoch(p: BuildEpochParams): BuiltEpoch {
  if (p.params.rate <= 0n) throw new ManifestMismatchError(`rate must be positive, got ${p.params.rate}`);
  if (p.previous !== undefined && p.previous.manifest.epoch >= p.epoch) {
    throw new ManifestMismatchError(
      `epoch ${p.epoch} does not follow the previous manifest's ${p.previous.manifest.epoch}`,
    );
  }
  const screened = screenReports(p.reports, {
    devices: p.devices,
    networkId: p.networkId,
    deviceCap: p.params.deviceCap,
  });
  const bad = screened.rejected[0];
  if (bad !== undefined) throw new WorkReportRejectedError(bad.report.deviceId, bad.reason);
  const records = screened.accepted;
  const adjustments = (p.adjustments ?? []).map((a) => ({ ...a, account: getAddress(a.account) }));
  const accounts = deriveAccounts(p.previous?.manifest.accounts ?? [], records, adjustments, p.params.rate);
  const tree = treeOf(accounts);
  const totalOwed = accounts.reduce((sum, a) => sum + a.highestCumulative, 0n);
  checkBudget(totalOwed, p.previous?.manifest.totalOwed ?? 0n, p.params.epochBudget, p.epoch);
  const epochWad = records.reduce((sum, r) => sum + r.units * p.params.rate, 0n);
  const manifest: EpochManifest = {
    format: MANIFEST_FORMAT,
    pool: getAddress(p.pool),
    chainId: p.chainId,
    epoch: p.epoch,
    formulaVersion: p.formulaVersion,
    rate: p.params.rate,
    deviceCap: p.params.deviceCap,
    epochBudget: p.params.epochBudget,
    networkId: p.networkId,
    registryBlock: p.registryBlock,
    ledgerCreditedWad: p.ledgerCreditedWad ?? 0n,
    previousManifestHash: p.previous === undefined ? null : fastKeccak256(p.previous.text),
    records,
    adjustments,
    accounts,
    root: tree.root,
    totalOwed,
    epochTotal: epochWad / WAD,
  };
  const text = serializeManifest(manifest);
  return { manifest, text, manifestHash: fastKeccak256(text), tree };
}

/**
 * Re-checks a manifest's records against device states read at its `registryBlock` (see `readDeviceStates`): each
 * device known, in the manifest's network, active, and credited to its payee of record. Returns one line per
 * disagreement; an empty list means the records agree with the registry.
 */
export function checkManifestDevices(manifest: EpochManifest, devices: ReadonlyMap<bigint, DeviceState>): string[] {
  const findings: string[] = [];
  for (const r of manifest.records) {
    const d = devices.get(r.deviceId);
    if (d === undefined || d.status === DeviceStatus.None) findings.push(`device ${r.deviceId}: not registered`);
    else if (d.networkId !== manifest.networkId) findings.push(`device ${r.deviceId}: in network ${d.networkId}`);
    else if (d.status !== DeviceStatus.Active) findings.push(`device ${r.deviceId}: not active (status ${d.status})`);
    else if (checksumAddress(d.payee) !== r.account) {
      findings.push(`device ${r.deviceId}: credited to ${r.account}, payee of record is ${getAddress(d.payee)}`);
    }
  }
  return findings;
}

function checkBudget(totalOwed: bigint, previousTotalOwed: bigint, epochBudget: bigint, epoch: number): void {
  if (totalOwed - previousTotalOwed > epochBudget) {
    throw new EpochOverBudgetError(
      `epoch ${epoch} adds ${totalOwed - previousTotalOwed} to the total owed, above its budget of ${epochBudget}`,
      { details: "the pool refuses a commit that grows the total owed past the budget of the epochs it covers" },
    );
  }
}

/**
 * The canonical manifest text: fixed key order, bigints as decimal strings, two-space indentation, exactly
 * `JSON.stringify(manifest, null, 2)` of that shape plus a newline. Written out field by field so that a manifest of a
 * million records does not first become a million intermediate objects.
 */
export function serializeManifest(m: EpochManifest): string {
  const q = (v: string | null) => JSON.stringify(v);
  const list = <T>(items: readonly T[], fields: (item: T) => [string, string][]): string =>
    items.length === 0
      ? "[]"
      : "[\n" +
        items
          .map(
            (item) =>
              "    {\n" +
              fields(item)
                .map(([k, v]) => `      "${k}": ${v}`)
                .join(",\n") +
              "\n    }",
          )
          .join(",\n") +
        "\n  ]";
  const fields: [string, string][] = [
    ["format", q(m.format)],
    ["pool", q(m.pool)],
    ["chainId", q(m.chainId.toString())],
    ["epoch", String(m.epoch)],
    ["formulaVersion", String(m.formulaVersion)],
    ["rate", q(m.rate.toString())],
    ["deviceCap", q(m.deviceCap.toString())],
    ["epochBudget", q(m.epochBudget.toString())],
    ["networkId", q(m.networkId.toString())],
    ["registryBlock", String(m.registryBlock)],
    ["ledgerCreditedWad", q(m.ledgerCreditedWad.toString())],
    ["previousManifestHash", q(m.previousManifestHash)],
    [
      "records",
      list(m.records, (r) => [
        ["deviceId", q(r.deviceId.toString())],
        ["account", q(r.account)],
        ["units", q(r.units.toString())],
        ["evidenceHash", q(r.evidenceHash)],
      ]),
    ],
    [
      "adjustments",
      list(m.adjustments, (a) => [
        ["account", q(a.account)],
        ["amountWad", q(a.amountWad.toString())],
        ["reasonHash", q(a.reasonHash)],
      ]),
    ],
    [
      "accounts",
      list(m.accounts, (a) => [
        ["account", q(a.account)],
        ["cumulativeWad", q(a.cumulativeWad.toString())],
        ["cumulative", q(a.cumulative.toString())],
        ["highestCumulative", q(a.highestCumulative.toString())],
      ]),
    ],
    ["root", q(m.root)],
    ["totalOwed", q(m.totalOwed.toString())],
    ["epochTotal", q(m.epochTotal.toString())],
  ];
  return "{\n" + fields.map(([k, v]) => `  "${k}": ${v}`).join(",\n") + "\n}\n";
}

/**
 * Parses a published manifest and re-derives everything it claims: the accounts from the previous manifest (or from
 * nothing, for the first epoch) plus this epoch's records and adjustments, the root from the accounts, the totals,
 * and the rules the builder enforces that need no chain data (one record per device, units within the cap, growth
 * within the budget). A manifest that names a previous one must be read with it. Throws `ManifestMismatchError`
 * naming the first difference. Device states are checked separately (`checkManifestDevices`).
 */
export function readManifest(text: string, previous?: { manifest: EpochManifest; text: string }): BuiltEpoch {
  const m = parseManifestText(text);
  const seen = new Set<bigint>();
  for (const r of m.records) {
    if (seen.has(r.deviceId)) throw new ManifestMismatchError(`device ${r.deviceId} is credited twice in one epoch`);
    seen.add(r.deviceId);
    if (r.units > m.deviceCap) {
      throw new ManifestMismatchError(`device ${r.deviceId}: ${r.units} units is over the cap of ${m.deviceCap}`);
    }
  }
  const tree = treeOf(m.accounts);
  if (tree.root !== m.root)
    throw new ManifestMismatchError(`root ${m.root} does not match the accounts (${tree.root})`);
  const totalOwed = m.accounts.reduce((sum, a) => sum + a.highestCumulative, 0n);
  if (totalOwed !== m.totalOwed) {
    throw new ManifestMismatchError(`totalOwed ${m.totalOwed} is not the sum of highest cumulatives ${totalOwed}`);
  }
  const epochWad = m.records.reduce((sum, r) => sum + r.units * m.rate, 0n);
  if (m.epochTotal !== epochWad / WAD) {
    throw new ManifestMismatchError(`epochTotal ${m.epochTotal} does not match the records (${epochWad / WAD})`);
  }
  if (previous === undefined) {
    if (m.previousManifestHash !== null) {
      throw new ManifestMismatchError(
        `the manifest builds on ${m.previousManifestHash}: read it together with that previous manifest`,
      );
    }
  } else {
    const expectedPrevious = fastKeccak256(previous.text);
    if (m.previousManifestHash !== expectedPrevious) {
      throw new ManifestMismatchError(`previousManifestHash ${m.previousManifestHash} is not ${expectedPrevious}`);
    }
    if (previous.manifest.epoch >= m.epoch) {
      throw new ManifestMismatchError(
        `epoch ${m.epoch} does not follow the previous manifest's ${previous.manifest.epoch}`,
      );
    }
  }
  // Derived from the previous accounts, or from none for a first epoch: never taken on the manifest's word.
  const derived = deriveAccounts(previous?.manifest.accounts ?? [], m.records, m.adjustments, m.rate);
  if (derived.length !== m.accounts.length) {
    throw new ManifestMismatchError(`${m.accounts.length} accounts listed, ${derived.length} derived`);
  }
  for (const [i, d] of derived.entries()) {
    const listed = m.accounts[i]!;
    if (
      listed.account !== d.account ||
      listed.cumulativeWad !== d.cumulativeWad ||
      listed.cumulative !== d.cumulative ||
      listed.highestCumulative !== d.highestCumulative
    ) {
      throw new ManifestMismatchError(
        `account ${d.account}: listed ${listed.account} cumulativeWad ${listed.cumulativeWad}, derived ${d.cumulativeWad}`,
      );
    }
  }
  try {
    checkBudget(m.totalOwed, previous?.manifest.totalOwed ?? 0n, m.epochBudget, m.epoch);
  } catch (cause) {
    throw new ManifestMismatchError((cause as Error).message, { cause });
  }
  return { manifest: m, text, manifestHash: fastKeccak256(text), tree };
}

/**
 * Parses a published manifest only as far as claiming needs: its accounts' tree, checked against the root it states
 * (which the pool checks against the root in force). No previous manifest needed; for a full check of what the
 * manifest claims use `readManifest`.
 */
export function readManifestTree(text: string): BuiltEpoch {
  const m = parseManifestText(text);
  const tree = treeOf(m.accounts);
  if (tree.root !== m.root)
    throw new ManifestMismatchError(`root ${m.root} does not match the accounts (${tree.root})`);
  return { manifest: m, text, manifestHash: fastKeccak256(text), tree };
}

/** An account's leaf and proof in a built or read epoch; cumulative zero and no proof if it has no leaf. */
export function proofFor(epoch: BuiltEpoch, account: string): { cumulative: bigint; proof: string[] } {
  const wanted = checksumAddress(account);
  const proof = epoch.tree.getProof(wanted);
  return proof === undefined ? { cumulative: 0n, proof: [] } : { cumulative: epoch.tree.cumulativeOf(wanted)!, proof };
}

/** Every account's proof at once (one pass over the tree), for relayers and simulations. */
export function allProofs(epoch: BuiltEpoch): Map<string, { cumulative: bigint; proof: string[] }> {
  const out = new Map<string, { cumulative: bigint; proof: string[] }>();
  for (const [account, cumulative] of epoch.tree.values()) {
    out.set(account, { cumulative, proof: epoch.tree.getProof(account)! });
  }
  return out;
}

/** The leaf hash the pool computes for (account, cumulative). */
export function leafHash(account: string, cumulative: bigint): string {
  return accountLeafHash(checksumAddress(account), cumulative);
}

function deriveAccounts(
  previous: readonly AccountTotal[],
  records: readonly WorkRecord[],
  adjustments: readonly Adjustment[],
  rate: bigint,
): AccountTotal[] {
  const wad = new Map<string, bigint>(previous.map((a) => [checksumAddress(a.account), a.cumulativeWad]));
  const highest = new Map<string, bigint>(previous.map((a) => [checksumAddress(a.account), a.highestCumulative]));
  for (const r of records) {
    if (r.units <= 0n) throw new ManifestMismatchError(`device ${r.deviceId}: units must be positive, got ${r.units}`);
    wad.set(r.account, (wad.get(r.account) ?? 0n) + r.units * rate);
  }
  for (const a of adjustments) {
    if (a.amountWad <= 0n) throw new ManifestMismatchError(`adjustment for ${a.account} must be positive`);
    const current = wad.get(a.account) ?? 0n;
    wad.set(a.account, current > a.amountWad ? current - a.amountWad : 0n);
  }
  // By address as a number: for 0x + 40 hex digits that is the order of the lowercase strings.
  return [...wad.entries()]
    .map(([account, cumulativeWad]) => ({ key: account.toLowerCase(), account, cumulativeWad }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ account, cumulativeWad }) => {
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

function treeOf(accounts: readonly AccountTotal[]): AccountTree {
  if (accounts.length === 0) throw new ManifestMismatchError("an epoch needs at least one account");
  try {
    return AccountTree.of(accounts.map((a): [string, bigint] => [a.account, a.cumulative]));
  } catch (cause) {
    throw new ManifestMismatchError(`the accounts do not make a tree: ${(cause as Error).message}`, { cause });
  }
}

/** The manifest in `text`, its shape checked (valid JSON, this format, every field well formed). */
function parseManifestText(text: string): EpochManifest {
  // A manifest in the canonical layout (what serializeManifest writes) has its two long lists read line by line,
  // without building a JSON tree of millions of objects first; any other layout goes through JSON.parse.
  const records = canonicalList(text, "records", CANONICAL_RECORD);
  const accounts = records === undefined ? undefined : canonicalList(text, "accounts", CANONICAL_ACCOUNT);
  let skeleton = text;
  if (records !== undefined && accounts !== undefined) {
    skeleton =
      text.slice(0, records.start) +
      JSON.stringify(PLACEHOLDER) +
      text.slice(records.end, accounts.start) +
      JSON.stringify(PLACEHOLDER) +
      text.slice(accounts.end);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(skeleton) as Record<string, unknown>;
  } catch (cause) {
    throw new ManifestMismatchError("the manifest is not valid JSON", { cause });
  }
  if (raw.format !== MANIFEST_FORMAT) {
    throw new ManifestMismatchError(`unknown manifest format ${String(raw.format)}; expected ${MANIFEST_FORMAT}`);
  }
  if (skeleton === text) return parseManifest(raw);
  // A key given twice counts once, the last time (JSON.parse's rule): the lists read must be the ones that count.
  if (raw.records !== PLACEHOLDER || raw.accounts !== PLACEHOLDER)
    return parseManifestText(JSON.stringify(JSON.parse(text)));
  return parseManifest(raw, { records: records!.items, accounts: accounts!.items });
}

/** Stands in the skeleton for a list read line by line (a string JSON.parse cannot produce from a list). */
const PLACEHOLDER = "\u0000read line by line";

const CANONICAL_RECORD =
  /    \{\n      "deviceId": "(\d+)",\n      "account": "(0x[0-9a-fA-F]{40})",\n      "units": "(\d+)",\n      "evidenceHash": "(0x[0-9a-fA-F]{64})"\n    \}(,\n|\n  \])/y;
const CANONICAL_ACCOUNT =
  /    \{\n      "account": "(0x[0-9a-fA-F]{40})",\n      "cumulativeWad": "(\d+)",\n      "cumulative": "(\d+)",\n      "highestCumulative": "(\d+)"\n    \}(,\n|\n  \])/y;

/**
 * The entries of the list `key` when it is written in the canonical layout, each as its four captured strings, with
 * the list's span in `text` (from its `[` to past its `]`); undefined when the list is not canonical or not unique.
 */
function canonicalList(
  text: string,
  key: string,
  entry: RegExp,
): { items: string[][]; start: number; end: number } | undefined {
  const marker = `\n  "${key}": [\n`;
  const at = text.indexOf(marker);
  if (at < 0 || text.indexOf(marker, at + 1) >= 0) return undefined;
  entry.lastIndex = at + marker.length;
  const items: string[][] = [];
  for (;;) {
    const m = entry.exec(text);
    if (m === null) return undefined;
    items.push([m[1]!, m[2]!, m[3]!, m[4]!]);
    if (m[5] !== ",\n") break;
  }
  return { items, start: at + marker.length - 2, end: entry.lastIndex };
}

function parseManifest(
  raw: Record<string, unknown>,
  lists?: { records: string[][]; accounts: string[][] },
): EpochManifest {
  const int = (v: unknown, field: string): number => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      throw new ManifestMismatchError(`${field} must be a non-negative integer`);
    }
    return v;
  };
  const big = (v: unknown, field: string): bigint => {
    if (typeof v !== "string" || !/^\d+$/.test(v)) throw new ManifestMismatchError(`${field} must be a decimal string`);
    return BigInt(v);
  };
  const hex = (v: unknown, field: string): string => {
    if (typeof v !== "string" || !isHexString(v, 32)) throw new ManifestMismatchError(`${field} must be a 32-byte hex`);
    return v;
  };
  // Records and accounts name the same addresses: each distinct spelling is checked once.
  const checked = new Map<string, string>();
  const addr = (v: unknown, field: string): string => {
    try {
      const known = checked.get(v as string);
      if (known !== undefined) return known;
      const address = checksumAddress(v as string);
      checked.set(v as string, address);
      return address;
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
    epoch: int(raw.epoch, "epoch"),
    formulaVersion: int(raw.formulaVersion, "formulaVersion"),
    rate: big(raw.rate, "rate"),
    deviceCap: big(raw.deviceCap, "deviceCap"),
    epochBudget: big(raw.epochBudget, "epochBudget"),
    networkId: big(raw.networkId, "networkId"),
    registryBlock: int(raw.registryBlock, "registryBlock"),
    ledgerCreditedWad: big(raw.ledgerCreditedWad, "ledgerCreditedWad"),
    previousManifestHash:
      raw.previousManifestHash === null ? null : hex(raw.previousManifestHash, "previousManifestHash"),
    // Lists read line by line were matched digit by digit and hex by hex already: only addresses need checking.
    records:
      lists?.records.map(([deviceId, account, units, evidenceHash], i) => ({
        deviceId: BigInt(deviceId!),
        account: addr(account, `records[${i}].account`),
        units: BigInt(units!),
        evidenceHash: evidenceHash!,
      })) ??
      list(raw.records, "records").map((r, i) => ({
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
    accounts:
      lists?.accounts.map(([account, cumulativeWad, cumulative, highestCumulative], i) => ({
        account: addr(account, `accounts[${i}].account`),
        cumulativeWad: BigInt(cumulativeWad!),
        cumulative: BigInt(cumulative!),
        highestCumulative: BigInt(highestCumulative!),
      })) ??
      list(raw.accounts, "accounts").map((a, i) => ({
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

/**
 * What the quorum signs and `commitEpoch` takes for a built epoch published at `uri`, with the pool's current
 * `commitNonce()`, valid until `deadline` (a timestamp).
 */
export function epochCommitOf(epoch: BuiltEpoch, uri: string, nonce: bigint, deadline: bigint): EpochCommit {
  return {
    epoch: BigInt(epoch.manifest.epoch),
    nonce,
    root: epoch.manifest.root,
    totalOwed: epoch.manifest.totalOwed,
    epochTotal: epoch.manifest.epochTotal,
    rate: epoch.manifest.rate,
    manifestHash: epoch.manifestHash,
    manifestUri: uri,
    formulaVersion: BigInt(epoch.manifest.formulaVersion),
    ledgerCreditedWad: epoch.manifest.ledgerCreditedWad,
    deadline,
  };
}
