/**
 * The ledger rebuilt from events alone: the registry's devices and their ownership over time, and every pool's
 * funding, ledger credits, epoch commits, vetoes, claims, clawbacks and relayer fees, replayed in chain order by the
 * pools' own rules (the same arithmetic as `RewardPool`). Each rule the chain should have enforced is checked as the
 * replay goes, and each epoch commit is checked against its manifest. Pure: no I/O (the caller loads the events and
 * fetches the manifests).
 */
import { getAddress, keccak256, toUtf8Bytes } from "ethers";

import { IRewardPool__factory } from "../contracts/index.js";
import { ManifestMismatchError, readManifest, readManifestTree, type EpochManifest } from "../core/epoch.js";
import { WAD } from "../core/pool.js";
import { DeviceStatus, ZERO_ADDRESS, deviceIdOf, type KeyType } from "../core/registry.js";
import type { EventArgs, IndexedContract } from "./events.js";
import { finding, type Finding, type Position } from "./findings.js";
import type { FetchedManifest } from "./manifests.js";

/** An event as the index holds it, with its block's timestamp when the index read it. */
export interface IndexedEvent {
  blockNumber: number;
  logIndex: number;
  txHash: string;
  address: string;
  contract: IndexedContract;
  name: string | null;
  args: EventArgs | null;
  timestamp: number | null;
}

export interface SettlementTransaction {
  sender: string;
  recipient: string | null;
  selector: string | null;
  gasUsed: bigint;
}

/** What the auditor found for one commit's manifest: read at its URI, and a local copy with the committed hash. */
export interface CommitManifestSource {
  fetched: FetchedManifest;
  local?: { path: string; text: string };
}

export interface ReplayInput {
  chainId: bigint;
  events: readonly IndexedEvent[];
  transactions: ReadonlyMap<string, SettlementTransaction>;
  /** Timestamps of the blocks the index read headers of. */
  blockTimestamps: ReadonlyMap<number, number>;
  /** Each EpochCommitted event's manifest, keyed by `commitKey`. */
  manifests: ReadonlyMap<string, CommitManifestSource>;
  /** Every manifest text at hand (fetched or local), by keccak256: previous manifests are looked up here. */
  manifestTexts: ReadonlyMap<string, string>;
}

export function commitKey(blockNumber: number, logIndex: number): string {
  return `${blockNumber}:${logIndex}`;
}

interface DeviceSnapshot {
  block: number;
  logIndex: number;
  owner: string;
  payout: string;
  status: DeviceStatus;
}

export interface RebuiltDevice {
  deviceId: bigint;
  networkId: bigint;
  index: bigint;
  keyType: KeyType;
  key: string;
  metadataHash: string;
  attester: string;
  owner: string;
  /** Zero when rewards go to the owner. */
  payout: string;
  status: DeviceStatus;
  registered: Position;
  /** Every change of hands, the mint first. */
  transfers: { from: string; to: string; at: Position }[];
  history: DeviceSnapshot[];
}

export interface RebuiltRewardParams {
  fromEpoch: number;
  rate: bigint;
  epochBudget: bigint;
  deviceCap: bigint;
}

export interface RebuiltRoot {
  root: string;
  totalOwed: bigint;
  epoch: number;
  nonce: number;
  claimableAt: bigint;
}

const EMPTY_ROOT: RebuiltRoot = { root: `0x${"0".repeat(64)}`, totalOwed: 0n, epoch: 0, nonce: 0, claimableAt: 0n };

export interface RebuiltAccount {
  account: string;
  /** The pool's `account()` view. */
  unpaidWad: bigint;
  paidEpoch: bigint;
  claimNonce: bigint;
  /** Ledger credit ever received, clawed back, and paid (token units), and what relayers took from its claims. */
  creditedWad: bigint;
  clawedBackWad: bigint;
  paidLedger: bigint;
  relayerFees: bigint;
  claims: number;
}

/** pending: in its challenge period; claimable: past it (it paid while it was the latest); superseded: a later
 * epoch's commit replaced it while pending (its work stays in the later manifest); replaced: a commit for the same
 * epoch replaced it while pending; vetoed: the guardian vetoed it. */
export type CommitStatus = "pending" | "claimable" | "superseded" | "replaced" | "vetoed";

export interface RebuiltCommit {
  epoch: number;
  nonce: number;
  root: string;
  totalOwed: bigint;
  epochTotal: bigint;
  rate: bigint;
  manifestHash: string;
  manifestUri: string;
  formulaVersion: bigint;
  claimableAt: bigint;
  signers: string[];
  at: Position;
  timestamp: number;
  /** The pool's ledger credit when it was committed (what the commit's `ledgerCreditedWad` had to equal). */
  ledgerCreditedWad: bigint;
  status: CommitStatus;
  /** The manifest with the committed hash, when one was at hand (its records are the epoch's work). */
  manifest?: EpochManifest;
  manifestText?: string;
  manifestSource?: string;
}

export interface LedgerCredit {
  epoch: number;
  deviceId: bigint;
  account: string;
  units: bigint;
  rate: bigint;
  rewardWad: bigint;
  at: Position;
  timestamp: number;
}

export interface RebuiltClaim {
  account: string;
  recipient: string;
  ledgerAmount: bigint;
  epochAmount: bigint;
  fee: bigint;
  relayer?: string;
  gasless: boolean;
  at: Position;
  timestamp: number;
}

export interface RebuiltPool {
  address: string;
  token: string;
  networkId: bigint;
  genesis: bigint;
  epochLength: bigint;
  changeDelay: bigint;
  challengePeriod: bigint;
  settlementWindow: number;
  requireDeviceSignatures: boolean;
  admin: string;
  pendingAdmin: string;
  guardian: string;
  paused: boolean;
  minClaim: bigint;
  maxRelayerFee: bigint;
  verifiers: Set<string>;
  quorum: number;
  pendingVerifiers?: { add: string[]; remove: string[]; quorum: number; eta: bigint };
  params: RebuiltRewardParams[];
  /** The pool's `totals()` and `fundedByRef()`. */
  funded: bigint;
  fundedByRef: Map<string, bigint>;
  fundings: { from: string; ref: string; amount: bigint; at: Position; timestamp: number }[];
  creditedWad: bigint;
  clawedBackWad: bigint;
  epochPaid: bigint;
  epochCreditedWad: Map<number, bigint>;
  ledgerRecordedTo: number;
  recorded: Map<number, Set<bigint>>;
  batchNonces: Set<bigint>;
  clawbackNonces: Set<bigint>;
  commitNonce: number;
  roots: [RebuiltRoot, RebuiltRoot];
  latestRoot: 0 | 1;
  latestClaimableAt: bigint;
  accounts: Map<string, RebuiltAccount>;
  credits: LedgerCredit[];
  clawbacks: { account: string; deviceId: bigint; amountWad: bigint; at: Position }[];
  commits: RebuiltCommit[];
  claims: RebuiltClaim[];
  shortfalls: { account: string; cumulative: bigint; paidEpoch: bigint; at: Position }[];
  paid: bigint;
  relayerFees: bigint;
  /** Gas of the transactions that settled something in this pool, by kind. */
  gas: Map<string, { gas: bigint; txs: number }>;
}

