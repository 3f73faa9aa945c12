// SPDX-License-Identifier: MIT
// Unit and fuzz tests of ModelRegistry on a real DatanetRegistry: registration checks (Datanets exist, ascending, at
// least one; nonzero weights hash; fee cap), owner-only fee changes and deprecation, and the one-slot ownerAndFee view.
pragma solidity 0.8.30;

import {DatanetRegistry} from "../src/DatanetRegistry.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {IDatanetRegistry} from "../src/interfaces/IDatanetRegistry.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {Test, vm} from "./Vm.sol";

contract ModelRegistryTest is Test {
    DatanetRegistry internal datanets;
    ModelRegistry internal models;

    address internal constant MODEL_OWNER = address(0x7400);
    address internal constant STRANGER = address(0x5EED);
    bytes32 internal constant TRAINING_ROOT = keccak256("training root");
    bytes32 internal constant WEIGHTS = keccak256("weights");
    bytes32 internal constant METADATA = keccak256("metadata");
    uint96 internal constant FEE = 0.01 ether;
    uint96 internal constant MAX_FEE = 1_000 ether;

    function setUp() public {
        datanets = new DatanetRegistry();
        models = new ModelRegistry(IDatanetRegistry(address(datanets)));
        address[] memory noCurators = new address[](0);
        for (uint256 i; i < 3; ++i) {
            datanets.createDatanet(keccak256(abi.encode("datanet", i)), IDatanetRegistry.Policy.Open, noCurators);
        }
    }

    function _ids(uint64 a) internal pure returns (uint64[] memory ids) {
        ids = new uint64[](1);
        ids[0] = a;
    }

    function _ids(uint64 a, uint64 b) internal pure returns (uint64[] memory ids) {
        ids = new uint64[](2);
        ids[0] = a;
        ids[1] = b;
    }

    function _ids(uint64 a, uint64 b, uint64 c) internal pure returns (uint64[] memory ids) {
        ids = new uint64[](3);
        ids[0] = a;
        ids[1] = b;
        ids[2] = c;
    }

    function _register(uint64[] memory ids, uint96 fee) internal returns (uint256) {
        vm.prank(MODEL_OWNER);
        return models.register(ids, TRAINING_ROOT, WEIGHTS, METADATA, fee);
    }

    // ------------------------------------------------------------ constructor

    function test_constructor_bindsDatanetRegistry() public view {
        vm.assertEq(models.datanetRegistry(), address(datanets));
        vm.assertEq(models.modelCount(), 0);
        vm.assertEq(uint256(models.MAX_FEE_PER_INFERENCE()), uint256(MAX_FEE));
    }

    // ------------------------------------------------------------ register

    function test_register_storesModel() public {
        uint64[] memory ids = _ids(1, 3);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelRegistered(1, MODEL_OWNER, TRAINING_ROOT, WEIGHTS, METADATA, FEE, ids);
        uint256 modelId = _register(ids, FEE);
        vm.assertEq(modelId, 1, "ids start at 1");

        IModelRegistry.Model memory model = models.getModel(modelId);
        vm.assertEq(model.owner, MODEL_OWNER);
        vm.assertFalse(model.deprecated, "live");
        vm.assertEq(uint256(model.feePerInference), uint256(FEE));
        vm.assertEq(model.trainingRoot, TRAINING_ROOT);
        vm.assertEq(model.weightsHash, WEIGHTS);
        vm.assertEq(model.metadataCid, METADATA);
        vm.assertEq(model.datanetIds.length, 2);
        vm.assertEq(uint256(model.datanetIds[0]), 1);
        vm.assertEq(uint256(model.datanetIds[1]), 3);
    }

    function test_register_countsModels() public {
        vm.assertEq(_register(_ids(1), FEE), 1);
        vm.assertEq(_register(_ids(2), FEE), 2);
        vm.prank(STRANGER);
        vm.assertEq(models.register(_ids(1, 2, 3), bytes32(0), WEIGHTS, bytes32(0), 0), 3);
        vm.assertEq(models.modelCount(), 3);
        vm.assertEq(models.getModel(3).owner, STRANGER, "the caller owns the model");
    }

    function test_register_zeroFeeAndZeroRootsAllowed() public {
        vm.prank(MODEL_OWNER);
        uint256 modelId = models.register(_ids(2), bytes32(0), WEIGHTS, bytes32(0), 0);
        (address owner, uint96 fee, bool deprecated) = models.ownerAndFee(modelId);
        vm.assertEq(owner, MODEL_OWNER);
        vm.assertEq(uint256(fee), 0);
        vm.assertFalse(deprecated, "live");
    }

    function test_register_maxFeeAllowed() public {
        uint256 modelId = _register(_ids(1), MAX_FEE);
        vm.assertEq(uint256(models.getModel(modelId).feePerInference), uint256(MAX_FEE));
    }

    function test_register_feeAboveCapReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelFeeTooHigh.selector, uint256(MAX_FEE) + 1));
        _register(_ids(1), MAX_FEE + 1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelFeeTooHigh.selector, type(uint96).max));
        _register(_ids(1), type(uint96).max);
    }

    function test_register_noDatanetsReverts() public {
        vm.expectRevert(IModelRegistry.ModelNoDatanets.selector);
        _register(new uint64[](0), FEE);
    }

    function test_register_unknownDatanetReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknownDatanet.selector, uint64(4)));
        _register(_ids(1, 4), FEE);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknownDatanet.selector, uint64(0)));
        _register(_ids(0), FEE);
    }

    function test_register_duplicateDatanetReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelDatanetsNotAscending.selector, 1));
        _register(_ids(2, 2), FEE);
    }

    function test_register_descendingDatanetsReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelDatanetsNotAscending.selector, 2));
        _register(_ids(1, 3, 2), FEE);
    }

    /// The registry checks only that a Datanet exists: Draft (every Datanet here) and Deprecated ones are accepted.
    function test_register_deprecatedDatanetAccepted() public {
        datanets.publish(2);
        datanets.deprecate(2);
        vm.assertEq(uint256(datanets.getDatanet(2).status), uint256(IDatanetRegistry.DatanetStatus.Deprecated));
        uint256 modelId = _register(_ids(1, 2), FEE);
        vm.assertEq(models.getModel(modelId).datanetIds.length, 2);
    }

    function test_register_zeroWeightsHashReverts() public {
        vm.expectRevert(IModelRegistry.ModelZeroWeightsHash.selector);
        vm.prank(MODEL_OWNER);
        models.register(_ids(1), TRAINING_ROOT, bytes32(0), METADATA, FEE);
    }

    function test_register_failedRegistrationTakesNoId() public {
        vm.expectRevert(IModelRegistry.ModelZeroWeightsHash.selector);
        vm.prank(MODEL_OWNER);
        models.register(_ids(1), TRAINING_ROOT, bytes32(0), METADATA, FEE);
        vm.assertEq(models.modelCount(), 0);
        vm.assertEq(_register(_ids(1), FEE), 1);
    }

    /// @notice Strictly ascending ids (gaps of 1 to 3 from 0), with enough Datanets created for all of them.
    function _ascendingExistingIds(uint256 count, uint256 gapSeed) internal returns (uint64[] memory ids) {
        ids = new uint64[](count);
        uint64 next;
        for (uint256 i; i < count; ++i) {
            next += uint64(1 + uint256(keccak256(abi.encode(gapSeed, i))) % 3);
            ids[i] = next;
        }
        address[] memory noCurators = new address[](0);
        while (datanets.datanetCount() < next) {
            bytes32 metadata = keccak256(abi.encode("more", datanets.datanetCount()));
            datanets.createDatanet(metadata, IDatanetRegistry.Policy.Open, noCurators);
        }
    }

    function _assertStored(uint256 modelId, address owner, uint96 fee, bytes32 weights, uint64[] memory ids)
        internal
        view
    {
        IModelRegistry.Model memory model = models.getModel(modelId);
        vm.assertEq(model.owner, owner);
        vm.assertEq(uint256(model.feePerInference), uint256(fee), "fee round-trips through uint88");
        vm.assertEq(model.weightsHash, weights);
        vm.assertEq(model.datanetIds.length, ids.length);
        for (uint256 i; i < ids.length; ++i) {
            vm.assertEq(uint256(model.datanetIds[i]), uint256(ids[i]));
        }
        (address storedOwner, uint96 storedFee, bool deprecated) = models.ownerAndFee(modelId);
        vm.assertEq(storedOwner, owner);
        vm.assertEq(uint256(storedFee), uint256(fee));
        vm.assertFalse(deprecated, "live");
    }

    function testFuzz_register(uint8 countSeed, uint256 gapSeed, uint96 feeSeed, bytes32 weights, address owner)
        public
    {
        vm.assume(weights != bytes32(0) && owner != address(0));
        uint96 fee = uint96(feeSeed % (uint256(MAX_FEE) + 1));
        uint64[] memory ids = _ascendingExistingIds(1 + uint256(countSeed) % 8, gapSeed);

        vm.prank(owner);
        uint256 modelId = models.register(ids, TRAINING_ROOT, weights, METADATA, fee);
        vm.assertEq(modelId, models.modelCount());
        _assertStored(modelId, owner, fee, weights, ids);

        // One id past the last Datanet makes the same registration fail.
        uint64 unknown = datanets.datanetCount() + 1;
        ids[ids.length - 1] = unknown;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelUnknownDatanet.selector, unknown));
        vm.prank(owner);
        models.register(ids, TRAINING_ROOT, weights, METADATA, fee);
    }

    // ------------------------------------------------------------ setFee

    function test_setFee_byOwnerUpdates() public {
        uint256 modelId = _register(_ids(1), FEE);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelFeeUpdated(modelId, FEE, 2 ether);
        vm.prank(MODEL_OWNER);
        models.setFee(modelId, 2 ether);
        (, uint96 fee,) = models.ownerAndFee(modelId);
        vm.assertEq(uint256(fee), 2 ether);
        vm.assertEq(uint256(models.getModel(modelId).feePerInference), 2 ether);
    }

    function testFuzz_setFee(uint96 fee) public {
        uint256 modelId = _register(_ids(1), FEE);
        vm.prank(MODEL_OWNER);
        if (fee > MAX_FEE) {
            vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelFeeTooHigh.selector, uint256(fee)));
            models.setFee(modelId, fee);
            fee = FEE;
        } else {
            vm.expectEmit(address(models));
            emit IModelRegistry.ModelFeeUpdated(modelId, FEE, fee);
            models.setFee(modelId, fee);
        }
        (, uint96 stored,) = models.ownerAndFee(modelId);
        vm.assertEq(uint256(stored), uint256(fee), "new fee when within the cap, old fee otherwise");
    }

    function test_setFee_toZeroAndToCap() public {
        uint256 modelId = _register(_ids(1), FEE);
        vm.prank(MODEL_OWNER);
        models.setFee(modelId, 0);
        vm.assertEq(uint256(models.getModel(modelId).feePerInference), 0);
        vm.prank(MODEL_OWNER);
        models.setFee(modelId, MAX_FEE);
        vm.assertEq(uint256(models.getModel(modelId).feePerInference), uint256(MAX_FEE));
    }

    function test_setFee_nonOwnerReverts() public {
        uint256 modelId = _register(_ids(1), FEE);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotOwner.selector, modelId, STRANGER));
        vm.prank(STRANGER);
        models.setFee(modelId, 0);
        vm.assertEq(uint256(models.getModel(modelId).feePerInference), uint256(FEE), "unchanged");
    }

    function test_setFee_aboveCapReverts() public {
        uint256 modelId = _register(_ids(1), FEE);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelFeeTooHigh.selector, uint256(MAX_FEE) + 1));
        vm.prank(MODEL_OWNER);
        models.setFee(modelId, MAX_FEE + 1);
    }

    function test_setFee_unknownModelReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 1));
        vm.prank(MODEL_OWNER);
        models.setFee(1, FEE);
    }

    function test_setFee_deprecatedReverts() public {
        uint256 modelId = _register(_ids(1), FEE);
        vm.prank(MODEL_OWNER);
        models.deprecate(modelId);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelDeprecatedAlready.selector, modelId));
        vm.prank(MODEL_OWNER);
        models.setFee(modelId, 0);
    }

    // ------------------------------------------------------------ deprecate

    function test_deprecate_byOwnerMarksDeprecated() public {
        uint256 modelId = _register(_ids(1), FEE);
        vm.expectEmit(address(models));
        emit IModelRegistry.ModelDeprecated(modelId);
        vm.prank(MODEL_OWNER);
        models.deprecate(modelId);
        (address owner, uint96 fee, bool deprecated) = models.ownerAndFee(modelId);
        vm.assertTrue(deprecated, "deprecated");
        vm.assertEq(owner, MODEL_OWNER, "the owner stays");
        vm.assertEq(uint256(fee), uint256(FEE), "the fee stays");
        vm.assertTrue(models.getModel(modelId).deprecated, "getModel agrees");
    }

    function test_deprecate_twiceReverts() public {
        uint256 modelId = _register(_ids(1), FEE);
        vm.prank(MODEL_OWNER);
        models.deprecate(modelId);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelDeprecatedAlready.selector, modelId));
        vm.prank(MODEL_OWNER);
        models.deprecate(modelId);
    }

    function test_deprecate_nonOwnerReverts() public {
        uint256 modelId = _register(_ids(1), FEE);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotOwner.selector, modelId, STRANGER));
        vm.prank(STRANGER);
        models.deprecate(modelId);
        vm.assertFalse(models.getModel(modelId).deprecated, "still live");
    }

    function test_deprecate_unknownModelReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 7));
        vm.prank(MODEL_OWNER);
        models.deprecate(7);
    }

    // ------------------------------------------------------------ views

    function test_getModel_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 0));
        models.getModel(0);
        _register(_ids(1), FEE);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 2));
        models.getModel(2);
    }

    function test_ownerAndFee_unknownReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 0));
        models.ownerAndFee(0);
        _register(_ids(1), FEE);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 2));
        models.ownerAndFee(2);
    }

    function test_ownerAndFee_matchesGetModel() public {
        _register(_ids(1), FEE);
        vm.prank(STRANGER);
        uint256 modelId = models.register(_ids(2, 3), TRAINING_ROOT, WEIGHTS, METADATA, 7 ether);
        (address owner, uint96 fee, bool deprecated) = models.ownerAndFee(modelId);
        IModelRegistry.Model memory model = models.getModel(modelId);
        vm.assertEq(owner, model.owner);
        vm.assertEq(uint256(fee), uint256(model.feePerInference));
        vm.assertEq(deprecated, model.deprecated);
        vm.assertEq(owner, STRANGER);
        vm.assertEq(uint256(fee), 7 ether);
    }

    function test_modelCount_startsAtZeroAndCounts() public {
        vm.assertEq(models.modelCount(), 0);
        for (uint256 i = 1; i <= 5; ++i) {
            _register(_ids(1), FEE);
            vm.assertEq(models.modelCount(), i);
        }
    }
}
