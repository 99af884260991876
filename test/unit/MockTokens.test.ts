import { expect } from "chai";
import { MaxUint256, ZeroAddress, id, toBeHex, type TypedDataDomain } from "ethers";
import { network } from "hardhat";

import {
  type Authorization,
  readTokenDomain,
  signCancelAuthorization,
  signPermit,
  signReceiveWithAuthorization,
  signTransferWithAuthorization,
  type VrsSignature,
} from "../../sdk/src/index.js";
import { accounts } from "../helpers/accounts.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const USDC = 10n ** 6n;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** Selector of ERC-5267 `eip712Domain()`, which USDC does not have. */
const EIP712_DOMAIN_SELECTOR = "0x84b0196e";

async function deployTokensFixture() {
  const { admin, alice, bob, stranger, relayer } = await accounts(ethers);
  const usdc = await ethers.deployContract("MockUSDC");
  const fot = await ethers.deployContract("MockFeeOnTransferToken");
  const domain: TypedDataDomain = await readTokenDomain(ethers.provider, await usdc.getAddress());
  await usdc.mint(alice.address, 1_000n * USDC);
  return { usdc, fot, domain, admin, alice, bob, stranger, relayer };
}

/** An authorization from `from` to `to`, valid from now for an hour. */
async function authorization(from: string, to: string, value: bigint, nonce = id("nonce-1")): Promise<Authorization> {
  return { from, to, value, validAfter: 0n, validBefore: BigInt(await time.latest()) + 3600n, nonce };
}

