/**
 * `depin index` and `depin audit`: the auditor's commands. `index` reads every event of the registry, the factory and
 * its pools into PostgreSQL (a PGlite directory by default, or a server with --db postgres://…); `audit` rebuilds the
 * ledger from that index alone, checks it and writes the report (text, --json, --csv, --html). Exit code 1 when the
 * audit finds something wrong.
 */
import { writeFile } from "node:fs/promises";

import type { Command } from "commander";
import { JsonRpcProvider, Network, isAddress } from "ethers";

import { auditIndex, type AuditReport } from "../audit/audit.js";
import { openAuditDb } from "../audit/db.js";
import { indexChain } from "../audit/indexer.js";
import { auditReportJson, renderAuditHtml, writeAuditCsv } from "../audit/report.js";
import { DEFAULT_DEPLOYMENTS_DIR, loadDeployment } from "../deployments.js";
import { InvalidInputError } from "../errors/base.js";
import { SimulationFailedError } from "./simulate.js";

/** Where the index lives unless --db says otherwise: a PGlite directory in the current directory. */
export const DEFAULT_INDEX_DB = "depin-index";

/** The audit found something wrong: exit 1, like a simulation whose books disagree with the chain. */
export class AuditFailedError extends SimulationFailedError {
  override name = "AuditFailedError";
}

interface GlobalOptions {
  rpc: string;
  network?: string;
  deployments?: string;
  json: boolean;
}

function wholeNumber(value: string | undefined, field: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new InvalidInputError(`${field} ${value} is not a whole number ≥ ${min}`);
  }
  return Number(value);
}

export function addAuditCommands(cli: Command): void {
  cli
    .command("index")
    .description(
      "index every event of the registry, the factory and its pools into PostgreSQL (resumable; reorgs within " +
        "--confirmations are undone and read again)",
    )
    .option("--db <dir|url>", "a PGlite directory, or postgres://user:password@host/database", DEFAULT_INDEX_DB)
    .option("--registry <address>", "the DeviceRegistry (default: the deployment records of the chain)")
    .option("--factory <address>", "the RewardPoolFactory (default: the deployment records of the chain)")
    .option("--from-block <n>", "first block of a new index (default: the block the contracts were deployed in)")
    .option("--to-block <n>", "stop at this block (default: the chain's head)")
    .option("--confirmations <n>", "blocks on top of a block before it is final", "12")
    .option("--page-size <n>", "blocks per eth_getLogs request", "2000")
    .option("--follow", "keep indexing new blocks until interrupted")
    .option("--interval <seconds>", "with --follow: seconds between passes", "5")
    .action(
      async (flags: {
        db: string;
        registry?: string;
        factory?: string;
        fromBlock?: string;
        toBlock?: string;
        confirmations: string;
        pageSize: string;
        follow?: boolean;
        interval: string;
      }) => {
        const global = cli.opts<GlobalOptions>();
        const url = rpcUrl(global.rpc);
        const chainId = await chainIdAt(url);
        const provider = new JsonRpcProvider(url, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1 });
        let registry = flags.registry;
        let factory = flags.factory;
        let fromBlock = wholeNumber(flags.fromBlock, "--from-block");
        if (registry === undefined || factory === undefined || fromBlock === undefined) {
          const deployment = await loadDeployment(
            global.network ?? chainId,
            global.deployments ?? DEFAULT_DEPLOYMENTS_DIR,
          );
          const record = (name: string) => {
            const r = deployment.contracts[name];
            if (r === undefined) {
              throw new InvalidInputError(`no ${name} in the ${deployment.network} deployment records`, {
                details: `pass --${name === "DeviceRegistry" ? "registry" : "factory"} <address>`,
              });
            }
            return r;
          };
          registry ??= record("DeviceRegistry").address;
          factory ??= record("RewardPoolFactory").address;
          fromBlock ??= Math.min(record("DeviceRegistry").blockNumber, record("RewardPoolFactory").blockNumber);
        }
        for (const [field, value] of [
          ["--registry", registry],
          ["--factory", factory],
        ] as const) {
          if (!isAddress(value)) throw new InvalidInputError(`${field} ${value} is not an address`);
        }
        const toBlock = wholeNumber(flags.toBlock, "--to-block");
        const confirmations = wholeNumber(flags.confirmations, "--confirmations")!;
        const pageSize = wholeNumber(flags.pageSize, "--page-size", 1)!;
        const interval = wholeNumber(flags.interval, "--interval", 1)!;
        const db = await openAuditDb(flags.db);
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
        try {
          for (;;) {
            const run = await indexChain({
              provider,
              db,
              registry,
              factory,
              fromBlock,
              ...(toBlock === undefined ? {} : { toBlock }),
              confirmations,
              pageSize,
              signal: stop.signal,
              onPage: (p) =>
                global.json ||
                console.error(
                  `indexed blocks ${p.fromBlock}-${p.toBlock} of ${p.target}: ${p.events} events (${p.eventsTotal} this run)`,
                ),
            });
            const summary = {
              db: db.location,
              chainId: run.chainId.toString(),
              fromBlock: run.fromBlock,
              indexedTo: run.indexedTo,
              confirmedTo: run.confirmedTo,
              pages: run.pages,
              events: run.events,
              transactions: run.transactions,
              pools: run.pools,
              reorgs: run.reorgs,
              seconds: Math.round(run.seconds * 1000) / 1000,
              eventsPerSecond: run.eventsPerSecond,
            };
            console.log(
              global.json
                ? JSON.stringify(summary)
                : `indexed to block ${run.indexedTo} (confirmed to ${run.confirmedTo}): ${run.events} events in ` +
                    `${summary.seconds} s (${run.eventsPerSecond} events/s), ${run.pools} pools` +
                    (run.reorgs.length > 0 ? `, ${run.reorgs.length} reorg(s) undone` : ""),
            );
            if (!flags.follow || stop.signal.aborted) break;
            await new Promise((resolve) => setTimeout(resolve, interval * 1000));
            if (stop.signal.aborted) break;
          }
        } finally {
          process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
          provider.destroy();
          await db.close();
        }
      },
    );

  cli
    .command("audit")
    .description(
      "rebuild the ledger from the index alone and check it: invariants, credits against batches, rates and quorums, " +
        "commits against their manifests, claims against what was owed, balances against the books; KPIs",
    )
    .option("--db <dir|url>", "the index (`depin index --db`)", DEFAULT_INDEX_DB)
    .option("--manifests <paths...>", "local copies of manifests (files or directories), matched to commits by hash")
    .option("--csv <dir>", "write one CSV file per table into this directory")
    .option("--html <file>", "write the report as one self-contained HTML page")
    .option("--out <file>", "write the report as JSON to this file")
    .action(async (flags: { db: string; manifests?: string[]; csv?: string; html?: string; out?: string }) => {
      const global = cli.opts<GlobalOptions>();
      const db = await openAuditDb(flags.db);
      let report: AuditReport;
      try {
        report = await auditIndex({ db, manifests: flags.manifests ?? [] });
      } finally {
        await db.close();
      }
      if (flags.out !== undefined) await writeFile(flags.out, auditReportJson(report));
      if (flags.csv !== undefined) await writeAuditCsv(report, flags.csv);
      if (flags.html !== undefined) await writeFile(flags.html, await renderAuditHtml(report));
      console.log(global.json ? auditReportJson(report).trimEnd() : formatAudit(report));
      if (!report.verdict.ok) throw new AuditFailedError(report.verdict.summary);
    });
}

