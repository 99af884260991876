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
import { type BuiltEpoch, claim, proofFor } from "../../sdk/src/index.js";
import { poolKind, type Row, writeChainBench } from "./chain.js";
import { epochScenario, FLEET } from "./epochScenario.js";
import type { GasFigures } from "./output.js";

const KIND = poolKind();
const {
  pool,
  relayer,
  holder,
  fleetOwner,
  token,
  accounts: ACCOUNTS,
  ...scenario
} = await epochScenario({
  kind: KIND,
  maxAccounts: 100_000,
});
const FRESH = ACCOUNTS[2]!; // in every tree, never claims before the 10,000-account epoch

const rows: Row[] = [];
const figures: GasFigures = {};

/** Commits `epoch` over a tree of `accounts` accounts (see epochScenario), recording its gas. */
async function commit(key: string | undefined, epoch: number, accounts: number): Promise<BuiltEpoch> {
  const { built, devices, gasUsed } = await scenario.commit(epoch, accounts);
  rows.push({
    ...(key === undefined ? {} : { key }),
    operation: `commitEpoch (3-of-5)${epoch < 2 ? `, the pool's ${epoch === 0 ? "first" : "second"}` : ""}`,
    epoch,
    devices,
    accounts: built.manifest.accounts.length,
    gasUsed: Number(gasUsed),
  });
  if (key !== undefined) figures[key] = Number(gasUsed);
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
  const r = await scenario.gasless(built);
  rows.push({
    key,
    operation,
    epoch: Number(built.manifest.epoch),
    accounts: built.manifest.accounts.length,
    proofLength: r.proofLength,
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
  const urd = await scenario.urdAnchor();
  for (const [key, operation, round] of [
    ["anchor_urd_claim_first_10k", "anchor: URD-style claim, first (holder holds the token)", 1n],
    ["anchor_urd_claim_repeat_10k", "anchor: URD-style claim, repeat by an existing holder", 2n],
  ] as const) {
    const r = await urd.claim(round);
    rows.push({ key, operation, accounts: r.accounts, proofLength: r.proofLength, gasUsed: Number(r.gasUsed) });
    figures[key] = Number(r.gasUsed);
  }
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
