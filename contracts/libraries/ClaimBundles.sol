// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ClaimBundles
/// @notice The one-signature claim across pools (EIP-712 type `ClaimBundle`, see {IClaimRouter}): its chain-wide
/// domain, its type hashes and how a bundle and its entries hash. Shared by {ClaimRouter}, which lists the entries,
/// and {RewardPoolGovernance}, where each pool checks the signature and its own entry itself.
library ClaimBundles {
    /// @dev The domain has no `verifyingContract`: a bundle names its pools in its entries, and each pool checks it.
    bytes32 internal constant DOMAIN_TYPEHASH = keccak256("EIP712Domain(string name,string version,uint256 chainId)");
    bytes32 internal constant NAME_HASH = keccak256("DePIN Rewards Claims");
    bytes32 internal constant VERSION_HASH = keccak256("1");
    bytes32 internal constant POOL_CLAIM_TYPEHASH = keccak256("PoolClaim(address pool,uint256 maxFee,uint256 nonce)");
    bytes32 internal constant CLAIM_BUNDLE_TYPEHASH = keccak256(
        "ClaimBundle(address account,address recipient,uint256 deadline,PoolClaim[] claims)"
        "PoolClaim(address pool,uint256 maxFee,uint256 nonce)"
    );

    /// @dev The EIP-712 struct hash of one entry: what the bundle signs for `pool`.
    function entryHash(address pool, uint256 maxFee, uint256 nonce) internal pure returns (bytes32) {
        return keccak256(abi.encode(POOL_CLAIM_TYPEHASH, pool, maxFee, nonce));
    }

    /// @dev The domain separator on this chain (recomputed: a fork's chain id gives another).
    function domainSeparator() internal view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid));
    }

    /// @dev The digest the account signs: the bundle's struct hash over the entries' struct hashes, in order.
    function digest(
        address account,
        address recipient,
        uint256 deadline,
        bytes32[] calldata entries
    ) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(CLAIM_BUNDLE_TYPEHASH, account, recipient, deadline, keccak256(abi.encodePacked(entries)))
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }
}
