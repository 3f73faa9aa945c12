// SPDX-License-Identifier: MIT
// Unit, fuzz and attack tests of DatanetRegistry: the Datanet lifecycle and owner powers, batches under each policy and
// status, curator decisions, relayed EIP-712 contributions (replay, expiry, forgery, ERC-1271 wallets) and record
// proofs. The tree fixtures below were produced by @openzeppelin/merkle-tree 1.0.8, to pin the leaf and proof format.
pragma solidity 0.8.30;

import {DatanetRegistry} from "../src/DatanetRegistry.sol";
import {IDatanetRegistry} from "../src/interfaces/IDatanetRegistry.sol";
import {DatanetFixture, DatanetOwnedWallet, DatanetRefusingWallet} from "./DatanetRegistryFixtures.sol";
import {DatanetRegistryTree} from "./DatanetRegistryTree.sol";
import {vm} from "./Vm.sol";

contract DatanetRegistryTest is DatanetFixture {
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    bytes32 internal constant ROOT = keccak256("batch root");
    bytes32 internal constant REASON = keccak256("off-topic records");
    bytes32 internal constant CID_A = keccak256("record a");
    bytes32 internal constant CID_B = keccak256("record b");

    IDatanetRegistry.Policy internal constant OPEN = IDatanetRegistry.Policy.Open;
    IDatanetRegistry.Policy internal constant CURATED = IDatanetRegistry.Policy.Curated;
    IDatanetRegistry.Policy internal constant ALLOWLIST = IDatanetRegistry.Policy.Allowlist;

    function setUp() public {
        _deployRegistry();
    }

    function _deadline() internal view returns (uint256) {
        return block.timestamp + 1 days;
    }

    function _noCurators() internal pure returns (address[] memory) {
        return new address[](0);
    }

    /// @dev A Datanet of `policy` moved to `status` by its owner.
    function _createIn(IDatanetRegistry.Policy policy, IDatanetRegistry.DatanetStatus status)
        internal
        returns (uint64 datanetId)
    {
        datanetId = _createDraft(policy);
        vm.startPrank(OWNER);
        if (status != IDatanetRegistry.DatanetStatus.Draft) registry.publish(datanetId);
        if (status == IDatanetRegistry.DatanetStatus.Frozen) registry.freeze(datanetId);
        if (status == IDatanetRegistry.DatanetStatus.Deprecated) registry.deprecate(datanetId);
        vm.stopPrank();
    }

    /// @dev A Pending batch in a fresh Published Curated Datanet.
    function _pendingBatch() internal returns (uint64 datanetId, uint256 batchId) {
        datanetId = _createPublished(CURATED);
        batchId = _submit(OUTSIDER, datanetId, ROOT, 10);
    }

    // ------------------------------------------------------------ createDatanet

    function test_createDatanet_storesDraft() public {
        vm.warp(1_700_000_000);
        vm.prank(OWNER);
        uint64 datanetId = registry.createDatanet(METADATA, CURATED, _noCurators());

        vm.assertEq(datanetId, 1);
        vm.assertEq(registry.datanetCount(), 1);
        vm.assertTrue(registry.datanetExists(1), "exists");
        IDatanetRegistry.Datanet memory datanet = registry.getDatanet(1);
        vm.assertEq(datanet.owner, OWNER);
        vm.assertEq(uint256(datanet.policy), uint256(CURATED));
        vm.assertEq(uint256(datanet.status), uint256(IDatanetRegistry.DatanetStatus.Draft));
        vm.assertEq(datanet.createdAt, 1_700_000_000);
        vm.assertEq(datanet.metadataCid, METADATA);
        vm.assertTrue(registry.isCurator(1, OWNER), "the owner curates implicitly");
    }

    function test_createDatanet_emitsEventsAndSetsCurators() public {
        address[] memory curators = new address[](2);
        (curators[0], curators[1]) = (CURATOR, address(0xC1));
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetCreated(1, OWNER, ALLOWLIST, METADATA);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.CuratorSet(1, CURATOR, true);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.CuratorSet(1, address(0xC1), true);
        vm.prank(OWNER);
        registry.createDatanet(METADATA, ALLOWLIST, curators);

        vm.assertTrue(registry.isCurator(1, CURATOR), "first curator");
        vm.assertTrue(registry.isCurator(1, address(0xC1)), "second curator");
        vm.assertFalse(registry.isCurator(1, OUTSIDER), "outsider");
        vm.assertFalse(registry.isAllowed(1, CURATOR), "curators get no allowlist entry");
    }

    function test_createDatanet_idsIncrement() public {
        vm.assertEq(_createDraft(OPEN), 1);
        vm.prank(OUTSIDER);
        vm.assertEq(registry.createDatanet(METADATA, OPEN, _noCurators()), 2);
        vm.assertEq(registry.datanetCount(), 2);
        vm.assertEq(registry.getDatanet(2).owner, OUTSIDER);
        vm.assertFalse(registry.isCurator(1, OUTSIDER), "owning one Datanet curates no other");
    }

    function test_createDatanet_zeroMetadataReverts() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroMetadata.selector);
        vm.prank(OWNER);
        registry.createDatanet(bytes32(0), OPEN, _noCurators());
    }

    function test_createDatanet_zeroCuratorReverts() public {
        address[] memory curators = new address[](2);
        curators[0] = CURATOR;
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        vm.prank(OWNER);
        registry.createDatanet(METADATA, OPEN, curators);
        vm.assertEq(registry.datanetCount(), 0, "nothing created");
    }

    function test_createDatanet_policyOutOfRangeReverts() public {
        (bool ok,) = address(registry)
            .call(abi.encodeWithSelector(registry.createDatanet.selector, METADATA, uint256(3), _noCurators()));
        vm.assertFalse(ok, "the ABI decoder refuses an unknown policy");
        vm.assertEq(registry.datanetCount(), 0);
    }

    function testFuzz_createDatanet(address creator, bytes32 metadataCid, uint8 policySeed) public {
        vm.assume(creator != address(0) && metadataCid != bytes32(0));
        IDatanetRegistry.Policy policy = IDatanetRegistry.Policy(policySeed % 3);
        vm.prank(creator);
        uint64 datanetId = registry.createDatanet(metadataCid, policy, _noCurators());
        IDatanetRegistry.Datanet memory datanet = registry.getDatanet(datanetId);
        vm.assertEq(datanet.owner, creator);
        vm.assertEq(uint256(datanet.policy), uint256(policy));
        vm.assertEq(datanet.metadataCid, metadataCid);
        vm.assertTrue(registry.isCurator(datanetId, creator), "owner curates");
    }

    // ------------------------------------------------------------ publish / freeze / deprecate

    function test_publish_fromDraft() public {
        uint64 datanetId = _createDraft(OPEN);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetStatusChanged(
            datanetId, IDatanetRegistry.DatanetStatus.Draft, IDatanetRegistry.DatanetStatus.Published
        );
        vm.prank(OWNER);
        registry.publish(datanetId);
        vm.assertEq(uint256(_datanetStatus(datanetId)), uint256(IDatanetRegistry.DatanetStatus.Published));
    }

    function test_publish_twiceReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetInvalidTransition.selector,
                datanetId,
                IDatanetRegistry.DatanetStatus.Published,
                IDatanetRegistry.DatanetStatus.Published
            )
        );
        vm.prank(OWNER);
        registry.publish(datanetId);
    }

    function test_publish_fromFrozenReverts() public {
        uint64 datanetId = _createIn(OPEN, IDatanetRegistry.DatanetStatus.Frozen);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetInvalidTransition.selector,
                datanetId,
                IDatanetRegistry.DatanetStatus.Frozen,
                IDatanetRegistry.DatanetStatus.Published
            )
        );
        vm.prank(OWNER);
        registry.publish(datanetId);
    }

    function test_publish_fromDeprecatedReverts() public {
        uint64 datanetId = _createIn(OPEN, IDatanetRegistry.DatanetStatus.Deprecated);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetInvalidTransition.selector,
                datanetId,
                IDatanetRegistry.DatanetStatus.Deprecated,
                IDatanetRegistry.DatanetStatus.Published
            )
        );
        vm.prank(OWNER);
        registry.publish(datanetId);
    }

    function test_publish_notOwnerReverts() public {
        uint64 datanetId = _createDraft(OPEN);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, CURATOR));
        vm.prank(CURATOR);
        registry.publish(datanetId);
    }

    function test_publish_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 0));
        registry.publish(0);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 7));
        registry.publish(7);
    }

    function test_freeze_fromPublished() public {
        uint64 datanetId = _createPublished(OPEN);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetStatusChanged(
            datanetId, IDatanetRegistry.DatanetStatus.Published, IDatanetRegistry.DatanetStatus.Frozen
        );
        vm.prank(OWNER);
        registry.freeze(datanetId);
        vm.assertEq(uint256(_datanetStatus(datanetId)), uint256(IDatanetRegistry.DatanetStatus.Frozen));
    }

    function test_freeze_fromDraftReverts() public {
        uint64 datanetId = _createDraft(OPEN);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetInvalidTransition.selector,
                datanetId,
                IDatanetRegistry.DatanetStatus.Draft,
                IDatanetRegistry.DatanetStatus.Frozen
            )
        );
        vm.prank(OWNER);
        registry.freeze(datanetId);
    }

    function test_freeze_twiceReverts() public {
        uint64 datanetId = _createIn(OPEN, IDatanetRegistry.DatanetStatus.Frozen);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetInvalidTransition.selector,
                datanetId,
                IDatanetRegistry.DatanetStatus.Frozen,
                IDatanetRegistry.DatanetStatus.Frozen
            )
        );
        vm.prank(OWNER);
        registry.freeze(datanetId);
    }

    function test_freeze_notOwnerReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, OUTSIDER));
        vm.prank(OUTSIDER);
        registry.freeze(datanetId);
    }

    function test_freeze_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 3));
        registry.freeze(3);
    }

    function test_deprecate_fromPublished() public {
        uint64 datanetId = _createPublished(OPEN);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetStatusChanged(
            datanetId, IDatanetRegistry.DatanetStatus.Published, IDatanetRegistry.DatanetStatus.Deprecated
        );
        vm.prank(OWNER);
        registry.deprecate(datanetId);
        vm.assertEq(uint256(_datanetStatus(datanetId)), uint256(IDatanetRegistry.DatanetStatus.Deprecated));
    }

    function test_deprecate_fromFrozen() public {
        uint64 datanetId = _createIn(OPEN, IDatanetRegistry.DatanetStatus.Frozen);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetStatusChanged(
            datanetId, IDatanetRegistry.DatanetStatus.Frozen, IDatanetRegistry.DatanetStatus.Deprecated
        );
        vm.prank(OWNER);
        registry.deprecate(datanetId);
        vm.assertEq(uint256(_datanetStatus(datanetId)), uint256(IDatanetRegistry.DatanetStatus.Deprecated));
    }

    function test_deprecate_fromDraftReverts() public {
        uint64 datanetId = _createDraft(OPEN);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetInvalidTransition.selector,
                datanetId,
                IDatanetRegistry.DatanetStatus.Draft,
                IDatanetRegistry.DatanetStatus.Deprecated
            )
        );
        vm.prank(OWNER);
        registry.deprecate(datanetId);
    }

    function test_deprecate_twiceReverts() public {
        uint64 datanetId = _createIn(OPEN, IDatanetRegistry.DatanetStatus.Deprecated);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetInvalidTransition.selector,
                datanetId,
                IDatanetRegistry.DatanetStatus.Deprecated,
                IDatanetRegistry.DatanetStatus.Deprecated
            )
        );
        vm.prank(OWNER);
        registry.deprecate(datanetId);
    }

    function test_deprecate_notOwnerReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, CURATOR));
        vm.prank(CURATOR);
        registry.deprecate(datanetId);
    }

    function test_deprecate_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 1));
        registry.deprecate(1);
    }

    /// @dev Random sequences of publish/freeze/deprecate follow the lifecycle table: Draft -> Published -> Frozen,
    /// Published/Frozen -> Deprecated, nothing else.
    function testFuzz_lifecycle(uint256 opsSeed) public {
        uint64 datanetId = _createDraft(OPEN);
        IDatanetRegistry.DatanetStatus model = IDatanetRegistry.DatanetStatus.Draft;
        for (uint256 step = 0; step < 6; ++step) {
            uint256 op = uint256(keccak256(abi.encode(opsSeed, step))) % 3;
            IDatanetRegistry.DatanetStatus to = op == 0
                ? IDatanetRegistry.DatanetStatus.Published
                : op == 1 ? IDatanetRegistry.DatanetStatus.Frozen : IDatanetRegistry.DatanetStatus.Deprecated;
            bool allowed = (op == 0 && model == IDatanetRegistry.DatanetStatus.Draft)
                || (op == 1 && model == IDatanetRegistry.DatanetStatus.Published)
                || (op == 2
                    && (model == IDatanetRegistry.DatanetStatus.Published
                        || model == IDatanetRegistry.DatanetStatus.Frozen));
            if (!allowed) {
                vm.expectRevert(
                    abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidTransition.selector, datanetId, model, to)
                );
            }
            vm.prank(OWNER);
            if (op == 0) registry.publish(datanetId);
            else if (op == 1) registry.freeze(datanetId);
            else registry.deprecate(datanetId);
            if (allowed) model = to;
            vm.assertEq(uint256(_datanetStatus(datanetId)), uint256(model), "status follows the table");
        }
    }

    // ------------------------------------------------------------ setMetadata / setCurator / setAllowed

    function test_setMetadata_updates() public {
        uint64 datanetId = _createPublished(OPEN);
        bytes32 next = keccak256("metadata v2");
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetMetadataSet(datanetId, next);
        vm.prank(OWNER);
        registry.setMetadata(datanetId, next);
        vm.assertEq(registry.getDatanet(datanetId).metadataCid, next);
    }

    function test_setMetadata_zeroReverts() public {
        uint64 datanetId = _createDraft(OPEN);
        vm.expectRevert(IDatanetRegistry.DatanetZeroMetadata.selector);
        vm.prank(OWNER);
        registry.setMetadata(datanetId, bytes32(0));
    }

    function test_setMetadata_notOwnerReverts() public {
        uint64 datanetId = _createDraft(OPEN);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, CURATOR));
        vm.prank(CURATOR);
        registry.setMetadata(datanetId, keccak256("hijack"));
    }

    function test_setMetadata_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 5));
        registry.setMetadata(5, METADATA);
    }

    function test_setCurator_addsAndRemoves() public {
        uint64 datanetId = _createDraft(OPEN);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.CuratorSet(datanetId, OUTSIDER, true);
        vm.prank(OWNER);
        registry.setCurator(datanetId, OUTSIDER, true);
        vm.assertTrue(registry.isCurator(datanetId, OUTSIDER), "added");

        vm.expectEmit(address(registry));
        emit IDatanetRegistry.CuratorSet(datanetId, OUTSIDER, false);
        vm.prank(OWNER);
        registry.setCurator(datanetId, OUTSIDER, false);
        vm.assertFalse(registry.isCurator(datanetId, OUTSIDER), "removed");
    }

    function test_setCurator_ownerStaysCuratorWhenRemoved() public {
        uint64 datanetId = _createDraft(OPEN);
        vm.prank(OWNER);
        registry.setCurator(datanetId, OWNER, false);
        vm.assertTrue(registry.isCurator(datanetId, OWNER), "the owner curates without an entry");
    }

    function test_setCurator_zeroReverts() public {
        uint64 datanetId = _createDraft(OPEN);
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        vm.prank(OWNER);
        registry.setCurator(datanetId, address(0), true);
    }

    function test_setCurator_curatorCannotAddCurators() public {
        uint64 datanetId = _createDraft(OPEN);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, CURATOR));
        vm.prank(CURATOR);
        registry.setCurator(datanetId, OUTSIDER, true);
    }

    function test_setCurator_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 2));
        registry.setCurator(2, CURATOR, true);
    }

    function test_setAllowed_addsAndRemoves() public {
        uint64 datanetId = _createDraft(ALLOWLIST);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.AllowedSet(datanetId, alice, true);
        vm.prank(OWNER);
        registry.setAllowed(datanetId, alice, true);
        vm.assertTrue(registry.isAllowed(datanetId, alice), "allowed");
        vm.assertFalse(registry.isCurator(datanetId, alice), "allowing does not make a curator");

        vm.expectEmit(address(registry));
        emit IDatanetRegistry.AllowedSet(datanetId, alice, false);
        vm.prank(OWNER);
        registry.setAllowed(datanetId, alice, false);
        vm.assertFalse(registry.isAllowed(datanetId, alice), "removed");
    }

    function test_setAllowed_zeroReverts() public {
        uint64 datanetId = _createDraft(ALLOWLIST);
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        vm.prank(OWNER);
        registry.setAllowed(datanetId, address(0), true);
    }

    function test_setAllowed_notOwnerReverts() public {
        uint64 datanetId = _createDraft(ALLOWLIST);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, CURATOR));
        vm.prank(CURATOR);
        registry.setAllowed(datanetId, alice, true);
    }

    function test_setAllowed_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 9));
        registry.setAllowed(9, alice, true);
    }

    // ------------------------------------------------------------ transferDatanetOwnership

    function test_transferDatanetOwnership_movesOwnerPowers() public {
        (uint64 datanetId, uint256 batchId) = _pendingBatch();
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetOwnershipTransferred(datanetId, OWNER, alice);
        vm.prank(OWNER);
        registry.transferDatanetOwnership(datanetId, alice);

        vm.assertEq(registry.getDatanet(datanetId).owner, alice);
        vm.assertTrue(registry.isCurator(datanetId, alice), "the new owner curates implicitly");
        vm.assertFalse(registry.isCurator(datanetId, OWNER), "the old owner no longer curates");
        vm.assertTrue(registry.isCurator(datanetId, CURATOR), "curator entries stay");

        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, OWNER));
        vm.prank(OWNER);
        registry.freeze(datanetId);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, OWNER));
        vm.prank(OWNER);
        registry.approveBatch(batchId);

        vm.prank(alice);
        registry.approveBatch(batchId);
        vm.assertEq(uint256(_status(batchId)), uint256(IDatanetRegistry.BatchStatus.Approved));
    }

    function test_transferDatanetOwnership_oldOwnerKeepsExplicitCuratorEntry() public {
        uint64 datanetId = _createPublished(CURATED);
        vm.startPrank(OWNER);
        registry.setCurator(datanetId, OWNER, true);
        registry.transferDatanetOwnership(datanetId, alice);
        vm.stopPrank();
        vm.assertTrue(registry.isCurator(datanetId, OWNER), "set as a curator before the transfer");
    }

    function test_transferDatanetOwnership_zeroReverts() public {
        uint64 datanetId = _createDraft(OPEN);
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        vm.prank(OWNER);
        registry.transferDatanetOwnership(datanetId, address(0));
    }

    function test_transferDatanetOwnership_notOwnerReverts() public {
        uint64 datanetId = _createDraft(OPEN);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotOwner.selector, datanetId, CURATOR));
        vm.prank(CURATOR);
        registry.transferDatanetOwnership(datanetId, CURATOR);
    }

    function test_transferDatanetOwnership_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 4));
        registry.transferDatanetOwnership(4, alice);
    }

    // ------------------------------------------------------------ submitBatch

    function test_submitBatch_openApprovesAtOnce() public {
        uint64 datanetId = _createPublished(OPEN);
        vm.warp(1_800_000_000);
        vm.recordLogs();
        uint256 batchId = _submit(OUTSIDER, datanetId, ROOT, 42);

        vm.assertEq(batchId, 1);
        vm.assertEq(registry.batchCount(), 1);
        IDatanetRegistry.Batch memory batch = registry.getBatch(batchId);
        vm.assertEq(batch.root, ROOT);
        vm.assertEq(batch.datanetId, datanetId);
        vm.assertEq(batch.count, 42);
        vm.assertEq(uint256(batch.status), uint256(IDatanetRegistry.BatchStatus.Approved));
        vm.assertEq(batch.submittedAt, 1_800_000_000);
        vm.assertEq(vm.getRecordedLogs().length, 1, "BatchSubmitted only: no BatchApproved at submission");
    }

    function test_submitBatch_emitsBatchSubmitted() public {
        uint64 datanetId = _createPublished(CURATED);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.BatchSubmitted(1, datanetId, OUTSIDER, ROOT, 7, MANIFEST);
        _submit(OUTSIDER, datanetId, ROOT, 7);
    }

    function test_submitBatch_curatedIsPending() public {
        uint64 datanetId = _createPublished(CURATED);
        uint256 batchId = _submit(OUTSIDER, datanetId, ROOT, 3);
        vm.assertEq(uint256(_status(batchId)), uint256(IDatanetRegistry.BatchStatus.Pending));
    }

    function test_submitBatch_curatedOwnerBatchIsPendingToo() public {
        uint64 datanetId = _createPublished(CURATED);
        uint256 batchId = _submit(OWNER, datanetId, ROOT, 3);
        vm.assertEq(uint256(_status(batchId)), uint256(IDatanetRegistry.BatchStatus.Pending), "no self-approval");
    }

    function test_submitBatch_allowlistAllowedIsApproved() public {
        uint64 datanetId = _createPublished(ALLOWLIST);
        vm.prank(OWNER);
        registry.setAllowed(datanetId, alice, true);
        uint256 batchId = _submit(alice, datanetId, ROOT, 3);
        vm.assertEq(uint256(_status(batchId)), uint256(IDatanetRegistry.BatchStatus.Approved));
    }

    function test_submitBatch_allowlistOwnerAndCuratorNeedNoEntry() public {
        uint64 datanetId = _createPublished(ALLOWLIST);
        uint256 byOwner = _submit(OWNER, datanetId, ROOT, 1);
        uint256 byCurator = _submit(CURATOR, datanetId, ROOT, 1);
        vm.assertEq(uint256(_status(byOwner)), uint256(IDatanetRegistry.BatchStatus.Approved));
        vm.assertEq(uint256(_status(byCurator)), uint256(IDatanetRegistry.BatchStatus.Approved));
    }

    function test_submitBatch_allowlistOutsiderReverts() public {
        uint64 datanetId = _createPublished(ALLOWLIST);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.DatanetSubmitterNotAllowed.selector, datanetId, OUTSIDER)
        );
        _submit(OUTSIDER, datanetId, ROOT, 1);
    }

    function test_submitBatch_allowlistRemovedReverts() public {
        uint64 datanetId = _createPublished(ALLOWLIST);
        vm.startPrank(OWNER);
        registry.setAllowed(datanetId, alice, true);
        registry.setAllowed(datanetId, alice, false);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetSubmitterNotAllowed.selector, datanetId, alice));
        _submit(alice, datanetId, ROOT, 1);
    }

    function test_submitBatch_allowlistOfAnotherDatanetReverts() public {
        uint64 first = _createPublished(ALLOWLIST);
        uint64 second = _createPublished(ALLOWLIST);
        vm.prank(OWNER);
        registry.setAllowed(first, alice, true);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetSubmitterNotAllowed.selector, second, alice));
        _submit(alice, second, ROOT, 1);
    }

    function test_submitBatch_draftReverts() public {
        uint64 datanetId = _createDraft(OPEN);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetNotAcceptingBatches.selector, datanetId, IDatanetRegistry.DatanetStatus.Draft
            )
        );
        _submit(OWNER, datanetId, ROOT, 1);
    }

    function test_submitBatch_frozenReverts() public {
        uint64 datanetId = _createIn(OPEN, IDatanetRegistry.DatanetStatus.Frozen);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetNotAcceptingBatches.selector, datanetId, IDatanetRegistry.DatanetStatus.Frozen
            )
        );
        _submit(OWNER, datanetId, ROOT, 1);
    }

    function test_submitBatch_deprecatedReverts() public {
        uint64 datanetId = _createIn(OPEN, IDatanetRegistry.DatanetStatus.Deprecated);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetNotAcceptingBatches.selector,
                datanetId,
                IDatanetRegistry.DatanetStatus.Deprecated
            )
        );
        _submit(OWNER, datanetId, ROOT, 1);
    }

    /// @dev Every policy under every status: only Published accepts, with the status the policy gives; a Datanet that
    /// does not accept batches says so before the allowlist is consulted.
    function test_submitBatch_eachPolicyAndStatus() public {
        for (uint256 p = 0; p < 3; ++p) {
            IDatanetRegistry.Policy policy = IDatanetRegistry.Policy(p);
            for (uint256 s = 0; s < 4; ++s) {
                IDatanetRegistry.DatanetStatus status = IDatanetRegistry.DatanetStatus(s);
                uint64 datanetId = _createIn(policy, status);
                if (status != IDatanetRegistry.DatanetStatus.Published) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IDatanetRegistry.DatanetNotAcceptingBatches.selector, datanetId, status)
                    );
                    _submit(OUTSIDER, datanetId, ROOT, 1);
                    continue;
                }
                if (policy == ALLOWLIST) {
                    vm.expectRevert(
                        abi.encodeWithSelector(
                            IDatanetRegistry.DatanetSubmitterNotAllowed.selector, datanetId, OUTSIDER
                        )
                    );
                    _submit(OUTSIDER, datanetId, ROOT, 1);
                    continue;
                }
                uint256 batchId = _submit(OUTSIDER, datanetId, ROOT, 1);
                IDatanetRegistry.BatchStatus expected =
                    policy == CURATED ? IDatanetRegistry.BatchStatus.Pending : IDatanetRegistry.BatchStatus.Approved;
                vm.assertEq(uint256(_status(batchId)), uint256(expected), "status by policy");
            }
        }
        vm.assertEq(registry.batchCount(), 2, "one Open and one Curated batch");
    }

    function test_submitBatch_unknownDatanetReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 0));
        _submit(OWNER, 0, ROOT, 1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 12));
        _submit(OWNER, 12, ROOT, 1);
    }

    function test_submitBatch_zeroRootReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        vm.expectRevert(IDatanetRegistry.DatanetZeroRoot.selector);
        _submit(OWNER, datanetId, bytes32(0), 1);
    }

    function test_submitBatch_zeroCountReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        vm.expectRevert(IDatanetRegistry.DatanetZeroCount.selector);
        _submit(OWNER, datanetId, ROOT, 0);
    }

    function test_submitBatch_idsRunAcrossDatanets() public {
        uint64 first = _createPublished(OPEN);
        uint64 second = _createPublished(CURATED);
        vm.assertEq(_submit(OUTSIDER, first, ROOT, 1), 1);
        vm.assertEq(_submit(OUTSIDER, second, ROOT, 1), 2);
        vm.assertEq(_submit(OUTSIDER, first, ROOT, type(uint32).max), 3, "the same root may be anchored again");
        vm.assertEq(registry.getBatch(2).datanetId, second);
        vm.assertEq(registry.getBatch(3).count, type(uint32).max);
        vm.assertEq(registry.batchCount(), 3);
    }

    /// @dev The execution gas of submitBatch is identical for any count: both calls are measured the same way and
    /// see the same slot states (fresh batch slots, a counter already written in this transaction, cold storage).
    function testFuzz_submitBatch_gasIndependentOfCount(uint32 count) public {
        count = uint32(_bound(count, 1, type(uint32).max));
        uint64 datanetId = _createPublished(OPEN);
        _submit(OUTSIDER, datanetId, ROOT, 1);
        address target = address(registry);
        uint256 gasOne =
            this.gasOfCall(target, OUTSIDER, abi.encodeCall(registry.submitBatch, (datanetId, ROOT, 1, MANIFEST)));
        uint256 gasCount =
            this.gasOfCall(target, OUTSIDER, abi.encodeCall(registry.submitBatch, (datanetId, ROOT, count, MANIFEST)));
        vm.assertEq(gasCount, gasOne, "gas does not depend on count");
    }

    // ------------------------------------------------------------ approveBatch / rejectBatch

    function test_approveBatch_byCurator() public {
        (uint64 datanetId, uint256 batchId) = _pendingBatch();
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.BatchApproved(batchId, datanetId, CURATOR);
        vm.prank(CURATOR);
        registry.approveBatch(batchId);
        vm.assertEq(uint256(_status(batchId)), uint256(IDatanetRegistry.BatchStatus.Approved));
    }

    function test_approveBatch_byOwner() public {
        (uint64 datanetId, uint256 batchId) = _pendingBatch();
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.BatchApproved(batchId, datanetId, OWNER);
        vm.prank(OWNER);
        registry.approveBatch(batchId);
        vm.assertEq(uint256(_status(batchId)), uint256(IDatanetRegistry.BatchStatus.Approved));
    }

    function test_approveBatch_outsiderReverts() public {
        (uint64 datanetId, uint256 batchId) = _pendingBatch();
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, OUTSIDER));
        vm.prank(OUTSIDER);
        registry.approveBatch(batchId);
        vm.assertEq(uint256(_status(batchId)), uint256(IDatanetRegistry.BatchStatus.Pending));
    }

    function test_approveBatch_allowedSubmitterIsNoCurator() public {
        uint64 datanetId = _createPublished(CURATED);
        vm.prank(OWNER);
        registry.setAllowed(datanetId, alice, true);
        uint256 batchId = _submit(alice, datanetId, ROOT, 1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, alice));
        vm.prank(alice);
        registry.approveBatch(batchId);
    }

    function test_approveBatch_curatorOfAnotherDatanetReverts() public {
        (uint64 datanetId, uint256 batchId) = _pendingBatch();
        vm.prank(alice);
        uint64 other = registry.createDatanet(METADATA, CURATED, _noCurators());
        vm.prank(alice);
        registry.setCurator(other, bob, true);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, bob));
        vm.prank(bob);
        registry.approveBatch(batchId);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, alice));
        vm.prank(alice);
        registry.approveBatch(batchId);
    }

    function test_approveBatch_removedCuratorReverts() public {
        (uint64 datanetId, uint256 batchId) = _pendingBatch();
        vm.prank(OWNER);
        registry.setCurator(datanetId, CURATOR, false);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, CURATOR));
        vm.prank(CURATOR);
        registry.approveBatch(batchId);
    }

    function test_approveBatch_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetBatchNotFound.selector, 0));
        vm.prank(CURATOR);
        registry.approveBatch(0);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetBatchNotFound.selector, 8));
        vm.prank(CURATOR);
        registry.approveBatch(8);
    }

    function test_approveBatch_twiceReverts() public {
        (, uint256 batchId) = _pendingBatch();
        vm.prank(CURATOR);
        registry.approveBatch(batchId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetBatchNotPending.selector, batchId, IDatanetRegistry.BatchStatus.Approved
            )
        );
        vm.prank(OWNER);
        registry.approveBatch(batchId);
    }

    function test_approveBatch_rejectedReverts() public {
        (, uint256 batchId) = _pendingBatch();
        vm.prank(CURATOR);
        registry.rejectBatch(batchId, REASON);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetBatchNotPending.selector, batchId, IDatanetRegistry.BatchStatus.Rejected
            )
        );
        vm.prank(OWNER);
        registry.approveBatch(batchId);
        vm.assertEq(uint256(_status(batchId)), uint256(IDatanetRegistry.BatchStatus.Rejected), "a rejection is final");
    }

    function test_approveBatch_openBatchIsNotPending() public {
        uint64 datanetId = _createPublished(OPEN);
        uint256 batchId = _submit(OUTSIDER, datanetId, ROOT, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetBatchNotPending.selector, batchId, IDatanetRegistry.BatchStatus.Approved
            )
        );
        vm.prank(OWNER);
        registry.approveBatch(batchId);
    }

    function test_approveBatch_outsiderOnDecidedBatchGetsNotCurator() public {
        (uint64 datanetId, uint256 batchId) = _pendingBatch();
        vm.prank(CURATOR);
        registry.approveBatch(batchId);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, OUTSIDER));
        vm.prank(OUTSIDER);
        registry.approveBatch(batchId);
    }

    function test_approveBatch_frozenDatanetReverts() public {
        (uint64 datanetId, uint256 batchId) = _pendingBatch();
        vm.prank(OWNER);
        registry.freeze(datanetId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetNotAcceptingBatches.selector, datanetId, IDatanetRegistry.DatanetStatus.Frozen
            )
        );
        vm.prank(CURATOR);
        registry.approveBatch(batchId);
    }

    function test_approveBatch_deprecatedDatanetReverts() public {
        (uint64 datanetId, uint256 batchId) = _pendingBatch();
        vm.prank(OWNER);
        registry.deprecate(datanetId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetNotAcceptingBatches.selector,
                datanetId,
                IDatanetRegistry.DatanetStatus.Deprecated
            )
        );
        vm.prank(OWNER);
        registry.approveBatch(batchId);
    }

    function test_rejectBatch_byCurator() public {
        (uint64 datanetId, uint256 batchId) = _pendingBatch();
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.BatchRejected(batchId, datanetId, CURATOR, REASON);
        vm.prank(CURATOR);
        registry.rejectBatch(batchId, REASON);
        vm.assertEq(uint256(_status(batchId)), uint256(IDatanetRegistry.BatchStatus.Rejected));
    }

    function test_rejectBatch_byOwner() public {
        (uint64 datanetId, uint256 batchId) = _pendingBatch();
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.BatchRejected(batchId, datanetId, OWNER, bytes32(0));
        vm.prank(OWNER);
        registry.rejectBatch(batchId, bytes32(0));
        vm.assertEq(uint256(_status(batchId)), uint256(IDatanetRegistry.BatchStatus.Rejected));
    }

    function test_rejectBatch_frozenAndDeprecatedStillReject() public {
        (uint64 frozen, uint256 first) = _pendingBatch();
        (uint64 deprecated, uint256 second) = _pendingBatch();
        vm.startPrank(OWNER);
        registry.freeze(frozen);
        registry.deprecate(deprecated);
        vm.stopPrank();
        vm.startPrank(CURATOR);
        registry.rejectBatch(first, REASON);
        registry.rejectBatch(second, REASON);
        vm.stopPrank();
        vm.assertEq(uint256(_status(first)), uint256(IDatanetRegistry.BatchStatus.Rejected));
        vm.assertEq(uint256(_status(second)), uint256(IDatanetRegistry.BatchStatus.Rejected));
    }

    function test_rejectBatch_outsiderReverts() public {
        (uint64 datanetId, uint256 batchId) = _pendingBatch();
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, OUTSIDER));
        vm.prank(OUTSIDER);
        registry.rejectBatch(batchId, REASON);
    }

    function test_rejectBatch_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetBatchNotFound.selector, 1));
        registry.rejectBatch(1, REASON);
    }

    function test_rejectBatch_approvedReverts() public {
        (, uint256 batchId) = _pendingBatch();
        vm.prank(CURATOR);
        registry.approveBatch(batchId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetBatchNotPending.selector, batchId, IDatanetRegistry.BatchStatus.Approved
            )
        );
        vm.prank(OWNER);
        registry.rejectBatch(batchId, REASON);
        vm.assertEq(uint256(_status(batchId)), uint256(IDatanetRegistry.BatchStatus.Approved), "an approval is final");
    }

    function test_rejectBatch_twiceReverts() public {
        (, uint256 batchId) = _pendingBatch();
        vm.prank(CURATOR);
        registry.rejectBatch(batchId, REASON);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetBatchNotPending.selector, batchId, IDatanetRegistry.BatchStatus.Rejected
            )
        );
        vm.prank(CURATOR);
        registry.rejectBatch(batchId, REASON);
    }

    function test_rejectBatch_openBatchIsNotPending() public {
        uint64 datanetId = _createPublished(OPEN);
        uint256 batchId = _submit(OUTSIDER, datanetId, ROOT, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetBatchNotPending.selector, batchId, IDatanetRegistry.BatchStatus.Approved
            )
        );
        vm.prank(OWNER);
        registry.rejectBatch(batchId, REASON);
    }

    // ------------------------------------------------------------ StandardMerkleTree fixtures and verifyRecord

    // StandardMerkleTree.of([[0x11..11, 0xA11c], [0x22..22, 0x0B0b], [0x33..33, 0xCaFE], [0x44..44, 0xd00d],
    // [0x55..55, 0xA11c]], ["bytes32", "address"]) from the merkle-tree npm package, 1.0.8.
    bytes32 internal constant FIXTURE_ROOT = 0xa9bd7e163c71d8b0b5d824d978ea1523ee8d64d8423bfc8ed01bc9cafbe9c89d;

    function _fixtureValue(uint256 index) internal pure returns (bytes32 cidDigest, address contributor) {
        cidDigest = bytes32(uint256(0x1111111111111111111111111111111111111111111111111111111111111111) * (index + 1));
        address[5] memory contributors =
            [address(0xA11c), address(0x0B0b), address(0xCaFE), address(0xd00d), address(0xA11c)];
        contributor = contributors[index];
    }

    function _fixtureLeaves() internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](5);
        for (uint256 i = 0; i < 5; ++i) {
            (bytes32 cidDigest, address contributor) = _fixtureValue(i);
            leaves[i] = DatanetRegistryTree.leaf(cidDigest, contributor);
        }
    }

    /// @dev tree.getProof(index) from the npm package.
    function _fixtureProof(uint256 index) internal pure returns (bytes32[] memory proof) {
        bytes32[3][5] memory proofs = [
            [
                bytes32(0x9469d9e1cabf7abc359fdd39a1157b1b4d6fdf30e1ce3a724de1815abd42268b),
                0x270c6ebbe848844b490c58e86e14b6a2ee36bddbc19bd25b3fa823ed96552709,
                0
            ],
            [
                bytes32(0xc6c7536ee11a46c441cf8667cd8242ff3d1ac5b6490b38ed9cfcb04b009323b5),
                0x04b83c3a0251044c5205b982a595dff15d3dcf8aef8020af6b1132b6c526b1ee,
                0
            ],
            [
                bytes32(0x4578063b7325d8b59f7eb614c243430f5a13e9fa8e733b181364a9ae6eed93ed),
                0x270c6ebbe848844b490c58e86e14b6a2ee36bddbc19bd25b3fa823ed96552709,
                0
            ],
            [
                bytes32(0x3a0109cba0ffe19a89356f60bc349c41bd8ca372924dd5bba70ae7a547b8ad2e),
                0xc35a2db671bb70b74e240e1cf9d8c000023f8b8b3893d9b9227db47d02ffda5a,
                0x04b83c3a0251044c5205b982a595dff15d3dcf8aef8020af6b1132b6c526b1ee
            ],
            [
                bytes32(0x379fd8793e8185a521f548edd73ee9234ee34981ae0f06e3bcfecc22254743fd),
                0xc35a2db671bb70b74e240e1cf9d8c000023f8b8b3893d9b9227db47d02ffda5a,
                0x04b83c3a0251044c5205b982a595dff15d3dcf8aef8020af6b1132b6c526b1ee
            ]
        ];
        uint256 length = index < 3 ? 2 : 3; // leaves 0..2 sit one level higher in the five-leaf tree
        proof = new bytes32[](length);
        for (uint256 i = 0; i < length; ++i) {
            proof[i] = proofs[index][i];
        }
    }

    function test_tree_matchesStandardMerkleTree() public pure {
        bytes32[] memory tree = DatanetRegistryTree.build(_fixtureLeaves());
        // tree.dump().tree from the npm package.
        bytes32[9] memory npmTree = [
            FIXTURE_ROOT,
            bytes32(0x270c6ebbe848844b490c58e86e14b6a2ee36bddbc19bd25b3fa823ed96552709),
            0x04b83c3a0251044c5205b982a595dff15d3dcf8aef8020af6b1132b6c526b1ee,
            0xc6c7536ee11a46c441cf8667cd8242ff3d1ac5b6490b38ed9cfcb04b009323b5,
            0xc35a2db671bb70b74e240e1cf9d8c000023f8b8b3893d9b9227db47d02ffda5a,
            0x9469d9e1cabf7abc359fdd39a1157b1b4d6fdf30e1ce3a724de1815abd42268b,
            0x4578063b7325d8b59f7eb614c243430f5a13e9fa8e733b181364a9ae6eed93ed,
            0x3a0109cba0ffe19a89356f60bc349c41bd8ca372924dd5bba70ae7a547b8ad2e,
            0x379fd8793e8185a521f548edd73ee9234ee34981ae0f06e3bcfecc22254743fd
        ];
        vm.assertEq(tree.length, 9);
        for (uint256 i = 0; i < 9; ++i) {
            vm.assertEq(tree[i], npmTree[i]);
        }
        bytes32[] memory leaves = _fixtureLeaves();
        for (uint256 i = 0; i < 5; ++i) {
            bytes32[] memory proof = DatanetRegistryTree.proof(tree, leaves[i]);
            bytes32[] memory expected = _fixtureProof(i);
            vm.assertEq(proof.length, expected.length, "proof length");
            for (uint256 j = 0; j < proof.length; ++j) {
                vm.assertEq(proof[j], expected[j]);
            }
        }
        // getMultiProof([0..4]).leaves lists values 3, 4, 0, 2, 1: ascending leaf hash, as sorted() gives.
        bytes32[] memory ordered = DatanetRegistryTree.sorted(leaves);
        uint8[5] memory npmOrder = [3, 4, 0, 2, 1];
        for (uint256 i = 0; i < 5; ++i) {
            vm.assertEq(ordered[i], leaves[npmOrder[i]]);
        }
        vm.assertEq(DatanetRegistryTree.fullFlags(5).length, 4, "proofFlags: n-1 times true");
    }

    function test_verifyRecord_standardMerkleTreeFixture() public {
        uint64 datanetId = _createPublished(OPEN);
        uint256 batchId = _submit(OUTSIDER, datanetId, FIXTURE_ROOT, 5);
        for (uint256 i = 0; i < 5; ++i) {
            (bytes32 cidDigest, address contributor) = _fixtureValue(i);
            vm.assertTrue(registry.verifyRecord(batchId, cidDigest, contributor, _fixtureProof(i)), "npm proof");
        }
    }

    function test_verifyRecord_wrongProofReturnsFalse() public {
        uint64 datanetId = _createPublished(OPEN);
        uint256 batchId = _submit(OUTSIDER, datanetId, FIXTURE_ROOT, 5);
        (bytes32 cidDigest, address contributor) = _fixtureValue(0);
        vm.assertFalse(registry.verifyRecord(batchId, cidDigest, contributor, _fixtureProof(1)), "another leaf's proof");
        vm.assertFalse(registry.verifyRecord(batchId, cidDigest, contributor, new bytes32[](0)), "empty proof");
        bytes32[] memory tampered = _fixtureProof(0);
        tampered[1] ^= bytes32(uint256(1));
        vm.assertFalse(registry.verifyRecord(batchId, cidDigest, contributor, tampered), "tampered proof");
        vm.assertFalse(registry.verifyRecord(batchId, cidDigest, address(0xB0b), _fixtureProof(0)), "wrong contributor");
        vm.assertFalse(registry.verifyRecord(batchId, CID_A, contributor, _fixtureProof(0)), "wrong record");
        vm.assertFalse(registry.verifyRecord(batchId + 1, cidDigest, contributor, _fixtureProof(0)), "unknown batch");
        vm.assertFalse(registry.verifyRecord(0, cidDigest, contributor, _fixtureProof(0)), "batch 0");
    }

    function test_verifyRecord_onlyApprovedBatches() public {
        uint64 datanetId = _createPublished(CURATED);
        uint256 pending = _submit(OUTSIDER, datanetId, FIXTURE_ROOT, 5);
        uint256 rejected = _submit(OUTSIDER, datanetId, FIXTURE_ROOT, 5);
        (bytes32 cidDigest, address contributor) = _fixtureValue(2);
        bytes32[] memory proof = _fixtureProof(2);
        vm.assertFalse(registry.verifyRecord(pending, cidDigest, contributor, proof), "pending");
        vm.prank(CURATOR);
        registry.rejectBatch(rejected, REASON);
        vm.assertFalse(registry.verifyRecord(rejected, cidDigest, contributor, proof), "rejected");
        vm.prank(CURATOR);
        registry.approveBatch(pending);
        vm.assertTrue(registry.verifyRecord(pending, cidDigest, contributor, proof), "approved");
    }

    function test_verifyRecord_approvedBatchOfFrozenDatanetStillVerifies() public {
        uint64 datanetId = _createPublished(OPEN);
        uint256 batchId = _submit(OUTSIDER, datanetId, FIXTURE_ROOT, 5);
        vm.startPrank(OWNER);
        registry.freeze(datanetId);
        registry.deprecate(datanetId);
        vm.stopPrank();
        (bytes32 cidDigest, address contributor) = _fixtureValue(4);
        vm.assertTrue(registry.verifyRecord(batchId, cidDigest, contributor, _fixtureProof(4)), "history stands");
    }

    /// @dev Random trees of 1..40 records: every record's proof verifies; a changed record, contributor or proof does
    /// not; neither does the same tree while Pending.
    function testFuzz_verifyRecord(uint256 seed, uint8 sizeSeed, uint8 indexSeed) public {
        uint256 n = _bound(sizeSeed, 1, 40);
        (bytes32[] memory cids, address[] memory contributors, bytes32[] memory leaves) = _randomRecords(seed, n);
        bytes32[] memory tree = DatanetRegistryTree.build(leaves);
        uint256 approved = _submit(OUTSIDER, _createPublished(OPEN), tree[0], uint32(n));
        uint256 pending = _submit(OUTSIDER, _createPublished(CURATED), tree[0], uint32(n));

        uint256 k = indexSeed % n;
        bytes32[] memory proof = DatanetRegistryTree.proof(tree, leaves[k]);
        vm.assertTrue(registry.verifyRecord(approved, cids[k], contributors[k], proof), "record verifies");
        vm.assertFalse(registry.verifyRecord(pending, cids[k], contributors[k], proof), "pending batch");
        vm.assertFalse(
            registry.verifyRecord(approved, cids[k], address(uint160(contributors[k]) ^ 1), proof), "other contributor"
        );
        vm.assertFalse(
            registry.verifyRecord(approved, cids[k] ^ bytes32(uint256(1)), contributors[k], proof), "other record"
        );
        if (n > 1) {
            bytes32[] memory otherProof = DatanetRegistryTree.proof(tree, leaves[(k + 1) % n]);
            vm.assertFalse(registry.verifyRecord(approved, cids[k], contributors[k], otherProof), "other leaf's proof");
            _flipOneBit(proof, seed);
            vm.assertFalse(registry.verifyRecord(approved, cids[k], contributors[k], proof), "tampered proof");
        }
    }

    /// @dev Flips one bit of one node of a non-empty proof, both chosen by `seed`.
    function _flipOneBit(bytes32[] memory proof, uint256 seed) internal pure {
        proof[seed % proof.length] ^= bytes32(uint256(1) << (seed % 256));
    }

    /// @dev `n` pseudo-random (cidDigest, contributor) records drawn from `seed`, with their leaves.
    function _randomRecords(uint256 seed, uint256 n)
        internal
        pure
        returns (bytes32[] memory cids, address[] memory contributors, bytes32[] memory leaves)
    {
        cids = new bytes32[](n);
        contributors = new address[](n);
        leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            cids[i] = keccak256(abi.encode(seed, i));
            contributors[i] = address(uint160(uint256(keccak256(abi.encode(seed, i, "contributor")))));
            leaves[i] = DatanetRegistryTree.leaf(cids[i], contributors[i]);
        }
    }

    function test_verifyRecord_registeredToAnotherContributorReturnsFalse() public {
        uint64 datanetId = _createPublished(OPEN);
        _relayAll(datanetId, _one(_item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline())));

        // An unsigned batch that credits Alice's record to Mallory: the proof is valid, the registration wins.
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = DatanetRegistryTree.leaf(CID_A, mallory);
        leaves[1] = DatanetRegistryTree.leaf(CID_A, alice);
        bytes32[] memory tree = DatanetRegistryTree.build(leaves);
        uint256 batchId = _submit(mallory, datanetId, tree[0], 2);
        vm.assertFalse(
            registry.verifyRecord(batchId, CID_A, mallory, DatanetRegistryTree.proof(tree, leaves[0])), "not Mallory's"
        );
        vm.assertTrue(
            registry.verifyRecord(batchId, CID_A, alice, DatanetRegistryTree.proof(tree, leaves[1])), "still Alice's"
        );
    }

    function test_verifyRecord_registrationIsPerDatanet() public {
        uint64 first = _createPublished(OPEN);
        uint64 second = _createPublished(OPEN);
        _relayAll(first, _one(_item(ALICE_KEY, alice, first, CID_A, 0, _deadline())));
        bytes32 leaf = DatanetRegistryTree.leaf(CID_A, bob);
        uint256 batchId = _submit(bob, second, leaf, 1);
        vm.assertTrue(
            registry.verifyRecord(batchId, CID_A, bob, new bytes32[](0)), "Alice's claim is in another Datanet"
        );
    }

    // ------------------------------------------------------------ submitSignedBatch

    /// @dev The root and getMultiProof([0, 1, 2, 3]) of StandardMerkleTree.of([[0xa1.., alice], [0xb2.., bob],
    /// [0xc3.., carol], [0xa4.., alice]], ["bytes32", "address"]), with alice, bob, carol the addresses of ALICE_KEY,
    /// BOB_KEY and CAROL_KEY: leaves came back as 0xa1.. (alice), 0xc3.. (carol), 0xb2.. (bob), 0xa4.. (alice).
    bytes32 internal constant SIGNED_FIXTURE_ROOT = 0xbe8e8e03e74a37c47524124807673b4d70d6c527b5a000e0d4a5f67d6611682e;

    function _signedFixtureItems(uint64 datanetId)
        internal
        view
        returns (IDatanetRegistry.SignedContribution[] memory items)
    {
        vm.assertEq(alice, 0xe05fcC23807536bEe418f142D19fa0d21BB0cfF7);
        vm.assertEq(bob, 0x0376AAc07Ad725E01357B1725B5ceC61aE10473c);
        vm.assertEq(carol, 0x0F89F1868aF3b14a5eca86ed9a5404A742a11454);
        bytes32 a1 = bytes32(uint256(0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1));
        bytes32 c3 = bytes32(uint256(0xc3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3));
        bytes32 b2 = bytes32(uint256(0xb2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2));
        bytes32 a4 = bytes32(uint256(0xa4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4));
        items = new IDatanetRegistry.SignedContribution[](4);
        items[0] = _item(ALICE_KEY, alice, datanetId, a1, 0, _deadline());
        items[1] = _item(CAROL_KEY, carol, datanetId, c3, 7, _deadline());
        items[2] = _item(BOB_KEY, bob, datanetId, b2, 1 << 200, _deadline());
        items[3] = _item(ALICE_KEY, alice, datanetId, a4, 1, _deadline());
    }

    function test_submitSignedBatch_standardMerkleTreeFixture() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items = _signedFixtureItems(datanetId);
        (, bytes32 root) = _ordered(items);
        vm.assertEq(root, SIGNED_FIXTURE_ROOT, "the test builder agrees with the npm package");
        bytes32[] memory ids = new bytes32[](4);
        for (uint256 i = 0; i < 4; ++i) {
            ids[i] = registry.contributionId(datanetId, items[i].cidDigest);
        }

        vm.expectEmit(address(registry));
        emit IDatanetRegistry.BatchSubmitted(1, datanetId, RELAYER, SIGNED_FIXTURE_ROOT, 4, MANIFEST);
        for (uint256 i = 0; i < 4; ++i) {
            vm.expectEmit(address(registry));
            emit IDatanetRegistry.ContributionRegistered(
                ids[i], items[i].contributor, 1, items[i].cidDigest, items[i].nonce
            );
        }
        uint256 batchId = _relay(datanetId, SIGNED_FIXTURE_ROOT, items);

        IDatanetRegistry.Batch memory batch = registry.getBatch(batchId);
        vm.assertEq(batch.root, SIGNED_FIXTURE_ROOT);
        vm.assertEq(batch.count, 4);
        vm.assertEq(uint256(batch.status), uint256(IDatanetRegistry.BatchStatus.Approved), "Open approves at once");
        bytes32[] memory tree = DatanetRegistryTree.build(_leaves(items));
        for (uint256 i = 0; i < 4; ++i) {
            IDatanetRegistry.SignedContribution memory item = items[i];
            vm.assertEq(registry.contributorOf(registry.contributionId(datanetId, item.cidDigest)), item.contributor);
            vm.assertTrue(registry.nonceUsed(item.contributor, item.nonce), "nonce used");
            bytes32[] memory proof =
                DatanetRegistryTree.proof(tree, DatanetRegistryTree.leaf(item.cidDigest, item.contributor));
            vm.assertTrue(registry.verifyRecord(batchId, item.cidDigest, item.contributor, proof), "record verifies");
        }
        vm.assertFalse(registry.nonceUsed(alice, 2), "other nonces untouched");
        vm.assertFalse(registry.nonceUsed(bob, 0), "other nonces untouched");
    }

    function test_submitSignedBatch_singleItem() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items =
            _one(_item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline()));
        bytes32 leaf = DatanetRegistryTree.leaf(CID_A, alice);
        uint256 batchId = _relay(datanetId, leaf, items);
        vm.assertEq(registry.getBatch(batchId).count, 1);
        vm.assertEq(registry.contributorOf(registry.contributionId(datanetId, CID_A)), alice);
        vm.assertTrue(registry.verifyRecord(batchId, CID_A, alice, new bytes32[](0)), "a one-leaf root is the leaf");
    }

    function test_submitSignedBatch_curatedIsPendingAndKeepsContributionsWhilePending() public {
        uint64 datanetId = _createPublished(CURATED);
        (uint256 batchId,,) = _relayAll(datanetId, _one(_item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline())));
        vm.assertEq(uint256(_status(batchId)), uint256(IDatanetRegistry.BatchStatus.Pending));
        bytes32 id = registry.contributionId(datanetId, CID_A);
        vm.assertEq(registry.contributorOf(id), alice, "claimed while pending");
        IDatanetRegistry.SignedContribution[] memory again = _one(_item(BOB_KEY, bob, datanetId, CID_A, 0, _deadline()));
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContributionExists.selector, id, alice));
        _relayAll(datanetId, again);
    }

    function test_submitSignedBatch_approvedClaimHoldsForGood() public {
        uint64 datanetId = _createPublished(CURATED);
        (uint256 batchId,,) = _relayAll(datanetId, _one(_item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline())));
        vm.prank(CURATOR);
        registry.approveBatch(batchId);
        bytes32 id = registry.contributionId(datanetId, CID_A);
        IDatanetRegistry.SignedContribution[] memory again = _one(_item(BOB_KEY, bob, datanetId, CID_A, 0, _deadline()));
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContributionExists.selector, id, alice));
        _relayAll(datanetId, again);
    }

    function test_submitSignedBatch_allowlistRelayer() public {
        uint64 datanetId = _createPublished(ALLOWLIST);
        IDatanetRegistry.SignedContribution[] memory items =
            _one(_item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline()));
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.DatanetSubmitterNotAllowed.selector, datanetId, RELAYER)
        );
        _relayAll(datanetId, items);

        vm.prank(OWNER);
        registry.setAllowed(datanetId, RELAYER, true);
        (uint256 batchId,,) = _relayAll(datanetId, items);
        vm.assertEq(uint256(_status(batchId)), uint256(IDatanetRegistry.BatchStatus.Approved));
    }

    function test_submitSignedBatch_notPublishedReverts() public {
        for (uint256 s = 0; s < 4; ++s) {
            IDatanetRegistry.DatanetStatus status = IDatanetRegistry.DatanetStatus(s);
            if (status == IDatanetRegistry.DatanetStatus.Published) continue;
            uint64 datanetId = _createIn(OPEN, status);
            IDatanetRegistry.SignedContribution[] memory items =
                _one(_item(ALICE_KEY, alice, datanetId, CID_A, s, _deadline()));
            vm.expectRevert(
                abi.encodeWithSelector(IDatanetRegistry.DatanetNotAcceptingBatches.selector, datanetId, status)
            );
            _relayAll(datanetId, items);
        }
    }

    function test_submitSignedBatch_unknownDatanetReverts() public {
        IDatanetRegistry.SignedContribution[] memory items = _one(_item(ALICE_KEY, alice, 3, CID_A, 0, _deadline()));
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 3));
        _relayAll(3, items);
    }

    function test_submitSignedBatch_zeroRootReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items =
            _one(_item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline()));
        vm.expectRevert(IDatanetRegistry.DatanetZeroRoot.selector);
        _relay(datanetId, bytes32(0), items);
    }

    function test_submitSignedBatch_noItemsReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        vm.expectRevert(IDatanetRegistry.DatanetZeroCount.selector);
        vm.prank(RELAYER);
        registry.submitSignedBatch(
            datanetId, ROOT, MANIFEST, new IDatanetRegistry.SignedContribution[](0), new bytes32[](0), new bool[](0)
        );
    }

    function test_submitSignedBatch_flagsLengthReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items = new IDatanetRegistry.SignedContribution[](2);
        items[0] = _item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline());
        items[1] = _item(BOB_KEY, bob, datanetId, CID_B, 0, _deadline());
        (IDatanetRegistry.SignedContribution[] memory ordered, bytes32 root) = _ordered(items);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetProofNotExact.selector, 0, 2, 2));
        vm.prank(RELAYER);
        registry.submitSignedBatch(datanetId, root, MANIFEST, ordered, new bytes32[](0), new bool[](2));
    }

    /// @dev proofFlags must be all true: a false flag asks for a proof node the (empty) proof does not have, and the
    /// multiproof reads past its end (a Panic, not a registry error).
    function test_submitSignedBatch_falseProofFlagReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items = new IDatanetRegistry.SignedContribution[](2);
        items[0] = _item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline());
        items[1] = _item(BOB_KEY, bob, datanetId, CID_B, 0, _deadline());
        (IDatanetRegistry.SignedContribution[] memory ordered, bytes32 root) = _ordered(items);
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x32));
        vm.prank(RELAYER);
        registry.submitSignedBatch(datanetId, root, MANIFEST, ordered, new bytes32[](0), new bool[](1));
    }

    /// @dev A root over the signed items plus one unsigned record: its honest multiproof needs a proof node, which the
    /// registry refuses, and without it the root does not match.
    function test_submitSignedBatch_unsignedRecordInRootReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items = new IDatanetRegistry.SignedContribution[](2);
        items[0] = _item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline());
        items[1] = _item(BOB_KEY, bob, datanetId, CID_B, 0, _deadline());
        (IDatanetRegistry.SignedContribution[] memory ordered,) = _ordered(items);
        bytes32 smuggled = DatanetRegistryTree.leaf(keccak256("unsigned"), mallory);
        bytes32[] memory leaves = new bytes32[](3);
        (leaves[0], leaves[1], leaves[2]) = (_leaves(ordered)[0], _leaves(ordered)[1], smuggled);
        bytes32 root = DatanetRegistryTree.root(leaves);

        bytes32[] memory proof = new bytes32[](1);
        proof[0] = smuggled;
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetProofNotExact.selector, 1, 2, 2));
        vm.prank(RELAYER);
        registry.submitSignedBatch(datanetId, root, MANIFEST, ordered, proof, new bool[](2));

        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRootMismatch.selector, root));
        _relay(datanetId, root, ordered);
    }

    function test_submitSignedBatch_rootMismatchReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items = new IDatanetRegistry.SignedContribution[](2);
        items[0] = _item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline());
        items[1] = _item(BOB_KEY, bob, datanetId, CID_B, 0, _deadline());
        (IDatanetRegistry.SignedContribution[] memory ordered,) = _ordered(items);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRootMismatch.selector, ROOT));
        _relay(datanetId, ROOT, ordered);
        vm.assertFalse(registry.nonceUsed(alice, 0), "nothing consumed");
    }

    /// @dev Items out of the multiproof order pair up differently, so the root they build is another one.
    function test_submitSignedBatch_itemsOutOfOrderReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items = _signedFixtureItems(datanetId);
        (items[0], items[2]) = (items[2], items[0]);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRootMismatch.selector, SIGNED_FIXTURE_ROOT));
        _relay(datanetId, SIGNED_FIXTURE_ROOT, items);
    }

    /// @dev Pairs are hashed sorted, so swapping two sibling leaves builds the same root over the same signed set.
    function test_submitSignedBatch_siblingSwapKeepsRoot() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items = _signedFixtureItems(datanetId);
        (items[0], items[1]) = (items[1], items[0]);
        uint256 batchId = _relay(datanetId, SIGNED_FIXTURE_ROOT, items);
        vm.assertEq(registry.getBatch(batchId).root, SIGNED_FIXTURE_ROOT);
        vm.assertEq(registry.contributorOf(registry.contributionId(datanetId, items[0].cidDigest)), carol);
    }

    /// @dev The root commits to each item's contributor: relaying Alice's signed item under a root that names Mallory.
    function test_submitSignedBatch_contributorSwappedInRootReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items =
            _one(_item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline()));
        bytes32 malloryRoot = DatanetRegistryTree.leaf(CID_A, mallory);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetRootMismatch.selector, malloryRoot));
        _relay(datanetId, malloryRoot, items);
    }

    /// @dev Random batches of 1..12 signers with random keys and nonces: all register, and the exact multiproof root
    /// equals the StandardMerkleTree root, so every item's single proof verifies afterwards.
    function testFuzz_submitSignedBatch(uint256 seed, uint8 sizeSeed) public {
        uint256 n = _bound(sizeSeed, 1, 12);
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items = new IDatanetRegistry.SignedContribution[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 key = _bound(uint256(keccak256(abi.encode(seed, "key", i))), 1, SECP256K1_N - 1);
            uint256 nonce = uint256(keccak256(abi.encode(seed, "nonce", i)));
            items[i] = _item(key, vm.addr(key), datanetId, keccak256(abi.encode(seed, i)), nonce, _deadline());
        }
        (uint256 batchId, IDatanetRegistry.SignedContribution[] memory ordered, bytes32 root) =
            _relayAll(datanetId, items);

        bytes32[] memory tree = DatanetRegistryTree.build(_leaves(ordered));
        vm.assertEq(tree[0], root);
        vm.assertEq(registry.getBatch(batchId).count, n);
        for (uint256 i = 0; i < n; ++i) {
            IDatanetRegistry.SignedContribution memory item = ordered[i];
            vm.assertEq(registry.contributorOf(registry.contributionId(datanetId, item.cidDigest)), item.contributor);
            vm.assertTrue(registry.nonceUsed(item.contributor, item.nonce), "nonce used");
            bytes32[] memory proof =
                DatanetRegistryTree.proof(tree, DatanetRegistryTree.leaf(item.cidDigest, item.contributor));
            vm.assertTrue(registry.verifyRecord(batchId, item.cidDigest, item.contributor, proof), "record verifies");
        }
    }

    // ------------------------------------------------------------ attacks on relayed contributions

    function test_submitSignedBatch_replayedSignatureReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items =
            _one(_item(ALICE_KEY, alice, datanetId, CID_A, 5, _deadline()));
        _relayAll(datanetId, items);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNonceUsed.selector, alice, 5));
        _relayAll(datanetId, items);
    }

    function test_submitSignedBatch_replayWithinOneBatchReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution memory item = _item(ALICE_KEY, alice, datanetId, CID_A, 5, _deadline());
        IDatanetRegistry.SignedContribution[] memory items = new IDatanetRegistry.SignedContribution[](2);
        (items[0], items[1]) = (item, item);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNonceUsed.selector, alice, 5));
        _relayAll(datanetId, items);
        vm.assertFalse(registry.nonceUsed(alice, 5), "the failed batch consumed nothing");
    }

    /// @dev A nonce spent in one Datanet cannot carry a signature for another: nonces are per contributor.
    function test_submitSignedBatch_nonceSpentInAnotherDatanetReverts() public {
        uint64 first = _createPublished(OPEN);
        uint64 second = _createPublished(OPEN);
        _relayAll(first, _one(_item(ALICE_KEY, alice, first, CID_A, 5, _deadline())));
        IDatanetRegistry.SignedContribution[] memory items =
            _one(_item(ALICE_KEY, alice, second, CID_B, 5, _deadline()));
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNonceUsed.selector, alice, 5));
        _relayAll(second, items);
    }

    function test_submitSignedBatch_expiredSignatureReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        uint256 deadline = block.timestamp + 1 hours;
        IDatanetRegistry.SignedContribution[] memory items =
            _one(_item(ALICE_KEY, alice, datanetId, CID_A, 0, deadline));
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetSignatureExpired.selector, alice, deadline));
        _relayAll(datanetId, items);
    }

    function test_submitSignedBatch_deadlineIsInclusive() public {
        uint64 datanetId = _createPublished(OPEN);
        uint256 deadline = block.timestamp + 1 hours;
        IDatanetRegistry.SignedContribution[] memory items =
            _one(_item(ALICE_KEY, alice, datanetId, CID_A, 0, deadline));
        vm.warp(deadline);
        _relayAll(datanetId, items);
        vm.assertTrue(registry.nonceUsed(alice, 0), "accepted at the deadline");
    }

    function test_submitSignedBatch_extendedDeadlineReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        uint256 deadline = block.timestamp + 1 hours;
        IDatanetRegistry.SignedContribution memory item = _item(ALICE_KEY, alice, datanetId, CID_A, 0, deadline);
        vm.warp(deadline + 1);
        item.deadline = deadline + 1 days; // the relayer stretches an expired signature
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, alice));
        _relayAll(datanetId, _one(item));
    }

    function test_submitSignedBatch_forgedContributorReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items =
            _one(_item(MALLORY_KEY, alice, datanetId, CID_A, 0, _deadline()));
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, alice));
        _relayAll(datanetId, items);
        vm.assertEq(registry.contributorOf(registry.contributionId(datanetId, CID_A)), address(0));
        vm.assertFalse(registry.nonceUsed(alice, 0), "Alice's nonce is not burnt by the forgery");
    }

    function test_submitSignedBatch_tamperedRecordReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution memory item = _item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline());
        item.cidDigest = CID_B; // Alice signed record a; the relayer credits her with record b
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, alice));
        _relayAll(datanetId, _one(item));
    }

    function test_submitSignedBatch_tamperedNonceReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution memory item = _item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline());
        item.nonce = 1;
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, alice));
        _relayAll(datanetId, _one(item));
    }

    function test_submitSignedBatch_signatureForAnotherDatanetReverts() public {
        uint64 first = _createPublished(OPEN);
        uint64 second = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items = _one(_item(ALICE_KEY, alice, first, CID_A, 0, _deadline()));
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, alice));
        _relayAll(second, items);
    }

    function test_submitSignedBatch_signatureForAnotherChainReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items =
            _one(_item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline()));
        bytes32 separator = registry.DOMAIN_SEPARATOR();
        vm.chainId(block.chainid + 1);
        vm.assertTrue(registry.DOMAIN_SEPARATOR() != separator, "the domain follows the chain id");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, alice));
        _relayAll(datanetId, items);
    }

    function test_submitSignedBatch_signatureForAnotherRegistryReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items =
            _one(_item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline()));
        DatanetRegistry twin = new DatanetRegistry();
        vm.startPrank(OWNER);
        uint64 twinId = twin.createDatanet(METADATA, OPEN, _noCurators());
        twin.publish(twinId);
        vm.stopPrank();
        vm.assertEq(twinId, datanetId, "same Datanet id in both registries");
        (IDatanetRegistry.SignedContribution[] memory ordered, bytes32 root) = _ordered(items);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, alice));
        twin.submitSignedBatch(twinId, root, MANIFEST, ordered, new bytes32[](0), new bool[](0));
    }

    function test_submitSignedBatch_malleableSignatureReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution memory item = _item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline());
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(ALICE_KEY, registry.contributionDigest(datanetId, CID_A, 0, item.deadline));
        // (r, n - s, flipped v) recovers the same signer through ecrecover; ECDSA refuses the high-s twin.
        item.signature = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, alice));
        _relayAll(datanetId, _one(item));
    }

    function test_submitSignedBatch_malformedSignatureReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution memory item = _item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline());
        item.signature = "";
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, alice));
        _relayAll(datanetId, _one(item));
    }

    function test_submitSignedBatch_zeroContributorReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution memory item = _item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline());
        item.contributor = address(0);
        item.signature = new bytes(65); // r = s = 0: ecrecover yields address(0), which ECDSA reports as an error
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, address(0)));
        _relayAll(datanetId, _one(item));
    }

    function test_submitSignedBatch_oneBadItemRevertsTheBatch() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items = new IDatanetRegistry.SignedContribution[](3);
        items[0] = _item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline());
        items[1] = _item(BOB_KEY, bob, datanetId, CID_B, 0, _deadline());
        items[2] = _item(MALLORY_KEY, carol, datanetId, keccak256("record c"), 0, _deadline());
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, carol));
        _relayAll(datanetId, items);
        vm.assertFalse(registry.nonceUsed(alice, 0), "no partial batch");
        vm.assertFalse(registry.nonceUsed(bob, 0), "no partial batch");
        vm.assertEq(registry.batchCount(), 0);
    }

    function test_submitSignedBatch_sameContentCreditedTwiceReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        _relayAll(datanetId, _one(_item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline())));
        bytes32 id = registry.contributionId(datanetId, CID_A);

        IDatanetRegistry.SignedContribution[] memory byBob = _one(_item(BOB_KEY, bob, datanetId, CID_A, 0, _deadline()));
        IDatanetRegistry.SignedContribution[] memory byAliceAgain =
            _one(_item(ALICE_KEY, alice, datanetId, CID_A, 1, _deadline()));

        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContributionExists.selector, id, alice));
        _relayAll(datanetId, byBob);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContributionExists.selector, id, alice));
        _relayAll(datanetId, byAliceAgain);
        vm.assertEq(registry.contributorOf(id), alice);
    }

    function test_submitSignedBatch_sameContentTwiceInOneBatchReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items = new IDatanetRegistry.SignedContribution[](2);
        items[0] = _item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline());
        items[1] = _item(BOB_KEY, bob, datanetId, CID_A, 0, _deadline());
        (IDatanetRegistry.SignedContribution[] memory ordered, bytes32 root) = _ordered(items);
        bytes32 id = registry.contributionId(datanetId, CID_A);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.DatanetContributionExists.selector, id, ordered[0].contributor)
        );
        _relay(datanetId, root, ordered);
    }

    function test_submitSignedBatch_sameContentInAnotherDatanetSucceeds() public {
        uint64 first = _createPublished(OPEN);
        uint64 second = _createPublished(OPEN);
        _relayAll(first, _one(_item(ALICE_KEY, alice, first, CID_A, 0, _deadline())));
        _relayAll(second, _one(_item(BOB_KEY, bob, second, CID_A, 0, _deadline())));
        vm.assertEq(registry.contributorOf(registry.contributionId(first, CID_A)), alice);
        vm.assertEq(registry.contributorOf(registry.contributionId(second, CID_A)), bob);
    }

    /// @dev The signature binds (Datanet, record, nonce, deadline) but not the batch: anyone who sees a relayed item
    /// can put it in a batch of their own first. The signer is still the one credited, but the honest relayer's whole
    /// batch then reverts on the spent nonce and must be rebuilt without that item.
    function test_submitSignedBatch_liftedItemCreditsSignerButBlocksTheRelayersBatch() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items = new IDatanetRegistry.SignedContribution[](2);
        items[0] = _item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline());
        items[1] = _item(BOB_KEY, bob, datanetId, CID_B, 0, _deadline());
        (IDatanetRegistry.SignedContribution[] memory ordered, bytes32 root) = _ordered(items);

        IDatanetRegistry.SignedContribution[] memory lifted = _one(items[0]);
        bool[] memory noFlags = new bool[](0);
        vm.prank(mallory);
        registry.submitSignedBatch(
            datanetId, DatanetRegistryTree.leaf(CID_A, alice), MANIFEST, lifted, new bytes32[](0), noFlags
        );
        vm.assertEq(registry.contributorOf(registry.contributionId(datanetId, CID_A)), alice, "still Alice's");

        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNonceUsed.selector, alice, 0));
        _relay(datanetId, root, ordered);
    }

    /// @dev Registrations stand whatever curators decide (as IDatanetRegistry documents): a contribution id claimed
    /// in a batch that curators reject stays claimed, so the record's real author can never register it, and an
    /// approved batch crediting the author no longer verifies for it.
    function test_submitSignedBatch_rejectedBatchReleasesTheContentId() public {
        uint64 datanetId = _createPublished(CURATED);
        (uint256 squat,,) = _relayAll(datanetId, _one(_item(MALLORY_KEY, mallory, datanetId, CID_A, 0, _deadline())));
        bytes32 id = registry.contributionId(datanetId, CID_A);
        vm.assertEq(registry.contributorOf(id), mallory, "claimed while pending");
        vm.prank(CURATOR);
        registry.rejectBatch(squat, REASON);
        vm.assertEq(registry.contributorOf(id), address(0), "a rejected batch's claim lapses");

        // The real author claims the content in a new batch, which curators approve: the record is hers.
        IDatanetRegistry.SignedContribution memory byAlice = _item(ALICE_KEY, alice, datanetId, CID_A, 0, _deadline());
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionRegistered(id, alice, squat + 1, CID_A, 0);
        (uint256 honest,,) = _relayAll(datanetId, _one(byAlice));
        vm.assertEq(registry.contributorOf(id), alice);
        vm.prank(CURATOR);
        registry.approveBatch(honest);
        vm.assertTrue(registry.verifyRecord(honest, CID_A, alice, new bytes32[](0)), "Alice's record is hers");
        vm.assertFalse(registry.verifyRecord(squat, CID_A, mallory, new bytes32[](0)), "the squat never verifies");
    }

    function test_submitSignedBatch_invalidatedNonceReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        IDatanetRegistry.SignedContribution[] memory items =
            _one(_item(ALICE_KEY, alice, datanetId, CID_A, 9, _deadline()));
        vm.prank(alice);
        registry.invalidateNonce(9);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNonceUsed.selector, alice, 9));
        _relayAll(datanetId, items);
    }

    function test_submitSignedBatch_contractWalletSignatureAccepted() public {
        uint64 datanetId = _createPublished(OPEN);
        DatanetOwnedWallet wallet = new DatanetOwnedWallet(alice);
        IDatanetRegistry.SignedContribution memory item =
            _item(ALICE_KEY, address(wallet), datanetId, CID_A, 0, _deadline());
        bytes32 id = registry.contributionId(datanetId, CID_A);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionRegistered(id, address(wallet), 1, CID_A, 0);
        (uint256 batchId,,) = _relayAll(datanetId, _one(item));
        vm.assertEq(registry.contributorOf(id), address(wallet));
        vm.assertTrue(registry.nonceUsed(address(wallet), 0), "the wallet's nonce");
        vm.assertFalse(registry.nonceUsed(alice, 0), "not the wallet owner's nonce");
        vm.assertTrue(
            registry.verifyRecord(batchId, CID_A, address(wallet), new bytes32[](0)), "credited to the wallet"
        );
    }

    function test_submitSignedBatch_contractWalletWrongKeyReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        DatanetOwnedWallet wallet = new DatanetOwnedWallet(alice);
        IDatanetRegistry.SignedContribution memory item =
            _item(MALLORY_KEY, address(wallet), datanetId, CID_A, 0, _deadline());
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, address(wallet)));
        _relayAll(datanetId, _one(item));
    }

    /// @dev A contract contributor is asked through ERC-1271 only, even when its owner's ECDSA signature is attached.
    function test_submitSignedBatch_refusingWalletReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        DatanetRefusingWallet wallet = new DatanetRefusingWallet(false);
        IDatanetRegistry.SignedContribution memory item =
            _item(ALICE_KEY, address(wallet), datanetId, CID_A, 0, _deadline());
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, address(wallet)));
        _relayAll(datanetId, _one(item));
    }

    function test_submitSignedBatch_revertingWalletReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        DatanetRefusingWallet wallet = new DatanetRefusingWallet(true);
        IDatanetRegistry.SignedContribution memory item =
            _item(ALICE_KEY, address(wallet), datanetId, CID_A, 0, _deadline());
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidSignature.selector, address(wallet)));
        _relayAll(datanetId, _one(item));
    }

    // ------------------------------------------------------------ invalidateNonce / nonceUsed

    function test_invalidateNonce_marksUsed() public {
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.NonceInvalidated(alice, 300);
        vm.prank(alice);
        registry.invalidateNonce(300);
        vm.assertTrue(registry.nonceUsed(alice, 300), "revoked");
        vm.assertFalse(registry.nonceUsed(alice, 299), "neighbour in the same word");
        vm.assertFalse(registry.nonceUsed(alice, 44), "same bit, other word");
        vm.assertFalse(registry.nonceUsed(bob, 300), "other contributor");
    }

    function test_invalidateNonce_twiceReverts() public {
        vm.prank(alice);
        registry.invalidateNonce(1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNonceUsed.selector, alice, 1));
        vm.prank(alice);
        registry.invalidateNonce(1);
    }

    function test_invalidateNonce_usedBySignatureReverts() public {
        uint64 datanetId = _createPublished(OPEN);
        _relayAll(datanetId, _one(_item(ALICE_KEY, alice, datanetId, CID_A, 3, _deadline())));
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNonceUsed.selector, alice, 3));
        vm.prank(alice);
        registry.invalidateNonce(3);
    }

    function test_invalidateNonce_extremeNonces() public {
        vm.startPrank(alice);
        registry.invalidateNonce(0);
        registry.invalidateNonce(255);
        registry.invalidateNonce(256);
        registry.invalidateNonce(type(uint256).max);
        vm.stopPrank();
        vm.assertTrue(registry.nonceUsed(alice, 0), "0");
        vm.assertTrue(registry.nonceUsed(alice, 255), "255");
        vm.assertTrue(registry.nonceUsed(alice, 256), "256");
        vm.assertTrue(registry.nonceUsed(alice, type(uint256).max), "max");
        vm.assertFalse(registry.nonceUsed(alice, 1), "1");
        vm.assertFalse(registry.nonceUsed(alice, 257), "257");
        vm.assertFalse(registry.nonceUsed(alice, type(uint256).max - 1), "max - 1");
    }

    function testFuzz_invalidateNonce(address contributor, uint256 nonce, uint256 other) public {
        vm.assume(other != nonce);
        vm.prank(contributor);
        registry.invalidateNonce(nonce);
        vm.assertTrue(registry.nonceUsed(contributor, nonce), "revoked");
        vm.assertFalse(registry.nonceUsed(contributor, other), "only that nonce");
        vm.assertFalse(registry.nonceUsed(address(uint160(contributor) ^ 1), nonce), "only that contributor");
    }

    // ------------------------------------------------------------ ids, digests, getters

    function test_contributionId_isAbiEncodedHash() public view {
        vm.assertEq(registry.contributionId(1, CID_A), keccak256(abi.encode(uint64(1), CID_A)));
        vm.assertTrue(registry.contributionId(1, CID_A) != registry.contributionId(2, CID_A), "per Datanet");
    }

    function testFuzz_contributionId(uint64 firstId, bytes32 firstCid, uint64 secondId, bytes32 secondCid) public view {
        bytes32 first = registry.contributionId(firstId, firstCid);
        vm.assertEq(first, keccak256(abi.encode(firstId, firstCid)));
        bool same = firstId == secondId && firstCid == secondCid;
        vm.assertEq(first == registry.contributionId(secondId, secondCid), same);
    }

    function test_contributorOf_unregisteredIsZero() public view {
        vm.assertEq(registry.contributorOf(registry.contributionId(1, CID_A)), address(0));
        vm.assertEq(registry.contributorOf(bytes32(0)), address(0));
    }

    function test_contributorOf_unsignedBatchRegistersNothing() public {
        uint64 datanetId = _createPublished(OPEN);
        _submit(alice, datanetId, DatanetRegistryTree.leaf(CID_A, alice), 1);
        vm.assertEq(registry.contributorOf(registry.contributionId(datanetId, CID_A)), address(0));
    }

    function _domainSeparator(address verifyingContract) internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Ledgerlight DatanetRegistry"),
                keccak256("1"),
                block.chainid,
                verifyingContract
            )
        );
    }

    function test_DOMAIN_SEPARATOR_matchesEip712() public view {
        vm.assertEq(registry.DOMAIN_SEPARATOR(), _domainSeparator(address(registry)));
        (, string memory name, string memory version, uint256 chainId, address verifyingContract,,) =
            registry.eip712Domain();
        vm.assertEq(name, "Ledgerlight DatanetRegistry");
        vm.assertEq(version, "1");
        vm.assertEq(chainId, block.chainid);
        vm.assertEq(verifyingContract, address(registry));
    }

    function test_contributionDigest_matchesEip712() public view {
        bytes32 typeHash = keccak256("Contribution(uint64 datanetId,bytes32 cidDigest,uint256 nonce,uint256 deadline)");
        vm.assertEq(registry.CONTRIBUTION_TYPEHASH(), typeHash);
        bytes32 structHash = keccak256(abi.encode(typeHash, uint64(3), CID_A, uint256(11), uint256(1_900_000_000)));
        bytes32 expected = keccak256(abi.encodePacked("\x19\x01", _domainSeparator(address(registry)), structHash));
        vm.assertEq(registry.contributionDigest(3, CID_A, 11, 1_900_000_000), expected);
    }

    function test_getDatanet_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 0));
        registry.getDatanet(0);
        _createDraft(OPEN);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 2));
        registry.getDatanet(2);
    }

    function test_getBatch_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetBatchNotFound.selector, 0));
        registry.getBatch(0);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetBatchNotFound.selector, 1));
        registry.getBatch(1);
    }

    function test_getters_emptyRegistry() public view {
        vm.assertEq(registry.datanetCount(), 0);
        vm.assertEq(registry.batchCount(), 0);
        vm.assertFalse(registry.datanetExists(0), "id 0 never exists");
        vm.assertFalse(registry.datanetExists(1), "nothing created");
        vm.assertFalse(registry.isCurator(1, address(0)), "zero is nobody's curator");
        vm.assertFalse(registry.isCurator(1, OWNER), "no Datanet, no curator");
        vm.assertFalse(registry.isAllowed(1, OWNER), "no allowlist");
    }
}

