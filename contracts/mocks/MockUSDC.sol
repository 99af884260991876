// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title MockUSDC
/// @notice TEST-ONLY mock of Circle's USDC (FiatToken v2). Never deploy it anywhere that matters: anyone can mint.
/// It reproduces the parts of USDC that reward-pool code must cope with:
/// - 6 decimals;
/// - EIP-2612 `permit` under the EIP-712 domain ("Mock USD Coin", version "2"), as USDC uses version "2";
/// - EIP-3009 `transferWithAuthorization`, `receiveWithAuthorization` and `cancelAuthorization`, with random
///   `bytes32` nonces and `(v, r, s)` signatures (high-s signatures are rejected);
/// - a blacklist: no transfer, mint, burn or approval may involve a blacklisted holder, recipient, spender or caller.
/// @dev `permit` is written here on top of OpenZeppelin's `EIP712` and `Nonces` (the same construction as
/// OpenZeppelin's `ERC20Permit`) because `ERC20Permit` hard-codes the EIP-712 version "1", while USDC uses "2".
/// Unlike USDC, the blacklist also applies to the relayer that submits `transferWithAuthorization`.
contract MockUSDC is ERC20, IERC20Permit, EIP712, Nonces {
    /// @notice EIP-712 type hash of an EIP-2612 permit.
    bytes32 public constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );

    /// @notice EIP-712 type hash of an EIP-3009 authorization any caller may submit.
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,"
        "bytes32 nonce)"
    );

    /// @notice EIP-712 type hash of an EIP-3009 authorization only the payee may submit.
    bytes32 public constant RECEIVE_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,"
        "bytes32 nonce)"
    );

    /// @notice EIP-712 type hash of the cancellation of an unused EIP-3009 authorization.
    bytes32 public constant CANCEL_AUTHORIZATION_TYPEHASH = keccak256(
        "CancelAuthorization(address authorizer,bytes32 nonce)"
    );

    /// @notice Account allowed to blacklist and un-blacklist addresses and to hand that role over.
    address public blacklister;

    /// @dev As in USDC v2.2, the blacklist flag lives in the top bit of the balance slot, so a transfer checks it
    /// for free: the mock then costs what USDC costs, and pool gas figures measured with it are realistic.
    uint256 private constant _BLACKLIST_FLAG = 1 << 255;

    mapping(address account => uint256 balanceAndFlag) private _balanceStates;
    uint256 private _supply;
    mapping(address authorizer => mapping(bytes32 nonce => bool used)) private _authorizationStates;

    /// @notice An EIP-3009 authorization was used or canceled; its nonce can never be used again.
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
    /// @notice An unused EIP-3009 authorization was canceled by its authorizer.
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);
    /// @notice `account` was blacklisted.
    event Blacklisted(address indexed account);
    /// @notice `account` was removed from the blacklist.
    event UnBlacklisted(address indexed account);
    /// @notice The blacklister role moved to `newBlacklister`.
    event BlacklisterChanged(address indexed newBlacklister);

    /// @notice `account` is blacklisted and may not send, receive, spend, approve or be approved.
    error MockUSDCBlacklisted(address account);
    /// @notice Only the blacklister may do this; `caller` is not it.
    error MockUSDCCallerNotBlacklister(address caller);
    /// @notice The blacklister role cannot go to the zero address.
    error MockUSDCInvalidBlacklister(address newBlacklister);
    /// @notice The authorization is only valid strictly after `validAfter`; the block time is `timestamp`.
    error MockUSDCAuthorizationNotYetValid(uint256 validAfter, uint256 timestamp);
    /// @notice The authorization was only valid strictly before `validBefore`; the block time is `timestamp`.
    error MockUSDCAuthorizationExpired(uint256 validBefore, uint256 timestamp);
    /// @notice `authorizer`'s authorization with `nonce` was already used or canceled.
    error MockUSDCAuthorizationUsed(address authorizer, bytes32 nonce);
    /// @notice `receiveWithAuthorization` must be called by the payee `payee`, not by `caller`.
    error MockUSDCCallerMustBePayee(address caller, address payee);
    /// @notice The permit's `deadline` has passed; the block time is `timestamp`.
    error MockUSDCPermitExpired(uint256 deadline, uint256 timestamp);
    /// @notice The signature is malformed, high-s, or not by the expected signer.
    error MockUSDCInvalidSignature();

    modifier onlyBlacklister() {
        if (msg.sender != blacklister) revert MockUSDCCallerNotBlacklister(msg.sender);
        _;
    }

    /// @notice Deploys the mock with the deployer as blacklister.
    constructor() ERC20("Mock USD Coin", "USDC") EIP712("Mock USD Coin", "2") {
        blacklister = msg.sender;
        emit BlacklisterChanged(msg.sender);
    }

    // ---------------------------------------------------------------- faucet

    /// @notice Mints `amount` to `to`. TEST FAUCET: deliberately open to anyone, with no access control.
    /// @dev Reverts with `MockUSDCBlacklisted` if the caller or `to` is blacklisted.
    /// @param to Recipient of the new tokens.
    /// @param amount Amount in 6-decimal units.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice USDC has 6 decimals.
    /// @return Always 6.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    // ---------------------------------------------------------------- EIP-2612

    /// @notice Sets `spender`'s allowance over `owner`'s tokens to `value` on `owner`'s EIP-712 signature.
    /// @param owner Token holder who signed the permit.
    /// @param spender Account approved to spend.
    /// @param value New allowance.
    /// @param deadline Last block timestamp at which the permit is valid.
    /// @param v Signature recovery byte.
    /// @param r Signature `r`.
    /// @param s Signature `s` (must be in the lower half of the curve order).
    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external override {
        if (block.timestamp > deadline) revert MockUSDCPermitExpired(deadline, block.timestamp);
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, _useNonce(owner), deadline));
        _requireSignedBy(owner, structHash, v, r, s);
        _approve(owner, spender, value);
    }

    /// @notice Current EIP-2612 nonce of `owner`.
    /// @param owner Token holder.
    /// @return The nonce the next permit of `owner` must carry.
    function nonces(address owner) public view override(IERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @notice EIP-712 domain separator shared by permits and EIP-3009 authorizations.
    /// @return The domain separator for this chain and contract.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view override returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------- EIP-3009

    /// @notice Moves `value` from `from` to `to` on `from`'s signed authorization; anyone may submit it.
    /// @param from Payer, who signed the authorization.
    /// @param to Payee.
    /// @param value Amount.
    /// @param validAfter The authorization is valid only strictly after this timestamp.
    /// @param validBefore The authorization is valid only strictly before this timestamp.
    /// @param nonce Unique random nonce chosen by the payer.
    /// @param v Signature recovery byte.
    /// @param r Signature `r`.
    /// @param s Signature `s`.
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        _useAuthorization(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH,
            from,
            to,
            value,
            validAfter,
            validBefore,
            nonce,
            v,
            r,
            s
        );
        _transfer(from, to, value);
    }

    /// @notice Moves `value` from `from` to the caller on `from`'s signed authorization; only the payee may submit
    /// it, so a front-runner cannot consume the authorization outside the payee's own transaction.
    /// @param from Payer, who signed the authorization.
    /// @param to Payee; must be `msg.sender`.
    /// @param value Amount.
    /// @param validAfter The authorization is valid only strictly after this timestamp.
    /// @param validBefore The authorization is valid only strictly before this timestamp.
    /// @param nonce Unique random nonce chosen by the payer.
    /// @param v Signature recovery byte.
    /// @param r Signature `r`.
    /// @param s Signature `s`.
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        if (to != msg.sender) revert MockUSDCCallerMustBePayee(msg.sender, to);
        _useAuthorization(
            RECEIVE_WITH_AUTHORIZATION_TYPEHASH,
            from,
            to,
            value,
            validAfter,
            validBefore,
            nonce,
            v,
            r,
            s
        );
        _transfer(from, to, value);
    }

    /// @notice Cancels `authorizer`'s unused authorization with `nonce`, on `authorizer`'s signature.
    /// @param authorizer Payer who signed the authorization being canceled.
    /// @param nonce Nonce of that authorization.
    /// @param v Signature recovery byte.
    /// @param r Signature `r`.
    /// @param s Signature `s`.
    function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external {
        _requireUnusedAuthorization(authorizer, nonce);
        _requireSignedBy(authorizer, keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce)), v, r, s);
        _authorizationStates[authorizer][nonce] = true;
        emit AuthorizationCanceled(authorizer, nonce);
    }

    /// @notice Whether `authorizer`'s authorization with `nonce` was used or canceled.
    /// @param authorizer Payer.
    /// @param nonce Authorization nonce.
    /// @return True once the nonce is spent.
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
        return _authorizationStates[authorizer][nonce];
    }

    // ---------------------------------------------------------------- blacklist

    /// @notice Blacklists `account`. Only the blacklister.
    /// @param account Address to freeze.
    function blacklist(address account) external onlyBlacklister {
        _balanceStates[account] |= _BLACKLIST_FLAG;
        emit Blacklisted(account);
    }

    /// @notice Removes `account` from the blacklist. Only the blacklister.
    /// @param account Address to unfreeze.
    function unBlacklist(address account) external onlyBlacklister {
        _balanceStates[account] &= ~_BLACKLIST_FLAG;
        emit UnBlacklisted(account);
    }

    /// @notice Hands the blacklister role to `newBlacklister`. Only the blacklister.
    /// @param newBlacklister The new blacklister; not the zero address.
    function setBlacklister(address newBlacklister) external onlyBlacklister {
        if (newBlacklister == address(0)) revert MockUSDCInvalidBlacklister(newBlacklister);
        blacklister = newBlacklister;
        emit BlacklisterChanged(newBlacklister);
    }

    /// @notice Whether `account` is blacklisted.
    /// @param account Address to check.
    /// @return True if `account` is blacklisted.
    function isBlacklisted(address account) external view returns (bool) {
        return _balanceStates[account] & _BLACKLIST_FLAG != 0;
    }

    /// @inheritdoc ERC20
    function balanceOf(address account) public view override returns (uint256) {
        return _balanceStates[account] & ~_BLACKLIST_FLAG;
    }

    /// @inheritdoc ERC20
    function totalSupply() public view override returns (uint256) {
        return _supply;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Every balance change (transfer, transferFrom, mint, burn, EIP-3009) passes here.
    /// Balances and supply are kept here (packed with the blacklist flag), never in OpenZeppelin's private
    /// `_balances` / `_totalSupply`, which is why `balanceOf` and `totalSupply` are overridden too.
    function _update(address from, address to, uint256 value) internal override {
        _requireNotBlacklisted(_msgSender());
        if (from == address(0)) {
            _supply += value;
            if (_supply >= _BLACKLIST_FLAG) revert ERC20InvalidReceiver(to);
        } else {
            uint256 fromState = _balanceStates[from];
            if (fromState & _BLACKLIST_FLAG != 0) revert MockUSDCBlacklisted(from);
            if (fromState < value) revert ERC20InsufficientBalance(from, fromState, value);
            // Cannot underflow: checked just above (the flag bit is clear).
            unchecked {
                _balanceStates[from] = fromState - value;
            }
        }
        if (to == address(0)) {
            // Cannot underflow: the burnt value was part of `from`'s balance, hence of the supply.
            unchecked {
                _supply -= value;
            }
        } else {
            uint256 toState = _balanceStates[to];
            if (toState & _BLACKLIST_FLAG != 0) revert MockUSDCBlacklisted(to);
            // Cannot reach the flag bit: every balance is at most the supply, which stays below it.
            unchecked {
                _balanceStates[to] = toState + value;
            }
        }
        emit Transfer(from, to, value);
    }

    /// @dev Every allowance change (approve, permit, transferFrom's spending) passes here.
    function _approve(address owner, address spender, uint256 value, bool emitEvent) internal override {
        _requireNotBlacklisted(owner);
        _requireNotBlacklisted(spender);
        super._approve(owner, spender, value, emitEvent);
    }

    function _useAuthorization(
        bytes32 typeHash,
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) private {
        if (block.timestamp <= validAfter) revert MockUSDCAuthorizationNotYetValid(validAfter, block.timestamp);
        if (block.timestamp >= validBefore) revert MockUSDCAuthorizationExpired(validBefore, block.timestamp);
        _requireUnusedAuthorization(from, nonce);
        bytes32 structHash = keccak256(abi.encode(typeHash, from, to, value, validAfter, validBefore, nonce));
        _requireSignedBy(from, structHash, v, r, s);
        _authorizationStates[from][nonce] = true;
        emit AuthorizationUsed(from, nonce);
    }

    function _requireUnusedAuthorization(address authorizer, bytes32 nonce) private view {
        if (_authorizationStates[authorizer][nonce]) revert MockUSDCAuthorizationUsed(authorizer, nonce);
    }

    /// @dev Reverts unless `(v, r, s)` is a valid low-s signature by `signer` of the EIP-712 digest of `structHash`.
    function _requireSignedBy(address signer, bytes32 structHash, uint8 v, bytes32 r, bytes32 s) private view {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(_hashTypedDataV4(structHash), v, r, s);
        if (err != ECDSA.RecoverError.NoError || recovered != signer) revert MockUSDCInvalidSignature();
    }

    function _requireNotBlacklisted(address account) private view {
        if (_balanceStates[account] & _BLACKLIST_FLAG != 0) revert MockUSDCBlacklisted(account);
    }
}
