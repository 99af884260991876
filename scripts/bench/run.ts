/**
 * `npm run bench`: every benchmark, each in its own process (chain benches on a fresh in-process chain, each tree
 * size and the 10,000-node simulation apart so their time and peak memory are their own), then bench/results.json:
 * the figures by key, the issue's targets beside them, the growth curves and what the run measured (commit, date,
 * compiler, token, chain). Prints the same as tables.
 *
 *   npm run bench                          everything (several minutes: the simulation ~2, the 1M tree ~1)
 *   npm run bench -- --only registry,pool  run some parts (registry, pool, epoch, trace, settle, tree, lifecycle,
 *                                          audit, ingest), read the others from the files an earlier run left in
 *                                          bench/ (their commits are listed)
 *   npm run bench -- --only none           rebuild results.json from bench/ without running anything
 *
 * Also writes bench/results.md: the same figures as the Markdown tables the README's Benchmarks section shows.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { GAS_KINDS } from "./gas-trace.js";
import { BENCH_DIR, formatInt, type GasFigures, gitCommit, readBenchFile, writeBenchFile } from "./output.js";

const PARTS = ["registry", "pool", "epoch", "trace", "settle", "tree", "lifecycle", "audit", "ingest"] as const;
type Part = (typeof PARTS)[number];

const only = process.argv.indexOf("--only");
const selected = new Set<string>(only === -1 ? PARTS : (process.argv[only + 1] ?? "").split(","));
for (const part of selected) {
  if (part !== "none" && !PARTS.includes(part as Part)) throw new Error(`--only: unknown part "${part}"`);
}
const runs = (part: Part) => selected.has(part);

const TREE_SIZES = [10_000, 100_000, 1_000_000];
const LIFECYCLE = { nodes: 10_000, epochs: 3 };
const HARDHAT = join("node_modules", ".bin", "hardhat");

function run(what: string, args: string[], env: Record<string, string> = {}): void {
  console.log(`\n=== ${what}`);
  const r = spawnSync(process.execPath, args, { stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal})`);
}

/* RUN */

if (runs("registry") || runs("pool") || runs("epoch") || runs("trace") || runs("settle")) {
  run("hardhat build", [HARDHAT, "build", "--quiet"]);
}
if (runs("registry")) run("registry", [HARDHAT, "run", "scripts/bench/registry.ts"]);
for (const kind of ["whole", "clone"]) {
  if (runs("pool")) run(`pool (${kind})`, [HARDHAT, "run", "scripts/bench/pool.ts"], { POOL_KIND: kind });
  if (runs("epoch")) run(`epoch (${kind})`, [HARDHAT, "run", "scripts/bench/epoch.ts"], { POOL_KIND: kind });
  if (runs("settle")) run(`settle (${kind})`, [HARDHAT, "run", "scripts/bench/settle.ts"], { POOL_KIND: kind });
}
// After the epoch and pool benches: the trace checks its figures against theirs (same scenario, same gas).
if (runs("trace")) run("trace (gas by slot, call, event)", [HARDHAT, "run", "scripts/bench/trace.ts"]);

interface TreeRow {
  accounts: number;
  inputsS: number;
  buildS: number;
  verifyS: number;
  totalS: number;
  manifestMiB: number;
  inputsMiB: number;
  peakMiB: number;
}
if (runs("tree")) {
  const rows: TreeRow[] = [];
  for (const accounts of TREE_SIZES) {
    console.log(`\n=== tree (${formatInt(accounts)} accounts)`);
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "scripts/bench/tree.ts", "--accounts", String(accounts)],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    );
    if (r.status !== 0) throw new Error(`tree ${accounts} failed (exit ${r.status ?? r.signal})`);
    const line = r.stdout.trim().split("\n").at(-1)!;
    console.log(line);
    rows.push(JSON.parse(line) as TreeRow);
  }
  writeBenchFile("tree", {
    note:
      "scripts/bench/tree.ts, one process per size: an epoch of n accounts (one device each) built (tree, proofs, " +
      "manifest text) and re-verified from the manifest text alone; totalS = build + verify (inputs excluded); " +
      "peakMiB = the process's peak resident memory, sampled every 20 ms",
    rows,
  });
}

