import { expect } from "chai";
import { ZeroAddress, id, toBeHex, type TypedDataDomain } from "ethers";
import { network } from "hardhat";

import {
  PERMIT_TYPES,
  signCancelAuthorization,
  signReceiveWithAuthorization,
  signTransferWithAuthorization,
  type Authorization,
} from "../../sdk/src/core/eip3009.js";
import { accounts } from "../helpers/accounts.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const USDC = 10n ** 6n;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

async function deployTokensFixture() {
  const { admin, alice, bob, stranger, relayer } = await accounts(ethers);
  const usdc = await ethers.deployContract("MockUSDC");
  const fot = await ethers.deployContract("MockFeeOnTransferToken");
  const [, name, version, chainId, verifyingContract] = await usdc.eip712Domain();
  const domain: TypedDataDomain = { name, version, chainId, verifyingContract };
  await usdc.mint(alice.address, 1_000n * USDC);
  return { usdc, fot, domain, admin, alice, bob, stranger, relayer };
}

/** An authorization from `from` to `to`, valid from now for an hour. */
async function authorization(from: string, to: string, value: bigint, nonce = id("nonce-1")): Promise<Authorization> {
  return { from, to, value, validAfter: 0n, validBefore: BigInt(await time.latest()) + 3600n, nonce };
}

