/**
 * The ingest service's store: accepted signed work reports in the audit database (`work_reports`, migration 0004),
 * one per (pool, epoch, device). Writes are grouped (group commit): every insert waiting when the database is free
 * goes in one statement (the rows as nine column arrays, `unnest`ed: one parse, one commit), which is what makes
 * persistence cheap per report. A `put` resolves only after the statement holding its row has committed, so the
 * service acknowledges a report only once it is stored; a failed statement rejects every `put` in it.
 */
import { getAddress } from "ethers";

import type { AuditDb } from "../audit/db.js";
import type { SignedWorkReport } from "../core/work.js";
import type { KeyType } from "../core/registry.js";
import { checksumAddress } from "../core/merkle.js";

/** An accepted report as stored. */
export interface StoredWorkReport extends SignedWorkReport {
  pool: string;
  payee: string;
}

/** What storing a report did: a new record, the same report again, or a different report for that device and epoch. */
export type StoreOutcome =
  { kind: "stored" } | { kind: "duplicate" } | { kind: "conflict"; existing: StoredWorkReport };

interface Pending {
  row: StoredWorkReport;
  resolve: (o: StoreOutcome) => void;
  reject: (e: unknown) => void;
}

/** Rows per insert statement: a burst larger than this commits as several statements, one after another. */
const MAX_ROWS = 5_000;

const keyOf = (pool: string, epoch: bigint, deviceId: bigint) => `${pool.toLowerCase()}:${epoch}:${deviceId}`;

/** The same report: a device re-sending what it sent (a P-256 signature differs each time it signs; the report not). */
function sameReport(a: SignedWorkReport, b: SignedWorkReport): boolean {
  return (
    a.report.units === b.report.units && a.report.evidenceHash.toLowerCase() === b.report.evidenceHash.toLowerCase()
  );
}

function rowOf(r: Record<string, unknown>): StoredWorkReport {
  return {
    pool: getAddress(String(r.pool)),
    payee: getAddress(String(r.payee)),
    report: {
      deviceId: BigInt(String(r.device_id)),
      epoch: BigInt(String(r.epoch)),
      units: BigInt(String(r.units)),
      evidenceHash: String(r.evidence_hash),
    },
    signature: { keyType: Number(r.key_type) as KeyType, key: String(r.key), signature: String(r.signature) },
  };
}

const COLUMNS =
  "pool, epoch::text as epoch, device_id::text as device_id, units::text as units, evidence_hash, key_type, key, signature, payee";

export class WorkReportStore {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;

  constructor(readonly db: AuditDb) {}

  /** Stores `row` unless its (pool, epoch, device) already has a record; resolves once it is committed. */
  put(row: StoredWorkReport): Promise<StoreOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  /** Resolves when every `put` made so far is committed. */
  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    try {
      // Let the requests already parsed in this turn of the event loop join the first group.
      await new Promise((r) => setImmediate(r));
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, MAX_ROWS);
        try {
          await this.flush(group);
        } catch (error) {
          for (const p of group) p.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async flush(group: Pending[]): Promise<void> {
    // Within a group, the first report per key goes to the database; the others compare with it.
    const first = new Map<string, Pending>();
    const followers: Pending[] = [];
    for (const p of group) {
      const k = keyOf(p.row.pool, p.row.report.epoch, p.row.report.deviceId);
      if (first.has(k)) followers.push(p);
      else first.set(k, p);
    }
    const leaders = [...first.values()];
    const columns: string[][] = Array.from({ length: 9 }, () => new Array<string>(leaders.length));
    leaders.forEach((p, i) => {
      const r = p.row;
      columns[0]![i] = checksumAddress(r.pool);
      columns[1]![i] = r.report.epoch.toString();
      columns[2]![i] = r.report.deviceId.toString();
      columns[3]![i] = r.report.units.toString();
      columns[4]![i] = r.report.evidenceHash.toLowerCase();
      columns[5]![i] = String(Number(r.signature.keyType));
      columns[6]![i] = r.signature.key.toLowerCase();
      columns[7]![i] = r.signature.signature.toLowerCase();
      columns[8]![i] = checksumAddress(r.payee);
    });
    const inserted = await this.db.query<{ epoch: string; device_id: string; pool: string }>(
      `insert into work_reports (pool, epoch, device_id, units, evidence_hash, key_type, key, signature, payee)
       select * from unnest($1::text[], $2::bigint[], $3::numeric[], $4::numeric[], $5::text[], $6::smallint[],
                            $7::text[], $8::text[], $9::text[])
       on conflict (pool, epoch, device_id) do nothing
       returning pool, epoch::text as epoch, device_id::text as device_id`,
      columns,
    );
    const fresh = new Set(inserted.map((r) => keyOf(r.pool, BigInt(r.epoch), BigInt(r.device_id))));
    const existing = new Map<string, StoredWorkReport>();
    const missing = leaders.filter((p) => !fresh.has(keyOf(p.row.pool, p.row.report.epoch, p.row.report.deviceId)));
    if (missing.length > 0) {
      const rows = await this.db.query(
        `select ${COLUMNS} from work_reports w
         join unnest($1::text[], $2::bigint[], $3::numeric[]) as k (pool, epoch, device_id)
           using (pool, epoch, device_id)`,
        [
          missing.map((p) => checksumAddress(p.row.pool)),
          missing.map((p) => p.row.report.epoch.toString()),
          missing.map((p) => p.row.report.deviceId.toString()),
        ],
      );
      for (const r of rows.map(rowOf)) existing.set(keyOf(r.pool, r.report.epoch, r.report.deviceId), r);
    }
    for (const [k, p] of first) {
      if (fresh.has(k)) {
        existing.set(k, p.row);
        p.resolve({ kind: "stored" });
      } else settle(p, existing.get(k));
    }
    for (const p of followers) settle(p, existing.get(keyOf(p.row.pool, p.row.report.epoch, p.row.report.deviceId)));
  }

  /** Every stored report of `pool` for `epoch`, by device id. */
  async list(pool: string, epoch: bigint): Promise<StoredWorkReport[]> {
    const rows = await this.db.query(
      // By the numeric id (a bare `device_id` would name the text column of the select list).
      `select ${COLUMNS} from work_reports where pool = $1 and epoch = $2 order by work_reports.device_id`,
      [getAddress(pool), epoch.toString()],
    );
    return rows.map(rowOf);
  }

  /** How many reports are stored for `pool` (and `epoch` when given). */
  async count(pool: string, epoch?: bigint): Promise<number> {
    const rows = await this.db.query<{ n: string }>(
      epoch === undefined
        ? "select count(*)::text as n from work_reports where pool = $1"
        : "select count(*)::text as n from work_reports where pool = $1 and epoch = $2",
      epoch === undefined ? [getAddress(pool)] : [getAddress(pool), epoch.toString()],
    );
    return Number(rows[0]?.n ?? 0);
  }
}

function settle(p: Pending, existing: StoredWorkReport | undefined): void {
  if (existing === undefined)
    p.reject(new Error("a report neither stored nor found: the database changed under the store"));
  else if (sameReport(existing, p.row)) p.resolve({ kind: "duplicate" });
  else p.resolve({ kind: "conflict", existing });
}
