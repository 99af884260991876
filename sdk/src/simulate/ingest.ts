/**
 * `npm run simulate -- --ingest`: the epoch driven through the verifier services over HTTP. Three verifiers each run
 * their own ingest service (127.0.0.1, an ephemeral port, their own PGlite in a temporary directory) with their own
 * key and the two others as peers; devices post their signed reports to all three (batched posts, a few at a time);
 * at the epoch's end each verifier closes the epoch, the three co-sign what they each derived, and one submits.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { Provider, Signer } from "ethers";

import { openAuditDb, type AuditDb } from "../audit/db.js";
import type { IRewardPool } from "../contracts/index.js";
import type { Adjustment } from "../core/epoch.js";
import type { SignedReportRejection, SignedWorkReport } from "../core/work.js";
import { VerifierQuorum, type CloseResult, type VerifierMode } from "../ingest/quorum.js";
import { IngestService, signedReportJson, type IngestRejection } from "../ingest/service.js";

/** Reports per POST, and POSTs in flight at once per service. */
const POST_BATCH = 500;
const POST_CONCURRENCY = 4;

/** The service's reason for a refused report, in the words of the verifiers' screening. */
const REASON: Partial<Record<IngestRejection, SignedReportRejection>> = {
  bad_signature: "bad device signature",
  epoch_not_open: "wrong epoch",
  unknown_device: "unknown device",
  wrong_network: "wrong network",
  device_not_active: "device not active",
  zero_units: "zero units",
  over_cap: "over the per-device cap",
  duplicate: "duplicate",
};

interface Verifier {
  dir: string;
  db: AuditDb;
  service: IngestService;
  quorum: VerifierQuorum;
  url: string;
}

export interface IngestFigures {
  services: number;
  /** Reports posted to each service, and HTTP requests made in all. */
  reportsPosted: number;
  requests: number;
  /** Wall-clock seconds spent posting, and reports checked per second over the three services. */
  postSeconds: number;
  reportsPerSecond: number;
  accepted: number;
  refused: Record<string, number>;
  /** Closing (derive, co-sign, submit) in seconds, summed over epochs and pools. */
  closeSeconds: number;
  itemsLanded: number;
  signaturesReleased: number;
  /** Peers' proposals the services refused to co-sign, by reason ("not_closed": asked again once it closed). */
  proposalsRefused: Record<string, number>;
  /** Items each verifier's transactions carried. */
  submittedBy: Record<string, number>;
}

export class SimulatedVerifiers {
  private readonly figures = {
    reportsPosted: 0,
    requests: 0,
    postMs: 0,
    accepted: 0,
    refused: new Map<string, number>(),
    closeMs: 0,
    itemsLanded: 0,
    submittedBy: new Map<string, number>(),
  };

  /** The chain's time as the services see it: read once per `post` and `close` (see `clock`). */
  private chainTime: Promise<bigint> | undefined;

  private constructor(
    private readonly byMode: Map<VerifierMode, Verifier[]>,
    private readonly provider: Provider,
  ) {}

  /**
   * The services' clock. A service on its own reads the latest block at most once a second, which suits a chain
   * whose time follows the wall clock; the simulation moves time in jumps (a day between epochs) and posts right
   * after, so its services read the chain's time afresh for each `post` and `close` instead.
   */
  private clock(): Promise<bigint> {
    this.chainTime ??= this.provider.getBlock("latest").then((b) => BigInt(b!.timestamp));
    return this.chainTime;
  }

  /** Starts three services per pool, each signing with one of `signers` (a verifier of every pool). */
  static async start(p: {
    pools: { mode: VerifierMode; pool: IRewardPool; manifestUri: (epoch: bigint) => string }[];
    signers: readonly Signer[];
  }): Promise<SimulatedVerifiers> {
    const byMode = new Map<VerifierMode, Verifier[]>();
    const all = new SimulatedVerifiers(byMode, p.pools[0]!.pool.runner!.provider!);
    try {
      for (const { mode, pool, manifestUri } of p.pools) {
        const vs: Verifier[] = [];
        byMode.set(mode, vs);
        for (const [i, signer] of p.signers.entries()) {
          const dir = await mkdtemp(join(tmpdir(), `depin-sim-${mode}-${i}-`));
          const db = await openAuditDb(dir);
          const service = await IngestService.create({
            db,
            pool,
            // Reports are taken while their epoch is open, no later: each verifier closes it as it ends.
            lateSeconds: 0n,
            clock: () => all.clock(),
            rateLimit: { reports: 100, windowMs: 60_000 },
            maxReportsPerRequest: POST_BATCH,
            maxBodyBytes: 4 << 20,
          });
          const quorum = new VerifierQuorum({
            service,
            db,
            pool,
            signer,
            peers: [],
            mode,
            batchSize: 500,
            manifestUri,
            failoverMs: 2_000,
            pollMs: 100,
            peerTimeoutMs: 120_000,
          });
          vs.push({ dir, db, service, quorum, url: "" });
          await quorum.start();
          vs[i]!.url = await service.listen(0, "127.0.0.1");
        }
        // Each one's peers: the two others (known once all listen).
        for (const [i, v] of vs.entries()) {
          v.quorum.setPeers(vs.filter((_, j) => j !== i).map((x) => x.url));
        }
      }
    } catch (error) {
      await all.stop();
      throw error;
    }
    return all;
  }

