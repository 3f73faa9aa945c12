// SPDX-License-Identifier: MIT
// Invariants of AttributionLedger, driven by AttributionLedgerHandler: conservation of credits and claims, solvency
// (the ledger's balance equals claimable balances plus unpaid root funds) and no double claims.
pragma solidity 0.8.30;

import {AttributionLedgerHandler} from "./AttributionLedgerHandler.sol";
import {LedgerFixture} from "./AttributionLedgerFixtures.sol";
import {vm} from "./Vm.sol";

contract AttributionLedgerInvariantTest is LedgerFixture {
    AttributionLedgerHandler internal handler;

    function setUp() public {
        _deployLedger();
        handler = new AttributionLedgerHandler(ledger, registry, GOVERNANCE, TREASURY, ATTESTER, modelId);
        _targets.push(address(handler));
    }

    /// (a) sum of claimable + sum claimed == sum credited, and each sum matches what the handler sent and received.
    function invariant_claimablePlusClaimedEqualsCredited() public view {
        address[] memory accounts = handler.accounts();
        uint256 credited;
        uint256 claimed;
        uint256 claimableSum;
        for (uint256 i; i < accounts.length; ++i) {
            (uint256 c, uint256 p) = ledger.balances(accounts[i]);
            credited += c;
            claimed += p;
            claimableSum += ledger.claimable(accounts[i]);
        }
        vm.assertEq(claimableSum + claimed, credited, "claimable + claimed == credited");
        vm.assertEq(credited, handler.ghostCredited(), "credited == fees paid + revoked root funds");
        vm.assertEq(claimed, handler.ghostClaimed(), "claimed == paid out by claims");
    }

    /// (a) the ledger holds exactly the claimable balances plus the root funds not yet paid, which cover every
    /// standing root leaf not yet claimed.
    function invariant_balanceCoversClaimable() public view {
        address[] memory accounts = handler.accounts();
        uint256 claimableSum;
        for (uint256 i; i < accounts.length; ++i) {
            claimableSum += ledger.claimable(accounts[i]);
        }
        uint256 rootReserve = ledger.rootTotal() - handler.ghostRootPaid();
        vm.assertEq(address(ledger).balance, claimableSum + rootReserve, "balance == claimable + root reserve");

        uint256 rootOwed;
        for (uint256 i; i < handler.ACTORS(); ++i) {
            uint256 taken = ledger.rootClaimed(handler.actor(i));
            uint256 leaf = handler.standing(i);
            if (leaf > taken) rootOwed += leaf - taken;
        }
        vm.assertGe(rootReserve, rootOwed, "root reserve covers every unclaimed standing leaf");
    }

    /// (b) nobody claims twice: repeats paid nothing, and root payouts per account equal its recorded root claims.
    function invariant_nobodyClaimsTwice() public view {
        vm.assertFalse(handler.doubleClaimSucceeded(), "a repeated claim paid");
        vm.assertFalse(handler.rootReplaySucceeded(), "a replayed root claim paid");
        for (uint256 i; i < handler.ACTORS(); ++i) {
            address account = handler.actor(i);
            vm.assertEq(ledger.rootClaimed(account), handler.ghostRootPaidOf(account), "root payouts == rootClaimed");
        }
    }
}
