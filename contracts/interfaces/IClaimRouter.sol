// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";

/// @title IClaimRouter
/// @notice One claim across pools: an account's claims in several reward pools (any protocols, any tokens) in one
/// transaction, and, signed, with one signature. Deployed once per chain; stateless, permissionless and trusted by
/// no pool: it holds no funds between calls, has no owner and no settings, and can do nothing a caller could not do
/// by calling the pools one by one. Each pool checks its own part; one pool that refuses (paused, outflow breaker,
/// nonce used, nothing to claim, not a pool at all) is skipped with its revert data and the others still pay.
///
/// Signed bundles. EIP-712 domain: name "DePIN Rewards Claims", version "1" and the chain id, with no
/// `verifyingContract` (no salt): the bundle names its pools in its entries, each pool verifies the signature
/// itself, and anyone, not only this router, may submit a pool's part. Type string, exactly (one line, the
/// referenced type appended as EIP-712 encodes it):
/// - `ClaimBundle(address account,address recipient,uint256 deadline,PoolClaim[] claims)PoolClaim(address pool,
///   uint256 maxFee,uint256 nonce)`, signed by the account (EOA or ERC-1271): one entry per pool, `nonce` the
///   account's claim nonce in that pool (each pool consumes its own), `maxFee` the most the relayer may take there
///   (in that pool's token; the pool's own fee cap applies too); one recipient and one deadline (inclusive) for all.
///
/// Rules: a pool pays its entry once (its nonce is consumed), only on this chain, only if it is listed, only to the
/// signed recipient, and as {IRewardPoolCore-claimWithSig} would (fee caps, blacklist rule, minimum claim, outflow
/// breaker). Claims through the router are held to each pool's minimum claim (the router is not the account).
interface IClaimRouter is IERC5267 {
    /// @notice One pool's claim for {claimAll}: the epoch-mode cumulative and its proof as in
    /// {IRewardPoolCore-claim} (zero and empty for ledger credit only).
    struct PoolClaim {
        address pool;
        uint256 cumulative;
        bytes32[] proof;
    }

    /// @notice One pool's part of a signed bundle for {claimAllWithSig}: the signed entry (`pool`, `maxFee`,
    /// `nonce`), then what is proven or chosen by the relayer, not signed: `cumulative`, `proof` and `fee`.
    struct SignedPoolClaim {
        address pool;
        uint256 maxFee;
        uint256 nonce;
        uint256 cumulative;
        bytes32[] proof;
        uint256 fee;
    }

    /// @notice `pool` paid `account` `amount` (relayer `fee` included, forwarded to the caller) as claim `index`.
    event PoolClaimPaid(address indexed account, address indexed pool, uint256 index, uint256 amount, uint256 fee);
    /// @notice `pool` refused claim `index` of `account`: `reason` is its revert data (the error's selector first;
    /// empty when `pool` has no code). Nothing of that claim moved: its credit and nonce there are intact.
    event PoolClaimSkipped(address indexed account, address indexed pool, uint256 index, bytes reason);

    /// @notice No claims were given.
    error ClaimRouterNoClaims();
    /// @notice The bundle's deadline (inclusive) has passed.
    error ClaimRouterBundleExpired(uint256 deadline, uint256 timestamp);
    /// @notice The call to the pool of claim `index` ran out of gas: send the transaction with more gas.
    error ClaimRouterOutOfGas(uint256 index);
    /// @notice Claim `index` asked a relayer fee but its pool did not report a token (it is not a reward pool).
    error ClaimRouterNoFeeToken(uint256 index);

    // solhint-disable-next-line func-name-mixedcase
    function POOL_CLAIM_TYPEHASH() external view returns (bytes32);
    // solhint-disable-next-line func-name-mixedcase
    function CLAIM_BUNDLE_TYPEHASH() external view returns (bytes32);
    /// @notice The bundles' EIP-712 domain separator on this chain.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32);

    /// @notice Claims for `account` in every pool of `claims`, as {IRewardPoolCore-claim} does (funds go to
    /// `account` only); anyone may call. Returns what each pool paid (zero where skipped).
    function claimAll(address account, PoolClaim[] calldata claims) external returns (uint256[] memory amounts);

    /// @notice Settles a signed bundle: calls each listed pool's {IRewardPoolSettlement-claimBundledWithSig} with
    /// the entries' hashes and its index, and forwards each pool's relayer fee (in that pool's token) to the
    /// caller. Refused whole only when there are no claims or the deadline has passed; otherwise each pool pays or is
    /// skipped on its own. Returns what each pool paid, fees included (zero where skipped).
    /// @param account The signer, whose credit is claimed.
    /// @param recipient Where every pool sends the claims, less the fees.
    /// @param deadline Last timestamp (inclusive) the bundle is valid at.
    /// @param claims One per signed entry, in the signed order.
    /// @param signature The account's signature over the `ClaimBundle`.
    function claimAllWithSig(
        address account,
        address recipient,
        uint256 deadline,
        SignedPoolClaim[] calldata claims,
        bytes calldata signature
    ) external returns (uint256[] memory amounts);

    /// @notice The `PoolClaim` struct hash of one entry, as the bundle signs it.
    function entryHash(address pool, uint256 maxFee, uint256 nonce) external pure returns (bytes32);
    /// @notice The EIP-712 digest an account signs for the bundle over `entries` (struct hashes, in order).
    function bundleDigest(
        address account,
        address recipient,
        uint256 deadline,
        bytes32[] calldata entries
    ) external view returns (bytes32);
}
