// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A reward pool's outflow book in one storage word, written by every claim: everything claims have paid,
/// and the circuit breaker's use of its last two windows. Layout, bit 0 the least significant:
///
///   bits 0-127    paid      uint128, every token unit claims have paid out (gross: relayer fees included)
///   bits 128-159  window    uint32, the index of the window `current` counts (`timestamp / windowLength`)
///   bits 160-207  previous  uint48, the share of the limit used in the window before it
///   bits 208-255  current   uint48, the share of the limit used in that window
///
/// Shares are in units of `limit / (2^48 - 1)`, each outflow rounded up, so the shares never understate what left. The
/// breaker lets an outflow through only if `previous + current + share <= 2^48 - 1`: every window and the one before it
/// together stay within the limit, and any span of `windowLength` seconds lies within two consecutive windows, so at
/// most `limit` tokens leave in any `windowLength` seconds. (A steady flow gets about half the limit per window.)
type Outflow is uint256;

using OutflowLibrary for Outflow global;

/// @title OutflowLibrary
/// @notice Encodes and decodes {Outflow} and applies the breaker's rule: the one owner of its layout. Also owns the
/// compact form of the limit kept in the pool's first slot (`limit = mantissa * 10^exponent`).
library OutflowLibrary {
    /// @notice The whole limit, as a share: the largest value a 48-bit field holds.
    uint256 internal constant FULL = (1 << 48) - 1;
    uint256 internal constant WINDOW_OFFSET = 128;
    uint256 internal constant PREVIOUS_OFFSET = 160;
    uint256 internal constant CURRENT_OFFSET = 208;
    uint256 internal constant MANTISSA_LIMIT = 1 << 24;

    /// @notice The word with these fields; reverts (panic) if a field does not fit.
    function encode(
        uint256 paid_,
        uint256 window_,
        uint256 previous_,
        uint256 current_
    ) internal pure returns (Outflow) {
        assert(paid_ >> 128 == 0 && window_ >> 32 == 0 && previous_ <= FULL && current_ <= FULL);
        return
            Outflow.wrap(
                paid_ | (window_ << WINDOW_OFFSET) | (previous_ << PREVIOUS_OFFSET) | (current_ << CURRENT_OFFSET)
            );
    }

    function paid(Outflow o) internal pure returns (uint256) {
        return uint128(Outflow.unwrap(o));
    }

    function window(Outflow o) internal pure returns (uint256) {
        return uint32(Outflow.unwrap(o) >> WINDOW_OFFSET);
    }

    /// @notice The shares used in the window before `now_` and in `now_` (both window indexes), rolled forward
    /// from the stored ones: a window that has passed becomes the previous one, and one older counts no more.
    function usedAt(Outflow o, uint256 now_) internal pure returns (uint256 previous, uint256 current) {
        uint256 stored = o.window();
        if (now_ == stored) {
            return (uint48(Outflow.unwrap(o) >> PREVIOUS_OFFSET), Outflow.unwrap(o) >> CURRENT_OFFSET);
        }
        if (now_ == stored + 1) return (Outflow.unwrap(o) >> CURRENT_OFFSET, 0);
        return (0, 0);
    }

    /// @notice The share of `limit` that `amount` uses, rounded up (never understates what leaves).
    function shareOf(uint256 amount, uint256 limit) internal pure returns (uint256) {
        // Cannot overflow: amounts are below 2^128 (the pool's funding is a uint128) and limits are non-zero.
        return (amount * FULL + limit - 1) / limit;
    }

    /// @notice Token units that can leave now given the shares used: rounded down (never overstates).
    function room(uint256 used, uint256 limit) internal pure returns (uint256) {
        return used >= FULL ? 0 : ((FULL - used) * limit) / FULL;
    }

    /// @notice When an outflow of `share` fits, as the breaker rolls forward with no other outflow: `now_` (a
    /// window index) if it fits now, else the start of the window that frees enough; `type(uint256).max` if it is
    /// more than the whole limit.
    function fitsAt(
        uint256 previous,
        uint256 current,
        uint256 share,
        uint256 now_,
        uint256 windowLength,
        uint256 timestamp
    ) internal pure returns (uint256) {
        if (previous + current + share <= FULL) return timestamp;
        if (current + share <= FULL) return (now_ + 1) * windowLength;
        if (share <= FULL) return (now_ + 2) * windowLength;
        return type(uint256).max;
    }

    /// @notice The limit packed as the pool keeps it, `mantissa << 8 | exponent` for `mantissa * 10^exponent`,
    /// `mantissa` below 2^24; zero if `limit` is zero, not below 2^128 or cannot be written so exactly (more than
    /// seven significant digits).
    function packLimit(uint256 limit) internal pure returns (uint32) {
        if (limit >> 128 != 0) return 0;
        uint256 exponent;
        while (limit >= MANTISSA_LIMIT) {
            if (limit % 10 != 0) return 0;
            limit /= 10;
            ++exponent;
        }
        return uint32((limit << 8) | exponent);
    }

    function unpackLimit(uint32 packed) internal pure returns (uint256) {
        // Cannot overflow: {packLimit} only writes limits below 2^128.
        unchecked {
            return uint256(packed >> 8) * 10 ** (packed & 0xff);
        }
    }
}
