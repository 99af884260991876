/** Shared fixture for RewardPool tests: registry, devices in fleets, USDC-like token, factory, a funded pool. */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { ZeroHash, id, type BaseContract, type TypedDataDomain } from "ethers";

import {
  attestBatch,
  createNetwork,
  deployDepin,
  type contracts,
  deviceIdOf,
  poolDomain,
  type Proof,
  readTokenDomain,
  registerFleetArgs,
  Secp256k1DeviceKey,
  setupPool,
  WAD,
} from "../../sdk/src/index.js";
import { accounts } from "./accounts.js";
import { signedRegistration } from "./registry.js";

export const DAY = 86_400n;
export const USDC = 10n ** 6n;
/** One third of a token unit per work unit: every reward leaves a remainder. */
export const RATE = WAD / 3n;
export const BUDGET = 1_000_000n * USDC;
export const DEVICE_CAP = 10n ** 9n;
export const MAX_RELAYER_FEE = 2n * USDC;
export const CHANGE_DELAY = 2n * DAY;
export const CHALLENGE_PERIOD = DAY / 2n;
export const SETTLEMENT_WINDOW = 7;
/** The outflow breaker: at most this much leaves by claims in any day (a steady flow gets about half). */
export const OUTFLOW_LIMIT = 2_000_000n * USDC;

export async function poolFixture(
  ethers: HardhatEthers,
  options: { requireDeviceSignatures?: boolean; kind?: "clone" | "whole" } = {},
) {
  const acc = await accounts(ethers);
  const { admin, alice, bob, guardian, verifiers } = acc;
  const { chainId } = await ethers.provider.getNetwork();

  // The SDK's shared setup (what the simulation, the benchmarks and the e2e tests use), bound to the typed artifacts.
  const deployed = await deployDepin(admin, { withTestToken: true });
  const registry = await ethers.getContractAt("DeviceRegistry", await deployed.registry.getAddress());
  const registryAddress = await registry.getAddress();
  await createNetwork(deployed.registry.connect(admin), { attestationRequired: false, metadataHash: id("hotspots") });
  await createNetwork(deployed.registry.connect(admin), {
    attestationRequired: false,
    metadataHash: id("other-network"),
  });

  const register = async (owner: typeof alice, count: number, networkId = 1n) => {
    const keys = Array.from({ length: count }, () => Secp256k1DeviceKey.random());
    const regs = await Promise.all(
      keys.map((k) => signedRegistration(k, { chainId, registry: registryAddress, owner: owner.address, networkId })),
    );
    await registry.connect(owner).registerFleet(networkId, ...registerFleetArgs(regs));
    return keys.map((k) => ({ key: k, deviceId: deviceIdOf(k.keyType, k.key) }));
  };
  const aliceDevices = await register(alice, 5);
  const bobDevices = await register(bob, 2);
  const foreignDevices = await register(bob, 1, 2n);

  const usdc = await ethers.getContractAt("MockUSDC", await deployed.token!.getAddress());
  const usdcAddress = await usdc.getAddress();
  const factory = await ethers.getContractAt("RewardPoolFactory", await deployed.factory.getAddress());

  const config = {
    token: usdcAddress,
    networkId: 1,
    admin: admin.address,
    guardian: guardian.address,
    verifiers: verifiers.map((v) => v.address),
    quorum: 3,
    epochLength: Number(DAY),
    changeDelay: Number(CHANGE_DELAY),
    challengePeriod: Number(CHALLENGE_PERIOD),
    settlementWindow: SETTLEMENT_WINDOW,
    params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP },
    minClaim: 0n,
    maxRelayerFee: MAX_RELAYER_FEE,
    requireDeviceSignatures: options.requireDeviceSignatures ?? false,
    outflowLimit: OUTFLOW_LIMIT,
    outflowWindow: Number(DAY),
  };
  await usdc.mint(admin.address, 10_000_000n * USDC);
  const { address: poolAddress } = await setupPool(deployed.factory.connect(admin), {
    config,
    salt: id("pool-1"),
    ...(options.kind === undefined ? {} : { kind: options.kind }),
    funding: [{ amount: 1_000_000n * USDC, ref: id("customer-contract-1") }],
  });
  const pool = await ethers.getContractAt("IRewardPool", poolAddress);
  const domain = poolDomain(chainId, poolAddress);
  await usdc.connect(admin).approve(poolAddress, 2n ** 255n);

  let nonce = 0n;
  /** Records `proofs` for `epoch` with the first three verifiers' signatures. */
  const record = async (epoch: bigint, proofs: Proof[], signers = verifiers.slice(0, 3)) => {
    const batchNonce = nonce++;
    const attestation = await attestBatch(signers, domain, epoch, batchNonce, proofs);
    return pool.recordProofs(epoch, batchNonce, proofs, [], attestation);
  };
  const proof = (deviceId: bigint, units: bigint, tag = "evidence"): Proof => ({
    deviceId,
    units,
    evidenceHash: tag === "" ? ZeroHash : id(`${tag}:${deviceId}:${units}`),
  });

  return {
    ...acc,
    chainId,
    registry,
    usdc,
    factory,
    pool,
    poolAddress,
    domain,
    config,
    aliceDevices,
    bobDevices,
    foreignDevices,
    register,
    record,
    proof,
    nextNonce: () => nonce,
  };
}

