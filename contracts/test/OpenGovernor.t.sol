// SPDX-License-Identifier: MIT
// Lifecycle tests of OpenGovernor through a real TimelockController, wired as GovernanceConfig describes: holders wrap
// OPEN into WOPEN, propose, vote, queue and execute proposals that slash an agent and change the ledger's fee shares.
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

import {AgentStaking} from "../src/AgentStaking.sol";
import {AttributionLedger} from "../src/AttributionLedger.sol";
import {DatanetRegistry} from "../src/DatanetRegistry.sol";
import {GovernanceConfig} from "../src/GovernanceConfig.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {OpenGovernor} from "../src/OpenGovernor.sol";
import {WOpen} from "../src/WOpen.sol";
import {IAgentStaking} from "../src/interfaces/IAgentStaking.sol";
import {IAttributionLedger} from "../src/interfaces/IAttributionLedger.sol";
import {IDatanetRegistry} from "../src/interfaces/IDatanetRegistry.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {Test, vm} from "./Vm.sol";

/// @notice The deployment GovernanceConfig describes: WOPEN, the timelock and governor, and the governed contracts.
abstract contract GovernanceFixture is Test {
    WOpen internal wopen;
    TimelockController internal timelock;
    OpenGovernor internal governor;
    ModelRegistry internal models;
    AttributionLedger internal ledger;
    AgentStaking internal staking;

    // Supply 1,000,000 WOPEN; quorum (4%) is 40,000. ALICE alone reaches it, BOB alone does not, CAROL cannot propose.
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant CAROL = address(0xCA201);
    address internal constant WHALE = address(0x3A1E);
    uint256 internal constant ALICE_WOPEN = 50_000 ether;
    uint256 internal constant BOB_WOPEN = 30_000 ether;
    uint256 internal constant CAROL_WOPEN = 500 ether;
    uint256 internal constant WHALE_WOPEN = 919_500 ether;

    address internal constant ATTESTER = address(0x7300);
    address internal constant AGENT = address(0xA6E1);
    address internal constant REPORTER = address(0x4E9);
    bytes32 internal constant EVIDENCE = keccak256("agent returned forged outputs");
    uint256 internal constant START = 1_700_000_000;

    uint8 internal constant AGAINST = 0;
    uint8 internal constant FOR = 1;
    uint8 internal constant ABSTAIN = 2;

    function _deployGovernance() internal {
        vm.warp(START);
        wopen = new WOpen();
        address[] memory none = new address[](0);
        address[] memory anyone = new address[](1); // address(0): anyone may execute a ready operation
        timelock = new TimelockController(GovernanceConfig.TIMELOCK_MIN_DELAY, none, anyone, address(this));
        governor = new OpenGovernor(IVotes(address(wopen)), timelock);
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));

        DatanetRegistry datanets = new DatanetRegistry();
        models = new ModelRegistry(IDatanetRegistry(address(datanets)));
        ledger = new AttributionLedger(IModelRegistry(address(models)), address(timelock), address(timelock), ATTESTER);
        staking = new AgentStaking(address(timelock), address(timelock));

        _wrap(ALICE, ALICE_WOPEN);
        _wrap(BOB, BOB_WOPEN);
        _wrap(CAROL, CAROL_WOPEN);
        _wrap(WHALE, WHALE_WOPEN);
        vm.warp(START + 1); // proposers' votes are read one second back
    }

    function _wrap(address holder, uint256 amount) internal {
        vm.deal(holder, amount);
        vm.prank(holder);
        wopen.deposit{value: amount}();
    }

    function _single(address target, bytes memory data)
        internal
        pure
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        targets = new address[](1);
        targets[0] = target;
        values = new uint256[](1);
        calldatas = new bytes[](1);
        calldatas[0] = data;
    }

    function _slashProposal(uint256 amount) internal view returns (address[] memory, uint256[] memory, bytes[] memory) {
        return _single(address(staking), abi.encodeCall(staking.slash, (AGENT, amount, EVIDENCE, REPORTER)));
    }

    function _propose(
        address proposer,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description
    ) internal returns (uint256 proposalId) {
        vm.prank(proposer);
        proposalId = governor.propose(targets, values, calldatas, description);
    }

    function _vote(uint256 proposalId, address voter, uint8 support) internal {
        vm.prank(voter);
        governor.castVote(proposalId, support);
    }

    function _toVoting(uint256 proposalId) internal {
        vm.warp(governor.proposalSnapshot(proposalId) + 1);
    }

    function _toVoteEnd(uint256 proposalId) internal {
        vm.warp(governor.proposalDeadline(proposalId) + 1);
    }

    function _bitmap(IGovernor.ProposalState state) internal pure returns (bytes32) {
        return bytes32(uint256(1) << uint8(state));
    }

    function _assertState(uint256 proposalId, IGovernor.ProposalState expected) internal view {
        vm.assertEq(uint256(governor.state(proposalId)), uint256(expected), "proposal state");
    }
}

