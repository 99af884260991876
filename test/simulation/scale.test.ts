import { expect } from "chai";
import { Wallet, id } from "ethers";
import { network } from "hardhat";

import {
  allProofs,
  attestBatch,
  buildEpoch,
  buildRegistration,
  CLAIM_TYPES,
  commitEpoch,
  deviceIdOf,
  NO_ATTESTATION,
  poolConfig,
  poolDomain,
  type Proof,
  readEpochInputs,
  registerFleetArgs,
  registryDomain,
  Secp256k1DeviceKey,
  WAD,
  type WorkReport,
} from "../../sdk/src/index.js";
import { accounts } from "../helpers/accounts.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const USDC = 10n ** 6n;
const DAY = 86_400n;
const RATE = 1000n * WAD + WAD / 7n; // 0.001000142857… USDC per unit: every credit leaves a remainder

/** Fleets of realistic sizes: a few large operators, some medium, many single-device owners. */
const FLEETS = [400, 300, 200, ...Array<number>(20).fill(20), ...Array<number>(700).fill(1)];

describe("Simulation: 2,000 devices, two epochs, both modes, every account claims", function () {
  this.timeout(600_000);

  it("pays every account exactly, and Σ paid + Σ claimable = Σ credited ≤ Σ funded to the token unit", async function () {
    const { admin, relayer, verifiers } = await accounts(ethers);
    const { chainId } = await ethers.provider.getNetwork();
    const registry = await ethers.deployContract("DeviceRegistry");
    const registryAddress = await registry.getAddress();
    await registry.connect(admin).createNetwork(false, id("sim-network"));
    const domain = registryDomain(chainId, registryAddress);

    // Owners are keys we hold (some sign gasless claims); they send their own transactions, impersonated so the
    // test does not fund 723 accounts one transfer at a time.
    const owners = FLEETS.map(() => Wallet.createRandom());
    const devicesOf = new Map<string, bigint[]>();
    const deadline = BigInt(await time.latest()) + 10n * DAY;
    for (const [i, size] of FLEETS.entries()) {
      const owner = owners[i]!;
      await networkHelpers.impersonateAccount(owner.address);
      await networkHelpers.setBalance(owner.address, 10n ** 18n);
      const sender = await ethers.getSigner(owner.address);
      const keys = Array.from({ length: size }, () => Secp256k1DeviceKey.random());
      const regs = await Promise.all(
        keys.map((device) => buildRegistration({ device, domain, owner: owner.address, networkId: 1n, deadline })),
      );
      for (let start = 0; start < regs.length; start += 200) {
        const batch = regs.slice(start, start + 200);
        if (batch.length === 1) await registry.connect(sender).register(1, batch[0]!.registration, NO_ATTESTATION);
        else await registry.connect(sender).registerFleet(1, ...registerFleetArgs(batch));
      }
      devicesOf.set(
        owner.address,
        keys.map((k) => deviceIdOf(k.keyType, k.key)),
      );
    }
    const allDevices = [...devicesOf.entries()].flatMap(([owner, ids]) => ids.map((deviceId) => ({ owner, deviceId })));
    expect(await registry.deviceCount()).to.equal(2_000n);

    // The protocol's pool, funded by two customers.
    const usdc = await ethers.deployContract("MockUSDC");
    const factory = await ethers.deployContract("RewardPoolFactory", [
      registryAddress,
      await (await ethers.deployContract("RewardPoolGovernance")).getAddress(),
    ]);
    const poolAddress = await factory.predictPool(admin.address, id("sim"));
    await factory.connect(admin).createPool(
      poolConfig({
        token: await usdc.getAddress(),
        networkId: 1n,
        admin: admin.address,
        verifiers: verifiers.map((v) => v.address),
        quorum: 3,
        challengePeriod: DAY / 2n,
        params: { rate: RATE, epochBudget: 1_000_000n * USDC, deviceCap: 100_000n },
        maxRelayerFee: USDC / 100n,
      }),
      id("sim"),
    );
    const pool = await ethers.getContractAt("IRewardPool", poolAddress);
    const poolDomainValue = poolDomain(chainId, poolAddress);
    await usdc.mint(admin.address, 20_000n * USDC);
    await usdc.connect(admin).approve(poolAddress, 20_000n * USDC);
    await pool.connect(admin).fund(12_000n * USDC, id("customer-1"));
    await pool.connect(admin).fund(8_000n * USDC, id("customer-2"));
    const funded = 20_000n * USDC;
    const { genesis } = await pool.settings();

    // Epoch 0, ledger mode: every device, in batches of 500 attested by a 3-of-5 quorum.
    const units = (epoch: number, i: number) => 1_000n + BigInt((i * 7_919 + epoch * 104_729) % 5_000);
    const ledgerWad = new Map<string, bigint>();
    await time.increaseTo(genesis + DAY);
    const proofs: Proof[] = allDevices.map(({ owner, deviceId }, i) => {
      ledgerWad.set(owner, (ledgerWad.get(owner) ?? 0n) + units(0, i) * RATE);
      return { deviceId, units: units(0, i), evidenceHash: id(`e0:${deviceId}`) };
    });
    for (let start = 0, nonce = 0n; start < proofs.length; start += 500, nonce++) {
      const batch = proofs.slice(start, start + 500);
      const att = await attestBatch(verifiers.slice(0, 3), poolDomainValue, 0n, nonce, batch);
      await pool.recordProofs(0, nonce, batch, [], att);
    }

    // Epoch 1, epoch mode: one root over every account, whatever the number of devices.
    await time.increaseTo(genesis + 2n * DAY);
    const reports: WorkReport[] = allDevices.map(({ deviceId }, i) => ({
      deviceId,
      units: units(1, i),
      evidenceHash: id(`e1:${deviceId}`),
    }));
    const inputs = await readEpochInputs(
      pool,
      registry,
      1n,
      reports.map((r) => r.deviceId),
    );
    const built = buildEpoch({ pool: poolAddress, chainId, epoch: 1, formulaVersion: 1, ...inputs, reports });
    await commitEpoch(pool, { built, uri: "ipfs://sim/epoch-1.json", verifiers: verifiers.slice(1, 4) });
    await time.increase(DAY / 2n);
    const leaves = allProofs(built);

    // Every account claims both modes in one call; every fifth signs a gasless claim a relayer submits.
    let fees = 0n;
    for (const [i, owner] of owners.entries()) {
      const leaf = leaves.get(owner.address)!;
      if (i % 5 === 0) {
        const c = {
          account: owner.address,
          recipient: owner.address,
          maxFee: USDC / 100n,
          nonce: 0n,
          deadline: BigInt(await time.latest()) + 3_600n,
        };
        const signature = await owner.signTypedData(poolDomainValue, CLAIM_TYPES, c);
        await pool.connect(relayer).claimWithSig(c, leaf.cumulative, leaf.proof, 1_000n, signature);
        fees += 1_000n;
      } else {
        await pool.connect(relayer).claim(owner.address, leaf.cumulative, leaf.proof);
      }
    }

    // The books, to the token unit.
    let paid = fees;
    let credited = 0n;
    let claimable = 0n;
    for (const owner of owners) {
      const leaf = leaves.get(owner.address)!;
      const wad = ledgerWad.get(owner.address)!;
      const a = await pool.account(owner.address);
      const balance = await usdc.balanceOf(owner.address);
      const expectedPaid = wad / WAD + leaf.cumulative;
      expect(balance + (owners.indexOf(owner) % 5 === 0 ? 1_000n : 0n)).to.equal(expectedPaid);
      expect(a.unpaidWad).to.equal(wad % WAD); // only the remainder below one token unit stays
      expect(a.paidEpoch).to.equal(leaf.cumulative);
      const [ledgerLeft, epochLeft] = await pool.claimable(owner.address, leaf.cumulative, leaf.proof);
      paid += balance;
      claimable += ledgerLeft + epochLeft;
      credited += wad / WAD + leaf.cumulative;
    }
    expect(await usdc.balanceOf(relayer.address)).to.equal(fees);
    expect(paid + claimable).to.equal(credited);
    expect(credited).to.be.lessThanOrEqual(funded);
    expect(await usdc.balanceOf(poolAddress)).to.equal(funded - paid);
    const totals = await pool.totals();
    expect(totals.creditedWad).to.equal([...ledgerWad.values()].reduce((s, w) => s + w, 0n));
    expect(totals.epochOwed).to.equal(built.manifest.totalOwed);
  });
});
