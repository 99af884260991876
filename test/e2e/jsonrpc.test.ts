/**
 * End to end over JSON-RPC: a real `hardhat node` on 127.0.0.1, driven only through the SDK and ethers'
 * JsonRpcProvider with locally held keys, as an operator, a protocol and its verifiers would use it.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { expect } from "chai";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager, id } from "ethers";

import {
  buildEpoch,
  contracts,
  buildRegistration,
  claim,
  commitEpoch,
  createPool,
  deviceIdOf,
  deviceRegistryAt,
  DeploymentNotFoundError,
  loadDeployment,
  DeviceStatus,
  fundPool,
  getDevice,
  getPoolAccount,
  P256DeviceKey,
  poolConfig,
  proofFor,
  readEpochInputs,
  recordWork,
  registerFleet,
  registryDomain,
  rewardPoolAt,
  Secp256k1DeviceKey,
  WAD,
} from "../../sdk/src/index.js";
import { fundedByRef } from "../helpers/pool.js";
import {
  DEPIN_CLI,
  DEV_MNEMONIC,
  freePort,
  HARDHAT_CLI,
  runDepin as runDepinWith,
  waitForNode,
  type DepinRun,
} from "./helpers.js";

const execFileAsync = promisify(execFile);

/** Runs `depin` with `args` (and `DEPIN_PRIVATE_KEY` when given) as a user would; its exit code and output. */
function runDepin(args: string[], privateKey?: string): Promise<DepinRun> {
  return runDepinWith(args, privateKey === undefined ? {} : { DEPIN_PRIVATE_KEY: privateKey });
}

const PORT = await freePort();
const NODE_URL = `http://127.0.0.1:${PORT}`;
const USDC = 10n ** 6n;
const DAY = 86_400;
const RATE = WAD / 2n;

