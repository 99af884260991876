// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockHookToken
/// @notice TEST-ONLY 6-decimals token that calls out on every transfer, like an ERC-777 or ERC-1363 token: before
/// moving the balance it makes a call that was armed with `arm`, once, and records whether that call succeeded and
/// what it returned. It exists to prove that a reward pool cannot be re-entered through its token. Never deploy it
/// for real use.
contract MockHookToken is ERC20 {
    /// @notice The armed call: its target and calldata (fired on the next transfer, then disarmed).
    address public hookTarget;
    bytes public hookData;
    /// @notice Whether the last hook call succeeded, and what it returned (its revert data when it failed).
    bool public lastHookSucceeded;
    bytes public lastHookResult;
    /// @notice How many hook calls fired.
    uint256 public hooksFired;

    /// @notice Deploys the token with no supply.
    constructor() ERC20("Mock Hook Token", "HOOK") {}

    /// @notice Mints `amount` to `to`. TEST FAUCET: deliberately open to anyone.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms a call to `target` with `data` for the next transfer. TEST ONLY: anyone may call it.
    function arm(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
    }

    /// @notice Six decimals, like USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @dev Fires the armed call (from this token, as an ERC-777 hook would reach the pool through the holder's
    /// hook contract) before moving the balance, then moves it.
    function _update(address from, address to, uint256 value) internal override {
        address target = hookTarget;
        if (target != address(0) && from != address(0)) {
            hookTarget = address(0);
            ++hooksFired;
            // solhint-disable-next-line avoid-low-level-calls
            (lastHookSucceeded, lastHookResult) = target.call(hookData);
        }
        super._update(from, to, value);
    }
}
