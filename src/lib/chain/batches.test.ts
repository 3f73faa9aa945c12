import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { decodeFunctionData, keccak256, toHex, type Hex } from 'viem';
import { describe, expect, it } from 'vitest';
import { cidDigestHex, parseCid, recordCidString } from '../core/cid';
import { canonicalBytes, canonicalize } from '../core/record';
import { datanetRegistryAbi } from './abi';
import { buildBatch, createDatanetData, manifestDigest, metadataDigest } from './batches';

function items(n: number) {
	return Array.from({ length: n }, (_, i) => ({
		cid: recordCidString(canonicalBytes(canonicalize('text', { text: `record ${i}` }))),
		contributor: keccak256(toHex(`who ${i % 3}`)).slice(0, 42).toLowerCase()
	}));
}

describe('buildBatch', () => {
	it('builds the StandardMerkleTree root, a valid proof per record and the submitBatch calldata', () => {
		const batch = items(11);
		const built = buildBatch(7, batch);
		const values = batch.map((r) => [cidDigestHex(parseCid(r.cid)), r.contributor]);
		const reference = StandardMerkleTree.of(values, ['bytes32', 'address']);
		expect(built.root).toBe(reference.root);
		batch.forEach((_, i) => expect(StandardMerkleTree.verify(built.root, ['bytes32', 'address'], values[i], built.proofs[i])).toBe(true));
		const call = decodeFunctionData({ abi: datanetRegistryAbi, data: built.data });
		expect(call.functionName).toBe('submitBatch');
		expect(call.args).toEqual([7n, built.root, 11, built.manifest]);
	});

	it('refuses an empty batch', () => {
		expect(() => buildBatch(1, [])).toThrow('There are no records to anchor.');
	});

	it('a proof does not verify for another contributor', () => {
		const batch = items(4);
		const built = buildBatch(1, batch);
		const forged = [cidDigestHex(parseCid(batch[0].cid)), batch[1].contributor];
		expect(StandardMerkleTree.verify(built.root, ['bytes32', 'address'], forged, built.proofs[0])).toBe(false);
	});
});

describe('digests and calldata', () => {
	it('the manifest digest depends on the records and their order', () => {
		const cids = items(3).map((r) => r.cid);
		expect(manifestDigest(cids)).toMatch(/^0x[0-9a-f]{64}$/);
		expect(manifestDigest(cids)).not.toBe(manifestDigest([...cids].reverse()));
	});

	it('the metadata digest changes with any public field', () => {
		const d = { id: keccak256(toHex('d')) as Hex, name: 'Animals', summary: 's', license: 'CC-BY-4.0', kind: 'text', tags: ['a'] };
		expect(metadataDigest(d)).toBe(metadataDigest({ ...d }));
		expect(metadataDigest(d)).not.toBe(metadataDigest({ ...d, name: 'Plants' }));
	});

	it('createDatanet carries the policy index and curators', () => {
		const curator = '0x00000000000000000000000000000000000000c1';
		const data = createDatanetData({ metadata: keccak256(toHex('m')), policy: 'curated', curators: [curator] });
		const call = decodeFunctionData({ abi: datanetRegistryAbi, data });
		expect(call.functionName).toBe('createDatanet');
		expect(call.args?.[1]).toBe(1);
		expect((call.args?.[2] as string[]).map((a) => a.toLowerCase())).toEqual([curator]);
	});
});
