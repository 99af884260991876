import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { Wallet, dataSlice, getAddress, id, keccak256, toUtf8Bytes } from "ethers";

import {
  AccountTree,
  accountLeafHash,
  buildEpoch,
  checksumAddress,
  DeviceStatus,
  fastKeccak256,
  readManifest,
  SeededRandom,
  WAD,
  type DeviceState,
} from "../../sdk/src/index.js";

/** Leaves of `n` accounts with amounts of every size, including zero and the largest uint256. */
function leaves(n: number, seed: string): [string, bigint][] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: n }, (_, i): [string, bigint] => {
    const account = getAddress(dataSlice(id(`${seed}-${i}`), 12));
    const amount =
      i === 0 ? 0n : i === 1 ? 2n ** 256n - 1n : BigInt(Math.floor(rng.next() * 1e15)) * 10n ** BigInt(rng.int(0, 40));
    return [account, amount];
  });
}

describe("AccountTree: OpenZeppelin's StandardMerkleTree, for millions of accounts", function () {
  for (const n of [1, 2, 3, 4, 5, 17, 256, 1000]) {
    it(`has the same root and proofs as StandardMerkleTree with ${n} leaves`, function () {
      const values = leaves(n, `tree-${n}`);
      const ours = AccountTree.of(values);
      const theirs = StandardMerkleTree.of(values, ["address", "uint256"]);
      expect(ours.root).to.equal(theirs.root);
      expect(ours.length).to.equal(n);
      for (const [i, [account, amount]] of theirs.entries()) {
        expect(ours.getProof(account), account).to.deep.equal(theirs.getProof(i));
        expect(ours.cumulativeOf(account)).to.equal(amount);
      }
      expect(ours.values().map(([a]) => a)).to.have.members(values.map(([a]) => a));
    });
  }

  for (const [n, picks] of [
    [1, [0]],
    [2, [1]],
    [5, [0, 2, 4]],
    [17, [16, 3, 8, 9, 0]],
    [1000, Array.from({ length: 100 }, (_, i) => (i * 37) % 1000)],
    [100, Array.from({ length: 100 }, (_, i) => i)],
  ] as const) {
    it(`gives the same multiproof as StandardMerkleTree for ${picks.length} of ${n} leaves, and it verifies`, function () {
      const values = leaves(n, `multi-${n}`);
      const ours = AccountTree.of(values);
      const theirs = StandardMerkleTree.of(values, ["address", "uint256"]);
      const accounts = picks.map((i) => values[i]![0]);
      const indices = accounts.map((a) => [...theirs.entries()].find(([, v]) => v[0] === a)![0]);
      const expected = theirs.getMultiProof(indices);
      const got = ours.multiProof(accounts);
      expect(got.proof).to.deep.equal(expected.proof);
      expect(got.proofFlags).to.deep.equal(expected.proofFlags);
      expect(got.leaves).to.deep.equal(expected.leaves.map(([a, c]) => [a, BigInt(c as bigint)]));
      expect(theirs.verifyMultiProof(got)).to.equal(true);
    });
  }

  it("refuses a multiproof of an account without a leaf or listed twice; none gives an empty one", function () {
    const values = leaves(8, "multi-bad");
    const tree = AccountTree.of(values);
    expect(() => tree.multiProof([values[1]![0], values[1]![0]])).to.throw(RangeError, "listed twice");
    expect(() => tree.multiProof([Wallet.createRandom().address])).to.throw(RangeError, "has no leaf");
    expect(tree.multiProof([])).to.deep.equal({ leaves: [], proof: [], proofFlags: [] });
  });

  it("hashes a leaf as the pool does, and knows no account it was not given", function () {
    const [account, amount] = leaves(1, "leaf")[0]!;
    expect(accountLeafHash(account, amount)).to.equal(
      StandardMerkleTree.of([[account, amount]], ["address", "uint256"]).root,
    );
    const tree = AccountTree.of(leaves(10, "known"));
    expect(tree.getProof(Wallet.createRandom().address)).to.equal(undefined);
    expect(tree.cumulativeOf(Wallet.createRandom().address)).to.equal(undefined);
  });

  it("refuses an account listed twice, an amount outside uint256 and an empty tree", function () {
    const [a] = leaves(1, "twice");
    expect(() => AccountTree.of([a!, [a![0], 5n]])).to.throw(RangeError, "listed twice");
    expect(() => AccountTree.of([[a![0], 2n ** 256n]])).to.throw(RangeError, "not a uint256");
    expect(() => AccountTree.of([[a![0], -1n]])).to.throw(RangeError, "not a uint256");
    expect(() => AccountTree.of([])).to.throw(RangeError, "at least one leaf");
  });

  it("checksums addresses as ethers does and refuses a bad checksum", function () {
    for (let i = 0; i < 200; i++) {
      const address = Wallet.createRandom().address;
      expect(checksumAddress(address.toLowerCase())).to.equal(address);
      expect(checksumAddress(address)).to.equal(address);
      expect(checksumAddress("0x" + address.slice(2).toUpperCase())).to.equal(address);
    }
    const good = Wallet.createRandom().address;
    const flipped =
      good.slice(0, 2) +
      [...good.slice(2)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join("");
    if (
      /[a-fA-F]/.test(good.slice(2)) &&
      flipped.slice(2) !== good.slice(2).toLowerCase() &&
      flipped.slice(2) !== good.slice(2).toUpperCase()
    ) {
      expect(() => checksumAddress(flipped)).to.throw(TypeError, "bad EIP-55 checksum");
    }
    expect(() => checksumAddress("0x1234")).to.throw(TypeError, "not a 20-byte hex address");
  });

  it("hashes text and bytes as ethers' keccak256 does", function () {
    for (const text of ["", "a", "manifest ✓", "x".repeat(10_000)]) {
      expect(fastKeccak256(text)).to.equal(keccak256(toUtf8Bytes(text)));
      expect(fastKeccak256(toUtf8Bytes(text))).to.equal(keccak256(toUtf8Bytes(text)));
    }
  });
});

describe("Epoch manifests at scale", function () {
  it("writes the canonical text: exactly JSON.stringify(manifest, null, 2), with and without adjustments", function () {
    const devices = new Map<bigint, DeviceState>();
    const reports = Array.from({ length: 50 }, (_, i) => {
      const deviceId = BigInt(id(`d-${i}`));
      const payee = getAddress(dataSlice(id(`payee-${i % 7}`), 12));
      devices.set(deviceId, { deviceId, networkId: 1n, status: DeviceStatus.Active, payee, recordedInLedger: false });
      return { deviceId, units: BigInt(1 + i), evidenceHash: id(`e-${i}`) };
    });
    const common = {
      pool: getAddress(dataSlice(id("pool"), 12)),
      chainId: 31337n,
      formulaVersion: 1,
      params: { rate: WAD / 3n, epochBudget: 10n ** 24n, deviceCap: 1000n },
      networkId: 1n,
      registryBlock: 9,
      devices,
      reports,
    };
    const first = buildEpoch({ ...common, epoch: 0 });
    const second = buildEpoch({
      ...common,
      epoch: 1,
      adjustments: [{ account: first.manifest.accounts[0]!.account, amountWad: WAD, reasonHash: id("fraud") }],
      previous: { manifest: first.manifest, text: first.text },
    });
    for (const built of [first, second]) {
      expect(built.text).to.equal(JSON.stringify(JSON.parse(built.text), null, 2) + "\n");
      expect(built.manifestHash).to.equal(keccak256(toUtf8Bytes(built.text)));
    }
    expect(JSON.parse(first.text).adjustments).to.deep.equal([]);
    // The canonical text is read line by line; any other layout of the same JSON reads the same.
    const compact = JSON.stringify(JSON.parse(second.text));
    expect(readManifest(compact, { manifest: first.manifest, text: first.text }).manifest).to.deep.equal(
      second.manifest,
    );
    // A list given twice counts the last time, as JSON.parse has it: here the records are emptied, so the manifest's
    // epochTotal no longer matches them.
    const twice = first.text.replace(/\n}\n$/, ',\n  "records": []\n}\n');
    expect(() => readManifest(twice)).to.throw(/epochTotal .* does not match the records \(0\)/);
    expect(readManifest(second.text, { manifest: first.manifest, text: first.text }).manifest).to.deep.equal(
      second.manifest,
    );
  });
});
