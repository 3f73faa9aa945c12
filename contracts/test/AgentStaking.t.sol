// SPDX-License-Identifier: MIT
// Unit, fuzz and attack tests of AgentStaking: bonding, the unbonding cooldown, capped slashing (bond first, then
// unbonding), reporter bounties and pulled payouts. GOVERNANCE stands in for the timelock that owns the contract.
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {AgentStaking} from "../src/AgentStaking.sol";
import {GovernanceConfig} from "../src/GovernanceConfig.sol";
import {IAgentStaking} from "../src/interfaces/IAgentStaking.sol";
import {Test, vm} from "./Vm.sol";

/// @notice An agent contract whose receive() reverts, to exercise failed withdrawals.
contract AgentStakingRejectingAgent {
    error AgentStakingRejectingAgentRejected();

    AgentStaking internal immutable _staking;

    constructor(AgentStaking staking_) payable {
        _staking = staking_;
    }

    /// @notice Bonds `amount` of its own balance.
    function bond(uint256 amount) external {
        _staking.bond{value: amount}();
    }

    /// @notice Starts unbonding `amount`.
    function requestUnbond(uint256 amount) external {
        _staking.requestUnbond(amount);
    }

    /// @notice Withdraws its unbonded funds.
    function withdraw() external {
        _staking.withdraw();
    }

    receive() external payable {
        revert AgentStakingRejectingAgentRejected();
    }
}

/// @notice An agent contract that re-enters withdraw() when it is paid.
contract AgentStakingReentrantAgent {
    AgentStaking internal immutable _staking;
    bytes4 public innerRevert;

    constructor(AgentStaking staking_) payable {
        _staking = staking_;
    }

    /// @notice Bonds, requests the whole bond back and (after the cooldown) withdraws.
    function bondAndUnbond(uint256 amount) external {
        _staking.bond{value: amount}();
        _staking.requestUnbond(amount);
    }

    /// @notice Withdraws its unbonded funds (the outer call).
    function withdraw() external returns (uint256) {
        return _staking.withdraw();
    }

    receive() external payable {
        if (innerRevert != bytes4(0) || msg.sender != address(_staking)) return;
        try _staking.withdraw() {
            innerRevert = 0xffffffff; // marks an unexpected success
        } catch (bytes memory reason) {
            innerRevert = bytes4(reason);
        }
    }
}

