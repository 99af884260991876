// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {EpochProof} from "../../contracts/libraries/EpochProof.sol";

/// @notice The shared vectors of test/vectors/epoch-tree.json (made with @openzeppelin/merkle-tree), checked with the
/// leaf encoding RewardPool uses, and the pool's own leaf and proof code ({EpochProof}) held to OpenZeppelin's.
/// test/unit/EpochVectors.test.ts checks that these constants match the JSON.
contract EpochVectorsTest {
    bytes32 internal constant ROOT = 0x46caf55539e250d9a973dc7fabc4ce140c58814503b7835fe9a8545ab00c3d53;

    /// @dev RewardPool's leaf: double-hashed, as StandardMerkleTree.
    function _leaf(address account, uint256 cumulative) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, cumulative))));
    }

    /// @dev The pool's proof check, reached with the proof in calldata as a claim has it.
    function poolRoot(bytes32[] calldata proof, bytes32 leaf) external pure returns (bytes32) {
        return EpochProof.root(proof, leaf);
    }

    function _check(address account, uint256 cumulative, bytes32 leafHash, bytes32[] memory proof) internal view {
        require(_leaf(account, cumulative) == leafHash, "leaf hash differs from the TypeScript one");
        require(EpochProof.leaf(account, cumulative) == leafHash, "the pool's leaf differs from the TypeScript one");
        require(MerkleProof.verify(proof, ROOT, leafHash), "proof does not verify");
        require(this.poolRoot(proof, leafHash) == ROOT, "the pool's proof check does not reach the root");
        require(!MerkleProof.verify(proof, ROOT, _leaf(account, cumulative + 1)), "another amount verified");
        require(this.poolRoot(proof, _leaf(account, cumulative + 1)) != ROOT, "the pool verified another amount");
    }

    function testFuzz_PoolLeafAndProofMatchOpenZeppelin(
        address account,
        uint256 cumulative,
        bytes32 leaf,
        bytes32[] memory proof
    ) public view {
        require(EpochProof.leaf(account, cumulative) == _leaf(account, cumulative), "leaf");
        require(this.poolRoot(proof, leaf) == MerkleProof.processProof(proof, leaf), "root");
    }

    function test_LeavesAndProofsMatchTheTypeScriptTree() public view {
        bytes32[] memory p = new bytes32[](3);
        p[0] = 0x4b0984b772212aa9a646cc937591b907d111cd2c622320acd749e387200015d5;
        p[1] = 0x90e4f30caadd10fc436fc2b3e83376cc5d46ffad3f674e90180869063e0a9363;
        p[2] = 0x2ca3ec0a078416149d9af0446a24102d67fcfc68d7699d3966f244b7768409a8;
        _check(
            0x1111111111111111111111111111111111111111,
            1,
            0x60648906e1a3f55dd188e992dc24db68c6b6d455fe925705f5e110ed7889ad90,
            p
        );

        p[0] = 0x60648906e1a3f55dd188e992dc24db68c6b6d455fe925705f5e110ed7889ad90;
        _check(
            0x2222222222222222222222222222222222222222,
            1_000_000,
            0x4b0984b772212aa9a646cc937591b907d111cd2c622320acd749e387200015d5,
            p
        );

        bytes32[] memory q = new bytes32[](2);
        q[0] = 0x6b66955d20be1d7a26a7700e4e38f64c33d50c2bbf2fd066d72bc6e36554a695;
        q[1] = 0xa300f5c33c131b9cd3c9aad72cd94a460907a49e9a03b064c15cf6eee7721b87;
        _check(
            0x3333333333333333333333333333333333333333,
            123_456_789_012,
            0x87260ba5ea14ab5503aab41d75e0904ec79bb591e957f71f811da8efb6944b07,
            q
        );

        q[0] = 0x87260ba5ea14ab5503aab41d75e0904ec79bb591e957f71f811da8efb6944b07;
        _check(
            0x4444444444444444444444444444444444444444,
            0,
            0x6b66955d20be1d7a26a7700e4e38f64c33d50c2bbf2fd066d72bc6e36554a695,
            q
        );

        q[0] = 0xa786d61e68c029526ef361ec0aa27f1921c57eaed7c85958ac78c719e2022958;
        q[1] = 0x2ca3ec0a078416149d9af0446a24102d67fcfc68d7699d3966f244b7768409a8;
        _check(
            0x5555555555555555555555555555555555555555,
            type(uint128).max,
            0x90e4f30caadd10fc436fc2b3e83376cc5d46ffad3f674e90180869063e0a9363,
            q
        );
    }
}