describe("End to end over JSON-RPC (hardhat node on 127.0.0.1)", function () {
  this.timeout(180_000);
  let node: ChildProcess;
  let provider: JsonRpcProvider;

  before(async function () {
    node = spawn(process.execPath, [HARDHAT_CLI, "node", "--hostname", "127.0.0.1", "--port", String(PORT)], {
      stdio: "ignore",
    });
    await waitForNode(node, NODE_URL);
    provider = new JsonRpcProvider(NODE_URL, undefined, { staticNetwork: true, pollingInterval: 50 });
  });

  after(function () {
    provider?.destroy();
    node?.kill();
  });

  it("registers a fleet, runs both modes through a pool and pays the operator", async function () {
    const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), "m/44'/60'/0'/0");
    const wallet = (i: number) => new NonceManager(root.deriveChild(i).connect(provider));
    const [protocol, operator] = [0, 1].map(wallet);
    const verifierKeys = [2, 3, 4].map((i) => root.deriveChild(i));
    const operatorAddress = await operator!.getAddress();
    const { chainId } = await provider.getNetwork();

    // Protocol side: registry, network, token, factory, pool.
    const registry = await (await new contracts.DeviceRegistry__factory(protocol).deploy()).waitForDeployment();
    const registryAddress = await registry.getAddress();
    await (await registry.createNetwork(false, id("e2e"))).wait();
    const usdc = await (await new contracts.MockUSDC__factory(protocol).deploy()).waitForDeployment();
    const factory = await (
      await new contracts.RewardPoolFactory__factory(protocol).deploy(
        registryAddress,
        await (
          await new contracts.RewardPoolGovernance__factory(protocol).deploy(
            await (await new contracts.RewardPoolSettlement__factory(protocol).deploy()).getAddress(),
          )
        ).getAddress(),
      )
    ).waitForDeployment();
    const poolAddress = await createPool(factory, {
      salt: id("e2e-pool"),
      config: poolConfig({
        token: await usdc.getAddress(),
        networkId: 1n,
        admin: await protocol!.getAddress(),
        verifiers: verifierKeys.map((k) => k.address),
        quorum: 2,
        params: { rate: RATE, epochBudget: 1_000n * USDC, deviceCap: 10_000_000n },
      }),
    });
    const pool = rewardPoolAt(poolAddress, protocol!);
    await (await usdc.mint(await protocol!.getAddress(), 500n * USDC)).wait();
    await (await usdc.approve(poolAddress, 500n * USDC)).wait();
    await fundPool(pool, { amount: 500n * USDC, ref: id("customer") });

    // Operator side: a fleet of secp256k1 and P-256 devices, signed by the devices, sent by the operator.
    const keys = [Secp256k1DeviceKey.random(), Secp256k1DeviceKey.random(), P256DeviceKey.random()];
    const deadline = BigInt((await provider.getBlock("latest"))!.timestamp + DAY);
    const regs = await Promise.all(
      keys.map((device) =>
        buildRegistration({
          device,
          domain: registryDomain(chainId, registryAddress),
          owner: operatorAddress,
          networkId: 1n,
          deadline,
        }),
      ),
    );
    await registerFleet(deviceRegistryAt(registryAddress, operator!), { networkId: 1n, registrations: regs });
    const deviceIds = keys.map((k) => deviceIdOf(k.keyType, k.key));
    expect((await getDevice(deviceRegistryAt(registryAddress, provider), deviceIds[2]!)).status).to.equal(
      DeviceStatus.Active,
    );

    // Verifier side: epoch 0 in ledger mode, epoch 1 in epoch mode.
    // A margin past the epoch's end: with automine, block times can run ahead of the node's clock.
    await provider.send("evm_increaseTime", [2 * DAY + 3_600]);
    await provider.send("evm_mine", []);
    const verifierSigners = verifierKeys.slice(0, 2);
    await recordWork(pool, {
      epoch: 0n,
      proofs: deviceIds.map((deviceId) => ({ deviceId, units: 1_000_000n, evidenceHash: id(`e0:${deviceId}`) })),
      verifiers: verifierSigners,
      firstNonce: 0n,
    });
    // Epoch 1 is built from chain data: its rate and each device's payee of record at its last block.
    const reports = deviceIds.map((deviceId) => ({ deviceId, units: 2_000_000n, evidenceHash: id(`e1:${deviceId}`) }));
    const inputs = await readEpochInputs(pool, deviceRegistryAt(registryAddress, provider), 1n, deviceIds);
    const built = buildEpoch({ pool: poolAddress, chainId, epoch: 1, formulaVersion: 1, ...inputs, reports });
    expect(built.manifest.records.every((r) => r.account === operatorAddress)).to.equal(true);
    await commitEpoch(pool, { built, uri: "ipfs://e2e/epoch-1.json", verifiers: verifierSigners });
    await provider.send("evm_increaseTime", [DAY / 4 + 3_600]);
    await provider.send("evm_mine", []);

    // The operator claims everything, both modes, in one transaction.
    const { amount: paid } = await claim(
      rewardPoolAt(poolAddress, operator!),
      operatorAddress,
      proofFor(built, operatorAddress),
    );
    const expected = (3n * 1_000_000n * RATE) / WAD + (3n * 2_000_000n * RATE) / WAD;
    expect(paid).to.equal(expected);
    expect(await usdc.balanceOf(operatorAddress)).to.equal(expected);
    expect((await getPoolAccount(pool, operatorAddress)).paidEpoch).to.equal(built.manifest.totalOwed);
  });

  it("deploys with Hardhat Ignition, records every contract, and deploying again changes nothing", async function () {
    const dir = await mkdtemp(join(tmpdir(), "depin-deploy-"));
    const env = {
      ...process.env,
      DEPIN_RPC_URL: NODE_URL,
      DEPIN_DEPLOYMENTS_DIR: join(dir, "records"),
      DEPIN_IGNITION_DIR: join(dir, "ignition"),
    };
    // `depin deploy` runs the project's deploy script (Hardhat Ignition) against --rpc.
    const deploy = () =>
      execFileAsync(
        process.execPath,
        [DEPIN_CLI, "--rpc", NODE_URL, "--deployments", env.DEPIN_DEPLOYMENTS_DIR, "deploy"],
        { env },
      );
    try {
      await deploy();
      const first = await loadDeployment("localhost", env.DEPIN_DEPLOYMENTS_DIR);
      const { chainId } = await provider.getNetwork();
      expect(first.chainId).to.equal(chainId);
      expect(Object.keys(first.contracts).sort()).to.deep.equal([
        "ClaimRouter",
        "DeviceRegistry",
        "MockUSDC",
        "RewardPool",
        "RewardPoolFactory",
        "RewardPoolGovernance",
        "RewardPoolSettlement",
      ]);
      for (const record of Object.values(first.contracts)) {
        expect(await provider.getCode(record.address), record.contractName).to.not.equal("0x");
        const receipt = await provider.getTransactionReceipt(record.transactionHash);
        expect(receipt?.blockNumber, record.contractName).to.equal(record.blockNumber);
      }
      const factory = contracts.RewardPoolFactory__factory.connect(
        first.contracts.RewardPoolFactory!.address,
        provider,
      );
      expect(await factory.REGISTRY()).to.equal(first.contracts.DeviceRegistry!.address);
      expect(first.contracts.RewardPoolFactory!.args).to.deep.equal([
        first.contracts.DeviceRegistry!.address,
        first.contracts.RewardPoolGovernance!.address,
      ]);
      expect(first.contracts.RewardPoolGovernance!.args).to.deep.equal([first.contracts.RewardPoolSettlement!.address]);
      // By chain id too; and a second deploy of the same code sends nothing and records the same.
      expect((await loadDeployment(chainId, env.DEPIN_DEPLOYMENTS_DIR)).network).to.equal("localhost");
      const blockBefore = await provider.getBlockNumber();
      await deploy();
      expect(await provider.getBlockNumber()).to.equal(blockBefore);
      expect(await loadDeployment("localhost", env.DEPIN_DEPLOYMENTS_DIR)).to.deep.equal(first);
      const missing = await loadDeployment("mainnet", env.DEPIN_DEPLOYMENTS_DIR).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(missing).to.be.instanceOf(DeploymentNotFoundError);

      // The `depin` CLI finds the contracts from the records, and exits 0 / 1 (refused on-chain) / 2 (bad input).
      const records = ["--rpc", NODE_URL, "--deployments", env.DEPIN_DEPLOYMENTS_DIR];
      const depin = (...args: string[]) => runDepin([...records, ...args]);
      const shown = await depin("--json", "deployment");
      expect(shown.code).to.equal(0);
      const parsed = JSON.parse(shown.stdout) as { network: string; contracts: Record<string, string> };
      expect(parsed.network).to.equal("localhost");
      expect(parsed.contracts.DeviceRegistry).to.equal(first.contracts.DeviceRegistry!.address);
      const unknown = await depin("device", "status", "42");
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr).to.contain("device 42 is not registered");
      const bad = await depin("earnings", "0x1234", "--pool", first.contracts.RewardPool!.address);
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.contain("account 0x1234 is not an address");
      const missingPool = await depin("earnings", first.contracts.DeviceRegistry!.address);
      expect(missingPool.code).to.equal(2);
      expect((await depin("network", "create")).stderr).to.contain("DEPIN_PRIVATE_KEY");
      const nowhere = await runDepin(["--rpc", `http://127.0.0.1:${await freePort()}`, "deployment"]);
      expect(nowhere.code).to.equal(2);
      expect(nowhere.stderr).to.contain("cannot reach a JSON-RPC node");

      // A protocol's whole job from the command line: a network, a pool, funding; then a ledger batch (verifiers,
      // through the SDK) and the operator's claim, again from the command line.
      const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), "m/44'/60'/0'/0");
      const protocolKey = root.deriveChild(7);
      const operatorAddress = root.deriveChild(8).address;
      const verifiers = [9, 10, 11].map((i) => root.deriveChild(i));
      const asProtocol = (...args: string[]) =>
        execFileAsync(
          process.execPath,
          [DEPIN_CLI, "--rpc", NODE_URL, "--deployments", env.DEPIN_DEPLOYMENTS_DIR, "--json", ...args],
          { env: { ...process.env, DEPIN_PRIVATE_KEY: protocolKey.privateKey } },
        ).then(({ stdout }) => JSON.parse(stdout) as Record<string, string>);
      const { networkId } = await asProtocol("network", "create", "--metadata", "e2e-cli");
      const created = await asProtocol(
        "pool",
        "create",
        "--network-id",
        networkId!,
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
      );
      const poolAddress = created.pool!;
      const usdc = contracts.MockUSDC__factory.connect(
        first.contracts.MockUSDC!.address,
        new NonceManager(protocolKey.connect(provider)),
      );
      await (await usdc.mint(protocolKey.address, 200n * USDC)).wait();
      expect(
        (await asProtocol("pool", "fund", "--pool", poolAddress, "--amount", "150", "--ref", "contract-7")).amount,
      ).to.equal((150n * USDC).toString());
      const pool = rewardPoolAt(poolAddress, provider);
      expect((await pool.totals()).funded).to.equal(150n * USDC);
      expect(await fundedByRef(pool, id("contract-7"))).to.equal(150n * USDC);

      // Two devices of the operator sign their registrations (one secp256k1, one P-256 key held as PEM); the
      // operator registers the fleet from the joined file. Each device then does 20 units in epoch 0 at 0.5 USDC.
      const operatorKey = root.deriveChild(8);
      const secpFile = join(dir, "device-1.key");
      const pemFile = join(dir, "device-2.pem");
      const secpKey = HDNodeWallet.createRandom().privateKey;
      await writeFile(secpFile, secpKey + "\n");
      await writeFile(
        pemFile,
        generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "pem" }),
      );
      const signedFleet = [];
      for (const keyFile of [secpFile, pemFile]) {
        const { stdout } = await execFileAsync(process.execPath, [
          DEPIN_CLI,
          "--rpc",
          NODE_URL,
          "--deployments",
          env.DEPIN_DEPLOYMENTS_DIR,
          "device",
          "sign",
          "--key-file",
          keyFile,
          "--owner",
          operatorKey.address,
          "--network-id",
          networkId!,
          "--metadata",
          "dashcam v2, cell 8a2a1072b59ffff",
        ]);
        signedFleet.push(...(JSON.parse(stdout) as unknown[]));
      }
      const fleetFile = join(dir, "fleet.json");
      await writeFile(fleetFile, JSON.stringify(signedFleet));
      const registered = await execFileAsync(
        process.execPath,
        [
          DEPIN_CLI,
          "--rpc",
          NODE_URL,
          "--deployments",
          env.DEPIN_DEPLOYMENTS_DIR,
          "--json",
          "device",
          "register",
          "--file",
          fleetFile,
          "--network-id",
          networkId!,
        ],
        { env: { ...process.env, DEPIN_PRIVATE_KEY: operatorKey.privateKey } },
      ).then(({ stdout }) => JSON.parse(stdout) as { deviceIds: string[] });
      expect(registered.deviceIds).to.have.length(2);
      const registryAddress = first.contracts.DeviceRegistry!.address;
      for (const id of registered.deviceIds) {
        const d = await getDevice(deviceRegistryAt(registryAddress, provider), BigInt(id));
        expect(d.owner).to.equal(operatorKey.address);
        expect(d.status).to.equal(DeviceStatus.Active);
      }
      const badFile = join(dir, "bad.json");
      await writeFile(badFile, JSON.stringify([{ registration: { key: "0x12" } }]));
      const badFleet = await runDepin(
        [...records, "device", "register", "--file", badFile, "--network-id", networkId!],
        operatorKey.privateKey,
      );
      expect(badFleet.code).to.equal(2);
      expect(badFleet.stderr).to.contain("registration #0");
      await provider.send("evm_increaseTime", [DAY + 3_600]);
      await provider.send("evm_mine", []);
      // Each device signs its epoch-0 report; two of the three verifiers check and sign the batch; anyone submits.
      const cliArgs = ["--rpc", NODE_URL, "--deployments", env.DEPIN_DEPLOYMENTS_DIR];
      /** Each device signs its work report for `epoch` (`depin work sign`); the joined reports file. */
      const signReports = async (epoch: number, units: number): Promise<string> => {
        const reports: unknown[] = [];
        for (const keyFile of [secpFile, pemFile]) {
          const { stdout } = await execFileAsync(process.execPath, [
            DEPIN_CLI,
            ...cliArgs,
            "work",
            "sign",
            "--key-file",
            keyFile,
            "--pool",
            poolAddress,
            "--epoch",
            String(epoch),
            "--units",
            String(units),
            "--evidence",
            `trip-log:${epoch}:${keyFile}`,
          ]);
          reports.push(...(JSON.parse(stdout) as unknown[]));
        }
        const file = join(dir, `reports-${epoch}.json`);
        await writeFile(file, JSON.stringify(reports));
        return file;
      };
      /** The first two verifiers check the reports and sign them as one batch (`depin proofs sign`); their files. */
      const signBatch = async (reportsFile: string, nonce: number): Promise<string[]> => {
        const files: string[] = [];
        for (const verifier of verifiers.slice(0, 2)) {
          const { stdout } = await execFileAsync(
            process.execPath,
            [
              DEPIN_CLI,
              ...cliArgs,
              "proofs",
              "sign",
              "--pool",
              poolAddress,
              "--file",
              reportsFile,
              "--nonce",
              String(nonce),
            ],
            { env: { ...process.env, DEPIN_PRIVATE_KEY: verifier.privateKey } },
          );
          files.push(join(dir, `batch-${nonce}-${verifier.address}.json`));
          await writeFile(files.at(-1)!, stdout);
        }
        return files;
      };
      const batchFiles = await signBatch(await signReports(0, 20), 0);
      const submitted = await execFileAsync(
        process.execPath,
        [DEPIN_CLI, ...cliArgs, "--json", "proofs", "submit", ...batchFiles],
        { env: { ...process.env, DEPIN_PRIVATE_KEY: protocolKey.privateKey } },
      ).then(({ stdout }) => JSON.parse(stdout) as { proofs: number });
      expect(submitted.proofs).to.equal(2);

      const earnings = await asProtocol("earnings", operatorAddress, "--pool", poolAddress);
      expect(earnings.ledgerClaimable).to.equal((20n * USDC).toString());
      // The protocol (its own guardian by default) pauses the pool: the claim is refused on-chain, exit code 1.
      await asProtocol("pool", "pause", "--pool", poolAddress);
      const refused = await runDepin(
        [...records, "claim", operatorAddress, "--pool", poolAddress],
        protocolKey.privateKey,
      );
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.contain("the pool is paused");
      await (await rewardPoolAt(poolAddress, new NonceManager(protocolKey.connect(provider))).unpause()).wait();
      const paid = await asProtocol("claim", operatorAddress, "--pool", poolAddress);
      expect(paid.paid).to.equal((20n * USDC).toString());
      expect(await usdc.balanceOf(operatorAddress)).to.equal(20n * USDC);

      // Epoch mode for epoch 1: devices sign, a verifier builds the manifest from the chain, two verifiers check and
      // sign the commit, anyone submits; after the challenge period the operator claims with the manifest.
      const reports1File = await signReports(1, 30);
      await provider.send("evm_increaseTime", [DAY + 3_600]);
      await provider.send("evm_mine", []);
      const manifestFile = join(dir, "manifest-1.json");
      const built = await execFileAsync(process.execPath, [
        DEPIN_CLI,
        ...cliArgs,
        "--json",
        "epoch",
        "build",
        "--pool",
        poolAddress,
        "--epoch",
        "1",
        "--file",
        reports1File,
        "--out",
        manifestFile,
      ]).then(({ stdout }) => JSON.parse(stdout) as { accepted: number; totalOwed: string });
      expect(built.accepted).to.equal(2);
      expect(built.totalOwed).to.equal((30n * USDC).toString());
      const deadline = String((await provider.getBlock("latest"))!.timestamp + 3_600);
      const commitFiles: string[] = [];
      for (const verifier of verifiers.slice(1, 3)) {
        const { stdout } = await execFileAsync(
          process.execPath,
          [
            DEPIN_CLI,
            ...cliArgs,
            "epoch",
            "sign",
            "--pool",
            poolAddress,
            "--manifest",
            manifestFile,
            "--uri",
            "ipfs://e2e-1",
            "--deadline",
            deadline,
          ],
          { env: { ...process.env, DEPIN_PRIVATE_KEY: verifier.privateKey } },
        );
        const file = join(dir, `commit-${verifier.address}.json`);
        await writeFile(file, stdout);
        commitFiles.push(file);
      }
      await execFileAsync(process.execPath, [DEPIN_CLI, ...cliArgs, "epoch", "commit", ...commitFiles], {
        env: { ...process.env, DEPIN_PRIVATE_KEY: protocolKey.privateKey },
      });
      await provider.send("evm_increaseTime", [DAY / 4 + 3_600]);
      await provider.send("evm_mine", []);
      const paidEpoch = await asProtocol("claim", operatorAddress, "--pool", poolAddress, "--manifest", manifestFile);
      expect(paidEpoch.paid).to.equal((30n * USDC).toString());
      expect(await usdc.balanceOf(operatorAddress)).to.equal(50n * USDC);

      // A gasless claim: epoch 2's work is recorded; the operator signs a claim, the protocol relays it.
      const reports2File = await signReports(2, 10);
      await provider.send("evm_increaseTime", [DAY + 3_600]);
      await provider.send("evm_mine", []);
      const batch2 = await signBatch(reports2File, 1);
      await execFileAsync(process.execPath, [DEPIN_CLI, ...cliArgs, "proofs", "submit", ...batch2], {
        env: { ...process.env, DEPIN_PRIVATE_KEY: protocolKey.privateKey },
      });
      const { stdout: signedClaim } = await execFileAsync(
        process.execPath,
        [DEPIN_CLI, ...cliArgs, "claim", operatorAddress, "--pool", poolAddress, "--gasless"],
        { env: { ...process.env, DEPIN_PRIVATE_KEY: operatorKey.privateKey } },
      );
      const claimFile = join(dir, "claim.json");
      await writeFile(claimFile, signedClaim);
      await execFileAsync(process.execPath, [DEPIN_CLI, ...cliArgs, "relay", "--file", claimFile], {
        env: { ...process.env, DEPIN_PRIVATE_KEY: protocolKey.privateKey },
      });
      expect(await usdc.balanceOf(operatorAddress)).to.equal(60n * USDC);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("runs a local chain with `depin chain` on 127.0.0.1, and stops it on SIGINT", async function () {
    const port = await freePort();
    const chain = spawn(process.execPath, [DEPIN_CLI, "chain", "--port", String(port)], { stdio: "ignore" });
    try {
      const local = new JsonRpcProvider(`http://127.0.0.1:${port}`, undefined, { staticNetwork: true });
      let chainId: bigint | undefined;
      for (let i = 0; i < 300 && chainId === undefined; i++) {
        chainId = await local.send("eth_chainId", []).then(
          (id: string) => BigInt(id),
          async () => {
            await new Promise((resolve) => setTimeout(resolve, 100));
            return undefined;
          },
        );
      }
      expect(chainId).to.equal(31337n);
      local.destroy();
    } finally {
      const exited = new Promise((resolve) => chain.once("exit", resolve));
      chain.kill("SIGINT");
      await exited;
    }
  });
});
