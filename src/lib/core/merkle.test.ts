import { SimpleMerkleTree, StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { bytesToHex, keccak256, toHex, type Hex } from 'viem';
import { describe, expect, it } from 'vitest';
import {
	buildTree,
	contributionLeafHash,
	contributionTree,
	fullMultiProof,
	rewardLeafHash,
	treeProof,
	treeRoot,
	verifyProof,
	type ContributionLeaf
} from './merkle';

function leaves(n: number, seed = 'leaf'): ContributionLeaf[] {
	return Array.from({ length: n }, (_, i) => ({
		cidDigest: keccak256(toHex(`${seed} cid ${i}`)),
		contributor: keccak256(toHex(`${seed} who ${i % 7}`)).slice(0, 42) as Hex
	}));
}

describe('contribution trees match @openzeppelin/merkle-tree', () => {
	for (const n of [1, 2, 3, 5, 8, 13, 100]) {
		it(`root and every proof for ${n} leaves`, () => {
			const ls = leaves(n, `n${n}`);
			const ours = contributionTree(ls);
			const theirs = StandardMerkleTree.of(ls.map((l) => [l.cidDigest, l.contributor]), ['bytes32', 'address']);
			expect(treeRoot(ours)).toBe(theirs.root);
			for (let i = 0; i < n; i++) {
				expect(treeProof(ours, i)).toEqual(theirs.getProof(i));
				expect(verifyProof(theirs.root as Hex, contributionLeafHash(ls[i].cidDigest, ls[i].contributor), treeProof(ours, i))).toBe(true);
			}
		});
	}

	it('gives the full multiproof in getMultiProof order', () => {
		const ls = leaves(11);
		const ours = contributionTree(ls);
		const theirs = StandardMerkleTree.of(ls.map((l) => [l.cidDigest, l.contributor]), ['bytes32', 'address']);
		const mp = theirs.getMultiProof(ls.map((_, i) => i));
		const { order, proof, proofFlags } = fullMultiProof(ours);
		expect(order.map((i) => [ls[i].cidDigest, ls[i].contributor])).toEqual(mp.leaves);
		expect(proof).toEqual(mp.proof);
		expect(proofFlags).toEqual(mp.proofFlags);
	});

	it('rejects a proof for another leaf, a changed contributor and a wrong root', () => {
		const ls = leaves(9);
		const t = contributionTree(ls);
		const root = treeRoot(t);
		const leaf = (l: ContributionLeaf) => contributionLeafHash(l.cidDigest, l.contributor);
		expect(verifyProof(root, leaf(ls[3]), treeProof(t, 4))).toBe(false);
		expect(verifyProof(root, leaf({ ...ls[3], contributor: ls[5].contributor }), treeProof(t, 3))).toBe(false);
		expect(verifyProof(keccak256(toHex('other')), leaf(ls[3]), treeProof(t, 3))).toBe(false);
	});

	it('reward leaves (address, uint256) match too', () => {
		const values: [Hex, bigint][] = [[leaves(1)[0].contributor, 10n ** 18n], ['0x000000000000000000000000000000000000dEaD', 12345n]];
		const theirs = StandardMerkleTree.of(values.map(([a, v]) => [a, v.toString()]), ['address', 'uint256']);
		const ours = buildTree(values.map(([a, v]) => rewardLeafHash(a, v)));
		expect(treeRoot(ours)).toBe(theirs.root);
	});

	it('builds over pre-hashed leaves like SimpleMerkleTree', () => {
		const hashes = Array.from({ length: 6 }, (_, i) => keccak256(toHex(`h${i}`)));
		expect(treeRoot(buildTree(hashes.map((h) => contributionLeafHash(h, '0x0000000000000000000000000000000000000001')))))
			.toBe(SimpleMerkleTree.of(hashes.map((h) => bytesToHex(contributionLeafHash(h, '0x0000000000000000000000000000000000000001')))).root);
		expect(() => buildTree([])).toThrow(RangeError);
	});
});
