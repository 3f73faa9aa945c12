import { CarWriter } from '@ipld/car';
import { keccak256, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { decodeBundle, encodeBundle, manifestBlock, type BundleManifest } from './car';
import { recordCid } from './cid';
import { BundleError } from './errors';
import { canonicalBytes, canonicalize } from './record';
import { demoAccount } from './signature';

const texts = ['The first record.', 'A second one, with ünïcode 😀.', 'Third.'];
const blocks = texts.map((text) => {
	const bytes = canonicalBytes(canonicalize('text', { text }));
	return { cid: recordCid(bytes), bytes };
});

function manifest(): BundleManifest {
	return {
		v: 1,
		datanet: {
			id: keccak256(toHex('bundle test datanet')),
			name: 'River notes',
			summary: 'Notes about rivers',
			description: 'Longer description.',
			tags: ['rivers', 'notes'],
			license: 'CC-BY-4.0',
			kind: 'text',
			policy: 'curated',
			curators: [demoAccount(0).address],
			allowlist: [],
			createdAt: 1_700_000_000_000
		},
		records: blocks.map((b, i) => ({
			cid: b.cid.toString(),
			contributor: demoAccount(i).address,
			signature: i === 0 ? null : `0x${'ab'.repeat(65)}`,
			createdAt: 1_700_000_000_000 + i
		}))
	};
}

async function thrown(p: Promise<unknown>): Promise<BundleError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(BundleError);
		return e as BundleError;
	}
	throw new Error('expected a BundleError');
}

// Writes a CAR by hand, so tests can build bundles that encodeBundle refuses to make.
async function rawCar(root: { cid: ReturnType<typeof recordCid> }, list: { cid: ReturnType<typeof recordCid>; bytes: Uint8Array }[]) {
	const { writer, out } = CarWriter.create([root.cid]);
	const chunks: Uint8Array[] = [];
	const done = (async () => {
		for await (const c of out) chunks.push(c);
	})();
	for (const b of list) await writer.put(b);
	await writer.close();
	await done;
	return Uint8Array.from(chunks.flatMap((c) => [...c]));
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
	outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
		for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
		return i;
	}
	return -1;
}

describe('bundles', () => {
	it('round-trips manifest and records, in manifest order', async () => {
		const m = manifest();
		const car = await encodeBundle(m, [...blocks].reverse());
		const { manifest: back, records } = await decodeBundle(car);
		expect(back).toEqual(m);
		expect(records.map((r) => r.cid)).toEqual(m.records.map((r) => r.cid));
		expect(records.map((r) => new TextDecoder().decode(r.bytes))).toEqual(blocks.map((b) => new TextDecoder().decode(b.bytes)));
		expect(records[1].meta).toEqual(m.records[1]);
	});

	it('is deterministic: key order does not change the bytes or the root', async () => {
		const m = manifest();
		const reordered = JSON.parse(JSON.stringify({ records: m.records, datanet: m.datanet, v: 1 })) as BundleManifest;
		expect(await encodeBundle(reordered, blocks)).toEqual(await encodeBundle(m, blocks));
		expect(manifestBlock(reordered).cid.toString()).toBe(manifestBlock(m).cid.toString());
		expect(manifestBlock(m).cid.code).toBe(0x0200);
	});

	it('names the tampered record block', async () => {
		const car = await encodeBundle(manifest(), blocks);
		const at = indexOfBytes(car, blocks[1].bytes);
		expect(at).toBeGreaterThan(0);
		const tampered = car.slice();
		tampered[at + 20] ^= 0x01;
		const e = await thrown(decodeBundle(tampered));
		expect(e.badCids).toEqual([blocks[1].cid.toString()]);
		expect(e.message).toContain(blocks[1].cid.toString());
		expect(e.message).not.toContain(blocks[0].cid.toString());
	});

	it('lists every tampered block, including the manifest', async () => {
		const m = manifest();
		const car = await encodeBundle(m, blocks);
		const tampered = car.slice();
		for (const b of [blocks[0], blocks[2]]) tampered[indexOfBytes(car, b.bytes) + 5] ^= 0x20;
		const e = await thrown(decodeBundle(tampered));
		expect(e.badCids.sort()).toEqual([blocks[0].cid.toString(), blocks[2].cid.toString()].sort());
		const rootCid = manifestBlock(m).cid.toString();
		const manifestTampered = car.slice();
		manifestTampered[indexOfBytes(car, utf8('River notes'))] = 0x72; // 'R' -> 'r'
		const em = await thrown(decodeBundle(manifestTampered));
		expect(em.badCids).toEqual([rootCid]);
		expect(em.shortMessage).toMatch(/manifest/);
	});

	it('reports a missing record block', async () => {
		const m = manifest();
		const car = await rawCar(manifestBlock(m), [manifestBlock(m), blocks[0], blocks[2]]);
		const e = await thrown(decodeBundle(car));
		expect(e.badCids).toEqual([blocks[1].cid.toString()]);
		expect(e.message).toMatch(/missing/);
	});

	it('reports a missing manifest block', async () => {
		const m = manifest();
		const car = await rawCar(manifestBlock(m), blocks);
		const e = await thrown(decodeBundle(car));
		expect(e.badCids).toEqual([manifestBlock(m).cid.toString()]);
	});

	it('validates the manifest shape with a clear message', async () => {
		const bad = manifest() as unknown as { datanet: Record<string, unknown>; records: Record<string, unknown>[] };
		bad.datanet.policy = 'anyone';
		const block = manifestBlock(bad as unknown as BundleManifest);
		const e = await thrown(decodeBundle(await rawCar(block, [block, ...blocks])));
		expect(e.message).toContain('datanet.policy');

		const bad2 = manifest() as unknown as { records: Record<string, unknown>[] };
		bad2.records[2].contributor = '0x1234';
		const block2 = manifestBlock(bad2 as unknown as BundleManifest);
		expect((await thrown(decodeBundle(await rawCar(block2, [block2, ...blocks])))).message).toContain('records[2].contributor');
	});

	it('refuses to encode damaged or missing blocks, or an invalid manifest', async () => {
		const damaged = { cid: blocks[0].cid, bytes: utf8('something else') };
		const e = await thrown(encodeBundle(manifest(), [damaged, blocks[1]]));
		expect(e.badCids.sort()).toEqual([blocks[0].cid.toString(), blocks[2].cid.toString()].sort());
		const m = manifest();
		m.datanet.id = '0x1234';
		expect((await thrown(encodeBundle(m, blocks))).message).toContain('datanet.id');
	});

	it('rejects bytes that are not a CAR', async () => {
		expect((await thrown(decodeBundle(utf8('hello world')))).shortMessage).toMatch(/not a Datanet bundle/);
	});
});

function utf8(s: string) {
	return new TextEncoder().encode(s);
}
