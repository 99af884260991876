/**
 * The simulation: a DePIN network end to end through the SDK only, on a development chain (the in-process Hardhat
 * chain, `depin chain`, anvil: it moves the chain's clock with `evm_setNextBlockTimestamp`). Deploy; a network that
 * requires attestations; operators register fleets of both key types; two protocols each create and fund a pool (one
 * per mode) under B2B funding references; a 3-of-5 verifier quorum screens each epoch's signed work reports (good and
 * bad), records ledger batches or commits epoch roots; a cheater is clawed back (ledger) or adjusted down (epoch); a
 * device is sold mid-run; every account is paid: most claim (some gasless through a relayer), some opt in to push
 * payouts a keeper sends, some claim both pools at once through the claim router (unsigned, or one signed bundle the
 * relayer submits); then the books are checked to the token unit against the simulation's own model, and the KPIs
 * are reported.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

import {
  NonceManager,
  Wallet,
  getAddress,
  id,
  toBeHex,
  type Provider,
  type Signer,
  type TypedDataDomain,
} from "ethers";

import { claim, type ClaimReturnType, type EpochLeafProof } from "../actions/claim.js";
import { claimAll, relayClaimBundle, type ClaimAllReturnType } from "../actions/claimAll.js";
import { clawbackCredit } from "../actions/clawbackCredit.js";
import { getPoolAccount } from "../actions/getPoolAccount.js";
import { readPoolDomain } from "../actions/readPoolDomain.js";
import { recordWork } from "../actions/recordWork.js";
import { relayClaim } from "../actions/relayClaim.js";
import { rewardPoolFactoryAt } from "../actions/pool.js";
import { signClaim } from "../actions/signClaim.js";
import { signClaimBundle } from "../actions/signClaimBundle.js";
import { pushPayouts, relayPushRecipient, signPushRecipient } from "../actions/pushPayouts.js";
import { commitEpoch } from "../actions/commitEpoch.js";
import { readDeviceStates } from "../actions/readDeviceStates.js";
import { readEpochInputs } from "../actions/readEpochInputs.js";
import { submitEpochCommit } from "../actions/submitEpochCommit.js";
import { deviceRegistryAt } from "../actions/registry.js";
import { registerDevice } from "../actions/registerDevice.js";
import { registerFleet } from "../actions/registerFleet.js";
import { createNetwork } from "../actions/createNetwork.js";
import { deployDepin } from "../actions/deployDepin.js";
import { setupPool } from "../actions/setupPool.js";
import {
  ClaimRouter__factory,
  MockUSDC__factory,
  type ClaimRouter,
  type DeviceRegistry,
  type IRewardPool,
  type MockUSDC,
} from "../contracts/index.js";
import { buildEpoch, proofFor, type Adjustment, type BuiltEpoch } from "../core/epoch.js";
import { poolConfig, WAD, type EpochCommit, type QuorumSignatures } from "../core/pool.js";
import { quantile, SeededRandom } from "../core/random.js";
import { buildRegistration } from "../core/registration.js";
import { KeyType, registryDomain } from "../core/registry.js";
import { screenSignedReports } from "../core/work.js";
import { checkWorkReportSignaturesParallel } from "../workers/signatures.js";
import { ContractRevertError } from "../errors/contract.js";
import { SimulatedVerifiers, type IngestFigures } from "./ingest.js";
import {
  BAD_REPORT_KINDS,
  buildWorld,
  epochReports,
  type EpochReports,
  type PoolMode,
  type SimulationMode,
} from "./world.js";

export interface SimulationOptions {
  nodes: number;
  epochs: number;
  mode: SimulationMode;
  seed: string;
  /** Gas price for the USD cost of settlement (default 0.01 gwei, typical of an L2's execution gas). */
  gasPriceGwei: number;
  /** ETH price in USD for the cost figures. */
  ethUsd: number;
  /** Share of final claims made gasless through the relayer. */
  gaslessShare: number;
  /** Where to write each epoch's manifest (the URI the chain records points there); none by default. */
  manifestDir?: string;
  /**
   * Drive each epoch through three verifier ingest services over HTTP (`--ingest`): devices post their reports to
   * all three, which close the epoch, co-sign what they each derived and submit. Default: the verifiers in-process.
   */
  ingest?: boolean;
}

export const DEFAULT_SIMULATION: SimulationOptions = {
  nodes: 10_000,
  epochs: 3,
  mode: "both",
  seed: "depin",
  gasPriceGwei: 0.01,
  ethUsd: 3_000,
  gaslessShare: 0.2,
};

/** A provider that also takes raw JSON-RPC calls (ethers' JsonRpcProvider, Hardhat's provider). */
export type DevProvider = Provider & { send(method: string, params: unknown[]): Promise<unknown> };

export interface SimulationEnvironment {
  provider: DevProvider;
  /** A funded account: deploys, administers the network, pays every simulated account's gas money. */
  funder: Signer;
  /** Contracts already deployed (e.g. by `depin deploy`); deployed here from the SDK's bytecode when absent. */
  deployment?: { registry: string; factory: string; token: string; router?: string };
  /** Progress per phase (bars in a terminal); called once per phase with its size. */
  progress?: (phase: string, total: number) => Progress;
}

/** A phase's progress: `update` with the count done so far. */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

/** Token amounts in token units (the token has 6 decimals). */
const USDC = 10n ** 6n;
const DAY = 86_400n;
const CHALLENGE_PERIOD = DAY / 4n;
const DEVICE_CAP = 500n;
/** 0.0025 USDC per work unit, plus a third of a token unit per 10^18: every credit leaves a remainder. */
const RATE = 2_500n * WAD + WAD / 3n;
const RELAYER_FEE = USDC / 100n;
const QUORUM = 3;
const ETH_FOR_GAS = 10n ** 18n;
/** An upper bound of a fleet registration's gas per device (P-256 and attested: about 73,000), so fleets skip the node's estimate. */
const REGISTRATION_GAS_PER_DEVICE = 80_000n;
/** Transactions from distinct accounts in flight at once. */
const CONCURRENCY = 4;
/** Shares of operators paid at the end by push payouts, by one unsigned claim across pools, by one signed bundle. */
const PUSH_SHARE = 0.1;
const ALL_POOLS_SHARE = 0.1;
const BUNDLE_SHARE = 0.05;
/** Push payouts per keeper transaction. */
const PUSH_BATCH = 100;

/** How an operator is paid at the end. */
type ClaimPath = "claim" | "push" | "allPools" | "bundle";

interface GasLine {
  gas: bigint;
  txs: number;
}

interface PoolRun {
  mode: PoolMode;
  pool: IRewardPool;
  address: string;
  protocol: Signer;
  refs: { label: string; ref: string; amount: bigint }[];
  /** The simulation's own model of each account's credit, in WAD (after clawbacks and adjustments). */
  modelWad: Map<string, bigint>;
  /** What each account has been paid (relayer fees included), from the Claimed events. */
  paid: Map<string, bigint>;
  fees: Map<string, bigint>;
  perDeviceWad: Map<bigint, bigint>;
  latest?: BuiltEpoch;
  batchNonce: bigint;
  devices: number;
  /** This epoch's signed reports, until the verifiers settle them. */
  pending?: EpochReports;
  /** The pool's EIP-712 domain, read and checked once: what devices, verifiers and claimants sign in. */
  domain: TypedDataDomain;
}

