// SPDX-License-Identifier: MIT
// IWOpen: wrapped native OPEN (the L2's gas token) as an ERC20 with permit and timestamp-clocked votes.
// An account with no delegate delegates to itself when it first receives tokens, so holders vote without a transaction.
pragma solidity ^0.8.24;

/// @title IWOpen
/// @notice 1 WOPEN = 1 native OPEN, minted by `deposit` (or a plain transfer) and burned by `withdraw`. Votes use the
/// ERC-6372 timestamp clock. Delegating to address(0) only lasts until the next receipt, which self-delegates again.
interface IWOpen {
    error WOpenZeroAmount();
    error WOpenTransferFailed(address to, uint256 amount);

    /// @notice `account` wrapped `amount` native OPEN into WOPEN.
    event Deposited(address indexed account, uint256 amount);
    /// @notice `account` unwrapped `amount` WOPEN into native OPEN.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice Wraps msg.value native OPEN into WOPEN for msg.sender.
    function deposit() external payable;

    /// @notice Burns `amount` WOPEN of msg.sender and sends it the same amount of native OPEN.
    function withdraw(uint256 amount) external;
}
