import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import {
  attestBatch,
  buildEpoch,
  buildEpochFromStore,
  buildLedgerBatchesFromStore,
  openAuditDb,
  readEpochInputs,
  submitProofBatch,
  WorkReportStore,
  type AuditDb,
} from "../../sdk/src/index.js";
import { DAY, DEVICE_CAP, ingestFixture } from "./fixture.js";

describe("Verifier ingest service", function () {
  this.timeout(180_000);

  let f: Awaited<ReturnType<typeof ingestFixture>>;
  let dir: string;
  let db: AuditDb;
  let svc: Awaited<ReturnType<typeof f.start>>;

  before(async function () {
    f = await ingestFixture();
    dir = await mkdtemp(join(tmpdir(), "depin-ingest-"));
    db = await openAuditDb(dir);
    svc = await f.start({ db });
  });

  after(async function () {
    await svc?.service.close();
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(name + " "));
    return line === undefined ? 0 : Number(line.split(" ")[1]);
  };

  it("answers /healthz and /metrics", async function () {
    const health = await fetch(`${svc.url}/healthz`);
    expect(health.status).to.equal(200);
    expect(await health.json()).to.include({ ok: true, pool: f.pools[0]!.address });
    const metrics = await fetch(`${svc.url}/metrics`);
    expect(metrics.headers.get("content-type")).to.match(/^text\/plain/);
    expect(await metrics.text()).to.include("depin_ingest_request_duration_seconds_bucket");
  });

  it("accepts a valid secp256k1 report and a valid P-256 report and stores them", async function () {
    for (const d of [f.devices[0]!, f.devices[6]!]) {
      const r = await svc.post(f.json(f.sign(d, 100n)));
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(r.body).to.deep.equal({ status: "accepted", duplicate: false });
    }
    const stored = await svc.service.store.list(f.pools[0]!.address, f.epoch);
    expect(stored.map((s) => s.report.deviceId)).to.have.members([f.devices[0]!.deviceId, f.devices[6]!.deviceId]);
    expect(await metric("depin_ingest_reports_accepted_total")).to.equal(2);
  });

  it("takes the same report twice as one record (200, duplicate: true), even re-signed with P-256", async function () {
    const again = await svc.post(f.json(f.sign(f.devices[0]!, 100n)));
    expect(again.status).to.equal(200);
    expect(again.body).to.deep.equal({ status: "accepted", duplicate: true });
    // P-256 signatures differ each time the device signs: the report, not the signature, makes it the same.
    const resigned = await svc.post(f.json(f.sign(f.devices[6]!, 100n)));
    expect(resigned.body).to.deep.equal({ status: "accepted", duplicate: true });
    expect(await svc.service.store.count(f.pools[0]!.address, f.epoch)).to.equal(2);
  });

  it("refuses a different report for the same device and epoch with 409 duplicate", async function () {
    const r = await svc.post(f.json(f.sign(f.devices[0]!, 101n)));
    expect(r.status).to.equal(409);
    expect(r.body.reason).to.equal("duplicate");
    const [stored] = (await svc.service.store.list(f.pools[0]!.address, f.epoch)).filter(
      (s) => s.report.deviceId === f.devices[0]!.deviceId,
    );
    expect(stored!.report.units).to.equal(100n);
  });

  it("refuses a forged signature (tampered report, another key, garbage) with bad_signature", async function () {
    const good = f.sign(f.devices[1]!, 50n);
    const tampered = f.json({ ...good, report: { ...good.report, units: 999n } });
    const otherKey = f.json({ ...good, signature: { ...good.signature, key: f.devices[2]!.key.key } });
    const other = f.sign(f.devices[2]!, 50n);
    const stolen = f.json({
      report: good.report,
      signature: { ...good.signature, signature: other.signature.signature },
    });
    for (const body of [tampered, otherKey, stolen]) {
      const r = await svc.post(body);
      expect(r.status, JSON.stringify(r.body)).to.equal(422);
      expect(r.body.reason).to.equal("bad_signature");
    }
    expect(await metric('depin_ingest_reports_rejected_total{reason="bad_signature"}')).to.equal(3);
  });

  it("refuses a report signed for another pool's domain (replay from pool B)", async function () {
    const forB = f.sign(f.devices[1]!, 50n, { domain: f.pools[1]!.domain });
    const r = await svc.post(f.json(forB));
    expect(r.status).to.equal(422);
    expect(r.body).to.deep.include({ reason: "bad_signature", detail: "wrong signer" });
  });

  it("refuses unregistered, retired and foreign-network devices, zero units and over-cap units", async function () {
    const cases: [ReturnType<typeof f.sign>, string][] = [
      [f.sign(f.unregistered[0]!, 10n), "unknown_device"],
      [f.sign(f.retired, 10n), "device_not_active"],
      [f.sign(f.foreign[0]!, 10n), "wrong_network"],
      [f.sign(f.devices[3]!, 0n), "zero_units"],
      [f.sign(f.devices[3]!, DEVICE_CAP + 1n), "over_cap"],
    ];
    for (const [report, reason] of cases) {
      const r = await svc.post(f.json(report));
      expect(r.status, reason).to.equal(422);
      expect(r.body.reason).to.equal(reason);
    }
  });

  it("refuses reports outside the open epochs and malformed bodies", async function () {
    const r = await svc.post(f.json(f.sign(f.devices[3]!, 10n, { epoch: f.epoch + 1n })));
    expect(r.status).to.equal(422);
    expect(r.body.reason).to.equal("epoch_not_open");
    for (const body of ["{not json", { report: { deviceId: "12" } }, [{ report: {}, signature: {} }]]) {
      const m = await svc.post(body);
      if (Array.isArray(body)) expect(m.body.results[0].reason).to.equal("malformed");
      else {
        expect(m.status).to.equal(400);
        expect(m.body.reason).to.equal("malformed");
      }
    }
    // A field wider than its EIP-712 type is malformed input, not a service failure.
    const base = f.json(f.sign(f.devices[3]!, 10n)) as { report: Record<string, unknown> };
    for (const [field, value] of [
      ["units", (1n << 64n).toString()],
      ["epoch", (1n << 32n).toString()],
    ] as const) {
      const m = await svc.post({ ...base, report: { ...base.report, [field]: value } });
      expect(m.status, field).to.equal(400);
      expect(m.body).to.deep.equal({
        reason: "malformed",
        detail: `report.${field} must fit in uint${field === "units" ? 64 : 32}`,
      });
    }
  });

  it("takes an array of reports and answers each in order", async function () {
    const r = await svc.post([
      f.json(f.sign(f.devices[2]!, 20n)),
      f.json(f.sign(f.devices[0]!, 100n)),
      f.json(f.sign(f.unregistered[0]!, 1n)),
      f.json(f.sign(f.devices[3]!, 30n)),
    ]);
    expect(r.status).to.equal(200);
    expect(r.body.results.map((x: { status: string; reason?: string }) => x.reason ?? x.status)).to.deep.equal([
      "accepted",
      "duplicate",
      "unknown_device",
      "accepted",
    ]);
  });

  it("refuses a body over the size limit with 413", async function () {
    const small = await f.start({ db, maxBodyBytes: 2_048 });
    try {
      const many = Array.from({ length: 10 }, (_, i) => f.json(f.sign(f.devices[4]!, BigInt(i + 1))));
      const r = await small.post(many);
      expect(r.status).to.equal(413);
      expect(r.body.reason).to.equal("body_too_large");
      // The service still works after it.
      const ok = await small.post(f.json(f.sign(f.devices[4]!, 40n)));
      expect(ok.status).to.equal(200);
    } finally {
      await small.service.close();
    }
  });

  it("answers 404 not_found, 405 method_not_allowed and 413 too_many_reports with machine-readable reasons", async function () {
    const missing = await fetch(`${svc.url}/v1/nothing`);
    expect(missing.status).to.equal(404);
    expect(await missing.json()).to.deep.equal({ reason: "not_found" });
    const get = await fetch(`${svc.url}/v1/reports`);
    expect(get.status).to.equal(405);
    expect(await get.json()).to.deep.equal({ reason: "method_not_allowed" });
    const few = await f.start({ db, maxReportsPerRequest: 2 });
    try {
      const body = [1n, 2n, 3n].map((u) => f.json(f.sign(f.devices[4]!, u)));
      const r = await few.post(body);
      expect(r.status).to.equal(413);
      expect(r.body.reason).to.equal("too_many_reports");
      const text = await (await fetch(`${few.url}/metrics`)).text();
      expect(text).to.include('depin_ingest_reports_rejected_total{reason="too_many_reports"} 1');
    } finally {
      await few.service.close();
    }
  });

  it("rate-limits a device (429) once it has sent its reports for the window", async function () {
    const limited = await f.start({ db, rateLimit: { reports: 2, windowMs: 60_000 } });
    try {
      const body = f.json(f.sign(f.devices[5]!, 50n));
      expect((await limited.post(body)).status).to.equal(200);
      expect((await limited.post(body)).status).to.equal(200);
      const third = await limited.post(body);
      expect(third.status).to.equal(429);
      expect(third.body.reason).to.equal("rate_limited");
      // Another device is not limited by it.
      expect((await limited.post(f.json(f.sign(f.devices[7]!, 70n)))).status).to.equal(200);
    } finally {
      await limited.service.close();
    }
  });

  it("gives the same verdicts with signature checks on worker threads", async function () {
    const threaded = await f.start({ db, signatureThreads: 2 });
    try {
      const good = f.sign(f.devices[8]!, 80n);
      const forged = f.json({ ...good, report: { ...good.report, units: 81n } });
      const forB = f.json(f.sign(f.devices[9]!, 90n, { domain: f.pools[1]!.domain }));
      const r = await threaded.post([f.json(good), forged, forB, f.json(f.sign(f.devices[9]!, 90n))]);
      expect(r.body.results.map((x: { status: string; reason?: string }) => x.reason ?? x.status)).to.deep.equal([
        "accepted",
        "bad_signature",
        "bad_signature",
        "accepted",
      ]);
    } finally {
      await threaded.service.close();
    }
  });

  it("keeps every accepted report across a restart (same PGlite directory)", async function () {
    const before = await svc.service.store.list(f.pools[0]!.address, f.epoch);
    expect(before.length).to.be.greaterThan(0);
    await svc.service.close();
    await db.close();
    db = await openAuditDb(dir);
    svc = await f.start({ db });
    const after = await new WorkReportStore(db).list(f.pools[0]!.address, f.epoch);
    expect(after).to.deep.equal(before);
    // And still idempotent after it.
    const again = await svc.post(f.json(f.sign(f.devices[0]!, 100n)));
    expect(again.body).to.deep.equal({ status: "accepted", duplicate: true });
  });

  it("builds the closed epoch from the store exactly as from the same reports directly", async function () {
    await f.networkHelpers.time.increase(DAY);
    const { pool } = f.pools[0]!;
    const stored = await svc.service.store.list(f.pools[0]!.address, f.epoch);
    const { built, rejected } = await buildEpochFromStore({
      store: svc.service.store,
      pool,
      epoch: f.epoch,
      formulaVersion: 1,
    });
    expect(rejected).to.deep.equal([]);
    const reports = stored.map((s) => ({
      deviceId: s.report.deviceId,
      units: s.report.units,
      evidenceHash: s.report.evidenceHash,
    }));
    const inputs = await readEpochInputs(
      pool,
      f.registry,
      f.epoch,
      reports.map((r) => r.deviceId),
    );
    const direct = buildEpoch({
      pool: f.pools[0]!.address,
      chainId: f.chainId,
      epoch: Number(f.epoch),
      formulaVersion: 1,
      params: inputs.params,
      networkId: inputs.networkId,
      registryBlock: inputs.registryBlock,
      ledgerCreditedWad: inputs.ledgerCreditedWad,
      devices: inputs.devices,
      reports,
    });
    expect(built.manifestHash).to.equal(direct.manifestHash);
    expect(built.manifest.records.length).to.equal(stored.length);
  });

  it("builds ledger batches from the store that the pool records (device signatures included)", async function () {
    const { pool, domain } = f.pools[0]!;
    const { batches, rejected } = await buildLedgerBatchesFromStore({
      store: svc.service.store,
      pool,
      epoch: f.epoch,
      batchSize: 3,
    });
    expect(rejected).to.deep.equal([]);
    const total = await svc.service.store.count(f.pools[0]!.address, f.epoch);
    expect(batches.reduce((n, b) => n + b.proofs.length, 0)).to.equal(total);
    for (const [i, b] of batches.entries()) {
      expect(b.deviceSignatures.length).to.equal(b.proofs.length);
      const quorum = await attestBatch(f.verifiers.slice(0, 2), domain, f.epoch, BigInt(i), b.proofs);
      await submitProofBatch(pool.connect(f.admin), {
        epoch: f.epoch,
        batchNonce: BigInt(i),
        proofs: b.proofs,
        deviceSignatures: b.deviceSignatures,
        quorum,
      });
    }
    for (const s of await svc.service.store.list(f.pools[0]!.address, f.epoch)) {
      expect(await pool.isRecorded(f.epoch, s.report.deviceId)).to.equal(true);
    }
    // Built again, nothing is left to record.
    const again = await buildLedgerBatchesFromStore({ store: svc.service.store, pool, epoch: f.epoch });
    expect(again.batches).to.deep.equal([]);
    expect(again.rejected.every((r) => r.reason === "recorded in ledger mode")).to.equal(true);
  });
});
