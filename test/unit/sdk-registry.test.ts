import { expect } from "chai";
import { id, type ErrorFragment } from "ethers";
import { network } from "hardhat";

import {
  CONTRACT_ERRORS,
  ContractRevertError,
  deviceIdOf,
  deviceRegistryAt,
  DeviceStatus,
  getDevice,
  InvalidInputError,
  KeyType,
  listNetworkDevices,
  registerFleet,
  registryInterface,
  Secp256k1DeviceKey,
} from "../../sdk/src/index.js";
import { accounts } from "../helpers/accounts.js";
import { signedRegistration } from "../helpers/registry.js";

const { ethers, networkHelpers } = await network.create();

async function sdkFixture() {
  const { admin, alice } = await accounts(ethers);
  const deployed = await ethers.deployContract("DeviceRegistry");
  const address = await deployed.getAddress();
  const registry = deviceRegistryAt(address, alice);
  await deployed.connect(admin).createNetwork(false, id("net"));
  const { chainId } = await ethers.provider.getNetwork();
  const devices = Array.from({ length: 7 }, () => Secp256k1DeviceKey.random());
  const regs = await Promise.all(
    devices.map((d) => signedRegistration(d, { chainId, registry: address, owner: alice.address, networkId: 1n })),
  );
  return { registry, alice, devices, regs };
}

describe("SDK registry actions", function () {
  describe("registerFleet", function () {
    it("splits a fleet into batches and lists the devices back from events in order", async function () {
      const { registry, alice, devices, regs } = await networkHelpers.loadFixture(sdkFixture);
      const result = await registerFleet(registry, { networkId: 1n, registrations: regs, batchSize: 3 });
      expect(result.transactionHashes).to.have.length(3);
      expect(result.firstIndex).to.equal(1n);
      const listed = await listNetworkDevices(registry, {
        networkId: 1n,
        fromBlock: 0,
        toBlock: await ethers.provider.getBlockNumber(),
        pageSize: 2,
      });
      expect(listed.map((d) => d.deviceId)).to.deep.equal(devices.map((d) => deviceIdOf(d.keyType, d.key)));
      expect(listed.map((d) => d.index)).to.deep.equal([1n, 2n, 3n, 4n, 5n, 6n, 7n]);
      const first = await getDevice(registry, listed[0]!.deviceId);
      expect(first.owner).to.equal(alice.address);
      expect(first.status).to.equal(DeviceStatus.Active);
      expect(first.keyType).to.equal(KeyType.Secp256k1);
    });

    it("throws a typed error naming the bad device and what to do", async function () {
      const { registry, regs } = await networkHelpers.loadFixture(sdkFixture);
      const bad = [...regs];
      bad[4] = { ...bad[4]!, registration: { ...bad[4]!.registration, signature: bad[3]!.registration.signature } };
      try {
        await registerFleet(registry, { networkId: 1n, registrations: bad });
        expect.fail("registerFleet should have thrown");
      } catch (error) {
        expect(error).to.be.instanceOf(ContractRevertError);
        const e = error as ContractRevertError;
        expect(e.errorName).to.equal("DeviceRegistryInvalidDeviceSignature");
        expect(e.shortMessage).to.match(/^device #4 /);
        expect(e.fix).to.match(/sign with the device key/);
      }
    });

    it("sends batches with a given gas per device, and still decodes a refused one", async function () {
      const { registry, regs } = await networkHelpers.loadFixture(sdkFixture);
      const bad = [...regs];
      bad[2] = { ...bad[2]!, registration: { ...bad[2]!.registration, signature: bad[1]!.registration.signature } };
      const refused = await registerFleet(registry, { networkId: 1n, registrations: bad, gasPerDevice: 80_000n }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).to.be.instanceOf(ContractRevertError);
      expect((refused as ContractRevertError).errorName).to.equal("DeviceRegistryInvalidDeviceSignature");
      expect(await registry.deviceCount()).to.equal(0n);
      const result = await registerFleet(registry, { networkId: 1n, registrations: regs, gasPerDevice: 80_000n });
      expect(result.gasUsed).to.be.lessThan(80_000n * 7n);
      expect(await registry.deviceCount()).to.equal(7n);
    });

    it("refuses an empty fleet and an oversized batch before sending anything", async function () {
      const { registry, regs } = await networkHelpers.loadFixture(sdkFixture);
      await expect(registerFleet(registry, { networkId: 1n, registrations: [] })).to.be.rejectedWith(InvalidInputError);
      await expect(registerFleet(registry, { networkId: 1n, registrations: regs, batchSize: 500 })).to.be.rejectedWith(
        InvalidInputError,
        /batchSize/,
      );
    });
  });

  describe("errors", function () {
    it("describes every custom error of the registry", function () {
      const names = registryInterface.fragments.filter((f) => f.type === "error").map((f) => (f as ErrorFragment).name);
      expect(names.filter((name) => CONTRACT_ERRORS[name] === undefined)).to.deep.equal([]);
    });
  });

  describe("getDevice", function () {
    it("decodes an unknown device to a typed error", async function () {
      const { registry } = await networkHelpers.loadFixture(sdkFixture);
      await expect(getDevice(registry, 42n)).to.be.rejectedWith(ContractRevertError, "device 42 is not registered");
    });
  });
});
