/**
 * The verifier quorum over HTTP: each verifier runs its own ingest service (its own key, its own database) and knows
 * its peers' URLs. Devices post every report to every verifier. Once an epoch is over (its late window passed, or an
 * operator closes it), each verifier closes it: it takes no more reports for it, and derives from its stored reports
 * and the chain as of the epoch's last block — the same inputs for every honest verifier — the ledger batches (pool
 * `ProofBatch`, batch nonce `epoch << 32 | index`, devices by id) or the epoch commit (`EpochCommit`, its manifest
 * built on the verifier's previous one). It signs each item and asks its peers to sign it too
 * (`POST /v1/quorum/sign`); a peer signs only what it derived itself, byte for byte, and refuses anything else with a
 * machine-readable reason (counted in /metrics). With the pool's quorum of signatures, the verifiers that hold them
 * submit in turn: the lowest signer address at once, each next one after `failoverMs` more if the item has not landed.
 *
 * Restart-safe: a signature is written to `verifier_signatures` before it is released, and a second, different
 * digest for the same (pool, kind, epoch, nonce) is refused forever; the close and its derived plan are written before
 * anything is signed; a submission is written as `sending` before the transaction goes out, and a verifier that
 * restarts asks the chain (the batch's `BatchRecorded`, the commit's `EpochCommitted`) before it sends anything again.
 */
import { getAddress, TypedDataEncoder, verifyTypedData, type Signer, type TypedDataDomain } from "ethers";
import type { FastifyInstance } from "fastify";

import type { AuditDb } from "../audit/db.js";
import type { DeviceRegistry, IRewardPool } from "../contracts/index.js";
import { epochCommitOf, readManifest, type Adjustment } from "../core/epoch.js";
import {
  combineSignatures,
  EPOCH_COMMIT_TYPES,
  hashProofs,
  PROOF_BATCH_TYPES,
  type EpochCommit,
  type Proof,
  type QuorumSignatures,
} from "../core/pool.js";
import type { DeviceSignature } from "../core/work.js";
import { epochEndBlock } from "../actions/epochEndBlock.js";
import { submitEpochCommit } from "../actions/submitEpochCommit.js";
import { submitProofBatch } from "../actions/submitProofBatch.js";
import { DepinError, InvalidInputError } from "../errors/base.js";
import { ContractRevertError } from "../errors/contract.js";
import { buildEpochFromStore, buildLedgerBatchesFromStore } from "./build.js";
import type { IngestService } from "./service.js";

export type VerifierMode = "ledger" | "epoch";

/** Why a verifier refuses to co-sign a peer's proposal (HTTP 409 unless noted). */
export type ProposalRefusal =
  | "malformed" // 400: not a proposal
  | "wrong_pool" // 400: for another pool
  | "not_closed" // this verifier has not closed the epoch yet: ask again later
  | "proposal_mismatch" // differs from what this verifier derived from its own reports
  | "already_signed" // this verifier signed another digest for the same (pool, kind, epoch, nonce)
  | "stale"; // the chain moved on (the commit nonce is used, the deadline passed)

const PROPOSAL_STATUS: Record<ProposalRefusal, number> = {
  malformed: 400,
  wrong_pool: 400,
  not_closed: 409,
  proposal_mismatch: 409,
  already_signed: 409,
  stale: 409,
};

