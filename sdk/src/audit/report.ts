/**
 * An audit's outputs: JSON, CSV (one file per table) and one self-contained HTML page a person reads in a browser,
 * with the verdict on top and charts drawn by Chart.js, whose UMD build is read from node_modules and inlined, so the
 * page needs no network.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { WAD } from "../core/pool.js";
import type { AuditReport } from "./audit.js";
import { FINDING_CODES } from "./findings.js";

/** The report as JSON text (amounts are already decimal strings). */
export function auditReportJson(report: AuditReport): string {
  return JSON.stringify(report, null, 2) + "\n";
}

type Table = { columns: string[]; rows: unknown[][] };

/** The report's tables, as the CSV files are named. */
export function auditTables(report: AuditReport): Record<string, Table> {
  const table = <T extends object>(items: readonly T[], columns: (keyof T & string)[]): Table => ({
    columns,
    rows: items.map((item) => columns.map((c) => item[c])),
  });
  return {
    findings: table(report.findings, [
      "severity",
      "code",
      "message",
      "pool",
      "account",
      "deviceId",
      "epoch",
      "block",
      "tx",
      "logIndex",
      "expected",
      "actual",
    ]),
    pools: table(report.pools, [
      "pool",
      "token",
      "networkId",
      "funded",
      "creditedWad",
      "clawedBackWad",
      "epochOwed",
      "epochPaid",
      "paidLedger",
      "paidEpoch",
      "paid",
      "relayerFees",
      "owed",
      "balance",
      "balanceBlock",
      "commitNonce",
      "claims",
      "gaslessClaims",
      "settlementGasPerDeviceEpoch",
    ]),
    funding_by_ref: table(report.fundingByRef, ["pool", "ref", "fundings", "funded"]),
    accounts: table(report.accounts, [
      "pool",
      "account",
      "unpaidWad",
      "ledgerClaimable",
      "paidEpoch",
      "claimNonce",
      "creditedWad",
      "clawedBackWad",
      "paidLedger",
      "relayerFees",
      "claims",
    ]),
    devices: table(report.devices, [
      "deviceId",
      "networkId",
      "index",
      "keyType",
      "owner",
      "payout",
      "status",
      "metadataHash",
      "registeredBlock",
      "transfers",
    ]),
    ownership: table(report.ownership, ["deviceId", "from", "to", "block", "tx"]),
    commits: table(report.commits, [
      "pool",
      "epoch",
      "nonce",
      "status",
      "root",
      "totalOwed",
      "epochTotal",
      "rate",
      "manifestHash",
      "manifestUri",
      "manifestVerified",
      "records",
      "block",
      "tx",
    ]),
    epochs: {
      columns: [
        "pool",
        "mode",
        "epoch",
        "activeDevices",
        "units",
        "rewardWad",
        "rate",
        "deviceCap",
        "epochBudget",
        "budgetUse",
        "utilizationMean",
        "utilizationMedian",
        "utilizationP90",
        "clawedBackWad",
        "adjustedWad",
      ],
      rows: report.epochs.map((e) => [
        e.pool,
        e.mode,
        e.epoch,
        e.activeDevices,
        e.units,
        e.rewardWad,
        e.rate,
        e.deviceCap,
        e.epochBudget,
        e.budgetUse,
        e.utilization.mean,
        e.utilization.median,
        e.utilization.p90,
        e.clawedBackWad,
        e.adjustedWad,
      ]),
    },
    top_operators: table(report.kpis.topOperators, ["account", "devices", "rewardWad"]),
    reward_per_device: table(report.rewardPerDevice, ["deviceId", "units", "rewardWad"]),
  };
}

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes one CSV file per table into `dir` (created if missing); returns the files written. */
export async function writeAuditCsv(report: AuditReport, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [name, t] of Object.entries(auditTables(report))) {
    const lines = [t.columns.join(","), ...t.rows.map((r) => r.map(csvCell).join(","))];
    const file = join(dir, `${name}.csv`);
    await writeFile(file, lines.join("\n") + "\n");
    files.push(file);
  }
  return files;
}

/** Chart.js's UMD build, read from node_modules (the package's own entry point locates it). */
async function chartLibrary(): Promise<string> {
  const entry = fileURLToPath(import.meta.resolve("chart.js"));
  const text = await readFile(join(entry, "..", "chart.umd.min.js"), "utf8");
  return text.replace(/<\/script/gi, "<\\/script");
}

