// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DeviceRegistry} from "../DeviceRegistry.sol";

/// @title DeviceRegistryHarness
/// @notice Test-only: exposes OpenZeppelin's internal `_mint` and `_burn`, which no public function of the registry
/// reaches, to show that the registry's ERC-721 hook refuses a mint or burn outside registration.
contract DeviceRegistryHarness is DeviceRegistry {
    function mint(address to, uint256 deviceId) external {
        _mint(to, deviceId);
    }

    function burn(uint256 deviceId) external {
        _burn(deviceId);
    }
}