export class ProposalRefusedError extends DepinError {
  override name = "ProposalRefusedError";
  constructor(
    readonly reason: ProposalRefusal,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

export interface BatchItem {
  kind: "batch";
  epoch: bigint;
  nonce: bigint;
  proofs: Proof[];
  /** In proof order in pools that require device signatures, else empty (not part of what the quorum signs). */
  deviceSignatures: DeviceSignature[];
  digest: string;
}

export interface CommitItem {
  kind: "commit";
  epoch: bigint;
  nonce: bigint;
  commit: EpochCommit;
  digest: string;
}

export type QuorumItem = BatchItem | CommitItem;

interface Plan {
  mode: VerifierMode;
  epoch: bigint;
  /** The epoch's last block: what the plan was derived at, and where the chain is searched for landed items. */
  block: number;
  items: QuorumItem[];
  /** Epoch mode: the manifest text the commit names. */
  manifest?: string;
  /** Stored reports the chain no longer allowed (device states at the epoch's end). */
  rejected: number;
}

export interface ItemOutcome {
  kind: QuorumItem["kind"];
  epoch: bigint;
  nonce: bigint;
  digest: string;
  status: "landed" | "no_quorum";
  /** The signers collected (this verifier's own first among them when it signed). */
  signers: string[];
  quorum?: QuorumSignatures;
  transactionHash?: string;
  gasUsed?: bigint;
  /** True when this verifier's transaction carried it. */
  byUs: boolean;
  /** Peers' refusals, by peer URL. */
  refusals: Record<string, string>;
}

export interface CloseResult {
  epoch: bigint;
  mode: VerifierMode;
  items: ItemOutcome[];
  /** Epoch mode: the commit and its manifest. */
  commit?: EpochCommit;
  manifest?: string;
  rejected: number;
  /** Every item landed on-chain. */
  done: boolean;
}

export interface VerifierQuorumOptions {
  service: IngestService;
  db: AuditDb;
  /** The pool, connected to a provider (reads). */
  pool: IRewardPool;
  registry?: DeviceRegistry;
  /** This verifier's key, connected to a provider: it signs the quorum's messages and sends submissions. */
  signer: Signer;
  /** The other verifiers' service URLs. */
  peers: readonly string[];
  mode: VerifierMode;
  /** Proofs per ledger batch (default 500). */
  batchSize?: number;
  /** Epoch mode: the formula version (default 1). */
  formulaVersion?: number;
  /** Epoch mode: where the manifest is published (default `depin://<chainId>/<pool>/epoch-<n>.json`). */
  manifestUri?: (epoch: bigint) => string;
  /** Epoch mode: a commit may be submitted until this long after the epoch's late window (default one day). */
  commitValidity?: bigint;
  /** How long each next signer waits before it submits an item that has not landed (default 30 s). */
  failoverMs?: number;
  /** How long a peer is asked again while it answers not_closed or cannot be reached (default 60 s). */
  peerTimeoutMs?: number;
  /** Close each epoch on its own once its late window has passed (adjustments: none). */
  autoClose?: boolean;
  /** How often the automatic close and the submission failover look at the chain (default 1 s). */
  pollMs?: number;
  /** Test hooks: called after this verifier signed an item, and just before it submits one. */
  hooks?: {
    afterSign?: (item: QuorumItem) => Promise<void> | void;
    beforeSubmit?: (item: QuorumItem) => Promise<void> | void;
  };
}

// --- JSON forms (bigints as decimal strings) ---

const str = (x: bigint) => x.toString();

function itemJson(i: QuorumItem): Record<string, unknown> {
  const base = { kind: i.kind, epoch: str(i.epoch), nonce: str(i.nonce), digest: i.digest };
  if (i.kind === "batch") {
    return {
      ...base,
      proofs: i.proofs.map((p) => ({ deviceId: str(p.deviceId), units: str(p.units), evidenceHash: p.evidenceHash })),
      deviceSignatures: i.deviceSignatures.map((s) => ({
        keyType: Number(s.keyType),
        key: s.key,
        signature: s.signature,
      })),
    };
  }
  return {
    ...base,
    commit: Object.fromEntries(Object.entries(i.commit).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v])),
  };
}

const DECIMAL = /^(0|[1-9]\d{0,77})$/;
const HEX32 = /^0x[0-9a-fA-F]{64}$/;

function bigOf(v: unknown, field: string): bigint {
  if (typeof v !== "string" || !DECIMAL.test(v))
    throw new ProposalRefusedError("malformed", `${field}: decimal string`);
  return BigInt(v);
}

function hex32Of(v: unknown, field: string): string {
  if (typeof v !== "string" || !HEX32.test(v)) throw new ProposalRefusedError("malformed", `${field}: 32-byte hex`);
  return v.toLowerCase();
}

const COMMIT_BIGINTS = [
  "epoch",
  "nonce",
  "totalOwed",
  "epochTotal",
  "rate",
  "formulaVersion",
  "ledgerCreditedWad",
  "deadline",
] as const;

/** A proposal (or a stored plan item) from its JSON form; a `malformed` refusal naming the field otherwise. */
export function parseQuorumItem(x: unknown): QuorumItem {
  if (typeof x !== "object" || x === null) throw new ProposalRefusedError("malformed", "a proposal is an object");
  const o = x as Record<string, unknown>;
  const epoch = bigOf(o.epoch, "epoch");
  const nonce = bigOf(o.nonce, "nonce");
  const digest = hex32Of(o.digest, "digest");
  if (o.kind === "batch") {
    if (!Array.isArray(o.proofs) || o.proofs.length === 0)
      throw new ProposalRefusedError("malformed", "proofs: a non-empty array");
    const proofs = o.proofs.map((p: Record<string, unknown>, i) => ({
      deviceId: bigOf(p?.deviceId, `proofs[${i}].deviceId`),
      units: bigOf(p?.units, `proofs[${i}].units`),
      evidenceHash: hex32Of(p?.evidenceHash, `proofs[${i}].evidenceHash`),
    }));
    const sigs = Array.isArray(o.deviceSignatures) ? (o.deviceSignatures as Record<string, unknown>[]) : [];
    const deviceSignatures = sigs.map((s) => ({
      keyType: Number(s?.keyType) as DeviceSignature["keyType"],
      key: String(s?.key),
      signature: String(s?.signature),
    }));
    return { kind: "batch", epoch, nonce, proofs, deviceSignatures, digest };
  }
  if (o.kind === "commit") {
    const c = o.commit as Record<string, unknown> | undefined;
    if (typeof c !== "object" || c === null) throw new ProposalRefusedError("malformed", "commit: an object");
    const n = Object.fromEntries(COMMIT_BIGINTS.map((k) => [k, bigOf(c[k], `commit.${k}`)])) as Record<
      (typeof COMMIT_BIGINTS)[number],
      bigint
    >;
    if (typeof c.manifestUri !== "string") throw new ProposalRefusedError("malformed", "commit.manifestUri: a string");
    const commit: EpochCommit = {
      ...n,
      root: hex32Of(c.root, "commit.root"),
      manifestHash: hex32Of(c.manifestHash, "commit.manifestHash"),
      manifestUri: c.manifestUri,
    };
    return { kind: "commit", epoch, nonce, commit, digest };
  }
  throw new ProposalRefusedError("malformed", 'kind: "batch" or "commit"');
}

