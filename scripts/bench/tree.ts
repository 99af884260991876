/**
 * Epoch tree benchmark: builds an epoch of `--accounts` accounts (one device each) with its merkle tree and manifest,
 * then re-verifies it from the manifest text alone (as a verifier or an auditor would), timing each step and sampling
 * the process's resident memory for its peak. Pure SDK, no chain. Prints one JSON line.
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

let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
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
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
console.log(
  JSON.stringify({
    accounts,
    inputsS: Math.round(t1 - t0) / 1000,
    buildS: Math.round(t2 - t1) / 1000,
    verifyS: Math.round(t3 - t2) / 1000,
    totalS: Math.round(t3 - t1) / 1000,
    manifestMiB: Math.round(built.text.length / 1048576),
    peakMiB: Math.round(peak / 1048576),
  }),
);
