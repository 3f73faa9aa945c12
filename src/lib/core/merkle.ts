// Merkle trees in OpenZeppelin's StandardMerkleTree format: leaf = keccak256(keccak256(abi.encode(values))), leaves
// sorted by hash, nodes hash their two children in sorted order, the tree kept as one flat array with the leaves at
// the end in reverse order. @openzeppelin/merkle-tree builds the same trees (our tests check root, proofs and
// multiproofs against it) but takes ~7 s to build a 47,000-record batch and ~4.5 s to reload one; these work on one
// flat Uint8Array (1.6 s to build, nothing to reload), so a whole Datanet is one batch with its tree stored beside it.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes, type Hex } from 'viem';

/** One contribution leaf: (record CID digest, contributor), leaf types ["bytes32", "address"]. */
export type ContributionLeaf = { cidDigest: Hex; contributor: Hex };

/** A built tree: `nodes` holds 2n-1 hashes of 32 bytes (root first); `position[i]` is where input leaf i sits. */
export type FlatMerkleTree = { nodes: Uint8Array; leafCount: number; position: Uint32Array };

const H = 32;

/** The leaf hash of (cidDigest, contributor): keccak256(keccak256(abi.encode(bytes32, address))). */
export function contributionLeafHash(cidDigest: Hex, contributor: Hex): Uint8Array {
	const encoded = new Uint8Array(64);
	encoded.set(hexToBytes(cidDigest, { size: 32 }), 0);
	encoded.set(hexToBytes(contributor, { size: 20 }), 44);
	return keccak_256(keccak_256(encoded));
}

/** The leaf hash of (account, amount) for reward roots: leaf types ["address", "uint256"]. */
export function rewardLeafHash(account: Hex, amount: bigint): Uint8Array {
	const encoded = new Uint8Array(64);
	encoded.set(hexToBytes(account, { size: 20 }), 12);
	encoded.set(hexToBytes(`0x${amount.toString(16).padStart(64, '0')}`, { size: 32 }), 32);
	return keccak_256(keccak_256(encoded));
}

function compare(a: Uint8Array, ai: number, b: Uint8Array, bi: number): number {
	for (let k = 0; k < H; k++) {
		const d = a[ai + k] - b[bi + k];
		if (d) return d;
	}
	return 0;
}

/** Builds the tree over already-hashed leaves (each 32 bytes), sorting them as StandardMerkleTree does. */
export function buildTree(leafHashes: Uint8Array[]): FlatMerkleTree {
	const n = leafHashes.length;
	if (n === 0) throw new RangeError('buildTree: a Merkle tree needs at least one leaf');
	const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => compare(leafHashes[a], 0, leafHashes[b], 0));
	const nodes = new Uint8Array((2 * n - 1) * H);
	const position = new Uint32Array(n);
	order.forEach((leaf, rank) => {
		const at = 2 * n - 2 - rank; // leaves fill the array's end in reverse sorted order
		nodes.set(leafHashes[leaf], at * H);
		position[leaf] = at;
	});
	const pair = new Uint8Array(2 * H);
	for (let i = n - 2; i >= 0; i--) {
		const l = (2 * i + 1) * H;
		const r = (2 * i + 2) * H;
		const leftFirst = compare(nodes, l, nodes, r) <= 0;
		pair.set(nodes.subarray(leftFirst ? l : r, (leftFirst ? l : r) + H), 0);
		pair.set(nodes.subarray(leftFirst ? r : l, (leftFirst ? r : l) + H), H);
		nodes.set(keccak_256(pair), i * H);
	}
	return { nodes, leafCount: n, position };
}

/** Builds the contribution tree of a batch. */
export function contributionTree(leaves: ContributionLeaf[]): FlatMerkleTree {
	return buildTree(leaves.map((l) => contributionLeafHash(l.cidDigest, l.contributor)));
}

/** The tree's root as hex. */
export function treeRoot(tree: FlatMerkleTree): Hex {
	return bytesToHex(tree.nodes.subarray(0, H));
}

/** The inclusion proof (sibling hashes, leaf to root) of input leaf `index`, as MerkleProof.verify expects it. */
export function treeProof(tree: FlatMerkleTree, index: number): Hex[] {
	if (!(index >= 0 && index < tree.leafCount)) throw new RangeError(`treeProof: no leaf ${index}`);
	const proof: Hex[] = [];
	for (let at = tree.position[index]; at > 0; at = Math.floor((at - 1) / 2)) {
		const sibling = at % 2 === 1 ? at + 1 : at - 1;
		proof.push(bytesToHex(tree.nodes.subarray(sibling * H, sibling * H + H)));
	}
	return proof;
}

/** Checks a proof for a leaf hash against a root (MerkleProof.verify with sorted pairs). */
export function verifyProof(root: Hex, leafHash: Uint8Array, proof: Hex[]): boolean {
	let node = leafHash;
	const pair = new Uint8Array(2 * H);
	for (const p of proof) {
		const sibling = hexToBytes(p, { size: 32 });
		const nodeFirst = compare(node, 0, sibling, 0) <= 0;
		pair.set(nodeFirst ? node : sibling, 0);
		pair.set(nodeFirst ? sibling : node, H);
		node = keccak_256(pair);
	}
	return bytesToHex(node) === root.toLowerCase();
}

/**
 * The multiproof of every leaf, as MerkleProof.multiProofVerify takes it: the input leaf indices in the order the
 * contract must receive them (sorted by leaf hash), an empty proof and n-1 true flags. This is what
 * StandardMerkleTree.getMultiProof returns for all indices.
 */
export function fullMultiProof(tree: FlatMerkleTree): { order: number[]; proof: Hex[]; proofFlags: boolean[] } {
	const n = tree.leafCount;
	const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => tree.position[b] - tree.position[a]);
	return { order, proof: [], proofFlags: new Array(n - 1).fill(true) };
}
