// SPDX-License-Identifier: MIT
// Unit, fuzz and attack tests of AttributionLedger: fee splitting, idempotent recording, pull claims, reward roots,
// governance setters. The root fixture below was produced by @openzeppelin/merkle-tree, to pin the leaf format.
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {AttributionLedger} from "../src/AttributionLedger.sol";
import {GovernanceConfig} from "../src/GovernanceConfig.sol";
import {IAttributionLedger} from "../src/interfaces/IAttributionLedger.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {LedgerFixture, ReentrantClaimer, RejectingReceiver, RewardTree} from "./AttributionLedgerFixtures.sol";
import {vm} from "./Vm.sol";

contract AttributionLedgerTest is LedgerFixture {
    bytes32 internal constant OUTPUT = keccak256("output 1");

    function setUp() public {
        _deployLedger();
    }

    function _three() internal pure returns (address[] memory contributors, uint16[] memory weights) {
        contributors = _contributors(3, 0xC000);
        weights = new uint16[](3);
        weights[0] = 5_000;
        weights[1] = 3_000;
        weights[2] = 2_000;
    }

    // ------------------------------------------------------------ constructor

    function test_constructor_setsDefaults() public view {
        vm.assertEq(ledger.owner(), GOVERNANCE);
        vm.assertEq(ledger.treasury(), TREASURY);
        vm.assertEq(ledger.attester(), ATTESTER);
        vm.assertEq(ledger.modelRegistry(), address(registry));
        (uint16 ownerBps, uint16 treasuryBps) = ledger.shares();
        vm.assertEq(ownerBps, GovernanceConfig.LEDGER_OWNER_BPS);
        vm.assertEq(treasuryBps, GovernanceConfig.LEDGER_TREASURY_BPS);
        vm.assertEq(ledger.challengeWindow(), GovernanceConfig.LEDGER_CHALLENGE_WINDOW);
        vm.assertEq(ledger.rootCount(), 0);
    }

    function test_constructor_zeroTreasuryReverts() public {
        vm.expectRevert(IAttributionLedger.LedgerZeroTreasury.selector);
        new AttributionLedger(IModelRegistry(address(registry)), GOVERNANCE, address(0), ATTESTER);
    }

    // ------------------------------------------------------------ recordInference

    function test_recordInference_splitsValue() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        _record(OUTPUT, contributors, weights, 1 ether);

        vm.assertEq(_claimable(TREASURY), 0.05 ether, "treasury 5%");
        vm.assertEq(_claimable(MODEL_OWNER), 0.1 ether, "owner 10%");
        vm.assertEq(_claimable(contributors[0]), 0.425 ether, "50% of the 85% pool");
        vm.assertEq(_claimable(contributors[1]), 0.255 ether, "30% of the pool");
        vm.assertEq(_claimable(contributors[2]), 0.17 ether, "20% of the pool");
        vm.assertEq(address(ledger).balance, 1 ether);
        vm.assertTrue(ledger.isRecorded(modelId, OUTPUT), "recorded");
    }

    function test_recordInference_emitsEvents() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.InferenceRecorded(modelId, OUTPUT, PAYER, 1 ether, 1);
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.Credited(contributors[0], modelId, 0.425 ether);
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.Credited(contributors[1], modelId, 0.255 ether);
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.Credited(contributors[2], modelId, 0.17 ether);
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.Credited(MODEL_OWNER, modelId, 0.1 ether);
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.Credited(TREASURY, modelId, 0.05 ether);
        _record(OUTPUT, contributors, weights, 1 ether);
    }

    function test_recordInference_overpaymentIsSplit() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        _record(OUTPUT, contributors, weights, 3 ether);
        vm.assertEq(_claimable(contributors[0]), 1.275 ether);
        vm.assertEq(_claimable(MODEL_OWNER), 0.3 ether);
        vm.assertEq(_claimable(TREASURY), 0.15 ether);
    }

    function test_recordInference_feeTooLowReverts() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerFeeTooLow.selector, modelId, FEE - 1, FEE));
        _record(OUTPUT, contributors, weights, FEE - 1);
    }

    function test_recordInference_deprecatedModelReverts() public {
        registry.deprecate(modelId);
        (address[] memory contributors, uint16[] memory weights) = _three();
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerModelDeprecated.selector, modelId));
        _record(OUTPUT, contributors, weights, FEE);
    }

    function test_recordInference_unknownModelReverts() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 99));
        vm.prank(PAYER);
        ledger.recordInference{value: FEE}(99, OUTPUT, contributors, weights, 1);
    }

    function test_recordInference_repeatReverts() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        _record(OUTPUT, contributors, weights, FEE);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerAlreadyRecorded.selector, modelId, OUTPUT));
        _record(OUTPUT, contributors, weights, FEE);
        vm.assertEq(address(ledger).balance, FEE, "the retry paid nothing");
    }

    function test_recordInference_sameOutputOtherModelSucceeds() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        _record(OUTPUT, contributors, weights, FEE);
        uint256 otherModel = registry.register(MODEL_OWNER, FEE);
        vm.prank(PAYER);
        ledger.recordInference{value: FEE}(otherModel, OUTPUT, contributors, weights, 1);
        vm.assertTrue(ledger.isRecorded(otherModel, OUTPUT), "second model recorded");
    }

    function test_recordInference_lengthMismatchReverts() public {
        (address[] memory contributors,) = _three();
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerLengthMismatch.selector, 3, 2));
        _record(OUTPUT, contributors, _equalWeights(2), FEE);
    }

    function test_recordInference_noContributorsReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerContributorCount.selector, 0, 64));
        _record(OUTPUT, new address[](0), new uint16[](0), FEE);
    }

    function test_recordInference_tooManyContributorsReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerContributorCount.selector, 65, 64));
        _record(OUTPUT, _contributors(65, 0xC000), _equalWeights(65), FEE);
    }

    function test_recordInference_maxContributorsSucceeds() public {
        address[] memory contributors = _contributors(64, 0xC000);
        _record(OUTPUT, contributors, _equalWeights(64), FEE);
        vm.assertGt(_claimable(contributors[63]), 0, "last contributor credited");
    }

    function test_recordInference_zeroContributorReverts() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        contributors[1] = address(0);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerZeroContributor.selector, 1));
        _record(OUTPUT, contributors, weights, FEE);
    }

    function test_recordInference_zeroWeightReverts() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        weights[2] = 0;
        weights[0] = 7_000;
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerZeroWeight.selector, 2));
        _record(OUTPUT, contributors, weights, FEE);
    }

    function test_recordInference_weightsBelowTotalRevert() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        weights[0] = 4_999;
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerWeightsSum.selector, 9_999));
        _record(OUTPUT, contributors, weights, FEE);
    }

    function test_recordInference_weightsAboveTotalRevert() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        weights[0] = 65_535;
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerWeightsSum.selector, 70_535));
        _record(OUTPUT, contributors, weights, FEE);
    }

    function test_recordInference_dustGoesToOwner() public {
        uint256 freeModel = registry.register(MODEL_OWNER, 0);
        address[] memory contributors = _contributors(3, 0xC000);
        uint16[] memory weights = new uint16[](3);
        (weights[0], weights[1], weights[2]) = (3_334, 3_333, 3_333);
        vm.prank(PAYER);
        ledger.recordInference{value: 7}(freeModel, OUTPUT, contributors, weights, 2);
        // 7 wei: treasury 7*5% -> 0, owner 7*10% -> 0, pool 7; each contributor floor(7*w/10000) = 2; dust 1.
        vm.assertEq(_claimable(contributors[0]), 2);
        vm.assertEq(_claimable(contributors[1]), 2);
        vm.assertEq(_claimable(contributors[2]), 2);
        vm.assertEq(_claimable(MODEL_OWNER), 1, "dust");
        vm.assertEq(_claimable(TREASURY), 0);
    }

    function test_recordInference_freeModelRecordsWithoutCredits() public {
        uint256 freeModel = registry.register(MODEL_OWNER, 0);
        (address[] memory contributors, uint16[] memory weights) = _three();
        vm.recordLogs();
        vm.prank(PAYER);
        ledger.recordInference(freeModel, OUTPUT, contributors, weights, 0);
        vm.assertEq(vm.getRecordedLogs().length, 1, "only InferenceRecorded");
        vm.assertTrue(ledger.isRecorded(freeModel, OUTPUT), "recorded");
        vm.assertEq(_claimable(contributors[0]), 0);
    }

    function test_recordInference_duplicateContributorCreditedPerEntry() public {
        address[] memory contributors = new address[](2);
        (contributors[0], contributors[1]) = (address(0xC000), address(0xC000));
        uint16[] memory weights = new uint16[](2);
        (weights[0], weights[1]) = (6_000, 4_000);
        _record(OUTPUT, contributors, weights, 1 ether);
        vm.assertEq(_claimable(address(0xC000)), 0.85 ether, "both entries");
    }

    function test_recordInference_ownerAsContributorGetsBoth() public {
        address[] memory contributors = new address[](1);
        contributors[0] = MODEL_OWNER;
        uint16[] memory weights = new uint16[](1);
        weights[0] = 10_000;
        _record(OUTPUT, contributors, weights, 1 ether);
        vm.assertEq(_claimable(MODEL_OWNER), 0.95 ether);
    }

    function testFuzz_recordInference(uint96 value, uint8 countSeed, uint256 weightSeed, uint16 ownerBps, uint16 treasuryBps)
        public
    {
        uint256 count = _bound(countSeed, 1, 64);
        ownerBps = uint16(_bound(ownerBps, 0, 3_000));
        treasuryBps = uint16(_bound(treasuryBps, 0, 3_000 - ownerBps));
        vm.prank(GOVERNANCE);
        ledger.setShares(ownerBps, treasuryBps);
        uint256 paid = _bound(value, FEE, 100_000 ether);

        address[] memory contributors = _contributors(count, 0xC000);
        uint16[] memory weights = _randomWeights(count, weightSeed);
        _record(OUTPUT, contributors, weights, paid);

        uint256 treasuryShare = paid * treasuryBps / 10_000;
        uint256 ownerShare = paid * ownerBps / 10_000;
        uint256 pool = paid - treasuryShare - ownerShare;
        uint256 toContributors;
        for (uint256 i; i < count; ++i) {
            uint256 credited = _claimable(contributors[i]);
            vm.assertEq(credited, pool * weights[i] / 10_000, "contributor share by weight");
            toContributors += credited;
        }
        uint256 dust = pool - toContributors;
        vm.assertLt(dust, count, "dust below one wei per contributor");
        vm.assertEq(_claimable(MODEL_OWNER), ownerShare + dust, "owner share plus dust");
        vm.assertEq(_claimable(TREASURY), treasuryShare, "treasury share");
        vm.assertEq(toContributors + ownerShare + dust + treasuryShare, paid, "every wei credited");
    }

    /// @dev `count` positive weights summing to 10,000, drawn from `seed`.
    function _randomWeights(uint256 count, uint256 seed) internal pure returns (uint16[] memory weights) {
        weights = new uint16[](count);
        uint256 left = 10_000;
        for (uint256 i; i < count; ++i) {
            uint256 remaining = count - i - 1;
            uint256 w = remaining == 0 ? left : 1 + uint256(keccak256(abi.encode(seed, i))) % (left - remaining);
            weights[i] = uint16(w);
            left -= w;
        }
    }

    // ------------------------------------------------------------ claim / claimFor

    function test_claim_paysClaimable() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        _record(OUTPUT, contributors, weights, 1 ether);
        address alice = contributors[0];

        vm.expectEmit(address(ledger));
        emit IAttributionLedger.Claimed(alice, alice, 0.425 ether);
        vm.prank(alice);
        uint256 paid = ledger.claim();

        vm.assertEq(paid, 0.425 ether);
        vm.assertEq(alice.balance, 0.425 ether);
        vm.assertEq(_claimable(alice), 0);
        (uint256 credited, uint256 claimed) = ledger.balances(alice);
        vm.assertEq(credited, 0.425 ether, "credited is cumulative");
        vm.assertEq(claimed, 0.425 ether, "claimed is cumulative");
    }

    function test_claim_accumulatesAcrossInferences() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        _record(OUTPUT, contributors, weights, 1 ether);
        vm.prank(contributors[0]);
        ledger.claim();
        _record(keccak256("output 2"), contributors, weights, 1 ether);
        vm.prank(contributors[0]);
        vm.assertEq(ledger.claim(), 0.425 ether, "only the new credit");
        vm.assertEq(contributors[0].balance, 0.85 ether);
    }

    function test_claim_nothingReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerNothingToClaim.selector, address(0xBEEF)));
        vm.prank(address(0xBEEF));
        ledger.claim();
    }

    function test_claim_twiceReverts() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        _record(OUTPUT, contributors, weights, 1 ether);
        vm.prank(contributors[1]);
        ledger.claim();
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerNothingToClaim.selector, contributors[1]));
        vm.prank(contributors[1]);
        ledger.claim();
        vm.assertEq(contributors[1].balance, 0.255 ether, "paid once");
    }

    function test_claimFor_paysAccountNotCaller() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        _record(OUTPUT, contributors, weights, 1 ether);
        address relayer = address(0xAE1A);

        vm.expectEmit(address(ledger));
        emit IAttributionLedger.Claimed(contributors[2], relayer, 0.17 ether);
        vm.prank(relayer);
        ledger.claimFor(contributors[2]);

        vm.assertEq(contributors[2].balance, 0.17 ether);
        vm.assertEq(relayer.balance, 0);
    }

    function test_claimFor_treasuryShare() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        _record(OUTPUT, contributors, weights, 1 ether);
        ledger.claimFor(TREASURY);
        vm.assertEq(TREASURY.balance, 0.05 ether);
    }

    function test_claim_rejectingReceiverReverts() public {
        RejectingReceiver receiver = new RejectingReceiver();
        address[] memory contributors = new address[](1);
        contributors[0] = address(receiver);
        uint16[] memory weights = new uint16[](1);
        weights[0] = 10_000;
        _record(OUTPUT, contributors, weights, 1 ether);

        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.LedgerTransferFailed.selector, address(receiver), 0.85 ether)
        );
        ledger.claimFor(address(receiver));
        vm.assertEq(_claimable(address(receiver)), 0.85 ether, "balance kept for a later claim");
    }

    // ------------------------------------------------------------ attacks: reentrancy

    function _creditClaimer() internal returns (ReentrantClaimer claimer) {
        claimer = new ReentrantClaimer(ledger);
        address[] memory contributors = new address[](2);
        (contributors[0], contributors[1]) = (address(claimer), address(0xC001));
        uint16[] memory weights = new uint16[](2);
        (weights[0], weights[1]) = (5_000, 5_000);
        _record(OUTPUT, contributors, weights, 1 ether);
    }

    function test_claim_reentrantClaimReverts() public {
        ReentrantClaimer claimer = _creditClaimer();
        claimer.arm(ReentrantClaimer.Mode.Claim, false);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.LedgerTransferFailed.selector, address(claimer), 0.425 ether)
        );
        claimer.claim();
        vm.assertEq(_claimable(address(claimer)), 0.425 ether, "nothing paid");
        vm.assertEq(address(ledger).balance, 1 ether);
    }

    function test_claim_reentrantClaimForBlocked() public {
        ReentrantClaimer claimer = _creditClaimer();
        claimer.arm(ReentrantClaimer.Mode.ClaimFor, true);
        claimer.claim();
        vm.assertEq(
            uint256(uint32(claimer.innerRevert())),
            uint256(uint32(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "re-entry blocked by the guard"
        );
        vm.assertEq(address(claimer).balance, 0.425 ether, "paid exactly once");
        vm.assertEq(address(ledger).balance, 0.575 ether);
    }

    function test_claimFor_reentrantClaimBlocked() public {
        ReentrantClaimer claimer = _creditClaimer();
        claimer.arm(ReentrantClaimer.Mode.Claim, true);
        ledger.claimFor(address(claimer));
        vm.assertEq(
            uint256(uint32(claimer.innerRevert())),
            uint256(uint32(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "re-entry blocked by the guard"
        );
        vm.assertEq(address(claimer).balance, 0.425 ether, "paid exactly once");
    }

    // ------------------------------------------------------------ reward roots

    /// @dev A tree produced by @openzeppelin/merkle-tree 1.x: StandardMerkleTree.of(values, ["address","uint256"]).
    bytes32 internal constant FIXTURE_ROOT = 0x50e7f1d0f66b66e0159d34bc5c8fa96640cf917f1e3e248434fad053bd9cf031;
    address internal constant FIXTURE_ALICE = address(0xA11cE);
    address internal constant FIXTURE_BOB = address(0xB0b);
    address internal constant FIXTURE_CAFE = address(0xCaFE);
    uint256 internal constant FIXTURE_TOTAL = 1.25 ether + 7;

    function _aliceProof() internal pure returns (bytes32[] memory proof) {
        proof = new bytes32[](2);
        proof[0] = 0xbb889d8a4e365ac402f4e3a4574b3a2eb33bac68dd620e2554b9ae03dd50d5ca;
        proof[1] = 0xf13f60f3e5e94c219a17cc7709ddd966d9fe92875de08409d3e6b06aa49ef205;
    }

    function _bobProof() internal pure returns (bytes32[] memory proof) {
        proof = new bytes32[](1);
        proof[0] = 0x01c98fd57492b067c31383a4acad1301e7ad19065172441ac7edec685b8842bb;
    }

    function _postFixture() internal returns (uint256 rootId) {
        rootId = _postRoot(FIXTURE_ROOT, FIXTURE_TOTAL);
    }

    function test_postRewardRoot_storesAndEmits() public {
        uint64 claimableAt = uint64(block.timestamp) + 1 days;
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.RewardRootPosted(1, FIXTURE_ROOT, FIXTURE_TOTAL, FIXTURE_TOTAL, claimableAt);
        uint256 rootId = _postFixture();

        vm.assertEq(rootId, 1);
        vm.assertEq(ledger.rootCount(), 1);
        vm.assertEq(ledger.rootTotal(), FIXTURE_TOTAL);
        IAttributionLedger.RewardRoot memory root = _rewardRoot(1);
        vm.assertEq(root.root, FIXTURE_ROOT);
        vm.assertEq(root.total, FIXTURE_TOTAL);
        vm.assertEq(root.claimableAt, claimableAt);
        vm.assertFalse(root.revoked, "not revoked");
        vm.assertEq(address(ledger).balance, FIXTURE_TOTAL);
    }

    function test_postRewardRoot_notAttesterReverts() public {
        vm.deal(address(0xBAD), 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerNotAttester.selector, address(0xBAD)));
        vm.prank(address(0xBAD));
        ledger.postRewardRoot{value: 1 ether}(FIXTURE_ROOT, 1 ether);
    }

    function test_postRewardRoot_wrongFundingReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerRootFunding.selector, 1 ether, 2 ether));
        vm.prank(ATTESTER);
        ledger.postRewardRoot{value: 1 ether}(FIXTURE_ROOT, 2 ether);
    }

    function test_postRewardRoot_zeroRootReverts() public {
        vm.expectRevert(IAttributionLedger.LedgerZeroRoot.selector);
        vm.prank(ATTESTER);
        ledger.postRewardRoot{value: 1 ether}(bytes32(0), 1 ether);
    }

    function test_postRewardRoot_whilePendingReverts() public {
        _postFixture();
        uint64 claimableAt = _rewardRoot(1).claimableAt;
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerRootPending.selector, 1, claimableAt));
        vm.prank(ATTESTER);
        ledger.postRewardRoot{value: 1}(keccak256("next"), FIXTURE_TOTAL + 1);

        vm.warp(claimableAt);
        vm.prank(ATTESTER);
        vm.assertEq(ledger.postRewardRoot{value: 1}(keccak256("next"), FIXTURE_TOTAL + 1), 2, "after the window");
    }

    function test_postRewardRoot_totalDecreasedReverts() public {
        _postFixture();
        vm.warp(block.timestamp + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.LedgerRootTotalDecreased.selector, 1 ether, FIXTURE_TOTAL)
        );
        vm.prank(ATTESTER);
        ledger.postRewardRoot(keccak256("next"), 1 ether);
    }

    function test_postRewardRoot_afterAttesterRemovedReverts() public {
        vm.prank(GOVERNANCE);
        ledger.setAttester(address(0));
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerNotAttester.selector, ATTESTER));
        vm.prank(ATTESTER);
        ledger.postRewardRoot{value: 1}(FIXTURE_ROOT, 1);
    }

    function test_claimRoot_standardMerkleTreeFixture() public {
        uint256 rootId = _postFixture();
        vm.warp(block.timestamp + 1 days);

        vm.expectEmit(address(ledger));
        emit IAttributionLedger.RootClaimed(rootId, FIXTURE_ALICE, 1 ether, 1 ether);
        uint256 paid = ledger.claimRoot(rootId, FIXTURE_ALICE, 1 ether, _aliceProof());
        vm.assertEq(paid, 1 ether);
        vm.assertEq(FIXTURE_ALICE.balance, 1 ether);
        vm.assertEq(ledger.rootClaimed(FIXTURE_ALICE), 1 ether);

        ledger.claimRoot(rootId, FIXTURE_BOB, 0.25 ether, _bobProof());
        vm.assertEq(FIXTURE_BOB.balance, 0.25 ether);
        vm.assertEq(address(ledger).balance, 7, "CaFE's 7 wei are left");
    }

    function test_claimRoot_beforeWindowReverts() public {
        uint256 rootId = _postFixture();
        uint64 claimableAt = _rewardRoot(rootId).claimableAt;
        vm.warp(claimableAt - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.LedgerRootNotClaimable.selector, rootId, claimableAt)
        );
        ledger.claimRoot(rootId, FIXTURE_ALICE, 1 ether, _aliceProof());
    }

    function test_claimRoot_replayReverts() public {
        uint256 rootId = _postFixture();
        vm.warp(block.timestamp + 1 days);
        ledger.claimRoot(rootId, FIXTURE_ALICE, 1 ether, _aliceProof());
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionLedger.LedgerRootNothingToClaim.selector, rootId, FIXTURE_ALICE, 1 ether, 1 ether
            )
        );
        ledger.claimRoot(rootId, FIXTURE_ALICE, 1 ether, _aliceProof());
        vm.assertEq(FIXTURE_ALICE.balance, 1 ether, "paid once");
    }

    function test_claimRoot_wrongProofReverts() public {
        uint256 rootId = _postFixture();
        vm.warp(block.timestamp + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.LedgerInvalidProof.selector, rootId, FIXTURE_ALICE, 1 ether)
        );
        ledger.claimRoot(rootId, FIXTURE_ALICE, 1 ether, _bobProof());
    }

    function test_claimRoot_inflatedAmountReverts() public {
        uint256 rootId = _postFixture();
        vm.warp(block.timestamp + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.LedgerInvalidProof.selector, rootId, FIXTURE_ALICE, 2 ether)
        );
        ledger.claimRoot(rootId, FIXTURE_ALICE, 2 ether, _aliceProof());
    }

    function test_claimRoot_otherAccountWithValidProofReverts() public {
        uint256 rootId = _postFixture();
        vm.warp(block.timestamp + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.LedgerInvalidProof.selector, rootId, address(0xE71), 1 ether)
        );
        ledger.claimRoot(rootId, address(0xE71), 1 ether, _aliceProof());
    }

    function test_claimRoot_unknownRootReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerUnknownRoot.selector, 1));
        ledger.claimRoot(1, FIXTURE_ALICE, 1 ether, _aliceProof());
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerUnknownRoot.selector, 0));
        ledger.claimRoot(0, FIXTURE_ALICE, 1 ether, _aliceProof());
    }

    function test_claimRoot_cumulativeAcrossRoots() public {
        address[] memory accounts = new address[](3);
        (accounts[0], accounts[1], accounts[2]) = (address(0xD001), address(0xD002), address(0xD003));
        uint256[] memory first = new uint256[](3);
        (first[0], first[1], first[2]) = (1 ether, 2 ether, 3 ether);
        bytes32[] memory firstLeaves = RewardTree.leaves(accounts, first);
        uint256 root1 = _postRoot(RewardTree.root(firstLeaves), 6 ether);
        vm.warp(block.timestamp + 1 days);
        ledger.claimRoot(root1, accounts[0], 1 ether, RewardTree.proof(firstLeaves, 0));

        uint256[] memory second = new uint256[](3);
        (second[0], second[1], second[2]) = (1.5 ether, 2 ether, 4 ether);
        bytes32[] memory secondLeaves = RewardTree.leaves(accounts, second);
        uint256 root2 = _postRoot(RewardTree.root(secondLeaves), 7.5 ether);
        vm.warp(block.timestamp + 1 days);

        vm.assertEq(ledger.claimRoot(root2, accounts[0], 1.5 ether, RewardTree.proof(secondLeaves, 0)), 0.5 ether);
        vm.assertEq(ledger.claimRoot(root2, accounts[2], 4 ether, RewardTree.proof(secondLeaves, 2)), 4 ether);
        // An older root can no longer pay an account that took a newer, larger cumulative amount.
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttributionLedger.LedgerRootNothingToClaim.selector, root1, accounts[2], 3 ether, 4 ether
            )
        );
        ledger.claimRoot(root1, accounts[2], 3 ether, RewardTree.proof(firstLeaves, 2));
        vm.assertEq(accounts[0].balance, 1.5 ether);
        vm.assertEq(address(ledger).balance, 2 ether, "account 2's 2 ether left");
    }

    function test_claimRoot_revokedReverts() public {
        uint256 rootId = _postFixture();
        vm.prank(GOVERNANCE);
        ledger.revokeRoot(rootId);
        vm.warp(block.timestamp + 1 days);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerRootRevoked.selector, rootId));
        ledger.claimRoot(rootId, FIXTURE_ALICE, 1 ether, _aliceProof());
    }

    function test_claimRoot_reentrantClaimRootBlocked() public {
        ReentrantClaimer claimer = new ReentrantClaimer(ledger);
        address[] memory accounts = new address[](2);
        (accounts[0], accounts[1]) = (address(claimer), address(0xD002));
        uint256[] memory amounts = new uint256[](2);
        (amounts[0], amounts[1]) = (1 ether, 1 ether);
        bytes32[] memory leaves = RewardTree.leaves(accounts, amounts);
        uint256 rootId = _postRoot(RewardTree.root(leaves), 2 ether);
        vm.warp(block.timestamp + 1 days);

        bytes32[] memory proof = RewardTree.proof(leaves, 0);
        claimer.setRootClaim(rootId, 1 ether, proof);
        claimer.arm(ReentrantClaimer.Mode.ClaimRoot, true);
        ledger.claimRoot(rootId, address(claimer), 1 ether, proof);
        vm.assertEq(
            uint256(uint32(claimer.innerRevert())),
            uint256(uint32(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "re-entry blocked by the guard"
        );
        vm.assertEq(address(claimer).balance, 1 ether, "paid exactly once");
    }

    function test_revokeRoot_refundsTreasuryAndRollsBack() public {
        uint256 rootId = _postFixture();
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.RewardRootRevoked(rootId, FIXTURE_TOTAL);
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.Credited(TREASURY, 0, FIXTURE_TOTAL);
        vm.prank(GOVERNANCE);
        ledger.revokeRoot(rootId);

        vm.assertTrue(_rewardRoot(rootId).revoked, "revoked");
        vm.assertEq(ledger.rootTotal(), 0, "rolled back");
        vm.assertEq(_claimable(TREASURY), FIXTURE_TOTAL, "refund is the treasury's");

        // The next root builds on the previous standing total (0), immediately: nothing is pending.
        uint256 next = _postRoot(FIXTURE_ROOT, FIXTURE_TOTAL);
        vm.assertEq(next, 2);
        vm.assertEq(address(ledger).balance, 2 * FIXTURE_TOTAL);
    }

    function test_revokeRoot_refundsOnlyItsFunding() public {
        uint256 first = _postRoot(keccak256("root 1"), 3 ether);
        vm.warp(block.timestamp + 1 days);
        uint256 second = _postRoot(keccak256("root 2"), 5 ether);
        vm.prank(GOVERNANCE);
        ledger.revokeRoot(second);
        vm.assertEq(_claimable(TREASURY), 2 ether);
        vm.assertEq(ledger.rootTotal(), 3 ether);
        vm.assertFalse(_rewardRoot(first).revoked, "earlier root stands");
    }

    function test_revokeRoot_afterWindowReverts() public {
        uint256 rootId = _postFixture();
        uint64 claimableAt = _rewardRoot(rootId).claimableAt;
        vm.warp(claimableAt);
        vm.expectRevert(
            abi.encodeWithSelector(IAttributionLedger.LedgerChallengeWindowOver.selector, rootId, claimableAt)
        );
        vm.prank(GOVERNANCE);
        ledger.revokeRoot(rootId);
    }

    function test_revokeRoot_twiceReverts() public {
        uint256 rootId = _postFixture();
        vm.prank(GOVERNANCE);
        ledger.revokeRoot(rootId);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerRootRevoked.selector, rootId));
        vm.prank(GOVERNANCE);
        ledger.revokeRoot(rootId);
    }

    function test_revokeRoot_unauthorizedReverts() public {
        uint256 rootId = _postFixture();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, ATTESTER));
        vm.prank(ATTESTER);
        ledger.revokeRoot(rootId);
    }

    // ------------------------------------------------------------ governance setters

    function test_setShares_updates() public {
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.SharesUpdated(2_000, 1_000);
        vm.prank(GOVERNANCE);
        ledger.setShares(2_000, 1_000);
        (uint16 ownerBps, uint16 treasuryBps) = ledger.shares();
        vm.assertEq(ownerBps, 2_000);
        vm.assertEq(treasuryBps, 1_000);

        (address[] memory contributors, uint16[] memory weights) = _three();
        _record(OUTPUT, contributors, weights, 1 ether);
        vm.assertEq(_claimable(MODEL_OWNER), 0.2 ether);
        vm.assertEq(_claimable(TREASURY), 0.1 ether);
        vm.assertEq(_claimable(contributors[0]), 0.35 ether);
    }

    function test_setShares_aboveCapReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerSharesTooHigh.selector, 2_001, 1_000));
        vm.prank(GOVERNANCE);
        ledger.setShares(2_001, 1_000);
    }

    function test_setShares_unauthorizedReverts() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, MODEL_OWNER));
        vm.prank(MODEL_OWNER);
        ledger.setShares(3_000, 0);
    }

    function testFuzz_setShares(uint16 ownerBps, uint16 treasuryBps) public {
        bool allowed = uint256(ownerBps) + treasuryBps <= GovernanceConfig.LEDGER_MAX_SHARES_BPS;
        if (!allowed) {
            vm.expectRevert(
                abi.encodeWithSelector(IAttributionLedger.LedgerSharesTooHigh.selector, ownerBps, treasuryBps)
            );
        }
        vm.prank(GOVERNANCE);
        ledger.setShares(ownerBps, treasuryBps);
        (uint16 storedOwner,) = ledger.shares();
        vm.assertEq(storedOwner, allowed ? ownerBps : GovernanceConfig.LEDGER_OWNER_BPS);
    }

    function test_setTreasury_updatesAndKeepsOldBalance() public {
        (address[] memory contributors, uint16[] memory weights) = _three();
        _record(OUTPUT, contributors, weights, 1 ether);
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.TreasuryUpdated(TREASURY, address(0x7201));
        vm.prank(GOVERNANCE);
        ledger.setTreasury(address(0x7201));
        _record(keccak256("output 2"), contributors, weights, 1 ether);
        vm.assertEq(_claimable(TREASURY), 0.05 ether, "old treasury keeps its credit");
        vm.assertEq(_claimable(address(0x7201)), 0.05 ether, "new treasury credited");
    }

    function test_setTreasury_zeroReverts() public {
        vm.expectRevert(IAttributionLedger.LedgerZeroTreasury.selector);
        vm.prank(GOVERNANCE);
        ledger.setTreasury(address(0));
    }

    function test_setTreasury_unauthorizedReverts() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, address(this)));
        ledger.setTreasury(address(this));
    }

    function test_setAttester_updates() public {
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.AttesterUpdated(ATTESTER, address(0x7301));
        vm.prank(GOVERNANCE);
        ledger.setAttester(address(0x7301));
        vm.assertEq(ledger.attester(), address(0x7301));
    }

    function test_setAttester_unauthorizedReverts() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, ATTESTER));
        vm.prank(ATTESTER);
        ledger.setAttester(ATTESTER);
    }

    function test_setChallengeWindow_appliesToNewRoots() public {
        vm.expectEmit(address(ledger));
        emit IAttributionLedger.ChallengeWindowUpdated(1 days, 3 days);
        vm.prank(GOVERNANCE);
        ledger.setChallengeWindow(3 days);
        uint256 rootId = _postFixture();
        vm.assertEq(_rewardRoot(rootId).claimableAt, block.timestamp + 3 days);
    }

    function test_setChallengeWindow_outOfRangeReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerChallengeWindowOutOfRange.selector, 59 minutes));
        vm.prank(GOVERNANCE);
        ledger.setChallengeWindow(59 minutes);
        vm.expectRevert(abi.encodeWithSelector(IAttributionLedger.LedgerChallengeWindowOutOfRange.selector, 31 days));
        vm.prank(GOVERNANCE);
        ledger.setChallengeWindow(31 days);
    }

    function test_setChallengeWindow_unauthorizedReverts() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, ATTESTER));
        vm.prank(ATTESTER);
        ledger.setChallengeWindow(2 days);
    }

    function test_transferOwnership_twoStep() public {
        vm.prank(GOVERNANCE);
        ledger.transferOwnership(address(0x7101));
        vm.assertEq(ledger.owner(), GOVERNANCE, "pending until accepted");
        vm.prank(address(0x7101));
        ledger.acceptOwnership();
        vm.assertEq(ledger.owner(), address(0x7101));
    }
}

