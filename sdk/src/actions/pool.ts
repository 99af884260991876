/**
 * A reward pool and the pool factory bound to an address, and the interfaces pool calls decode their errors with.
 * Each action on them has its own file (`readPoolDomain`, `claim`, `recordWork`, …).
 */
import type { ContractRunner } from "ethers";
import {
  type ClaimRouter,
  ClaimRouter__factory,
  DeviceRegistry__factory,
  type IRewardPool,
  IRewardPool__factory,
  type RewardPoolFactory,
  RewardPoolFactory__factory,
  RewardPoolGovernance__factory,
  RewardPoolSettlement__factory,
  RewardPool__factory,
} from "../contracts/index.js";
import type { IRewardPoolBase } from "../contracts/interfaces/IRewardPool.js";
import type { QuorumSignatures } from "../core/pool.js";

/** Interfaces whose custom errors pool calls can revert with. */
export const poolErrorInterfaces = [
  IRewardPool__factory.createInterface(),
  // The parts' own ABIs add the errors of the OpenZeppelin parts they use (initializer, SafeERC20, guard).
  RewardPool__factory.createInterface(),
  RewardPoolGovernance__factory.createInterface(),
  RewardPoolSettlement__factory.createInterface(),
  RewardPoolFactory__factory.createInterface(),
  DeviceRegistry__factory.createInterface(),
  ClaimRouter__factory.createInterface(),
];

/**
 * A pool's full interface: its own code serves value moves, its governance contract (by delegatecall) setup,
 * governance and views, and the settlement contract (by delegatecall from the governance contract) batches.
 */
export function rewardPoolAt(address: string, runner: ContractRunner): IRewardPool {
  return IRewardPool__factory.connect(address, runner);
}

/** The chain's claim router (one claim, and one signature, across pools). */
export function claimRouterAt(address: string, runner: ContractRunner): ClaimRouter {
  return ClaimRouter__factory.connect(address, runner);
}

export function rewardPoolFactoryAt(address: string, runner: ContractRunner): RewardPoolFactory {
  return RewardPoolFactory__factory.connect(address, runner);
}

export type PoolConfig = IRewardPoolBase.PoolConfigStruct;

export type { QuorumSignatures };
