// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DeviceRegistry} from "../../contracts/DeviceRegistry.sol";
import {IDeviceRegistry} from "../../contracts/interfaces/IDeviceRegistry.sol";
import {TestBase} from "./utils/Vm.sol";

/// @notice Fuzz tests: a device signature binds every registration field, owner and network.
contract DeviceRegistryFuzzTest is TestBase {
    struct Fields {
        bytes32 metadataHash;
        address payout;
        uint64 deadline;
    }

    DeviceRegistry internal registry;
    IDeviceRegistry.Attestation internal _noAttestation;
    uint32 internal networkA;
    uint32 internal networkB;

    function setUp() public {
        registry = new DeviceRegistry();
        networkA = registry.createNetwork(false, bytes32(0));
        networkB = registry.createNetwork(false, bytes32(0));
    }

    function _registration(uint256 pk, Fields memory f) internal view returns (IDeviceRegistry.Registration memory r) {
        r.keyType = IDeviceRegistry.KeyType.Secp256k1;
        r.key = abi.encodePacked(VM.addr(pk));
        r.metadataHash = f.metadataHash;
        r.payout = f.payout;
        r.deadline = uint64(_bound(f.deadline, block.timestamp, type(uint64).max));
    }

    function _sign(
        uint256 pk,
        address owner,
        uint32 networkId,
        IDeviceRegistry.Registration memory r
    ) internal view returns (IDeviceRegistry.CompactSignature memory signature) {
        (signature.r, signature.vs) = _signCompact(pk, registry.registrationDigest(owner, networkId, r));
    }

    function testFuzz_SignatureForOneFieldSetNeverVerifiesForAnother(
        uint256 pkSeed,
        Fields memory signed,
        Fields memory submitted
    ) public {
        uint256 pk = _privateKey(pkSeed);
        IDeviceRegistry.Registration memory a = _registration(pk, signed);
        IDeviceRegistry.Registration memory b = _registration(pk, submitted);
        VM.assume(a.metadataHash != b.metadataHash || a.payout != b.payout || a.deadline != b.deadline);
        b.signature = _sign(pk, address(this), networkA, a);
        uint256 deviceId = registry.deviceIdOf(b.keyType, b.key);
        VM.expectRevert(
            abi.encodeWithSelector(IDeviceRegistry.DeviceRegistryInvalidDeviceSignature.selector, 0, deviceId)
        );
        registry.register(networkA, b, _noAttestation);
    }

    function testFuzz_SignatureForOneOwnerOrNetworkNeverVerifiesForAnother(
        uint256 pkSeed,
        Fields memory f,
        address otherOwner,
        bool swapNetwork
    ) public {
        VM.assume(otherOwner != address(this));
        uint256 pk = _privateKey(pkSeed);
        IDeviceRegistry.Registration memory r = _registration(pk, f);
        r.signature = _sign(pk, address(this), networkA, r);
        uint256 deviceId = registry.deviceIdOf(r.keyType, r.key);
        VM.expectRevert(
            abi.encodeWithSelector(IDeviceRegistry.DeviceRegistryInvalidDeviceSignature.selector, 0, deviceId)
        );
        if (swapNetwork) {
            registry.register(networkB, r, _noAttestation);
        } else {
            VM.prank(otherOwner);
            registry.register(networkA, r, _noAttestation);
        }
    }

    function testFuzz_ValidRegistrationRecordsExactlyWhatWasSigned(uint256 pkSeed, Fields memory f) public {
        uint256 pk = _privateKey(pkSeed);
        IDeviceRegistry.Registration memory r = _registration(pk, f);
        r.signature = _sign(pk, address(this), networkB, r);
        uint256 deviceId = registry.register(networkB, r, _noAttestation);

        IDeviceRegistry.DeviceInfo memory info = registry.device(deviceId);
        require(info.owner == address(this), "owner");
        require(info.networkId == networkB, "network");
        require(info.index == 1 && registry.deviceCount() == 1, "index");
        require(info.metadataHash == f.metadataHash, "metadata");
        require(info.payout == f.payout, "payout");
        require(info.status == IDeviceRegistry.DeviceStatus.Active, "status");
        (, , , address payee) = registry.rewardInfo(deviceId);
        require(payee == (f.payout == address(0) ? address(this) : f.payout), "payee");

        // The same signature can never register again, in any network.
        VM.expectRevert(
            abi.encodeWithSelector(IDeviceRegistry.DeviceRegistryKeyAlreadyRegistered.selector, 0, deviceId)
        );
        registry.register(networkB, r, _noAttestation);
    }
}
