// SPDX-License-Identifier: MIT
// Test helper: OpenZeppelin StandardMerkleTree (the merkle-tree npm package's format) built in Solidity, so fuzz tests
// can make trees of any size. Leaves are sorted by hash and laid out reversed at the end of one flat array, root first;
// DatanetRegistry.t.sol checks this builder against roots and multiproofs computed by the npm package itself.
pragma solidity 0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

library DatanetRegistryTree {
    error TreeNoLeaves();
    error TreeLeafMissing(bytes32 leafHash);

    /// @notice The StandardMerkleTree leaf of (cidDigest, contributor) with leaf types ["bytes32","address"].
    function leaf(bytes32 cidDigest, address contributor) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(cidDigest, contributor))));
    }

    /// @notice A sorted copy (ascending) of `hashes`: the order StandardMerkleTree gives its leaves, and also the order
    /// of getMultiProof's `leaves` when every index is proven.
    function sorted(bytes32[] memory hashes) internal pure returns (bytes32[] memory out) {
        out = new bytes32[](hashes.length);
        for (uint256 i = 0; i < hashes.length; ++i) {
            bytes32 value = hashes[i];
            uint256 j = i;
            while (j > 0 && out[j - 1] > value) {
                out[j] = out[j - 1];
                --j;
            }
            out[j] = value;
        }
    }

    /// @notice The flat tree (2n-1 nodes, root at 0) over already-hashed leaves.
    function build(bytes32[] memory leafHashes) internal pure returns (bytes32[] memory tree) {
        uint256 n = leafHashes.length;
        if (n == 0) revert TreeNoLeaves();
        bytes32[] memory ordered = sorted(leafHashes);
        tree = new bytes32[](2 * n - 1);
        for (uint256 i = 0; i < n; ++i) {
            tree[tree.length - 1 - i] = ordered[i];
        }
        for (uint256 i = n - 1; i > 0; --i) {
            tree[i - 1] = Hashes.commutativeKeccak256(tree[2 * i - 1], tree[2 * i]);
        }
    }

    /// @notice The root over already-hashed leaves.
    function root(bytes32[] memory leafHashes) internal pure returns (bytes32) {
        return build(leafHashes)[0];
    }

    /// @notice The inclusion proof (siblings, leaf to root) of `leafHash` in `tree`.
    function proof(bytes32[] memory tree, bytes32 leafHash) internal pure returns (bytes32[] memory siblings) {
        uint256 at = type(uint256).max;
        for (uint256 i = tree.length / 2; i < tree.length; ++i) {
            if (tree[i] == leafHash) at = i;
        }
        if (at == type(uint256).max) revert TreeLeafMissing(leafHash);
        uint256 depth = 0;
        for (uint256 k = at; k > 0; k = (k - 1) / 2) ++depth;
        siblings = new bytes32[](depth);
        for (uint256 d = 0; d < depth; ++d) {
            siblings[d] = tree[at % 2 == 1 ? at + 1 : at - 1];
            at = (at - 1) / 2;
        }
    }

    /// @notice proofFlags for the full-tree multiproof of n leaves: n-1 times true.
    function fullFlags(uint256 n) internal pure returns (bool[] memory flags) {
        flags = new bool[](n - 1);
        for (uint256 i = 0; i < flags.length; ++i) {
            flags[i] = true;
        }
    }
}
