import { expect } from "chai";
import {
  AbiCoder,
  BrowserProvider,
  concat,
  id,
  type ContractRunner,
  type Provider,
  type TransactionRequest,
  type TypedDataDomain,
} from "ethers";
import { network } from "hardhat";

import {
  ContractRevertError,
  decodeContractError,
  DepinError,
  PanicError,
  readTokenDomain,
  signPermit,
  TokenDomainMismatchError,
  TokenDomainUnavailableError,
  TokenRevertError,
  withDecodedErrors,
} from "../../sdk/src/index.js";
import { accounts } from "../helpers/accounts.js";
import { closeEpoch, poolFixture } from "../helpers/pool.js";

const { ethers, networkHelpers, provider: eip1193 } = await network.create();
const { loadFixture, time } = networkHelpers;

const EIP712_DOMAIN = id("eip712Domain()").slice(0, 10);
const DOMAIN_SEPARATOR = id("DOMAIN_SEPARATOR()").slice(0, 10);

async function tokensFixture() {
  const { alice, bob } = await accounts(ethers);
  const usdc = await ethers.deployContract("MockUSDC");
  const permitToken = await ethers.deployContract("MockPermitToken");
  const fot = await ethers.deployContract("MockFeeOnTransferToken");
  const { chainId } = await ethers.provider.getNetwork();
  await usdc.mint(alice.address, 100n);
  await permitToken.mint(alice.address, 100n);
  return { usdc, permitToken, fot, chainId, alice, bob };
}

const poolWithUsdc = () => poolFixture(ethers);

/** A read-only runner over the test chain that answers calls starting with `selector` itself, with `result`. */
function answering(selector: string, result: string): ContractRunner {
  const provider: Provider = ethers.provider;
  return {
    provider,
    call: async (tx: TransactionRequest) =>
      typeof tx.data === "string" && tx.data.startsWith(selector) ? result : provider.call(tx),
  };
}

/** Checks that a permit signed over `domain` is accepted by `token`: the domain is the one the token verifies. */
async function permitWorks(
  token: {
    permit(...args: [string, string, bigint, bigint, number, string, string]): Promise<unknown>;
    allowance(owner: string, spender: string): Promise<bigint>;
  },
  domain: TypedDataDomain,
) {
  const { alice, bob } = await accounts(ethers);
  const deadline = BigInt(await time.latest()) + 3600n;
  const permit = { owner: alice.address, spender: bob.address, value: 7n, nonce: 0n, deadline };
  const { v, r, s } = await signPermit(alice, domain, permit);
  await token.permit(alice.address, bob.address, 7n, deadline, v, r, s);
  expect(await token.allowance(alice.address, bob.address)).to.equal(7n);
}

describe("SDK token reads", function () {
  describe("readTokenDomain", function () {
    it("reads USDC's domain, which has no eip712Domain(), from name() and version(), checked", async function () {
      const { usdc, chainId, alice } = await loadFixture(tokensFixture);
      const address = await usdc.getAddress();
      const expected = { name: "Mock USD Coin", version: "2", chainId, verifyingContract: address };
      expect(await readTokenDomain(ethers.provider, address)).to.deep.equal(expected);
      // A signer works as the runner too, and the address may come in any case.
      expect(await readTokenDomain(alice, address.toLowerCase())).to.deep.equal(expected);
      // So does a plain ethers JSON-RPC provider, which reports reverts its own way (CALL_EXCEPTION).
      expect(await readTokenDomain(new BrowserProvider(eip1193), address)).to.deep.equal(expected);
      await permitWorks(usdc, expected);
    });

    it("reads an ERC-5267 token's domain from eip712Domain()", async function () {
      const { permitToken, chainId } = await loadFixture(tokensFixture);
      const address = await permitToken.getAddress();
      const domain = await readTokenDomain(ethers.provider, address);
      expect(domain).to.deep.equal({ name: "Mock Permit Token", version: "1", chainId, verifyingContract: address });
      await permitWorks(permitToken, domain);
    });

    it('tries version "1" for a token with neither eip712Domain() nor version()', async function () {
      const { permitToken, chainId } = await loadFixture(tokensFixture);
      const address = await permitToken.getAddress();
      // As if the token had no eip712Domain(): the call returns nothing (a fallback that accepts any call).
      const domain = await readTokenDomain(answering(EIP712_DOMAIN, "0x"), address);
      expect(domain).to.deep.equal({ name: "Mock Permit Token", version: "1", chainId, verifyingContract: address });
    });

    it("throws a TokenDomainMismatchError naming the token and both separators", async function () {
      const { usdc, permitToken } = await loadFixture(tokensFixture);
      const wrong = id("some other domain");
      for (const token of [usdc, permitToken]) {
        const address = await token.getAddress();
        const computed = ethers.TypedDataEncoder.hashDomain(await readTokenDomain(ethers.provider, address));
        try {
          await readTokenDomain(answering(DOMAIN_SEPARATOR, wrong), address);
          expect.fail("readTokenDomain should have thrown");
        } catch (error) {
          expect(error).to.be.instanceOf(TokenDomainMismatchError).and.instanceOf(DepinError);
          const e = error as TokenDomainMismatchError;
          expect(e.token).to.equal(address);
          expect(e.computedSeparator).to.equal(computed);
          expect(e.onChainSeparator).to.equal(wrong);
          expect(e.shortMessage)
            .to.contain(await token.name())
            .and.contain(address);
          expect(e.shortMessage).to.contain(computed).and.contain(wrong);
        }
      }
    });

    it("throws a TokenDomainUnavailableError for a token that cannot be signed for", async function () {
      const { fot } = await loadFixture(tokensFixture);
      await expect(readTokenDomain(ethers.provider, await fot.getAddress())).to.be.rejectedWith(
        TokenDomainUnavailableError,
        /no DOMAIN_SEPARATOR\(\)/,
      );
    });
  });
});

