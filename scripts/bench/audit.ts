/**
 * Audit benchmark: simulates a network (10,000 nodes, 3 epochs, both modes, by default) on the in-process chain,
 * indexes it into a fresh PGlite database and audits it, and writes bench/audit.json: `audit_10k_nodes_s` (index and
 * audit together), the index's events per second, and the simulation's own time beside them (`npm run bench` folds
 * `audit_10k_nodes_s` into bench/results.json). The HTML report goes to bench/audit-report.html.
 *
 *   npm run bench:audit                 (AUDIT_BENCH_NODES=2000 for a quicker run: keys then name the size)
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { network } from "hardhat";

import {
  DEFAULT_SIMULATION,
  auditIndex,
  indexChain,
  openAuditDb,
  renderAuditHtml,
  simulate,
} from "../../sdk/src/index.js";
import { BENCH_DIR, writeBenchFile } from "./output.js";

const nodes = Number(process.env.AUDIT_BENCH_NODES ?? 10_000);
const epochs = Number(process.env.AUDIT_BENCH_EPOCHS ?? 3);
const dir = await mkdtemp(join(tmpdir(), "depin-audit-bench-"));
const { ethers } = await network.create();
const [funder] = await ethers.getSigners();

const log = (line: string) => console.log(`[audit bench] ${line}`);
log(`simulating ${nodes} nodes, ${epochs} epochs…`);
let started = performance.now();
const result = await simulate(
  { ...DEFAULT_SIMULATION, nodes, epochs, seed: "audit-bench", manifestDir: join(dir, "manifests") },
  { provider: ethers.provider, funder: funder! },
);
const simulationSeconds = (performance.now() - started) / 1000;
if (!result.ok) throw new Error(`the simulation disagrees with itself: ${result.findings.slice(0, 3).join("; ")}`);
log(`simulated in ${simulationSeconds.toFixed(1)} s`);

const db = await openAuditDb(join(dir, "index"));
started = performance.now();
const indexed = await indexChain({
  provider: ethers.provider,
  db,
  registry: result.contracts.registry!,
  factory: result.contracts.factory!,
  confirmations: 0,
});
const indexSeconds = (performance.now() - started) / 1000;
log(
  `indexed ${indexed.events} events in ${indexSeconds.toFixed(1)} s (${Math.round(indexed.events / indexSeconds)} events/s)`,
);
started = performance.now();
const report = await auditIndex({ db });
const auditSeconds = (performance.now() - started) / 1000;
await db.close();
log(`audited in ${auditSeconds.toFixed(1)} s: ${report.verdict.summary}`);
if (!report.verdict.ok)
  throw new Error(`the audit of an honest run failed: ${JSON.stringify(report.findings.slice(0, 3))}`);

const key = nodes === 10_000 && epochs === 3 ? "audit_10k_nodes" : `audit_${nodes}_nodes_${epochs}_epochs`;
const round = (x: number) => Math.round(x * 1000) / 1000;
const figures = {
  [`${key}_s`]: round(indexSeconds + auditSeconds),
  [`${key}_index_s`]: round(indexSeconds),
  [`${key}_rebuild_and_checks_s`]: round(auditSeconds),
  [`${key}_events`]: indexed.events,
  [`${key}_index_events_per_s`]: Math.round(indexed.events / indexSeconds),
  [`${key}_simulation_s`]: round(simulationSeconds),
};
const path = writeBenchFile("audit", {
  nodes,
  epochs,
  database: "PGlite (a directory), chain: in-process Hardhat (EDR)",
  ...figures,
  findings: report.findings.length,
  verdict: report.verdict.summary,
});
await writeFile(join(BENCH_DIR, "audit-report.html"), await renderAuditHtml(report));
await rm(dir, { recursive: true, force: true });
console.log(JSON.stringify(figures, null, 2));
console.log(`[audit bench] wrote ${path}`);
