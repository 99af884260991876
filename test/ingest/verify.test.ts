import { randomBytes } from "node:crypto";

import { expect } from "chai";
import { id } from "ethers";

import {
  checkWorkReportSignature,
  checkWorkReportSignatureFast,
  deviceIdOf,
  recoverSecp256k1Key,
  SECP256K1_BACKEND,
  workReportDigest,
  KeyType,
  P256_N,
  P256DeviceKey,
  poolDomain,
  Secp256k1DeviceKey,
  signWorkReport,
  toHighS,
  type DeviceKey,
  type SignedWorkReport,
} from "../../sdk/src/index.js";

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const domain = poolDomain(31337n, "0x" + "42".repeat(20));
const word = (x: bigint) => x.toString(16).padStart(64, "0");
const hexOf = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");

function signed(key: DeviceKey, units: bigint): SignedWorkReport {
  const report = { deviceId: deviceIdOf(key.keyType, key.key), epoch: 7n, units, evidenceHash: id(`e${units}`) };
  return { report, signature: signWorkReport(key, domain, report) };
}

/** The signature with its bytes changed by `f` (on a copy). */
function withBytes(r: SignedWorkReport, f: (b: Buffer) => Buffer): SignedWorkReport {
  return {
    ...r,
    signature: { ...r.signature, signature: hexOf(f(Buffer.from(r.signature.signature.slice(2), "hex"))) },
  };
}

/** A report claiming `key` (its device id follows the key), signed as `r` was. */
function withKey(r: SignedWorkReport, key: string): SignedWorkReport {
  return {
    report: { ...r.report, deviceId: deviceIdOf(r.signature.keyType, key) },
    signature: { ...r.signature, key },
  };
}

/** The same signature with s replaced by n − s (and, secp256k1, the recovery byte flipped): valid but high-s. */
function highS(r: SignedWorkReport): SignedWorkReport {
  if (r.signature.keyType === KeyType.P256) {
    return { ...r, signature: { ...r.signature, signature: toHighS(r.signature.signature) } };
  }
  return withBytes(r, (b) => {
    b.write(word(SECP256K1_N - BigInt(hexOf(b.subarray(32, 64)))), 32, 32, "hex");
    b[64] = b[64] === 27 ? 28 : 27;
    return b;
  });
}

/** What the reference answers, thrown errors included (the fast path must throw where it throws). */
function verdict(f: typeof checkWorkReportSignature, r: SignedWorkReport): string {
  try {
    return f(domain, r.report, r.signature) ?? "ok";
  } catch (error) {
    return `throws ${(error as Error).constructor.name}`;
  }
}

