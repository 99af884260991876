import { expect } from "chai";
import { ZeroAddress, id } from "ethers";
import { network } from "hardhat";

import {
  ContractRevertError,
  deviceIdOf,
  deviceRegistryAt,
  DeviceStatus,
  getDevice,
  InvalidInputError,
  reactivateDevice,
  registerFleet,
  retireDevice,
  Secp256k1DeviceKey,
  setAttestationRequired,
  setDevicePayout,
  setNetworkAttester,
  suspendDevice,
} from "../../sdk/src/index.js";
import { accounts } from "../helpers/accounts.js";
import { signedRegistration } from "../helpers/registry.js";

const { ethers, networkHelpers } = await network.create();

/** A registry with network 1 (admin: `admin`) and two devices owned by alice. */
async function deviceFixture() {
  const { admin, alice, bob, attester } = await accounts(ethers);
  const deployed = await ethers.deployContract("DeviceRegistry");
  const address = await deployed.getAddress();
  await deployed.connect(admin).createNetwork(false, id("net"));
  const { chainId } = await ethers.provider.getNetwork();
  const keys = [Secp256k1DeviceKey.random(), Secp256k1DeviceKey.random()];
  const regs = await Promise.all(
    keys.map((k) => signedRegistration(k, { chainId, registry: address, owner: alice.address, networkId: 1n })),
  );
  await registerFleet(deviceRegistryAt(address, alice), { networkId: 1n, registrations: regs });
  const [deviceId, other] = keys.map((k) => deviceIdOf(k.keyType, k.key)) as [bigint, bigint];
  return {
    admin,
    alice,
    bob,
    attester,
    deviceId,
    other,
    asOwner: deviceRegistryAt(address, alice),
    asAdmin: deviceRegistryAt(address, admin),
    asStranger: deviceRegistryAt(address, bob),
  };
}

/** The rejection of `promise`, for asserting on it. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (error: unknown) => error,
  );
}

describe("SDK device and network actions", function () {
  describe("setDevicePayout", function () {
    it("sets the payout address the owner names, and the zero address sends rewards to the owner again", async function () {
      const { asOwner, bob, alice, deviceId } = await networkHelpers.loadFixture(deviceFixture);
      const result = await setDevicePayout(asOwner, { deviceId, payout: bob.address });
      expect(result.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
      expect((await getDevice(asOwner, deviceId)).payout).to.equal(bob.address);
      expect(await asOwner.packedRewardInfo(deviceId).then((w) => w & ((1n << 160n) - 1n))).to.equal(
        BigInt(bob.address),
      );
      await setDevicePayout(asOwner, { deviceId, payout: ZeroAddress });
      expect((await getDevice(asOwner, deviceId)).payout).to.equal(ZeroAddress);
      expect(await asOwner.packedRewardInfo(deviceId).then((w) => w & ((1n << 160n) - 1n))).to.equal(
        BigInt(alice.address),
      );
    });

    it("refuses a sender who does not own the device with a typed error, and a malformed address before sending", async function () {
      const { asStranger, asOwner, bob, deviceId } = await networkHelpers.loadFixture(deviceFixture);
      const error = await rejectionOf(setDevicePayout(asStranger, { deviceId, payout: bob.address }));
      expect(error).to.be.instanceOf(ContractRevertError);
      expect((error as ContractRevertError).errorName).to.equal("DeviceRegistryNotDeviceOwner");
      const blockBefore = await ethers.provider.getBlockNumber();
      const bad = await rejectionOf(setDevicePayout(asOwner, { deviceId, payout: "0x1234" }));
      expect(bad).to.be.instanceOf(InvalidInputError);
      expect((bad as Error).message).to.contain("payout 0x1234 is not an address");
      expect(await ethers.provider.getBlockNumber()).to.equal(blockBefore);
    });
  });

  describe("retireDevice", function () {
    it("retires the owner's device for good: it cannot be reactivated", async function () {
      const { asOwner, asAdmin, deviceId, other } = await networkHelpers.loadFixture(deviceFixture);
      await retireDevice(asOwner, { deviceId });
      expect((await getDevice(asOwner, deviceId)).status).to.equal(DeviceStatus.Retired);
      expect((await getDevice(asOwner, other)).status).to.equal(DeviceStatus.Active);
      const error = await rejectionOf(reactivateDevice(asAdmin, { deviceId, reasonHash: id("appeal") }));
      expect((error as ContractRevertError).errorName).to.equal("DeviceRegistryInvalidStatus");
    });
  });

  describe("suspendDevice and reactivateDevice", function () {
    it("lets the network admin suspend and reactivate a device, with the reason on the record", async function () {
      const { asAdmin, admin, deviceId } = await networkHelpers.loadFixture(deviceFixture);
      const suspended = await suspendDevice(asAdmin, { deviceId, reasonHash: id("spoofed GPS") });
      expect((await getDevice(asAdmin, deviceId)).status).to.equal(DeviceStatus.Suspended);
      const logs = await asAdmin.queryFilter(asAdmin.filters.DeviceSuspended(deviceId), suspended.blockNumber);
      expect(logs.map((l) => [l.args.by, l.args.reasonHash])).to.deep.equal([[admin.address, id("spoofed GPS")]]);
      await reactivateDevice(asAdmin, { deviceId, reasonHash: id("appeal upheld") });
      expect((await getDevice(asAdmin, deviceId)).status).to.equal(DeviceStatus.Active);
    });

    it("refuses anyone but the network admin, even the device's owner", async function () {
      const { asOwner, alice, deviceId } = await networkHelpers.loadFixture(deviceFixture);
      const error = await rejectionOf(suspendDevice(asOwner, { deviceId, reasonHash: id("x") }));
      expect((error as ContractRevertError).errorName).to.equal("DeviceRegistryNotNetworkAdmin");
      expect((error as Error).message).to.contain(`${alice.address} is not the admin of network 1`);
    });

    it("refuses a reason hash that is not 32 bytes before sending", async function () {
      const { asAdmin, deviceId } = await networkHelpers.loadFixture(deviceFixture);
      const error = await rejectionOf(suspendDevice(asAdmin, { deviceId, reasonHash: "fraud" }));
      expect(error).to.be.instanceOf(InvalidInputError);
      expect((await getDevice(asAdmin, deviceId)).status).to.equal(DeviceStatus.Active);
    });
  });

  describe("setNetworkAttester and setAttestationRequired", function () {
    it("allowlists and removes attesters and switches the requirement, for the network admin only", async function () {
      const { asAdmin, asStranger, attester } = await networkHelpers.loadFixture(deviceFixture);
      await setNetworkAttester(asAdmin, { networkId: 1n, attester: attester.address, allowed: true });
      expect(await asAdmin.isAttester(1n, attester.address)).to.equal(true);
      await setAttestationRequired(asAdmin, { networkId: 1n, required: true });
      expect((await asAdmin.network(1n)).attestationRequired).to.equal(true);
      await setNetworkAttester(asAdmin, { networkId: 1n, attester: attester.address, allowed: false });
      expect(await asAdmin.isAttester(1n, attester.address)).to.equal(false);
      await setAttestationRequired(asAdmin, { networkId: 1n, required: false });
      expect((await asAdmin.network(1n)).attestationRequired).to.equal(false);
      const error = await rejectionOf(setAttestationRequired(asStranger, { networkId: 1n, required: true }));
      expect((error as ContractRevertError).errorName).to.equal("DeviceRegistryNotNetworkAdmin");
    });
  });
});
