import type { Signer } from "ethers";
import {
  type ClaimRouter,
  ClaimRouter__factory,
  type DeviceRegistry,
  DeviceRegistry__factory,
  type MockUSDC,
  MockUSDC__factory,
  type RewardPoolFactory,
  RewardPoolFactory__factory,
  RewardPoolGovernance__factory,
  RewardPoolSettlement__factory,
} from "../contracts/index.js";

export interface DeployDepinParameters {
  /** Also deploy MockUSDC, the test stablecoin (development chains only; default false). */
  withTestToken?: boolean;
}

export interface DeployDepinReturnType {
  registry: DeviceRegistry;
  factory: RewardPoolFactory;
  /** The chain's claim router: one claim (and one signature) across pools (`claimAll`). */
  router: ClaimRouter;
  /** MockUSDC, when `withTestToken` was set. */
  token?: MockUSDC;
  /** Gas used by each deployment transaction, by contract name. */
  gasUsed: Record<string, bigint>;
}

/**
 * Deploys the registry, the pool factory (whose constructor deploys the clones' implementation, over the pools'
 * governance half deployed first), MockUSDC if asked, and the claim router, from the SDK's checked-in bytecode. For
 * networks whose deployments are recorded, use the deploy script (`depin deploy`) and `loadDeployment` instead.
 * @example const { registry, factory, router, token } = await deployDepin(deployer, { withTestToken: true });
 */
export async function deployDepin(deployer: Signer, p: DeployDepinParameters = {}): Promise<DeployDepinReturnType> {
  const gasUsed: Record<string, bigint> = {};
  const deployed = async <T extends { waitForDeployment(): Promise<unknown>; deploymentTransaction(): unknown }>(
    name: string,
    contract: Promise<T>,
  ): Promise<T> => {
    const c = await contract;
    const receipt = await (c.deploymentTransaction() as { wait(): Promise<{ gasUsed: bigint } | null> }).wait();
    gasUsed[name] = receipt?.gasUsed ?? 0n;
    return c;
  };
  const registry = await deployed("DeviceRegistry", new DeviceRegistry__factory(deployer).deploy());
  // The pools' governance half is deployed on its own (the factory's initcode cannot hold both halves), and its
  // settlement half (batches, push payouts, claim bundles) before it, fixed in the governance half's code.
  const settlement = await deployed("RewardPoolSettlement", new RewardPoolSettlement__factory(deployer).deploy());
  const governance = await deployed(
    "RewardPoolGovernance",
    new RewardPoolGovernance__factory(deployer).deploy(await settlement.getAddress()),
  );
  const factory = await deployed(
    "RewardPoolFactory",
    new RewardPoolFactory__factory(deployer).deploy(await registry.getAddress(), await governance.getAddress()),
  );
  const token = p.withTestToken ? await deployed("MockUSDC", new MockUSDC__factory(deployer).deploy()) : undefined;
  // Last, so the addresses of everything before it are what they were before the router existed.
  const router = await deployed("ClaimRouter", new ClaimRouter__factory(deployer).deploy());
  return { registry, factory, router, gasUsed, ...(token === undefined ? {} : { token }) };
}
