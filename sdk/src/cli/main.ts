/**
 * `depin`: the command line over the SDK, for operators, verifiers, protocols and auditors. Thin: it parses
 * arguments, calls the SDK and prints the result (`--json` for machines).
 *
 * Exit codes: 0 done; 1 refused on-chain (the decoded error and its fix); 2 bad input (the field and the fix).
 */
import { Presets, SingleBar } from "cli-progress";
import { Command, CommanderError, Option } from "commander";
import {
  HDNodeWallet,
  JsonRpcProvider,
  Network,
  NonceManager,
  Wallet,
  id,
  isAddress,
  isHexString,
  formatUnits,
  parseUnits,
  ZeroAddress,
} from "ethers";

// The CLI uses the SDK through its public entry only, as any other client does.
import {
  applyQueuedChanges,
  attestBatch,
  attestEpoch,
  backoffDelay,
  buildEpoch,
  buildRegistration,
  cancelGuardianChange,
  cancelQueuedChanges,
  checkManifestAgainstChain,
  checkWorkReportSignature,
  claim,
  claimAll,
  claimRouterAt,
  combineSignatures,
  ContractRevertError,
  contracts,
  createPool,
  DEFAULT_DEPLOYMENTS_DIR,
  DepinError,
  findClaims,
  type Deployment,
  deviceIdOf,
  deviceRegistryAt,
  type DeviceSignature,
  type EpochCommit,
  epochCommitOf,
  type EpochManifest,
  formatFleetCsv,
  fundPool,
  fundPoolWithAuthorization,
  fundPoolWithPermit,
  getAccountEarnings,
  getDevice,
  getDeviceEarnings,
  getPoolAccount,
  getPoolConfig,
  InvalidInputError,
  isTransientRpcError,
  loadDeployment,
  P256DeviceKey,
  parseFleetCsv,
  parseSignedRegistrations,
  poolConfig,
  poolErrorInterfaces,
  optInPush,
  optOutPush,
  proofFor,
  pushPayouts,
  queueGuardianChange,
  queueRewardParams,
  queueVerifierChange,
  type QuorumSigner,
  reactivateDevice,
  readEpochInputs,
  readManifestTree,
  readPoolDomain,
  registerFleet,
  registryDomain,
  relayClaim,
  relayClaimBundle,
  retireDevice,
  RetryingJsonRpcProvider,
  rewardPoolAt,
  rewardPoolFactoryAt,
  screenReports,
  Secp256k1DeviceKey,
  serializeSignedRegistrations,
  setAttestationRequired,
  setClaimSettings,
  setDevicePayout,
  setNetworkAttester,
  signClaim,
  signClaimBundle,
  type SignedRegistration,
  signWorkReport,
  sleep,
  submitEpochCommit,
  submitProofBatch,
  suspendDevice,
  vetoEpoch,
  watchPoolEvents,
  withDecodedErrors,
  type WorkReportMessage,
} from "../index.js";
import { addSimulateCommand, SimulationFailedError } from "./simulate.js";
import { addAuditCommands } from "./audit.js";
import { addVerifierCommands } from "./verifier.js";

const EXIT_REFUSED = 1;
const EXIT_BAD_INPUT = 2;

interface GlobalOptions {
  rpc: string;
  network?: string;
  deployments: string;
  json: boolean;
  keystore?: string;
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
  const chainId = await chainIdAt(url.toString());
  // Reads are retried on transport failures; writes never are by the transport (see `sendOnce`).
  // No response cache: a nonce or balance read twice within 250 ms must be read twice.
  const provider = new RetryingJsonRpcProvider(url.toString(), Network.from(chainId), {
    staticNetwork: true,
    cacheTimeout: -1,
  });
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

/**
 * Runs Hardhat's CLI of the project in the current directory (`depin chain`, `depin deploy` are project commands),
 * its output passed through; resolves with its exit code.
 */
async function runHardhat(args: string[], env: Record<string, string>): Promise<number> {
  const { spawn } = await import("node:child_process");
  const { createRequire } = await import("node:module");
  const { dirname, join } = await import("node:path");
  let cliPath: string;
  try {
    const hardhatPackage = createRequire(join(process.cwd(), "package.json")).resolve("hardhat/package.json");
    cliPath = join(dirname(hardhatPackage), "dist", "src", "cli.js");
  } catch {
    throw new InvalidInputError("this command runs in the depin-rewards project, where Hardhat is installed", {
      details: "cd to the project and run `npx -y -p node@22 npm ci` first",
    });
  }
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: "inherit", env: { ...process.env, ...env } });
  const stop = () => child.kill("SIGINT");
  process.once("SIGINT", stop).once("SIGTERM", stop);
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
}

/**
 * The chain id a JSON-RPC node reports (asked again on transport failures, with backoff), or a bad-input error naming
 * the URL when nothing answers there.
 */
async function chainIdAt(url: string): Promise<bigint> {
  const attempts = 4;
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status === 429 || response.status >= 500) throw new Error(`HTTP ${response.status}`);
      const body = (await response.json()) as { result?: unknown };
      if (typeof body.result !== "string") throw new Error(`no chain id in ${JSON.stringify(body)}`);
      return BigInt(body.result);
    } catch (cause) {
      const transient = isTransientRpcError(cause) || /^HTTP \d+$/.test((cause as Error).message);
      if (transient && attempt < attempts) {
        await sleep(backoffDelay(attempt, 200));
        continue;
      }
      throw new InvalidInputError(`cannot reach a JSON-RPC node at ${url}`, {
        details: "start one with `depin chain`, or pass --rpc <url>",
        cause,
      });
    }
  }
}

/**
 * The signer: an ethers encrypted JSON keystore (`--keystore`; its password from DEPIN_KEYSTORE_PASSWORD or typed at
 * a prompt) or a private key from DEPIN_PRIVATE_KEY. Neither the key nor the password is ever printed or logged.
 */
async function signerFor(provider: JsonRpcProvider, options: GlobalOptions): Promise<NonceManager> {
  if (options.keystore !== undefined) {
    const json = await readText(options.keystore, "--keystore");
    const password = await keystorePassword(`password for ${options.keystore}: `);
    let wallet: Wallet | HDNodeWallet;
    try {
      wallet = await Wallet.fromEncryptedJson(json, password);
    } catch (cause) {
      const wrong = /incorrect password/i.test((cause as Error).message);
      throw new InvalidInputError(
        wrong
          ? `wrong password for --keystore ${options.keystore}`
          : `--keystore ${options.keystore} is not a keystore`,
        {
          details: wrong
            ? "set DEPIN_KEYSTORE_PASSWORD to the keystore's password (or unset it to be asked)"
            : "pass an ethers encrypted JSON keystore, e.g. one `depin key new` wrote",
        },
      );
    }
    return new NonceManager(wallet.connect(provider));
  }
  const key = process.env.DEPIN_PRIVATE_KEY;
  if (key === undefined || !isHexString(key, 32)) {
    throw new InvalidInputError("this command sends a transaction and needs a key", {
      details: "pass --keystore <file> (see `depin key new`), or set DEPIN_PRIVATE_KEY to a 32-byte hex private key",
    });
  }
  return new NonceManager(new Wallet(key, provider));
}

/** The keystore password: DEPIN_KEYSTORE_PASSWORD, or typed at a prompt (not echoed) when stdin is a terminal. */
async function keystorePassword(question: string, confirm = false): Promise<string> {
  const fromEnv = process.env.DEPIN_KEYSTORE_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY) {
    throw new InvalidInputError("the keystore password is missing", {
      details: "set DEPIN_KEYSTORE_PASSWORD, or run in a terminal to type it",
    });
  }
  const password = await promptHidden(question);
  if (confirm && (await promptHidden("again: ")) !== password) {
    throw new InvalidInputError("the two passwords differ");
  }
  return password;
}

/** Asks on the terminal without echoing the answer. */
async function promptHidden(question: string): Promise<string> {
  const { createInterface } = await import("node:readline");
  const { Writable } = await import("node:stream");
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
    muted = true;
  });
}

/** A verifier batch signature file, as `proofs sign` writes it. */
interface SignedBatchFile {
  pool: string;
  epoch: string;
  batchNonce: string;
  proofs: { deviceId: string; units: string; evidenceHash: string }[];
  deviceSignatures: { keyType: number; key: string; signature: string }[];
  signer: string;
  signature: string;
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

async function readText(file: string, field: string): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  return readFile(file, "utf8").catch(() => {
    throw new InvalidInputError(`cannot read ${field} ${file}`);
  });
}

async function deviceKeyFrom(file: string): Promise<Secp256k1DeviceKey | P256DeviceKey> {
  const text = (await readText(file, "--key-file")).trim();
  return text.includes("BEGIN") ? P256DeviceKey.fromPem(text) : secp256k1Key(text);
}

/** The CLI key as an SDK typed-data signer (an address and EIP-712 signing): verifiers, claimants. */
function keySigner(signer: NonceManager): QuorumSigner {
  const wallet = signer.signer as Wallet | HDNodeWallet;
  return { address: wallet.address, signTypedData: (d, t, v) => wallet.signTypedData(d, t, v) };
}

