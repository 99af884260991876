/**
 * The epoch-mode benchmarks' scenario, shared by scripts/bench/epoch.ts (the figures) and scripts/bench/trace.ts
 * (where their gas goes), so both measure the very same transactions: a pool (whole or clone) on MockUSDC with a
 * 3-of-5 quorum, funded under one reference; trees whose accounts are the holder (claims every epoch), a 100-device
 * fleet's owner, then derived addresses with one device each, never claiming (a tree of n accounts is the first n, so
 * smaller trees nest in larger ones). Devices are synthetic: epoch mode checks no device on-chain, so none is
 * registered.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { id } from "ethers";

import {
  buildEpoch,
  type BuiltEpoch,
  checksumAddress,
  commitEpoch,
  contracts,
  type DeviceState,
  DeviceStatus,
  fastKeccak256,
  poolConfig,
  proofFor,
  readPoolDomain,
  relayClaim,
  setupPool,
  signClaim,
  WAD,
  type WorkReport,
} from "../../sdk/src/index.js";
import { benchChain, benchDeployment, closeEpoch, type PoolKind, USDC } from "./chain.js";

export const RATE = WAD / 3n;
export const BUDGET = 10n ** 12n * USDC;
export const DEVICE_CAP = 10_000_000n;
export const FLEET = 100;
export const FUNDING_REF = id("bench/customer-contract-1");

/** Sets the scenario up on a fresh in-process chain, with trees of up to `maxAccounts` accounts. */
export async function epochScenario(p: { kind: PoolKind; maxAccounts: number }) {
  const chain = await benchChain();
  const { ethers, networkHelpers, signer } = chain;
  const [deployer, holder, fleetOwner, relayer] = [signer(0), signer(1), signer(2), signer(3)];
  const quorum = [4, 5, 6].map(signer);
  const verifiers = [...quorum, signer(7), signer(8)];
  const { chainId } = await ethers.provider.getNetwork();

  const deployed = await benchDeployment(deployer, { metadata: "bench", mint: 10n ** 12n * USDC });
  const { factory, tokenAddress, networkId } = deployed;
  const { pool, address: poolAddress } = await setupPool(factory.connect(deployer), {
    config: poolConfig({
      token: tokenAddress,
      networkId,
      admin: deployer.address,
      verifiers: verifiers.map((v) => v.address),
      quorum: 3,
      params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP },
      maxRelayerFee: USDC,
    }),
    salt: id("bench/epoch"),
    kind: p.kind,
    funding: [{ amount: 10n ** 11n * USDC, ref: FUNDING_REF }],
  });
  const { challengePeriod } = await pool.settings();

  const accounts = [
    holder.address,
    fleetOwner.address,
    ...Array.from({ length: p.maxAccounts - 2 }, (_, i) =>
      checksumAddress("0x" + fastKeccak256(`bench/account/${i}`).slice(26)),
    ),
  ];
  const devicesOf = (n: number): Map<bigint, DeviceState> => {
    const devices = new Map<bigint, DeviceState>();
    for (let a = 0; a < n; a++) {
      for (let d = 0; d < (a === 1 ? FLEET : 1); d++) {
        const deviceId = BigInt(fastKeccak256(`bench/device/${a}/${d}`));
        devices.set(deviceId, {
          deviceId,
          networkId,
          status: DeviceStatus.Active,
          payee: accounts[a]!,
          recordedInLedger: false,
        });
      }
    }
    return devices;
  };
  const reports = (epoch: number, devices: Map<bigint, DeviceState>): WorkReport[] =>
    [...devices.keys()].map((deviceId, i) => ({
      deviceId,
      units: 2_000_000n + BigInt((i * 7919 + epoch) % 1000),
      evidenceHash: fastKeccak256(`evidence/${epoch}/${i}`),
    }));

  let previous: BuiltEpoch | undefined;
  /** Builds and commits `epoch` over a tree of `n` accounts (on top of the last), then waits out the challenge. */
  const commit = async (epoch: number, n: number) => {
    await closeEpoch(networkHelpers, [pool], BigInt(epoch));
    const devices = devicesOf(n);
    const built = buildEpoch({
      pool: poolAddress,
      chainId,
      epoch,
      formulaVersion: 1,
      params: { rate: RATE, epochBudget: BUDGET, deviceCap: DEVICE_CAP },
      networkId,
      registryBlock: await ethers.provider.getBlockNumber(),
      devices,
      reports: reports(epoch, devices),
      ...(previous === undefined ? {} : { previous: { manifest: previous.manifest, text: previous.text } }),
    });
    const { gasUsed, transactionHash } = await commitEpoch(pool.connect(relayer), {
      built,
      uri: `ipfs://bench/epoch-${epoch}.json`,
      verifiers: quorum,
    });
    await networkHelpers.time.increase(challengePeriod + 1n);
    previous = built;
    return { built, devices: devices.size, gasUsed, transactionHash };
  };

  /** The holder's signed claim of its whole epoch cumulative in `built`, relayed for a fee of 0.1 token. */
  const gasless = async (built: BuiltEpoch) => {
    const leaf = proofFor(built, holder.address);
    const signed = {
      account: holder.address,
      recipient: holder.address,
      maxFee: USDC / 10n,
      nonce: (await pool.account(holder.address)).claimNonce,
      deadline: BigInt(await networkHelpers.time.latest()) + 3600n,
    };
    const signature = await signClaim(holder, await readPoolDomain(pool), signed);
    const result = await relayClaim(pool.connect(relayer), { claim: signed, signature, fee: USDC / 10n, epoch: leaf });
    return { ...result, proofLength: leaf.proof.length };
  };

  /**
   * The anchor: a URD-style distributor (contracts/mocks/UrdLikeDistributor.sol) over a tree of the first 10,000
   * accounts, the same token; `claim(round)` sets round `round`'s root (every amount × round) and the relayer claims
   * the holder's, so round 2 is a repeat claim by an existing holder.
   */
  const urdAnchor = async () => {
    const urd = await new contracts.UrdLikeDistributor__factory(deployer).deploy();
    const address = await urd.getAddress();
    await (await deployed.token.mint(address, 10n ** 12n * USDC)).wait();
    const tree10k = accounts.slice(0, 10_000);
    const claim = async (round: bigint) => {
      const tree = StandardMerkleTree.of(
        tree10k.map((a, i): [string, string, bigint] => [a, tokenAddress, (BigInt(i) + 1n) * USDC * round]),
        ["address", "address", "uint256"],
      );
      await (await urd.setRoot(tree.root)).wait();
      const proof = tree.getProof(0);
      const tx = await urd.connect(relayer).claim(holder.address, tokenAddress, USDC * round, proof);
      const receipt = await tx.wait();
      return { hash: tx.hash, gasUsed: receipt!.gasUsed, proofLength: proof.length, accounts: tree10k.length };
    };
    return { address, claim };
  };

  return {
    ...chain,
    ...deployed,
    deployer,
    holder,
    fleetOwner,
    relayer,
    chainId,
    pool,
    poolAddress,
    accounts,
    commit,
    gasless,
    urdAnchor,
  };
}
