/**
 * The contracts as an outside client and a deployer see them: every signed message type documented in the
 * interfaces' NatSpec is exactly what the contracts hash and what the SDK signs, and every contract keeps a stated
 * margin under the EVM's code size limits.
 */
import { readFile } from "node:fs/promises";

import { expect } from "chai";
import { TypedDataEncoder, keccak256, toUtf8Bytes, type ErrorFragment } from "ethers";
import { network } from "hardhat";

import {
  BUNDLE_DOMAIN_NAME,
  BUNDLE_DOMAIN_VERSION,
  CLAIM_BUNDLE_TYPES,
  CLAIM_TYPES,
  CLAWBACK_TYPES,
  EPOCH_COMMIT_TYPES,
  PROOF_BATCH_TYPES,
  PUSH_RECIPIENT_TYPES,
  WORK_REPORT_TYPES,
} from "../../sdk/src/index.js";

const { ethers } = await network.create();

/** EIP-170 and EIP-3860 limits, and the margin every contract must keep under them. */
const CODE_SIZE_LIMIT = 24_576;
const INITCODE_SIZE_LIMIT = 49_152;
const CODE_MARGIN = 1_024;
const INITCODE_MARGIN = 2_048;

/** The backquoted EIP-712 type strings (`Name(type field,...)`) of an interface's NatSpec, joined across lines. */
async function documentedTypes(file: string): Promise<Map<string, string>> {
  const source = await readFile(file, "utf8");
  const natspec = source
    .split("\n")
    .filter((line) => line.trim().startsWith("///"))
    .map((line) => line.trim().replace(/^\/\/\/\s?/, ""))
    .join("\n");
  const types = new Map<string, string>();
  for (const match of natspec.matchAll(/`([A-Z]\w*\((?:[^`)]*)\))`/g)) {
    const typeString = match[1]!.replace(/\n\s*/g, "");
    if (/^\w+\((?:\w+ \w+(?:,\w+ \w+)*)?\)$/.test(typeString)) types.set(typeString.split("(")[0]!, typeString);
  }
  return types;
}

describe("Contract shape", function () {
  describe("signed messages", function () {
    it("documents each pool type string exactly as the pool hashes it and the SDK signs it", async function () {
      const documented = await documentedTypes("contracts/interfaces/IRewardPool.sol");
      const pool = await ethers.deployContract("RewardPool", [true, ethers.ZeroAddress]);
      const settlement = await ethers.deployContract("RewardPoolSettlement");
      const cases: [string, () => Promise<string>, Record<string, { name: string; type: string }[]>][] = [
        ["ProofBatch", () => pool.PROOF_BATCH_TYPEHASH(), PROOF_BATCH_TYPES],
        ["WorkReport", () => pool.WORK_REPORT_TYPEHASH(), WORK_REPORT_TYPES],
        ["EpochCommit", () => pool.EPOCH_COMMIT_TYPEHASH(), EPOCH_COMMIT_TYPES],
        ["Clawback", () => pool.CLAWBACK_TYPEHASH(), CLAWBACK_TYPES],
        ["Claim", () => pool.CLAIM_TYPEHASH(), CLAIM_TYPES],
        // Served by the settlement half (the pool's own half has no room for the getter).
        ["PushRecipient", () => settlement.PUSH_RECIPIENT_TYPEHASH(), PUSH_RECIPIENT_TYPES],
      ];
      for (const [name, onChain, sdkTypes] of cases) {
        const typeString = documented.get(name);
        expect(typeString, `${name} is documented in IRewardPool's NatSpec`).to.not.equal(undefined);
        expect(keccak256(toUtf8Bytes(typeString!)), `${name}: NatSpec vs contract`).to.equal(await onChain());
        expect(TypedDataEncoder.from(sdkTypes).encodeType(name), `${name}: NatSpec vs SDK`).to.equal(typeString);
      }
      expect([...documented.keys()].sort()).to.deep.equal(cases.map(([name]) => name).sort());
    });

    it("states the pool's EIP-712 domain as the contract reports it", async function () {
      const source = await readFile("contracts/interfaces/IRewardPool.sol", "utf8");
      const pool = await ethers.deployContract("RewardPool", [true, ethers.ZeroAddress]);
      const [, name, version] = await pool.eip712Domain();
      expect(source).to.contain(`name "${name}", version "${version}"`);
    });
  });

  describe("claim bundles", function () {
    it("documents ClaimBundle exactly as the router and the pools hash it and the SDK signs it", async function () {
      const source = await readFile("contracts/interfaces/IClaimRouter.sol", "utf8");
      const natspec = source
        .split("\n")
        .filter((line) => line.trim().startsWith("///"))
        .map((line) => line.trim().replace(/^\/\/\/\s?/, ""))
        .join("\n");
      const match = /`(ClaimBundle\([^`]*\)PoolClaim\([^`]*\))`/.exec(natspec);
      expect(match, "ClaimBundle is documented in IClaimRouter's NatSpec").to.not.equal(null);
      const typeString = match![1]!.replace(/\n\s*/g, "");
      const router = await ethers.deployContract("ClaimRouter");
      expect(keccak256(toUtf8Bytes(typeString)), "NatSpec vs contract").to.equal(await router.CLAIM_BUNDLE_TYPEHASH());
      expect(TypedDataEncoder.from(CLAIM_BUNDLE_TYPES).encodeType("ClaimBundle"), "NatSpec vs SDK").to.equal(
        typeString,
      );
      const poolClaim = typeString.slice(typeString.indexOf("PoolClaim("));
      expect(keccak256(toUtf8Bytes(poolClaim))).to.equal(await router.POOL_CLAIM_TYPEHASH());
      const [, name, version] = await router.eip712Domain();
      expect([name, version]).to.deep.equal([BUNDLE_DOMAIN_NAME, BUNDLE_DOMAIN_VERSION]);
      expect(source).to.contain(`name "${name}", version "${version}"`);
    });
  });

  describe("code size", function () {
    it(`keeps every contract ${CODE_MARGIN} bytes under the code size limit and initcode ${INITCODE_MARGIN} under its limit`, async function () {
      const sizes: Record<string, { code: number; initcode: number }> = {};
      const governance = await (await ethers.deployContract("RewardPoolGovernance", [ethers.ZeroAddress])).getAddress();
      for (const name of [
        "DeviceRegistry",
        "RewardPool",
        "RewardPoolGovernance",
        "RewardPoolSettlement",
        "RewardPoolFactory",
        "ClaimRouter",
      ]) {
        const factory = await ethers.getContractFactory(name);
        const code = await ethers.provider.getCode(
          await (
            await factory.deploy(
              ...(name === "RewardPoolFactory"
                ? [ethers.ZeroAddress, governance]
                : name === "RewardPool"
                  ? [true, ethers.ZeroAddress]
                  : name === "RewardPoolGovernance"
                    ? [ethers.ZeroAddress]
                    : []),
            )
          ).getAddress(),
        );
        sizes[name] = { code: (code.length - 2) / 2, initcode: (factory.bytecode.length - 2) / 2 };
      }
      console.log("      bytecode sizes (bytes):", JSON.stringify(sizes));
      for (const [name, { code, initcode }] of Object.entries(sizes)) {
        expect(code, `${name} runtime code`).to.be.at.most(CODE_SIZE_LIMIT - CODE_MARGIN);
        expect(initcode, `${name} initcode`).to.be.at.most(INITCODE_SIZE_LIMIT - INITCODE_MARGIN);
      }
    });
  });
});

describe("SDK error table", function () {
  it("describes every custom error the pool, its factory and its governance half can revert with", async function () {
    const { poolErrorInterfaces, CONTRACT_ERRORS } = await import("../../sdk/src/index.js");
    const names = new Set(
      poolErrorInterfaces.flatMap((iface) =>
        iface.fragments.filter((f) => f.type === "error").map((f) => (f as ErrorFragment).name),
      ),
    );
    expect([...names].filter((name) => CONTRACT_ERRORS[name] === undefined).sort()).to.deep.equal([]);
  });
});
