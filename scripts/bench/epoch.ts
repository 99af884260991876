/**
 * Epoch-mode gas: `commitEpoch` (3-of-5 quorum) at 1,000, 10,000 and 100,000 devices, and claims with merkle proofs
 * from trees of 1,000, 10,000 and 100,000 accounts (an account's first claim, a repeat by an existing holder, a
 * 100-device fleet's owner, gasless through a relayer), beside a URD-style distributor measured in the same run at
 * the same 10,000-account size (contracts/mocks/UrdLikeDistributor.sol). Set up through the SDK (`deployDepin`,
 * `createNetwork`, `setupPool`, `buildEpoch`, `commitEpoch`, `claim`, `relayClaim`). POOL_KIND=whole (default) or
 * clone. Writes bench/epoch-<kind>.json.
 *
 *   npx hardhat run scripts/bench/epoch.ts
 *   POOL_KIND=clone npx hardhat run scripts/bench/epoch.ts
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { id } from "ethers";

import {
  buildEpoch,
  type BuiltEpoch,
  checksumAddress,
  claim,
  commitEpoch,
  contracts,
  type DeviceState,
  DeviceStatus,
  fastKeccak256,
  proofFor,
  readPoolDomain,
  relayClaim,
  setupPool,
  signClaim,
  poolConfig,
  WAD,
  type WorkReport,
} from "../../sdk/src/index.js";
import { benchChain, benchDeployment, closeEpoch, poolKind, type Row, USDC, writeChainBench } from "./chain.js";
import type { GasFigures } from "./output.js";

const KIND = poolKind();
const RATE = WAD / 3n;
const BUDGET = 10n ** 12n * USDC;
const DEVICE_CAP = 10_000_000n;
const FLEET = 100;

const { ethers, networkHelpers, signer } = await benchChain();
const [deployer, holder, fleetOwner, relayer] = [signer(0), signer(1), signer(2), signer(3)];
const quorum = [4, 5, 6].map(signer);
const verifiers = [...quorum, signer(7), signer(8)];
const { chainId } = await ethers.provider.getNetwork();

const { factory, token, tokenAddress, networkId } = await benchDeployment(deployer, {
  metadata: "bench",
  mint: 10n ** 12n * USDC,
});
const { pool, address: poolAddress } = await setupPool(factory.connect(deployer), {
  config: poolConfig({
    token: tokenAddress,
    networkId,
    admin: deployer.address,
    verifiers: verifiers.map((v) => v.address),
    quorum: 3,
    params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP },
    maxRelayerFee: USDC,
  }),
  salt: id("bench/epoch"),
  kind: KIND,
  funding: [{ amount: 10n ** 11n * USDC, ref: id("bench/customer-contract-1") }],
});
const { challengePeriod } = await pool.settings();

/**
 * The tree's accounts: the holder (claims every epoch), the fleet's owner (100 devices), then derived addresses with
 * one device each, never claiming. A tree of n accounts is the first n, so smaller trees nest in larger ones. Devices
 * are synthetic: epoch mode checks no device on-chain, so the benchmark registers none.
 */
const ACCOUNTS = [
  holder.address,
  fleetOwner.address,
  ...Array.from({ length: 100_000 - 2 }, (_, i) =>
    checksumAddress("0x" + fastKeccak256(`bench/account/${i}`).slice(26)),
  ),
];
const FRESH = ACCOUNTS[2]!; // in every tree, never claims before the 10,000-account epoch
function devicesOf(accounts: number): Map<bigint, DeviceState> {
  const devices = new Map<bigint, DeviceState>();
  for (let a = 0; a < accounts; a++) {
    for (let d = 0; d < (a === 1 ? FLEET : 1); d++) {
      const deviceId = BigInt(fastKeccak256(`bench/device/${a}/${d}`));
      const state = { deviceId, networkId, status: DeviceStatus.Active, payee: ACCOUNTS[a]!, recordedInLedger: false };
      devices.set(deviceId, state);
    }
  }
  return devices;
}
function reports(epoch: number, devices: Map<bigint, DeviceState>): WorkReport[] {
  return [...devices.keys()].map((deviceId, i) => ({
    deviceId,
    units: 2_000_000n + BigInt((i * 7919 + epoch) % 1000),
    evidenceHash: fastKeccak256(`evidence/${epoch}/${i}`),
  }));
}

