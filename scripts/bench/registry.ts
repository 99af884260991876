/**
 * Registration gas: single registrations and fleets of growing size, secp256k1 and P-256, with and without
 * attestation and metadata. Set up and registered through the SDK (`deployDepin`, `createNetwork`,
 * `buildRegistration`, `registerDevice`, `registerFleet`). Writes bench/registry.json; `npm run bench` runs it.
 *
 *   npx hardhat run scripts/bench/registry.ts
 */
import { getBytes, id } from "ethers";

import {
  buildRegistration,
  createNetwork,
  deployDepin,
  type DeviceKey,
  P256DeviceKey,
  registerDevice,
  registerFleet,
  registryDomain,
  Secp256k1DeviceKey,
  ZERO_HASH,
} from "../../sdk/src/index.js";
import { benchChain, type Row, writeChainBench } from "./chain.js";
import type { GasFigures } from "./output.js";

const FAR_DEADLINE = 2n ** 63n;
const META = id("model=hotspot-v2;cell=8928308280fffff");

const { ethers, signer } = await benchChain();
const [deployer, operator, attester] = [signer(0), signer(1), signer(2)];
const { registry } = await deployDepin(deployer);
const open = await createNetwork(registry.connect(deployer), { attestationRequired: false, metadataHash: id("open") });
const attested = await createNetwork(registry.connect(deployer), {
  attestationRequired: true,
  metadataHash: id("attested"),
  attesters: [attester.address],
});
const { chainId } = await ethers.provider.getNetwork();
const domain = registryDomain(chainId, await registry.getAddress());

// Keys derived from labels, so every run registers the same devices (P-256 signatures still vary: random nonces).
let keyCount = 0;
const k1 = (): DeviceKey => new Secp256k1DeviceKey(id(`bench/registry/k1/${keyCount++}`));
const p256 = (): DeviceKey => P256DeviceKey.fromScalar(id(`bench/registry/p256/${keyCount++}`));

const rows: Row[] = [];
const figures: GasFigures = {};

async function measure(
  key: string | undefined,
  operation: string,
  make: () => DeviceKey,
  devices: number,
  o: { attested?: boolean; metadataHash?: string } = {},
): Promise<void> {
  const networkId = o.attested === true ? attested.networkId : open.networkId;
  const metadataHash = o.metadataHash ?? META;
  const keys = Array.from({ length: devices }, make);
  const registrations = await Promise.all(
    keys.map((device) =>
      buildRegistration({
        device,
        domain,
        owner: operator.address,
        networkId,
        deadline: FAR_DEADLINE,
        ...(metadataHash === ZERO_HASH ? {} : { metadataHash }),
        ...(o.attested === true ? { attester } : {}),
      }),
    ),
  );
  const asOperator = registry.connect(operator);
  const single = operation.startsWith("register ");
  const { gasUsed, hashes } = single
    ? await registerDevice(asOperator, { networkId, registration: registrations[0]! }).then((r) => ({
        gasUsed: r.gasUsed,
        hashes: [r.transactionHash],
      }))
    : await registerFleet(asOperator, { networkId, registrations }).then((r) => ({
        gasUsed: r.gasUsed,
        hashes: r.transactionHashes,
      }));
  let calldata = 0;
  for (const hash of hashes) calldata += getBytes((await ethers.provider.getTransaction(hash))!.data).length;
  const perDevice = Math.round(Number(gasUsed) / devices);
  rows.push({
    operation,
    keyType: keys[0]!.keyType === 1 ? "secp256k1" : "p256",
    attested: o.attested === true,
    metadata: metadataHash !== ZERO_HASH,
    devices,
    gasUsed: Number(gasUsed),
    gasPerDevice: perDevice,
    calldataBytesPerDevice: Math.round(calldata / devices),
  });
  if (key !== undefined) figures[key] = perDevice;
}

// An operator's first device also pays for its cold ERC-721 balance; later ones do not.
await measure("register_single_first_device", "register (operator's first device)", k1, 1);
await measure("register_single", "register", k1, 1);
await measure("register_single_p256", "register", p256, 1);
await measure("register_single_attested", "register", k1, 1, { attested: true });
for (const n of [1, 10, 50, 100, 200]) {
  await measure(n === 100 ? "register_fleet100_per_device" : `register_fleet${n}_per_device`, "registerFleet", k1, n);
}
await measure("register_fleet100_per_device_p256", "registerFleet", p256, 100);
await measure("register_fleet100_per_device_attested", "registerFleet", k1, 100, { attested: true });
await measure("register_fleet100_per_device_no_metadata", "registerFleet", k1, 100, { metadataHash: ZERO_HASH });

writeChainBench("registry", figures, rows, {
  definitions: {
    register_single: "register, secp256k1, metadata hash, no attestation, by an operator already holding devices",
    register_fleet100_per_device: "registerFleet of 100 secp256k1 devices with metadata hashes, ÷ 100",
  },
});
