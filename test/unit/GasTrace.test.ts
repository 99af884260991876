/**
 * The gas trace behind `npm run bench:trace` (scripts/bench/gas-trace.ts): its parts add up to the receipt's gas,
 * slots are named from the storage layout and the transaction's own keccaks, cold and warm reads and the kinds of
 * writes are told apart, and a nested call's gas is inclusive with its own parts under it.
 */
import { expect } from "chai";
import { network } from "hardhat";

import { attributeGas, type GasItem, type RawTrace, storageLayouts } from "../../scripts/bench/gas-trace.js";

const { ethers } = await network.create();

describe("Gas trace (bench:trace)", function () {
  it("attributes a token transfer and a pool-like call to named slots, calls and events, adding up to gasUsed", async function () {
    const signers = await ethers.getSigners();
    const [owner, alice, bob] = [signers[0]!, signers[1]!, signers[2]!];
    const token = await ethers.deployContract("MockUSDC", []);
    await (await token.mint(owner.address, 1_000n)).wait();
    await (await token.mint(alice.address, 1n)).wait();
    const tokenAddress = (await token.getAddress()).toLowerCase();
    const layouts = storageLayouts({ MockUSDC: "contracts/mocks/MockUSDC.sol" });
    const context = {
      names: {
        [tokenAddress]: "MockUSDC",
        [owner.address.toLowerCase()]: "owner",
        [alice.address.toLowerCase()]: "alice",
      },
      layouts: { [tokenAddress]: layouts.MockUSDC! },
      fixedSlots: {},
      interfaces: [token.interface],
    };
    const traced = async (hash: string) => {
      const tx = (await ethers.provider.getTransaction(hash))!;
      const raw = (await ethers.provider.send("debug_traceTransaction", [hash, { enableMemory: true }])) as RawTrace;
      return attributeGas(raw, { to: tx.to!, data: tx.data }, context);
    };

    // To a holder: both balances are non-zero before, so both writes are resets.
    const transfer = await token.transfer(alice.address, 10n);
    const receipt = (await transfer.wait())!;
    const b = await traced(transfer.hash);
    expect(b.gasUsed).to.equal(Number(receipt.gasUsed));
    const sum = Object.values(b.byKind).reduce((x, y) => x + y, 0);
    expect(sum).to.equal(b.gasUsed);
    const what = (items: GasItem[]) => items.map((i) => i.what);
    expect(what(b.items)).to.include.members([
      "SLOAD cold _balanceAndBlacklistStates[owner]",
      "SLOAD cold _balanceAndBlacklistStates[alice]",
      "SSTORE (warm, reset non-zero → other) _balanceAndBlacklistStates[alice]",
      "LOG3 Transfer (32 data bytes)",
    ]);
    expect(b.intrinsic.base + b.intrinsic.calldata).to.equal(b.byKind.intrinsic);

    // To an account holding nothing: a fresh slot, and the same total check.
    const fresh = await token.transfer(bob.address, 10n);
    const f = await traced(fresh.hash);
    expect(f.gasUsed).to.equal(Number((await fresh.wait())!.gasUsed));
    expect(f.items.find((i) => i.kind === "storage-write" && i.what.includes("set zero → non-zero"))?.gas).to.equal(
      20_000,
    );

    // A call into the token from a contract: inclusive gas, the callee's parts beneath it.
    const urd = await ethers.deployContract("UrdLikeDistributor", []);
    await (await token.mint(await urd.getAddress(), 100n)).wait();
    const { StandardMerkleTree } = await import("@openzeppelin/merkle-tree");
    const tree = StandardMerkleTree.of(
      [
        [alice.address, await token.getAddress(), 5n],
        [bob.address, await token.getAddress(), 7n],
      ],
      ["address", "address", "uint256"],
    );
    await (await urd.setRoot(tree.root)).wait();
    const claim = await urd.claim(alice.address, await token.getAddress(), 5n, tree.getProof(0));
    const c = await traced(claim.hash);
    const call = c.items.find((i) => i.kind === "call")!;
    expect(call.what).to.equal("CALL MockUSDC.transfer");
    expect(call.inner!.reduce((x, i) => x + i.gas, 0)).to.be.below(call.gas); // the call's own access and setup
    expect(what(call.inner!)).to.include("LOG3 Transfer (32 data bytes)");
    expect(c.gasUsed).to.equal(Number((await claim.wait())!.gasUsed));
  });
});
