/**
 * The indexer's two promises: a run killed at any point and started again loses and doubles nothing, and a chain
 * reorganization within the confirmations is undone and read again; either way the index ends identical to one
 * built in a single clean pass. A reorg deeper than the confirmations stops the indexer instead of trusting it.
 * Run against PGlite and against a PostgreSQL server.
 */
import { spawn } from "node:child_process";

import { expect } from "chai";
import { id, type Signer } from "ethers";
import { network } from "hardhat";

import {
  DEFAULT_SIMULATION,
  DeepReorgError,
  contracts,
  indexChain,
  openAuditDb,
  simulate,
  type DevProvider,
  type SimulationResult,
} from "../../sdk/src/index.js";
import { DEPIN_CLI } from "../e2e/helpers.js";
import { BACKENDS, dumpIndex, requireBackend, sharedRun, type SharedRun } from "./fixture.js";

for (const backend of BACKENDS) {
  describe(`Indexer on ${backend.name}: restarts and reorgs`, function () {
    this.timeout(600_000);

    before(function () {
      requireBackend(this, backend);
    });

    after(async function () {
      await backend.cleanup();
    });

    it("killed mid-run (SIGKILL) and started again, ends identical to a clean run", async function () {
      const run: SharedRun = await sharedRun();
      const c = run.result.contracts;
      const clean = await openAuditDb(await backend.fresh());
      await indexChain({
        provider: run.provider,
        db: clean,
        registry: c.registry!,
        factory: c.factory!,
        confirmations: 0,
      });
      const expected = await dumpIndex(clean);
      await clean.close();

      const target = await backend.fresh();
      const args = ["--rpc", run.url, "index", "--db", target, "--registry", c.registry!, "--factory", c.factory!];
      const common = [...args, "--from-block", "0", "--confirmations", "0"];
      // Small pages, so there are many commits to land between; killed once a dozen pages are in.
      const child = spawn(process.execPath, [DEPIN_CLI, ...common, "--page-size", "4"], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let pages = 0;
      await new Promise<void>((resolve, reject) => {
        child.stderr.on("data", (chunk: Buffer) => {
          pages += chunk
            .toString()
            .split("\n")
            .filter((l) => l.startsWith("indexed blocks")).length;
          if (pages >= 12 && child.exitCode === null) {
            child.kill("SIGKILL");
            resolve();
          }
        });
        child.on("exit", (code) => (pages >= 12 ? resolve() : reject(new Error(`the indexer exited (${code}) first`))));
      });
      await new Promise((resolve) =>
        child.exitCode === null && child.signalCode === null ? child.once("exit", resolve) : resolve(null),
      );
      expect(child.signalCode).to.equal("SIGKILL");

      // What the killed run left: a prefix of the chain, consistent with its cursor.
      const partial = await openAuditDb(target);
      const [state] = await partial.query<{ indexed_to: string }>("select indexed_to::text from index_state");
      const head = await run.provider.getBlockNumber();
      expect(Number(state!.indexed_to)).to.be.within(0, head - 1);
      const [above] = await partial.query<{ n: string }>(
        "select count(*)::text as n from events where block_number > $1",
        [state!.indexed_to],
      );
      expect(above!.n).to.equal("0");
      const [below] = await partial.query<{ n: string }>("select count(*)::text as n from events");
      const inClean = (expected.events as { block_number: string }[]).filter(
        (e) => Number(e.block_number) <= Number(state!.indexed_to),
      );
      expect(Number(below!.n)).to.equal(inClean.length);
      await partial.close();

      const resumed = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const again = spawn(process.execPath, [DEPIN_CLI, ...common, "--page-size", "200"], {
          stdio: ["ignore", "pipe", "ignore"],
        });
        let stdout = "";
        again.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        again.on("exit", (code) => resolve({ code, stdout }));
      });
      expect(resumed.code).to.equal(0);
      expect(resumed.stdout).to.contain(`indexed to block ${head}`);
      const db = await openAuditDb(target);
      expect(await dumpIndex(db)).to.deep.equal(expected);
      await db.close();
    });

    it("a reorg deeper than one block, within the confirmations: undone, read again, identical to a clean run", async function () {
      const chain = await smallNetwork("reorg");
      const { provider, result } = chain;
      const db = await openAuditDb(await backend.fresh());
      const index = (confirmations: number) =>
        indexChain({
          provider,
          db,
          registry: result.contracts.registry!,
          factory: result.contracts.factory!,
          confirmations,
          pageSize: 4,
        });
      await index(8);
      const snapshot = (await provider.send("evm_snapshot", [])) as string;
      const forkPoint = await provider.getBlockNumber();
      // History A: five blocks funding the ledger pool under reference A, indexed.
      await chain.fund("reorg/A", [100n, 200n, 300n]);
      const first = await index(8);
      expect(first.indexedTo).to.equal(forkPoint + 5);
      expect(await fundedRefs(db)).to.include(id("reorg/A"));
      // The chain drops them for history B: other fundings, and a longer chain.
      await provider.send("evm_revert", [snapshot]);
      await chain.fund("reorg/B", [7n, 11n]);
      for (let i = 0; i < 3; i++) await provider.send("evm_mine", []);
      const second = await index(8);
      expect(second.reorgs).to.have.length(1);
      expect(second.reorgs[0]!.at).to.equal(forkPoint + 1);
      expect(second.reorgs[0]!.rolledBackTo).to.be.at.most(forkPoint);
      expect(second.indexedTo).to.equal(await provider.getBlockNumber());
      const refs = await fundedRefs(db);
      expect(refs).to.include(id("reorg/B"));
      expect(refs).to.not.include(id("reorg/A"));

      const clean = await openAuditDb(await backend.fresh());
      await indexChain({
        provider,
        db: clean,
        registry: result.contracts.registry!,
        factory: result.contracts.factory!,
        confirmations: 8,
      });
      expect(await dumpIndex(db)).to.deep.equal(await dumpIndex(clean));
      await Promise.all([db.close(), clean.close()]);
    });

    it("a reorg deeper than the confirmations stops the indexer with DeepReorgError", async function () {
      const chain = await smallNetwork("deep");
      const db = await openAuditDb(await backend.fresh());
      const index = () =>
        indexChain({
          provider: chain.provider,
          db,
          registry: chain.result.contracts.registry!,
          factory: chain.result.contracts.factory!,
          confirmations: 1,
        });
      const snapshot = (await chain.provider.send("evm_snapshot", [])) as string;
      await chain.fund("deep/A", [1n, 2n, 3n]);
      await index();
      await chain.provider.send("evm_revert", [snapshot]);
      await chain.fund("deep/B", [5n, 6n, 7n]);
      let error: unknown;
      try {
        await index();
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(DeepReorgError);
      expect((error as DeepReorgError).shortMessage).to.match(/^block \d+ changed after it was confirmed/);
      expect((error as DeepReorgError).details).to.contain("deeper than 1 confirmations");
      await db.close();
    });
  });
}

