// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC4906} from "@openzeppelin/contracts/interfaces/IERC4906.sol";

/// @title IDeviceRegistry
/// @notice Registry of physical devices (hotspots, dashcams, sensors, GPU nodes) for DePIN networks.
/// A device is an ERC-721 token owned by its operator; its identity is its own key, proven at registration
/// by the key's EIP-712 signature. One registry serves every network and every reward pool on a chain.
/// @dev Roles and their powers:
/// - Anyone can create a network and becomes its admin.
/// - A network admin: sets whether the network requires an attester signature per device, manages the
///   network's attester allowlist, suspends and reactivates the network's devices (always with a reason hash),
///   and hands the admin role over in two steps (propose, accept). It cannot move, retire or re-key devices.
/// - An attester (manufacturer / registrar) of a network: co-signs registrations when the network requires it.
///   It has no power on-chain beyond making its signatures acceptable.
/// - A device owner (the ERC-721 holder, and only it): sets the payout address, retires the device, transfers it.
///   Transfers keep the device's status and clear its payout address.
/// - An ERC-721 approved operator (per-token `approve`, or `setApprovalForAll`, e.g. a marketplace): transfers the
///   device, nothing more. It can neither redirect the device's rewards (payout) nor retire it.
/// - The device key: signs its own registration once; a key can be registered once, ever.
///
/// Device ids: `deviceId = uint256(keccak256(abi.encodePacked(uint8(keyType), key)))`, so a key maps to one id
/// forever and the same slot that stores the device proves the key was used. Each device also gets a dense
/// sequential `index` (1, 2, 3, ...) that reward pools use for per-epoch bitmaps.
///
/// Signed messages (EIP-712). Domain: name "DePIN DeviceRegistry", version "1", chainId (this chain's id) and
/// verifyingContract (this registry's address); no salt. The chain id and the registry are in the domain, not in
/// the messages: `EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)`; ERC-5267
/// `eip712Domain()` returns it. digest = keccak256(0x1901 || domainSeparator || hashStruct(message)).
///
/// 1. The device key signs its registration, primary type `Registration`, type string (one line, split here
///    for width, no space at the split):
///    `Registration(uint8 keyType,bytes key,address owner,uint32 networkId,bytes32 metadataHash,`
///    `address payout,uint64 deadline)`
///    keyType: the {KeyType} as uint8 (1 secp256k1, 2 P-256). key: the {Registration} `key` bytes (hashed as
///    `keccak256(key)`, as EIP-712 does for `bytes`). owner: the account that submits the registration
///    (`msg.sender` of {register} / {registerFleet}), which will own the token. networkId: the `networkId` argument.
///    metadataHash, payout, deadline: the {Registration} fields. {registrationDigest} returns the digest.
///    secp256k1: plain ECDSA over the digest, submitted in the EIP-2098 form (r, vs) of {CompactSignature}.
///    P-256: ECDSA-SHA256 with the 32-byte digest as the message (verified against `sha256(digest)`), as secure
///    elements, WebCrypto and node:crypto sign; submitted as (r, s). Both curves: s <= n/2, else refused.
/// 2. An allowlisted attester, in networks that require one, co-signs the same fields under another type name,
///    primary type `Attestation`, type string (one line):
///    `Attestation(uint8 keyType,bytes key,address owner,uint32 networkId,bytes32 metadataHash,`
///    `address payout,uint64 deadline)`
///    with the same values. {attestationDigest} returns the digest. An EOA signs it with ECDSA (65-byte r||s||v,
///    s <= n/2); an ERC-1271 contract answers `isValidSignature(digest, signature)`.
///
/// Replay: the domain pins the chain and the registry; the first registration of a key burns its id forever, so a
/// device signature can be used once, ever, and only by `owner`, in `networkId`, before `deadline` (inclusive). An
/// attestation binds the same fields, so it cannot vouch for another device, owner, network, payout or deadline.
///
/// Transfers and status: a device changes hands with its status. A retired device cannot be transferred
/// ({DeviceRegistryNotTransferable}): it is a dead record that earns nothing and can never come back, and refusing the
/// transfer means a sale listed before the owner retired the device cannot settle. A suspended device can be
/// transferred and stays suspended: suspension is the network's verdict on the device's work, not on who owns it.
/// Refusing the transfer would give every network admin a freeze over owners' tokens, a power its role does not
/// have, and would block honest hand-overs (a return to the manufacturer, a repair); allowing it lets no one escape
/// the verdict, since only the network admin lifts a suspension, the reason hash stays on the record, and rewards a
/// pool claws back are the seller's account's, not the device's. A buyer is warned, not protected: the status is in
/// {tokenURI} and every change of it emits ERC-4906 `MetadataUpdate`, so marketplaces can show it; check
/// `device(deviceId).status` before paying.
///
/// Metadata: {tokenURI} is on-chain JSON (`data:application/json;base64,`) with the network id, key type, status,
/// dense index, metadata hash and payout address ("owner" when none is set). `MetadataUpdate(deviceId)` (ERC-4906)
/// is emitted on every status change (suspend, reactivate, retire) and payout change (set, or cleared by a transfer).
///
/// Listing a network's devices: the registry keeps counts, not lists; the devices of a network are read from
/// `DeviceRegistered` events filtered by the indexed `networkId` (the SDK does this, paged by block range).
interface IDeviceRegistry is IERC4906 {
    /* TYPES */