if (runs("lifecycle")) {
  const out = join(BENCH_DIR, "simulate-10k.json");
  const started = performance.now();
  run(`simulate --nodes ${LIFECYCLE.nodes} --epochs ${LIFECYCLE.epochs}`, [
    join("sdk", "bin", "depin.js"),
    "simulate",
    "--nodes",
    String(LIFECYCLE.nodes),
    "--epochs",
    String(LIFECYCLE.epochs),
    "--out",
    out,
  ]);
  const wallS = Math.round(performance.now() - started) / 1000;
  const sim = JSON.parse(readFileSync(out, "utf8")) as {
    timings: Record<string, number>;
    ok: boolean;
    findings: unknown[];
  };
  writeBenchFile("lifecycle", {
    command: `depin simulate --nodes ${LIFECYCLE.nodes} --epochs ${LIFECYCLE.epochs} --out ${out}`,
    note: "totalS is the simulation's own timings.total; wallS adds the process start and the chain's creation",
    totalS: sim.timings.total,
    wallS,
    timings: Object.fromEntries(Object.entries(sim.timings).map(([k, v]) => [k, Math.round(v * 1000) / 1000])),
    booksOk: sim.ok,
    findings: sim.findings,
  });
}

/* COLLECT */

interface ChainBench {
  run: { commit: string; date: string };
  chain: string;
  compiler: Record<string, unknown>;
  token: string;
  figures: GasFigures;
  rows: { key?: string; operation: string; gasUsed: number; accounts?: number; proofLength?: number }[];
}
const files = {
  registry: readBenchFile<ChainBench>("registry"),
  poolWhole: readBenchFile<ChainBench>("pool-whole"),
  poolClone: readBenchFile<ChainBench>("pool-clone"),
  epochWhole: readBenchFile<ChainBench>("epoch-whole"),
  epochClone: readBenchFile<ChainBench>("epoch-clone"),
  settleWhole: readBenchFile<ChainBench>("settle-whole"),
  settleClone: readBenchFile<ChainBench>("settle-clone"),
};
const tree = readBenchFile<{ run: { commit: string; date: string }; rows: TreeRow[] }>("tree");
const trace = readBenchFile<{
  run: { commit: string; date: string };
  summary: Record<string, { gasUsed: number; byKind: Record<string, number> }>;
}>("trace");
const lifecycle = readBenchFile<{
  run: { commit: string; date: string };
  totalS: number;
  wallS: number;
  booksOk: boolean;
}>("lifecycle");
if (runs("audit")) run("audit (10,000 nodes indexed and audited)", [HARDHAT, "run", "scripts/bench/audit.ts"]);
const auditPath = join(BENCH_DIR, "audit.json");
const audit = existsSync(auditPath) ? (JSON.parse(readFileSync(auditPath, "utf8")) as Record<string, unknown>) : {};
if (runs("ingest")) run("ingest (verifier ingest service under load)", [HARDHAT, "run", "scripts/bench/ingest.ts"]);
const ingest = readBenchFile<{
  run: { commit: string; date: string; loadAverage: number[] };
  headline: string;
  niceness?: number;
  ingest_reports_per_s: number;
  ingest_p99_ms: number;
  ingest_rss_mib: number;
  figures: Record<string, number>;
  variants: Record<string, unknown>[];
}>("ingest");

