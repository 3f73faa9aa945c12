// SPDX-License-Identifier: MIT
// IDatanetRegistry: community datasets (Datanets), their curators, and contribution batches anchored as Merkle roots.
// A batch stores only what verification needs (root + one packed slot); its manifest CID and submitter live in events.
pragma solidity ^0.8.24;

/// @title IDatanetRegistry
/// @notice A Datanet has an owner, a metadata CID, a submission policy, curators and a status
/// (Draft -> Published -> Frozen, and Published/Frozen -> Deprecated). Only a Published Datanet accepts batches. A batch
/// is the StandardMerkleTree root of ["bytes32","address"] leaves (record CID digest, contributor):
/// leaf = keccak256(bytes.concat(keccak256(abi.encode(cidDigest, contributor)))).
/// Open and Allowlist Datanets approve a batch at submission (no BatchApproved event is emitted for it; the policy
/// never changes, so indexers derive the status from it); Curated Datanets keep it Pending until a curator decides.
/// Relayed batches carry each contributor's EIP-712 signature over
/// Contribution(uint64 datanetId,bytes32 cidDigest,uint256 nonce,uint256 deadline) on the domain
/// (name "Ledgerlight DatanetRegistry", version "1", chainId, this contract); each registers its contribution id
/// keccak256(abi.encode(datanetId, cidDigest)) to the signer, so the same content is never credited twice. The claim
/// holds while its batch is Pending or Approved; if curators reject that batch the claim lapses and the content can be
/// claimed again (by its real author, when the rejected batch was a squatter's).
interface IDatanetRegistry {
    /// @notice Who may submit batches, and whether they need review.
    enum Policy {
        Open, // anyone submits; approved at once
        Curated, // anyone submits; Pending until a curator approves or rejects
        Allowlist // only allowlisted accounts, the owner or curators submit; approved at once
    }

    /// @notice Lifecycle of a Datanet; only Published accepts batches.
    enum DatanetStatus {
        Draft,
        Published,
        Frozen,
        Deprecated
    }

    /// @notice Lifecycle of a batch; None means no such batch.
    enum BatchStatus {
        None,
        Pending,
        Approved,
        Rejected
    }

    /// @notice A Datanet as stored: the first four fields share one slot.
    struct Datanet {
        address owner;
        Policy policy;
        DatanetStatus status;
        uint40 createdAt;
        bytes32 metadataCid; // sha2-256 digest of the metadata JSON's CID (CIDv1, raw)
    }

    /// @notice A batch as stored: the root, then one packed slot.
    struct Batch {
        bytes32 root;
        uint64 datanetId;
        uint32 count;
        BatchStatus status;
        uint40 submittedAt;
    }

    /// @notice One relayed contribution: the contributor's EIP-712 signature (65-byte ECDSA or, for a contract
    /// wallet, whatever its ERC-1271 isValidSignature accepts) over (datanetId, cidDigest, nonce, deadline).
    struct SignedContribution {
        bytes32 cidDigest;
        address contributor;
        uint256 nonce;
        uint256 deadline;
        bytes signature;
    }

    error DatanetNotFound(uint64 datanetId);
    error DatanetNotOwner(uint64 datanetId, address caller);
    error DatanetNotCurator(uint64 datanetId, address caller);
    error DatanetSubmitterNotAllowed(uint64 datanetId, address submitter);
    error DatanetNotAcceptingBatches(uint64 datanetId, DatanetStatus status);
    error DatanetInvalidTransition(uint64 datanetId, DatanetStatus from, DatanetStatus to);
    error DatanetZeroMetadata();
    error DatanetZeroAddress();
    error DatanetZeroRoot();
    error DatanetZeroCount();
    error DatanetBatchNotFound(uint256 batchId);
    error DatanetBatchNotPending(uint256 batchId, BatchStatus status);
    error DatanetSignatureExpired(address contributor, uint256 deadline);
    error DatanetInvalidSignature(address contributor);
    error DatanetNonceUsed(address contributor, uint256 nonce);
    error DatanetContributionExists(bytes32 contributionId, address contributor);
    error DatanetProofNotExact(uint256 proofLength, uint256 proofFlagsLength, uint256 itemCount);
    error DatanetRootMismatch(bytes32 root);

    /// @notice A Datanet was created in Draft by `owner`.
    event DatanetCreated(uint64 indexed datanetId, address indexed owner, Policy policy, bytes32 metadataCid);
    /// @notice The owner changed the Datanet's status.
    event DatanetStatusChanged(uint64 indexed datanetId, DatanetStatus from, DatanetStatus to);
    /// @notice The owner replaced the Datanet's metadata CID.
    event DatanetMetadataSet(uint64 indexed datanetId, bytes32 metadataCid);
    /// @notice The Datanet passed to a new owner (who is a curator implicitly; the old owner no longer is, unless set).
    event DatanetOwnershipTransferred(uint64 indexed datanetId, address indexed previousOwner, address indexed newOwner);
    /// @notice The owner added (`enabled`) or removed a curator.
    event CuratorSet(uint64 indexed datanetId, address indexed account, bool enabled);
    /// @notice The owner added (`allowed`) or removed a submitter on the allowlist.
    event AllowedSet(uint64 indexed datanetId, address indexed account, bool allowed);
    /// @notice A batch of `count` records was anchored; `manifestCid` names the off-chain list of its records.
    event BatchSubmitted(
        uint256 indexed batchId,
        uint64 indexed datanetId,
        address indexed submitter,
        bytes32 root,
        uint32 count,
        bytes32 manifestCid
    );
    /// @notice A curator approved a Pending batch.
    event BatchApproved(uint256 indexed batchId, uint64 indexed datanetId, address indexed curator);
    /// @notice A curator rejected a Pending batch; `reasonHash` names the off-chain reason.
    event BatchRejected(uint256 indexed batchId, uint64 indexed datanetId, address indexed curator, bytes32 reasonHash);
    /// @notice A signed contribution registered `contributionId` to `contributor` in `batchId`, using `nonce`.
    event ContributionRegistered(
        bytes32 indexed contributionId, address indexed contributor, uint256 indexed batchId, bytes32 cidDigest, uint256 nonce
    );
    /// @notice `contributor` revoked `nonce` before any relayer used it.
    event NonceInvalidated(address indexed contributor, uint256 nonce);