/// @notice Gas of the hot paths in the steady state (every account credited before), as a transaction would pay it:
/// the measured call plus the 21,000 intrinsic gas and the calldata cost. The measurement also counts the test's own
/// CALL overhead (cold ledger address, value transfer), so the asserted numbers are upper bounds.
contract AttributionLedgerGasTest is LedgerFixture {
    event log_named_uint(string key, uint256 val);

    address[] internal _ten;
    address[] internal _fifty;

    function setUp() public {
        _deployLedger();
        _ten = _contributors(10, 0xC000);
        _fifty = _contributors(50, 0xE000);
        address[] memory one = _contributors(1, 0xF000);
        _record(keccak256("prime 1"), one, _equalWeights(1), FEE);
        _record(keccak256("prime 10"), _ten, _equalWeights(10), FEE);
        _record(keccak256("prime 50"), _fifty, _equalWeights(50), FEE);
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 gas) {
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function _txGasOfRecord(address[] memory contributors) internal returns (uint256) {
        uint16[] memory weights = _equalWeights(contributors.length);
        bytes32 outputHash = keccak256(abi.encode("steady", contributors.length));
        bytes memory data = abi.encodeCall(ledger.recordInference, (modelId, outputHash, contributors, weights, 1));
        vm.cool(address(ledger));
        vm.cool(address(registry));
        vm.prank(PAYER);
        uint256 before = gasleft();
        ledger.recordInference{value: FEE}(modelId, outputHash, contributors, weights, 1);
        uint256 used = before - gasleft();
        return used + 21_000 + _calldataGas(data);
    }

    function test_recordInference_gasOneContributor() public {
        uint256 gas = _txGasOfRecord(_contributors(1, 0xF000));
        emit log_named_uint("recordInference_1 tx gas (upper bound)", gas);
        vm.assertLe(gas, 150_000, "one contributor");
    }

    function test_recordInference_gasTenContributors() public {
        uint256 gas = _txGasOfRecord(_ten);
        emit log_named_uint("recordInference_10 tx gas (upper bound)", gas);
        vm.assertLe(gas, 250_000, "target: recordInference_10 <= 250,000");
    }

    function test_recordInference_gasFiftyContributors() public {
        uint256 gas = _txGasOfRecord(_fifty);
        emit log_named_uint("recordInference_50 tx gas (upper bound)", gas);
        vm.assertLe(gas, 1_000_000, "fifty contributors");
    }

    function test_claim_gas() public {
        address contributor = _ten[3];
        // A claimant that sends its own transaction holds a balance; paying an empty account would add 25,000 gas.
        vm.deal(contributor, 1 ether);
        bytes memory data = abi.encodeCall(ledger.claim, ());
        vm.cool(address(ledger));
        vm.prank(contributor);
        uint256 before = gasleft();
        ledger.claim();
        uint256 gas = before - gasleft() + 21_000 + _calldataGas(data);
        emit log_named_uint("claim tx gas (upper bound)", gas);
        vm.assertLe(gas, 60_000, "target: claim <= 60,000");
    }
}
