// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title UrdLikeDistributor
/// @notice Benchmark anchor only, never deployed for real: the claim path of Morpho's Universal Rewards Distributor
/// as its documentation describes it (leaves `(account, reward, claimable)` of cumulative amounts, double-hashed;
/// `MerkleProof.verifyCalldata`; the claimed amount written before the transfer; one root read), written here so
/// the pool's claim is measured against it in the same run, with the same token and compiler settings.
/// @dev Root timelock and pending-root handling are left out: URD's claim reads only the root in force.
contract UrdLikeDistributor {
    using SafeERC20 for IERC20;

    bytes32 public root;
    address public immutable OWNER;
    mapping(address account => mapping(address reward => uint256 amount)) public claimed;

    event Claimed(address indexed account, address indexed reward, uint256 amount);

    error UrdLikeUnauthorized();
    error UrdLikeNoRoot();
    error UrdLikeInvalidProof();
    error UrdLikeClaimableTooLow();

    constructor() {
        OWNER = msg.sender;
    }

    function setRoot(bytes32 newRoot) external {
        require(msg.sender == OWNER, UrdLikeUnauthorized());
        root = newRoot;
    }

    function claim(
        address account,
        address reward,
        uint256 claimable,
        bytes32[] calldata proof
    ) external returns (uint256 amount) {
        bytes32 currentRoot = root;
        require(currentRoot != bytes32(0), UrdLikeNoRoot());
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, reward, claimable))));
        require(MerkleProof.verifyCalldata(proof, currentRoot, leaf), UrdLikeInvalidProof());
        uint256 already = claimed[account][reward];
        require(claimable > already, UrdLikeClaimableTooLow());
        amount = claimable - already;
        claimed[account][reward] = claimable;
        IERC20(reward).safeTransfer(account, amount);
        emit Claimed(account, reward, amount);
    }
}
