/**
 * The verifier ingest service (`depin verifier serve`): devices POST their signed work reports (the pool's EIP-712
 * `WorkReport`, secp256k1 or P-256) to /v1/reports; each is checked (signature in this pool's domain, epoch window,
 * per-device rate, the device's registry state and network, the epoch's per-device cap, duplicates) and the accepted
 * ones are stored in the audit database (`work_reports`), one per (pool, epoch, device). A refused report gets a 4xx
 * JSON `{ reason, detail? }` with a machine-readable reason, and is counted in /metrics (Prometheus text).
 *
 * Built on fastify: its body limit (413 `body_too_large`), content-type parsing (any type, parsed as JSON) and error
 * handling give every refusal the same `{ reason, detail? }` shape.
 *
 * Body: one report or an array of them, bigints as decimal strings:
 *   { "report": { "deviceId": "…", "epoch": "3", "units": "120", "evidenceHash": "0x…" },
 *     "signature": { "keyType": 1, "key": "0x…", "signature": "0x…" } }
 * One report: 200 `{ status: "accepted", duplicate: false }` (or `duplicate: true` for the same report again), 409
 * `{ reason: "duplicate" }` for a different report of the same device and epoch, 4xx `{ reason }` otherwise. An array:
 * 200 `{ results: [...] }`, one `{ status: "accepted" | "duplicate" | "rejected", reason? }` per report, in order.
 */
import type { AddressInfo } from "node:net";

import Fastify, { type FastifyError, type FastifyInstance } from "fastify";

import { getAddress, isHexString, type TypedDataDomain } from "ethers";

import type { AuditDb } from "../audit/db.js";
import type { DeviceRegistry, IRewardPool } from "../contracts/index.js";
import type { DeviceState, EpochParams } from "../core/epoch.js";
import { DeviceStatus, KeyType } from "../core/registry.js";
import { checkWorkReportSignatureFast, type SignedWorkReport } from "../core/work.js";
import { deviceRegistryAt } from "../actions/registry.js";
import { readDeviceStates } from "../actions/readDeviceStates.js";
import { readPoolDomain } from "../actions/readPoolDomain.js";
import { IngestMetrics } from "./metrics.js";
import { SignaturePool } from "./signaturePool.js";
import { WorkReportStore } from "./store.js";

/** Machine-readable reasons a report or a request is refused. */
export type IngestRejection =
  | "malformed"
  | "bad_signature"
  | "epoch_not_open"
  | "rate_limited"
  | "unknown_device"
  | "wrong_network"
  | "device_not_active"
  | "zero_units"
  | "over_cap"
  | "duplicate"
  | "body_too_large"
  | "too_many_reports"
  | "unavailable";

const STATUS: Record<IngestRejection, number> = {
  malformed: 400,
  bad_signature: 422,
  epoch_not_open: 422,
  rate_limited: 429,
  unknown_device: 422,
  wrong_network: 422,
  device_not_active: 422,
  zero_units: 422,
  over_cap: 422,
  duplicate: 409,
  body_too_large: 413,
  too_many_reports: 413,
  unavailable: 503,
};

export interface IngestServiceOptions {
  db: AuditDb;
  /** The pool, connected to a provider. */
  pool: IRewardPool;
  /** The registry (default: the pool's). */
  registry?: DeviceRegistry;
  /** How long a device's registry state is trusted (default 5 s). */
  deviceTtlMs?: number;
  /** Largest request body (default 1 MiB) and most reports per request (default 1,000). */
  maxBodyBytes?: number;
  maxReportsPerRequest?: number;
  /** Reports per device per window (default 10 per 60 s); duplicates count. */
  rateLimit?: { reports: number; windowMs: number };
  /** The chain's time in seconds (default: the latest block's timestamp, read at most once a second). */
  clock?: () => Promise<bigint>;
  /** Worker threads for device signature checks (default 0: on the service's thread). */
  signatureThreads?: number;
  /**
   * How long after an epoch ends its reports are still taken, in seconds of chain time (default: the epoch length,
   * i.e. through the next epoch). The verifier quorum closes an epoch once this has passed.
   */
  lateSeconds?: bigint;
  /** Called with each checked report just before it is stored (tests stop the service there). */
  beforeStore?: (r: SignedWorkReport) => Promise<void> | void;
}

export interface ReportResult {
  status: "accepted" | "duplicate" | "rejected";
  reason?: IngestRejection;
  detail?: string;
}

interface PoolFacts {
  address: string;
  domain: TypedDataDomain;
  networkId: bigint;
  genesis: bigint;
  epochLength: bigint;
}

/** A refusal with its machine-readable reason (the 4xx status follows from it). */
export class Refusal extends Error {
  constructor(
    readonly reason: IngestRejection,
    readonly detail?: string,
  ) {
    super(reason);
  }
}

