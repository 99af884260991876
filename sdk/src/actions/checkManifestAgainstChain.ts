import { getAddress } from "ethers";
import type { IRewardPool } from "../contracts/index.js";
import type { EpochManifest } from "../core/epoch.js";
import { epochEndBlock } from "./epochEndBlock.js";

/**
 * Checks a manifest's own parameters against the chain: its pool and chain, the epoch's rate, cap and budget
 * (`rewardParamsAt`), the pool's network, and that its registry block is the epoch's last. Returns one line per
 * disagreement; pair it with `readManifest` (the manifest's arithmetic) and `checkManifestDevices` (device states at
 * its registry block).
 */
export async function checkManifestAgainstChain(pool: IRewardPool, manifest: EpochManifest): Promise<string[]> {
  const epoch = BigInt(manifest.epoch);
  const [params, settings, address, network, lastBlock] = await Promise.all([
    pool.rewardParamsAt(epoch),
    pool.settings(),
    pool.getAddress(),
    pool.runner?.provider?.getNetwork(),
    epochEndBlock(pool, epoch),
  ]);
  const findings: string[] = [];
  const compare = (field: string, listed: unknown, onChain: unknown) => {
    if (String(listed) !== String(onChain)) findings.push(`${field}: manifest says ${listed}, chain says ${onChain}`);
  };
  compare("pool", getAddress(manifest.pool), getAddress(address));
  if (network !== undefined) compare("chainId", manifest.chainId, network.chainId);
  compare("rate", manifest.rate, params.rate);
  compare("deviceCap", manifest.deviceCap, params.deviceCap);
  compare("epochBudget", manifest.epochBudget, params.epochBudget);
  compare("networkId", manifest.networkId, settings.networkId);
  compare("registryBlock", manifest.registryBlock, lastBlock);
  // Work ledger mode recorded for the epoch must not be in the root too (once a root covers an epoch, ledger mode
  // cannot record it, so what the chain says now is what it said then).
  const recorded = await Promise.all(manifest.records.map((r) => pool.isRecorded(epoch, r.deviceId)));
  manifest.records.forEach((r, i) => {
    if (recorded[i]) findings.push(`device ${r.deviceId}: its epoch ${epoch} work was also recorded in ledger mode`);
  });
  return findings;
}
