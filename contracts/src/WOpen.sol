// SPDX-License-Identifier: MIT
// WOpen: wrapped native OPEN with ERC20Permit and ERC20Votes on a timestamp clock, the voting token of OpenGovernor.
// Self-delegation happens inside _update before the balance moves, so the first receipt writes one vote checkpoint.
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {IWOpen} from "./interfaces/IWOpen.sol";

/// @title WOpen
/// @notice See IWOpen.
contract WOpen is IWOpen, ERC20, ERC20Permit, ERC20Votes {
    /// @notice Names the token "Wrapped OPEN" (WOPEN); the permit domain uses the same name.
    constructor() ERC20("Wrapped OPEN", "WOPEN") ERC20Permit("Wrapped OPEN") {}

    /// @notice A plain transfer of native OPEN wraps it, like deposit().
    receive() external payable {
        _deposit();
    }

    /// @inheritdoc IWOpen
    function deposit() external payable {
        _deposit();
    }

    /// @inheritdoc IWOpen
    function withdraw(uint256 amount) external {
        if (amount == 0) revert WOpenZeroAmount();
        _burn(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
        if (!LowLevelCall.callNoReturn(msg.sender, amount, "")) revert WOpenTransferFailed(msg.sender, amount);
    }

    /// @notice The ERC-6372 clock: block timestamps, so governance periods are in seconds on any block time.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice The ERC-6372 clock description.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @notice The permit nonce of `owner` (ERC20Permit and Votes share one Nonces).
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _deposit() private {
        if (msg.value == 0) revert WOpenZeroAmount();
        _mint(msg.sender, msg.value);
        emit Deposited(msg.sender, msg.value);
    }

    /// @dev A receiver without a delegate first delegates to itself (moving its zero-or-more undelegated balance), then
    /// the transfer moves the votes of `value` straight to it.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        if (to != address(0) && delegates(to) == address(0)) _delegate(to, to);
        super._update(from, to, value);
    }
}