function planJson(p: Plan): string {
  return JSON.stringify({
    mode: p.mode,
    epoch: str(p.epoch),
    block: p.block,
    rejected: p.rejected,
    items: p.items.map(itemJson),
  });
}

function planOf(text: string, manifest: string | null): Plan {
  const o = JSON.parse(text) as {
    mode: VerifierMode;
    epoch: string;
    block: number;
    rejected: number;
    items: unknown[];
  };
  return {
    mode: o.mode,
    epoch: BigInt(o.epoch),
    block: o.block,
    rejected: o.rejected,
    items: o.items.map(parseQuorumItem),
    ...(manifest === null ? {} : { manifest }),
  };
}

function adjustmentsJson(a: readonly Adjustment[]): string {
  return JSON.stringify(
    a.map((x) => ({
      account: getAddress(x.account),
      amountWad: str(x.amountWad),
      reasonHash: x.reasonHash.toLowerCase(),
    })),
  );
}

/** The first difference between a peer's batch and ours, in words. */
function batchDifference(ours: BatchItem, theirs: BatchItem): string {
  for (let i = 0; i < Math.max(ours.proofs.length, theirs.proofs.length); i++) {
    const a = ours.proofs[i];
    const b = theirs.proofs[i];
    if (a === undefined || b === undefined)
      return `proof ${i}: ${a === undefined ? "one more than" : "missing from"} ours`;
    if (a.deviceId !== b.deviceId) return `proof ${i}: device ${b.deviceId}, ours ${a.deviceId}`;
    if (a.units !== b.units) return `proof ${i} (device ${a.deviceId}): ${b.units} units, ours ${a.units}`;
    if (a.evidenceHash.toLowerCase() !== b.evidenceHash.toLowerCase())
      return `proof ${i} (device ${a.deviceId}): evidence ${b.evidenceHash}, ours ${a.evidenceHash}`;
  }
  return `digest ${theirs.digest}, ours ${ours.digest}`;
}

