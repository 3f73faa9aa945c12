// SPDX-License-Identifier: MIT
// ModelRegistry: models trained on Datanets. The fee is stored as uint88 beside the owner and the deprecated flag, so
// ownerAndFee (the AttributionLedger's hot path) reads one slot; the fee cap keeps every fee far below 2^88.
pragma solidity 0.8.30;

import {IDatanetRegistry} from "./interfaces/IDatanetRegistry.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice See IModelRegistry. Models are permanent: deprecation only stops new inferences.
contract ModelRegistry is IModelRegistry {
    /// @dev A model as stored: owner, fee and flag share the first slot.
    struct StoredModel {
        address owner;
        uint88 feePerInference;
        bool deprecated;
        bytes32 trainingRoot;
        bytes32 weightsHash;
        bytes32 metadataCid;
        uint64[] datanetIds;
    }

    /// @inheritdoc IModelRegistry
    uint96 public constant MAX_FEE_PER_INFERENCE = 1_000 ether;

    IDatanetRegistry private immutable _datanets;
    uint256 private _modelCount;
    mapping(uint256 modelId => StoredModel) private _models;

    /// @notice Binds the registry to the DatanetRegistry whose Datanet ids models name.
    constructor(IDatanetRegistry datanets) {
        _datanets = datanets;
    }

    /// @inheritdoc IModelRegistry
    function register(
        uint64[] calldata datanetIds,
        bytes32 trainingRoot,
        bytes32 weightsHash,
        bytes32 metadataCid,
        uint96 feePerInference
    ) external returns (uint256 modelId) {
        _checkDatanets(datanetIds);
        if (weightsHash == bytes32(0)) revert ModelZeroWeightsHash();
        modelId = ++_modelCount;
        StoredModel storage model = _models[modelId];
        model.owner = msg.sender;
        model.feePerInference = _storedFee(feePerInference);
        model.trainingRoot = trainingRoot;
        model.weightsHash = weightsHash;
        model.metadataCid = metadataCid;
        model.datanetIds = datanetIds;
        emit ModelRegistered(modelId, msg.sender, trainingRoot, weightsHash, metadataCid, feePerInference, datanetIds);
    }

    /// @inheritdoc IModelRegistry
    function setFee(uint256 modelId, uint96 feePerInference) external {
        StoredModel storage model = _ownedLive(modelId);
        uint88 storedFee = _storedFee(feePerInference);
        uint96 oldFee = model.feePerInference;
        model.feePerInference = storedFee;
        emit ModelFeeUpdated(modelId, oldFee, feePerInference);
    }

    /// @inheritdoc IModelRegistry
    function deprecate(uint256 modelId) external {
        StoredModel storage model = _ownedLive(modelId);
        model.deprecated = true;
        emit ModelDeprecated(modelId);
    }

    /// @inheritdoc IModelRegistry
    function getModel(uint256 modelId) external view returns (Model memory) {
        StoredModel storage model = _existing(modelId);
        return Model({
            owner: model.owner,
            deprecated: model.deprecated,
            feePerInference: model.feePerInference,
            trainingRoot: model.trainingRoot,
            weightsHash: model.weightsHash,
            metadataCid: model.metadataCid,
            datanetIds: model.datanetIds
        });
    }

    /// @inheritdoc IModelRegistry
    function ownerAndFee(uint256 modelId) external view returns (address owner, uint96 feePerInference, bool deprecated) {
        StoredModel storage model = _models[modelId];
        owner = model.owner;
        if (owner == address(0)) revert ModelNotFound(modelId);
        feePerInference = model.feePerInference;
        deprecated = model.deprecated;
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint256) {
        return _modelCount;
    }

    /// @inheritdoc IModelRegistry
    function datanetRegistry() external view returns (address) {
        return address(_datanets);
    }

    /// @dev The stored model, or reverts with ModelNotFound (a registered model never has a zero owner).
    function _existing(uint256 modelId) private view returns (StoredModel storage model) {
        model = _models[modelId];
        if (model.owner == address(0)) revert ModelNotFound(modelId);
    }

    /// @dev The model if msg.sender owns it and it is not deprecated; reverts otherwise.
    function _ownedLive(uint256 modelId) private view returns (StoredModel storage model) {
        model = _existing(modelId);
        if (model.owner != msg.sender) revert ModelNotOwner(modelId, msg.sender);
        if (model.deprecated) revert ModelDeprecatedAlready(modelId);
    }

    /// @dev Reverts unless the ids are non-empty, strictly ascending and name existing Datanets.
    function _checkDatanets(uint64[] calldata datanetIds) private view {
        if (datanetIds.length == 0) revert ModelNoDatanets();
        for (uint256 i = 0; i < datanetIds.length; ++i) {
            uint64 datanetId = datanetIds[i];
            if (i > 0 && datanetId <= datanetIds[i - 1]) revert ModelDatanetsNotAscending(i);
            if (!_datanets.datanetExists(datanetId)) revert ModelUnknownDatanet(datanetId);
        }
    }

    /// @dev The fee as stored; reverts with ModelFeeTooHigh above the cap.
    function _storedFee(uint96 feePerInference) private pure returns (uint88) {
        if (feePerInference > MAX_FEE_PER_INFERENCE) revert ModelFeeTooHigh(feePerInference);
        // The cap (1,000 OPEN = 1e21 wei) is below 2^88 (about 3.1e26), so the cast is exact.
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint88(feePerInference);
    }
}
