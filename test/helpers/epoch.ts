/** Epoch-mode test helpers over the pool fixture: the SDK's own flow from chain data to a signed, submitted commit. */
import {
  type Adjustment,
  attestEpoch,
  buildEpoch,
  type BuiltEpoch,
  type EpochCommit,
  epochCommitOf,
  readEpochInputs,
  type WorkReport,
} from "../../sdk/src/index.js";
import { DAY, closeEpoch as closeEpochOf, type Clock, type poolFixture } from "./pool.js";

type PoolFixture = Awaited<ReturnType<typeof poolFixture>>;

export function epochHelpers(f: PoolFixture, time: Clock) {
  const closeEpoch = (epoch: bigint) => closeEpochOf(time, f.pool, epoch);
  /** Builds an epoch from chain data: the epoch's parameters and each device's payee at the epoch's last block. */
  const build = async (epoch: number, reports: WorkReport[], previous?: BuiltEpoch, adjustments: Adjustment[] = []) => {
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
      adjustments,
      ...(previous === undefined ? {} : { previous: { manifest: previous.manifest, text: previous.text } }),
    });
  };
  /** The commit for a built epoch, with the pool's commit nonce, valid for a day. */
  const commitOf = async (built: BuiltEpoch) =>
    epochCommitOf(
      built,
      `ipfs://manifest-${built.manifest.epoch}`,
      await f.pool.commitNonce(),
      BigInt(await time.latest()) + DAY,
    );
  const sign = (c: EpochCommit, signers = f.verifiers.slice(0, 3), domain = f.domain) =>
    attestEpoch(signers, domain, c);
  const submit = async (c: EpochCommit, signers = f.verifiers.slice(0, 3), domain = f.domain) =>
    f.pool.commitEpoch(c, await sign(c, signers, domain));
  const commit = async (built: BuiltEpoch, signers = f.verifiers.slice(0, 3), domain = f.domain) =>
    submit(await commitOf(built), signers, domain);
  return { closeEpoch, build, commitOf, sign, submit, commit };
}
