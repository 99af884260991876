/**
 * A worker thread of `checkWorkReportSignaturesParallel`: checks the device signatures of the reports it is sent
 * (`checkWorkReportSignatureFast`, pure; the verdicts of `checkWorkReportSignature`) and answers with one verdict per report, in order.
 */
import { parentPort } from "node:worker_threads";

import type { TypedDataDomain } from "ethers";

import { checkWorkReportSignatureFast, type SignedWorkReport } from "../core/work.js";

parentPort?.on("message", (job: { id: number; domain: TypedDataDomain; reports: SignedWorkReport[] }) => {
  const verdicts = job.reports.map((r) => checkWorkReportSignatureFast(job.domain, r.report, r.signature) ?? null);
  parentPort?.postMessage({ id: job.id, verdicts });
});