/** Forged, malleated and malformed variants of a valid signed report. */
function variants(r: SignedWorkReport, other: SignedWorkReport): SignedWorkReport[] {
  const secp = r.signature.keyType === KeyType.Secp256k1;
  const n = secp ? SECP256K1_N : P256_N;
  const setWord = (b: Buffer, at: number, x: bigint) => {
    b.write(word(x), at, 32, "hex");
    return b;
  };
  const out: SignedWorkReport[] = [
    r,
    { ...r, report: { ...r.report, units: r.report.units + 1n } }, // tampered after signing
    { ...r, report: { ...r.report, epoch: r.report.epoch + 1n } },
    { ...r, signature: { ...r.signature, key: other.signature.key } }, // another device's key
    { ...other, signature: { ...other.signature, signature: r.signature.signature } }, // another device's signature
    withKey(r, other.signature.key), // signed by r's key, claiming other's device
    highS(r), // malleated
    { ...r, signature: { ...r.signature, key: r.signature.key.toUpperCase().replace("0X", "0x") } },
    { ...r, signature: { ...r.signature, signature: r.signature.signature.toUpperCase().replace("0X", "0x") } },
    withBytes(r, (b) => b.subarray(0, b.length - 1)), // truncated
    withBytes(r, (b) => Buffer.concat([b, Buffer.of(0)])), // one byte more
    withBytes(r, (b) => randomBytes(b.length)), // random bytes
    withBytes(r, (b) => setWord(b, 0, 0n)), // r = 0
    withBytes(r, (b) => setWord(b, 32, 0n)), // s = 0
    withBytes(r, (b) => setWord(b, 0, n)), // r = n
    withBytes(r, (b) => setWord(b, 0, n + 5n)), // r above n
    withBytes(r, (b) => setWord(b, 32, n - 1n)), // s = n − 1 (high)
    withBytes(r, (b) => setWord(b, 32, n / 2n)), // s = ⌊n/2⌋ (the largest low s)
    withBytes(r, (b) => setWord(b, 32, n / 2n + 1n)),
    withBytes(r, (b) => {
      b.writeUInt8(b.readUInt8(33) ^ 1, 33); // s changed a little
      return b;
    }),
    { ...r, signature: { ...r.signature, keyType: 3 as KeyType } },
    { ...r, signature: { ...r.signature, keyType: secp ? KeyType.P256 : KeyType.Secp256k1 } },
  ];
  if (secp) {
    // Every recovery byte, and r at an x with no point on the curve (x = 5 has none on secp256k1).
    for (const v of [0, 1, 2, 26, 27, 28, 29, 34, 35, 36, 37, 38, 255]) out.push(withBytes(r, (b) => ((b[64] = v), b)));
    out.push(withBytes(r, (b) => setWord(b, 0, 5n)));
    out.push(withBytes(r, (b) => (b.writeUInt8(b.readUInt8(32) | 0x80, 32), b))); // s with its top bit set
    out.push({ ...r, signature: { ...r.signature, key: r.signature.key + "00" } });
  } else {
    const point = Buffer.from(r.signature.key.slice(2), "hex");
    point.writeUInt8(point.readUInt8(63) ^ 1, 63); // not on the curve
    out.push(withKey(r, hexOf(point)));
    out.push(withKey(r, "0x" + "00".repeat(64)));
    out.push(withKey(r, r.signature.key + "00")); // 65 bytes
    out.push(withKey(r, r.signature.key.slice(0, -2))); // 63 bytes
    out.push({ ...r, signature: { ...r.signature, key: r.signature.key.slice(0, -1) } }); // odd hex
  }
  return out;
}