const REQUIRED_GAS = [
  "register_single",
  "register_fleet100_per_device",
  "record_proofs_batch500_per_proof",
  "record_proofs_batch500_per_proof_device_signed",
  "commit_epoch_3of5_n1000",
  "commit_epoch_3of5_n10000",
  "claim_first_fresh_recipient",
  "claim_repeat_existing_holder",
  "claim_fleet100_per_device",
  "claim_gasless",
  "fund",
];
const whole: GasFigures = {
  ...files.registry?.figures,
  ...files.poolWhole?.figures,
  ...files.epochWhole?.figures,
  ...files.settleWhole?.figures,
};
const gas: Record<string, number | null> = {};
for (const key of REQUIRED_GAS) gas[key] = whole[key] ?? null;
for (const [key, value] of Object.entries(whole)) if (!(key in gas)) gas[key] = value;
for (const clone of [files.poolClone, files.epochClone, files.settleClone]) {
  for (const [key, value] of Object.entries(clone?.figures ?? {})) {
    if (key === "pool_create") gas.pool_create_clone = value;
    else if (!key.startsWith("anchor_")) gas[`${key}_clone`] = value;
  }
}
if (whole.pool_create !== undefined) {
  delete gas.pool_create;
  gas.pool_create_whole = whole.pool_create;
}

const treeOf = (n: number) => tree?.rows.find((r) => r.accounts === n);
const time: Record<string, number | null> = {
  lifecycle_10k_nodes_s: lifecycle?.totalS ?? null,
  tree_100k_s: treeOf(100_000)?.totalS ?? null,
  tree_1m_s: treeOf(1_000_000)?.totalS ?? null,
  tree_1m_peak_mib: treeOf(1_000_000)?.peakMiB ?? null,
  audit_10k_nodes_s: typeof audit.audit_10k_nodes_s === "number" ? audit.audit_10k_nodes_s : null,
  lifecycle_10k_nodes_wall_s: lifecycle?.wallS ?? null,
  tree_10k_s: treeOf(10_000)?.totalS ?? null,
  tree_10k_peak_mib: treeOf(10_000)?.peakMiB ?? null,
  tree_100k_peak_mib: treeOf(100_000)?.peakMiB ?? null,
  tree_1m_inputs_mib: treeOf(1_000_000)?.inputsMiB ?? null,
  ingest_reports_per_s: ingest?.ingest_reports_per_s ?? null,
  ingest_p99_ms: ingest?.ingest_p99_ms ?? null,
  ingest_rss_mib: ingest?.ingest_rss_mib ?? null,
};

/** Merkle proof length (nodes) behind each epoch-mode claim figure: a claim costs ~700 gas more per node. */
const proofLength: Record<string, number> = {};
for (const [file, suffix] of [
  [files.epochWhole, ""],
  [files.epochClone, "_clone"],
] as const) {
  for (const r of file?.rows ?? []) {
    if (r.key !== undefined && r.proofLength !== undefined) proofLength[`${r.key}${suffix}`] = r.proofLength;
  }
}
const growth = {
  record_proofs_per_proof_by_batch_size: {
    "10": whole.record_proofs_batch10_per_proof ?? null,
    "100": whole.record_proofs_batch100_per_proof ?? null,
    "500": whole.record_proofs_batch500_per_proof ?? null,
  },
  commit_epoch_by_devices: {
    "1000": whole.commit_epoch_3of5_n1000 ?? null,
    "10000": whole.commit_epoch_3of5_n10000 ?? null,
    "100000": whole.commit_epoch_3of5_n100000 ?? null,
  },
  claim_repeat_by_accounts: {
    "1000": whole.claim_repeat_existing_holder_1k ?? null,
    "10000": whole.claim_repeat_existing_holder ?? null,
    "100000": whole.claim_repeat_existing_holder_100k ?? null,
  },
  claim_repeat_proof_length_by_accounts: {
    "1000": proofLength.claim_repeat_existing_holder_1k ?? null,
    "10000": proofLength.claim_repeat_existing_holder ?? null,
    "100000": proofLength.claim_repeat_existing_holder_100k ?? null,
  },
  // Issue 13: batch settlement gas per account by batch size (existing holders). Push payouts in epoch mode (one
  // multiproof), push payouts of ledger credit, and signed claims in one claimBatchWithSig.
  settle_per_account_by_batch_size: Object.fromEntries(
    ["10", "100", "500"].map((n) => [n, whole[`settle_batch${n}_per_account`] ?? null]),
  ),
  settle_ledger_per_account_by_batch_size: Object.fromEntries(
    ["10", "100", "500"].map((n) => [n, whole[`settle_batch${n}_per_account_ledger`] ?? null]),
  ),
  settle_signed_per_account_by_batch_size: Object.fromEntries(
    ["10", "100", "500"].map((n) => [n, whole[`settle_batch${n}_per_account_signed`] ?? null]),
  ),
  tree_s_by_accounts: Object.fromEntries(TREE_SIZES.map((n) => [String(n), treeOf(n)?.totalS ?? null])),
  tree_peak_mib_by_accounts: Object.fromEntries(TREE_SIZES.map((n) => [String(n), treeOf(n)?.peakMiB ?? null])),
};