export interface RebuiltLedger {
  devices: Map<bigint, RebuiltDevice>;
  networks: Map<bigint, { admin: string; attestationRequired: boolean; attesters: Set<string> }>;
  pools: Map<string, RebuiltPool>;
  findings: Finding[];
  /** The timestamp of the last indexed block with a known header (what "now" means for the pools' views). */
  lastTimestamp: number;
}

/**
 * The pool functions whose every `Claimed` is a claim the account signed, sent to the pool itself: each spent the
 * account's claim nonce (a batch's skipped claims emit nothing and spend nothing). A claim bundle's part says so with
 * its own `ClaimBundled`, and a signed push-payout choice is a `PushRecipientSet` sent by `setPushRecipientWithSig`:
 * both spend the same nonce. Signed calls made through another contract (other than the claim router's bundles) are
 * not seen as signed.
 */
const POOL = IRewardPool__factory.createInterface();
const SIGNED_CLAIM_CALLS = new Set([
  POOL.getFunction("claimWithSig")!.selector,
  POOL.getFunction("claimBatchWithSig")!.selector,
]);
const SET_PUSH_RECIPIENT_WITH_SIG = POOL.getFunction("setPushRecipientWithSig")!.selector;

/** Replays the indexed events and returns the rebuilt ledger and everything found wrong on the way. */
export function replayLedger(input: ReplayInput): RebuiltLedger {
  return new Replay(input).run();
}

/** A pool's view of `account` right now: `claimable(account, cumulative, proof)`'s parts. */
export function inForceRoot(pool: RebuiltPool, timestamp: bigint): RebuiltRoot {
  return pool.latestClaimableAt !== 0n && timestamp >= pool.latestClaimableAt
    ? pool.roots[pool.latestRoot]
    : pool.roots[pool.latestRoot ^ 1]!;
}

/** The pool's `epochRoots()` at `timestamp`: the root in force and the pending one (empty roots when none). */
export function epochRootsAt(pool: RebuiltPool, timestamp: bigint): { active: RebuiltRoot; pending: RebuiltRoot } {
  const latest = pool.roots[pool.latestRoot];
  const hasPending = pool.latestClaimableAt !== 0n && timestamp < pool.latestClaimableAt;
  if (hasPending) return { active: pool.roots[pool.latestRoot ^ 1]!, pending: latest };
  return { active: pool.latestClaimableAt !== 0n ? latest : EMPTY_ROOT, pending: EMPTY_ROOT };
}

/** The parameters in force for `epoch`: the last schedule starting at or before it. */
export function paramsAt(pool: RebuiltPool, epoch: number): RebuiltRewardParams {
  for (let i = pool.params.length - 1; i >= 0; i--) if (pool.params[i]!.fromEpoch <= epoch) return pool.params[i]!;
  throw new Error(`pool ${pool.address} has no reward parameters for epoch ${epoch}`);
}

/** The larger total owed of the two roots: what solvency reserves for epoch mode. */
export function epochOwed(pool: RebuiltPool): bigint {
  return pool.roots[0].totalOwed > pool.roots[1].totalOwed ? pool.roots[0].totalOwed : pool.roots[1].totalOwed;
}

/** The payee of record: the payout address, or the owner when none is set. */
export function payeeOf(d: { owner: string; payout: string }): string {
  return d.payout === ZERO_ADDRESS ? d.owner : d.payout;
}

/** A device's owner, payout and status at the end of `block`, or undefined if it was not registered yet. */
export function deviceAt(device: RebuiltDevice, block: number): DeviceSnapshot | undefined {
  let found: DeviceSnapshot | undefined;
  for (const s of device.history) {
    if (s.block > block) break;
    found = s;
  }
  return found;
}

const str = (v: unknown): string => String(v);
const big = (v: unknown): bigint => BigInt(String(v));
const num = (v: unknown): number => Number(String(v));
const addr = (v: unknown): string => getAddress(String(v));
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => getAddress(String(x))) : []);

class Replay {
  private readonly devices = new Map<bigint, RebuiltDevice>();
  private readonly networks: RebuiltLedger["networks"] = new Map();
  private readonly pools = new Map<string, RebuiltPool>();
  private readonly findings: Finding[] = [];
  /** WorkRecorded events waiting for the BatchRecorded that closes their transaction, per pool. */
  private readonly pendingWork = new Map<
    string,
    { deviceId: bigint; account: string; units: bigint; at: Position }[]
  >();
  private pendingMint: { tokenId: bigint; to: string; at: Position } | undefined;
  private lastTimestamp = 0;
  /** Vetoed commits by root and manifest hash. */
  private readonly vetoed = new Set<string>();

  constructor(private readonly input: ReplayInput) {}

  run(): RebuiltLedger {
    let txOfPending: string | undefined;
    for (const e of this.input.events) {
      // A transaction's WorkRecorded events must be closed by its BatchRecorded before the next transaction.
      if (txOfPending !== undefined && e.txHash !== txOfPending) this.flushOrphanWork();
      txOfPending = e.txHash;
      if (e.timestamp !== null) this.lastTimestamp = Math.max(this.lastTimestamp, e.timestamp);
      const at: Position = { block: e.blockNumber, tx: e.txHash, logIndex: e.logIndex };
      if (e.name === null || e.args === null) {
        this.findings.push(finding("event-undecoded", `log ${e.logIndex} of ${e.address} is not in its ABI`, at));
        continue;
      }
      if (e.contract === "registry") this.registryEvent(e.name, e.args, at);
      else if (e.contract === "pool") this.poolEvent(e, e.name, e.args, at);
    }
    this.flushOrphanWork();
    for (const t of this.input.blockTimestamps.values()) this.lastTimestamp = Math.max(this.lastTimestamp, t);
    // A commit whose challenge period is over by the last indexed block pays (or paid, until a later root).
    for (const pool of this.pools.values()) {
      for (const c of pool.commits)
        if (c.status === "pending" && c.claimableAt <= BigInt(this.lastTimestamp)) c.status = "claimable";
    }
    return {
      devices: this.devices,
      networks: this.networks,
      pools: this.pools,
      findings: this.findings,
      lastTimestamp: this.lastTimestamp,
    };
  }

