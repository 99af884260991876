/**
 * The ingest tests' world on the in-process chain, set up with the SDK as an operator would: the contracts
 * (deployDepin), two networks (createNetwork), two funded pools on network 1 that require device signatures
 * (setupPool), devices registered with registerFleet (secp256k1 and P-256, one fleet on network 2, one retired).
 */
import { id, type TypedDataDomain } from "ethers";
import { network } from "hardhat";

import {
  createNetwork,
  deployDepin,
  deviceIdOf,
  type DeviceKey,
  type contracts,
  type IngestServiceOptions,
  IngestService,
  P256DeviceKey,
  poolDomain,
  registerFleet,
  retireDevice,
  Secp256k1DeviceKey,
  setupPool,
  signedReportJson,
  signWorkReport,
  WAD,
  type SignedWorkReport,
} from "../../sdk/src/index.js";
import { signedRegistration } from "../helpers/registry.js";

export const DAY = 86_400n;
export const USDC = 10n ** 6n;
export const DEVICE_CAP = 1_000n;

export interface Device {
  key: DeviceKey;
  deviceId: bigint;
}

export async function ingestFixture() {
  const { ethers, networkHelpers } = await network.create();
  const [admin, alice, guardian, ...rest] = await ethers.getSigners();
  const verifiers = rest.slice(0, 3).sort((a, b) => (BigInt(a!.address) < BigInt(b!.address) ? -1 : 1));
  const { chainId } = await ethers.provider.getNetwork();
  const deployed = await deployDepin(admin!, { withTestToken: true });
  await createNetwork(deployed.registry.connect(admin!), { attestationRequired: false, metadataHash: id("net-1") });
  await createNetwork(deployed.registry.connect(admin!), { attestationRequired: false, metadataHash: id("net-2") });
  const registryAddress = await deployed.registry.getAddress();

  const register = async (keys: DeviceKey[], networkId = 1n): Promise<Device[]> => {
    const registrations = await Promise.all(
      keys.map((k) => signedRegistration(k, { chainId, registry: registryAddress, owner: alice!.address, networkId })),
    );
    await registerFleet(deployed.registry.connect(alice!), { networkId, registrations });
    return keys.map((key) => ({ key, deviceId: deviceIdOf(key.keyType, key.key) }));
  };
  const devices = await register([
    ...Array.from({ length: 6 }, () => Secp256k1DeviceKey.random()),
    ...Array.from({ length: 4 }, () => P256DeviceKey.random()),
  ]);
  const foreign = await register([Secp256k1DeviceKey.random()], 2n);
  const [retired] = await register([Secp256k1DeviceKey.random()]);
  await retireDevice(deployed.registry.connect(alice!), { deviceId: retired!.deviceId });
  const unregistered: Device[] = [Secp256k1DeviceKey.random()].map((key) => ({
    key,
    deviceId: deviceIdOf(key.keyType, key.key),
  }));

  const token = deployed.token!;
  await token.connect(admin!).mint(admin!.address, 10_000_000n * USDC);
  const config = {
    token: await token.getAddress(),
    networkId: 1,
    admin: admin!.address,
    guardian: guardian!.address,
    verifiers: verifiers.map((v) => v!.address),
    quorum: 2,
    epochLength: Number(DAY),
    changeDelay: Number(2n * DAY),
    challengePeriod: Number(DAY / 2n),
    settlementWindow: 7,
    params: { rate: WAD / 3n, epochBudget: 1_000_000n * USDC, deviceCap: DEVICE_CAP },
    minClaim: 0n,
    maxRelayerFee: 2n * USDC,
    requireDeviceSignatures: true,
    outflowLimit: 2_000_000n * USDC,
    outflowWindow: Number(DAY),
  };
  const pools: { pool: contracts.IRewardPool; address: string; domain: TypedDataDomain }[] = [];
  // Two pools that require device signatures (ledger mode), and one that does not (epoch mode commits roots).
  for (const salt of ["pool-a", "pool-b", "pool-epoch"]) {
    const { pool, address } = await setupPool(deployed.factory.connect(admin!), {
      config: { ...config, requireDeviceSignatures: salt !== "pool-epoch" },
      salt: id(salt),
      funding: [{ amount: 1_000_000n * USDC, ref: id(`fund-${salt}`) }],
    });
    // Reads through the provider: the service only reads.
    pools.push({
      pool: pool.connect(ethers.provider) as contracts.IRewardPool,
      address,
      domain: poolDomain(chainId, address),
    });
  }
  const epoch = await pools[0]!.pool.currentEpoch();

  const sign = (d: Device, units: bigint, o: { epoch?: bigint; domain?: TypedDataDomain; tag?: string } = {}) => {
    const report = {
      deviceId: d.deviceId,
      epoch: o.epoch ?? epoch,
      units,
      evidenceHash: id(`${o.tag ?? "evidence"}:${d.deviceId}:${units}`),
    };
    const signed: SignedWorkReport = { report, signature: signWorkReport(d.key, o.domain ?? pools[0]!.domain, report) };
    return signed;
  };

  const start = async (
    options: Partial<IngestServiceOptions> & Pick<IngestServiceOptions, "db">,
    which = 0,
  ): Promise<{
    service: IngestService;
    url: string;
    post: (body: unknown) => Promise<{ status: number; body: any }>;
  }> => {
    const service = await IngestService.create({ pool: pools[which]!.pool, ...options });
    const url = await service.listen(0, "127.0.0.1");
    const post = async (body: unknown) => {
      const res = await fetch(`${url}/v1/reports`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
    };
    return { service, url, post };
  };

  return {
    ethers,
    networkHelpers,
    chainId,
    admin: admin!,
    alice: alice!,
    verifiers: verifiers.map((v) => v!),
    registry: deployed.registry.connect(ethers.provider),
    pools,
    epoch,
    devices,
    foreign,
    retired: retired!,
    unregistered,
    sign,
    json: signedReportJson,
    start,
  };
}
