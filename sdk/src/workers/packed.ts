/**
 * Signed work reports as the ingest service's signature workers receive them: seven strings per report, one flat
 * array (cheaper to copy between threads than objects holding bigints), and verdicts as one byte per report.
 */
import type { KeyType } from "../core/registry.js";
import type { SignedWorkReport, WorkReportSignatureProblem } from "../core/work.js";

/** Verdict codes: the index in this list (0: the signature verifies). */
export const VERDICTS: readonly (WorkReportSignatureProblem | undefined)[] = [
  undefined,
  "key is not the device's",
  "malformed signature",
  "high-s signature",
  "wrong signer",
  "invalid key",
];

/** A worker's answer: a code per report, in order, and the reports whose check threw (index, message). */
export interface PackedReply {
  codes: Uint8Array;
  errors: [number, string][];
}

const FIELDS = 7;

export function packReports(reports: readonly SignedWorkReport[]): string[] {
  const out = new Array<string>(reports.length * FIELDS);
  reports.forEach(({ report, signature }, i) => {
    const o = i * FIELDS;
    out[o] = report.deviceId.toString(16);
    out[o + 1] = report.epoch.toString(16);
    out[o + 2] = report.units.toString(16);
    out[o + 3] = report.evidenceHash;
    out[o + 4] = String(signature.keyType);
    out[o + 5] = signature.key;
    out[o + 6] = signature.signature;
  });
  return out;
}

export function unpackReports(packed: readonly string[]): SignedWorkReport[] {
  const out: SignedWorkReport[] = [];
  for (let o = 0; o + FIELDS <= packed.length; o += FIELDS) {
    out.push({
      report: {
        deviceId: BigInt("0x" + packed[o]!),
        epoch: BigInt("0x" + packed[o + 1]!),
        units: BigInt("0x" + packed[o + 2]!),
        evidenceHash: packed[o + 3]!,
      },
      signature: { keyType: Number(packed[o + 4]) as KeyType, key: packed[o + 5]!, signature: packed[o + 6]! },
    });
  }
  return out;
}

/** The reply for `verdicts` (a thrown check as an error), its buffer ready to transfer. */
export function packVerdicts(verdicts: readonly (WorkReportSignatureProblem | undefined | Error)[]): PackedReply {
  const codes = new Uint8Array(verdicts.length);
  const errors: [number, string][] = [];
  verdicts.forEach((v, i) => {
    if (v instanceof Error) errors.push([i, v.message]);
    else codes[i] = VERDICTS.indexOf(v);
  });
  return { codes, errors };
}
