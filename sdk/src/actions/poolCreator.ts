import type { RewardPoolFactory } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";

/** The address of the signer a factory is connected to: the pool's creator, which fixes its address. */
export async function creatorOf(factory: RewardPoolFactory, action: string): Promise<string> {
  const runner = factory.runner;
  if (runner === null || !("getAddress" in runner) || typeof runner.getAddress !== "function") {
    throw new InvalidInputError(`${action} needs a factory connected to a signer`);
  }
  return (await runner.getAddress()) as string;
}
