// SPDX-License-Identifier: MIT
// Shared fixtures of the DatanetRegistry tests: a deployed registry with named accounts and signing keys, helpers that
// create Datanets in a given status and build signed batches in the order submitSignedBatch expects, and two ERC-1271
// contract wallets (one that checks its owner's key, one that refuses everything).
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {DatanetRegistry} from "../src/DatanetRegistry.sol";
import {IDatanetRegistry} from "../src/interfaces/IDatanetRegistry.sol";
import {DatanetRegistryTree} from "./DatanetRegistryTree.sol";
import {Test, vm} from "./Vm.sol";

/// @notice A contract wallet that accepts exactly the digests its owner key signed (ERC-1271).
contract DatanetOwnedWallet is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == owner ? IERC1271.isValidSignature.selector : bytes4(0);
    }
}

/// @notice A contract wallet that refuses every signature: it answers ERC-1271 with a wrong value, or reverts.
contract DatanetRefusingWallet is IERC1271 {
    error DatanetRefusingWalletRefused();

    bool public immutable reverts;

    constructor(bool reverts_) {
        reverts = reverts_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        if (reverts) revert DatanetRefusingWalletRefused();
        return 0xffffffff;
    }
}

/// @notice Deploys a registry; names the accounts and keys the tests share; creates Datanets and signed batches.
abstract contract DatanetFixture is Test {
    DatanetRegistry internal registry;

    address internal constant OWNER = address(0xD0);
    address internal constant CURATOR = address(0xC0);
    address internal constant OUTSIDER = address(0xBAD0);
    address internal constant RELAYER = address(0x4E1A);
    bytes32 internal constant METADATA = keccak256("datanet metadata CID digest");
    bytes32 internal constant MANIFEST = keccak256("batch manifest CID digest");

    uint256 internal constant ALICE_KEY = 0xA11CE;
    uint256 internal constant BOB_KEY = 0xB0B;
    uint256 internal constant CAROL_KEY = 0xCA401;
    uint256 internal constant MALLORY_KEY = 0x3A11047;

    address internal alice;
    address internal bob;
    address internal carol;
    address internal mallory;

    function _deployRegistry() internal {
        registry = new DatanetRegistry();
        alice = vm.addr(ALICE_KEY);
        bob = vm.addr(BOB_KEY);
        carol = vm.addr(CAROL_KEY);
        mallory = vm.addr(MALLORY_KEY);
        vm.label(address(registry), "DatanetRegistry");
        vm.label(alice, "alice");
        vm.label(bob, "bob");
        vm.label(carol, "carol");
        vm.label(mallory, "mallory");
    }

    /// @notice A Draft Datanet owned by OWNER with CURATOR as its one curator.
    function _createDraft(IDatanetRegistry.Policy policy) internal returns (uint64 datanetId) {
        address[] memory curators = new address[](1);
        curators[0] = CURATOR;
        vm.prank(OWNER);
        datanetId = registry.createDatanet(METADATA, policy, curators);
    }

    /// @notice A Published Datanet owned by OWNER with CURATOR as its one curator.
    function _createPublished(IDatanetRegistry.Policy policy) internal returns (uint64 datanetId) {
        datanetId = _createDraft(policy);
        vm.prank(OWNER);
        registry.publish(datanetId);
    }

    /// @notice Submits an unsigned batch from `submitter`.
    function _submit(address submitter, uint64 datanetId, bytes32 root, uint32 count)
        internal
        returns (uint256 batchId)
    {
        vm.prank(submitter);
        batchId = registry.submitBatch(datanetId, root, count, MANIFEST);
    }

    function _status(uint256 batchId) internal view returns (IDatanetRegistry.BatchStatus) {
        return registry.getBatch(batchId).status;
    }

    function _datanetStatus(uint64 datanetId) internal view returns (IDatanetRegistry.DatanetStatus) {
        return registry.getDatanet(datanetId).status;
    }

    /// @notice A 65-byte (r, s, v) ECDSA signature by `key` over the contribution's EIP-712 digest.
    function _sign(uint256 key, uint64 datanetId, bytes32 cidDigest, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(key, registry.contributionDigest(datanetId, cidDigest, nonce, deadline));
        return abi.encodePacked(r, s, v);
    }

    /// @notice One contribution signed by `key`, claiming `contributor` (the key's own address unless forged).
    function _item(
        uint256 key,
        address contributor,
        uint64 datanetId,
        bytes32 cidDigest,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (IDatanetRegistry.SignedContribution memory) {
        return IDatanetRegistry.SignedContribution({
            cidDigest: cidDigest,
            contributor: contributor,
            nonce: nonce,
            deadline: deadline,
            signature: _sign(key, datanetId, cidDigest, nonce, deadline)
        });
    }

    /// @notice `items` sorted by ascending leaf hash (the order getMultiProof returns when every index is proven),
    /// with the StandardMerkleTree root over exactly their leaves.
    function _ordered(IDatanetRegistry.SignedContribution[] memory items)
        internal
        pure
        returns (IDatanetRegistry.SignedContribution[] memory out, bytes32 root)
    {
        uint256 n = items.length;
        out = new IDatanetRegistry.SignedContribution[](n);
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            bytes32 value = DatanetRegistryTree.leaf(items[i].cidDigest, items[i].contributor);
            uint256 j = i;
            while (j > 0 && leaves[j - 1] > value) {
                leaves[j] = leaves[j - 1];
                out[j] = out[j - 1];
                --j;
            }
            leaves[j] = value;
            out[j] = items[i];
        }
        root = DatanetRegistryTree.root(leaves);
    }

    /// @notice The StandardMerkleTree leaves of `items`, in their order.
    function _leaves(IDatanetRegistry.SignedContribution[] memory items) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](items.length);
        for (uint256 i = 0; i < items.length; ++i) {
            out[i] = DatanetRegistryTree.leaf(items[i].cidDigest, items[i].contributor);
        }
    }

    /// @notice Relays ordered `items` under `root` from RELAYER with the exact (empty) multiproof.
    function _relay(uint64 datanetId, bytes32 root, IDatanetRegistry.SignedContribution[] memory items)
        internal
        returns (uint256 batchId)
    {
        bool[] memory flags = DatanetRegistryTree.fullFlags(items.length);
        vm.prank(RELAYER);
        batchId = registry.submitSignedBatch(datanetId, root, MANIFEST, items, new bytes32[](0), flags);
    }

    /// @notice Orders `items`, builds their root and relays them from RELAYER.
    function _relayAll(uint64 datanetId, IDatanetRegistry.SignedContribution[] memory items)
        internal
        returns (uint256 batchId, IDatanetRegistry.SignedContribution[] memory ordered, bytes32 root)
    {
        (ordered, root) = _ordered(items);
        batchId = _relay(datanetId, root, ordered);
    }

    /// @notice A one-item array.
    function _one(IDatanetRegistry.SignedContribution memory item)
        internal
        pure
        returns (IDatanetRegistry.SignedContribution[] memory items)
    {
        items = new IDatanetRegistry.SignedContribution[](1);
        items[0] = item;
    }

    /// @notice The gas `from` spends calling `target` with `data`, its storage cold and (as a transaction's `to`
    /// always is) its address warm. External, so that every measurement runs in a fresh frame whose memory does not
    /// depend on what the test did before: memory expansion would otherwise shift the figure by a gas or two.
    function gasOfCall(address target, address from, bytes calldata data) external returns (uint256 used) {
        vm.cool(target);
        vm.assertGt(target.code.length, 0, "target deployed"); // warms the address back
        vm.prank(from);
        uint256 before = gasleft();
        (bool ok,) = target.call(data);
        used = before - gasleft();
        vm.assertTrue(ok, "measured call succeeded");
    }

    /// @notice Maps `x` into [min, max] (inclusive) by modulo, for fuzz inputs and handler seeds.
    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + x % (max - min + 1);
    }
}
