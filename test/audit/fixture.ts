/**
 * Shared by the audit tests: one simulated network on a `hardhat node` (so the `depin` CLI can index it from another
 * process), and the two databases the index runs on: PGlite (a fresh directory) and a PostgreSQL server (a fresh
 * database on the server DEPIN_TEST_PG_URL names; `.ci/run` starts one, and the server variants are skipped with a
 * message when it is unset).
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { JsonRpcProvider, Network } from "ethers";
import pg from "pg";

import { DEFAULT_SIMULATION, simulate, type AuditDb, type SimulationResult } from "../../sdk/src/index.js";
import { startNode } from "../e2e/helpers.js";

export const NODES = 200;
export const EPOCHS = 2;

export interface SharedRun {
  url: string;
  provider: JsonRpcProvider;
  result: SimulationResult;
  /** Where the simulation wrote its manifests (the file:// URIs the chain records point here). */
  manifestDir: string;
  dir: string;
}

let shared: Promise<SharedRun> | undefined;
let node: ChildProcess | undefined;

/** A provider without a response cache: a block number read twice must be read twice. */
export function rpcProvider(url: string): JsonRpcProvider {
  return new JsonRpcProvider(url, Network.from(31337n), { staticNetwork: true, cacheTimeout: -1 });
}

/** The network every audit test reads: simulated once per test run, on a node stopped when the process exits. */
export function sharedRun(): Promise<SharedRun> {
  shared ??= (async () => {
    const started = await startNode();
    const url = started.url;
    node = started.node;
    // Stopped after the last test (below), or when the process exits on a failure before.
    process.once("exit", () => node?.kill());
    const dir = await mkdtemp(join(tmpdir(), "depin-audit-"));
    const provider = rpcProvider(url);
    const manifestDir = join(dir, "manifests");
    const result = await simulate(
      { ...DEFAULT_SIMULATION, nodes: NODES, epochs: EPOCHS, seed: "audit", manifestDir },
      { provider, funder: await provider.getSigner(0) },
    );
    if (!result.ok) throw new Error(`the simulation disagrees with itself:\n${result.findings.join("\n")}`);
    return { url, provider, result, manifestDir, dir };
  })();
  return shared;
}

// Root hook: mocha waits for open handles, and the node is one.
after(function () {
  node?.kill();
  void shared?.then((r) => r.provider.destroy());
});

/** A database target for the index and a way to drop it. */
export interface Backend {
  name: "PGlite" | "PostgreSQL";
  /** A fresh, empty database: a PGlite directory or a postgres:// URL. */
  fresh(): Promise<string>;
  /** Drops every database `fresh` made. */
  cleanup(): Promise<void>;
}

export const PG_URL = process.env.DEPIN_TEST_PG_URL;

export const BACKENDS: Backend[] = [pgliteBackend(), postgresBackend()];

function pgliteBackend(): Backend {
  const dirs: string[] = [];
  return {
    name: "PGlite",
    async fresh() {
      const dir = await mkdtemp(join(tmpdir(), "depin-index-"));
      dirs.push(dir);
      return dir;
    },
    async cleanup() {
      await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

function postgresBackend(): Backend {
  const made: string[] = [];
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: "PostgreSQL",
    async fresh() {
      if (PG_URL === undefined) throw new Error("DEPIN_TEST_PG_URL is not set");
      const name = `depin_audit_${process.pid}_${made.length}_${Date.now() % 100_000}`;
      await admin((c) => c.query(`create database ${name}`));
      made.push(name);
      const url = new URL(PG_URL);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async cleanup() {
      for (const name of made.splice(0)) await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** Skips a PostgreSQL-server suite, saying why, when no server is configured. */
export function requireBackend(ctx: Mocha.Context, backend: Backend): void {
  if (backend.name === "PostgreSQL" && PG_URL === undefined) {
    console.log(
      "      (skipped: set DEPIN_TEST_PG_URL=postgres://user:password@127.0.0.1/postgres to run on a server)",
    );
    ctx.skip();
  }
}

/** The index's contents that must not depend on how it was built (pages, restarts, reorgs undone). */
export async function dumpIndex(db: AuditDb): Promise<Record<string, unknown[]>> {
  return {
    state: await db.query(
      "select chain_id::text, registry, factory, start_block::text, indexed_to::text from index_state",
    ),
    events: await db.query(
      `select block_number::text, log_index, tx_hash, tx_index, address, contract, name, args::text, topics, data
       from events order by block_number, log_index`,
    ),
    transactions: await db.query(
      "select hash, block_number::text, tx_index, sender, recipient, selector, gas_used::text, status from transactions order by hash",
    ),
    pools: await db.query("select * from pools order by address"),
    eventBlocks: await db.query(
      "select number::text, hash from blocks where number in (select block_number from events) order by number",
    ),
    balances: await db.query(
      `select distinct on (pool) pool, block_number::text, balance::text from pool_balances order by pool, block_number desc`,
    ),
  };
}