/* TARGETS (issue 10) */

interface Target {
  figure: string;
  value: number | null;
  target: string;
  met: boolean | null;
  detail: string;
}
const targets: Target[] = [];
function atMost(figure: string, value: number | null | undefined, limit: number, unit = "gas"): void {
  const v = value ?? null;
  const fmt = (x: number) => (unit === "gas" ? formatInt(x) : `${x} ${unit}`);
  const detail =
    v === null
      ? "not measured"
      : v <= limit
        ? `met (${fmt(limit - v)} to spare)`
        : `missed by ${unit === "gas" ? formatInt(v - limit) : `${Math.round((v - limit) * 1000) / 1000} ${unit}`} (${(((v - limit) / limit) * 100).toFixed(1)}%)`;
  targets.push({ figure, value: v, target: `≤ ${fmt(limit)}`, met: v === null ? null : v <= limit, detail });
}
atMost("record_proofs_batch500_per_proof", gas.record_proofs_batch500_per_proof, 7_500);
atMost("claim_repeat_existing_holder", gas.claim_repeat_existing_holder, 57_000);
if (gas.anchor_urd_claim_repeat_10k != null) {
  targets.at(-1)!.detail +=
    `; the same-run URD-style anchor: ${formatInt(gas.anchor_urd_claim_repeat_10k)} ` +
    `(proofs of ${proofLength.claim_repeat_existing_holder} and ${proofLength.anchor_urd_claim_repeat_10k} nodes)`;
}
atMost("claim_gasless", gas.claim_gasless, 75_000);
atMost("commit_epoch_3of5_n1000", gas.commit_epoch_3of5_n1000, 100_000);
atMost("commit_epoch_3of5_n10000", gas.commit_epoch_3of5_n10000, 100_000);
{
  // "Equal at 1k and 10k": the commit's gas must not grow with the epoch's size. The two differ only by the
  // calldata bytes of their totals (zero bytes cost 4 gas, others 16), so equal means within 0.5%.
  const a = gas.commit_epoch_3of5_n1000 ?? null;
  const b = gas.commit_epoch_3of5_n10000 ?? null;
  const diff = a === null || b === null ? null : Math.abs(a - b);
  const met = diff === null ? null : diff <= Math.max(a!, b!) * 0.005;
  targets.push({
    figure: "commit_epoch_3of5_n1000 vs _n10000",
    value: diff,
    target: "equal (within 0.5%: calldata of the totals)",
    met,
    detail: diff === null ? "not measured" : `${met ? "met" : "missed"}: they differ by ${formatInt(diff)} gas`,
  });
}
atMost("fund", gas.fund, 55_000);
// Issue 13: 15,000 per account in a 100-account batch of existing holders, in both modes.
atMost("settle_batch100_per_account", gas.settle_batch100_per_account, 15_000);
atMost("settle_batch100_per_account_ledger", gas.settle_batch100_per_account_ledger, 15_000);
atMost("register_fleet100_per_device", gas.register_fleet100_per_device, 60_000);
atMost("claim_fleet100_per_device", gas.claim_fleet100_per_device, 1_000);
atMost("lifecycle_10k_nodes_s", time.lifecycle_10k_nodes_s, 60, "s");
atMost("tree_1m_s", time.tree_1m_s, 30, "s");
atMost("tree_1m_peak_mib", time.tree_1m_peak_mib, 2_048, "MiB");

