import { expect } from "chai";
import { Signature, TypedDataEncoder, Wallet, concat, dataSlice, getBytes, hexlify, id, toBeHex } from "ethers";
import { network } from "hardhat";

import {
  ATTESTATION_TYPES,
  deviceIdOf,
  type DeviceKey,
  DeviceStatus,
  KeyType,
  P256DeviceKey,
  registerFleetArgs,
  REGISTRATION_TYPES,
  registrationValue,
  registryDomain,
  Secp256k1DeviceKey,
  toHighS,
  ZERO_ADDRESS,
  ZERO_HASH,
} from "../../sdk/src/index.js";
import type { DeviceRegistry } from "../../types/index.js";
import { accounts } from "../helpers/accounts.js";
import { FAR_DEADLINE, registerArgs, signedRegistration, type RegistrationOptions } from "../helpers/registry.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const META = id("model=hotspot-v2;cell=8928308280fffff;capacity=1");
const REASON = id("fraud-report-42");

async function deployRegistryFixture() {
  const { admin, alice, bob, attester, stranger } = await accounts(ethers);
  const registry = await ethers.deployContract("DeviceRegistry");
  const address = await registry.getAddress();
  const { chainId } = await ethers.provider.getNetwork();
  await registry.connect(admin).createNetwork(false, id("open-network")); // network 1: open
  await registry.connect(admin).createNetwork(true, id("attested-network")); // network 2: attested
  await registry.connect(admin).setAttester(2, attester.address, true);
  const base = (owner: string, networkId: bigint): RegistrationOptions => ({
    chainId,
    registry: address,
    owner,
    networkId,
    metadataHash: META,
  });
  return { registry, address, chainId, admin, alice, bob, attester, stranger, base };
}

interface TokenJson {
  name: string;
  description: string;
  attributes: Array<{ trait_type: string; value: string | number }>;
}

/** Decodes a device's `data:application/json;base64,` token URI. */
async function tokenJson(registry: DeviceRegistry, deviceId: bigint): Promise<TokenJson> {
  const uri = await registry.tokenURI(deviceId);
  const prefix = "data:application/json;base64,";
  if (!uri.startsWith(prefix)) throw new Error(`unexpected token URI ${uri}`);
  return JSON.parse(Buffer.from(uri.slice(prefix.length), "base64").toString("utf8")) as TokenJson;
}

function attribute(json: TokenJson, traitType: string): string | number | undefined {
  return json.attributes.find((a) => a.trait_type === traitType)?.value;
}

/** Flips a 65-byte secp256k1 signature to its high-s twin, which ecrecover would also accept. */
function highSSecp256k1(signature: string): string {
  const sig = Signature.from(signature);
  const s = SECP256K1_N - BigInt(sig.s);
  const v = sig.v === 27 ? 28 : 27;
  return concat([sig.r, toBeHex(s, 32), new Uint8Array([v])]);
}