  /* REGISTRY */

  private registryEvent(name: string, a: EventArgs, at: Position): void {
    switch (name) {
      case "NetworkCreated":
        this.networks.set(big(a.networkId), {
          admin: addr(a.admin),
          attestationRequired: a.attestationRequired === true,
          attesters: new Set(),
        });
        return;
      case "NetworkAttestationRequirementSet": {
        const n = this.networks.get(big(a.networkId));
        if (n !== undefined) n.attestationRequired = a.required === true;
        return;
      }
      case "AttesterSet": {
        const n = this.networks.get(big(a.networkId));
        if (n !== undefined) {
          if (a.allowed === true) n.attesters.add(addr(a.attester));
          else n.attesters.delete(addr(a.attester));
        }
        return;
      }
      case "NetworkAdminTransferred": {
        const n = this.networks.get(big(a.networkId));
        if (n !== undefined) n.admin = addr(a.newAdmin);
        return;
      }
      case "Transfer":
        return this.transfer(addr(a.from), addr(a.to), big(a.tokenId), at);
      case "DeviceRegistered":
        return this.registered(a, at);
      case "DevicePayoutSet":
        return this.change(big(a.deviceId), at, (d) => (d.payout = addr(a.payout)));
      case "DeviceSuspended":
        return this.change(big(a.deviceId), at, (d) => (d.status = DeviceStatus.Suspended));
      case "DeviceReactivated":
        return this.change(big(a.deviceId), at, (d) => (d.status = DeviceStatus.Active));
      case "DeviceRetired":
        return this.change(big(a.deviceId), at, (d) => (d.status = DeviceStatus.Retired));
      default:
        return; // approvals, ERC-4906 MetadataUpdate, admin handover proposals: no ledger state
    }
  }

  private transfer(from: string, to: string, tokenId: bigint, at: Position): void {
    if (from === ZERO_ADDRESS) {
      this.pendingMint = { tokenId, to, at };
      return;
    }
    const d = this.devices.get(tokenId);
    if (d === undefined) {
      this.findings.push(
        finding("device-unknown", `transfer of unregistered device ${tokenId}`, at, { deviceId: String(tokenId) }),
      );
      return;
    }
    if (d.owner !== from || d.status === DeviceStatus.Retired || to === ZERO_ADDRESS) {
      this.findings.push(
        finding("device-transfer-invalid", `device ${tokenId} transferred by ${from}`, at, {
          deviceId: String(tokenId),
          expected: `owner ${d.owner}, not retired`,
          actual: `from ${from}, status ${DeviceStatus[d.status]}`,
        }),
      );
    }
    d.transfers.push({ from, to, at });
    this.change(tokenId, at, (x) => (x.owner = to));
  }

  private registered(a: EventArgs, at: Position): void {
    const keyType = num(a.keyType) as KeyType;
    const key = str(a.key);
    const deviceId = deviceIdOf(keyType, key);
    const mint = this.pendingMint;
    this.pendingMint = undefined;
    if (mint === undefined || mint.tokenId !== deviceId || mint.at.tx !== at.tx || mint.to !== addr(a.owner)) {
      this.findings.push(
        finding("device-id-mismatch", "DeviceRegistered does not follow the mint of its own device id", at, {
          deviceId: String(deviceId),
          expected: `mint of ${deviceId} to ${addr(a.owner)}`,
          actual: mint === undefined ? "no mint" : `mint of ${mint.tokenId} to ${mint.to}`,
        }),
      );
    }
    const owner = addr(a.owner);
    const device: RebuiltDevice = {
      deviceId,
      networkId: big(a.networkId),
      index: big(a.index),
      keyType,
      key,
      metadataHash: str(a.metadataHash),
      attester: addr(a.attester),
      owner,
      payout: ZERO_ADDRESS,
      status: DeviceStatus.Active,
      registered: at,
      transfers: [{ from: ZERO_ADDRESS, to: owner, at: mint?.at ?? at }],
      history: [],
    };
    this.devices.set(deviceId, device);
    this.snapshot(device, at);
  }

  private change(deviceId: bigint, at: Position, apply: (d: RebuiltDevice) => void): void {
    const d = this.devices.get(deviceId);
    if (d === undefined) {
      this.findings.push(
        finding("device-unknown", `event for unregistered device ${deviceId}`, at, { deviceId: String(deviceId) }),
      );
      return;
    }
    apply(d);
    this.snapshot(d, at);
  }

  private snapshot(d: RebuiltDevice, at: Position): void {
    d.history.push({ block: at.block, logIndex: at.logIndex, owner: d.owner, payout: d.payout, status: d.status });
  }

  /* POOLS */

  private timestampOf(e: IndexedEvent): number {
    if (e.timestamp === null) throw new Error(`the index has no timestamp for block ${e.blockNumber}: index it again`);
    return e.timestamp;
  }

