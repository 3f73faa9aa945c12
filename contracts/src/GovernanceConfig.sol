// SPDX-License-Identifier: MIT
// GovernanceConfig: every governance parameter of Ledgerlight's contracts in one place, in seconds (the Governor's clock
// is timestamps) and basis points. The unbonding cooldown (14 days) exceeds voting delay + period + timelock (8 days),
// so an agent cannot see a slashing proposal and leave with its bond before the proposal can execute.
pragma solidity 0.8.30;

/// @title GovernanceConfig
/// @notice Defaults for OpenGovernor, its TimelockController, AttributionLedger and AgentStaking. Wiring (done by the
/// deploy script): the TimelockController (min delay TIMELOCK_MIN_DELAY) is the owner of AttributionLedger and
/// AgentStaking; OpenGovernor holds its PROPOSER_ROLE and CANCELLER_ROLE; EXECUTOR_ROLE is granted to address(0) so
/// anyone may execute a ready operation; the deployer renounces its temporary DEFAULT_ADMIN_ROLE.
library GovernanceConfig {
    // ---- OpenGovernor (values in seconds where they are time) ----

    /// @notice Time between a proposal and the start of its vote: one day to notice a proposal and delegate.
    uint48 internal constant VOTING_DELAY = 1 days;
    /// @notice Length of a vote.
    uint32 internal constant VOTING_PERIOD = 5 days;
    /// @notice Quorum as a percentage of the WOPEN supply at the proposal's snapshot.
    uint256 internal constant QUORUM_PERCENT = 4;
    /// @notice Votes (in WOPEN wei) an account needs to make a proposal: 1,000 WOPEN, against proposal spam.
    uint256 internal constant PROPOSAL_THRESHOLD = 1_000 ether;
    /// @notice Minimum delay between queueing and executing a passed proposal in the TimelockController.
    uint256 internal constant TIMELOCK_MIN_DELAY = 2 days;

    // ---- AttributionLedger ----

    /// @notice Default share of each inference fee credited to the model owner.
    uint16 internal constant LEDGER_OWNER_BPS = 1_000;
    /// @notice Default share of each inference fee credited to the protocol treasury.
    uint16 internal constant LEDGER_TREASURY_BPS = 500;
    /// @notice Cap on ownerBps + treasuryBps: contributors always receive at least 70% of a fee.
    uint16 internal constant LEDGER_MAX_SHARES_BPS = 3_000;
    /// @notice Default time a reward root waits, revocable by governance, before it can be claimed.
    uint64 internal constant LEDGER_CHALLENGE_WINDOW = 1 days;
    /// @notice Bounds on the challenge window governance may set.
    uint64 internal constant LEDGER_MIN_CHALLENGE_WINDOW = 1 hours;
    uint64 internal constant LEDGER_MAX_CHALLENGE_WINDOW = 30 days;
    /// @notice Most contributors one recordInference may credit (bounds its gas).
    uint256 internal constant LEDGER_MAX_CONTRIBUTORS = 64;

    // ---- AgentStaking ----

    /// @notice Default unbonding cooldown; longer than VOTING_DELAY + VOTING_PERIOD + TIMELOCK_MIN_DELAY (8 days).
    uint64 internal constant STAKING_UNBOND_COOLDOWN = 14 days;
    /// @notice Bounds on the cooldown governance may set.
    uint64 internal constant STAKING_MIN_COOLDOWN = 1 days;
    uint64 internal constant STAKING_MAX_COOLDOWN = 90 days;
    /// @notice Most of an agent's slashable stake (bond + unbonding) one slash may take.
    uint16 internal constant STAKING_MAX_SLASH_BPS = 5_000;
    /// @notice Default reporter bounty, as a share of the slashed amount.
    uint16 internal constant STAKING_REPORTER_BOUNTY_BPS = 500;
    /// @notice Cap on the reporter bounty governance may set.
    uint16 internal constant STAKING_MAX_REPORTER_BOUNTY_BPS = 1_000;

    /// @notice The denominator of every basis-point value.
    uint16 internal constant BPS = 10_000;
}
