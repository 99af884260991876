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
  Secp256k1DeviceKey,
  setupPool,
  signedReportJson,
  signWorkReport,
  WAD,
  WorkReportStore,
} from "../../sdk/src/index.js";
import { DEPIN_CLI, DEV_MNEMONIC, startNode } from "../e2e/helpers.js";
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
});