describe("DeviceRegistry", function () {
  describe("createNetwork", function () {
    it("numbers networks from 1 and makes the caller admin", async function () {
      const { registry, alice } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(alice).createNetwork(true, META))
        .to.emit(registry, "NetworkCreated")
        .withArgs(3, alice.address, true, META);
      const info = await registry.network(3);
      expect(info.admin).to.equal(alice.address);
      expect(info.attestationRequired).to.equal(true);
      expect(info.deviceCount).to.equal(0n);
      expect(await registry.networkCount()).to.equal(3n);
    });

    it("refuses to read a network that does not exist", async function () {
      const { registry } = await loadFixture(deployRegistryFixture);
      await expect(registry.network(9))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryUnknownNetwork")
        .withArgs(9);
    });
  });

  describe("network administration", function () {
    it("lets the admin require attestations and manage attesters", async function () {
      const { registry, admin, bob } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(admin).setAttestationRequired(1, true))
        .to.emit(registry, "NetworkAttestationRequirementSet")
        .withArgs(1, true);
      await expect(registry.connect(admin).setAttester(1, bob.address, true))
        .to.emit(registry, "AttesterSet")
        .withArgs(1, bob.address, true);
      expect(await registry.isAttester(1, bob.address)).to.equal(true);
      await registry.connect(admin).setAttester(1, bob.address, false);
      expect(await registry.isAttester(1, bob.address)).to.equal(false);
    });

    it("refuses every admin action from anyone else", async function () {
      const { registry, stranger } = await loadFixture(deployRegistryFixture);
      const r = registry.connect(stranger);
      for (const tx of [
        r.setAttestationRequired(1, true),
        r.setAttester(1, stranger.address, true),
        r.transferNetworkAdmin(1, stranger.address),
      ]) {
        await expect(tx)
          .to.be.revertedWithCustomError(registry, "DeviceRegistryNotNetworkAdmin")
          .withArgs(1, stranger.address);
      }
    });

    it("refuses admin actions on a network that does not exist", async function () {
      const { registry, admin } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(admin).setAttester(7, admin.address, true))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryUnknownNetwork")
        .withArgs(7);
    });

    it("hands the admin role over in two steps", async function () {
      const { registry, admin, bob } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(admin).transferNetworkAdmin(1, bob.address))
        .to.emit(registry, "NetworkAdminTransferStarted")
        .withArgs(1, admin.address, bob.address);
      expect((await registry.network(1)).admin).to.equal(admin.address);
      expect((await registry.network(1)).pendingAdmin).to.equal(bob.address);
      await expect(registry.connect(bob).acceptNetworkAdmin(1))
        .to.emit(registry, "NetworkAdminTransferred")
        .withArgs(1, admin.address, bob.address);
      const info = await registry.network(1);
      expect(info.admin).to.equal(bob.address);
      expect(info.pendingAdmin).to.equal(ZERO_ADDRESS);
      await expect(registry.connect(admin).setAttester(1, admin.address, true))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryNotNetworkAdmin")
        .withArgs(1, admin.address);
    });

    it("refuses acceptance by anyone but the pending admin, and after a cancel", async function () {
      const { registry, admin, bob, stranger } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(bob).acceptNetworkAdmin(1))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryNotPendingAdmin")
        .withArgs(1, bob.address);
      await registry.connect(admin).transferNetworkAdmin(1, bob.address);
      await expect(registry.connect(stranger).acceptNetworkAdmin(1))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryNotPendingAdmin")
        .withArgs(1, stranger.address);
      await registry.connect(admin).transferNetworkAdmin(1, ZERO_ADDRESS);
      await expect(registry.connect(bob).acceptNetworkAdmin(1))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryNotPendingAdmin")
        .withArgs(1, bob.address);
    });
  });

  describe("register", function () {
    it("registers a secp256k1 device, mints its token and records everything in events", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, base(alice.address, 1n));
      const deviceId = deviceIdOf(KeyType.Secp256k1, device.key);
      await expect(registry.connect(alice).register(1, ...registerArgs(reg)))
        .to.emit(registry, "Transfer")
        .withArgs(ZERO_ADDRESS, alice.address, deviceId)
        .and.to.emit(registry, "DeviceRegistered")
        .withArgs(1, alice.address, 1, KeyType.Secp256k1, device.key, META, ZERO_ADDRESS);
      const info = await registry.device(deviceId);
      expect(info.owner).to.equal(alice.address);
      expect(info.networkId).to.equal(1n);
      expect(info.index).to.equal(1n);
      expect(info.status).to.equal(BigInt(DeviceStatus.Active));
      expect(info.keyType).to.equal(BigInt(KeyType.Secp256k1));
      expect(info.metadataHash).to.equal(META);
      expect(await registry.ownerOf(deviceId)).to.equal(alice.address);
      expect(await registry.balanceOf(alice.address)).to.equal(1n);
      expect(await registry.deviceCount()).to.equal(1n);
      expect((await registry.network(1)).deviceCount).to.equal(1n);
      expect(await registry.deviceIdOf(KeyType.Secp256k1, device.key)).to.equal(deviceId);
      expect((await registry.deviceByKey(KeyType.Secp256k1, device.key)).deviceId).to.equal(deviceId);
    });

    it("registers a P-256 device with a signature made by node:crypto", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const device = P256DeviceKey.random();
      const reg = await signedRegistration(device, base(alice.address, 1n));
      await expect(registry.connect(alice).register(1, ...registerArgs(reg)))
        .to.emit(registry, "DeviceRegistered")
        .withArgs(1, alice.address, 1, KeyType.P256, device.key, META, ZERO_ADDRESS);
      expect((await registry.deviceByKey(KeyType.P256, device.key)).owner).to.equal(alice.address);
    });

    it("refuses a P-256 signature made by another P-256 key", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const device = P256DeviceKey.random();
      const impostor = P256DeviceKey.random();
      const reg = await signedRegistration(impostor, base(alice.address, 1n));
      const forged = registerArgs(reg, { key: device.key });
      await expect(registry.connect(alice).register(1, ...forged))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidDeviceSignature")
        .withArgs(0, deviceIdOf(KeyType.P256, device.key));
    });

    it("refuses a secp256k1 signature made by another key", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(Secp256k1DeviceKey.random(), base(alice.address, 1n));
      await expect(registry.connect(alice).register(1, ...registerArgs(reg, { key: device.key })))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidDeviceSignature")
        .withArgs(0, deviceIdOf(KeyType.Secp256k1, device.key));
    });

    it("stores a payout address given at registration", async function () {
      const { registry, alice, bob, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, { ...base(alice.address, 1n), payout: bob.address });
      await expect(registry.connect(alice).register(1, ...registerArgs(reg)))
        .to.emit(registry, "DeviceRegistered")
        .withArgs(1, alice.address, 1, KeyType.Secp256k1, device.key, META, ZERO_ADDRESS)
        .and.to.emit(registry, "DevicePayoutSet")
        .withArgs(deviceIdOf(device.keyType, device.key), bob.address);
      const deviceId = deviceIdOf(device.keyType, device.key);
      expect((await registry.device(deviceId)).payout).to.equal(bob.address);
      expect((await registry.rewardInfo(deviceId)).payee).to.equal(bob.address);
    });

    it("refuses an unknown network", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const reg = await signedRegistration(Secp256k1DeviceKey.random(), base(alice.address, 5n));
      await expect(registry.connect(alice).register(5, ...registerArgs(reg)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryUnknownNetwork")
        .withArgs(5);
    });

    it("refuses malformed keys: wrong length, zero address, off-curve point, unknown type", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const reg = await signedRegistration(Secp256k1DeviceKey.random(), base(alice.address, 1n));
      const cases: Array<[number, string]> = [
        [KeyType.Secp256k1, "0x1234"],
        [KeyType.Secp256k1, ZERO_ADDRESS],
        [KeyType.P256, hexlify(new Uint8Array(64).fill(7))],
        [KeyType.P256, reg.registration.key],
        [0, reg.registration.key],
      ];
      for (const [keyType, key] of cases) {
        await expect(registry.connect(alice).register(1, ...registerArgs(reg, { keyType, key })))
          .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidKey")
          .withArgs(0, keyType, getBytes(key).length);
      }
    });

    it("refuses an attestation on a network that requires none", async function () {
      const { registry, alice, attester, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, { ...base(alice.address, 1n), attester });
      await expect(registry.connect(alice).register(1, ...registerArgs(reg)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryUnexpectedAttestation")
        .withArgs(0, deviceIdOf(device.keyType, device.key));
    });
  });

  describe("register: replay protection", function () {
    it("refuses the same signed registration twice (keys are single-use)", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, base(alice.address, 1n));
      await registry.connect(alice).register(1, ...registerArgs(reg));
      await expect(registry.connect(alice).register(1, ...registerArgs(reg)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryKeyAlreadyRegistered")
        .withArgs(0, deviceIdOf(device.keyType, device.key));
    });

    it("refuses a signature made for another chain id", async function () {
      const { registry, alice, base, chainId } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, { ...base(alice.address, 1n), signChainId: chainId + 1n });
      await expect(registry.connect(alice).register(1, ...registerArgs(reg)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidDeviceSignature")
        .withArgs(0, deviceIdOf(device.keyType, device.key));
    });

    it("refuses a signature made for another registry", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const other = await ethers.deployContract("DeviceRegistry");
      await other.createNetwork(false, ZERO_HASH);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, {
        ...base(alice.address, 1n),
        signRegistry: await other.getAddress(),
      });
      await expect(other.connect(alice).register(1, ...registerArgs(reg))).to.not.be.revert(ethers);
      await expect(registry.connect(alice).register(1, ...registerArgs(reg)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidDeviceSignature")
        .withArgs(0, deviceIdOf(device.keyType, device.key));
    });

    it("refuses a signature after its deadline", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const deadline = BigInt(await time.latest()) + 60n;
      const reg = await signedRegistration(device, { ...base(alice.address, 1n), deadline });
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(registry.connect(alice).register(1, ...registerArgs(reg)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistrySignatureExpired")
        .withArgs(0, deadline, deadline + 1n);
    });

    it("accepts a signature at exactly its deadline", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const deadline = BigInt(await time.latest()) + 60n;
      const reg = await signedRegistration(Secp256k1DeviceKey.random(), { ...base(alice.address, 1n), deadline });
      await time.setNextBlockTimestamp(deadline);
      await expect(registry.connect(alice).register(1, ...registerArgs(reg))).to.emit(registry, "DeviceRegistered");
    });

    it("refuses a signature made for another owner", async function () {
      const { registry, alice, bob, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, base(alice.address, 1n));
      await expect(registry.connect(bob).register(1, ...registerArgs(reg)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidDeviceSignature")
        .withArgs(0, deviceIdOf(device.keyType, device.key));
    });

    it("refuses a signature made for another network", async function () {
      const { registry, alice, admin, base } = await loadFixture(deployRegistryFixture);
      await registry.connect(admin).createNetwork(false, ZERO_HASH); // network 3
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, { ...base(alice.address, 3n), signNetworkId: 1n });
      await expect(registry.connect(alice).register(3, ...registerArgs(reg)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidDeviceSignature")
        .withArgs(0, deviceIdOf(device.keyType, device.key));
    });

    it("refuses a signature whose signed fields were altered (metadata, payout, deadline)", async function () {
      const { registry, alice, bob, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, base(alice.address, 1n));
      const deviceId = deviceIdOf(device.keyType, device.key);
      for (const altered of [
        registerArgs(reg, { metadataHash: id("other") }),
        registerArgs(reg, { payout: bob.address }),
        registerArgs(reg, { deadline: FAR_DEADLINE - 1n }),
      ]) {
        await expect(registry.connect(alice).register(1, ...altered))
          .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidDeviceSignature")
          .withArgs(0, deviceId);
      }
    });

    it("refuses a compact secp256k1 signature whose s is above n/2 (malleable)", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, base(alice.address, 1n));
      // EIP-2098 has no room for the high-s twin n - s of almost every signature (it needs the top bit, which
      // carries v), but an s between n/2 and 2^255 fits and must still be refused.
      const { r, vs } = reg.registration.signature;
      const parity = BigInt(vs) >> 255n;
      const highVs = toBeHex((parity << 255n) | (SECP256K1_N / 2n + 1n), 32);
      await expect(registry.connect(alice).register(1, ...registerArgs(reg, { signature: { r, vs: highVs } })))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryMalleableSignature")
        .withArgs(0, deviceIdOf(device.keyType, device.key));
    });

    it("refuses a high-s (malleable) P-256 signature", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const device = P256DeviceKey.random();
      const reg = await signedRegistration(device, base(alice.address, 1n));
      const high = toHighS(concat([reg.registration.signature.r, reg.registration.signature.vs]));
      const signature = { r: dataSlice(high, 0, 32), vs: dataSlice(high, 32, 64) };
      await expect(registry.connect(alice).register(1, ...registerArgs(reg, { signature })))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryMalleableSignature")
        .withArgs(0, deviceIdOf(device.keyType, device.key));
    });

    it("never lets a retired device's key register again", async function () {
      const { registry, alice, bob, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      await registry
        .connect(alice)
        .register(1, ...registerArgs(await signedRegistration(device, base(alice.address, 1n))));
      const deviceId = deviceIdOf(device.keyType, device.key);
      await registry.connect(alice).retire(deviceId);
      const again = await signedRegistration(device, base(bob.address, 1n));
      await expect(registry.connect(bob).register(1, ...registerArgs(again)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryKeyAlreadyRegistered")
        .withArgs(0, deviceId);
    });
  });

  describe("register: attested networks", function () {
    it("accepts a registration co-signed by an allowlisted attester", async function () {
      const { registry, alice, attester, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, { ...base(alice.address, 2n), attester });
      await expect(registry.connect(alice).register(2, ...registerArgs(reg)))
        .to.emit(registry, "DeviceRegistered")
        .withArgs(2, alice.address, 1, KeyType.Secp256k1, device.key, META, attester.address);
    });

    it("accepts an ERC-1271 contract attester", async function () {
      const { registry, admin, alice, base } = await loadFixture(deployRegistryFixture);
      const owner = Wallet.createRandom();
      const wallet = await ethers.deployContract("MockERC1271Wallet", [owner.address]);
      const walletAddress = await wallet.getAddress();
      await registry.connect(admin).setAttester(2, walletAddress, true);
      const attester = { address: walletAddress, signTypedData: owner.signTypedData.bind(owner) };
      const reg = await signedRegistration(P256DeviceKey.random(), { ...base(alice.address, 2n), attester });
      await expect(registry.connect(alice).register(2, ...registerArgs(reg))).to.emit(registry, "DeviceRegistered");
    });

    it("refuses a registration without attester", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, base(alice.address, 2n));
      await expect(registry.connect(alice).register(2, ...registerArgs(reg)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryAttestationRequired")
        .withArgs(0, deviceIdOf(device.keyType, device.key));
    });

    it("refuses an attester that is not on the allowlist, or was removed", async function () {
      const { registry, admin, alice, stranger, attester, base } = await loadFixture(deployRegistryFixture);
      const reg = await signedRegistration(Secp256k1DeviceKey.random(), {
        ...base(alice.address, 2n),
        attester: stranger,
      });
      await expect(registry.connect(alice).register(2, ...registerArgs(reg)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryUnknownAttester")
        .withArgs(0, 2, stranger.address);
      await registry.connect(admin).setAttester(2, attester.address, false);
      const reg2 = await signedRegistration(Secp256k1DeviceKey.random(), { ...base(alice.address, 2n), attester });
      await expect(registry.connect(alice).register(2, ...registerArgs(reg2)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryUnknownAttester")
        .withArgs(0, 2, attester.address);
    });

    it("refuses an attestation signed by someone else, or under the device's type", async function () {
      const { registry, address, chainId, alice, attester, stranger, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const deviceId = deviceIdOf(device.keyType, device.key);
      const reg = await signedRegistration(device, { ...base(alice.address, 2n), attester });
      const byStranger = await signedRegistration(device, { ...base(alice.address, 2n), attester: stranger });
      await expect(
        registry.connect(alice).register(2, ...registerArgs(reg, {}, { signature: byStranger.attestation.signature })),
      )
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidAttestation")
        .withArgs(0, deviceId, attester.address);
      // The attester's signature of the same fields under the device's `Registration` type is no attestation.
      const message = {
        keyType: device.keyType,
        key: device.key,
        owner: alice.address,
        networkId: 2n,
        metadataHash: META,
        payout: ZERO_ADDRESS,
        deadline: FAR_DEADLINE,
      };
      const wrongType = await attester.signTypedData(
        registryDomain(chainId, address),
        REGISTRATION_TYPES,
        registrationValue(message),
      );
      await expect(registry.connect(alice).register(2, ...registerArgs(reg, {}, { signature: wrongType })))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidAttestation")
        .withArgs(0, deviceId, attester.address);
    });

    it("refuses a high-s attester signature", async function () {
      const { registry, alice, attester, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, { ...base(alice.address, 2n), attester });
      await expect(
        registry
          .connect(alice)
          .register(2, ...registerArgs(reg, {}, { signature: highSSecp256k1(reg.attestation.signature) })),
      )
        .to.be.revertedWithCustomError(registry, "DeviceRegistryMalleableSignature")
        .withArgs(0, deviceIdOf(device.keyType, device.key));
    });
  });

  describe("registerFleet", function () {
    it("registers 100 devices in one transaction with consecutive indexes", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const devices: DeviceKey[] = Array.from({ length: 100 }, (_, i) =>
        i % 10 === 0 ? P256DeviceKey.random() : Secp256k1DeviceKey.random(),
      );
      const regs = await Promise.all(devices.map((d) => signedRegistration(d, base(alice.address, 1n))));
      const tx = await registry.connect(alice).registerFleet(1, ...registerFleetArgs(regs));
      const receipt = await tx.wait();
      expect(receipt?.status).to.equal(1);
      expect(await registry.deviceCount()).to.equal(100n);
      expect(await registry.balanceOf(alice.address)).to.equal(100n);
      expect((await registry.network(1)).deviceCount).to.equal(100n);
      for (const [i, d] of devices.entries()) {
        const info = await registry.deviceByKey(d.keyType, d.key);
        expect(info.index).to.equal(BigInt(i + 1));
        expect(info.owner).to.equal(alice.address);
      }
    });

    it("refuses the whole fleet when one signature is bad, naming it, and registers nothing", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const devices = Array.from({ length: 10 }, () => Secp256k1DeviceKey.random());
      const regs = await Promise.all(devices.map((d) => signedRegistration(d, base(alice.address, 1n))));
      const bad = devices[6]!;
      regs[6] = { ...regs[6]!, registration: { ...regs[6]!.registration, signature: regs[5]!.registration.signature } };
      await expect(registry.connect(alice).registerFleet(1, ...registerFleetArgs(regs)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidDeviceSignature")
        .withArgs(6, deviceIdOf(bad.keyType, bad.key));
      expect(await registry.deviceCount()).to.equal(0n);
      expect(await registry.balanceOf(alice.address)).to.equal(0n);
      await expect(registry.deviceByKey(devices[0]!.keyType, devices[0]!.key)).to.be.revertedWithCustomError(
        registry,
        "DeviceRegistryUnknownDevice",
      );
    });

    it("refuses a fleet that lists the same key twice, naming the second", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, base(alice.address, 1n));
      await expect(registry.connect(alice).registerFleet(1, ...registerFleetArgs([reg, reg])))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryKeyAlreadyRegistered")
        .withArgs(1, deviceIdOf(device.keyType, device.key));
    });

    it("registers an attested fleet with one attestation per device, each on the record", async function () {
      const { registry, alice, attester, base } = await loadFixture(deployRegistryFixture);
      const devices = [Secp256k1DeviceKey.random(), P256DeviceKey.random()];
      const regs = await Promise.all(
        devices.map((d) => signedRegistration(d, { ...base(alice.address, 2n), attester })),
      );
      const [registrations, attestations] = registerFleetArgs(regs);
      expect(attestations).to.have.length(2);
      await expect(registry.connect(alice).registerFleet(2, registrations, attestations))
        .to.emit(registry, "DeviceRegistered")
        .withArgs(2, alice.address, 2, KeyType.P256, devices[1]!.key, META, attester.address);
      expect((await registry.network(2)).deviceCount).to.equal(2n);
    });

    it("refuses a fleet whose attestations do not match the network's requirement", async function () {
      const { registry, alice, attester, base } = await loadFixture(deployRegistryFixture);
      const attested = await Promise.all(
        [1, 2].map(() => signedRegistration(Secp256k1DeviceKey.random(), { ...base(alice.address, 2n), attester })),
      );
      const [registrations, attestations] = registerFleetArgs(attested);
      await expect(registry.connect(alice).registerFleet(2, registrations, []))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryWrongAttestationCount")
        .withArgs(2, 2, 0);
      await expect(registry.connect(alice).registerFleet(2, registrations, attestations.slice(1)))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryWrongAttestationCount")
        .withArgs(2, 2, 1);
      const open = await signedRegistration(Secp256k1DeviceKey.random(), { ...base(alice.address, 1n), attester });
      await expect(registry.connect(alice).registerFleet(1, ...registerFleetArgs([open])))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryWrongAttestationCount")
        .withArgs(1, 0, 1);
    });

    it("refuses an empty fleet and an unknown network", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      await expect(registry.connect(alice).registerFleet(1, [], [])).to.be.revertedWithCustomError(
        registry,
        "DeviceRegistryEmptyFleet",
      );
      const reg = await signedRegistration(Secp256k1DeviceKey.random(), base(alice.address, 4n));
      await expect(registry.connect(alice).registerFleet(4, ...registerFleetArgs([reg])))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryUnknownNetwork")
        .withArgs(4);
    });

    it("continues the dense index after earlier registrations in any network", async function () {
      const { registry, alice, bob, attester, base } = await loadFixture(deployRegistryFixture);
      await registry
        .connect(bob)
        .register(
          2,
          ...registerArgs(
            await signedRegistration(Secp256k1DeviceKey.random(), { ...base(bob.address, 2n), attester }),
          ),
        );
      const regs = await Promise.all(
        [1, 2, 3].map(() => signedRegistration(Secp256k1DeviceKey.random(), base(alice.address, 1n))),
      );
      const first = await registry.connect(alice).registerFleet.staticCall(1, ...registerFleetArgs(regs));
      expect(first).to.equal(2n);
      await registry.connect(alice).registerFleet(1, ...registerFleetArgs(regs));
      expect((await registry.deviceByKey(regs[2]!.registration.keyType, regs[2]!.registration.key)).index).to.equal(4n);
      expect((await registry.network(1)).deviceCount).to.equal(3n);
      expect((await registry.network(2)).deviceCount).to.equal(1n);
    });
  });

  describe("device management", function () {
    async function registeredDeviceFixture() {
      const f = await deployRegistryFixture();
      const device = Secp256k1DeviceKey.random();
      await f.registry
        .connect(f.alice)
        .register(1, ...registerArgs(await signedRegistration(device, f.base(f.alice.address, 1n))));
      return { ...f, deviceId: deviceIdOf(device.keyType, device.key) };
    }

    it("lets the owner set and clear the payout address", async function () {
      const { registry, alice, bob, deviceId } = await loadFixture(registeredDeviceFixture);
      await expect(registry.connect(alice).setPayout(deviceId, bob.address))
        .to.emit(registry, "DevicePayoutSet")
        .withArgs(deviceId, bob.address);
      expect((await registry.rewardInfo(deviceId)).payee).to.equal(bob.address);
      await expect(registry.connect(alice).setPayout(deviceId, ZERO_ADDRESS))
        .to.emit(registry, "DevicePayoutSet")
        .withArgs(deviceId, ZERO_ADDRESS);
      expect((await registry.rewardInfo(deviceId)).payee).to.equal(alice.address);
    });

    it("refuses payout and retirement from approved operators: approvals move the token, nothing else", async function () {
      const { registry, alice, bob, stranger, deviceId } = await loadFixture(registeredDeviceFixture);
      await registry.connect(alice).approve(bob.address, deviceId); // per token
      await registry.connect(alice).setApprovalForAll(stranger.address, true); // a marketplace
      for (const operator of [bob, stranger]) {
        await expect(registry.connect(operator).setPayout(deviceId, operator.address))
          .to.be.revertedWithCustomError(registry, "DeviceRegistryNotDeviceOwner")
          .withArgs(deviceId, operator.address);
        await expect(registry.connect(operator).retire(deviceId))
          .to.be.revertedWithCustomError(registry, "DeviceRegistryNotDeviceOwner")
          .withArgs(deviceId, operator.address);
      }
      expect((await registry.rewardInfo(deviceId)).payee).to.equal(alice.address);
      expect((await registry.device(deviceId)).status).to.equal(BigInt(DeviceStatus.Active));
      // The marketplace can still sell it.
      await expect(registry.connect(stranger).transferFrom(alice.address, bob.address, deviceId))
        .to.emit(registry, "Transfer")
        .withArgs(alice.address, bob.address, deviceId);
    });

    it("refuses payout and retirement from anyone but the owner", async function () {
      const { registry, stranger, deviceId } = await loadFixture(registeredDeviceFixture);
      await expect(registry.connect(stranger).setPayout(deviceId, stranger.address))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryNotDeviceOwner")
        .withArgs(deviceId, stranger.address);
      await expect(registry.connect(stranger).retire(deviceId))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryNotDeviceOwner")
        .withArgs(deviceId, stranger.address);
    });

    it("refuses operations on unknown devices", async function () {
      const { registry, alice, admin } = await loadFixture(registeredDeviceFixture);
      for (const tx of [
        registry.connect(alice).setPayout(123, alice.address),
        registry.connect(alice).retire(123),
        registry.connect(admin).suspend(123, REASON),
        registry.connect(admin).reactivate(123, REASON),
      ]) {
        await expect(tx).to.be.revertedWithCustomError(registry, "DeviceRegistryUnknownDevice").withArgs(123);
      }
      await expect(registry.device(123))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryUnknownDevice")
        .withArgs(123);
    });

    it("retires a device for good", async function () {
      const { registry, alice, admin, deviceId } = await loadFixture(registeredDeviceFixture);
      await expect(registry.connect(alice).retire(deviceId))
        .to.emit(registry, "DeviceRetired")
        .withArgs(deviceId, 1, alice.address);
      expect((await registry.device(deviceId)).status).to.equal(BigInt(DeviceStatus.Retired));
      await expect(registry.connect(alice).retire(deviceId))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidStatus")
        .withArgs(deviceId, DeviceStatus.Retired);
      await expect(registry.connect(admin).suspend(deviceId, REASON))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidStatus")
        .withArgs(deviceId, DeviceStatus.Retired);
      await expect(registry.connect(admin).reactivate(deviceId, REASON))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidStatus")
        .withArgs(deviceId, DeviceStatus.Retired);
    });

    it("lets the network admin suspend and reactivate with a reason on the record", async function () {
      const { registry, admin, alice, deviceId } = await loadFixture(registeredDeviceFixture);
      await expect(registry.connect(admin).suspend(deviceId, REASON))
        .to.emit(registry, "DeviceSuspended")
        .withArgs(deviceId, 1, admin.address, REASON);
      expect((await registry.rewardInfo(deviceId)).status).to.equal(BigInt(DeviceStatus.Suspended));
      await expect(registry.connect(admin).suspend(deviceId, REASON))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidStatus")
        .withArgs(deviceId, DeviceStatus.Suspended);
      // A suspended device can still be retired by its owner.
      const reason2 = id("appeal-accepted");
      await expect(registry.connect(admin).reactivate(deviceId, reason2))
        .to.emit(registry, "DeviceReactivated")
        .withArgs(deviceId, 1, admin.address, reason2);
      await expect(registry.connect(admin).reactivate(deviceId, reason2))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryInvalidStatus")
        .withArgs(deviceId, DeviceStatus.Active);
      await registry.connect(admin).suspend(deviceId, REASON);
      await expect(registry.connect(alice).retire(deviceId)).to.emit(registry, "DeviceRetired");
    });

    it("refuses suspension by anyone but the device's network admin", async function () {
      const { registry, alice, stranger, deviceId } = await loadFixture(registeredDeviceFixture);
      await registry.connect(stranger).createNetwork(false, ZERO_HASH); // admin of another network
      for (const who of [alice, stranger]) {
        await expect(registry.connect(who).suspend(deviceId, REASON))
          .to.be.revertedWithCustomError(registry, "DeviceRegistryNotNetworkAdmin")
          .withArgs(1, who.address);
        await expect(registry.connect(who).reactivate(deviceId, REASON))
          .to.be.revertedWithCustomError(registry, "DeviceRegistryNotNetworkAdmin")
          .withArgs(1, who.address);
      }
    });
  });

  describe("ERC-721 transfers", function () {
    it("moves ownership, keeps status, clears the payout address and approvals", async function () {
      const { registry, alice, bob, stranger, admin, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      await registry
        .connect(alice)
        .register(
          1,
          ...registerArgs(await signedRegistration(device, { ...base(alice.address, 1n), payout: stranger.address })),
        );
      const deviceId = deviceIdOf(device.keyType, device.key);
      await registry.connect(admin).suspend(deviceId, REASON);
      await registry.connect(alice).approve(stranger.address, deviceId);
      await expect(registry.connect(alice).transferFrom(alice.address, bob.address, deviceId))
        .to.emit(registry, "Transfer")
        .withArgs(alice.address, bob.address, deviceId)
        .and.to.emit(registry, "DevicePayoutSet")
        .withArgs(deviceId, ZERO_ADDRESS);
      const info = await registry.device(deviceId);
      expect(info.owner).to.equal(bob.address);
      expect(info.status).to.equal(BigInt(DeviceStatus.Suspended));
      expect(info.payout).to.equal(ZERO_ADDRESS);
      expect((await registry.rewardInfo(deviceId)).payee).to.equal(bob.address);
      expect(await registry.getApproved(deviceId)).to.equal(ZERO_ADDRESS);
      expect(await registry.balanceOf(alice.address)).to.equal(0n);
      expect(await registry.balanceOf(bob.address)).to.equal(1n);
    });

    it("supports approved and safe transfers, and refuses unauthorized ones", async function () {
      const { registry, alice, bob, stranger, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      await registry
        .connect(alice)
        .register(1, ...registerArgs(await signedRegistration(device, base(alice.address, 1n))));
      const deviceId = deviceIdOf(device.keyType, device.key);
      await expect(registry.connect(stranger).transferFrom(alice.address, stranger.address, deviceId))
        .to.be.revertedWithCustomError(registry, "ERC721InsufficientApproval")
        .withArgs(stranger.address, deviceId);
      await registry.connect(alice).setApprovalForAll(bob.address, true);
      await registry.connect(bob)["safeTransferFrom(address,address,uint256)"](alice.address, bob.address, deviceId);
      expect(await registry.ownerOf(deviceId)).to.equal(bob.address);
      await expect(registry.connect(bob).transferFrom(bob.address, ZERO_ADDRESS, deviceId))
        .to.be.revertedWithCustomError(registry, "ERC721InvalidReceiver")
        .withArgs(ZERO_ADDRESS);
      await expect(registry.balanceOf(ZERO_ADDRESS)).to.be.revertedWithCustomError(registry, "ERC721InvalidOwner");
      await expect(registry.ownerOf(1)).to.be.revertedWithCustomError(registry, "ERC721NonexistentToken").withArgs(1);
    });
  });

  describe("ERC-721 transfers by status", function () {
    it("refuses to transfer a retired device, even through an approved marketplace", async function () {
      const { registry, alice, bob, stranger, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      await registry
        .connect(alice)
        .register(1, ...registerArgs(await signedRegistration(device, base(alice.address, 1n))));
      const deviceId = deviceIdOf(device.keyType, device.key);
      await registry.connect(alice).setApprovalForAll(stranger.address, true);
      await registry.connect(alice).retire(deviceId);
      await expect(registry.connect(alice).transferFrom(alice.address, bob.address, deviceId))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryNotTransferable")
        .withArgs(deviceId, DeviceStatus.Retired);
      await expect(
        registry.connect(stranger)["safeTransferFrom(address,address,uint256)"](alice.address, bob.address, deviceId),
      )
        .to.be.revertedWithCustomError(registry, "DeviceRegistryNotTransferable")
        .withArgs(deviceId, DeviceStatus.Retired);
      expect(await registry.ownerOf(deviceId)).to.equal(alice.address);
    });

    it("transfers a suspended device, which stays suspended and says so in its metadata", async function () {
      const { registry, alice, bob, admin, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      await registry
        .connect(alice)
        .register(1, ...registerArgs(await signedRegistration(device, base(alice.address, 1n))));
      const deviceId = deviceIdOf(device.keyType, device.key);
      await registry.connect(admin).suspend(deviceId, REASON);
      await expect(registry.connect(alice).transferFrom(alice.address, bob.address, deviceId))
        .to.emit(registry, "Transfer")
        .withArgs(alice.address, bob.address, deviceId);
      expect((await registry.rewardInfo(deviceId)).status).to.equal(BigInt(DeviceStatus.Suspended));
      expect(attribute(await tokenJson(registry, deviceId), "Status")).to.equal("Suspended");
    });
  });

  describe("tokenURI and ERC-4906", function () {
    it("returns on-chain JSON metadata with the device's record", async function () {
      const { registry, alice, bob, base } = await loadFixture(deployRegistryFixture);
      const device = P256DeviceKey.random();
      await registry
        .connect(alice)
        .register(
          1,
          ...registerArgs(await signedRegistration(device, { ...base(alice.address, 1n), payout: bob.address })),
        );
      const deviceId = deviceIdOf(device.keyType, device.key);
      const uri = await registry.tokenURI(deviceId);
      expect(uri.startsWith("data:application/json;base64,")).to.equal(true);
      const json = await tokenJson(registry, deviceId);
      expect(json.name).to.equal("DePIN Device #1");
      expect(json.description)
        .to.be.a("string")
        .and.match(/network 1/);
      expect(json.attributes).to.deep.equal([
        { trait_type: "Network", value: 1 },
        { trait_type: "Key type", value: "P-256" },
        { trait_type: "Status", value: "Active" },
        { trait_type: "Index", value: 1 },
        { trait_type: "Metadata hash", value: META },
        { trait_type: "Payout", value: bob.address },
      ]);
    });

    it("shows the owner as payout when none is set, and a zero metadata hash as such", async function () {
      const { registry, alice, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      await registry
        .connect(alice)
        .register(
          1,
          ...registerArgs(await signedRegistration(device, { ...base(alice.address, 1n), metadataHash: ZERO_HASH })),
        );
      const json = await tokenJson(registry, deviceIdOf(device.keyType, device.key));
      expect(attribute(json, "Key type")).to.equal("secp256k1");
      expect(attribute(json, "Payout")).to.equal("owner");
      expect(attribute(json, "Metadata hash")).to.equal(ZERO_HASH);
    });

    it("refuses the URI of an unknown device", async function () {
      const { registry } = await loadFixture(deployRegistryFixture);
      await expect(registry.tokenURI(7)).to.be.revertedWithCustomError(registry, "ERC721NonexistentToken").withArgs(7);
    });

    it("emits MetadataUpdate on every status and payout change", async function () {
      const { registry, alice, bob, admin, base } = await loadFixture(deployRegistryFixture);
      const device = Secp256k1DeviceKey.random();
      await registry
        .connect(alice)
        .register(1, ...registerArgs(await signedRegistration(device, base(alice.address, 1n))));
      const deviceId = deviceIdOf(device.keyType, device.key);
      await expect(registry.connect(admin).suspend(deviceId, REASON))
        .to.emit(registry, "MetadataUpdate")
        .withArgs(deviceId);
      expect(attribute(await tokenJson(registry, deviceId), "Status")).to.equal("Suspended");
      await expect(registry.connect(admin).reactivate(deviceId, REASON))
        .to.emit(registry, "MetadataUpdate")
        .withArgs(deviceId);
      await expect(registry.connect(alice).setPayout(deviceId, bob.address))
        .to.emit(registry, "MetadataUpdate")
        .withArgs(deviceId);
      expect(attribute(await tokenJson(registry, deviceId), "Payout")).to.equal(bob.address);
      // A transfer clears the payout address: the metadata changes with it.
      await expect(registry.connect(alice).transferFrom(alice.address, bob.address, deviceId))
        .to.emit(registry, "MetadataUpdate")
        .withArgs(deviceId);
      expect(attribute(await tokenJson(registry, deviceId), "Payout")).to.equal("owner");
      await expect(registry.connect(bob).retire(deviceId)).to.emit(registry, "MetadataUpdate").withArgs(deviceId);
      expect(attribute(await tokenJson(registry, deviceId), "Status")).to.equal("Retired");
    });

    it("reports ERC-4906, ERC-721 and ERC-165 support", async function () {
      const { registry } = await loadFixture(deployRegistryFixture);
      for (const interfaceId of ["0x49064906", "0x80ac58cd", "0x5b5e139f", "0x01ffc9a7"]) {
        expect(await registry.supportsInterface(interfaceId)).to.equal(true);
      }
      expect(await registry.supportsInterface("0xffffffff")).to.equal(false);
    });
  });

  describe("ERC-721 hook", function () {
    it("refuses a mint or a burn outside registration, so no balance can wrap", async function () {
      const { alice, base } = await loadFixture(deployRegistryFixture);
      const harness = await ethers.deployContract("DeviceRegistryHarness");
      await expect(harness.mint(alice.address, 42))
        .to.be.revertedWithCustomError(harness, "DeviceRegistryUnsupportedMintOrBurn")
        .withArgs(42, ZERO_ADDRESS, alice.address);
      await harness.createNetwork(false, ZERO_HASH);
      const device = Secp256k1DeviceKey.random();
      const reg = await signedRegistration(device, {
        ...base(alice.address, 1n),
        registry: await harness.getAddress(),
      });
      await harness.connect(alice).register(1, ...registerArgs(reg));
      const deviceId = deviceIdOf(device.keyType, device.key);
      await expect(harness.burn(deviceId))
        .to.be.revertedWithCustomError(harness, "DeviceRegistryUnsupportedMintOrBurn")
        .withArgs(deviceId, alice.address, ZERO_ADDRESS);
      expect(await harness.balanceOf(alice.address)).to.equal(1n);
      expect(await harness.ownerOf(deviceId)).to.equal(alice.address);
    });
  });

  describe("digests", function () {
    it("use the type strings and the domain the interface documents", async function () {
      const { registry, address, chainId } = await loadFixture(deployRegistryFixture);
      const fields =
        "(uint8 keyType,bytes key,address owner,uint32 networkId,bytes32 metadataHash,address payout,uint64 deadline)";
      expect(await registry.REGISTRATION_TYPEHASH()).to.equal(id(`Registration${fields}`));
      expect(await registry.ATTESTATION_TYPEHASH()).to.equal(id(`Attestation${fields}`));
      expect(TypedDataEncoder.from(REGISTRATION_TYPES).encodeType("Registration")).to.equal(`Registration${fields}`);
      expect(TypedDataEncoder.from(ATTESTATION_TYPES).encodeType("Attestation")).to.equal(`Attestation${fields}`);
      const domain = await registry.eip712Domain();
      expect(domain.fields).to.equal("0x0f"); // name, version, chainId, verifyingContract; no salt
      expect([domain.name, domain.version, domain.chainId, domain.verifyingContract]).to.deep.equal([
        "DePIN DeviceRegistry",
        "1",
        chainId,
        address,
      ]);
    });

    it("match the SDK's EIP-712 encoding", async function () {
      const { registry, address, chainId, alice, attester, base } = await loadFixture(deployRegistryFixture);
      const device = P256DeviceKey.random();
      const reg = await signedRegistration(device, { ...base(alice.address, 2n), attester });
      const { registrationDigest } = await import("../../sdk/src/index.js");
      const message = {
        keyType: device.keyType,
        key: device.key,
        owner: alice.address,
        networkId: 2n,
        metadataHash: META,
        payout: ZERO_ADDRESS,
        deadline: FAR_DEADLINE,
      };
      const domain = registryDomain(chainId, address);
      expect(await registry.registrationDigest(alice.address, 2, reg.registration)).to.equal(
        registrationDigest(domain, message),
      );
      expect(await registry.attestationDigest(alice.address, 2, reg.registration)).to.equal(
        TypedDataEncoder.hash(domain, ATTESTATION_TYPES, registrationValue(message)),
      );
      expect(registrationDigest(domain, message)).to.not.equal(
        TypedDataEncoder.hash(domain, ATTESTATION_TYPES, registrationValue(message)),
      );
    });
  });
});
