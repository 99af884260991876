/**
 * Audit benchmark: simulates a network (10,000 nodes, 3 epochs, both modes, by default) on the in-process chain,
 * indexes it into a fresh PGlite database and audits it, and writes the figures to bench/results.json (merged with
 * what is there): `audit_10k_nodes_s` (index + audit), the index's events per second, and the simulation's own time
 * for comparison. The HTML report goes to bench/audit-report.html.
 *
 *   npm run bench:audit                 (AUDIT_BENCH_NODES=2000 for a quicker run)
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
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
log(`indexed ${indexed.events} events in ${indexSeconds.toFixed(1)} s (${Math.round(indexed.events / indexSeconds)} events/s)`);
started = performance.now();
const report = await auditIndex({ db });
const auditSeconds = (performance.now() - started) / 1000;
await db.close();
log(`audited in ${auditSeconds.toFixed(1)} s: ${report.verdict.summary}`);
if (!report.verdict.ok) throw new Error(`the audit of an honest run failed: ${JSON.stringify(report.findings.slice(0, 3))}`);

await mkdir("bench", { recursive: true });
const key = nodes === 10_000 && epochs === 3 ? "audit_10k_nodes" : `audit_${nodes}_nodes_${epochs}_epochs`;
const figures = {
  [`${key}_s`]: Math.round((indexSeconds + auditSeconds) * 100) / 100,
  [`${key}_index_s`]: Math.round(indexSeconds * 100) / 100,
  [`${key}_rebuild_and_checks_s`]: Math.round(auditSeconds * 100) / 100,
  [`${key}_events`]: indexed.events,
  [`${key}_index_events_per_s`]: Math.round(indexed.events / indexSeconds),
  [`${key}_simulation_s`]: Math.round(simulationSeconds * 100) / 100,
  [`${key}_findings`]: report.findings.length,
  [`${key}_database`]: "PGlite (directory), in-process Hardhat chain",
};
let results: Record<string, unknown> = {};
try {
  results = JSON.parse(await readFile("bench/results.json", "utf8")) as Record<string, unknown>;
} catch {
  // first run
}
await writeFile("bench/results.json", JSON.stringify({ ...results, ...figures }, null, 2) + "\n");
await writeFile("bench/audit-report.html", await renderAuditHtml(report));
await rm(dir, { recursive: true, force: true });
console.log(JSON.stringify(figures, null, 2));
