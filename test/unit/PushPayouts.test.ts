/**
 * Push payouts (issue 13): accounts opt in (by transaction or EIP-712 signature) to being paid without claiming, to
 * the recipient they chose; anyone pays many of them in one `pushPayouts` call, their epoch-mode leaves proven by one
 * multiproof. Checked through transactions: exact amounts to the token unit in both modes, nothing paid twice across
 * push, claim, claimWithSig and claimBatchWithSig, each skip reason with the account's credit intact, the outflow
 * breaker, a bad multiproof, a duplicate entry. Gas figures are in scripts/bench/settle.ts.
 */
import { expect } from "chai";
import { Wallet, ZeroAddress, id, type HDNodeWallet } from "ethers";
import { network } from "hardhat";

import {
  AccountTree,
  buildEpoch,
  type BuiltEpoch,
  claimBatchArgs,
  CLAIM_TYPES,
  type DeviceState,
  DeviceStatus,
  InvalidInputError,
  optInPush,
  optOutPush,
  proofFor,
  pushPayoutArgs,
  pushPayouts,
  relayPushRecipient,
  signPushRecipient,
} from "../../sdk/src/index.js";
import { epochHelpers } from "../helpers/epoch.js";
import { BUDGET, CHALLENGE_PERIOD, CHANGE_DELAY, DAY, DEVICE_CAP, RATE, USDC, poolFixture } from "../helpers/pool.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const ACCOUNTS = 20;
const PUSH_SKIPPED = [
  "None",
  "NotOptedIn",
  "NothingToPay",
  "BelowMinimumClaim",
  "EpochPayoutCapped",
  "OutflowLimited",
  "AccountBlocked",
  "RecipientBlocked",
  "TransferFailed",
];

type PoolFixture = Awaited<ReturnType<typeof poolFixture>>;

/** Epoch `epoch`'s root paying wallet i (i+1) USDC more than `previous` did, committed and in force. */
async function commitRoot(f: PoolFixture, epoch: number, wallets: HDNodeWallet[], previous?: BuiltEpoch) {
  const { commitOf, submit } = epochHelpers(f, time);
  const built = await buildRoot(f, epoch, wallets, previous);
  await submit(await commitOf(built));
  await time.increase(CHALLENGE_PERIOD);
  return built;
}

/** Epoch `epoch`'s root (as {commitRoot}), built and not committed; the epoch is closed. */
async function buildRoot(f: PoolFixture, epoch: number, wallets: HDNodeWallet[], previous?: BuiltEpoch) {
  await epochHelpers(f, time).closeEpoch(BigInt(epoch));
  const devices = new Map<bigint, DeviceState>(
    wallets.map((w, i) => {
      const deviceId = 10_000n + BigInt(i);
      return [
        deviceId,
        { deviceId, networkId: 1n, status: DeviceStatus.Active, payee: w.address, recordedInLedger: false },
      ];
    }),
  );
  return buildEpoch({
    ledgerCreditedWad: (await f.pool.totals()).creditedWad,
    pool: f.poolAddress,
    chainId: f.chainId,
    epoch,
    formulaVersion: 1,
    params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP },
    networkId: 1n,
    registryBlock: 0,
    devices,
    reports: wallets.map((_, i) => ({
      deviceId: 10_000n + BigInt(i),
      units: BigInt(i + 1) * 3_000_000n,
      evidenceHash: id(`push:${epoch}:${i}`),
    })),
    ...(previous === undefined ? {} : { previous: { manifest: previous.manifest, text: previous.text } }),
  });
}

/** Alice has ledger credit (epoch 0); ACCOUNTS fresh wallets are owed i+1 USDC by epoch 1's root, all opted in. */
async function pushFixture() {
  const f = await poolFixture(ethers);
  const { closeEpoch } = epochHelpers(f, time);
  await closeEpoch(0n);
  await f.record(
    0n,
    f.aliceDevices.map((d) => f.proof(d.deviceId, 3_000_001n)),
  );
  const wallets = Array.from({ length: ACCOUNTS }, () => Wallet.createRandom());
  const built = await commitRoot(f, 1, wallets);
  for (const w of wallets) await optInBySig(f, w, w.address);
  return { ...f, wallets, built };
}

