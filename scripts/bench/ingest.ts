/**
 * Ingest service benchmark (`npm run bench:ingest`): the verifier ingest service (PGlite in a temporary directory,
 * device signatures on SIG_THREADS worker threads) for one pool on the in-process chain, with DEVICES secp256k1 and
 * DEVICES P-256 devices registered through the SDK. For each variant (key mix, reports per request, concurrency) a
 * fresh database and service take 2 × DEVICES pre-signed reports (every device, the current and the last closed epoch)
 * from a load generator in its own process (node:http, keep-alive, 127.0.0.1 only), `concurrency` requests in flight,
 * bounded by the report count and by SECONDS. Measured: reports accepted per second, each acknowledged only once it
 * is committed (the stored row count is checked against the acknowledgements at the end), request latency
 * percentiles, the service process's peak RSS and heap, and the CPU time per report of the service process (all its
 * threads) and of the generator (the machine has 2 cores, shared with the generator and with whatever else runs:
 * the load average is recorded). Writes bench/ingest.json; `npm run bench` folds it into bench/results.json.
 *
 *   DEVICES=10000 SIG_THREADS=2 SECONDS=30 VARIANTS=mixed:20:4,secp256k1:1:32 npm run bench:ingest
 *
 * A variant is keys:reportsPerRequest:concurrency, keys one of secp256k1, p256, mixed (every other report P-256).
 * HEADLINE names the variant whose figures are `ingest_reports_per_s`, `ingest_p99_ms` and `ingest_rss_mib`.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { getPriority, loadavg, tmpdir } from "node:os";
import { join } from "node:path";

import { id } from "ethers";

import {
  buildRegistration,
  createNetwork,
  deployDepin,
  deviceIdOf,
  IngestService,
  P256DeviceKey,
  openAuditDb,
  poolDomain,
  registerFleet,
  registryDomain,
  Secp256k1DeviceKey,
  setupPool,
  signedReportJson,
  signWorkReport,
  WAD,
  type DeviceKey,
} from "../../sdk/src/index.js";
import { benchChain, DAY, USDC } from "./chain.js";
import { writeBenchFile } from "./output.js";

const env = (name: string, fallback: number, min: number, max: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer in ${min}..${max}`);
  return v;
};
const DEVICES = env("DEVICES", 10_000, 2, 100_000);
const SECONDS = env("SECONDS", 30, 1, 600);
const SIG_THREADS = env("SIG_THREADS", 2, 0, 16);
const KEY_MIXES = ["secp256k1", "p256", "mixed"] as const;
type KeyMix = (typeof KEY_MIXES)[number];
interface Variant {
  name: string;
  keys: KeyMix;
  perRequest: number;
  concurrency: number;
}
const DEFAULT_VARIANTS = "mixed:20:4,secp256k1:20:4,p256:20:4,mixed:20:8,mixed:1:32,secp256k1:1:32,p256:1:32";
const variants: Variant[] = (process.env.VARIANTS ?? DEFAULT_VARIANTS).split(",").map((spec) => {
  const [keys, per, conc] = spec.split(":");
  const perRequest = Number(per);
  const concurrency = Number(conc);
  if (
    !KEY_MIXES.includes(keys as KeyMix) ||
    !Number.isInteger(perRequest) ||
    perRequest < 1 ||
    perRequest > 1_000 ||
    !Number.isInteger(concurrency) ||
    concurrency < 1 ||
    concurrency > 1_024
  ) {
    throw new Error(`VARIANTS: "${spec}" is not keys:reportsPerRequest:concurrency (keys: ${KEY_MIXES.join(", ")})`);
  }
  return { name: `${keys}_b${perRequest}_c${concurrency}`, keys: keys as KeyMix, perRequest, concurrency };
});
const HEADLINE = process.env.HEADLINE ?? variants[0]!.name;
if (!variants.some((v) => v.name === HEADLINE)) throw new Error(`HEADLINE ${HEADLINE} is not among the variants`);

const { ethers, networkHelpers, signer } = await benchChain();
const admin = signer(0);
const operator = signer(1);
const { chainId } = await ethers.provider.getNetwork();
const deployed = await deployDepin(admin, { withTestToken: true });
await createNetwork(deployed.registry.connect(admin), { attestationRequired: false, metadataHash: id("bench") });
const registryAddress = await deployed.registry.getAddress();

let t = performance.now();
const secpKeys: DeviceKey[] = Array.from({ length: DEVICES }, () => Secp256k1DeviceKey.random());
const p256Keys: DeviceKey[] = Array.from({ length: DEVICES }, () => P256DeviceKey.random());
const keys = [...secpKeys, ...p256Keys];
const registrations = await Promise.all(
  keys.map((device) =>
    buildRegistration({
      device,
      domain: registryDomain(chainId, registryAddress),
      owner: operator.address,
      networkId: 1n,
      deadline: 2n ** 63n,
    }),
  ),
);
await registerFleet(deployed.registry.connect(operator), { networkId: 1n, registrations });
console.error(`registered ${keys.length} devices in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const token = deployed.token!;
await token.connect(admin).mint(admin.address, 10_000_000n * USDC);
const { address, pool } = await setupPool(deployed.factory.connect(admin), {
  config: {
    token: await token.getAddress(),
    networkId: 1,
    admin: admin.address,
    guardian: signer(2).address,
    verifiers: [signer(3).address],
    quorum: 1,
    epochLength: Number(DAY),
    changeDelay: Number(2n * DAY),
    challengePeriod: Number(DAY / 2n),
    settlementWindow: 7,
    params: { rate: WAD / 3n, epochBudget: 1_000_000n * USDC, deviceCap: 1_000_000n },
    minClaim: 0n,
    maxRelayerFee: 0n,
    requireDeviceSignatures: true,
    outflowLimit: 2_000_000n * USDC,
    outflowWindow: Number(DAY),
  },
  salt: id("bench-ingest"),
  funding: [{ amount: 1_000_000n * USDC, ref: id("bench") }],
});
await networkHelpers.time.increase(DAY); // epoch 1 is current, epoch 0 the last closed: both open to reports
const current = await pool.currentEpoch();

t = performance.now();
const domain = poolDomain(chainId, address);
/** Each key's signed reports (JSON, as posted) for the last closed and the current epoch. */
const signedFor = (key: DeviceKey): unknown[] =>
  [current - 1n, current].map((epoch) => {
    const report = {
      deviceId: deviceIdOf(key.keyType, key.key),
      epoch,
      units: 100n,
      evidenceHash: id(`${key.key}:${epoch}`),
    };
    return signedReportJson({ report, signature: signWorkReport(key, domain, report) });
  });
