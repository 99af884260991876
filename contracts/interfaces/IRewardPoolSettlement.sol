// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRewardPoolBase} from "./IRewardPoolBase.sol";

/// @title IRewardPoolSettlement
/// @notice Settlement in batches: many signed claims in one call, push payouts to accounts that opted in, and a
/// pool's part of a claim bundle (one signature across pools). Served by {RewardPoolSettlement}, which a pool reaches
/// by delegatecall through its governance half's fallback (same storage, fixed address); see {IRewardPool}.
interface IRewardPoolSettlement is IRewardPoolBase {
    /* BATCH SETTLEMENT */

    /// @notice Settles many signed claims in one call. `claims[i]` is the ABI-encoded call of
    /// {IRewardPoolCore-claimWithSig} a relayer would send alone (its `proof` may be empty), and runs as that claim:
    /// signature, nonce, deadline, fee caps (its fee goes to the caller), blacklist rule, minimum claim and outflow
    /// breaker apply per account, exactly. The epoch-mode leaves (the claims with a non-zero cumulative, in the
    /// batch's order, which must be the multiproof's leaf order) are proven together against the root in force by one
    /// OpenZeppelin multiproof (`proof`, `proofFlags`); a multiproof that does not prove them reverts the batch. A
    /// claim that would revert alone is skipped instead (`ClaimSkipped` with its revert data): nothing of it moves,
    /// its credit and nonce stay. Returns the total paid (fees included) and the number skipped.
    function claimBatchWithSig(
        bytes[] calldata claims,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external returns (uint256 paid, uint256 skipped);

    /// @notice Pays this pool's part of a claim bundle: one signature by the account over its claims in several
    /// pools (EIP-712 `ClaimBundle` in the chain-wide domain "DePIN Rewards Claims"; type strings and domain in
    /// {IClaimRouter}), usually submitted through {IClaimRouter-claimAllWithSig}, though anyone may call it. The pool
    /// trusts no caller: it hashes its own entry, `PoolClaim(address(this), claim.maxFee, claim.nonce)`, requires it
    /// at `entries[index]`, and checks `signature` (EOA or ERC-1271, as {IRewardPoolCore-claimWithSig}) over the
    /// bundle `(claim.account, claim.recipient, claim.deadline, entries)`. The claim then runs exactly as
    /// {IRewardPoolCore-claimWithSig} with `claim` as the signed claim: deadline, the account's claim nonce here
    /// (consumed), fee caps (`fee` goes to the caller), blacklist rule, minimum claim, outflow breaker and events.
    /// A bundle cannot pay in a pool it does not list, on another chain, twice for one nonce, or with any signed
    /// field changed. Emits `ClaimBundled` after the claim's `Claimed`.
    /// @param claim This pool's claim: the bundle's account, recipient and deadline, this pool's entry's maxFee
    /// and nonce.
    /// @param entries The struct hashes of the bundle's `PoolClaim` entries, in the signed order.
    /// @param index Where this pool's entry is in `entries`.
    /// @return amount What the claim paid, relayer fee included.
    /// @return token The pool's token, in which `amount` and `fee` are paid.
    function claimBundledWithSig(
        SignedClaim calldata claim,
        bytes32[] calldata entries,
        uint256 index,
        uint256 cumulative,
        bytes32[] calldata proof,
        uint256 fee,
        bytes calldata signature
    ) external returns (uint256 amount, address token);

    /* PUSH PAYOUTS */

    /// @notice Opts the caller in to push payouts to `recipient` (itself, or any address but the pool), replacing a
    /// previous choice; `recipient` zero opts out. Push payouts are an exception to pull payments that only the
    /// account itself (or its signature, {IRewardPoolCore-setPushRecipientWithSig}) can make; claims keep working
    /// either way.
    function setPushRecipient(address recipient) external;

    /// @notice Pays each opted-in account in `accounts` all it is owed now, to the recipient it chose, with no fee:
    /// its whole token units of ledger credit and, when `cumulatives[i]` is non-zero, its epoch-mode cumulative less
    /// what epoch mode has paid it. The (account, cumulative) leaves with a non-zero cumulative, in the batch's
    /// order (the multiproof's leaf order), are proven together against the root in force by one OpenZeppelin
    /// multiproof (`proof`, `proofFlags`); one that does not prove them reverts the batch. An account that cannot be
    /// paid whole now is skipped (`PushSkipped` with the reason; see {PushSkipReason}): not opted in, nothing to pay,
    /// below the minimum claim, past the root's payout cap, no room under the outflow breaker (pushes are never paid
    /// in part; the rest of the batch is still paid if it fits), the token blacklisting the account (when it names
    /// another recipient) or the recipient, or a failed transfer. A skipped account's credit and paid amounts stay
    /// exactly as they were. A paid account gets `Claimed(account, recipient, ledgerAmount, epochAmount)`, as a
    /// claim. Anyone may call (a keeper): it can only pay accounts that opted in, exactly what they are owed, to the
    /// recipient they chose. Returns the total paid and the number skipped.
    function pushPayouts(
        address[] calldata accounts,
        uint256[] calldata cumulatives,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external returns (uint256 paid, uint256 skipped);

    /// @notice Where push payouts of `account` go; zero when it has not opted in.
    function pushRecipient(address account) external view returns (address);

    /// @notice The EIP-712 type hash of `PushRecipient` (see {IRewardPoolCore-setPushRecipientWithSig}).
    // solhint-disable-next-line func-name-mixedcase
    function PUSH_RECIPIENT_TYPEHASH() external pure returns (bytes32);
}