describe("SDK errors for token reverts", function () {
  it("decodes a token's reason string into a TokenRevertError whose message carries the reason", async function () {
    const { usdc, alice, bob } = await loadFixture(tokensFixture);
    await usdc.blacklist(alice.address);
    try {
      await withDecodedErrors([], async () => (await usdc.connect(alice).transfer(bob.address, 1n)).wait());
      expect.fail("the transfer should have reverted");
    } catch (error) {
      expect(error).to.be.instanceOf(TokenRevertError).and.instanceOf(ContractRevertError);
      const e = error as TokenRevertError;
      expect(e.reason).to.equal("Blacklistable: account is blacklisted");
      expect(e.errorName).to.equal("Error");
      expect(e.args).to.deep.equal(["Blacklistable: account is blacklisted"]);
      expect(e.shortMessage).to.equal('reverted: "Blacklistable: account is blacklisted"');
      expect(e.message).to.contain("Blacklistable: account is blacklisted").and.contain("blacklisted the sender");
    }
  });

  it("carries the token's reason up through a pool: blacklist, pause, allowance", async function () {
    const { pool, usdc, admin, alice, stranger, record, proof, aliceDevices } = await loadFixture(poolWithUsdc);
    await closeEpoch(time, pool, 0n);
    await record(0n, [proof(aliceDevices[0]!.deviceId, 30n)]);
    const interfaces = [pool.interface];

    await usdc.connect(admin).blacklist(alice.address);
    await expect(withDecodedErrors(interfaces, () => pool.claim(alice.address, 0n, []))).to.be.rejectedWith(
      TokenRevertError,
      "Blacklistable: account is blacklisted",
    );
    await usdc.connect(admin).unBlacklist(alice.address);

    await usdc.connect(admin).pause();
    await expect(withDecodedErrors(interfaces, () => pool.claim(alice.address, 0n, []))).to.be.rejectedWith(
      TokenRevertError,
      "Pausable: paused",
    );
    await usdc.connect(admin).unpause();

    await usdc.mint(stranger.address, 5n);
    await expect(
      withDecodedErrors(interfaces, () => pool.connect(stranger).fund(5n, id("no-approval"))),
    ).to.be.rejectedWith(TokenRevertError, "ERC20: transfer amount exceeds allowance");
  });

  it("decodes a panic into a PanicError naming it", function () {
    const data = concat(["0x4e487b71", AbiCoder.defaultAbiCoder().encode(["uint256"], [0x11])]);
    const cause = Object.assign(new Error("execution reverted"), { code: 3, data });
    const decoded = decodeContractError(cause, []);
    expect(decoded).to.be.instanceOf(PanicError).and.instanceOf(ContractRevertError);
    const e = decoded as PanicError;
    expect(e.code).to.equal(0x11n);
    expect(e.shortMessage).to.equal("panicked: arithmetic overflow or underflow (0x11)");
    expect(e.cause).to.equal(cause);
  });
});
