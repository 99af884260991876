/**
 * Device-signed work reports (EIP-712 `WorkReport` in the pool's domain): what a device signs for its work in an
 * epoch, and how a verifier checks it off-chain before it goes into a batch or a manifest. Pure: no I/O.
 *
 * secp256k1 keys sign the EIP-712 digest (65 bytes r||s||v); P-256 keys sign it with ECDSA-SHA256 (64 bytes r||s),
 * exactly what `RewardPool` verifies in pools that require device signatures. High-s signatures are refused, as
 * on-chain.
 */
import { createPublicKey, verify as nodeVerify, type KeyObject } from "node:crypto";
import { createRequire } from "node:module";

import { Signature, TypedDataEncoder, getBytes, id, recoverAddress, type TypedDataDomain } from "ethers";
import { recover as secp256k1Recover } from "tiny-secp256k1";

import { screenReports, type DeviceState, type ReportRejection, type WorkRecord } from "./epoch.js";
import { P256_N, type DeviceKey } from "./keys.js";
import { fastKeccak256 } from "./merkle.js";
import { WORK_REPORT_TYPES } from "./pool.js";
import { KeyType, deviceIdOf } from "./registry.js";

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** A device's report of its work in one epoch, as it signs it. */
export interface WorkReportMessage {
  deviceId: bigint;
  epoch: bigint;
  units: bigint;
  evidenceHash: string;
}

/** A device's signature over its report, in the form `recordProofs` takes it (`IRewardPoolBase.DeviceSignature`). */
export interface DeviceSignature {
  keyType: KeyType;
  key: string;
  signature: string;
}

const WORK_REPORT_TYPEHASH = Buffer.from(
  id(TypedDataEncoder.from(WORK_REPORT_TYPES).encodeType("WorkReport")).slice(2),
  "hex",
);
/** Domain separators by the domain's fields (a verifier checks many reports in a few domains). */
const domainSeparators = new Map<string, Buffer>();
const HEX32 = /^0x[0-9a-fA-F]{64}$/;

function domainSeparator(domain: TypedDataDomain): Buffer {
  const key = [domain.name, domain.version, domain.chainId, domain.verifyingContract, domain.salt]
    .map(String)
    .join("|");
  let sep = domainSeparators.get(key);
  if (sep === undefined) {
    sep = Buffer.from(TypedDataEncoder.hashDomain(domain).slice(2), "hex");
    if (domainSeparators.size > 1_000) domainSeparators.clear();
    domainSeparators.set(key, sep);
  }
  return sep;
}

function putWord(buf: Buffer, offset: number, value: bigint): void {
  buf.write(value.toString(16).padStart(64, "0"), offset, 32, "hex");
}

/**
 * The EIP-712 digest a device signs for `report` in the pool whose domain is `domain`. Computed directly (the
 * domain separator cached, keccak in WebAssembly) for in-range fields; anything else goes through ethers'
 * `TypedDataEncoder`, which refuses it as before.
 */
export function workReportDigest(domain: TypedDataDomain, report: WorkReportMessage): string {
  const { deviceId, epoch, units, evidenceHash } = report;
  if (
    typeof deviceId !== "bigint" ||
    typeof epoch !== "bigint" ||
    typeof units !== "bigint" ||
    deviceId < 0n ||
    deviceId >= 1n << 256n ||
    epoch < 0n ||
    epoch >= 1n << 32n ||
    units < 0n ||
    units >= 1n << 64n ||
    typeof evidenceHash !== "string" ||
    !HEX32.test(evidenceHash)
  ) {
    return TypedDataEncoder.hash(domain, WORK_REPORT_TYPES, { ...report });
  }
  const struct = Buffer.alloc(160);
  WORK_REPORT_TYPEHASH.copy(struct, 0);
  putWord(struct, 32, deviceId);
  putWord(struct, 64, epoch);
  putWord(struct, 96, units);
  struct.write(evidenceHash.slice(2), 128, 32, "hex");
  const outer = Buffer.alloc(66);
  outer[0] = 0x19;
  outer[1] = 0x01;
  domainSeparator(domain).copy(outer, 2);
  outer.write(fastKeccak256(struct).slice(2), 34, 32, "hex");
  return fastKeccak256(outer);
}

