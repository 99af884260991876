// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// A bundle's deadline is hours to days away: a block producer's few seconds of leeway move nothing.
// solhint-disable not-rely-on-time

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IClaimRouter} from "./interfaces/IClaimRouter.sol";
import {IRewardPoolBase} from "./interfaces/IRewardPoolBase.sol";
import {IRewardPoolCore} from "./interfaces/IRewardPoolCore.sol";
import {IRewardPoolSettlement} from "./interfaces/IRewardPoolSettlement.sol";
import {ClaimBundles} from "./libraries/ClaimBundles.sol";

/// @title ClaimRouter
/// @notice See {IClaimRouter}. Holds no state: every call starts and ends with nothing here (a relayer fee passes
/// through within the call that earned it).
/// @dev Each pool is reached by a low-level call, so a pool that reverts, has no code or returns malformed data is
/// skipped rather than failing the others. The pools never trust this contract: they check the bundle themselves.
contract ClaimRouter is IClaimRouter {
    using SafeERC20 for IERC20;

    /// @inheritdoc IClaimRouter
    bytes32 public constant POOL_CLAIM_TYPEHASH = ClaimBundles.POOL_CLAIM_TYPEHASH;
    /// @inheritdoc IClaimRouter
    bytes32 public constant CLAIM_BUNDLE_TYPEHASH = ClaimBundles.CLAIM_BUNDLE_TYPEHASH;

    /// @inheritdoc IClaimRouter
    function claimAll(address account, PoolClaim[] calldata claims) external returns (uint256[] memory amounts) {
        uint256 n = claims.length;
        require(n != 0, ClaimRouterNoClaims());
        amounts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            PoolClaim calldata c = claims[i];
            uint256 gasBefore = gasleft();
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory result) = c.pool.call(
                abi.encodeCall(IRewardPoolCore.claim, (account, c.cumulative, c.proof))
            );
            _requireGasLeft(ok, gasBefore, i);
            if (ok && result.length == 32) {
                uint256 amount = abi.decode(result, (uint256));
                amounts[i] = amount;
                emit PoolClaimPaid(account, c.pool, i, amount, 0);
            } else {
                emit PoolClaimSkipped(account, c.pool, i, result);
            }
        }
    }

    /// @inheritdoc IClaimRouter
    function claimAllWithSig(
        address account,
        address recipient,
        uint256 deadline,
        SignedPoolClaim[] calldata claims,
        bytes calldata signature
    ) external returns (uint256[] memory amounts) {
        uint256 n = claims.length;
        require(n != 0, ClaimRouterNoClaims());
        require(block.timestamp <= deadline, ClaimRouterBundleExpired(deadline, block.timestamp));
        bytes32[] memory entries = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            entries[i] = ClaimBundles.entryHash(claims[i].pool, claims[i].maxFee, claims[i].nonce);
        }
        amounts = new uint256[](n);
        // The relayer fees the pools paid to this contract (their caller), summed per token and sent on to ours at
        // the end: one transfer per token, and this contract's balance stays warm between pools.
        address[] memory feeTokens = new address[](n);
        uint256[] memory feeTotals = new uint256[](n);
        uint256 tokenCount;
        for (uint256 i; i < n; ++i) {
            SignedPoolClaim calldata c = claims[i];
            IRewardPoolBase.SignedClaim memory signed = IRewardPoolBase.SignedClaim({
                account: account,
                recipient: recipient,
                maxFee: c.maxFee,
                nonce: c.nonce,
                deadline: deadline
            });
            uint256 gasBefore = gasleft();
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory result) = c.pool.call(
                abi.encodeCall(
                    IRewardPoolSettlement.claimBundledWithSig,
                    (signed, entries, i, c.cumulative, c.proof, c.fee, signature)
                )
            );
            _requireGasLeft(ok, gasBefore, i);
            if (ok && result.length == 64) {
                (uint256 amount, address token) = abi.decode(result, (uint256, address));
                amounts[i] = amount;
                emit PoolClaimPaid(account, c.pool, i, amount, c.fee);
                if (c.fee != 0) {
                    require(token.code.length != 0, ClaimRouterNoFeeToken(i));
                    uint256 t;
                    while (t < tokenCount && feeTokens[t] != token) ++t;
                    if (t == tokenCount) feeTokens[tokenCount++] = token;
                    feeTotals[t] += c.fee;
                }
            } else {
                emit PoolClaimSkipped(account, c.pool, i, result);
            }
        }
        // A pool that reported a fee it did not pay makes this revert, and the whole call with it.
        for (uint256 t; t < tokenCount; ++t) IERC20(feeTokens[t]).safeTransfer(msg.sender, feeTotals[t]);
    }

    /// @dev A pool call that failed having used all the gas it was given ran out of gas: the caller sent too little
    /// for it, not a refusal of the pool. Reverting (instead of skipping the pool) keeps gas estimation honest (it
    /// finds the gas at which every pool runs) and keeps a relayer from skipping a pool by starving it.
    function _requireGasLeft(bool ok, uint256 gasBefore, uint256 index) internal view {
        if (!ok && gasleft() <= gasBefore / 63) revert ClaimRouterOutOfGas(index);
    }

    /// @inheritdoc IClaimRouter
    function entryHash(address pool, uint256 maxFee, uint256 nonce) external pure returns (bytes32) {
        return ClaimBundles.entryHash(pool, maxFee, nonce);
    }

    /// @inheritdoc IClaimRouter
    function bundleDigest(
        address account,
        address recipient,
        uint256 deadline,
        bytes32[] calldata entries
    ) external view returns (bytes32) {
        return ClaimBundles.digest(account, recipient, deadline, entries);
    }

    /// @inheritdoc IClaimRouter
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return ClaimBundles.domainSeparator();
    }

    /// @notice ERC-5267: the bundles' domain (name, version and chain id; fields 0x07, no verifying contract).
    function eip712Domain()
        external
        view
        returns (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        )
    {
        return (hex"07", "DePIN Rewards Claims", "1", block.chainid, address(0), bytes32(0), new uint256[](0));
    }
}
