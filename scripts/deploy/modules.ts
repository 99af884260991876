/**
 * The Hardhat Ignition module of a depin-rewards deployment: the device registry (one per chain, shared by every
 * network and pool), the pools' settlement and governance halves, the reward-pool factory (which takes that governance and deploys the
 * clones' implementation in its constructor) and the claim router (one per chain: claims across pools), plus the test
 * stablecoin on local chains only. Pools are created later, by protocols, through the factory.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ContractFuture } from "@nomicfoundation/ignition-core";

export function depinModule(withLocalToken: boolean) {
  return buildModule("DepinRewards", (m) => {
    const contracts: Record<string, ContractFuture<string>> = {};
    contracts.registry = m.contract("DeviceRegistry");
    contracts.settlement = m.contract("RewardPoolSettlement");
    contracts.governance = m.contract("RewardPoolGovernance", [contracts.settlement]);
    contracts.factory = m.contract("RewardPoolFactory", [contracts.registry, contracts.governance]);
    if (withLocalToken) contracts.usdc = m.contract("MockUSDC");
    // One per chain, stateless, trusted by no pool: one claim (and one signature) across every pool. Deployed last,
    // so every other contract keeps the address it had before the router existed.
    contracts.router = m.contract("ClaimRouter", [], { after: Object.values(contracts) });
    return contracts;
  });
}
