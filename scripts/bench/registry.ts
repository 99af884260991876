/**
 * Registration gas benchmark: single registrations and fleets of growing size, secp256k1 and P-256, with and
 * without attestation. Writes bench-results/registry.json and prints a table.
 *
 *   npm run bench:registry
 */
import { mkdir, writeFile } from "node:fs/promises";

import { getBytes, id } from "ethers";
import { network } from "hardhat";

import {
  type DeviceKey,
  P256DeviceKey,
  registerFleetArgs,
  Secp256k1DeviceKey,
  ZERO_HASH,
} from "../../sdk/src/index.js";
import { signedRegistration } from "../../test/helpers/registry.js";

interface Row {
  operation: string;
  keyType: "secp256k1" | "p256";
  attested: boolean;
  metadataStored: boolean;
  devices: number;
  gasUsed: number;
  gasPerDevice: number;
  calldataBytesPerDevice: number;
}

const { ethers } = await network.create();
const [admin, operator, attester] = await ethers.getSigners();
if (admin === undefined || operator === undefined || attester === undefined) throw new Error("need 3 signers");

const registry = await ethers.deployContract("DeviceRegistry");
const registryAddress = await registry.getAddress();
const { chainId } = await ethers.provider.getNetwork();
await (await registry.connect(admin).createNetwork(false, id("open"))).wait();
await (await registry.connect(admin).createNetwork(true, id("attested"))).wait();
await (await registry.connect(admin).setAttester(2, attester.address, true)).wait();

const META = id("model=hotspot-v2;cell=8928308280fffff");
const rows: Row[] = [];

async function measure(
  operation: string,
  make: () => DeviceKey,
  devices: number,
  attested: boolean,
  metadataHash = META,
): Promise<void> {
  const networkId = attested ? 2n : 1n;
  const keys = Array.from({ length: devices }, make);
  const regs = await Promise.all(
    keys.map((k) =>
      signedRegistration(k, {
        chainId,
        registry: registryAddress,
        owner: operator!.address,
        networkId,
        metadataHash,
        ...(attested ? { attester: attester! } : {}),
      }),
    ),
  );
  const tx =
    devices === 1 && operation === "register"
      ? await registry.connect(operator).register(networkId, regs[0]!.registration, regs[0]!.attestation)
      : await registry.connect(operator).registerFleet(networkId, ...registerFleetArgs(regs));
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("no receipt");
  const gasUsed = Number(receipt.gasUsed);
  rows.push({
    operation,
    keyType: keys[0]!.keyType === 1 ? "secp256k1" : "p256",
    attested,
    metadataStored: metadataHash !== ZERO_HASH,
    devices,
    gasUsed,
    gasPerDevice: Math.round(gasUsed / devices),
    calldataBytesPerDevice: Math.round(getBytes(tx.data).length / devices),
  });
}

const k1 = () => Secp256k1DeviceKey.random();
const p256 = () => P256DeviceKey.random();

// First registration of an operator pays for its cold ERC-721 balance slot; later ones do not.
await measure("register (operator's first device)", k1, 1, false);
await measure("register", k1, 1, false);
await measure("register", p256, 1, false);
await measure("register", k1, 1, true);
for (const n of [1, 10, 50, 100, 200]) await measure("registerFleet", k1, n, false);
await measure("registerFleet", p256, 100, false);
await measure("registerFleet", k1, 100, true);
await measure("registerFleet", k1, 100, false, ZERO_HASH);

console.table(rows);
await mkdir("bench-results", { recursive: true });
const out = {
  benchmark: "device-registration",
  generatedAt: new Date().toISOString(),
  chain: "hardhat (EDR, in-process, osaka)",
  compiler: "solc 0.8.30, viaIR, optimizer runs 10000",
  note:
    "gasUsed is the whole transaction (21,000 base + calldata + execution); gasPerDevice = gasUsed / devices; " +
    "calldataBytesPerDevice = transaction input bytes / devices",
  rows,
};
await writeFile("bench-results/registry.json", JSON.stringify(out, null, 2) + "\n");
console.log("wrote bench-results/registry.json");
