/**
 * `depin simulate` (and `npm run simulate`): the whole system at scale, on the in-process Hardhat chain by default or
 * on a development chain given with --rpc (deployed there through the deploy script, then read from its records).
 */
import { writeFile } from "node:fs/promises";

import { Presets, SingleBar } from "cli-progress";
import { Option, type Command } from "commander";
import { JsonRpcProvider, Network, Wallet, isHexString, type Signer } from "ethers";

import {
  DEFAULT_DEPLOYMENTS_DIR,
  DEFAULT_SIMULATION,
  DepinError,
  formatSimulation,
  InvalidInputError,
  loadDeployment,
  simulate,
  type DevProvider,
  type SimulationEnvironment,
  type SimulationMode,
} from "../index.js";

interface SimulateFlags {
  nodes: string;
  epochs: string;
  mode: SimulationMode;
  seed: string;
  out?: string;
  gasPriceGwei: string;
  ethUsd: string;
  gaslessShare: string;
  manifests?: string;
  ingest?: boolean;
}

function positiveInteger(value: string, field: string, min: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new InvalidInputError(`${field} ${value} is not a whole number ≥ ${min}`, {
      details: `pass e.g. ${field} ${Math.max(min, 2_000)}`,
    });
  }
  return Number(value);
}

function positiveNumber(value: string, field: string, max = Infinity): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x) || x < 0 || x > max) {
    throw new InvalidInputError(`${field} ${value} is not a number between 0 and ${max}`);
  }
  return x;
}

/** The in-process Hardhat chain of the project (needs the project's Hardhat install: run from the repository). */
async function inProcessChain(): Promise<{ provider: DevProvider; funder: Signer }> {
  const { network } = await import("hardhat");
  const connection = await network.create();
  const [funder] = await connection.ethers.getSigners();
  return { provider: connection.ethers.provider, funder: funder! };
}

export function addSimulateCommand(
  cli: Command,
  tools: { runHardhat(args: string[], env: Record<string, string>): Promise<number> },
): void {
  cli
    .command("simulate")
    .description(
      "simulate a DePIN network end to end: fleets register, devices report work (some bad), verifiers record and " +
        "commit it, everyone claims; then the books are checked and the KPIs printed. Runs on the in-process chain " +
        "unless --rpc names a development chain (e.g. `depin chain`).",
    )
    .option("--nodes <n>", "devices", String(DEFAULT_SIMULATION.nodes))
    .option("--epochs <n>", "epochs", String(DEFAULT_SIMULATION.epochs))
    .addOption(
      new Option("--mode <mode>", "pools: one ledger-mode, one epoch-mode, or both")
        .choices(["ledger", "epoch", "both"])
        .default(DEFAULT_SIMULATION.mode),
    )
    .option("--seed <text>", "same seed, same world, same numbers", DEFAULT_SIMULATION.seed)
    .option("--out <file>", "write the results as JSON")
    .option("--gas-price-gwei <gwei>", "gas price for USD costs (an L2's execution gas)", "0.01")
    .option("--eth-usd <usd>", "ETH price for USD costs", String(DEFAULT_SIMULATION.ethUsd))
    .option("--gasless-share <share>", "share of final claims made through the relayer", "0.2")
    .option("--manifests <dir>", "write each epoch's manifest there (the chain records its file:// URI)")
    .option(
      "--ingest",
      "drive each epoch through three verifier services over HTTP: devices post their reports to all three, which " +
        "close the epoch, co-sign what each derived from its own store and submit (a quorum of 3)",
    )
    .action(async (flags: SimulateFlags) => {
      const global = cli.opts<{ rpc: string; deployments?: string; json: boolean }>();
      const options = {
        nodes: positiveInteger(flags.nodes, "--nodes", 20),
        epochs: positiveInteger(flags.epochs, "--epochs", 1),
        mode: flags.mode,
        seed: flags.seed,
        gasPriceGwei: positiveNumber(flags.gasPriceGwei, "--gas-price-gwei"),
        ethUsd: positiveNumber(flags.ethUsd, "--eth-usd"),
        gaslessShare: positiveNumber(flags.gaslessShare, "--gasless-share", 1),
        ...(flags.manifests === undefined ? {} : { manifestDir: flags.manifests }),
        ...(flags.ingest === true ? { ingest: true } : {}),
      };
      const env: SimulationEnvironment =
        cli.getOptionValueSource("rpc") === "default"
          ? await inProcessChain()
          : await developmentChain(global.rpc, global.deployments ?? DEFAULT_DEPLOYMENTS_DIR, tools);
      const showBars = !global.json && process.stderr.isTTY === true;
      if (showBars) {
        env.progress = (phase, total) => {
          const b = new SingleBar(
            { format: `${phase.padEnd(28)} [{bar}] {value}/{total} {duration_formatted}`, stream: process.stderr },
            Presets.shades_classic,
          );
          b.start(total, 0);
          return { update: (done) => b.update(done), stop: () => b.stop() };
        };
      }
      const result = await simulate(options, env);
      const json = JSON.stringify(result, null, 2);
      if (flags.out !== undefined) await writeFile(flags.out, json + "\n");
      console.log(global.json ? json : formatSimulation(result));
      if (!result.ok) {
        throw new SimulationFailedError(
          `the simulation found ${result.findings.length} disagreement(s) between the chain and the model`,
        );
      }
    });
}