// Epoch by epoch, devices in order: [epoch0 of every device…, epoch1 of every device…].
const byEpoch = (ks: DeviceKey[]): unknown[] => {
  const both = ks.map(signedFor);
  return [...both.map((r) => r[0]), ...both.map((r) => r[1])];
};
const secpReports = byEpoch(secpKeys);
const p256Reports = byEpoch(p256Keys);
// mixed: half the secp256k1 devices and half the P-256 ones, alternating (2 × DEVICES reports like the others).
const half = Math.floor(DEVICES / 2);
const mixedReports = byEpoch(secpKeys.slice(0, half).flatMap((k, i) => [k, p256Keys[i]!]));
const reportsOf: Record<KeyMix, unknown[]> = { secp256k1: secpReports, p256: p256Reports, mixed: mixedReports };
console.error(
  `signed ${secpReports.length + p256Reports.length} reports in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);

// The load generator: plain JavaScript in its own process (its CPU is not the service's), node:http keep-alive.
const GENERATOR = `
const http = require("node:http");
const { readFileSync } = require("node:fs");
const [port, file, concurrency, seconds] = process.argv.slice(1);
const bodies = JSON.parse(readFileSync(file, "utf8"));
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const post = (body) => new Promise((resolve, reject) => {
  const req = http.request({ host: "127.0.0.1", port: Number(port), path: "/v1/reports", method: "POST", agent,
    headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
    const chunks = [];
    res.on("data", (c) => chunks.push(c));
    res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString("utf8") }));
    res.on("error", reject);
  });
  req.on("error", reject);
  req.end(body);
});
(async () => {
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + Number(seconds) * 1000;
  const latencies = [];
  const statuses = {};
  let next = 0;
  let acknowledged = 0;
  await Promise.all(Array.from({ length: Number(concurrency) }, async () => {
    while (next < bodies.length && performance.now() < deadline) {
      const body = bodies[next++];
      const t0 = performance.now();
      const { status, text } = await post(body);
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] || 0) + 1;
      if (status === 200) {
        const r = JSON.parse(text);
        acknowledged += Array.isArray(r.results) ? r.results.filter((x) => x.status === "accepted").length : r.duplicate ? 0 : 1;
      }
    }
  }));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  process.stdout.write(JSON.stringify({ latencies, statuses, elapsedMs, sent: next, acknowledged, cpuUs: cpu.user + cpu.system }));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