export interface SimulationResult {
  parameters: SimulationOptions & {
    chainId: string;
    rate: string;
    deviceCap: string;
    epochLengthSeconds: number;
    quorum: string;
    note: string;
  };
  network: {
    nodes: number;
    operators: Record<string, number>;
    keyTypes: { secp256k1: number; p256: number };
    devicesByPool: Record<string, number>;
    suspended: number;
    sold: { deviceId: string; from: string; to: string } | null;
  };
  contracts: Record<string, string>;
  epochs: {
    epoch: number;
    pool: PoolMode;
    reports: number;
    idleDevices: number;
    activeDevices: number;
    validUnits: string;
    rejected: Record<string, number>;
    rewards: string;
    utilization: { meanPct: number; medianPct: number; p90Pct: number };
  }[];
  work: {
    validReports: number;
    validUnits: string;
    rejected: Record<string, { reports: number; units: string }>;
    refusedOnChain: Record<string, number>;
    clawedBack: { pool: PoolMode; deviceId: string; amount: string }[];
    adjusted: { pool: PoolMode; account: string; amount: string }[];
  };
  rewards: {
    perNode: { nodes: number; median: string; p90: string; max: string };
    topOperators: { operator: string; devices: number; rewards: string }[];
    utilization: { meanPct: number; medianPct: number; p90Pct: number };
  };
  revenue: {
    pool: PoolMode;
    address: string;
    funding: { ref: string; label: string; amount: string }[];
    funded: string;
    credited: string;
    paid: string;
    relayerFees: string;
    fundedPerPaid: number;
  }[];
  gas: {
    phases: Record<string, { gas: string; txs: number; usd: number }>;
    perDevicePerEpoch: Record<string, { gas: number; usd: number }>;
    perOperation: Record<string, number>;
  };
  books: {
    pool: PoolMode;
    funded: string;
    credited: string;
    paid: string;
    claimable: string;
    dustWad: string;
    poolBalance: string;
    ok: boolean;
    findings: string[];
  }[];
  /** How many operators were paid by each path at the end (direct and gasless claims, push, across pools). */
  claimPaths: { direct: number; gasless: number; push: number; allPools: number; bundle: number };
  timings: Record<string, number>;
  /** With `ingest`: what went through the verifier services over HTTP. */
  ingest?: IngestFigures;
  /** Every disagreement between the chain, the verifiers and the simulation's model; empty when all agree. */
  findings: string[];
  ok: boolean;
}

/** Runs the simulation. Throws only on an unexpected refusal; the books' verdict is in the result. */
export async function simulate(options: SimulationOptions, env: SimulationEnvironment): Promise<SimulationResult> {
  // What must be stopped however the run ends (the verifier services of --ingest, their temporary databases).
  const cleanup: (() => Promise<void>)[] = [];
  try {
    return await runSimulation(options, env, cleanup);
  } finally {
    for (const stop of cleanup) await stop();
  }
}

