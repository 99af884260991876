import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { expect } from "chai";
import { HDNodeWallet, id, JsonRpcProvider, Mnemonic, NonceManager } from "ethers";

import {
  createNetwork,
  deployDepin,
  deviceIdOf,
  openAuditDb,
  poolDomain,
  registerFleet,
  rewardPoolAt,
  Secp256k1DeviceKey,
  setupPool,
  signedReportJson,
  signWorkReport,
  WAD,
  WorkReportStore,
} from "../../sdk/src/index.js";
import { DEPIN_CLI, DEV_MNEMONIC, freePort, runDepin, startNode } from "../e2e/helpers.js";
import { signedRegistration } from "../helpers/registry.js";

describe("depin verifier serve (CLI, against a hardhat node)", function () {
  this.timeout(180_000);

  let node: ChildProcess | undefined;
  let serve: ChildProcess | undefined;
  let dir: string;

  after(async function () {
    serve?.kill("SIGKILL");
    node?.kill();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("serves reports for a pool, stores them in the --db directory, stops cleanly on SIGTERM and loses no acknowledged report to SIGKILL", async function () {
    const started = await startNode();
    node = started.node;
    const provider = new JsonRpcProvider(started.url);
    const wallet = (i: number) =>
      new NonceManager(
        HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`).connect(provider),
      );
    const admin = wallet(0);
    const operator = wallet(1);
    const { chainId } = await provider.getNetwork();
    const deployed = await deployDepin(admin, { withTestToken: true });
    await createNetwork(deployed.registry.connect(admin), { attestationRequired: false, metadataHash: id("cli") });
    const [key, key2] = [Secp256k1DeviceKey.random(), Secp256k1DeviceKey.random()];
    const registrations = await Promise.all(
      [key, key2].map(async (k) =>
        signedRegistration(k, {
          chainId,
          registry: await deployed.registry.getAddress(),
          owner: await operator.getAddress(),
          networkId: 1n,
        }),
      ),
    );
    await registerFleet(deployed.registry.connect(operator), { networkId: 1n, registrations });
    const adminAddress = await admin.getAddress();
    const { address, pool } = await setupPool(deployed.factory.connect(admin), {
      config: {
        token: await deployed.token!.getAddress(),
        networkId: 1,
        admin: adminAddress,
        guardian: await wallet(2).getAddress(),
        verifiers: [await wallet(3).getAddress()],
        quorum: 1,
        epochLength: 86_400,
        changeDelay: 172_800,
        challengePeriod: 43_200,
        settlementWindow: 7,
        params: { rate: WAD, epochBudget: 10n ** 12n, deviceCap: 1_000n },
        minClaim: 0n,
        maxRelayerFee: 0n,
        requireDeviceSignatures: true,
        outflowLimit: 10n ** 12n,
        outflowWindow: 86_400,
      },
      salt: id("cli-pool"),
    });
    const epoch = BigInt(await pool.currentEpoch());
    provider.destroy();

    dir = await mkdtemp(join(tmpdir(), "depin-serve-"));
    const db = join(dir, "db");
    const startServe = async () => {
      serve = spawn(
        process.execPath,
        [DEPIN_CLI, "--rpc", started.url, "--json", "verifier", "serve", "--pool", address, "--db", db, "--port", "0"],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      const lines = createInterface({ input: serve.stdout! })[Symbol.asyncIterator]();
      return JSON.parse((await lines.next()).value as string) as { url: string; pool: string };
    };
    const info = await startServe();
    expect(info.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.pool).to.equal(address);
    expect((await fetch(`${info.url}/healthz`)).status).to.equal(200);

    const report = { deviceId: deviceIdOf(key.keyType, key.key), epoch, units: 10n, evidenceHash: id("work") };
    const body = JSON.stringify(
      signedReportJson({ report, signature: signWorkReport(key, poolDomain(chainId, address), report) }),
    );
    const post = () => fetch(`${info.url}/v1/reports`, { method: "POST", body });
    const first = await post();
    expect(first.status).to.equal(200);
    expect(await first.json()).to.deep.equal({ status: "accepted", duplicate: false });
    expect(await (await post()).json()).to.deep.equal({ status: "accepted", duplicate: true });

    const exited = new Promise<number | null>((resolve) => serve!.once("exit", resolve));
    serve!.kill("SIGTERM");
    expect(await exited).to.equal(0);
    serve = undefined;
    let reopened = await openAuditDb(db);
    try {
      const stored = await new WorkReportStore(reopened).list(address, epoch);
      expect(stored.map((r) => r.report)).to.deep.equal([report]);
    } finally {
      await reopened.close();
    }

    // Killed without warning right after it acknowledged a report: the report is there when the database reopens.
    const again = await startServe();
    const report2 = { deviceId: deviceIdOf(key2.keyType, key2.key), epoch, units: 20n, evidenceHash: id("work2") };
    const body2 = JSON.stringify(
      signedReportJson({ report: report2, signature: signWorkReport(key2, poolDomain(chainId, address), report2) }),
    );
    const acked = await fetch(`${again.url}/v1/reports`, { method: "POST", body: body2 });
    expect(acked.status).to.equal(200);
    const killed = new Promise((resolve) => serve!.once("exit", resolve));
    serve!.kill("SIGKILL");
    await killed;
    serve = undefined;
    reopened = await openAuditDb(db);
    try {
      const stored = await new WorkReportStore(reopened).list(address, epoch);
      expect(stored.map((r) => r.report.deviceId).sort()).to.deep.equal([report.deviceId, report2.deviceId].sort());
    } finally {
      await reopened.close();
    }
  });

  it("three `serve --mode ledger --peer …` processes reach the quorum; a verifier killed with SIGKILL is failed over and, restarted, finds the batch landed once", async function () {
    const started = await startNode();
    const chain = started.node;
    const provider = new JsonRpcProvider(started.url);
    const hd = (i: number) => HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`);
    const wallet = (i: number) => new NonceManager(hd(i).connect(provider));
    const children: ChildProcess[] = [];
    const qdir = await mkdtemp(join(tmpdir(), "depin-serve-quorum-"));
    try {
      const admin = wallet(0);
      const operator = wallet(1);
      const { chainId } = await provider.getNetwork();
      const deployed = await deployDepin(admin, { withTestToken: true });
      await createNetwork(deployed.registry.connect(admin), { attestationRequired: false, metadataHash: id("q") });
      const keys = [Secp256k1DeviceKey.random(), Secp256k1DeviceKey.random(), Secp256k1DeviceKey.random()];
      const registrations = await Promise.all(
        keys.map(async (k) =>
          signedRegistration(k, {
            chainId,
            registry: await deployed.registry.getAddress(),
            owner: await operator.getAddress(),
            networkId: 1n,
          }),
        ),
      );
      await registerFleet(deployed.registry.connect(operator), { networkId: 1n, registrations });
      // Verifiers: accounts 3, 4, 5 in address order; quorum 2.
      const verifierKeys = [3, 4, 5].map(hd).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
      const adminAddress = await admin.getAddress();
      const token = deployed.token!;
      await (await token.connect(admin).mint(adminAddress, 10n ** 12n)).wait();
      const { address } = await setupPool(deployed.factory.connect(admin), {
        config: {
          token: await token.getAddress(),
          networkId: 1,
          admin: adminAddress,
          guardian: await wallet(2).getAddress(),
          verifiers: verifierKeys.map((k) => k.address),
          quorum: 2,
          epochLength: 86_400,
          changeDelay: 172_800,
          challengePeriod: 43_200,
          settlementWindow: 7,
          params: { rate: WAD, epochBudget: 10n ** 12n, deviceCap: 1_000n },
          minClaim: 0n,
          maxRelayerFee: 0n,
          requireDeviceSignatures: true,
          outflowLimit: 10n ** 12n,
          outflowWindow: 86_400,
        },
        salt: id("cli-quorum-pool"),
        funding: [{ amount: 10n ** 12n, ref: id("cli-quorum-fund") }],
      });
      const pool = rewardPoolAt(address, provider);
      const epoch = BigInt(await pool.currentEpoch());

      const ports = [await freePort(), await freePort(), await freePort()];
      const urls = ports.map((p) => `http://127.0.0.1:${p}`);
      const serveQuorum = async (i: number) => {
        const child = spawn(
          process.execPath,
          [
            DEPIN_CLI,
            "--rpc",
            started.url,
            "--json",
            "verifier",
            "serve",
            "--pool",
            address,
            "--db",
            join(qdir, `db-${i}`),
            "--port",
            String(ports[i]),
            "--mode",
            "ledger",
            ...urls.filter((_, j) => j !== i).flatMap((u) => ["--peer", u]),
            "--late",
            "0",
            "--failover",
            "2",
            "--peer-timeout",
            "3",
          ],
          {
            stdio: ["ignore", "pipe", "inherit"],
            env: { ...process.env, DEPIN_PRIVATE_KEY: verifierKeys[i]!.privateKey },
          },
        );
        children[i] = child;
        const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
        return JSON.parse((await lines.next()).value as string) as { url: string; verifier: string; mode: string };
      };
      const infos = [await serveQuorum(0), await serveQuorum(1), await serveQuorum(2)];
      expect(infos.map((x) => x.verifier)).to.deep.equal(verifierKeys.map((k) => k.address));
      expect(infos[0]!.mode).to.equal("ledger");

      // Devices post to all three.
      const domain = poolDomain(chainId, address);
      const reports = keys.map((k, i) => ({
        deviceId: deviceIdOf(k.keyType, k.key),
        epoch,
        units: BigInt(10 * (i + 1)),
        evidenceHash: id(`q${i}`),
      }));
      const body = JSON.stringify(
        reports.map((r, i) => signedReportJson({ report: r, signature: signWorkReport(keys[i]!, domain, r) })),
      );
      for (const u of urls) {
        const res = await fetch(`${u}/v1/reports`, { method: "POST", body });
        expect(res.status).to.equal(200);
      }
      await provider.send("evm_increaseTime", [86_400]);
      await provider.send("evm_mine", []);

      // The lowest verifier (the first submitter) dies before the close.
      const dead = new Promise((resolve) => children[0]!.once("exit", resolve));
      children[0]!.kill("SIGKILL");
      await dead;
      const closes = await Promise.all(
        [1, 2].map((i) => runDepin(["--json", "verifier", "close", "--url", urls[i]!, "--epoch", String(epoch)])),
      );
      for (const c of closes) expect(c.code, c.stderr).to.equal(0);
      const outcomes = closes.map(
        (c) => JSON.parse(c.stdout) as { done: boolean; items: { byUs: boolean; refusals: Record<string, string> }[] },
      );
      expect(outcomes.every((o) => o.done)).to.equal(true);
      // The next signer took over: exactly one of the two living verifiers sent the batch.
      expect(outcomes.filter((o) => o.items[0]!.byUs).length).to.equal(1);
      expect(outcomes[0]!.items[0]!.refusals[urls[0]!]).to.match(/^unreachable/);

      // Restarted on its database, the killed verifier closes too: the batch is on-chain, it sends nothing.
      await serveQuorum(0);
      const late = await runDepin(["--json", "verifier", "close", "--url", urls[0]!, "--epoch", String(epoch)]);
      expect(late.code, late.stderr).to.equal(0);
      const lateOutcome = JSON.parse(late.stdout) as { done: boolean; items: { byUs: boolean }[] };
      expect(lateOutcome.done).to.equal(true);
      expect(lateOutcome.items[0]!.byUs).to.equal(false);
      const landed = await pool.queryFilter(pool.filters.BatchRecorded(epoch));
      expect(landed.length).to.equal(1);
      expect(landed[0]!.args.totalUnits).to.equal(60n);
      for (const r of reports) expect(await pool.isRecorded(epoch, r.deviceId)).to.equal(true);
      const metrics = await (await fetch(`${urls[1]}/metrics`)).text();
      expect(metrics).to.match(/depin_verifier_signatures_released_total 1/);
    } finally {
      for (const c of children) c?.kill("SIGKILL");
      chain.kill();
      provider.destroy();
      await rm(qdir, { recursive: true, force: true });
    }
  });
});