describe("checkWorkReportSignatureFast", function () {
  this.timeout(120_000);

  for (const [name, make] of [
    ["secp256k1", (): DeviceKey => Secp256k1DeviceKey.random()],
    ["P-256", (): DeviceKey => P256DeviceKey.random()],
  ] as const) {
    it(`gives the verdict checkWorkReportSignature gives, ${name}: valid, forged, malleated, malformed`, function () {
      const keys = Array.from({ length: 12 }, make);
      const seen = new Map<string, number>();
      let cases = 0;
      for (let i = 0; i < 60; i++) {
        const r = signed(keys[i % keys.length]!, BigInt(i + 1));
        const other = signed(keys[(i + 1) % keys.length]!, BigInt(i + 1));
        for (const [j, c] of variants(r, other).entries()) {
          const expected = verdict(checkWorkReportSignature, c);
          expect(verdict(checkWorkReportSignatureFast, c), `report ${i}, variant ${j}`).to.equal(expected);
          seen.set(expected, (seen.get(expected) ?? 0) + 1);
          cases++;
        }
      }
      expect(cases).to.be.greaterThan(1_500);
      // The cases reach every verdict (else the comparison proves little).
      const verdicts = ["ok", "key is not the device's", "malformed signature", "high-s signature", "wrong signer"];
      for (const v of name === "P-256" ? [...verdicts, "invalid key"] : verdicts) {
        expect(seen.get(v) ?? 0, v).to.be.greaterThan(0);
      }
    });
  }

  it("accepts a valid report and names each problem", function () {
    const secp = signed(Secp256k1DeviceKey.random(), 10n);
    const p256 = signed(P256DeviceKey.random(), 10n);
    for (const r of [secp, p256]) {
      expect(checkWorkReportSignatureFast(domain, r.report, r.signature)).to.equal(undefined);
      expect(checkWorkReportSignatureFast(domain, { ...r.report, units: 11n }, r.signature)).to.equal("wrong signer");
      const malleated = highS(r);
      expect(checkWorkReportSignatureFast(domain, malleated.report, malleated.signature)).to.equal("high-s signature");
      expect(
        checkWorkReportSignatureFast(domain, { ...r.report, deviceId: r.report.deviceId + 1n }, r.signature),
      ).to.equal("key is not the device's");
      // Another pool's domain: the same report signed there does not verify here.
      expect(checkWorkReportSignatureFast(poolDomain(1n, "0x" + "42".repeat(20)), r.report, r.signature)).to.equal(
        "wrong signer",
      );
    }
    const point = Buffer.from(p256.signature.key.slice(2), "hex");
    point.writeUInt8(point.readUInt8(0) ^ 1, 0);
    const offCurve = withKey(p256, hexOf(point));
    expect(checkWorkReportSignatureFast(domain, offCurve.report, offCurve.signature)).to.equal("invalid key");
    // A secp256k1 r with no curve point: nothing recovers, as ecrecover yields no address.
    const noPoint = withBytes(secp, (b) => (b.write(word(5n), 0, 32, "hex"), b));
    expect(checkWorkReportSignatureFast(domain, noPoint.report, noPoint.signature)).to.equal("wrong signer");
    expect(checkWorkReportSignature(domain, noPoint.report, noPoint.signature)).to.equal("wrong signer");
    // The same signature with v as 0/1 or EIP-155 (which ethers reads, but ecrecover and so the pool refuse): a
    // report accepted off-chain must verify on-chain, so these are malformed in both checks.
    const v = Buffer.from(secp.signature.signature.slice(2), "hex")[64]!;
    for (const other of [v - 27, v + 8, v + 10, 0, 1, 35, 36]) {
      const c = withBytes(secp, (b) => ((b[64] = other), b));
      expect(checkWorkReportSignatureFast(domain, c.report, c.signature), `v ${other}`).to.equal("malformed signature");
      expect(checkWorkReportSignature(domain, c.report, c.signature), `v ${other}`).to.equal("malformed signature");
    }
  });

  it("recovers the same secp256k1 key, or none, natively and in WebAssembly", function () {
    if (SECP256K1_BACKEND !== "native") this.skip(); // no prebuilt addon here: WebAssembly is the only build
    const keys = Array.from({ length: 8 }, () => Secp256k1DeviceKey.random());
    let recovered = 0;
    let none = 0;
    for (let i = 0; i < 400; i++) {
      const r = signed(keys[i % keys.length]!, BigInt(i + 1));
      const digest = Buffer.from(workReportDigest(domain, r.report).slice(2), "hex");
      const sig = Buffer.from(r.signature.signature.slice(2), "hex");
      // The signature as signed, then forged ones: random, r or s zero or n, r without a point, other digest.
      const rs = [
        sig.subarray(0, 64),
        randomBytes(64),
        Buffer.concat([Buffer.alloc(32), sig.subarray(32, 64)]),
        Buffer.concat([sig.subarray(0, 32), Buffer.alloc(32)]),
        Buffer.concat([Buffer.from(word(SECP256K1_N), "hex"), sig.subarray(32, 64)]),
        Buffer.concat([Buffer.from(word(5n), "hex"), sig.subarray(32, 64)]),
      ][i % 6]!;
      const d = i % 7 === 6 ? randomBytes(32) : digest;
      const recoveryId = ((sig.readUInt8(64) - 27 + (i % 2)) % 2) as 0 | 1;
      const a = recoverSecp256k1Key(d, rs, recoveryId, "native");
      const b = recoverSecp256k1Key(d, rs, recoveryId, "wasm");
      expect(a === null ? null : hexOf(a), `case ${i}`).to.equal(b === null ? null : hexOf(b));
      if (a === null) none++;
      else recovered++;
    }
    expect(recovered).to.be.greaterThan(50);
    expect(none).to.be.greaterThan(50);
  });
});
