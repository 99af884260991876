// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {P256} from "@openzeppelin/contracts/utils/cryptography/P256.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IDeviceRegistry} from "../interfaces/IDeviceRegistry.sol";

/// @title DeviceKeys
/// @notice Key validation and signature verification for device keys (secp256k1, P-256) and for accounts
/// (EOA or ERC-1271), with a distinct outcome for malleable (high-s) signatures so callers can report it.
/// @dev All cryptography is OpenZeppelin's (ECDSA, P256, SignatureChecker); this library only routes and
/// classifies. P-256 keys sign with ECDSA-SHA256, so they are verified against `sha256(digest)`.
library DeviceKeys {
    /// @notice Result of a signature check.
    enum Verdict {
        Valid,
        Invalid,
        Malleable
    }

    /// @dev Half the order of P-256 (OpenZeppelin's `P256.verify` refuses larger `s`; we classify it first).
    uint256 internal constant P256_HALF_N = 0x7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8;

    /// @notice The id of a device key: `uint256(keccak256(abi.encodePacked(uint8(keyType), key)))`.
    function deviceId(IDeviceRegistry.KeyType keyType, bytes calldata key) internal pure returns (uint256) {
        return uint256(keccak256(abi.encodePacked(uint8(keyType), key)));
    }

    /// @notice Whether `key` is well formed for `keyType`: a non-zero 20-byte address for secp256k1, a 64-byte
    /// point on the curve for P-256.
    function isValidKey(IDeviceRegistry.KeyType keyType, bytes calldata key) internal pure returns (bool) {
        if (keyType == IDeviceRegistry.KeyType.Secp256k1) {
            return key.length == 20 && bytes20(key) != bytes20(0);
        }
        if (keyType == IDeviceRegistry.KeyType.P256) {
            return key.length == 64 && P256.isValidPublicKey(bytes32(key[0:32]), bytes32(key[32:64]));
        }
        return false;
    }

    /// @notice Checks a device key's signature over `digest`. The key must be valid (see {isValidKey}).
    /// @param signature 65-byte r||s||v for secp256k1; 64-byte r||s over `sha256(digest)` for P-256.
    function verifyDevice(
        IDeviceRegistry.KeyType keyType,
        bytes calldata key,
        bytes32 digest,
        bytes calldata signature
    ) internal view returns (Verdict) {
        if (keyType == IDeviceRegistry.KeyType.Secp256k1) return _verifyEcdsa(address(bytes20(key)), digest, signature);
        if (signature.length != 64) return Verdict.Invalid;
        return _verifyP256(key, digest, bytes32(signature[0:32]), bytes32(signature[32:64]));
    }

    /// @notice {verifyDevice} for a signature given as two words (see `IDeviceRegistry.CompactSignature`).
    /// @param vs secp256k1: EIP-2098 s with the recovery bit on top; P-256: s (of `sha256(digest)`).
    function verifyDevice(
        IDeviceRegistry.KeyType keyType,
        bytes calldata key,
        bytes32 digest,
        bytes32 r,
        bytes32 vs
    ) internal view returns (Verdict) {
        if (keyType == IDeviceRegistry.KeyType.Secp256k1) {
            (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, r, vs);
            return _verdict(err, recovered == address(bytes20(key)));
        }
        return _verifyP256(key, digest, r, vs);
    }

    /// @notice Checks an account's signature over `digest`: ECDSA first, then ERC-1271 if the account has code.
    /// @dev ECDSA first, as OpenZeppelin's SignatureChecker does: an EOA (the usual verifier or claimant) then costs
    /// no cold `EXTCODESIZE` (2,600 gas). A contract account cannot have its address recovered from a signature
    /// unless its key is known (an EIP-7702 account), in which case that key's signature is its signature anyway.
    function verifyAccount(address account, bytes32 digest, bytes calldata signature) internal view returns (Verdict) {
        Verdict verdict = _verifyEcdsa(account, digest, signature);
        if (verdict == Verdict.Valid || account.code.length == 0) return verdict;
        return
            SignatureChecker.isValidERC1271SignatureNowCalldata(account, digest, signature)
                ? Verdict.Valid
                : Verdict.Invalid;
    }

    /// @dev A 65-byte secp256k1 signature by `signer`, with high-s told apart from plain invalid.
    function _verifyEcdsa(address signer, bytes32 digest, bytes calldata signature) private pure returns (Verdict) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        return _verdict(err, recovered == signer);
    }

    /// @dev A P-256 signature (r, s) of `sha256(digest)` by the 64-byte key x||y; high s is malleable.
    function _verifyP256(bytes calldata key, bytes32 digest, bytes32 r, bytes32 s) private view returns (Verdict) {
        if (uint256(s) > P256_HALF_N) return Verdict.Malleable;
        return
            P256.verify(sha256(abi.encode(digest)), r, s, bytes32(key[0:32]), bytes32(key[32:64]))
                ? Verdict.Valid
                : Verdict.Invalid;
    }

    /// @dev An ECDSA recovery's outcome: malleable (high s), valid (no error and the expected signer), or invalid.
    function _verdict(ECDSA.RecoverError err, bool expectedSigner) private pure returns (Verdict) {
        if (err == ECDSA.RecoverError.InvalidSignatureS) return Verdict.Malleable;
        return err == ECDSA.RecoverError.NoError && expectedSigner ? Verdict.Valid : Verdict.Invalid;
    }
}
