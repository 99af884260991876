/**
 * What the auditor can find, one code per kind of disagreement. Each finding carries the block, transaction and log
 * where it shows, and the two numbers that disagree (`expected`, what the rules or the other record say, and
 * `actual`, what the chain or the manifest says).
 */

export type Severity = "error" | "warning";

export const FINDING_CODES = {
  // Index and events
  "event-undecoded": "a log of an indexed contract that its ABI does not decode",
  "work-without-batch": "WorkRecorded events not closed by a BatchRecorded of the same pool in the same transaction",
  // Registry
  "device-id-mismatch": "a DeviceRegistered whose key does not hash to the id its mint carried",
  "device-unknown": "an event names a device the registry never registered",
  "device-transfer-invalid": "a transfer from someone who did not own the device, or of a retired device",
  // Ledger mode
  "batch-totals-mismatch":
    "a BatchRecorded whose proof count, units or reward do not add up from its WorkRecorded events",
  "batch-rate-not-in-force": "a batch credited at another rate than the epoch's",
  "batch-nonce-reused": "a proof batch nonce used twice",
  "batch-epoch-not-settleable": "a batch for an epoch still open, outside the settlement window, or covered by a root",
  "proof-invalid": "a proof for a device unknown, in another network, not active, or with units outside 1..cap",
  "proof-payee-mismatch": "a proof credited to someone other than the device's payee of record at that moment",
  "proof-credited-twice": "a device credited twice for one epoch (twice in ledger mode, or in both modes)",
  "clawback-nonce-reused": "a clawback nonce used twice",
  "clawback-too-large": "a clawback of more than the account's unclaimed credit",
  // Quorum
  "quorum-not-met": "fewer signers than the quorum in force",
  "signers-not-sorted": "quorum signers not strictly ascending",
  "signer-not-verifier": "a quorum signer that was not a verifier at that block",
  // Epoch mode
  "commit-nonce-mismatch": "an epoch commit whose nonce is not the pool's next commit nonce",
  "commit-epoch-invalid": "an epoch commit for an open epoch, outside the window, or not after the root in force",
  "commit-rate-not-in-force": "an epoch commit at another rate than the epoch's",
  "total-owed-decreased": "an epoch commit whose total owed is below the root in force's",
  "vetoed-commit-resubmitted": "a vetoed root (same root and manifest) committed again",
  "veto-invalid": "a veto by someone other than the guardian, or of no pending root",
  "manifest-unavailable": "the manifest a commit names can be read neither at its URI nor from a local copy",
  "manifest-uri-unreachable": "the manifest's URI cannot be read; a local copy with the committed hash stood in",
  "manifest-hash-mismatch": "the manifest at the URI is not the one committed (its keccak256 differs)",
  "manifest-invalid": "the manifest does not re-derive (readManifest: root, accounts, totals, caps, budget, chain)",
  "manifest-previous-missing": "the manifest builds on a previous manifest that no commit of the pool published",
  "manifest-wrong-pool": "the manifest is for another pool or chain",
  "manifest-wrong-epoch": "the manifest is for another epoch than the commit",
  "manifest-commit-mismatch": "the manifest's root, totals or formula version differ from the commit's",
  "manifest-rate-mismatch": "the manifest's rate is not the pool's rate for the epoch",
  "manifest-params-mismatch": "the manifest's cap, budget or network are not the pool's for the epoch",
  "manifest-ledger-mismatch": "the manifest's ledger credit is not the pool's when it was committed",
  "manifest-registry-block": "the manifest's registry block is not the epoch's last block",
  "manifest-device-invalid":
    "a manifest record for a device not registered, active, in the network, or paid to another payee",
  // Budgets and solvency
  "epoch-over-budget": "more credited for an epoch (or growth of a root) than the budget allows",
  insolvent: "more owed (ledger credit plus what epoch mode may owe) than the pool was funded",
  "paid-exceeds-funded": "more paid out than funded",
  "pool-balance-short": "the pool's token balance is below funded minus paid, or below what it owes",
  "pool-balance-surplus": "the pool holds more than funded minus paid (tokens sent to it directly)",
  // Claims
  "claim-ledger-mismatch": "a claim's ledger part is not the account's whole token units of unpaid credit",
  "claim-epoch-mismatch":
    "a claim's epoch part is not the leaf of the root in force less what epoch mode paid the account",
  "claim-unverifiable": "a claim's epoch part could not be checked: no manifest of the root in force",
  "epoch-payout-over-root": "epoch mode paid more in total than the root in force's total owed",
  "claim-below-minimum": "a claim of nothing, or below the pool's minimum claim",
  "relayer-fee-over-cap": "a relayer fee above the pool's cap or above the claim",
  "paused-pool-moved-funds": "funds moved, work recorded or a root committed while the pool was paused",
} as const;

export type FindingCode = keyof typeof FINDING_CODES;

/** Codes that do not fail the verdict: the ledger is right, something around it needs a look. */
const WARNINGS: ReadonlySet<FindingCode> = new Set<FindingCode>([
  "manifest-uri-unreachable",
  "pool-balance-surplus",
  "claim-unverifiable",
]);

export interface Finding {
  code: FindingCode;
  severity: Severity;
  message: string;
  pool?: string;
  account?: string;
  deviceId?: string;
  epoch?: number;
  block?: number;
  tx?: string;
  logIndex?: number;
  /** What the rules, the manifest or the other record say. */
  expected?: string;
  /** What the chain (or the published file) says. */
  actual?: string;
}

/** Where an event sits on the chain. */
export interface Position {
  block: number;
  tx: string;
  logIndex: number;
}

export function finding(
  code: FindingCode,
  message: string,
  at?: Position,
  extra: Omit<Finding, "code" | "severity" | "message" | "block" | "tx" | "logIndex"> = {},
): Finding {
  const out: Finding = { code, severity: WARNINGS.has(code) ? "warning" : "error", message, ...extra };
  if (at !== undefined) {
    out.block = at.block;
    out.tx = at.tx;
    out.logIndex = at.logIndex;
  }
  return out;
}
