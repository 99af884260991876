/**
 * `depin claim --all` end to end against a `hardhat node`: an operator earning in three pools (two of one stablecoin,
 * one of another, one of them in epoch mode with a manifest) claims everything in one transaction, or signs one
 * bundle (`--gasless`) that a relayer submits (`depin relay --bundle`) for a fee in each pool's token; the per-pool
 * table and JSON, and the errors (nothing to claim, a replayed or expired bundle) with the CLI's exit codes.
 */
import { execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { expect } from "chai";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager, id } from "ethers";

import {
  buildEpoch,
  buildRegistration,
  commitEpoch,
  contracts,
  createPool,
  deviceIdOf,
  deviceRegistryAt,
  fundPool,
  loadDeployment,
  poolConfig,
  readEpochInputs,
  recordWork,
  registerFleet,
  registryDomain,
  rewardPoolAt,
  rewardPoolFactoryAt,
  Secp256k1DeviceKey,
  WAD,
} from "../../sdk/src/index.js";
import { DEPIN_CLI, DEV_MNEMONIC, runDepin, startNode } from "./helpers.js";

const execFileAsync = promisify(execFile);
const USDC = 10n ** 6n;
const DAY = 86_400;
const RATE = WAD / 2n;

interface PoolResult {
  pool: string;
  token: string;
  amount: string;
  fee: string;
  status: string;
  error?: { name: string; message: string };
}

