// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title EpochProof
/// @notice An epoch-mode claim's leaf and merkle proof, as OpenZeppelin's StandardMerkleTree builds them (the SDK's
/// `buildEpoch`) and as its `MerkleProof.processProofCalldata` checks them, hashed in the scratch space: no memory is
/// allocated and no bounds are checked per proof level. test/solidity/EpochVectors.t.sol holds both to
/// OpenZeppelin's functions (shared vectors and fuzzing).
library EpochProof {
    /// @notice `keccak256(bytes.concat(keccak256(abi.encode(account, cumulative))))`: double-hashed, so a leaf can
    /// never pass for an inner node.
    function leaf(address account, uint256 cumulative) internal pure returns (bytes32 hash) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0x00, and(account, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(0x20, cumulative)
            mstore(0x00, keccak256(0x00, 0x40))
            hash := keccak256(0x00, 0x20)
        }
    }

    /// @notice The root `proof` leads to from `leaf_`, each pair hashed smaller first (OpenZeppelin's
    /// `Hashes.commutativeKeccak256`). No bounds check per level: the ABI decoder has checked that the whole array
    /// lies within the calldata before any function body runs.
    function root(bytes32[] calldata proof, bytes32 leaf_) internal pure returns (bytes32 computed) {
        computed = leaf_;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            for {
                let p := proof.offset
                let end := add(proof.offset, shl(5, proof.length))
            } lt(p, end) {
                p := add(p, 0x20)
            } {
                let node := calldataload(p)
                switch lt(node, computed)
                case 0 {
                    mstore(0x00, computed)
                    mstore(0x20, node)
                }
                default {
                    mstore(0x00, node)
                    mstore(0x20, computed)
                }
                computed := keccak256(0x00, 0x40)
            }
        }
    }
}