/** A small simulated network on a fresh in-process chain, and a way to fund its ledger pool (three transactions). */
async function smallNetwork(seed: string): Promise<{
  provider: DevProvider;
  result: SimulationResult;
  fund(ref: string, amounts: bigint[]): Promise<void>;
}> {
  const { ethers } = await network.create();
  const [funder] = await ethers.getSigners();
  const provider = ethers.provider as unknown as DevProvider;
  const result = await simulate({ ...DEFAULT_SIMULATION, nodes: 60, epochs: 1, seed }, { provider, funder: funder! });
  expect(result.ok).to.equal(true);
  const token = contracts.MockUSDC__factory.connect(result.contracts.token!, funder as unknown as Signer);
  const pool = contracts.RewardPool__factory.connect(result.contracts.ledgerPool!, funder as unknown as Signer);
  return {
    provider,
    result,
    async fund(ref, amounts) {
      const total = amounts.reduce((s, x) => s + x, 0n);
      await (await token.mint(await funder!.getAddress(), total)).wait();
      await (await token.approve(result.contracts.ledgerPool!, total)).wait();
      for (const a of amounts) await (await pool.fund(a, id(ref))).wait();
    },
  };
}

async function fundedRefs(db: Awaited<ReturnType<typeof openAuditDb>>): Promise<string[]> {
  return (await db.query<{ ref: string }>("select distinct args->>'ref' as ref from events where name = 'Funded'")).map(
    (r) => r.ref,
  );
}
