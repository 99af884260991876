import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import {
  buildEpoch,
  hashProofs,
  openAuditDb,
  ProposalRefusedError,
  readEpochInputs,
  VerifierQuorum,
  WorkReportStore,
  type AuditDb,
  type CloseResult,
  IngestService,
  type QuorumItem,
  type VerifierMode,
} from "../../sdk/src/index.js";
import { DAY, ingestFixture } from "./fixture.js";

type Fixture = Awaited<ReturnType<typeof ingestFixture>>;

interface Verifier {
  dir: string;
  db: AuditDb;
  service: IngestService;
  quorum: VerifierQuorum;
  url: string;
  post: (body: unknown) => Promise<{ status: number; body: any }>;
}

describe("Verifier quorum over HTTP (three verifier services)", function () {
  this.timeout(300_000);

  let f: Fixture;
  const dirs: string[] = [];
  const running: Verifier[] = [];

  before(async function () {
    f = await ingestFixture();
  });

  after(async function () {
    for (const v of running) {
      v.quorum.stop();
      await v.service.close().catch(() => undefined);
      await v.db.close().catch(() => undefined);
    }
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  /** Starts verifier `i` of pool `which` (its own database in `dir`, or a new one), peers given later by URL. */
  const startVerifier = async (
    i: number,
    which: number,
    mode: VerifierMode,
    peers: () => string[],
    o: { dir?: string; hooks?: ConstructorParameters<typeof VerifierQuorum>[0]["hooks"]; autoClose?: boolean } = {},
  ): Promise<Verifier> => {
    const dir = o.dir ?? (await mkdtemp(join(tmpdir(), "depin-quorum-")));
    if (o.dir === undefined) dirs.push(dir);
    const db = await openAuditDb(dir);
    const service = await IngestService.create({
      db,
      pool: f.pools[which]!.pool,
      ...(o.autoClose === true ? { lateSeconds: 0n } : {}),
    });
    const quorum = new VerifierQuorum({
      service,
      db,
      pool: f.pools[which]!.pool,
      signer: f.verifiers[i]!,
      get peers() {
        return peers();
      },
      mode,
      batchSize: 3,
      failoverMs: 1_000,
      pollMs: 100,
      peerTimeoutMs: 20_000,
      ...(o.hooks === undefined ? {} : { hooks: o.hooks }),
      autoClose: o.autoClose === true,
    });
    const url = await service.listen(0, "127.0.0.1");
    await quorum.start();
    const post = async (body: unknown) => {
      const res = await fetch(`${url}/v1/reports`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const v = { dir, db, service, quorum, url, post };
    running.push(v);
    return v;
  };

  type Hooks = ConstructorParameters<typeof VerifierQuorum>[0]["hooks"];
  const trio = async (which: number, mode: VerifierMode, hooks: (i: number) => Hooks = () => undefined) => {
    const vs: Verifier[] = [];
    for (let i = 0; i < 3; i++) {
      const h = hooks(i);
      vs.push(
        await startVerifier(
          i,
          which,
          mode,
          () => vs.filter((_, j) => j !== i).map((v) => v.url),
          h === undefined ? {} : { hooks: h },
        ),
      );
    }
    return vs;
  };

  const postAll = async (vs: Verifier[], reports: unknown[]) => {
    for (const v of vs) {
      const r = await v.post(reports);
      expect(r.status).to.equal(200);
      for (const x of r.body.results) expect(x.status, JSON.stringify(x)).to.equal("accepted");
    }
  };

  const exactlyOnce = (results: CloseResult[]) => {
    const items = results[0]!.items.length;
    for (let k = 0; k < items; k++) {
      const carriers = results.filter((r) => r.items[k]!.byUs).length;
      expect(carriers, `item ${k} sent by exactly one verifier`).to.equal(1);
    }
  };

  it("ledger mode: each verifier derives the same batches, the quorum signs, one submits each; all land once", async function () {
    const vs = await trio(0, "ledger");
    const epoch = await f.pools[0]!.pool.currentEpoch();
    const devices = f.devices.slice(0, 7);
    const signed = devices.map((d, i) => f.sign(d, BigInt(10 + i), { epoch, tag: "q1" }));
    await postAll(vs, signed.map(f.json));
    await f.networkHelpers.time.increase(DAY);

    const results = await Promise.all(vs.map((v) => v.quorum.close(epoch)));
    for (const r of results) {
      expect(r.done, JSON.stringify(r.items.map((i) => i.refusals))).to.equal(true);
      expect(r.items.length).to.equal(3); // 7 proofs, 3 per batch
    }
    exactlyOnce(results);
    // The model: the posted reports by device id, three per batch, nonce epoch << 32 | index.
    const model = [...signed].sort((a, b) => (a.report.deviceId < b.report.deviceId ? -1 : 1)).map((s) => s.report);
    const { pool } = f.pools[0]!;
    const events = await pool.queryFilter(pool.filters.BatchRecorded(epoch));
    expect(events.map((e) => e.args.batchNonce)).to.deep.equal([0n, 1n, 2n].map((i) => (epoch << 32n) | i));
    for (const [k, e] of events.entries()) {
      const chunk = model
        .slice(k * 3, k * 3 + 3)
        .map((r) => ({ deviceId: r.deviceId, units: r.units, evidenceHash: r.evidenceHash }));
      expect(e.args.proofsHash).to.equal(hashProofs(chunk));
      expect(e.args.signers.length).to.be.at.least(2);
    }
    for (const r of model) expect(await pool.isRecorded(epoch, r.deviceId)).to.equal(true);
    // A closed epoch takes no more reports.
    const late = await vs[0]!.post(f.json(f.sign(f.devices[8]!, 5n, { epoch, tag: "late" })));
    expect(late.status).to.equal(422);
    expect(late.body.reason).to.equal("epoch_not_open");
    // Closing again is idempotent: the same outcome, nothing sent.
    const again = await vs[1]!.quorum.close(epoch);
    expect(again.done).to.equal(true);
    expect(again.items.every((i) => !i.byUs)).to.equal(true);
    expect((await pool.queryFilter(pool.filters.BatchRecorded(epoch))).length).to.equal(3);
    for (const v of vs) {
      v.quorum.stop();
      await v.service.close();
    }
  });

  it("a lying verifier (an inflated report in its store) is refused by the two others, who still reach quorum", async function () {
    const vs = await trio(0, "ledger");
    const epoch = await f.pools[0]!.pool.currentEpoch();
    const devices = f.devices.slice(0, 4);
    const signed = devices.map((d, i) => f.sign(d, BigInt(20 + i), { epoch, tag: "q2" }));
    await postAll(vs, signed.map(f.json));
    // Verifier 0 lies: it inflates one device's units in its own store.
    const liar = vs[0]!;
    await liar.db.query("update work_reports set units = units + 100 where epoch = $1 and device_id = $2", [
      epoch.toString(),
      devices[1]!.deviceId.toString(),
    ]);
    await f.networkHelpers.time.increase(DAY);

    const [lied, ...honest] = await Promise.all(vs.map((v) => v.quorum.close(epoch)));
    expect(lied!.done).to.equal(false);
    const refused = lied!.items.find((i) => i.status === "no_quorum")!;
    expect(Object.values(refused.refusals).every((r) => r.startsWith("proposal_mismatch"))).to.equal(true);
    expect(Object.values(refused.refusals)[0]).to.match(/121 units, ours 21/);
    for (const r of honest) expect(r.done).to.equal(true);
    const { pool } = f.pools[0]!;
    const events = await pool.queryFilter(pool.filters.BatchRecorded(epoch));
    expect(events.length).to.equal(2);
    const units = events.reduce((n, e) => n + e.args.totalUnits, 0n);
    expect(units).to.equal(20n + 21n + 22n + 23n); // the honest figures
    // The refusals are counted in the honest verifiers' metrics.
    const text = await (await fetch(`${vs[1]!.url}/metrics`)).text();
    expect(text).to.match(/depin_verifier_proposals_refused_total\{reason="proposal_mismatch"\} [1-9]/);
    for (const v of vs) {
      v.quorum.stop();
      await v.service.close();
    }
  });

  it("epoch mode, killed between sign and submit: restarted, same signature, nothing signed twice, the commit lands once", async function () {
    let crash = true;
    const hooks = () => ({
      beforeSubmit: () => {
        if (crash) throw new Error("killed between sign and submit");
      },
    });
    const vs = await trio(2, "epoch", hooks);
    const { pool, address } = f.pools[2]!;
    const epoch = await pool.currentEpoch();
    const devices = f.devices.slice(0, 5);
    const signed = devices.map((d, i) => f.sign(d, BigInt(30 + i), { epoch, tag: "q3", domain: f.pools[2]!.domain }));
    await postAll(vs, signed.map(f.json));
    await f.networkHelpers.time.increase(DAY);

    const crashed = await Promise.allSettled(vs.map((v) => v.quorum.close(epoch)));
    expect(crashed.every((c) => c.status === "rejected")).to.equal(true);
    expect((await pool.queryFilter(pool.filters.EpochCommitted(epoch))).length).to.equal(0);
    const signatureOf = async (v: Verifier) =>
      (
        await v.db.query<{ digest: string; signature: string }>("select digest, signature from verifier_signatures")
      )[0]!;
    const before = await Promise.all(vs.map(signatureOf));

    // Verifier 0 "restarts": everything in memory is gone, its database directory stays.
    const v0 = vs[0]!;
    v0.quorum.stop();
    await v0.service.close();
    await v0.db.close();
    running.splice(running.indexOf(v0), 1);
    crash = false;
    const restarted = await startVerifier(0, 2, "epoch", () => vs.slice(1).map((v) => v.url), { dir: v0.dir });
    vs[0] = restarted;
    // Its accepted reports are all there.
    const stored = await new WorkReportStore(restarted.db).list(address, epoch);
    expect(stored.map((s) => s.report.deviceId).sort()).to.deep.equal(devices.map((d) => d.deviceId).sort());

    const results = await Promise.all(vs.map((v) => v.quorum.close(epoch)));
    for (const r of results) expect(r.done).to.equal(true);
    exactlyOnce(results);
    const after = await Promise.all(vs.map(signatureOf));
    expect(after).to.deep.equal(before);
    const committed = await pool.queryFilter(pool.filters.EpochCommitted(epoch));
    expect(committed.length).to.equal(1);

    // The committed manifest is the model's: the posted reports, built directly.
    // By device id, as every verifier orders them.
    const reports = signed
      .map((s) => s.report)
      .sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1))
      .map((r) => ({ deviceId: r.deviceId, units: r.units, evidenceHash: r.evidenceHash }));
    const inputs = await readEpochInputs(
      pool,
      f.registry,
      epoch,
      reports.map((r) => r.deviceId),
    );
    const direct = buildEpoch({
      pool: address,
      chainId: f.chainId,
      epoch: Number(epoch),
      formulaVersion: 1,
      ...inputs,
      reports,
    });
    expect(committed[0]!.args.manifestHash).to.equal(direct.manifestHash);
    expect(results[0]!.commit!.manifestHash).to.equal(direct.manifestHash);

    // A different digest for the same (pool, commit, epoch, nonce) is refused, on restart as before.
    const item = {
      kind: "commit",
      epoch,
      nonce: results[0]!.commit!.nonce,
      digest: "0x" + "ab".repeat(32),
    } as QuorumItem;
    let refusal: unknown;
    try {
      await restarted.quorum.signOnce({ ...item, commit: { ...results[0]!.commit!, totalOwed: 1n } } as QuorumItem);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).to.be.instanceOf(ProposalRefusedError);
    expect((refusal as ProposalRefusedError).reason).to.equal("already_signed");
    // A peer asked again for the same commit returns the signature it recorded.
    const res = await fetch(`${vs[1]!.url}/v1/quorum/sign`, {
      method: "POST",
      body: JSON.stringify({
        pool: address,
        kind: "commit",
        epoch: epoch.toString(),
        nonce: results[0]!.commit!.nonce.toString(),
        digest: after[1]!.digest,
        commit: Object.fromEntries(Object.entries(results[0]!.commit!).map(([k, v]) => [k, String(v)])),
      }),
    });
    expect(res.status).to.equal(200);
    expect(((await res.json()) as { signature: string }).signature).to.equal(after[1]!.signature);
    for (const v of vs) {
      v.quorum.stop();
      await v.service.close();
    }
  });

  it("closes on its own once the late window has passed (--auto-close), and refuses an HTTP close before it", async function () {
    const vs: Verifier[] = [];
    for (let i = 0; i < 3; i++) {
      vs.push(
        await startVerifier(i, 1, "ledger", () => vs.filter((_, j) => j !== i).map((v) => v.url), { autoClose: true }),
      );
    }
    const { pool } = f.pools[1]!;
    const epoch = await pool.currentEpoch();
    const early = await fetch(`${vs[0]!.url}/v1/epochs/${epoch}/close`, { method: "POST" });
    expect(early.status).to.equal(409);
    expect(((await early.json()) as { reason: string }).reason).to.equal("cannot_close");
    const signed = f.devices
      .slice(0, 2)
      .map((d, i) => f.sign(d, BigInt(40 + i), { epoch, tag: "auto", domain: f.pools[1]!.domain }));
    await postAll(vs, signed.map(f.json));
    await f.networkHelpers.time.increase(DAY);
    let landed = 0;
    for (let tries = 0; tries < 300 && landed === 0; tries++) {
      await new Promise((r) => setTimeout(r, 200));
      landed = (await pool.queryFilter(pool.filters.BatchRecorded(epoch))).length;
    }
    expect(landed).to.equal(1);
    for (const s of signed) expect(await pool.isRecorded(epoch, s.report.deviceId)).to.equal(true);
    // Each of the three closed it on its own and knows it landed.
    for (const v of vs) {
      let state: { done?: boolean; items?: unknown[] } = {};
      for (let tries = 0; tries < 300 && state.done !== true; tries++) {
        const res = await fetch(`${v.url}/v1/epochs/${epoch}`);
        state = res.status === 200 ? ((await res.json()) as typeof state) : {};
        if (state.done !== true) await new Promise((r) => setTimeout(r, 200));
      }
      expect(state.done).to.equal(true);
      expect(state.items!.length).to.equal(1);
    }
    for (const v of vs) {
      v.quorum.stop();
      await v.service.close();
    }
  });

  it("a crash between accept and store: not acknowledged, nothing stored; the device's retry is stored once", async function () {
    const dir = await mkdtemp(join(tmpdir(), "depin-quorum-"));
    dirs.push(dir);
    let db = await openAuditDb(dir);
    const epoch = await f.pools[0]!.pool.currentEpoch();
    const report = f.json(f.sign(f.devices[9]!, 9n, { epoch, tag: "crash" }));
    const crashing = await f.start({
      db,
      beforeStore: () => {
        throw new Error("killed between accept and store");
      },
    });
    const r = await crashing.post(report);
    expect(r.status).to.equal(503);
    expect(r.body.reason).to.equal("unavailable");
    await crashing.service.close();
    await db.close();
    db = await openAuditDb(dir);
    try {
      expect(await new WorkReportStore(db).count(f.pools[0]!.address, epoch)).to.equal(0);
      const restarted = await f.start({ db });
      const retry = await restarted.post(report);
      expect(retry.body).to.deep.equal({ status: "accepted", duplicate: false });
      expect(await restarted.service.store.count(f.pools[0]!.address, epoch)).to.equal(1);
      await restarted.service.close();
    } finally {
      await db.close();
    }
  });
});