contract AgentStakingTest is Test {
    AgentStaking internal staking;

    address internal constant GOVERNANCE = address(0x7100);
    address internal constant TREASURY = address(0x7200);
    address internal constant AGENT = address(0xA6E1);
    address internal constant REPORTER = address(0x4E9);
    bytes32 internal constant EVIDENCE = keccak256("evidence");
    uint64 internal constant COOLDOWN = GovernanceConfig.STAKING_UNBOND_COOLDOWN;

    function setUp() public {
        staking = new AgentStaking(GOVERNANCE, TREASURY);
        vm.deal(AGENT, 1_000 ether);
    }

    function _bond(address agent, uint256 amount) internal {
        vm.prank(agent);
        staking.bond{value: amount}();
    }

    function _unbond(address agent, uint256 amount) internal {
        vm.prank(agent);
        staking.requestUnbond(amount);
    }

    function _slash(address agent, uint256 amount, address reporter) internal {
        vm.prank(GOVERNANCE);
        staking.slash(agent, amount, EVIDENCE, reporter);
    }

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + x % (max - min + 1);
    }

    // ------------------------------------------------------------ constructor

    function test_constructor_setsDefaults() public view {
        vm.assertEq(staking.owner(), GOVERNANCE);
        vm.assertEq(staking.treasury(), TREASURY);
        vm.assertEq(staking.cooldown(), GovernanceConfig.STAKING_UNBOND_COOLDOWN);
        vm.assertEq(staking.reporterBountyBps(), GovernanceConfig.STAKING_REPORTER_BOUNTY_BPS);
        vm.assertGt(
            staking.cooldown(),
            GovernanceConfig.VOTING_DELAY + GovernanceConfig.VOTING_PERIOD + GovernanceConfig.TIMELOCK_MIN_DELAY,
            "an agent cannot leave before a slashing proposal can execute"
        );
    }

    function test_constructor_zeroTreasuryReverts() public {
        vm.expectRevert(IAgentStaking.StakingZeroTreasury.selector);
        new AgentStaking(GOVERNANCE, address(0));
    }

    // ------------------------------------------------------------ bond

    function test_bond_addsToBond() public {
        vm.expectEmit(address(staking));
        emit IAgentStaking.Bonded(AGENT, 10 ether, 10 ether);
        _bond(AGENT, 10 ether);
        vm.expectEmit(address(staking));
        emit IAgentStaking.Bonded(AGENT, 5 ether, 15 ether);
        _bond(AGENT, 5 ether);

        IAgentStaking.Stake memory stake = staking.stakeOf(AGENT);
        vm.assertEq(stake.bonded, 15 ether);
        vm.assertEq(stake.unbonding, 0);
        vm.assertEq(address(staking).balance, 15 ether);
    }

    function test_bond_zeroReverts() public {
        vm.expectRevert(IAgentStaking.StakingZeroAmount.selector);
        _bond(AGENT, 0);
    }

    // ------------------------------------------------------------ requestUnbond

    function test_requestUnbond_movesToUnbonding() public {
        _bond(AGENT, 10 ether);
        uint64 readyAt = uint64(block.timestamp) + COOLDOWN;
        vm.expectEmit(address(staking));
        emit IAgentStaking.UnbondRequested(AGENT, 4 ether, 4 ether, readyAt);
        _unbond(AGENT, 4 ether);

        IAgentStaking.Stake memory stake = staking.stakeOf(AGENT);
        vm.assertEq(stake.bonded, 6 ether);
        vm.assertEq(stake.unbonding, 4 ether);
        vm.assertEq(stake.unbondReadyAt, readyAt);
    }

    function test_requestUnbond_secondRequestRestartsCooldown() public {
        _bond(AGENT, 10 ether);
        _unbond(AGENT, 4 ether);
        vm.warp(block.timestamp + 3 days);
        _unbond(AGENT, 1 ether);
        IAgentStaking.Stake memory stake = staking.stakeOf(AGENT);
        vm.assertEq(stake.unbonding, 5 ether);
        vm.assertEq(stake.unbondReadyAt, block.timestamp + COOLDOWN, "restarted for all unbonding funds");
    }

    function test_requestUnbond_moreThanBondReverts() public {
        _bond(AGENT, 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingInsufficientBond.selector, 11 ether, 10 ether));
        _unbond(AGENT, 11 ether);
    }

    function test_requestUnbond_zeroReverts() public {
        _bond(AGENT, 10 ether);
        vm.expectRevert(IAgentStaking.StakingZeroAmount.selector);
        _unbond(AGENT, 0);
    }

    // ------------------------------------------------------------ withdraw

    function test_withdraw_afterCooldownPays() public {
        _bond(AGENT, 10 ether);
        _unbond(AGENT, 4 ether);
        vm.warp(block.timestamp + COOLDOWN);
        vm.expectEmit(address(staking));
        emit IAgentStaking.Withdrawn(AGENT, 4 ether);
        vm.prank(AGENT);
        vm.assertEq(staking.withdraw(), 4 ether);

        vm.assertEq(AGENT.balance, 994 ether);
        vm.assertEq(staking.stakeOf(AGENT).unbonding, 0);
        vm.assertEq(staking.stakeOf(AGENT).bonded, 6 ether);
    }

    function test_withdraw_beforeCooldownReverts() public {
        _bond(AGENT, 10 ether);
        _unbond(AGENT, 4 ether);
        uint64 readyAt = uint64(block.timestamp) + COOLDOWN;
        vm.warp(readyAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingCooldownActive.selector, AGENT, readyAt));
        vm.prank(AGENT);
        staking.withdraw();
    }

    function test_withdraw_nothingReverts() public {
        _bond(AGENT, 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNothingToWithdraw.selector, AGENT));
        vm.prank(AGENT);
        staking.withdraw();
    }

    function test_withdraw_twiceReverts() public {
        _bond(AGENT, 10 ether);
        _unbond(AGENT, 4 ether);
        vm.warp(block.timestamp + COOLDOWN);
        vm.prank(AGENT);
        staking.withdraw();
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNothingToWithdraw.selector, AGENT));
        vm.prank(AGENT);
        staking.withdraw();
    }

    function test_withdraw_rejectingAgentReverts() public {
        AgentStakingRejectingAgent agent = new AgentStakingRejectingAgent{value: 5 ether}(staking);
        agent.bond(5 ether);
        agent.requestUnbond(5 ether);
        vm.warp(block.timestamp + COOLDOWN);
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingTransferFailed.selector, address(agent), 5 ether)
        );
        agent.withdraw();
        vm.assertEq(staking.stakeOf(address(agent)).unbonding, 5 ether, "funds kept");
    }

    function test_withdraw_reentrancyBlocked() public {
        AgentStakingReentrantAgent agent = new AgentStakingReentrantAgent{value: 5 ether}(staking);
        _bond(AGENT, 10 ether); // other funds an attacker would like to drain
        agent.bondAndUnbond(5 ether);
        vm.warp(block.timestamp + COOLDOWN);
        vm.assertEq(agent.withdraw(), 5 ether);
        vm.assertEq(
            uint256(uint32(agent.innerRevert())),
            uint256(uint32(bytes4(keccak256("ReentrancyGuardReentrantCall()")))),
            "re-entry blocked by the guard"
        );
        vm.assertEq(address(agent).balance, 5 ether, "paid exactly once");
        vm.assertEq(address(staking).balance, 10 ether);
    }

    // ------------------------------------------------------------ slash

    function test_slash_takesBondFirst() public {
        _bond(AGENT, 10 ether);
        _unbond(AGENT, 4 ether);
        _slash(AGENT, 5 ether, address(0));
        IAgentStaking.Stake memory stake = staking.stakeOf(AGENT);
        vm.assertEq(stake.bonded, 1 ether);
        vm.assertEq(stake.unbonding, 4 ether, "unbonding untouched while the bond covers the slash");
    }

    function test_slash_thenTakesUnbonding() public {
        _bond(AGENT, 10 ether);
        _unbond(AGENT, 8 ether);
        _slash(AGENT, 5 ether, address(0));
        IAgentStaking.Stake memory stake = staking.stakeOf(AGENT);
        vm.assertEq(stake.bonded, 0);
        vm.assertEq(stake.unbonding, 5 ether, "3 ether of the slash came from unbonding");
    }

    function test_slash_unbondingStaysSlashableUntilWithdrawn() public {
        _bond(AGENT, 10 ether);
        _unbond(AGENT, 10 ether);
        vm.warp(block.timestamp + COOLDOWN); // the cooldown is over but the agent has not withdrawn
        _slash(AGENT, 5 ether, address(0));
        vm.prank(AGENT);
        vm.assertEq(staking.withdraw(), 5 ether);
    }

    function test_slash_withdrawnFundsAreOutOfReach() public {
        _bond(AGENT, 10 ether);
        _unbond(AGENT, 10 ether);
        vm.warp(block.timestamp + COOLDOWN);
        vm.prank(AGENT);
        staking.withdraw();
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingSlashTooLarge.selector, 1, 0));
        _slash(AGENT, 1, address(0));
    }

    function test_slash_withReporterSplitsBounty() public {
        _bond(AGENT, 10 ether);
        vm.expectEmit(address(staking));
        emit IAgentStaking.Slashed(AGENT, 4 ether, EVIDENCE, REPORTER, 0.2 ether);
        _slash(AGENT, 4 ether, REPORTER);
        vm.assertEq(staking.owed(REPORTER), 0.2 ether, "5% bounty");
        vm.assertEq(staking.owed(TREASURY), 3.8 ether, "the rest to the treasury");
    }

    function test_slash_withoutReporterAllToTreasury() public {
        _bond(AGENT, 10 ether);
        _slash(AGENT, 4 ether, address(0));
        vm.assertEq(staking.owed(TREASURY), 4 ether);
        vm.assertEq(staking.owed(address(0)), 0);
    }

    function test_slash_aboveCapReverts() public {
        _bond(AGENT, 10 ether);
        _unbond(AGENT, 2 ether);
        vm.assertEq(staking.slashCap(AGENT), 5 ether, "50% of bond + unbonding");
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingSlashTooLarge.selector, 5 ether + 1, 5 ether));
        _slash(AGENT, 5 ether + 1, address(0));
        _slash(AGENT, 5 ether, address(0));
        vm.assertEq(staking.slashCap(AGENT), 2.5 ether, "the cap follows the remaining stake");
    }

    function test_slash_zeroReverts() public {
        _bond(AGENT, 10 ether);
        vm.expectRevert(IAgentStaking.StakingZeroAmount.selector);
        _slash(AGENT, 0, address(0));
    }

    function test_slash_unauthorizedReverts() public {
        _bond(AGENT, 10 ether);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, REPORTER));
        vm.prank(REPORTER);
        staking.slash(AGENT, 1 ether, EVIDENCE, REPORTER);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, AGENT));
        vm.prank(AGENT);
        staking.slash(AGENT, 1 ether, EVIDENCE, AGENT);
    }

    function testFuzz_slash(uint128 bonded, uint128 unbondSeed, uint256 amountSeed, bool withReporter) public {
        uint256 bond_ = _bound(bonded, 1, 1_000_000 ether);
        uint256 unbonding = _bound(unbondSeed, 0, bond_);
        vm.deal(AGENT, bond_);
        _bond(AGENT, bond_);
        if (unbonding != 0) _unbond(AGENT, unbonding);
        uint256 cap = bond_ * 5_000 / 10_000;
        vm.assertEq(staking.slashCap(AGENT), cap);
        if (cap == 0) return;
        uint256 amount = _bound(amountSeed, 1, cap);
        address reporter = withReporter ? REPORTER : address(0);
        _slash(AGENT, amount, reporter);

        IAgentStaking.Stake memory stake = staking.stakeOf(AGENT);
        uint256 activeBefore = bond_ - unbonding;
        uint256 fromBond = amount < activeBefore ? amount : activeBefore;
        vm.assertEq(stake.bonded, activeBefore - fromBond, "bond first");
        vm.assertEq(stake.unbonding, unbonding - (amount - fromBond), "then unbonding");
        uint256 bounty = withReporter ? amount * 500 / 10_000 : 0;
        vm.assertEq(staking.owed(REPORTER), bounty, "bounty");
        vm.assertEq(staking.owed(TREASURY), amount - bounty, "treasury");
        vm.assertLe(bounty, amount / 10, "bounty at most 10%");
        vm.assertEq(
            address(staking).balance,
            uint256(stake.bonded) + stake.unbonding + staking.owed(REPORTER) + staking.owed(TREASURY),
            "balance == stakes + owed"
        );
    }

    // ------------------------------------------------------------ collectFor

    function test_collectFor_paysTreasuryAndReporter() public {
        _bond(AGENT, 10 ether);
        _slash(AGENT, 4 ether, REPORTER);
        vm.expectEmit(address(staking));
        emit IAgentStaking.Collected(TREASURY, 3.8 ether);
        vm.prank(address(0xAE1A)); // anyone may trigger it
        staking.collectFor(TREASURY);
        staking.collectFor(REPORTER);
        vm.assertEq(TREASURY.balance, 3.8 ether);
        vm.assertEq(REPORTER.balance, 0.2 ether);
        vm.assertEq(staking.owed(TREASURY), 0);
    }

    function test_collectFor_nothingOwedReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNothingOwed.selector, TREASURY));
        staking.collectFor(TREASURY);
    }

    function test_collectFor_twiceReverts() public {
        _bond(AGENT, 10 ether);
        _slash(AGENT, 4 ether, address(0));
        staking.collectFor(TREASURY);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNothingOwed.selector, TREASURY));
        staking.collectFor(TREASURY);
    }

    // ------------------------------------------------------------ governance setters

    function test_setCooldown_updates() public {
        vm.expectEmit(address(staking));
        emit IAgentStaking.CooldownUpdated(COOLDOWN, 21 days);
        vm.prank(GOVERNANCE);
        staking.setCooldown(21 days);
        _bond(AGENT, 1 ether);
        _unbond(AGENT, 1 ether);
        vm.assertEq(staking.stakeOf(AGENT).unbondReadyAt, block.timestamp + 21 days);
    }

    function test_setCooldown_outOfRangeReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingCooldownOutOfRange.selector, 1 days - 1));
        vm.prank(GOVERNANCE);
        staking.setCooldown(1 days - 1);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingCooldownOutOfRange.selector, 91 days));
        vm.prank(GOVERNANCE);
        staking.setCooldown(91 days);
    }

    function test_setCooldown_unauthorizedReverts() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, AGENT));
        vm.prank(AGENT);
        staking.setCooldown(1 days);
    }

    function test_setReporterBounty_updates() public {
        vm.expectEmit(address(staking));
        emit IAgentStaking.ReporterBountyUpdated(500, 1_000);
        vm.prank(GOVERNANCE);
        staking.setReporterBounty(1_000);
        _bond(AGENT, 10 ether);
        _slash(AGENT, 4 ether, REPORTER);
        vm.assertEq(staking.owed(REPORTER), 0.4 ether);
    }

    function test_setReporterBounty_aboveCapReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingBountyTooHigh.selector, 1_001, 1_000));
        vm.prank(GOVERNANCE);
        staking.setReporterBounty(1_001);
    }

    function test_setReporterBounty_unauthorizedReverts() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, REPORTER));
        vm.prank(REPORTER);
        staking.setReporterBounty(1_000);
    }

    function test_setTreasury_updates() public {
        vm.expectEmit(address(staking));
        emit IAgentStaking.TreasuryUpdated(TREASURY, address(0x7201));
        vm.prank(GOVERNANCE);
        staking.setTreasury(address(0x7201));
        _bond(AGENT, 10 ether);
        _slash(AGENT, 1 ether, address(0));
        vm.assertEq(staking.owed(address(0x7201)), 1 ether);
    }

    function test_setTreasury_zeroReverts() public {
        vm.expectRevert(IAgentStaking.StakingZeroTreasury.selector);
        vm.prank(GOVERNANCE);
        staking.setTreasury(address(0));
    }

    function test_setTreasury_unauthorizedReverts() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, AGENT));
        vm.prank(AGENT);
        staking.setTreasury(AGENT);
    }
}