async function optInBySig(f: PoolFixture, w: HDNodeWallet, recipient: string) {
  const choice = {
    account: w.address,
    recipient,
    nonce: (await f.pool.account(w.address)).claimNonce,
    deadline: BigInt(await time.latest()) + DAY,
  };
  const signature = await signPushRecipient(w, f.domain, choice);
  return relayPushRecipient(f.pool.connect(f.relayer), { choice, signature });
}

function push(f: PoolFixture, accounts: string[], tree?: AccountTree) {
  const a = pushPayoutArgs(accounts, tree);
  return f.pool.connect(f.stranger).pushPayouts(a.accounts, a.cumulatives, a.proof, a.proofFlags);
}

/** Each PushSkipped of a transaction: account → reason name. */
async function skipsOf(f: PoolFixture, tx: Promise<{ wait(): Promise<unknown> }>) {
  const receipt = (await (await tx).wait()) as { logs: { topics: string[]; data: string }[] };
  const out = new Map<string, string>();
  for (const log of receipt.logs) {
    const parsed = f.pool.interface.parseLog(log);
    if (parsed?.name === "PushSkipped")
      out.set(parsed.args.account as string, PUSH_SKIPPED[Number(parsed.args.reason)]!);
  }
  return out;
}

/** What `built`'s root pays `w` in all (its cumulative). */
function leaf(built: BuiltEpoch, w: { address: string }) {
  const c = built.tree.cumulativeOf(w.address);
  if (c === undefined) throw new Error(`${w.address} has no leaf`);
  return c;
}

async function state(f: PoolFixture, a: string) {
  const v = await f.pool.account(a);
  return [v.unpaidWad, v.paidEpoch, v.claimNonce];
}

/** Alice's ledger credit in whole token units. */
async function ledgerOf(f: PoolFixture, a: string) {
  return (await f.pool.account(a)).ledgerClaimable;
}

