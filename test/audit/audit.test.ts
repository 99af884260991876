/**
 * The auditor on an honest network: after a simulated run, the index rebuilt from events alone equals what the
 * chain's own views say, to the WAD, for every account, pool and device; the verdict passes; the KPIs are the
 * simulation's; the SQL views say what the report says; and the CLI does the same from the command line.
 * Run against PGlite and against a PostgreSQL server.
 */
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import {
  WAD,
  auditIndex,
  contracts,
  deviceRegistryAt,
  indexChain,
  openAuditDb,
  rewardPoolAt,
  writeAuditCsv,
  type AuditDb,
  type AuditReport,
} from "../../sdk/src/index.js";
import { runDepin } from "../e2e/helpers.js";
import { BACKENDS, EPOCHS, NODES, requireBackend, sharedRun, type SharedRun } from "./fixture.js";

for (const backend of BACKENDS) {
  describe(`Auditor on ${backend.name}: an honest ${NODES}-node, ${EPOCHS}-epoch network`, function () {
    this.timeout(600_000);
    let run: SharedRun;
    let db: AuditDb;
    let report: AuditReport;

    before(async function () {
      requireBackend(this, backend);
      run = await sharedRun();
      db = await openAuditDb(await backend.fresh());
      const indexed = await indexChain({
        provider: run.provider,
        db,
        registry: run.result.contracts.registry!,
        factory: run.result.contracts.factory!,
        confirmations: 2,
        pageSize: 400,
      });
      expect(indexed.events).to.be.greaterThan(NODES);
      expect(indexed.eventsPerSecond).to.be.greaterThan(0);
      report = await auditIndex({ db });
    });

    after(async function () {
      await db?.close();
      await backend.cleanup();
    });

    it("passes: no finding of any kind", function () {
      expect(report.findings, JSON.stringify(report.findings.slice(0, 5), null, 1)).to.deep.equal([]);
      expect(report.verdict.ok).to.equal(true);
      expect(report.verdict.summary).to.match(/^PASS/);
    });

    it("rebuilds every pool's books exactly as the pool's views give them", async function () {
      const token = contracts.MockUSDC__factory.connect(run.result.contracts.token!, run.provider);
      const head = await run.provider.getBlock("latest");
      expect(report.pools).to.have.length(2);
      for (const p of report.pools) {
        const pool = rewardPoolAt(p.pool, run.provider);
        const totals = await pool.totals();
        expect(p.funded, "funded").to.equal(totals.funded.toString());
        expect(p.creditedWad, "creditedWad").to.equal(totals.creditedWad.toString());
        expect(p.clawedBackWad, "clawedBackWad").to.equal(totals.clawedBackWad.toString());
        expect(p.epochOwed, "epochOwed").to.equal(totals.epochOwed.toString());
        expect(p.epochPaid, "epochPaid").to.equal(totals.epochPaid.toString());
        expect(p.commitNonce, "commitNonce").to.equal(Number(await pool.commitNonce()));
        expect(p.balance, "balance").to.equal((await token.balanceOf(p.pool)).toString());
        expect(p.balanceBlock).to.equal(head!.number);
        // The pool keeps no per-reference total (the events are the record): the simulation's own funding is.
        const funded = run.result.revenue.find((r) => r.address === p.pool)!.funding;
        expect(
          report.fundingByRef.filter((x) => x.pool === p.pool).map((f) => [f.ref, BigInt(f.funded)]),
        ).to.have.deep.members(funded.map((f) => [f.ref, units(f.amount)]));
        for (let epoch = 0; epoch <= EPOCHS; epoch++) {
          const rebuilt = report.epochs.find((e) => e.pool === p.pool && e.mode === "ledger" && e.epoch === epoch);
          expect(rebuilt?.rewardWad ?? "0", `epochCreditedWad(${epoch})`).to.equal(
            (await pool.epochCreditedWad(epoch)).toString(),
          );
        }
        const [active, pending] = await pool.epochRoots();
        expect(p.activeRoot?.root ?? `0x${"0".repeat(64)}`).to.equal(active.root);
        expect(p.activeRoot?.totalOwed ?? "0").to.equal(active.totalOwed.toString());
        expect(p.activeRoot?.epoch ?? 0).to.equal(Number(active.epoch));
        expect(p.pendingRoot?.root ?? `0x${"0".repeat(64)}`).to.equal(pending.root);
        const settings = await pool.settings();
        expect(p.quorum).to.equal(Number(settings.quorum));
        expect(p.verifiers).to.have.length(Number(settings.verifierCount));
        for (const v of p.verifiers) expect(await pool.isVerifier(v), v).to.equal(true);
        expect(p.paused).to.equal(settings.paused);
      }
    });

    it("rebuilds every account exactly as the pools' account() view gives it, operators who never earned included", async function () {
      const everyone = new Set<string>([
        ...report.accounts.map((a) => a.account),
        ...report.devices.map((d) => d.owner),
        ...(run.result.network.sold === null ? [] : [run.result.network.sold.from, run.result.network.sold.to]),
      ]);
      let compared = 0;
      for (const p of report.pools) {
        const pool = rewardPoolAt(p.pool, run.provider);
        for (const account of everyone) {
          const onChain = await pool.account(account);
          const rebuilt = report.accounts.find((a) => a.pool === p.pool && a.account === account);
          expect(rebuilt?.unpaidWad ?? "0", `${account} unpaidWad`).to.equal(onChain.unpaidWad.toString());
          expect(rebuilt?.ledgerClaimable ?? "0", `${account} ledgerClaimable`).to.equal(
            onChain.ledgerClaimable.toString(),
          );
          expect(rebuilt?.paidEpoch ?? "0", `${account} paidEpoch`).to.equal(onChain.paidEpoch.toString());
          expect(rebuilt?.claimNonce ?? "0", `${account} claimNonce`).to.equal(onChain.claimNonce.toString());
          compared++;
        }
      }
      expect(compared).to.be.greaterThan(50);
      // Gasless claims bumped nonces: the rebuild tells them from direct claims by the function called.
      expect(report.accounts.some((a) => a.claimNonce !== "0")).to.equal(true);
    });

    it("rebuilds every device and its ownership history as the registry has them", async function () {
      const registry = deviceRegistryAt(run.result.contracts.registry!, run.provider);
      expect(report.devices).to.have.length(Number(await registry.deviceCount()));
      for (const d of report.devices) {
        const onChain = await registry.device(d.deviceId);
        expect(
          [d.owner, d.networkId, d.index, d.status, d.keyType, d.payout, d.metadataHash],
          d.deviceId,
        ).to.deep.equal([
          onChain.owner,
          onChain.networkId.toString(),
          onChain.index.toString(),
          Number(onChain.status),
          Number(onChain.keyType),
          onChain.payout,
          onChain.metadataHash,
        ]);
      }
      const sold = run.result.network.sold!;
      const history = report.ownership.filter((o) => o.deviceId === sold.deviceId);
      expect(history.map((h) => [h.from, h.to])).to.deep.equal([
        ["0x0000000000000000000000000000000000000000", sold.from],
        [sold.from, sold.to],
      ]);
      expect(report.devices.filter((d) => d.status === 2)).to.have.length(run.result.network.suspended);
    });

    it("marks as recorded exactly the devices the ledger pool's isRecorded() does, per epoch", async function () {
      const ledger = rewardPoolAt(run.result.contracts.ledgerPool!, run.provider);
      const credited = await db.query<{ epoch: string; device_id: string }>(
        "select distinct epoch::text, device_id::text from ledger_work where pool = $1",
        [run.result.contracts.ledgerPool],
      );
      let recorded = 0;
      for (let epoch = 0; epoch < EPOCHS; epoch++) {
        const rebuilt = new Set(credited.filter((c) => Number(c.epoch) === epoch).map((c) => c.device_id));
        for (const d of report.devices) {
          const onChain = await ledger.isRecorded(epoch, d.deviceId);
          expect(rebuilt.has(d.deviceId), `epoch ${epoch} device ${d.deviceId}`).to.equal(onChain);
          recorded += onChain ? 1 : 0;
        }
      }
      expect(recorded).to.equal(credited.length);
      expect(recorded).to.be.greaterThan(0);
    });

    it("reports the simulation's own figures as its KPIs", function () {
      for (const e of run.result.epochs) {
        const pool = run.result.contracts[`${e.pool}Pool`]!;
        const rebuilt = report.epochs.find((x) => x.pool === pool && x.mode === e.pool && x.epoch === e.epoch);
        expect(rebuilt, `${e.pool} epoch ${e.epoch}`).to.not.equal(undefined);
        expect(rebuilt!.activeDevices, `${e.pool} epoch ${e.epoch} devices`).to.equal(e.activeDevices);
        expect(rebuilt!.units, `${e.pool} epoch ${e.epoch} units`).to.equal(e.validUnits);
        expect(BigInt(rebuilt!.rewardWad) / WAD, "rewards").to.equal(units(e.rewards));
      }
      expect(report.kpis.validUnits).to.equal(run.result.work.validUnits);
      expect(BigInt(report.kpis.clawedBackWad) / WAD).to.equal(units(run.result.work.clawedBack[0]!.amount));
      expect(BigInt(report.kpis.adjustedWad) / WAD).to.equal(units(run.result.work.adjusted[0]!.amount));
      for (const b of run.result.books) {
        const p = report.pools.find((x) => x.pool === run.result.contracts[`${b.pool}Pool`])!;
        expect(BigInt(p.paid)).to.equal(units(b.paid));
        expect(BigInt(p.funded)).to.equal(units(b.funded));
      }
      const k = report.kpis;
      expect(BigInt(k.rewardPerDevice.p90Wad)).to.be.greaterThan(BigInt(k.rewardPerDevice.medianWad));
      expect(k.topOperators[0]!.devices).to.be.greaterThan(1);
      expect(k.creditToClaimHours.claimed).to.be.greaterThan(0);
      expect(k.settlementGasPerDeviceEpoch).to.be.greaterThan(0);
      expect(k.utilization.mean).to.be.within(0.01, 1);
    });

    it("gives the same KPIs through its SQL views", async function () {
      const views = await db.query<{
        pool: string;
        mode: string;
        epoch: string;
        active_devices: string;
        units: string;
        reward_wad: string;
        device_cap: string;
      }>(
        "select pool, mode, epoch::text, active_devices::text, units::text, reward_wad::text, device_cap::text from kpi_epochs order by pool, mode, epoch",
      );
      expect(views).to.have.length(report.epochs.length);
      for (const v of views) {
        const e = report.epochs.find((x) => x.pool === v.pool && x.mode === v.mode && x.epoch === Number(v.epoch))!;
        expect([Number(v.active_devices), v.units, v.reward_wad, v.device_cap]).to.deep.equal([
          e.activeDevices,
          e.units,
          e.rewardWad,
          e.deviceCap,
        ]);
      }
      const funding = await db.query<{ pool: string; ref: string; funded: string }>(
        "select pool, ref, funded::text from kpi_funding_by_ref order by pool, ref",
      );
      expect(funding.map((f) => [f.pool, f.ref, f.funded])).to.have.deep.members(
        report.fundingByRef.map((f) => [f.pool, f.ref, f.funded]),
      );
      const pools = await db.query<{
        pool: string;
        funded: string;
        paid_ledger: string;
        paid_epoch: string;
        relayer_fees: string;
        balance: string;
      }>(
        "select pool, funded::text, paid_ledger::text, paid_epoch::text, relayer_fees::text, balance::text from kpi_pools",
      );
      for (const v of pools) {
        const p = report.pools.find((x) => x.pool === v.pool)!;
        expect([v.funded, v.paid_ledger, v.paid_epoch, v.relayer_fees, v.balance]).to.deep.equal([
          p.funded,
          p.paidLedger,
          p.paidEpoch,
          p.relayerFees,
          p.balance,
        ]);
      }
      const [dist] = await db.query<{ devices: string; median_wad: string; p90_wad: string }>(
        "select devices::text, median_wad::text, p90_wad::text from kpi_reward_distribution",
      );
      expect(Number(dist!.devices)).to.equal(report.kpis.rewardPerDevice.devices);
      const transfers = await db.query<{ n: string }>("select count(*)::text as n from device_transfers");
      expect(Number(transfers[0]!.n)).to.equal(report.ownership.length);
    });

    it("writes one CSV file per table", async function () {
      const dir = await mkdtemp(join(tmpdir(), "depin-audit-csv-"));
      const files = await writeAuditCsv(report, dir);
      expect((await readdir(dir)).sort()).to.deep.equal(files.map((f) => f.split("/").at(-1)).sort());
      const accounts = (await readFile(join(dir, "accounts.csv"), "utf8")).trim().split("\n");
      expect(accounts[0]).to.equal(
        "pool,account,unpaidWad,ledgerClaimable,paidEpoch,claimNonce,creditedWad,clawedBackWad,paidLedger,relayerFees,claims",
      );
      expect(accounts).to.have.length(report.accounts.length + 1);
      const epochs = (await readFile(join(dir, "epochs.csv"), "utf8")).trim().split("\n");
      expect(epochs).to.have.length(report.epochs.length + 1);
    });

    it("does the same from the command line: depin index, then depin audit --json --csv --html", async function () {
      const target = await backend.fresh();
      const c = run.result.contracts;
      const common = ["--rpc", run.url];
      const indexed = await runDepin([
        ...common,
        "--json",
        "index",
        "--db",
        target,
        "--registry",
        c.registry!,
        "--factory",
        c.factory!,
        "--from-block",
        "0",
        "--confirmations",
        "3",
      ]);
      expect(indexed.code, indexed.stderr).to.equal(0);
      const summary = JSON.parse(indexed.stdout) as { events: number; eventsPerSecond: number; pools: number };
      expect(summary.pools).to.equal(2);
      expect(summary.events).to.equal(report.index.events);
      const out = await mkdtemp(join(tmpdir(), "depin-audit-cli-"));
      const audited = await runDepin([
        ...common,
        "--json",
        "audit",
        "--db",
        target,
        "--csv",
        join(out, "csv"),
        "--html",
        join(out, "report.html"),
      ]);
      expect(audited.code, audited.stderr).to.equal(0);
      const cliReport = JSON.parse(audited.stdout) as AuditReport;
      expect(cliReport.verdict.ok).to.equal(true);
      expect(cliReport.accounts).to.deep.equal(report.accounts);
      expect(cliReport.epochs).to.deep.equal(report.epochs);
      expect((await readdir(join(out, "csv"))).length).to.equal(10);
      expect(await readFile(join(out, "report.html"), "utf8")).to.contain("PASS: the ledger rebuilt");
      const human = await runDepin([...common, "audit", "--db", target]);
      expect(human.code, human.stderr).to.equal(0);
      expect(human.stdout).to.match(/^Verdict: PASS/);
    });
  });
}

/** A decimal token amount ("12.345678") in token units. */
function units(amount: string): bigint {
  const [whole, frac = ""] = amount.split(".");
  return BigInt(whole! + frac.padEnd(6, "0"));
}
