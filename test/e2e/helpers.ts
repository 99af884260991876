/**
 * End-to-end helpers: a `hardhat node` on a free 127.0.0.1 port, the `depin` CLI run as a user runs it, and a flaky
 * HTTP proxy that drops chosen JSON-RPC requests or their answers.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createServer as createHttpServer, request as httpRequest, type Server } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

/** Hardhat's CLI, next to its main entry point (its package exports do not list the CLI itself). */
export const HARDHAT_CLI = fileURLToPath(new URL("./cli.js", import.meta.resolve("hardhat")));
/** The `depin` command as package.json's `bin` installs it. */
export const DEPIN_CLI = fileURLToPath(new URL("../../sdk/bin/depin.js", import.meta.url));
const execFileAsync = promisify(execFile);

/** Hardhat's well-known development mnemonic: the node funds its first accounts from it. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export interface DepinRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `depin` with `args` and extra environment variables (e.g. `DEPIN_PRIVATE_KEY`); its exit code and output. */
export function runDepin(args: string[], env: Record<string, string> = {}): Promise<DepinRun> {
  return execFileAsync(process.execPath, [DEPIN_CLI, ...args], {
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024, // a simulation's JSON is large
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/** A port the OS reports free on 127.0.0.1 right now (so parallel runs on one machine do not share a node). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `url` with a raw JSON-RPC request until it answers (ethers would log retries meanwhile). */
export async function waitForNode(node: ChildProcess, url: string): Promise<void> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
  for (let i = 0; i < 300; i++) {
    if (node.exitCode !== null) throw new Error(`hardhat node exited with ${node.exitCode}`);
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`hardhat node did not answer on ${url}`);
}

/** Starts `hardhat node` on a free 127.0.0.1 port and waits until it answers. */
export async function startNode(): Promise<{ node: ChildProcess; url: string }> {
  const port = await freePort();
  const node = spawn(process.execPath, [HARDHAT_CLI, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForNode(node, url);
  return { node, url };
}

/** What the proxy does with one HTTP request, given the JSON-RPC methods it carries. */
export type ProxyAction = "forward" | "drop-request" | "drop-response";

export interface FlakyProxy {
  url: string;
  /** Every request's methods, and what was done with it. */
  log: { methods: string[]; action: ProxyAction }[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of `target` that, per request, forwards it, drops it unseen (`drop-request`: the node never
 * gets it), or forwards it and drops the answer (`drop-response`: the node acted, the client never hears).
 */
export async function flakyProxy(target: string, decide: (methods: string[]) => ProxyAction): Promise<FlakyProxy> {
  const log: FlakyProxy["log"] = [];
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const parsed = JSON.parse(body.toString()) as { method: string } | { method: string }[];
      const methods = (Array.isArray(parsed) ? parsed : [parsed]).map((r) => r.method);
      const action = decide(methods);
      log.push({ methods, action });
      if (action === "drop-request") {
        req.socket.destroy();
        return;
      }
      const upstream = httpRequest(
        target,
        { method: "POST", headers: { "content-type": "application/json" } },
        (up) => {
          const answer: Buffer[] = [];
          up.on("data", (chunk: Buffer) => answer.push(chunk));
          up.on("end", () => {
            if (action === "drop-response") {
              req.socket.destroy();
              return;
            }
            res.writeHead(up.statusCode ?? 502, { "content-type": "application/json" });
            res.end(Buffer.concat(answer));
          });
        },
      );
      upstream.on("error", () => req.socket.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