describe("MockUSDC", function () {
  describe("metadata and EIP-2612 permit", function () {
    it('looks like USDC: 6 decimals and the EIP-712 domain ("Mock USD Coin", "2")', async function () {
      const { usdc, domain } = await loadFixture(deployTokensFixture);
      expect(await usdc.name()).to.equal("Mock USD Coin");
      expect(await usdc.symbol()).to.equal("USDC");
      expect(await usdc.decimals()).to.equal(6n);
      expect(domain.name).to.equal("Mock USD Coin");
      expect(domain.version).to.equal("2");
      expect(await usdc.DOMAIN_SEPARATOR()).to.equal(ethers.TypedDataEncoder.hashDomain(domain));
    });

    it("lets anyone mint (test faucet)", async function () {
      const { usdc, stranger } = await loadFixture(deployTokensFixture);
      await expect(usdc.connect(stranger).mint(stranger.address, 5n * USDC))
        .to.emit(usdc, "Transfer")
        .withArgs(ZeroAddress, stranger.address, 5n * USDC);
      expect(await usdc.balanceOf(stranger.address)).to.equal(5n * USDC);
    });

    it("sets an allowance from a signed permit, once", async function () {
      const { usdc, domain, alice, bob, relayer } = await loadFixture(deployTokensFixture);
      const deadline = BigInt(await time.latest()) + 3600n;
      const value = 250n * USDC;
      const signature = await alice.signTypedData(domain, PERMIT_TYPES, {
        owner: alice.address,
        spender: bob.address,
        value,
        nonce: 0n,
        deadline,
      });
      const { v, r, s } = ethers.Signature.from(signature);
      await expect(usdc.connect(relayer).permit(alice.address, bob.address, value, deadline, v, r, s))
        .to.emit(usdc, "Approval")
        .withArgs(alice.address, bob.address, value);
      expect(await usdc.allowance(alice.address, bob.address)).to.equal(value);
      expect(await usdc.nonces(alice.address)).to.equal(1n);
      // The nonce moved on, so the same signature no longer matches.
      await expect(
        usdc.connect(relayer).permit(alice.address, bob.address, value, deadline, v, r, s),
      ).to.be.revertedWithCustomError(usdc, "MockUSDCInvalidSignature");
      await usdc.connect(bob).transferFrom(alice.address, bob.address, value);
      expect(await usdc.balanceOf(bob.address)).to.equal(value);
    });

    it("refuses an expired permit", async function () {
      const { usdc, domain, alice, bob } = await loadFixture(deployTokensFixture);
      const deadline = BigInt(await time.latest()) + 10n;
      const signature = await alice.signTypedData(domain, PERMIT_TYPES, {
        owner: alice.address,
        spender: bob.address,
        value: 1n,
        nonce: 0n,
        deadline,
      });
      const { v, r, s } = ethers.Signature.from(signature);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(usdc.permit(alice.address, bob.address, 1n, deadline, v, r, s))
        .to.be.revertedWithCustomError(usdc, "MockUSDCPermitExpired")
        .withArgs(deadline, deadline + 1n);
    });
  });

  describe("EIP-3009", function () {
    it("transferWithAuthorization moves funds for any submitter and cannot be replayed", async function () {
      const { usdc, domain, alice, bob, relayer } = await loadFixture(deployTokensFixture);
      const auth = await authorization(alice.address, bob.address, 100n * USDC);
      const { v, r, s } = await signTransferWithAuthorization(alice, domain, auth);
      const submit = () =>
        usdc
          .connect(relayer)
          .transferWithAuthorization(
            auth.from,
            auth.to,
            auth.value,
            auth.validAfter,
            auth.validBefore,
            auth.nonce,
            v,
            r,
            s,
          );
      expect(await usdc.authorizationState(alice.address, auth.nonce)).to.equal(false);
      await expect(submit())
        .to.emit(usdc, "AuthorizationUsed")
        .withArgs(alice.address, auth.nonce)
        .and.to.emit(usdc, "Transfer")
        .withArgs(alice.address, bob.address, 100n * USDC);
      expect(await usdc.balanceOf(bob.address)).to.equal(100n * USDC);
      expect(await usdc.balanceOf(alice.address)).to.equal(900n * USDC);
      expect(await usdc.authorizationState(alice.address, auth.nonce)).to.equal(true);
      await expect(submit())
        .to.be.revertedWithCustomError(usdc, "MockUSDCAuthorizationUsed")
        .withArgs(alice.address, auth.nonce);
    });

    it("receiveWithAuthorization pays the calling payee and cannot be replayed", async function () {
      const { usdc, domain, alice, bob } = await loadFixture(deployTokensFixture);
      const auth = await authorization(alice.address, bob.address, 40n * USDC, id("receive"));
      const { v, r, s } = await signReceiveWithAuthorization(alice, domain, auth);
      const submit = () =>
        usdc
          .connect(bob)
          .receiveWithAuthorization(
            auth.from,
            auth.to,
            auth.value,
            auth.validAfter,
            auth.validBefore,
            auth.nonce,
            v,
            r,
            s,
          );
      await expect(submit())
        .to.emit(usdc, "AuthorizationUsed")
        .withArgs(alice.address, auth.nonce)
        .and.to.emit(usdc, "Transfer")
        .withArgs(alice.address, bob.address, 40n * USDC);
      expect(await usdc.balanceOf(bob.address)).to.equal(40n * USDC);
      await expect(submit())
        .to.be.revertedWithCustomError(usdc, "MockUSDCAuthorizationUsed")
        .withArgs(alice.address, auth.nonce);
    });

    it("receiveWithAuthorization refuses any caller but the payee", async function () {
      const { usdc, domain, alice, bob, stranger } = await loadFixture(deployTokensFixture);
      const auth = await authorization(alice.address, bob.address, 40n * USDC);
      const { v, r, s } = await signReceiveWithAuthorization(alice, domain, auth);
      await expect(
        usdc
          .connect(stranger)
          .receiveWithAuthorization(
            auth.from,
            auth.to,
            auth.value,
            auth.validAfter,
            auth.validBefore,
            auth.nonce,
            v,
            r,
            s,
          ),
      )
        .to.be.revertedWithCustomError(usdc, "MockUSDCCallerMustBePayee")
        .withArgs(stranger.address, bob.address);
      expect(await usdc.authorizationState(alice.address, auth.nonce)).to.equal(false);
    });

    it("keeps the two authorization types apart and rejects wrong, tampered or high-s signatures", async function () {
      const { usdc, domain, alice, bob, stranger } = await loadFixture(deployTokensFixture);
      const auth = await authorization(alice.address, bob.address, 10n * USDC);
      const receiveSig = await signReceiveWithAuthorization(alice, domain, auth);
      const byStranger = await signTransferWithAuthorization(stranger, domain, auth);
      const good = await signTransferWithAuthorization(alice, domain, auth);
      const highS = {
        v: good.v === 27 ? 28 : 27,
        r: good.r,
        s: toBeHex(SECP256K1_N - BigInt(good.s), 32),
      };
      const transfer = (sig: { v: number; r: string; s: string }, value = auth.value) =>
        usdc
          .connect(bob)
          .transferWithAuthorization(
            auth.from,
            auth.to,
            value,
            auth.validAfter,
            auth.validBefore,
            auth.nonce,
            sig.v,
            sig.r,
            sig.s,
          );
      for (const tx of [transfer(receiveSig), transfer(byStranger), transfer(good, auth.value + 1n), transfer(highS)]) {
        await expect(tx).to.be.revertedWithCustomError(usdc, "MockUSDCInvalidSignature");
      }
      await expect(transfer(good)).to.emit(usdc, "AuthorizationUsed");
    });

    it("refuses an authorization before validAfter and from validBefore on", async function () {
      const { usdc, domain, alice, bob } = await loadFixture(deployTokensFixture);
      const now = BigInt(await time.latest());

      const early: Authorization = { ...(await authorization(alice.address, bob.address, 1n)), validAfter: now + 100n };
      const earlySig = await signReceiveWithAuthorization(alice, domain, early);
      const receive = (a: Authorization, sig: { v: number; r: string; s: string }) =>
        usdc
          .connect(bob)
          .receiveWithAuthorization(a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, sig.v, sig.r, sig.s);
      await time.setNextBlockTimestamp(now + 100n); // validAfter itself is still too early
      await expect(receive(early, earlySig))
        .to.be.revertedWithCustomError(usdc, "MockUSDCAuthorizationNotYetValid")
        .withArgs(now + 100n, now + 100n);

      const late: Authorization = {
        ...(await authorization(alice.address, bob.address, 1n, id("late"))),
        validBefore: now + 200n,
      };
      const lateSig = await signReceiveWithAuthorization(alice, domain, late);
      await time.setNextBlockTimestamp(now + 200n); // validBefore itself is already too late
      await expect(receive(late, lateSig))
        .to.be.revertedWithCustomError(usdc, "MockUSDCAuthorizationExpired")
        .withArgs(now + 200n, now + 200n);

      // Inside the window the early one works.
      await expect(receive(early, earlySig)).to.emit(usdc, "AuthorizationUsed");
    });

    it("cancelAuthorization burns an unused nonce", async function () {
      const { usdc, domain, alice, bob, relayer } = await loadFixture(deployTokensFixture);
      const auth = await authorization(alice.address, bob.address, 10n * USDC, id("to-cancel"));
      const sig = await signReceiveWithAuthorization(alice, domain, auth);
      const cancel = await signCancelAuthorization(alice, domain, alice.address, auth.nonce);
      // Only the authorizer's signature cancels.
      const forged = await signCancelAuthorization(bob, domain, alice.address, auth.nonce);
      await expect(
        usdc.connect(relayer).cancelAuthorization(alice.address, auth.nonce, forged.v, forged.r, forged.s),
      ).to.be.revertedWithCustomError(usdc, "MockUSDCInvalidSignature");
      await expect(usdc.connect(relayer).cancelAuthorization(alice.address, auth.nonce, cancel.v, cancel.r, cancel.s))
        .to.emit(usdc, "AuthorizationCanceled")
        .withArgs(alice.address, auth.nonce);
      expect(await usdc.authorizationState(alice.address, auth.nonce)).to.equal(true);
      await expect(
        usdc
          .connect(bob)
          .receiveWithAuthorization(
            auth.from,
            auth.to,
            auth.value,
            auth.validAfter,
            auth.validBefore,
            auth.nonce,
            sig.v,
            sig.r,
            sig.s,
          ),
      )
        .to.be.revertedWithCustomError(usdc, "MockUSDCAuthorizationUsed")
        .withArgs(alice.address, auth.nonce);
      await expect(usdc.connect(relayer).cancelAuthorization(alice.address, auth.nonce, cancel.v, cancel.r, cancel.s))
        .to.be.revertedWithCustomError(usdc, "MockUSDCAuthorizationUsed")
        .withArgs(alice.address, auth.nonce);
      expect(await usdc.balanceOf(bob.address)).to.equal(0n);
    });
  });

  describe("blacklist", function () {
    it("is managed by the blacklister only, who can hand the role over", async function () {
      const { usdc, admin, bob, stranger } = await loadFixture(deployTokensFixture);
      expect(await usdc.blacklister()).to.equal(admin.address);
      for (const tx of [
        usdc.connect(stranger).blacklist(bob.address),
        usdc.connect(stranger).unBlacklist(bob.address),
        usdc.connect(stranger).setBlacklister(stranger.address),
      ]) {
        await expect(tx).to.be.revertedWithCustomError(usdc, "MockUSDCCallerNotBlacklister").withArgs(stranger.address);
      }
      await expect(usdc.connect(admin).setBlacklister(ZeroAddress))
        .to.be.revertedWithCustomError(usdc, "MockUSDCInvalidBlacklister")
        .withArgs(ZeroAddress);
      await expect(usdc.connect(admin).setBlacklister(stranger.address))
        .to.emit(usdc, "BlacklisterChanged")
        .withArgs(stranger.address);
      await expect(usdc.connect(stranger).blacklist(bob.address)).to.emit(usdc, "Blacklisted").withArgs(bob.address);
      expect(await usdc.isBlacklisted(bob.address)).to.equal(true);
      await expect(usdc.connect(admin).unBlacklist(bob.address))
        .to.be.revertedWithCustomError(usdc, "MockUSDCCallerNotBlacklister")
        .withArgs(admin.address);
    });

    it("blocks a blacklisted sender, recipient, spender and approver until un-blacklisted", async function () {
      const { usdc, domain, admin, alice, bob, stranger } = await loadFixture(deployTokensFixture);
      await usdc.connect(alice).approve(stranger.address, 100n * USDC);
      await usdc.mint(bob.address, 100n * USDC);

      await expect(usdc.connect(admin).blacklist(alice.address)).to.emit(usdc, "Blacklisted").withArgs(alice.address);
      // Sender.
      await expect(usdc.connect(alice).transfer(bob.address, 1n))
        .to.be.revertedWithCustomError(usdc, "MockUSDCBlacklisted")
        .withArgs(alice.address);
      await expect(usdc.connect(stranger).transferFrom(alice.address, bob.address, 1n))
        .to.be.revertedWithCustomError(usdc, "MockUSDCBlacklisted")
        .withArgs(alice.address);
      // Recipient, of a transfer and of a mint.
      await expect(usdc.connect(bob).transfer(alice.address, 1n))
        .to.be.revertedWithCustomError(usdc, "MockUSDCBlacklisted")
        .withArgs(alice.address);
      await expect(usdc.connect(bob).mint(alice.address, 1n))
        .to.be.revertedWithCustomError(usdc, "MockUSDCBlacklisted")
        .withArgs(alice.address);
      // Approvals either way.
      await expect(usdc.connect(alice).approve(bob.address, 1n))
        .to.be.revertedWithCustomError(usdc, "MockUSDCBlacklisted")
        .withArgs(alice.address);
      await expect(usdc.connect(bob).approve(alice.address, 1n))
        .to.be.revertedWithCustomError(usdc, "MockUSDCBlacklisted")
        .withArgs(alice.address);
      // Signed authorizations from a blacklisted payer.
      const auth = await authorization(alice.address, bob.address, 1n);
      const sig = await signReceiveWithAuthorization(alice, domain, auth);
      await expect(
        usdc
          .connect(bob)
          .receiveWithAuthorization(
            auth.from,
            auth.to,
            auth.value,
            auth.validAfter,
            auth.validBefore,
            auth.nonce,
            sig.v,
            sig.r,
            sig.s,
          ),
      )
        .to.be.revertedWithCustomError(usdc, "MockUSDCBlacklisted")
        .withArgs(alice.address);

      // A blacklisted spender cannot pull from a clean holder.
      await usdc.connect(bob).approve(stranger.address, 10n);
      await usdc.connect(admin).blacklist(stranger.address);
      await expect(usdc.connect(stranger).transferFrom(bob.address, admin.address, 1n))
        .to.be.revertedWithCustomError(usdc, "MockUSDCBlacklisted")
        .withArgs(stranger.address);

      await expect(usdc.connect(admin).unBlacklist(alice.address))
        .to.emit(usdc, "UnBlacklisted")
        .withArgs(alice.address);
      expect(await usdc.isBlacklisted(alice.address)).to.equal(false);
      await expect(usdc.connect(alice).transfer(bob.address, 1n)).to.changeTokenBalances(
        ethers,
        usdc,
        [alice, bob],
        [-1n, 1n],
      );
      await expect(
        usdc
          .connect(bob)
          .receiveWithAuthorization(
            auth.from,
            auth.to,
            auth.value,
            auth.validAfter,
            auth.validBefore,
            auth.nonce,
            sig.v,
            sig.r,
            sig.s,
          ),
      ).to.emit(usdc, "AuthorizationUsed");
    });
  });
});