/* TARGETS (issue 13: the verifier ingest service) */

{
  const v = time.ingest_reports_per_s ?? null;
  targets.push({
    figure: "ingest_reports_per_s",
    value: v,
    target: "≥ 5,000 reports/s",
    met: v === null ? null : v >= 5_000,
    detail:
      v === null
        ? "not measured"
        : `${v >= 5_000 ? "met" : `missed by ${formatInt(5_000 - v)}`} (${ingest!.headline}; 1-minute load average ` +
          `${ingest!.run.loadAverage[0]} on the shared machine when written, niceness ${ingest!.niceness ?? 0})`,
  });
}
atMost("ingest_p99_ms", time.ingest_p99_ms, 100, "ms");

/* RESULTS */

const parts = {
  registry: files.registry?.run,
  "pool-whole": files.poolWhole?.run,
  "pool-clone": files.poolClone?.run,
  "epoch-whole": files.epochWhole?.run,
  "epoch-clone": files.epochClone?.run,
  "settle-whole": files.settleWhole?.run,
  "settle-clone": files.settleClone?.run,
  tree: tree?.run,
  lifecycle: lifecycle?.run,
  trace: trace?.run,
  audit: audit.run as { commit: string; date: string } | undefined,
  ingest: ingest?.run,
};
const commits = new Set(Object.values(parts).flatMap((p) => (p === undefined ? [] : [p.commit])));
const anyChain = files.registry ?? files.poolWhole ?? files.epochWhole;
const results = {
  gas,
  time,
  proof_length: proofLength,
  // Where each traced figure's gas goes, by kind (bench/trace.md has it by slot, call and event).
  trace: trace?.summary ?? null,
  growth,
  targets,
  ingest:
    ingest === undefined ? null : { headline: ingest.headline, figures: ingest.figures, variants: ingest.variants },
  meta: {
    // The commit and date measured: the parts' when they share one commit (results.json may be rebuilt later).
    commit: commits.size === 1 ? [...commits][0]! : gitCommit(),
    date: Object.values(parts).reduce((latest, p) => (p !== undefined && p.date > latest ? p.date : latest), ""),
    partsFromOneCommit: commits.size <= 1,
    assembled: { commit: gitCommit(), date: new Date().toISOString() },
    parts,
    compiler: anyChain?.compiler ?? null,
    chain: anyChain?.chain ?? null,
    token: anyChain?.token ?? null,
    pool: 'whole pool (createWholePool, setupPool kind "whole") unless the key ends in _clone (EIP-1167 clone)',
    definitions: {
      gas: "whole-transaction gas (21,000 base + calldata + execution); _per_device and _per_proof divide it",
      steady_state:
        "record_proofs_*: every device credited in an earlier epoch; commit_*: the pool's third commit or later",
      epoch_claims:
        "claim_* (not claim_ledger_*): epoch mode, merkle proof from a tree of 10,000 accounts unless the key says otherwise",
      anchor: "anchor_urd_*: contracts/mocks/UrdLikeDistributor.sol, same run, same token, same 10,000 accounts",
      commit_n: "commit_epoch_3of5_nN: an epoch of N accounts, N + 99 devices (a 100-device fleet among them)",
      claim_fleet100_per_device: "one epoch-mode claim paying the owner of a 100-device fleet, ÷ 100",
      audit_10k_nodes_s: "from bench/audit.json when the audit bench has written it, else null",
      trace:
        "scripts/bench/trace.ts: debug_traceTransaction of each figure's transaction, gas by kind (intrinsic = " +
        "21,000 + calldata; storage reads/writes; transient; calls inclusive; precompiles; logs; keccak; rest)",
      ingest:
        "scripts/bench/ingest.ts: reports accepted and committed per second, request latency, the service process's " +
        "peak RSS; ingest_* in time: the headline variant (ingest.headline: keys_bReportsPerRequest_cConcurrency)",
      settle_batch:
        "settle_batchN_per_account: pushPayouts in epoch mode (one multiproof), N existing holders (paid once " +
        "before), tree of exactly the batch's accounts, ÷ N; _ledger: pushPayouts of ledger credit; _signed: " +
        "claimBatchWithSig of N signed claims (null at 500: over the 2^24 gas cap of one transaction)",
    },
  },
};
const path = join(BENCH_DIR, "results.json");
writeFileSync(path, JSON.stringify(results, null, 2) + "\n");

