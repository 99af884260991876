// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title MockGasBurner
/// @notice TEST-ONLY: a contract that uses up all the gas of any call to it, standing in for a listed "pool" that runs
/// out of gas. Never deploy it for real use.
contract MockGasBurner {
    uint256 private _counter;

    /// @notice Writes storage until the call runs out of gas.
    fallback() external {
        while (true) ++_counter;
    }
}
