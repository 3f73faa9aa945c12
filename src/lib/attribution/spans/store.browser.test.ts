// The OPFS span index store in Chromium: segments and manifests round-trip, the manifest is written last, unlisted
// files left by an interrupted write are removed, a BPE index keeps its tokenizer.json, and damaged or missing segment
// files are reported, not read.
import { afterEach, describe, expect, test } from 'vitest';
import { trainBpe } from '../../core/tokenizer/bpe';
import { saveTokenizerJson } from '../../core/tokenizer/tokenizerJson';
import { buildSpanSegment, spanIndexKey, type SourceRecord } from './segment';
import { deleteIndex, listIndexes, loadIndex, openSpanIndexStore, saveIndex, saveSegment, SpanStoreError, type SpanIndexSource } from './store';
import { bpeSpanTokenizer, byteTokenizer as tokenizer } from './tokenizer';

const records = (from: number, count: number): SourceRecord[] =>
	Array.from({ length: count }, (_, i) => ({ cid: `cid${from + i}`, contributor: `0x${String((from + i) % 3).padStart(40, '0')}`, datanetId: 'd1', text: `Record ${from + i} says hello to record ${from + i + 1}.` }));

const datanetVersions = [{ datanetId: 'd1', version: 1 }];
const source: SpanIndexSource = { datanetVersions, tokenizerHash: tokenizer.hash, vocabSize: tokenizer.vocabSize, tokenizer: { kind: 'byte' } };
const key = spanIndexKey({ datanetVersions, tokenizerHash: tokenizer.hash });

let directory = '';
afterEach(async () => {
	await (await navigator.storage.getDirectory()).removeEntry(directory, { recursive: true }).catch(() => undefined);
});

async function freshStore() {
	directory = `span-store-test-${crypto.randomUUID()}`;
	return openSpanIndexStore(directory);
}

async function fileNames(dir: FileSystemDirectoryHandle): Promise<string[]> {
	const names: string[] = [];
	for await (const name of dir.keys()) names.push(name);
	return names.sort();
}

