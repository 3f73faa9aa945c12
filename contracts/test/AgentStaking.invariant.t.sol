// SPDX-License-Identifier: MIT
// Invariants of AgentStaking, driven by AgentStakingHandler: (c) slashing never exceeds a bond: per agent, what was
// slashed never exceeds what it bonded, and bonded = stake + withdrawn + slashed exactly; no slash exceeds the per-call
// cap; and the contract's balance equals every stake (bond + unbonding) plus what slashing owes and nobody collected.
pragma solidity 0.8.30;

import {AgentStaking} from "../src/AgentStaking.sol";
import {GovernanceConfig} from "../src/GovernanceConfig.sol";
import {IAgentStaking} from "../src/interfaces/IAgentStaking.sol";
import {AgentStakingHandler} from "./AgentStakingHandler.sol";
import {Test, vm} from "./Vm.sol";

contract AgentStakingInvariantTest is Test {
    AgentStaking internal staking;
    AgentStakingHandler internal handler;

    address internal constant GOVERNANCE = address(0x7100);
    address internal constant TREASURY = address(0x7200);

    function setUp() public {
        staking = new AgentStaking(GOVERNANCE, TREASURY);
        handler = new AgentStakingHandler(staking, GOVERNANCE, TREASURY);
        _targets.push(address(handler));
    }

    /// (c) per agent: slashed <= bonded, and every wei bonded is still staked, was withdrawn, or was slashed.
    function invariant_slashedNeverExceedsBonded() public view {
        for (uint256 i; i < handler.AGENTS(); ++i) {
            address agent = handler.agentAt(i);
            IAgentStaking.Stake memory stake = staking.stakeOf(agent);
            uint256 bonded = handler.ghostBonded(agent);
            uint256 slashed = handler.ghostSlashed(agent);
            vm.assertLe(slashed, bonded, "slashed <= bonded");
            vm.assertLe(slashed, bonded - handler.ghostWithdrawn(agent), "slashed <= bonded - withdrawn");
            vm.assertEq(
                uint256(stake.bonded) + stake.unbonding + handler.ghostWithdrawn(agent) + slashed,
                bonded,
                "bonded == bond + unbonding + withdrawn + slashed"
            );
        }
    }

    /// (c) no slash took more than MAX_SLASH_BPS of the agent's stake, and each one followed the documented split.
    function invariant_noSlashAboveCap() public view {
        vm.assertFalse(handler.slashAboveCapSucceeded(), "a slash above slashCap succeeded");
        vm.assertLe(handler.maxSlashBps(), GovernanceConfig.STAKING_MAX_SLASH_BPS, "largest slash <= 50% of stake");
        vm.assertFalse(handler.unexpectedSlashRevert(), "a slash reverted for the wrong reason");
        vm.assertFalse(handler.slashSplitWrong(), "a slash took other than bond first / bounty split");
    }

    /// Solvency: balance == sum(bond + unbonding) + sum(owed). Exact here because nothing forces native OPEN in (the
    /// contract has no receive(); only a selfdestruct could), so in general the guarantee is balance >= that sum.
    function invariant_balanceEqualsStakesPlusOwed() public view {
        uint256 stakes;
        for (uint256 i; i < handler.AGENTS(); ++i) {
            IAgentStaking.Stake memory stake = staking.stakeOf(handler.agentAt(i));
            stakes += uint256(stake.bonded) + stake.unbonding;
        }
        uint256 owed;
        for (uint256 i; i < handler.PAYEES(); ++i) {
            owed += staking.owed(handler.payeeAt(i));
        }
        vm.assertEq(address(staking).balance, stakes + owed, "balance == stakes + owed");
        vm.assertEq(owed, handler.ghostSlashedTotal() - handler.ghostCollected(), "owed == slashed - collected");
    }

    /// Withdrawals and collections paid exactly what was recorded, to the right account.
    function invariant_payoutsExact() public view {
        vm.assertFalse(handler.payoutWrong(), "a payout differed from the recorded amount");
    }
}
