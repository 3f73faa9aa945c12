// SPDX-License-Identifier: MIT
// IModelRegistry: models trained on Datanets, with their training-manifest root, weights hash and inference fee.
// ownerAndFee and modelCount are the AttributionLedger's only dependencies; keep their signatures stable.
pragma solidity ^0.8.24;

/// @title IModelRegistry
/// @notice Models trained on Datanets: who owns them, which Datanets and records (a training-manifest Merkle root over
/// the record CIDs used) they were trained on, their weights hash, and the fee each attributed inference pays.
interface IModelRegistry {
    /// @notice A registered model. `trainingRoot` is a StandardMerkleTree root of ["bytes32","address"] leaves
    /// (record CID digest, contributor), the same tree format as contribution batches.
    struct Model {
        address owner;
        bool deprecated;
        uint96 feePerInference; // in wei of native OPEN
        bytes32 trainingRoot;
        bytes32 weightsHash;
        bytes32 metadataCid; // sha2-256 digest of the metadata JSON's CID (CIDv1, raw)
        uint64[] datanetIds;
    }

    error ModelNotFound(uint256 modelId);
    error ModelNotOwner(uint256 modelId, address caller);
    error ModelDeprecatedAlready(uint256 modelId);
    error ModelNoDatanets();
    error ModelUnknownDatanet(uint64 datanetId);
    error ModelDatanetsNotAscending(uint256 index);
    error ModelZeroWeightsHash();
    error ModelFeeTooHigh(uint256 fee);

    event ModelRegistered(
        uint256 indexed modelId,
        address indexed owner,
        bytes32 trainingRoot,
        bytes32 weightsHash,
        bytes32 metadataCid,
        uint96 feePerInference,
        uint64[] datanetIds
    );
    event ModelFeeUpdated(uint256 indexed modelId, uint96 oldFee, uint96 newFee);
    event ModelDeprecated(uint256 indexed modelId);

    /// @notice Registers a model owned by msg.sender; `datanetIds` must be strictly ascending (no duplicates) and each
    /// must exist in the DatanetRegistry; the fee is at most MAX_FEE_PER_INFERENCE. Returns the new model id (from 1).
    function register(
        uint64[] calldata datanetIds,
        bytes32 trainingRoot,
        bytes32 weightsHash,
        bytes32 metadataCid,
        uint96 feePerInference
    ) external returns (uint256 modelId);

    /// @notice Owner only: sets the fee each inference pays (at most MAX_FEE_PER_INFERENCE); not once deprecated.
    function setFee(uint256 modelId, uint96 feePerInference) external;

    /// @notice Owner only: marks the model deprecated; it can no longer record inferences.
    function deprecate(uint256 modelId) external;

    /// @notice The model, or reverts with ModelNotFound.
    function getModel(uint256 modelId) external view returns (Model memory);

    /// @notice Owner and fee in one cold read, for the AttributionLedger's hot path; reverts with ModelNotFound.
    function ownerAndFee(uint256 modelId) external view returns (address owner, uint96 feePerInference, bool deprecated);

    /// @notice Number of models registered so far (ids run 1..modelCount).
    function modelCount() external view returns (uint256);

    /// @notice The highest fee per inference a model may ask, in wei of native OPEN.
    function MAX_FEE_PER_INFERENCE() external view returns (uint96);

    /// @notice The DatanetRegistry whose Datanets models name.
    function datanetRegistry() external view returns (address);
}
