/** Shared setup for the attack tests: the unit tests' pool fixture plus epoch-mode helpers (as in EpochMode.test.ts). */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { id } from "ethers";

import { readEpochInputs } from "../../sdk/src/actions/epoch.js";
import { buildEpoch, epochCommitOf, type BuiltEpoch, type WorkReport } from "../../sdk/src/core/epoch.js";
import { RATE, closeEpoch as closeEpochOf, poolFixture, type Clock } from "../helpers/pool.js";
import { attestEpoch, type EpochCommit } from "../../sdk/src/core/pool.js";

export async function attackFixture(ethers: HardhatEthers, time: Clock) {
  const f = await poolFixture(ethers);
  const closeEpoch = (epoch: bigint) => closeEpochOf(time, f.pool, epoch);
  const report = (deviceId: bigint, units: bigint): WorkReport => ({
    deviceId,
    units,
    evidenceHash: id(`work:${deviceId}:${units}`),
  });
  /** The SDK's own flow: the epoch's inputs read from the chain, then buildEpoch. */
  const build = async (epoch: number, reports: WorkReport[], previous?: BuiltEpoch) => {
    const inputs = await readEpochInputs(
      f.pool,
      f.registry,
      BigInt(epoch),
      reports.map((r) => r.deviceId),
    );
    return buildEpoch({
      pool: f.poolAddress,
      chainId: f.chainId,
      epoch,
      formulaVersion: 1,
      ...inputs,
      reports,
      ...(previous === undefined ? {} : { previous: { manifest: previous.manifest, text: previous.text } }),
    });
  };
  const commitOf = async (built: BuiltEpoch) =>
    epochCommitOf(
      built,
      `ipfs://manifest-${built.manifest.epoch}`,
      await f.pool.commitNonce(),
      BigInt(await time.latest()) + 3_600n,
    );
  const sign = (c: EpochCommit) => attestEpoch(f.verifiers.slice(0, 3), f.domain, c);
  const submit = async (c: EpochCommit) => f.pool.commitEpoch(c, await sign(c));
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
      deadline: BigInt(await time.latest()) + 3_600n,
    };
  };
  return { ...f, closeEpoch, report, build, commitOf, sign, submit, rawCommit, RATE };
}