/** Devices' signed work reports, as `work sign` prints them (joined into one array). */
function parseSignedReports(text: string): { report: WorkReportMessage; signature: DeviceSignature }[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InvalidInputError("the reports file is not valid JSON");
  }
  if (!Array.isArray(raw) || raw.length === 0)
    throw new InvalidInputError("the reports file must be a non-empty JSON array");
  return raw.map((entry: unknown, i: number) => {
    const e = entry as { report?: Record<string, string>; signature?: DeviceSignature };
    if (e.report === undefined || e.signature === undefined) throw new InvalidInputError(`report #${i} is malformed`);
    try {
      return {
        report: {
          deviceId: BigInt(e.report.deviceId!),
          epoch: BigInt(e.report.epoch!),
          units: BigInt(e.report.units!),
          evidenceHash: e.report.evidenceHash!,
        },
        signature: e.signature,
      };
    } catch {
      throw new InvalidInputError(`report #${i} is malformed`);
    }
  });
}

/** An account's leaf and proof from a manifest file, or none (ledger credit only). */
async function leafOf(manifest: string | undefined, account: string): Promise<{ cumulative: bigint; proof: string[] }> {
  if (manifest === undefined) return { cumulative: 0n, proof: [] };
  return proofFor(readManifestTree(await readText(manifest, "--manifest")), account);
}

function secp256k1Key(hex: string): Secp256k1DeviceKey {
  if (!isHexString(hex, 32)) {
    throw new InvalidInputError("the key file holds neither a 32-byte hex secp256k1 key nor a P-256 PEM", {
      details: "write the device's private key as 0x… (64 hex digits), or its P-256 key as PEM",
    });
  }
  return new Secp256k1DeviceKey(hex);
}

function amount(value: string, decimals: number, field: string): bigint {
  try {
    const parsed = parseUnits(value, decimals);
    if (parsed <= 0n) throw new Error("not positive");
    return parsed;
  } catch {
    throw new InvalidInputError(`${field} ${value} is not a positive amount`, {
      details: `pass a decimal number with at most ${decimals} decimals, e.g. 100 or 0.5`,
    });
  }
}

function integer(value: string, field: string): bigint {
  if (!/^\d+$/.test(value)) throw new InvalidInputError(`${field} ${value} is not a whole number`);
  return BigInt(value);
}

async function tokenDecimals(token: string, provider: JsonRpcProvider): Promise<number> {
  return Number(await contracts.MockUSDC__factory.connect(token, provider).decimals());
}

function address(value: string, field: string): string {
  if (!isAddress(value))
    throw new InvalidInputError(`${field} ${value} is not an address`, { details: "pass a 0x… 20-byte address" });
  return value;
}

function deviceIdArg(value: string): bigint {
  if (!/^(\d+|0x[0-9a-fA-F]{1,64})$/.test(value)) {
    throw new InvalidInputError(`deviceId ${value} is not a number`, {
      details: "pass the device id, decimal or 0x hex",
    });
  }
  return BigInt(value);
}

