/**
 * Device signature checks spread over worker threads: a verifier checks every report of an epoch (a million devices
 * means a million secp256k1 recoveries or P-256 verifications), which is CPU-bound and independent per report.
 * Falls back to the calling thread when workers cannot start (e.g. a runtime without the TypeScript loader).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

import type { TypedDataDomain } from "ethers";

import { checkWorkReportSignatureFast, type SignedWorkReport, type WorkReportSignatureProblem } from "../core/work.js";

/** Reports per message to a worker: large enough to amortize the copy, small enough to balance the load. */
const CHUNK = 2_000;

/**
 * Each report's signature problem (or undefined when it verifies), as `checkWorkReportSignature` would answer
 * (`checkWorkReportSignatureFast` on each thread), using up to `threads` worker threads (default: the machine's
 * parallelism).
 * @example const verdicts = await checkWorkReportSignaturesParallel(domain, reports);
 */
export async function checkWorkReportSignaturesParallel(
  domain: TypedDataDomain,
  reports: readonly SignedWorkReport[],
  options: { threads?: number } = {},
): Promise<(WorkReportSignatureProblem | undefined)[]> {
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), Math.ceil(reports.length / CHUNK)));
  const inline = () => reports.map((r) => checkWorkReportSignatureFast(domain, r.report, r.signature));
  if (threads < 2) return inline();
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < threads; i++) {
      workers.push(
        new Worker(new URL("./signature-worker.ts", import.meta.url), {
          // The worker is TypeScript like the rest of the SDK: load it through tsx, as the `depin` command does.
          execArgv: ["--import", "tsx"],
        }),
      );
    }
    const verdicts: (WorkReportSignatureProblem | undefined)[] = new Array(reports.length);
    let next = 0;
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= reports.length) return resolve();
              const start = next;
              next += CHUNK;
              worker.postMessage({ id: start, domain, reports: reports.slice(start, start + CHUNK) });
            };
            worker.on("message", (m: { id: number; verdicts: (WorkReportSignatureProblem | null)[] }) => {
              m.verdicts.forEach((v, i) => (verdicts[m.id + i] = v ?? undefined));
              send();
            });
            worker.once("error", reject);
            send();
          }),
      ),
    );
    return verdicts;
  } catch {
    return inline(); // same verdicts, one thread
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