  private poolEvent(e: IndexedEvent, name: string, a: EventArgs, at: Position): void {
    const address = e.address;
    if (name === "VerifierSetChanged" && !this.pools.has(address)) {
      // The initial set comes first in `initialize`, before PoolInitialized: start the pool with it.
      this.pools.set(address, newPool(address));
    }
    if (name === "Initialized") return;
    const pool = this.pools.get(address) ?? this.pools.set(address, newPool(address)).get(address)!;
    const ts = this.timestampOf(e);
    const now = BigInt(ts);
    const epochNow = pool.epochLength === 0n ? 0 : Number((now - pool.genesis) / pool.epochLength);
    const extra = { pool: address };
    switch (name) {
      case "VerifierSetChanged": {
        for (const r of list(a.remove)) pool.verifiers.delete(r);
        for (const v of list(a.add)) pool.verifiers.add(v);
        pool.quorum = num(a.quorum);
        pool.pendingVerifiers = undefined;
        return;
      }
      case "PoolInitialized":
        pool.token = addr(a.token);
        pool.networkId = big(a.networkId);
        pool.admin = addr(a.admin);
        pool.guardian = addr(a.guardian);
        pool.genesis = big(a.genesis);
        pool.epochLength = big(a.epochLength);
        pool.changeDelay = big(a.changeDelay);
        pool.challengePeriod = big(a.challengePeriod);
        pool.settlementWindow = num(a.settlementWindow);
        pool.requireDeviceSignatures = a.requireDeviceSignatures === true;
        return;
      case "RewardParamsScheduled": {
        const p = a.params as EventArgs;
        const next: RebuiltRewardParams = {
          fromEpoch: num(a.fromEpoch),
          rate: big(p.rate),
          epochBudget: big(p.epochBudget),
          deviceCap: big(p.deviceCap),
        };
        // A schedule not in force yet is replaced (RewardPoolGovernance.queueRewardParams).
        const last = pool.params.at(-1);
        if (last !== undefined && last.fromEpoch > epochNow) pool.params.pop();
        pool.params.push(next);
        return;
      }
      case "QueuedChangeCancelled":
        if (a.verifiers === true) pool.pendingVerifiers = undefined;
        if (a.params === true) pool.params.pop();
        return;
      case "VerifierChangeQueued":
        pool.pendingVerifiers = { add: list(a.add), remove: list(a.remove), quorum: num(a.quorum), eta: big(a.eta) };
        return;
      case "ClaimSettingsChanged":
        pool.minClaim = big(a.minClaim);
        pool.maxRelayerFee = big(a.maxRelayerFee);
        return;
      case "GuardianChanged":
        pool.guardian = addr(a.guardian);
        return;
      case "AdminTransferStarted":
        pool.pendingAdmin = addr(a.pendingAdmin);
        return;
      case "AdminTransferred":
        pool.admin = addr(a.admin);
        pool.pendingAdmin = ZERO_ADDRESS;
        return;
      case "Paused":
        pool.paused = true;
        return;
      case "Unpaused":
        pool.paused = false;
        return;
      case "Funded": {
        this.requireUnpaused(pool, "funding", at);
        const amount = big(a.amount);
        const ref = str(a.ref);
        pool.funded += amount;
        pool.fundedByRef.set(ref, (pool.fundedByRef.get(ref) ?? 0n) + amount);
        pool.fundings.push({ from: addr(a.from), ref, amount, at, timestamp: ts });
        return;
      }
      case "WorkRecorded": {
        const queue = this.pendingWork.get(address) ?? [];
        queue.push({ deviceId: big(a.deviceId), account: addr(a.account), units: big(a.units), at });
        this.pendingWork.set(address, queue);
        return;
      }
      case "BatchRecorded":
        this.gas(pool, "record", at);
        return this.batch(pool, a, at, ts, epochNow);
      case "ClawedBack": {
        this.gas(pool, "clawback", at);
        this.checkQuorum(pool, list(a.signers), at);
        const nonce = big(a.nonce);
        if (pool.clawbackNonces.has(nonce)) {
          this.findings.push(finding("clawback-nonce-reused", `clawback nonce ${nonce} used again`, at, extra));
        }
        pool.clawbackNonces.add(nonce);
        const account = this.account(pool, addr(a.account));
        const amountWad = big(a.amountWad);
        if (amountWad > account.unpaidWad) {
          this.findings.push(
            finding("clawback-too-large", `clawback from ${account.account} exceeds its unclaimed credit`, at, {
              ...extra,
              account: account.account,
              expected: `≤ ${account.unpaidWad} WAD`,
              actual: `${amountWad} WAD`,
            }),
          );
        }
        account.unpaidWad -= amountWad;
        account.clawedBackWad += amountWad;
        pool.creditedWad -= amountWad;
        pool.clawedBackWad += amountWad;
        pool.clawbacks.push({ account: account.account, deviceId: big(a.deviceId), amountWad, at });
        return;
      }
      case "Claimed":
        this.gas(pool, "claim", at);
        return this.claim(pool, a, at, ts);
      case "ClaimBundled":
        // The claim it follows was signed as part of a bundle: the account's nonce here is spent.
        this.account(pool, addr(a.account)).claimNonce++;
        return;
      case "PushRecipientSet": {
        const tx = this.input.transactions.get(at.tx);
        if (tx?.selector === SET_PUSH_RECIPIENT_WITH_SIG && tx.recipient === pool.address) {
          this.account(pool, addr(a.account)).claimNonce++;
        }
        return;
      }
      case "RelayerFeePaid": {
        const fee = big(a.fee);
        const last = pool.claims.at(-1);
        const maxFee = pool.maxRelayerFee;
        if (last === undefined || last.at.tx !== at.tx || last.account !== addr(a.account)) {
          this.findings.push(
            finding("relayer-fee-over-cap", "a relayer fee without its claim", at, { ...extra, actual: String(fee) }),
          );
          return;
        }
        last.fee = fee;
        last.relayer = addr(a.relayer);
        if (fee > maxFee || fee > last.ledgerAmount + last.epochAmount) {
          this.findings.push(
            finding("relayer-fee-over-cap", `relayer fee on the claim of ${last.account}`, at, {
              ...extra,
              account: last.account,
              expected: `≤ ${maxFee < last.ledgerAmount + last.epochAmount ? maxFee : last.ledgerAmount + last.epochAmount}`,
              actual: String(fee),
            }),
          );
        }
        this.account(pool, last.account).relayerFees += fee;
        pool.relayerFees += fee;
        return;
      }
      case "EpochCommitted":
        this.gas(pool, "commit", at);
        return this.commit(pool, e, a, at, ts, epochNow);
      case "EpochSuperseded": {
        const c = pool.commits.find((x) => x.nonce === num(a.nonce));
        if (c !== undefined) c.status = num(a.byEpoch) === c.epoch ? "replaced" : "superseded";
        return;
      }
      case "EpochVetoed":
        this.gas(pool, "veto", at);
        return this.veto(pool, a, at, now);
      case "EpochShortfall":
        pool.shortfalls.push({
          account: addr(a.account),
          cumulative: big(a.cumulative),
          paidEpoch: big(a.paidEpoch),
          at,
        });
        return;
      default:
        return;
    }
  }

  private gas(pool: RebuiltPool, kind: string, at: Position): void {
    const tx = this.input.transactions.get(at.tx);
    if (tx === undefined) return;
    // Once per transaction: a transaction that claims twice or records and claims counts its gas once.
    const key = `${kind}:${at.tx}`;
    if (this.gasSeen.has(key)) return;
    this.gasSeen.add(key);
    const line = pool.gas.get(kind) ?? { gas: 0n, txs: 0 };
    pool.gas.set(kind, { gas: line.gas + tx.gasUsed, txs: line.txs + 1 });
  }
  private readonly gasSeen = new Set<string>();

