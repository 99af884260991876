// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeviceRegistry} from "../interfaces/IDeviceRegistry.sol";

/// @notice What a reward pool needs to credit a device's work, in one word: the registry's
/// `packedRewardInfo(s)` return it (as `uint256`; wrap it with `DeviceWord.wrap`). Zero for an unknown device.
/// Layout, bit 0 the least significant:
///
///   bits 0-159    payee      address paid for the device's work now: its payout address, or its owner
///   bits 160-191  networkId  uint32, the device's network
///   bits 192-231  index      uint40, the device's dense index (1, 2, 3, ...)
///   bits 232-239  status     uint8, an `IDeviceRegistry.DeviceStatus`
///   bits 240-255  zero       (the registry keeps private fields there in storage, see {DeviceRecord})
type DeviceWord is uint256;

using DeviceWordLibrary for DeviceWord global;

/// @title DeviceWordLibrary
/// @notice Encodes and decodes {DeviceWord}: the one owner of its layout, for the registry that writes it and the
/// reward pools that read it.
library DeviceWordLibrary {
    uint256 internal constant NETWORK_ID_OFFSET = 160;
    uint256 internal constant INDEX_OFFSET = 192;
    uint256 internal constant STATUS_OFFSET = 232;

    /// @dev Bits 0-239: every field of the word.
    uint256 internal constant FIELDS_MASK = (1 << 240) - 1;

    /// @dev The status and network id fields, for the one-comparison {isActiveIn}.
    uint256 internal constant STATUS_NETWORK_MASK =
        (uint256(0xff) << STATUS_OFFSET) | (uint256(type(uint32).max) << NETWORK_ID_OFFSET);

    /// @notice The word for a device with these fields.
    function encode(
        address payee_,
        uint32 networkId_,
        uint40 index_,
        IDeviceRegistry.DeviceStatus status_
    ) internal pure returns (DeviceWord) {
        return
            DeviceWord.wrap(
                uint256(uint160(payee_)) |
                    (uint256(networkId_) << NETWORK_ID_OFFSET) |
                    (uint256(index_) << INDEX_OFFSET) |
                    (uint256(status_) << STATUS_OFFSET)
            );
    }

    /// @notice Who is paid for the device's work now: its payout address, or its owner.
    function payee(DeviceWord word) internal pure returns (address) {
        return address(uint160(DeviceWord.unwrap(word)));
    }

    /// @notice The device's network; zero for an unknown device.
    function networkId(DeviceWord word) internal pure returns (uint32) {
        return uint32(DeviceWord.unwrap(word) >> NETWORK_ID_OFFSET);
    }

    /// @notice The device's dense index; zero for an unknown device.
    function index(DeviceWord word) internal pure returns (uint40) {
        return uint40(DeviceWord.unwrap(word) >> INDEX_OFFSET);
    }

    /// @notice The device's status; `None` for an unknown device.
    /// @dev Reverts (enum conversion) if bits 232-239 hold no status: never the case for a word the registry wrote.
    function status(DeviceWord word) internal pure returns (IDeviceRegistry.DeviceStatus) {
        return IDeviceRegistry.DeviceStatus(uint8(DeviceWord.unwrap(word) >> STATUS_OFFSET));
    }

    /// @notice Whether the device is registered in `networkId_` and active: one mask and one comparison.
    function isActiveIn(DeviceWord word, uint32 networkId_) internal pure returns (bool) {
        return
            DeviceWord.unwrap(word) & STATUS_NETWORK_MASK ==
            (uint256(IDeviceRegistry.DeviceStatus.Active) << STATUS_OFFSET) |
                (uint256(networkId_) << NETWORK_ID_OFFSET);
    }
}
