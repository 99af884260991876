// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// EIP-2612 and EIP-3009 deadlines and validity windows are timestamps by specification.
// solhint-disable not-rely-on-time

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IERC3009} from "../interfaces/IERC3009.sol";

// Reason strings, not custom errors, on purpose: the mock must revert exactly as Circle's FiatTokenV2_2 does, so
// that pool code, SDK error decoding and tests meet on the in-process chain what they will meet on a real chain.
// solhint-disable gas-custom-errors

/// @title MockUSDC
/// @notice TEST-ONLY mock of Circle's USDC (FiatTokenV2_2). Never deploy it anywhere that matters: anyone can mint.
/// It reproduces the parts of USDC that reward-pool code, the SDK and tests must cope with:
/// - 6 decimals, `version()` "2";
/// - no ERC-5267 `eip712Domain()`: the EIP-712 domain is (`name()`, `version()`, chain id, this contract), and
///   clients check what they build against `DOMAIN_SEPARATOR()`, which is recomputed on every call as USDC does;
/// - EIP-2612 `permit` and EIP-3009 `transferWithAuthorization`, `receiveWithAuthorization`, `cancelAuthorization`
///   with `(v, r, s)` signatures from EOAs (high-s refused) or ERC-1271 signatures from contract wallets;
/// - a blacklist kept in the top bit of the balance slot (USDC v2.2): no transfer or mint may involve a blacklisted
///   sender, recipient or caller, nor an authorization a blacklisted payer or payee; approvals are not checked;
/// - a pause by the pauser: while paused, no transfer, mint, approval, permit or authorization goes through;
/// - the owner hands the pauser and blacklister roles over;
/// - USDC's reason strings (`Error(string)`), never custom errors.
/// @dev Gas: the blacklist costs nothing beyond the balance reads a transfer makes anyway; the pause flag is one cold
/// read per transaction, packed with the pauser as in USDC. What the mock does not reproduce is USDC's proxy
/// (`FiatTokenProxy`), so every call costs less than on the real token.
/// Differences from USDC: `mint` is an open faucet with no minter roles; there are no `bytes`-signature overloads
/// of `permit` and the EIP-3009 functions (ethers would need full signatures to call the `(v, r, s)` ones), no
/// `increaseAllowance` / `decreaseAllowance`, `burn`, rescue or ownership transfer.
contract MockUSDC is IERC20Metadata, IERC20Permit, IERC3009 {
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

    bytes32 private constant _DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    string private constant _NAME = "Mock USD Coin";
    string private constant _VERSION = "2";

    /// @dev As in USDC v2.2, the blacklist flag lives in the top bit of the balance slot, so a transfer checks it
    /// with the balance reads it makes anyway: pool gas figures measured with the mock stay close to USDC's.
    uint256 private constant _BLACKLIST_FLAG = 1 << 255;

    /// @dev Largest `s` of a low-s secp256k1 signature (half the curve order).
    uint256 private constant _HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice Account that may pause and unpause the token.
    address public pauser;
    /// @notice Whether the token is paused. Packed in the pauser's slot, as in USDC: one read per transaction.
    bool public paused;
    /// @notice Account that may blacklist and un-blacklist addresses.
    address public blacklister;

    address private _owner;
    mapping(address account => uint256 balanceAndFlag) private _balanceAndBlacklistStates;
    mapping(address holder => mapping(address spender => uint256 value)) private _allowed;
    uint256 private _totalSupply;
    mapping(address holder => uint256 nonce) private _permitNonces;
    mapping(address authorizer => mapping(bytes32 nonce => bool used)) private _authorizationStates;

    /// @notice `amount` was minted to `to` by `minter`.
    event Mint(address indexed minter, address indexed to, uint256 amount);
    /// @notice An EIP-3009 authorization was used; its nonce can never be used again.
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
    /// @notice An unused EIP-3009 authorization was canceled by its authorizer.
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);
    /// @notice The token was paused.
    event Pause();
    /// @notice The token was unpaused.
    event Unpause();
    /// @notice The pauser role moved to `newAddress`.
    event PauserChanged(address indexed newAddress);
    /// @notice `account` was blacklisted.
    event Blacklisted(address indexed account);
    /// @notice `account` was removed from the blacklist.
    event UnBlacklisted(address indexed account);
    /// @notice The blacklister role moved to `newBlacklister`.
    event BlacklisterChanged(address indexed newBlacklister);

    modifier whenNotPaused() {
        require(!paused, "Pausable: paused");
        _;
    }

    modifier notBlacklisted(address account) {
        require(!_isBlacklisted(account), "Blacklistable: account is blacklisted");
        _;
    }

    modifier onlyOwner() {
        require(msg.sender == _owner, "Ownable: caller is not the owner");
        _;
    }

    modifier onlyPauser() {
        require(msg.sender == pauser, "Pausable: caller is not the pauser");
        _;
    }

    modifier onlyBlacklister() {
        require(msg.sender == blacklister, "Blacklistable: caller is not the blacklister");
        _;
    }

    /// @notice Deploys the mock with the deployer as owner, pauser and blacklister.
    constructor() {
        _owner = msg.sender;
        pauser = msg.sender;
        blacklister = msg.sender;
        emit PauserChanged(msg.sender);
        emit BlacklisterChanged(msg.sender);
    }

    /* FAUCET */

    /// @notice Mints `amount` to `to`. TEST FAUCET: deliberately open to anyone, with no minter roles.
    /// @param to Recipient of the new tokens.
    /// @param amount Amount in 6-decimal units, not zero.
    function mint(address to, uint256 amount) external whenNotPaused notBlacklisted(msg.sender) notBlacklisted(to) {
        require(to != address(0), "FiatToken: mint to the zero address");
        require(amount > 0, "FiatToken: mint amount not greater than 0");
        uint256 supply = _totalSupply + amount;
        // Every balance is at most the supply, so no balance can reach the blacklist flag.
        require(supply < _BLACKLIST_FLAG, "FiatTokenV2_2: Balance exceeds (2^255 - 1)");
        _totalSupply = supply;
        // Cannot overflow: the balance is at most the old supply, and supply + amount fits (checked above).
        unchecked {
            _balanceAndBlacklistStates[to] += amount;
        }
        emit Mint(msg.sender, to, amount);
        emit Transfer(address(0), to, amount);
    }

    /* ERC-20 */

    /// @inheritdoc IERC20
    function transfer(
        address to,
        uint256 value
    ) external whenNotPaused notBlacklisted(msg.sender) notBlacklisted(to) returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    /// @inheritdoc IERC20
    /// @dev As USDC: the allowance is always decreased, even an "infinite" one, and no `Approval` is emitted.
    function transferFrom(
        address from,
        address to,
        uint256 value
    ) external whenNotPaused notBlacklisted(msg.sender) notBlacklisted(from) notBlacklisted(to) returns (bool) {
        uint256 allowed = _allowed[from][msg.sender];
        require(value <= allowed, "ERC20: transfer amount exceeds allowance");
        _transfer(from, to, value);
        // Cannot underflow: checked just above.
        unchecked {
            _allowed[from][msg.sender] = allowed - value;
        }
        return true;
    }

    /// @inheritdoc IERC20
    /// @dev As USDC v2.2: refused while paused, but neither party's blacklist status is checked.
    function approve(address spender, uint256 value) external whenNotPaused returns (bool) {
        _approve(msg.sender, spender, value);
        return true;
    }

    /// @inheritdoc IERC20
    function allowance(address holder, address spender) external view returns (uint256) {
        return _allowed[holder][spender];
    }

    /// @inheritdoc IERC20
    function balanceOf(address account) external view returns (uint256) {
        return _balanceOf(account);
    }

    /// @inheritdoc IERC20
    function totalSupply() external view returns (uint256) {
        return _totalSupply;
    }

    /// @inheritdoc IERC20Metadata
    function name() external pure returns (string memory) {
        return _NAME;
    }

    /// @inheritdoc IERC20Metadata
    function symbol() external pure returns (string memory) {
        return "USDC";
    }

    /// @notice USDC has 6 decimals.
    /// @return Always 6.
    function decimals() external pure returns (uint8) {
        return 6;
    }

    /* EIP-712 */

    /// @notice Version of the EIP-712 domain, as USDC's `version()`.
    /// @return Always "2".
    function version() external pure returns (string memory) {
        return _VERSION;
    }

    /// @notice EIP-712 domain separator of permits and EIP-3009 authorizations: `EIP712Domain(string name,string
    /// version,uint256 chainId,address verifyingContract)` over (`name()`, `version()`, this chain, this contract).
    /// @return The domain separator, recomputed for the current chain.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparator();
    }

    /* EIP-2612 */

    /// @inheritdoc IERC20Permit
    /// @dev As USDC v2.2: refused while paused; a `deadline` of `type(uint256).max` never expires; neither party's
    /// blacklist status is checked.
    function permit(
        address holder,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external whenNotPaused {
        require(deadline == type(uint256).max || deadline >= block.timestamp, "FiatTokenV2: permit is expired");
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, holder, spender, value, _permitNonces[holder]++, deadline)
        );
        require(_isValidSignature(holder, structHash, v, r, s), "EIP2612: invalid signature");
        _approve(holder, spender, value);
    }

    /// @inheritdoc IERC20Permit
    function nonces(address holder) external view returns (uint256) {
        return _permitNonces[holder];
    }

    /* EIP-3009 */

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
    ) external whenNotPaused notBlacklisted(from) notBlacklisted(to) {
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

    /// @inheritdoc IERC3009
    /// @dev Only the payee may submit it, so a front-runner cannot consume the authorization outside the payee's own
    /// transaction.
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
    ) external whenNotPaused notBlacklisted(from) notBlacklisted(to) {
        require(to == msg.sender, "FiatTokenV2: caller must be the payee");
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
    function cancelAuthorization(
        address authorizer,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external whenNotPaused {
        _requireUnusedAuthorization(authorizer, nonce);
        bytes32 structHash = keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce));
        require(_isValidSignature(authorizer, structHash, v, r, s), "FiatTokenV2: invalid signature");
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

    /* ROLES */

    /// @notice Account that hands the pauser and blacklister roles over (the deployer).
    /// @return The owner.
    function owner() external view returns (address) {
        return _owner;
    }

    /* PAUSE */

    /// @notice Pauses the token: no transfer, mint, approval, permit or authorization until `unpause`. Only the pauser.
    function pause() external onlyPauser {
        paused = true;
        emit Pause();
    }

    /// @notice Unpauses the token. Only the pauser.
    function unpause() external onlyPauser {
        paused = false;
        emit Unpause();
    }

    /// @notice Hands the pauser role to `newPauser`. Only the owner.
    /// @param newPauser The new pauser; not the zero address.
    function updatePauser(address newPauser) external onlyOwner {
        require(newPauser != address(0), "Pausable: new pauser is the zero address");
        pauser = newPauser;
        emit PauserChanged(newPauser);
    }

    /* BLACKLIST */

    /// @notice Blacklists `account`. Only the blacklister.
    /// @param account Address to freeze.
    function blacklist(address account) external onlyBlacklister {
        _balanceAndBlacklistStates[account] |= _BLACKLIST_FLAG;
        emit Blacklisted(account);
    }

    /// @notice Removes `account` from the blacklist. Only the blacklister.
    /// @param account Address to unfreeze.
    function unBlacklist(address account) external onlyBlacklister {
        _balanceAndBlacklistStates[account] &= ~_BLACKLIST_FLAG;
        emit UnBlacklisted(account);
    }

    /// @notice Hands the blacklister role to `newBlacklister`. Only the owner.
    /// @param newBlacklister The new blacklister; not the zero address.
    function updateBlacklister(address newBlacklister) external onlyOwner {
        require(newBlacklister != address(0), "Blacklistable: new blacklister is the zero address");
        blacklister = newBlacklister;
        emit BlacklisterChanged(newBlacklister);
    }

    /// @notice Whether `account` is blacklisted.
    /// @param account Address to check.
    /// @return True if `account` is blacklisted.
    function isBlacklisted(address account) external view returns (bool) {
        return _isBlacklisted(account);
    }

    /* INTERNALS */

    /// @dev Moves `value` between two balances; the callers have checked pause and blacklist.
    function _transfer(address from, address to, uint256 value) private {
        require(from != address(0), "ERC20: transfer from the zero address");
        require(to != address(0), "ERC20: transfer to the zero address");
        uint256 fromBalance = _balanceOf(from);
        require(value <= fromBalance, "ERC20: transfer amount exceeds balance");
        // Cannot underflow: checked just above. Cannot reach the flag bit: every balance is at most the supply,
        // which stays below it. Neither account is blacklisted (the callers checked), so the flag bits are clear.
        unchecked {
            _balanceAndBlacklistStates[from] = fromBalance - value;
            _balanceAndBlacklistStates[to] += value;
        }
        emit Transfer(from, to, value);
    }

    function _approve(address holder, address spender, uint256 value) private {
        require(holder != address(0), "ERC20: approve from the zero address");
        require(spender != address(0), "ERC20: approve to the zero address");
        _allowed[holder][spender] = value;
        emit Approval(holder, spender, value);
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
        require(block.timestamp > validAfter, "FiatTokenV2: authorization is not yet valid");
        require(block.timestamp < validBefore, "FiatTokenV2: authorization is expired");
        _requireUnusedAuthorization(from, nonce);
        bytes32 structHash = keccak256(abi.encode(typeHash, from, to, value, validAfter, validBefore, nonce));
        require(_isValidSignature(from, structHash, v, r, s), "FiatTokenV2: invalid signature");
        _authorizationStates[from][nonce] = true;
        emit AuthorizationUsed(from, nonce);
    }

    function _requireUnusedAuthorization(address authorizer, bytes32 nonce) private view {
        require(!_authorizationStates[authorizer][nonce], "FiatTokenV2: authorization is used or canceled");
    }

    /// @dev As USDC v2.2's `SignatureChecker`: a contract `signer` is asked through ERC-1271 with the packed
    /// `(r, s, v)`; for anyone else the signature must be a well-formed low-s ECDSA signature (else it reverts with
    /// USDC's `ECRecover` reasons) and recover `signer`.
    function _isValidSignature(
        address signer,
        bytes32 structHash,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) private view returns (bool) {
        bytes32 digest = MessageHashUtils.toTypedDataHash(_domainSeparator(), structHash);
        if (signer.code.length != 0) {
            return SignatureChecker.isValidERC1271SignatureNow(signer, digest, abi.encodePacked(r, s, v));
        }
        require(uint256(s) <= _HALF_CURVE_ORDER, "ECRecover: invalid signature 's' value");
        require(v == 27 || v == 28, "ECRecover: invalid signature 'v' value");
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, v, r, s);
        require(err == ECDSA.RecoverError.NoError, "ECRecover: invalid signature");
        return recovered == signer;
    }

    function _domainSeparator() private view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    _DOMAIN_TYPEHASH,
                    keccak256(bytes(_NAME)),
                    keccak256(bytes(_VERSION)),
                    block.chainid,
                    address(this)
                )
            );
    }

    function _balanceOf(address account) private view returns (uint256) {
        return _balanceAndBlacklistStates[account] & ~_BLACKLIST_FLAG;
    }

    function _isBlacklisted(address account) private view returns (bool) {
        return _balanceAndBlacklistStates[account] & _BLACKLIST_FLAG != 0;
    }
}