  private account(pool: RebuiltPool, account: string): RebuiltAccount {
    let a = pool.accounts.get(account);
    if (a === undefined) {
      a = {
        account,
        unpaidWad: 0n,
        paidEpoch: 0n,
        claimNonce: 0n,
        creditedWad: 0n,
        clawedBackWad: 0n,
        paidLedger: 0n,
        relayerFees: 0n,
        claims: 0,
      };
      pool.accounts.set(account, a);
    }
    return a;
  }

  private requireUnpaused(pool: RebuiltPool, what: string, at: Position): void {
    if (pool.paused) {
      this.findings.push(
        finding("paused-pool-moved-funds", `${what} while the pool was paused`, at, { pool: pool.address }),
      );
    }
  }

  private checkQuorum(pool: RebuiltPool, signers: readonly string[], at: Position): void {
    const extra = { pool: pool.address };
    if (signers.length < pool.quorum) {
      this.findings.push(
        finding("quorum-not-met", "fewer signers than the quorum", at, {
          ...extra,
          expected: `≥ ${pool.quorum} signers`,
          actual: `${signers.length}`,
        }),
      );
    }
    signers.forEach((s, i) => {
      if (i > 0 && BigInt(s) <= BigInt(signers[i - 1]!)) {
        this.findings.push(
          finding("signers-not-sorted", `signer ${i} (${s}) is not after ${signers[i - 1]}`, at, extra),
        );
      }
      if (!pool.verifiers.has(s)) {
        this.findings.push(
          finding("signer-not-verifier", `signer ${s} was not a verifier of the pool at block ${at.block}`, at, {
            ...extra,
            expected: [...pool.verifiers].join(","),
            actual: s,
          }),
        );
      }
    });
  }

  private flushOrphanWork(): void {
    for (const [pool, queue] of this.pendingWork) {
      if (queue.length === 0) continue;
      const first = queue[0]!;
      this.findings.push(
        finding("work-without-batch", `${queue.length} WorkRecorded event(s) without their BatchRecorded`, first.at, {
          pool,
          actual: `${queue.reduce((s, w) => s + w.units, 0n)} units`,
        }),
      );
      this.pendingWork.set(pool, []);
    }
  }

  /* LEDGER MODE */

  private batch(pool: RebuiltPool, a: EventArgs, at: Position, ts: number, epochNow: number): void {
    const extra = { pool: pool.address };
    const epoch = num(a.epoch);
    const rate = big(a.rate);
    const work = (this.pendingWork.get(pool.address) ?? []).filter((w) => w.at.tx === at.tx);
    this.pendingWork.set(pool.address, []);
    this.requireUnpaused(pool, "a proof batch", at);
    this.checkQuorum(pool, list(a.signers), at);
    const params = paramsAt(pool, epoch);
    if (rate !== params.rate) {
      this.findings.push(
        finding("batch-rate-not-in-force", `batch for epoch ${epoch} at another rate`, at, {
          ...extra,
          epoch,
          expected: String(params.rate),
          actual: String(rate),
        }),
      );
    }
    const oldest = Math.max(0, epochNow - pool.settlementWindow);
    const latest = pool.roots[pool.latestRoot];
    const coveredTo = latest.claimableAt !== 0n ? latest.epoch + 1 : 0;
    if (epoch >= epochNow || epoch < oldest || epoch < coveredTo) {
      this.findings.push(
        finding("batch-epoch-not-settleable", `batch for epoch ${epoch} at epoch ${epochNow}`, at, {
          ...extra,
          epoch,
          expected: `closed, ≥ ${Math.max(oldest, coveredTo)}, < ${epochNow}`,
          actual: String(epoch),
        }),
      );
    }
    const nonce = big(a.batchNonce);
    if (pool.batchNonces.has(nonce))
      this.findings.push(finding("batch-nonce-reused", `batch nonce ${nonce} used again`, at, extra));
    pool.batchNonces.add(nonce);

    const units = work.reduce((s, w) => s + w.units, 0n);
    const rewardWad = big(a.rewardWad);
    if (num(a.proofCount) !== work.length || big(a.totalUnits) !== units || rewardWad !== units * rate) {
      this.findings.push(
        finding("batch-totals-mismatch", `batch ${nonce}: its WorkRecorded events add up to other totals`, at, {
          ...extra,
          epoch,
          expected: `${work.length} proofs, ${units} units, ${units * rate} WAD`,
          actual: `${str(a.proofCount)} proofs, ${str(a.totalUnits)} units, ${rewardWad} WAD`,
        }),
      );
    }
    const recorded = pool.recorded.get(epoch) ?? new Set<bigint>();
    pool.recorded.set(epoch, recorded);
    for (const w of work) {
      const d = this.devices.get(w.deviceId);
      const device = { pool: pool.address, deviceId: String(w.deviceId), epoch };
      if (
        d === undefined ||
        d.networkId !== pool.networkId ||
        d.status !== DeviceStatus.Active ||
        w.units < 1n ||
        w.units > params.deviceCap
      ) {
        this.findings.push(
          finding("proof-invalid", `proof for device ${w.deviceId} in epoch ${epoch}`, w.at, {
            ...device,
            expected: `registered, active, network ${pool.networkId}, 1..${params.deviceCap} units`,
            actual:
              d === undefined ? "unregistered" : `${DeviceStatus[d.status]}, network ${d.networkId}, ${w.units} units`,
          }),
        );
      } else if (payeeOf(d) !== w.account) {
        this.findings.push(
          finding("proof-payee-mismatch", `device ${w.deviceId} credited to another account`, w.at, {
            ...device,
            expected: payeeOf(d),
            actual: w.account,
          }),
        );
      }
      if (recorded.has(w.deviceId)) {
        this.findings.push(
          finding("proof-credited-twice", `device ${w.deviceId} recorded twice for epoch ${epoch}`, w.at, device),
        );
      }
      recorded.add(w.deviceId);
      const reward = w.units * rate;
      const account = this.account(pool, w.account);
      account.unpaidWad += reward;
      account.creditedWad += reward;
      pool.credits.push({
        epoch,
        deviceId: w.deviceId,
        account: w.account,
        units: w.units,
        rate,
        rewardWad: reward,
        at: w.at,
        timestamp: ts,
      });
    }
    const epochCredited = (pool.epochCreditedWad.get(epoch) ?? 0n) + rewardWad;
    pool.epochCreditedWad.set(epoch, epochCredited);
    if (epochCredited > params.epochBudget * WAD) {
      this.findings.push(
        finding("epoch-over-budget", `ledger credit for epoch ${epoch} passes its budget`, at, {
          ...extra,
          epoch,
          expected: `≤ ${params.epochBudget * WAD} WAD`,
          actual: `${epochCredited} WAD`,
        }),
      );
    }
    if (epoch >= pool.ledgerRecordedTo) pool.ledgerRecordedTo = epoch + 1;
    pool.creditedWad += rewardWad;
    this.checkSolvent(pool, at);
  }

