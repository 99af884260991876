/**
 * `depin verifier serve`: a verifier's ingest service for one pool. Devices POST signed work reports to
 * /v1/reports; accepted ones are stored in the audit database (a PGlite directory by default, a PostgreSQL server with
 * --db postgres://…), where `buildEpochFromStore` / `buildLedgerBatchesFromStore` take them once the epoch closes.
 * Also GET /healthz (or /health) and GET /metrics (Prometheus text). Served by fastify. Runs until SIGINT/SIGTERM, then drains and closes the
 * database (no accepted report is lost: each is committed before it is acknowledged).
 */
import { Option, type Command } from "commander";
import { isAddress, Network, type JsonRpcProvider, type Signer } from "ethers";

import { openAuditDb } from "../audit/db.js";
import { rewardPoolAt } from "../actions/pool.js";
import { InvalidInputError } from "../errors/base.js";
import { VerifierQuorum, type VerifierMode } from "../ingest/quorum.js";
import { IngestService } from "../ingest/service.js";
import { RetryingJsonRpcProvider } from "../rpc/retry.js";
import { DEFAULT_INDEX_DB } from "./audit.js";

interface ServeFlags {
  pool: string;
  db: string;
  port: string;
  host: string;
  rateLimit: string;
  rateWindow: string;
  maxBody: string;
  deviceTtl: string;
  mode?: VerifierMode;
  peer: string[];
  autoClose?: boolean;
  late?: string;
  batchSize: string;
  manifestUri?: string;
  failover: string;
  peerTimeout: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function peerUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http");
    return u.toString().replace(/\/$/, "");
  } catch {
    throw new InvalidInputError(`--peer ${value} is not an http(s) URL`, {
      details: "pass e.g. --peer http://10.0.0.2:8080",
    });
  }
}

function whole(value: string, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InvalidInputError(`${field} ${value} is not a whole number in ${min}..${max}`);
  }
  return Number(value);
}