/** The books or the verifiers disagree with the chain: exit 1, like a refusal on-chain. */
export class SimulationFailedError extends DepinError {
  override name = "SimulationFailedError";
}

async function developmentChain(
  rpc: string,
  deployments: string,
  tools: { runHardhat(args: string[], env: Record<string, string>): Promise<number> },
): Promise<SimulationEnvironment> {
  let url: URL;
  try {
    url = new URL(rpc);
  } catch {
    throw new InvalidInputError(`--rpc ${rpc} is not a URL`, { details: "pass e.g. --rpc http://127.0.0.1:8545" });
  }
  const probe = new JsonRpcProvider(url.toString());
  let chainId: bigint;
  try {
    chainId = (await probe.getNetwork()).chainId;
  } catch (cause) {
    throw new InvalidInputError(`cannot reach a JSON-RPC node at ${url}`, {
      details: "start one with `depin chain`, or drop --rpc to use the in-process chain",
      cause,
    });
  } finally {
    probe.destroy();
  }
  // No response cache: a pending nonce or a balance read twice within 250 ms must be read twice.
  const provider = new JsonRpcProvider(url.toString(), Network.from(chainId), {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  // The deploy script is idempotent: it records what is there, or deploys what is missing.
  const code = await tools.runHardhat(["run", "scripts/deploy/deploy.ts", "--network", "localhost"], {
    DEPIN_RPC_URL: url.toString(),
    DEPIN_DEPLOYMENTS_DIR: deployments,
  });
  if (code !== 0) throw new InvalidInputError(`the deploy to ${url} failed (exit ${code}); see its output above`);
  const deployment = await loadDeployment(chainId, deployments);
  const at = (name: string) => {
    const record = deployment.contracts[name];
    if (record === undefined) throw new InvalidInputError(`no ${name} in the ${deployment.network} deployment records`);
    return record.address;
  };
  const key = process.env.DEPIN_PRIVATE_KEY;
  let funder: Signer;
  if (key !== undefined && isHexString(key, 32)) funder = new Wallet(key, provider);
  else {
    // Development chains unlock their funded accounts: the first one pays.
    funder = await provider.getSigner(0).catch((cause: unknown) => {
      throw new InvalidInputError(`the node at ${url} has no unlocked account to fund the simulation`, {
        details: "set DEPIN_PRIVATE_KEY to a funded account's key",
        cause,
      });
    });
  }
  return {
    provider,
    funder,
    deployment: {
      registry: at("DeviceRegistry"),
      factory: at("RewardPoolFactory"),
      token: at("MockUSDC"),
      // Records older than the claim router have none: the simulation deploys one for its claims across pools.
      ...(deployment.contracts.ClaimRouter === undefined ? {} : { router: deployment.contracts.ClaimRouter.address }),
    },
  };
}
