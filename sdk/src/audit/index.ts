/** The audit module: index the chain into PostgreSQL, rebuild and verify the ledger, KPIs and reports. */
export { openAuditDb, listMigrations, type AuditDb, type AuditDbSession, type Row } from "./db.js";
export { EVENT_INTERFACES, decodeLog, type EventRow, type EventArgs, type IndexedContract } from "./events.js";
export {
  indexChain,
  DeepReorgError,
  IndexMismatchError,
  SETTLEMENT_EVENTS,
  type IndexChainParameters,
  type IndexChainReturnType,
  type IndexProgress,
} from "./indexer.js";
export { fetchManifest, loadManifestLibrary, type FetchedManifest, type ManifestLibrary } from "./manifests.js";
export { FINDING_CODES, type Finding, type FindingCode, type Severity } from "./findings.js";
export {
  replayLedger,
  epochRootsAt,
  inForceRoot,
  paramsAt,
  epochOwed,
  payeeOf,
  deviceAt,
  type RebuiltLedger,
  type RebuiltPool,
  type RebuiltAccount,
  type RebuiltDevice,
  type RebuiltCommit,
  type IndexedEvent,
} from "./ledger.js";
export {
  auditIndex,
  type AuditParameters,
  type AuditReport,
  type PoolSummary,
  type AccountSummary,
  type EpochKpi,
  type OverallKpis,
  type CommitSummary,
} from "./audit.js";
export { auditReportJson, auditTables, writeAuditCsv, renderAuditHtml } from "./report.js";
