/** End-to-end helpers: a `hardhat node` on a free 127.0.0.1 port, and the `depin` command run as a user runs it. */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** Hardhat's CLI, next to its main entry point (its package exports do not list the CLI itself). */
export const HARDHAT_CLI = fileURLToPath(new URL("./cli.js", import.meta.resolve("hardhat")));
/** The `depin` command as package.json's `bin` installs it. */
export const DEPIN_CLI = fileURLToPath(new URL("../../sdk/bin/depin.js", import.meta.url));
const execFileAsync = promisify(execFile);

export interface DepinRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `depin` with `args` and extra environment variables; its exit code and output. */
export function runDepinWith(args: string[], env: Record<string, string> = {}): Promise<DepinRun> {
  return execFileAsync(process.execPath, [DEPIN_CLI, ...args], {
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
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

/** Starts `hardhat node` on 127.0.0.1:`port` and resolves once it answers JSON-RPC; kill the process to stop it. */
export async function startNode(port: number): Promise<ChildProcess> {
  const node = spawn(process.execPath, [HARDHAT_CLI, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    stdio: "ignore",
  });
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
  for (let i = 0; i < 300; i++) {
    if (node.exitCode !== null) throw new Error(`hardhat node exited with ${node.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      if (res.ok) return node;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  node.kill();
  throw new Error(`hardhat node did not answer on 127.0.0.1:${port}`);
}
