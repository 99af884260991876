/**
 * Finding: the SDK's auditor checks take the manifest's word for the parameters they check against.
 *
 * The README: "The manifest records the cap, budget, network and registry block, so `readManifest` re-checks what
 * needs no chain and `checkManifestDevices` the rest." But `readManifest` checks records against the manifest's own
 * `deviceCap` / `epochBudget`, and `checkManifestDevices` compares each device's network with the manifest's own
 * `networkId`, at the manifest's own `registryBlock`. Nothing in the SDK compares those four fields (nor `pool`,
 * `chainId`) with the pool (`settings().networkId`, `rewardParamsAt(epoch)`, `epochEndBlock(epoch)`). A compromised
 * quorum publishes a self-consistent manifest that declares another network, a huge cap and budget, and an old
 * registry block; the documented audit passes it, while the chain cannot check any of it.
 *
 * Also: `readManifest` does not validate `epoch` / `registryBlock` / `formulaVersion` as integers (`Number(...)`):
 * a manifest with `"epoch": "zero"` reads as epoch NaN, and NaN passes the "follows the previous manifest" check.
 */
import { expect } from "chai";
import { keccak256, toUtf8Bytes } from "ethers";
import { network } from "hardhat";

import {
  buildEpoch,
  checkManifestAgainstChain,
  checkManifestDevices,
  epochCommitOf,
  epochEndBlock,
  ManifestMismatchError,
  readDeviceStates,
  readManifest,
} from "../../sdk/src/index.js";
import { DEVICE_CAP } from "../helpers/pool.js";
import { attackFixture } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, time } = networkHelpers;
const fixture = () => attackFixture(ethers, time);

describe("attack: forged manifest passes the SDK's audit", function () {
  it("the documented audit (readManifest, checkManifestAgainstChain, checkManifestDevices) flags a committed manifest crediting another network's device over the pool's cap", async function () {
    const { pool, registry, poolAddress, chainId, foreignDevices, closeEpoch, sign } = await loadFixture(fixture);
    await closeEpoch(0n);
    const registryBlock = await epochEndBlock(pool, 0n);
    const ids = foreignDevices.map((d) => d.deviceId); // registered in network 2; the pool pays network 1
    const forged = buildEpoch({
      pool: poolAddress,
      chainId,
      epoch: 0,
      formulaVersion: 1,
      // The epoch's real rate (the chain checks it); the cap and budget are whatever the forger declares.
      params: { rate: (await pool.rewardParamsAt(0)).rate, deviceCap: 10n ** 30n, epochBudget: 10n ** 30n },
      networkId: 2n,
      registryBlock,
      // The forger declares the devices unpaid in ledger mode (the SDK builder refuses states without it).
      devices: new Map(
        [...(await readDeviceStates(registry, ids, registryBlock))].map(([id, s]) => [
          id,
          { ...s, recordedInLedger: false },
        ]),
      ),
      reports: ids.map((deviceId) => ({ deviceId, units: DEVICE_CAP * 1_000n, evidenceHash: keccak256("0x01") })),
    });
    const c = epochCommitOf(forged, "ipfs://forged", await pool.commitNonce(), BigInt(await time.latest()) + 3_600n);
    await expect(pool.commitEpoch(c, await sign(c))).to.emit(pool, "EpochCommitted");

    // The auditor fetches the manifest named on-chain, checks its hash, then runs the SDK's checks.
    expect(keccak256(toUtf8Bytes(forged.text))).to.equal(c.manifestHash);
    const read = readManifest(forged.text); // re-derives fine: the forgery is self-consistent
    const states = await readDeviceStates(
      registry,
      read.manifest.records.map((r) => r.deviceId),
      read.manifest.registryBlock,
    );
    const findings = [
      ...(await checkManifestAgainstChain(pool, read.manifest)),
      ...checkManifestDevices(read.manifest, states),
    ];
    // Safe behaviour: the foreign network and the units 1,000x over the pool's cap are reported.
    expect(findings, "the audit found nothing wrong with a root paying another network's device").to.not.deep.equal([]);
    expect(findings.join("\n")).to.match(/networkId: manifest says 2, chain says 1/);
    expect(findings.join("\n")).to.match(/deviceCap: manifest says/);
  });

  it("readManifest refuses an epoch that is not a whole number", async function () {
    const { aliceDevices, closeEpoch, report, build } = await loadFixture(fixture);
    await closeEpoch(1n);
    const e0 = await build(0, [report(aliceDevices[0]!.deviceId, 10n)]);
    const e1 = await build(1, [report(aliceDevices[0]!.deviceId, 10n)], e0);
    const bad = e1.text.replace('"epoch": 1,', '"epoch": "one",');
    expect(bad).to.not.equal(e1.text);
    let read: ReturnType<typeof readManifest> | undefined;
    let error: unknown;
    try {
      read = readManifest(bad, { manifest: e0.manifest, text: e0.text });
    } catch (e) {
      error = e;
    }
    expect(error, `read as epoch ${String(read?.manifest.epoch)}`).to.be.instanceOf(ManifestMismatchError);
  });
});
