import { AbiCoder, concat } from "ethers";
import { type RewardPoolFactory, RewardPool__factory } from "../contracts/index.js";
import { withDecodedErrors } from "../errors/contract.js";
import { type PoolConfig, poolErrorInterfaces } from "./pool.js";
import { creatorOf } from "./poolCreator.js";

/** `RewardPool` creation code for a whole (unproxied) pool delegating to `governance`: what `createWholePool` deploys. */
export function wholePoolInitcode(governance: string): string {
  return concat([
    RewardPool__factory.bytecode,
    AbiCoder.defaultAbiCoder().encode(["bool", "address"], [false, governance]),
  ]);
}

/**
 * Creates a whole pool (no proxy): ~5M gas once, ~2,700 gas less on every later claim and batch than a clone.
 * @example const pool = await createWholePool(factory.connect(protocol), { config, salt: id("my-pool") });
 */
export async function createWholePool(
  factory: RewardPoolFactory,
  p: { config: PoolConfig; salt: string },
): Promise<string> {
  const address = await factory.predictWholePool(await creatorOf(factory, "createWholePool"), p.salt);
  await withDecodedErrors(poolErrorInterfaces, async () =>
    (await factory.createWholePool(p.config, p.salt, wholePoolInitcode(await factory.GOVERNANCE()))).wait(),
  );
  return address;
}