const escape = (text: unknown): string =>
  String(text ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** Token units as a decimal number string, with the token's decimals when known. */
function tokens(units: string | bigint, decimals: number | null): string {
  const v = BigInt(units);
  if (decimals === null || decimals === 0) return v.toLocaleString("en-US");
  const scale = 10n ** BigInt(decimals);
  const whole = v / scale;
  const frac = (v % scale).toString().padStart(decimals, "0").slice(0, Math.min(decimals, 6));
  return `${whole.toLocaleString("en-US")}.${frac}`;
}
const fromWad = (wad: string | bigint, decimals: number | null) => tokens(BigInt(wad) / WAD, decimals);
const asNumber = (units: string | bigint, decimals: number | null) => Number(BigInt(units)) / 10 ** (decimals ?? 0);
const short = (hex: string) => (hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex);

/**
 * The report as one HTML page: verdict, findings, per-pool books, KPIs per epoch and overall, and five charts
 * (rewards per epoch, active devices per epoch, reward per device, revenue against rewards, utilization).
 */
export async function renderAuditHtml(report: AuditReport): Promise<string> {
  const decimals = report.pools.find((p) => p.tokenDecimals !== null)?.tokenDecimals ?? null;
  const unit = decimals === null ? "token units" : "tokens";
  const k = report.kpis;
  const epochLabels = [...new Set(report.epochs.map((e) => e.epoch))].sort((a, b) => a - b);
  const series = [...new Set(report.epochs.map((e) => `${e.mode} ${e.pool}`))];
  const perEpoch = (pick: (e: AuditReport["epochs"][number]) => number) =>
    series.map((s) => ({
      label: `${s.split(" ")[0]} pool ${short(s.split(" ")[1]!)}`,
      data: epochLabels.map((ep) => {
        const e = report.epochs.find((x) => `${x.mode} ${x.pool}` === s && x.epoch === ep);
        return e === undefined ? 0 : pick(e);
      }),
    }));
  // Reward per device: a histogram over 20 bins between the smallest and the largest.
  const rewards = report.rewardPerDevice.map((r) => asNumber(BigInt(r.rewardWad) / WAD, decimals));
  const max = Math.max(0, ...rewards);
  const bins = 20;
  const width = max / bins || 1;
  const histogram = Array.from({ length: bins }, () => 0);
  for (const r of rewards) histogram[Math.min(bins - 1, Math.floor(r / width))]!++;
  const charts = {
    rewards: {
      type: "bar",
      labels: epochLabels.map((e) => `epoch ${e}`),
      datasets: perEpoch((e) => asNumber(BigInt(e.rewardWad) / WAD, decimals)),
      y: `rewards credited (${unit})`,
    },
    devices: {
      type: "bar",
      labels: epochLabels.map((e) => `epoch ${e}`),
      datasets: perEpoch((e) => e.activeDevices),
      y: "active devices",
    },
    distribution: {
      type: "bar",
      labels: histogram.map((_, i) => `${(i * width).toFixed(2)}–${((i + 1) * width).toFixed(2)}`),
      datasets: [{ label: "devices", data: histogram }],
      y: "devices",
    },
    revenue: {
      type: "bar",
      labels: report.pools.map((p) => `pool ${short(p.pool)}`),
      datasets: [
        { label: "funded (revenue)", data: report.pools.map((p) => asNumber(p.funded, decimals)) },
        {
          label: "rewards credited",
          data: report.pools.map((p) => asNumber(BigInt(p.creditedWad) / WAD + BigInt(p.epochOwed), decimals)),
        },
        { label: "paid", data: report.pools.map((p) => asNumber(p.paid, decimals)) },
      ],
      y: unit,
    },
    utilization: {
      type: "line",
      labels: epochLabels.map((e) => `epoch ${e}`),
      datasets: [
        ...perEpoch((e) => Math.round(e.utilization.mean * 1000) / 10).map((d) => ({
          ...d,
          label: `${d.label}: mean`,
        })),
        ...perEpoch((e) => Math.round(e.utilization.p90 * 1000) / 10).map((d) => ({ ...d, label: `${d.label}: p90` })),
      ],
      y: "units per active device, % of the cap",
    },
  };
  const findingRows = report.findings
    .map(
      (f) => `<tr class="${f.severity}"><td>${escape(f.severity)}</td><td><code>${escape(f.code)}</code></td>
        <td>${escape(f.message)}<div class="why">${escape(FINDING_CODES[f.code])}</div></td>
        <td>${escape(f.block ?? "")}</td><td><code>${escape(f.tx === undefined ? "" : short(f.tx))}</code></td>
        <td>${escape(f.expected ?? "")}</td><td>${escape(f.actual ?? "")}</td></tr>`,
    )
    .join("\n");
  const poolRows = report.pools
    .map(
      (p) => `<tr><td><code>${escape(p.pool)}</code></td><td>${tokens(p.funded, decimals)}</td>
        <td>${fromWad(p.creditedWad, decimals)}</td><td>${tokens(p.epochOwed, decimals)}</td>
        <td>${tokens(p.paid, decimals)}</td><td>${tokens(p.owed, decimals)}</td>
        <td>${p.balance === null ? "not read" : tokens(p.balance, decimals)}</td><td>${fromWad(p.clawedBackWad, decimals)}</td>
        <td>${tokens(p.relayerFees, decimals)}</td><td>${p.claims} (${p.gaslessClaims} gasless)</td>
        <td>${p.settlementGasPerDeviceEpoch ?? "–"}</td></tr>`,
    )
    .join("\n");
  const epochRows = report.epochs
    .map(
      (e) => `<tr><td><code>${escape(short(e.pool))}</code></td><td>${e.mode}</td><td>${e.epoch}</td>
        <td>${e.activeDevices}</td><td>${BigInt(e.units).toLocaleString("en-US")}</td>
        <td>${fromWad(e.rewardWad, decimals)}</td><td>${(e.budgetUse * 100).toFixed(2)}%</td>
        <td>${(e.utilization.mean * 100).toFixed(1)}% / ${(e.utilization.median * 100).toFixed(1)}% / ${(e.utilization.p90 * 100).toFixed(1)}%</td>
        <td>${fromWad(e.clawedBackWad, decimals)}</td><td>${fromWad(e.adjustedWad, decimals)}</td></tr>`,
    )
    .join("\n");
  const fundingRows = report.fundingByRef
    .map(
      (f) =>
        `<tr><td><code>${escape(short(f.pool))}</code></td><td><code>${escape(f.ref)}</code></td><td>${f.fundings}</td><td>${tokens(f.funded, decimals)}</td></tr>`,
    )
    .join("\n");
  const operatorRows = k.topOperators
    .map(
      (o) =>
        `<tr><td><code>${escape(o.account)}</code></td><td>${o.devices}</td><td>${fromWad(o.rewardWad, decimals)}</td></tr>`,
    )
    .join("\n");
  const commitRows = report.commits
    .map(
      (
        c,
      ) => `<tr><td><code>${escape(short(c.pool))}</code></td><td>${c.epoch}</td><td>${c.nonce}</td><td>${escape(c.status)}</td>
        <td><code>${escape(short(c.root))}</code></td><td>${tokens(c.totalOwed, decimals)}</td>
        <td>${c.manifestVerified ? "verified" : "not verified"}</td><td>${c.records ?? "–"}</td><td>${escape(c.manifestUri)}</td></tr>`,
    )
    .join("\n");
  const ok = report.verdict.ok;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>depin-rewards audit — ${ok ? "PASS" : "FAIL"}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#1d2430}
h1{font-size:22px;margin:8px 0} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
#verdict{padding:14px 18px;border-radius:8px;font-size:18px;font-weight:600}
#verdict.pass{background:#e3f6e8;color:#14532d;border:1px solid #86d19c} #verdict.fail{background:#fde8e8;color:#7f1d1d;border:1px solid #f19a9a}
#verdict small{display:block;font-weight:400;font-size:13px;margin-top:4px}
table{border-collapse:collapse;width:100%;font-size:12.5px} th,td{border-bottom:1px solid #e6e9ef;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f5f7fa} tr.error td:first-child{color:#b91c1c;font-weight:600} tr.warning td:first-child{color:#a16207}
.why{color:#64748b;font-size:11.5px} .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:18px}
.card{border:1px solid #e6e9ef;border-radius:8px;padding:10px} .kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:10px}
.kpi{background:#f5f7fa;border-radius:6px;padding:8px 10px} .kpi b{display:block;font-size:18px} code{font-size:11.5px}
</style></head>
<body>
<h1>Audit of the depin-rewards ledger</h1>
<div id="verdict" class="${ok ? "pass" : "fail"}" data-ok="${ok}">${escape(report.verdict.summary)}
<small>Chain ${escape(report.index.chainId)}, registry <code>${escape(report.index.registry)}</code>, factory <code>${escape(report.index.factory)}</code>;
blocks ${report.index.startBlock}–${report.index.indexedTo} (confirmed to ${report.index.confirmedTo}, ${report.index.confirmations} confirmations),
${report.index.events} events; audited ${escape(report.index.auditedAt)}.</small></div>

<h2>Findings (${report.findings.length})</h2>
${
  report.findings.length === 0
    ? "<p>None: every credit matches its batch, rate and quorum; every commit its manifest; every claim what was owed; every pool's balance its books.</p>"
    : `<table id="findings"><tr><th>severity</th><th>code</th><th>what</th><th>block</th><th>tx</th><th>expected</th><th>actual</th></tr>${findingRows}</table>`
}

<h2>Key figures</h2>
<div class="kpis">
<div class="kpi">active devices<b>${k.activeDevices}</b></div>
<div class="kpi">valid work units<b>${BigInt(k.validUnits).toLocaleString("en-US")}</b></div>
<div class="kpi">rewards credited (${unit})<b>${fromWad(k.rewardsCreditedWad, decimals)}</b></div>
<div class="kpi">paid (${unit})<b>${tokens(k.rewardsPaid, decimals)}</b></div>
<div class="kpi">still owed (${unit})<b>${tokens(k.rewardsOwed, decimals)}</b></div>
<div class="kpi">revenue funded (${unit})<b>${tokens(k.funded, decimals)}</b></div>
<div class="kpi">reward per device: median / p90 / max<b>${fromWad(k.rewardPerDevice.medianWad, decimals)} / ${fromWad(k.rewardPerDevice.p90Wad, decimals)} / ${fromWad(k.rewardPerDevice.maxWad, decimals)}</b></div>
<div class="kpi">utilization of the cap: mean / median / p90<b>${(k.utilization.mean * 100).toFixed(1)}% / ${(k.utilization.median * 100).toFixed(1)}% / ${(k.utilization.p90 * 100).toFixed(1)}%</b></div>
<div class="kpi">clawed back / adjusted (${unit})<b>${fromWad(k.clawedBackWad, decimals)} / ${fromWad(k.adjustedWad, decimals)}</b></div>
<div class="kpi">credit → claim, hours: median / p90<b>${k.creditToClaimHours.median ?? "–"} / ${k.creditToClaimHours.p90 ?? "–"}</b>${k.creditToClaimHours.claimed} of ${k.creditToClaimHours.credits} credits claimed</div>
<div class="kpi">settlement gas per device-epoch<b>${k.settlementGasPerDeviceEpoch?.toLocaleString("en-US") ?? "–"}</b></div>
</div>

<h2>Charts</h2>
<div class="grid">
<div class="card"><canvas id="chart-rewards" height="220"></canvas></div>
<div class="card"><canvas id="chart-devices" height="220"></canvas></div>
<div class="card"><canvas id="chart-distribution" height="220"></canvas></div>
<div class="card"><canvas id="chart-revenue" height="220"></canvas></div>
<div class="card"><canvas id="chart-utilization" height="220"></canvas></div>
</div>

<h2>Pools: revenue, rewards and solvency (${unit})</h2>
<table id="pools"><tr><th>pool</th><th>funded</th><th>ledger credited</th><th>epoch owed</th><th>paid</th><th>owed</th><th>balance</th><th>clawed back</th><th>relayer fees</th><th>claims</th><th>settlement gas / device-epoch</th></tr>${poolRows}</table>

<h2>Revenue by funding reference</h2>
<table id="funding"><tr><th>pool</th><th>reference</th><th>fundings</th><th>funded (${unit})</th></tr>${fundingRows}</table>

<h2>Epochs</h2>
<table id="epochs"><tr><th>pool</th><th>mode</th><th>epoch</th><th>active devices</th><th>units</th><th>rewards (${unit})</th><th>budget used</th><th>utilization mean / median / p90</th><th>clawed back</th><th>adjusted</th></tr>${epochRows}</table>

<h2>Epoch commits</h2>
<table id="commits"><tr><th>pool</th><th>epoch</th><th>nonce</th><th>status</th><th>root</th><th>total owed</th><th>manifest</th><th>records</th><th>URI</th></tr>${commitRows}</table>

<h2>Top operators</h2>
<table id="operators"><tr><th>account</th><th>devices</th><th>rewards (${unit})</th></tr>${operatorRows}</table>

<script>${await chartLibrary()}</script>
<script>
const charts = ${JSON.stringify(charts).replace(/</g, "\\u003c")};
const titles = { rewards: "Rewards credited per epoch", devices: "Active devices per epoch", distribution: "Reward per device (${unit})", revenue: "Revenue (funding) against rewards", utilization: "Utilization: units per active device against the cap" };
window.chartsRendered = 0;
for (const [id, c] of Object.entries(charts)) {
  new Chart(document.getElementById("chart-" + id), {
    type: c.type,
    data: { labels: c.labels, datasets: c.datasets },
    options: { animation: false, responsive: true, plugins: { title: { display: true, text: titles[id] } }, scales: { y: { beginAtZero: true, title: { display: true, text: c.y } } } },
  });
  window.chartsRendered++;
}
</script>
</body></html>
`;
}
