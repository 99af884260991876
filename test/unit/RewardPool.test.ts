import { expect } from "chai";
import { ZeroAddress, id } from "ethers";
import { network } from "hardhat";

import {
  attestBatch,
  attestClawback,
  checkWorkReportSignature,
  CLAIM_TYPES,
  deviceIdOf,
  fundingNonce,
  hashProofs,
  P256DeviceKey,
  poolDomain,
  registerFleetArgs,
  signPermit,
  signReceiveWithAuthorization,
  signWorkReport,
  toHighS,
  WAD,
  wholePoolInitcode,
} from "../../sdk/src/index.js";
import {
  CHANGE_DELAY,
  DAY,
  DEVICE_CAP,
  RATE,
  USDC,
  closeEpoch as closeEpochOf,
  fundedByRef,
  poolFixture,
  tokenDomain,
} from "../helpers/pool.js";
import { signedRegistration } from "../helpers/registry.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;

const fixture = () => poolFixture(ethers);
const deviceSignedFixture = () => poolFixture(ethers, { requireDeviceSignatures: true });

const closeEpoch = (pool: Parameters<typeof closeEpochOf>[1], epoch: bigint) => closeEpochOf(time, pool, epoch);

describe("RewardPoolFactory", function () {
  describe("createPool", function () {
    it("creates a clone at the predicted address, initialized and listed", async function () {
      const { factory, pool, poolAddress, admin, config } = await loadFixture(fixture);
      expect(await factory.isPool(poolAddress)).to.equal(true);
      expect(await factory.poolCount()).to.equal(1n);
      expect(await factory.poolAt(0)).to.equal(poolAddress);
      const s = await pool.settings();
      expect(s.admin).to.equal(admin.address);
      expect(s.token).to.equal(config.token);
      expect(s.quorum).to.equal(3n);
      expect(s.verifierCount).to.equal(5n);
      const salt = id("pool-2");
      const predicted = await factory.predictPool(admin.address, salt);
      const tx = factory.connect(admin).createPool(config, salt);
      await expect(tx)
        .to.emit(factory, "PoolCreated")
        .withArgs(predicted, admin.address, 1, config.token, salt, 1, false);
      // The pool's own events, in the order IRewardPoolBase documents for initialization.
      const receipt = await (await tx).wait();
      const governance = await ethers.getContractAt("RewardPoolGovernance", predicted);
      const names = receipt!.logs
        .filter((log) => log.address === predicted)
        .map((log) => governance.interface.parseLog(log)?.name);
      expect(names).to.deep.equal([
        "VerifierSetChanged",
        "PoolInitialized",
        "RewardParamsScheduled",
        "ClaimSettingsChanged",
        "OutflowLimitChanged",
        "Initialized",
      ]);
    });

    it("creates a whole pool (no proxy) at its predicted address, from checked creation code", async function () {
      const { factory, admin, config, usdc, alice, aliceDevices, verifiers, chainId } = await loadFixture(fixture);
      const salt = id("whole");
      const predicted = await factory.predictWholePool(admin.address, salt);
      await expect(factory.connect(admin).createWholePool(config, salt, wholePoolInitcode(await factory.GOVERNANCE())))
        .to.emit(factory, "PoolCreated")
        .withArgs(predicted, admin.address, 1, config.token, salt, 1, true);
      const whole = await ethers.getContractAt("IRewardPool", predicted);
      expect(await factory.isPool(predicted)).to.equal(true);
      expect((await whole.settings()).admin).to.equal(admin.address);
      const wholeGovernance = await ethers.getContractAt("RewardPoolGovernance", predicted);
      await expect(whole.initialize(await factory.REGISTRY(), config)).to.be.revertedWithCustomError(
        wholeGovernance,
        "InvalidInitialization",
      );
      // It works like a clone: fund, record, claim.
      await usdc.connect(admin).approve(predicted, 100n * USDC);
      await whole.connect(admin).fund(100n * USDC, id("whole-ref"));
      const { genesis } = await whole.settings();
      await time.increaseTo(genesis + DAY);
      const proofs = [{ deviceId: aliceDevices[0]!.deviceId, units: 300n, evidenceHash: id("w") }];
      await whole.recordProofs(
        0,
        0,
        proofs,
        [],
        await attestBatch(verifiers.slice(0, 3), poolDomain(chainId, predicted), 0n, 0n, proofs),
      );
      await expect(whole.claim(alice.address, 0n, []))
        .to.emit(whole, "Claimed")
        .withArgs(alice.address, alice.address, 99n, 0n);
      // Any other creation code is refused.
      const other = wholePoolInitcode(await factory.GOVERNANCE()).slice(0, -2) + "01";
      await expect(factory.connect(admin).createWholePool(config, id("evil"), other))
        .to.be.revertedWithCustomError(factory, "RewardPoolFactoryWrongInitcode")
        .withArgs(ethers.keccak256(other), await factory.WHOLE_POOL_INITCODE_HASH());
    });

    it("refuses the same creator and salt twice, and re-initialization", async function () {
      const { factory, pool, registry, admin, config } = await loadFixture(fixture);
      await expect(factory.connect(admin).createPool(config, id("pool-1"))).to.be.revert(ethers);
      const governance = await ethers.getContractAt("RewardPoolGovernance", await factory.GOVERNANCE());
      await expect(pool.initialize(await registry.getAddress(), config)).to.be.revertedWithCustomError(
        governance,
        "InvalidInitialization",
      );
      const implementation = await ethers.getContractAt("IRewardPool", await factory.IMPLEMENTATION());
      await expect(implementation.initialize(await registry.getAddress(), config)).to.be.revertedWithCustomError(
        governance,
        "InvalidInitialization",
      );
      // Nor can the governance contract itself be initialized, called directly.
      await expect(governance.initialize(await registry.getAddress(), config)).to.be.revertedWithCustomError(
        governance,
        "InvalidInitialization",
      );
    });

    it("refuses invalid configurations with the offending field", async function () {
      const { factory, pool, registry, admin, config } = await loadFixture(fixture);
      const cases: Array<[string, typeof config]> = [
        ["token", { ...config, token: ZeroAddress }],
        ["admin", { ...config, admin: ZeroAddress }],
        ["guardian", { ...config, guardian: ZeroAddress }],
        ["epochLength", { ...config, epochLength: 0 }],
        ["rate", { ...config, params: { ...config.params, rate: 0n } }],
        ["epochBudget", { ...config, params: { ...config.params, epochBudget: 0n } }],
        ["deviceCap", { ...config, params: { ...config.params, deviceCap: 0n } }],
        ["quorum", { ...config, quorum: 6 }],
        ["quorum", { ...config, quorum: 0 }],
        ["verifier", { ...config, verifiers: [ZeroAddress] }],
      ];
      for (const [i, [field, bad]] of cases.entries()) {
        await expect(factory.connect(admin).createPool(bad, id(`bad-${i}`)))
          .to.be.revertedWithCustomError(pool, "RewardPoolInvalidConfig")
          .withArgs(field);
      }
      await expect(factory.connect(admin).createPool({ ...config, networkId: 99 }, id("bad-net")))
        .to.be.revertedWithCustomError(registry, "DeviceRegistryUnknownNetwork")
        .withArgs(99);
    });
  });
});