  private checkSolvent(pool: RebuiltPool, at: Position): void {
    const needed = pool.creditedWad + epochOwed(pool) * WAD;
    if (needed > pool.funded * WAD) {
      this.findings.push(
        finding("insolvent", "the pool owes more than it was funded", at, {
          pool: pool.address,
          expected: `≤ ${pool.funded * WAD} WAD (funded)`,
          actual: `${needed} WAD (ledger credit + epoch owed)`,
        }),
      );
    }
  }

  /* CLAIMS */

  private claim(pool: RebuiltPool, a: EventArgs, at: Position, ts: number): void {
    const extra = { pool: pool.address };
    this.requireUnpaused(pool, "a claim", at);
    const account = this.account(pool, addr(a.account));
    const ledgerAmount = big(a.ledgerAmount);
    const epochAmount = big(a.epochAmount);
    const tx = this.input.transactions.get(at.tx);
    const gasless =
      tx !== undefined && tx.selector !== null && SIGNED_CLAIM_CALLS.has(tx.selector) && tx.recipient === pool.address;
    if (gasless) account.claimNonce++;
    const who = { ...extra, account: account.account };

    const owedLedger = account.unpaidWad / WAD;
    if (ledgerAmount !== owedLedger) {
      this.findings.push(
        finding("claim-ledger-mismatch", `claim of ${account.account}: ledger part`, at, {
          ...who,
          expected: String(owedLedger),
          actual: String(ledgerAmount),
        }),
      );
    }
    account.unpaidWad -= ledgerAmount * WAD;
    account.paidLedger += ledgerAmount;

    if (epochAmount > 0n) {
      const root = inForceRoot(pool, BigInt(ts));
      const commit = pool.commits.find(
        (c) => c.nonce === root.nonce && c.root === root.root && root.claimableAt !== 0n,
      );
      if (commit === undefined) {
        this.findings.push(
          finding("claim-epoch-mismatch", `claim of ${account.account}: epoch part with no root in force`, at, {
            ...who,
            expected: "0",
            actual: String(epochAmount),
          }),
        );
      } else if (commit.manifest === undefined) {
        this.findings.push(
          finding("claim-unverifiable", `claim of ${account.account} under the root of epoch ${commit.epoch}`, at, {
            ...who,
            epoch: commit.epoch,
            actual: String(epochAmount),
          }),
        );
      } else {
        const leaf = commit.manifest.accounts.find((x) => x.account === account.account)?.cumulative;
        const owed = leaf !== undefined && leaf > account.paidEpoch ? leaf - account.paidEpoch : 0n;
        if (epochAmount !== owed) {
          this.findings.push(
            finding(
              "claim-epoch-mismatch",
              `claim of ${account.account}: epoch part under the root of epoch ${commit.epoch}`,
              at,
              {
                ...who,
                epoch: commit.epoch,
                expected: `${owed} (leaf ${leaf ?? "none"} − paid ${account.paidEpoch})`,
                actual: String(epochAmount),
              },
            ),
          );
        }
      }
      account.paidEpoch += epochAmount;
      pool.epochPaid += epochAmount;
      if (pool.epochPaid > root.totalOwed) {
        this.findings.push(
          finding("epoch-payout-over-root", "epoch mode paid more than the root in force declared", at, {
            ...who,
            epoch: root.epoch,
            expected: `≤ ${root.totalOwed}`,
            actual: String(pool.epochPaid),
          }),
        );
      }
    }
    const amount = ledgerAmount + epochAmount;
    if (amount === 0n || amount < pool.minClaim) {
      this.findings.push(
        finding("claim-below-minimum", `claim of ${account.account}`, at, {
          ...who,
          expected: `≥ max(1, ${pool.minClaim})`,
          actual: String(amount),
        }),
      );
    }
    account.claims++;
    pool.paid += amount;
    pool.claims.push({
      account: account.account,
      recipient: addr(a.recipient),
      ledgerAmount,
      epochAmount,
      fee: 0n,
      gasless,
      at,
      timestamp: ts,
    });
    if (pool.paid > pool.funded) {
      this.findings.push(
        finding("paid-exceeds-funded", "the pool paid out more than it was funded", at, {
          ...extra,
          expected: `≤ ${pool.funded}`,
          actual: String(pool.paid),
        }),
      );
    }
  }

  /* EPOCH MODE */

