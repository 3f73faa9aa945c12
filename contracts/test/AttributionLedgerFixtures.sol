// SPDX-License-Identifier: MIT
// Shared fixtures of the AttributionLedger tests: a model registry, a Merkle tree builder and hostile receivers.
// The Merkle builder hashes pairs sorted, like OpenZeppelin's StandardMerkleTree, so its proofs verify the same way.
pragma solidity 0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

import {AttributionLedger} from "../src/AttributionLedger.sol";
import {IAttributionLedger} from "../src/interfaces/IAttributionLedger.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {Test, vm} from "./Vm.sol";

/// @notice The part of IModelRegistry the ledger reads, with test controls for fee, owner and deprecation.
contract LedgerTestModelRegistry {
    struct Entry {
        address owner;
        uint96 fee;
        bool deprecated;
    }

    mapping(uint256 modelId => Entry) internal _models;
    uint256 public modelCount;

    /// @notice Registers a model owned by `owner` with `fee` per inference; returns its id (from 1).
    function register(address owner, uint96 fee) external returns (uint256 modelId) {
        modelId = ++modelCount;
        _models[modelId] = Entry(owner, fee, false);
    }

    /// @notice Marks a model deprecated.
    function deprecate(uint256 modelId) external {
        _models[modelId].deprecated = true;
    }

    /// @notice Same contract as IModelRegistry.ownerAndFee, including the ModelNotFound revert.
    function ownerAndFee(uint256 modelId) external view returns (address, uint96, bool) {
        if (modelId == 0 || modelId > modelCount) revert IModelRegistry.ModelNotFound(modelId);
        Entry memory entry = _models[modelId];
        return (entry.owner, entry.fee, entry.deprecated);
    }
}

/// @notice Builds (account, cumulative amount) reward trees in the StandardMerkleTree leaf format.
library RewardTree {
    /// @notice The StandardMerkleTree leaf of ["address","uint256"] values.
    function leaf(address account, uint256 amount) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, amount))));
    }

    /// @notice Leaves for parallel account and amount arrays.
    function leaves(address[] memory accounts, uint256[] memory amounts) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) {
            out[i] = leaf(accounts[i], amounts[i]);
        }
    }

    /// @notice Root of a tree whose odd last node at each level is carried up unchanged.
    function root(bytes32[] memory layer) internal pure returns (bytes32) {
        while (layer.length > 1) layer = _next(layer);
        return layer[0];
    }

    /// @notice Proof for leaf `index`: the sibling at each level that has one.
    function proof(bytes32[] memory layer, uint256 index) internal pure returns (bytes32[] memory out) {
        bytes32[] memory siblings = new bytes32[](256);
        uint256 count;
        while (layer.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < layer.length) siblings[count++] = layer[sibling];
            layer = _next(layer);
            index /= 2;
        }
        out = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            out[i] = siblings[i];
        }
    }

    function _next(bytes32[] memory layer) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((layer.length + 1) / 2);
        for (uint256 i; i < layer.length; i += 2) {
            next[i / 2] = i + 1 < layer.length ? Hashes.commutativeKeccak256(layer[i], layer[i + 1]) : layer[i];
        }
    }
}

/// @notice A claimant whose receive() always reverts.
contract RejectingReceiver {
    error RejectingReceiverRejected();

    receive() external payable {
        revert RejectingReceiverRejected();
    }
}

