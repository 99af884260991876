/**
 * The device registry bound to an address, and the interface its errors and logs decode with. Each action on it has
 * its own file (`getDevice`, `registerFleet`, …).
 */
import type { ContractRunner } from "ethers";
import { type DeviceRegistry, DeviceRegistry__factory } from "../contracts/index.js";

/** The registry's interface, for decoding its errors and logs. */
export const registryInterface = DeviceRegistry__factory.createInterface();

/** Binds a DeviceRegistry at `address` to `runner` (a provider for reads, a signer for writes). */
export function deviceRegistryAt(address: string, runner: ContractRunner): DeviceRegistry {
  return DeviceRegistry__factory.connect(address, runner);
}