    /// @notice The kind of key a device holds.
    enum KeyType {
        None,
        /// @dev secp256k1; `key` is the 20-byte Ethereum address of the key.
        Secp256k1,
        /// @dev NIST P-256 (secp256r1); `key` is the 64-byte uncompressed point x||y.
        P256
    }

    /// @notice Lifecycle of a device. `Retired` is terminal.
    enum DeviceStatus {
        None,
        Active,
        Suspended,
        Retired
    }

    /// @notice A 64-byte device signature as two words, so it costs no length or offset in calldata.
    /// @param r The signature's r.
    /// @param vs secp256k1: EIP-2098 `vs = bytes32((v - 27) << 255 | s)`, s with the recovery bit on top (a low s
    /// never uses the top bit). P-256: s itself.
    struct CompactSignature {
        bytes32 r;
        bytes32 vs;
    }

    /// @notice One device registration as submitted by its owner. Every field but `signature` is signed, with the
    /// owner and the network (see the `Registration` type in the interface's notes).
    /// @param keyType Curve of the device key.
    /// @param key The device public key (20-byte address for secp256k1, 64-byte uncompressed x||y for P-256).
    /// @param metadataHash Commitment to the off-chain metadata (model, location cell, capacity).
    /// @param payout Address that receives the device's rewards; zero means the owner.
    /// @param deadline Last timestamp (inclusive) at which the signatures are accepted.
    /// @param signature The device key's signature over the `Registration` typed data, two words.
    struct Registration {
        KeyType keyType;
        bytes key;
        bytes32 metadataHash;
        address payout;
        uint64 deadline;
        CompactSignature signature;
    }

    /// @notice An attester's co-signature of one registration, for networks that require one. Kept apart from
    /// {Registration} so that registrations in open networks carry none of it.
    /// @param attester An attester on the network's allowlist (EOA or ERC-1271 contract).
    /// @param signature Its signature over the `Attestation` typed data: 65-byte r||s||v for an EOA, whatever its
    /// `isValidSignature` accepts for a contract.
    struct Attestation {
        address attester;
        bytes signature;
    }

    /// @notice A device as returned by views.
    struct DeviceInfo {
        uint256 deviceId;
        address owner;
        uint32 networkId;
        uint40 index;
        DeviceStatus status;
        KeyType keyType;
        address payout;
        bytes32 metadataHash;
    }

    /// @notice A network as returned by views.
    struct NetworkInfo {
        address admin;
        address pendingAdmin;
        uint40 deviceCount;
        bool attestationRequired;
    }

    /* EVENTS */

    /// @notice A network was created; `admin` is its creator.
    event NetworkCreated(
        uint32 indexed networkId,
        address indexed admin,
        bool attestationRequired,
        bytes32 metadataHash
    );

    /// @notice The network's attestation requirement changed.
    event NetworkAttestationRequirementSet(uint32 indexed networkId, bool required);

    /// @notice An attester was added to (`allowed`) or removed from the network's allowlist.
    event AttesterSet(uint32 indexed networkId, address indexed attester, bool allowed);

    /// @notice The network admin proposed `pendingAdmin` as its successor (zero cancels a proposal).
    event NetworkAdminTransferStarted(uint32 indexed networkId, address indexed admin, address indexed pendingAdmin);

    /// @notice The pending admin accepted; `newAdmin` now administers the network.
    event NetworkAdminTransferred(uint32 indexed networkId, address indexed previousAdmin, address indexed newAdmin);

    /// @notice A device was registered and its token minted to `owner`; the ERC-721 `Transfer` from zero, emitted
    /// just before, carries the device id as its indexed token id. The id is not repeated here: it is derived from
    /// the key, `uint256(keccak256(abi.encodePacked(uint8(keyType), key)))`.
    /// A payout address given at registration is announced by {DevicePayoutSet}, right after.
    /// @param index The device's dense index.
    /// @param attester The attester that co-signed, or zero when the network required none.
    event DeviceRegistered(
        uint32 indexed networkId,
        address indexed owner,
        uint40 index,
        KeyType keyType,
        bytes key,
        bytes32 metadataHash,
        address attester
    );

