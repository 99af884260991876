import { expect } from "chai";
import { id } from "ethers";
import { network } from "hardhat";

import {
  buildRegistration,
  claim,
  createPool,
  deviceIdOf,
  type DeviceKey,
  deviceRegistryAt,
  fundingNonce,
  fundPool,
  getPoolAccount,
  P256DeviceKey,
  poolConfig,
  type Proof,
  readPoolDomain,
  recordWork,
  registerFleet,
  registryDomain,
  relayClaim,
  rewardPoolAt,
  rewardPoolFactoryAt,
  Secp256k1DeviceKey,
  signClaim,
  signPermit,
  signReceiveWithAuthorization,
  WAD,
} from "../../sdk/src/index.js";
import { accounts } from "../helpers/accounts.js";
import { fundedByRef, tokenDomain } from "../helpers/pool.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const USDC = 10n ** 6n;
const DAY = 86_400n;
const RATE = 1000n * WAD + WAD / 3n; // 1000.333… token units (0.001 USDC) per work unit

describe("Whole flow: register → fund three ways → prove over epochs → claim → gasless claim", function () {
  it("pays every operator exactly units × rate, and the books balance to the token unit", async function () {
    const { admin, alice, bob, attester, relayer, stranger, verifiers } = await accounts(ethers);
    const { chainId } = await ethers.provider.getNetwork();

    // A network requiring manufacturer attestations, and devices registered through the SDK.
    const deployedRegistry = await ethers.deployContract("DeviceRegistry");
    const registryAddress = await deployedRegistry.getAddress();
    await deployedRegistry.connect(admin).createNetwork(true, id("dashcams"));
    await deployedRegistry.connect(admin).setAttester(1, attester.address, true);
    const domain = registryDomain(chainId, registryAddress);
    const deadline = BigInt(await time.latest()) + DAY;
    const fleet = async (owner: typeof alice, keys: DeviceKey[]) => {
      const regs = await Promise.all(
        keys.map((device) =>
          buildRegistration({ device, domain, owner: owner.address, networkId: 1n, deadline, attester }),
        ),
      );
      await registerFleet(deviceRegistryAt(registryAddress, owner), {
        networkId: 1n,
        registrations: regs,
        batchSize: 8,
      });
      return keys.map((k) => deviceIdOf(k.keyType, k.key));
    };
    const aliceDevices = await fleet(alice, [
      ...Array.from({ length: 17 }, () => Secp256k1DeviceKey.random()),
      P256DeviceKey.random(),
      P256DeviceKey.random(),
    ]);
    const bobDevices = await fleet(bob, [P256DeviceKey.random()]);

    // The protocol creates its pool through the factory and funds it three ways.
    const usdc = await ethers.deployContract("MockUSDC");
    const usdcAddress = await usdc.getAddress();
    const factory = await ethers.deployContract("RewardPoolFactory", [
      registryAddress,
      await (await ethers.deployContract("RewardPoolGovernance")).getAddress(),
    ]);
    const poolAddress = await createPool(rewardPoolFactoryAt(await factory.getAddress(), admin), {
      salt: id("dashcam-rewards"),
      config: poolConfig({
        token: usdcAddress,
        networkId: 1n,
        admin: admin.address,
        verifiers: verifiers.map((v) => v.address),
        quorum: 3,
        challengePeriod: DAY,
        params: { rate: RATE, epochBudget: 1_000n * USDC, deviceCap: 50_000n },
        minClaim: 1n,
        maxRelayerFee: USDC / 10n,
      }),
    });
    const pool = rewardPoolAt(poolAddress, admin);
    await usdc.mint(admin.address, 300n * USDC);
    await usdc.connect(admin).approve(poolAddress, 100n * USDC);
    await fundPool(pool, { amount: 100n * USDC, ref: id("customer-A") });

    const usdcDomain = await tokenDomain(usdc);
    const permit = await signPermit(admin, usdcDomain, {
      owner: admin.address,
      spender: poolAddress,
      value: 100n * USDC,
      nonce: await usdc.nonces(admin.address),
      deadline,
    });
    await pool.fundWithPermit(100n * USDC, id("customer-B"), deadline, permit.v, permit.r, permit.s);

    const salt = id("invoice-17");
    const nonce = fundingNonce(poolAddress, id("customer-C"), salt);
    const auth = await signReceiveWithAuthorization(admin, usdcDomain, {
      from: admin.address,
      to: poolAddress,
      value: 100n * USDC,
      validAfter: 0n,
      validBefore: deadline,
      nonce,
    });
    await pool
      .connect(relayer)
      .fundWithAuthorization(admin.address, 100n * USDC, id("customer-C"), salt, 0n, deadline, auth.v, auth.r, auth.s);
    for (const ref of ["customer-A", "customer-B", "customer-C"])
      expect(await fundedByRef(pool, id(ref))).to.equal(100n * USDC);

    // Verifiers record three epochs of work; alice sells one device to bob after epoch 0.
    const units = new Map<string, bigint>();
    const work = (epoch: bigint, ids: bigint[]): Proof[] =>
      ids.map((deviceId, i) => {
        const u = 1_000n + BigInt(i) * 37n + epoch * 11n;
        return { deviceId, units: u, evidenceHash: id(`${epoch}:${deviceId}`) };
      });
    const owed = (owner: string, proofs: Proof[]) =>
      units.set(owner, (units.get(owner) ?? 0n) + proofs.reduce((s, p) => s + p.units, 0n));

    let nextNonce = 0n;
    const { genesis } = await pool.settings();
    for (let epoch = 0n; epoch < 3n; epoch++) {
      await time.increaseTo(genesis + (epoch + 1n) * DAY);
      if (epoch === 1n)
        await deployedRegistry.connect(alice).transferFrom(alice.address, bob.address, aliceDevices[0]!);
      const aliceIds = epoch === 0n ? aliceDevices : aliceDevices.slice(1);
      const bobIds = epoch === 0n ? bobDevices : [aliceDevices[0]!, ...bobDevices];
      const aliceWork = work(epoch, aliceIds);
      const bobWork = work(epoch, bobIds);
      owed(alice.address, aliceWork);
      owed(bob.address, bobWork);
      ({ nextNonce } = await recordWork(pool, {
        epoch,
        proofs: [...aliceWork, ...bobWork],
        verifiers: verifiers.slice(1, 4),
        firstNonce: nextNonce,
        batchSize: 7,
      }));
    }

    // Alice claims directly; bob signs a gasless claim that a relayer submits for a fee.
    const { amount: alicePaid } = await claim(pool.connect(stranger), alice.address);
    expect(alicePaid).to.equal((units.get(alice.address)! * RATE) / WAD);
    const bobView = await getPoolAccount(pool, bob.address);
    const signed = {
      account: bob.address,
      recipient: bob.address,
      maxFee: USDC / 20n,
      nonce: bobView.claimNonce,
      deadline: BigInt(await time.latest()) + 600n,
    };
    const signature = await signClaim(bob, await readPoolDomain(pool), signed);
    await relayClaim(pool.connect(relayer), { claim: signed, signature, fee: USDC / 50n });
    expect(await usdc.balanceOf(bob.address)).to.equal(bobView.ledgerClaimable - USDC / 50n);
    expect(await usdc.balanceOf(relayer.address)).to.equal(USDC / 50n);

    // The books: Σ credited = Σ units × rate exactly; Σ paid + Σ still owed ≤ Σ funded; the pool holds the rest.
    const totals = await pool.totals();
    const totalUnits = [...units.values()].reduce((s, u) => s + u, 0n);
    expect(totals.creditedWad).to.equal(totalUnits * RATE);
    expect(totals.funded).to.equal(300n * USDC);
    let stillOwed = 0n;
    let paid = 0n;
    for (const who of [alice.address, bob.address]) {
      const a = await getPoolAccount(pool, who);
      const credited = units.get(who)! * RATE;
      expect(a.ledgerClaimable).to.equal(0n);
      expect(a.unpaidWad).to.equal(credited % WAD); // only the remainder below one token unit is left
      stillOwed += a.unpaidWad;
      paid += await usdc.balanceOf(who);
    }
    paid += await usdc.balanceOf(relayer.address);
    expect(paid * WAD + stillOwed).to.equal(totals.creditedWad);
    expect(await usdc.balanceOf(poolAddress)).to.equal(totals.funded - paid);
  });
});
