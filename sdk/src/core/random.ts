/**
 * Reproducible randomness for simulations and tests: a seeded generator (same seed, same sequence on every machine)
 * and the distributions DePIN workloads show. Pure: no I/O. Not for keys that guard real value.
 */
import { keccak256, toUtf8Bytes } from "ethers";

/** A seeded pseudo-random generator (xorshift128+ over BigInt-free 32-bit halves: fast and portable). */
export class SeededRandom {
  #s: Uint32Array;

  constructor(seed: string | number) {
    const h = keccak256(toUtf8Bytes(`depin-rewards/seed:${seed}`));
    this.#s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) this.#s[i] = Number.parseInt(h.slice(2 + 8 * i, 10 + 8 * i), 16) | 1;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    // xoshiro128** (Blackman and Vigna), 32-bit state words.
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result / 4_294_967_296;
  }

  /** A uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A Pareto-distributed value with scale `xm` and shape `alpha` (heavy tail: small alpha, heavier). */
  pareto(xm: number, alpha: number): number {
    return xm / Math.pow(1 - this.next(), 1 / alpha);
  }

  /** `count` distinct indices out of [0, n), in increasing order. */
  sample(n: number, count: number): number[] {
    if (count > n) throw new RangeError(`cannot pick ${count} of ${n}`);
    const picked = new Set<number>();
    while (picked.size < count) picked.add(this.int(0, n - 1));
    return [...picked].sort((a, b) => a - b);
  }

  /** 32 bytes of hex derived from the seed and `label`: e.g. reproducible private keys in a simulation. */
  static bytes32(seed: string | number, label: string): string {
    return keccak256(toUtf8Bytes(`depin-rewards/seed:${seed}/${label}`));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The value at quantile `q` (0 … 1) of an ascending array (nearest rank); 0 for an empty one. */
export function quantile(sorted: readonly bigint[], q: number): bigint {
  if (sorted.length === 0) return 0n;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}
