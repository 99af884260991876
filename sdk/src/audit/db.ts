/**
 * The audit index's database: PostgreSQL, either embedded (PGlite, Postgres compiled to WASM, in a directory: no
 * server to start) or a PostgreSQL server (`postgres://…`), behind one small interface. The schema is the SQL files in
 * `./migrations`, applied in order and recorded in `schema_migrations`, so any Postgres tool can query the index.
 */
import { mkdir, readFile, readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { InvalidInputError } from "../errors/base.js";

/** A row as the driver returns it: numeric and bigint columns as strings (cast in SQL), jsonb parsed. */
export type Row = Record<string, unknown>;

/** What the indexer and the auditor need from a database: queries, multi-statement scripts, transactions. */
export interface AuditDbSession {
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements (no parameters). */
  exec(sql: string): Promise<void>;
}

export interface AuditDb extends AuditDbSession {
  readonly kind: "pglite" | "postgres";
  /** Where it lives: the PGlite directory, or the server URL without its password. */
  readonly location: string;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: AuditDbSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));

/**
 * Opens the index database and brings its schema up to date: `postgres://…` or `postgresql://…` is a server (the
 * database must exist; the user needs the right to create tables), anything else a PGlite directory (created if
 * missing); `memory://` is a throwaway in-memory PGlite.
 * @example const db = await openAuditDb("./depin-index"); // or "postgres://auditor@127.0.0.1/depin"
 */
export async function openAuditDb(target: string): Promise<AuditDb> {
  const db = /^postgres(ql)?:\/\//.test(target) ? await openServer(target) : await openPglite(target);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** The migrations in the repository, in the order they apply. */
export async function listMigrations(): Promise<{ version: string; sql: string }[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith(".sql")).sort();
  return Promise.all(
    files.map(async (f) => ({ version: f.replace(/\.sql$/, ""), sql: await readFile(MIGRATIONS_DIR + f, "utf8") })),
  );
}

/** Applies every migration not yet recorded, each in its own transaction, under an advisory lock (one migrator). */
async function migrate(db: AuditDb): Promise<void> {
  await db.exec(
    "create table if not exists schema_migrations (version text primary key, applied_at timestamptz not null default now())",
  );
  await db.transaction(async (tx) => {
    // Transaction-scoped: two auditors opening one server database at once do not both migrate it.
    await tx.query("select pg_advisory_xact_lock(7201)");
    const done = new Set(
      (await tx.query<{ version: string }>("select version from schema_migrations")).map((r) => r.version),
    );
    for (const m of await listMigrations()) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query("insert into schema_migrations (version) values ($1)", [m.version]);
    }
  });
}

/** Runs queries one at a time: a transaction holds the connection until it ends, nothing interleaves with it. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

async function openPglite(target: string): Promise<AuditDb> {
  const { PGlite } = await import("@electric-sql/pglite");
  const memory = target === "memory://";
  if (!memory) await mkdir(target, { recursive: true });
  let pg: InstanceType<typeof PGlite>;
  try {
    pg = await PGlite.create(memory ? undefined : target);
  } catch (cause) {
    throw new InvalidInputError(`cannot open the PGlite database in ${target}`, {
      details: "is another process using it? PGlite serves one process at a time; use a PostgreSQL server for more",
      cause,
    });
  }
  const serial = new Serial();
  const session = (q: { query: typeof pg.query; exec: typeof pg.exec }): AuditDbSession => ({
    query: async <T extends Row>(sql: string, params: readonly unknown[] = []) =>
      (await q.query<T>(sql, [...params])).rows,
    exec: async (sql: string) => {
      await q.exec(sql);
    },
  });
  const direct = session(pg);
  return {
    kind: "pglite",
    location: memory ? "memory://" : target,
    query: (sql, params) => serial.run(() => direct.query(sql, params)),
    exec: (sql) => serial.run(() => direct.exec(sql)),
    transaction: (fn) => serial.run(() => pg.transaction((tx) => fn(session(tx)))),
    close: () => serial.run(() => pg.close()),
  };
}

async function openServer(target: string): Promise<AuditDb> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: target });
  const shown = target.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
  try {
    await client.connect();
  } catch (cause) {
    throw new InvalidInputError(`cannot connect to the PostgreSQL server at ${shown}`, {
      details: "check the URL, that the server runs and that the database exists",
      cause,
    });
  }
  // A dropped connection is reported on the next query; without a listener it would crash the process.
  client.on("error", () => undefined);
  const serial = new Serial();
  const direct: AuditDbSession = {
    query: async <T extends Row>(sql: string, params: readonly unknown[] = []) =>
      (await client.query<T>(sql, [...params])).rows,
    exec: async (sql: string) => {
      await client.query(sql);
    },
  };
  return {
    kind: "postgres",
    location: shown,
    query: (sql, params) => serial.run(() => direct.query(sql, params)),
    exec: (sql) => serial.run(() => direct.exec(sql)),
    transaction: (fn) =>
      serial.run(async () => {
        await client.query("begin");
        try {
          const out = await fn(direct);
          await client.query("commit");
          return out;
        } catch (error) {
          await client.query("rollback").catch(() => undefined);
          throw error;
        }
      }),
    close: () => serial.run(() => client.end()),
  };
}
