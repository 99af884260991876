/**
 * Device keys: the hardware's own key signs its registration (and, where a pool requires it, its work reports).
 * secp256k1 keys sign the EIP-712 digest (65-byte r||s||v); P-256 keys sign it with ECDSA-SHA256, as secure
 * elements, WebCrypto and node:crypto do (64-byte r||s). Signatures are always returned in low-s form. The registry
 * takes registration signatures as two words (`toCompactSignature`); pools take work-report signatures as bytes.
 */
import { createECDH, createPrivateKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from "node:crypto";

import {
  Signature,
  SigningKey,
  TypedDataEncoder,
  Wallet,
  concat,
  dataSlice,
  getBytes,
  hexlify,
  toBeHex,
  type TypedDataDomain,
} from "ethers";

import {
  KeyType,
  REGISTRATION_TYPES,
  normalizeKey,
  registrationValue,
  type CompactSignature,
  type RegistrationMessage,
} from "./registry.js";

/** Order of the P-256 group. */
export const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_N = P256_N / 2n;

/** A key held by a device. */
export interface DeviceKey {
  readonly keyType: KeyType;
  /** Public key as the registry stores it: 20-byte address or 64-byte x||y, hex. */
  readonly key: string;
  /** Signs a 32-byte digest the way the registry verifies this key type. */
  signDigest(digest: string): string;
}

/** A secp256k1 device key (an Ethereum key pair). */
export class Secp256k1DeviceKey implements DeviceKey {
  readonly keyType = KeyType.Secp256k1;
  readonly key: string;
  readonly #signingKey: SigningKey;

  constructor(privateKey: string) {
    this.#signingKey = new SigningKey(privateKey);
    this.key = new Wallet(privateKey).address.toLowerCase();
  }

  static random(): Secp256k1DeviceKey {
    return new Secp256k1DeviceKey(Wallet.createRandom().privateKey);
  }

  signDigest(digest: string): string {
    // ethers produces canonical low-s signatures.
    return this.#signingKey.sign(digest).serialized;
  }
}

/** A NIST P-256 device key, e.g. a secure element's, held as a node:crypto KeyObject. */
export class P256DeviceKey implements DeviceKey {
  readonly keyType = KeyType.P256;
  readonly key: string;
  readonly #privateKey: KeyObject;

  constructor(privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== "ec" || privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
      throw new TypeError("P256DeviceKey needs a P-256 (prime256v1) EC private key");
    }
    this.#privateKey = privateKey;
    const jwk = privateKey.export({ format: "jwk" });
    if (jwk.x === undefined || jwk.y === undefined) throw new TypeError("P-256 key has no public point");
    this.key = normalizeKey(
      KeyType.P256,
      hexlify(concat([Buffer.from(jwk.x, "base64url"), Buffer.from(jwk.y, "base64url")])),
    );
  }

  static random(): P256DeviceKey {
    return new P256DeviceKey(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey);
  }

  /**
   * The P-256 key whose private scalar is `scalar` (1 … n−1, 32 bytes hex): for keys kept as raw scalars, and for
   * reproducible simulations.
   */
  static fromScalar(scalar: string): P256DeviceKey {
    const d = getBytes(scalar);
    const value = BigInt(hexlify(d));
    if (d.length !== 32 || value === 0n || value >= P256_N) {
      throw new TypeError("a P-256 private scalar is 32 bytes, between 1 and the group order − 1");
    }
    const ecdh = createECDH("prime256v1");
    ecdh.setPrivateKey(d);
    const point = ecdh.getPublicKey(); // 0x04 || x || y
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
    return new P256DeviceKey(
      createPrivateKey({
        key: { kty: "EC", crv: "P-256", d: b64(d), x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)) },
        format: "jwk",
      }),
    );
  }

  /** Loads a PEM (PKCS#8 or SEC1) P-256 private key. */
  static fromPem(pem: string): P256DeviceKey {
    return new P256DeviceKey(createPrivateKey(pem));
  }

  signDigest(digest: string): string {
    const raw = nodeSign("sha256", getBytes(digest), { key: this.#privateKey, dsaEncoding: "ieee-p1363" });
    return toLowS(hexlify(raw));
  }
}

/** Rewrites a 64-byte P-256 r||s signature to its low-s twin (s → n − s) when s is high. */
export function toLowS(signature: string): string {
  return withSHalf(signature, false);
}

/** Rewrites a 64-byte P-256 signature to its high-s (malleable) twin; for tests of refusal only. */
export function toHighS(signature: string): string {
  return withSHalf(signature, true);
}

/** The signature itself or its twin (s → n − s), whichever has s in the wanted half of the group order. */
function withSHalf(signature: string, high: boolean): string {
  const bytes = getBytes(signature);
  if (bytes.length !== 64) throw new TypeError(`a P-256 signature is 64 bytes, got ${bytes.length}`);
  const s = BigInt(hexlify(bytes.slice(32)));
  if (s > P256_HALF_N === high) return hexlify(bytes);
  return concat([bytes.slice(0, 32), toBeHex(P256_N - s, 32)]);
}

/** The digest a device key signs for `message` in the registry at `domain`. */
export function registrationDigest(domain: TypedDataDomain, message: RegistrationMessage): string {
  return TypedDataEncoder.hash(domain, REGISTRATION_TYPES, registrationValue(message));
}

/** The device key's signature over its registration, in the two-word form the registry takes. */
export function signRegistration(
  device: DeviceKey,
  domain: TypedDataDomain,
  message: RegistrationMessage,
): CompactSignature {
  return toCompactSignature(device.keyType, device.signDigest(registrationDigest(domain, message)));
}

/**
 * A device signature as `signDigest` returns it, in the registry's two-word form: a 65-byte secp256k1 r||s||v
 * becomes EIP-2098 (r, s with the recovery bit on top); a 64-byte P-256 r||s is split as is.
 */
export function toCompactSignature(keyType: KeyType, signature: string): CompactSignature {
  const compact = keyType === KeyType.Secp256k1 ? Signature.from(signature).compactSerialized : signature;
  const length = getBytes(compact).length;
  if (length !== 64) throw new TypeError(`expected a 64-byte ${KeyType[keyType]} signature, got ${length} bytes`);
  return { r: dataSlice(compact, 0, 32), vs: dataSlice(compact, 32, 64) };
}