    /// @notice Creates a Datanet in Draft owned by msg.sender, with `curators` besides the owner; returns its id (from 1).
    function createDatanet(bytes32 metadataCid, Policy policy, address[] calldata curators)
        external
        returns (uint64 datanetId);

    /// @notice Owner only: Draft -> Published; the Datanet starts accepting batches.
    function publish(uint64 datanetId) external;

    /// @notice Owner only: Published -> Frozen; no new batches or approvals, rejections still allowed.
    function freeze(uint64 datanetId) external;

    /// @notice Owner only: Published or Frozen -> Deprecated; no new batches or approvals, rejections still allowed.
    function deprecate(uint64 datanetId) external;

    /// @notice Owner only: replaces the metadata CID.
    function setMetadata(uint64 datanetId, bytes32 metadataCid) external;

    /// @notice Owner only: adds or removes a curator (the owner is a curator implicitly and needs no entry).
    function setCurator(uint64 datanetId, address account, bool enabled) external;

    /// @notice Owner only: adds or removes a submitter on the allowlist (used by the Allowlist policy).
    function setAllowed(uint64 datanetId, address account, bool allowed) external;

    /// @notice Owner only: passes the Datanet to `newOwner`.
    function transferDatanetOwnership(uint64 datanetId, address newOwner) external;

    /// @notice Anchors a batch of `count` records under `root`; its cost does not depend on `count`. Returns its id.
    function submitBatch(uint64 datanetId, bytes32 root, uint32 count, bytes32 manifestCid)
        external
        returns (uint256 batchId);

    /// @notice Anchors a batch whose root commits to exactly `items` and registers each item's contribution to its
    /// signer. The client builds the tree as OpenZeppelin's merkle-tree npm package does (StandardMerkleTree.of
    /// over [cidDigest, contributor] values, sortLeaves on) and calls getMultiProof with every index: `items` follow
    /// the returned `leaves` order (ascending leaf hash), `proof` is empty and `proofFlags` is n-1 times true.
    function submitSignedBatch(
        uint64 datanetId,
        bytes32 root,
        bytes32 manifestCid,
        SignedContribution[] calldata items,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external returns (uint256 batchId);

    /// @notice Curators of the batch's Datanet (the owner counts) approve a Pending batch while the Datanet is Published.
    function approveBatch(uint256 batchId) external;

    /// @notice Curators of the batch's Datanet (the owner counts) reject a Pending batch.
    function rejectBatch(uint256 batchId, bytes32 reasonHash) external;

    /// @notice Revokes msg.sender's unused `nonce`, so no signature carrying it can be relayed.
    function invalidateNonce(uint256 nonce) external;

    /// @notice True iff the batch is Approved, `proof` proves the (cidDigest, contributor) leaf under its root, and the
    /// contribution id is not registered to a different contributor.
    function verifyRecord(uint256 batchId, bytes32 cidDigest, address contributor, bytes32[] calldata proof)
        external
        view
        returns (bool);

    /// @notice keccak256(abi.encode(datanetId, cidDigest)): the id that stops the same content being credited twice.
    function contributionId(uint64 datanetId, bytes32 cidDigest) external pure returns (bytes32);

    /// @notice Who registered `id` through a signed contribution in a batch not rejected, or the zero address.
    function contributorOf(bytes32 id) external view returns (address);

    /// @notice Whether `contributor` has used or revoked `nonce`.
    function nonceUsed(address contributor, uint256 nonce) external view returns (bool);

    /// @notice The EIP-712 digest a contributor signs for one contribution.
    function contributionDigest(uint64 datanetId, bytes32 cidDigest, uint256 nonce, uint256 deadline)
        external
        view
        returns (bytes32);

    /// @notice The EIP-712 domain separator of this registry on this chain.
    function DOMAIN_SEPARATOR() external view returns (bytes32);

    /// @notice The Datanet, or reverts with DatanetNotFound.
    function getDatanet(uint64 datanetId) external view returns (Datanet memory);

    /// @notice The batch, or reverts with DatanetBatchNotFound.
    function getBatch(uint256 batchId) external view returns (Batch memory);

    /// @notice Whether `account` is the Datanet's owner or one of its curators.
    function isCurator(uint64 datanetId, address account) external view returns (bool);

    /// @notice Whether `account` is on the Datanet's allowlist (the owner and curators may submit without an entry).
    function isAllowed(uint64 datanetId, address account) external view returns (bool);

    /// @notice Whether a Datanet with this id exists.
    function datanetExists(uint64 datanetId) external view returns (bool);

    /// @notice Number of Datanets created so far (ids run 1..datanetCount).
    function datanetCount() external view returns (uint64);

    /// @notice Number of batches submitted so far (ids run 1..batchCount).
    function batchCount() external view returns (uint256);
}