function refusalBody(r: Refusal): { reason: IngestRejection; detail?: string } {
  return r.detail === undefined ? { reason: r.reason } : { reason: r.reason, detail: r.detail };
}

const DECIMAL = /^(0|[1-9]\d{0,77})$/;

/** A non-negative integer of at most `bits` bits (the field's EIP-712 type), or a `malformed` refusal naming it. */
function big(value: unknown, field: string, bits: number): bigint {
  let n: bigint;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) n = BigInt(value);
  else if (typeof value === "string" && DECIMAL.test(value)) n = BigInt(value);
  else throw new Refusal("malformed", `${field} must be a decimal string`);
  if (n >> BigInt(bits) !== 0n) throw new Refusal("malformed", `${field} must fit in uint${bits}`);
  return n;
}

function hex(value: unknown, field: string, bytes?: number): string {
  if (typeof value !== "string" || !isHexString(value, bytes)) throw new Refusal("malformed", `${field} must be hex`);
  return value;
}

/** A report from its JSON form, or a `malformed` refusal naming the field. */
export function parseSignedReport(x: unknown): SignedWorkReport {
  if (typeof x !== "object" || x === null) throw new Refusal("malformed", "a report must be an object");
  const { report, signature } = x as { report?: Record<string, unknown>; signature?: Record<string, unknown> };
  if (typeof report !== "object" || report === null) throw new Refusal("malformed", "report missing");
  if (typeof signature !== "object" || signature === null) throw new Refusal("malformed", "signature missing");
  const keyType = signature.keyType;
  if (keyType !== KeyType.Secp256k1 && keyType !== KeyType.P256) {
    throw new Refusal("malformed", `signature.keyType must be ${KeyType.Secp256k1} or ${KeyType.P256}`);
  }
  return {
    report: {
      deviceId: big(report.deviceId, "report.deviceId", 256),
      epoch: big(report.epoch, "report.epoch", 32),
      units: big(report.units, "report.units", 64),
      evidenceHash: hex(report.evidenceHash, "report.evidenceHash", 32),
    },
    signature: {
      keyType,
      key: hex(signature.key, "signature.key"),
      signature: hex(signature.signature, "signature.signature"),
    },
  };
}

/** A signed report in its JSON form (bigints as decimal strings), as devices post it. */
export function signedReportJson(r: SignedWorkReport): unknown {
  return {
    report: {
      deviceId: r.report.deviceId.toString(),
      epoch: r.report.epoch.toString(),
      units: r.report.units.toString(),
      evidenceHash: r.report.evidenceHash,
    },
    signature: { keyType: Number(r.signature.keyType), key: r.signature.key, signature: r.signature.signature },
  };
}

export class IngestService {
  readonly metrics = new IngestMetrics();
  readonly store: WorkReportStore;
  private app: FastifyInstance | undefined;
  /** Routes added before `listen` (the verifier quorum's); each gets the fastify app. */
  readonly routes: ((app: FastifyInstance) => void)[] = [];
  private readonly devices = new Map<bigint, { at: number; state: Promise<DeviceState> }>();
  private readonly params = new Map<bigint, Promise<EpochParams>>();
  private readonly windows = new Map<bigint, { start: number; n: number }>();
  private deviceBatch: { ids: bigint[]; read: Promise<Map<bigint, DeviceState>> } | undefined;
  private chainTime: { at: number; value: Promise<bigint> } | undefined;
  private readonly ttl: number;
  private readonly maxBody: number;
  private readonly maxReports: number;
  private readonly limit: { reports: number; windowMs: number };
  private readonly signatures: SignaturePool | undefined;
  /** Epochs the verifier has closed: their reports are no longer taken (what was signed must not change). */
  private readonly closed = new Set<bigint>();

  private constructor(
    private readonly opts: IngestServiceOptions,
    readonly facts: PoolFacts,
    private readonly registry: DeviceRegistry,
  ) {
    this.store = new WorkReportStore(opts.db);
    this.ttl = opts.deviceTtlMs ?? 5_000;
    this.maxBody = opts.maxBodyBytes ?? 1 << 20;
    this.maxReports = opts.maxReportsPerRequest ?? 1_000;
    this.limit = opts.rateLimit ?? { reports: 10, windowMs: 60_000 };
    const threads = opts.signatureThreads ?? 0;
    this.signatures = threads > 0 ? new SignaturePool(facts.domain, threads) : undefined;
  }

  /** Reads the pool's domain, network and epoch clock, ready to `listen`. */
  static async create(opts: IngestServiceOptions): Promise<IngestService> {
    const [settings, domain, address] = await Promise.all([
      opts.pool.settings(),
      readPoolDomain(opts.pool),
      opts.pool.getAddress(),
    ]);
    const registry = opts.registry ?? deviceRegistryAt(settings.registry, opts.pool.runner!);
    return new IngestService(
      opts,
      {
        address: getAddress(address),
        domain,
        networkId: settings.networkId,
        genesis: settings.genesis,
        epochLength: settings.epochLength,
      },
      registry,
    );
  }

