/**
 * `depin verifier serve`: a verifier's ingest service for one pool. Devices POST signed work reports to
 * /v1/reports; accepted ones are stored in the audit database (a PGlite directory by default, a PostgreSQL server with
 * --db postgres://…), where `buildEpochFromStore` / `buildLedgerBatchesFromStore` take them once the epoch closes.
 * Also GET /healthz (or /health) and GET /metrics (Prometheus text). Served by fastify. Runs until SIGINT/SIGTERM, then drains and closes the
 * database (no accepted report is lost: each is committed before it is acknowledged).
 */
import type { Command } from "commander";
import { isAddress, Network } from "ethers";

import { openAuditDb } from "../audit/db.js";
import { rewardPoolAt } from "../actions/pool.js";
import { InvalidInputError } from "../errors/base.js";
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
}

function whole(value: string, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InvalidInputError(`${field} ${value} is not a whole number in ${min}..${max}`);
  }
  return Number(value);
}

export function addVerifierCommands(cli: Command): void {
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
      };
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
      const listening = await service.listen(options.port, flags.host);
      const info = { url: listening, pool: service.facts.address, chainId: chainId.toString(), db: db.location };
      console.log(
        global.json ? JSON.stringify(info) : `ingest service for pool ${info.pool} on ${listening} (db ${db.location})`,
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve).once("SIGTERM", resolve);
      });
      await service.close();
      await db.close();
      provider.destroy();
    });
}