const rows: Row[] = [];
const figures: GasFigures = {};
let previous: BuiltEpoch | undefined;

/** Builds and commits `epoch` over a tree of `accounts` accounts, then waits out the challenge period. */
async function commit(key: string | undefined, epoch: number, accounts: number): Promise<BuiltEpoch> {
  await closeEpoch(networkHelpers, [pool], BigInt(epoch));
  const devices = devicesOf(accounts);
  const built = buildEpoch({
    pool: poolAddress,
    chainId,
    epoch,
    formulaVersion: 1,
    params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP },
    networkId,
    registryBlock: await ethers.provider.getBlockNumber(),
    devices,
    reports: reports(epoch, devices),
    ...(previous === undefined ? {} : { previous: { manifest: previous.manifest, text: previous.text } }),
  });
  const { gasUsed } = await commitEpoch(pool.connect(relayer), {
    built,
    uri: `ipfs://bench/epoch-${epoch}.json`,
    verifiers: quorum,
  });
  rows.push({
    ...(key === undefined ? {} : { key }),
    operation: `commitEpoch (3-of-5)${epoch < 2 ? `, the pool's ${epoch === 0 ? "first" : "second"}` : ""}`,
    epoch,
    devices: devices.size,
    accounts: built.manifest.accounts.length,
    gasUsed: Number(gasUsed),
  });
  if (key !== undefined) figures[key] = Number(gasUsed);
  await networkHelpers.time.increase(challengePeriod + 1n);
  previous = built;
  return built;
}

async function claimRow(key: string | undefined, operation: string, built: BuiltEpoch, account: string, per = 1) {
  const leaf = proofFor(built, account);
  const r = await claim(pool.connect(relayer), account, leaf);
  if (r.amount === 0n) throw new Error(`${operation}: paid nothing`);
  rows.push({
    ...(key === undefined ? {} : { key }),
    operation,
    epoch: Number(built.manifest.epoch),
    accounts: built.manifest.accounts.length,
    proofLength: leaf.proof.length,
    gasUsed: Number(r.gasUsed),
  });
  if (key !== undefined) figures[key] = Math.round(Number(r.gasUsed) / per);
}

async function gasless(key: string, operation: string, built: BuiltEpoch) {
  const leaf = proofFor(built, holder.address);
  const signed = {
    account: holder.address,
    recipient: holder.address,
    maxFee: USDC / 10n,
    nonce: (await pool.account(holder.address)).claimNonce,
    deadline: BigInt(await networkHelpers.time.latest()) + 3600n,
  };
  const signature = await signClaim(holder, await readPoolDomain(pool), signed);
  const r = await relayClaim(pool.connect(relayer), { claim: signed, signature, fee: USDC / 10n, epoch: leaf });
  rows.push({
    key,
    operation,
    epoch: Number(built.manifest.epoch),
    accounts: built.manifest.accounts.length,
    proofLength: leaf.proof.length,
    gasUsed: Number(r.gasUsed),
  });
  figures[key] = Number(r.gasUsed);
}

// 1,000 accounts. The pool keeps two root slots and alternates between them (the root in force and the pending
// one), so its first two commits write fresh slots; the third is the steady state. The holder and the fleet's owner
// claim for the first time in between.
const e0 = await commit("commit_epoch_3of5_first", 0, 1_000);
await claimRow(undefined, "claim, first (recipient holds no token yet)", e0, holder.address);
await claimRow(undefined, "claim, first, 100-device fleet", e0, fleetOwner.address);
await commit("commit_epoch_3of5_second", 1, 1_000);
const e2 = await commit("commit_epoch_3of5_n1000", 2, 1_000);
await claimRow("claim_repeat_existing_holder_1k", "claim, repeat by an existing holder", e2, holder.address);

