// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DeviceRegistry} from "../../contracts/DeviceRegistry.sol";
import {IDeviceRegistry} from "../../contracts/interfaces/IDeviceRegistry.sol";
import {DeviceWord, DeviceWordLibrary} from "../../contracts/libraries/DeviceWord.sol";
import {TestBase} from "./utils/Vm.sol";

/// @notice The packed device word: its layout is the one reward pools decode, and the registry's words decode to
/// exactly what `rewardInfo` reports.
contract DeviceWordTest is TestBase {
    DeviceRegistry internal registry;

    function setUp() public {
        registry = new DeviceRegistry();
        registry.createNetwork(false, bytes32(0));
        registry.createNetwork(false, bytes32(0));
    }

    function testFuzz_FieldsRoundTripAtTheDocumentedBits(
        address payee,
        uint32 networkId,
        uint40 index,
        uint8 statusSeed
    ) public pure {
        IDeviceRegistry.DeviceStatus status = IDeviceRegistry.DeviceStatus(_bound(statusSeed, 0, 3));
        DeviceWord word = DeviceWordLibrary.encode(payee, networkId, index, status);
        require(word.payee() == payee, "payee");
        require(word.networkId() == networkId, "networkId");
        require(word.index() == index, "index");
        require(word.status() == status, "status");
        // Bits 0-159 payee, 160-191 networkId, 192-231 index, 232-239 status, 240-255 zero.
        uint256 raw =
            uint256(uint160(payee)) |
                (uint256(networkId) << 160) |
                (uint256(index) << 192) |
                (uint256(uint8(status)) << 232);
        require(DeviceWord.unwrap(word) == raw, "layout");
    }

    function testFuzz_IsActiveInOnlyForAnActiveDeviceOfThatNetwork(
        address payee,
        uint32 networkId,
        uint32 otherNetworkId,
        uint40 index,
        uint8 statusSeed
    ) public pure {
        VM.assume(otherNetworkId != networkId);
        IDeviceRegistry.DeviceStatus status = IDeviceRegistry.DeviceStatus(_bound(statusSeed, 0, 3));
        DeviceWord word = DeviceWordLibrary.encode(payee, networkId, index, status);
        require(word.isActiveIn(networkId) == (status == IDeviceRegistry.DeviceStatus.Active), "own network");
        require(!word.isActiveIn(otherNetworkId), "other network");
        require(!DeviceWord.wrap(0).isActiveIn(0), "unknown device");
    }

    function testFuzz_RegistryWordsDecodeToRewardInfo(
        uint256 pkSeed,
        address payout,
        address buyer,
        bool suspend,
        bool sell
    ) public {
        VM.assume(buyer != address(0) && buyer.code.length == 0);
        uint256 pk = _privateKey(pkSeed);
        IDeviceRegistry.Registration memory r;
        r.keyType = IDeviceRegistry.KeyType.Secp256k1;
        r.key = abi.encodePacked(VM.addr(pk));
        r.payout = payout;
        r.deadline = type(uint64).max;
        (r.signature.r, r.signature.vs) = _signCompact(pk, registry.registrationDigest(address(this), 2, r));
        uint256 deviceId = registry.register(2, r, IDeviceRegistry.Attestation(address(0), ""));
        if (suspend) registry.suspend(deviceId, bytes32("reason"));
        if (sell) registry.transferFrom(address(this), buyer, deviceId);

        DeviceWord word = DeviceWord.wrap(registry.packedRewardInfo(deviceId));
        (uint32 networkId, uint40 index, IDeviceRegistry.DeviceStatus status, address payee) = registry.rewardInfo(
            deviceId
        );
        require(word.networkId() == networkId && networkId == 2, "networkId");
        require(word.index() == index && index == 1, "index");
        require(word.status() == status, "status");
        require(word.payee() == payee, "payee");
        address owner = sell ? buyer : address(this);
        require(payee == (payout == address(0) || sell ? owner : payout), "payee of record");
        require(word.isActiveIn(2) == !suspend, "active");

        uint256[] memory ids = new uint256[](2);
        ids[0] = deviceId;
        ids[1] = deviceId + 1; // unknown
        uint256[] memory words = registry.packedRewardInfos(ids);
        require(words[0] == DeviceWord.unwrap(word) && words[1] == 0, "packedRewardInfos");
    }
}
