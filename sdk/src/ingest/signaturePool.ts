/**
 * Device signature checks for the ingest service on a few long-lived worker threads (`checkWorkReportSignatureFast`:
 * the verdicts of `checkWorkReportSignature`). The checks asked for in one turn of the event loop are sent together,
 * split evenly over the idle workers (up to CHUNK per message), each worker holding one message at a time, so the
 * service's own thread parses, reads and stores while the workers verify. Reports travel packed (seven strings
 * each) and verdicts come back as one byte each, which keeps the service thread's share of a check small. A worker
 * that dies is replaced; the checks it held fail (the service answers those reports `unavailable`).
 */
import { Worker } from "node:worker_threads";

import type { TypedDataDomain } from "ethers";

import type { SignedWorkReport, WorkReportSignatureProblem } from "../core/work.js";
import { packReports, VERDICTS, type PackedReply } from "../workers/packed.js";

const CHUNK = 256;

type Verdict = WorkReportSignatureProblem | undefined;

interface Job {
  report: SignedWorkReport;
  resolve: (v: Verdict) => void;
  reject: (e: unknown) => void;
}

export class SignaturePool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private queue: Job[] = [];
  private readonly inFlight = new Map<Worker, Job[]>();
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly domain: TypedDataDomain,
    threads: number,
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer`);
    for (let i = 0; i < threads; i++) this.spawn();
  }

  private spawn(): void {
    // TypeScript like the rest of the SDK: loaded through tsx, as the `depin` command does.
    const w = new Worker(new URL("../workers/signature-worker.ts", import.meta.url), {
      execArgv: ["--import", "tsx"],
    });
    w.unref();
    w.on("message", (m: PackedReply) => {
      const jobs = this.inFlight.get(w) ?? [];
      this.inFlight.delete(w);
      const failed = new Map(m.errors);
      jobs.forEach((j, i) => {
        const error = failed.get(i);
        if (error !== undefined) j.reject(new Error(error));
        else j.resolve(VERDICTS[m.codes[i]!]);
      });
      this.idle.push(w);
      this.schedule();
    });
    const lost = (e: unknown) => {
      if (!this.all.delete(w)) return;
      for (const j of this.inFlight.get(w) ?? []) j.reject(e);
      this.inFlight.delete(w);
      const at = this.idle.indexOf(w);
      if (at !== -1) this.idle.splice(at, 1);
      if (!this.closed) {
        this.spawn();
        this.schedule();
      }
    };
    w.on("error", lost);
    w.on("exit", (code) => lost(new Error(`a signature worker exited (${code})`)));
    this.all.add(w);
    this.idle.push(w);
  }

  check(report: SignedWorkReport): Promise<Verdict> {
    if (this.closed) return Promise.reject(new Error("the signature pool is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ report, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.idle.length > 0) {
      const share = Math.min(CHUNK, Math.ceil(this.queue.length / this.idle.length));
      const w = this.idle.pop()!;
      const jobs = this.queue.splice(0, share);
      this.inFlight.set(w, jobs);
      w.postMessage({ domain: this.domain, packed: packReports(jobs.map((j) => j.report)) });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.all];
    this.all.clear();
    const error = new Error("the signature pool is closed");
    for (const j of this.queue) j.reject(error);
    this.queue = [];
    for (const jobs of this.inFlight.values()) for (const j of jobs) j.reject(error);
    this.inFlight.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