/**
 * Signs a work report with the device's own key (the key never leaves its object).
 * @example const sig = signWorkReport(deviceKey, poolDomain(chainId, pool), { deviceId, epoch: 3n, units, evidenceHash });
 */
export function signWorkReport(key: DeviceKey, domain: TypedDataDomain, report: WorkReportMessage): DeviceSignature {
  if (deviceIdOf(key.keyType, key.key) !== report.deviceId) {
    throw new TypeError(`the report is for device ${report.deviceId}, not for this key's device`);
  }
  return { keyType: key.keyType, key: key.key, signature: key.signDigest(workReportDigest(domain, report)) };
}

/**
 * Why a signed work report does not verify, or `undefined` when it does. "invalid key": a P-256 key that is not a
 * point of the curve (no registry accepts it); "wrong signer" also covers a secp256k1 signature no key recovers from.
 */
export type WorkReportSignatureProblem =
  "key is not the device's" | "malformed signature" | "high-s signature" | "wrong signer" | "invalid key";

/**
 * Checks a device's signature over its report off-chain, as the pool would: the key hashes to the device id, the
 * signature is well formed, low-s, and by that key over exactly this report in this pool's domain.
 */
export function checkWorkReportSignature(
  domain: TypedDataDomain,
  report: WorkReportMessage,
  sig: DeviceSignature,
): WorkReportSignatureProblem | undefined {
  if (deviceIdOf(sig.keyType, sig.key) !== report.deviceId) return "key is not the device's";
  const digest = workReportDigest(domain, report);
  const bytes = getBytes(sig.signature);
  if (sig.keyType === KeyType.Secp256k1) {
    // v as the pool's DeviceKeys reads it (OpenZeppelin's ECDSA, then ecrecover): 27 or 28 only. ethers would also
    // take 0/1 and EIP-155 values, which the chain refuses: a report accepted here must verify on-chain.
    if (bytes.length !== 65 || (bytes[64] !== 27 && bytes[64] !== 28)) return "malformed signature";
    let parsed: Signature;
    try {
      parsed = Signature.from(sig.signature);
    } catch {
      return "malformed signature";
    }
    // `_s`: ethers' `s` getter throws on an s of 2^255 or more, which is high-s like any s above n/2.
    if (BigInt(parsed._s) > SECP256K1_HALF_N) return "high-s signature";
    let signer: string;
    try {
      signer = recoverAddress(digest, parsed);
    } catch {
      return "wrong signer"; // r or s out of range, r not a point's x: ecrecover yields no address either
    }
    return signer.toLowerCase() === sig.key.toLowerCase() ? undefined : "wrong signer";
  }
  if (sig.keyType !== KeyType.P256 || bytes.length !== 64) return "malformed signature";
  if (BigInt("0x" + Buffer.from(bytes.subarray(32)).toString("hex")) > P256_N / 2n) return "high-s signature";
  const point = getBytes(sig.key);
  let publicKey: KeyObject;
  try {
    publicKey = p256PublicKey(point);
  } catch {
    return "invalid key";
  }
  const ok = nodeVerify("sha256", getBytes(digest), { key: publicKey, dsaEncoding: "ieee-p1363" }, bytes);
  return ok ? undefined : "wrong signer";
}

function p256PublicKey(point: Uint8Array): KeyObject {
  return createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: Buffer.from(point.subarray(0, 32)).toString("base64url"),
      y: Buffer.from(point.subarray(32, 64)).toString("base64url"),
    },
    format: "jwk",
  });
}

/** Which libsecp256k1 build recovers secp256k1 keys in `checkWorkReportSignatureFast`. */
export type Secp256k1Backend = "native" | "wasm";

interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recoveryId: number, message: Uint8Array, compressed: boolean): Uint8Array;
}

function loadNative(): NativeSecp256k1 | undefined {
  try {
    // The `secp256k1` package's addon (prebuilt for Linux, macOS and Windows on x64/arm64), not its JavaScript
    // fallback: without the addon, the WebAssembly build is the faster one.
    return createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
  } catch {
    return undefined;
  }
}
const native = loadNative();

