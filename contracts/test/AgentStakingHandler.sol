// SPDX-License-Identifier: MIT
// The invariant handler of AgentStaking: several agents bond, request unbonding and withdraw; the owner slashes random
// amounts (within the cap or not), changes the bounty and the treasury; anyone collects what is owed. Ghost totals
// record what went in and out. Like AttributionLedgerHandler it keeps its own clock, warping at the start of every call.
pragma solidity 0.8.30;

import {AgentStaking} from "../src/AgentStaking.sol";
import {IAgentStaking} from "../src/interfaces/IAgentStaking.sol";
import {vm} from "./Vm.sol";

contract AgentStakingHandler {
    uint256 public constant AGENTS = 4;
    uint256 public constant PAYEES = 4; // two treasuries and two reporters
    uint256 internal constant BPS = 10_000;

    AgentStaking public immutable staking;
    address public immutable owner;

    address[AGENTS] internal _agents;
    address[PAYEES] internal _payees;
    uint256 public now_;

    // Ghosts.
    mapping(address agent => uint256) public ghostBonded; // everything the agent bonded
    mapping(address agent => uint256) public ghostSlashed; // everything slashed from the agent
    mapping(address agent => uint256) public ghostWithdrawn; // everything paid back to the agent
    uint256 public ghostSlashedTotal;
    uint256 public ghostCollected; // everything collectFor paid
    uint256 public maxSlashBps; // the largest slash seen, in bps of the agent's bond + unbonding just before it
    bool public slashAboveCapSucceeded; // a slash took more than slashCap allowed
    bool public slashSplitWrong; // a slash moved stake or owed amounts other than the documented split
    bool public unexpectedSlashRevert; // a slash within the cap reverted, or one above it reverted for another reason
    bool public payoutWrong; // withdraw or collectFor paid other than the recorded amount
    uint256 public slashes;
    uint256 public rejectedSlashes;
    uint256 public withdrawals;
    uint256 public calls;

    constructor(AgentStaking staking_, address owner_, address treasury_) {
        staking = staking_;
        owner = owner_;
        for (uint256 i; i < AGENTS; ++i) {
            _agents[i] = address(uint160(0xA6E0 + i));
        }
        _payees[0] = treasury_;
        _payees[1] = address(uint160(0x7201));
        _payees[2] = address(uint160(0x4E90));
        _payees[3] = address(uint160(0x4E91));
        now_ = block.timestamp;
    }

    modifier tick() {
        vm.warp(now_);
        ++calls;
        _;
    }

    // ------------------------------------------------------------ agents

    /// @notice An agent bonds 1 wei to 1,000 OPEN.
    function bond(uint256 agentSeed, uint256 amountSeed) external tick {
        address agent = _agents[agentSeed % AGENTS];
        uint256 amount = 1 + amountSeed % 1_000 ether;
        vm.deal(agent, agent.balance + amount);
        vm.prank(agent);
        staking.bond{value: amount}();
        ghostBonded[agent] += amount;
    }

    /// @notice The first agent from `agentSeed` with a bond moves part or all of it to unbonding.
    function requestUnbond(uint256 agentSeed, uint256 amountSeed) external tick {
        address agent = _firstStaked(agentSeed, false);
        uint256 bonded = staking.stakeOf(agent).bonded;
        if (bonded == 0) return;
        vm.prank(agent);
        staking.requestUnbond(1 + amountSeed % bonded);
    }

    /// @notice The first agent from `agentSeed` on whose cooldown is over withdraws its unbonding funds.
    function withdraw(uint256 agentSeed) external tick {
        address agent;
        IAgentStaking.Stake memory stake;
        for (uint256 i; i < AGENTS; ++i) {
            agent = _agents[(agentSeed % AGENTS + i) % AGENTS];
            stake = staking.stakeOf(agent);
            if (stake.unbonding != 0 && block.timestamp >= stake.unbondReadyAt) break;
        }
        if (stake.unbonding == 0 || block.timestamp < stake.unbondReadyAt) return;
        uint256 before = agent.balance;
        vm.prank(agent);
        uint256 paid = staking.withdraw();
        if (paid != stake.unbonding || agent.balance != before + paid) payoutWrong = true;
        ghostWithdrawn[agent] += paid;
        ++withdrawals;
    }

    // ------------------------------------------------------------ governance

    /// @notice The owner slashes the first agent from `agentSeed` with a stake (bond or unbonding): within the cap
    /// when `withinCap`, otherwise any amount up to twice the agent's stake (so most of those are above the cap and
    /// must revert with StakingSlashTooLarge; zero must revert with StakingZeroAmount).
    function slash(uint256 agentSeed, uint256 amountSeed, uint256 reporterSeed, bool withinCap) external tick {
        address agent = _firstStaked(agentSeed, true);
        IAgentStaking.Stake memory before = staking.stakeOf(agent);
        uint256 stake = uint256(before.bonded) + before.unbonding;
        uint256 cap = staking.slashCap(agent);
        uint256 amount = withinCap ? (cap == 0 ? 0 : 1 + amountSeed % cap) : amountSeed % (2 * stake + 2);
        address reporter = reporterSeed % 3 == 0 ? address(0) : _payees[2 + reporterSeed % 2];
        address treasury = staking.treasury();
        uint256 treasuryOwed = staking.owed(treasury);
        uint256 reporterOwed = reporter == address(0) ? 0 : staking.owed(reporter);
        uint256 bountyBps = staking.reporterBountyBps();

        vm.prank(owner);
        try staking.slash(agent, amount, keccak256(abi.encode(calls)), reporter) {
            ++slashes;
            if (amount > cap) slashAboveCapSucceeded = true;
            uint256 bps = stake == 0 ? type(uint256).max : amount * BPS / stake;
            if (bps > maxSlashBps) maxSlashBps = bps;
            ghostSlashed[agent] += amount;
            ghostSlashedTotal += amount;
            _checkSplit(agent, before, amount, reporter, treasury, treasuryOwed, reporterOwed, bountyBps);
        } catch (bytes memory reason) {
            ++rejectedSlashes;
            bytes4 selector = bytes4(reason);
            bool expected = (amount == 0 && selector == IAgentStaking.StakingZeroAmount.selector)
                || (amount > cap && selector == IAgentStaking.StakingSlashTooLarge.selector);
            if (!expected) unexpectedSlashRevert = true;
        }
    }

    /// @notice The owner sets the reporter bounty to 0..10%.
    function setReporterBounty(uint256 bpsSeed) external tick {
        vm.prank(owner);
        staking.setReporterBounty(uint16(bpsSeed % 1_001));
    }

    /// @notice The owner moves the treasury between two addresses; what the old one is owed stays with it.
    function setTreasury(bool second) external tick {
        vm.prank(owner);
        staking.setTreasury(_payees[second ? 1 : 0]);
    }

    /// @notice Anyone collects what a treasury or reporter is owed.
    function collectFor(uint256 payeeSeed) external tick {
        address payee = _payees[payeeSeed % PAYEES];
        uint256 owed = staking.owed(payee);
        if (owed == 0) return;
        uint256 before = payee.balance;
        uint256 paid = staking.collectFor(payee);
        if (paid != owed || payee.balance != before + paid || staking.owed(payee) != 0) payoutWrong = true;
        ghostCollected += paid;
    }

    /// @notice Moves time forward by 0 to 19 whole days (the seed's last digits, so small seeds move it too) plus up
    /// to a day; a few calls outlast the 14-day cooldown.
    function warp(uint256 secondsSeed) external tick {
        now_ += (secondsSeed % 20) * 1 days + (secondsSeed / 20) % 1 days;
    }

    // ------------------------------------------------------------ views for the invariants

    /// @notice Agent `index`'s address.
    function agentAt(uint256 index) external view returns (address) {
        return _agents[index];
    }

    /// @notice Payee `index`'s address (0, 1: treasuries; 2, 3: reporters).
    function payeeAt(uint256 index) external view returns (address) {
        return _payees[index];
    }

    /// @dev The first agent from `seed` on with a bond (or, when `orUnbonding`, a bond or unbonding funds); the seeded
    /// agent when none has.
    function _firstStaked(uint256 seed, bool orUnbonding) private view returns (address) {
        for (uint256 i; i < AGENTS; ++i) {
            address candidate = _agents[(seed % AGENTS + i) % AGENTS];
            IAgentStaking.Stake memory stake = staking.stakeOf(candidate);
            if (stake.bonded != 0 || (orUnbonding && stake.unbonding != 0)) return candidate;
        }
        return _agents[seed % AGENTS];
    }

    /// @dev Bond first, then unbonding; the bounty (0 without a reporter) to the reporter, the rest to the treasury.
    function _checkSplit(
        address agent_,
        IAgentStaking.Stake memory before,
        uint256 amount,
        address reporter,
        address treasury,
        uint256 treasuryOwed,
        uint256 reporterOwed,
        uint256 bountyBps
    ) private {
        IAgentStaking.Stake memory after_ = staking.stakeOf(agent_);
        uint256 fromBond = amount < before.bonded ? amount : before.bonded;
        if (after_.bonded != before.bonded - fromBond) slashSplitWrong = true;
        if (after_.unbonding != before.unbonding - (amount - fromBond)) slashSplitWrong = true;
        if (after_.unbondReadyAt != before.unbondReadyAt) slashSplitWrong = true;
        uint256 bounty = reporter == address(0) ? 0 : amount * bountyBps / BPS;
        // Reporters and treasuries are distinct addresses here, so each owed balance grows by its own part.
        if (staking.owed(treasury) != treasuryOwed + amount - bounty) slashSplitWrong = true;
        if (reporter != address(0) && staking.owed(reporter) != reporterOwed + bounty) slashSplitWrong = true;
    }
}
