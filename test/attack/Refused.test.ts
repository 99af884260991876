/**
 * Attacks tried against the pool that it refuses correctly, kept as regression tests.
 */
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";

import { expect } from "chai";
import { Interface, TypedDataEncoder, id, keccak256, toUtf8Bytes } from "ethers";
import { network } from "hardhat";

import {
  attestEpoch,
  CLAIM_TYPES,
  CLAWBACK_TYPES,
  EPOCH_COMMIT_TYPES,
  poolDomain,
  PROOF_BATCH_TYPES,
  signClaim,
  WAD,
  WORK_REPORT_TYPES,
} from "../../sdk/src/index.js";
import {
  IRewardPool__factory,
  RewardPoolGovernance__factory,
  RewardPoolSettlement__factory,
  RewardPool__factory,
} from "../../types/index.js";
import { CHALLENGE_PERIOD, CHANGE_DELAY, DAY, USDC, closeEpoch as closeEpochOf } from "../helpers/pool.js";
import { attackFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;
const fixture = () => attackFixture(ethers, time);
const require = createRequire(import.meta.url);

/** The EIP-712 type strings exactly as IRewardPool's NatSpec gives them (continuation lines joined). */
function natspecTypeStrings(): Map<string, string> {
  const source = readFileSync(new URL("../../contracts/interfaces/IRewardPool.sol", import.meta.url), "utf8");
  const text = source
    .split("\n")
    .filter((l) => l.trim().startsWith("///"))
    .map((l) =>
      l
        .trim()
        .replace(/^\/\/\/\s?/, "")
        .trim(),
    )
    .join("");
  const out = new Map<string, string>();
  for (const m of text.matchAll(/`((ProofBatch|WorkReport|EpochCommit|Clawback|Claim)\([^`]*\))`/g)) {
    out.set(m[2]!, m[1]!);
  }
  return out;
}

/** ethers typed-data fields from a type string such as `Claim(address account,...)`. */
function fieldsOf(typeString: string): { name: string; type: string }[] {
  const inner = typeString.slice(typeString.indexOf("(") + 1, -1);
  return inner.split(",").map((f) => {
    const [type, name] = f.split(" ");
    return { name: name!, type: type! };
  });
}

describe("attack (refused): signed messages, code layout, direct calls", function () {
  it("NatSpec type strings hash to the contract's typehashes, match the SDK's types, and sign accepted claims", async function () {
    const { pool, alice, relayer, bobDevices, aliceDevices, closeEpoch, record, proof, chainId, poolAddress } =
      await loadFixture(fixture);
    const natspec = natspecTypeStrings();
    expect([...natspec.keys()].sort()).to.deep.equal(["Claim", "Clawback", "EpochCommit", "ProofBatch", "WorkReport"]);
    const onChain: Record<string, string> = {
      ProofBatch: await pool.PROOF_BATCH_TYPEHASH(),
      WorkReport: await pool.WORK_REPORT_TYPEHASH(),
      EpochCommit: await pool.EPOCH_COMMIT_TYPEHASH(),
      Clawback: await pool.CLAWBACK_TYPEHASH(),
      Claim: await pool.CLAIM_TYPEHASH(),
    };
    const sdk: Record<string, Record<string, { name: string; type: string }[]>> = {
      ProofBatch: PROOF_BATCH_TYPES,
      WorkReport: WORK_REPORT_TYPES,
      EpochCommit: EPOCH_COMMIT_TYPES,
      Clawback: CLAWBACK_TYPES,
      Claim: CLAIM_TYPES,
    };
    for (const [name, typeString] of natspec) {
      expect(keccak256(toUtf8Bytes(typeString)), name).to.equal(onChain[name]);
      expect(TypedDataEncoder.from({ [name]: fieldsOf(typeString) }).encodeType(name), name).to.equal(typeString);
      expect(TypedDataEncoder.from(sdk[name]!).encodeType(name), name).to.equal(typeString);
    }
    // The domain the pool reports is the one the NatSpec describes.
    const [fields, dName, dVersion, dChainId, dContract, salt, extensions] = await pool.eip712Domain();
    expect([fields, dName, dVersion, dChainId, dContract, salt, extensions.length]).to.deep.equal([
      "0x0f",
      "DePIN RewardPool",
      "1",
      chainId,
      poolAddress,
      ethers.ZeroHash,
      0,
    ]);
    // An independent client signing from the NatSpec alone: its Claim is accepted.
    await closeEpoch(0n);
    await record(0n, [proof(aliceDevices[0]!.deviceId, 30_000_000n)]);
    const claim = { account: alice.address, recipient: alice.address, maxFee: 0n, nonce: 0n, deadline: 2n ** 40n };
    const signature = await alice.signTypedData(
      { name: "DePIN RewardPool", version: "1", chainId, verifyingContract: poolAddress },
      { Claim: fieldsOf(natspec.get("Claim")!) },
      claim,
    );
    expect(signature).to.equal(await signClaim(alice, poolDomain(chainId, poolAddress), claim));
    await expect(pool.connect(relayer).claimWithSig(claim, 0n, [], 0n, signature)).to.emit(pool, "Claimed");
    expect(bobDevices.length).to.equal(2);
  });

  it("both halves have one storage layout (compiler's layouts compared), and no selector of one hides the other's", async function () {
    // Each half may be compiled in its own build (the governance half has its own optimizer settings): each layout
    // comes from the build that holds its source, recompiled for the storage layout alone.
    const dir = new URL("../../artifacts/build-info/", import.meta.url);
    const solc = require("solc") as { compile(input: string): string };
    const layout = (name: string) => {
      const source = `contracts/${name}.sol`;
      const file = readdirSync(dir).find((f) => {
        if (!f.endsWith(".json") || f.endsWith(".output.json")) return false;
        const sources = (JSON.parse(readFileSync(new URL(f, dir), "utf8")) as { input: { sources: object } }).input
          .sources;
        return Object.keys(sources).some((k) => k.endsWith(source));
      });
      expect(file, "run npm run build first").to.not.equal(undefined);
      const buildInfo = JSON.parse(readFileSync(new URL(file!, dir), "utf8")) as { input: Record<string, any> };
      const input = buildInfo.input;
      input.settings = {
        ...input.settings,
        viaIR: false,
        optimizer: { enabled: false },
        outputSelection: { "*": { "*": ["storageLayout"] } },
      };
      const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
        contracts: Record<string, Record<string, { storageLayout: { storage: any[] } }>>;
      };
      return Object.values(out.contracts)
        .flatMap((c) => Object.entries(c))
        .find(([n]) => n === name)![1]
        .storageLayout.storage.map(
          (s) =>
            `${s.slot}:${s.offset}:${s.label}:${String(s.type)
              .replace(/\d+_storage/, "")
              .replace(/\)\d+/g, ")")}`,
        );
    };
    const pool = layout("RewardPool");
    const governance = layout("RewardPoolGovernance");
    expect(pool.slice(0, governance.length)).to.deep.equal(governance);
    expect(layout("RewardPoolSettlement")).to.deep.equal(governance);
    // What only the value half has lies past the shared state (EIP712's unused fallback strings).
    expect(pool.slice(governance.length).map((s) => s.split(":")[2])).to.deep.equal([
      "_nameFallback",
      "_versionFallback",
    ]);

    const core = RewardPool__factory.createInterface();
    const gov = RewardPoolGovernance__factory.createInterface();
    const settle = RewardPoolSettlement__factory.createInterface();
    const full = IRewardPool__factory.createInterface();
    const selectors = (i: Interface) => {
      const s: string[] = [];
      i.forEachFunction((f) => s.push(f.selector));
      return s;
    };
    const coreSel = new Set(selectors(core));
    const govSel = new Set(selectors(gov));
    const settleSel = new Set(selectors(settle));
    expect([...govSel].filter((s) => coreSel.has(s))).to.deep.equal([]);
    expect([...settleSel].filter((s) => coreSel.has(s) || govSel.has(s))).to.deep.equal([]);
    for (const s of selectors(full)) expect(coreSel.has(s) || govSel.has(s) || settleSel.has(s), s).to.equal(true);
  });

  it("refuses every role on RewardPoolGovernance and the clone implementation called directly", async function () {
    const { factory, stranger, config, aliceDevices, proof, verifiers, chainId, registry } = await loadFixture(fixture);
    const governance = await ethers.getContractAt("IRewardPool", await factory.GOVERNANCE());
    const implementation = await ethers.getContractAt("IRewardPool", await factory.IMPLEMENTATION());
    for (const target of [governance, implementation]) {
      const t = target.connect(stranger);
      await expect(t.initialize(await registry.getAddress(), config)).to.revert(ethers);
      await expect(t.pause()).to.revert(ethers);
      await expect(t.unpause()).to.revert(ethers);
      await expect(t.vetoEpoch(0, 0, id("x"))).to.revert(ethers);
      await expect(t.cancelQueuedChanges()).to.revert(ethers);
      await expect(t.queueRewardParams({ rate: 1n, epochBudget: 1n, deviceCap: 1n })).to.revert(ethers);
      await expect(t.queueGuardianChange(stranger.address)).to.revert(ethers);
      await expect(t.queueOutflowLimit(1n, 1)).to.revert(ethers);
      await expect(t.queueSweep(stranger.address, 1n)).to.revert(ethers);
      await expect(t.executeSweep()).to.revert(ethers);
      await expect(t.cancelSweep()).to.revert(ethers);
      await expect(t.cancelOutflowLimit()).to.revert(ethers);
      await expect(t.cancelGuardianChange()).to.revert(ethers);
      await expect(t.fundWithPermit(1n, id("r"), 0n, 27, id("r"), id("s"))).to.revert(ethers);
      await expect(t.acceptAdmin()).to.revert(ethers);
      await expect(t.applyQueuedChanges()).to.revert(ethers);
    }
    // The settlement half called directly refuses every state change (its storage is no pool's).
    const settlement = (await ethers.deployContract("RewardPoolSettlement")).connect(stranger);
    await expect(settlement.setPushRecipient(stranger.address))
      .to.be.revertedWithCustomError(settlement, "RewardPoolUnauthorized")
      .withArgs(stranger.address);
    await expect(settlement.pushPayouts([stranger.address], [0n], [], [])).to.be.revertedWithCustomError(
      settlement,
      "RewardPoolUnauthorized",
    );
    await expect(settlement.claimBatchWithSig([], [], [])).to.be.revertedWithCustomError(
      settlement,
      "RewardPoolUnauthorized",
    );
    // The implementation's quorum is 0: a signature-less batch, commit or clawback still moves nothing.
    const empty = { signers: [], signatures: [] };
    const impl = implementation.connect(stranger);
    await expect(impl.recordProofs(0, 0, [proof(aliceDevices[0]!.deviceId, 1n)], [], empty)).to.revert(ethers);
    const c = {
      epoch: 0n,
      nonce: 0n,
      root: id("r"),
      totalOwed: 1n,
      epochTotal: 1n,
      rate: 1n,
      manifestHash: id("m"),
      manifestUri: "",
      formulaVersion: 1n,
      ledgerCreditedWad: 0n,
      deadline: 2n ** 64n,
    };
    await expect(impl.commitEpoch(c, empty)).to.revert(ethers);
    await expect(impl.clawback(stranger.address, 1n, 1n, id("r"), 0n, 2n ** 40n, empty)).to.revert(ethers);
    await expect(impl.claim(stranger.address, 0n, [])).to.revert(ethers);
    expect(chainId).to.be.greaterThan(0n);
    expect(verifiers.length).to.equal(5);
  });
});

describe("attack (refused): budget shared by both modes across vetoes and supersedes", function () {
  /** A pool paying 100 USDC per epoch at most, with a cap the tests do not hit. */
  async function smallPool(f: Awaited<ReturnType<typeof fixture>>) {
    const salt = id("small");
    const address = await f.factory.predictPool(f.admin.address, salt);
    await f.factory
      .connect(f.admin)
      .createPool({ ...f.config, params: { rate: f.RATE, epochBudget: 100n * USDC, deviceCap: 10n ** 12n } }, salt);
    const small = await ethers.getContractAt("IRewardPool", address);
    await f.usdc.connect(f.admin).approve(address, 20_000n * USDC);
    await small.connect(f.admin).fund(20_000n * USDC, id("c"));
    const domain = poolDomain(f.chainId, address);
    const { StandardMerkleTree } = await import("@openzeppelin/merkle-tree");
    const commit = async (epoch: bigint, totalOwed: bigint) => {
      const root = StandardMerkleTree.of([[f.alice.address, totalOwed]], ["address", "uint256"]).root;
      const c = {
        epoch,
        nonce: await small.commitNonce(),
        root,
        totalOwed,
        epochTotal: 0n,
        rate: f.RATE,
        manifestHash: id(`m${epoch}:${totalOwed}`),
        manifestUri: "ipfs://m",
        formulaVersion: 1n,
        ledgerCreditedWad: (await small.totals()).creditedWad,
        deadline: 2n ** 64n,
      };
      return small.commitEpoch(c, await attestEpoch(f.verifiers.slice(0, 3), domain, c));
    };
    let batchNonce = 1000n;
    const record = async (epoch: bigint, deviceIndex: number, usdc: bigint) => {
      const { attestBatch } = await import("../../sdk/src/index.js");
      const proofs = [f.proof(f.aliceDevices[deviceIndex]!.deviceId, (usdc * WAD) / f.RATE)];
      const n = batchNonce++;
      return small.recordProofs(
        epoch,
        n,
        proofs,
        [],
        await attestBatch(f.verifiers.slice(0, 3), domain, epoch, n, proofs),
      );
    };
    return { small, commit, record, close: (e: bigint) => closeEpochOf(time, small, e) };
  }

  it("veto, then ledger fills the vetoed epochs, then a corrected commit: each budget is spent once", async function () {
    const f = await loadFixture(fixture);
    const { small, commit, record, close } = await smallPool(f);
    await close(2n);
    await expect(commit(2n, 300n * USDC)).to.emit(small, "EpochCommitted"); // epochs 0..2: three budgets
    await small.connect(f.guardian).vetoEpoch(2, (await small.epochRoots()).pending.nonce, id("bad"));
    for (const e of [0n, 1n, 2n]) await record(e, Number(e), 100n * USDC);
    await expect(commit(2n, 1n * USDC)).to.be.revertedWithCustomError(small, "RewardPoolBudgetExceeded");
    await close(3n);
    await expect(commit(3n, 101n * USDC)).to.be.revertedWithCustomError(small, "RewardPoolBudgetExceeded");
    await expect(commit(3n, 100n * USDC)).to.emit(small, "EpochCommitted");
  });

  it("ledger records an epoch after the pending root's, then a commit covering it: that budget is spent once", async function () {
    const f = await loadFixture(fixture);
    const { small, commit, record, close } = await smallPool(f);
    await close(2n);
    await expect(commit(1n, 50n * USDC)).to.emit(small, "EpochCommitted"); // pending, covers 0..1
    await expect(record(1n, 0, 1n)).to.be.revertedWithCustomError(small, "RewardPoolEpochCoveredByRoot");
    await expect(record(2n, 0, 100n * USDC)).to.emit(small, "BatchRecorded"); // epoch 2, beyond the pending root
    // Superseding commit for epoch 2: epochs 0..2 budget 300, less ledger's 100 in epoch 2.
    await expect(commit(2n, 201n * USDC)).to.be.revertedWithCustomError(small, "RewardPoolBudgetExceeded");
    await expect(commit(2n, 200n * USDC)).to.emit(small, "EpochSuperseded");
    // Once in force, nothing below it can be recorded; and later growth is measured from it.
    await time.increase(CHALLENGE_PERIOD);
    await expect(record(2n, 1, 1n)).to.be.revertedWithCustomError(small, "RewardPoolEpochCoveredByRoot");
    await close(3n);
    await expect(commit(3n, 301n * USDC)).to.be.revertedWithCustomError(small, "RewardPoolBudgetExceeded");
    await expect(commit(3n, 300n * USDC)).to.emit(small, "EpochCommitted");
  });

  it("a stale root in force does not give a commit every budget since it: only the settlement window's", async function () {
    const f = await loadFixture(fixture);
    const { small, commit, close } = await smallPool(f);
    await close(0n);
    await commit(0n, 100n * USDC);
    await time.increase(CHALLENGE_PERIOD);
    await close(20n); // window 7: epochs 14..20 still open
    await expect(commit(20n, 801n * USDC)).to.be.revertedWithCustomError(small, "RewardPoolBudgetExceeded");
    await expect(commit(20n, 800n * USDC)).to.emit(small, "EpochCommitted");
  });
});

describe("attack (refused): parameter schedule", function () {
  it("a schedule in force at an epoch boundary can be neither cancelled nor replaced; past epochs keep their parameters", async function () {
    const { pool, admin, guardian, RATE } = await loadFixture(fixture);
    const { genesis } = await pool.settings();
    // Queue exactly changeDelay before epoch 3 starts: from epoch 3.
    await time.setNextBlockTimestamp(genesis + 3n * DAY - CHANGE_DELAY);
    await expect(pool.connect(admin).queueRewardParams({ rate: RATE * 2n, epochBudget: 1n, deviceCap: 1n }))
      .to.emit(pool, "RewardParamsScheduled")
      .withArgs(3, [RATE * 2n, 1n, 1n], genesis + 3n * DAY);
    // Replaced while still scheduled (a second later): the replacement starts at the first epoch it can, 4.
    await expect(pool.connect(admin).queueRewardParams({ rate: RATE * 3n, epochBudget: 1n, deviceCap: 1n }))
      .to.emit(pool, "RewardParamsScheduled")
      .withArgs(4, [RATE * 3n, 1n, 1n], genesis + 4n * DAY);
    expect((await pool.rewardParamsAt(3)).rate).to.equal(RATE);
    expect((await pool.rewardParamsAt(4)).rate).to.equal(RATE * 3n);
    // At the first second of epoch 4 the schedule is in force: not cancellable, not replaceable.
    await time.setNextBlockTimestamp(genesis + 4n * DAY);
    await expect(pool.connect(guardian).cancelQueuedChanges()).to.be.revertedWithCustomError(
      pool,
      "RewardPoolNoQueuedChange",
    );
    await pool.connect(admin).queueRewardParams({ rate: RATE * 5n, epochBudget: 1n, deviceCap: 1n });
    expect((await pool.rewardParamsAt(4)).rate).to.equal(RATE * 3n);
    expect((await pool.rewardParamsAt(3)).rate).to.equal(RATE);
    expect((await pool.rewardParamsAt(2n ** 32n - 1n)).rate).to.equal(RATE * 5n);
    expect((await pool.rewardParams()).rate).to.equal(RATE * 3n);
    // Cancelling the new schedule leaves the one in force.
    await pool.connect(guardian).cancelQueuedChanges();
    expect((await pool.rewardParamsAt(2n ** 32n - 1n)).rate).to.equal(RATE * 3n);
  });
});
