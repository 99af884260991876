/**
 * `depin`: the command line over the SDK, for operators, verifiers, protocols and auditors. Thin: it parses
 * arguments, calls the SDK and prints the result (`--json` for machines).
 *
 * Exit codes: 0 done; 1 refused on-chain (the decoded error and its fix); 2 bad input (the field and the fix).
 */
import { Command, CommanderError, Option } from "commander";
import { JsonRpcProvider, isAddress } from "ethers";

import { deviceRegistryAt, getDevice } from "../actions/registry.js";
import { getPoolAccount, rewardPoolAt } from "../actions/pool.js";
import { DEFAULT_DEPLOYMENTS_DIR, loadDeployment, type Deployment } from "../deployments.js";
import { DepinError, InvalidInputError } from "../errors/base.js";
import { ContractRevertError } from "../errors/contract.js";

const EXIT_REFUSED = 1;
const EXIT_BAD_INPUT = 2;

interface GlobalOptions {
  rpc: string;
  network?: string;
  deployments: string;
  json: boolean;
}

function print(options: GlobalOptions, value: Record<string, unknown>, human: string): void {
  if (options.json) {
    console.log(JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
  } else {
    console.log(human);
  }
}

async function context(options: GlobalOptions): Promise<{ provider: JsonRpcProvider; deployment: Deployment }> {
  let url: URL;
  try {
    url = new URL(options.rpc);
  } catch {
    throw new InvalidInputError(`--rpc ${options.rpc} is not a URL`, {
      details: "pass e.g. --rpc http://127.0.0.1:8545",
    });
  }
  const provider = new JsonRpcProvider(url.toString(), undefined, { staticNetwork: true });
  const { chainId } = await provider.getNetwork();
  const deployment = await loadDeployment(options.network ?? chainId, options.deployments);
  if (deployment.chainId !== chainId) {
    throw new InvalidInputError(
      `the ${deployment.network} records are for chain ${deployment.chainId}, --rpc is chain ${chainId}`,
      {
        details: "pass the --network whose records match the chain, or the --rpc of that network",
      },
    );
  }
  return { provider, deployment };
}

function address(value: string, field: string): string {
  if (!isAddress(value))
    throw new InvalidInputError(`${field} ${value} is not an address`, { details: "pass a 0x… 20-byte address" });
  return value;
}

function contractAddress(deployment: Deployment, name: string): string {
  const record = deployment.contracts[name];
  if (record === undefined) {
    throw new InvalidInputError(`no ${name} in the ${deployment.network} deployment records`, {
      details: `deploy it: npm run deploy -- --network ${deployment.network}`,
    });
  }
  return record.address;
}

export function program(): Command {
  const cli = new Command("depin")
    .description("DePIN rewards: devices, reward pools, claims and audits, from the command line")
    .addOption(new Option("--rpc <url>", "JSON-RPC endpoint").default("http://127.0.0.1:8545"))
    .addOption(new Option("--network <name>", "deployment records to use (default: the ones of the --rpc chain)"))
    .addOption(new Option("--deployments <dir>", "where deployment records live").default(DEFAULT_DEPLOYMENTS_DIR))
    .option("--json", "machine-readable output", false)
    .exitOverride();

  cli
    .command("deployment")
    .description("show what is deployed on the chain: contract names and addresses")
    .action(async () => {
      const { deployment } = await context(cli.opts<GlobalOptions>());
      const contracts = Object.fromEntries(Object.values(deployment.contracts).map((c) => [c.contractName, c.address]));
      print(
        cli.opts<GlobalOptions>(),
        { network: deployment.network, chainId: deployment.chainId, contracts },
        Object.entries(contracts)
          .map(([name, a]) => `${name.padEnd(22)} ${a}`)
          .join("\n"),
      );
    });

  const device = cli.command("device").description("a device of the registry");
  device
    .command("status")
    .description("owner, network, status and payee of a device")
    .argument("<deviceId>", "the device id (decimal or 0x hex)")
    .action(async (id: string) => {
      let deviceId: bigint;
      try {
        deviceId = BigInt(id);
      } catch {
        throw new InvalidInputError(`deviceId ${id} is not a number`, {
          details: "pass the device id, decimal or 0x hex",
        });
      }
      const { provider, deployment } = await context(cli.opts<GlobalOptions>());
      const d = await getDevice(deviceRegistryAt(contractAddress(deployment, "DeviceRegistry"), provider), deviceId);
      print(
        cli.opts<GlobalOptions>(),
        { ...d },
        `device ${d.deviceId}\n  owner ${d.owner}\n  network ${d.networkId}\n  status ${d.status}`,
      );
    });

  cli
    .command("earnings")
    .description("an account's unclaimed ledger credit, what epoch mode paid it, and its claim nonce, in a pool")
    .argument("<account>", "the operator's (payee's) address")
    .requiredOption("--pool <address>", "the reward pool")
    .action(async (account: string, options: { pool: string }) => {
      const who = address(account, "account");
      const pool = address(options.pool, "--pool");
      const { provider } = await context(cli.opts<GlobalOptions>());
      const a = await getPoolAccount(rewardPoolAt(pool, provider), who);
      print(
        cli.opts<GlobalOptions>(),
        { account: who, pool, ...a },
        `ledger claimable ${a.ledgerClaimable} (credit ${a.unpaidWad} WAD)\nepoch mode paid ${a.paidEpoch}\nclaim nonce ${a.claimNonce}`,
      );
    });

  return cli;
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    if (error instanceof ContractRevertError) {
      console.error(`refused on-chain: ${error.message}${error.fix === undefined ? "" : `\nfix: ${error.fix}`}`);
      return EXIT_REFUSED;
    }
    if (error instanceof DepinError) {
      console.error(`${error.message}`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}

process.exitCode = await run(process.argv.slice(2));