contract OpenGovernorTest is GovernanceFixture {
    function setUp() public {
        _deployGovernance();
        vm.deal(AGENT, 100 ether);
        vm.prank(AGENT);
        staking.bond{value: 100 ether}();
    }

    /// Proposes, passes (ALICE and BOB for) and queues; returns the id and the description hash.
    function _passAndQueue(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description
    ) internal returns (uint256 proposalId, bytes32 descriptionHash) {
        descriptionHash = keccak256(bytes(description));
        proposalId = _propose(ALICE, targets, values, calldatas, description);
        _toVoting(proposalId);
        _vote(proposalId, ALICE, FOR);
        _vote(proposalId, BOB, FOR);
        _toVoteEnd(proposalId);
        _assertState(proposalId, IGovernor.ProposalState.Succeeded);
        governor.queue(targets, values, calldatas, descriptionHash);
        _assertState(proposalId, IGovernor.ProposalState.Queued);
    }

    // ------------------------------------------------------------ wiring

    function test_constructor_usesGovernanceConfig() public view {
        vm.assertEq(governor.name(), "OpenGovernor");
        vm.assertEq(address(governor.token()), address(wopen));
        vm.assertEq(governor.timelock(), address(timelock));
        vm.assertEq(governor.votingDelay(), GovernanceConfig.VOTING_DELAY);
        vm.assertEq(governor.votingPeriod(), GovernanceConfig.VOTING_PERIOD);
        vm.assertEq(governor.proposalThreshold(), GovernanceConfig.PROPOSAL_THRESHOLD);
        vm.assertEq(governor.quorumNumerator(), GovernanceConfig.QUORUM_PERCENT);
        vm.assertEq(governor.quorumDenominator(), 100);
        vm.assertEq(timelock.getMinDelay(), GovernanceConfig.TIMELOCK_MIN_DELAY);
        vm.assertEq(governor.COUNTING_MODE(), "support=bravo&quorum=for,abstain");
    }

    function test_clock_followsTokenTimestamps() public {
        vm.assertEq(governor.CLOCK_MODE(), "mode=timestamp");
        vm.assertEq(uint256(governor.clock()), block.timestamp);
        vm.warp(block.timestamp + 1 days);
        vm.assertEq(uint256(governor.clock()), block.timestamp);
    }

    function test_wiring_timelockRolesAndOwnership() public view {
        vm.assertTrue(timelock.hasRole(timelock.PROPOSER_ROLE(), address(governor)), "governor proposes");
        vm.assertTrue(timelock.hasRole(timelock.CANCELLER_ROLE(), address(governor)), "governor cancels");
        vm.assertTrue(timelock.hasRole(timelock.EXECUTOR_ROLE(), address(0)), "anyone executes");
        vm.assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(this)), "deployer renounced admin");
        vm.assertTrue(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(timelock)), "timelock administers itself");
        vm.assertFalse(timelock.hasRole(timelock.PROPOSER_ROLE(), ALICE), "holders propose only through the governor");
        vm.assertEq(ledger.owner(), address(timelock));
        vm.assertEq(ledger.treasury(), address(timelock));
        vm.assertEq(staking.owner(), address(timelock));
        vm.assertEq(staking.treasury(), address(timelock));
    }

    function test_quorum_isFourPercentOfSupplyAtSnapshot() public {
        vm.assertEq(governor.quorum(START), 40_000 ether);
        _wrap(CAROL, 1_000_000 ether);
        vm.warp(block.timestamp + 1);
        vm.assertEq(governor.quorum(START), 40_000 ether, "past snapshots keep their quorum");
        vm.assertEq(governor.quorum(block.timestamp - 1), 80_000 ether, "4% of 2,000,000 WOPEN");
    }

    // ------------------------------------------------------------ propose

    function test_propose_belowThresholdReverts() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector,
                CAROL,
                CAROL_WOPEN,
                GovernanceConfig.PROPOSAL_THRESHOLD
            )
        );
        vm.prank(CAROL);
        governor.propose(t, v, c, "slash agent");
    }

    function test_propose_thresholdReadsVotesOneSecondBack() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(10 ether);
        _wrap(CAROL, 1_000 ether); // now 1,500 WOPEN, but only from this second on
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector,
                CAROL,
                CAROL_WOPEN,
                GovernanceConfig.PROPOSAL_THRESHOLD
            )
        );
        vm.prank(CAROL);
        governor.propose(t, v, c, "slash agent");

        vm.warp(block.timestamp + 1);
        uint256 proposalId = _propose(CAROL, t, v, c, "slash agent");
        _assertState(proposalId, IGovernor.ProposalState.Pending);
    }

    function test_propose_atThresholdAccepted() public {
        address proposer = address(0x1000);
        _wrap(proposer, GovernanceConfig.PROPOSAL_THRESHOLD);
        vm.warp(block.timestamp + 1);
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(10 ether);
        uint256 proposalId = _propose(proposer, t, v, c, "slash agent");
        vm.assertEq(governor.proposalProposer(proposalId), proposer);
        vm.assertEq(governor.proposalSnapshot(proposalId), block.timestamp + GovernanceConfig.VOTING_DELAY);
        vm.assertEq(
            governor.proposalDeadline(proposalId),
            block.timestamp + GovernanceConfig.VOTING_DELAY + GovernanceConfig.VOTING_PERIOD
        );
    }

    // ------------------------------------------------------------ castVote

    function test_castVote_beforeVotingDelayReverts() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(10 ether);
        uint256 proposalId = _propose(ALICE, t, v, c, "slash agent");
        vm.warp(governor.proposalSnapshot(proposalId)); // the snapshot second itself is still Pending
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Pending,
                _bitmap(IGovernor.ProposalState.Active)
            )
        );
        _vote(proposalId, ALICE, FOR);
    }

    function test_castVote_countsSnapshotWeight() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(10 ether);
        uint256 proposalId = _propose(ALICE, t, v, c, "slash agent");
        _toVoting(proposalId);
        // Tokens wrapped or moved after the snapshot do not count.
        _wrap(BOB, 500_000 ether);
        vm.prank(ALICE);
        vm.assertTrue(wopen.transfer(CAROL, ALICE_WOPEN), "transferred");

        vm.expectEmit(address(governor));
        emit IGovernor.VoteCast(ALICE, proposalId, FOR, ALICE_WOPEN, "");
        _vote(proposalId, ALICE, FOR);
        _vote(proposalId, BOB, AGAINST);
        _vote(proposalId, CAROL, ABSTAIN);
        (uint256 against, uint256 forVotes, uint256 abstain) = governor.proposalVotes(proposalId);
        vm.assertEq(forVotes, ALICE_WOPEN);
        vm.assertEq(against, BOB_WOPEN);
        vm.assertEq(abstain, CAROL_WOPEN);
        vm.assertTrue(governor.hasVoted(proposalId, ALICE), "recorded");
    }

    function test_castVote_twiceReverts() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(10 ether);
        uint256 proposalId = _propose(ALICE, t, v, c, "slash agent");
        _toVoting(proposalId);
        _vote(proposalId, BOB, FOR);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorAlreadyCastVote.selector, BOB));
        _vote(proposalId, BOB, AGAINST);
    }

    function test_castVote_afterDeadlineReverts() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(10 ether);
        uint256 proposalId = _propose(ALICE, t, v, c, "slash agent");
        _toVoteEnd(proposalId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Defeated,
                _bitmap(IGovernor.ProposalState.Active)
            )
        );
        _vote(proposalId, ALICE, FOR);
    }

    // ------------------------------------------------------------ the full lifecycle

    function test_lifecycle_slashesAgentBond() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(40 ether);
        string memory description = "Slash agent 0xA6E1 by 40 OPEN for forged outputs";
        bytes32 descriptionHash = keccak256(bytes(description));

        uint256 proposalId = _propose(ALICE, t, v, c, description);
        vm.assertEq(proposalId, governor.hashProposal(t, v, c, descriptionHash));
        _assertState(proposalId, IGovernor.ProposalState.Pending);

        vm.warp(block.timestamp + GovernanceConfig.VOTING_DELAY + 1);
        _assertState(proposalId, IGovernor.ProposalState.Active);
        _vote(proposalId, ALICE, FOR);
        _vote(proposalId, BOB, AGAINST);

        vm.warp(block.timestamp + GovernanceConfig.VOTING_PERIOD);
        _assertState(proposalId, IGovernor.ProposalState.Succeeded);

        governor.queue(t, v, c, descriptionHash);
        _assertState(proposalId, IGovernor.ProposalState.Queued);
        vm.assertEq(governor.proposalEta(proposalId), block.timestamp + GovernanceConfig.TIMELOCK_MIN_DELAY);

        vm.warp(governor.proposalEta(proposalId));
        vm.expectEmit(address(staking));
        emit IAgentStaking.Slashed(AGENT, 40 ether, EVIDENCE, REPORTER, 2 ether);
        vm.prank(CAROL); // anyone may execute a ready proposal
        governor.execute(t, v, c, descriptionHash);
        _assertState(proposalId, IGovernor.ProposalState.Executed);

        vm.assertEq(staking.stakeOf(AGENT).bonded, 60 ether);
        vm.assertEq(staking.owed(REPORTER), 2 ether, "5% bounty");
        vm.assertEq(staking.owed(address(timelock)), 38 ether, "the timelock is the treasury");
        staking.collectFor(address(timelock));
        vm.assertEq(address(timelock).balance, 38 ether, "the timelock accepts native OPEN");
    }

    function test_lifecycle_changesLedgerShares() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _single(address(ledger), abi.encodeCall(ledger.setShares, (2_000, 1_000)));
        (uint256 proposalId, bytes32 descriptionHash) = _passAndQueue(t, v, c, "Raise owner share to 20%, treasury 10%");

        vm.warp(governor.proposalEta(proposalId));
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.SharesUpdated(2_000, 1_000);
        governor.execute(t, v, c, descriptionHash);

        (uint16 ownerBps, uint16 treasuryBps) = ledger.shares();
        vm.assertEq(uint256(ownerBps), 2_000);
        vm.assertEq(uint256(treasuryBps), 1_000);
        _assertState(proposalId, IGovernor.ProposalState.Executed);
    }

    function test_lifecycle_slashReachesFundsUnbondedWhenProposed() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(50 ether);
        string memory description = "Slash agent 0xA6E1 by half";
        uint256 proposalId = _propose(ALICE, t, v, c, description);
        // The agent sees the proposal and tries to leave with its whole bond.
        vm.prank(AGENT);
        staking.requestUnbond(100 ether);
        uint64 readyAt = staking.stakeOf(AGENT).unbondReadyAt;

        _toVoting(proposalId);
        _vote(proposalId, ALICE, FOR);
        _toVoteEnd(proposalId);
        governor.queue(t, v, c, keccak256(bytes(description)));
        vm.warp(governor.proposalEta(proposalId));
        vm.assertLt(block.timestamp, readyAt, "the cooldown outlasts vote + timelock");
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingCooldownActive.selector, AGENT, readyAt));
        vm.prank(AGENT);
        staking.withdraw();

        governor.execute(t, v, c, keccak256(bytes(description)));
        vm.assertEq(staking.stakeOf(AGENT).unbonding, 50 ether, "the slash took half of the unbonding funds");
    }

    function test_lifecycle_batchProposalRunsEveryCall() public {
        address[] memory t = new address[](2);
        uint256[] memory v = new uint256[](2);
        bytes[] memory c = new bytes[](2);
        t[0] = address(staking);
        c[0] = abi.encodeCall(staking.setReporterBounty, (1_000));
        t[1] = address(staking);
        c[1] = abi.encodeCall(staking.slash, (AGENT, 10 ether, EVIDENCE, REPORTER));
        (uint256 proposalId, bytes32 descriptionHash) = _passAndQueue(t, v, c, "Raise bounty, then slash");
        vm.warp(governor.proposalEta(proposalId));
        governor.execute(t, v, c, descriptionHash);
        vm.assertEq(staking.owed(REPORTER), 1 ether, "the slash saw the new 10% bounty");
    }

    // ------------------------------------------------------------ defeat and timing

    function test_execute_defeatedByQuorumReverts() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(40 ether);
        string memory description = "slash agent";
        bytes32 descriptionHash = keccak256(bytes(description));
        uint256 proposalId = _propose(ALICE, t, v, c, description);
        _toVoting(proposalId);
        _vote(proposalId, BOB, FOR); // 30,000 < 40,000 quorum
        _vote(proposalId, CAROL, FOR);
        _toVoteEnd(proposalId);
        _assertState(proposalId, IGovernor.ProposalState.Defeated);

        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Defeated,
                _bitmap(IGovernor.ProposalState.Succeeded)
            )
        );
        governor.queue(t, v, c, descriptionHash);
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Defeated,
                _bitmap(IGovernor.ProposalState.Queued)
            )
        );
        governor.execute(t, v, c, descriptionHash);
        vm.assertEq(staking.stakeOf(AGENT).bonded, 100 ether, "nothing slashed");
    }

    function test_execute_defeatedByVotesReverts() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(40 ether);
        string memory description = "slash agent";
        bytes32 descriptionHash = keccak256(bytes(description));
        uint256 proposalId = _propose(ALICE, t, v, c, description);
        _toVoting(proposalId);
        _vote(proposalId, ALICE, FOR); // quorum reached
        _vote(proposalId, WHALE, AGAINST);
        _toVoteEnd(proposalId);
        _assertState(proposalId, IGovernor.ProposalState.Defeated);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Defeated,
                _bitmap(IGovernor.ProposalState.Queued)
            )
        );
        governor.execute(t, v, c, descriptionHash);
    }

    function test_execute_tieIsDefeated() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(40 ether);
        uint256 proposalId = _propose(ALICE, t, v, c, "slash agent");
        address twin = address(0x7A1);
        _wrap(twin, ALICE_WOPEN);
        _toVoting(proposalId);
        _vote(proposalId, ALICE, FOR);
        _vote(proposalId, twin, AGAINST);
        _toVoteEnd(proposalId);
        _assertState(proposalId, IGovernor.ProposalState.Defeated);
    }

    function test_execute_beforeTimelockDelayReverts() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(40 ether);
        string memory description = "slash agent";
        (uint256 proposalId, bytes32 descriptionHash) = _passAndQueue(t, v, c, description);
        bytes32 salt = bytes20(address(governor)) ^ descriptionHash;
        bytes32 operationId = timelock.hashOperationBatch(t, v, c, 0, salt);
        vm.assertTrue(timelock.isOperationPending(operationId), "scheduled in the timelock");

        vm.warp(governor.proposalEta(proposalId) - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                operationId,
                bytes32(uint256(1) << uint8(TimelockController.OperationState.Ready))
            )
        );
        governor.execute(t, v, c, descriptionHash);
        vm.assertEq(staking.stakeOf(AGENT).bonded, 100 ether, "nothing slashed yet");

        vm.warp(governor.proposalEta(proposalId));
        governor.execute(t, v, c, descriptionHash);
        vm.assertEq(staking.stakeOf(AGENT).bonded, 60 ether);
    }

    function test_execute_withoutQueueReverts() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(40 ether);
        string memory description = "slash agent";
        uint256 proposalId = _propose(ALICE, t, v, c, description);
        _toVoting(proposalId);
        _vote(proposalId, ALICE, FOR);
        _toVoteEnd(proposalId);
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Succeeded,
                _bitmap(IGovernor.ProposalState.Queued)
            )
        );
        governor.execute(t, v, c, keccak256(bytes(description)));
    }

    function test_execute_twiceReverts() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(10 ether);
        (uint256 proposalId, bytes32 descriptionHash) = _passAndQueue(t, v, c, "slash agent");
        vm.warp(governor.proposalEta(proposalId));
        governor.execute(t, v, c, descriptionHash);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Executed,
                _bitmap(IGovernor.ProposalState.Queued)
            )
        );
        governor.execute(t, v, c, descriptionHash);
        vm.assertEq(staking.stakeOf(AGENT).bonded, 90 ether, "slashed once");
    }

    function test_execute_failingCallRevertsWithItsError() public {
        // 60 OPEN is above the 50% cap of the 100 OPEN bond: the proposal passes but its call reverts.
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(60 ether);
        (uint256 proposalId, bytes32 descriptionHash) = _passAndQueue(t, v, c, "slash too much");
        vm.warp(governor.proposalEta(proposalId));
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingSlashTooLarge.selector, 60 ether, 50 ether));
        governor.execute(t, v, c, descriptionHash);
        _assertState(proposalId, IGovernor.ProposalState.Queued);
    }

    // ------------------------------------------------------------ cancel

    function test_cancel_byProposerWhilePending() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(10 ether);
        uint256 proposalId = _propose(ALICE, t, v, c, "slash agent");
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorUnableToCancel.selector, proposalId, BOB));
        vm.prank(BOB);
        governor.cancel(t, v, c, keccak256("slash agent"));
        vm.prank(ALICE);
        governor.cancel(t, v, c, keccak256("slash agent"));
        _assertState(proposalId, IGovernor.ProposalState.Canceled);
    }

    // ------------------------------------------------------------ the timelock as treasury

    function test_treasury_timelockReceivesLedgerFeesAndGovernanceSpendsThem() public {
        // A model on a fresh Datanet; one inference pays 1 OPEN, of which the ledger credits the treasury 5%.
        DatanetRegistry datanets = DatanetRegistry(models.datanetRegistry());
        uint64 datanetId = datanets.createDatanet(keccak256("datanet"), IDatanetRegistry.Policy.Open, new address[](0));
        uint64[] memory ids = new uint64[](1);
        ids[0] = datanetId;
        uint256 modelId = models.register(ids, bytes32(0), keccak256("weights"), bytes32(0), 1 ether);
        address[] memory contributors = new address[](1);
        contributors[0] = address(0xC0);
        uint16[] memory weights = new uint16[](1);
        weights[0] = 10_000;
        vm.deal(CAROL, 1 ether);
        vm.prank(CAROL);
        ledger.recordInference{value: 1 ether}(modelId, keccak256("output"), contributors, weights, 1);
        vm.prank(CAROL); // anyone may pay the treasury its balance
        vm.assertEq(ledger.claimFor(address(timelock)), 0.05 ether);
        vm.assertEq(address(timelock).balance, 0.05 ether);

        // Only a passed proposal moves the treasury's native OPEN.
        address grantee = address(0x6A27);
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _single(grantee, "");
        v[0] = 0.05 ether;
        (uint256 proposalId, bytes32 descriptionHash) = _passAndQueue(t, v, c, "Grant 0.05 OPEN");
        vm.warp(governor.proposalEta(proposalId));
        governor.execute(t, v, c, descriptionHash);
        vm.assertEq(grantee.balance, 0.05 ether);
        vm.assertEq(address(timelock).balance, 0);
    }

    // ------------------------------------------------------------ only the timelock administers

    function test_adminFunctions_onlyTimelock() public {
        address[4] memory outsiders = [address(this), address(governor), ALICE, WHALE];
        for (uint256 i; i < outsiders.length; ++i) {
            address outsider = outsiders[i];
            bytes memory notOwner = abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, outsider);

            vm.expectRevert(notOwner);
            vm.prank(outsider);
            staking.slash(AGENT, 1 ether, EVIDENCE, REPORTER);
            vm.expectRevert(notOwner);
            vm.prank(outsider);
            staking.setCooldown(1 days);
            vm.expectRevert(notOwner);
            vm.prank(outsider);
            staking.setReporterBounty(0);
            vm.expectRevert(notOwner);
            vm.prank(outsider);
            staking.setTreasury(outsider);
            vm.expectRevert(notOwner);
            vm.prank(outsider);
            staking.transferOwnership(outsider);

            vm.expectRevert(notOwner);
            vm.prank(outsider);
            ledger.setShares(2_000, 1_000);
            vm.expectRevert(notOwner);
            vm.prank(outsider);
            ledger.setTreasury(outsider);
            vm.expectRevert(notOwner);
            vm.prank(outsider);
            ledger.setAttester(outsider);
            vm.expectRevert(notOwner);
            vm.prank(outsider);
            ledger.setChallengeWindow(2 hours);
            vm.expectRevert(notOwner);
            vm.prank(outsider);
            ledger.transferOwnership(outsider);
        }
        // The timelock itself may (here called directly, as an executed proposal would).
        vm.prank(address(timelock));
        staking.slash(AGENT, 1 ether, EVIDENCE, REPORTER);
        vm.prank(address(timelock));
        ledger.setShares(2_000, 1_000);
        vm.assertEq(staking.stakeOf(AGENT).bonded, 99 ether);
    }

    function test_timelock_rejectsDirectScheduling() public {
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(10 ether);
        bytes32 proposerRole = timelock.PROPOSER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, address(this), proposerRole
            )
        );
        timelock.scheduleBatch(t, v, c, 0, 0, GovernanceConfig.TIMELOCK_MIN_DELAY);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, ALICE, proposerRole)
        );
        vm.prank(ALICE);
        timelock.scheduleBatch(t, v, c, 0, 0, GovernanceConfig.TIMELOCK_MIN_DELAY);
    }

    function test_timelock_deployerCannotGrantRoles() public {
        bytes32 adminRole = timelock.DEFAULT_ADMIN_ROLE();
        bytes32 proposerRole = timelock.PROPOSER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(this), adminRole)
        );
        timelock.grantRole(proposerRole, address(this));
    }

    function test_governorSettings_onlyThroughGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, ALICE));
        vm.prank(ALICE);
        governor.setProposalThreshold(0);
        // The executor itself, outside an executing proposal: the governor's queue of expected calls is empty.
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x31));
        vm.prank(address(timelock));
        governor.updateQuorumNumerator(1);

        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _single(address(governor), abi.encodeCall(governor.updateQuorumNumerator, (10)));
        (uint256 proposalId, bytes32 descriptionHash) = _passAndQueue(t, v, c, "Quorum 10%");
        vm.warp(governor.proposalEta(proposalId));
        governor.execute(t, v, c, descriptionHash);
        vm.assertEq(governor.quorumNumerator(), 10);
    }

    function testFuzz_quorum(uint96 forSeed, uint96 supplySeed) public {
        // A fresh supply: one voter with `forVotes`, the rest idle. Passes iff forVotes >= 4% of the supply.
        uint256 extra = uint256(supplySeed) % 10_000_000 ether;
        uint256 forVotes = GovernanceConfig.PROPOSAL_THRESHOLD + uint256(forSeed) % 200_000 ether;
        address voter = address(0x9001);
        _wrap(voter, forVotes);
        if (extra != 0) _wrap(address(0x9002), extra);
        vm.warp(block.timestamp + 1);
        (address[] memory t, uint256[] memory v, bytes[] memory c) = _slashProposal(10 ether);
        uint256 proposalId = _propose(voter, t, v, c, "slash agent");
        _toVoting(proposalId);
        _vote(proposalId, voter, FOR);
        _toVoteEnd(proposalId);
        uint256 supply = wopen.totalSupply();
        IGovernor.ProposalState expected = forVotes >= supply * GovernanceConfig.QUORUM_PERCENT / 100
            ? IGovernor.ProposalState.Succeeded
            : IGovernor.ProposalState.Defeated;
        _assertState(proposalId, expected);
    }
}

