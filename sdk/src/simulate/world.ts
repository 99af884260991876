/**
 * The simulated world, derived from a seed alone (same seed, same world): operators with realistic fleet sizes, device
 * keys of both curves, each device's protocol, and per epoch the work reports devices sign, good and bad. Pure: no
 * chain access.
 */
import { Wallet, id, toBeHex, type TypedDataDomain } from "ethers";

import { P256_N, P256DeviceKey, Secp256k1DeviceKey, type DeviceKey } from "../core/keys.js";
import { SeededRandom } from "../core/random.js";
import { deviceIdOf } from "../core/registry.js";
import { signWorkReport, type SignedWorkReport } from "../core/work.js";

export type PoolMode = "ledger" | "epoch";
export type SimulationMode = PoolMode | "both";

/** The kinds of bad report the simulation sends, and what the verifiers must answer. */
export type BadReportKind =
  | "bad device signature"
  | "unknown device"
  | "device not active"
  | "over the per-device cap"
  | "duplicate"
  | "wrong network"
  | "wrong epoch";

export const BAD_REPORT_KINDS: readonly BadReportKind[] = [
  "bad device signature",
  "unknown device",
  "device not active",
  "over the per-device cap",
  "duplicate",
  "wrong network",
  "wrong epoch",
];

export type FleetClass = "large" | "medium" | "small" | "single";

export interface Operator {
  index: number;
  wallet: Wallet;
  fleetClass: FleetClass;
  /** Indices into `World.devices`. */
  devices: number[];
}

export interface SimDevice {
  index: number;
  key: DeviceKey;
  deviceId: bigint;
  /** The operator that registers it (the owner until it is sold). */
  operator: number;
  /** The pool (protocol) it works for. */
  mode: PoolMode;
}

export interface WorldOptions {
  nodes: number;
  epochs: number;
  mode: SimulationMode;
  seed: string;
  /** Per-device cap of the pools, in work units per epoch. */
  deviceCap: bigint;
}

export interface World {
  options: WorldOptions;
  operators: Operator[];
  devices: SimDevice[];
  /** Keys never registered (their reports are "unknown device"). */
  strangers: DeviceKey[];
  /** Devices the network admin suspends after registration (they keep reporting). */
  suspended: number[];
  /** One device per pool that inflates its first epoch's units and is caught afterwards. */
  cheaters: Map<PoolMode, number>;
  /** The device sold at the start of epoch 1 (or mid-epoch 0 in a one-epoch run), and its buyer. */
  sale: { device: number; buyer: number } | undefined;
  verifiers: Wallet[];
  attester: Wallet;
  relayer: Wallet;
  protocols: Record<PoolMode, Wallet>;
  /** The operator owning the few devices of a second network (their reports to these pools are "wrong network"). */
  foreignOperator: number;
  foreignDevices: DeviceKey[];
}

/** Share of devices with no report in an epoch. */
const IDLE_SHARE = 0.08;
/** Each kind of bad report, as a share of devices per epoch (at least one of each). */
const BAD_SHARE = 0.002;

function walletOf(seed: string, label: string): Wallet {
  return new Wallet(SeededRandom.bytes32(seed, label));
}

function deviceKeyOf(seed: string, label: string, p256: boolean): DeviceKey {
  const secret = BigInt(SeededRandom.bytes32(seed, label));
  if (!p256) return new Secp256k1DeviceKey(SeededRandom.bytes32(seed, label));
  return P256DeviceKey.fromScalar(toBeHex((secret % (P256_N - 1n)) + 1n, 32));
}

/** Fleet sizes summing to `nodes`: a few large fleets, some medium, many small ones and single devices. */
export function fleetSizes(nodes: number, rng: SeededRandom): { size: number; fleetClass: FleetClass }[] {
  const out: { size: number; fleetClass: FleetClass }[] = [];
  let left = nodes;
  const take = (size: number, fleetClass: FleetClass) => {
    const s = Math.min(size, left);
    if (s > 0) out.push({ size: s, fleetClass });
    left -= s;
  };
  if (nodes >= 100) for (const share of [0.14, 0.1, 0.06]) take(Math.round(nodes * share), "large");
  // Each class fills its share of the devices (the last fleet of a class is cut to fit); singles take the rest.
  for (let budget = Math.round(nodes * 0.3); budget > 0 && left > 0;) {
    const size = Math.min(rng.int(20, 100), budget);
    take(size, size === 1 ? "single" : "medium");
    budget -= size;
  }
  for (let budget = Math.round(nodes * 0.28); budget > 0 && left > 0;) {
    const size = Math.min(rng.int(2, 10), budget);
    take(size, size === 1 ? "single" : "small");
    budget -= size;
  }
  while (left > 0) take(1, "single");
  return out;
}