/* PRINT */

const targetOf = new Map(targets.map((t) => [t.figure, t]));
const shown = (v: number | null | undefined) => (v === null || v === undefined ? "—" : formatInt(v));
const gasRow = (key: string) => ({
  whole: shown(gas[key]),
  clone: shown(gas[`${key}_clone`]),
  target: targetOf.get(key)?.target ?? "",
  status: targetOf.get(key)?.detail ?? "",
});
console.log(`\nbench/results.json — commit ${results.meta.commit}, ${results.meta.date}`);
if (!results.meta.partsFromOneCommit) {
  console.log(`note: parts come from different commits: ${[...commits].join(", ")}`);
}
console.table(Object.fromEntries(REQUIRED_GAS.map((key) => [key, gasRow(key)])));
const more = [
  "record_proofs_batch500_per_proof_50_payees",
  "record_proofs_batch500_per_proof_device_signed_p256",
  "claim_gasless_first",
  "claim_ledger_repeat_existing_holder",
  "claim_ledger_gasless",
  "anchor_urd_claim_repeat_10k",
];
console.table(Object.fromEntries(more.map((key) => [key, gasRow(key)])));
console.table(
  Object.fromEntries(
    Object.entries(time).map(([key, value]) => [
      key,
      { value: value ?? "—", target: targetOf.get(key)?.target ?? "", status: targetOf.get(key)?.detail ?? "" },
    ]),
  ),
);
console.log(`commit equal at 1k and 10k: ${targetOf.get("commit_epoch_3of5_n1000 vs _n10000")?.detail}`);
const curve = (title: string, points: Record<string, number | null>, unit: string) => {
  console.log(`\nGrowth: ${title}`);
  console.table(
    Object.fromEntries(Object.entries(points).map(([n, v]) => [formatInt(Number(n)), { [unit]: shown(v) }])),
  );
};
curve(
  "gas per proof by batch size (one fleet, steady state)",
  growth.record_proofs_per_proof_by_batch_size,
  "gas/proof",
);
curve("commitEpoch gas by epoch size (accounts; devices = accounts + 99)", growth.commit_epoch_by_devices, "gas");
curve("repeat claim gas by tree size (accounts)", growth.claim_repeat_by_accounts, "gas");
curve("the claiming account's proof length by tree size", growth.claim_repeat_proof_length_by_accounts, "nodes");
console.log("\nGrowth: epoch tree + manifest built and re-verified, by accounts");
console.table(
  Object.fromEntries(
    TREE_SIZES.map((n) => [
      formatInt(n),
      { seconds: growth.tree_s_by_accounts[n] ?? "—", peakMiB: growth.tree_peak_mib_by_accounts[n] ?? "—" },
    ]),
  ),
);
console.log(`wrote ${path}`);

/* MARKDOWN (the README's tables) */

