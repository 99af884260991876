import type { DeviceRegistry } from "../contracts/index.js";
import { InvalidInputError } from "../errors/base.js";
import { withDecodedErrors } from "../errors/contract.js";
import { registryInterface } from "./registry.js";

export interface CreateNetworkParameters {
  /** Devices need an allow-listed attester's co-signature to register. */
  attestationRequired: boolean;
  /** keccak256 of what the network is (e.g. `id("acme-hotspots")`). */
  metadataHash: string;
  /** Attesters to allow-list right away (the sender becomes the network admin). */
  attesters?: readonly string[];
}

export interface CreateNetworkReturnType {
  networkId: bigint;
  gasUsed: bigint;
}

/**
 * Creates a network (the registry's signer becomes its admin) and allow-lists its attesters.
 * @example const { networkId } = await createNetwork(registry.connect(admin), { attestationRequired: true, metadataHash: id("acme"), attesters: [attester] });
 */
export async function createNetwork(
  registry: DeviceRegistry,
  p: CreateNetworkParameters,
): Promise<CreateNetworkReturnType> {
  const receipt = await withDecodedErrors([registryInterface], async () =>
    (await registry.createNetwork(p.attestationRequired, p.metadataHash)).wait(),
  );
  if (receipt === null) throw new InvalidInputError("the createNetwork transaction was dropped");
  const created = receipt.logs
    .map((log) => registryInterface.parseLog(log))
    .find((event) => event?.name === "NetworkCreated");
  if (created === undefined || created === null) throw new InvalidInputError("no NetworkCreated event in the receipt");
  const networkId = created.args.networkId as bigint;
  let gasUsed = receipt.gasUsed;
  for (const attester of p.attesters ?? []) {
    const r = await withDecodedErrors([registryInterface], async () =>
      (await registry.setAttester(networkId, attester, true)).wait(),
    );
    gasUsed += r?.gasUsed ?? 0n;
  }
  return { networkId, gasUsed };
}
