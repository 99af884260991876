import { expect } from "chai";
import { network } from "hardhat";

import {
  BAD_REPORT_KINDS,
  buildWorld,
  contracts,
  epochReports,
  poolDomain,
  simulate,
  DEFAULT_SIMULATION,
  type SimulationResult,
} from "../../sdk/src/index.js";

/** Runs `npm run simulate`'s engine on a fresh in-process chain. */
async function run(
  nodes: number,
  epochs: number,
  seed: string,
): Promise<{ result: SimulationResult; ethers: Awaited<ReturnType<typeof network.create>>["ethers"] }> {
  const { ethers } = await network.create();
  const [funder] = await ethers.getSigners();
  const result = await simulate(
    { ...DEFAULT_SIMULATION, nodes, epochs, seed },
    { provider: ethers.provider, funder: funder! },
  );
  return { result, ethers };
}

const units = (s: string) => BigInt(s.replace(".", ""));

describe("Simulation (npm run simulate): 2,000 nodes, two epochs, both modes", function () {
  this.timeout(600_000);
  let result: SimulationResult;
  let ethers: Awaited<ReturnType<typeof network.create>>["ethers"];

  before(async function () {
    ({ result, ethers } = await run(2_000, 2, "ci"));
  });

  it("finds no disagreement between the chain, the verifiers and its model", function () {
    expect(result.findings).to.deep.equal([]);
    expect(result.ok).to.equal(true);
  });

  it("balances the books of each pool to the token unit, against the token's own balances", async function () {
    const token = contracts.MockUSDC__factory.connect(result.contracts.token!, ethers.provider);
    let mintedToPools = 0n;
    for (const b of result.books) {
      expect(b.ok, b.findings.join("\n")).to.equal(true);
      expect(units(b.paid) + units(b.claimable)).to.equal(units(b.credited));
      expect(units(b.credited)).to.be.lessThanOrEqual(units(b.funded));
      const address = result.contracts[`${b.pool}Pool`]!;
      expect(await token.balanceOf(address)).to.equal(units(b.funded) - units(b.paid));
      mintedToPools += units(b.funded);
    }
    // Every token minted went to the protocols, who funded the pools with all of it: what left a pool is in the
    // operators' and the relayer's hands.
    expect(await token.totalSupply()).to.equal(mintedToPools);
  });

  it("rejects exactly the planted bad reports, each for its reason", async function () {
    // The same world, rebuilt from the seed alone (pure): count what was planted, by kind, over both pools and epochs.
    const world = buildWorld({ nodes: 2_000, epochs: 2, mode: "both", seed: "ci", deviceCap: 500n });
    const planted = new Map<string, number>();
    for (let epoch = 0; epoch < 2; epoch++) {
      for (const mode of ["ledger", "epoch"] as const) {
        const domain = poolDomain(31337n, result.contracts[`${mode}Pool`]!);
        for (const kind of epochReports(world, mode, epoch, domain).bad.values()) {
          planted.set(kind, (planted.get(kind) ?? 0) + 1);
        }
      }
    }
    for (const kind of BAD_REPORT_KINDS) {
      expect(planted.get(kind) ?? 0, kind).to.be.greaterThan(0);
      expect(result.work.rejected[kind]?.reports, kind).to.equal(planted.get(kind));
    }
    expect(result.work.refusedOnChain).to.deep.equal({
      "replayed ledger batch (RewardPoolBatchNonceUsed)": 2,
      "replayed epoch commit (RewardPoolInvalidCommitNonce)": 2,
    });
    expect(result.work.clawedBack).to.have.length(1);
    expect(result.work.adjusted).to.have.length(1);
    expect(result.network.sold).to.not.equal(null);
  });

  it("reports the KPIs a network is judged by", function () {
    expect(result.network.nodes).to.equal(2_000);
    expect(result.network.keyTypes.secp256k1).to.be.greaterThan(0);
    expect(result.network.keyTypes.p256).to.be.greaterThan(0);
    expect(result.epochs).to.have.length(4);
    expect(Number(result.rewards.perNode.p90)).to.be.greaterThan(Number(result.rewards.perNode.median));
    expect(result.rewards.utilization.meanPct).to.be.greaterThan(0);
    for (const phase of ["registration", "ledger batches", "epoch commits", "claims (ledger)", "claims (epoch)"]) {
      expect(Number(result.gas.phases[phase]?.gas ?? 0), phase).to.be.greaterThan(0);
    }
    expect(result.gas.perDevicePerEpoch.ledger!.gas).to.be.greaterThan(0);
    expect(result.gas.perDevicePerEpoch.epoch!.gas).to.be.greaterThan(0);
  });

  it("pays a seeded share by push, across pools in one transaction, and by one signed bundle, each to the unit", function () {
    const paths = result.claimPaths;
    const operators = Object.values(result.network.operators).reduce((a, b) => a + b, 0);
    expect(paths.direct + paths.gasless + paths.push + paths.allPools + paths.bundle).to.equal(operators);
    for (const [path, count] of Object.entries(paths)) expect(count, path).to.be.greaterThan(0);
    // About 10% push, 10% across pools, 5% bundles (seeded; loose bounds, not the exact draw).
    expect(paths.push / operators).to.be.within(0.05, 0.15);
    expect(paths.allPools / operators).to.be.within(0.05, 0.15);
    expect(paths.bundle / operators).to.be.within(0.02, 0.08);
    for (const phase of [
      "push opt-ins (ledger)",
      "push opt-ins (epoch)",
      "claims, push (ledger)",
      "claims, push (epoch)",
      "claims, all pools",
      "claims, gasless bundle",
    ]) {
      expect(Number(result.gas.phases[phase]?.gas ?? 0), phase).to.be.greaterThan(0);
    }
    // Push payouts go a hundred to a transaction: fewer keeper transactions than accounts pushed.
    expect(result.gas.phases["claims, push (ledger)"]!.txs).to.equal(Math.ceil(paths.push / 100));
    expect(result.gas.perOperation.push_per_account_ledger).to.be.lessThan(result.gas.perOperation.claim_ledger!);
    expect(result.contracts.router).to.match(/^0x[0-9a-fA-F]{40}$/);
    // The relayer's fees: one per gasless claim and one per pool of each bundle, all in the books (findings empty).
    const fees = result.revenue.reduce((s, r) => s + units(r.relayerFees), 0n);
    expect(fees).to.be.greaterThan(0n);
  });

  it("gives the same numbers for the same seed", async function () {
    const a = (await run(120, 2, "same")).result;
    const b = (await run(120, 2, "same")).result;
    const c = (await run(120, 2, "other")).result;
    for (const key of ["epochs", "work", "rewards", "books", "revenue", "network", "claimPaths"] as const) {
      expect(a[key], key).to.deep.equal(b[key]);
    }
    expect(a.work).to.not.deep.equal(c.work);
  });
});

