// SPDX-License-Identifier: MIT
// DatanetRegistry: Datanets, curators and contribution batches. submitBatch writes two fresh slots (root, packed
// metadata) and bumps one counter, so its gas never depends on the record count; relayed batches additionally check
// each contributor's EIP-712 signature against unordered (bitmap) nonces and a full-tree multiproof of the root.
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IDatanetRegistry} from "./interfaces/IDatanetRegistry.sol";

/// @title DatanetRegistry
/// @notice See IDatanetRegistry. No global admin: each Datanet is governed by its owner.
contract DatanetRegistry is IDatanetRegistry, EIP712 {
    /// @dev One contribution claim, packed in one slot.
    struct Claim {
        address contributor;
        uint64 batchId;
    }

    /// @notice EIP-712 type hash of a contributor's signed Contribution.
    bytes32 public constant CONTRIBUTION_TYPEHASH =
        keccak256("Contribution(uint64 datanetId,bytes32 cidDigest,uint256 nonce,uint256 deadline)");

    uint64 private _datanetCount;
    uint256 private _batchCount;
    mapping(uint64 datanetId => Datanet) private _datanets;
    mapping(uint64 datanetId => mapping(address account => bool)) private _curators;
    mapping(uint64 datanetId => mapping(address account => bool)) private _allowed;
    mapping(uint256 batchId => Batch) private _batches;
    /// @dev Who claimed a contribution id, and the batch that claimed it: one slot. A claim made by a batch that
    /// curators later rejected no longer counts (see _claimant), so curation protects authors from squatters.
    mapping(bytes32 contributionId => Claim) private _claims;
    /// @dev Bit (nonce & 255) of word (nonce >> 8) is set once the nonce is used or revoked.
    mapping(address contributor => mapping(uint256 word => uint256 bits)) private _nonceBitmaps;

    constructor() EIP712("Ledgerlight DatanetRegistry", "1") {}

    // ---------------------------------------------------------------- Datanets

    /// @inheritdoc IDatanetRegistry
    function createDatanet(bytes32 metadataCid, Policy policy, address[] calldata curators)
        external
        returns (uint64 datanetId)
    {
        if (metadataCid == bytes32(0)) revert DatanetZeroMetadata();
        datanetId = ++_datanetCount;
        _datanets[datanetId] = Datanet({
            owner: msg.sender,
            policy: policy,
            status: DatanetStatus.Draft,
            createdAt: uint40(block.timestamp),
            metadataCid: metadataCid
        });
        emit DatanetCreated(datanetId, msg.sender, policy, metadataCid);
        for (uint256 i = 0; i < curators.length; ++i) {
            _setCurator(datanetId, curators[i], true);
        }
    }

    /// @inheritdoc IDatanetRegistry
    function publish(uint64 datanetId) external {
        Datanet storage datanet = _ownedBy(datanetId, msg.sender);
        _transition(datanet, datanetId, DatanetStatus.Draft, DatanetStatus.Published);
    }

    /// @inheritdoc IDatanetRegistry
    function freeze(uint64 datanetId) external {
        Datanet storage datanet = _ownedBy(datanetId, msg.sender);
        _transition(datanet, datanetId, DatanetStatus.Published, DatanetStatus.Frozen);
    }

    /// @inheritdoc IDatanetRegistry
    function deprecate(uint64 datanetId) external {
        Datanet storage datanet = _ownedBy(datanetId, msg.sender);
        DatanetStatus from = datanet.status;
        if (from != DatanetStatus.Published && from != DatanetStatus.Frozen) {
            revert DatanetInvalidTransition(datanetId, from, DatanetStatus.Deprecated);
        }
        datanet.status = DatanetStatus.Deprecated;
        emit DatanetStatusChanged(datanetId, from, DatanetStatus.Deprecated);
    }

    /// @inheritdoc IDatanetRegistry
    function setMetadata(uint64 datanetId, bytes32 metadataCid) external {
        Datanet storage datanet = _ownedBy(datanetId, msg.sender);
        if (metadataCid == bytes32(0)) revert DatanetZeroMetadata();
        datanet.metadataCid = metadataCid;
        emit DatanetMetadataSet(datanetId, metadataCid);
    }

    /// @inheritdoc IDatanetRegistry
    function setCurator(uint64 datanetId, address account, bool enabled) external {
        _ownedBy(datanetId, msg.sender);
        _setCurator(datanetId, account, enabled);
    }

    /// @inheritdoc IDatanetRegistry
    function setAllowed(uint64 datanetId, address account, bool allowed) external {
        _ownedBy(datanetId, msg.sender);
        if (account == address(0)) revert DatanetZeroAddress();
        _allowed[datanetId][account] = allowed;
        emit AllowedSet(datanetId, account, allowed);
    }

    /// @inheritdoc IDatanetRegistry
    function transferDatanetOwnership(uint64 datanetId, address newOwner) external {
        Datanet storage datanet = _ownedBy(datanetId, msg.sender);
        if (newOwner == address(0)) revert DatanetZeroAddress();
        datanet.owner = newOwner;
        emit DatanetOwnershipTransferred(datanetId, msg.sender, newOwner);
    }

    // ---------------------------------------------------------------- Batches

    /// @inheritdoc IDatanetRegistry
    function submitBatch(uint64 datanetId, bytes32 root, uint32 count, bytes32 manifestCid)
        external
        returns (uint256 batchId)
    {
        if (root == bytes32(0)) revert DatanetZeroRoot();
        if (count == 0) revert DatanetZeroCount();
        BatchStatus status = _admit(datanetId);
        batchId = _storeBatch(datanetId, root, count, status, manifestCid);
    }

    /// @inheritdoc IDatanetRegistry
    function submitSignedBatch(
        uint64 datanetId,
        bytes32 root,
        bytes32 manifestCid,
        SignedContribution[] calldata items,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external returns (uint256 batchId) {
        uint256 n = items.length;
        if (root == bytes32(0)) revert DatanetZeroRoot();
        if (n == 0) revert DatanetZeroCount();
        // An empty proof means the root is built from these leaves alone: the batch holds no unsigned record.
        if (proof.length != 0 || proofFlags.length + 1 != n) {
            revert DatanetProofNotExact(proof.length, proofFlags.length, n);
        }
        BatchStatus status = _admit(datanetId);

        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            leaves[i] = _leaf(items[i].cidDigest, items[i].contributor);
        }
        if (MerkleProof.processMultiProofCalldata(proof, proofFlags, leaves) != root) revert DatanetRootMismatch(root);

        // n items cost at least n signatures' worth of calldata, so n is far below 2^32.
        // forge-lint: disable-next-line(unsafe-typecast)
        batchId = _storeBatch(datanetId, root, uint32(n), status, manifestCid);
        for (uint256 i = 0; i < n; ++i) {
            _registerSigned(datanetId, batchId, items[i]);
        }
    }

    /// @inheritdoc IDatanetRegistry
    function approveBatch(uint256 batchId) external {
        Batch storage batch = _pendingBatchFor(batchId, msg.sender);
        uint64 datanetId = batch.datanetId;
        DatanetStatus datanetStatus = _datanets[datanetId].status;
        if (datanetStatus != DatanetStatus.Published) revert DatanetNotAcceptingBatches(datanetId, datanetStatus);
        batch.status = BatchStatus.Approved;
        emit BatchApproved(batchId, datanetId, msg.sender);
    }

    /// @inheritdoc IDatanetRegistry
    function rejectBatch(uint256 batchId, bytes32 reasonHash) external {
        Batch storage batch = _pendingBatchFor(batchId, msg.sender);
        batch.status = BatchStatus.Rejected;
        emit BatchRejected(batchId, batch.datanetId, msg.sender, reasonHash);
    }

    /// @inheritdoc IDatanetRegistry
    function invalidateNonce(uint256 nonce) external {
        _useNonce(msg.sender, nonce);
        emit NonceInvalidated(msg.sender, nonce);
    }

    // ---------------------------------------------------------------- Views

    /// @inheritdoc IDatanetRegistry
    function verifyRecord(uint256 batchId, bytes32 cidDigest, address contributor, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        Batch storage batch = _batches[batchId];
        if (batch.status != BatchStatus.Approved) return false;
        address registered = _claimant(contributionId(batch.datanetId, cidDigest));
        if (registered != address(0) && registered != contributor) return false;
        return MerkleProof.verifyCalldata(proof, batch.root, _leaf(cidDigest, contributor));
    }

    /// @inheritdoc IDatanetRegistry
    function contributionId(uint64 datanetId, bytes32 cidDigest) public pure returns (bytes32) {
        return keccak256(abi.encode(datanetId, cidDigest));
    }

    /// @inheritdoc IDatanetRegistry
    function contributorOf(bytes32 id) external view returns (address) {
        return _claimant(id);
    }

    /// @inheritdoc IDatanetRegistry
    function nonceUsed(address contributor, uint256 nonce) public view returns (bool) {
        return _nonceBitmaps[contributor][nonce >> 8] & (uint256(1) << (nonce & 0xff)) != 0;
    }

    /// @inheritdoc IDatanetRegistry
    function contributionDigest(uint64 datanetId, bytes32 cidDigest, uint256 nonce, uint256 deadline)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(CONTRIBUTION_TYPEHASH, datanetId, cidDigest, nonce, deadline)));
    }

    /// @inheritdoc IDatanetRegistry
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @inheritdoc IDatanetRegistry
    function getDatanet(uint64 datanetId) external view returns (Datanet memory) {
        if (!datanetExists(datanetId)) revert DatanetNotFound(datanetId);
        return _datanets[datanetId];
    }

    /// @inheritdoc IDatanetRegistry
    function getBatch(uint256 batchId) external view returns (Batch memory) {
        Batch memory batch = _batches[batchId];
        if (batch.status == BatchStatus.None) revert DatanetBatchNotFound(batchId);
        return batch;
    }

    /// @inheritdoc IDatanetRegistry
    function isCurator(uint64 datanetId, address account) public view returns (bool) {
        return (account != address(0) && account == _datanets[datanetId].owner) || _curators[datanetId][account];
    }

    /// @inheritdoc IDatanetRegistry
    function isAllowed(uint64 datanetId, address account) external view returns (bool) {
        return _allowed[datanetId][account];
    }

    /// @inheritdoc IDatanetRegistry
    function datanetExists(uint64 datanetId) public view returns (bool) {
        // The owner can never be set to zero, so a zero owner means the id was never created.
        return _datanets[datanetId].owner != address(0);
    }

    /// @inheritdoc IDatanetRegistry
    function datanetCount() external view returns (uint64) {
        return _datanetCount;
    }

    /// @inheritdoc IDatanetRegistry
    function batchCount() external view returns (uint256) {
        return _batchCount;
    }

    // ---------------------------------------------------------------- Internals

    /// @dev The Datanet if `account` owns it; reverts with DatanetNotFound or DatanetNotOwner.
    function _ownedBy(uint64 datanetId, address account) private view returns (Datanet storage datanet) {
        datanet = _datanets[datanetId];
        address owner = datanet.owner;
        if (owner == address(0)) revert DatanetNotFound(datanetId);
        if (owner != account) revert DatanetNotOwner(datanetId, account);
    }

    /// @dev Moves the Datanet from `from` to `to`, or reverts if it is not in `from`.
    function _transition(Datanet storage datanet, uint64 datanetId, DatanetStatus from, DatanetStatus to) private {
        DatanetStatus current = datanet.status;
        if (current != from) revert DatanetInvalidTransition(datanetId, current, to);
        datanet.status = to;
        emit DatanetStatusChanged(datanetId, from, to);
    }

    /// @dev Adds or removes a curator entry.
    function _setCurator(uint64 datanetId, address account, bool enabled) private {
        if (account == address(0)) revert DatanetZeroAddress();
        _curators[datanetId][account] = enabled;
        emit CuratorSet(datanetId, account, enabled);
    }

    /// @dev Checks that msg.sender may submit to the Datanet now and returns the new batch's status under its policy.
    /// Reads one slot for Open and Curated Datanets (owner, policy and status share it).
    function _admit(uint64 datanetId) private view returns (BatchStatus) {
        Datanet storage datanet = _datanets[datanetId];
        address owner = datanet.owner;
        if (owner == address(0)) revert DatanetNotFound(datanetId);
        DatanetStatus datanetStatus = datanet.status;
        if (datanetStatus != DatanetStatus.Published) revert DatanetNotAcceptingBatches(datanetId, datanetStatus);
        Policy policy = datanet.policy;
        if (policy == Policy.Curated) return BatchStatus.Pending;
        if (
            policy == Policy.Allowlist && msg.sender != owner && !_allowed[datanetId][msg.sender]
                && !_curators[datanetId][msg.sender]
        ) revert DatanetSubmitterNotAllowed(datanetId, msg.sender);
        return BatchStatus.Approved;
    }

    /// @dev Writes the batch (two fresh slots) and announces it; the manifest CID and submitter live in the event only.
    function _storeBatch(uint64 datanetId, bytes32 root, uint32 count, BatchStatus status, bytes32 manifestCid)
        private
        returns (uint256 batchId)
    {
        // One batch per transaction at most costs > 21,000 gas; 2^256 of them cannot happen.
        unchecked {
            batchId = ++_batchCount;
        }
        _batches[batchId] = Batch({
            root: root,
            datanetId: datanetId,
            count: count,
            status: status,
            submittedAt: uint40(block.timestamp)
        });
        emit BatchSubmitted(batchId, datanetId, msg.sender, root, count, manifestCid);
    }

    /// @dev Checks one signed item (deadline, nonce, signature) and registers its contribution to the contributor.
    function _registerSigned(uint64 datanetId, uint256 batchId, SignedContribution calldata item) private {
        address contributor = item.contributor;
        // Deadlines are in seconds and meant for hours or days; a sequencer's few seconds of drift do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > item.deadline) revert DatanetSignatureExpired(contributor, item.deadline);
        _useNonce(contributor, item.nonce);
        bytes32 digest = contributionDigest(datanetId, item.cidDigest, item.nonce, item.deadline);
        if (!SignatureChecker.isValidSignatureNowCalldata(contributor, digest, item.signature)) {
            revert DatanetInvalidSignature(contributor);
        }
        bytes32 id = contributionId(datanetId, item.cidDigest);
        address existing = _claimant(id);
        if (existing != address(0)) revert DatanetContributionExists(id, existing);
        // Batch ids grow by one per batch transaction: 2^64 of them cannot happen, so the cast is exact.
        // forge-lint: disable-next-line(unsafe-typecast)
        _claims[id] = Claim({contributor: contributor, batchId: uint64(batchId)});
        emit ContributionRegistered(id, contributor, batchId, item.cidDigest, item.nonce);
    }

    /// @dev The contributor `id` is registered to, or the zero address when none is or its batch was rejected.
    function _claimant(bytes32 id) private view returns (address) {
        Claim memory claim = _claims[id];
        if (claim.contributor == address(0) || _batches[claim.batchId].status == BatchStatus.Rejected) return address(0);
        return claim.contributor;
    }

    /// @dev Marks `nonce` of `contributor` used, or reverts if it already is.
    function _useNonce(address contributor, uint256 nonce) private {
        uint256 bit = uint256(1) << (nonce & 0xff);
        mapping(uint256 => uint256) storage bitmap = _nonceBitmaps[contributor];
        uint256 word = bitmap[nonce >> 8];
        if (word & bit != 0) revert DatanetNonceUsed(contributor, nonce);
        bitmap[nonce >> 8] = word | bit;
    }

    /// @dev The Pending batch `batchId` if `account` curates its Datanet; reverts otherwise.
    function _pendingBatchFor(uint256 batchId, address account) private view returns (Batch storage batch) {
        batch = _batches[batchId];
        BatchStatus status = batch.status;
        if (status == BatchStatus.None) revert DatanetBatchNotFound(batchId);
        uint64 datanetId = batch.datanetId;
        if (!isCurator(datanetId, account)) revert DatanetNotCurator(datanetId, account);
        if (status != BatchStatus.Pending) revert DatanetBatchNotPending(batchId, status);
    }

    /// @dev The StandardMerkleTree leaf of (cidDigest, contributor).
    function _leaf(bytes32 cidDigest, address contributor) private pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(cidDigest, contributor))));
    }
}
