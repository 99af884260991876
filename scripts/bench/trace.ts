/**
 * `npm run bench:trace`: where the gas of the hot paths goes, from `debug_traceTransaction` on the in-process chain.
 * Sets up the claim benchmark's scenario (scripts/bench/epoch.ts: a whole pool, MockUSDC, an existing holder that has
 * claimed before, trees of 10,000 accounts, a relayer that already holds the token; scripts/bench/pool.ts's repeat
 * funder under a known reference) and the URD-style anchor (contracts/mocks/UrdLikeDistributor.sol), then attributes
 * each traced transaction's gas (see gas-trace.ts): per storage slot, per external call and precompile, per event,
 * keccak, calldata and the rest. Writes bench/trace.json and bench/trace.md; `npm run bench` folds a summary into
 * bench/results.json. Each traced figure is checked against the benchmark's own (same scenario, same gas).
 *
 *   npx hardhat run scripts/bench/trace.ts
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { Interface, MaxUint256 } from "ethers";
import hre from "hardhat";

import { type BuiltEpoch, claim, fundPool, proofFor } from "../../sdk/src/index.js";
import { chainDescription, compilerSettings, TOKEN_NOTE, USDC } from "./chain.js";
import { epochScenario, FUNDING_REF } from "./epochScenario.js";
import {
  attributeGas,
  breakdownRows,
  erc7201,
  functionsByPc,
  GAS_KINDS,
  type GasBreakdown,
  type RawTrace,
  storageLayouts,
} from "./gas-trace.js";
import { BENCH_DIR, writeBenchFile } from "./output.js";

/* SCENARIO (scripts/bench/epochScenario.ts, as scripts/bench/epoch.ts measures it, up to its 10,000 accounts) */

const scenario = await epochScenario({ kind: "whole", maxAccounts: 10_000 });
const { ethers, pool, poolAddress, deployer, holder, fleetOwner, relayer, token, tokenAddress } = scenario;
const commit = async (epoch: number, accounts: number) => (await scenario.commit(epoch, accounts)).built;
const claimOf = async (built: BuiltEpoch, account: string) =>
  (await claim(pool.connect(relayer), account, proofFor(built, account))).transactionHash;
const gasless = async (built: BuiltEpoch) => (await scenario.gasless(built)).transactionHash;

/** The traced transactions, by results.json key, with the benchmark that measures the same figure. */
const traced: { key: string; label: string; hash: string; bench: string }[] = [];

// The repeat funder of pool.ts: allowance set once, a reference used before.
await (await token.connect(deployer).approve(poolAddress, MaxUint256)).wait();
const funded = await fundPool(pool, { amount: 10n ** 9n * USDC, ref: FUNDING_REF });
traced.push({
  key: "fund",
  label: "fund, known reference (repeat funder)",
  hash: funded.transactionHash,
  bench: "pool-whole",
});

const e0 = await commit(0, 1_000);
await claimOf(e0, holder.address);
await claimOf(e0, fleetOwner.address);
await commit(1, 1_000);
const e2 = await commit(2, 1_000);
await claimOf(e2, holder.address);
const e3 = await commit(3, 10_000);
await claimOf(e3, scenario.accounts[2]!);
traced.push({
  key: "claim_repeat_existing_holder",
  label: "claim, epoch, repeat by an existing holder (10,000-account tree)",
  hash: await claimOf(e3, holder.address),
  bench: "epoch-whole",
});
await (await token.mint(relayer.address, 1n)).wait();
await gasless(await commit(4, 10_000));
traced.push({
  key: "claim_gasless",
  label: "claimWithSig, epoch, repeat (relayer takes a fee; 10,000-account tree)",
  hash: await gasless(await commit(5, 10_000)),
  bench: "epoch-whole",
});

// The anchor, as epoch.ts measures it: the same 10,000 accounts, token and holder.
const urd = await scenario.urdAnchor();
const urdAddress = urd.address;
await urd.claim(1n);
const urdHash = (await urd.claim(2n)).hash;
traced.push({
  key: "anchor_urd_claim_repeat_10k",
  label: "anchor: URD-style claim, repeat by an existing holder (10,000-account tree)",
  hash: urdHash,
  bench: "epoch-whole",
});

/* TRACE */