  private commit(pool: RebuiltPool, e: IndexedEvent, a: EventArgs, at: Position, ts: number, epochNow: number): void {
    const extra = { pool: pool.address };
    const epoch = num(a.epoch);
    const nonce = num(a.nonce);
    const now = BigInt(ts);
    this.requireUnpaused(pool, "an epoch commit", at);
    this.checkQuorum(pool, list(a.signers), at);
    const c: RebuiltCommit = {
      epoch,
      nonce,
      root: str(a.root),
      totalOwed: big(a.totalOwed),
      epochTotal: big(a.epochTotal),
      rate: big(a.rate),
      manifestHash: str(a.manifestHash),
      manifestUri: str(a.manifestUri),
      formulaVersion: big(a.formulaVersion),
      claimableAt: big(a.claimableAt),
      signers: list(a.signers),
      at,
      timestamp: ts,
      ledgerCreditedWad: pool.creditedWad,
      status: "pending",
    };
    const ce = { ...extra, epoch };
    if (nonce !== pool.commitNonce) {
      this.findings.push(
        finding("commit-nonce-mismatch", `commit for epoch ${epoch}`, at, {
          ...ce,
          expected: String(pool.commitNonce),
          actual: String(nonce),
        }),
      );
    }
    if (this.vetoed.has(`${c.root}:${c.manifestHash}`)) {
      this.findings.push(finding("vetoed-commit-resubmitted", `the vetoed root ${c.root} was committed again`, at, ce));
    }
    const { active, pending } = epochRootsAt(pool, now);
    const hasActive = active.claimableAt !== 0n;
    const hasPending = pending.claimableAt !== 0n;
    const oldest = Math.max(0, epochNow - pool.settlementWindow);
    if (
      epoch >= epochNow ||
      epoch < oldest ||
      (hasActive && epoch <= active.epoch) ||
      (hasPending && epoch < pending.epoch)
    ) {
      this.findings.push(
        finding("commit-epoch-invalid", `commit for epoch ${epoch} at epoch ${epochNow}`, at, {
          ...ce,
          expected: `closed, ≥ ${oldest}${hasActive ? `, after ${active.epoch}` : ""}`,
          actual: String(epoch),
        }),
      );
    }
    if (c.totalOwed < active.totalOwed) {
      this.findings.push(
        finding("total-owed-decreased", `commit for epoch ${epoch}`, at, {
          ...ce,
          expected: `≥ ${active.totalOwed}`,
          actual: String(c.totalOwed),
        }),
      );
    }
    const params = paramsAt(pool, epoch);
    if (c.rate !== params.rate) {
      this.findings.push(
        finding("commit-rate-not-in-force", `commit for epoch ${epoch}`, at, {
          ...ce,
          expected: String(params.rate),
          actual: String(c.rate),
        }),
      );
    }
    // Growth since the root in force within the budget left in the epochs it covers (RewardPool._epochModeAllowance).
    const fromEpoch = Math.max(hasActive ? active.epoch + 1 : 0, oldest);
    let budgetLeftWad = 0n;
    for (let x = epoch; x >= fromEpoch; x--) {
      let budget = paramsAt(pool, x).epochBudget * WAD;
      if (x < pool.ledgerRecordedTo) {
        const used = pool.epochCreditedWad.get(x) ?? 0n;
        budget = used < budget ? budget - used : 0n;
      }
      budgetLeftWad += budget;
    }
    const growthWad = c.totalOwed > active.totalOwed ? (c.totalOwed - active.totalOwed) * WAD : 0n;
    if (growthWad > budgetLeftWad) {
      this.findings.push(
        finding("epoch-over-budget", `commit for epoch ${epoch} grows the total owed past the budget left`, at, {
          ...ce,
          expected: `≤ ${budgetLeftWad} WAD`,
          actual: `${growthWad} WAD`,
        }),
      );
    }
    if (c.claimableAt !== now + pool.challengePeriod) {
      this.findings.push(
        finding("commit-epoch-invalid", `commit for epoch ${epoch}: claimable before its challenge period ends`, at, {
          ...ce,
          expected: String(now + pool.challengePeriod),
          actual: String(c.claimableAt),
        }),
      );
    }
    this.checkManifest(pool, c, e, params);

    // Apply (RewardPool.commitEpoch): a pending root is replaced in place, else the entry not in force takes it.
    pool.commitNonce = nonce + 1;
    for (const x of pool.commits) if (x.status === "pending" && x.claimableAt <= now) x.status = "claimable";
    const target = (hasPending ? pool.latestRoot : pool.latestRoot ^ 1) as 0 | 1;
    pool.roots[target] = { root: c.root, totalOwed: c.totalOwed, epoch, nonce, claimableAt: c.claimableAt };
    pool.latestRoot = target;
    pool.latestClaimableAt = c.claimableAt;
    pool.commits.push(c);
    this.checkSolvent(pool, at);
  }

  private veto(pool: RebuiltPool, a: EventArgs, at: Position, now: bigint): void {
    const epoch = num(a.epoch);
    const nonce = num(a.nonce);
    const latest = pool.roots[pool.latestRoot];
    if (
      addr(a.by) !== pool.guardian ||
      pool.latestClaimableAt === 0n ||
      now >= pool.latestClaimableAt ||
      latest.epoch !== epoch ||
      latest.nonce !== nonce
    ) {
      this.findings.push(
        finding("veto-invalid", `veto of epoch ${epoch} (commit ${nonce})`, at, {
          pool: pool.address,
          epoch,
          expected: `guardian ${pool.guardian}, pending commit ${latest.nonce} of epoch ${latest.epoch}`,
          actual: `by ${addr(a.by)}, commit ${nonce}`,
        }),
      );
    }
    const c = pool.commits.find((x) => x.nonce === nonce);
    if (c !== undefined) {
      c.status = "vetoed";
      this.vetoed.add(`${c.root}:${c.manifestHash}`);
    }
    pool.roots[pool.latestRoot] = { ...EMPTY_ROOT };
    pool.commitNonce++;
    pool.latestRoot = (pool.latestRoot ^ 1) as 0 | 1;
    pool.latestClaimableAt = pool.roots[pool.latestRoot].claimableAt;
  }

