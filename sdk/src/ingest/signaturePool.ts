/**
 * Device signature checks for the ingest service on a few long-lived worker threads: reports waiting at the same
 * time are sent together (up to CHUNK per message), each worker holding one message at a time, so the service's own
 * thread parses, reads and stores while the workers recover keys. Same verdicts as `checkWorkReportSignature`.
 */
import { Worker } from "node:worker_threads";

import type { TypedDataDomain } from "ethers";

import type { SignedWorkReport, WorkReportSignatureProblem } from "../core/work.js";

const CHUNK = 256;

type Verdict = WorkReportSignatureProblem | undefined;

interface Job {
  report: SignedWorkReport;
  resolve: (v: Verdict) => void;
  reject: (e: unknown) => void;
}

export class SignaturePool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly inFlight = new Map<Worker, Job[]>();

  constructor(
    private readonly domain: TypedDataDomain,
    threads: number,
  ) {
    for (let i = 0; i < threads; i++) {
      // TypeScript like the rest of the SDK: loaded through tsx, as the `depin` command does.
      const w = new Worker(new URL("../workers/signature-worker.ts", import.meta.url), {
        execArgv: ["--import", "tsx"],
      });
      w.unref();
      w.on("message", (m: { verdicts: (WorkReportSignatureProblem | null)[] }) => {
        const jobs = this.inFlight.get(w) ?? [];
        this.inFlight.delete(w);
        jobs.forEach((j, i) => j.resolve(m.verdicts[i] ?? undefined));
        this.idle.push(w);
        this.pump();
      });
      w.on("error", (e) => {
        for (const j of this.inFlight.get(w) ?? []) j.reject(e);
        this.inFlight.delete(w);
      });
      this.all.push(w);
      this.idle.push(w);
    }
  }

  check(report: SignedWorkReport): Promise<Verdict> {
    return new Promise((resolve, reject) => {
      this.queue.push({ report, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.idle.length > 0) {
      const w = this.idle.pop()!;
      const jobs = this.queue.splice(0, CHUNK);
      this.inFlight.set(w, jobs);
      w.postMessage({ id: 0, domain: this.domain, reports: jobs.map((j) => j.report) });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