describe("depin claim --all (hardhat node on 127.0.0.1)", function () {
  this.timeout(240_000);
  let node: ChildProcess;
  let url: string;
  let provider: JsonRpcProvider;
  let dir: string;

  before(async function () {
    ({ node, url } = await startNode());
    provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 50 });
    dir = await mkdtemp(join(tmpdir(), "depin-claim-all-"));
  });

  after(async function () {
    provider?.destroy();
    node?.kill();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("claims across pools and tokens in one transaction, signed once or not at all", async function () {
    const records = join(dir, "records");
    await execFileAsync(process.execPath, [DEPIN_CLI, "--rpc", url, "--deployments", records, "deploy"], {
      env: { ...process.env, DEPIN_RPC_URL: url, DEPIN_DEPLOYMENTS_DIR: records, DEPIN_IGNITION_DIR: join(dir, "ig") },
    });
    const deployment = await loadDeployment("localhost", records);
    const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), "m/44'/60'/0'/0");
    const [protocolKey, operatorKey, relayerKey, recipientKey, stranger] = [12, 13, 14, 15, 18].map((i) =>
      root.deriveChild(i),
    );
    const verifiers = [16, 17].map((i) => root.deriveChild(i));
    const protocol = new NonceManager(protocolKey!.connect(provider));
    const operator = operatorKey!.address;
    const { chainId } = await provider.getNetwork();
    const cli = (key: HDNodeWallet, ...args: string[]) =>
      runDepin(["--rpc", url, "--deployments", records, ...args], { DEPIN_PRIVATE_KEY: key.privateKey });

    // Three pools of one network: A and B pay USDC, C another stablecoin; each funded.
    const registryAddress = deployment.contracts.DeviceRegistry!.address;
    const registry = deviceRegistryAt(registryAddress, protocol);
    await (await registry.createNetwork(false, id("claim-all"))).wait();
    const networkId = await registry.networkCount();
    const usdc = contracts.MockUSDC__factory.connect(deployment.contracts.MockUSDC!.address, protocol);
    const other = await (await new contracts.MockPermitToken__factory(protocol).deploy()).waitForDeployment();
    const factory = rewardPoolFactoryAt(deployment.contracts.RewardPoolFactory!.address, protocol);
    const pools: string[] = [];
    for (const [i, token] of [usdc, usdc, other].entries()) {
      const address = await createPool(factory, {
        salt: id(`claim-all-${i}`),
        config: poolConfig({
          token: await token.getAddress(),
          networkId,
          admin: protocolKey!.address,
          verifiers: verifiers.map((v) => v.address),
          quorum: 2,
          maxRelayerFee: USDC,
          params: { rate: RATE, epochBudget: 1_000n * USDC, deviceCap: 100_000_000n },
        }),
      });
      await (await token.mint(protocolKey!.address, 500n * USDC)).wait();
      await (await token.approve(address, 500n * USDC)).wait();
      await fundPool(rewardPoolAt(address, protocol), { amount: 500n * USDC, ref: id(`funding-${i}`) });
      pools.push(address);
    }

    // The operator's three devices; epoch 0 recorded in every pool (ledger mode), epoch 1 committed in pool A.
    const keys = [0, 1, 2].map(() => Secp256k1DeviceKey.random());
    const deadline = BigInt((await provider.getBlock("latest"))!.timestamp + DAY);
    const regs = await Promise.all(
      keys.map((device) =>
        buildRegistration({
          device,
          domain: registryDomain(chainId, registryAddress),
          owner: operator,
          networkId,
          deadline,
        }),
      ),
    );
    await registerFleet(deviceRegistryAt(registryAddress, new NonceManager(operatorKey!.connect(provider))), {
      networkId,
      registrations: regs,
    });
    const deviceIds = keys.map((k) => deviceIdOf(k.keyType, k.key));
    await provider.send("evm_increaseTime", [2 * DAY + 3_600]);
    await provider.send("evm_mine", []);
    const units = [2_000_001n, 3_000_000n, 4_000_003n];
    for (const [i, pool] of pools.entries()) {
      await recordWork(rewardPoolAt(pool, protocol), {
        epoch: 0n,
        proofs: [{ deviceId: deviceIds[i]!, units: units[i]!, evidenceHash: id(`e0:${i}`) }],
        verifiers,
        firstNonce: 0n,
      });
    }
    const poolA = rewardPoolAt(pools[0]!, protocol);
    const reports = [{ deviceId: deviceIds[0]!, units: 1_000_000n, evidenceHash: id("e1") }];
    const inputs = await readEpochInputs(poolA, deviceRegistryAt(registryAddress, provider), 1n, [deviceIds[0]!]);
    const built = buildEpoch({ pool: pools[0]!, chainId, epoch: 1, formulaVersion: 1, ...inputs, reports });
    await commitEpoch(poolA, { built, uri: "ipfs://claim-all/epoch-1.json", verifiers });
    await provider.send("evm_increaseTime", [DAY / 4 + 3_600]);
    await provider.send("evm_mine", []);
    const manifest = join(dir, "epoch-1.json");
    await writeFile(manifest, built.text);

    // Anyone sends it (here a stranger); every pool pays the operator exactly, in its token.
    const expected = [
      (units[0]! * RATE) / WAD + (1_000_000n * RATE) / WAD,
      (units[1]! * RATE) / WAD,
      (units[2]! * RATE) / WAD,
    ];
    const before = [await usdc.balanceOf(operator), await other.balanceOf(operator)];
    const claimed = await cli(stranger!, "--json", "claim", operator, "--all", "--manifest", manifest);
    expect(claimed.code, claimed.stderr).to.equal(0);
    const results = (JSON.parse(claimed.stdout) as { results: PoolResult[] }).results;
    expect(results.map((r) => [r.pool, r.status, r.amount, r.fee])).to.have.deep.members(
      pools.map((p, i) => [p, "paid", expected[i]!.toString(), "0"]),
    );
    expect((await usdc.balanceOf(operator)) - before[0]!).to.equal(expected[0]! + expected[1]!);
    expect((await other.balanceOf(operator)) - before[1]!).to.equal(expected[2]!);

    // Nothing left anywhere: a clear error, exit 2.
    const nothing = await cli(stranger!, "claim", operator, "--all", "--manifest", manifest);
    expect(nothing.code).to.equal(2);
    expect(nothing.stderr).to.contain("has nothing to claim in any pool");
    const both = await cli(stranger!, "claim", operator, "--all", "--pool", pools[0]!);
    expect(both.code).to.equal(2);

    // Epoch 2 in pools B and C; the operator signs one bundle, gasless, the relayer submits it for a fee per pool.
    await provider.send("evm_increaseTime", [DAY]);
    await provider.send("evm_mine", []);
    for (const [i, pool] of pools.entries()) {
      if (i === 0) continue;
      await recordWork(rewardPoolAt(pool, protocol), {
        epoch: 2n,
        proofs: [{ deviceId: deviceIds[i]!, units: 1_000_000n, evidenceHash: id(`e2:${i}`) }],
        verifiers,
        firstNonce: 10n,
      });
    }
    const signed = await cli(
      operatorKey!,
      "claim",
      operator,
      "--all",
      "--gasless",
      "--max-fee",
      "0.5",
      "--recipient",
      recipientKey!.address,
    );
    expect(signed.code, signed.stderr).to.equal(0);
    const bundleFile = join(dir, "bundle.json");
    await writeFile(bundleFile, signed.stdout);
    const bundle = JSON.parse(signed.stdout) as { bundle: { claims: { pool: string }[] } };
    expect(bundle.bundle.claims.map((c) => c.pool)).to.have.members([pools[1], pools[2]]);
    const relayed = await cli(relayerKey!, "relay", "--bundle", bundleFile, "--fee", "0.25");
    expect(relayed.code, relayed.stderr).to.equal(0);
    expect(relayed.stdout).to.match(/pool\s+token\s+amount\s+fee\s+status/);
    expect(relayed.stdout).to.contain("2 of 2 pools paid");
    const fee = USDC / 4n;
    expect(await usdc.balanceOf(relayerKey!.address)).to.equal(fee);
    expect(await other.balanceOf(relayerKey!.address)).to.equal(fee);
    expect(await usdc.balanceOf(recipientKey!.address)).to.equal(500_000n - fee);
    expect(await other.balanceOf(recipientKey!.address)).to.equal(500_000n - fee);

    // The same bundle again: every pool refuses (nonce used), nothing moves, exit 1 naming the reason.
    const replay = await cli(relayerKey!, "--json", "relay", "--bundle", bundleFile);
    expect(replay.code).to.equal(1);
    expect(replay.stderr).to.contain("no pool paid");
    expect(replay.stderr).to.contain("claim nonce");
    expect(await usdc.balanceOf(relayerKey!.address)).to.equal(fee);

    // An expired bundle is refused before anything is sent (exit 2).
    await provider.send("evm_increaseTime", [DAY]);
    await provider.send("evm_mine", []);
    await recordWork(rewardPoolAt(pools[1]!, protocol), {
      epoch: 3n,
      proofs: [{ deviceId: deviceIds[1]!, units: 1_000_000n, evidenceHash: id("e3") }],
      verifiers,
      firstNonce: 20n,
    });
    const short = await cli(operatorKey!, "claim", operator, "--all", "--gasless", "--valid-for", "60");
    expect(short.code, short.stderr).to.equal(0);
    const shortFile = join(dir, "short.json");
    await writeFile(shortFile, short.stdout);
    await provider.send("evm_increaseTime", [120]);
    await provider.send("evm_mine", []);
    const expired = await cli(relayerKey!, "relay", "--bundle", shortFile);
    expect(expired.code).to.equal(2);
    expect(expired.stderr).to.contain("expired");
  });
});