describe("RewardPool", function () {
  describe("fund", function () {
    it("pulls the amount and records it under its reference in the Funded event", async function () {
      const { pool, usdc, admin, poolAddress } = await loadFixture(fixture);
      const ref = id("customer-contract-2");
      await expect(pool.connect(admin).fund(250n * USDC, ref))
        .to.emit(pool, "Funded")
        .withArgs(admin.address, ref, 250n * USDC);
      expect(await fundedByRef(pool, ref)).to.equal(250n * USDC);
      expect((await pool.totals()).funded).to.equal(1_000_250n * USDC);
      expect(await usdc.balanceOf(poolAddress)).to.equal(1_000_250n * USDC);
    });

    it("funds with an EIP-2612 permit", async function () {
      const { pool, usdc, alice, poolAddress } = await loadFixture(fixture);
      await usdc.mint(alice.address, 100n * USDC);
      const deadline = BigInt(await time.latest()) + 3600n;
      const { v, r, s } = await signPermit(alice, await tokenDomain(usdc), {
        owner: alice.address,
        spender: poolAddress,
        value: 100n * USDC,
        nonce: 0n,
        deadline,
      });
      const ref = id("permit-ref");
      await expect(pool.connect(alice).fundWithPermit(100n * USDC, ref, deadline, v, r, s))
        .to.emit(pool, "Funded")
        .withArgs(alice.address, ref, 100n * USDC);
      expect(await fundedByRef(pool, ref)).to.equal(100n * USDC);
    });

    it("reports a failed permit as the permit's failure, and goes on when a front-run permit left the allowance", async function () {
      const { pool, usdc, alice, bob, poolAddress } = await loadFixture(fixture);
      await usdc.mint(alice.address, 100n * USDC);
      const deadline = BigInt(await time.latest()) + 3600n;
      const permit = { owner: alice.address, spender: poolAddress, value: 100n * USDC, nonce: 0n, deadline };
      // Signed by someone else: no allowance, so the permit's own reason is the error.
      const forged = await signPermit(bob, await tokenDomain(usdc), permit);
      const reason = ethers.AbiCoder.defaultAbiCoder().encode(["string"], ["EIP2612: invalid signature"]);
      await expect(pool.connect(alice).fundWithPermit(100n * USDC, id("r"), deadline, forged.v, forged.r, forged.s))
        .to.be.revertedWithCustomError(pool, "RewardPoolPermitFailed")
        .withArgs(ethers.concat(["0x08c379a0", reason]));
      // Front-run: someone submits alice's permit first; her funding still goes through on the allowance it left.
      const { v, r, s } = await signPermit(alice, await tokenDomain(usdc), permit);
      await usdc.permit(alice.address, poolAddress, 100n * USDC, deadline, v, r, s);
      await expect(pool.connect(alice).fundWithPermit(100n * USDC, id("r"), deadline, v, r, s))
        .to.emit(pool, "Funded")
        .withArgs(alice.address, id("r"), 100n * USDC);
    });

    it("refuses an EIP-3009 authorization whose nonce was made for another pool", async function () {
      const { pool, usdc, alice, relayer, poolAddress, factory, admin, config } = await loadFixture(fixture);
      await usdc.mint(alice.address, 100n * USDC);
      const other = await factory.predictPool(admin.address, id("other-pool"));
      await factory.connect(admin).createPool(config, id("other-pool"));
      const ref = id("ref");
      const salt = id("salt");
      const validBefore = BigInt(await time.latest()) + 3600n;
      // The funder meant the other pool: the nonce binds it, so this pool cannot take the authorization.
      const { v, r, s } = await signReceiveWithAuthorization(alice, await tokenDomain(usdc), {
        from: alice.address,
        to: poolAddress,
        value: 100n * USDC,
        validAfter: 0n,
        validBefore,
        nonce: fundingNonce(other, ref, salt),
      });
      await expect(
        pool.connect(relayer).fundWithAuthorization(alice.address, 100n * USDC, ref, salt, 0n, validBefore, v, r, s),
      ).to.be.revertedWith("FiatTokenV2: invalid signature");
      expect(await usdc.balanceOf(alice.address)).to.equal(100n * USDC);
    });

    it("funds with an EIP-3009 authorization whose nonce binds the reference", async function () {
      const { pool, usdc, alice, relayer, poolAddress } = await loadFixture(fixture);
      await usdc.mint(alice.address, 100n * USDC);
      const ref = id("3009-ref");
      const salt = id("salt-1");
      const validBefore = BigInt(await time.latest()) + 3600n;
      const { v, r, s } = await signReceiveWithAuthorization(alice, await tokenDomain(usdc), {
        from: alice.address,
        to: poolAddress,
        value: 100n * USDC,
        validAfter: 0n,
        validBefore,
        nonce: fundingNonce(poolAddress, ref, salt),
      });
      // Relayed by someone else; a different reference would change the nonce and break the signature.
      await expect(
        pool
          .connect(relayer)
          .fundWithAuthorization(alice.address, 100n * USDC, id("other"), salt, 0n, validBefore, v, r, s),
      ).to.be.revert(ethers);
      await expect(
        pool.connect(relayer).fundWithAuthorization(alice.address, 100n * USDC, ref, salt, 0n, validBefore, v, r, s),
      )
        .to.emit(pool, "Funded")
        .withArgs(alice.address, ref, 100n * USDC);
      expect(await usdc.balanceOf(alice.address)).to.equal(0n);
    });

    it("refuses fee-on-transfer tokens and zero amounts", async function () {
      const { factory, pool, admin, config } = await loadFixture(fixture);
      const fot = await ethers.deployContract("MockFeeOnTransferToken");
      const salt = id("fot-pool");
      const address = await factory.predictPool(admin.address, salt);
      await factory.connect(admin).createPool({ ...config, token: await fot.getAddress() }, salt);
      const fotPool = await ethers.getContractAt("IRewardPool", address);
      await fot.mint(admin.address, 1000n * USDC);
      await fot.connect(admin).approve(address, 1000n * USDC);
      await expect(fotPool.connect(admin).fund(1000n * USDC, id("x")))
        .to.be.revertedWithCustomError(fotPool, "RewardPoolFeeOnTransfer")
        .withArgs(1000n * USDC, 990n * USDC);
      await expect(pool.connect(admin).fund(0n, id("x"))).to.be.revertedWithCustomError(pool, "RewardPoolZeroAmount");
    });
  });

  describe("recordProofs", function () {
    it("credits each proof to its device's payee at full precision and emits the record", async function () {
      const { pool, record, proof, aliceDevices, bobDevices, alice, bob, verifiers, domain } =
        await loadFixture(fixture);
      await closeEpoch(pool, 0n);
      const proofs = [
        proof(aliceDevices[0]!.deviceId, 10n),
        proof(aliceDevices[1]!.deviceId, 11n),
        proof(bobDevices[0]!.deviceId, 7n),
      ];
      const tx = record(0n, proofs);
      await expect(tx)
        .to.emit(pool, "WorkRecorded")
        .withArgs(aliceDevices[0]!.deviceId, alice.address, 10n, proofs[0]!.evidenceHash)
        .and.to.emit(pool, "WorkRecorded")
        .withArgs(bobDevices[0]!.deviceId, bob.address, 7n, proofs[2]!.evidenceHash);
      await expect(tx)
        .to.emit(pool, "BatchRecorded")
        .withArgs(
          0,
          0,
          hashProofs(proofs),
          3,
          28n,
          28n * RATE,
          RATE,
          (await attestBatch(verifiers.slice(0, 3), domain, 0n, 0n, proofs)).signers,
        );
      const a = await pool.account(alice.address);
      expect(a.unpaidWad).to.equal(21n * RATE);
      expect(a.ledgerClaimable).to.equal((21n * RATE) / WAD);
      expect((await pool.totals()).creditedWad).to.equal(28n * RATE);
      expect(await pool.epochCreditedWad(0)).to.equal(28n * RATE);
      expect(await pool.isRecorded(0, aliceDevices[0]!.deviceId)).to.equal(true);
      expect(await pool.isRecorded(0, aliceDevices[2]!.deviceId)).to.equal(false);
    });

    it("refuses an epoch that has not closed", async function () {
      const { pool, record, proof, aliceDevices } = await loadFixture(fixture);
      await expect(record(0n, [proof(aliceDevices[0]!.deviceId, 1n)]))
        .to.be.revertedWithCustomError(pool, "RewardPoolEpochNotClosed")
        .withArgs(0, 0);
    });

    it("refuses each bad proof, naming its index and reason, and records nothing", async function () {
      const { pool, registry, admin, record, proof, aliceDevices, foreignDevices } = await loadFixture(fixture);
      await closeEpoch(pool, 0n);
      await registry.connect(admin).suspend(aliceDevices[4]!.deviceId, id("fraud"));
      const good = proof(aliceDevices[0]!.deviceId, 1n);
      const cases: Array<[bigint, bigint, number]> = [
        [123n, 1n, 1], // unknown device
        [foreignDevices[0]!.deviceId, 1n, 2], // another network
        [aliceDevices[4]!.deviceId, 1n, 3], // suspended
        [aliceDevices[0]!.deviceId, 1n, 4], // duplicate in the same batch
        [aliceDevices[1]!.deviceId, 0n, 5], // zero units
        [aliceDevices[1]!.deviceId, DEVICE_CAP + 1n, 6], // over the per-device cap
      ];
      for (const [deviceId, units, reason] of cases) {
        await expect(record(0n, [good, proof(deviceId, units)]))
          .to.be.revertedWithCustomError(pool, "RewardPoolProofRejected")
          .withArgs(1, deviceId, reason);
      }
      expect((await pool.totals()).creditedWad).to.equal(0n);
    });

    it("never credits a device twice for one epoch, across batches", async function () {
      const { pool, record, proof, aliceDevices } = await loadFixture(fixture);
      await closeEpoch(pool, 1n);
      await record(0n, [proof(aliceDevices[0]!.deviceId, 5n)]);
      await expect(record(0n, [proof(aliceDevices[0]!.deviceId, 5n, "other-evidence")]))
        .to.be.revertedWithCustomError(pool, "RewardPoolProofRejected")
        .withArgs(0, aliceDevices[0]!.deviceId, 4);
      await expect(record(1n, [proof(aliceDevices[0]!.deviceId, 5n)])).to.emit(pool, "BatchRecorded");
    });

    it("refuses work over the epoch budget and over what the pool holds", async function () {
      const { pool, admin, record, proof, aliceDevices, factory, config, usdc } = await loadFixture(fixture);
      await closeEpoch(pool, 0n);
      // Budget: 1,000,000 USDC per epoch at 1/3 unit per work unit.
      // Scheduled now (just into epoch 1) with a two-day delay: in force from epoch 4, the first to start after it.
      await pool
        .connect(admin)
        .queueRewardParams({ rate: WAD * 10n ** 6n, epochBudget: 150n * USDC, deviceCap: DEVICE_CAP });
      await closeEpoch(pool, 4n);
      await record(4n, [proof(aliceDevices[0]!.deviceId, 100n)]);
      await expect(record(4n, [proof(aliceDevices[1]!.deviceId, 51n)]))
        .to.be.revertedWithCustomError(pool, "RewardPoolBudgetExceeded")
        .withArgs(4, 150n * USDC * WAD, 151n * USDC * WAD);

      // A pool funded with 10 USDC cannot credit 11.
      const salt = id("small");
      const smallAddress = await factory.predictPool(admin.address, salt);
      await factory
        .connect(admin)
        .createPool({ ...config, params: { rate: WAD * USDC, epochBudget: 1000n * USDC, deviceCap: 100n } }, salt);
      const small = await ethers.getContractAt("IRewardPool", smallAddress);
      await usdc.connect(admin).approve(smallAddress, 10n * USDC);
      await small.connect(admin).fund(10n * USDC, id("small-ref"));
      await closeEpoch(small, 0n);
      const { verifiers, chainId } = {
        verifiers: (await ethers.getSigners()).slice(7, 10),
        chainId: (await ethers.provider.getNetwork()).chainId,
      };
      const proofs = [proof(aliceDevices[0]!.deviceId, 11n)];
      const att = await attestBatch(verifiers, poolDomain(chainId, smallAddress), 0n, 0n, proofs);
      await expect(small.recordProofs(0, 0, proofs, [], att))
        .to.be.revertedWithCustomError(small, "RewardPoolInsolvent")
        .withArgs(10n * USDC * WAD, 11n * USDC * WAD);
    });

    it("pays the seller for work before a sale and the buyer after it", async function () {
      const { pool, registry, record, proof, aliceDevices, alice, bob } = await loadFixture(fixture);
      await closeEpoch(pool, 1n);
      const device = aliceDevices[0]!.deviceId;
      await record(0n, [proof(device, 30n)]);
      await registry.connect(alice).transferFrom(alice.address, bob.address, device);
      await record(1n, [proof(device, 60n)]);
      expect((await pool.account(alice.address)).unpaidWad).to.equal(30n * RATE);
      expect((await pool.account(bob.address)).unpaidWad).to.equal(60n * RATE);
    });

    it("credits the payout address the owner set", async function () {
      const { pool, registry, record, proof, aliceDevices, alice, stranger } = await loadFixture(fixture);
      await closeEpoch(pool, 0n);
      await registry.connect(alice).setPayout(aliceDevices[2]!.deviceId, stranger.address);
      await record(0n, [proof(aliceDevices[2]!.deviceId, 9n)]);
      expect((await pool.account(stranger.address)).unpaidWad).to.equal(9n * RATE);
    });
  });

  describe("recordProofs: quorum and replay", function () {
    it("refuses a reused batch nonce", async function () {
      const { pool, domain, verifiers, proof, aliceDevices } = await loadFixture(fixture);
      await closeEpoch(pool, 0n);
      const proofs = [proof(aliceDevices[0]!.deviceId, 1n)];
      const att = await attestBatch(verifiers.slice(0, 3), domain, 0n, 7n, proofs);
      await pool.recordProofs(0, 7, proofs, [], att);
      await expect(pool.recordProofs(0, 7, proofs, [], att))
        .to.be.revertedWithCustomError(pool, "RewardPoolBatchNonceUsed")
        .withArgs(7);
    });

    it("refuses signatures made for another pool or another chain", async function () {
      const { pool, factory, admin, config, verifiers, proof, aliceDevices, chainId, poolAddress } =
        await loadFixture(fixture);
      await closeEpoch(pool, 0n);
      const proofs = [proof(aliceDevices[0]!.deviceId, 1n)];
      const otherAddress = await factory.predictPool(admin.address, id("other"));
      await factory.connect(admin).createPool(config, id("other"));
      const sorted = [...verifiers.slice(0, 3)].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
      for (const domain of [poolDomain(chainId, otherAddress), poolDomain(chainId + 1n, poolAddress)]) {
        const att = await attestBatch(verifiers.slice(0, 3), domain, 0n, 0n, proofs);
        await expect(pool.recordProofs(0, 0, proofs, [], att))
          .to.be.revertedWithCustomError(pool, "RewardPoolInvalidVerifierSignature")
          .withArgs(0, sorted[0]!.address);
      }
    });

    it("refuses duplicate, unsorted, too few and unknown signers", async function () {
      const { pool, domain, verifiers, stranger, proof, aliceDevices } = await loadFixture(fixture);
      await closeEpoch(pool, 0n);
      const proofs = [proof(aliceDevices[0]!.deviceId, 1n)];
      const att = await attestBatch(verifiers.slice(0, 3), domain, 0n, 0n, proofs);
      const [s0, s1] = att.signers;
      await expect(
        pool.recordProofs(0, 0, proofs, [], {
          signers: [s0!, s0!, s1!],
          signatures: [att.signatures[0]!, att.signatures[0]!, att.signatures[1]!],
        }),
      )
        .to.be.revertedWithCustomError(pool, "RewardPoolSignersNotSorted")
        .withArgs(1, s0);
      await expect(
        pool.recordProofs(0, 0, proofs, [], {
          signers: [...att.signers].reverse(),
          signatures: [...att.signatures].reverse(),
        }),
      )
        .to.be.revertedWithCustomError(pool, "RewardPoolSignersNotSorted")
        .withArgs(1, att.signers[1]);
      await expect(
        pool.recordProofs(0, 0, proofs, [], {
          signers: att.signers.slice(0, 2),
          signatures: att.signatures.slice(0, 2),
        }),
      )
        .to.be.revertedWithCustomError(pool, "RewardPoolQuorumNotMet")
        .withArgs(2, 3);
      await expect(
        pool.recordProofs(0, 0, proofs, [], { signers: att.signers, signatures: att.signatures.slice(0, 2) }),
      )
        .to.be.revertedWithCustomError(pool, "RewardPoolSignerLengthMismatch")
        .withArgs(3, 2);
      const withStranger = await attestBatch([...verifiers.slice(0, 2), stranger], domain, 0n, 0n, proofs);
      const pos = withStranger.signers.indexOf(stranger.address);
      await expect(pool.recordProofs(0, 0, proofs, [], withStranger))
        .to.be.revertedWithCustomError(pool, "RewardPoolNotVerifier")
        .withArgs(pos, stranger.address);
    });

    it("accepts an ERC-1271 contract among the verifiers", async function () {
      const { pool, admin, domain, verifiers, proof, aliceDevices } = await loadFixture(fixture);
      const multisigOwner = ethers.Wallet.createRandom();
      const multisig = await ethers.deployContract("MockERC1271Wallet", [multisigOwner.address]);
      const multisigAddress = await multisig.getAddress();
      await pool.connect(admin).queueVerifierChange([multisigAddress], [], 3);
      await time.increase(CHANGE_DELAY);
      await pool.applyQueuedChanges();
      await closeEpoch(pool, 0n);
      const proofs = [proof(aliceDevices[0]!.deviceId, 3n)];
      const contractSigner = {
        address: multisigAddress,
        signTypedData: multisigOwner.signTypedData.bind(multisigOwner),
      };
      const att = await attestBatch([contractSigner, ...verifiers.slice(0, 2)], domain, 0n, 5n, proofs);
      await expect(pool.recordProofs(0, 5, proofs, [], att)).to.emit(pool, "BatchRecorded");
    });

    it("records nothing while paused", async function () {
      const { pool, guardian, record, proof, aliceDevices } = await loadFixture(fixture);
      await closeEpoch(pool, 0n);
      await pool.connect(guardian).pause();
      await expect(record(0n, [proof(aliceDevices[0]!.deviceId, 3n)])).to.be.revertedWithCustomError(
        pool,
        "RewardPoolPaused",
      );
    });

    it("refuses a removed verifier once the queued change takes effect, not before", async function () {
      const { pool, admin, domain, verifiers, proof, aliceDevices, record } = await loadFixture(fixture);
      const removed = verifiers[0]!;
      await expect(pool.connect(admin).queueVerifierChange([], [removed.address], 3)).to.emit(
        pool,
        "VerifierChangeQueued",
      );
      await closeEpoch(pool, 0n);
      await record(0n, [proof(aliceDevices[0]!.deviceId, 1n)]); // still valid
      await time.increase(CHANGE_DELAY);
      const proofs = [proof(aliceDevices[1]!.deviceId, 1n)];
      const att = await attestBatch(verifiers.slice(0, 3), domain, 1n, 99n, proofs);
      await closeEpoch(pool, 1n);
      await expect(pool.recordProofs(1, 99, proofs, [], att))
        .to.be.revertedWithCustomError(pool, "RewardPoolNotVerifier")
        .withArgs(att.signers.indexOf(removed.address), removed.address);
      expect(await pool.isVerifier(removed.address)).to.equal(false); // due, not yet applied
      await expect(pool.applyQueuedChanges()).to.emit(pool, "VerifierSetChanged");
      expect(await pool.isVerifier(removed.address)).to.equal(false);
      await expect(record(1n, proofs, verifiers.slice(1, 4))).to.emit(pool, "BatchRecorded");
    });
  });

  describe("device-signed work", function () {
    it("requires each device's signature over its own report", async function () {
      const { pool, domain, verifiers, proof, aliceDevices } = await loadFixture(deviceSignedFixture);
      await closeEpoch(pool, 0n);
      const d = aliceDevices[0]!;
      const p = proof(d.deviceId, 4n);
      const att = await attestBatch(verifiers.slice(0, 3), domain, 0n, 0n, [p]);
      await expect(pool.recordProofs(0, 0, [p], [], att))
        .to.be.revertedWithCustomError(pool, "RewardPoolDeviceSignaturesMismatch")
        .withArgs(1, 0);
      const report = { deviceId: d.deviceId, epoch: 0n, units: 4n, evidenceHash: p.evidenceHash };
      const wrong = signWorkReport(d.key, domain, { ...report, units: 5n });
      await expect(pool.recordProofs(0, 0, [p], [wrong], att))
        .to.be.revertedWithCustomError(pool, "RewardPoolProofRejected")
        .withArgs(0, d.deviceId, 7);
      await expect(pool.recordProofs(0, 0, [p], [signWorkReport(d.key, domain, report)], att)).to.emit(
        pool,
        "WorkRecorded",
      );
    });

    it("accepts a P-256 device's report signed by the SDK, and the SDK checks it off-chain the same way", async function () {
      const { pool, registry, domain, verifiers, proof, alice, chainId } = await loadFixture(deviceSignedFixture);
      const key = P256DeviceKey.random();
      const reg = await signedRegistration(key, {
        chainId,
        registry: await registry.getAddress(),
        owner: alice.address,
        networkId: 1n,
      });
      await registry.connect(alice).registerFleet(1, ...registerFleetArgs([reg]));
      const deviceId = deviceIdOf(key.keyType, key.key);
      await closeEpoch(pool, 0n);
      const p = proof(deviceId, 9n);
      const report = { deviceId, epoch: 0n, units: 9n, evidenceHash: p.evidenceHash };
      const sig = signWorkReport(key, domain, report);
      expect(checkWorkReportSignature(domain, report, sig)).to.equal(undefined);
      expect(checkWorkReportSignature(domain, { ...report, units: 10n }, sig)).to.equal("wrong signer");
      expect(checkWorkReportSignature(domain, report, { ...sig, signature: toHighS(sig.signature) })).to.equal(
        "high-s signature",
      );
      const att = await attestBatch(verifiers.slice(0, 3), domain, 0n, 0n, [p]);
      await expect(pool.recordProofs(0, 0, [p], [sig], att)).to.emit(pool, "WorkRecorded");
    });
  });

  describe("claim", function () {
    it("pays everything claimable to the account, keeping the remainder credited", async function () {
      const { pool, usdc, record, proof, aliceDevices, alice, stranger } = await loadFixture(fixture);
      await closeEpoch(pool, 0n);
      await record(0n, [proof(aliceDevices[0]!.deviceId, 10n), proof(aliceDevices[1]!.deviceId, 11n)]);
      const expected = (21n * RATE) / WAD;
      await expect(pool.connect(stranger).claim(alice.address, 0n, []))
        .to.emit(pool, "Claimed")
        .withArgs(alice.address, alice.address, expected, 0n);
      expect(await usdc.balanceOf(alice.address)).to.equal(expected);
      const a = await pool.account(alice.address);
      expect(a.unpaidWad).to.equal(21n * RATE - expected * WAD);
      expect(a.ledgerClaimable).to.equal(0n);
      await expect(pool.claim(alice.address, 0n, []))
        .to.be.revertedWithCustomError(pool, "RewardPoolNothingToClaim")
        .withArgs(alice.address);
    });

    it("carries remainders so the sum paid equals units × rate exactly", async function () {
      const { pool, usdc, record, proof, aliceDevices, alice } = await loadFixture(fixture);
      let units = 0n;
      for (let epoch = 0n; epoch < 3n; epoch++) {
        await closeEpoch(pool, epoch);
        await record(epoch, [proof(aliceDevices[0]!.deviceId, 1n), proof(aliceDevices[1]!.deviceId, 1n)]);
        units += 2n;
        if ((await pool.account(alice.address)).ledgerClaimable > 0n) await pool.claim(alice.address, 0n, []);
      }
      const a = await pool.account(alice.address);
      expect((await pool.totals()).creditedWad).to.equal(units * RATE);
      expect(await usdc.balanceOf(alice.address)).to.equal((units * RATE) / WAD);
      expect(a.unpaidWad).to.equal((units * RATE) % WAD);
    });

    it("refuses claims below the minimum and while paused", async function () {
      const { pool, admin, guardian, record, proof, aliceDevices, alice } = await loadFixture(fixture);
      await closeEpoch(pool, 0n);
      await record(0n, [proof(aliceDevices[0]!.deviceId, 30n)]);
      await pool.connect(admin).setClaimSettings(100n, 0n);
      await expect(pool.claim(alice.address, 0n, []))
        .to.be.revertedWithCustomError(pool, "RewardPoolBelowMinimumClaim")
        .withArgs(alice.address, 9n, 100n);
      await pool.connect(admin).setClaimSettings(0n, 0n);
      await expect(pool.connect(alice).pause())
        .to.be.revertedWithCustomError(pool, "RewardPoolUnauthorized")
        .withArgs(alice.address);
      await expect(pool.connect(guardian).pause()).to.emit(pool, "Paused").withArgs(guardian.address);
      await expect(pool.claim(alice.address, 0n, [])).to.be.revertedWithCustomError(pool, "RewardPoolPaused");
      await expect(pool.connect(admin).fund(1n, id("x"))).to.be.revertedWithCustomError(pool, "RewardPoolPaused");
      await expect(pool.connect(guardian).unpause()).to.be.revertedWithCustomError(pool, "RewardPoolUnauthorized");
      await pool.connect(admin).unpause();
      await expect(pool.claim(alice.address, 0n, [])).to.emit(pool, "Claimed");
    });

    it("lets a blacklisted recipient fail only its own claim", async function () {
      const { pool, usdc, admin, record, proof, aliceDevices, bobDevices, alice, bob } = await loadFixture(fixture);
      await closeEpoch(pool, 0n);
      await record(0n, [proof(aliceDevices[0]!.deviceId, 30n), proof(bobDevices[0]!.deviceId, 30n)]);
      await usdc.connect(admin).blacklist(alice.address);
      await expect(pool.claim(alice.address, 0n, [])).to.be.revertedWith("Blacklistable: account is blacklisted");
      await expect(pool.claim(bob.address, 0n, [])).to.emit(pool, "Claimed");
      expect((await pool.account(alice.address)).ledgerClaimable).to.equal(9n);
    });
  });

  describe("claimWithSig", function () {
    async function signedClaimFixture() {
      const f = await fixture();
      await closeEpoch(f.pool, 0n);
      await f.record(0n, [f.proof(f.aliceDevices[0]!.deviceId, 30_000_003n)]); // 10.000000999 USDC
      const deadline = BigInt(await time.latest()) + 3600n;
      const claim = { account: f.alice.address, recipient: f.stranger.address, maxFee: USDC, nonce: 0n, deadline };
      const signature = await f.alice.signTypedData(f.domain, CLAIM_TYPES, claim);
      return { ...f, claim, signature };
    }

    it("pays the relayer its fee and the recipient the rest", async function () {
      const { pool, usdc, relayer, alice, stranger, claim, signature } = await loadFixture(signedClaimFixture);
      await expect(pool.connect(relayer).claimWithSig(claim, 0n, [], USDC / 2n, signature))
        .to.emit(pool, "Claimed")
        .withArgs(alice.address, stranger.address, 10n * USDC, 0n)
        .and.to.emit(pool, "RelayerFeePaid")
        .withArgs(alice.address, relayer.address, USDC / 2n);
      expect(await usdc.balanceOf(relayer.address)).to.equal(USDC / 2n);
      expect(await usdc.balanceOf(stranger.address)).to.equal(10n * USDC - USDC / 2n);
      expect((await pool.account(alice.address)).claimNonce).to.equal(1n);
      await expect(pool.connect(relayer).claimWithSig(claim, 0n, [], 0n, signature))
        .to.be.revertedWithCustomError(pool, "RewardPoolInvalidClaimNonce")
        .withArgs(alice.address, 1n, 0n);
    });

    it("refuses a blacklisted account's signed claim to a clean recipient, keeping its credit", async function () {
      const { pool, usdc, admin, relayer, alice, claim, signature } = await loadFixture(signedClaimFixture);
      await usdc.connect(admin).blacklist(alice.address);
      const before = await pool.account(alice.address);
      await expect(pool.connect(relayer).claimWithSig(claim, 0n, [], 0n, signature))
        .to.be.revertedWithCustomError(pool, "RewardPoolAccountBlocked")
        .withArgs(alice.address);
      expect(await pool.account(alice.address)).to.deep.equal(before);
      await usdc.connect(admin).unBlacklist(alice.address);
      await expect(pool.connect(relayer).claimWithSig(claim, 0n, [], 0n, signature)).to.emit(pool, "Claimed");
    });

    it("refuses a fee above the signed maximum or the pool cap", async function () {
      const { pool, admin, relayer, claim, signature } = await loadFixture(signedClaimFixture);
      await expect(pool.connect(relayer).claimWithSig(claim, 0n, [], USDC + 1n, signature))
        .to.be.revertedWithCustomError(pool, "RewardPoolFeeTooHigh")
        .withArgs(USDC + 1n, USDC);
      await pool.connect(admin).setClaimSettings(0n, 1000n);
      await expect(pool.connect(relayer).claimWithSig(claim, 0n, [], 1001n, signature))
        .to.be.revertedWithCustomError(pool, "RewardPoolFeeTooHigh")
        .withArgs(1001n, 1000n);
    });

    it("refuses expired claims and claims signed by anyone else or for other fields", async function () {
      const { pool, relayer, bob, domain, alice, claim, signature } = await loadFixture(signedClaimFixture);
      await expect(pool.connect(relayer).claimWithSig({ ...claim, recipient: relayer.address }, 0n, [], 0n, signature))
        .to.be.revertedWithCustomError(pool, "RewardPoolInvalidClaimSignature")
        .withArgs(alice.address);
      const byBob = await bob.signTypedData(domain, CLAIM_TYPES, claim);
      await expect(pool.connect(relayer).claimWithSig(claim, 0n, [], 0n, byBob))
        .to.be.revertedWithCustomError(pool, "RewardPoolInvalidClaimSignature")
        .withArgs(alice.address);
      await time.setNextBlockTimestamp(claim.deadline + 1n);
      await expect(pool.connect(relayer).claimWithSig(claim, 0n, [], 0n, signature))
        .to.be.revertedWithCustomError(pool, "RewardPoolSignatureExpired")
        .withArgs(claim.deadline, claim.deadline + 1n);
    });
  });

  describe("clawback", function () {
    it("removes unclaimed credit on the quorum's word, with the reason on the record", async function () {
      const { pool, domain, verifiers, record, proof, aliceDevices, alice } = await loadFixture(fixture);
      await closeEpoch(pool, 0n);
      const device = aliceDevices[0]!.deviceId;
      await record(0n, [proof(device, 300n)]);
      const reason = id("spoofed-gps");
      const amountWad = 200n * RATE;
      const deadline = BigInt(await time.latest()) + 3_600n;
      const value = { account: alice.address, deviceId: device, amountWad, reasonHash: reason, nonce: 1n, deadline };
      const att = await attestClawback(verifiers.slice(0, 3), domain, value);
      await expect(pool.clawback(alice.address, device, amountWad, reason, 1n, deadline, att))
        .to.emit(pool, "ClawedBack")
        .withArgs(alice.address, device, amountWad, reason, 1n, att.signers);
      expect((await pool.account(alice.address)).unpaidWad).to.equal(100n * RATE);
      expect((await pool.totals()).clawedBackWad).to.equal(amountWad);
      await expect(pool.clawback(alice.address, device, amountWad, reason, 1n, deadline, att))
        .to.be.revertedWithCustomError(pool, "RewardPoolClawbackNonceUsed")
        .withArgs(1n);
      const tooMuch = { ...value, amountWad: 101n * RATE, nonce: 2n };
      const att2 = await attestClawback(verifiers.slice(0, 3), domain, tooMuch);
      await expect(pool.clawback(alice.address, device, tooMuch.amountWad, reason, 2n, deadline, att2))
        .to.be.revertedWithCustomError(pool, "RewardPoolClawbackTooLarge")
        .withArgs(alice.address, 100n * RATE, 101n * RATE);
    });

    it("never lets a clawback that failed take credit earned later, once its deadline passed", async function () {
      const { pool, domain, verifiers, record, proof, aliceDevices, alice } = await loadFixture(fixture);
      await closeEpoch(pool, 0n);
      const device = aliceDevices[0]!.deviceId;
      const deadline = BigInt(await time.latest()) + 3_600n;
      const value = {
        account: alice.address,
        deviceId: device,
        amountWad: 300n * RATE,
        reasonHash: id("x"),
        nonce: 7n,
        deadline,
      };
      const att = await attestClawback(verifiers.slice(0, 3), domain, value);
      // Signed while alice had nothing unclaimed: it fails.
      await expect(pool.clawback(alice.address, device, value.amountWad, value.reasonHash, 7n, deadline, att))
        .to.be.revertedWithCustomError(pool, "RewardPoolClawbackTooLarge")
        .withArgs(alice.address, 0n, value.amountWad);
      // Later, honest work credits her; the stale clawback can no longer be replayed against it.
      await record(0n, [proof(device, 300n)]);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(pool.clawback(alice.address, device, value.amountWad, value.reasonHash, 7n, deadline, att))
        .to.be.revertedWithCustomError(pool, "RewardPoolSignatureExpired")
        .withArgs(deadline, deadline + 1n);
      expect((await pool.account(alice.address)).unpaidWad).to.equal(300n * RATE);
    });
  });

  describe("governance", function () {
    it("schedules reward parameters from the first epoch that starts after the delay", async function () {
      const { pool, admin, stranger, config } = await loadFixture(fixture);
      const params = { rate: 5n * WAD, epochBudget: 10n * USDC, deviceCap: 7n };
      await expect(pool.connect(stranger).queueRewardParams(params)).to.be.revertedWithCustomError(
        pool,
        "RewardPoolUnauthorized",
      );
      const { genesis } = await pool.settings();
      // Queued in epoch 0 with a two-day delay: the delay ends inside epoch 2, so the change is in force from epoch 3.
      await time.setNextBlockTimestamp(genesis + 100n);
      await expect(pool.connect(admin).queueRewardParams(params))
        .to.emit(pool, "RewardParamsScheduled")
        .withArgs(3, [params.rate, params.epochBudget, params.deviceCap], genesis + 3n * DAY);
      expect((await pool.rewardParams()).rate).to.equal(RATE);
      expect((await pool.rewardParamsAt(2)).rate).to.equal(RATE);
      expect((await pool.rewardParamsAt(3)).rate).to.equal(5n * WAD);
      await time.increaseTo(genesis + 3n * DAY);
      expect((await pool.rewardParams()).rate).to.equal(5n * WAD);
      // Every earlier epoch keeps its own rate: a late batch or commit is judged by it.
      expect((await pool.rewardParamsAt(2)).rate).to.equal(config.params.rate);
    });

    it("cancels a schedule not in force yet, and never one already in force", async function () {
      const { pool, admin, guardian, stranger } = await loadFixture(fixture);
      const params = { rate: 5n * WAD, epochBudget: 10n * USDC, deviceCap: 7n };
      await pool.connect(admin).queueRewardParams(params);
      await expect(pool.connect(stranger).cancelQueuedChanges()).to.be.revertedWithCustomError(
        pool,
        "RewardPoolUnauthorized",
      );
      await expect(pool.connect(guardian).cancelQueuedChanges())
        .to.emit(pool, "QueuedChangeCancelled")
        .withArgs(false, true, guardian.address);
      expect((await pool.rewardParamsAt(100)).rate).to.equal(RATE);
      await expect(pool.connect(guardian).cancelQueuedChanges()).to.be.revertedWithCustomError(
        pool,
        "RewardPoolNoQueuedChange",
      );

      // Due: the new rate is in force, so a cancel cannot take it back (a new schedule can).
      await pool.connect(admin).queueRewardParams(params);
      await time.increase(CHANGE_DELAY + DAY);
      expect((await pool.rewardParams()).rate).to.equal(5n * WAD);
      await expect(pool.connect(guardian).cancelQueuedChanges()).to.be.revertedWithCustomError(
        pool,
        "RewardPoolNoQueuedChange",
      );
      expect((await pool.rewardParams()).rate).to.equal(5n * WAD);

      // The same for a verifier change whose delay has passed but that no transaction applied yet.
      const [newVerifier] = (await ethers.getSigners()).slice(15, 16);
      await pool.connect(admin).queueVerifierChange([newVerifier!.address], [], 3);
      await time.increase(CHANGE_DELAY);
      expect(await pool.isVerifier(newVerifier!.address)).to.equal(true);
      await expect(pool.connect(admin).cancelQueuedChanges()).to.be.revertedWithCustomError(
        pool,
        "RewardPoolNoQueuedChange",
      );
      expect(await pool.isVerifier(newVerifier!.address)).to.equal(true);
    });

    it("replaces a schedule that is not in force yet", async function () {
      const { pool, admin } = await loadFixture(fixture);
      await pool.connect(admin).queueRewardParams({ rate: 5n * WAD, epochBudget: 10n * USDC, deviceCap: 7n });
      await pool.connect(admin).queueRewardParams({ rate: 6n * WAD, epochBudget: 10n * USDC, deviceCap: 7n });
      await time.increase(CHANGE_DELAY + DAY);
      expect((await pool.rewardParams()).rate).to.equal(6n * WAD);
    });

    it("refuses verifier changes that could not be applied", async function () {
      const { pool, admin, verifiers, stranger } = await loadFixture(fixture);
      const sorted = verifiers.map((v) => v.address).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      const cases: Array<[string[], string[], number, string]> = [
        [[], [stranger.address], 3, "remove"], // not a verifier
        [[], [sorted[1]!, sorted[0]!], 3, "remove"], // unsorted
        [[], [sorted[0]!, sorted[0]!], 3, "remove"], // duplicate
        [[sorted[0]!], [], 3, "add"], // already a verifier
        [[ZeroAddress], [], 3, "add"], // zero address
        [[], sorted.slice(0, 3), 3, "quorum"], // 2 verifiers left, quorum 3
        [[stranger.address], [], 0, "quorum"],
      ];
      for (const [add, remove, quorum, field] of cases) {
        await expect(pool.connect(admin).queueVerifierChange(add, remove, quorum))
          .to.be.revertedWithCustomError(pool, "RewardPoolInvalidConfig")
          .withArgs(field);
      }
      await expect(pool.connect(admin).queueVerifierChange([stranger.address], sorted.slice(0, 2), 4)).to.emit(
        pool,
        "VerifierChangeQueued",
      );
      await time.increase(CHANGE_DELAY);
      await expect(pool.applyQueuedChanges())
        .to.emit(pool, "VerifierSetChanged")
        .withArgs([stranger.address], sorted.slice(0, 2), 4);
      const s = await pool.settings();
      expect(s.verifierCount).to.equal(4n);
      expect(s.quorum).to.equal(4n);
    });

    it("hands the admin role over in two steps and changes the guardian through the delay", async function () {
      const { pool, admin, bob, stranger, guardian } = await loadFixture(fixture);
      await pool.connect(admin).transferAdmin(bob.address);
      await expect(pool.connect(stranger).acceptAdmin()).to.be.revertedWithCustomError(pool, "RewardPoolUnauthorized");
      await expect(pool.connect(bob).acceptAdmin())
        .to.emit(pool, "AdminTransferred")
        .withArgs(admin.address, bob.address);
      await expect(pool.connect(admin).queueGuardianChange(admin.address)).to.be.revertedWithCustomError(
        pool,
        "RewardPoolUnauthorized",
      );
      await expect(pool.connect(bob).queueGuardianChange(stranger.address)).to.emit(pool, "GuardianChangeQueued");
      expect((await pool.settings()).guardian).to.equal(guardian.address);
      await time.increase(CHANGE_DELAY);
      expect((await pool.settings()).guardian).to.equal(stranger.address);
      await expect(pool.applyQueuedChanges())
        .to.emit(pool, "GuardianChanged")
        .withArgs(guardian.address, stranger.address);
      expect((await pool.settings()).guardian).to.equal(stranger.address);
    });
  });
});