/** A token's EIP-712 domain as the SDK reads it (USDC has no ERC-5267 `eip712Domain()`): never hard-coded. */
export async function tokenDomain(token: BaseContract): Promise<TypedDataDomain> {
  if (token.runner === null) throw new Error("tokenDomain needs a token connected to a provider or signer");
  return readTokenDomain(token.runner, await token.getAddress());
}

/** The bits of the network helpers' `time` that `closeEpoch` needs. */
export interface Clock {
  latest(): Promise<number>;
  increaseTo(timestamp: bigint): Promise<void>;
}

/** Moves the chain to the end of `epoch` of `pool`, so the epoch is closed; never moves time backwards. */
export async function closeEpoch(
  time: Clock,
  pool: { settings(): Promise<{ genesis: bigint }> },
  epoch: bigint,
): Promise<void> {
  const { genesis } = await pool.settings();
  const closesAt = genesis + (epoch + 1n) * DAY;
  if (BigInt(await time.latest()) < closesAt) await time.increaseTo(closesAt);
}

/**
 * Revenue under one funding reference, as auditors and indexers count it: the sum of the pool's `Funded` events with
 * that (indexed) reference. The pool keeps no per-reference total in storage.
 */
export async function fundedByRef(pool: contracts.IRewardPool, ref: string): Promise<bigint> {
  const events = await pool.queryFilter(pool.filters.Funded(undefined, ref));
  return events.reduce((sum, e) => sum + e.args.amount, 0n);
}

type PoolFixture = Awaited<ReturnType<typeof poolFixture>>;

/** A token the tests can mint from: MockUSDC (the deployer mints) or a test-only mock (anyone mints). */
export interface MintableToken extends BaseContract {
  mint(to: string, amount: bigint): Promise<{ wait(): Promise<unknown> }>;
  approve(spender: string, amount: bigint): Promise<{ wait(): Promise<unknown> }>;
}

let customPools = 0;

/**
 * Another pool of the fixture's factory: the fixture's config with `overrides`, funded by the admin with `funding`
 * of `token` (default the fixture's USDC), with `record` signing batches for it.
 */
export async function customPool(
  ethers: HardhatEthers,
  f: PoolFixture,
  overrides: Partial<PoolFixture["config"]> = {},
  options: { token?: MintableToken; funding?: bigint } = {},
) {
  const token = (options.token ?? f.usdc) as MintableToken;
  const salt = id(`custom-pool-${customPools++}`);
  const address = await f.factory.predictPool(f.admin.address, salt);
  const config = { ...f.config, token: await token.getAddress(), ...overrides };
  await (await f.factory.connect(f.admin).createPool(config, salt)).wait();
  const pool = await ethers.getContractAt("IRewardPool", address);
  const domain = poolDomain(f.chainId, address);
  const funding = options.funding ?? 10_000n * USDC;
  await (await (token.connect(f.admin) as MintableToken).mint(f.admin.address, funding)).wait();
  await (await (token.connect(f.admin) as MintableToken).approve(address, 2n ** 255n)).wait();
  if (funding !== 0n) await (await pool.connect(f.admin).fund(funding, id("custom-funding"))).wait();
  let nonce = 0n;
  const record = async (epoch: bigint, proofs: Proof[], signers = f.verifiers.slice(0, 3)) => {
    const batchNonce = nonce++;
    return pool.recordProofs(
      epoch,
      batchNonce,
      proofs,
      [],
      await attestBatch(signers, domain, epoch, batchNonce, proofs),
    );
  };
  /** A proof worth `amount` token units at the fixture's rate (units = amount × 3). */
  const worth = (deviceId: bigint, amount: bigint): Proof => ({
    deviceId,
    units: (amount * WAD) / RATE,
    evidenceHash: id(`work:${deviceId}:${amount}`),
  });
  return { pool, address, domain, config, token, record, worth };
}