  /**
   * Posts `reports` to every service of `mode`'s pool. A device's first report goes before its repeats, so that the
   * first one is the one kept. Returns each report's verdict (undefined: stored) as the first service gave it, and
   * the reports on which the services disagreed.
   */
  async post(
    mode: VerifierMode,
    reports: readonly SignedWorkReport[],
  ): Promise<{ verdicts: (SignedReportRejection | string | undefined)[]; disagreements: number[] }> {
    this.chainTime = undefined;
    const vs = this.byMode.get(mode)!;
    const seen = new Set<bigint>();
    const firsts: number[] = [];
    const repeats: number[] = [];
    reports.forEach((r, i) => {
      (seen.has(r.report.deviceId) ? repeats : firsts).push(i);
      seen.add(r.report.deviceId);
    });
    const verdicts = vs.map(() => new Array<string | undefined>(reports.length));
    const started = performance.now();
    for (const phase of [firsts, repeats]) {
      const chunks: number[][] = [];
      for (let s = 0; s < phase.length; s += POST_BATCH) chunks.push(phase.slice(s, s + POST_BATCH));
      await Promise.all(
        vs.map(async (v, k) => {
          let next = 0;
          const worker = async () => {
            while (next < chunks.length) {
              const chunk = chunks[next++]!;
              const res = await fetch(`${v.url}/v1/reports`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(chunk.map((i) => signedReportJson(reports[i]!))),
              });
              this.figures.requests++;
              const body = (await res.json()) as { results?: { status: string; reason?: IngestRejection }[] };
              if (res.status !== 200 || body.results === undefined) {
                throw new Error(`the verifier service at ${v.url} answered ${res.status}: ${JSON.stringify(body)}`);
              }
              body.results.forEach((r, j) => {
                const i = chunk[j]!;
                verdicts[k]![i] =
                  r.status === "accepted"
                    ? undefined
                    : r.status === "duplicate"
                      ? "duplicate"
                      : (REASON[r.reason!] ?? r.reason);
                if (k === 0) {
                  if (r.status === "accepted") this.figures.accepted++;
                  else {
                    const reason = r.reason ?? r.status;
                    this.figures.refused.set(reason, (this.figures.refused.get(reason) ?? 0) + 1);
                  }
                }
              });
            }
          };
          await Promise.all(Array.from({ length: POST_CONCURRENCY }, worker));
        }),
      );
    }
    this.figures.postMs += performance.now() - started;
    this.figures.reportsPosted += reports.length;
    const disagreements = reports.map((_, i) => i).filter((i) => verdicts.some((v) => v[i] !== verdicts[0]![i]));
    return { verdicts: verdicts[0]!, disagreements };
  }

  /** Every service of `mode`'s pool closes `epoch` at once: they co-sign and submit. */
  async close(mode: VerifierMode, epoch: bigint, adjustments: readonly Adjustment[] = []): Promise<CloseResult[]> {
    const started = performance.now();
    this.chainTime = undefined;
    const results = await Promise.all(this.byMode.get(mode)!.map((v) => v.quorum.close(epoch, { adjustments })));
    this.figures.closeMs += performance.now() - started;
    for (const [k, r] of results.entries()) {
      for (const item of r.items) {
        if (k === 0 && item.status === "landed") this.figures.itemsLanded++;
        if (item.byUs) {
          const who = await this.byMode.get(mode)![k]!.quorum.address;
          this.figures.submittedBy.set(who, (this.figures.submittedBy.get(who) ?? 0) + 1);
        }
      }
    }
    return results;
  }

  summary(): IngestFigures {
    const all = [...this.byMode.values()].flat();
    const seconds = this.figures.postMs / 1000;
    const services = this.byMode.size === 0 ? 0 : all.length / this.byMode.size;
    return {
      services,
      reportsPosted: this.figures.reportsPosted,
      requests: this.figures.requests,
      postSeconds: Math.round(seconds * 1000) / 1000,
      reportsPerSecond: seconds === 0 ? 0 : Math.round((this.figures.reportsPosted * services) / seconds),
      accepted: this.figures.accepted,
      refused: Object.fromEntries([...this.figures.refused].sort()),
      closeSeconds: Math.round(this.figures.closeMs) / 1000,
      itemsLanded: this.figures.itemsLanded,
      signaturesReleased: all.reduce((n, v) => n + v.quorum.counters.signed, 0),
      proposalsRefused: all.reduce<Record<string, number>>((acc, v) => {
        for (const [k, c] of v.quorum.counters.refused) acc[k] = (acc[k] ?? 0) + c;
        return acc;
      }, {}),
      submittedBy: Object.fromEntries(this.figures.submittedBy),
    };
  }

  async stop(): Promise<void> {
    for (const v of [...this.byMode.values()].flat()) {
      v.quorum.stop();
      await v.service.close().catch(() => undefined);
      await v.db.close().catch(() => undefined);
      await rm(v.dir, { recursive: true, force: true });
    }
    this.byMode.clear();
  }
}
