// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// Time is part of the design here (epochs, signature deadlines, the change delay, the challenge period, the outflow
// windows): all are measured in hours or days, so a block producer's few seconds of leeway move none of them.
// solhint-disable not-rely-on-time

import {IERC165} from "@openzeppelin/contracts/interfaces/IERC165.sol";
import {IERC721} from "@openzeppelin/contracts/interfaces/IERC721.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IDeviceRegistry} from "./interfaces/IDeviceRegistry.sol";
import {DeviceKeys} from "./libraries/DeviceKeys.sol";
import {DeviceRecord, DeviceRecordLibrary} from "./libraries/DeviceRecord.sol";
import {DeviceWord} from "./libraries/DeviceWord.sol";

/// @title DeviceRegistry
/// @notice Devices of DePIN networks as ERC-721 tokens whose identity is the device's own key.
/// @dev Storage is laid out for registration gas: a device is one slot, a {DeviceRecord} (owner, network, dense
/// index, status, key type, payout flag) keyed by its key-derived id, so the same write both records the device and
/// burns the key; the metadata hash takes a second slot and a payout address a third only when one is set. The record
/// is a typed word written whole (a struct would be written field by field); its low 240 bits are the
/// {DeviceWord} that `packedRewardInfo(s)` return, with the owner as payee.
/// To keep the owner in the device slot, ERC-721 ownership and balances are tracked here: `_ownerOf`,
/// `_update` (transfers only), `balanceOf` and `_increaseBalance` are overridden and OpenZeppelin's private
/// `_owners` and `_balances` are never used. Tokens are minted without the `onERC721Received` check because the
/// owner is always the caller of the registration. `tokenURI` is built on-chain from the record.
contract DeviceRegistry is IDeviceRegistry, ERC721, EIP712 {
    using DeviceKeys for IDeviceRegistry.KeyType;
    using Strings for uint256;
    using Strings for address;

    /* TYPES */

    /// @dev One network, packed into one slot (160 + 40 + 8 bits).
    struct Network {
        address admin;
        uint40 deviceCount;
        bool attestationRequired;
    }

    /* CONSTANTS */

    /// @dev ERC-4906 has no functions, so its ERC-165 id is this fixed value, not `type(IERC4906).interfaceId`.
    bytes4 private constant _ERC4906_INTERFACE_ID = 0x49064906;

    /// @notice EIP-712 type signed by the device key.
    bytes32 public constant REGISTRATION_TYPEHASH = keccak256(
        "Registration(uint8 keyType,bytes key,address owner,uint32 networkId,bytes32 metadataHash,"
        "address payout,uint64 deadline)"
    );

    /// @notice EIP-712 type signed by the network's attester; the same fields under another type name.
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(uint8 keyType,bytes key,address owner,uint32 networkId,bytes32 metadataHash,"
        "address payout,uint64 deadline)"
    );

    /* STORAGE */

    mapping(uint256 deviceId => DeviceRecord record) private _devices;
    mapping(uint256 deviceId => bytes32 metadataHash) private _metadataHashes;
    mapping(uint256 deviceId => address payout) private _payouts;
    mapping(address owner => uint256 balance) private _deviceBalances;

    mapping(uint32 networkId => Network network) private _networks;
    mapping(uint32 networkId => address pendingAdmin) private _pendingAdmins;
    mapping(uint32 networkId => mapping(address attester => bool allowed)) private _attesters;

    uint32 private _networkCount;
    uint40 private _deviceCount;

    /* MODIFIERS */

    modifier onlyNetworkAdmin(uint32 networkId) {
        _checkNetworkAdmin(networkId);
        _;
    }

    /* CONSTRUCTOR */

    constructor() ERC721("DePIN Device", "DEVICE") EIP712("DePIN DeviceRegistry", "1") {}

    /* NETWORKS */

    /// @inheritdoc IDeviceRegistry
    function createNetwork(bool attestationRequired, bytes32 metadataHash) external returns (uint32 networkId) {
        networkId = ++_networkCount;
        _networks[networkId] = Network({admin: msg.sender, deviceCount: 0, attestationRequired: attestationRequired});
        emit NetworkCreated(networkId, msg.sender, attestationRequired, metadataHash);
    }

    /// @inheritdoc IDeviceRegistry
    function setAttestationRequired(uint32 networkId, bool required) external onlyNetworkAdmin(networkId) {
        _networks[networkId].attestationRequired = required;
        emit NetworkAttestationRequirementSet(networkId, required);
    }

    /// @inheritdoc IDeviceRegistry
    function setAttester(uint32 networkId, address attester, bool allowed) external onlyNetworkAdmin(networkId) {
        _attesters[networkId][attester] = allowed;
        emit AttesterSet(networkId, attester, allowed);
    }

    /// @inheritdoc IDeviceRegistry
    function transferNetworkAdmin(uint32 networkId, address pendingAdmin) external onlyNetworkAdmin(networkId) {
        _pendingAdmins[networkId] = pendingAdmin;
        emit NetworkAdminTransferStarted(networkId, msg.sender, pendingAdmin);
    }

    /// @inheritdoc IDeviceRegistry
    function acceptNetworkAdmin(uint32 networkId) external {
        address pending = _pendingAdmins[networkId];
        require(pending != address(0) && pending == msg.sender, DeviceRegistryNotPendingAdmin(networkId, msg.sender));
        address previous = _networks[networkId].admin;
        _networks[networkId].admin = msg.sender;
        delete _pendingAdmins[networkId];
        emit NetworkAdminTransferred(networkId, previous, msg.sender);
    }

    /* REGISTRATION */

    /// @inheritdoc IDeviceRegistry
    function register(
        uint32 networkId,
        Registration calldata registration,
        Attestation calldata attestation
    ) external returns (uint256 deviceId) {
        Network storage net = _networks[networkId];
        require(net.admin != address(0), DeviceRegistryUnknownNetwork(networkId));
        KeyType keyType = registration.keyType;
        bytes calldata key = registration.key;
        bytes32 keyHash;
        (deviceId, keyHash) = _checkRegistration(networkId, registration, keyType, key, 0);
        if (net.attestationRequired) {
            _checkAttestation(networkId, registration, keyType, keyHash, attestation, 0, deviceId);
        } else {
            require(
                attestation.attester == address(0) && attestation.signature.length == 0,
                DeviceRegistryUnexpectedAttestation(0, deviceId)
            );
        }
        uint40 index = _deviceCount + 1;
        _record(networkId, registration, keyType, key, deviceId, index, attestation.attester);
        _deviceCount = index;
        net.deviceCount += 1;
        _deviceBalances[msg.sender] += 1;
    }

    /// @inheritdoc IDeviceRegistry
    function registerFleet(
        uint32 networkId,
        Registration[] calldata registrations,
        Attestation[] calldata attestations
    ) external returns (uint40 firstIndex) {
        uint256 count = registrations.length;
        require(count != 0, DeviceRegistryEmptyFleet());
        Network storage net = _networks[networkId];
        require(net.admin != address(0), DeviceRegistryUnknownNetwork(networkId));
        bool attested = net.attestationRequired;
        uint256 expected = attested ? count : 0;
        require(
            attestations.length == expected,
            DeviceRegistryWrongAttestationCount(networkId, expected, attestations.length)
        );
        firstIndex = _deviceCount + 1;
        for (uint256 i; i < count; ++i) {
            Registration calldata registration = registrations[i];
            KeyType keyType = registration.keyType;
            bytes calldata key = registration.key;
            (uint256 deviceId, bytes32 keyHash) = _checkRegistration(networkId, registration, keyType, key, i);
            address attester;
            if (attested) {
                Attestation calldata attestation = attestations[i];
                attester = attestation.attester;
                _checkAttestation(networkId, registration, keyType, keyHash, attestation, i, deviceId);
            }
            // Indexes are uint40: 2^40 devices would exhaust any chain's storage long before the cast truncates.
            _record(networkId, registration, keyType, key, deviceId, firstIndex + uint40(i), attester);
        }
        // Counters are written once per fleet, not once per device.
        _deviceCount = firstIndex + uint40(count) - 1;
        net.deviceCount += uint40(count);
        _deviceBalances[msg.sender] += count;
    }

    /* DEVICE MANAGEMENT */

    /// @inheritdoc IDeviceRegistry
    function setPayout(uint256 deviceId, address payout) external {
        DeviceRecord record = _existingDevice(deviceId);
        _checkDeviceOwner(deviceId, record.owner());
        _devices[deviceId] = record.withHasPayout(payout != address(0));
        _payouts[deviceId] = payout;
        emit DevicePayoutSet(deviceId, payout);
        emit MetadataUpdate(deviceId);
    }

    /// @inheritdoc IDeviceRegistry
    function retire(uint256 deviceId) external {
        DeviceRecord record = _existingDevice(deviceId);
        address owner = record.owner();
        _checkDeviceOwner(deviceId, owner);
        require(record.status() != DeviceStatus.Retired, DeviceRegistryInvalidStatus(deviceId, DeviceStatus.Retired));
        _devices[deviceId] = record.withStatus(DeviceStatus.Retired);
        emit DeviceRetired(deviceId, record.networkId(), owner);
        emit MetadataUpdate(deviceId);
    }

    /// @inheritdoc IDeviceRegistry
    function suspend(uint256 deviceId, bytes32 reasonHash) external {
        DeviceRecord record = _existingDevice(deviceId);
        uint32 networkId = record.networkId();
        _checkNetworkAdmin(networkId);
        DeviceStatus status = record.status();
        require(status == DeviceStatus.Active, DeviceRegistryInvalidStatus(deviceId, status));
        _devices[deviceId] = record.withStatus(DeviceStatus.Suspended);
        emit DeviceSuspended(deviceId, networkId, msg.sender, reasonHash);
        emit MetadataUpdate(deviceId);
    }

    /// @inheritdoc IDeviceRegistry
    function reactivate(uint256 deviceId, bytes32 reasonHash) external {
        DeviceRecord record = _existingDevice(deviceId);
        uint32 networkId = record.networkId();
        _checkNetworkAdmin(networkId);
        DeviceStatus status = record.status();
        require(status == DeviceStatus.Suspended, DeviceRegistryInvalidStatus(deviceId, status));
        _devices[deviceId] = record.withStatus(DeviceStatus.Active);
        emit DeviceReactivated(deviceId, networkId, msg.sender, reasonHash);
        emit MetadataUpdate(deviceId);
    }

    /* VIEWS */

    /// @inheritdoc IDeviceRegistry
    function device(uint256 deviceId) public view returns (DeviceInfo memory info) {
        DeviceRecord record = _existingDevice(deviceId);
        info = DeviceInfo({
            deviceId: deviceId,
            owner: record.owner(),
            networkId: record.networkId(),
            index: record.index(),
            status: record.status(),
            keyType: record.keyType(),
            payout: _payouts[deviceId],
            metadataHash: _metadataHashes[deviceId]
        });
    }

    /// @inheritdoc IDeviceRegistry
    function deviceByKey(KeyType keyType, bytes calldata key) external view returns (DeviceInfo memory) {
        return device(keyType.deviceId(key));
    }

    /// @inheritdoc IDeviceRegistry
    function deviceIdOf(KeyType keyType, bytes calldata key) external pure returns (uint256) {
        return keyType.deviceId(key);
    }

    /// @inheritdoc IDeviceRegistry
    function rewardInfo(
        uint256 deviceId
    ) external view returns (uint32 networkId, uint40 index, DeviceStatus status, address payee) {
        DeviceWord word = _rewardWord(deviceId);
        return (word.networkId(), word.index(), word.status(), word.payee());
    }

    /// @inheritdoc IDeviceRegistry
    function packedRewardInfo(uint256 deviceId) external view returns (uint256) {
        return DeviceWord.unwrap(_rewardWord(deviceId));
    }

    /// @inheritdoc IDeviceRegistry
    function packedRewardInfos(uint256[] calldata deviceIds) external view returns (uint256[] memory infos) {
        infos = new uint256[](deviceIds.length);
        for (uint256 i; i < deviceIds.length; ++i) {
            infos[i] = DeviceWord.unwrap(_rewardWord(deviceIds[i]));
        }
    }

    /// @inheritdoc IDeviceRegistry
    function network(uint32 networkId) external view returns (NetworkInfo memory) {
        Network storage net = _networks[networkId];
        require(net.admin != address(0), DeviceRegistryUnknownNetwork(networkId));
        return
            NetworkInfo({
                admin: net.admin,
                pendingAdmin: _pendingAdmins[networkId],
                deviceCount: net.deviceCount,
                attestationRequired: net.attestationRequired
            });
    }

    /// @inheritdoc IDeviceRegistry
    function isAttester(uint32 networkId, address attester) external view returns (bool) {
        return _attesters[networkId][attester];
    }

    /// @inheritdoc IDeviceRegistry
    function networkCount() external view returns (uint32) {
        return _networkCount;
    }

    /// @inheritdoc IDeviceRegistry
    function deviceCount() external view returns (uint40) {
        return _deviceCount;
    }

    /// @inheritdoc IDeviceRegistry
    function registrationDigest(
        address owner,
        uint32 networkId,
        Registration calldata registration
    ) external view returns (bytes32) {
        return
            _digest(
                REGISTRATION_TYPEHASH,
                owner,
                networkId,
                registration,
                registration.keyType,
                keccak256(registration.key)
            );
    }

    /// @inheritdoc IDeviceRegistry
    function attestationDigest(
        address owner,
        uint32 networkId,
        Registration calldata registration
    ) external view returns (bytes32) {
        return
            _digest(
                ATTESTATION_TYPEHASH,
                owner,
                networkId,
                registration,
                registration.keyType,
                keccak256(registration.key)
            );
    }

    /// @notice ERC-721 metadata, on-chain: `data:application/json;base64,` JSON with the device's name, a
    /// description and its attributes (network id, key type, status, dense index, metadata hash, payout address or
    /// "owner"). Reverts with `ERC721NonexistentToken` for an unknown device.
    function tokenURI(uint256 deviceId) public view override returns (string memory) {
        DeviceRecord record = _devices[deviceId];
        require(record.exists(), ERC721NonexistentToken(deviceId));
        string memory index = uint256(record.index()).toString();
        string memory networkId = uint256(record.networkId()).toString();
        // JSON quotes: prettier keeps these literals single-quoted to spare the escapes, so solhint's rule pauses.
        // solhint-disable quotes
        bytes memory json = bytes.concat(
            '{"name":"DePIN Device #',
            bytes(index),
            '","description":"A physical device of DePIN network ',
            bytes(networkId),
            ", identified by its own key. Status and payout are on-chain; the metadata hash commits to its off-chain"
            ' description.","attributes":[{"trait_type":"Network","value":',
            bytes(networkId),
            '},{"trait_type":"Key type","value":"',
            bytes(record.keyType() == KeyType.P256 ? "P-256" : "secp256k1"),
            '"},{"trait_type":"Status","value":"',
            bytes(_statusName(record.status())),
            '"},{"trait_type":"Index","value":',
            bytes(index),
            '},{"trait_type":"Metadata hash","value":"',
            bytes(uint256(_metadataHashes[deviceId]).toHexString(32)),
            '"},{"trait_type":"Payout","value":"',
            bytes(record.hasPayout() ? _payouts[deviceId].toChecksumHexString() : "owner"),
            '"}]}'
        );
        // solhint-enable quotes
        return string.concat("data:application/json;base64,", Base64.encode(json));
    }

    /// @notice ERC-165: ERC-721, ERC-721 metadata, ERC-4906 metadata updates.
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, IERC165) returns (bool) {
        return interfaceId == _ERC4906_INTERFACE_ID || super.supportsInterface(interfaceId);
    }

    /// @notice ERC-721 balance: the number of devices `owner` holds (retired ones included).
    function balanceOf(address owner) public view override(ERC721, IERC721) returns (uint256) {
        require(owner != address(0), ERC721InvalidOwner(address(0)));
        return _deviceBalances[owner];
    }

    /* INTERNAL */

    /// @dev Checks one registration's key, freshness and device signature; returns the device id and the hash of
    /// the key (for the attestation's digest). `position` is its place in the caller's array, for errors.
    function _checkRegistration(
        uint32 networkId,
        Registration calldata r,
        KeyType keyType,
        bytes calldata key,
        uint256 position
    ) internal view returns (uint256 deviceId, bytes32 keyHash) {
        require(keyType.isValidKey(key), DeviceRegistryInvalidKey(position, keyType, key.length));
        deviceId = keyType.deviceId(key);
        require(!_devices[deviceId].exists(), DeviceRegistryKeyAlreadyRegistered(position, deviceId));
        uint64 deadline = r.deadline;
        require(block.timestamp <= deadline, DeviceRegistrySignatureExpired(position, deadline, block.timestamp));

        keyHash = keccak256(key);
        DeviceKeys.Verdict verdict = keyType.verifyDevice(
            key,
            _digest(REGISTRATION_TYPEHASH, msg.sender, networkId, r, keyType, keyHash),
            r.signature.r,
            r.signature.vs
        );
        require(verdict != DeviceKeys.Verdict.Malleable, DeviceRegistryMalleableSignature(position, deviceId));
        require(verdict == DeviceKeys.Verdict.Valid, DeviceRegistryInvalidDeviceSignature(position, deviceId));
    }

    /// @dev Checks the attester's co-signature of registration `r` in a network that requires one.
    function _checkAttestation(
        uint32 networkId,
        Registration calldata r,
        KeyType keyType,
        bytes32 keyHash,
        Attestation calldata a,
        uint256 position,
        uint256 deviceId
    ) internal view {
        address attester = a.attester;
        require(attester != address(0), DeviceRegistryAttestationRequired(position, deviceId));
        require(_attesters[networkId][attester], DeviceRegistryUnknownAttester(position, networkId, attester));
        DeviceKeys.Verdict verdict = DeviceKeys.verifyAccount(
            attester,
            _digest(ATTESTATION_TYPEHASH, msg.sender, networkId, r, keyType, keyHash),
            a.signature
        );
        require(verdict != DeviceKeys.Verdict.Malleable, DeviceRegistryMalleableSignature(position, deviceId));
        require(verdict == DeviceKeys.Verdict.Valid, DeviceRegistryInvalidAttestation(position, deviceId, attester));
    }

    /// @dev Stores a checked registration and mints its token (without `onERC721Received`: the owner is the caller).
    /// The counters and the owner's balance are updated by the caller, once per call.
    function _record(
        uint32 networkId,
        Registration calldata r,
        KeyType keyType,
        bytes calldata key,
        uint256 deviceId,
        uint40 index,
        address attester
    ) internal {
        bytes32 metadataHash = r.metadataHash;
        address payout = r.payout;
        _devices[deviceId] = DeviceRecordLibrary.encode(
            msg.sender,
            networkId,
            index,
            DeviceStatus.Active,
            keyType,
            payout != address(0)
        );
        if (metadataHash != bytes32(0)) _metadataHashes[deviceId] = metadataHash;
        emit Transfer(address(0), msg.sender, deviceId);
        emit DeviceRegistered(networkId, msg.sender, index, keyType, key, metadataHash, attester);
        if (payout != address(0)) {
            _payouts[deviceId] = payout;
            emit DevicePayoutSet(deviceId, payout);
        }
    }

    /// @dev The device's {DeviceWord}: one storage read, two when a payout address is set. Zero if unknown.
    function _rewardWord(uint256 deviceId) internal view returns (DeviceWord) {
        DeviceRecord record = _devices[deviceId];
        return record.hasPayout() ? record.toWord(_payouts[deviceId]) : record.word();
    }

    /// @dev ERC-721 ownership lives in the device slot.
    function _ownerOf(uint256 tokenId) internal view override returns (address) {
        return _devices[tokenId].owner();
    }

    /// @dev Transfers only: minting happens in {_record} and there is no burn, so a zero `from` (a mint, or an
    /// unknown token) or a zero `to` (a burn) is refused here, whatever path reaches this hook; balances could
    /// otherwise wrap. A retired device is refused too (see the interface's notes on transfers). A transfer keeps
    /// the status and clears the payout address, so a buyer is paid for work after the sale, never into the
    /// seller's payout address.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        DeviceRecord record = _devices[tokenId];
        from = record.owner();
        // With an `auth`, an unknown token reverts here with ERC721NonexistentToken, as in OpenZeppelin's ERC721.
        if (auth != address(0)) _checkAuthorized(from, auth, tokenId);
        require(from != address(0) && to != address(0), DeviceRegistryUnsupportedMintOrBurn(tokenId, from, to));
        DeviceStatus status = record.status();
        require(status != DeviceStatus.Retired, DeviceRegistryNotTransferable(tokenId, status));
        _approve(address(0), tokenId, address(0), false);
        // Cannot underflow: `from` owns `tokenId`, so its balance is at least one.
        unchecked {
            _deviceBalances[from] -= 1;
        }
        _deviceBalances[to] += 1;
        bool hadPayout = record.hasPayout();
        _devices[tokenId] = record.withOwner(to).withHasPayout(false);
        emit Transfer(from, to, tokenId);
        if (hadPayout) {
            delete _payouts[tokenId];
            emit DevicePayoutSet(tokenId, address(0));
            emit MetadataUpdate(tokenId);
        }
    }

    /// @dev Balances are tracked in {_update}, {register} and {registerFleet}; nothing else may grow them.
    function _increaseBalance(address, uint128) internal pure override {
        revert ERC721InvalidOwner(address(0));
    }

    /// @dev The EIP-712 digest of `r` under `typeHash` (device or attester), `keyHash` being `keccak256(r.key)`.
    function _digest(
        bytes32 typeHash,
        address owner,
        uint32 networkId,
        Registration calldata r,
        KeyType keyType,
        bytes32 keyHash
    ) internal view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(typeHash, keyType, keyHash, owner, networkId, r.metadataHash, r.payout, r.deadline)
                )
            );
    }

    function _statusName(DeviceStatus status) internal pure returns (string memory) {
        if (status == DeviceStatus.Active) return "Active";
        if (status == DeviceStatus.Suspended) return "Suspended";
        return "Retired"; // a known device is never `None`
    }

    function _existingDevice(uint256 deviceId) internal view returns (DeviceRecord record) {
        record = _devices[deviceId];
        require(record.exists(), DeviceRegistryUnknownDevice(deviceId));
    }

    function _checkNetworkAdmin(uint32 networkId) internal view {
        address admin = _networks[networkId].admin;
        require(admin != address(0), DeviceRegistryUnknownNetwork(networkId));
        require(admin == msg.sender, DeviceRegistryNotNetworkAdmin(networkId, msg.sender));
    }

    /// @dev The owner only: ERC-721 approvals (per token or for all, e.g. a marketplace) let an operator move the
    /// token, never redirect its rewards or retire it.
    function _checkDeviceOwner(uint256 deviceId, address owner) internal view {
        require(msg.sender == owner, DeviceRegistryNotDeviceOwner(deviceId, msg.sender));
    }
}
