import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import type { SimulationResult } from "../../sdk/src/index.js";
import { runDepin, startNode } from "./helpers.js";

describe("depin simulate over JSON-RPC (hardhat node on 127.0.0.1)", function () {
  this.timeout(300_000);
  let node: ChildProcess | undefined;
  let dir: string;
  let env: Record<string, string>;
  let url: string;

  before(async function () {
    ({ node, url } = await startNode());
    dir = await mkdtemp(join(tmpdir(), "depin-simulate-"));
    env = { DEPIN_IGNITION_DIR: join(dir, "ignition") };
  });

  after(async function () {
    node?.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it("deploys through the deploy script, runs the whole simulation on the node and writes its results", async function () {
    const out = join(dir, "results.json");
    const manifests = join(dir, "manifests");
    const args = ["--rpc", url, "--deployments", join(dir, "deployments"), "simulate", "--nodes", "150"];
    const ran = await runDepin([...args, "--epochs", "2", "--out", out, "--manifests", manifests], env);
    expect(ran.code, ran.stderr).to.equal(0);
    expect(ran.stdout).to.contain("Verdict: the books balance");
    const result = JSON.parse(await readFile(out, "utf8")) as SimulationResult;
    expect(result.ok).to.equal(true);
    expect(result.parameters.chainId).to.equal("31337");
    // The contracts are the deployment's records, not fresh copies.
    const records = JSON.parse(await readFile(join(dir, "deployments", "localhost", "DeviceRegistry.json"), "utf8"));
    expect(result.contracts.registry).to.equal((records as { address: string }).address);
    // Each epoch's manifest was written where the chain's URI points.
    const manifest = JSON.parse(await readFile(join(manifests, "epoch-epoch-1.json"), "utf8")) as { epoch: number };
    expect(manifest.epoch).to.equal(1);
  });

  it("refuses bad options with exit code 2, naming the option", async function () {
    const tooFew = await runDepin(["simulate", "--nodes", "5"], env);
    expect(tooFew.code).to.equal(2);
    expect(tooFew.stderr).to.contain("--nodes 5 is not a whole number ≥ 20");
    const badMode = await runDepin(["simulate", "--mode", "sideways"], env);
    expect(badMode.code).to.equal(2);
    expect(badMode.stderr).to.contain("sideways");
    const badPrice = await runDepin(["simulate", "--eth-usd", "lots"], env);
    expect(badPrice.code).to.equal(2);
    expect(badPrice.stderr).to.contain("--eth-usd lots");
  });
});