/// @notice A claimant that re-enters the ledger from receive(): through claim(), claimFor() or claimRoot().
/// In `swallow` mode it catches the inner revert so the outer claim can complete, and records the revert selector.
contract ReentrantClaimer {
    enum Mode {
        Claim,
        ClaimFor,
        ClaimRoot
    }

    AttributionLedger public immutable ledger;
    Mode public mode;
    bool public swallow;
    bytes4 public innerRevert;
    uint256 public entries;
    uint256 internal _rootId;
    uint256 internal _amount;
    bytes32[] internal _proof;

    constructor(AttributionLedger ledger_) {
        ledger = ledger_;
    }

    /// @notice Chooses how receive() re-enters and whether the inner failure is caught.
    function arm(Mode mode_, bool swallow_) external {
        mode = mode_;
        swallow = swallow_;
    }

    /// @notice The root claim receive() replays in ClaimRoot mode.
    function setRootClaim(uint256 rootId, uint256 amount, bytes32[] calldata proof_) external {
        _rootId = rootId;
        _amount = amount;
        _proof = proof_;
    }

    /// @notice Claims its balance (the outer call).
    function claim() external returns (uint256) {
        return ledger.claim();
    }

    receive() external payable {
        ++entries;
        if (entries > 1) return; // one re-entry attempt is enough
        if (swallow) {
            try this.reenter() {
                innerRevert = bytes4(0);
            } catch (bytes memory reason) {
                innerRevert = bytes4(reason);
            }
        } else {
            this.reenter();
        }
    }

    /// @notice The re-entering call (external so receive() can catch its revert).
    function reenter() external {
        if (mode == Mode.Claim) ledger.claim();
        else if (mode == Mode.ClaimFor) ledger.claimFor(address(this));
        else ledger.claimRoot(_rootId, address(this), _amount, _proof);
    }
}

/// @notice Deploys a ledger on a test registry, with helpers to register models and build valid inference arguments.
abstract contract LedgerFixture is Test {
    LedgerTestModelRegistry internal registry;
    AttributionLedger internal ledger;

    address internal constant GOVERNANCE = address(0x7100);
    address internal constant TREASURY = address(0x7200);
    address internal constant ATTESTER = address(0x7300);
    address internal constant MODEL_OWNER = address(0x7400);
    address internal constant PAYER = address(0x7500);
    uint96 internal constant FEE = 1 ether;

    uint256 internal modelId;

    function _deployLedger() internal {
        registry = new LedgerTestModelRegistry();
        ledger = new AttributionLedger(IModelRegistry(address(registry)), GOVERNANCE, TREASURY, ATTESTER);
        modelId = registry.register(MODEL_OWNER, FEE);
        vm.deal(PAYER, 1_000_000 ether);
        vm.deal(ATTESTER, 1_000_000 ether);
    }

    /// @notice `count` distinct contributor addresses starting at `first`.
    function _contributors(uint256 count, uint160 first) internal pure returns (address[] memory out) {
        out = new address[](count);
        for (uint256 i; i < count; ++i) {
            out[i] = address(first + uint160(i));
        }
    }

    /// @notice Weights that sum to 10,000: equal parts, the remainder on the first.
    function _equalWeights(uint256 count) internal pure returns (uint16[] memory out) {
        out = new uint16[](count);
        uint256 each = 10_000 / count;
        for (uint256 i; i < count; ++i) {
            out[i] = uint16(each);
        }
        out[0] += uint16(10_000 - each * count);
    }

    /// @notice Records one inference from PAYER paying `value`.
    function _record(bytes32 outputHash, address[] memory contributors, uint16[] memory weights, uint256 value)
        internal
    {
        vm.prank(PAYER);
        ledger.recordInference{value: value}(modelId, outputHash, contributors, weights, 1);
    }

    /// @notice Maps `x` into [min, max] (inclusive) by modulo, for fuzz inputs and handler seeds.
    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + x % (max - min + 1);
    }

    function _claimable(address account) internal view returns (uint256) {
        return ledger.claimable(account);
    }

    function _postRoot(bytes32 root, uint256 total) internal returns (uint256 rootId) {
        uint256 funding = total - ledger.rootTotal();
        vm.prank(ATTESTER);
        rootId = ledger.postRewardRoot{value: funding}(root, total);
    }

    function _rewardRoot(uint256 rootId) internal view returns (IAttributionLedger.RewardRoot memory) {
        return ledger.rewardRoot(rootId);
    }
}