/// @notice Gas of submitBatch, approveBatch and createDatanet as a transaction pays it: the measured call plus the
/// 21,000 intrinsic gas and the calldata cost (as AttributionLedgerGasTest does). vm.cool leaves the registry and its
/// slots cold; the registry address is then warmed again, because a transaction's `to` is warm from the start
/// (EIP-2929) while its storage is not. The measurement still counts the test's own CALL, so the asserted numbers are
/// upper bounds.
contract DatanetRegistryGasTest is DatanetFixture {
    event log_named_uint(string key, uint256 val);

    bytes32 internal constant ROOT = keccak256("batch root");

    /// @dev A second registry in the same state as `registry`, so two calls can each be measured on untouched slots.
    DatanetRegistry internal twin;
    uint64 internal openId;
    uint64 internal curatedId;
    uint256 internal pendingId;

    function setUp() public {
        _deployRegistry();
        twin = new DatanetRegistry();
        // Steady state: both registries already hold Datanets and batches, so their counters are non-zero.
        openId = _prime(registry);
        _prime(twin);
        curatedId = _createPublished(IDatanetRegistry.Policy.Curated);
        pendingId = _submit(OUTSIDER, curatedId, ROOT, 100);
    }

    function _prime(DatanetRegistry target) internal returns (uint64 datanetId) {
        vm.startPrank(OWNER);
        datanetId = target.createDatanet(METADATA, IDatanetRegistry.Policy.Open, new address[](0));
        target.publish(datanetId);
        vm.stopPrank();
        vm.prank(OUTSIDER);
        target.submitBatch(datanetId, ROOT, 1, MANIFEST);
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 gas) {
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    /// @dev The execution gas of `data` sent by `from` to `target`, and the transaction's gas.
    function _txGas(address target, address from, bytes memory data) internal returns (uint256 used, uint256 txGas) {
        used = this.gasOfCall(target, from, data);
        txGas = used + 21_000 + _calldataGas(data);
    }

    function test_submitBatch_gasSameForOneAndTenThousandRecords() public {
        (uint256 usedOne, uint256 gasOne) =
            _txGas(address(registry), OUTSIDER, abi.encodeCall(registry.submitBatch, (openId, ROOT, 1, MANIFEST)));
        (uint256 usedMany, uint256 gasMany) =
            _txGas(address(twin), OUTSIDER, abi.encodeCall(twin.submitBatch, (openId, ROOT, 10_000, MANIFEST)));
        emit log_named_uint("submitBatch_1 tx gas (upper bound)", gasOne);
        emit log_named_uint("submitBatch_10000 tx gas (upper bound)", gasMany);
        vm.assertEq(usedMany, usedOne, "execution gas does not depend on count");
        // The only difference is calldata: 10,000 (0x2710) has one more non-zero byte than 1 (16 - 4 gas).
        vm.assertEq(gasMany, gasOne + 12, "transaction gas differs by the count's calldata bytes only");
        vm.assertLe(gasOne, 80_000, "target: submitBatch_1 <= 80,000");
        vm.assertLe(gasMany, 80_000, "target: submitBatch_10000 <= 80,000");
    }

    function test_approveBatch_gas() public {
        (, uint256 gas) = _txGas(address(registry), CURATOR, abi.encodeCall(registry.approveBatch, (pendingId)));
        emit log_named_uint("approveBatch tx gas (upper bound)", gas);
        vm.assertEq(uint256(_status(pendingId)), uint256(IDatanetRegistry.BatchStatus.Approved));
        vm.assertLe(gas, 40_000, "approveBatch by a listed curator");
    }

    function test_createDatanet_gas() public {
        bytes memory data =
            abi.encodeCall(registry.createDatanet, (METADATA, IDatanetRegistry.Policy.Curated, new address[](0)));
        (, uint256 gas) = _txGas(address(registry), alice, data);
        emit log_named_uint("createDatanet tx gas (upper bound)", gas);
        vm.assertLe(gas, 80_000, "createDatanet without extra curators");
    }

    function test_createDatanet_gasWithThreeCurators() public {
        address[] memory curators = new address[](3);
        (curators[0], curators[1], curators[2]) = (address(0xC1), address(0xC2), address(0xC3));
        bytes memory data =
            abi.encodeCall(registry.createDatanet, (METADATA, IDatanetRegistry.Policy.Curated, curators));
        (, uint256 gas) = _txGas(address(registry), alice, data);
        emit log_named_uint("createDatanet_3curators tx gas (upper bound)", gas);
        vm.assertLe(gas, 160_000, "about 25,000 per curator entry");
    }
}