/// @notice Gas of castVote as a transaction would pay it: the measured call plus the 21,000 intrinsic gas and the
/// calldata cost, with governor and token cold. The measurement also counts the test's own CALL to the cold governor,
/// so the numbers are upper bounds.
contract OpenGovernorGasTest is GovernanceFixture {
    event log_named_uint(string key, uint256 val);

    uint256 internal proposalId;

    function setUp() public {
        _deployGovernance();
        (address[] memory t, uint256[] memory v, bytes[] memory c) =
            _single(address(staking), abi.encodeCall(staking.setCooldown, (20 days)));
        proposalId = _propose(ALICE, t, v, c, "Cooldown 20 days");
        _toVoting(proposalId);
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 gas) {
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function _txGasOfVote(address voter, uint8 support) internal returns (uint256) {
        bytes memory data = abi.encodeCall(governor.castVote, (proposalId, support));
        vm.cool(address(governor));
        vm.cool(address(wopen));
        vm.prank(voter);
        uint256 before = gasleft();
        governor.castVote(proposalId, support);
        uint256 used = before - gasleft();
        return used + 21_000 + _calldataGas(data);
    }

    function test_castVote_gasFirstVote() public {
        uint256 gas = _txGasOfVote(ALICE, FOR);
        emit log_named_uint("castVote first For vote tx gas (upper bound)", gas);
        vm.assertLe(gas, 95_000, "first vote on a proposal");
    }

    function test_castVote_gasLaterVote() public {
        _vote(proposalId, BOB, FOR);
        uint256 gas = _txGasOfVote(ALICE, FOR);
        emit log_named_uint("castVote later For vote tx gas (upper bound)", gas);
        vm.assertLe(gas, 75_000, "a vote after another For vote");
    }
}