function commitDifference(ours: EpochCommit, theirs: EpochCommit): string {
  for (const k of Object.keys(ours) as (keyof EpochCommit)[]) {
    if (String(ours[k]).toLowerCase() !== String(theirs[k]).toLowerCase())
      return `${k}: ${String(theirs[k])}, ours ${String(ours[k])}`;
  }
  return "same commit, different digest";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class VerifierQuorum {
  readonly address: Promise<string>;
  /** Proposals refused, by reason; signatures released; items submitted by this verifier; items landed by others. */
  readonly counters = { refused: new Map<string, number>(), signed: 0, submitted: 0, landedByPeers: 0 };
  private readonly closing = new Map<bigint, Promise<Plan>>();
  private readonly settling = new Map<bigint, Promise<CloseResult>>();
  private domain: TypedDataDomain;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private settings: Promise<{ quorum: number }> | undefined;
  private peerUrls: readonly string[] | undefined;

  constructor(private readonly o: VerifierQuorumOptions) {
    this.domain = o.service.facts.domain;
    this.address = o.signer.getAddress().then(getAddress);
    o.service.routes.push((app) => this.routes(app));
    o.service.metrics.extraLines.push(() => [
      "# HELP depin_verifier_signatures_released_total Quorum signatures this verifier released (recorded first).",
      "# TYPE depin_verifier_signatures_released_total counter",
      `depin_verifier_signatures_released_total ${this.counters.signed}`,
      "# HELP depin_verifier_items_submitted_total Batches and commits this verifier's transactions carried.",
      "# TYPE depin_verifier_items_submitted_total counter",
      `depin_verifier_items_submitted_total ${this.counters.submitted}`,
      "# HELP depin_verifier_items_landed_by_peers_total Signed items another verifier's transaction carried.",
      "# TYPE depin_verifier_items_landed_by_peers_total counter",
      `depin_verifier_items_landed_by_peers_total ${this.counters.landedByPeers}`,
      "# HELP depin_verifier_proposals_refused_total Peers' proposals this verifier refused to co-sign, by reason.",
      "# TYPE depin_verifier_proposals_refused_total counter",
      ...[...this.counters.refused]
        .sort()
        .map(([r, n]) => `depin_verifier_proposals_refused_total{reason="${r}"} ${n}`),
    ]);
  }

  /** Replaces the peers' URLs (e.g. once every service of a local quorum listens). */
  setPeers(urls: readonly string[]): void {
    this.peerUrls = [...urls];
  }

  private get peers(): readonly string[] {
    return this.peerUrls ?? this.o.peers;
  }

  private get pool(): string {
    return this.o.service.facts.address;
  }

  /**
   * Reads back the epochs this verifier closed (no report is taken for them again) and resumes settling those whose
   * items have not all landed. Starts the automatic close if asked. Resolves once the state is read.
   */
  async start(): Promise<void> {
    const settings = await this.o.pool.settings();
    if (this.o.mode === "epoch" && settings.requireDeviceSignatures) {
      throw new InvalidInputError("this pool requires device-signed work, which epoch mode cannot prove on-chain", {
        details: "run the verifier in ledger mode (--mode ledger)",
      });
    }
    if (!(await this.o.pool.isVerifier(await this.address))) {
      throw new InvalidInputError(`${await this.address} is not a verifier of the pool ${this.pool}`, {
        details: "sign with a key of the pool's verifier set (keystore or DEPIN_PRIVATE_KEY)",
      });
    }
    const rows = await this.o.db.query<{ epoch: string }>(
      "select epoch::text as epoch from verifier_closes where pool = $1",
      [this.pool],
    );
    for (const r of rows) await this.o.service.closeEpoch(BigInt(r.epoch));
    for (const r of rows) {
      const epoch = BigInt(r.epoch);
      const result = await this.status(epoch);
      if (!result.done) void this.settle(epoch).catch(() => undefined);
    }
    if (this.o.autoClose === true) {
      const tick = async () => {
        if (this.stopped) return;
        try {
          await this.autoClose();
        } catch {
          // the chain or a peer is not reachable now: the next tick tries again
        }
        if (!this.stopped) this.timer = setTimeout(() => void tick(), this.o.pollMs ?? 1_000);
      };
      this.timer = setTimeout(() => void tick(), 0);
    }
  }

  /** Stops the automatic close and the settling loops (after their current step). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private async autoClose(): Promise<void> {
    const now = BigInt((await this.o.pool.runner!.provider!.getBlock("latest"))!.timestamp);
    const svc = this.o.service;
    // The latest epoch whose late window has passed.
    const epoch = svc.epochAt(now - svc.lateSeconds) - 1n;
    if (epoch < 0n || this.closing.has(epoch)) return;
    const existing = await this.o.db.query("select 1 from verifier_closes where pool = $1 and epoch = $2", [
      this.pool,
      str(epoch),
    ]);
    if (existing.length > 0) return;
    await this.close(epoch);
  }

  /**
   * Closes `epoch` (once: a second call with the same adjustments resumes, with others it throws) and settles it:
   * signs, collects the peers' signatures, submits in turn. Resolves when every item landed or could not get a quorum.
   */
  async close(epoch: bigint, p: { adjustments?: readonly Adjustment[] } = {}): Promise<CloseResult> {
    await this.plan(epoch, p.adjustments ?? []);
    return this.settle(epoch);
  }

  /** What this verifier knows of `epoch`'s items now (from its database), without touching the chain. */
  async status(epoch: bigint): Promise<CloseResult> {
    const plan = await this.storedPlan(epoch);
    if (plan === undefined) throw new InvalidInputError(`epoch ${epoch} is not closed on this verifier`);
    const subs = await this.o.db.query<{ kind: string; nonce: string; status: string; tx_hash: string | null }>(
      "select kind, nonce::text as nonce, status, tx_hash from verifier_submissions where pool = $1 and epoch = $2",
      [this.pool, str(epoch)],
    );
    const landed = new Set(subs.filter((s) => s.status === "landed").map((s) => `${s.kind}:${s.nonce}`));
    return {
      epoch,
      mode: plan.mode,
      rejected: plan.rejected,
      items: [],
      done: plan.items.every((i) => landed.has(`${i.kind}:${i.nonce}`)),
      ...(plan.manifest === undefined ? {} : { manifest: plan.manifest }),
    };
  }

  private async storedPlan(epoch: bigint): Promise<(Plan & { inputs: string }) | undefined> {
    const rows = await this.o.db.query<{ plan: string; manifest: string | null; inputs: string }>(
      "select plan, manifest, inputs from verifier_closes where pool = $1 and epoch = $2",
      [this.pool, str(epoch)],
    );
    const row = rows[0];
    return row === undefined ? undefined : { ...planOf(row.plan, row.manifest), inputs: row.inputs };
  }

  private plan(epoch: bigint, adjustments: readonly Adjustment[]): Promise<Plan> {
    const inputs = adjustmentsJson(adjustments);
    let p = this.closing.get(epoch);
    if (p === undefined) {
      p = this.derive(epoch, inputs, adjustments);
      this.closing.set(epoch, p);
      p.catch(() => this.closing.delete(epoch));
    }
    return p.then(async (plan) => {
      const stored = await this.storedPlan(epoch);
      if (stored !== undefined && stored.inputs !== inputs) {
        throw new InvalidInputError(`epoch ${epoch} was closed with other adjustments`, {
          details: `closed with ${stored.inputs}`,
        });
      }
      return plan;
    });
  }

  private async derive(epoch: bigint, inputs: string, adjustments: readonly Adjustment[]): Promise<Plan> {
    const stored = await this.storedPlan(epoch);
    if (stored !== undefined) return stored;
    if (this.o.mode === "ledger" && adjustments.length > 0)
      throw new InvalidInputError("adjustments are for epoch mode; ledger mode claws back with a Clawback");
    const svc = this.o.service;
    const head = await this.o.pool.runner!.provider!.getBlock("latest");
    if (head === null || BigInt(head.timestamp) < svc.epochEnd(epoch)) {
      throw new InvalidInputError(`epoch ${epoch} has not ended (it ends at ${svc.epochEnd(epoch)})`);
    }
    await svc.closeEpoch(epoch);
    const block = await epochEndBlock(this.o.pool, epoch);
    const registry = this.o.registry === undefined ? {} : { registry: this.o.registry };
    let plan: Plan;
    if (this.o.mode === "ledger") {
      const { batches, rejected } = await buildLedgerBatchesFromStore({
        store: svc.store,
        pool: this.o.pool,
        epoch,
        batchSize: this.o.batchSize ?? 500,
        blockTag: block,
        ...registry,
      });
      plan = {
        mode: "ledger",
        epoch,
        block,
        rejected: rejected.length,
        items: batches.map((b, i) => {
          const nonce = (epoch << 32n) | BigInt(i);
          return {
            kind: "batch",
            epoch,
            nonce,
            proofs: b.proofs,
            deviceSignatures: b.deviceSignatures,
            digest: this.batchDigest(epoch, nonce, b.proofs),
          };
        }),
      };
    } else {
      const prev = await this.o.db.query<{ manifest: string }>(
        `select manifest from verifier_closes where pool = $1 and epoch < $2 and mode = 'epoch' and manifest is not null
         order by epoch desc limit 1`,
        [this.pool, str(epoch)],
      );
      const previousText = prev[0]?.manifest;
      const { built, rejected } = await buildEpochFromStore({
        store: svc.store,
        pool: this.o.pool,
        epoch,
        formulaVersion: this.o.formulaVersion ?? 1,
        adjustments,
        ...(previousText === undefined
          ? {}
          : { previous: { manifest: readManifest(previousText).manifest, text: previousText } }),
        ...registry,
      });
      const nonce = BigInt(await this.o.pool.commitNonce());
      const { chainId } = await this.o.pool.runner!.provider!.getNetwork();
      const uri = this.o.manifestUri?.(epoch) ?? `depin://${chainId}/${this.pool}/epoch-${epoch}.json`;
      const deadline = svc.epochEnd(epoch) + svc.lateSeconds + (this.o.commitValidity ?? 86_400n);
      const commit = epochCommitOf(built, uri, nonce, deadline);
      plan = {
        mode: "epoch",
        epoch,
        block,
        rejected: rejected.length,
        manifest: built.text,
        items: [{ kind: "commit", epoch, nonce, commit, digest: this.commitDigest(commit) }],
      };
    }
    await this.o.db.query(
      `insert into verifier_closes (pool, epoch, mode, inputs, plan, manifest) values ($1, $2, $3, $4, $5, $6)
       on conflict (pool, epoch) do nothing`,
      [this.pool, str(epoch), plan.mode, inputs, planJson(plan), plan.manifest ?? null],
    );
    return (await this.storedPlan(epoch))!;
  }

  private batchDigest(epoch: bigint, batchNonce: bigint, proofs: readonly Proof[]): string {
    return TypedDataEncoder.hash(this.domain, PROOF_BATCH_TYPES, {
      epoch,
      batchNonce,
      proofsHash: hashProofs(proofs),
    }).toLowerCase();
  }

  private commitDigest(commit: EpochCommit): string {
    return TypedDataEncoder.hash(this.domain, EPOCH_COMMIT_TYPES, { ...commit }).toLowerCase();
  }

  private typed(item: QuorumItem): [Record<string, { name: string; type: string }[]>, Record<string, unknown>] {
    return item.kind === "batch"
      ? [PROOF_BATCH_TYPES, { epoch: item.epoch, batchNonce: item.nonce, proofsHash: hashProofs(item.proofs) }]
      : [EPOCH_COMMIT_TYPES, { ...item.commit }];
  }

  /**
   * This verifier's signature of `item`: the one recorded for its (pool, kind, epoch, nonce) if that was the same
   * digest, else a new one, recorded before it is returned. Refuses a second digest for the same key.
   */
  async signOnce(item: QuorumItem): Promise<string> {
    const key = [this.pool, item.kind, str(item.epoch), str(item.nonce)];
    const recorded = async () =>
      (
        await this.o.db.query<{ digest: string; signature: string }>(
          "select digest, signature from verifier_signatures where pool = $1 and kind = $2 and epoch = $3 and nonce = $4",
          key,
        )
      )[0];
    const check = (r: { digest: string; signature: string }) => {
      if (r.digest !== item.digest) {
        throw new ProposalRefusedError(
          "already_signed",
          `${item.kind} ${item.nonce} of epoch ${item.epoch}: signed digest ${r.digest}, asked ${item.digest}`,
        );
      }
      return r.signature;
    };
    const before = await recorded();
    if (before !== undefined) return check(before);
    const [types, value] = this.typed(item);
    const signature = await this.o.signer.signTypedData(this.domain, types, value);
    await this.o.db.query(
      `insert into verifier_signatures (pool, kind, epoch, nonce, signer, digest, signature)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (pool, kind, epoch, nonce) do nothing`,
      [...key, await this.address, item.digest, signature],
    );
    // Whatever is recorded now is what is released (a concurrent request may have recorded first).
    const after = check((await recorded())!);
    this.counters.signed++;
    return after;
  }

  /** A peer asks this verifier to co-sign `proposal`: signed only if this verifier derived exactly the same. */
  async coSign(x: unknown): Promise<{ signer: string; signature: string; digest: string }> {
    const proposal = parseQuorumItem(x);
    const pool = (x as { pool?: unknown }).pool;
    if (typeof pool !== "string" || pool.toLowerCase() !== this.pool.toLowerCase())
      throw new ProposalRefusedError("wrong_pool", `this verifier serves ${this.pool}`);
    const plan = await this.storedPlan(proposal.epoch);
    if (plan === undefined) throw new ProposalRefusedError("not_closed", `epoch ${proposal.epoch} is not closed here`);
    const ours = plan.items.find((i) => i.kind === proposal.kind && i.nonce === proposal.nonce);
    if (ours === undefined) {
      throw new ProposalRefusedError(
        "proposal_mismatch",
        `no ${proposal.kind} with nonce ${proposal.nonce} in what this verifier derived for epoch ${proposal.epoch}`,
      );
    }
    // The proposal's content must give its digest, and the digest must be ours.
    const theirs =
      proposal.kind === "batch"
        ? this.batchDigest(proposal.epoch, proposal.nonce, proposal.proofs)
        : this.commitDigest(proposal.commit);
    if (theirs !== proposal.digest || ours.digest !== proposal.digest) {
      const detail =
        ours.kind === "batch" && proposal.kind === "batch"
          ? batchDifference(ours, proposal)
          : commitDifference((ours as CommitItem).commit, (proposal as CommitItem).commit);
      throw new ProposalRefusedError("proposal_mismatch", detail);
    }
    if (ours.kind === "commit" && !(await this.landed(ours, plan.block))) {
      const [nonce, head] = await Promise.all([
        this.o.pool.commitNonce(),
        this.o.pool.runner!.provider!.getBlock("latest"),
      ]);
      if (BigInt(nonce) !== ours.nonce)
        throw new ProposalRefusedError("stale", `the pool's commit nonce is ${nonce}, the commit's ${ours.nonce}`);
      if (BigInt(head!.timestamp) > ours.commit.deadline)
        throw new ProposalRefusedError("stale", `the commit's deadline ${ours.commit.deadline} has passed`);
    }
    return { signer: await this.address, signature: await this.signOnce(ours), digest: ours.digest };
  }

  private routes(app: FastifyInstance): void {
    app.get("/v1/quorum", async () => ({
      pool: this.pool,
      address: await this.address,
      mode: this.o.mode,
      peers: this.peers,
    }));
    app.post("/v1/quorum/sign", async (req, reply) => {
      try {
        return await this.coSign(req.body);
      } catch (error) {
        if (!(error instanceof ProposalRefusedError)) throw error;
        this.counters.refused.set(error.reason, (this.counters.refused.get(error.reason) ?? 0) + 1);
        return reply.code(PROPOSAL_STATUS[error.reason]).send({ reason: error.reason, detail: error.detail });
      }
    });
    app.get<{ Params: { epoch: string } }>("/v1/epochs/:epoch", async (req, reply) => {
      if (!DECIMAL.test(req.params.epoch)) return reply.code(400).send({ reason: "malformed", detail: "epoch" });
      const plan = await this.storedPlan(BigInt(req.params.epoch));
      if (plan === undefined) return reply.code(404).send({ reason: "not_closed" });
      const status = await this.status(plan.epoch);
      return { ...JSON.parse(planJson(plan)), done: status.done, manifest: plan.manifest };
    });
    app.post<{ Params: { epoch: string } }>("/v1/epochs/:epoch/close", async (req, reply) => {
      if (!DECIMAL.test(req.params.epoch)) return reply.code(400).send({ reason: "malformed", detail: "epoch" });
      const epoch = BigInt(req.params.epoch);
      // Over the network an epoch closes only once its late window has passed (no one cuts late reports short);
      // adjustments are a governance input: only the in-process API (`close`) takes them, never the network.
      const svc = this.o.service;
      const head = await this.o.pool.runner!.provider!.getBlock("latest");
      if (head === null || BigInt(head.timestamp) < svc.epochEnd(epoch) + svc.lateSeconds) {
        return reply.code(409).send({
          reason: "cannot_close",
          detail: `epoch ${epoch} takes reports until ${svc.epochEnd(epoch) + svc.lateSeconds} (chain time)`,
        });
      }
      try {
        return closeJson(await this.close(epoch));
      } catch (error) {
        if (error instanceof InvalidInputError)
          return reply.code(409).send({ reason: "cannot_close", detail: error.shortMessage });
        throw error;
      }
    });
  }

  private settle(epoch: bigint): Promise<CloseResult> {
    let p = this.settling.get(epoch);
    if (p === undefined) {
      p = this.settleNow(epoch).finally(() => this.settling.delete(epoch));
      this.settling.set(epoch, p);
    }
    return p;
  }

  private async settleNow(epoch: bigint): Promise<CloseResult> {
    const plan = (await this.storedPlan(epoch))!;
    const items: ItemOutcome[] = [];
    for (const item of plan.items) {
      if (this.stopped) break;
      items.push(await this.settleItem(item, plan.block));
    }
    const commit = plan.items[0]?.kind === "commit" ? plan.items[0].commit : undefined;
    return {
      epoch,
      mode: plan.mode,
      items,
      rejected: plan.rejected,
      done: items.length === plan.items.length && items.every((i) => i.status === "landed"),
      ...(commit === undefined ? {} : { commit }),
      ...(plan.manifest === undefined ? {} : { manifest: plan.manifest }),
    };
  }

  private async submission(item: QuorumItem): Promise<{ status: string; tx_hash: string | null } | undefined> {
    return (
      await this.o.db.query<{ status: string; tx_hash: string | null }>(
        "select status, tx_hash from verifier_submissions where pool = $1 and kind = $2 and epoch = $3 and nonce = $4",
        [this.pool, item.kind, str(item.epoch), str(item.nonce)],
      )
    )[0];
  }

  private async mark(
    item: QuorumItem,
    status: "pending" | "sending" | "landed",
    tx?: string,
    gas?: bigint,
    byUs = false,
  ) {
    await this.o.db.query(
      `insert into verifier_submissions (pool, kind, epoch, nonce, digest, status, tx_hash, gas_used, by_us)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (pool, kind, epoch, nonce) do update set status = excluded.status,
         tx_hash = coalesce(excluded.tx_hash, verifier_submissions.tx_hash),
         gas_used = coalesce(excluded.gas_used, verifier_submissions.gas_used),
         by_us = verifier_submissions.by_us or excluded.by_us, updated_at = now()`,
      [
        this.pool,
        item.kind,
        str(item.epoch),
        str(item.nonce),
        item.digest,
        status,
        tx ?? null,
        gas?.toString() ?? null,
        byUs,
      ],
    );
  }

  /** The transaction that carried `item`, if it is on-chain (searched from the epoch's last block). */
  private async landedTx(item: QuorumItem, fromBlock: number): Promise<string | undefined> {
    const pool = this.o.pool;
    if (item.kind === "batch") {
      const events = await pool.queryFilter(pool.filters.BatchRecorded(item.epoch, item.nonce), fromBlock);
      return events[0]?.transactionHash;
    }
    const events = await pool.queryFilter(pool.filters.EpochCommitted(item.epoch, item.nonce), fromBlock);
    return events.find((e) => e.args.manifestHash.toLowerCase() === item.commit.manifestHash.toLowerCase())
      ?.transactionHash;
  }

  private async landed(item: QuorumItem, fromBlock: number): Promise<boolean> {
    return (await this.landedTx(item, fromBlock)) !== undefined;
  }

  private async settleItem(item: QuorumItem, fromBlock: number): Promise<ItemOutcome> {
    const base = { kind: item.kind, epoch: item.epoch, nonce: item.nonce, digest: item.digest };
    const done = await this.submission(item);
    if (done?.status === "landed") {
      return { ...base, status: "landed", signers: [], byUs: false, refusals: {}, transactionHash: done.tx_hash! };
    }
    const landedAlready = await this.landedTx(item, fromBlock);
    if (landedAlready !== undefined) {
      await this.mark(item, "landed", landedAlready);
      return { ...base, status: "landed", signers: [], byUs: false, refusals: {}, transactionHash: landedAlready };
    }
    const me = await this.address;
    const own = await this.signOnce(item);
    await this.o.hooks?.afterSign?.(item);
    const { signatures, refusals } = await this.collect(item);
    const signed = [{ signer: me, signature: own }, ...signatures];
    const { quorum } = await (this.settings ??= this.o.pool.settings().then((s) => ({ quorum: Number(s.quorum) })));
    const signers = signed.map((s) => s.signer);
    if (signed.length < quorum) {
      if (done === undefined) await this.mark(item, "pending");
      return { ...base, status: "no_quorum", signers, byUs: false, refusals };
    }
    const combined = combineSignatures(signed);
    const rank = combined.signers.indexOf(me);
    // The lowest signer submits at once; each next one after failoverMs more, if the item has not landed by then.
    const waitUntil = Date.now() + rank * (this.o.failoverMs ?? 30_000);
    while (Date.now() < waitUntil) {
      const tx = await this.landedTx(item, fromBlock);
      if (tx !== undefined) {
        await this.mark(item, "landed", tx);
        this.counters.landedByPeers++;
        return { ...base, status: "landed", signers, quorum: combined, byUs: false, refusals, transactionHash: tx };
      }
      await sleep(Math.min(this.o.pollMs ?? 1_000, Math.max(0, waitUntil - Date.now())));
    }
    await this.o.hooks?.beforeSubmit?.(item);
    // A crash after this line and before "landed" is resumed by asking the chain first (above), never by resending blind.
    await this.mark(item, "sending");
    let tx: string;
    let gas: bigint | undefined;
    let byUs = true;
    try {
      const pool = this.o.pool.connect(this.o.signer);
      if (item.kind === "batch") {
        const r = await submitProofBatch(pool, {
          epoch: item.epoch,
          batchNonce: item.nonce,
          proofs: item.proofs,
          deviceSignatures: item.deviceSignatures,
          quorum: combined,
        });
        tx = r.transactionHash;
        gas = r.gasUsed;
        byUs = !r.alreadyLanded;
      } else {
        const r = await submitEpochCommit(pool, { commit: item.commit, signatures: combined });
        tx = r.transactionHash;
        gas = r.gasUsed;
      }
    } catch (error) {
      // Another verifier's transaction got there first: the pool refuses the second, the item is on-chain.
      const raced =
        error instanceof ContractRevertError &&
        ["RewardPoolBatchNonceUsed", "RewardPoolInvalidCommitNonce"].includes(error.errorName);
      const landedTx = raced ? await this.landedTx(item, fromBlock) : undefined;
      if (landedTx === undefined) throw error;
      tx = landedTx;
      byUs = false;
    }
    await this.mark(item, "landed", tx, byUs ? gas : undefined, byUs);
    if (byUs) this.counters.submitted++;
    else this.counters.landedByPeers++;
    return {
      ...base,
      status: "landed",
      signers,
      quorum: combined,
      byUs,
      refusals,
      transactionHash: tx,
      ...(byUs && gas !== undefined ? { gasUsed: gas } : {}),
    };
  }

  /** Asks every peer to co-sign `item`; keeps the valid signatures of distinct pool verifiers. */
  private async collect(
    item: QuorumItem,
  ): Promise<{ signatures: { signer: string; signature: string }[]; refusals: Record<string, string> }> {
    const refusals: Record<string, string> = {};
    const me = await this.address;
    const [types, value] = this.typed(item);
    const body = JSON.stringify({ pool: this.pool, ...itemJson(item) });
    const got = await Promise.all(
      this.peers.map(async (peer) => {
        const until = Date.now() + (this.o.peerTimeoutMs ?? 60_000);
        for (let attempt = 0; ; attempt++) {
          let answer: { status: number; body: Record<string, unknown> } | undefined;
          try {
            const res = await fetch(new URL("/v1/quorum/sign", peer), {
              method: "POST",
              headers: { "content-type": "application/json" },
              body,
              signal: AbortSignal.timeout(30_000),
            });
            answer = { status: res.status, body: (await res.json()) as Record<string, unknown> };
          } catch (error) {
            refusals[peer] = `unreachable: ${String(error)}`;
          }
          if (answer !== undefined && answer.status === 200) {
            delete refusals[peer];
            const signature = String(answer.body.signature);
            let signer: string;
            try {
              signer = getAddress(verifyTypedData(this.domain, types, value, signature));
            } catch {
              refusals[peer] = "invalid signature";
              return undefined;
            }
            if (signer === me || !(await this.o.pool.isVerifier(signer))) {
              refusals[peer] = `signer ${signer} is not another verifier of the pool`;
              return undefined;
            }
            return { signer, signature };
          }
          if (answer !== undefined) {
            refusals[peer] = `${String(answer.body.reason)}: ${String(answer.body.detail ?? "")}`;
            // Only "not yet" answers are asked again; a refusal stands.
            if (answer.status !== 503 && answer.body.reason !== "not_closed") return undefined;
          }
          if (this.stopped || Date.now() >= until) return undefined;
          await sleep(Math.min(2_000, 100 * 2 ** attempt));
        }
      }),
    );
    const seen = new Set<string>();
    const signatures = got.filter((g): g is { signer: string; signature: string } => {
      if (g === undefined || seen.has(g.signer)) return false;
      seen.add(g.signer);
      return true;
    });
    return { signatures, refusals };
  }
}

/** A close's result in its JSON form (bigints as decimal strings). */
export function closeJson(r: CloseResult): Record<string, unknown> {
  return JSON.parse(JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Record<
    string,
    unknown
  >;
}