describe('span index store', () => {
	test('saves segments, loads them back as one index, lists and deletes it', async () => {
		const store = await freshStore();
		expect(await loadIndex(store, key)).toBeNull();
		const a = buildSpanSegment({ records: records(0, 10), tokenizer });
		const b = buildSpanSegment({ records: records(10, 5), tokenizer });
		await saveSegment(store, key, { source, segment: a });
		const manifest = await saveSegment(store, key, { source, segment: b });
		expect(manifest).toMatchObject({ key, datanetIds: ['d1'], records: 15, tokens: a.index.tokenCount + b.index.tokenCount });
		expect(manifest.segments.map((s) => s.records)).toEqual([10, 5]);

		const loaded = (await loadIndex(store, key))!;
		expect(loaded.manifest).toEqual(manifest);
		expect(loaded.index.segments).toEqual([a, b]);
		expect(loaded.index.recordCount).toBe(15);
		expect(await listIndexes(store)).toEqual([manifest]);

		expect(await deleteIndex(store, key)).toBe(true);
		expect(await deleteIndex(store, key)).toBe(false);
		expect(await loadIndex(store, key)).toBeNull();
		expect(await listIndexes(store)).toEqual([]);
	});

	test('a replacing write removes the old segment files and files no manifest lists', async () => {
		const store = await freshStore();
		const first = await saveIndex(store, key, { source, segments: [buildSpanSegment({ records: records(0, 4), tokenizer }), buildSpanSegment({ records: records(4, 4), tokenizer })] });
		const dir = await store.getDirectoryHandle(key);
		// A segment written by a tab that closed before its manifest: never read, removed by the next write.
		const orphan = await (await dir.getFileHandle('segment-orphan.bin', { create: true })).createWritable();
		await orphan.write(new Uint8Array([1, 2, 3]));
		await orphan.close();
		expect((await loadIndex(store, key))!.index.recordCount).toBe(8);

		const stale = saveIndex(store, key, { source, segments: [], replacing: ['segment-other.bin'] });
		await expect(stale).rejects.toThrow(SpanStoreError);
		const merged = await saveIndex(store, key, { source, segments: [buildSpanSegment({ records: records(0, 8), tokenizer })], replacing: first.segments.map((s) => s.file) });
		expect(merged.createdAt).toBe(first.createdAt);
		expect(await fileNames(dir)).toEqual([merged.segments[0].file, 'manifest.json'].sort());
	});

	test('a BPE index writes its tokenizer.json before the manifest and keeps it through appends and merges', async () => {
		const store = await freshStore();
		const bpe = trainBpe(records(0, 20).map((r) => r.text), { vocabSize: 300 });
		const bpeTokenizer = bpeSpanTokenizer(bpe);
		const json = saveTokenizerJson(bpe);
		const bpeSource: SpanIndexSource = { datanetVersions, tokenizerHash: bpeTokenizer.hash, vocabSize: bpeTokenizer.vocabSize, tokenizer: { kind: 'trained', vocabSize: 300 } };
		const bpeKey = spanIndexKey({ datanetVersions, tokenizerHash: bpeTokenizer.hash });
		const segment = (from: number) => buildSpanSegment({ records: records(from, 4), tokenizer: bpeTokenizer });

		await expect(saveSegment(store, bpeKey, { source: bpeSource, segment: segment(0) })).rejects.toThrow('A BPE span index needs its tokenizer.json.');
		const first = await saveSegment(store, bpeKey, { source: bpeSource, segment: segment(0), tokenizerJson: json });
		expect(first.tokenizer).toEqual({ kind: 'trained', vocabSize: 300 });
		const appended = await saveSegment(store, bpeKey, { source: bpeSource, segment: segment(4) });
		const merged = await saveIndex(store, bpeKey, { source: bpeSource, segments: [segment(0)], replacing: appended.segments.map((s) => s.file) });
		const dir = await store.getDirectoryHandle(bpeKey);
		expect(await fileNames(dir)).toEqual([merged.segments[0].file, 'manifest.json', 'tokenizer.json'].sort());
		const loaded = (await loadIndex(store, bpeKey))!;
		expect(loaded.tokenizerJson).toBe(json);
		expect(loaded.index.tokenizerHash).toBe(bpeTokenizer.hash);
		// A byte index stores no tokenizer.
		await saveSegment(store, key, { source, segment: buildSpanSegment({ records: records(0, 2), tokenizer }) });
		expect((await loadIndex(store, key))!.tokenizerJson).toBeNull();

		await dir.removeEntry('tokenizer.json');
		await expect(loadIndex(store, bpeKey)).rejects.toThrow('The tokenizer of the span index is missing.');
	});

	test('reports a truncated, a corrupted and a missing segment file', async () => {
		const store = await freshStore();
		const manifest = await saveSegment(store, key, { source, segment: buildSpanSegment({ records: records(0, 6), tokenizer }) });
		const dir = await store.getDirectoryHandle(key);
		const file = await dir.getFileHandle(manifest.segments[0].file);
		const bytes = new Uint8Array(await (await file.getFile()).arrayBuffer());
		const rewrite = async (content: Uint8Array<ArrayBuffer>) => {
			const w = await file.createWritable();
			await w.write(content);
			await w.close();
		};

		await rewrite(bytes.slice(0, bytes.length - 1));
		await expect(loadIndex(store, key)).rejects.toThrow('The span index segment is truncated.');
		const flipped = bytes.slice();
		flipped[bytes.length - 2] ^= 1;
		await rewrite(flipped);
		await expect(loadIndex(store, key)).rejects.toThrow('The span index segment is corrupted.');
		await dir.removeEntry(manifest.segments[0].file);
		await expect(loadIndex(store, key)).rejects.toThrow('A segment of the span index is missing.');
		await expect(loadIndex(store, 'not-a-key')).rejects.toThrow('Not a span index key.');
	});
});
