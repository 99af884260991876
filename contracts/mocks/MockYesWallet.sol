// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title MockYesWallet
/// @notice TEST-ONLY broken smart-contract account: it answers "valid" to every ERC-1271 question, whoever signed
/// and whatever the digest. It exists to show what the pool does when a verifier or an account is such a contract.
/// Never deploy it for real use.
contract MockYesWallet is IERC1271 {
    /// @inheritdoc IERC1271
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return IERC1271.isValidSignature.selector;
    }
}