    /// @notice The device's payout address changed; zero means rewards go to the owner. The payout of record
    /// changes only with this event.
    /// @dev Emitted at registration when the registration names a payout address, and with zero when a transfer
    /// clears it.
    event DevicePayoutSet(uint256 indexed deviceId, address indexed payout);

    /// @notice The network admin suspended the device; `reasonHash` points to the published reason.
    event DeviceSuspended(uint256 indexed deviceId, uint32 indexed networkId, address indexed by, bytes32 reasonHash);

    /// @notice The network admin reactivated a suspended device.
    event DeviceReactivated(uint256 indexed deviceId, uint32 indexed networkId, address indexed by, bytes32 reasonHash);

    /// @notice The owner retired the device for good; its key can never be registered again.
    event DeviceRetired(uint256 indexed deviceId, uint32 indexed networkId, address indexed owner);

    /* ERRORS */

    /// @notice No network has this id.
    error DeviceRegistryUnknownNetwork(uint32 networkId);

    /// @notice `account` is not the admin of `networkId`.
    error DeviceRegistryNotNetworkAdmin(uint32 networkId, address account);

    /// @notice `account` is not the pending admin of `networkId`.
    error DeviceRegistryNotPendingAdmin(uint32 networkId, address account);

    /// @notice A fleet registration carried no device.
    error DeviceRegistryEmptyFleet();

    /// @notice The key of registration `index` (its position in the submitted array; 0 for {register}) is malformed
    /// for its key type (wrong length, unknown type, the zero address, or a P-256 point off the curve).
    error DeviceRegistryInvalidKey(uint256 index, KeyType keyType, uint256 keyLength);

    /// @notice The key of registration `index` was registered before (possibly retired): keys are single-use.
    error DeviceRegistryKeyAlreadyRegistered(uint256 index, uint256 deviceId);

    /// @notice Registration `index` was submitted after its `deadline` (chain time `timestamp`).
    error DeviceRegistrySignatureExpired(uint256 index, uint256 deadline, uint256 timestamp);

    /// @notice The device signature of registration `index` does not verify for this chain, registry, owner,
    /// network and fields (or was made by another key).
    error DeviceRegistryInvalidDeviceSignature(uint256 index, uint256 deviceId);

    /// @notice A signature of registration `index`, the device's or the attester's, has a high `s` value
    /// (malleable); submit the low-s form.
    error DeviceRegistryMalleableSignature(uint256 index, uint256 deviceId);

    /// @notice A fleet carried `given` attestations where `networkId` takes `expected`: one per registration when the
    /// network requires attestations, none otherwise.
    error DeviceRegistryWrongAttestationCount(uint32 networkId, uint256 expected, uint256 given);

    /// @notice The network requires an attestation and registration `index` has no attester.
    error DeviceRegistryAttestationRequired(uint256 index, uint256 deviceId);

    /// @notice The attestation given with {register} is not empty but the network requires none.
    error DeviceRegistryUnexpectedAttestation(uint256 index, uint256 deviceId);

    /// @notice The attester of registration `index` is not on the allowlist of `networkId`.
    error DeviceRegistryUnknownAttester(uint256 index, uint32 networkId, address attester);

    /// @notice The attester signature of registration `index` does not verify for `attester` (ECDSA or ERC-1271).
    error DeviceRegistryInvalidAttestation(uint256 index, uint256 deviceId, address attester);

    /// @notice No device has this id.
    error DeviceRegistryUnknownDevice(uint256 deviceId);

    /// @notice `account` is not the owner of the device. ERC-721 approvals do not count: payout and retirement
    /// belong to the owner alone.
    error DeviceRegistryNotDeviceOwner(uint256 deviceId, address account);

    /// @notice The device's `status` does not allow this operation (retire a retired device, suspend a device that
    /// is not active, reactivate one that is not suspended).
    error DeviceRegistryInvalidStatus(uint256 deviceId, DeviceStatus status);

    /// @notice The device cannot change hands in its status: a retired device is never transferred.
    error DeviceRegistryNotTransferable(uint256 deviceId, DeviceStatus status);

    /// @notice A token move from or to the zero address (a mint or a burn) outside registration: devices are minted
    /// only by `register`/`registerFleet` and never burned (they are retired instead).
    error DeviceRegistryUnsupportedMintOrBurn(uint256 deviceId, address from, address to);

    /* NETWORKS */

    /// @notice Creates a network administered by the caller.
    /// @param attestationRequired Whether each registration needs an allowlisted attester's signature.
    /// @param metadataHash Commitment to the network's off-chain description.
    /// @return networkId The new network's id (1, 2, 3, ...).
    function createNetwork(bool attestationRequired, bytes32 metadataHash) external returns (uint32 networkId);

