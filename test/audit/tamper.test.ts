/**
 * The auditor against tampering: each way to cheat the books or the published data is caught with its own finding,
 * naming where it shows and the numbers that disagree. Manifests are edited on disk where the chain's URIs point
 * (and restored after); the pool's token balance is drained by impersonating the pool; forged events are written
 * into the index itself. Run against PGlite and against a PostgreSQL server.
 */
import { cp, mkdtemp, readFile, rename, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { JsonRpcSigner, Wallet, keccak256, toBeHex, toUtf8Bytes } from "ethers";

import {
  DeviceStatus,
  EVENT_INTERFACES,
  auditIndex,
  buildEpoch,
  contracts,
  fetchManifest,
  indexChain,
  openAuditDb,
  readManifestTree,
  serializeManifest,
  type AuditDb,
  type AuditReport,
  type DeviceState,
  type Finding,
  type FindingCode,
} from "../../sdk/src/index.js";
import { BACKENDS, requireBackend, sharedRun, type SharedRun } from "./fixture.js";

for (const backend of BACKENDS) {
  describe(`Auditor on ${backend.name}: tampering is caught`, function () {
    this.timeout(600_000);
    let run: SharedRun;
    let db: AuditDb;
    let epochPool: string;
    let ledgerPool: string;
    let baseline: AuditReport;
    const manifest = (epoch: number) => join(run.manifestDir, `epoch-epoch-${epoch}.json`);
    const index = () =>
      indexChain({
        provider: run.provider,
        db,
        registry: run.result.contracts.registry!,
        factory: run.result.contracts.factory!,
        confirmations: 0,
      });

    before(async function () {
      requireBackend(this, backend);
      run = await sharedRun();
      epochPool = run.result.contracts.epochPool!;
      ledgerPool = run.result.contracts.ledgerPool!;
      db = await openAuditDb(await backend.fresh());
      await index();
      baseline = await auditIndex({ db });
      expect(baseline.findings).to.deep.equal([]);
    });

    after(async function () {
      await db?.close();
      await backend.cleanup();
    });

    /** Runs `fn` with `path` holding `text`, then puts the original back. */
    async function withFile<T>(path: string, text: string, fn: () => Promise<T>): Promise<T> {
      const original = await readFile(path, "utf8");
      await writeFile(path, text);
      try {
        return await fn();
      } finally {
        await writeFile(path, original);
      }
    }

    function only(report: AuditReport, code: FindingCode): Finding[] {
      expect(report.verdict.ok).to.equal(false);
      const found = report.findings.filter((f) => f.code === code);
      expect(found, `${code} in ${JSON.stringify(report.findings.map((f) => f.code))}`).to.not.have.length(0);
      return found;
    }

    const commitOf = (epoch: number) => baseline.commits.find((c) => c.pool === epochPool && c.epoch === epoch)!;

    it("a manifest edited after its commit: hash mismatch at the commit, and it no longer re-derives", async function () {
      const original = await readFile(manifest(1), "utf8");
      const edited = original.replace(/"units": "(\d+)"/, (_, u: string) => `"units": "${BigInt(u) + 100n}"`);
      expect(edited).to.not.equal(original);
      const report = await withFile(manifest(1), edited, () => auditIndex({ db }));
      const [f] = only(report, "manifest-hash-mismatch");
      expect(f).to.deep.include({
        pool: epochPool,
        epoch: 1,
        block: commitOf(1).block,
        tx: commitOf(1).tx,
        expected: commitOf(1).manifestHash,
        actual: keccak256(toUtf8Bytes(edited)),
      });
      expect(only(report, "manifest-invalid")[0]!.message).to.contain("does not match");
      expect(report.commits.find((c) => c.epoch === 1 && c.pool === epochPool)!.manifestVerified).to.equal(false);
    });

    it("a manifest of another epoch published for this one", async function () {
      const report = await withFile(manifest(1), await readFile(manifest(0), "utf8"), () => auditIndex({ db }));
      expect(only(report, "manifest-wrong-epoch")[0]).to.deep.include({ epoch: 1, expected: "1", actual: "0" });
      only(report, "manifest-hash-mismatch");
    });

    it("a manifest of another pool published for this one", async function () {
      const m = readManifestTree(await readFile(manifest(1), "utf8")).manifest;
      const forged = serializeManifest({ ...m, pool: ledgerPool });
      const report = await withFile(manifest(1), forged, () => auditIndex({ db }));
      expect(only(report, "manifest-wrong-pool")[0]).to.deep.include({ expected: epochPool, actual: ledgerPool });
    });

    it("a manifest whose rate is not the pool's rate for the epoch (re-derived consistently at that rate)", async function () {
      const m = readManifestTree(await readFile(manifest(0), "utf8")).manifest;
      const devices = new Map<bigint, DeviceState>(
        m.records.map((r) => [
          r.deviceId,
          {
            deviceId: r.deviceId,
            networkId: m.networkId,
            status: DeviceStatus.Active,
            payee: r.account,
            recordedInLedger: false,
          },
        ]),
      );
      const forged = buildEpoch({
        pool: m.pool,
        chainId: m.chainId,
        epoch: m.epoch,
        formulaVersion: m.formulaVersion,
        params: { rate: m.rate * 2n, epochBudget: m.epochBudget, deviceCap: m.deviceCap },
        networkId: m.networkId,
        registryBlock: m.registryBlock,
        ledgerCreditedWad: m.ledgerCreditedWad,
        devices,
        reports: m.records.map((r) => ({ deviceId: r.deviceId, units: r.units, evidenceHash: r.evidenceHash })),
      });
      const report = await withFile(manifest(0), forged.text, () => auditIndex({ db }));
      expect(only(report, "manifest-rate-mismatch")[0]).to.deep.include({
        epoch: 0,
        expected: m.rate.toString(),
        actual: (m.rate * 2n).toString(),
      });
      // Its own arithmetic holds (readManifest finds nothing): only the chain's rate and root give it away.
      expect(report.findings.filter((f) => f.code === "manifest-invalid" && f.epoch === 0)).to.deep.equal([]);
      only(report, "manifest-commit-mismatch");
    });

    it("a pool token balance drained below what the pool owes", async function () {
      const token = contracts.MockUSDC__factory.connect(run.result.contracts.token!, run.provider);
      const thief = Wallet.createRandom().address;
      const held = await token.balanceOf(epochPool);
      const owed = BigInt(baseline.pools.find((p) => p.pool === epochPool)!.owed);
      expect(owed).to.be.greaterThan(0n);
      await run.provider.send("hardhat_impersonateAccount", [epochPool]);
      await run.provider.send("hardhat_setBalance", [epochPool, toBeHex(10n ** 18n)]);
      await run.provider.send("hardhat_impersonateAccount", [thief]);
      await run.provider.send("hardhat_setBalance", [thief, toBeHex(10n ** 18n)]);
      const left = owed / 2n;
      await (await token.connect(new JsonRpcSigner(run.provider, epochPool)).transfer(thief, held - left)).wait();
      try {
        await index();
        const report = await auditIndex({ db });
        const short = only(report, "pool-balance-short");
        expect(short.map((f) => f.actual)).to.deep.equal([left.toString(), left.toString()]);
        expect(short[0]!.expected).to.equal(`≥ ${owed} (owed)`);
        expect(short[1]!.expected).to.contain(`${held} (funded`);
      } finally {
        await (await token.connect(new JsonRpcSigner(run.provider, thief)).transfer(epochPool, held - left)).wait();
      }
      await index();
      expect((await auditIndex({ db })).findings).to.deep.equal([]);
    });

    it("a forged event stream: a claim paying more than the root in force allows", async function () {
      // An account of the root in force that already claimed everything its leaf allows.
      const paid = baseline.accounts.find((a) => a.pool === epochPool && a.paidEpoch !== "0")!;
      const { topics, data } = EVENT_INTERFACES.pool.encodeEventLog("Claimed", [
        paid.account,
        paid.account,
        0n,
        5_000_000n,
      ]);
      const [state] = await db.query<{ indexed_to: string }>("select indexed_to::text from index_state");
      const forgedTx = `0x${"fe".repeat(32)}`;
      await db.query(
        `insert into events (block_number, log_index, tx_hash, tx_index, address, contract, name, args, topics, data)
         values ($1, 100000, $2, 0, $3, 'pool', 'Claimed', $4::jsonb, $5::text[], $6)`,
        [
          state!.indexed_to,
          forgedTx,
          epochPool,
          JSON.stringify({ account: paid.account, recipient: paid.account, ledgerAmount: "0", epochAmount: "5000000" }),
          topics,
          data,
        ],
      );
      try {
        const report = await auditIndex({ db });
        const [claim] = only(report, "claim-epoch-mismatch");
        expect(claim).to.deep.include({ tx: forgedTx, account: paid.account, actual: "5000000" });
        expect(claim!.expected).to.match(/^0 \(leaf \d+ − paid \d+\)$/);
        const [over] = only(report, "epoch-payout-over-root");
        expect(BigInt(over!.actual!)).to.equal(
          BigInt(baseline.pools.find((p) => p.pool === epochPool)!.epochPaid) + 5_000_000n,
        );
        // A payment that never happened: the books now say the pool should hold less than it does.
        const balance = baseline.pools.find((p) => p.pool === epochPool)!.balance!;
        expect(report.findings.find((f) => f.code === "pool-balance-surplus")).to.deep.include({
          severity: "warning",
          expected: (BigInt(balance) - 5_000_000n).toString(),
          actual: balance,
        });
      } finally {
        await db.query("delete from events where tx_hash = $1", [forgedTx]);
      }
    });

    it("a forged batch event signed by someone who was not a verifier", async function () {
      const [batch] = await db.query<{ block_number: string; log_index: number; args: { signers: string[] } }>(
        "select block_number::text, log_index, args from events where name = 'BatchRecorded' order by block_number limit 1",
      );
      const stranger = Wallet.createRandom().address;
      const forged = {
        ...batch!.args,
        signers: [...batch!.args.signers.slice(0, -1), stranger].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
      };
      const key = [batch!.block_number, batch!.log_index];
      await db.query("update events set args = $3::jsonb where block_number = $1 and log_index = $2", [
        ...key,
        JSON.stringify(forged),
      ]);
      try {
        const report = await auditIndex({ db });
        expect(only(report, "signer-not-verifier")[0]).to.deep.include({
          block: Number(batch!.block_number),
          actual: stranger,
        });
      } finally {
        await db.query("update events set args = $3::jsonb where block_number = $1 and log_index = $2", [
          ...key,
          JSON.stringify(batch!.args),
        ]);
      }
      expect((await auditIndex({ db })).findings).to.deep.equal([]);
    });

    it("reads manifests over http(s), and falls back to a local copy (by hash) when a URI cannot be read", async function () {
      const server: Server = createServer((req, res) => {
        readFile(join(run.manifestDir, (req.url ?? "/").slice(1))).then(
          (body) => res.writeHead(200).end(body),
          () => res.writeHead(404).end(),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const fetched = await fetchManifest(`${base}/epoch-epoch-0.json`);
        expect(fetched.text).to.equal(await readFile(manifest(0), "utf8"));
        expect(fetched.hash).to.equal(commitOf(0).manifestHash);
        expect((await fetchManifest(`${base}/missing.json`)).error).to.equal("HTTP 404");
        expect((await fetchManifest("ipfs://bafy/epoch.json")).error).to.contain("--manifests");
      } finally {
        server.close();
      }
      const copies = await mkdtemp(join(tmpdir(), "depin-manifest-copies-"));
      await cp(run.manifestDir, copies, { recursive: true });
      await rename(manifest(1), `${manifest(1)}.moved`);
      try {
        const without = await auditIndex({ db });
        expect(only(without, "manifest-unavailable")[0]).to.deep.include({
          epoch: 1,
          expected: commitOf(1).manifestHash,
        });
        const withCopies = await auditIndex({ db, manifests: [copies] });
        expect(withCopies.verdict.ok).to.equal(true);
        expect(withCopies.findings.map((f) => [f.code, f.severity, f.epoch])).to.deep.equal([
          ["manifest-uri-unreachable", "warning", 1],
        ]);
      } finally {
        await rename(`${manifest(1)}.moved`, manifest(1));
      }
    });
  });
}
