// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The few cheatcodes these tests use (forge-std is not on npm; Hardhat's Solidity test runner serves the
/// standard cheatcode address).
interface Vm {
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes4 revertData) external;
    function assume(bool condition) external pure;
    function warp(uint256 timestamp) external;
    function deal(address account, uint256 balance) external;
    function envOr(string calldata name, string calldata defaultValue) external view returns (string memory);
    function writeLine(string calldata path, string calldata data) external;
    function toString(uint256 value) external pure returns (string memory);
    function toString(bytes32 value) external pure returns (string memory);
}

/// @notice Base for Solidity tests: the cheatcode handle and bounded-input helpers.
abstract contract TestBase {
    Vm internal constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev Maps `x` into [min, max] without discarding runs.
    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (max - min == type(uint256).max) return x;
        return min + (x % (max - min + 1));
    }

    /// @dev `privateKey`'s signature of `digest` in the EIP-2098 compact form: r, and s with the recovery bit on top.
    function _signCompact(uint256 privateKey, bytes32 digest) internal pure returns (bytes32 r, bytes32 vs) {
        (uint8 v, bytes32 r_, bytes32 s) = VM.sign(privateKey, digest);
        return (r_, bytes32(uint256(s) | (uint256(v - 27) << 255)));
    }

    /// @dev A valid secp256k1 private key from any seed.
    function _privateKey(uint256 seed) internal pure returns (uint256) {
        return _bound(seed, 1, 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140);
    }
}
