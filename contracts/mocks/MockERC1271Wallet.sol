// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title MockERC1271Wallet
/// @notice Test-only smart-contract account: a signature is valid when its single EOA signer made it.
/// Stands in for a multisig attester or verifier.
contract MockERC1271Wallet is IERC1271 {
    address public immutable SIGNER;

    constructor(address signer) {
        SIGNER = signer;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == SIGNER ? this.isValidSignature.selector : bytes4(0);
    }
}
