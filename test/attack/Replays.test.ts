/**
 * Replays of every signed message type: on another chain with the same addresses (a second in-process chain with
 * another chain id), on another pool, on another registry, after expiry, twice, after a failed attempt; and
 * signatures that are high-s, compact or recover to zero, and ERC-1271 signers that answer yes to everything.
 * (Commits after a veto or a supersede: VetoedContentReplay, SecondPass and the invariant campaign.)
 */
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { Signature, id, ZeroAddress } from "ethers";
import { network } from "hardhat";

import {
  attestBatch,
  attestClawback,
  CLAIM_TYPES,
  deviceIdOf,
  registerFleetArgs,
  Secp256k1DeviceKey,
} from "../../sdk/src/index.js";
import { DAY, USDC, closeEpoch, customPool, poolFixture } from "../helpers/pool.js";
import { registerArgs, signedRegistration } from "../helpers/registry.js";
import { attackFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;
// A second chain: same accounts, same deployment order, so the same addresses, but another chain id.
const other = await network.create({ override: { chainId: 4242 } });

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

async function signedFixture() {
  const f = await attackFixture(ethers, time);
  await f.closeEpoch(0n);
  const proofs = [f.proof(f.aliceDevices[0]!.deviceId, 3_000_000n)];
  const batch = {
    epoch: 0n,
    nonce: 77n,
    proofs,
    quorum: await attestBatch(f.verifiers.slice(0, 3), f.domain, 0n, 77n, proofs),
  };
  const deadline = BigInt(await time.latest()) + 10n * DAY;
  const claim = { account: f.alice.address, recipient: f.alice.address, maxFee: 0n, nonce: 0n, deadline };
  const claimSignature = await f.alice.signTypedData(f.domain, CLAIM_TYPES, claim);
  const clawback = {
    account: f.alice.address,
    deviceId: f.aliceDevices[0]!.deviceId,
    amountWad: 1n,
    reasonHash: id("fraud"),
    nonce: 5n,
    deadline,
  };
  const clawbackQuorum = await attestClawback(f.verifiers.slice(0, 3), f.domain, clawback);
  const commit = { ...(await f.rawCommit(0n, [[f.bob.address, 1n * USDC]], 1n * USDC)), deadline: 2n ** 40n };
  const commitQuorum = await f.sign(commit);
  return { ...f, batch, claim, claimSignature, clawback, clawbackQuorum, commit, commitQuorum };
}

describe("attack: replays of signed messages", function () {
  it("on another chain with the same addresses, every quorum, account and device signature is refused", async function () {
    const f = await loadFixture(signedFixture);
    const g = await poolFixture(other.ethers);
    expect(g.poolAddress).to.equal(f.poolAddress);
    expect(await g.registry.getAddress()).to.equal(await f.registry.getAddress());
    expect(g.chainId).to.equal(4242n);
    await closeEpoch(other.networkHelpers.time, g.pool, 0n);
    const signer0 = f.batch.quorum.signers[0]!;
    await expect(g.pool.recordProofs(0n, f.batch.nonce, f.batch.proofs, [], f.batch.quorum))
      .to.be.revertedWithCustomError(g.pool, "RewardPoolInvalidVerifierSignature")
      .withArgs(0, signer0);
    await expect(g.pool.commitEpoch(f.commit, f.commitQuorum))
      .to.be.revertedWithCustomError(g.pool, "RewardPoolInvalidVerifierSignature")
      .withArgs(0, f.commitQuorum.signers[0]!);
    const c = f.clawback;
    await expect(
      g.pool.clawback(c.account, c.deviceId, c.amountWad, c.reasonHash, c.nonce, c.deadline, f.clawbackQuorum),
    ).to.be.revertedWithCustomError(g.pool, "RewardPoolInvalidVerifierSignature");
    await expect(g.pool.claimWithSig({ ...f.claim, deadline: f.claim.deadline }, 0n, [], 0n, f.claimSignature))
      .to.be.revertedWithCustomError(g.pool, "RewardPoolInvalidClaimSignature")
      .withArgs(f.alice.address);
    // A device's registration signed for chain 31337 is refused on chain 4242 at the same registry address.
    const key = Secp256k1DeviceKey.random();
    const reg = await signedRegistration(key, {
      chainId: g.chainId,
      signChainId: f.chainId,
      registry: await g.registry.getAddress(),
      owner: g.alice.address,
      networkId: 1n,
    });
    await expect(g.registry.connect(g.alice).register(1, ...registerArgs(reg)))
      .to.be.revertedWithCustomError(g.registry, "DeviceRegistryInvalidDeviceSignature")
      .withArgs(0, deviceIdOf(key.keyType, key.key));
    expect((await g.pool.totals()).creditedWad).to.equal(0n);
  });

  it("on another pool of the same chain and verifiers, every quorum and account signature is refused", async function () {
    const f = await loadFixture(signedFixture);
    const p = await customPool(ethers, f);
    await closeEpoch(time, p.pool, 0n);
    await expect(p.pool.recordProofs(0n, f.batch.nonce, f.batch.proofs, [], f.batch.quorum))
      .to.be.revertedWithCustomError(p.pool, "RewardPoolInvalidVerifierSignature")
      .withArgs(0, f.batch.quorum.signers[0]!);
    await expect(p.pool.commitEpoch(f.commit, f.commitQuorum)).to.be.revertedWithCustomError(
      p.pool,
      "RewardPoolInvalidVerifierSignature",
    );
    const c = f.clawback;
    await expect(
      p.pool.clawback(c.account, c.deviceId, c.amountWad, c.reasonHash, c.nonce, c.deadline, f.clawbackQuorum),
    ).to.be.revertedWithCustomError(p.pool, "RewardPoolInvalidVerifierSignature");
    await expect(p.pool.claimWithSig(f.claim, 0n, [], 0n, f.claimSignature))
      .to.be.revertedWithCustomError(p.pool, "RewardPoolInvalidClaimSignature")
      .withArgs(f.alice.address);
  });

  it("on another registry of the same chain, a device's registration is refused", async function () {
    const f = await loadFixture(signedFixture);
    const second = await ethers.deployContract("DeviceRegistry");
    await second.connect(f.admin).createNetwork(false, id("hotspots"));
    const key = Secp256k1DeviceKey.random();
    const reg = await signedRegistration(key, {
      chainId: f.chainId,
      registry: await second.getAddress(),
      signRegistry: await f.registry.getAddress(),
      owner: f.alice.address,
      networkId: 1n,
    });
    await expect(second.connect(f.alice).register(1, ...registerArgs(reg)))
      .to.be.revertedWithCustomError(second, "DeviceRegistryInvalidDeviceSignature")
      .withArgs(0, deviceIdOf(key.keyType, key.key));
    await expect(second.connect(f.alice).registerFleet(1, ...registerFleetArgs([reg]))).to.be.revertedWithCustomError(
      second,
      "DeviceRegistryInvalidDeviceSignature",
    );
  });

  it("twice: the second submission of each message is refused and moves nothing", async function () {
    const f = await loadFixture(signedFixture);
    const { pool, batch, claim, claimSignature, clawback: c, clawbackQuorum, commit, commitQuorum } = f;
    await pool.recordProofs(0n, batch.nonce, batch.proofs, [], batch.quorum);
    await pool.clawback(c.account, c.deviceId, c.amountWad, c.reasonHash, c.nonce, c.deadline, clawbackQuorum);
    await pool.connect(f.relayer).claimWithSig(claim, 0n, [], 0n, claimSignature);
    const snapshot = async () => ({ account: await pool.account(f.alice.address), totals: await pool.totals() });
    const before = await snapshot();
    await expect(pool.recordProofs(0n, batch.nonce, batch.proofs, [], batch.quorum))
      .to.be.revertedWithCustomError(pool, "RewardPoolBatchNonceUsed")
      .withArgs(batch.nonce);
    await expect(pool.clawback(c.account, c.deviceId, c.amountWad, c.reasonHash, c.nonce, c.deadline, clawbackQuorum))
      .to.be.revertedWithCustomError(pool, "RewardPoolClawbackNonceUsed")
      .withArgs(c.nonce);
    await expect(pool.connect(f.relayer).claimWithSig(claim, 0n, [], 0n, claimSignature))
      .to.be.revertedWithCustomError(pool, "RewardPoolInvalidClaimNonce")
      .withArgs(f.alice.address, 1n, 0n);
    expect(await snapshot()).to.deep.equal(before);
    // The commit was signed against the ledger before the batch: refused for that first (and its nonce after).
    await expect(pool.commitEpoch(commit, commitQuorum)).to.be.revertedWithCustomError(pool, "RewardPoolLedgerChanged");
  });

  it("after expiry: claims, clawbacks and commits are refused one second past their deadline", async function () {
    const f = await loadFixture(signedFixture);
    const { pool, claim, claimSignature, clawback: c, clawbackQuorum, commit, commitQuorum } = f;
    await f.record(0n, [f.proof(f.aliceDevices[1]!.deviceId, 3n)]);
    const commitNow = await f.rawCommit(9n, [[f.bob.address, 1n * USDC]], 1n * USDC); // settleable then
    const quorumNow = await f.sign({ ...commitNow, deadline: claim.deadline });
    await time.setNextBlockTimestamp(claim.deadline + 1n);
    await expect(pool.connect(f.relayer).claimWithSig(claim, 0n, [], 0n, claimSignature))
      .to.be.revertedWithCustomError(pool, "RewardPoolSignatureExpired")
      .withArgs(claim.deadline, claim.deadline + 1n);
    await expect(pool.clawback(c.account, c.deviceId, c.amountWad, c.reasonHash, c.nonce, c.deadline, clawbackQuorum))
      .to.be.revertedWithCustomError(pool, "RewardPoolSignatureExpired")
      .withArgs(c.deadline, anyValue);
    await expect(pool.commitEpoch({ ...commitNow, deadline: claim.deadline }, quorumNow))
      .to.be.revertedWithCustomError(pool, "RewardPoolSignatureExpired")
      .withArgs(claim.deadline, anyValue);
    expect(commit.nonce).to.equal(0n);
    expect(commitQuorum.signers.length).to.equal(3);
  });

  it("after a failed attempt: a clawback that was too large stays refused once its deadline passes", async function () {
    const f = await loadFixture(signedFixture);
    const { pool, verifiers, domain, alice, aliceDevices } = f;
    const big = { ...f.clawback, amountWad: 10n ** 30n, nonce: 9n };
    const quorum = await attestClawback(verifiers.slice(0, 3), domain, big);
    await expect(
      pool.clawback(big.account, big.deviceId, big.amountWad, big.reasonHash, big.nonce, big.deadline, quorum),
    ).to.be.revertedWithCustomError(pool, "RewardPoolClawbackTooLarge");
    // Honest credit arrives later; the failed clawback cannot come back for it after its deadline.
    await f.record(0n, [f.proof(aliceDevices[2]!.deviceId, 999_999_999n)]);
    await time.increaseTo(big.deadline + 1n);
    const before = await pool.account(alice.address);
    await expect(
      pool.clawback(big.account, big.deviceId, big.amountWad, big.reasonHash, big.nonce, big.deadline, quorum),
    ).to.be.revertedWithCustomError(pool, "RewardPoolSignatureExpired");
    expect(await pool.account(alice.address)).to.deep.equal(before);
  });

  it("high-s, compact and zero-recovering signatures are refused for claims and quorums", async function () {
    const f = await loadFixture(signedFixture);
    const { pool, claim, claimSignature, alice, relayer, batch } = f;
    await pool.recordProofs(0n, batch.nonce, batch.proofs, [], batch.quorum);
    const sig = Signature.from(claimSignature);
    // The same signature in its malleable twin (s' = n - s, v flipped), which ecrecover maps to alice too.
    const highS = ethers.concat([
      sig.r,
      ethers.toBeHex(SECP256K1_N - BigInt(sig.s), 32),
      sig.v === 27 ? "0x1c" : "0x1b",
    ]);
    await expect(pool.connect(relayer).claimWithSig(claim, 0n, [], 0n, highS))
      .to.be.revertedWithCustomError(pool, "RewardPoolInvalidClaimSignature")
      .withArgs(alice.address);
    // EIP-2098 compact (64 bytes): only 65-byte signatures are read for an EOA.
    await expect(pool.connect(relayer).claimWithSig(claim, 0n, [], 0n, sig.compactSerialized))
      .to.be.revertedWithCustomError(pool, "RewardPoolInvalidClaimSignature")
      .withArgs(alice.address);
    // A signature that recovers to nobody, for an account of zero: never valid.
    const zero = ethers.concat([ethers.ZeroHash, ethers.ZeroHash, "0x1b"]);
    await expect(pool.connect(relayer).claimWithSig({ ...claim, account: ZeroAddress }, 0n, [], 0n, zero))
      .to.be.revertedWithCustomError(pool, "RewardPoolInvalidClaimSignature")
      .withArgs(ZeroAddress);
    // A quorum with a zero signer never passes the ordering check.
    await expect(
      pool.recordProofs(0n, 78n, batch.proofs, [], { signers: [ZeroAddress], signatures: [zero] }),
    ).to.be.revertedWithCustomError(pool, "RewardPoolQuorumNotMet");
    await expect(
      pool.recordProofs(0n, 78n, batch.proofs, [], {
        signers: [ZeroAddress, ZeroAddress, ZeroAddress],
        signatures: [zero, zero, zero],
      }),
    )
      .to.be.revertedWithCustomError(pool, "RewardPoolSignersNotSorted")
      .withArgs(0, ZeroAddress);
    expect((await pool.account(alice.address)).claimNonce).to.equal(0n);
  });

  it("an ERC-1271 verifier that answers yes to everything counts once, never as a quorum", async function () {
    const f = await loadFixture(signedFixture);
    const yes = await ethers.deployContract("MockYesWallet");
    const yesAddress = await yes.getAddress();
    const real = f.verifiers.slice(0, 2);
    const p = await customPool(ethers, f, {
      verifiers: [yesAddress, ...real.map((v) => v.address)],
      quorum: 2,
    });
    await closeEpoch(time, p.pool, 0n);
    const proofs = [p.worth(f.aliceDevices[0]!.deviceId, 5n * USDC)];
    await expect(p.pool.recordProofs(0n, 1n, proofs, [], { signers: [yesAddress], signatures: ["0x"] }))
      .to.be.revertedWithCustomError(p.pool, "RewardPoolQuorumNotMet")
      .withArgs(1, 2);
    await expect(
      p.pool.recordProofs(0n, 1n, proofs, [], { signers: [yesAddress, yesAddress], signatures: ["0x", "0x"] }),
    )
      .to.be.revertedWithCustomError(p.pool, "RewardPoolSignersNotSorted")
      .withArgs(1, yesAddress);
    expect((await p.pool.totals()).creditedWad).to.equal(0n);
    // With one honest verifier's signature it is a quorum of two: the yes-wallet is one compromised verifier.
    const honest = await attestBatch([real[0]!], p.domain, 0n, 1n, proofs);
    const signers = [yesAddress, ...honest.signers].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const signatures = signers.map((s) => (s === yesAddress ? "0x" : honest.signatures[0]!));
    await expect(p.pool.recordProofs(0n, 1n, proofs, [], { signers, signatures })).to.emit(p.pool, "BatchRecorded");
  });

  it("an account that is a yes-to-everything ERC-1271 contract gives its credit to whoever signs: the pool trusts the account's answer", async function () {
    const f = await loadFixture(signedFixture);
    const yes = await ethers.deployContract("MockYesWallet");
    const yesAddress = await yes.getAddress();
    await f.registry.connect(f.alice).setPayout(f.aliceDevices[3]!.deviceId, yesAddress);
    await f.record(0n, [f.proof(f.aliceDevices[3]!.deviceId, 3_000_000n)]);
    const claim = { account: yesAddress, recipient: f.stranger.address, maxFee: 0n, nonce: 0n, deadline: 2n ** 40n };
    // Any bytes pass for it: the stranger routes the wallet's credit to itself (documented in SECURITY.md).
    await expect(f.pool.connect(f.stranger).claimWithSig(claim, 0n, [], 0n, "0x1234"))
      .to.emit(f.pool, "Claimed")
      .withArgs(yesAddress, f.stranger.address, 999_999n, 0n);
  });
});
