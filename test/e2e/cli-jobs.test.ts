/**
 * End to end over JSON-RPC, through the `depin` CLI as subprocesses: keystores, a network's attesters, a fleet
 * registered from CSV, device payout / suspension / retirement, funding three ways, pool configuration, earnings and
 * event watching, and retries through a proxy that loses requests. Bad input exits 2 naming the field and sends
 * nothing (the chain automines, so an unchanged block number means no transaction).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager, Wallet, id } from "ethers";

import {
  attestBatch,
  contracts,
  deviceRegistryAt,
  DeviceStatus,
  FLEET_CSV_COLUMNS,
  getDevice,
  loadDeployment,
  readPoolDomain,
  recordWork,
  rewardPoolAt,
  type Deployment,
} from "../../sdk/src/index.js";
import { fundedByRef } from "../helpers/pool.js";
import { DEPIN_CLI, DEV_MNEMONIC, flakyProxy, runDepin, startNode, type DepinRun } from "./helpers.js";

const USDC = 10n ** 6n;
const DAY = 86_400;

describe("depin CLI jobs over JSON-RPC (hardhat node on 127.0.0.1)", function () {
  this.timeout(300_000);
  const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), "m/44'/60'/0'/0");
  const [protocol, operator, stranger] = [12, 13, 17].map((i) => root.deriveChild(i)) as [
    HDNodeWallet,
    HDNodeWallet,
    HDNodeWallet,
  ];
  const verifiers = [14, 15, 16].map((i) => root.deriveChild(i));
  const as = (key: HDNodeWallet) => ({ DEPIN_PRIVATE_KEY: key.privateKey });

  let node: ChildProcess;
  let url: string;
  let provider: JsonRpcProvider;
  let dir: string;
  let deployment: Deployment;
  let globals: string[];
  let networkId: string;
  let poolAddress: string;
  let deviceIds: string[];
  let deviceKeyFiles: string[];

  /** `depin` against the test node and records. */
  const depin = (args: string[], env: Record<string, string> = {}) => runDepin([...globals, ...args], env);
  /** `depin --json`, which must exit 0; its parsed output. */
  const ok = async (args: string[], env: Record<string, string> = {}) => {
    const run = await depin(["--json", ...args], env);
    expect(run.code, run.stderr).to.equal(0);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  };
  /** Runs `run` and checks that no block was mined meanwhile (no transaction sent). */
  const sendsNothing = async (run: () => Promise<DepinRun>): Promise<DepinRun> => {
    const before = await provider.getBlockNumber();
    const result = await run();
    expect(await provider.getBlockNumber(), "a transaction was sent").to.equal(before);
    return result;
  };
  const badInput = async (args: string[], env: Record<string, string>, ...expected: string[]) => {
    const run = await sendsNothing(() => depin(args, env));
    expect(run.code, run.stderr).to.equal(2);
    for (const text of expected) expect(run.stderr).to.contain(text);
  };
  const registry = () => deviceRegistryAt(deployment.contracts.DeviceRegistry!.address, provider);
  const pool = () => rewardPoolAt(poolAddress, provider);
  const usdc = () => contracts.MockUSDC__factory.connect(deployment.contracts.MockUSDC!.address, provider);
  const nextEpoch = async () => {
    await provider.send("evm_increaseTime", [DAY + 3_600]);
    await provider.send("evm_mine", []);
  };

  before(async function () {
    ({ node, url } = await startNode());
    provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 50 });
    dir = await mkdtemp(join(tmpdir(), "depin-cli-"));
    const records = join(dir, "records");
    globals = ["--rpc", url, "--deployments", records];
    const deployed = await runDepin([...globals, "deploy"], {
      DEPIN_IGNITION_DIR: join(dir, "ignition"),
      DEPIN_DEPLOYMENTS_DIR: records,
    });
    expect(deployed.code, deployed.stderr).to.equal(0);
    deployment = await loadDeployment("localhost", records);
    networkId = String((await ok(["network", "create", "--metadata", "cli-jobs"], as(protocol))).networkId);
    const created = await ok(
      [
        "pool",
        "create",
        "--network-id",
        networkId,
        "--verifiers",
        verifiers.map((v) => v.address).join(","),
        "--quorum",
        "2",
        "--rate",
        "0.5",
        "--budget",
        "1000",
        "--cap",
        "100",
      ],
      as(protocol),
    );
    poolAddress = String(created.pool);
    const minter = contracts.MockUSDC__factory.connect(
      deployment.contracts.MockUSDC!.address,
      new NonceManager(protocol.connect(provider)),
    );
    await (await minter.mint(protocol.address, 1_000n * USDC)).wait();
  });

  after(async function () {
    provider?.destroy();
    node?.kill();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("creates a key in an encrypted keystore, signs with it, and refuses a wrong or missing password", async function () {
    const keystore = join(dir, "key.json");
    const password = "correct horse battery staple";
    const created = await ok(["key", "new", "--out", keystore], { DEPIN_KEYSTORE_PASSWORD: password });
    const wallet = await Wallet.fromEncryptedJson(await readFile(keystore, "utf8"), password);
    expect(created.address).to.equal(wallet.address);
    expect((await stat(keystore)).mode & 0o777).to.equal(0o600);
    await provider.send("hardhat_setBalance", [wallet.address, "0xDE0B6B3A7640000"]);

    const signed = await depin(["--json", "--keystore", keystore, "network", "create", "--metadata", "keystore"], {
      DEPIN_KEYSTORE_PASSWORD: password,
      DEPIN_PRIVATE_KEY: protocol.privateKey, // --keystore wins over the environment's key
    });
    expect(signed.code, signed.stderr).to.equal(0);
    const made = JSON.parse(signed.stdout) as { networkId: string };
    expect((await registry().network(BigInt(made.networkId))).admin).to.equal(wallet.address);
    for (const out of [created, signed.stdout, signed.stderr].map((o) => JSON.stringify(o))) {
      expect(out).to.not.contain(wallet.privateKey.slice(2));
      expect(out).to.not.contain(password);
    }

    await badInput(
      ["--keystore", keystore, "network", "create"],
      { DEPIN_KEYSTORE_PASSWORD: "wrong" },
      `wrong password for --keystore ${keystore}`,
    );
    // No password in the environment (runDepin passes this process's, which has none) and no terminal to ask on.
    await badInput(["--keystore", keystore, "network", "create"], {}, "DEPIN_KEYSTORE_PASSWORD");
    await badInput(["key", "new", "--out", keystore], { DEPIN_KEYSTORE_PASSWORD: password }, "exists");
    expect((await Wallet.fromEncryptedJson(await readFile(keystore, "utf8"), password)).address).to.equal(
      wallet.address,
    );
  });

  it("adds and removes a network's attesters and requires attestations, for the network admin only", async function () {
    const attester = stranger.address;
    const added = await ok(["network", "attester", "--network-id", networkId, "--add", attester], as(protocol));
    expect((added.attesters as Record<string, boolean>)[attester]).to.equal(true);
    expect(await registry().isAttester(BigInt(networkId), attester)).to.equal(true);
    await ok(["network", "attester", "--network-id", networkId, "--require-attestation", "true"], as(protocol));
    expect((await registry().network(BigInt(networkId))).attestationRequired).to.equal(true);
    await ok(
      ["network", "attester", "--network-id", networkId, "--remove", attester, "--require-attestation", "false"],
      as(protocol),
    );
    expect(await registry().isAttester(BigInt(networkId), attester)).to.equal(false);
    expect((await registry().network(BigInt(networkId))).attestationRequired).to.equal(false);

    await badInput(["network", "attester", "--network-id", networkId, "--add", "0x12"], as(protocol), "--add 0x12");
    await badInput(
      ["network", "attester", "--network-id", networkId, "--require-attestation", "maybe"],
      as(protocol),
      "--require-attestation maybe",
    );
    await badInput(["network", "attester", "--network-id", networkId], as(protocol), "nothing to change");
    const refused = await depin(["network", "attester", "--network-id", networkId, "--add", attester], as(operator));
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.contain(`${operator.address} is not the admin of network ${networkId}`);
  });

  it("registers a fleet from CSV files the devices signed, and refuses a malformed row registering nothing", async function () {
    deviceKeyFiles = [];
    const outputs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const file = join(dir, `device-${i}.key`);
      await writeFile(file, Wallet.createRandom().privateKey + "\n");
      deviceKeyFiles.push(file);
      const signed = await depin([
        "device",
        "sign",
        "--csv",
        "--key-file",
        file,
        "--owner",
        operator.address,
        "--network-id",
        networkId,
        "--metadata",
        `sensor ${i}`,
      ]);
      expect(signed.code, signed.stderr).to.equal(0);
      expect(signed.stdout.split("\n")[0]).to.equal(FLEET_CSV_COLUMNS.join(","));
      outputs.push(signed.stdout);
    }
    // The operator joins two devices' rows under one header, and keeps the third device's file as it came.
    const fleetCsv = join(dir, "fleet.csv");
    await writeFile(fleetCsv, outputs[0]! + outputs[1]!.split("\n")[1]! + "\n");
    const thirdCsv = join(dir, "third.csv");
    await writeFile(thirdCsv, outputs[2]!);

    const badCsv = join(dir, "bad.csv");
    const rows = (outputs[0]! + outputs[1]!.split("\n")[1]!).split("\n");
    const cells = rows[2]!.split(",");
    cells[FLEET_CSV_COLUMNS.indexOf("deadline")] = "soon";
    await writeFile(badCsv, [rows[0], rows[1], cells.join(",")].join("\n"));
    const countBefore = await registry().deviceCount();
    await badInput(
      ["device", "register", "--file", badCsv, "--network-id", networkId],
      as(operator),
      `${badCsv} line 3, column deadline`,
    );
    expect(await registry().deviceCount()).to.equal(countBefore);

    const registered = await ok(
      ["device", "register", "--file", fleetCsv, thirdCsv, "--network-id", networkId],
      as(operator),
    );
    deviceIds = registered.deviceIds as string[];
    expect(deviceIds).to.have.length(3);
    for (const deviceId of deviceIds) {
      const d = await getDevice(registry(), BigInt(deviceId));
      expect([d.owner, d.status, d.networkId]).to.deep.equal([
        operator.address,
        DeviceStatus.Active,
        BigInt(networkId),
      ]);
    }
    expect((await getDevice(registry(), BigInt(deviceIds[1]!))).metadataHash).to.equal(id("sensor 1"));
  });

  it("sets a payout address, suspends and reactivates a device, and retires another", async function () {
    const [first, , third] = deviceIds as [string, string, string];
    const paid = await ok(["device", "payout", first, "--to", stranger.address], as(operator));
    expect(paid.payout).to.equal(stranger.address);
    await badInput(["device", "payout", first, "--to", "0x12"], as(operator), "--to 0x12 is not an address");
    await badInput(["device", "payout", "device-one", "--to", stranger.address], as(operator), "deviceId device-one");
    const notOwner = await depin(["device", "payout", first, "--to", protocol.address], as(stranger));
    expect(notOwner.code).to.equal(1);
    expect(notOwner.stderr).to.contain(`does not own device ${first}`);

    await badInput(["device", "suspend", first, "--reason", " "], as(protocol), "--reason is empty");
    await ok(["device", "suspend", first, "--reason", "spoofed location"], as(protocol));
    expect((await getDevice(registry(), BigInt(first))).status).to.equal(DeviceStatus.Suspended);
    const log = await registry().queryFilter(registry().filters.DeviceSuspended(BigInt(first)));
    expect(log.map((e) => e.args.reasonHash)).to.deep.equal([id("spoofed location")]);
    const ownerCannot = await depin(["device", "reactivate", first, "--reason", "mine"], as(operator));
    expect(ownerCannot.code).to.equal(1);
    await ok(["device", "reactivate", first, "--reason", "appeal upheld"], as(protocol));
    expect((await getDevice(registry(), BigInt(first))).status).to.equal(DeviceStatus.Active);

    const retired = await ok(["device", "retire", third], as(operator));
    expect(retired.status).to.equal(DeviceStatus.Retired);
  });

  it("funds a pool three ways and configures it: shows, queues, cancels, applies, claim settings, guardian", async function () {
    const fund = (ref: string, ...flags: string[]) =>
      ok(["pool", "fund", "--pool", poolAddress, "--amount", "100", "--ref", ref, ...flags], as(protocol));
    expect((await fund("plain")).method).to.equal("approve");
    expect((await fund("by-permit", "--permit")).method).to.equal("permit");
    expect((await fund("by-authorization", "--authorization")).method).to.equal("authorization");
    for (const ref of ["plain", "by-permit", "by-authorization"]) {
      expect(await fundedByRef(pool(), id(ref))).to.equal(100n * USDC);
    }
    expect((await pool().totals()).funded).to.equal(300n * USDC);
    await badInput(
      ["pool", "fund", "--pool", poolAddress, "--amount", "-5", "--ref", "x", "--permit"],
      as(protocol),
      "--amount -5 is not a positive amount",
    );
    await badInput(
      ["pool", "fund", "--pool", poolAddress, "--amount", "5", "--ref", "x", "--permit", "--authorization"],
      as(protocol),
    );

    const shown = await ok(["pool", "config", "show", "--pool", poolAddress]);
    expect(shown.verifiers).to.have.length(3);
    expect(shown.quorum).to.equal("2");
    expect(shown.rewardParams).to.deep.equal({
      rate: ((USDC * 10n ** 18n) / 2n).toString(),
      epochBudget: (1_000n * USDC).toString(),
      deviceCap: "100",
    });

    const scheduled = await ok(
      ["pool", "config", "params", "--pool", poolAddress, "--rate", "0.25", "--budget", "500", "--cap", "50"],
      as(protocol),
    );
    const queued = await ok(
      [
        "pool",
        "config",
        "verifiers",
        "--pool",
        poolAddress,
        "--add",
        stranger.address,
        "--remove",
        verifiers[0]!.address,
        "--quorum",
        "2",
      ],
      as(protocol),
    );
    const pending = await ok(["pool", "config", "show", "--pool", poolAddress]);
    expect((pending.scheduledParams as { fromEpoch: string }).fromEpoch).to.equal(String(scheduled.fromEpoch));
    expect((pending.queuedVerifierChange as { add: string[] }).add).to.deep.equal([stranger.address]);

    await badInput(
      ["pool", "config", "verifiers", "--pool", poolAddress, "--add", "0xnope", "--quorum", "2"],
      as(protocol),
      "--add 0xnope",
    );
    await badInput(
      ["pool", "config", "params", "--pool", poolAddress, "--rate", "0.25", "--budget", "500", "--cap", "lots"],
      as(protocol),
      "--cap lots",
    );
    const early = await depin(["pool", "config", "apply", "--pool", poolAddress], as(stranger));
    expect(early.code).to.equal(1);
    expect(early.stderr).to.contain(`takes effect at ${queued.eta}`);

    const cancelled = await ok(["pool", "config", "cancel", "--pool", poolAddress], as(protocol));
    expect([cancelled.verifiers, cancelled.params]).to.deep.equal([true, true]);
    const clean = await ok(["pool", "config", "show", "--pool", poolAddress]);
    expect(clean.scheduledParams).to.equal(undefined);
    expect(clean.queuedVerifierChange).to.equal(undefined);
    const nothing = await depin(["pool", "config", "cancel", "--pool", poolAddress], as(protocol));
    expect(nothing.code).to.equal(1);
    expect(nothing.stderr).to.contain("no change is queued");

    // A verifier change queued again, applied by anyone once due.
    const again = await ok(
      ["pool", "config", "verifiers", "--pool", poolAddress, "--add", stranger.address, "--quorum", "3"],
      as(protocol),
    );
    await provider.send("evm_setNextBlockTimestamp", [Number(again.eta)]);
    await provider.send("evm_mine", []);
    await ok(["pool", "config", "apply", "--pool", poolAddress], as(stranger));
    expect(await pool().isVerifier(stranger.address)).to.equal(true);
    expect((await pool().settings()).quorum).to.equal(3n);

    await ok(["pool", "config", "claims", "--pool", poolAddress, "--max-relayer-fee", "0.5"], as(protocol));
    const claims = await pool().settings();
    expect([claims.minClaim, claims.maxRelayerFee]).to.deep.equal([0n, USDC / 2n]);
    // A new guardian only through the delay: scheduled now, in force once due and applied.
    const before = (await pool().settings()).guardian;
    await ok(["pool", "config", "guardian", "--pool", poolAddress, "--guardian", stranger.address], as(protocol));
    expect((await pool().settings()).guardian).to.equal(before);
    const due = BigInt((await provider.getBlock("latest"))!.timestamp) + (await pool().settings()).changeDelay + 1n;
    await provider.send("evm_setNextBlockTimestamp", [Number(due)]);
    await provider.send("evm_mine", []);
    await ok(["pool", "config", "apply", "--pool", poolAddress], as(stranger));
    expect((await pool().settings()).guardian).to.equal(stranger.address);
    const notAdmin = await depin(
      ["pool", "config", "guardian", "--pool", poolAddress, "--guardian", operator.address],
      as(stranger),
    );
    expect(notAdmin.code).to.equal(1);
    expect(notAdmin.stderr).to.contain("does not hold the role");
  });

  it("reports what each device and account earned, and watches the pool's events", async function () {
    const [first, second] = deviceIds.map(BigInt) as [bigint, bigint];
    await nextEpoch();
    const epoch = (await pool().currentEpoch()) - 1n;
    // Three verifiers now (quorum 3): the first two of the original set and the stranger added above.
    await recordWork(rewardPoolAt(poolAddress, new NonceManager(protocol.connect(provider))), {
      epoch,
      proofs: [
        { deviceId: first, units: 10n, evidenceHash: id("first") },
        { deviceId: second, units: 4n, evidenceHash: id("second") },
      ],
      verifiers: [verifiers[1]!, verifiers[2]!, stranger].sort((a, b) =>
        BigInt(a.address) < BigInt(b.address) ? -1 : 1,
      ),
      firstNonce: 100n,
    });
    const earned = await ok(["device", "earnings", String(first), "--pool", poolAddress]);
    const ledger = earned.ledger as { epoch: string; units: string; rewardWad: string; account: string }[];
    expect(ledger.map((c) => [c.epoch, c.units, c.account])).to.deep.equal([[String(epoch), "10", stranger.address]]);
    expect(earned.totalWad).to.equal((5n * USDC * 10n ** 18n).toString());
    const account = await ok(["earnings", operator.address, "--pool", poolAddress]);
    expect(account.claimable).to.equal((2n * USDC).toString());
    expect((account.ledger as { creditedWad: string }).creditedWad).to.equal((2n * USDC * 10n ** 18n).toString());
    await badInput(["device", "earnings", "x1", "--pool", poolAddress], {}, "deviceId x1");

    const watch = spawn(process.execPath, [
      DEPIN_CLI,
      ...globals,
      "pool",
      "watch",
      "--pool",
      poolAddress,
      "--from-block",
      "0",
      "--interval",
      "100",
    ]);
    let out = "";
    watch.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    try {
      for (let i = 0; i < 200 && !out.includes("BatchRecorded"); i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      const exited = new Promise<number | null>((resolve) => watch.once("exit", resolve));
      watch.kill("SIGINT");
      expect(await exited).to.equal(0);
    }
    const events = out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event: string; args: Record<string, string> });
    expect(events.filter((e) => e.event === "Funded").map((e) => e.args.amount)).to.deep.equal(
      Array(3).fill((100n * USDC).toString()),
    );
    const batch = events.find((e) => e.event === "BatchRecorded");
    expect([batch?.args.batchNonce, batch?.args.proofCount]).to.deep.equal(["100", "2"]);
  });

  it("retries reads and never sends a claim, a relayed claim or a batch twice through a proxy that loses requests", async function () {
    let reads = 0;
    let sends = 0;
    let firstSend: "drop-request" | "drop-response" = "drop-response";
    const proxy = await flakyProxy(url, (methods) => {
      if (methods.includes("eth_sendRawTransaction")) return sends++ === 0 ? firstSend : "forward";
      return ++reads % 3 === 0 ? "drop-request" : "forward";
    });
    /** How many requests carrying `method` reached the node since the last call. */
    let counted = 0;
    const forwarded = (method: string) => {
      const fresh = proxy.log.slice(counted);
      counted = proxy.log.length;
      return fresh.filter((r) => r.action !== "drop-request" && r.methods.includes(method)).length;
    };
    const viaProxy = (args: string[], env: Record<string, string>) =>
      runDepin(["--rpc", proxy.url, "--deployments", globals[3]!, "--json", ...args], env);
    try {
      // The claim lands but its answer is lost: the CLI finds it on-chain instead of sending it again.
      const before = await usdc().balanceOf(operator.address);
      const claimed = await viaProxy(["claim", operator.address, "--pool", poolAddress], as(protocol));
      expect(claimed.code, claimed.stderr).to.equal(0);
      expect((JSON.parse(claimed.stdout) as { paid: string }).paid).to.equal((2n * USDC).toString());
      expect((await usdc().balanceOf(operator.address)) - before).to.equal(2n * USDC);
      expect(await pool().queryFilter(pool().filters.Claimed(operator.address))).to.have.length(1);
      expect(sends).to.equal(1);
      // Found before trying again: the claim was not even estimated a second time.
      expect(forwarded("eth_estimateGas")).to.equal(1);
      expect(proxy.log.some((r) => r.action === "drop-request")).to.equal(true);

      // Two batches for the next epoch, signed by the quorum: the first send of one never reaches the node (sent
      // again), the answer to the other is lost (found on-chain, not sent again).
      await nextEpoch();
      const epoch = (await pool().currentEpoch()) - 1n;
      const domain = await readPoolDomain(pool());
      const quorum = [verifiers[1]!, verifiers[2]!, stranger];
      const batchFiles = async (nonce: bigint, deviceId: string) => {
        const proofs = [{ deviceId: BigInt(deviceId), units: 3n, evidenceHash: id(`b${nonce}`) }];
        const files: string[] = [];
        for (const verifier of quorum) {
          const signed = await attestBatch([verifier], domain, epoch, nonce, proofs);
          const file = join(dir, `batch-${nonce}-${verifier.address}.json`);
          await writeFile(
            file,
            JSON.stringify({
              pool: poolAddress,
              epoch: String(epoch),
              batchNonce: String(nonce),
              proofs: proofs.map((p) => ({ ...p, deviceId: String(p.deviceId), units: String(p.units) })),
              deviceSignatures: [],
              signer: signed.signers[0],
              signature: signed.signatures[0],
            }),
          );
          files.push(file);
        }
        return files;
      };
      for (const [nonce, deviceId, drop, landed] of [
        [200n, deviceIds[0]!, "drop-request", false],
        [201n, deviceIds[1]!, "drop-response", true],
      ] as const) {
        sends = 0;
        firstSend = drop;
        forwarded("eth_estimateGas");
        const submitted = await viaProxy(["proofs", "submit", ...(await batchFiles(nonce, deviceId))], as(protocol));
        expect(submitted.code, submitted.stderr).to.equal(0);
        expect((JSON.parse(submitted.stdout) as { alreadyLanded: boolean }).alreadyLanded).to.equal(landed);
        expect(sends).to.equal(landed ? 1 : 2);
        expect(forwarded("eth_estimateGas")).to.equal(landed ? 1 : 2);
        expect(await pool().queryFilter(pool().filters.BatchRecorded(epoch, nonce))).to.have.length(1);
        expect(await pool().isRecorded(epoch, BigInt(deviceId))).to.equal(true);
      }

      // A gasless claim (the second device's 3 units, 1.5 tokens) whose relayed answer is lost: the relayer sees the
      // account's claim nonce used and reports it landed, without relaying it again.
      const signedClaim = await depin(["claim", operator.address, "--pool", poolAddress, "--gasless"], as(operator));
      expect(signedClaim.code, signedClaim.stderr).to.equal(0);
      const claimFile = join(dir, "claim.json");
      await writeFile(claimFile, signedClaim.stdout);
      sends = 0;
      firstSend = "drop-response";
      forwarded("eth_estimateGas");
      const balance = await usdc().balanceOf(operator.address);
      const relayed = await viaProxy(["relay", "--file", claimFile], as(protocol));
      expect(relayed.code, relayed.stderr).to.equal(0);
      expect((JSON.parse(relayed.stdout) as { alreadyLanded: boolean }).alreadyLanded).to.equal(true);
      expect([sends, forwarded("eth_estimateGas")]).to.deep.equal([1, 1]);
      expect((await usdc().balanceOf(operator.address)) - balance).to.equal((3n * USDC) / 2n);
      expect((await pool().account(operator.address)).claimNonce).to.equal(1n);
    } finally {
      await proxy.close();
    }
  });

  it("opts an account in to push payouts and pays it by `pool push`, skipping one that did not opt in", async function () {
    // The stranger is the payee of the first device: its ledger credit is unclaimed. The operator has none left.
    const credit = (await pool().account(stranger.address)).ledgerClaimable;
    expect(credit).to.be.greaterThan(0n);
    await badInput(["claim", stranger.address, "--pool", poolAddress, "--push", "maybe"], as(stranger), "--push maybe");
    await badInput(
      ["claim", stranger.address, "--pool", poolAddress, "--push", "on"],
      as(operator),
      `only ${stranger.address} itself`,
    );
    const optedIn = await ok(["claim", stranger.address, "--pool", poolAddress, "--push", "on"], as(stranger));
    expect(optedIn.recipient).to.equal(stranger.address);
    expect(await pool().pushRecipient(stranger.address)).to.equal(stranger.address);
    const balance = await usdc().balanceOf(stranger.address);
    const pushed = await ok(
      ["pool", "push", "--pool", poolAddress, "--accounts", `${stranger.address},${operator.address}`],
      as(protocol),
    );
    expect(pushed.paid).to.equal(credit.toString());
    expect(pushed.results).to.deep.equal([
      {
        account: stranger.address,
        status: "paid",
        recipient: stranger.address,
        ledgerAmount: credit.toString(),
        epochAmount: "0",
      },
      { account: operator.address, status: "skipped", reason: "NotOptedIn" },
    ]);
    expect((await usdc().balanceOf(stranger.address)) - balance).to.equal(credit);
    await badInput(["pool", "push", "--pool", poolAddress], as(protocol), "no accounts to pay");
    await ok(["claim", stranger.address, "--pool", poolAddress, "--push", "off"], as(stranger));
    expect(await pool().pushRecipient(stranger.address)).to.equal("0x0000000000000000000000000000000000000000");
  });
});