/** The build `checkWorkReportSignatureFast` uses: native when the addon loads on this platform, else WebAssembly. */
export const SECP256K1_BACKEND: Secp256k1Backend = native === undefined ? "wasm" : "native";

/**
 * The uncompressed public key (65 bytes) that signed the 32-byte `digest` with `rs` (r‖s) and `recoveryId`, by
 * libsecp256k1, or null when none does (r or s zero or not below n, r not the x of a point). `backend` picks the
 * build (default: `SECP256K1_BACKEND`); both answer the same.
 */
export function recoverSecp256k1Key(
  digest: Uint8Array,
  rs: Uint8Array,
  recoveryId: 0 | 1,
  backend: Secp256k1Backend = SECP256K1_BACKEND,
): Uint8Array | null {
  if (backend === "native" && native === undefined) {
    throw new Error("the native secp256k1 addon did not load on this platform");
  }
  try {
    return backend === "native"
      ? native!.ecdsaRecover(rs, recoveryId, digest, false)
      : secp256k1Recover(digest, rs, recoveryId, false);
  } catch {
    return null; // both throw on what does not parse or recover
  }
}

const EVEN_HEX = /^0x(?:[0-9a-fA-F]{2})*$/;
const SECP256K1_HALF_N_BYTES = Buffer.from(SECP256K1_HALF_N.toString(16).padStart(64, "0"), "hex");
const P256_HALF_N_BYTES = Buffer.from((P256_N / 2n).toString(16).padStart(64, "0"), "hex");
/** P-256 public keys already parsed, by lowercase hex (`null`: not a point of the curve). Bounded. */
const p256Keys = new Map<string, KeyObject | null>();
const ID_PREIMAGE = Buffer.alloc(65);

/**
 * The same verdict as `checkWorkReportSignature`, several times faster, for a verifier that checks reports as they
 * arrive: secp256k1 keys are recovered by libsecp256k1 (`recoverSecp256k1Key`: the native addon of `secp256k1`, or
 * its WebAssembly build `tiny-secp256k1` where the addon does not load) instead of JavaScript,
 * device ids and the digest are hashed with keccak in WebAssembly, and parsed P-256 keys are kept (devices report
 * every epoch). Inputs of an unusual shape (odd hex, another key type, a P-256 key that is not 64 bytes) go to
 * `checkWorkReportSignature` itself, so the two agree on everything (a differential test holds them to it).
 */
export function checkWorkReportSignatureFast(
  domain: TypedDataDomain,
  report: WorkReportMessage,
  sig: DeviceSignature,
): WorkReportSignatureProblem | undefined {
  const { keyType, key, signature } = sig;
  const keyBytes = (keyType === KeyType.Secp256k1 ? 20 : 64) * 2 + 2;
  if (
    (keyType !== KeyType.Secp256k1 && keyType !== KeyType.P256) ||
    typeof key !== "string" ||
    typeof signature !== "string" ||
    key.length !== keyBytes ||
    !EVEN_HEX.test(key) ||
    !EVEN_HEX.test(signature)
  ) {
    return checkWorkReportSignature(domain, report, sig);
  }
  // deviceIdOf: keccak256(abi.encodePacked(uint8 keyType, bytes key))
  const keyLength = (key.length - 2) / 2;
  ID_PREIMAGE[0] = keyType;
  ID_PREIMAGE.write(key.slice(2), 1, keyLength, "hex");
  if (BigInt(fastKeccak256(ID_PREIMAGE.subarray(0, 1 + keyLength))) !== report.deviceId) {
    return "key is not the device's";
  }
  const digest = Buffer.from(workReportDigest(domain, report).slice(2), "hex");
  const bytes = Buffer.from(signature.slice(2), "hex");
  if (keyType === KeyType.Secp256k1) {
    if (bytes.length !== 65) return "malformed signature";
    // v as the pool's DeviceKeys reads it: 27 or 28 only (see checkWorkReportSignature).
    const v = bytes[64]!;
    if (v !== 27 && v !== 28) return "malformed signature";
    const recoveryId = v - 27;
    if (Buffer.compare(bytes.subarray(32, 64), SECP256K1_HALF_N_BYTES) > 0) return "high-s signature";
    const point = recoverSecp256k1Key(digest, bytes.subarray(0, 64), recoveryId as 0 | 1);
    if (point === null) return "wrong signer";
    const signer = fastKeccak256(point.subarray(1)).slice(-40);
    return signer === key.slice(2).toLowerCase() ? undefined : "wrong signer";
  }
  if (bytes.length !== 64) return "malformed signature";
  if (Buffer.compare(bytes.subarray(32), P256_HALF_N_BYTES) > 0) return "high-s signature";
  const lower = key.toLowerCase();
  let publicKey = p256Keys.get(lower);
  if (publicKey === undefined) {
    try {
      publicKey = p256PublicKey(Buffer.from(lower.slice(2), "hex"));
    } catch {
      publicKey = null;
    }
    if (p256Keys.size >= 100_000) p256Keys.clear();
    p256Keys.set(lower, publicKey);
  }
  if (publicKey === null) return "invalid key";
  return nodeVerify("sha256", digest, { key: publicKey, dsaEncoding: "ieee-p1363" }, bytes)
    ? undefined
    : "wrong signer";
}

