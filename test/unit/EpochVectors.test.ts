import { readFileSync } from "node:fs";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";

import { LEAF_ENCODING, leafHash } from "../../sdk/src/index.js";

interface Vectors {
  root: string;
  leafEncoding: string[];
  leaves: Array<{ account: string; cumulative: string; leafHash: string; proof: string[] }>;
}

const vectors = JSON.parse(readFileSync("test/vectors/epoch-tree.json", "utf8")) as Vectors;
const solidity = readFileSync("test/solidity/EpochVectors.t.sol", "utf8").toLowerCase();

describe("Shared epoch-tree vectors", function () {
  it("rebuild to the same root, leaf hashes and proofs in TypeScript", function () {
    expect(vectors.leafEncoding).to.deep.equal(LEAF_ENCODING);
    const tree = StandardMerkleTree.of(
      vectors.leaves.map((l) => [l.account, BigInt(l.cumulative)]),
      LEAF_ENCODING,
    );
    expect(tree.root).to.equal(vectors.root);
    for (const [i, l] of vectors.leaves.entries()) {
      expect(leafHash(l.account, BigInt(l.cumulative))).to.equal(l.leafHash);
      expect(tree.getProof(i)).to.deep.equal(l.proof);
    }
  });

  it("are the ones the Solidity test checks", function () {
    expect(solidity).to.include(vectors.root.toLowerCase());
    for (const l of vectors.leaves) {
      expect(solidity).to.include(l.leafHash.toLowerCase());
      for (const node of l.proof) expect(solidity).to.include(node.toLowerCase());
    }
  });
});
