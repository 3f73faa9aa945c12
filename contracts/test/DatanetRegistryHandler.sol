// SPDX-License-Identifier: MIT
// The invariant handler of DatanetRegistry for "only curators change a batch's status": owners, curators and outsiders
// submit batches, approve, reject, reassign curators and owners, and freeze or deprecate Datanets. The handler keeps
// its own model of who owns and curates each Datanet, and after every action compares every batch's status with the
// last one it saw, recording each change, who caused it and whether that account curated the batch's Datanet then.
pragma solidity 0.8.30;

import {DatanetRegistry} from "../src/DatanetRegistry.sol";
import {IDatanetRegistry} from "../src/interfaces/IDatanetRegistry.sol";
import {vm} from "./Vm.sol";

contract DatanetRegistryHandler {
    uint256 public constant ACTORS = 6;
    uint256 public constant DATANETS = 3;
    bytes32 internal constant METADATA = keccak256("handler datanet");
    bytes32 internal constant MANIFEST = keccak256("handler manifest");

    /// @notice One observed batch status change.
    struct Change {
        uint256 batchId;
        IDatanetRegistry.BatchStatus from;
        IDatanetRegistry.BatchStatus to;
        address by;
        bool byCurator; // `by` owned or curated the batch's Datanet (in the model) when it acted
        bool targeted; // the change hit the batch `by` acted on, through approveBatch or rejectBatch
    }

    DatanetRegistry public immutable registry;

    // Actors 0-1 start as owners, 2-3 as curators, 4-5 as outsiders; the roles move as the run reassigns them.
    address[ACTORS] internal _actors;
    uint64[DATANETS] internal _datanets;

    // The model of ownership and curation, updated only when the registry accepted the change.
    mapping(uint64 datanetId => address) public modelOwner;
    mapping(uint64 datanetId => mapping(address account => bool)) public modelCurator;

    // Ghosts.
    uint256 public knownBatches;
    mapping(uint256 batchId => IDatanetRegistry.BatchStatus) public lastStatus;
    mapping(uint256 batchId => uint64) public datanetOf;
    mapping(uint256 batchId => IDatanetRegistry.BatchStatus) public firstDecision; // None until decided
    mapping(uint256 batchId => address) public decidedBy;
    mapping(uint256 batchId => bool) public decidedByCurator;
    Change[] internal _changes;
    uint256 public unauthorizedChanges; // changes by a non-curator, or that hit a batch nobody was deciding
    uint256 public changesAfterDecision; // changes to a batch that had already left Pending
    uint256 public wrongInitialStatus; // a new batch not Pending under Curated, or not Approved under Open/Allowlist
    uint256 public outsiderDecisions; // approve/reject calls by non-curators that the registry accepted
    uint256 public approvals;
    uint256 public rejections;
    uint256 public refusedDecisions;
    uint256 public calls;

    constructor(DatanetRegistry registry_) {
        registry = registry_;
        for (uint256 i = 0; i < ACTORS; ++i) {
            _actors[i] = address(uint160(0xAC00 + i));
        }
        IDatanetRegistry.Policy[DATANETS] memory policies =
            [IDatanetRegistry.Policy.Curated, IDatanetRegistry.Policy.Curated, IDatanetRegistry.Policy.Open];
        for (uint256 d = 0; d < DATANETS; ++d) {
            address owner = _actors[d % 2];
            address[] memory curators = new address[](1);
            curators[0] = _actors[2 + d % 2];
            vm.startPrank(owner);
            uint64 datanetId = registry.createDatanet(METADATA, policies[d], curators);
            registry.publish(datanetId);
            vm.stopPrank();
            _datanets[d] = datanetId;
            modelOwner[datanetId] = owner;
            modelCurator[datanetId][curators[0]] = true;
        }
    }

    /// @dev Counts the call, runs it, then compares every batch with the model. `target` is the batch the actor tried
    /// to decide (0 for other actions); `byCurator` is whether the model let the actor decide it before the call.
    modifier observed(address caller, uint256 target, bool byCurator) {
        ++calls;
        _;
        _scan(caller, target, byCurator);
    }

    // ------------------------------------------------------------ actions

    /// @notice Any actor submits an unsigned batch to any Datanet (reverts for non-Published ones are expected).
    function submitBatch(uint256 actorSeed, uint256 datanetSeed, uint256 rootSeed, uint32 count)
        external
        observed(_actor(actorSeed), 0, false)
    {
        uint64 datanetId = _datanet(datanetSeed);
        bytes32 root = keccak256(abi.encode(rootSeed, calls));
        vm.prank(_actor(actorSeed));
        try registry.submitBatch(datanetId, root, count == 0 ? 1 : count, MANIFEST) {} catch {}
    }

    /// @notice An actor tries to approve a batch: half the time the batch's current owner, otherwise any actor (so
    /// listed curators, former owners and outsiders all try); mostly a Pending batch, sometimes any.
    function approveBatch(uint256 actorSeed, uint256 batchSeed) external {
        if (knownBatches == 0) return;
        uint256 batchId = _pickBatch(batchSeed);
        address caller = _decider(actorSeed, batchId);
        _approve(caller, batchId, _modelIsCurator(datanetOf[batchId], caller));
    }

    /// @notice An actor tries to reject a batch, chosen as for approveBatch.
    function rejectBatch(uint256 actorSeed, uint256 batchSeed, bytes32 reasonHash) external {
        if (knownBatches == 0) return;
        uint256 batchId = _pickBatch(batchSeed);
        address caller = _decider(actorSeed, batchId);
        _reject(caller, batchId, reasonHash, _modelIsCurator(datanetOf[batchId], caller));
    }

    /// @notice A Datanet's owner adds or removes a curator.
    function setCurator(uint256 datanetSeed, uint256 actorSeed, bool enabled) external observed(address(0), 0, false) {
        uint64 datanetId = _datanet(datanetSeed);
        address account = _actor(actorSeed);
        vm.prank(modelOwner[datanetId]);
        registry.setCurator(datanetId, account, enabled);
        modelCurator[datanetId][account] = enabled;
    }

    /// @notice A Datanet's owner hands it to another actor (who then curates it implicitly; the old owner does not).
    function transferOwnership(uint256 datanetSeed, uint256 actorSeed) external observed(address(0), 0, false) {
        uint64 datanetId = _datanet(datanetSeed);
        address newOwner = _actor(actorSeed);
        vm.prank(modelOwner[datanetId]);
        registry.transferDatanetOwnership(datanetId, newOwner);
        modelOwner[datanetId] = newOwner;
    }

    /// @notice Now and then (one seed in eight) the owner freezes or deprecates a Datanet; rejections still work there.
    function retire(uint256 datanetSeed, uint256 opSeed) external observed(address(0), 0, false) {
        if (opSeed % 8 != 0) return;
        uint64 datanetId = _datanet(datanetSeed);
        vm.prank(modelOwner[datanetId]);
        if (opSeed % 16 == 0) {
            try registry.freeze(datanetId) {} catch {}
        } else {
            try registry.deprecate(datanetId) {} catch {}
        }
    }

    function _approve(address caller, uint256 batchId, bool byCurator) internal observed(caller, batchId, byCurator) {
        vm.prank(caller);
        try registry.approveBatch(batchId) {
            ++approvals;
            if (!byCurator) ++outsiderDecisions;
        } catch {
            ++refusedDecisions;
        }
    }

    function _reject(address caller, uint256 batchId, bytes32 reasonHash, bool byCurator)
        internal
        observed(caller, batchId, byCurator)
    {
        vm.prank(caller);
        try registry.rejectBatch(batchId, reasonHash) {
            ++rejections;
            if (!byCurator) ++outsiderDecisions;
        } catch {
            ++refusedDecisions;
        }
    }

    // ------------------------------------------------------------ the observation

    /// @dev Registers new batches (checking their initial status) and records every status change of a known one.
    function _scan(address by, uint256 target, bool byCurator) internal {
        uint256 count = registry.batchCount();
        for (uint256 batchId = 1; batchId <= count; ++batchId) {
            IDatanetRegistry.Batch memory batch = registry.getBatch(batchId);
            if (batchId > knownBatches) {
                IDatanetRegistry.Policy policy = registry.getDatanet(batch.datanetId).policy;
                IDatanetRegistry.BatchStatus expected = policy == IDatanetRegistry.Policy.Curated
                    ? IDatanetRegistry.BatchStatus.Pending
                    : IDatanetRegistry.BatchStatus.Approved;
                if (batch.status != expected) ++wrongInitialStatus;
                datanetOf[batchId] = batch.datanetId;
                lastStatus[batchId] = batch.status;
                continue;
            }
            IDatanetRegistry.BatchStatus from = lastStatus[batchId];
            if (batch.status == from) continue;
            bool targeted = batchId == target;
            _changes.push(Change(batchId, from, batch.status, by, targeted && byCurator, targeted));
            if (!targeted || !byCurator) ++unauthorizedChanges;
            if (from != IDatanetRegistry.BatchStatus.Pending) ++changesAfterDecision;
            if (firstDecision[batchId] == IDatanetRegistry.BatchStatus.None) {
                firstDecision[batchId] = batch.status;
                decidedBy[batchId] = by;
                decidedByCurator[batchId] = targeted && byCurator;
            }
            lastStatus[batchId] = batch.status;
        }
        knownBatches = count;
    }

    // ------------------------------------------------------------ views for the invariants

    /// @notice How many status changes were observed.
    function changeCount() external view returns (uint256) {
        return _changes.length;
    }

    /// @notice Observed change `index`.
    function change(uint256 index) external view returns (Change memory) {
        return _changes[index];
    }

    /// @notice Actor `index`'s address.
    function actor(uint256 index) external view returns (address) {
        return _actors[index];
    }

    /// @notice Datanet `index`'s id.
    function datanet(uint256 index) external view returns (uint64) {
        return _datanets[index];
    }

    /// @notice Whether the model says `account` owns or curates the Datanet.
    function modelIsCurator(uint64 datanetId, address account) external view returns (bool) {
        return _modelIsCurator(datanetId, account);
    }

    function _modelIsCurator(uint64 datanetId, address account) internal view returns (bool) {
        return account == modelOwner[datanetId] || modelCurator[datanetId][account];
    }

    /// @dev Batch `seed % knownBatches + 1`, or (three seeds in four) the first Pending batch from there on, if any.
    function _pickBatch(uint256 seed) internal view returns (uint256) {
        uint256 start = seed % knownBatches;
        if ((seed >> 128) % 4 != 0) {
            for (uint256 i = 0; i < knownBatches; ++i) {
                uint256 batchId = 1 + (start + i) % knownBatches;
                if (lastStatus[batchId] == IDatanetRegistry.BatchStatus.Pending) return batchId;
            }
        }
        return 1 + start;
    }

    /// @dev The owner of the batch's Datanet for even seeds, any actor for odd ones.
    function _decider(uint256 seed, uint256 batchId) internal view returns (address) {
        return seed % 2 == 0 ? modelOwner[datanetOf[batchId]] : _actor(seed / 2);
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % ACTORS];
    }

    function _datanet(uint256 seed) internal view returns (uint64) {
        return _datanets[seed % DATANETS];
    }
}