  /** Checks the commit's manifest: its hash, its arithmetic, and everything it states against the rebuilt chain. */
  private checkManifest(pool: RebuiltPool, c: RebuiltCommit, e: IndexedEvent, params: RebuiltRewardParams): void {
    const at = c.at;
    const ce = { pool: pool.address, epoch: c.epoch };
    const source = this.input.manifests.get(commitKey(e.blockNumber, e.logIndex));
    const fetched = source?.fetched;
    if (fetched?.text !== undefined && fetched.hash !== c.manifestHash) {
      this.findings.push(
        finding(
          "manifest-hash-mismatch",
          `the manifest at ${c.manifestUri} is not the one committed for epoch ${c.epoch}`,
          at,
          {
            ...ce,
            expected: c.manifestHash,
            actual: fetched.hash,
          },
        ),
      );
    }
    // The committed manifest: a local copy with the committed hash, or what the URI served if it matches.
    let text: string | undefined;
    let from: string | undefined;
    if (source?.local !== undefined) {
      text = source.local.text;
      from = source.local.path;
      if (fetched?.text === undefined) {
        this.findings.push(
          finding(
            "manifest-uri-unreachable",
            `${c.manifestUri}: ${fetched?.error ?? "not read"}; read ${from}`,
            at,
            ce,
          ),
        );
      }
    } else if (fetched?.text !== undefined) {
      text = fetched.text;
      from = c.manifestUri;
    } else {
      this.findings.push(
        finding(
          "manifest-unavailable",
          `the manifest of epoch ${c.epoch} cannot be read: ${fetched?.error ?? "no source"}`,
          at,
          {
            ...ce,
            expected: c.manifestHash,
          },
        ),
      );
      return;
    }
    const trusted = keccak256(toUtf8Bytes(text)) === c.manifestHash;

    // Its arithmetic, from the previous manifest it names (which must be one the pool's commits published).
    let m: EpochManifest;
    try {
      m = readManifestTree(text).manifest;
    } catch (error) {
      this.findings.push(
        finding("manifest-invalid", `manifest of epoch ${c.epoch}: ${(error as Error).message}`, at, ce),
      );
      return;
    }
    let previous: { manifest: EpochManifest; text: string } | undefined;
    if (m.previousManifestHash !== null) {
      const prevText = this.input.manifestTexts.get(m.previousManifestHash);
      const published = pool.commits.some((x) => x.manifestHash === m.previousManifestHash && x.status !== "vetoed");
      if (prevText === undefined || !published) {
        this.findings.push(
          finding("manifest-previous-missing", `manifest of epoch ${c.epoch} builds on ${m.previousManifestHash}`, at, {
            ...ce,
            expected: "a manifest an earlier standing commit of this pool published",
            actual: m.previousManifestHash,
          }),
        );
      }
      if (prevText !== undefined) previous = { manifest: readManifestTree(prevText).manifest, text: prevText };
    }
    if (m.previousManifestHash === null || previous !== undefined) {
      try {
        readManifest(text, previous);
      } catch (error) {
        if (!(error instanceof ManifestMismatchError)) throw error;
        this.findings.push(finding("manifest-invalid", `manifest of epoch ${c.epoch}: ${error.shortMessage}`, at, ce));
      }
    }

    const compare = (code: Parameters<typeof finding>[0], field: string, expected: unknown, actual: unknown) => {
      if (String(expected) !== String(actual)) {
        this.findings.push(
          finding(code, `manifest of epoch ${c.epoch}: ${field}`, at, {
            ...ce,
            expected: String(expected),
            actual: String(actual),
          }),
        );
      }
    };
    compare("manifest-wrong-pool", "pool", pool.address, m.pool);
    compare("manifest-wrong-pool", "chainId", this.input.chainId, m.chainId);
    compare("manifest-wrong-epoch", "epoch", c.epoch, m.epoch);
    compare("manifest-commit-mismatch", "root", c.root, m.root);
    compare("manifest-commit-mismatch", "totalOwed", c.totalOwed, m.totalOwed);
    compare("manifest-commit-mismatch", "epochTotal", c.epochTotal, m.epochTotal);
    compare("manifest-commit-mismatch", "formulaVersion", c.formulaVersion, m.formulaVersion);
    compare("manifest-rate-mismatch", "rate", params.rate, m.rate);
    compare("manifest-params-mismatch", "deviceCap", params.deviceCap, m.deviceCap);
    compare("manifest-params-mismatch", "epochBudget", params.epochBudget, m.epochBudget);
    compare("manifest-params-mismatch", "networkId", pool.networkId, m.networkId);
    compare("manifest-ledger-mismatch", "ledgerCreditedWad", c.ledgerCreditedWad, m.ledgerCreditedWad);
    this.checkRegistryBlock(pool, c, m);

    // Each record against the registry rebuilt at the manifest's registry block, and against ledger mode.
    const ledger = pool.recorded.get(c.epoch);
    for (const r of m.records) {
      const d = this.devices.get(r.deviceId);
      const s = d === undefined ? undefined : deviceAt(d, m.registryBlock);
      const rec = { ...ce, deviceId: String(r.deviceId) };
      if (
        d === undefined ||
        s === undefined ||
        d.networkId !== pool.networkId ||
        s.status !== DeviceStatus.Active ||
        payeeOf(s) !== r.account
      ) {
        this.findings.push(
          finding("manifest-device-invalid", `manifest of epoch ${c.epoch}: device ${r.deviceId}`, at, {
            ...rec,
            expected: `registered, active, network ${pool.networkId}, paid to its payee of record`,
            actual:
              d === undefined || s === undefined
                ? `not registered at block ${m.registryBlock}`
                : `${DeviceStatus[s.status]}, network ${d.networkId}, payee ${payeeOf(s)}, credited to ${r.account}`,
          }),
        );
      }
      if (ledger?.has(r.deviceId) === true) {
        this.findings.push(
          finding("proof-credited-twice", `device ${r.deviceId}: epoch ${c.epoch} paid by both modes`, at, rec),
        );
      }
    }
    if (trusted) {
      c.manifest = m;
      c.manifestText = text;
      c.manifestSource = from;
    }
  }

  /** The registry block must be the epoch's last: checked against the block timestamps the index holds. */
  private checkRegistryBlock(pool: RebuiltPool, c: RebuiltCommit, m: EpochManifest): void {
    const end = pool.genesis + BigInt(c.epoch + 1) * pool.epochLength;
    const wrong = (why: string): void => {
      this.findings.push(
        finding(
          "manifest-registry-block",
          `manifest of epoch ${c.epoch}: registry block ${m.registryBlock} ${why}`,
          c.at,
          {
            pool: pool.address,
            epoch: c.epoch,
            expected: `the last block before ${end}`,
            actual: String(m.registryBlock),
          },
        ),
      );
    };
    if (m.registryBlock >= c.at.block) return wrong("is not before the commit");
    const own = this.input.blockTimestamps.get(m.registryBlock);
    if (own !== undefined && BigInt(own) >= end) return wrong(`is at ${own}, after the epoch ended`);
    for (const [n, t] of this.input.blockTimestamps) {
      if (n > m.registryBlock && BigInt(t) < end) return wrong(`is before block ${n}, still in the epoch (at ${t})`);
    }
  }
}

function newPool(address: string): RebuiltPool {
  return {
    address,
    token: ZERO_ADDRESS,
    networkId: 0n,
    genesis: 0n,
    epochLength: 0n,
    changeDelay: 0n,
    challengePeriod: 0n,
    settlementWindow: 0,
    requireDeviceSignatures: false,
    admin: ZERO_ADDRESS,
    pendingAdmin: ZERO_ADDRESS,
    guardian: ZERO_ADDRESS,
    paused: false,
    minClaim: 0n,
    maxRelayerFee: 0n,
    verifiers: new Set(),
    quorum: 0,
    params: [],
    funded: 0n,
    fundedByRef: new Map(),
    fundings: [],
    creditedWad: 0n,
    clawedBackWad: 0n,
    epochPaid: 0n,
    epochCreditedWad: new Map(),
    ledgerRecordedTo: 0,
    recorded: new Map(),
    batchNonces: new Set(),
    clawbackNonces: new Set(),
    commitNonce: 0,
    roots: [{ ...EMPTY_ROOT }, { ...EMPTY_ROOT }],
    latestRoot: 0,
    latestClaimableAt: 0n,
    accounts: new Map(),
    credits: [],
    clawbacks: [],
    commits: [],
    claims: [],
    shortfalls: [],
    paid: 0n,
    relayerFees: 0n,
    gas: new Map(),
  };
}