describe("MockUSDC", function () {
  describe("metadata and EIP-712 domain", function () {
    it('looks like USDC: 6 decimals, version "2" and no ERC-5267 eip712Domain()', async function () {
      const { usdc } = await loadFixture(deployTokensFixture);
      expect(await usdc.name()).to.equal("Mock USD Coin");
      expect(await usdc.symbol()).to.equal("USDC");
      expect(await usdc.decimals()).to.equal(6n);
      expect(await usdc.version()).to.equal("2");
      expect(usdc.interface.hasFunction("eip712Domain()")).to.equal(false);
      await expect(ethers.provider.call({ to: await usdc.getAddress(), data: EIP712_DOMAIN_SELECTOR })).to.be.rejected;
    });

    it("signs over (name(), version(), chain id, its address), which DOMAIN_SEPARATOR() confirms", async function () {
      const { usdc, domain } = await loadFixture(deployTokensFixture);
      const { chainId } = await ethers.provider.getNetwork();
      expect(domain).to.deep.equal({
        name: "Mock USD Coin",
        version: "2",
        chainId,
        verifyingContract: await usdc.getAddress(),
      });
      expect(await usdc.DOMAIN_SEPARATOR()).to.equal(ethers.TypedDataEncoder.hashDomain(domain));
    });
  });

  describe("mint (test faucet)", function () {
    it("lets anyone mint", async function () {
      const { usdc, stranger } = await loadFixture(deployTokensFixture);
      await expect(usdc.connect(stranger).mint(stranger.address, 5n * USDC))
        .to.emit(usdc, "Transfer")
        .withArgs(ZeroAddress, stranger.address, 5n * USDC)
        .and.to.emit(usdc, "Mint")
        .withArgs(stranger.address, stranger.address, 5n * USDC);
      expect(await usdc.balanceOf(stranger.address)).to.equal(5n * USDC);
      expect(await usdc.totalSupply()).to.equal(1_005n * USDC);
    });

    it("refuses minting nothing or to the zero address, with USDC's reasons", async function () {
      const { usdc, stranger } = await loadFixture(deployTokensFixture);
      await expect(usdc.mint(ZeroAddress, 1n)).to.be.revertedWith("FiatToken: mint to the zero address");
      await expect(usdc.mint(stranger.address, 0n)).to.be.revertedWith("FiatToken: mint amount not greater than 0");
    });
  });

  describe("ERC-20", function () {
    it("refuses transfers beyond the balance or the allowance with USDC's reasons", async function () {
      const { usdc, alice, bob } = await loadFixture(deployTokensFixture);
      await expect(usdc.connect(alice).transfer(bob.address, 1_000n * USDC + 1n)).to.be.revertedWith(
        "ERC20: transfer amount exceeds balance",
      );
      await expect(usdc.connect(alice).transfer(ZeroAddress, 1n)).to.be.revertedWith(
        "ERC20: transfer to the zero address",
      );
      await expect(usdc.connect(bob).transferFrom(alice.address, bob.address, 1n)).to.be.revertedWith(
        "ERC20: transfer amount exceeds allowance",
      );
      await expect(usdc.connect(alice).approve(ZeroAddress, 1n)).to.be.revertedWith(
        "ERC20: approve to the zero address",
      );
      await usdc.connect(alice).approve(bob.address, 2_000n * USDC);
      await expect(usdc.connect(bob).transferFrom(alice.address, bob.address, 1_000n * USDC + 1n)).to.be.revertedWith(
        "ERC20: transfer amount exceeds balance",
      );
    });

    it("spends every allowance, an unlimited one too, as USDC does", async function () {
      const { usdc, alice, bob } = await loadFixture(deployTokensFixture);
      await usdc.connect(alice).approve(bob.address, MaxUint256);
      await expect(usdc.connect(bob).transferFrom(alice.address, bob.address, 10n)).to.changeTokenBalances(
        ethers,
        usdc,
        [alice, bob],
        [-10n, 10n],
      );
      expect(await usdc.allowance(alice.address, bob.address)).to.equal(MaxUint256 - 10n);
    });
  });

  describe("EIP-2612 permit", function () {
    it("sets an allowance from a signed permit, once", async function () {
      const { usdc, domain, alice, bob, relayer } = await loadFixture(deployTokensFixture);
      const deadline = BigInt(await time.latest()) + 3600n;
      const value = 250n * USDC;
      const { v, r, s } = await signPermit(alice, domain, {
        owner: alice.address,
        spender: bob.address,
        value,
        nonce: 0n,
        deadline,
      });
      await expect(usdc.connect(relayer).permit(alice.address, bob.address, value, deadline, v, r, s))
        .to.emit(usdc, "Approval")
        .withArgs(alice.address, bob.address, value);
      expect(await usdc.allowance(alice.address, bob.address)).to.equal(value);
      expect(await usdc.nonces(alice.address)).to.equal(1n);
      // The nonce moved on, so the same signature no longer matches.
      await expect(
        usdc.connect(relayer).permit(alice.address, bob.address, value, deadline, v, r, s),
      ).to.be.revertedWith("EIP2612: invalid signature");
      await usdc.connect(bob).transferFrom(alice.address, bob.address, value);
      expect(await usdc.balanceOf(bob.address)).to.equal(value);
    });

    it("refuses an expired permit; a deadline of 2^256 - 1 never expires", async function () {
      const { usdc, domain, alice, bob } = await loadFixture(deployTokensFixture);
      const deadline = BigInt(await time.latest()) + 10n;
      const permit = { owner: alice.address, spender: bob.address, value: 1n, nonce: 0n, deadline };
      const expired = await signPermit(alice, domain, permit);
      const forever = await signPermit(alice, domain, { ...permit, deadline: MaxUint256 });
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(
        usdc.permit(alice.address, bob.address, 1n, deadline, expired.v, expired.r, expired.s),
      ).to.be.revertedWith("FiatTokenV2: permit is expired");
      await expect(usdc.permit(alice.address, bob.address, 1n, MaxUint256, forever.v, forever.r, forever.s)).to.emit(
        usdc,
        "Approval",
      );
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
      await expect(submit()).to.be.revertedWith("FiatTokenV2: authorization is used or canceled");
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
      await expect(submit()).to.be.revertedWith("FiatTokenV2: authorization is used or canceled");
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
      ).to.be.revertedWith("FiatTokenV2: caller must be the payee");
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
      const transfer = (sig: VrsSignature, value = auth.value) =>
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
      for (const tx of [transfer(receiveSig), transfer(byStranger), transfer(good, auth.value + 1n)]) {
        await expect(tx).to.be.revertedWith("FiatTokenV2: invalid signature");
      }
      // As USDC's ECRecover: a malleable signature is refused outright, and so is a bad v.
      await expect(transfer(highS)).to.be.revertedWith("ECRecover: invalid signature 's' value");
      await expect(transfer({ ...good, v: 29 })).to.be.revertedWith("ECRecover: invalid signature 'v' value");
      await expect(transfer(good)).to.emit(usdc, "AuthorizationUsed");
    });

    it("refuses an authorization before validAfter and from validBefore on", async function () {
      const { usdc, domain, alice, bob } = await loadFixture(deployTokensFixture);
      const now = BigInt(await time.latest());

      const early: Authorization = { ...(await authorization(alice.address, bob.address, 1n)), validAfter: now + 100n };
      const earlySig = await signReceiveWithAuthorization(alice, domain, early);
      const receive = (a: Authorization, sig: VrsSignature) =>
        usdc
          .connect(bob)
          .receiveWithAuthorization(a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, sig.v, sig.r, sig.s);
      await time.setNextBlockTimestamp(now + 100n); // validAfter itself is still too early
      await expect(receive(early, earlySig)).to.be.revertedWith("FiatTokenV2: authorization is not yet valid");

      const late: Authorization = {
        ...(await authorization(alice.address, bob.address, 1n, id("late"))),
        validBefore: now + 200n,
      };
      const lateSig = await signReceiveWithAuthorization(alice, domain, late);
      await time.setNextBlockTimestamp(now + 200n); // validBefore itself is already too late
      await expect(receive(late, lateSig)).to.be.revertedWith("FiatTokenV2: authorization is expired");

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
      ).to.be.revertedWith("FiatTokenV2: invalid signature");
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
      ).to.be.revertedWith("FiatTokenV2: authorization is used or canceled");
      await expect(
        usdc.connect(relayer).cancelAuthorization(alice.address, auth.nonce, cancel.v, cancel.r, cancel.s),
      ).to.be.revertedWith("FiatTokenV2: authorization is used or canceled");
      expect(await usdc.balanceOf(bob.address)).to.equal(0n);
    });

    it("accepts an ERC-1271 contract wallet's authorization, as USDC v2.2 does", async function () {
      const { usdc, domain, alice, bob, relayer } = await loadFixture(deployTokensFixture);
      const wallet = await ethers.deployContract("MockERC1271Wallet", [alice.address]);
      const walletAddress = await wallet.getAddress();
      await usdc.mint(walletAddress, 10n * USDC);
      const auth = await authorization(walletAddress, bob.address, 10n * USDC);
      const byOwner = await signTransferWithAuthorization(alice, domain, auth);
      const byStranger = await signTransferWithAuthorization(bob, domain, auth);
      const submit = (sig: VrsSignature) =>
        usdc
          .connect(relayer)
          .transferWithAuthorization(
            auth.from,
            auth.to,
            auth.value,
            auth.validAfter,
            auth.validBefore,
            auth.nonce,
            sig.v,
            sig.r,
            sig.s,
          );
      await expect(submit(byStranger)).to.be.revertedWith("FiatTokenV2: invalid signature");
      await expect(submit(byOwner)).to.changeTokenBalances(ethers, usdc, [wallet, bob], [-10n * USDC, 10n * USDC]);
    });
  });

  describe("pause", function () {
    it("is worked by the pauser only, a role the owner hands over", async function () {
      const { usdc, admin, stranger } = await loadFixture(deployTokensFixture);
      expect(await usdc.owner()).to.equal(admin.address);
      expect(await usdc.pauser()).to.equal(admin.address);
      expect(await usdc.paused()).to.equal(false);
      for (const tx of [usdc.connect(stranger).pause(), usdc.connect(stranger).unpause()]) {
        await expect(tx).to.be.revertedWith("Pausable: caller is not the pauser");
      }
      await expect(usdc.connect(stranger).updatePauser(stranger.address)).to.be.revertedWith(
        "Ownable: caller is not the owner",
      );
      await expect(usdc.connect(admin).updatePauser(ZeroAddress)).to.be.revertedWith(
        "Pausable: new pauser is the zero address",
      );
      await expect(usdc.connect(admin).updatePauser(stranger.address))
        .to.emit(usdc, "PauserChanged")
        .withArgs(stranger.address);
      await expect(usdc.connect(admin).pause()).to.be.revertedWith("Pausable: caller is not the pauser");
      await expect(usdc.connect(stranger).pause()).to.emit(usdc, "Pause");
      expect(await usdc.paused()).to.equal(true);
      await expect(usdc.connect(stranger).unpause()).to.emit(usdc, "Unpause");
      expect(await usdc.paused()).to.equal(false);
    });

    it("refuses transfers, mints, approvals, permits and authorizations while paused, and resumes", async function () {
      const { usdc, domain, admin, alice, bob, relayer } = await loadFixture(deployTokensFixture);
      await usdc.connect(alice).approve(bob.address, 100n * USDC);
      const deadline = BigInt(await time.latest()) + 3600n;
      const permit = await signPermit(alice, domain, {
        owner: alice.address,
        spender: relayer.address,
        value: 1n,
        nonce: 0n,
        deadline,
      });
      const auth = await authorization(alice.address, bob.address, 1n);
      const transferSig = await signTransferWithAuthorization(alice, domain, auth);
      const receiveSig = await signReceiveWithAuthorization(alice, domain, { ...auth, nonce: id("receive") });
      const cancelSig = await signCancelAuthorization(alice, domain, alice.address, id("cancel"));
      const a = auth;

      await usdc.connect(admin).pause();
      for (const tx of [
        usdc.connect(alice).transfer(bob.address, 1n),
        usdc.connect(bob).transferFrom(alice.address, bob.address, 1n),
        usdc.connect(alice).approve(bob.address, 1n),
        usdc.mint(alice.address, 1n),
        usdc.permit(alice.address, relayer.address, 1n, deadline, permit.v, permit.r, permit.s),
        usdc
          .connect(relayer)
          .transferWithAuthorization(a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, ...vrs(transferSig)),
        usdc
          .connect(bob)
          .receiveWithAuthorization(
            a.from,
            a.to,
            a.value,
            a.validAfter,
            a.validBefore,
            id("receive"),
            ...vrs(receiveSig),
          ),
        usdc.cancelAuthorization(alice.address, id("cancel"), ...vrs(cancelSig)),
      ]) {
        await expect(tx).to.be.revertedWith("Pausable: paused");
      }

      await usdc.connect(admin).unpause();
      await expect(usdc.connect(bob).transferFrom(alice.address, bob.address, 1n)).to.changeTokenBalances(
        ethers,
        usdc,
        [alice, bob],
        [-1n, 1n],
      );
      await expect(usdc.permit(alice.address, relayer.address, 1n, deadline, permit.v, permit.r, permit.s)).to.emit(
        usdc,
        "Approval",
      );
      await expect(
        usdc
          .connect(relayer)
          .transferWithAuthorization(a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, ...vrs(transferSig)),
      ).to.emit(usdc, "AuthorizationUsed");
    });
  });

  describe("blacklist", function () {
    it("is worked by the blacklister only, a role the owner hands over", async function () {
      const { usdc, admin, bob, stranger } = await loadFixture(deployTokensFixture);
      expect(await usdc.blacklister()).to.equal(admin.address);
      for (const tx of [
        usdc.connect(stranger).blacklist(bob.address),
        usdc.connect(stranger).unBlacklist(bob.address),
      ]) {
        await expect(tx).to.be.revertedWith("Blacklistable: caller is not the blacklister");
      }
      await expect(usdc.connect(stranger).updateBlacklister(stranger.address)).to.be.revertedWith(
        "Ownable: caller is not the owner",
      );
      await expect(usdc.connect(admin).updateBlacklister(ZeroAddress)).to.be.revertedWith(
        "Blacklistable: new blacklister is the zero address",
      );
      await expect(usdc.connect(admin).updateBlacklister(stranger.address))
        .to.emit(usdc, "BlacklisterChanged")
        .withArgs(stranger.address);
      await expect(usdc.connect(stranger).blacklist(bob.address)).to.emit(usdc, "Blacklisted").withArgs(bob.address);
      expect(await usdc.isBlacklisted(bob.address)).to.equal(true);
      await expect(usdc.connect(admin).unBlacklist(bob.address)).to.be.revertedWith(
        "Blacklistable: caller is not the blacklister",
      );
    });

    it("blocks a blacklisted sender, recipient, spender and payer until un-blacklisted", async function () {
      const { usdc, domain, admin, alice, bob, stranger } = await loadFixture(deployTokensFixture);
      await usdc.connect(alice).approve(stranger.address, 100n * USDC);
      await usdc.mint(bob.address, 100n * USDC);

      await expect(usdc.connect(admin).blacklist(alice.address)).to.emit(usdc, "Blacklisted").withArgs(alice.address);
      // The flag shares the balance slot but never shows in the balance.
      expect(await usdc.balanceOf(alice.address)).to.equal(1_000n * USDC);
      const blocked = [
        usdc.connect(alice).transfer(bob.address, 1n), // sender
        usdc.connect(stranger).transferFrom(alice.address, bob.address, 1n), // holder
        usdc.connect(bob).transfer(alice.address, 1n), // recipient of a transfer
        usdc.connect(bob).mint(alice.address, 1n), // recipient of a mint
        usdc.connect(alice).mint(bob.address, 1n), // minter
      ];
      for (const tx of blocked) await expect(tx).to.be.revertedWith("Blacklistable: account is blacklisted");
      // Signed authorizations from a blacklisted payer.
      const auth = await authorization(alice.address, bob.address, 1n);
      const sig = await signReceiveWithAuthorization(alice, domain, auth);
      const receive = () =>
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
          );
      await expect(receive()).to.be.revertedWith("Blacklistable: account is blacklisted");

      // A blacklisted spender cannot pull from a clean holder.
      await usdc.connect(bob).approve(stranger.address, 10n);
      await usdc.connect(admin).blacklist(stranger.address);
      await expect(usdc.connect(stranger).transferFrom(bob.address, admin.address, 1n)).to.be.revertedWith(
        "Blacklistable: account is blacklisted",
      );

      await expect(usdc.connect(admin).unBlacklist(alice.address))
        .to.emit(usdc, "UnBlacklisted")
        .withArgs(alice.address);
      expect(await usdc.isBlacklisted(alice.address)).to.equal(false);
      expect(await usdc.balanceOf(alice.address)).to.equal(1_000n * USDC);
      await expect(usdc.connect(alice).transfer(bob.address, 1n)).to.changeTokenBalances(
        ethers,
        usdc,
        [alice, bob],
        [-1n, 1n],
      );
      await expect(receive()).to.emit(usdc, "AuthorizationUsed");
    });

    it("checks neither approvals nor the relayer of an authorization, as USDC v2.2", async function () {
      const { usdc, domain, admin, alice, bob, relayer } = await loadFixture(deployTokensFixture);
      await usdc.connect(admin).blacklist(bob.address);
      await usdc.connect(admin).blacklist(relayer.address);
      await expect(usdc.connect(bob).approve(alice.address, 1n)).to.emit(usdc, "Approval");
      await expect(usdc.connect(alice).approve(bob.address, 1n)).to.emit(usdc, "Approval");
      const auth = await authorization(alice.address, admin.address, 1n);
      const { v, r, s } = await signTransferWithAuthorization(alice, domain, auth);
      await expect(
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
          ),
      ).to.changeTokenBalances(ethers, usdc, [alice, admin], [-1n, 1n]);
    });
  });
});

/** A signature as the `(v, r, s)` arguments of USDC's functions. */
function vrs(sig: VrsSignature): [number, string, string] {
  return [sig.v, sig.r, sig.s];
}

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