async function runSimulation(
  options: SimulationOptions,
  env: SimulationEnvironment,
  cleanup: (() => Promise<void>)[],
): Promise<SimulationResult> {
  const started = performance.now();
  const timings: Record<string, number> = {};
  let phaseStart = performance.now();
  const lap = (phase: string) => {
    const now = performance.now();
    timings[phase] = Math.round(now - phaseStart) / 1000 + (timings[phase] ?? 0);
    phaseStart = now;
  };
  const { provider, funder } = env;
  const bar = (phase: string, total: number): Progress & { increment(n?: number): void } => {
    const shown = env.progress?.(phase, total);
    let done = 0;
    return {
      update: (n) => shown?.update((done = n)),
      increment: (n = 1) => shown?.update((done += n)),
      stop: () => shown?.stop(),
    };
  };
  const gas = new Map<string, GasLine>();
  const spend = (phase: string, used: bigint, txs = 1) => {
    const line = gas.get(phase) ?? { gas: 0n, txs: 0 };
    gas.set(phase, { gas: line.gas + used, txs: line.txs + txs });
  };
  const operations = new Map<string, bigint[]>();
  const measure = (operation: string, used: bigint) =>
    operations.set(operation, [...(operations.get(operation) ?? []), used]);

  const { chainId } = await provider.getNetwork();
  const world = buildWorld({ ...options, deviceCap: DEVICE_CAP });
  if (options.epochs < 2) world.cheaters.delete("epoch"); // an adjustment needs a later epoch
  const modes: PoolMode[] = options.mode === "both" ? ["ledger", "epoch"] : [options.mode];
  lap("world");

  // Deploy, or use what `depin deploy` recorded.
  let registry: DeviceRegistry;
  let token: MockUSDC;
  let factoryAddress: string;
  // The claim router (claims across pools): deployed with the rest, or recorded by `depin deploy`.
  let router: ClaimRouter | undefined;
  if (env.deployment === undefined) {
    const deployed = await deployDepin(funder, { withTestToken: true });
    router = deployed.router;
    registry = deployed.registry;
    token = deployed.token!;
    factoryAddress = await deployed.factory.getAddress();
    for (const [name, used] of Object.entries(deployed.gasUsed)) {
      spend("deploy", used);
      measure(`deploy_${name}`, used);
    }
  } else {
    registry = deviceRegistryAt(env.deployment.registry, funder);
    token = MockUSDC__factory.connect(env.deployment.token, funder);
    factoryAddress = env.deployment.factory;
    if (env.deployment.router !== undefined) router = ClaimRouter__factory.connect(env.deployment.router, funder);
  }
  const registryAddress = await registry.getAddress();

  // Every simulated account gets gas money: at once on chains that allow it (Hardhat, anvil), else by transfer.
  // One sender per account: a NonceManager counts its nonces locally (a node's answer about the pending nonce can lag,
  // and ethers caches it briefly), so back-to-back transactions from one account never collide.
  const senders = new Map<string, NonceManager>();
  const connect = (w: Wallet): NonceManager => {
    let sender = senders.get(w.address);
    if (sender === undefined) senders.set(w.address, (sender = new NonceManager(w.connect(provider))));
    return sender;
  };
  const accounts = [
    ...world.operators.map((o) => o.wallet.address),
    world.relayer.address,
    ...modes.map((m) => world.protocols[m].address),
    // With --ingest, three verifiers send their quorum's batches and commits themselves.
    ...(options.ingest === true ? world.verifiers.slice(0, 3).map((v) => v.address) : []),
  ];
  /** Gives `account` its gas money: set directly on a Hardhat chain, else sent by the funder. */
  const giveGasMoney = async (account: string) => {
    try {
      await provider.send("hardhat_setBalance", [account, toBeHex(ETH_FOR_GAS)]);
    } catch {
      await (await funder.sendTransaction({ to: account, value: ETH_FOR_GAS })).wait();
    }
  };
  const fundGas = bar("gas money", accounts.length);
  for (const account of accounts) {
    await giveGasMoney(account);
    fundGas.increment();
  }
  fundGas.stop();

  // The network (attestation required: a registrar co-signs each device) and a second one, for wrong-network reports.
  const net = await createNetwork(registry.connect(funder), {
    attestationRequired: true,
    metadataHash: id(`sim:${options.seed}:network`),
    attesters: [world.attester.address],
  });
  const other = await createNetwork(registry.connect(funder), {
    attestationRequired: false,
    metadataHash: id(`sim:${options.seed}:other-network`),
  });
  spend("setup", net.gasUsed + other.gasUsed, 2 + 1);
  const networkId = net.networkId;

  // The protocols' pools, funded by their customers' contracts.
  const pools = new Map<PoolMode, PoolRun>();
  for (const mode of modes) {
    const protocolWallet = world.protocols[mode];
    const protocol = connect(protocolWallet);
    const inPool = world.devices.filter((d) => d.mode === mode).length;
    const epochBudget = BigInt(Math.max(1_000, inPool)) * USDC; // ~4× the expected rewards per epoch
    const fundTotal = (epochBudget * BigInt(options.epochs)) / 2n;
    const refs = [
      { label: `${mode === "ledger" ? "maps-co" : "grid-co"}/contract-2026-041`, share: 60n },
      { label: `${mode === "ledger" ? "maps-co" : "grid-co"}/contract-2026-077`, share: 40n },
    ].map((r) => ({ label: r.label, ref: id(r.label), amount: (fundTotal * r.share) / 100n }));
    const mint = await (await token.connect(funder).mint(protocolWallet.address, fundTotal)).wait();
    spend("setup", mint?.gasUsed ?? 0n);
    const created = await setupPool(rewardPoolFactoryAt(factoryAddress, protocol), {
      salt: id(`sim:${options.seed}:${mode}`),
      kind: "whole",
      config: poolConfig({
        token: await token.getAddress(),
        networkId,
        admin: protocolWallet.address,
        guardian: protocolWallet.address,
        verifiers: world.verifiers.map((v) => v.address),
        quorum: QUORUM,
        epochLength: DAY,
        changeDelay: DAY,
        challengePeriod: CHALLENGE_PERIOD,
        settlementWindow: 7,
        params: { rate: RATE, epochBudget, deviceCap: DEVICE_CAP },
        minClaim: 0n,
        maxRelayerFee: RELAYER_FEE * 5n,
      }),
      funding: refs.map((r) => ({ amount: r.amount, ref: r.ref })),
    });
    spend("setup", created.gasUsed.create);
    measure("create_whole_pool", created.gasUsed.create);
    for (const g of created.gasUsed.fund) {
      spend("funding", g, 2);
      measure("fund_with_approve", g);
    }
    pools.set(mode, {
      mode,
      pool: created.pool,
      address: created.address,
      protocol,
      refs,
      modelWad: new Map(),
      paid: new Map(),
      fees: new Map(),
      perDeviceWad: new Map(),
      batchNonce: 0n,
      devices: inPool,
      domain: await readPoolDomain(created.pool),
    });
  }
  lap("deploy and setup");

  const manifestUriOf = (mode: PoolMode, epoch: number) =>
    options.manifestDir === undefined
      ? `sim://${options.seed}/${mode}/epoch-${epoch}.json`
      : `file://${resolve(join(options.manifestDir, `${mode}-epoch-${epoch}.json`))}`;
  const services =
    options.ingest === true
      ? await SimulatedVerifiers.start({
          pools: [...pools.values()].map((run) => ({
            mode: run.mode,
            pool: run.pool.connect(provider) as IRewardPool,
            manifestUri: (e: bigint) => manifestUriOf(run.mode, Number(e)),
          })),
          signers: world.verifiers.slice(0, 3).map((v) => connect(v)),
        })
      : undefined;
  if (services !== undefined) cleanup.push(() => services.stop());

  // Operators register their fleets: each device signs its registration, the registrar attests it.
  const domain = registryDomain(chainId, registryAddress);
  const head = await provider.getBlock("latest");
  const deadline = BigInt(head!.timestamp) + 30n * DAY;
  const registering = bar("register devices", world.devices.length);
  // Operators act at once, each with its own account (a few transactions in flight: the node mines them in turn).
  await forEachConcurrent(world.operators, CONCURRENCY, async (operator) => {
    const owner = connect(operator.wallet);
    const ownerAddress = operator.wallet.address;
    const registrations = await Promise.all(
      operator.devices.map((d) =>
        buildRegistration({
          device: world.devices[d]!.key,
          domain,
          owner: ownerAddress,
          networkId,
          deadline,
          attester: world.attester,
        }),
      ),
    );
    if (registrations.length === 1) {
      const r = await registerDevice(registry.connect(owner), { networkId, registration: registrations[0]! });
      spend("registration", r.gasUsed);
      measure("register_single", r.gasUsed);
      registering.increment();
    } else {
      const r = await registerFleet(registry.connect(owner), {
        networkId,
        registrations,
        gasPerDevice: REGISTRATION_GAS_PER_DEVICE,
        onBatch: (done, total) => done === total && registering.increment(total),
      });
      spend("registration", r.gasUsed, r.transactionHashes.length);
      if (registrations.length >= 100) measure("register_fleet_per_device", r.gasUsed / BigInt(registrations.length));
    }
  });
  // The second network's devices (their owner's reports to these pools are refused as from the wrong network).
  const foreignWallet = world.operators[world.foreignOperator]!.wallet;
  const foreignOwner = connect(foreignWallet);
  const foreign = await registerFleet(registry.connect(foreignOwner), {
    networkId: other.networkId,
    registrations: await Promise.all(
      world.foreignDevices.map((device) =>
        buildRegistration({ device, domain, owner: foreignWallet.address, networkId: other.networkId, deadline }),
      ),
    ),
  });
  spend("registration", foreign.gasUsed, foreign.transactionHashes.length);
  registering.stop();
  // The network admin suspends the devices that failed its checks; they keep sending reports.
  for (const d of world.suspended) {
    const r = await (
      await registry.connect(funder).suspend(world.devices[d]!.deviceId, id("failed location check"))
    ).wait();
    spend("network admin", r?.gasUsed ?? 0n);
  }
  lap("registration");

  // The owner of each device over time, as the simulation knows it (the model the chain is checked against).
  const ownerOf = new Map(world.devices.map((d) => [d.deviceId, world.operators[d.operator]!.wallet.address]));
  const genesis = await Promise.all([...pools.values()].map(async (p) => (await p.pool.settings()).genesis));
  const lastGenesis = genesis.reduce((a, b) => (a > b ? a : b), 0n);
  const moveTo = async (timestamp: bigint) => {
    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    if (now >= timestamp) return;
    await provider.send("evm_setNextBlockTimestamp", [toBeHex(timestamp)]);
    await provider.send("evm_mine", []);
  };
  let sold: SimulationResult["network"]["sold"] = null;
  const sell = async () => {
    if (world.sale === undefined) return;
    const device = world.devices[world.sale.device]!;
    const sellerWallet = world.operators[device.operator]!.wallet;
    const seller = connect(sellerWallet);
    const buyer = world.operators[world.sale.buyer]!.wallet.address;
    const r = await (
      await registry
        .connect(seller)
        ["safeTransferFrom(address,address,uint256)"](sellerWallet.address, buyer, device.deviceId)
    ).wait();
    spend("device sale", r?.gasUsed ?? 0n);
    ownerOf.set(device.deviceId, buyer);
    sold = { deviceId: device.deviceId.toString(), from: sellerWallet.address, to: buyer };
  };
  if (options.epochs === 1) await sell();

  const quorumOf = (epoch: number) => [0, 1, 2, 3, 4].map((i) => world.verifiers[(i + epoch) % 5]!).slice(0, QUORUM);
  const epochsOut: SimulationResult["epochs"] = [];
  const rejectedTotals = new Map<string, { reports: number; units: bigint }>();
  const refusedOnChain = new Map<string, number>();
  const clawedBack: SimulationResult["work"]["clawedBack"] = [];
  const adjusted: SimulationResult["work"]["adjusted"] = [];
  const findings: string[] = [];
  const utilizationAll: number[] = [];
  let validReports = 0;
  let validUnits = 0n;
  const relayer = connect(world.relayer);
  const relayerAddress = world.relayer.address;
  const credit = (run: PoolRun, account: string, deviceId: bigint, wad: bigint) => {
    run.modelWad.set(account, (run.modelWad.get(account) ?? 0n) + wad);
    run.perDeviceWad.set(deviceId, (run.perDeviceWad.get(deviceId) ?? 0n) + wad);
  };
  const refusal = async (label: string, attempt: () => Promise<unknown>, expected: string) => {
    try {
      await attempt();
      findings.push(`${label}: the chain accepted it`);
    } catch (error) {
      relayer.reset(); // the refused transaction was never sent: its nonce is free again
      const name = error instanceof ContractRevertError ? error.errorName : String(error);
      if (name !== expected) findings.push(`${label}: refused with ${name}, expected ${expected}`);
      refusedOnChain.set(`${label} (${name})`, (refusedOnChain.get(`${label} (${name})`) ?? 0) + 1);
    }
  };

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    if (epoch === 1) await sell();
    for (const run of pools.values()) {
      const signing = bar(`epoch ${epoch}: ${run.mode} reports`, run.devices);
      run.pending = epochReports(world, run.mode, epoch, run.domain, (n) => signing.increment(n));
      signing.stop();
    }
    lap(`signing reports`);
    // With --ingest, devices post their reports to the three verifier services while the epoch is open.
    const ingestVerdicts = new Map<PoolMode, (string | undefined)[]>();
    for (const run of services === undefined ? [] : pools.values()) {
      const { verdicts, disagreements } = await services!.post(run.mode, run.pending!.reports);
      ingestVerdicts.set(run.mode, verdicts);
      for (const i of disagreements) findings.push(`epoch ${epoch} ${run.mode}: the services disagree on report ${i}`);
    }
    if (services !== undefined) lap("ingest (HTTP)");
    await moveTo(lastGenesis + BigInt(epoch + 1) * DAY + 1n);

    for (const run of pools.values()) {
      const { reports, bad, idle } = run.pending!;
      const ids = [...new Set(reports.map((r) => r.report.deviceId))];
      const domainOfPool = run.domain;
      const signatureChecks = await checkWorkReportSignaturesParallel(domainOfPool, reports);
      const e = BigInt(epoch);
      let records;
      let inputs: Awaited<ReturnType<typeof readEpochInputs>> | undefined;
      if (run.mode === "ledger") {
        // Ledger mode credits the payee of record at the moment the batch is recorded: read the registry now.
        const devices = await readDeviceStates(registry, ids);
        for (const d of devices.values()) d.recordedInLedger = false; // the pool itself refuses a second record
        const screened = screenSignedReports(domainOfPool, reports, {
          epoch: e,
          devices,
          networkId,
          deviceCap: DEVICE_CAP,
          signatureChecks,
        });
        records = screened;
      } else {
        inputs = await readEpochInputs(run.pool, registry, e, ids);
        records = screenSignedReports(domainOfPool, reports, {
          epoch: e,
          devices: inputs.devices,
          networkId: inputs.networkId,
          deviceCap: inputs.params.deviceCap,
          signatureChecks,
        });
      }
      lap("verifiers screening");

      // The verifiers' verdicts must be exactly the simulation's: every planted bad report refused for its reason.
      const rejected: Record<string, number> = {};
      const reasonOf = new Map(records.rejected.map((r) => [r.report, r.reason]));
      reports.forEach((r, i) => {
        const planted = bad.get(i);
        const reason = reasonOf.get(r);
        if (planted !== reason) {
          findings.push(
            `epoch ${epoch} ${run.mode}: report ${i} planted as ${planted ?? "good"}, verifiers said ${reason ?? "good"}`,
          );
        }
        const ingested = ingestVerdicts.get(run.mode);
        if (ingested !== undefined && ingested[i] !== planted) {
          findings.push(
            `epoch ${epoch} ${run.mode}: report ${i} planted as ${planted ?? "good"}, the services said ${ingested[i] ?? "good"}`,
          );
        }
        if (reason !== undefined) {
          rejected[reason] = (rejected[reason] ?? 0) + 1;
          const t = rejectedTotals.get(reason) ?? { reports: 0, units: 0n };
          rejectedTotals.set(reason, { reports: t.reports + 1, units: t.units + r.report.units });
        }
      });
      const accepted = records.accepted;
      let epochUnits = 0n;
      const utilization: number[] = [];
      for (const r of accepted) {
        const owner = ownerOf.get(r.deviceId)!;
        if (getAddress(r.account) !== getAddress(owner)) {
          findings.push(`epoch ${epoch} ${run.mode}: device ${r.deviceId} credited to ${r.account}, owner is ${owner}`);
        }
        credit(run, getAddress(owner), r.deviceId, r.units * RATE);
        epochUnits += r.units;
        utilization.push(Number(r.units) / Number(DEVICE_CAP));
      }
      utilizationAll.push(...utilization);
      validReports += accepted.length;
      validUnits += epochUnits;

      const verifiers = quorumOf(epoch);
      if (run.mode === "ledger") {
        const proofs = accepted.map((r) => ({ deviceId: r.deviceId, units: r.units, evidenceHash: r.evidenceHash }));
        const recording = bar(`epoch ${epoch}: ledger batches`, proofs.length);
        let firstNonce = run.batchNonce;
        let replayed = proofs.slice(0, 500);
        if (services === undefined) {
          const recorded = await recordWork(run.pool.connect(relayer), {
            epoch: e,
            proofs,
            verifiers,
            firstNonce,
            batchSize: 500,
            onBatch: (done) => recording.update(done),
          });
          run.batchNonce = recorded.nextNonce;
          for (const b of recorded.batches) {
            spend("ledger batches", b.gasUsed);
            measure(`record_batch${b.proofs}_per_proof`, b.gasUsed / BigInt(b.proofs));
          }
        } else {
          // The three services close the epoch, co-sign the batches each derived and one submits each.
          const results = await services.close("ledger", e);
          const landed = await run.pool.queryFilter(run.pool.filters.BatchRecorded(e));
          const units = landed.reduce((n, ev) => n + ev.args.totalUnits, 0n);
          if (!results.every((r) => r.done))
            findings.push(`epoch ${epoch} ledger: the services did not land every batch`);
          if (units !== epochUnits || landed.length !== results[0]!.items.length)
            findings.push(
              `epoch ${epoch} ledger: ${units} units landed in ${landed.length} batches, the model ${epochUnits}`,
            );
          for (const item of results.flatMap((r) => r.items).filter((i) => i.byUs && i.gasUsed !== undefined)) {
            const n =
              item.kind === "batch"
                ? BigInt(Math.min(500, proofs.length - Number(item.nonce & 0xffffffffn) * 500))
                : 1n;
            spend("ledger batches", item.gasUsed!);
            measure(`record_batch${n}_per_proof`, item.gasUsed! / n);
          }
          recording.update(proofs.length);
          firstNonce = e << 32n;
          replayed = [...proofs].sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1)).slice(0, 500);
        }
        recording.stop();
        // A verifier's batch replayed (same nonce, same proofs): the pool refuses it, nothing is credited twice.
        await refusal(
          "replayed ledger batch",
          () => recordWork(run.pool.connect(relayer), { epoch: e, proofs: replayed, verifiers, firstNonce }),
          "RewardPoolBatchNonceUsed",
        );
        // The cheater, caught: its epoch-0 credit is clawed back before its owner claims.
        const cheater = world.cheaters.get("ledger");
        if (epoch === 0 && cheater !== undefined) {
          const device = world.devices[cheater]!;
          const account = getAddress(ownerOf.get(device.deviceId)!);
          const amountWad = DEVICE_CAP * RATE;
          const now = BigInt((await provider.getBlock("latest"))!.timestamp);
          const r = await clawbackCredit(run.pool.connect(relayer), {
            clawback: {
              account,
              deviceId: device.deviceId,
              amountWad,
              reasonHash: id("inflated units: evidence did not match"),
              nonce: 0n,
              deadline: now + DAY,
            },
            verifiers,
          });
          spend("clawback", r.gasUsed);
          credit(run, account, device.deviceId, -amountWad);
          clawedBack.push({ pool: "ledger", deviceId: device.deviceId.toString(), amount: tokens(amountWad / WAD) });
        }
      } else {
        const adjustments: Adjustment[] = [];
        const cheater = world.cheaters.get("epoch");
        if (epoch === 1 && cheater !== undefined) {
          // Caught after epoch 0's root: the next manifest takes the inflated credit back from the account's total.
          const device = world.devices[cheater]!;
          const account = getAddress(ownerOf.get(device.deviceId)!);
          const amountWad = DEVICE_CAP * RATE;
          adjustments.push({ account, amountWad, reasonHash: id("inflated units: evidence did not match") });
          credit(run, account, device.deviceId, -amountWad);
          adjusted.push({ pool: "epoch", account, amount: tokens(amountWad / WAD) });
        }
        const built = buildEpoch({
          pool: run.address,
          chainId,
          epoch,
          formulaVersion: 1,
          ...inputs!,
          // The verifier services order a manifest's records by device id.
          reports: (services === undefined
            ? accepted
            : [...accepted].sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1))
          ).map((r) => ({ deviceId: r.deviceId, units: r.units, evidenceHash: r.evidenceHash })),
          adjustments,
          ...(run.latest === undefined ? {} : { previous: { manifest: run.latest.manifest, text: run.latest.text } }),
        });
        const uri = manifestUriOf(run.mode, epoch);
        if (options.manifestDir !== undefined) {
          await mkdir(options.manifestDir, { recursive: true });
          await writeFile(resolve(join(options.manifestDir, `${run.mode}-epoch-${epoch}.json`)), built.text);
        }
        const committing = bar(`epoch ${epoch}: commit root`, 1);
        let committed: { commit: EpochCommit; signatures: QuorumSignatures };
        if (services === undefined) {
          const c = await commitEpoch(run.pool.connect(relayer), { built, uri, verifiers });
          spend("epoch commits", c.gasUsed);
          measure(`commit_epoch_n${accepted.length}`, c.gasUsed);
          committed = c;
        } else {
          // The three services close the epoch, co-sign the commit each derived, and one submits it.
          const results = await services.close("epoch", e, adjustments);
          const item = results.flatMap((r) => r.items).find((i) => i.byUs);
          const quorum = results.flatMap((r) => r.items).find((i) => i.quorum !== undefined)?.quorum;
          if (!results.every((r) => r.done) || item === undefined || quorum === undefined) {
            throw new Error(`epoch ${epoch}: the verifier services did not commit the epoch`);
          }
          if (results[0]!.commit!.manifestHash !== built.manifestHash)
            findings.push(
              `epoch ${epoch} epoch: the services committed ${results[0]!.commit!.manifestHash}, the model ${built.manifestHash}`,
            );
          spend("epoch commits", item.gasUsed ?? 0n);
          measure(`commit_epoch_n${accepted.length}`, item.gasUsed ?? 0n);
          committed = { commit: results[0]!.commit!, signatures: quorum };
        }
        committing.increment();
        committing.stop();
        // This commit replayed as signed: its nonce is spent, the pool refuses it.
        await refusal(
          "replayed epoch commit",
          () => submitEpochCommit(run.pool.connect(relayer), committed),
          "RewardPoolInvalidCommitNonce",
        );
        run.latest = built;
      }
      epochsOut.push({
        epoch,
        pool: run.mode,
        reports: reports.length,
        idleDevices: idle,
        activeDevices: accepted.length,
        validUnits: epochUnits.toString(),
        rejected,
        rewards: tokens((epochUnits * RATE) / WAD),
        utilization: distribution(utilization),
      });
      lap(`settlement (${run.mode})`);
    }

    // Between epochs the large fleets claim (repeat claims by existing holders); everyone else waits for the end.
    if (epoch < options.epochs - 1) {
      await moveTo(BigInt((await provider.getBlock("latest"))!.timestamp) + CHALLENGE_PERIOD + 1n);
      for (const operator of world.operators.filter((o) => o.fleetClass === "large")) {
        for (const run of pools.values()) await claimFor(run, operator.wallet, false);
      }
      lap("claims");
    }
  }

  /** What the model says `account` is owed in `run`'s pool now, and its epoch leaf (epoch mode). */
  function owedIn(run: PoolRun, account: string): { owed: bigint; leaf?: EpochLeafProof } {
    const leaf = run.mode === "epoch" && run.latest !== undefined ? proofFor(run.latest, account) : undefined;
    const owed =
      run.mode === "ledger"
        ? (run.modelWad.get(account) ?? 0n) / WAD - (run.paid.get(account) ?? 0n)
        : (leaf?.cumulative ?? 0n) - (run.paid.get(account) ?? 0n);
    return leaf === undefined ? { owed } : { owed, leaf };
  }

  async function claimFor(run: PoolRun, wallet: Wallet, gasless: boolean): Promise<void> {
    const account = getAddress(wallet.address);
    const { owed, leaf } = owedIn(run, account);
    if (owed <= 0n) return;
    let result: ClaimReturnType;
    if (gasless && owed > RELAYER_FEE) {
      const pool = run.pool.connect(relayer);
      const now = BigInt((await provider.getBlock("latest"))!.timestamp);
      const signed = {
        account,
        recipient: account,
        maxFee: RELAYER_FEE,
        nonce: (await getPoolAccount(pool, account)).claimNonce,
        deadline: now + 3_600n,
      };
      const signature = await signClaim(wallet, run.domain, signed);
      result = await relayClaim(pool, { claim: signed, signature, fee: RELAYER_FEE, ...(leaf ? { epoch: leaf } : {}) });
      run.fees.set(account, (run.fees.get(account) ?? 0n) + RELAYER_FEE);
      spend(`claims, gasless (${run.mode})`, result.gasUsed);
      measure(`claim_gasless_${run.mode}`, result.gasUsed);
    } else {
      result = await claim(run.pool.connect(connect(wallet)), account, leaf);
      spend(`claims (${run.mode})`, result.gasUsed);
      measure(`claim_${run.mode}`, result.gasUsed);
    }
    if (result.amount !== owed)
      findings.push(`${run.mode}: ${account} was paid ${result.amount}, the model owes ${owed}`);
    run.paid.set(account, (run.paid.get(account) ?? 0n) + result.amount);
  }

  /** Checks a router claim's per-pool results against the model, and books what each pool paid. */
  function bookRouterClaim(
    account: string,
    parts: readonly { run: PoolRun; owed: bigint }[],
    claimed: ClaimAllReturnType,
    fee: bigint,
  ): void {
    parts.forEach(({ run, owed }, i) => {
      const r = claimed.results[i]!;
      if (r.status !== "paid") {
        findings.push(
          `${run.mode}: the router skipped ${account} (${r.error?.name ?? "no reason"}), the model owes ${owed}`,
        );
        return;
      }
      if (r.amount !== owed)
        findings.push(`${run.mode}: ${account} was paid ${r.amount} by the router, the model owes ${owed}`);
      if (r.fee !== fee) findings.push(`${run.mode}: the relayer took ${r.fee} from ${account}'s bundle, not ${fee}`);
      run.paid.set(account, (run.paid.get(account) ?? 0n) + r.amount);
      if (r.fee > 0n) run.fees.set(account, (run.fees.get(account) ?? 0n) + r.fee);
    });
  }

  // The end: every account is paid what it is owed. A seeded share opts in to push payouts (a signed choice the
  // relayer submits) and a keeper pays them; a share claims both pools in one router transaction, a smaller one signs
  // one bundle the relayer submits for a fee per pool; the rest claim as before, a share of them gasless.
  await moveTo(BigInt((await provider.getBlock("latest"))!.timestamp) + CHALLENGE_PERIOD + 1n);
  const rng = new SeededRandom(`${options.seed}/claims`);
  const claiming = bar("claims", world.operators.length * pools.size);
  const gaslessOf = new Map(world.operators.map((o) => [o.index, rng.chance(options.gaslessShare)]));
  // A sub-seed of its own: the gasless choices above are drawn exactly as before.
  const pathRng = new SeededRandom(`${options.seed}/claims/paths`);
  const pathOf = new Map(
    world.operators.map((o): [number, ClaimPath] => {
      const u = pathRng.next();
      if (u < PUSH_SHARE) return [o.index, "push"];
      if (u < PUSH_SHARE + ALL_POOLS_SHARE) return [o.index, "allPools"];
      if (u < PUSH_SHARE + ALL_POOLS_SHARE + BUNDLE_SHARE) return [o.index, "bundle"];
      return [o.index, "claim"];
    }),
  );
  const onPath = (path: ClaimPath) => world.operators.filter((o) => pathOf.get(o.index) === path);

  // Push payouts: each chooses itself as the recipient by signature (it spends the account's claim nonce in the pool),
  // then a keeper pays them all, in batches, each pool with its latest manifest's tree.
  const pushers = onPath("push");
  if (pushers.length > 0) {
    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    for (const operator of pushers) {
      const account = getAddress(operator.wallet.address);
      for (const run of pools.values()) {
        const pool = run.pool.connect(relayer);
        const choice = {
          account,
          recipient: account,
          nonce: (await getPoolAccount(pool, account)).claimNonce,
          deadline: now + 3_600n,
        };
        const signature = await signPushRecipient(operator.wallet, run.domain, choice);
        const chosen = await relayPushRecipient(pool, { choice, signature });
        spend(`push opt-ins (${run.mode})`, chosen.gasUsed);
        measure(`push_opt_in_${run.mode}`, chosen.gasUsed);
      }
    }
    const keeperWallet = new Wallet(id(`sim:${options.seed}:keeper`));
    await giveGasMoney(keeperWallet.address);
    const keeper = connect(keeperWallet);
    const accounts = pushers.map((o) => getAddress(o.wallet.address));
    for (const run of pools.values()) {
      const owed = new Map(accounts.map((a) => [a, owedIn(run, a).owed]));
      const tree = run.mode === "epoch" ? run.latest?.tree : undefined;
      const pushed = await pushPayouts(run.pool.connect(keeper), {
        accounts,
        ...(tree === undefined ? {} : { tree }),
        batchSize: PUSH_BATCH,
      });
      pushed.transactions.forEach((tx, i) => {
        const batch = Math.min(PUSH_BATCH, accounts.length - i * PUSH_BATCH);
        spend(`claims, push (${run.mode})`, tx.gasUsed);
        measure(`push_per_account_${run.mode}`, tx.gasUsed / BigInt(batch));
      });
      for (const r of pushed.results) {
        const o = owed.get(r.account)!;
        if (r.status === "skipped") {
          // Expected only where the model owes nothing.
          if (!(r.reason === "NothingToPay" && o === 0n))
            findings.push(`${run.mode}: the push to ${r.account} was skipped (${r.reason}), the model owes ${o}`);
          continue;
        }
        const amount = r.ledgerAmount + r.epochAmount;
        if (r.recipient !== r.account) findings.push(`${run.mode}: ${r.account} was pushed to ${r.recipient}`);
        if (amount !== o) findings.push(`${run.mode}: ${r.account} was pushed ${amount}, the model owes ${o}`);
        run.paid.set(r.account, (run.paid.get(r.account) ?? 0n) + amount);
      }
      claiming.increment(accounts.length);
    }
  }

  // Claims across pools need the claim router: a deployment that recorded none gets one now.
  const crossPool = [...onPath("allPools"), ...onPath("bundle")];
  if (router === undefined && crossPool.length > 0) {
    const deployed = await (await new ClaimRouter__factory(funder).deploy()).waitForDeployment();
    router = ClaimRouter__factory.connect(await deployed.getAddress(), funder);
  }
  // One unsigned claim across both pools, each operator sending its own (a few at a time).
  await forEachConcurrent(onPath("allPools"), CONCURRENCY, async (operator) => {
    const account = getAddress(operator.wallet.address);
    const parts = [...pools.values()].map((run) => ({ run, ...owedIn(run, account) })).filter((p) => p.owed > 0n);
    if (parts.length > 0) {
      const claimed = await claimAll(
        router!.connect(connect(operator.wallet)),
        account,
        parts.map((p) => ({ pool: p.run.address, ...(p.leaf === undefined ? {} : { epoch: p.leaf }) })),
      );
      spend("claims, all pools", claimed.gasUsed);
      measure(`claim_all_pools_n${parts.length}`, claimed.gasUsed);
      measure("claim_all_pools_per_pool", claimed.gasUsed / BigInt(parts.length));
      bookRouterClaim(account, parts, claimed, 0n);
    }
    claiming.increment(pools.size);
  });
  // One signed bundle per operator, the relayer taking its fee in each pool (pools owing no more than the fee are
  // claimed directly, as the gasless claims do).
  for (const operator of onPath("bundle")) {
    const account = getAddress(operator.wallet.address);
    const parts = [...pools.values()]
      .map((run) => ({ run, ...owedIn(run, account) }))
      .filter((p) => p.owed > RELAYER_FEE);
    if (parts.length > 0) {
      const now = BigInt((await provider.getBlock("latest"))!.timestamp);
      const bundle = {
        account,
        recipient: account,
        deadline: now + 3_600n,
        claims: await Promise.all(
          parts.map(async (p) => ({
            pool: p.run.address,
            maxFee: RELAYER_FEE,
            nonce: (await getPoolAccount(p.run.pool, account)).claimNonce,
          })),
        ),
      };
      const signature = await signClaimBundle(operator.wallet, chainId, bundle);
      const claimed = await relayClaimBundle(router!.connect(relayer), {
        bundle,
        signature,
        claims: parts.map((p) => ({ fee: RELAYER_FEE, ...(p.leaf === undefined ? {} : { epoch: p.leaf }) })),
      });
      spend("claims, gasless bundle", claimed.gasUsed);
      measure(`claim_bundle_n${parts.length}`, claimed.gasUsed);
      measure("claim_bundle_per_pool", claimed.gasUsed / BigInt(parts.length));
      bookRouterClaim(account, parts, claimed, RELAYER_FEE);
    }
    for (const run of pools.values()) await claimFor(run, operator.wallet, false);
    claiming.increment(pools.size);
  }

  // The rest claim as before: direct claims a few at a time (each operator sends its own), the relayer's one after
  // another.
  const claimers = onPath("claim");
  await forEachConcurrent(
    claimers.filter((o) => !gaslessOf.get(o.index)),
    CONCURRENCY,
    async (operator) => {
      for (const run of pools.values()) {
        await claimFor(run, operator.wallet, false);
        claiming.increment();
      }
    },
  );
  for (const operator of claimers.filter((o) => gaslessOf.get(o.index))) {
    for (const run of pools.values()) {
      await claimFor(run, operator.wallet, true);
      claiming.increment();
    }
  }
  claiming.stop();
  lap("claims");
  const claimPaths: SimulationResult["claimPaths"] = {
    direct: claimers.filter((o) => !gaslessOf.get(o.index)).length,
    gasless: claimers.filter((o) => gaslessOf.get(o.index)).length,
    push: pushers.length,
    allPools: onPath("allPools").length,
    bundle: onPath("bundle").length,
  };

  // The books, to the token unit, per pool: Σ paid + Σ claimable = Σ credited ≤ Σ funded, against the model.
  const books: SimulationResult["books"] = [];
  const revenue: SimulationResult["revenue"] = [];
  const checking = bar("books", world.operators.length * pools.size);
  for (const run of pools.values()) {
    const f: string[] = [];
    const accountsOf = [...new Set([...run.modelWad.keys(), ...run.paid.keys()])];
    let paid = 0n;
    let claimable = 0n;
    let credited = 0n;
    let dustWad = 0n;
    for (let start = 0; start < accountsOf.length; start += 100) {
      await Promise.all(
        accountsOf.slice(start, start + 100).map(async (account) => {
          const leaf = run.latest === undefined ? undefined : proofFor(run.latest, account);
          const [left, view] = await Promise.all([
            run.pool.claimable(account, leaf?.cumulative ?? 0n, leaf?.proof ?? []),
            getPoolAccount(run.pool, account),
          ]);
          const wad = run.modelWad.get(account) ?? 0n;
          const owedUnits = wad / WAD;
          const p = run.paid.get(account) ?? 0n;
          paid += p;
          claimable += left[0] + left[1];
          credited += owedUnits;
          if (run.mode === "ledger") {
            dustWad += wad % WAD;
            if (view.unpaidWad !== wad - p * WAD) {
              f.push(`${account}: unpaid credit ${view.unpaidWad} WAD on-chain, the model says ${wad - p * WAD}`);
            }
          } else if ((leaf?.cumulative ?? 0n) !== owedUnits) {
            f.push(`${account}: the manifest's cumulative is ${leaf?.cumulative ?? 0n}, the model's ${owedUnits}`);
          } else if (view.paidEpoch !== p) {
            f.push(`${account}: epoch mode paid ${view.paidEpoch} on-chain, the model says ${p}`);
          }
          if (p + left[0] + left[1] !== owedUnits) {
            f.push(`${account}: paid ${p} + claimable ${left[0] + left[1]} ≠ credited ${owedUnits}`);
          }
          checking.increment();
        }),
      );
    }
    const funded = run.refs.reduce((s, r) => s + r.amount, 0n);
    const [totals, poolBalance] = await Promise.all([run.pool.totals(), token.balanceOf(run.address)]);
    const fees = [...run.fees.values()].reduce((s, x) => s + x, 0n);
    if (paid + claimable !== credited) f.push(`Σ paid ${paid} + Σ claimable ${claimable} ≠ Σ credited ${credited}`);
    if (credited > funded) f.push(`Σ credited ${credited} > Σ funded ${funded}`);
    if (totals.funded !== funded) f.push(`totals().funded ${totals.funded} ≠ Σ funding ${funded}`);
    if (poolBalance !== funded - paid) f.push(`the pool holds ${poolBalance}, funded − paid is ${funded - paid}`);
    const modelTotalWad = [...run.modelWad.values()].reduce((s, x) => s + x, 0n);
    if (run.mode === "ledger" && totals.creditedWad !== modelTotalWad) {
      f.push(`totals().creditedWad ${totals.creditedWad} ≠ the model's ${modelTotalWad}`);
    }
    if (run.mode === "epoch" && totals.epochPaid !== paid)
      f.push(`totals().epochPaid ${totals.epochPaid} ≠ Σ paid ${paid}`);
    findings.push(...f.map((x) => `${run.mode} pool: ${x}`));
    books.push({
      pool: run.mode,
      funded: tokens(funded),
      credited: tokens(credited),
      paid: tokens(paid),
      claimable: tokens(claimable),
      dustWad: dustWad.toString(),
      poolBalance: tokens(poolBalance),
      ok: f.length === 0,
      findings: f,
    });
    revenue.push({
      pool: run.mode,
      address: run.address,
      funding: run.refs.map((r) => ({ ref: r.ref, label: r.label, amount: tokens(r.amount) })),
      funded: tokens(funded),
      credited: tokens(credited),
      paid: tokens(paid),
      relayerFees: tokens(fees),
      fundedPerPaid: paid === 0n ? 0 : Number((funded * 1000n) / paid) / 1000,
    });
  }
  checking.stop();
  // Each operator holds exactly what it was paid by every pool, less the relayer fees its gasless claims paid.
  for (let start = 0; start < world.operators.length; start += 100) {
    await Promise.all(
      world.operators.slice(start, start + 100).map(async (o) => {
        const account = getAddress(o.wallet.address);
        let expected = 0n;
        for (const run of pools.values()) expected += (run.paid.get(account) ?? 0n) - (run.fees.get(account) ?? 0n);
        const balance = await token.balanceOf(account);
        if (balance !== expected) findings.push(`${account} holds ${balance}, it was paid ${expected} net of fees`);
      }),
    );
  }
  const relayerBalance = await token.balanceOf(relayerAddress);
  const allFees = [...pools.values()].reduce((s, r) => s + [...r.fees.values()].reduce((a, b) => a + b, 0n), 0n);
  if (relayerBalance !== allFees) findings.push(`the relayer holds ${relayerBalance}, fees taken were ${allFees}`);
  lap("books");

  // KPIs.
  const perDevice = new Map<bigint, bigint>();
  for (const run of pools.values())
    for (const [d, w] of run.perDeviceWad) perDevice.set(d, (perDevice.get(d) ?? 0n) + w);
  const earned = [...perDevice.values()].filter((w) => w > 0n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const perOperator = world.operators
    .map((o) => ({
      operator: o.wallet.address,
      devices: o.devices.length,
      wad: [...pools.values()].reduce((s, r) => s + (r.modelWad.get(getAddress(o.wallet.address)) ?? 0n), 0n),
    }))
    .sort((a, b) => (a.wad > b.wad ? -1 : a.wad < b.wad ? 1 : 0))
    .slice(0, 5);
  const usd = (g: bigint) => Math.round(Number(g) * options.gasPriceGwei * 1e-9 * options.ethUsd * 100) / 100;
  const phases: SimulationResult["gas"]["phases"] = {};
  for (const [phase, line] of gas) phases[phase] = { gas: line.gas.toString(), txs: line.txs, usd: usd(line.gas) };
  const perDevicePerEpoch: SimulationResult["gas"]["perDevicePerEpoch"] = {};
  for (const run of pools.values()) {
    const settle = [...gas.entries()]
      .filter(([phase]) =>
        run.mode === "ledger"
          ? [
              "ledger batches",
              "clawback",
              "claims (ledger)",
              "claims, gasless (ledger)",
              "push opt-ins (ledger)",
              "claims, push (ledger)",
            ].includes(phase)
          : [
              "epoch commits",
              "claims (epoch)",
              "claims, gasless (epoch)",
              "push opt-ins (epoch)",
              "claims, push (epoch)",
            ].includes(phase),
      )
      .reduce((s, [, line]) => s + line.gas, 0n);
    const perUnit = run.devices * options.epochs;
    perDevicePerEpoch[run.mode] = { gas: Math.round(Number(settle) / perUnit), usd: usd(settle) / perUnit };
  }
  const perOperation: Record<string, number> = {};
  for (const [op, list] of operations) {
    perOperation[op] = Math.round(list.reduce((s, x) => s + Number(x), 0) / list.length);
  }
  const rejectedOut: SimulationResult["work"]["rejected"] = {};
  for (const kind of [...BAD_REPORT_KINDS, ...rejectedTotals.keys()]) {
    const t = rejectedTotals.get(kind);
    if (t !== undefined) rejectedOut[kind] = { reports: t.reports, units: t.units.toString() };
  }
  timings.total = Math.round(performance.now() - started) / 1000;
  const countBy = <T extends string>(list: readonly T[]) =>
    list.reduce<Record<string, number>>((o, k) => ({ ...o, [k]: (o[k] ?? 0) + 1 }), {});
  return {
    parameters: {
      ...options,
      chainId: chainId.toString(),
      rate: `${RATE} (token units × 1e18 per work unit, about ${tokens(RATE / WAD)} USDC)`,
      deviceCap: DEVICE_CAP.toString(),
      epochLengthSeconds: Number(DAY),
      quorum: `${QUORUM} of ${world.verifiers.length}`,
      note:
        "USD costs are execution gas × the given gas price × the ETH price; an L2's L1 data fee is not included. " +
        "Token: MockUSDC (real USDC adds about 10,400 gas to each transfer).",
    },
    network: {
      nodes: world.devices.length,
      operators: countBy(world.operators.map((o) => o.fleetClass)),
      keyTypes: {
        secp256k1: world.devices.filter((d) => d.key.keyType === KeyType.Secp256k1).length,
        p256: world.devices.filter((d) => d.key.keyType === KeyType.P256).length,
      },
      devicesByPool: Object.fromEntries([...pools.values()].map((r) => [r.mode, r.devices])),
      suspended: world.suspended.length,
      sold,
    },
    contracts: {
      registry: registryAddress,
      factory: factoryAddress,
      token: await token.getAddress(),
      ...(router === undefined ? {} : { router: await router.getAddress() }),
      ...Object.fromEntries([...pools.values()].map((r) => [`${r.mode}Pool`, r.address])),
    },
    epochs: epochsOut,
    work: {
      validReports,
      validUnits: validUnits.toString(),
      rejected: rejectedOut,
      refusedOnChain: Object.fromEntries(refusedOnChain),
      clawedBack,
      adjusted,
    },
    rewards: {
      perNode: {
        nodes: earned.length,
        median: tokens(quantile(earned, 0.5) / WAD),
        p90: tokens(quantile(earned, 0.9) / WAD),
        max: tokens((earned.at(-1) ?? 0n) / WAD),
      },
      topOperators: perOperator.map((o) => ({
        operator: o.operator,
        devices: o.devices,
        rewards: tokens(o.wad / WAD),
      })),
      utilization: distribution(utilizationAll),
    },
    revenue,
    gas: { phases, perDevicePerEpoch, perOperation },
    books,
    claimPaths,
    timings,
    ...(services === undefined ? {} : { ingest: services.summary() }),
    findings,
    ok: findings.length === 0,
  };
}

/** Runs `fn` over `items` with at most `limit` calls in flight; rejects with the first failure. */
async function forEachConcurrent<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

/** Token units (6 decimals) as a decimal string. */
function tokens(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / USDC;
  const frac = (abs % USDC).toString().padStart(6, "0");
  return `${negative ? "-" : ""}${whole}.${frac}`;
}

function distribution(values: readonly number[]): { meanPct: number; medianPct: number; p90Pct: number } {
  if (values.length === 0) return { meanPct: 0, medianPct: 0, p90Pct: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const pct = (x: number) => Math.round(x * 1000) / 10;
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return {
    meanPct: pct(values.reduce((s, x) => s + x, 0) / values.length),
    medianPct: pct(at(0.5)),
    p90Pct: pct(at(0.9)),
  };
}