    /// @notice Sets whether registrations in `networkId` need an attester signature. Network admin only.
    function setAttestationRequired(uint32 networkId, bool required) external;

    /// @notice Adds or removes an attester on the network's allowlist. Network admin only.
    function setAttester(uint32 networkId, address attester, bool allowed) external;

    /// @notice Proposes `pendingAdmin` as the next admin; zero cancels. Network admin only.
    function transferNetworkAdmin(uint32 networkId, address pendingAdmin) external;

    /// @notice Accepts the admin role of `networkId`. Pending admin only.
    function acceptNetworkAdmin(uint32 networkId) external;

    /* REGISTRATION */

    /// @notice Registers one device in `networkId`, owned by the caller.
    /// @param attestation The attester's co-signature when the network requires one; empty (zero attester, no
    /// signature) otherwise.
    /// @return deviceId The device's id (also its ERC-721 token id).
    function register(
        uint32 networkId,
        Registration calldata registration,
        Attestation calldata attestation
    ) external returns (uint256 deviceId);

    /// @notice Registers many devices in `networkId`, owned by the caller, all or nothing. A bad registration
    /// reverts the whole call with an error naming its position in `registrations`.
    /// @param attestations One per registration, in the same order, when the network requires attestations; empty
    /// otherwise.
    /// @return firstIndex The dense index of the first device; the others follow consecutively.
    function registerFleet(
        uint32 networkId,
        Registration[] calldata registrations,
        Attestation[] calldata attestations
    ) external returns (uint40 firstIndex);

    /* DEVICE MANAGEMENT */

    /// @notice Sets the address that receives the device's rewards (zero: the owner). Owner only; not an approved
    /// operator.
    function setPayout(uint256 deviceId, address payout) external;

    /// @notice Retires the device for good. Owner only; not an approved operator.
    function retire(uint256 deviceId) external;

    /// @notice Suspends an active device, e.g. for fraud. Network admin only.
    function suspend(uint256 deviceId, bytes32 reasonHash) external;

    /// @notice Reactivates a suspended device. Network admin only.
    function reactivate(uint256 deviceId, bytes32 reasonHash) external;

    /* VIEWS */

    /// @notice The device with id `deviceId`; reverts if unknown.
    function device(uint256 deviceId) external view returns (DeviceInfo memory);

    /// @notice The device holding `key`; reverts if unknown.
    function deviceByKey(KeyType keyType, bytes calldata key) external view returns (DeviceInfo memory);

    /// @notice The id a key has (or would have) in this registry.
    function deviceIdOf(KeyType keyType, bytes calldata key) external pure returns (uint256);

    /// @notice What a reward pool needs to credit work by `deviceId`, in one storage read when no payout is set.
    /// Zeros (status `None`) for an unknown device.
    /// @return networkId The device's network (zero if unknown).
    /// @return index The device's dense index.
    /// @return status The device's status.
    /// @return payee Who is paid for the device's work now: the payout address, or the owner.
    function rewardInfo(
        uint256 deviceId
    ) external view returns (uint32 networkId, uint40 index, DeviceStatus status, address payee);

    /// @notice {rewardInfo} packed in one word, the form reward pools read in their per-proof loop: a `DeviceWord`
    /// (`contracts/libraries/DeviceWord.sol`, which owns the layout and decodes it: `DeviceWord.wrap(info).payee()`,
    /// `.networkId()`, `.index()`, `.status()`, `.isActiveIn(networkId)`): bits 0-159 payee, 160-191 networkId,
    /// 192-231 index, 232-239 status, 240-255 zero. Zero for an unknown device.
    function packedRewardInfo(uint256 deviceId) external view returns (uint256);

    /// @notice {packedRewardInfo} for many devices in one call: what a reward pool reads for a batch of proofs.
    /// Each element is a `DeviceWord`.
    function packedRewardInfos(uint256[] calldata deviceIds) external view returns (uint256[] memory infos);

    /// @notice The network `networkId`; reverts if unknown.
    function network(uint32 networkId) external view returns (NetworkInfo memory);

    /// @notice Whether `attester` is on the allowlist of `networkId`.
    function isAttester(uint32 networkId, address attester) external view returns (bool);

    /// @notice Number of networks created.
    function networkCount() external view returns (uint32);

    /// @notice Number of devices registered, all networks; also the highest dense index.
    function deviceCount() external view returns (uint40);

    /// @notice The EIP-712 digest a device key signs for `registration` submitted by `owner` in `networkId`.
    function registrationDigest(
        address owner,
        uint32 networkId,
        Registration calldata registration
    ) external view returns (bytes32);

    /// @notice The EIP-712 digest an attester signs for `registration` submitted by `owner` in `networkId`.
    function attestationDigest(
        address owner,
        uint32 networkId,
        Registration calldata registration
    ) external view returns (bytes32);
}