const layouts = storageLayouts({
  RewardPool: "contracts/RewardPool.sol",
  MockUSDC: "contracts/mocks/MockUSDC.sol",
  UrdLikeDistributor: "contracts/mocks/UrdLikeDistributor.sol",
});
const lower = (a: string) => a.toLowerCase();
const deployedCode: Record<string, string> = {
  [lower(poolAddress)]: await ethers.provider.getCode(poolAddress),
  [lower(urdAddress)]: await ethers.provider.getCode(urdAddress),
};
const abi = async (name: string) => new Interface((await hre.artifacts.readArtifact(name)).abi);
const context = {
  names: {
    [lower(poolAddress)]: "RewardPool",
    [lower(tokenAddress)]: "MockUSDC",
    [lower(urdAddress)]: "UrdLike",
    [lower(holder.address)]: "holder",
    [lower(relayer.address)]: "relayer",
    [lower(deployer.address)]: "funder",
  },
  layouts: {
    [lower(poolAddress)]: layouts.RewardPool!,
    [lower(tokenAddress)]: layouts.MockUSDC!,
    [lower(urdAddress)]: layouts.UrdLikeDistributor!,
  },
  fixedSlots: {
    [erc7201("openzeppelin.storage.ReentrancyGuard")]: "reentrancy guard (ReentrancyGuardTransient)",
    [erc7201("openzeppelin.storage.Initializable")]: "Initializable (ERC-7201)",
  },
  functions: Object.fromEntries(
    [
      [poolAddress, "RewardPool", "contracts/RewardPool.sol"],
      [urdAddress, "UrdLikeDistributor", "contracts/mocks/UrdLikeDistributor.sol"],
    ].flatMap(([address, name, source]) => {
      const map = functionsByPc(name!, source!, deployedCode[lower(address!)]!);
      if (map === undefined) console.warn(`note: ${name}'s deployed code matches no build: its rest is not split`);
      return map === undefined ? [] : [[lower(address!), map] as const];
    }),
  ),
  interfaces: [
    await abi("RewardPool"),
    await abi("RewardPoolGovernance"),
    await abi("RewardPoolSettlement"),
    await abi("MockUSDC"),
    await abi("UrdLikeDistributor"),
  ],
};

interface TracedRow {
  key: string;
  label: string;
  transactionHash: string;
  gasUsed: number;
  benchFigure: number | null;
  breakdown: GasBreakdown;
}
const results: TracedRow[] = [];
for (const t of traced) {
  const tx = await ethers.provider.getTransaction(t.hash);
  if (tx === null || tx.to === null) throw new Error(`trace: transaction ${t.hash} not found`);
  const raw = (await ethers.provider.send("debug_traceTransaction", [t.hash, { enableMemory: true }])) as RawTrace;
  if (raw.failed) throw new Error(`trace: ${t.key} reverted`);
  const breakdown = attributeGas(raw, { to: tx.to, data: tx.data }, context);
  const benchFile = JSON.parse(
    (() => {
      try {
        return readFileSync(join(BENCH_DIR, `${t.bench}.json`), "utf8");
      } catch {
        return "{}";
      }
    })(),
  ) as { figures?: Record<string, number> };
  results.push({
    key: t.key,
    label: t.label,
    transactionHash: t.hash,
    gasUsed: breakdown.gasUsed,
    benchFigure: benchFile.figures?.[t.key] ?? null,
    breakdown,
  });
}

/* OUTPUT */

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const summary = Object.fromEntries(results.map((r) => [r.key, { gasUsed: r.gasUsed, byKind: r.breakdown.byKind }]));
const path = writeBenchFile("trace", {
  chain: chainDescription(),
  compiler: compilerSettings(),
  token: TOKEN_NOTE,
  note:
    "debug_traceTransaction (struct logger) of each figure's transaction in the benchmarks' own scenario; storage " +
    "reads and writes by slot (named from the compiler's storage layouts and the transaction's keccak preimages), " +
    "external calls inclusive of the callee's gas (its own parts under `inner`), intrinsic = 21,000 + calldata",
  summary,
  transactions: results,
});

const md: string[] = [
  `# Gas traces`,
  "",
  `\`npm run bench:trace\` — ${chainDescription()}; solc ${compilerSettings().solc}, optimizer runs ` +
    `${compilerSettings().optimizerRuns}; whole pool; token MockUSDC. Calls are inclusive (the callee's parts are ` +
    `indented under them, marked ↳).`,
  "",
  `| by kind | ${results.map((r) => `\`${r.key}\``).join(" | ")} |`,
  `|---|${results.map(() => "---:").join("|")}|`,
  ...GAS_KINDS.map((k) => `| ${k} | ${results.map((r) => fmt(r.breakdown.byKind[k] ?? 0)).join(" | ")} |`),
  `| **gasUsed** | ${results.map((r) => `**${fmt(r.gasUsed)}**`).join(" | ")} |`,
  `| the benchmark's figure | ${results.map((r) => (r.benchFigure === null ? "—" : fmt(r.benchFigure))).join(" | ")} |`,
];
for (const r of results) {
  md.push("", `## \`${r.key}\`: ${r.label}`, "", "| where | what | count | gas |", "|---|---|---:|---:|");
  md.push(...breakdownRows(r.breakdown));
}
writeFileSync(join(BENCH_DIR, "trace.md"), md.join("\n") + "\n");
console.table(
  Object.fromEntries(
    results.map((r) => [r.key, { gasUsed: r.gasUsed, bench: r.benchFigure ?? "—", ...r.breakdown.byKind }]),
  ),
);
for (const r of results) {
  if (r.benchFigure !== null && r.benchFigure !== r.gasUsed) {
    console.warn(`note: ${r.key} traced at ${r.gasUsed}, the last ${r.key} benchmark measured ${r.benchFigure}`);
  }
}
console.log(`wrote ${path} and ${join(BENCH_DIR, "trace.md")}`);