export function addVerifierCommands(
  cli: Command,
  tools: { signerFor(provider: JsonRpcProvider): Promise<Signer> },
): void {
  const verifier = cli.command("verifier").description("a verifier's services");
  verifier
    .command("serve")
    .description(
      "serve POST /v1/reports for one pool: devices' signed work reports are checked (signature, registry state, " +
        "network, cap, epoch window, duplicates) and stored in the index database; GET /healthz, GET /metrics",
    )
    .requiredOption("--pool <address>", "the RewardPool the reports are for")
    .option("--db <dir|url>", "a PGlite directory, or postgres://user:password@host/database", DEFAULT_INDEX_DB)
    .option("--port <n>", "TCP port (0: any free port)", "8080")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--rate-limit <n>", "reports per device per window", "10")
    .option("--rate-window <seconds>", "the rate limit's window", "60")
    .option("--max-body <bytes>", "largest request body", String(1 << 20))
    .option("--device-ttl <ms>", "how long a device's registry state is cached", "5000")
    .addOption(
      new Option(
        "--mode <mode>",
        "also act as one verifier of the pool's quorum (signs with --keystore or DEPIN_PRIVATE_KEY): closed " +
          "epochs become ledger batches or an epoch commit, co-signed with the --peer services and submitted",
      ).choices(["ledger", "epoch"]),
    )
    .option("--peer <url>", "another verifier's service (repeat for each)", collect, [])
    .option("--auto-close", "close each epoch once its late window has passed")
    .option("--late <seconds>", "how long after an epoch ends its reports are taken (default: one epoch)")
    .option("--batch-size <n>", "ledger mode: proofs per batch", "500")
    .option("--manifest-uri <template>", "epoch mode: the manifest's URI, {epoch} replaced by the epoch")
    .option("--failover <seconds>", "how long each next signer waits before it submits in a silent one's place", "30")
    .option("--peer-timeout <seconds>", "how long a peer that is not ready or not reachable is asked again", "60")
    .action(async (flags: ServeFlags) => {
      const global = cli.opts<{ rpc: string; json: boolean }>();
      if (!isAddress(flags.pool)) throw new InvalidInputError(`--pool ${flags.pool} is not an address`);
      const options = {
        port: whole(flags.port, "--port", 0, 65_535),
        rateLimit: {
          reports: whole(flags.rateLimit, "--rate-limit", 1),
          windowMs: whole(flags.rateWindow, "--rate-window", 1) * 1000,
        },
        maxBodyBytes: whole(flags.maxBody, "--max-body", 256),
        deviceTtlMs: whole(flags.deviceTtl, "--device-ttl"),
        ...(flags.late === undefined ? {} : { lateSeconds: BigInt(whole(flags.late, "--late")) }),
      };
      const peers = flags.peer.map(peerUrl);
      if (flags.mode === undefined && (peers.length > 0 || flags.autoClose === true)) {
        throw new InvalidInputError("--peer and --auto-close are for a verifier of the quorum", {
          details: "pass --mode ledger or --mode epoch",
        });
      }
      const batchSize = whole(flags.batchSize, "--batch-size", 1, 1000);
      const failoverMs = whole(flags.failover, "--failover") * 1000;
      const peerTimeoutMs = whole(flags.peerTimeout, "--peer-timeout") * 1000;
      let url: URL;
      try {
        url = new URL(global.rpc);
      } catch {
        throw new InvalidInputError(`--rpc ${global.rpc} is not a URL`, {
          details: "pass e.g. --rpc http://127.0.0.1:8545",
        });
      }
      const probe = new RetryingJsonRpcProvider(url.toString());
      let chainId: bigint;
      try {
        chainId = (await probe.getNetwork()).chainId;
      } catch (cause) {
        throw new InvalidInputError(`cannot reach a JSON-RPC node at ${url}`, { details: "pass --rpc <url>", cause });
      } finally {
        probe.destroy();
      }
      const provider = new RetryingJsonRpcProvider(url.toString(), Network.from(chainId), { staticNetwork: true });
      const pool = rewardPoolAt(flags.pool, provider);
      const db = await openAuditDb(flags.db);
      let service: IngestService;
      try {
        service = await IngestService.create({ db, pool, ...options });
      } catch (cause) {
        await db.close();
        provider.destroy();
        throw new InvalidInputError(`cannot read the pool at ${flags.pool} on chain ${chainId}`, {
          details: "is it a RewardPool on this chain?",
          cause,
        });
      }
      let quorum: VerifierQuorum | undefined;
      if (flags.mode !== undefined) {
        const template = flags.manifestUri;
        try {
          quorum = new VerifierQuorum({
            service,
            db,
            pool,
            signer: await tools.signerFor(provider),
            peers,
            mode: flags.mode,
            batchSize,
            failoverMs,
            peerTimeoutMs,
            autoClose: flags.autoClose === true,
            ...(template === undefined
              ? {}
              : { manifestUri: (e: bigint) => template.replaceAll("{epoch}", e.toString()) }),
          });
          await quorum.start();
        } catch (error) {
          await service.close();
          await db.close();
          provider.destroy();
          throw error;
        }
      }
      const listening = await service.listen(options.port, flags.host);
      const info = {
        url: listening,
        pool: service.facts.address,
        chainId: chainId.toString(),
        db: db.location,
        ...(quorum === undefined ? {} : { verifier: await quorum.address, mode: flags.mode, peers }),
      };
      console.log(
        global.json ? JSON.stringify(info) : `ingest service for pool ${info.pool} on ${listening} (db ${db.location})`,
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve).once("SIGTERM", resolve);
      });
      quorum?.stop();
      await service.close();
      await db.close();
      provider.destroy();
    });

  verifier
    .command("close")
    .description(
      "close an epoch on a running verifier service (`serve --mode …`): it takes no more reports for it, derives " +
        "the batches or the commit, collects its peers' signatures and submits in turn; prints the outcome",
    )
    .requiredOption("--url <url>", "the verifier service, e.g. http://127.0.0.1:8080")
    .requiredOption("--epoch <n>", "the epoch to close")
    .action(async (flags: { url: string; epoch: string }) => {
      const global = cli.opts<{ json: boolean }>();
      const base = peerUrl(flags.url);
      const epoch = whole(flags.epoch, "--epoch");
      let res: Response;
      try {
        res = await fetch(`${base}/v1/epochs/${epoch}/close`, { method: "POST" });
      } catch (cause) {
        throw new InvalidInputError(`cannot reach the verifier service at ${base}`, {
          details: "is it running?",
          cause,
        });
      }
      const body = (await res.json()) as { reason?: string; detail?: string; done?: boolean; items?: unknown[] };
      if (res.status !== 200) {
        throw new InvalidInputError(`the service refused to close epoch ${epoch}: ${body.reason}`, {
          details: body.detail ?? `HTTP ${res.status}`,
        });
      }
      console.log(
        global.json
          ? JSON.stringify(body)
          : `epoch ${epoch}: ${body.items?.length ?? 0} item(s), ${body.done === true ? "all landed" : "not all landed"}`,
      );
      if (body.done !== true) process.exitCode = 1;
    });
}