  /**
   * The fastify app: routes, the body limit and the JSON parser (any content type: devices need not label their
   * posts), errors mapped to `{ reason, detail? }`. `routes` adds more (the verifier quorum's).
   */
  build(routes?: (app: FastifyInstance) => void): FastifyInstance {
    const app = Fastify({ bodyLimit: this.maxBody, keepAliveTimeout: 5_000, logger: false, return503OnClosing: true });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new Refusal("malformed", "the body is not JSON"), undefined);
      }
    });
    // bigints leave as decimal strings, as they arrive.
    app.setReplySerializer((payload) =>
      JSON.stringify(payload, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
    );
    app.addHook("onResponse", (_req, reply, done) => {
      this.metrics.observe(reply.elapsedTime / 1000);
      done();
    });
    app.setErrorHandler((error: FastifyError | Refusal, _req, reply) => {
      let refusal: Refusal | undefined;
      if (error instanceof Refusal) refusal = error;
      else if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
        refusal = new Refusal("body_too_large", `at most ${this.maxBody} bytes`);
      } else if (error.code?.startsWith("FST_ERR_CTP_") === true) refusal = new Refusal("malformed", error.message);
      if (refusal === undefined) {
        const status = (error as FastifyError).statusCode ?? 500;
        return reply
          .code(status >= 400 && status < 500 ? status : 500)
          .send({ reason: "internal", detail: String(error) });
      }
      this.metrics.reject(refusal.reason);
      if (refusal.reason === "body_too_large") reply.header("connection", "close");
      return reply.code(STATUS[refusal.reason]).send(refusalBody(refusal));
    });
    app.setNotFoundHandler((_req, reply) => reply.code(404).send({ reason: "not_found" }));

    const health = () => ({ ok: true, pool: this.facts.address, networkId: this.facts.networkId.toString() });
    app.get("/healthz", async () => health());
    app.get("/health", async () => health());
    app.get("/metrics", async (_req, reply) => reply.type("text/plain; version=0.0.4").send(this.metrics.render()));
    app.post("/v1/reports", async (req, reply) => {
      const body = req.body;
      if (Array.isArray(body)) {
        if (body.length > this.maxReports) {
          throw new Refusal("too_many_reports", `at most ${this.maxReports} reports per request`);
        }
        return { results: await Promise.all(body.map((x) => this.ingest(x))) };
      }
      const r = await this.ingest(body);
      if (r.status === "rejected") return reply.code(STATUS[r.reason!]).send({ reason: r.reason, detail: r.detail });
      return { status: "accepted", duplicate: r.status === "duplicate" };
    });
    app.route({
      method: ["GET", "PUT", "DELETE", "PATCH"],
      url: "/v1/reports",
      handler: async (_req, reply) => reply.code(405).send({ reason: "method_not_allowed" }),
    });
    routes?.(app);
    return app;
  }

  /** Starts serving; resolves with the URL once listening (port 0: a free port). */
  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    const app = this.build((a) => this.routes.forEach((r) => r(a)));
    await app.listen({ port, host });
    this.app = app;
    const a = app.server.address() as AddressInfo;
    return `http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`;
  }

  /** Stops accepting requests, waits for stored reports to commit. Does not close the database. */
  async close(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    if (app !== undefined) {
      app.server.closeIdleConnections();
      await app.close();
    }
    await this.store.drain();
    await this.signatures?.close();
  }

  /** Checks and stores one report. Never throws: a failure is a rejection with its reason. */
  async ingest(x: unknown): Promise<ReportResult> {
    try {
      const r = parseSignedReport(x);
      const epoch = r.report.epoch;
      const now = await this.now();
      const current = this.epochAt(now);
      const late = epoch + 1n === current && now >= this.epochEnd(epoch) + this.lateSeconds;
      if ((epoch !== current && epoch + 1n !== current) || late) {
        const open = current > 0n && now < this.epochEnd(current - 1n) + this.lateSeconds ? `${current - 1n}, ` : "";
        throw new Refusal("epoch_not_open", `epoch ${epoch}; open: ${open}${current}`);
      }
      if (this.closed.has(epoch)) throw new Refusal("epoch_not_open", `epoch ${epoch} is closed`);
      const problem =
        this.signatures === undefined
          ? checkWorkReportSignatureFast(this.facts.domain, r.report, r.signature)
          : await this.signatures.check(r);
      if (problem !== undefined) throw new Refusal("bad_signature", problem);
      this.takeRate(r.report.deviceId);
      const [device, params] = await Promise.all([this.deviceState(r.report.deviceId), this.paramsAt(epoch)]);
      if (device.status === DeviceStatus.None) throw new Refusal("unknown_device");
      if (device.networkId !== this.facts.networkId) throw new Refusal("wrong_network", `network ${device.networkId}`);
      if (device.status !== DeviceStatus.Active) throw new Refusal("device_not_active");
      if (r.report.units === 0n) throw new Refusal("zero_units");
      if (r.report.units > params.deviceCap) throw new Refusal("over_cap", `cap ${params.deviceCap}`);
      await this.opts.beforeStore?.(r);
      // Checked again right before it is queued (synchronously): a close drains the queue after it marks the epoch.
      if (this.closed.has(epoch)) throw new Refusal("epoch_not_open", `epoch ${epoch} is closed`);
      const outcome = await this.store.put({ ...r, pool: this.facts.address, payee: device.payee });
      if (outcome.kind === "conflict")
        throw new Refusal("duplicate", "another report for this device and epoch is stored");
      if (outcome.kind === "duplicate") {
        this.metrics.duplicates++;
        return { status: "duplicate" };
      }
      this.metrics.accepted++;
      return { status: "accepted" };
    } catch (error) {
      const refusal = error instanceof Refusal ? error : new Refusal("unavailable", String(error));
      this.metrics.reject(refusal.reason);
      return {
        status: "rejected",
        reason: refusal.reason,
        ...(refusal.detail === undefined ? {} : { detail: refusal.detail }),
      };
    }
  }

  private takeRate(deviceId: bigint): void {
    const now = Date.now();
    let w = this.windows.get(deviceId);
    if (w === undefined || now - w.start >= this.limit.windowMs) {
      if (this.windows.size > 1_000_000) this.windows.clear(); // bounded memory; at worst a window restarts early
      w = { start: now, n: 0 };
      this.windows.set(deviceId, w);
    }
    if (++w.n > this.limit.reports) {
      throw new Refusal("rate_limited", `at most ${this.limit.reports} reports per ${this.limit.windowMs} ms`);
    }
  }

  private deviceState(deviceId: bigint): Promise<DeviceState> {
    const now = Date.now();
    const cached = this.devices.get(deviceId);
    if (cached !== undefined && now - cached.at < this.ttl) return cached.state;
    // Misses of one turn of the event loop are read together (one `packedRewardInfos` call per 500 devices).
    if (this.deviceBatch === undefined) {
      const ids: bigint[] = [];
      const read = new Promise<Map<bigint, DeviceState>>((resolve, reject) =>
        setImmediate(() => {
          this.deviceBatch = undefined;
          readDeviceStates(this.registry, ids).then(resolve, reject);
        }),
      );
      this.deviceBatch = { ids, read };
    }
    this.deviceBatch.ids.push(deviceId);
    const state = this.deviceBatch.read.then((m) => m.get(deviceId)!);
    if (this.devices.size > 1_000_000) this.devices.clear();
    this.devices.set(deviceId, { at: now, state });
    state.catch(() => this.devices.delete(deviceId));
    return state;
  }

  private paramsAt(epoch: bigint): Promise<EpochParams> {
    let p = this.params.get(epoch);
    if (p === undefined) {
      p = this.opts.pool
        .rewardParamsAt(epoch)
        .then((x) => ({ rate: x.rate, epochBudget: x.epochBudget, deviceCap: x.deviceCap }));
      p.catch(() => this.params.delete(epoch));
      this.params.set(epoch, p);
    }
    return p;
  }

  /** Takes no more reports for `epoch`, and resolves once every report already taken for it is stored. */
  async closeEpoch(epoch: bigint): Promise<void> {
    this.closed.add(epoch);
    await this.store.drain();
  }

  /** The epoch `now` (chain time, seconds) is in; -1 before genesis. */
  epochAt(now: bigint): bigint {
    return now < this.facts.genesis ? -1n : (now - this.facts.genesis) / this.facts.epochLength;
  }

  /** The first second after `epoch`. */
  epochEnd(epoch: bigint): bigint {
    return this.facts.genesis + (epoch + 1n) * this.facts.epochLength;
  }

  get lateSeconds(): bigint {
    return this.opts.lateSeconds ?? this.facts.epochLength;
  }

  /** The chain's time in seconds (the latest block's timestamp, read at most once a second, or the `clock` option). */
  now(): Promise<bigint> {
    if (this.opts.clock !== undefined) return this.opts.clock();
    const t = Date.now();
    if (this.chainTime === undefined || t - this.chainTime.at >= 1_000) {
      const provider = this.opts.pool.runner!.provider!;
      const value = provider.getBlock("latest").then((b) => BigInt(b!.timestamp));
      value.catch(() => (this.chainTime = undefined));
      this.chainTime = { at: t, value };
    }
    return this.chainTime.value;
  }
}
