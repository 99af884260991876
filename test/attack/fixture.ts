/** Shared setup for the attack tests: the unit tests' pool fixture plus epoch-mode helpers (as in EpochMode.test.ts). */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { id } from "ethers";

import { type EpochCommit, type WorkReport } from "../../sdk/src/index.js";
import { epochHelpers } from "../helpers/epoch.js";
import { RATE, poolFixture, type Clock } from "../helpers/pool.js";

export async function attackFixture(ethers: HardhatEthers, time: Clock) {
  const f = await poolFixture(ethers);
  const report = (deviceId: bigint, units: bigint): WorkReport => ({
    deviceId,
    units,
    evidenceHash: id(`work:${deviceId}:${units}`),
  });
  const { closeEpoch, build, commitOf, sign, submit } = epochHelpers(f, time);
  /**
   * What a compromised quorum can sign without the SDK: any root, any declared totals (the rate must be the
   * epoch's, which it reads from the chain like anyone).
   */
  const rawCommit = async (epoch: bigint, leaves: [string, bigint][], totalOwed: bigint): Promise<EpochCommit> => {
    const tree = StandardMerkleTree.of(leaves, ["address", "uint256"]);
    return {
      epoch,
      nonce: await f.pool.commitNonce(),
      root: tree.root,
      totalOwed,
      epochTotal: totalOwed,
      rate: (await f.pool.rewardParamsAt(epoch)).rate,
      manifestHash: id("manifest"),
      manifestUri: "ipfs://manifest",
      formulaVersion: 1n,
      ledgerCreditedWad: (await f.pool.totals()).creditedWad,
      deadline: BigInt(await time.latest()) + 3_600n,
    };
  };
  return { ...f, closeEpoch, report, build, commitOf, sign, submit, rawCommit, RATE };
}
