import type { RewardPoolFactory } from "../contracts/index.js";
import { withDecodedErrors } from "../errors/contract.js";
import { type PoolConfig, poolErrorInterfaces } from "./pool.js";
import { creatorOf } from "./poolCreator.js";

/**
 * Creates a pool through the factory at its deterministic address and returns that address.
 * @example const pool = await createPool(factory.connect(protocol), { config, salt: id("my-pool") });
 */
export async function createPool(factory: RewardPoolFactory, p: { config: PoolConfig; salt: string }): Promise<string> {
  const address = await factory.predictPool(await creatorOf(factory, "createPool"), p.salt);
  await withDecodedErrors(poolErrorInterfaces, async () => (await factory.createPool(p.config, p.salt)).wait());
  return address;
}