/** The audit as a person reads it in a terminal. */
export function formatAudit(report: AuditReport): string {
  const k = report.kpis;
  const lines = [
    `Verdict: ${report.verdict.summary}`,
    `Index: chain ${report.index.chainId}, blocks ${report.index.startBlock}-${report.index.indexedTo}, ${report.index.events} events`,
    `Devices credited: ${k.activeDevices}; valid units: ${k.validUnits}; funded ${k.funded}, paid ${k.rewardsPaid}, ` +
      `owed ${k.rewardsOwed} (token units)`,
    ...report.pools.map(
      (p) =>
        `Pool ${p.pool}: funded ${p.funded}, paid ${p.paid}, owed ${p.owed}, balance ${p.balance ?? "not read"}; ` +
        `${p.claims} claims; settlement gas per device-epoch ${p.settlementGasPerDeviceEpoch ?? "-"}`,
    ),
  ];
  if (report.findings.length > 0) {
    lines.push(`Findings (${report.findings.length}):`);
    for (const f of report.findings.slice(0, 50)) {
      lines.push(
        `  [${f.severity}] ${f.code}: ${f.message}` +
          (f.block === undefined ? "" : ` (block ${f.block}${f.tx === undefined ? "" : `, tx ${f.tx}`})`) +
          (f.expected === undefined ? "" : `; expected ${f.expected}`) +
          (f.actual === undefined ? "" : `, actual ${f.actual}`),
      );
    }
    if (report.findings.length > 50) lines.push(`  … and ${report.findings.length - 50} more (--json, --csv)`);
  }
  return lines.join("\n");
}

function rpcUrl(rpc: string): string {
  try {
    return new URL(rpc).toString();
  } catch {
    throw new InvalidInputError(`--rpc ${rpc} is not a URL`, { details: "pass e.g. --rpc http://127.0.0.1:8545" });
  }
}

async function chainIdAt(url: string): Promise<bigint> {
  const probe = new JsonRpcProvider(url);
  try {
    return (await probe.getNetwork()).chainId;
  } catch (cause) {
    throw new InvalidInputError(`cannot reach a JSON-RPC node at ${url}`, {
      details: "start one with `depin chain`, or pass --rpc <url>",
      cause,
    });
  } finally {
    probe.destroy();
  }
}