describe("Push payouts", function () {
  describe("opting in and out", function () {
    it("sets, changes and clears the recipient by transaction, with events and the view", async function () {
      const f = await loadFixture(pushFixture);
      expect(await f.pool.pushRecipient(f.alice.address)).to.equal(ZeroAddress);
      await expect(f.pool.connect(f.alice).setPushRecipient(f.bob.address))
        .to.emit(f.pool, "PushRecipientSet")
        .withArgs(f.alice.address, f.bob.address);
      expect(await f.pool.pushRecipient(f.alice.address)).to.equal(f.bob.address);
      await optInPush(f.pool.connect(f.alice));
      expect(await f.pool.pushRecipient(f.alice.address)).to.equal(f.alice.address);
      await expect(optOutPush(f.pool.connect(f.alice))).to.not.be.rejected;
      expect(await f.pool.pushRecipient(f.alice.address)).to.equal(ZeroAddress);
      // The account's entry is untouched by its choices: credit, paid amount and nonce.
      expect((await f.pool.account(f.alice.address)).claimNonce).to.equal(0n);
      await expect(f.pool.connect(f.alice).setPushRecipient(f.poolAddress))
        .to.be.revertedWithCustomError(f.pool, "RewardPoolInvalidPushRecipient")
        .withArgs(f.poolAddress);
    });

    it("takes a signed choice once, at the account's claim nonce, and voids a claim signed at that nonce", async function () {
      const f = await loadFixture(pushFixture);
      const w = Wallet.createRandom();
      const deadline = BigInt(await time.latest()) + DAY;
      const choice = { account: w.address, recipient: f.bob.address, nonce: 0n, deadline };
      const signature = await signPushRecipient(w, f.domain, choice);
      const claim = { account: w.address, recipient: w.address, maxFee: 0n, nonce: 0n, deadline };
      const claimSignature = await w.signTypedData(f.domain, CLAIM_TYPES, claim);
      const relay = () =>
        f.pool.connect(f.relayer).setPushRecipientWithSig(w.address, f.bob.address, 0n, deadline, signature);
      // Someone else's signature, an expired one: refused.
      const other = await signPushRecipient(f.alice, f.domain, { ...choice, account: f.alice.address });
      await expect(f.pool.connect(f.relayer).setPushRecipientWithSig(w.address, f.bob.address, 0n, deadline, other))
        .to.be.revertedWithCustomError(f.pool, "RewardPoolInvalidClaimSignature")
        .withArgs(w.address);
      await expect(relay()).to.emit(f.pool, "PushRecipientSet").withArgs(w.address, f.bob.address);
      expect(await f.pool.pushRecipient(w.address)).to.equal(f.bob.address);
      expect((await f.pool.account(w.address)).claimNonce).to.equal(1n);
      // Replayed: its nonce is spent. So is the claim signed at the same nonce.
      await expect(relay())
        .to.be.revertedWithCustomError(f.pool, "RewardPoolInvalidClaimNonce")
        .withArgs(w.address, 1n, 0n);
      await expect(
        f.pool.connect(f.relayer).claimWithSig(claim, 0n, [], 0n, claimSignature),
      ).to.be.revertedWithCustomError(f.pool, "RewardPoolInvalidClaimNonce");
      const late = { ...choice, nonce: 1n, deadline: BigInt(await time.latest()) - 1n };
      await expect(
        f.pool
          .connect(f.relayer)
          .setPushRecipientWithSig(
            w.address,
            f.bob.address,
            1n,
            late.deadline,
            await signPushRecipient(w, f.domain, late),
          ),
      ).to.be.revertedWithCustomError(f.pool, "RewardPoolSignatureExpired");
      // A signed opt-out.
      await optInBySig(f, w, ZeroAddress);
      expect(await f.pool.pushRecipient(w.address)).to.equal(ZeroAddress);
    });
  });

  describe("paying", function () {
    it("pays each opted-in account exactly what single claims pay, in both modes, to its recipient", async function () {
      let f = await loadFixture(pushFixture);
      const accounts = [...f.wallets.map((w) => w.address), f.alice.address];
      // The reference: one claim each (alice's own claim of her ledger credit; the wallets' epoch claims).
      for (const w of f.wallets) {
        const { cumulative, proof } = proofFor(f.built, w.address);
        await f.pool.connect(f.stranger).claim(w.address, cumulative, proof);
      }
      await f.pool.connect(f.alice).claim(f.alice.address, 0n, []);
      const claimedStates = await Promise.all(accounts.map((a) => state(f, a)));
      const claimedBalances = await Promise.all(accounts.map((a) => f.usdc.balanceOf(a)));
      const claimedTotals = await f.pool.totals();

      f = await loadFixture(pushFixture);
      await f.pool.connect(f.alice).setPushRecipient(f.alice.address);
      const aliceLedger = await ledgerOf(f, f.alice.address);
      expect(aliceLedger).to.be.greaterThan(0n);
      const { results, paid } = await pushPayouts(f.pool.connect(f.stranger), { accounts, tree: f.built.tree });
      expect(results.every((r) => r.status === "paid")).to.equal(true);
      expect(await Promise.all(accounts.map((a) => state(f, a)))).to.deep.equal(claimedStates);
      expect(await Promise.all(accounts.map((a) => f.usdc.balanceOf(a)))).to.deep.equal(claimedBalances);
      const totals = await f.pool.totals();
      expect(totals.paid).to.equal(claimedTotals.paid);
      expect(totals.epochPaid).to.equal(claimedTotals.epochPaid);
      // To the unit: each wallet its leaf (i+1 USDC less the rate's rounding); alice her whole units of ledger credit.
      let sum = aliceLedger;
      for (const w of f.wallets) {
        expect(await f.usdc.balanceOf(w.address)).to.equal(leaf(f.built, w));
        sum += leaf(f.built, w);
      }
      expect(paid).to.equal(sum);
      const alice = results.find((r) => r.account === f.alice.address)!;
      expect(alice).to.deep.include({ status: "paid", ledgerAmount: aliceLedger, epochAmount: 0n });
    });

    it("pays a recipient other than the account, and the pool's outflow and epoch books once per batch", async function () {
      const f = await loadFixture(pushFixture);
      const w = f.wallets[4]!;
      await optInBySig(f, w, f.bob.address);
      const bobBefore = await f.usdc.balanceOf(f.bob.address);
      const before = await f.pool.totals();
      const available = await f.pool.outflowAvailable();
      const both = leaf(f.built, w) + leaf(f.built, f.wallets[0]!);
      const tx = push(f, [w.address, f.wallets[0]!.address], f.built.tree);
      await expect(tx)
        .to.emit(f.pool, "Claimed")
        .withArgs(w.address, f.bob.address, 0n, leaf(f.built, w))
        .and.to.emit(f.pool, "PushBatchSettled")
        .withArgs(f.stranger.address, 2n, 0n, both);
      expect((await f.usdc.balanceOf(f.bob.address)) - bobBefore).to.equal(leaf(f.built, w));
      expect(await f.usdc.balanceOf(w.address)).to.equal(0n);
      const after = await f.pool.totals();
      expect(after.paid - before.paid).to.equal(both);
      expect(after.epochPaid - before.epochPaid).to.equal(both);
      expect(available - (await f.pool.outflowAvailable())).to.be.within(both, both + 1n);
    });

    it("pays nothing twice across push, claim, claimWithSig and claimBatchWithSig, over two roots", async function () {
      const f = await loadFixture(pushFixture);
      const [a, b, c, d] = f.wallets as [HDNodeWallet, HDNodeWallet, HDNodeWallet, HDNodeWallet];
      // Root 1: a by push, b by claim, c by claimWithSig, d by claimBatchWithSig; then everything again by each way.
      await push(f, [a.address], f.built.tree);
      await f.pool.claim(b.address, ...(Object.values(proofFor(f.built, b.address)) as [bigint, string[]]));
      const sign = async (w: HDNodeWallet) => {
        const claim = {
          account: w.address,
          recipient: w.address,
          maxFee: 0n,
          nonce: (await f.pool.account(w.address)).claimNonce,
          deadline: BigInt(await time.latest()) + DAY,
        };
        return { claim, signature: await w.signTypedData(f.domain, CLAIM_TYPES, claim), fee: 0n };
      };
      const single = await sign(c);
      await f.pool
        .connect(f.relayer)
        .claimWithSig(
          single.claim,
          ...(Object.values(proofFor(f.built, c.address)) as [bigint, string[]]),
          0n,
          single.signature,
        );
      const batch = claimBatchArgs(f.pool, [await sign(d)], f.built.tree);
      await f.pool.connect(f.relayer).claimBatchWithSig(batch.claims, batch.proof, batch.proofFlags);
      const paid1 = (await f.pool.totals()).paid;
      const again = await skipsOf(
        f,
        push(
          f,
          [a, b, c, d].map((w) => w.address),
          f.built.tree,
        ),
      );
      expect([...again.values()]).to.deep.equal(Array(4).fill("NothingToPay"));
      const rebatch = claimBatchArgs(f.pool, await Promise.all([a, b, c, d].map(sign)), f.built.tree);
      await expect(f.pool.connect(f.relayer).claimBatchWithSig(rebatch.claims, rebatch.proof, rebatch.proofFlags))
        .to.emit(f.pool, "ClaimBatchSettled")
        .withArgs(f.relayer.address, 4n, 4n, 0n);
      await expect(
        f.pool.claim(a.address, ...(Object.values(proofFor(f.built, a.address)) as [bigint, string[]])),
      ).to.be.revertedWithCustomError(f.pool, "RewardPoolNothingToClaim");
      expect((await f.pool.totals()).paid).to.equal(paid1);

      // Root 2 (each owed i+1 USDC more): b claims first, then everyone is pushed; each gets exactly its new leaf.
      const built2 = await commitRoot(f, 2, f.wallets, f.built);
      await f.pool.claim(b.address, ...(Object.values(proofFor(built2, b.address)) as [bigint, string[]]));
      const skips = await skipsOf(
        f,
        push(
          f,
          f.wallets.map((w) => w.address),
          built2.tree,
        ),
      );
      expect(skips).to.deep.equal(new Map([[b.address, "NothingToPay"]]));
      for (const [i, w] of f.wallets.entries()) {
        expect(await f.usdc.balanceOf(w.address), `wallet ${i}`).to.equal(leaf(built2, w));
        expect((await f.pool.account(w.address)).paidEpoch).to.equal(leaf(built2, w));
      }
      const totals = await f.pool.totals();
      expect(totals.epochPaid).to.equal(f.wallets.reduce((t, w) => t + leaf(built2, w), 0n));
    });

    it("pays a duplicated entry once", async function () {
      const f = await loadFixture(pushFixture);
      await f.pool.connect(f.alice).setPushRecipient(f.alice.address);
      const w = f.wallets[2]!;
      const { accounts, cumulatives, proof, proofFlags } = pushPayoutArgs([w.address], f.built.tree);
      const ledger = await ledgerOf(f, f.alice.address);
      const tx = f.pool
        .connect(f.stranger)
        .pushPayouts(
          [...accounts, w.address, f.alice.address, f.alice.address],
          [...cumulatives, 0n, 0n, 0n],
          proof,
          proofFlags,
        );
      await expect(tx)
        .to.emit(f.pool, "PushBatchSettled")
        .withArgs(f.stranger.address, 4n, 2n, leaf(f.built, w) + ledger);
      expect(await f.usdc.balanceOf(w.address)).to.equal(leaf(f.built, w));
      expect(await f.usdc.balanceOf(f.alice.address)).to.equal(ledger);
    });
  });

  describe("skipping one account, never the batch", function () {
    it("skips the not opted in, the below-minimum, the blacklisted account and recipient, each with its credit intact", async function () {
      const f = await loadFixture(pushFixture);
      const ws = f.wallets.slice(0, 8);
      await f.pool.connect(f.admin).setClaimSettings(USDC + USDC / 2n, 0n); // wallet 0 is owed 1 USDC: below
      const outsider = Wallet.createRandom();
      await optInBySig(f, ws[1]!, ZeroAddress); // opted out again
      await optInBySig(f, ws[3]!, f.bob.address);
      await f.usdc.connect(f.admin).blacklist(ws[3]!.address); // account blacklisted, clean recipient
      await f.usdc.connect(f.admin).blacklist(ws[5]!.address); // paid to itself: the token refuses it
      const addresses = [...ws.map((w) => w.address), outsider.address, f.alice.address];
      const before = await Promise.all(addresses.map((a) => state(f, a)));
      const skips = await skipsOf(f, push(f, addresses, f.built.tree));
      expect(skips).to.deep.equal(
        new Map([
          [ws[0]!.address, "BelowMinimumClaim"],
          [ws[1]!.address, "NotOptedIn"],
          [ws[3]!.address, "AccountBlocked"],
          [ws[5]!.address, "RecipientBlocked"],
          [outsider.address, "NotOptedIn"],
          [f.alice.address, "NotOptedIn"],
        ]),
      );
      const after = await Promise.all(addresses.map((a) => state(f, a)));
      for (const [i, a] of addresses.entries()) {
        if (skips.has(a)) expect(after[i], a).to.deep.equal(before[i]);
        else if (i < ws.length) expect(await f.usdc.balanceOf(a)).to.equal(leaf(f.built, ws[i]!));
      }
      // The blacklisted recipient's credit is intact: once cleared, a push pays it.
      await f.usdc.connect(f.admin).unBlacklist(ws[5]!.address);
      await expect(push(f, [ws[5]!.address], f.built.tree))
        .to.emit(f.pool, "Claimed")
        .withArgs(ws[5]!.address, ws[5]!.address, 0n, leaf(f.built, ws[5]!));
    });

    it("skips every account when the token refuses transfers, restoring each entry", async function () {
      const f = await loadFixture(pushFixture);
      const addresses = f.wallets.slice(0, 5).map((w) => w.address);
      const before = await Promise.all(addresses.map((a) => state(f, a)));
      const totals = await f.pool.totals();
      await f.usdc.connect(f.admin).pause();
      const skips = await skipsOf(f, push(f, addresses, f.built.tree));
      expect([...skips.values()]).to.deep.equal(Array(5).fill("TransferFailed"));
      expect(await Promise.all(addresses.map((a) => state(f, a)))).to.deep.equal(before);
      expect(await f.pool.totals()).to.deep.equal(totals);
    });

    it("pays what fits under the outflow breaker and skips the rest, never past the limit", async function () {
      const f = await loadFixture(pushFixture);
      const limit = 30n * USDC;
      await f.pool.connect(f.admin).queueOutflowLimit(limit, Number(DAY));
      await time.increase(CHANGE_DELAY);
      await f.pool.applyQueuedChanges();
      const addresses = f.wallets.slice(0, 10).map((w) => w.address);
      const before = await Promise.all(addresses.map((a) => state(f, a)));
      const tx = push(f, addresses, f.built.tree);
      const skips = await skipsOf(f, tx);
      expect(skips.size).to.be.greaterThan(0);
      expect([...skips.values()].every((r) => r === "OutflowLimited")).to.equal(true);
      let paid = 0n;
      for (const [i, a] of addresses.entries()) {
        if (skips.has(a)) expect(await state(f, a)).to.deep.equal(before[i]);
        else paid += leaf(f.built, f.wallets[i]!);
      }
      expect(paid).to.be.at.most(limit);
      expect(paid).to.equal((await f.pool.totals()).paid);
      // Nothing skipped would have fitted in what is left.
      const left = await f.pool.outflowAvailable();
      for (const [i, a] of addresses.entries())
        if (skips.has(a)) expect(leaf(f.built, f.wallets[i]!)).to.be.above(left);
    });

    it("skips an account past the root's payout cap: a root pays no more than the total it declared", async function () {
      const f = await loadFixture(pushFixture);
      const { commitOf, submit } = epochHelpers(f, time);
      // A root whose leaves add up to more than its total: 100, 200 and 300 USDC declared as 15 USDC of growth.
      const [w0, w1, w2] = f.wallets as [HDNodeWallet, HDNodeWallet, HDNodeWallet];
      const tree = AccountTree.of([
        [w0.address, 100n * USDC],
        [w1.address, 200n * USDC],
        [w2.address, 300n * USDC],
      ]);
      const genuine = await commitOf(await buildRoot(f, 2, f.wallets, f.built));
      const declared = (await f.pool.epochRoots()).active.totalOwed + 15n * USDC;
      await submit({ ...genuine, root: tree.root, totalOwed: declared });
      await time.increase(CHALLENGE_PERIOD);
      const before = await state(f, w1.address);
      // Headroom is the declared total less nothing paid yet (about 225 USDC): 300 does not fit, 100 does, then 200
      // does not.
      expect(await skipsOf(f, push(f, [w2.address], tree))).to.deep.equal(new Map([[w2.address, "EpochPayoutCapped"]]));
      expect(await skipsOf(f, push(f, [w0.address], tree))).to.deep.equal(new Map());
      expect(await skipsOf(f, push(f, [w1.address], tree))).to.deep.equal(new Map([[w1.address, "EpochPayoutCapped"]]));
      expect(await f.usdc.balanceOf(w0.address)).to.equal(100n * USDC);
      expect(await state(f, w1.address)).to.deep.equal(before);
      expect((await f.pool.totals()).epochPaid).to.equal(100n * USDC);
    });
  });

  describe("the SDK", function () {
    it("refuses bad push input before sending anything, and splits a large set into batches", async function () {
      const f = await loadFixture(pushFixture);
      const keeper = f.pool.connect(f.stranger);
      const a = f.wallets[0]!.address;
      await expect(pushPayouts(keeper, { accounts: [] })).to.be.rejectedWith(InvalidInputError, "no accounts to pay");
      await expect(pushPayouts(keeper, { accounts: [a, a] })).to.be.rejectedWith(InvalidInputError, "listed twice");
      await expect(pushPayouts(keeper, { accounts: ["0x12"] })).to.be.rejectedWith(InvalidInputError, "accounts[0]");
      await expect(pushPayouts(keeper, { accounts: [a], batchSize: 0 })).to.be.rejectedWith(
        InvalidInputError,
        "batchSize 0",
      );
      await expect(optInPush(f.pool.connect(f.alice), { recipient: ZeroAddress })).to.be.rejectedWith(
        InvalidInputError,
        "optOutPush",
      );
      // Seven accounts in batches of three: three transactions, every account paid its leaf, in the order given.
      const accounts = f.wallets.slice(0, 7).map((w) => w.address);
      const r = await pushPayouts(keeper, { accounts, tree: f.built.tree, batchSize: 3 });
      expect(r.transactions).to.have.length(3);
      expect(r.results.map((x) => x.account)).to.deep.equal(accounts);
      expect(r.results.map((x) => (x.status === "paid" ? x.epochAmount : -1n))).to.deep.equal(
        f.wallets.slice(0, 7).map((w) => leaf(f.built, w)),
      );
    });
  });

  describe("refusing a batch", function () {
    it("reverts a multiproof that does not prove its leaves, mismatched lengths, an empty batch, and while paused", async function () {
      const f = await loadFixture(pushFixture);
      const a = pushPayoutArgs(
        f.wallets.slice(0, 6).map((w) => w.address),
        f.built.tree,
      );
      const send = (accounts: string[], cumulatives: bigint[], proof = a.proof, flags = a.proofFlags) =>
        f.pool.connect(f.stranger).pushPayouts(accounts, cumulatives, proof, flags);
      const raised = a.cumulatives.map((c, i) => (i === 1 ? c + 1n : c));
      await expect(send(a.accounts, raised))
        .to.be.revertedWithCustomError(f.pool, "RewardPoolInvalidMultiproof")
        .withArgs(6n);
      const forged = a.proof.map((p, i) => (i === 0 ? id("forged") : p));
      await expect(send(a.accounts, a.cumulatives, forged)).to.be.revertedWithCustomError(
        f.pool,
        "RewardPoolInvalidMultiproof",
      );
      await expect(send(a.accounts, a.cumulatives.slice(1)))
        .to.be.revertedWithCustomError(f.pool, "RewardPoolPushLengthMismatch")
        .withArgs(6n, 5n);
      await expect(send([], [])).to.be.revertedWithCustomError(f.pool, "RewardPoolEmptyBatch");
      await f.pool.connect(f.guardian).pause();
      await expect(send(a.accounts, a.cumulatives)).to.be.revertedWithCustomError(f.pool, "RewardPoolPaused");
      await f.pool.connect(f.admin).unpause();
      // Nothing moved: the honest batch pays all six.
      await expect(send(a.accounts, a.cumulatives))
        .to.emit(f.pool, "PushBatchSettled")
        .withArgs(
          f.stranger.address,
          6n,
          0n,
          a.cumulatives.reduce((t, c) => t + c, 0n),
        );
    });
  });
});
