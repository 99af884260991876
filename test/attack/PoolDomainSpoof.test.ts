/**
 * Finding (SDK): `readPoolDomain(pool)` signs under whatever domain the contract at `pool` reports in
 * `eip712Domain()`, without checking that `verifyingContract` is that contract (nor `chainId` the provider's chain).
 * A verifier pointed at a look-alike contract (a "pool" not from the factory, anyone can deploy one) signs, through
 * `recordWork` / `commitEpoch` / `attestClawback`, messages that are valid for the real pool the look-alike names;
 * whoever controls the look-alike replays them there. (`readTokenDomain` has the same gap on its ERC-5267 path.)
 */
import { expect } from "chai";
import { AbiCoder, ZeroHash, concat, toBeHex, zeroPadValue } from "ethers";
import { network } from "hardhat";

import { readPoolDomain, recordWork, rewardPoolAt } from "../../sdk/src/index.js";
import { attackFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;
const fixture = () => attackFixture(ethers, time);

/** Creation code of a contract that answers every call with `data` (enough to impersonate any view). */
function constantReturner(data: string): string {
  const bytes = ethers.getBytes(data);
  const len = zeroPadValue(toBeHex(bytes.length), 2);
  // runtime: PUSH2 len, PUSH2 15, PUSH1 0, CODECOPY, PUSH2 len, PUSH1 0, RETURN, <data>
  const runtime = concat(["0x61", len, "0x61000f600039", "0x61", len, "0x6000f3", data]);
  const rlen = zeroPadValue(toBeHex(ethers.getBytes(runtime).length), 2);
  // init: PUSH2 rlen, DUP1, PUSH2 13, PUSH1 0, CODECOPY, PUSH1 0, RETURN, <runtime>
  return concat(["0x61", rlen, "0x8061000d6000396000f3", runtime]);
}

describe("attack: look-alike pool redirects the SDK's verifier signatures", function () {
  it("the SDK refuses to sign for a contract whose eip712Domain() names another pool", async function () {
    const { pool, poolAddress, chainId, stranger, verifiers, aliceDevices, closeEpoch, proof } =
      await loadFixture(fixture);
    await closeEpoch(0n);
    // The look-alike reports the real pool's domain.
    const domainAnswer = AbiCoder.defaultAbiCoder().encode(
      ["bytes1", "string", "string", "uint256", "address", "bytes32", "uint256[]"],
      ["0x0f", "DePIN RewardPool", "1", chainId, poolAddress, ZeroHash, []],
    );
    const receipt = await (await stranger.sendTransaction({ data: constantReturner(domainAnswer) })).wait();
    const fakeAddress = receipt!.contractAddress!;
    const fake = rewardPoolAt(fakeAddress, stranger);

    let replayed = false;
    let domainNamed = "";
    try {
      domainNamed = String((await readPoolDomain(fake)).verifyingContract);
      // A verifier service configured with the look-alike's address records "its" work through the SDK ...
      await recordWork(fake, {
        epoch: 0n,
        proofs: [proof(aliceDevices[0]!.deviceId, 3_000_000n)],
        verifiers: verifiers.slice(0, 3),
        firstNonce: 900n,
      });
      // ... and the look-alike's owner lifts the signed batch from the calldata and replays it on the real pool.
      const block = await ethers.provider.getBlock("latest");
      const tx = await ethers.provider.getTransaction(block!.transactions[0]!);
      pool.interface.decodeFunctionData("recordProofs", tx!.data); // it is a recordProofs call
      await (await stranger.sendTransaction({ to: poolAddress, data: tx!.data })).wait();
      replayed = (await pool.isRecorded(0, aliceDevices[0]!.deviceId)) === true;
    } catch {
      // refused somewhere: the safe outcome
    }
    expect(
      replayed,
      `signatures made for ${fakeAddress} were accepted by ${poolAddress} (readPoolDomain named ${domainNamed})`,
    ).to.equal(false);
  });
});