/// @notice Gas of bond ("stake") as a transaction would pay it: the measured call plus the 21,000 intrinsic gas and the
/// calldata cost, with the staking contract cold. The measurement also counts the test's own CALL overhead (cold
/// address, value transfer), so the asserted numbers are upper bounds.
contract AgentStakingGasTest is Test {
    event log_named_uint(string key, uint256 val);

    AgentStaking internal staking;

    address internal constant GOVERNANCE = address(0x7100);
    address internal constant TREASURY = address(0x7200);
    address internal constant AGENT = address(0xA6E1);

    function setUp() public {
        staking = new AgentStaking(GOVERNANCE, TREASURY);
        vm.deal(AGENT, 1_000 ether);
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 gas) {
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function _txGasOfBond(uint256 amount) internal returns (uint256) {
        bytes memory data = abi.encodeCall(staking.bond, ());
        vm.cool(address(staking));
        vm.prank(AGENT);
        uint256 before = gasleft();
        staking.bond{value: amount}();
        uint256 used = before - gasleft();
        return used + 21_000 + _calldataGas(data);
    }

    function test_bond_gasFirstBond() public {
        uint256 gas = _txGasOfBond(10 ether);
        emit log_named_uint("bond (first stake) tx gas (upper bound)", gas);
        vm.assertLe(gas, 60_000, "first bond of an agent");
    }

    function test_bond_gasTopUp() public {
        vm.prank(AGENT);
        staking.bond{value: 10 ether}();
        uint256 gas = _txGasOfBond(5 ether);
        emit log_named_uint("bond (top-up) tx gas (upper bound)", gas);
        vm.assertLe(gas, 40_000, "adding to a bond");
    }
}
