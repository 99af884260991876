// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeviceRegistry} from "../interfaces/IDeviceRegistry.sol";
import {DeviceWord, DeviceWordLibrary} from "./DeviceWord.sol";

/// @notice The registry's storage slot for one device: a {DeviceWord} whose payee field holds the owner, plus two
/// fields only the registry reads. Layout, bit 0 the least significant:
///
///   bits 0-239    a DeviceWord: owner (0-159), networkId (160-191), index (192-231), status (232-239)
///   bits 240-247  keyType    uint8, an `IDeviceRegistry.KeyType`
///   bit  248      hasPayout  whether a payout address is set (it is stored apart, and is then the payee)
///   bits 249-255  zero
///
/// Zero is an unknown device. The record is written whole, one SSTORE per change.
type DeviceRecord is uint256;

using DeviceRecordLibrary for DeviceRecord global;

/// @title DeviceRecordLibrary
/// @notice Encodes, decodes and updates {DeviceRecord}, the registry's storage form of a device.
library DeviceRecordLibrary {
    uint256 internal constant KEY_TYPE_OFFSET = 240;
    uint256 internal constant HAS_PAYOUT_BIT = 1 << 248;

    uint256 internal constant OWNER_MASK = type(uint160).max;
    uint256 internal constant STATUS_MASK = uint256(0xff) << DeviceWordLibrary.STATUS_OFFSET;

    /// @notice A new record.
    function encode(
        address owner_,
        uint32 networkId_,
        uint40 index_,
        IDeviceRegistry.DeviceStatus status_,
        IDeviceRegistry.KeyType keyType_,
        bool hasPayout_
    ) internal pure returns (DeviceRecord) {
        return
            DeviceRecord.wrap(
                DeviceWord.unwrap(DeviceWordLibrary.encode(owner_, networkId_, index_, status_)) |
                    (uint256(keyType_) << KEY_TYPE_OFFSET) |
                    (hasPayout_ ? HAS_PAYOUT_BIT : 0)
            );
    }

    /// @notice Whether the record holds a device.
    function exists(DeviceRecord record) internal pure returns (bool) {
        return DeviceRecord.unwrap(record) != 0;
    }

    /// @notice The record's fields as a {DeviceWord} that pays `payee_` (the payout address, when one is set).
    function toWord(DeviceRecord record, address payee_) internal pure returns (DeviceWord) {
        return
            DeviceWord.wrap(
                (DeviceRecord.unwrap(record) & DeviceWordLibrary.FIELDS_MASK & ~OWNER_MASK) | uint160(payee_)
            );
    }

    /// @notice The record's fields as a {DeviceWord} that pays the owner.
    function word(DeviceRecord record) internal pure returns (DeviceWord) {
        return DeviceWord.wrap(DeviceRecord.unwrap(record) & DeviceWordLibrary.FIELDS_MASK);
    }

    function owner(DeviceRecord record) internal pure returns (address) {
        return record.word().payee();
    }

    function networkId(DeviceRecord record) internal pure returns (uint32) {
        return record.word().networkId();
    }

    function index(DeviceRecord record) internal pure returns (uint40) {
        return record.word().index();
    }

    function status(DeviceRecord record) internal pure returns (IDeviceRegistry.DeviceStatus) {
        return record.word().status();
    }

    function keyType(DeviceRecord record) internal pure returns (IDeviceRegistry.KeyType) {
        return IDeviceRegistry.KeyType(uint8(DeviceRecord.unwrap(record) >> KEY_TYPE_OFFSET));
    }

    function hasPayout(DeviceRecord record) internal pure returns (bool) {
        return DeviceRecord.unwrap(record) & HAS_PAYOUT_BIT != 0;
    }

    /// @notice The record with another owner.
    function withOwner(DeviceRecord record, address owner_) internal pure returns (DeviceRecord) {
        return DeviceRecord.wrap((DeviceRecord.unwrap(record) & ~OWNER_MASK) | uint160(owner_));
    }

    /// @notice The record with another status.
    function withStatus(
        DeviceRecord record,
        IDeviceRegistry.DeviceStatus status_
    ) internal pure returns (DeviceRecord) {
        return
            DeviceRecord.wrap(
                (DeviceRecord.unwrap(record) & ~STATUS_MASK) | (uint256(status_) << DeviceWordLibrary.STATUS_OFFSET)
            );
    }

    /// @notice The record with the payout flag set or cleared.
    function withHasPayout(DeviceRecord record, bool hasPayout_) internal pure returns (DeviceRecord) {
        uint256 raw = DeviceRecord.unwrap(record) & ~HAS_PAYOUT_BIT;
        return DeviceRecord.wrap(hasPayout_ ? raw | HAS_PAYOUT_BIT : raw);
    }
}
