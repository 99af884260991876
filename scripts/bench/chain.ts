/**
 * The chain benchmarks' setting: a fresh in-process Hardhat chain, its named signers, and what a figure depends on
 * (compiler settings, hardfork, token), recorded in every file they write. Everything else goes through the SDK's
 * public entry, starting with its one setup path (`deployDepin`, `createNetwork`, `setupPool`).
 */
import type { Signer } from "ethers";
import { id } from "ethers";
import hre, { network } from "hardhat";

import { createNetwork, deployDepin, type rewardPoolAt } from "../../sdk/src/index.js";
import { type GasFigures, writeBenchFile } from "./output.js";

export const USDC = 10n ** 6n;
export const DAY = 86_400n;

/** What real USDC costs over MockUSDC (FiatTokenV2_2 behind its proxy), measured in an earlier comparison. */
export const TOKEN_NOTE =
  "MockUSDC (6 decimals, permit, EIP-3009, blacklist in the balance slot). Real USDC (FiatTokenV2_2 behind its " +
  "proxy) adds about 10,400 gas per transfer: to every claim (about 11,700 to every fund), as measured against an " +
  "earlier mock that lacked the pause check (the gap is now about 2,400 less)";

/** A reward pool as the SDK hands it out (`rewardPoolAt`, `setupPool`). */
export type Pool = ReturnType<typeof rewardPoolAt>;

export type PoolKind = "whole" | "clone";

/** POOL_KIND=clone|whole (default whole: the kind the simulation deploys and results.json's main figures use). */
export function poolKind(): PoolKind {
  return process.env.POOL_KIND === "clone" ? "clone" : "whole";
}

export async function benchChain() {
  const connection = await network.create();
  const signers = await connection.ethers.getSigners();
  const signer = (i: number) => {
    const s = signers[i];
    if (s === undefined) throw new Error(`the in-process chain has no signer #${i}`);
    return s;
  };
  return { ...connection, signers, signer };
}

/**
 * What every pool benchmark starts from, through the SDK's one setup path: the contracts and MockUSDC deployed by
 * `deployer`, one network open to registration (its metadata hash from `metadata`), and `mint` tokens to `deployer`.
 */
export async function benchDeployment(deployer: Signer, p: { metadata: string; mint: bigint }) {
  const deployed = await deployDepin(deployer, { withTestToken: true });
  const { networkId } = await createNetwork(deployed.registry.connect(deployer), {
    attestationRequired: false,
    metadataHash: id(p.metadata),
  });
  const token = deployed.token!;
  await (await token.mint(await deployer.getAddress(), p.mint)).wait();
  return { ...deployed, token, tokenAddress: await token.getAddress(), networkId };
}

export function compilerSettings() {
  const compiler = hre.config.solidity.profiles.default?.compilers[0];
  const settings = (compiler?.settings ?? {}) as {
    evmVersion?: string;
    viaIR?: boolean;
    optimizer?: { enabled?: boolean; runs?: number };
  };
  return {
    solc: compiler?.version ?? "unknown",
    evmVersion: settings.evmVersion ?? "default",
    viaIR: settings.viaIR ?? false,
    optimizerRuns: settings.optimizer?.enabled === true ? (settings.optimizer.runs ?? 200) : null,
  };
}

export function chainDescription(): string {
  const config = hre.config.networks.default as { type?: string; hardfork?: string; chainId?: number } | undefined;
  return `Hardhat ${config?.type ?? "edr-simulated"} (in-process EDR), hardfork ${config?.hardfork ?? "default"}, chainId ${config?.chainId ?? 31337}`;
}

/** Moves the chain's clock past the end of `epoch` in every pool given (their genesis may differ by a block). */
export async function closeEpoch(
  helpers: { time: { latest(): Promise<number>; increaseTo(t: bigint): Promise<void> } },
  pools: readonly Pool[],
  epoch: bigint,
): Promise<void> {
  let closesAt = 0n;
  for (const pool of pools) {
    const { genesis, epochLength } = await pool.settings();
    const end = BigInt(genesis) + (epoch + 1n) * BigInt(epochLength);
    if (end > closesAt) closesAt = end;
  }
  if (BigInt(await helpers.time.latest()) < closesAt) await helpers.time.increaseTo(closesAt);
}

export interface Row {
  operation: string;
  gasUsed: number;
  [column: string]: string | number | boolean | undefined;
}

/** Writes a chain benchmark's file: its figures by key, the detailed rows, and what they were measured under. */
export function writeChainBench(name: string, figures: GasFigures, rows: Row[], extra: Record<string, unknown> = {}) {
  console.table(rows);
  const path = writeBenchFile(name, {
    chain: chainDescription(),
    compiler: compilerSettings(),
    token: TOKEN_NOTE,
    note: "gasUsed is the whole transaction (21,000 base + calldata + execution); per-device and per-proof figures divide it",
    ...extra,
    figures,
    rows,
  });
  console.log(`wrote ${path}`);
}
