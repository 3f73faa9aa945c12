// SPDX-License-Identifier: MIT
// IAgentStaking: agents (model endpoints) bond native OPEN that governance can slash for misbehaviour.
// Unbonding funds stay slashable until withdrawn; slashed funds and bounties are pulled, so a slash never fails on a send.
pragma solidity ^0.8.24;

/// @title IAgentStaking
/// @notice An agent bonds with `bond`, starts the cooldown with `requestUnbond` (a new request restarts it for all the
/// unbonding funds) and takes its funds with `withdraw` once it ends. The owner (the TimelockController) slashes at most
/// maxSlashBps of the agent's bond + unbonding per call, taking from the active bond first; the treasury is owed the
/// slashed amount minus the reporter's bounty (reporterBountyBps of it, 0 without a reporter); anyone triggers
/// `collectFor` to pay what is owed.
interface IAgentStaking {
    /// @notice An agent's stake: `bonded` is active, `unbonding` waits for `unbondReadyAt`.
    struct Stake {
        uint128 bonded;
        uint128 unbonding;
        uint64 unbondReadyAt;
    }

    error StakingZeroAmount();
    error StakingInsufficientBond(uint256 requested, uint256 bonded);
    error StakingNothingToWithdraw(address agent);
    error StakingCooldownActive(address agent, uint64 readyAt);
    error StakingSlashTooLarge(uint256 amount, uint256 cap);
    error StakingBountyTooHigh(uint16 bountyBps, uint16 max);
    error StakingCooldownOutOfRange(uint64 cooldown);
    error StakingZeroTreasury();
    error StakingNothingOwed(address account);
    error StakingTransferFailed(address to, uint256 amount);

    /// @notice `agent` bonded `amount`; its active bond is now `bonded`.
    event Bonded(address indexed agent, uint256 amount, uint256 bonded);
    /// @notice `agent` moved `amount` from its bond to unbonding; all its unbonding funds are withdrawable at `readyAt`.
    event UnbondRequested(address indexed agent, uint256 amount, uint256 unbonding, uint64 readyAt);
    /// @notice `agent` withdrew `amount` of unbonded funds.
    event Withdrawn(address indexed agent, uint256 amount);
    /// @notice Governance slashed `amount` from `agent`; `bounty` of it is owed to `reporter`, the rest to the treasury.
    event Slashed(
        address indexed agent, uint256 amount, bytes32 indexed evidenceHash, address indexed reporter, uint256 bounty
    );
    /// @notice `amount` owed to `account` (treasury or reporter) was paid.
    event Collected(address indexed account, uint256 amount);
    /// @notice Governance changed the unbonding cooldown (for requests made from now on).
    event CooldownUpdated(uint64 previousCooldown, uint64 newCooldown);
    /// @notice Governance changed the reporter bounty.
    event ReporterBountyUpdated(uint16 previousBps, uint16 newBps);
    /// @notice Governance changed the treasury; amounts already owed stay with the old address.
    event TreasuryUpdated(address indexed previousTreasury, address indexed newTreasury);

    /// @notice Adds msg.value to msg.sender's active bond.
    function bond() external payable;

    /// @notice Moves `amount` of msg.sender's bond to unbonding and (re)starts the cooldown for all unbonding funds.
    function requestUnbond(uint256 amount) external;

    /// @notice Pays msg.sender its unbonding funds once the cooldown is over; returns the amount.
    function withdraw() external returns (uint256 amount);

    /// @notice Owner only: slashes `amount` (at most maxSlashBps of bond + unbonding) from `agent`, bond first.
    function slash(address agent, uint256 amount, bytes32 evidenceHash, address reporter) external;

    /// @notice Pays `account` what slashing owes it (anyone may trigger it); returns the amount.
    function collectFor(address account) external returns (uint256 amount);

    /// @notice Owner only: sets the cooldown for unbond requests made from now on.
    function setCooldown(uint64 cooldown) external;

    /// @notice Owner only: sets the reporter bounty (capped).
    function setReporterBounty(uint16 bountyBps) external;

    /// @notice Owner only: sets the address owed the slashed funds.
    function setTreasury(address treasury) external;

    /// @notice `agent`'s stake.
    function stakeOf(address agent) external view returns (Stake memory);

    /// @notice What one slash of `agent` may take now.
    function slashCap(address agent) external view returns (uint256);

    /// @notice What slashing owes `account`.
    function owed(address account) external view returns (uint256);

    /// @notice The unbonding cooldown in seconds.
    function cooldown() external view returns (uint64);

    /// @notice The reporter bounty in basis points of a slashed amount.
    function reporterBountyBps() external view returns (uint16);

    /// @notice The address owed slashed funds.
    function treasury() external view returns (address);
}
