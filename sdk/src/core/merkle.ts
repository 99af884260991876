/**
 * The epoch tree, built for millions of accounts: the same tree as OpenZeppelin's `StandardMerkleTree` over
 * `(address account, uint256 cumulative)` leaves (leaf `keccak256(bytes.concat(keccak256(abi.encode(account,
 * cumulative))))`, leaves sorted by hash, sorted-pair nodes, the same array layout, so the same root and proofs), and
 * what OpenZeppelin's `MerkleProof` verifies on-chain. Nodes live in one byte array and keccak256 runs in
 * WebAssembly (hash-wasm), so a 1,000,000-account tree takes seconds and about 64 MiB. Pure: no I/O.
 */
import { createKeccak } from "hash-wasm";

const keccak = await createKeccak(256);

/** keccak256 of `bytes`, into `out` at `offset`. */
function keccakInto(bytes: Uint8Array, out: Uint8Array, offset: number): void {
  keccak.init();
  keccak.update(bytes);
  out.set(keccak.digest("binary"), offset);
}

/** keccak256 of `bytes` as 0x-hex (fast path for hot loops; ethers' keccak256 is pure JavaScript). */
export function fastKeccak256(bytes: Uint8Array | string): string {
  keccak.init();
  keccak.update(bytes);
  return "0x" + keccak.digest("hex");
}

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * The EIP-55 checksummed form of a 20-byte hex address (as ethers' `getAddress`, with keccak in WebAssembly).
 * Throws on anything but 0x and 40 hex digits, or a mixed-case address whose checksum is wrong.
 */
export function checksumAddress(address: string): string {
  if (address.length !== 42 || !HEX_ADDRESS.test(address)) {
    throw new TypeError(`${address} is not a 20-byte hex address`);
  }
  const lower = address.toLowerCase();
  keccak.init();
  keccak.update(lower.slice(2));
  const hash = keccak.digest("binary");
  CHECKSUMMED.write(lower, "latin1");
  for (let i = 0; i < 40; i++) {
    const c = CHECKSUMMED[2 + i]!;
    // Letters whose nibble of keccak256(lowercase hex) is 8 or more are upper case.
    if (c >= 0x61 && ((i % 2 === 0 ? hash[i >> 1]! >> 4 : hash[i >> 1]!) & 0x0f) >= 8) CHECKSUMMED[2 + i] = c - 0x20;
  }
  const out = CHECKSUMMED.toString("latin1");
  if (address !== out && address !== lower && address.slice(2) !== lower.slice(2).toUpperCase()) {
    throw new TypeError(`${address} has a bad EIP-55 checksum`);
  }
  return out;
}

const CHECKSUMMED = Buffer.alloc(42);

const LEAF = new Uint8Array(64);
const INNER = new Uint8Array(32);

/** The leaf the pool verifies for (account, cumulative), as bytes. */
function leafBytes(account: string, cumulative: bigint, out: Uint8Array, offset: number): void {
  if (cumulative < 0n || cumulative >= 1n << 256n) throw new RangeError(`cumulative ${cumulative} is not a uint256`);
  LEAF.fill(0);
  LEAF.set(Buffer.from(account.slice(2), "hex"), 12);
  const amount = cumulative.toString(16).padStart(64, "0");
  LEAF.set(Buffer.from(amount, "hex"), 32);
  keccakInto(LEAF, INNER, 0);
  keccakInto(INNER, out, offset);
}

/** `leafHash(account, cumulative)`: `keccak256(bytes.concat(keccak256(abi.encode(account, cumulative))))`. */
export function accountLeafHash(account: string, cumulative: bigint): string {
  const out = new Uint8Array(32);
  leafBytes(account, cumulative, out, 0);
  return "0x" + Buffer.from(out).toString("hex");
}

/** A merkle tree over (account, cumulative) leaves; build it with `AccountTree.of`. */
export class AccountTree {
  /** 32 bytes per node, OpenZeppelin's array layout: node i has children 2i+1 and 2i+2; leaves at the end. */
  readonly #nodes: Uint8Array;
  readonly #size: number;
  /** Each account's position in the tree array. */
  readonly #position: Map<string, number>;
  readonly #values: readonly (readonly [string, bigint])[];
  readonly root: string;

  private constructor(nodes: Uint8Array, size: number, position: Map<string, number>, values: [string, bigint][]) {
    this.#nodes = nodes;
    this.#size = size;
    this.#position = position;
    this.#values = values;
    this.root = this.#hex(0);
  }

  /**
   * Builds the tree of `values` (checksummed accounts, each once). Same root and proofs as
   * `StandardMerkleTree.of(values, ["address", "uint256"])`.
   */
  static of(values: readonly (readonly [string, bigint])[]): AccountTree {
    const n = values.length;
    if (n === 0) throw new RangeError("a tree needs at least one leaf");
    const leaves = new Uint8Array(32 * n);
    values.forEach(([account, cumulative], i) => leafBytes(account, cumulative, leaves, 32 * i));
    // Leaves in ascending hash order: a 48-bit numeric prefix sorts almost all; ties fall back to the full hash.
    const prefix = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const o = 32 * i;
      prefix[i] =
        leaves[o]! * 2 ** 40 +
        leaves[o + 1]! * 2 ** 32 +
        leaves[o + 2]! * 2 ** 24 +
        leaves[o + 3]! * 2 ** 16 +
        leaves[o + 4]! * 2 ** 8 +
        leaves[o + 5]!;
    }
    const order = Array.from({ length: n }, (_, i) => i);
    const buf = Buffer.from(leaves.buffer, leaves.byteOffset, leaves.byteLength);
    order.sort((a, b) => prefix[a]! - prefix[b]! || buf.compare(buf, 32 * b, 32 * b + 32, 32 * a, 32 * a + 32));
    const size = 2 * n - 1;
    const nodes = new Uint8Array(32 * size);
    const position = new Map<string, number>();
    const sorted: [string, bigint][] = new Array(n);
    order.forEach((leaf, rank) => {
      const at = size - 1 - rank;
      nodes.set(leaves.subarray(32 * leaf, 32 * leaf + 32), 32 * at);
      const value = values[leaf]!;
      if (position.has(value[0])) throw new RangeError(`account ${value[0]} is listed twice`);
      position.set(value[0], at);
      sorted[rank] = [value[0], value[1]];
    });
    // `source.compare(target, tStart, tEnd, sStart, sEnd)` orders the source range against the target range.
    const nodesBuf = Buffer.from(nodes.buffer, nodes.byteOffset, nodes.byteLength);
    const pair = new Uint8Array(64);
    for (let i = size - 1 - n; i >= 0; i--) {
      const l = 32 * (2 * i + 1);
      const r = 32 * (2 * i + 2);
      const leftFirst = nodesBuf.compare(nodesBuf, r, r + 32, l, l + 32) <= 0;
      pair.set(nodes.subarray(leftFirst ? l : r, (leftFirst ? l : r) + 32), 0);
      pair.set(nodes.subarray(leftFirst ? r : l, (leftFirst ? r : l) + 32), 32);
      keccakInto(pair, nodes, 32 * i);
    }
    return new AccountTree(nodes, size, position, sorted);
  }

  /** Number of leaves. */
  get length(): number {
    return this.#values.length;
  }

  /** Whether `account` has a leaf. */
  has(account: string): boolean {
    return this.#position.has(account);
  }

  /** The cumulative in `account`'s leaf, or undefined when it has none. */
  cumulativeOf(account: string): bigint | undefined {
    const at = this.#position.get(account);
    return at === undefined ? undefined : this.#values[this.#size - 1 - at]![1];
  }

  /** The proof of `account`'s leaf (bottom-up sibling hashes), or undefined when it has none. */
  getProof(account: string): string[] | undefined {
    let i = this.#position.get(account);
    if (i === undefined) return undefined;
    const proof: string[] = [];
    while (i > 0) {
      proof.push(this.#hex(i % 2 === 1 ? i + 1 : i - 1));
      i = Math.floor((i - 1) / 2);
    }
    return proof;
  }

  /**
   * One OpenZeppelin multiproof (`MerkleProof.multiProofVerify`) for the leaves of `accounts`, each listed once:
   * `leaves` is those accounts' (account, cumulative) values in the order the proof proves them (the order a batch
   * must list them in; not the order given), `proof` the sibling hashes not derivable from them, `proofFlags` which
   * step takes its second operand from the leaves and hashes built so far. Same as `StandardMerkleTree`'s
   * `getMultiProof`. Throws on an account without a leaf or listed twice; no accounts gives an empty proof.
   */
  multiProof(accounts: readonly string[]): {
    leaves: [string, bigint][];
    proof: string[];
    proofFlags: boolean[];
  } {
    if (accounts.length === 0) return { leaves: [], proof: [], proofFlags: [] };
    const indices = accounts.map((account) => {
      const at = this.#position.get(account);
      if (at === undefined) throw new RangeError(`account ${account} has no leaf in this tree`);
      return at;
    });
    // Deepest (highest array index) first, as the verifier consumes leaves and hashes in one queue.
    indices.sort((a, b) => b - a);
    for (let i = 1; i < indices.length; i++) {
      if (indices[i] === indices[i - 1])
        throw new RangeError(`account ${this.#accountAt(indices[i]!)} is listed twice`);
    }
    const queue = [...indices];
    let head = 0;
    const proof: string[] = [];
    const proofFlags: boolean[] = [];
    while (head < queue.length && queue[head]! > 0) {
      const node = queue[head++]!;
      const sibling = node % 2 === 1 ? node + 1 : node - 1;
      if (head < queue.length && queue[head] === sibling) {
        proofFlags.push(true);
        head++;
      } else {
        proofFlags.push(false);
        proof.push(this.#hex(sibling));
      }
      queue.push(Math.floor((node - 1) / 2));
    }
    return {
      leaves: indices.map((i) => [this.#accountAt(i), this.#values[this.#size - 1 - i]![1]]),
      proof,
      proofFlags,
    };
  }

  /** Every leaf's value, in ascending leaf-hash order. */
  values(): readonly (readonly [string, bigint])[] {
    return this.#values;
  }

  #accountAt(node: number): string {
    return this.#values[this.#size - 1 - node]![0];
  }

  #hex(node: number): string {
    if (node < 0 || node >= this.#size) throw new RangeError(`no node ${node}`);
    return "0x" + Buffer.from(this.#nodes.subarray(32 * node, 32 * node + 32)).toString("hex");
  }
}
