// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";

import {IRewardPoolCore} from "./IRewardPoolCore.sol";
import {IRewardPoolGovernance} from "./IRewardPoolGovernance.sol";
import {IRewardPoolSettlement} from "./IRewardPoolSettlement.sol";

/// @title IRewardPool
/// @notice A protocol's reward pool: holds one stablecoin, records verified work by the devices of one registry
/// network, credits rewards to the payee of record of each device, and pays accounts by pull claims.
/// @dev Roles and their powers:
/// - Admin (two-step handover): schedules, announced by events and in force `changeDelay` seconds later, changes
///   to the verifier set and quorum, the guardian and the outflow limit, reward parameters (from the first epoch
///   that starts at least `changeDelay` seconds later) and sweeps of surplus tokens (beyond `funded - paid`) to a
///   named recipient; sets at once only the minimum claim (at most 10^7 units, never binding an account's own
///   claim) and the relayer fee cap; unpauses; cancels its scheduled changes that are not in force yet. Cannot
///   record work, move funding or credit, or freeze claims.
/// - Guardian: pauses at once, vetoes an epoch root during its challenge period naming its commit (epoch and nonce;
///   final for that commit), cancels scheduled verifier, rate and outflow-limit changes that are not in force yet
///   and sweeps not yet executed. Cannot unpause, record work, commit roots, schedule anything, move funds or cancel
///   its own replacement.
/// - Verifiers (M-of-N, EOAs or ERC-1271 contracts): together, by EIP-712 signatures, record batches of work
///   proofs (ledger mode), commit epoch roots (epoch mode) and claw back unclaimed ledger credit of fraudulent
///   work. No single verifier can do anything. What bounds a compromised quorum: in both modes, solvency (never
///   more owed than funded), the per-epoch budget and the rate of each epoch (fixed once the epoch starts), and the
///   settlement window (only the last `settlementWindow` closed epochs can still be paid for). In ledger mode also
///   the registry (device registered, active, in this network), the per-device cap and, when required, the
///   device's own signature. In epoch mode also the challenge period (the guardian can veto) and a total owed that
///   never decreases; what the chain cannot check there (per-device caps, device status, payee of record) is
///   published in the manifest for auditors, and pools that require device signatures refuse epoch mode.
/// - Anyone: funds the pool, triggers a claim (funds always go to the account or the recipient it signed), relays
///   a signed claim for a capped fee, pushes payouts to accounts that opted in (to the recipient each chose, no
///   fee), applies changes that are due, executes a due sweep (to its named recipient),
///   submits quorum-signed messages.
///
/// Outflow breaker: at most `outflowLimit` token units leave by claims in any `outflowWindow` seconds; over it a
/// claim pays what fits and defers the rest (`ClaimDeferred`), or is refused whole (`RewardPoolOutflowLimited`, with
/// when it fits). Nothing is lost.
///
/// Reward math: `rate` is token units per work unit scaled by 1e18 (WAD). Credits accrue in WAD per account and
/// round down only when paid, so remainders carry and the sum credited is exactly Σ units × rate.
///
/// Token assumptions: a plain ERC-20 (6-decimals USDC-like by default) that moves exactly the amount asked. Fee-on-
/// transfer tokens are refused at funding (balance must grow by exactly the amount); rebasing tokens are not
/// supported (see SECURITY.md for what a rebase does to the books). A token that blocks a recipient (USDC
/// blacklist) fails only that recipient's claim. A token's hooks cannot re-enter: every value-moving function of
/// both halves shares one reentrancy guard.
///
/// Signed messages. EIP-712 domain: name "DePIN RewardPool", version "1", the chain id and the pool's address as
/// `verifyingContract` (no salt); the pool is in the domain, not in any message. Type strings, exactly:
/// - `ProofBatch(uint32 epoch,uint256 batchNonce,bytes32 proofsHash)`, signed by the quorum;
///   `proofsHash = keccak256(abi.encode(proofs))` over the `Proof[]` as passed. One-time `batchNonce` (any unused
///   value); the credit depends only on the signed proofs and the epoch's own parameters, so a batch that failed
///   (insolvent, over budget) may be submitted again and credits the same; the settlement window ends that.
/// - `WorkReport(uint256 deviceId,uint32 epoch,uint64 units,bytes32 evidenceHash)`, signed by the device key
///   (secp256k1: the digest; P-256: sha256 of the digest) when the pool requires device signatures.
/// - `EpochCommit(uint32 epoch,uint32 nonce,bytes32 root,uint256 totalOwed,uint256 epochTotal,uint128 rate,
///   bytes32 manifestHash,string manifestUri,uint32 formulaVersion,uint256 ledgerCreditedWad,uint256 deadline)`
///   (one line, no space after commas), signed by the quorum. `ledgerCreditedWad` must still be the pool's ledger
///   credit, so a batch recorded after the root was built voids it. `nonce` must equal `commitNonce()`: each
///   accepted commit and each veto uses one up, so a vetoed or superseded commit, or one signed on top of a vetoed
///   one, can never be submitted; a corrected one is signed with the next nonce. Valid until `deadline`
///   (inclusive), so one that failed cannot come back.
/// - `Clawback(address account,uint256 deviceId,uint256 amountWad,bytes32 reasonHash,uint256 nonce,
///   uint256 deadline)`, signed by the quorum; one-time `nonce`, valid until `deadline` (inclusive), so a
///   clawback that failed cannot later take credit earned by honest work.
/// - `Claim(address account,address recipient,uint256 maxFee,uint256 nonce,uint256 deadline)`, signed by the
///   account (EOA or ERC-1271); sequential `nonce` per account, valid until `deadline` (inclusive).
/// - `PushRecipient(address account,address recipient,uint256 nonce,uint256 deadline)`, signed by the account (EOA
///   or ERC-1271): its push payout choice (`recipient` zero: opt out). `nonce` is the account's claim nonce (one
///   sequence for both types), valid until `deadline` (inclusive).
/// Claims across pools: one signature by the account over its entries in several pools, in the chain-wide domain
/// "DePIN Rewards Claims" (type string and rules in {IClaimRouter}); each pool checks it in
/// {IRewardPoolSettlement-claimBundledWithSig} and consumes the same per-account claim nonce as `Claim`.
///
/// Code layout: {RewardPool} serves {IRewardPoolCore} (value moves) and ERC-5267 `eip712Domain()`; everything in
/// {IRewardPoolGovernance} is served by a governance contract fixed at deployment, reached by delegatecall from the
/// pool's fallback, and everything in {IRewardPoolSettlement} by a settlement contract fixed in that governance
/// contract, reached by delegatecall from its fallback. Clients see one contract with this interface's ABI.
interface IRewardPool is IRewardPoolCore, IRewardPoolGovernance, IRewardPoolSettlement, IERC5267 {}