/** Builds the world of a run from its options. Deterministic in `seed`. */
export function buildWorld(options: WorldOptions): World {
  if (!Number.isInteger(options.nodes) || options.nodes < 20) throw new RangeError("a simulation needs ≥ 20 nodes");
  if (!Number.isInteger(options.epochs) || options.epochs < 1) throw new RangeError("a simulation needs ≥ 1 epoch");
  const rng = new SeededRandom(options.seed);
  const { seed } = options;
  const operators: Operator[] = [];
  const devices: SimDevice[] = [];
  for (const { size, fleetClass } of fleetSizes(options.nodes, rng)) {
    const index = operators.length;
    // Manufacturer fleets carry secure elements (P-256); hobbyists mostly use Ethereum keys (secp256k1).
    const p256Share = { large: 1, medium: 0.5, small: 0.2, single: 0.2 }[fleetClass];
    const p256 = rng.chance(p256Share);
    const operator: Operator = { index, wallet: walletOf(seed, `operator-${index}`), fleetClass, devices: [] };
    for (let i = 0; i < size; i++) {
      const d = devices.length;
      const key = deviceKeyOf(seed, `device-${d}`, p256);
      const mode: PoolMode = options.mode === "both" ? (rng.chance(0.5) ? "ledger" : "epoch") : options.mode;
      devices.push({ index: d, key, deviceId: deviceIdOf(key.keyType, key.key), operator: index, mode });
      operator.devices.push(d);
    }
    operators.push(operator);
  }
  const badCount = Math.max(1, Math.round(options.nodes * BAD_SHARE));
  const singles = operators.filter((o) => o.fleetClass === "single" || o.fleetClass === "small");
  const large = operators.find((o) => o.fleetClass === "large") ?? operators[0]!;
  // Suspended devices, cheaters and the device sold come from distinct devices; cheaters from small owners, who claim
  // only at the end (a clawback takes unclaimed credit only).
  const taken = new Set<number>();
  const pick = (from: readonly number[]): number => {
    const free = from.filter((d) => !taken.has(d));
    const d = free[rng.int(0, free.length - 1)]!;
    taken.add(d);
    return d;
  };
  const smallDevices = singles.flatMap((o) => o.devices);
  const cheaters = new Map<PoolMode, number>();
  for (const mode of ["ledger", "epoch"] as const) {
    const candidates = smallDevices.filter((d) => devices[d]!.mode === mode);
    if (candidates.length > 0 && (options.mode === "both" || options.mode === mode))
      cheaters.set(mode, pick(candidates));
  }
  const suspended = Array.from({ length: badCount }, () => pick(devices.map((d) => d.index)));
  const buyer = singles[rng.int(0, singles.length - 1)]!.index;
  const sale = { device: pick(large.devices), buyer };
  const strangers = Array.from({ length: badCount }, (_, i) => deviceKeyOf(seed, `stranger-${i}`, i % 2 === 1));
  const foreignDevices = Array.from({ length: badCount }, (_, i) => deviceKeyOf(seed, `foreign-${i}`, false));
  return {
    options,
    operators,
    devices,
    strangers,
    suspended,
    cheaters,
    sale,
    verifiers: Array.from({ length: 5 }, (_, i) => walletOf(seed, `verifier-${i}`)),
    attester: walletOf(seed, "attester"),
    relayer: walletOf(seed, "relayer"),
    protocols: { ledger: walletOf(seed, "protocol-ledger"), epoch: walletOf(seed, "protocol-epoch") },
    foreignOperator: large.index,
    foreignDevices,
  };
}

/** One epoch's reports for one pool, with what the simulation knows each bad one to be. */
export interface EpochReports {
  reports: SignedWorkReport[];
  /** The kind of each bad report, by its position in `reports`. */
  bad: Map<number, BadReportKind>;
  /** Devices with no report this epoch. */
  idle: number;
}