// 10,000 accounts: the figures set beside the anchor's.
const e3 = await commit("commit_epoch_3of5_n10000", 3, 10_000);
await claimRow("claim_first_fresh_recipient", "claim, first (recipient holds no token yet)", e3, FRESH);
await claimRow("claim_repeat_existing_holder", "claim, repeat by an existing holder", e3, holder.address);
await claimRow(
  "claim_fleet100_per_device",
  "claim, repeat, 100-device fleet (÷ 100 in figures)",
  e3,
  fleetOwner.address,
  FLEET,
);
figures.claim_fleet100 = rows.at(-1)!.gasUsed;
await (await token.mint(relayer.address, 1n)).wait(); // the relayer holds the token already, as a real one would
const e4 = await commit(undefined, 4, 10_000);
await gasless("claim_gasless_first", "claimWithSig, first signed claim of the account (fresh nonce)", e4);
const e5 = await commit(undefined, 5, 10_000);
await gasless("claim_gasless", "claimWithSig, repeat (relayer takes a fee)", e5);

// 100,000 accounts: the growth curves' last point.
const e6 = await commit("commit_epoch_3of5_n100000", 6, 100_000);
await claimRow("claim_repeat_existing_holder_100k", "claim, repeat by an existing holder", e6, holder.address);

if (KIND === "whole") {
  // The anchor: a URD-style claim over a tree of the same 10,000 accounts, the same token and holder, this run.
  const urd = await new contracts.UrdLikeDistributor__factory(deployer).deploy();
  const urdAddress = await urd.getAddress();
  await (await token.mint(urdAddress, 10n ** 12n * USDC)).wait();
  const tree10k = ACCOUNTS.slice(0, 10_000);
  const urdClaim = async (key: string, operation: string, round: bigint) => {
    const tree = StandardMerkleTree.of(
      tree10k.map((a, i): [string, string, bigint] => [a, tokenAddress, (BigInt(i) + 1n) * USDC * round]),
      ["address", "address", "uint256"],
    );
    await (await urd.setRoot(tree.root)).wait();
    const proof = tree.getProof(0);
    const receipt = await (await urd.connect(relayer).claim(holder.address, tokenAddress, USDC * round, proof)).wait();
    rows.push({
      key,
      operation,
      accounts: tree10k.length,
      proofLength: proof.length,
      gasUsed: Number(receipt!.gasUsed),
    });
    figures[key] = Number(receipt!.gasUsed);
  };
  await urdClaim("anchor_urd_claim_first_10k", "anchor: URD-style claim, first (holder holds the token)", 1n);
  await urdClaim("anchor_urd_claim_repeat_10k", "anchor: URD-style claim, repeat by an existing holder", 2n);
}

writeChainBench(`epoch-${KIND}`, figures, rows, {
  pool: KIND === "whole" ? "whole pool (no proxy)" : "EIP-1167 clone",
  definitions: {
    commit_epoch_3of5_n1000:
      "commitEpoch signed by 3 of 5 verifiers, steady state (the pool's third commit or later: the first two write " +
      "its two root slots), over 1,000 accounts; each epoch " +
      "also holds the 100-device fleet, so devices = accounts + 99",
    claim_first_fresh_recipient:
      "claim with proof from the 10,000-account tree: the account's first claim, the recipient holds no token",
    claim_repeat_existing_holder: "claim with proof from the 10,000-account tree by an account that claimed before",
    claim_fleet100_per_device: "one claim paying the 100-device fleet's owner (repeat), ÷ 100",
    claim_gasless: "claimWithSig with proof, 10,000-account tree, the account's second signed claim, relayer's fee",
    anchor_urd_claim_repeat_10k: "UrdLikeDistributor claim, repeat, tree of the same 10,000 accounts, same token",
  },
});