/** A work report as a device sends it to the verifiers: the report and the device's signature over it. */
export interface SignedWorkReport {
  report: WorkReportMessage;
  signature: DeviceSignature;
}

/** Why a verifier leaves a signed report out: a bad signature, another epoch, or a reason of `screenReports`. */
export type SignedReportRejection = ReportRejection | "bad device signature" | "wrong epoch";

export interface ScreenedSignedReports {
  accepted: WorkRecord[];
  rejected: { report: SignedWorkReport; reason: SignedReportRejection; detail?: string }[];
}

/**
 * What a verifier does with an epoch's signed work reports before it signs a batch or a manifest: each report's
 * device signature is checked (`checkWorkReportSignature`), its epoch must be `epoch`, and the rest is
 * `screenReports` against the devices' states (signature, registry state, network, cap, duplicates). Accepted reports
 * are credited to the device's payee of record.
 * @example const { accepted, rejected } = screenSignedReports(domain, reports, { epoch: 3n, devices, networkId: 1n, deviceCap: 1000n });
 */
export function screenSignedReports(
  domain: TypedDataDomain,
  reports: readonly SignedWorkReport[],
  p: {
    epoch: bigint;
    devices: ReadonlyMap<bigint, DeviceState>;
    networkId: bigint;
    deviceCap: bigint;
    /** Each report's signature verdict when already checked (`checkWorkReportSignaturesParallel`), in order. */
    signatureChecks?: readonly (WorkReportSignatureProblem | undefined)[];
  },
): ScreenedSignedReports {
  if (p.signatureChecks !== undefined && p.signatureChecks.length !== reports.length) {
    throw new RangeError(`${p.signatureChecks.length} signature verdicts for ${reports.length} reports`);
  }
  const out: ScreenedSignedReports = { accepted: [], rejected: [] };
  const signed: SignedWorkReport[] = [];
  for (const [i, r] of reports.entries()) {
    if (r.report.epoch !== p.epoch) {
      out.rejected.push({ report: r, reason: "wrong epoch", detail: `reported for epoch ${r.report.epoch}` });
      continue;
    }
    const problem =
      p.signatureChecks === undefined ? checkWorkReportSignature(domain, r.report, r.signature) : p.signatureChecks[i];
    if (problem !== undefined) out.rejected.push({ report: r, reason: "bad device signature", detail: problem });
    else signed.push(r);
  }
  // screenReports takes unsigned reports and returns its rejections as the objects it was given: map them back.
  const plain = new Map(
    signed.map((r) => [{ deviceId: r.report.deviceId, units: r.report.units, evidenceHash: r.report.evidenceHash }, r]),
  );
  const screened = screenReports([...plain.keys()], p);
  out.accepted = screened.accepted;
  for (const { report, reason } of screened.rejected) out.rejected.push({ report: plain.get(report)!, reason });
  return out;
}
