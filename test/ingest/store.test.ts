import { expect } from "chai";
import { id } from "ethers";

import {
  checkWorkReportSignature,
  deviceIdOf,
  openAuditDb,
  P256DeviceKey,
  poolDomain,
  Secp256k1DeviceKey,
  signWorkReport,
  WorkReportStore,
  type AuditDb,
  type DeviceKey,
  type SignedWorkReport,
  type StoredWorkReport,
} from "../../sdk/src/index.js";
import { SignaturePool } from "../../sdk/src/ingest/signaturePool.js";
import { packReports, unpackReports } from "../../sdk/src/workers/packed.js";

const POOL = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const PAYEE = "0x70997970c51812Dc3a010c7d50e04A1a0E5DC79c";

function row(i: number, units = 100n, epoch = 3n): StoredWorkReport {
  return {
    pool: POOL,
    payee: PAYEE,
    report: { deviceId: BigInt(id(`device ${i}`)), epoch, units, evidenceHash: id(`evidence ${i}:${units}`) },
    signature: { keyType: 1, key: "0x" + "ab".repeat(20), signature: "0x" + "cd".repeat(65) },
  };
}

/** The database with its insert statements held until `open()`, or failing while `fail` is set; counts them. */
function gated(db: AuditDb) {
  let release: () => void = () => undefined;
  let gate: Promise<void> | undefined;
  const state = { inserts: 0, fail: false };
  const wrapped: AuditDb = {
    ...db,
    query: async (sql, params) => {
      if (/^\s*insert into work_reports/.test(sql)) {
        state.inserts++;
        if (gate !== undefined) await gate;
        if (state.fail) throw new Error("disk full");
      }
      return db.query(sql, params);
    },
  };
  return {
    db: wrapped,
    state,
    hold: () => (gate = new Promise<void>((r) => (release = r))),
    open: () => {
      gate = undefined;
      release();
    },
  };
}

describe("WorkReportStore (group commit)", function () {
  this.timeout(60_000);
  let db: AuditDb;

  beforeEach(async function () {
    db = await openAuditDb("memory://");
  });
  afterEach(async function () {
    await db.close();
  });

  it("acknowledges a report only once the statement holding it has committed", async function () {
    const g = gated(db);
    const store = new WorkReportStore(g.db);
    g.hold();
    let settled = 0;
    const puts = Array.from({ length: 50 }, (_, i) => store.put(row(i)).finally(() => settled++));
    await new Promise((r) => setTimeout(r, 50));
    expect(g.state.inserts).to.equal(1); // one group, one statement
    expect(settled).to.equal(0); // nothing acknowledged while the statement has not returned
    expect(await store.count(POOL)).to.equal(0);
    g.open();
    expect(await Promise.all(puts)).to.deep.equal(Array(50).fill({ kind: "stored" }));
    expect(await store.count(POOL)).to.equal(50);
  });

  it("fails every report of a statement that fails, stores none of them, and goes on with the next group", async function () {
    const g = gated(db);
    const store = new WorkReportStore(g.db);
    g.state.fail = true;
    const failed = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.put(row(i))));
    expect(failed.every((r) => r.status === "rejected" && /disk full/.test(String(r.reason)))).to.equal(true);
    expect(await store.count(POOL)).to.equal(0);
    g.state.fail = false;
    const again = await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(row(i))));
    expect(again.every((o) => o.kind === "stored")).to.equal(true);
    expect(await store.count(POOL)).to.equal(20);
  });

  it("settles duplicates and conflicts within a group and against earlier groups", async function () {
    const store = new WorkReportStore(db);
    expect(await store.put(row(1))).to.deep.equal({ kind: "stored" });
    const [a, b, c, d, e] = await Promise.all([
      store.put(row(1)), // the same report as the stored one
      store.put(row(1, 999n)), // another report, same device and epoch
      store.put(row(2)), // new
      store.put(row(2)), // the same again in the same group
      store.put(row(2, 5n)), // another in the same group
    ]);
    expect(a).to.deep.equal({ kind: "duplicate" });
    expect(b!.kind).to.equal("conflict");
    expect(c).to.deep.equal({ kind: "stored" });
    expect(d).to.deep.equal({ kind: "duplicate" });
    expect(e!.kind).to.equal("conflict");
    expect(await store.count(POOL)).to.equal(2);
    // What is stored is the first report of each device, not what conflicted with it.
    const listed = await store.list(POOL, 3n);
    expect(listed.map((r) => [r.report.deviceId, r.report.units])).to.have.deep.members([
      [row(1).report.deviceId, 100n],
      [row(2).report.deviceId, 100n],
    ]);
  });
});

describe("SignaturePool", function () {
  this.timeout(120_000);
  const domain = poolDomain(31337n, POOL);

  function reports(): SignedWorkReport[] {
    const keys: DeviceKey[] = [
      ...Array.from({ length: 6 }, () => Secp256k1DeviceKey.random()),
      ...Array.from({ length: 6 }, () => P256DeviceKey.random()),
    ];
    return Array.from({ length: 600 }, (_, i) => {
      const key = keys[i % keys.length]!;
      const report = {
        deviceId: deviceIdOf(key.keyType, key.key),
        epoch: 3n,
        units: BigInt(i),
        evidenceHash: id(`${i}`),
      };
      const signature = signWorkReport(key, domain, report);
      // Every 5th tampered after signing, every 7th with another device's key.
      if (i % 5 === 0) return { report: { ...report, units: report.units + 1n }, signature };
      if (i % 7 === 0) return { report, signature: { ...signature, key: keys[(i + 1) % keys.length]!.key } };
      return { report, signature };
    });
  }

  it("packs reports for the workers without changing them", function () {
    const rs = reports().slice(0, 30);
    expect(unpackReports(packReports(rs))).to.deep.equal(rs);
  });

  it("gives checkWorkReportSignature's verdicts, fails a check that throws alone, survives a dead worker", async function () {
    const rs = reports();
    const expected = rs.map((r) => checkWorkReportSignature(domain, r.report, r.signature));
    expect(expected.filter((v) => v === undefined).length).to.be.within(100, 500);
    const pool = new SignaturePool(domain, 2);
    try {
      expect(await Promise.all(rs.map((r) => pool.check(r)))).to.deep.equal(expected);
      // units ≥ 2^64 is no uint64: the digest throws, for that report only.
      const bad = { ...rs[1]!, report: { ...rs[1]!.report, units: 1n << 64n } };
      const [ok, thrown] = await Promise.allSettled([pool.check(rs[2]!), pool.check(bad)]);
      expect(ok).to.deep.equal({ status: "fulfilled", value: expected[2] });
      expect(thrown.status).to.equal("rejected");
      // A worker dies: it is replaced, and checks go on.
      const workers = [...(pool as unknown as { all: Set<{ terminate(): Promise<number> }> }).all];
      await workers[0]!.terminate();
      expect(await Promise.all(rs.slice(0, 50).map((r) => pool.check(r)))).to.deep.equal(expected.slice(0, 50));
    } finally {
      await pool.close();
    }
  });
});