describe("MockFeeOnTransferToken", function () {
  it("has 6 decimals and an open, fee-free mint", async function () {
    const { fot, stranger } = await loadFixture(deployTokensFixture);
    expect(await fot.decimals()).to.equal(6n);
    await fot.connect(stranger).mint(stranger.address, 1_000n * USDC);
    expect(await fot.balanceOf(stranger.address)).to.equal(1_000n * USDC);
  });

  it("delivers 99% of every transfer and burns the rest", async function () {
    const { fot, alice, bob, stranger } = await loadFixture(deployTokensFixture);
    await fot.mint(alice.address, 2_000n * USDC);
    await expect(fot.connect(alice).transfer(bob.address, 1_000n * USDC))
      .to.emit(fot, "Transfer")
      .withArgs(alice.address, bob.address, 990n * USDC)
      .and.to.emit(fot, "Transfer")
      .withArgs(alice.address, ZeroAddress, 10n * USDC);
    expect(await fot.balanceOf(alice.address)).to.equal(1_000n * USDC);
    expect(await fot.balanceOf(bob.address)).to.equal(990n * USDC);
    expect(await fot.totalSupply()).to.equal(1_990n * USDC);

    await fot.connect(alice).approve(stranger.address, 500n * USDC);
    await fot.connect(stranger).transferFrom(alice.address, stranger.address, 500n * USDC);
    expect(await fot.balanceOf(stranger.address)).to.equal(495n * USDC);
    expect(await fot.balanceOf(alice.address)).to.equal(500n * USDC);
  });
});
