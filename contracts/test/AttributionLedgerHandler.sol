// SPDX-License-Identifier: MIT
// The invariant handler of AttributionLedger: random inferences, claims, reward roots, revocations and time, with ghost
// totals. It keeps its own clock (warping at the start of every call) because block time set by one call may not carry.
pragma solidity 0.8.30;

import {AttributionLedger} from "../src/AttributionLedger.sol";
import {IAttributionLedger} from "../src/interfaces/IAttributionLedger.sol";
import {LedgerTestModelRegistry, RewardTree} from "./AttributionLedgerFixtures.sol";
import {vm} from "./Vm.sol";

contract AttributionLedgerHandler {
    uint256 public constant ACTORS = 5;

    AttributionLedger public immutable ledger;
    LedgerTestModelRegistry public immutable registry;
    address public immutable governance;
    address public immutable treasury;
    address public immutable attester;
    uint256 public immutable modelId;

    address[ACTORS] internal _actors;
    uint256 public now_;
    uint256 internal _nonce;

    // Ghosts.
    uint256 public ghostCredited; // everything recordInference and revocations credited
    uint256 public ghostClaimed; // everything claim/claimFor paid
    uint256 public ghostRootPaid; // everything claimRoot paid
    mapping(address account => uint256) public ghostRootPaidOf;
    bool public doubleClaimSucceeded; // a second claim right after a successful one paid something
    bool public rootReplaySucceeded; // replaying a successful root claim paid something
    uint256 public calls;
    uint256 public revocations;

    // Root model: the cumulative leaves of the latest standing root and of the one before it (for a revocation).
    uint256[ACTORS] internal _standing;
    uint256[ACTORS] internal _beforePending;
    mapping(uint256 rootId => uint256[ACTORS]) internal _leavesOf;

    constructor(
        AttributionLedger ledger_,
        LedgerTestModelRegistry registry_,
        address governance_,
        address treasury_,
        address attester_,
        uint256 modelId_
    ) {
        ledger = ledger_;
        registry = registry_;
        governance = governance_;
        treasury = treasury_;
        attester = attester_;
        modelId = modelId_;
        for (uint256 i; i < ACTORS; ++i) {
            _actors[i] = address(uint160(0xA000 + i));
        }
        now_ = block.timestamp;
    }

    modifier tick() {
        vm.warp(now_);
        ++calls;
        _;
    }

    // ------------------------------------------------------------ actions

    /// @notice Records an inference crediting 1..ACTORS actors with random weights and a random value.
    function recordInference(uint256 valueSeed, uint256 countSeed, uint256 weightSeed) external tick {
        uint256 count = 1 + countSeed % ACTORS;
        address[] memory contributors = new address[](count);
        uint16[] memory weights = new uint16[](count);
        uint256 left = 10_000;
        for (uint256 i; i < count; ++i) {
            contributors[i] = _actors[(countSeed / ACTORS + i) % ACTORS];
            uint256 remaining = count - i - 1;
            uint256 w = remaining == 0 ? left : 1 + uint256(keccak256(abi.encode(weightSeed, i))) % (left - remaining);
            weights[i] = uint16(w);
            left -= w;
        }
        (, uint96 fee,) = registry.ownerAndFee(modelId);
        uint256 value = fee + valueSeed % 50 ether;
        vm.deal(address(this), value);
        ledger.recordInference{value: value}(modelId, bytes32(++_nonce), contributors, weights, 1);
        ghostCredited += value;
    }

    /// @notice An actor, the model owner or the treasury claims its balance, then tries again at once.
    function claim(uint256 actorSeed) external tick {
        address account = _accountOf(actorSeed);
        if (ledger.claimable(account) == 0) return;
        vm.prank(account);
        ghostClaimed += ledger.claim();
        vm.prank(account);
        try ledger.claim() returns (uint256 again) {
            if (again != 0) doubleClaimSucceeded = true;
        } catch {}
    }

    /// @notice A relayer claims for an actor, the model owner or the treasury, then tries again at once.
    function claimFor(uint256 actorSeed) external tick {
        address account = _accountOf(actorSeed);
        if (ledger.claimable(account) == 0) return;
        ghostClaimed += ledger.claimFor(account);
        try ledger.claimFor(account) returns (uint256 again) {
            if (again != 0) doubleClaimSucceeded = true;
        } catch {}
    }

    /// @notice The attester posts the next cumulative root (honestly: standing leaves plus random increments).
    function postRoot(uint256 incrementSeed) external tick {
        uint256 latest = ledger.rootCount();
        if (latest != 0) {
            IAttributionLedger.RewardRoot memory last = ledger.rewardRoot(latest);
            if (!last.revoked && block.timestamp < last.claimableAt) return; // one pending root at a time
        }
        uint256 total;
        uint256[ACTORS] memory next;
        for (uint256 i; i < ACTORS; ++i) {
            next[i] = _standing[i] + uint256(keccak256(abi.encode(incrementSeed, i))) % 5 ether;
            total += next[i];
        }
        uint256 funding = total - ledger.rootTotal();
        vm.deal(attester, funding);
        vm.prank(attester);
        uint256 rootId = ledger.postRewardRoot{value: funding}(RewardTree.root(_leaves(next)), total);
        _beforePending = _standing;
        _standing = next;
        _leavesOf[rootId] = next;
    }

    /// @notice Governance revokes the latest root if it is still in its window.
    function revokeRoot() external tick {
        uint256 latest = ledger.rootCount();
        if (latest == 0) return;
        IAttributionLedger.RewardRoot memory last = ledger.rewardRoot(latest);
        if (last.revoked || block.timestamp >= last.claimableAt) return;
        uint256 before = ledger.rootTotal();
        vm.prank(governance);
        ledger.revokeRoot(latest);
        ghostCredited += before - ledger.rootTotal();
        _standing = _beforePending;
        ++revocations;
    }

    /// @notice An actor's root claim from a random root, with the leaf and proof that root holds; then a replay.
    function claimRoot(uint256 actorSeed, uint256 rootSeed) external tick {
        uint256 count = ledger.rootCount();
        if (count == 0) return;
        uint256 rootId = 1 + rootSeed % count;
        IAttributionLedger.RewardRoot memory stored = ledger.rewardRoot(rootId);
        if (stored.revoked || block.timestamp < stored.claimableAt) return;
        uint256 index = actorSeed % ACTORS;
        address account = _actors[index];
        uint256 amount = _leavesOf[rootId][index];
        if (amount <= ledger.rootClaimed(account)) return;
        bytes32[] memory proof = RewardTree.proof(_leaves(_leavesOf[rootId]), index);

        uint256 paid = ledger.claimRoot(rootId, account, amount, proof);
        ghostRootPaid += paid;
        ghostRootPaidOf[account] += paid;
        try ledger.claimRoot(rootId, account, amount, proof) returns (uint256 again) {
            if (again != 0) rootReplaySucceeded = true;
        } catch {}
    }

    /// @notice Moves time forward by up to two days.
    function warp(uint256 secondsSeed) external tick {
        now_ += secondsSeed % 2 days;
    }

    // ------------------------------------------------------------ views for the invariants

    /// @notice Every account that can hold a balance: the actors, the model owner's account and the treasury.
    function accounts() public view returns (address[] memory out) {
        (address modelOwner,,) = registry.ownerAndFee(modelId);
        out = new address[](ACTORS + 2);
        for (uint256 i; i < ACTORS; ++i) {
            out[i] = _actors[i];
        }
        out[ACTORS] = modelOwner;
        out[ACTORS + 1] = treasury;
    }

    /// @notice The actors' cumulative amounts in the latest standing root.
    function standing(uint256 index) external view returns (uint256) {
        return _standing[index];
    }

    /// @notice Actor `index`'s address.
    function actor(uint256 index) external view returns (address) {
        return _actors[index];
    }

    function _accountOf(uint256 seed) internal view returns (address) {
        address[] memory all = accounts();
        return all[seed % all.length];
    }

    function _leaves(uint256[ACTORS] memory amounts) internal view returns (bytes32[] memory out) {
        out = new bytes32[](ACTORS);
        for (uint256 i; i < ACTORS; ++i) {
            out[i] = RewardTree.leaf(_actors[i], amounts[i]);
        }
    }
}