/** A reason text as the hash put on the record; refused when empty (the record should say why). */
function reasonArg(text: string): string {
  if (text.trim() === "")
    throw new InvalidInputError("--reason is empty", { details: 'say why, e.g. --reason "spoofed GPS"' });
  return id(text);
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

/** The signed claim bundle file `claim --all --gasless` writes and `relay --bundle` reads. */
interface BundleFile {
  format: "depin-claim-bundle/1";
  chainId: string;
  router: string;
  bundle: {
    account: string;
    recipient: string;
    deadline: string;
    claims: { pool: string; maxFee: string; nonce: string }[];
  };
  /** Per entry, what the relayer submits with it: the epoch leaf (public) and what the pool owed when signed. */
  pools: { pool: string; token: string; amount: string; cumulative: string; proof: string[] }[];
  signature: string;
}

/** `depin claim <account> --all`: finds the account's claims across pools and claims them, or signs a bundle. */
async function claimEverywhere(
  options: GlobalOptions,
  account: string,
  o: { pools?: string; manifest: string[]; gasless: boolean; recipient?: string; maxFee: string; validFor: string },
): Promise<void> {
  const { provider, deployment } = await context(options);
  const signer = await signerFor(provider, options);
  const manifests = await Promise.all(
    o.manifest.map(async (file) => readManifestTree(await readText(file, "--manifest"))),
  );
  const extra = (o.pools ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "")
    .map((a) => address(a, "--pools"));
  const factory = deployment.contracts.RewardPoolFactory;
  const found = await findClaims(provider, {
    account,
    pools: extra,
    factories: factory === undefined ? [] : [rewardPoolFactoryAt(factory.address, provider)],
    manifests,
  });
  const claimable = found.filter((c) => c.blocked === undefined);
  for (const c of found) if (c.blocked !== undefined) console.error(`not claiming in ${c.pool}: ${c.blocked}`);
  if (claimable.length === 0) {
    const why = found.map((c) => `${c.pool}: ${c.blocked}`).join("; ");
    throw new InvalidInputError(`${account} has nothing to claim in any pool${why === "" ? "" : ` now (${why})`}`, {
      details:
        "credit appears once work is recorded (ledger mode) or a root is in force (epoch mode: pass its manifest " +
        "with --manifest)",
    });
  }
  const router = claimRouterAt(contractAddress(deployment, "ClaimRouter"), signer);
  if (o.gasless) {
    const head = await provider.getBlock("latest");
    const claims = await Promise.all(
      claimable.map(async (c) => ({
        pool: c.pool,
        maxFee: o.maxFee === "0" ? 0n : amount(o.maxFee, await tokenDecimals(c.token, provider), "--max-fee"),
        nonce: c.claimNonce,
      })),
    );
    const bundle = {
      account,
      recipient: address(o.recipient ?? account, "--recipient"),
      deadline: BigInt(head?.timestamp ?? 0) + integer(o.validFor, "--valid-for"),
      claims,
    };
    const signature = await signClaimBundle(keySigner(signer), deployment.chainId, bundle);
    const file: BundleFile = {
      format: "depin-claim-bundle/1",
      chainId: deployment.chainId.toString(),
      router: await router.getAddress(),
      bundle: {
        account,
        recipient: bundle.recipient,
        deadline: bundle.deadline.toString(),
        claims: claims.map((c) => ({ pool: c.pool, maxFee: c.maxFee.toString(), nonce: c.nonce.toString() })),
      },
      pools: claimable.map((c) => ({
        pool: c.pool,
        token: c.token,
        amount: c.amount.toString(),
        cumulative: c.epoch.cumulative.toString(),
        proof: c.epoch.proof,
      })),
      signature,
    };
    process.stdout.write(toJson(file) + "\n");
    return;
  }
  const result = await claimAll(
    router,
    account,
    claimable.map((c) => ({ pool: c.pool, epoch: c.epoch })),
  );
  await printClaimResults(options, provider, account, result);
}

/** `depin relay --bundle <file>`: submits a signed claim bundle through the claim router. */
async function relayBundleFile(options: GlobalOptions, path: string, feeOption: string): Promise<void> {
  let file: BundleFile;
  try {
    file = JSON.parse(await readText(path, "--bundle")) as BundleFile;
  } catch (cause) {
    if (cause instanceof DepinError) throw cause;
    throw new InvalidInputError(`--bundle ${path} is not JSON`, {
      details: "pass the file `claim --all --gasless` printed",
      cause,
    });
  }
  if (file.format !== "depin-claim-bundle/1" || !Array.isArray(file.bundle?.claims) || !Array.isArray(file.pools)) {
    throw new InvalidInputError(`--bundle ${path} is not a signed claim bundle`, {
      details: "pass the file `claim --all --gasless` printed",
    });
  }
  const { provider, deployment } = await context(options);
  if (BigInt(file.chainId) !== deployment.chainId) {
    throw new InvalidInputError(
      `the bundle was signed for chain ${file.chainId}, --rpc is chain ${deployment.chainId}`,
    );
  }
  const signer = await signerFor(provider, options);
  const router = claimRouterAt(contractAddress(deployment, "ClaimRouter"), signer);
  const bundle = {
    account: address(file.bundle.account, "bundle.account"),
    recipient: address(file.bundle.recipient, "bundle.recipient"),
    deadline: BigInt(file.bundle.deadline),
    claims: file.bundle.claims.map((c, i) => ({
      pool: address(c.pool, `bundle.claims[${i}].pool`),
      maxFee: BigInt(c.maxFee),
      nonce: BigInt(c.nonce),
    })),
  };
  const claims = await Promise.all(
    bundle.claims.map(async (c, i) => {
      const part = file.pools[i];
      if (part === undefined || part.pool.toLowerCase() !== c.pool.toLowerCase()) {
        throw new InvalidInputError(`--bundle ${path}: pools[${i}] does not match the signed entry ${c.pool}`);
      }
      let fee = 0n;
      if (feeOption === "max") {
        const cap = (await rewardPoolAt(c.pool, provider).settings()).maxRelayerFee;
        fee = c.maxFee < cap ? c.maxFee : cap;
      } else if (feeOption !== "0") {
        fee = amount(feeOption, await tokenDecimals(part.token, provider), "--fee");
      }
      return { fee, epoch: { cumulative: BigInt(part.cumulative), proof: part.proof } };
    }),
  );
  const result = await relayClaimBundle(router, { bundle, signature: file.signature, claims });
  await printClaimResults(options, provider, bundle.account, result);
}

/** The per-pool table (pool, token, amount, fee, status); refused (exit 1) when no pool paid. */
async function printClaimResults(
  options: GlobalOptions,
  provider: JsonRpcProvider,
  account: string,
  r: Awaited<ReturnType<typeof claimAll>>,
): Promise<void> {
  const symbols = new Map<string, { symbol: string; decimals: number }>();
  for (const token of new Set(r.results.map((x) => x.token))) {
    const erc20 = contracts.MockUSDC__factory.connect(token, provider);
    const [symbol, decimals] = await Promise.all([erc20.symbol().catch(() => token), erc20.decimals()]);
    symbols.set(token, { symbol, decimals: Number(decimals) });
  }
  const rows = r.results.map((x) => {
    const t = symbols.get(x.token)!;
    return [
      x.pool,
      t.symbol,
      formatUnits(x.amount, t.decimals),
      formatUnits(x.fee, t.decimals),
      x.status === "paid" ? "paid" : `skipped: ${x.error?.message ?? "refused"}`,
    ];
  });
  const header = ["pool", "token", "amount", "fee", "status"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  const paid = r.results.filter((x) => x.status === "paid").length;
  print(
    options,
    { account, transactionHash: r.transactionHash, alreadyLanded: r.alreadyLanded, results: r.results },
    [
      line(header),
      ...rows.map(line),
      `${paid} of ${r.results.length} pools paid ${account} (transaction ${r.transactionHash}` +
        `${r.alreadyLanded ? ", it had landed already" : ""})`,
    ].join("\n"),
  );
  if (paid === 0 && !r.alreadyLanded) {
    throw new ClaimsRefusedError(`no pool paid: ${r.results.map((x) => `${x.pool}: ${x.error?.message}`).join("; ")}`);
  }
}

/** Every pool of a claim across pools refused it (each reason in the table): nothing moved. */
class ClaimsRefusedError extends DepinError {
  override name = "ClaimsRefusedError";
}

export function program(): Command {
  const cli = new Command("depin")
    .description("DePIN rewards: devices, reward pools, claims and audits, from the command line")
    .addOption(new Option("--rpc <url>", "JSON-RPC endpoint").default("http://127.0.0.1:8545"))
    .addOption(new Option("--network <name>", "deployment records to use (default: the ones of the --rpc chain)"))
    .addOption(new Option("--deployments <dir>", "where deployment records live").default(DEFAULT_DEPLOYMENTS_DIR))
    .option("--json", "machine-readable output", false)
    .addOption(
      new Option(
        "--keystore <file>",
        "sign with this encrypted JSON keystore (password: DEPIN_KEYSTORE_PASSWORD or asked)",
      ),
    )
    .exitOverride();

  cli
    .command("chain")
    .description("run a local chain (Hardhat node, chain id 31337) on 127.0.0.1 until interrupted")
    .option("--port <port>", "the port", "8545")
    .action(async (options: { port: string }) => {
      const port = integer(options.port, "--port");
      await runHardhat(["node", "--hostname", "127.0.0.1", "--port", String(port)], {});
    });

  cli
    .command("deploy")
    .description("deploy (or find already deployed) the registry and factory with Hardhat Ignition, record them")
    .option("--hardhat-network <name>", "the Hardhat network to deploy to (hardhat.config.ts)", "localhost")
    .action(async (options: { hardhatNetwork: string }) => {
      const { rpc, deployments } = cli.opts<GlobalOptions>();
      const code = await runHardhat(["run", "scripts/deploy/deploy.ts", "--network", options.hardhatNetwork], {
        DEPIN_RPC_URL: rpc,
        DEPIN_DEPLOYMENTS_DIR: deployments,
      });
      if (code !== 0) throw new InvalidInputError(`the deploy failed (exit ${code}); see its output above`);
    });

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
    .command("sign")
    .description("device side: sign this device's registration for its operator (prints JSON for `device register`)")
    .requiredOption("--key-file <file>", "the device key: a 32-byte hex secp256k1 private key, or a P-256 PEM")
    .requiredOption("--owner <address>", "the operator that will register and own the device")
    .requiredOption("--network-id <id>", "the network it joins")
    .option("--metadata <text>", "model, location cell, capacity... (its keccak256 is stored)", "")
    .option("--payout <address>", "where its rewards go (default: the owner)")
    .option("--valid-for <seconds>", "how long the signature stays valid", "86400")
    .option("--csv", "print a CSV header and row (for a fleet file) instead of JSON", false)
    .action(
      async (options: {
        keyFile: string;
        owner: string;
        networkId: string;
        metadata: string;
        payout?: string;
        validFor: string;
        csv: boolean;
      }) => {
        const key = await deviceKeyFrom(options.keyFile);
        const owner = address(options.owner, "--owner");
        const { provider, deployment } = await context(cli.opts<GlobalOptions>());
        const head = await provider.getBlock("latest");
        const signed = await buildRegistration({
          device: key,
          domain: registryDomain(deployment.chainId, contractAddress(deployment, "DeviceRegistry")),
          owner,
          networkId: integer(options.networkId, "--network-id"),
          metadataHash: id(options.metadata),
          ...(options.payout === undefined ? {} : { payout: address(options.payout, "--payout") }),
          deadline: BigInt(head?.timestamp ?? Math.floor(Date.now() / 1000)) + integer(options.validFor, "--valid-for"),
        });
        process.stdout.write(options.csv ? formatFleetCsv([signed]) : serializeSignedRegistrations([signed]));
      },
    );
  device
    .command("register")
    .description("register a fleet of devices from the signed registrations they made (`device sign`), in batches")
    .requiredOption(
      "--file <files...>",
      "signed registrations: JSON arrays (`device sign` output) or CSV (`device sign --csv`); several are joined",
    )
    .requiredOption("--network-id <id>", "the network they join")
    .option("--batch-size <n>", "devices per transaction", "200")
    .action(async (options: { file: string[]; networkId: string; batchSize: string }) => {
      const registrations: SignedRegistration[] = [];
      for (const file of options.file) {
        const text = await readText(file, "--file");
        // JSON (a .json file, or text that starts as JSON does); anything else is CSV (a header row, then devices).
        const json = file.toLowerCase().endsWith(".json") || /^[[{]/.test(text.trimStart());
        if (!json) {
          registrations.push(...parseFleetCsv(text, file));
          continue;
        }
        try {
          registrations.push(...parseSignedRegistrations(text));
        } catch (error) {
          if (!(error instanceof InvalidInputError)) throw error;
          // Name the file: several may be given.
          throw new InvalidInputError(`${file}: ${error.shortMessage}`, { details: error.details, cause: error });
        }
      }
      const globals = cli.opts<GlobalOptions>();
      const { provider, deployment } = await context(globals);
      const registry = deviceRegistryAt(
        contractAddress(deployment, "DeviceRegistry"),
        await signerFor(provider, cli.opts<GlobalOptions>()),
      );
      const bar =
        globals.json || !process.stderr.isTTY
          ? undefined
          : new SingleBar(
              { format: "registering {bar} {value}/{total} devices", stream: process.stderr },
              Presets.shades_classic,
            );
      bar?.start(registrations.length, 0);
      const result = await registerFleet(registry, {
        networkId: integer(options.networkId, "--network-id"),
        registrations,
        batchSize: Number(integer(options.batchSize, "--batch-size")),
        onBatch: (done) => bar?.update(done),
      }).finally(() => bar?.stop());
      const deviceIds = registrations.map((r) => deviceIdOf(r.registration.keyType, r.registration.key));
      print(globals, { deviceIds, ...result }, `registered ${deviceIds.length} devices\n${deviceIds.join("\n")}`);
    });
  device
    .command("status")
    .description("owner, network, status and payee of a device")
    .argument("<deviceId>", "the device id (decimal or 0x hex)")
    .action(async (id: string) => {
      const deviceId = deviceIdArg(id);
      const { provider, deployment } = await context(cli.opts<GlobalOptions>());
      const d = await getDevice(deviceRegistryAt(contractAddress(deployment, "DeviceRegistry"), provider), deviceId);
      print(
        cli.opts<GlobalOptions>(),
        { ...d },
        `device ${d.deviceId}\n  owner ${d.owner}\n  network ${d.networkId}\n  status ${d.status}`,
      );
    });

  /** A registry write for one device: its registry bound to the sender, the device id, and the printed result. */
  const deviceWrite = async (
    id: string,
    write: (registry: ReturnType<typeof deviceRegistryAt>, deviceId: bigint) => Promise<{ transactionHash: string }>,
    done: string,
  ) => {
    const deviceId = deviceIdArg(id);
    const globals = cli.opts<GlobalOptions>();
    const { provider, deployment } = await context(globals);
    const registry = deviceRegistryAt(
      contractAddress(deployment, "DeviceRegistry"),
      await signerFor(provider, globals),
    );
    const result = await write(registry, deviceId);
    const d = await getDevice(registry, deviceId);
    print(globals, { ...d, transactionHash: result.transactionHash }, `device ${deviceId}: ${done}`);
  };
  device
    .command("payout")
    .description("set where a device's rewards go from now on (the device's owner only)")
    .argument("<deviceId>", "the device id (decimal or 0x hex)")
    .requiredOption("--to <address>", "the payout address (the zero address: back to the owner)")
    .action(async (id: string, options: { to: string }) => {
      const payout = address(options.to, "--to");
      await deviceWrite(id, (registry, deviceId) => setDevicePayout(registry, { deviceId, payout }), `pays ${payout}`);
    });
  device
    .command("retire")
    .description("retire a device for good: no more rewards, no transfer, its key never again (the owner only)")
    .argument("<deviceId>", "the device id (decimal or 0x hex)")
    .action(async (id: string) => {
      await deviceWrite(id, (registry, deviceId) => retireDevice(registry, { deviceId }), "retired");
    });
  device
    .command("suspend")
    .description("suspend a device of your network, e.g. for fraud (the network admin only)")
    .argument("<deviceId>", "the device id (decimal or 0x hex)")
    .requiredOption("--reason <text>", "why (its keccak256 is on the record)")
    .action(async (id: string, options: { reason: string }) => {
      const reasonHash = reasonArg(options.reason);
      await deviceWrite(id, (registry, deviceId) => suspendDevice(registry, { deviceId, reasonHash }), "suspended");
    });
  device
    .command("reactivate")
    .description("reactivate a suspended device of your network (the network admin only)")
    .argument("<deviceId>", "the device id (decimal or 0x hex)")
    .requiredOption("--reason <text>", "why (its keccak256 is on the record)")
    .action(async (id: string, options: { reason: string }) => {
      const reasonHash = reasonArg(options.reason);
      await deviceWrite(id, (registry, deviceId) => reactivateDevice(registry, { deviceId, reasonHash }), "active");
    });
  device
    .command("earnings")
    .description("what a device earned in a pool: each ledger proof (from events) and its epoch-mode records")
    .argument("<deviceId>", "the device id (decimal or 0x hex)")
    .requiredOption("--pool <address>", "the reward pool")
    .option("--manifest <files...>", "committed epoch manifests to count its epoch-mode records from")
    .option("--from-block <n>", "the pool's creation block (speeds up event reads)", "0")
    .action(async (id: string, options: { pool: string; manifest?: string[]; fromBlock: string }) => {
      const deviceId = deviceIdArg(id);
      const poolAddress = address(options.pool, "--pool");
      const fromBlock = Number(integer(options.fromBlock, "--from-block"));
      const manifests = await Promise.all(
        (options.manifest ?? []).map(async (f) => readManifestTree(await readText(f, "--manifest"))),
      );
      const { provider } = await context(cli.opts<GlobalOptions>());
      const e = await getDeviceEarnings(rewardPoolAt(poolAddress, provider), { deviceId, fromBlock, manifests });
      print(
        cli.opts<GlobalOptions>(),
        { pool: poolAddress, ...e },
        [
          `device ${deviceId} in pool ${poolAddress}: ${e.totalWad} WAD in all`,
          ...e.ledger.map((c) => `  epoch ${c.epoch} ledger: ${c.units} units, ${c.rewardWad} WAD to ${c.account}`),
          ...e.epochMode.map((c) => `  epoch ${c.epoch} root: ${c.units} units, ${c.rewardWad} WAD to ${c.account}`),
          ...(e.clawedBackWad === 0n ? [] : [`  clawed back ${e.clawedBackWad} WAD`]),
        ].join("\n"),
      );
    });

  cli
    .command("earnings")
    .description("an account's earnings in a pool, both modes: credited, clawed back, paid, and claimable now")
    .argument("<account>", "the operator's (payee's) address")
    .requiredOption("--pool <address>", "the reward pool")
    .option("--manifest <file>", "the epoch manifest of the root in force, for the epoch-mode part")
    .option("--from-block <n>", "the pool's creation block (speeds up event reads)", "0")
    .action(async (account: string, options: { pool: string; manifest?: string; fromBlock: string }) => {
      const who = address(account, "account");
      const pool = address(options.pool, "--pool");
      const fromBlock = Number(integer(options.fromBlock, "--from-block"));
      const epoch = await leafOf(options.manifest, who);
      const { provider } = await context(cli.opts<GlobalOptions>());
      const e = await getAccountEarnings(rewardPoolAt(pool, provider), { account: who, epoch, fromBlock });
      print(
        cli.opts<GlobalOptions>(),
        {
          pool,
          ...e,
          // Kept from the earlier output: the ledger part as the pool's account view names it.
          ledgerClaimable: e.ledger.claimable,
          unpaidWad: e.ledger.unpaidWad,
          paidEpoch: e.epochMode.paid,
        },
        [
          `claimable now ${e.claimable} (ledger ${e.ledger.claimable}, epoch mode ${e.epochMode.claimable})`,
          `ledger: credited ${e.ledger.creditedWad} WAD, clawed back ${e.ledger.clawedBackWad} WAD, paid ${e.ledger.paid}`,
          `epoch mode: cumulative ${e.epochMode.cumulative}, paid ${e.epochMode.paid}`,
          `claim nonce ${e.claimNonce}`,
        ].join("\n"),
      );
    });

  const network = cli.command("network").description("a DePIN network of the registry");
  network
    .command("create")
    .description("create a network; the sender becomes its admin")
    .option("--attestation-required", "devices need a manufacturer/registrar attestation", false)
    .option("--metadata <text>", "what the network is (its keccak256 is stored)", "")
    .action(async (options: { attestationRequired: boolean; metadata: string }) => {
      const { provider, deployment } = await context(cli.opts<GlobalOptions>());
      const registry = deviceRegistryAt(
        contractAddress(deployment, "DeviceRegistry"),
        await signerFor(provider, cli.opts<GlobalOptions>()),
      );
      const receipt = await withDecodedErrors(poolErrorInterfaces, async () =>
        (await registry.createNetwork(options.attestationRequired, id(options.metadata))).wait(),
      );
      const event = receipt?.logs.map((l) => registry.interface.parseLog(l)).find((e) => e?.name === "NetworkCreated");
      const networkId = event?.args.networkId as bigint;
      print(cli.opts<GlobalOptions>(), { networkId, transactionHash: receipt?.hash }, `network ${networkId} created`);
    });

  network
    .command("attester")
    .description("a network's attesters and whether registrations need one (the network admin only)")
    .requiredOption("--network-id <id>", "the network")
    .option("--add <address>", "allowlist this attester")
    .option("--remove <address>", "remove this attester")
    .option("--require-attestation <bool>", "true: every registration needs an attester's co-signature; false: none")
    .action(async (options: { networkId: string; add?: string; remove?: string; requireAttestation?: string }) => {
      const networkId = integer(options.networkId, "--network-id");
      const add = options.add === undefined ? undefined : address(options.add, "--add");
      const remove = options.remove === undefined ? undefined : address(options.remove, "--remove");
      let required: boolean | undefined;
      if (options.requireAttestation !== undefined) {
        if (!["true", "false"].includes(options.requireAttestation)) {
          throw new InvalidInputError(`--require-attestation ${options.requireAttestation} is not true or false`);
        }
        required = options.requireAttestation === "true";
      }
      if (add === undefined && remove === undefined && required === undefined) {
        throw new InvalidInputError("nothing to change", {
          details: "pass --add <address>, --remove <address> or --require-attestation true|false",
        });
      }
      const globals = cli.opts<GlobalOptions>();
      const { provider, deployment } = await context(globals);
      const registry = deviceRegistryAt(
        contractAddress(deployment, "DeviceRegistry"),
        await signerFor(provider, globals),
      );
      const transactions: string[] = [];
      if (required !== undefined) {
        transactions.push((await setAttestationRequired(registry, { networkId, required })).transactionHash);
      }
      if (add !== undefined) {
        transactions.push(
          (await setNetworkAttester(registry, { networkId, attester: add, allowed: true })).transactionHash,
        );
      }
      if (remove !== undefined) {
        transactions.push(
          (await setNetworkAttester(registry, { networkId, attester: remove, allowed: false })).transactionHash,
        );
      }
      const info = await registry.network(networkId);
      const attesters = Object.fromEntries(
        await Promise.all(
          [add, remove].filter((a) => a !== undefined).map(async (a) => [a, await registry.isAttester(networkId, a)]),
        ),
      );
      print(
        globals,
        { networkId, attestationRequired: info.attestationRequired, attesters, transactions },
        `network ${networkId}: attestation ${info.attestationRequired ? "required" : "not required"}` +
          Object.entries(attesters)
            .map(([a, allowed]) => `\n  ${a} ${allowed ? "is" : "is not"} an attester`)
            .join(""),
      );
    });

  const pool = cli.command("pool").description("a protocol's reward pool");
  pool
    .command("create")
    .description("create a reward pool through the factory (an EIP-1167 clone at a deterministic address)")
    .requiredOption("--network-id <id>", "the registry network whose devices it pays")
    .requiredOption("--verifiers <addresses>", "comma-separated verifier addresses")
    .requiredOption("--rate <amount>", "tokens per work unit, e.g. 0.001")
    .requiredOption("--budget <amount>", "most tokens paid per epoch")
    .requiredOption("--cap <units>", "most work units per device per epoch")
    .option("--quorum <n>", "signatures needed (default two thirds of the verifiers)")
    .option("--token <address>", "the stablecoin (default: the deployment's MockUSDC, on local chains)")
    .option("--salt <text>", "makes the address unique per creator", "pool")
    .action(
      async (options: {
        networkId: string;
        verifiers: string;
        rate: string;
        budget: string;
        cap: string;
        quorum?: string;
        token?: string;
        salt: string;
      }) => {
        const verifiers = options.verifiers.split(",").map((v) => address(v.trim(), "--verifiers"));
        const { provider, deployment } = await context(cli.opts<GlobalOptions>());
        const token = address(options.token ?? contractAddress(deployment, "MockUSDC"), "--token");
        const decimals = await tokenDecimals(token, provider);
        const signer = await signerFor(provider, cli.opts<GlobalOptions>());
        const config = poolConfig({
          token,
          networkId: integer(options.networkId, "--network-id"),
          admin: await signer.getAddress(),
          verifiers,
          ...(options.quorum === undefined ? {} : { quorum: Number(integer(options.quorum, "--quorum")) }),
          params: {
            rate: amount(options.rate, decimals + 18, "--rate"),
            epochBudget: amount(options.budget, decimals, "--budget"),
            deviceCap: integer(options.cap, "--cap"),
          },
        });
        const factory = rewardPoolFactoryAt(contractAddress(deployment, "RewardPoolFactory"), signer);
        const created = await createPool(factory, { config, salt: id(options.salt) });
        print(cli.opts<GlobalOptions>(), { pool: created, token, verifiers, quorum: config.quorum }, `pool ${created}`);
      },
    );
  pool
    .command("fund")
    .description(
      "fund a pool from the sender's tokens under a funding reference: approve + fund, a permit, or EIP-3009",
    )
    .requiredOption("--pool <address>", "the reward pool")
    .requiredOption("--amount <amount>", "tokens, e.g. 1000")
    .requiredOption("--ref <text>", "the funding reference, e.g. a customer contract id (its keccak256 is recorded)")
    .addOption(
      new Option("--permit", "one transaction: sign an EIP-2612 permit, then fundWithPermit").conflicts(
        "authorization",
      ),
    )
    .option("--authorization", "sign an EIP-3009 receiveWithAuthorization, then fundWithAuthorization (USDC)", false)
    .action(
      async (options: { pool: string; amount: string; ref: string; permit?: boolean; authorization: boolean }) => {
        const poolAddress = address(options.pool, "--pool");
        if (options.ref === "")
          throw new InvalidInputError("--ref is empty", { details: "name what the funds are for" });
        const globals = cli.opts<GlobalOptions>();
        const { provider } = await context(globals);
        const signer = await signerFor(provider, globals);
        const target = rewardPoolAt(poolAddress, signer);
        const token = (await target.settings()).token;
        const value = amount(options.amount, await tokenDecimals(token, provider), "--amount");
        const ref = id(options.ref);
        let method: string;
        let transactionHash: string;
        if (options.permit === true) {
          method = "permit";
          ({ transactionHash } = await fundPoolWithPermit(target, { amount: value, ref }));
        } else if (options.authorization) {
          method = "authorization";
          ({ transactionHash } = await fundPoolWithAuthorization(target, { amount: value, ref }));
        } else {
          method = "approve";
          const erc20 = contracts.MockUSDC__factory.connect(token, signer);
          await withDecodedErrors(poolErrorInterfaces, async () => (await erc20.approve(poolAddress, value)).wait());
          ({ transactionHash } = await fundPool(target, { amount: value, ref }));
        }
        print(
          globals,
          { pool: poolAddress, amount: value, ref, method, transactionHash },
          `funded ${value} (${method})`,
        );
      },
    );

  const config = pool
    .command("config")
    .description("a pool's configuration: show it, queue reward or verifier changes, apply, cancel, claims, guardian");
  /** The pool of a `pool config` subcommand bound to the sender, and its token's decimals. */
  const configTarget = async (poolOption: string) => {
    const poolAddress = address(poolOption, "--pool");
    const globals = cli.opts<GlobalOptions>();
    const { provider } = await context(globals);
    const target = rewardPoolAt(poolAddress, await signerFor(provider, globals));
    const decimals = await tokenDecimals((await target.settings()).token, provider);
    return { poolAddress, target, decimals, globals };
  };
  config
    .command("show")
    .description("the configuration in force and what is scheduled (read-only)")
    .requiredOption("--pool <address>", "the reward pool")
    .option("--from-block <n>", "the pool's creation block (speeds up event reads)", "0")
    .action(async (options: { pool: string; fromBlock: string }) => {
      const poolAddress = address(options.pool, "--pool");
      const fromBlock = Number(integer(options.fromBlock, "--from-block"));
      const { provider } = await context(cli.opts<GlobalOptions>());
      const c = await getPoolConfig(rewardPoolAt(poolAddress, provider), { fromBlock });
      const params = (p: { rate: bigint; epochBudget: bigint; deviceCap: bigint }) =>
        `rate ${p.rate} (token units × 1e18 per work unit), budget ${p.epochBudget}, cap ${p.deviceCap} units`;
      print(
        cli.opts<GlobalOptions>(),
        { pool: poolAddress, ...c },
        [
          `pool ${poolAddress} (epoch ${c.currentEpoch}${c.paused ? ", paused" : ""})`,
          `  admin ${c.admin}, guardian ${c.guardian}`,
          `  reward parameters: ${params(c.rewardParams)}`,
          `  verifiers (${c.quorum} of ${c.verifiers.length}): ${c.verifiers.join(", ")}`,
          `  minimum claim ${c.minClaim}, relayer fee cap ${c.maxRelayerFee}, change delay ${c.changeDelay} s`,
          ...(c.scheduledParams === undefined
            ? []
            : [`  scheduled from epoch ${c.scheduledParams.fromEpoch}: ${params(c.scheduledParams.params)}`]),
          ...(c.queuedVerifierChange === undefined
            ? []
            : [
                `  queued verifier change (${c.queuedVerifierChange.due ? "due" : `at ${c.queuedVerifierChange.eta}`}): ` +
                  `add ${c.queuedVerifierChange.add.join(",") || "none"}, remove ${c.queuedVerifierChange.remove.join(",") || "none"}, quorum ${c.queuedVerifierChange.quorum}`,
              ]),
        ].join("\n"),
      );
    });
  config
    .command("params")
    .description("queue reward parameters, in force from the first epoch starting after the change delay (admin)")
    .requiredOption("--pool <address>", "the reward pool")
    .requiredOption("--rate <amount>", "tokens per work unit, e.g. 0.001")
    .requiredOption("--budget <amount>", "most tokens paid per epoch")
    .requiredOption("--cap <units>", "most work units per device per epoch")
    .action(async (options: { pool: string; rate: string; budget: string; cap: string }) => {
      const cap = integer(options.cap, "--cap");
      const { poolAddress, target, decimals, globals } = await configTarget(options.pool);
      const params = {
        rate: amount(options.rate, decimals + 18, "--rate"),
        epochBudget: amount(options.budget, decimals, "--budget"),
        deviceCap: cap,
      };
      const r = await queueRewardParams(target, { params });
      print(
        globals,
        { pool: poolAddress, params, ...r },
        `reward parameters scheduled from epoch ${r.fromEpoch} (starts at ${r.startsAt})`,
      );
    });
  config
    .command("verifiers")
    .description("queue a verifier-set and quorum change, in force after the change delay (admin)")
    .requiredOption("--pool <address>", "the reward pool")
    .option("--add <addresses>", "comma-separated verifiers to add")
    .option("--remove <addresses>", "comma-separated verifiers to remove")
    .requiredOption("--quorum <n>", "signatures needed once the change is in force")
    .action(async (options: { pool: string; add?: string; remove?: string; quorum: string }) => {
      const list = (value: string | undefined, field: string) =>
        value === undefined ? [] : value.split(",").map((a) => address(a.trim(), field));
      const add = list(options.add, "--add");
      const remove = list(options.remove, "--remove");
      const quorum = Number(integer(options.quorum, "--quorum"));
      const { poolAddress, target, globals } = await configTarget(options.pool);
      const r = await queueVerifierChange(target, { add, remove, quorum });
      print(globals, { pool: poolAddress, add, remove, quorum, ...r }, `verifier change queued, in force at ${r.eta}`);
    });
  config
    .command("apply")
    .description("apply a queued verifier change whose delay has passed (anyone)")
    .requiredOption("--pool <address>", "the reward pool")
    .action(async (options: { pool: string }) => {
      const { poolAddress, target, globals } = await configTarget(options.pool);
      const r = await applyQueuedChanges(target);
      print(globals, { pool: poolAddress, ...r }, "queued verifier change applied");
    });
  config
    .command("cancel")
    .description("cancel scheduled changes not yet in force (admin or guardian)")
    .requiredOption("--pool <address>", "the reward pool")
    .action(async (options: { pool: string }) => {
      const { poolAddress, target, globals } = await configTarget(options.pool);
      const r = await cancelQueuedChanges(target);
      print(
        globals,
        { pool: poolAddress, ...r },
        `cancelled:${r.verifiers ? " the verifier change" : ""}${r.params ? " the reward parameters" : ""}`,
      );
    });
  config
    .command("claims")
    .description("set the minimum claim and the relayer fee cap (admin); an omitted one stays as it is")
    .requiredOption("--pool <address>", "the reward pool")
    .option("--min-claim <amount>", "the smallest claim paid, in tokens (0 for none)")
    .option("--max-relayer-fee <amount>", "the most a relayer may take from a signed claim, in tokens")
    .action(async (options: { pool: string; minClaim?: string; maxRelayerFee?: string }) => {
      if (options.minClaim === undefined && options.maxRelayerFee === undefined) {
        throw new InvalidInputError("nothing to change", { details: "pass --min-claim and/or --max-relayer-fee" });
      }
      const { poolAddress, target, decimals, globals } = await configTarget(options.pool);
      const current = await target.settings();
      const tokens = (value: string | undefined, field: string, fallback: bigint) =>
        value === undefined ? fallback : /^0+(\.0*)?$/.test(value) ? 0n : amount(value, decimals, field);
      const minClaim = tokens(options.minClaim, "--min-claim", current.minClaim);
      const maxRelayerFee = tokens(options.maxRelayerFee, "--max-relayer-fee", current.maxRelayerFee);
      const r = await setClaimSettings(target, { minClaim, maxRelayerFee });
      print(
        globals,
        { pool: poolAddress, minClaim, maxRelayerFee, ...r },
        `minimum claim ${minClaim}, relayer fee cap ${maxRelayerFee}`,
      );
    });
  config
    .command("guardian")
    .description(
      "schedule a new guardian, in force after the pool's change delay (admin); --cancel drops a scheduled one",
    )
    .requiredOption("--pool <address>", "the reward pool")
    .option("--guardian <address>", "the next guardian (never zero)")
    .option("--cancel", "cancel the scheduled guardian change instead", false)
    .action(async (options: { pool: string; guardian?: string; cancel: boolean }) => {
      const { poolAddress, target, globals } = await configTarget(options.pool);
      if (options.cancel) {
        const r = await cancelGuardianChange(target);
        print(globals, { pool: poolAddress, ...r }, "scheduled guardian change cancelled");
        return;
      }
      if (options.guardian === undefined) {
        throw new InvalidInputError("--guardian is missing", { details: "pass --guardian 0x… or --cancel" });
      }
      const guardian = address(options.guardian, "--guardian");
      const r = await queueGuardianChange(target, { guardian });
      print(globals, { pool: poolAddress, guardian, ...r }, `guardian ${guardian} scheduled (after the change delay)`);
    });

  pool
    .command("watch")
    .description("print a pool's events as they happen, one JSON line each (until interrupted)")
    .requiredOption("--pool <address>", "the reward pool")
    .option("--from-block <n>", "start here (default: new blocks only)")
    .option("--interval <ms>", "milliseconds between polls", "1000")
    .action(async (options: { pool: string; fromBlock?: string; interval: string }) => {
      const poolAddress = address(options.pool, "--pool");
      const fromBlock =
        options.fromBlock === undefined ? undefined : Number(integer(options.fromBlock, "--from-block"));
      const pollingInterval = Number(integer(options.interval, "--interval"));
      const { provider } = await context(cli.opts<GlobalOptions>());
      const stop = watchPoolEvents(rewardPoolAt(poolAddress, provider), {
        ...(fromBlock === undefined ? {} : { fromBlock }),
        pollingInterval,
        onEvent: (e) => {
          const args = e.args.toObject(true);
          process.stdout.write(
            JSON.stringify(
              { event: e.name, args, blockNumber: e.blockNumber, transactionHash: e.transactionHash },
              (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
            ) + "\n",
          );
        },
        onError: (error) => console.error(`watch: ${(error as Error).message}; retrying`),
      });
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve).once("SIGTERM", resolve);
      });
      await stop();
    });

  pool
    .command("pause")
    .description("pause a pool at once: no funding, recording, committing or claiming (guardian only)")
    .requiredOption("--pool <address>", "the reward pool")
    .action(async (options: { pool: string }) => {
      const poolAddress = address(options.pool, "--pool");
      const { provider } = await context(cli.opts<GlobalOptions>());
      const target = rewardPoolAt(poolAddress, await signerFor(provider, cli.opts<GlobalOptions>()));
      const receipt = await withDecodedErrors(poolErrorInterfaces, async () => (await target.pause()).wait());
      print(cli.opts<GlobalOptions>(), { pool: poolAddress, paused: true, transactionHash: receipt?.hash }, `paused`);
    });
  pool
    .command("veto")
    .description("veto the pending epoch root of an epoch during its challenge period (guardian only)")
    .requiredOption("--pool <address>", "the reward pool")
    .requiredOption("--epoch <n>", "the epoch of the pending root")
    .option("--nonce <n>", "the commit nonce of the root you checked (default: the pending root's, read now)")
    .requiredOption("--reason <text>", "why (its keccak256 is on the record)")
    .action(async (options: { pool: string; epoch: string; nonce?: string; reason: string }) => {
      const poolAddress = address(options.pool, "--pool");
      const epoch = integer(options.epoch, "--epoch");
      const { provider } = await context(cli.opts<GlobalOptions>());
      const reasonHash = reasonArg(options.reason);
      const target = rewardPoolAt(poolAddress, await signerFor(provider, cli.opts<GlobalOptions>()));
      // The veto names the exact commit: the pool refuses it if another commit replaced the one checked.
      const nonce =
        options.nonce === undefined ? (await target.epochRoots()).pending.nonce : integer(options.nonce, "--nonce");
      const { transactionHash } = await vetoEpoch(target, { epoch, nonce, reasonHash });
      print(cli.opts<GlobalOptions>(), { pool: poolAddress, epoch, nonce, transactionHash }, `vetoed epoch ${epoch}`);
    });

  pool
    .command("push")
    .description("pay opted-in accounts their credit by push, many per transaction, no fee (anyone: a keeper)")
    .requiredOption("--pool <address>", "the reward pool")
    .option("--manifest <file>", "the epoch manifest of the root in force, for the epoch-mode part")
    .option("--accounts <list>", "comma-separated accounts (default: every opted-in account of the manifest)")
    .option("--batch-size <n>", "accounts per transaction", "100")
    .action(async (options: { pool: string; manifest?: string; accounts?: string; batchSize: string }) => {
      const poolAddress = address(options.pool, "--pool");
      const batchSize = Number(integer(options.batchSize, "--batch-size"));
      if (batchSize < 1 || batchSize > 500) {
        throw new InvalidInputError(`--batch-size ${options.batchSize} is out of range`, {
          details: "1 to 500 accounts per transaction (about 21,000 gas each)",
        });
      }
      const tree =
        options.manifest === undefined
          ? undefined
          : readManifestTree(await readText(options.manifest, "--manifest")).tree;
      const { provider } = await context(cli.opts<GlobalOptions>());
      const target = rewardPoolAt(poolAddress, await signerFor(provider, cli.opts<GlobalOptions>()));
      let accounts: string[];
      if (options.accounts !== undefined) {
        accounts = options.accounts.split(",").map((a, i) => address(a.trim(), `--accounts[${i}]`));
      } else {
        if (tree === undefined) {
          throw new InvalidInputError("no accounts to pay", {
            details: "pass --accounts, or --manifest to pay its accounts",
          });
        }
        const all = tree.values().map(([a]) => a);
        const recipients = await Promise.all(all.map((a) => target.pushRecipient(a)));
        accounts = all.filter((_, i) => recipients[i] !== ZeroAddress);
        if (accounts.length === 0) {
          print(
            cli.opts<GlobalOptions>(),
            { pool: poolAddress, results: [], paid: 0n },
            "no account of the manifest opted in",
          );
          return;
        }
      }
      const r = await pushPayouts(target, { accounts, ...(tree === undefined ? {} : { tree }), batchSize });
      const paidCount = r.results.filter((x) => x.status === "paid").length;
      print(
        cli.opts<GlobalOptions>(),
        { pool: poolAddress, ...r },
        `paid ${r.paid} to ${paidCount} accounts, skipped ${r.results.length - paidCount}, in ${r.transactions.length} transactions`,
      );
    });

  const work = cli.command("work").description("device side: work reports");
  work
    .command("sign")
    .description("sign this device's work report for an epoch of a pool (prints JSON for `proofs sign`)")
    .requiredOption("--key-file <file>", "the device key: a 32-byte hex secp256k1 private key, or a P-256 PEM")
    .requiredOption("--pool <address>", "the reward pool")
    .requiredOption("--epoch <n>", "the epoch the work was done in")
    .requiredOption("--units <n>", "work units")
    .option("--evidence <text>", "what backs the work (its keccak256 is recorded)", "")
    .action(async (options: { keyFile: string; pool: string; epoch: string; units: string; evidence: string }) => {
      const key = await deviceKeyFrom(options.keyFile);
      const poolAddress = address(options.pool, "--pool");
      const { provider } = await context(cli.opts<GlobalOptions>());
      const domain = await readPoolDomain(rewardPoolAt(poolAddress, provider));
      const report = {
        deviceId: deviceIdOf(key.keyType, key.key),
        epoch: integer(options.epoch, "--epoch"),
        units: integer(options.units, "--units"),
        evidenceHash: id(options.evidence),
      };
      process.stdout.write(toJson([{ report, signature: signWorkReport(key, domain, report) }]) + "\n");
    });

  const proofs = cli.command("proofs").description("verifier side: ledger-mode proof batches");
  proofs
    .command("sign")
    .description("check the devices' reports and sign them as one batch, as one verifier of the quorum")
    .requiredOption("--pool <address>", "the reward pool")
    .requiredOption("--file <file>", "the devices' signed reports (the outputs of `work sign`, joined)")
    .requiredOption("--nonce <n>", "an unused batch nonce, the same for every verifier signing this batch")
    .action(async (options: { pool: string; file: string; nonce: string }) => {
      const poolAddress = address(options.pool, "--pool");
      const signedReports = parseSignedReports(await readText(options.file, "--file"));
      const epochs = new Set(signedReports.map((r) => r.report.epoch));
      if (epochs.size !== 1) throw new InvalidInputError("a batch holds the reports of one epoch only");
      const epoch = signedReports[0]!.report.epoch;
      const { provider } = await context(cli.opts<GlobalOptions>());
      const pool = rewardPoolAt(poolAddress, provider);
      const domain = await readPoolDomain(pool);
      signedReports.forEach((r, i) => {
        const problem = checkWorkReportSignature(domain, r.report, r.signature);
        if (problem !== undefined)
          throw new InvalidInputError(`report #${i} (device ${r.report.deviceId}): ${problem}`);
      });
      const batch = signedReports.map((r) => ({
        deviceId: r.report.deviceId,
        units: r.report.units,
        evidenceHash: r.report.evidenceHash,
      }));
      const signer = await signerFor(provider, cli.opts<GlobalOptions>());
      const batchNonce = integer(options.nonce, "--nonce");
      const quorum = await attestBatch([keySigner(signer)], domain, epoch, batchNonce, batch);
      const { requireDeviceSignatures } = await pool.settings();
      process.stdout.write(
        toJson({
          pool: poolAddress,
          epoch,
          batchNonce,
          proofs: batch,
          deviceSignatures: requireDeviceSignatures ? signedReports.map((r) => r.signature) : [],
          signer: quorum.signers[0],
          signature: quorum.signatures[0],
        }) + "\n",
      );
    });
  proofs
    .command("submit")
    .description("combine the verifiers' signatures of one batch and record it (anyone may send it)")
    .argument("<files...>", "each verifier's output of `proofs sign` for the same batch")
    .action(async (files: string[]) => {
      const signed = await Promise.all(
        files.map(async (f) => JSON.parse(await readText(f, "file")) as SignedBatchFile),
      );
      const first = signed[0]!;
      for (const other of signed) {
        if (other.pool !== first.pool || other.epoch !== first.epoch || other.batchNonce !== first.batchNonce) {
          throw new InvalidInputError(`${files.join(", ")} are not signatures of one batch`);
        }
      }
      const { provider } = await context(cli.opts<GlobalOptions>());
      const pool = rewardPoolAt(address(first.pool, "pool"), await signerFor(provider, cli.opts<GlobalOptions>()));
      const proofsOf = first.proofs.map((p) => ({ ...p, deviceId: BigInt(p.deviceId), units: BigInt(p.units) }));
      const { transactionHash, alreadyLanded } = await submitProofBatch(pool, {
        epoch: BigInt(first.epoch),
        batchNonce: BigInt(first.batchNonce),
        proofs: proofsOf,
        deviceSignatures: first.deviceSignatures,
        quorum: combineSignatures(signed),
      });
      print(
        cli.opts<GlobalOptions>(),
        {
          pool: first.pool,
          epoch: first.epoch,
          batchNonce: first.batchNonce,
          proofs: proofsOf.length,
          transactionHash,
          alreadyLanded,
        },
        `recorded ${proofsOf.length} proofs for epoch ${first.epoch}${alreadyLanded ? " (it had landed already)" : ""}`,
      );
    });

  const epochCmd = cli.command("epoch").description("verifier side: epoch-mode roots");
  epochCmd
    .command("build")
    .description("build an epoch's manifest from the devices' reports and the chain (rates, devices, payees)")
    .requiredOption("--pool <address>", "the reward pool")
    .requiredOption("--epoch <n>", "the closed epoch")
    .requiredOption("--file <file>", "the devices' signed reports for the epoch (outputs of `work sign`, joined)")
    .requiredOption("--out <file>", "where to write the manifest (publish it, then commit its URI)")
    .option("--previous <file>", "the previous epoch's manifest (omit for the pool's first epoch)")
    .action(async (options: { pool: string; epoch: string; file: string; out: string; previous?: string }) => {
      const poolAddress = address(options.pool, "--pool");
      const epoch = integer(options.epoch, "--epoch");
      const signedReports = parseSignedReports(await readText(options.file, "--file"));
      const { provider, deployment } = await context(cli.opts<GlobalOptions>());
      const pool = rewardPoolAt(poolAddress, provider);
      const domain = await readPoolDomain(pool);
      const reports = signedReports
        .filter(
          (r) => r.report.epoch === epoch && checkWorkReportSignature(domain, r.report, r.signature) === undefined,
        )
        .map((r) => ({ deviceId: r.report.deviceId, units: r.report.units, evidenceHash: r.report.evidenceHash }));
      const badSignatures = signedReports.length - reports.length;
      const registry = deviceRegistryAt(contractAddress(deployment, "DeviceRegistry"), provider);
      const inputs = await readEpochInputs(
        pool,
        registry,
        epoch,
        reports.map((r) => r.deviceId),
      );
      const screened = screenReports(reports, {
        devices: inputs.devices,
        networkId: inputs.networkId,
        deviceCap: inputs.params.deviceCap,
      });
      let previous: { manifest: EpochManifest; text: string } | undefined;
      if (options.previous !== undefined) {
        const text = await readText(options.previous, "--previous");
        previous = { manifest: readManifestTree(text).manifest, text };
      }
      const { chainId } = await provider.getNetwork();
      const built = buildEpoch({
        pool: poolAddress,
        chainId,
        epoch: Number(epoch),
        formulaVersion: 1,
        ...inputs,
        reports: screened.accepted.map(({ deviceId, units, evidenceHash }) => ({ deviceId, units, evidenceHash })),
        ...(previous === undefined ? {} : { previous }),
      });
      const { writeFile } = await import("node:fs/promises");
      await writeFile(options.out, built.text);
      const rejected: Record<string, number> = { "bad device signature": badSignatures };
      for (const r of screened.rejected) rejected[r.reason] = (rejected[r.reason] ?? 0) + 1;
      print(
        cli.opts<GlobalOptions>(),
        {
          manifest: options.out,
          manifestHash: built.manifestHash,
          root: built.manifest.root,
          totalOwed: built.manifest.totalOwed,
          epochTotal: built.manifest.epochTotal,
          accepted: screened.accepted.length,
          rejected,
        },
        `manifest ${options.out}: root ${built.manifest.root}, ${screened.accepted.length} reports credited`,
      );
    });
  epochCmd
    .command("sign")
    .description("check a manifest against the chain and sign its commit, as one verifier of the quorum")
    .requiredOption("--pool <address>", "the reward pool")
    .requiredOption("--manifest <file>", "the manifest `epoch build` wrote")
    .requiredOption("--uri <uri>", "where it is published (ipfs://… or https://…)")
    .requiredOption("--deadline <unix>", "the last second the commit may be submitted (the same for every verifier)")
    .action(async (options: { pool: string; manifest: string; uri: string; deadline: string }) => {
      const poolAddress = address(options.pool, "--pool");
      const built = readManifestTree(await readText(options.manifest, "--manifest"));
      const { provider } = await context(cli.opts<GlobalOptions>());
      const pool = rewardPoolAt(poolAddress, provider);
      const findings = await checkManifestAgainstChain(pool, built.manifest);
      if (findings.length > 0)
        throw new InvalidInputError(`the manifest disagrees with the chain:\n${findings.join("\n")}`);
      const commit = epochCommitOf(
        built,
        options.uri,
        await pool.commitNonce(),
        integer(options.deadline, "--deadline"),
      );
      const quorum = await attestEpoch(
        [keySigner(await signerFor(provider, cli.opts<GlobalOptions>()))],
        await readPoolDomain(pool),
        commit,
      );
      process.stdout.write(
        toJson({ pool: poolAddress, commit, signer: quorum.signers[0], signature: quorum.signatures[0] }) + "\n",
      );
    });
  epochCmd
    .command("commit")
    .description("combine the verifiers' signatures of one epoch commit and submit it (anyone may send it)")
    .argument("<files...>", "each verifier's output of `epoch sign` for the same commit")
    .action(async (files: string[]) => {
      const signed = await Promise.all(
        files.map(
          async (f) =>
            JSON.parse(await readText(f, "file")) as {
              pool: string;
              commit: Record<string, string>;
              signer: string;
              signature: string;
            },
        ),
      );
      const first = signed[0]!;
      if (signed.some((s) => s.pool !== first.pool || JSON.stringify(s.commit) !== JSON.stringify(first.commit))) {
        throw new InvalidInputError(`${files.join(", ")} are not signatures of one commit`);
      }
      const { provider } = await context(cli.opts<GlobalOptions>());
      const pool = rewardPoolAt(address(first.pool, "pool"), await signerFor(provider, cli.opts<GlobalOptions>()));
      const { transactionHash } = await submitEpochCommit(pool, {
        commit: first.commit as unknown as EpochCommit,
        signatures: combineSignatures(signed),
      });
      print(
        cli.opts<GlobalOptions>(),
        { pool: first.pool, epoch: first.commit.epoch, root: first.commit.root, transactionHash },
        `committed epoch ${first.commit.epoch}: root ${first.commit.root}`,
      );
    });

  cli
    .command("claim")
    .description(
      "pay an account everything it is owed by a pool, or by every pool (--all) in one transaction " +
        "(anyone may send it; the funds go to the account)",
    )
    .argument("<account>", "the account to pay")
    .option("--pool <address>", "the reward pool (or --all)")
    .option("--all", "every pool of the deployment's factory (and --pools) with something to claim, at once", false)
    .option("--pools <addresses>", "with --all: more pools to look in, comma-separated")
    .option(
      "--manifest <file>",
      "the epoch manifest of a pool's root in force, for the epoch-mode part (with --all: repeat it, one per pool)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option("--gasless", "do not send: sign the claim (as the account) for a relayer, and print it", false)
    .option("--recipient <address>", "with --gasless: who receives the funds (default: the account)")
    .option("--max-fee <amount>", "with --gasless: the most a relayer may take (per pool, in its token)", "0")
    .option("--valid-for <seconds>", "with --gasless: how long the signature stays valid", "3600")
    .option(
      "--push <on|off>",
      "instead of claiming: opt the account (the signer) in to push payouts (to --recipient, default itself) or out",
    )
    .action(
      async (
        account: string,
        options: {
          pool?: string;
          all: boolean;
          pools?: string;
          manifest: string[];
          gasless: boolean;
          recipient?: string;
          maxFee: string;
          validFor: string;
          push?: string;
        },
      ) => {
        const who = address(account, "account");
        if (options.all) {
          if (options.pool !== undefined) {
            throw new InvalidInputError("--pool and --all together", { details: "pass one pool, or --all" });
          }
          await claimEverywhere(cli.opts<GlobalOptions>(), who, options);
          return;
        }
        if (options.pool === undefined) {
          throw new InvalidInputError("no pool given", { details: "pass --pool <address>, or --all for every pool" });
        }
        if (options.manifest.length > 1) {
          throw new InvalidInputError("several --manifest for one pool", {
            details: "pass the manifest of the pool's root in force once (several only with --all)",
          });
        }
        const manifest = options.manifest[0];
        const poolAddress = address(options.pool, "--pool");
        if (options.push !== undefined && options.push !== "on" && options.push !== "off") {
          throw new InvalidInputError(`--push ${options.push} is neither on nor off`, {
            details: "--push on opts in to push payouts, --push off opts out",
          });
        }
        const { provider } = await context(cli.opts<GlobalOptions>());
        const signer = await signerFor(provider, cli.opts<GlobalOptions>());
        const pool = rewardPoolAt(poolAddress, signer);
        if (options.push !== undefined) {
          const signerAddress = await signer.getAddress();
          if (signerAddress !== who) {
            throw new InvalidInputError(`only ${who} itself can choose its push payouts; the key is ${signerAddress}`, {
              details: "run it with the account's own key",
            });
          }
          const on = options.push === "on";
          const recipient = on ? address(options.recipient ?? who, "--recipient") : ZeroAddress;
          const r = on ? await optInPush(pool, { recipient }) : await optOutPush(pool);
          print(
            cli.opts<GlobalOptions>(),
            { account: who, pool: poolAddress, push: on, recipient, ...r },
            on ? `${who} is paid by push, to ${recipient}` : `${who} opted out of push payouts`,
          );
          return;
        }
        if (options.gasless) {
          const token = (await pool.settings()).token;
          const decimals = await tokenDecimals(token, provider);
          const head = await provider.getBlock("latest");
          const signed = {
            account: who,
            recipient: address(options.recipient ?? who, "--recipient"),
            maxFee: options.maxFee === "0" ? 0n : amount(options.maxFee, decimals, "--max-fee"),
            nonce: (await getPoolAccount(pool, who)).claimNonce,
            deadline: BigInt(head?.timestamp ?? 0) + integer(options.validFor, "--valid-for"),
          };
          const signature = await signClaim(keySigner(signer), await readPoolDomain(pool), signed);
          process.stdout.write(toJson({ pool: poolAddress, claim: signed, signature }) + "\n");
          return;
        }
        const { amount: paid, transactionHash, alreadyLanded } = await claim(pool, who, await leafOf(manifest, who));
        print(
          cli.opts<GlobalOptions>(),
          { account: who, pool: poolAddress, paid, transactionHash, alreadyLanded },
          alreadyLanded ? `already claimed (transaction ${transactionHash})` : `paid ${paid} to ${who}`,
        );
      },
    );

  cli
    .command("relay")
    .description(
      "submit a claim an account signed (`claim --gasless`, --file) or a bundle of claims in several pools " +
        "(`claim --all --gasless`, --bundle), taking a fee within what it signed",
    )
    .option("--file <file>", "the signed claim")
    .option("--bundle <file>", "the signed claim bundle (several pools, one signature)")
    .option("--fee <amount>", "the fee to take, in tokens (with --bundle: in each pool, or max for each cap)", "0")
    .option("--manifest <file>", "the epoch manifest of the root in force, for the epoch-mode part")
    .action(async (options: { file?: string; bundle?: string; fee: string; manifest?: string }) => {
      if ((options.file === undefined) === (options.bundle === undefined)) {
        throw new InvalidInputError("pass either --file (one signed claim) or --bundle (a signed claim bundle)");
      }
      if (options.bundle !== undefined) {
        await relayBundleFile(cli.opts<GlobalOptions>(), options.bundle, options.fee);
        return;
      }
      const file = JSON.parse(await readText(options.file!, "--file")) as {
        pool: string;
        claim: Record<string, string>;
        signature: string;
      };
      const poolAddress = address(file.pool, "pool");
      const { provider } = await context(cli.opts<GlobalOptions>());
      const pool = rewardPoolAt(poolAddress, await signerFor(provider, cli.opts<GlobalOptions>()));
      const decimals = await tokenDecimals((await pool.settings()).token, provider);
      const signed = {
        account: address(String(file.claim.account), "claim.account"),
        recipient: address(String(file.claim.recipient), "claim.recipient"),
        maxFee: BigInt(String(file.claim.maxFee)),
        nonce: BigInt(String(file.claim.nonce)),
        deadline: BigInt(String(file.claim.deadline)),
      };
      const fee = options.fee === "0" ? 0n : amount(options.fee, decimals, "--fee");
      const { transactionHash, alreadyLanded } = await relayClaim(pool, {
        claim: signed,
        signature: file.signature,
        fee,
        epoch: await leafOf(options.manifest, signed.account),
      });
      print(
        cli.opts<GlobalOptions>(),
        { pool: poolAddress, account: signed.account, fee, transactionHash, alreadyLanded },
        `relayed the claim of ${signed.account}${alreadyLanded ? " (it had landed already)" : ""}`,
      );
    });

  const key = cli.command("key").description("the CLI's own signing key");
  key
    .command("new")
    .description("create a key in an encrypted JSON keystore (password: DEPIN_KEYSTORE_PASSWORD or asked twice)")
    .requiredOption("--out <file>", "where to write the keystore (never overwritten)")
    .action(async (options: { out: string }) => {
      const { open } = await import("node:fs/promises");
      const password = await keystorePassword(`password for ${options.out}: `, true);
      if (password.length < 8) {
        throw new InvalidInputError("the keystore password is shorter than 8 characters", {
          details: "choose a longer password",
        });
      }
      const wallet = Wallet.createRandom();
      const json = await wallet.encrypt(password);
      // "wx": refuse to overwrite a file, which may be another keystore; readable by the owner only.
      const file = await open(options.out, "wx", 0o600).catch((cause: NodeJS.ErrnoException) => {
        throw new InvalidInputError(
          cause.code === "EEXIST" ? `--out ${options.out} exists` : `cannot write --out ${options.out}`,
          { details: "pass a new file name; an existing keystore is never overwritten", cause },
        );
      });
      try {
        await file.writeFile(json + "\n");
      } finally {
        await file.close();
      }
      print(
        cli.opts<GlobalOptions>(),
        { address: wallet.address, keystore: options.out },
        `${wallet.address} (keystore ${options.out}; use it with --keystore)`,
      );
    });

  addSimulateCommand(cli, { runHardhat });
  addAuditCommands(cli);
  addVerifierCommands(cli, { signerFor: (provider) => signerFor(provider, cli.opts<GlobalOptions>()) });

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
    if (error instanceof ClaimsRefusedError) {
      console.error(`refused on-chain: ${error.message}`);
      return EXIT_REFUSED;
    }
    if (error instanceof SimulationFailedError) {
      console.error(error.message);
      return EXIT_REFUSED;
    }
    if (error instanceof DepinError) {
      console.error(`${error.message}`);
      return EXIT_BAD_INPUT;
    }
    if (isTransientRpcError(error)) {
      console.error(`the JSON-RPC node at --rpc did not answer, even after retries: ${(error as Error).message}`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}

process.exitCode = await run(process.argv.slice(2));
