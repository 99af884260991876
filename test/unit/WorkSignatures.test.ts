import { expect } from "chai";
import { id } from "ethers";

import {
  checkWorkReportSignature,
  checkWorkReportSignaturesParallel,
  deviceIdOf,
  P256DeviceKey,
  poolDomain,
  Secp256k1DeviceKey,
  signWorkReport,
  toHighS,
  type SignedWorkReport,
} from "../../sdk/src/index.js";

describe("Device signature checks on worker threads", function () {
  this.timeout(120_000);

  it("gives every report the verdict the single-threaded check gives, in order", async function () {
    const domain = poolDomain(31337n, "0x" + "42".repeat(20));
    const keys = [
      ...Array.from({ length: 40 }, () => Secp256k1DeviceKey.random()),
      ...Array.from({ length: 40 }, () => P256DeviceKey.random()),
    ];
    const reports: SignedWorkReport[] = [];
    for (let i = 0; i < 4_500; i++) {
      const key = keys[i % keys.length]!;
      const report = {
        deviceId: deviceIdOf(key.keyType, key.key),
        epoch: 3n,
        units: BigInt(i),
        evidenceHash: id(`e${i}`),
      };
      const signature = signWorkReport(key, domain, report);
      // Every 7th report is tampered with after signing, every 11th signed by another key, every 13th high-s.
      if (i % 7 === 0) reports.push({ report: { ...report, units: report.units + 1n }, signature });
      else if (i % 11 === 0)
        reports.push({ report, signature: { ...signature, key: keys[(i + 1) % keys.length]!.key } });
      else if (i % 13 === 0 && key.keyType === 2)
        reports.push({ report, signature: { ...signature, signature: toHighS(signature.signature) } });
      else reports.push({ report, signature });
    }
    const expected = reports.map((r) => checkWorkReportSignature(domain, r.report, r.signature));
    expect(expected.filter((v) => v === undefined).length).to.be.within(1, reports.length - 1);
    expect(await checkWorkReportSignaturesParallel(domain, reports, { threads: 3 })).to.deep.equal(expected);
    expect(await checkWorkReportSignaturesParallel(domain, reports, { threads: 1 })).to.deep.equal(expected);
  });
});