interface GeneratorResult {
  latencies: number[];
  statuses: Record<string, number>;
  elapsedMs: number;
  sent: number;
  acknowledged: number;
  cpuUs: number;
}

function generate(port: number, file: string, concurrency: number): Promise<GeneratorResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", GENERATOR, String(port), file, String(concurrency), String(SECONDS)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out) as GeneratorResult) : reject(new Error(`the load generator exited ${code}`)),
    );
  });
}

// PROFILE=prefix: a CPU profile of the service's thread per variant (prefix-<variant>.cpuprofile).
const { Session } = await import("node:inspector/promises");
const MIB = 2 ** 20;
/** The service thread's own CPU time (µs), where Node has process.threadCpuUsage (22.19 and later). */
const threadCpu = (): number | undefined => {
  const usage = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.();
  return usage === undefined ? undefined : usage.user + usage.system;
};
const results: Record<string, unknown>[] = [];
const flat: Record<string, number> = {};
async function runVariant(v: Variant, reports: unknown[]) {
  const bodies: string[] = [];
  for (let i = 0; i < reports.length; i += v.perRequest) {
    bodies.push(JSON.stringify(v.perRequest === 1 ? reports[i] : reports.slice(i, i + v.perRequest)));
  }
  const dir = await mkdtemp(join(tmpdir(), "depin-ingest-bench-"));
  const bodiesFile = join(dir, "bodies.json");
  await writeFile(bodiesFile, JSON.stringify(bodies));
  const db = await openAuditDb(join(dir, "db"));
  const service = await IngestService.create({
    db,
    pool: pool.connect(ethers.provider) as typeof pool,
    rateLimit: { reports: 1_000, windowMs: 60_000 },
    deviceTtlMs: 600_000,
    maxReportsPerRequest: 1_000,
    signatureThreads: SIG_THREADS,
  });
  const url = await service.listen(0, "127.0.0.1");
  if (!url.startsWith("http://127.0.0.1:")) throw new Error(`the service must listen on 127.0.0.1, got ${url}`);
  // Warm-up, not measured: one request of reports tampered with after signing (refused as "wrong signer", nothing
  // stored) loads the signature workers and compiles the hot paths.
  const warmup = reports.slice(0, 1_000).map((r) => {
    const x = r as { report: { units: string } };
    return { ...x, report: { ...x.report, units: "99" } };
  });
  const warm = await fetch(`${url}/v1/reports`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(warmup),
  });
  const warmed = (await warm.json()) as { results: { reason?: string }[] };
  if (warmed.results.some((r) => r.reason !== "bad_signature")) throw new Error("warm-up: a tampered report passed");
  const rejectedBefore = new Map(service.metrics.rejected);
  const profiler = process.env.PROFILE === undefined ? undefined : new Session();
  if (profiler !== undefined) {
    profiler.connect();
    await profiler.post("Profiler.enable");
    await profiler.post("Profiler.start");
  }
  global.gc?.();
  const load = loadavg()[0]!;
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 100);
  const cpu0 = process.cpuUsage();
  const thread0 = threadCpu();
  const result = await generate(Number(new URL(url).port), bodiesFile, v.concurrency);
  await service.close(); // every acknowledged report is committed before close resolves
  const cpu = process.cpuUsage(cpu0);
  const thread1 = threadCpu();
  const mainUs = thread0 === undefined || thread1 === undefined ? undefined : thread1 - thread0;
  clearInterval(sampler);
  if (profiler !== undefined) {
    const { profile } = await profiler.post("Profiler.stop");
    await writeFile(`${process.env.PROFILE}-${v.name}.cpuprofile`, JSON.stringify(profile));
    profiler.disconnect();
  }
  const stored = await service.store.count(address);
  await db.close();
  await rm(dir, { recursive: true, force: true });
  const accepted = service.metrics.accepted;
  if (stored !== accepted || result.acknowledged !== accepted) {
    throw new Error(`${v.name}: ${result.acknowledged} acknowledged, ${accepted} accepted, ${stored} stored`);
  }

  const sorted = [...result.latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const seconds = result.elapsedMs / 1000;
  const figures = {
    variant: v.name,
    keys: v.keys,
    reportsPerRequest: v.perRequest,
    concurrency: v.concurrency,
    signatureThreads: SIG_THREADS,
    reportsAvailable: reports.length,
    requests: result.latencies.length,
    statuses: result.statuses,
    accepted,
    acknowledged: result.acknowledged,
    stored,
    rejected: Object.fromEntries(
      [...service.metrics.rejected]
        .map(([reason, n]) => [reason, n - (rejectedBefore.get(reason) ?? 0)] as const)
        .filter(([, n]) => n > 0),
    ),
    seconds: +seconds.toFixed(3),
    reports_per_s: Math.round(accepted / seconds),
    p50_ms: +pct(50).toFixed(2),
    p99_ms: +pct(99).toFixed(2),
    max_ms: +pct(100).toFixed(2),
    rss_mib_before: Math.round(before.rss / MIB),
    rss_mib_peak: Math.round(peakRss / MIB),
    rss_mib_growth: Math.round((peakRss - before.rss) / MIB),
    heap_mib_peak: Math.round(peakHeap / MIB),
    service_cpu_us_per_report: Math.round((cpu.user + cpu.system) / accepted),
    service_thread_cpu_us_per_report: mainUs === undefined ? null : Math.round(mainUs / accepted),
    generator_cpu_us_per_report: Math.round(result.cpuUs / accepted),
    service_cpu_cores: +((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2),
    load_average_1m_before: +load.toFixed(2),
    // Derived, not measured: what 2 cores of its own would take at these CPU costs (service and generator on them,
    // nothing else), bounded by the service thread's own share (it is one thread).
    two_core_capacity_reports_per_s: Math.round(
      Math.min(
        2e6 / ((cpu.user + cpu.system + result.cpuUs) / accepted),
        mainUs === undefined ? Infinity : 1e6 / (mainUs / accepted),
      ),
    ),
  };
  return figures;
}

// The process's first run of the service compiles its hot paths (fastify, PGlite, the store, the registry reads): a
// discarded run of the first variant on 2,000 of its reports, in its own database, takes that out of every figure.
await runVariant(variants[0]!, reportsOf[variants[0]!.keys].slice(0, 2_000));
for (const v of variants) {
  const figures = await runVariant(v, reportsOf[v.keys]);
  console.log(JSON.stringify(figures));
  results.push(figures);
  flat[`ingest_${v.name}_reports_per_s`] = figures.reports_per_s;
  flat[`ingest_${v.name}_p99_ms`] = figures.p99_ms;
  flat[`ingest_${v.name}_rss_mib`] = figures.rss_mib_peak;
}

const headline = results.find((r) => r.variant === HEADLINE)!;
writeBenchFile("ingest", {
  command: "npm run bench:ingest",
  devices: { secp256k1: DEVICES, p256: DEVICES },
  signatureThreads: SIG_THREADS,
  secondsBound: SECONDS,
  // The machine is shared: a run started with `nice -n -10` (niceness -10) gets most of the 2 cores whatever else runs.
  niceness: getPriority(),
  headline: HEADLINE,
  ingest_reports_per_s: headline.reports_per_s,
  ingest_p99_ms: headline.p99_ms,
  ingest_rss_mib: headline.rss_mib_peak,
  figures: flat,
  variants: results,
});
