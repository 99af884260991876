// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Epoch mode of a reward pool in one storage word, so a claim reads and writes a single slot to find the
/// root in force and apply its payout cap. Layout, bit 0 the least significant:
///
///   bits 0-39     latestClaimableAt  uint40, when the latest commit pays (zero: no root, or the only one was vetoed)
///   bits 40-47    latestRoot         uint8, the entry of the pool's two-entry root ring that holds the latest commit
///   bits 48-151   latestHeadroom     uint104, what the latest root may still pay: its total owed less everything
///                                    epoch mode has paid
///   bits 152-255  previousHeadroom   uint104, the same for the other entry, kept while the latest is pending
///
/// The latest root is pending until `latestClaimableAt`, the other entry being in force meanwhile; from then on it is
/// in force, with no write. Once it is, the other entry never pays again and `previousHeadroom` is stale until the
/// next commit rewrites it. Totals owed only grow, so while the latest is pending `latestHeadroom >=
/// previousHeadroom`, and a payment lowers both. Totals owed stay below 2^104 token units (commits refuse more).
type EpochHead is uint256;

using EpochHeadLibrary for EpochHead global;

/// @title EpochHeadLibrary
/// @notice Encodes and decodes {EpochHead}: the one owner of its layout.
library EpochHeadLibrary {
    uint256 internal constant LATEST_ROOT_OFFSET = 40;
    uint256 internal constant LATEST_HEADROOM_OFFSET = 48;
    uint256 internal constant PREVIOUS_HEADROOM_OFFSET = 152;
    uint256 internal constant HEADROOM_MASK = (1 << 104) - 1;

    /// @notice The word with these fields; reverts (panic) if a headroom does not fit 104 bits.
    function encode(
        uint40 latestClaimableAt_,
        uint256 latestRoot_,
        uint256 latestHeadroom_,
        uint256 previousHeadroom_
    ) internal pure returns (EpochHead) {
        assert(latestRoot_ < 2 && latestHeadroom_ <= HEADROOM_MASK && previousHeadroom_ <= HEADROOM_MASK);
        return
            EpochHead.wrap(
                uint256(latestClaimableAt_) |
                    (latestRoot_ << LATEST_ROOT_OFFSET) |
                    (latestHeadroom_ << LATEST_HEADROOM_OFFSET) |
                    (previousHeadroom_ << PREVIOUS_HEADROOM_OFFSET)
            );
    }

    function latestClaimableAt(EpochHead head) internal pure returns (uint256) {
        return uint40(EpochHead.unwrap(head));
    }

    function latestRoot(EpochHead head) internal pure returns (uint256) {
        return uint8(EpochHead.unwrap(head) >> LATEST_ROOT_OFFSET);
    }

    function latestHeadroom(EpochHead head) internal pure returns (uint256) {
        return (EpochHead.unwrap(head) >> LATEST_HEADROOM_OFFSET) & HEADROOM_MASK;
    }

    function previousHeadroom(EpochHead head) internal pure returns (uint256) {
        return EpochHead.unwrap(head) >> PREVIOUS_HEADROOM_OFFSET;
    }

    /// @notice `head` after a payment of `amount`: both headrooms lowered, or only the latest one when `latestOnly`
    /// (the latest root is in force, the previous headroom is stale). The caller has checked `amount` against the
    /// headroom of the root in force; the latest headroom is lowered with checked arithmetic all the same, so a
    /// broken `latestHeadroom >= previousHeadroom` reverts instead of wrapping.
    function spend(EpochHead head, uint256 amount, bool latestOnly) internal pure returns (EpochHead) {
        uint256 word = EpochHead.unwrap(head);
        uint256 latest = latestHeadroom(head) - amount;
        word = (word & ~(HEADROOM_MASK << LATEST_HEADROOM_OFFSET)) | (latest << LATEST_HEADROOM_OFFSET);
        if (!latestOnly) {
            uint256 previous = previousHeadroom(head) - amount;
            word = (word & ~(HEADROOM_MASK << PREVIOUS_HEADROOM_OFFSET)) | (previous << PREVIOUS_HEADROOM_OFFSET);
        }
        return EpochHead.wrap(word);
    }
}