/**
 * The reports devices working for `mode`'s pool sign for `epoch`: heavy-tailed units (Pareto, capped), some idle
 * devices, the cheater's inflated units in epoch 0, and `BAD_SHARE` of each kind of bad report.
 */
export function epochReports(
  world: World,
  mode: PoolMode,
  epoch: number,
  domain: TypedDataDomain,
  onSigned?: (count: number) => void,
): EpochReports {
  const { seed, deviceCap, nodes } = world.options;
  const rng = new SeededRandom(`${seed}/reports/${mode}/${epoch}`);
  const reports: SignedWorkReport[] = [];
  const bad = new Map<number, BadReportKind>();
  const e = BigInt(epoch);
  const evidence = (d: number | string, tag = "") => id(`sim:${seed}:${mode}:${epoch}:${d}${tag}`);
  const suspended = new Set(world.suspended);
  let idle = 0;
  const add = (key: DeviceKey, units: bigint, evidenceHash: string, kind?: BadReportKind, epochOf = e) => {
    const report = { deviceId: deviceIdOf(key.keyType, key.key), epoch: epochOf, units, evidenceHash };
    if (kind !== undefined) bad.set(reports.length, kind);
    reports.push({ report, signature: signWorkReport(key, domain, report) });
  };
  const mine = world.devices.filter((d) => d.mode === mode);
  const count = Math.max(1, Math.round(nodes * BAD_SHARE * (mine.length / nodes)));
  const honestDevices = mine.filter((d) => !suspended.has(d.index) && world.cheaters.get(mode) !== d.index);
  const honest = () => honestDevices[rng.int(0, honestDevices.length - 1)]!;
  // Devices whose only report this epoch is over the cap (a second report would be a duplicate instead).
  const overCap = new Set(
    rng.sample(honestDevices.length, Math.min(count, honestDevices.length)).map((i) => honestDevices[i]!.index),
  );
  for (const d of mine) {
    const units = BigInt(Math.min(Number(deviceCap), Math.floor(rng.pareto(25, 1.25))));
    if (world.cheaters.get(mode) === d.index && epoch === 0) {
      add(d.key, deviceCap, evidence(d.index)); // inflated to the cap: passes every check, caught later
    } else if (suspended.has(d.index)) {
      add(d.key, units, evidence(d.index), "device not active");
    } else if (overCap.has(d.index)) {
      add(d.key, deviceCap + BigInt(rng.int(1, 1000)), evidence(d.index), "over the per-device cap");
    } else if (rng.chance(IDLE_SHARE)) {
      idle++;
    } else {
      add(d.key, units, evidence(d.index));
    }
    onSigned?.(1);
  }
  for (let i = 0; i < count; i++) {
    // A forged report: a real device's id, signed by another key.
    const victim = honest();
    const forger = world.strangers[i % world.strangers.length]!;
    const report = {
      deviceId: victim.deviceId,
      epoch: e,
      units: deviceCap / 2n,
      evidenceHash: evidence("forged", `${i}`),
    };
    const forged = signWorkReport(forger, domain, { ...report, deviceId: deviceIdOf(forger.keyType, forger.key) });
    bad.set(reports.length, "bad device signature");
    reports.push({
      report,
      signature: { keyType: victim.key.keyType, key: victim.key.key, signature: forged.signature },
    });
    // A device that was never registered.
    add(world.strangers[i % world.strangers.length]!, 10n, evidence("stranger", `${i}`), "unknown device");
    // A device of another network.
    add(world.foreignDevices[i % world.foreignDevices.length]!, 5n, evidence("foreign", `${i}`), "wrong network");
    // A stale report from the previous epoch, replayed.
    if (epoch > 0) add(honest().key, 7n, evidence("stale", `${i}`), "wrong epoch", e - 1n);
  }
  // Duplicates: a second report from a device that already reported (the first one counts).
  const reported = reports.filter((_, i) => !bad.has(i));
  for (let i = 0; i < count && reported.length > 0; i++) {
    const first = reported[rng.int(0, reported.length - 1)]!;
    const key = world.devices.find((d) => d.deviceId === first.report.deviceId)!.key;
    add(key, first.report.units + 1n, evidence("dup", `${i}`), "duplicate");
  }
  return { reports, bad, idle };
}
