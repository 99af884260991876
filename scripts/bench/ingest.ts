/**
 * Ingest service benchmark: the verifier ingest service (node:http, PGlite in a temporary directory) for one pool on
 * the in-process chain, with DEVICES devices registered through the SDK; a load generator on a worker thread (so it
 * does not share the service's thread) posts pre-signed reports over 127.0.0.1 with keep-alive, CONCURRENCY requests
 * in flight, PER_REQUEST reports per request, for the current and the last closed epoch (2 × DEVICES reports at most),
 * bounded by SECONDS. Prints one JSON line (reports/s accepted, latency percentiles, memory) and writes
 * bench/ingest.json.
 *
 *   DEVICES=5000 KEYS=secp256k1|p256 SIG_THREADS=0 PER_REQUEST=1 CONCURRENCY=64 SECONDS=30 npx hardhat run scripts/bench/ingest.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";

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
} from "../../sdk/src/index.js";
import { benchChain, DAY, USDC } from "./chain.js";
import { writeBenchFile } from "./output.js";

const env = (name: string, fallback: number, max: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`${name} must be an integer in 1..${max}`);
  return v;
};
const DEVICES = env("DEVICES", 5_000, 100_000);
const PER_REQUEST = env("PER_REQUEST", 1, 1_000);
const CONCURRENCY = env("CONCURRENCY", 64, 1_024);
const SECONDS = env("SECONDS", 30, 600);
const SIG_THREADS = Number(process.env.SIG_THREADS ?? 0);
const KEYS = process.env.KEYS === "p256" ? "p256" : "secp256k1";

const { ethers, networkHelpers, signer } = await benchChain();
const admin = signer(0);
const operator = signer(1);
const { chainId } = await ethers.provider.getNetwork();
const deployed = await deployDepin(admin, { withTestToken: true });
await createNetwork(deployed.registry.connect(admin), { attestationRequired: false, metadataHash: id("bench") });
const registryAddress = await deployed.registry.getAddress();

let t = performance.now();
const keys = Array.from({ length: DEVICES }, () =>
  KEYS === "p256" ? P256DeviceKey.random() : Secp256k1DeviceKey.random(),
);
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
console.error(`registered ${DEVICES} devices in ${((performance.now() - t) / 1000).toFixed(1)} s`);

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
const reports: unknown[] = [];
for (const epoch of [current - 1n, current]) {
  for (const key of keys) {
    const report = {
      deviceId: deviceIdOf(key.keyType, key.key),
      epoch,
      units: 100n,
      evidenceHash: id(`${key.key}:${epoch}`),
    };
    reports.push(signedReportJson({ report, signature: signWorkReport(key, domain, report) }));
  }
}
const bodies: string[] = [];
for (let i = 0; i < reports.length; i += PER_REQUEST) {
  bodies.push(JSON.stringify(PER_REQUEST === 1 ? reports[i] : reports.slice(i, i + PER_REQUEST)));
}
console.error(`signed ${reports.length} reports in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const dir = await mkdtemp(join(tmpdir(), "depin-ingest-bench-"));
const db = await openAuditDb(dir);
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

// The load generator: plain JavaScript on a worker thread, keep-alive fetch, CONCURRENCY loops.
const generator = `
const { parentPort, workerData } = require("node:worker_threads");
const { url, bodies, concurrency, seconds } = workerData;
(async () => {
  const deadline = performance.now() + seconds * 1000;
  const latencies = [];
  const statuses = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < bodies.length && performance.now() < deadline) {
      const body = bodies[next++];
      const t0 = performance.now();
      const res = await fetch(url + "/v1/reports", { method: "POST", headers: { "content-type": "application/json" }, body });
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      statuses[res.status] = (statuses[res.status] || 0) + 1;
    }
  }));
  parentPort.postMessage({ latencies, statuses, elapsedMs: performance.now() - started, sent: next });
})().catch((e) => parentPort.postMessage({ error: String(e) }));
`;
// PROFILE=file.cpuprofile: a CPU profile of the service's thread while the load runs.
const { Session } = await import("node:inspector/promises");
const profiler = process.env.PROFILE === undefined ? undefined : new Session();
if (profiler !== undefined) {
  profiler.connect();
  await profiler.post("Profiler.enable");
  await profiler.post("Profiler.start");
}
const rssBefore = process.memoryUsage().rss;
let peakRss = rssBefore;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
const result = await new Promise<{
  latencies: number[];
  statuses: Record<string, number>;
  elapsedMs: number;
  sent: number;
  error?: string;
}>((resolve, reject) => {
  const w = new Worker(generator, {
    eval: true,
    workerData: { url, bodies, concurrency: CONCURRENCY, seconds: SECONDS },
  });
  w.once("message", resolve);
  w.once("error", reject);
});
clearInterval(sampler);
if (profiler !== undefined) {
  const { profile } = await profiler.post("Profiler.stop");
  const { writeFile } = await import("node:fs/promises");
  await writeFile(process.env.PROFILE!, JSON.stringify(profile));
}
if (result.error !== undefined) throw new Error(result.error);
await service.close();
const stored = await service.store.count(address);
await db.close();
await rm(dir, { recursive: true, force: true });

const sorted = [...result.latencies].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const figures = {
  devices: DEVICES,
  keys: KEYS,
  signatureThreads: SIG_THREADS,
  reportsPerRequest: PER_REQUEST,
  concurrency: CONCURRENCY,
  requests: result.latencies.length,
  statuses: result.statuses,
  accepted: service.metrics.accepted,
  stored,
  rejected: Object.fromEntries(service.metrics.rejected),
  seconds: +(result.elapsedMs / 1000).toFixed(3),
  ingest_reports_per_s: Math.round(service.metrics.accepted / (result.elapsedMs / 1000)),
  ingest_p50_ms: +pct(50).toFixed(2),
  ingest_p99_ms: +pct(99).toFixed(2),
  ingest_max_ms: +pct(100).toFixed(2),
  rss_mb_before: Math.round(rssBefore / 2 ** 20),
  rss_mb_peak: Math.round(peakRss / 2 ** 20),
};
console.log(JSON.stringify(figures));
writeBenchFile(`ingest-${PER_REQUEST}`, figures);
