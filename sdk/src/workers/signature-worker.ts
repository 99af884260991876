/**
 * A signature worker thread (`checkWorkReportSignaturesParallel`, the ingest service's `SignaturePool`): checks the
 * device signatures of the reports it is sent (`checkWorkReportSignatureFast`, pure; the verdicts of
 * `checkWorkReportSignature`) and answers with one verdict per report, in order. Two message forms: `reports`
 * (objects; verdicts as strings or null) and `packed` (see packed.ts; verdicts as codes, a thrown check as an error
 * for its report alone).
 */
import { parentPort } from "node:worker_threads";

import type { TypedDataDomain } from "ethers";

import { checkWorkReportSignatureFast, type SignedWorkReport } from "../core/work.js";
import { packVerdicts, unpackReports } from "./packed.js";

type Job =
  { id: number; domain: TypedDataDomain; reports: SignedWorkReport[] } | { domain: TypedDataDomain; packed: string[] };

parentPort?.on("message", (job: Job) => {
  if ("packed" in job) {
    const verdicts = unpackReports(job.packed).map((r) => {
      try {
        return checkWorkReportSignatureFast(job.domain, r.report, r.signature);
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    });
    const reply = packVerdicts(verdicts);
    parentPort?.postMessage(reply, [reply.codes.buffer as ArrayBuffer]);
    return;
  }
  const verdicts = job.reports.map((r) => checkWorkReportSignatureFast(job.domain, r.report, r.signature) ?? null);
  parentPort?.postMessage({ id: job.id, verdicts });
});