describe("Simulation through the verifier services (npm run simulate -- --ingest)", function () {
  this.timeout(600_000);

  it("drives both pools' epochs over HTTP: three services agree, submit once, and the books match the in-process run", async function () {
    const { ethers } = await network.create();
    const [funder] = await ethers.getSigners();
    const options = { ...DEFAULT_SIMULATION, nodes: 150, epochs: 2, seed: "ingest" };
    const result = await simulate({ ...options, ingest: true }, { provider: ethers.provider, funder: funder! });
    expect(result.findings).to.deep.equal([]);
    expect(result.ok).to.equal(true);
    const ingest = result.ingest!;
    expect(ingest.services).to.equal(3);
    // Every planted bad report was refused by the services at the door, for its reason.
    const planted = result.work.rejected;
    expect(ingest.refused.bad_signature).to.equal(planted["bad device signature"]!.reports);
    expect(ingest.refused.epoch_not_open).to.equal(planted["wrong epoch"]!.reports);
    expect(ingest.refused.over_cap).to.equal(planted["over the per-device cap"]!.reports);
    // One ledger batch per epoch (150 devices) and one commit per epoch, each sent by exactly one verifier.
    expect(ingest.itemsLanded).to.equal(4);
    expect(Object.values(ingest.submittedBy).reduce((a, b) => a + b, 0)).to.equal(4);
    expect(ingest.signaturesReleased).to.equal(4 * 3);
    expect(Object.keys(ingest.proposalsRefused).every((r) => r === "not_closed")).to.equal(true);

    // The same world settled by the in-process verifiers credits and pays exactly the same.
    const { ethers: other } = await network.create();
    const [funder2] = await other.getSigners();
    const direct = await simulate(options, { provider: other.provider, funder: funder2! });
    for (const key of ["epochs", "work", "rewards"] as const) expect(result[key], key).to.deep.equal(direct[key]);
    expect(result.books.map((b) => [b.credited, b.paid])).to.deep.equal(direct.books.map((b) => [b.credited, b.paid]));
  });
});
