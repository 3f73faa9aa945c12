// SPDX-License-Identifier: MIT
// Invariants of DatanetRegistry, driven by DatanetRegistryHandler: (d) only curators change a batch's status (the
// owner counts as one), a decided batch never changes again, and the registry agrees with the handler's model.
pragma solidity 0.8.30;

import {IDatanetRegistry} from "../src/interfaces/IDatanetRegistry.sol";
import {DatanetFixture} from "./DatanetRegistryFixtures.sol";
import {DatanetRegistryHandler} from "./DatanetRegistryHandler.sol";
import {vm} from "./Vm.sol";

contract DatanetRegistryInvariantTest is DatanetFixture {
    DatanetRegistryHandler internal handler;

    function setUp() public {
        _deployRegistry();
        handler = new DatanetRegistryHandler(registry);
        _targets.push(address(handler));
    }

    /// (d) Every observed status change was an approveBatch/rejectBatch of that very batch by an account that owned or
    /// curated its Datanet at the time, moving it out of Pending; no call by anyone else was accepted.
    function invariant_onlyCuratorsChangeBatchStatus() public view {
        vm.assertEq(handler.unauthorizedChanges(), 0, "a status change not made by a curator of the batch's Datanet");
        vm.assertEq(handler.outsiderDecisions(), 0, "the registry accepted a decision by a non-curator");
        uint256 changes = handler.changeCount();
        for (uint256 i = 0; i < changes; ++i) {
            DatanetRegistryHandler.Change memory seen = handler.change(i);
            vm.assertTrue(seen.targeted, "the change hit the batch being decided");
            vm.assertTrue(seen.byCurator, "the decider curated the Datanet");
            vm.assertTrue(seen.by != address(0), "the change came from a decision call");
            vm.assertEq(uint256(seen.from), uint256(IDatanetRegistry.BatchStatus.Pending), "only Pending is decided");
            vm.assertEq(
                uint256(registry.getDatanet(handler.datanetOf(seen.batchId)).policy),
                uint256(IDatanetRegistry.Policy.Curated),
                "only Curated batches wait for a decision"
            );
        }
        vm.assertEq(changes, handler.approvals() + handler.rejections(), "one change per accepted decision");
    }

    /// (d) An Approved or Rejected batch never changes again: its status is still its first decision.
    function invariant_decidedBatchNeverChanges() public view {
        vm.assertEq(handler.changesAfterDecision(), 0, "a batch changed after leaving Pending");
        uint256 count = registry.batchCount();
        for (uint256 batchId = 1; batchId <= count; ++batchId) {
            IDatanetRegistry.BatchStatus decision = handler.firstDecision(batchId);
            IDatanetRegistry.BatchStatus status = registry.getBatch(batchId).status;
            if (decision != IDatanetRegistry.BatchStatus.None) {
                vm.assertEq(uint256(status), uint256(decision), "the first decision stands");
                vm.assertTrue(handler.decidedBy(batchId) != address(0), "decided through approve or reject");
                vm.assertTrue(handler.decidedByCurator(batchId), "decided by a curator");
            }
            if (registry.getDatanet(handler.datanetOf(batchId)).policy != IDatanetRegistry.Policy.Curated) {
                vm.assertEq(
                    uint256(status), uint256(IDatanetRegistry.BatchStatus.Approved), "Open batches stay Approved"
                );
            }
        }
    }

    /// Every batch is as the handler last saw it and started as its policy says; the registry's curators are the
    /// model's (owner implicitly, listed curators explicitly).
    function invariant_registryMatchesModel() public view {
        vm.assertEq(handler.wrongInitialStatus(), 0, "a batch started in the wrong status");
        uint256 count = registry.batchCount();
        vm.assertEq(handler.knownBatches(), count, "every batch observed");
        for (uint256 batchId = 1; batchId <= count; ++batchId) {
            vm.assertEq(uint256(registry.getBatch(batchId).status), uint256(handler.lastStatus(batchId)), "status");
        }
        for (uint256 d = 0; d < handler.DATANETS(); ++d) {
            uint64 datanetId = handler.datanet(d);
            vm.assertEq(registry.getDatanet(datanetId).owner, handler.modelOwner(datanetId), "owner");
            for (uint256 a = 0; a < handler.ACTORS(); ++a) {
                address account = handler.actor(a);
                vm.assertEq(
                    registry.isCurator(datanetId, account), handler.modelIsCurator(datanetId, account), "curator"
                );
            }
        }
    }
}