const md: string[] = [];
const c = results.meta.compiler as { solc?: string; viaIR?: boolean; optimizerRuns?: number; evmVersion?: string };
md.push(
  `Run \`${results.meta.commit}\`, ${results.meta.date.slice(0, 10)}: ${results.meta.chain};`,
  `solc ${c?.solc}, viaIR ${c?.viaIR}, optimizer runs ${formatInt(c?.optimizerRuns ?? 0)}, ` +
    `evmVersion ${c?.evmVersion}; token MockUSDC.`,
  "",
);
const cell = (v: number | null | undefined) => (v === null || v === undefined ? "—" : formatInt(v));
const verdict = (key: string) => {
  const t = targetOf.get(key);
  return t === undefined ? "" : `${t.target}: ${t.met ? "met" : t.detail.split(";")[0]}`;
};
md.push("| gas (`results.json` key) | whole pool | clone | target |", "|---|---:|---:|---|");
for (const key of REQUIRED_GAS)
  md.push(`| \`${key}\` | ${cell(gas[key])} | ${cell(gas[`${key}_clone`])} | ${verdict(key)} |`);
md.push("", "| more gas figures | whole pool | clone |", "|---|---:|---:|");
for (const key of Object.keys(gas)) {
  if (REQUIRED_GAS.includes(key) || key.endsWith("_clone") || key === "pool_create_whole") continue;
  md.push(`| \`${key}\` | ${cell(gas[key])} | ${cell(gas[`${key}_clone`])} |`);
}
md.push(`| \`pool_create\` | ${cell(gas.pool_create_whole)} | ${cell(gas.pool_create_clone)} |`);
md.push("", "| time | value | target |", "|---|---:|---|");
const units: Record<string, string> = { _per_s: "/s", _ms: " ms", _s: " s", _mib: " MiB" };
for (const [key, value] of Object.entries(time)) {
  const unit = Object.entries(units).find(([end]) => key.endsWith(end))?.[1] ?? "";
  md.push(`| \`${key}\` | ${value === null ? "null" : `${value}${unit}`} | ${verdict(key)} |`);
}
md.push("", `Commit gas equal at 1k and 10k: ${targetOf.get("commit_epoch_3of5_n1000 vs _n10000")?.detail}.`, "");
md.push(
  "| growth | 10 | 100 | 500 |",
  "|---|---:|---:|---:|",
  `| gas per proof by batch size (one fleet, steady state) | ${Object.values(growth.record_proofs_per_proof_by_batch_size).map(cell).join(" | ")} |`,
  "",
  "| growth | 1,000 | 10,000 | 100,000 |",
  "|---|---:|---:|---:|",
  `| \`commitEpoch\` gas by epoch size (accounts; devices = accounts + 99) | ${Object.values(growth.commit_epoch_by_devices).map(cell).join(" | ")} |`,
  `| repeat claim gas by tree size (accounts) | ${Object.values(growth.claim_repeat_by_accounts).map(cell).join(" | ")} |`,
  `| the claiming account's proof length (nodes) | ${Object.values(growth.claim_repeat_proof_length_by_accounts).map(cell).join(" | ")} |`,
  "",
  "| growth | 10,000 | 100,000 | 1,000,000 |",
  "|---|---:|---:|---:|",
  `| epoch tree + manifest, built and re-verified (s) | ${TREE_SIZES.map((n) => growth.tree_s_by_accounts[n] ?? "—").join(" | ")} |`,
  `| peak resident memory (MiB) | ${TREE_SIZES.map((n) => cell(growth.tree_peak_mib_by_accounts[n])).join(" | ")} |`,
);
if (trace !== undefined) {
  const keys = Object.keys(trace.summary);
  md.push(
    "",
    `| gas by kind (\`npm run bench:trace\`) | ${keys.map((k) => `\`${k}\``).join(" | ")} |`,
    `|---|${keys.map(() => "---:").join("|")}|`,
    ...GAS_KINDS.map(
      (kind) => `| ${kind} | ${keys.map((k) => cell(trace.summary[k]!.byKind[kind] ?? 0)).join(" | ")} |`,
    ),
    `| **gasUsed** | ${keys.map((k) => `**${cell(trace.summary[k]!.gasUsed)}**`).join(" | ")} |`,
  );
}
writeFileSync(join(BENCH_DIR, "results.md"), md.join("\n") + "\n");
console.log(`wrote ${join(BENCH_DIR, "results.md")}`);
