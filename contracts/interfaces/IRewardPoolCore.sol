// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRewardPoolBase} from "./IRewardPoolBase.sol";

/// @title IRewardPoolCore
/// @notice What moves value: funding, recording work in both modes, clawbacks and claims (funding by permit or
/// authorization is served by the governance half, see {IRewardPoolGovernance}). Served by the pool's own
/// code ({RewardPool}); see {IRewardPool} for roles and signed messages.
interface IRewardPoolCore is IRewardPoolBase {
    /* SIGNED MESSAGE TYPES (EIP-712 type hashes; the type strings are in {IRewardPool}) */

    // solhint-disable-next-line func-name-mixedcase
    function PROOF_BATCH_TYPEHASH() external view returns (bytes32);
    // solhint-disable-next-line func-name-mixedcase
    function WORK_REPORT_TYPEHASH() external view returns (bytes32);
    // solhint-disable-next-line func-name-mixedcase
    function CLAWBACK_TYPEHASH() external view returns (bytes32);
    // solhint-disable-next-line func-name-mixedcase
    function CLAIM_TYPEHASH() external view returns (bytes32);
    // solhint-disable-next-line func-name-mixedcase
    function EPOCH_COMMIT_TYPEHASH() external view returns (bytes32);
    /// @notice The contract that serves {IRewardPoolGovernance} for this pool (by delegatecall; fixed forever).
    // solhint-disable-next-line func-name-mixedcase
    function GOVERNANCE() external view returns (address);

    /* FUNDING */

    /// @notice Pulls `amount` from the caller (approved first) and records it under `ref`.
    function fund(uint256 amount, bytes32 ref) external;

    /* LEDGER MODE */

    /// @notice Records a batch of proofs for the closed `epoch`, signed by the verifier quorum (`ProofBatch`), at
    /// that epoch's rate, cap and budget. All or nothing.
    function recordProofs(
        uint32 epoch,
        uint256 batchNonce,
        Proof[] calldata proofs,
        DeviceSignature[] calldata deviceSignatures,
        QuorumSignatures calldata quorum
    ) external;

    /// @notice Removes `amountWad` of unclaimed ledger credit from `account`, for fraudulent work by `deviceId`,
    /// signed by the verifier quorum (`Clawback`).
    function clawback(
        address account,
        uint256 deviceId,
        uint256 amountWad,
        bytes32 reasonHash,
        uint256 nonce,
        uint256 deadline,
        QuorumSignatures calldata quorum
    ) external;

    /* CLAIMS */

    /// @notice Pays `account` everything it is owed by both modes: its ledger credit and, when `cumulative` is
    /// non-zero, its epoch-mode cumulative proven against the root in force. Anyone may call; funds go to
    /// `account` only. Fleets claim for all their devices and epochs at once.
    function claim(address account, uint256 cumulative, bytes32[] calldata proof) external returns (uint256 amount);

    /// @notice Pays a claim the account signed: `fee` to the caller (at most the signed max and the pool cap),
    /// the rest to the signed recipient. `cumulative` and `proof` as in {claim}; they are proven, not signed.
    function claimWithSig(
        SignedClaim calldata claim,
        uint256 cumulative,
        bytes32[] calldata proof,
        uint256 fee,
        bytes calldata signature
    ) external returns (uint256);

    /// @notice {IRewardPoolSettlement-setPushRecipient} (push payouts, see {IRewardPoolSettlement-pushPayouts}) by
    /// the account's EIP-712 signature (EOA or ERC-1271), relayed by anyone. Type string
    /// `PushRecipient(address account,address recipient,uint256 nonce,uint256 deadline)` in the pool's domain
    /// (see {IRewardPool}); `recipient` zero opts out. `nonce` is the account's next claim nonce
    /// (`account(account).claimNonce`), which this spends: signed claims and push choices share one sequence, so an
    /// old choice can never be replayed over a newer one. Valid until `deadline` (inclusive).
    function setPushRecipientWithSig(
        address account,
        address recipient,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /* EPOCH MODE */

    /// @notice Commits an epoch root signed by the verifier quorum (`EpochCommit`). It becomes pending for the
    /// challenge period, replacing a pending root (superseded). Refused unless: the epoch is closed and within the
    /// settlement window, after the root in force's and not before the pending one's; the nonce is `commitNonce()`;
    /// the rate is the epoch's; the total owed does not decrease and grows by at most the budget left in the epochs
    /// it covers; the pool stays solvent.
    function commitEpoch(EpochCommit calldata commit, QuorumSignatures calldata quorum) external;
}
