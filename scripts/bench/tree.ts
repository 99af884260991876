/**
 * Epoch tree benchmark: builds an epoch of `--accounts` accounts (one device each) with its merkle tree and manifest,
 * then re-verifies it from the manifest text alone (as a verifier or an auditor would), timing each step. Memory: the
 * process's peak resident set as the kernel counts it (getrusage maxrss, what `/usr/bin/time -v` prints; sampling
 * from a timer would miss it, the build being synchronous) and the resident set once the inputs are made, so the
 * tree's own share shows. Pure SDK, no chain. Prints one JSON line; `npm run bench` runs it at 10k, 100k and 1M.
 *
 *   node --import tsx scripts/bench/tree.ts --accounts 1000000
 */

import {
  buildEpoch,
  checksumAddress,
  DeviceStatus,
  fastKeccak256,
  readManifest,
  WAD,
  type DeviceState,
  type WorkReport,
} from "../../sdk/src/index.js";

const id = (text: string) => fastKeccak256(text);

const arg = process.argv.indexOf("--accounts");
const accounts = arg === -1 ? 10_000 : Number(process.argv[arg + 1]);
if (!Number.isInteger(accounts) || accounts < 1) throw new Error(`--accounts must be a positive integer`);

const t0 = performance.now();
const devices = new Map<bigint, DeviceState>();
const reports: WorkReport[] = [];
for (let i = 0; i < accounts; i++) {
  const deviceId = BigInt(id(`device-${i}`));
  devices.set(deviceId, {
    deviceId,
    networkId: 1n,
    status: DeviceStatus.Active,
    payee: checksumAddress("0x" + id(`account-${i}`).slice(26)),
    recordedInLedger: false,
  });
  reports.push({ deviceId, units: 1n + BigInt(i % 1000), evidenceHash: id(`evidence-${i}`) });
}
const t1 = performance.now();
const inputsRss = process.memoryUsage().rss;
const built = buildEpoch({
  pool: checksumAddress("0x" + id("pool").slice(26)),
  chainId: 31337n,
  epoch: 0,
  formulaVersion: 1,
  params: { rate: WAD / 3n, epochBudget: 10n ** 30n, deviceCap: 10n ** 6n },
  networkId: 1n,
  registryBlock: 1,
  devices,
  reports,
});
const t2 = performance.now();
const again = readManifest(built.text);
const t3 = performance.now();
if (again.manifest.root !== built.manifest.root) throw new Error("re-verification derived another root");
const MiB = 1024 * 1024;
console.log(
  JSON.stringify({
    accounts,
    inputsS: Math.round(t1 - t0) / 1000,
    buildS: Math.round(t2 - t1) / 1000,
    verifyS: Math.round(t3 - t2) / 1000,
    totalS: Math.round(t3 - t1) / 1000,
    manifestMiB: Math.round(built.text.length / MiB),
    inputsMiB: Math.round(inputsRss / MiB),
    peakMiB: Math.round((process.resourceUsage().maxRSS * 1024) / MiB),
  }),
);
