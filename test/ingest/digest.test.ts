import { expect } from "chai";
import { TypedDataEncoder, hexlify, id, randomBytes } from "ethers";

import { poolDomain, WORK_REPORT_TYPES, workReportDigest } from "../../sdk/src/index.js";

describe("Work report digest (direct encoding)", function () {
  const domains = [poolDomain(31337n, "0x" + "42".repeat(20)), poolDomain(8453n, "0x" + "a1".repeat(20))];
  const rnd = (bits: number) => BigInt(hexlify(randomBytes(bits / 8)));

  it("equals ethers' EIP-712 hash for random and boundary reports in several domains", function () {
    const reports = [
      { deviceId: 0n, epoch: 0n, units: 0n, evidenceHash: "0x" + "00".repeat(32) },
      { deviceId: 2n ** 256n - 1n, epoch: 2n ** 32n - 1n, units: 2n ** 64n - 1n, evidenceHash: "0x" + "FF".repeat(32) },
      ...Array.from({ length: 200 }, (_, i) => ({
        deviceId: rnd(256),
        epoch: rnd(32),
        units: rnd(64),
        evidenceHash: id(`e${i}`),
      })),
    ];
    for (const domain of domains) {
      for (const r of reports) {
        expect(workReportDigest(domain, r)).to.equal(TypedDataEncoder.hash(domain, WORK_REPORT_TYPES, r));
      }
    }
  });

  it("refuses out-of-range fields as ethers does", function () {
    const base = { deviceId: 1n, epoch: 1n, units: 1n, evidenceHash: id("x") };
    for (const bad of [{ epoch: 2n ** 32n }, { units: 2n ** 64n }, { units: -1n }, { evidenceHash: "0x12" }]) {
      expect(() => workReportDigest(domains[0]!, { ...base, ...bad })).to.throw();
    }
  });
});
