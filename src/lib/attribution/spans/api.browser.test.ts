// The attribution API against real IndexedDB and OPFS in Chromium: in the page (the same code the worker runs, each
// test with its own database and OPFS directory), then once through workers/attribution.worker.ts with comlink. The
// segment bookkeeping is tested with the byte tokenizer; the trained BPE tokenizer, the default, has its own test.
import * as Comlink from 'comlink';
import { afterEach, describe, expect, test } from 'vitest';
import { createDatanet, updateDatanet } from '../../store/datanets';
import type { LedgerDatabase } from '../../store/db';
import { putRecords, setStatus } from '../../store/records';
import type { Hex } from '../../store/schema';
import { ALICE, BOB, CURATOR, datanetInput, freshDbName, textRecord } from '../../store/test-fixtures';
import { openLedgerDb } from '../../store/db';
import { trainBpe } from '../../core/tokenizer/bpe';
import { loadTokenizerJson, saveTokenizerJson, tokenizerHash } from '../../core/tokenizer/tokenizerJson';
import { createAttributionApi, DEFAULT_SPAN_TOKENIZER, type AttributionApi, type SpanIndexProgress, type SpanTokenizerChoice } from './api';
import { spanIndexKey, spanText } from './segment';
import { deleteIndex, openSpanIndexStore } from './store';

const CAROL = '0x' + 'ca'.repeat(20);
const LANTERNS = 'Copper lanterns hummed softly above the sleeping harbor.';
const BREAD = 'Grandmother folded cardamom into every loaf of rye bread.';
const RESPONSE = `In short: ${LANTERNS} And later: ${BREAD}`;

const filler = (i: number) => `Record ${i} notes that the ${['river', 'meadow', 'quarry', 'orchard'][i % 4]} was quiet on day ${i}.`;

const directories = new Set<string>();
afterEach(async () => {
	const root = await navigator.storage.getDirectory();
	for (const name of directories) await root.removeEntry(name, { recursive: true }).catch(() => undefined);
	directories.clear();
});

// A fresh database with one Datanet of 30 filler records by Carol plus Alice's lantern record, and an API over its
// own OPFS directory; `api()` makes another API instance over the same directory, as a reloaded tab or worker would.
async function setup() {
	const dbName = freshDbName();
	const db = await openLedgerDb(dbName);
	const datanet = await createDatanet(db, datanetInput({ name: 'Harbors' }));
	await add(db, datanet.id, [...Array.from({ length: 30 }, (_, i) => [filler(i), CAROL] as const), [LANTERNS, ALICE]]);
	const directory = `span-test-${crypto.randomUUID()}`;
	directories.add(directory);
	const api = (tokenizer: SpanTokenizerChoice = { kind: 'byte' }) => createAttributionApi({ directory, tokenizer });
	return { db, dbName, datanet, directory, api };
}

async function add(db: LedgerDatabase, datanetId: Hex, rows: readonly (readonly [string, string])[], status: 'approved' | 'pending' = 'approved') {
	await putRecords(db, datanetId, rows.map(([text, contributor]) => ({ record: textRecord(datanetId, text, { contributor, status }) })));
}

const quotes = (result: Awaited<ReturnType<AttributionApi['traceSpans']>>) =>
	result.spans.filter((s) => s.text.length > 30).map((s) => [s.text, s.sources.map((x) => [x.cid, x.contributor])]);

describe('the attribution API in the page', () => {
	test('builds an index, reloads it from OPFS without rebuilding, extends it with a segment, and merges it', async () => {
		const { db, dbName, datanet, api } = await setup();
		const first = api();
		const progress: SpanIndexProgress[] = [];
		const built = await first.buildSpanIndex({ datanetIds: [datanet.id], dbName }, (p) => void progress.push(p));
		expect(built).toMatchObject({ records: 31, segments: 1, segmentsBuilt: 1, recordsIndexed: 31, extended: null });
		expect(progress.map((p) => p.phase)).toEqual(['read', 'read', 'index', 'index', 'save', 'save', 'done']);
		expect(progress[1]).toEqual({ phase: 'read', done: 31, total: 31 });

		// Another instance has nothing in memory: it reads OPFS, and building again tokenizes nothing.
		const reloaded = api();
		expect(await reloaded.loadSpanIndex(built.key)).toMatchObject({ key: built.key, records: 31, segments: 1 });
		const again = await reloaded.buildSpanIndex({ datanetIds: [datanet.id], dbName });
		expect(again).toMatchObject({ key: built.key, segmentsBuilt: 0, recordsIndexed: 0, segments: 1 });
		expect(await reloaded.listSpanIndexes()).toMatchObject([{ key: built.key, records: 31 }]);

		// Bob's record arrives (and one still pending): the new version's index keeps the old segment and adds one.
		await add(db, datanet.id, [[BREAD, BOB]]);
		await add(db, datanet.id, [['Pending records are not indexed.', BOB]], 'pending');
		const extended = await reloaded.buildSpanIndex({ datanetIds: [datanet.id], dbName });
		expect(extended.key).not.toBe(built.key);
		expect(extended).toMatchObject({ records: 32, segments: 2, segmentsBuilt: 1, recordsIndexed: 1, extended: built.key });

		const traced = await api().traceSpans(extended.key, { prompt: 'Harbors and bread?', response: RESPONSE });
		expect(quotes(traced)).toEqual([
			[LANTERNS, [[textRecord(datanet.id, LANTERNS).cid, ALICE]]],
			[BREAD, [[textRecord(datanet.id, BREAD).cid, BOB]]]
		]);
		// The two quotes carry most of the credit; Carol's records match only short common words.
		expect(traced.shares.slice(0, 2).map((s) => s.contributor).sort()).toEqual([ALICE, BOB].sort());

		const merged = await reloaded.mergeIndex(extended.key);
		expect(merged).toMatchObject({ key: extended.key, records: 32, segments: 1 });
		// A fresh instance reads the merged index from OPFS and answers exactly as the two segments did.
		const afterMerge = api();
		expect(await afterMerge.loadSpanIndex(extended.key)).toMatchObject({ segments: 1, records: 32 });
		expect(await afterMerge.traceSpans(extended.key, { prompt: 'Harbors and bread?', response: RESPONSE })).toEqual(traced);
	});

	test('detects a truncated segment file, and a build then rebuilds the index', async () => {
		const { datanet, dbName, directory, api } = await setup();
		const { key } = await api().buildSpanIndex({ datanetIds: [datanet.id], dbName });
		const dir = await (await openSpanIndexStore(directory)).getDirectoryHandle(key);
		for await (const [name, handle] of dir.entries()) {
			if (!name.startsWith('segment-')) continue;
			const file = handle as FileSystemFileHandle;
			const writable = await file.createWritable({ keepExistingData: true });
			await writable.truncate((await file.getFile()).size - 7);
			await writable.close();
		}
		await expect(api().loadSpanIndex(key)).rejects.toThrow('The span index segment is truncated.');
		await expect(api().traceSpans(key, { prompt: '', response: LANTERNS })).rejects.toThrow('The span index segment is truncated.');
		const rebuilt = await api().buildSpanIndex({ datanetIds: [datanet.id], dbName });
		expect(rebuilt).toMatchObject({ key, segmentsBuilt: 1, recordsIndexed: 31, segments: 1 });
		expect(await api().loadSpanIndex(key)).toMatchObject({ records: 31 });
	});

	test('rebuilds from scratch when a record of the last index is no longer approved, and keys follow the Datanet', async () => {
		const { db, datanet, dbName, api } = await setup();
		const a = api();
		const first = await a.buildSpanIndex({ datanetIds: [datanet.id], dbName });
		await updateDatanet(db, datanet.id, { summary: 'Renamed.' });
		const renamed = await a.buildSpanIndex({ datanetIds: [datanet.id], dbName });
		// Same records, new version: the segment is copied under the new key, nothing is tokenized.
		expect(renamed).toMatchObject({ segmentsBuilt: 0, recordsIndexed: 0, extended: first.key, records: 31 });
		expect(renamed.key).not.toBe(first.key);

		// A curator rejects an indexed record: the approved count moves the version, and the old segment cannot be kept.
		expect(await setStatus(db, datanet, [textRecord(datanet.id, filler(0)).cid], 'rejected', CURATOR)).toBe(1);
		const curated = await a.buildSpanIndex({ datanetIds: [datanet.id], dbName });
		expect(curated).toMatchObject({ segmentsBuilt: 1, recordsIndexed: 30, extended: null, records: 30, segments: 1 });
	});
});

describe('the trained BPE tokenizer', () => {
	test('is trained on the records, stored beside the manifest, and kept when the index is reloaded or extended', async () => {
		const { db, dbName, datanet, directory, api } = await setup();
		const phases = (progress: SpanIndexProgress[]) => progress.map((p) => p.phase);
		const progress: SpanIndexProgress[] = [];
		const built = await api(DEFAULT_SPAN_TOKENIZER).buildSpanIndex({ datanetIds: [datanet.id], dbName }, (p) => void progress.push(p));
		expect(phases(progress)).toEqual(['read', 'read', 'train', 'train', 'index', 'index', 'save', 'save', 'done']);
		expect(built).toMatchObject({ records: 31, segments: 1, tokenizer: { kind: 'trained', vocabSize: 4096 } });

		// tokenizer.json sits beside the manifest; the key is made with its hash; training is trainBpe over the texts.
		const dir = await (await openSpanIndexStore(directory)).getDirectoryHandle(built.key);
		const json = await (await (await dir.getFileHandle('tokenizer.json')).getFile()).text();
		const bpe = loadTokenizerJson(json);
		expect(built).toMatchObject({ tokenizerHash: tokenizerHash(bpe), vocabSize: bpe.vocabSize });
		expect(built.key).toBe(spanIndexKey({ datanetVersions: built.datanetVersions, tokenizerHash: built.tokenizerHash }));
		const texts = [...Array.from({ length: 30 }, (_, i) => filler(i)), LANTERNS];
		expect(tokenizerHash(trainBpe(texts.reverse(), { vocabSize: 4096 }))).toBe(built.tokenizerHash);

		// Another instance finds it in OPFS: building again neither trains nor tokenizes, and a trace uses the stored
		// tokenizer whatever the instance's default.
		const reloaded = api(DEFAULT_SPAN_TOKENIZER);
		const again: SpanIndexProgress[] = [];
		expect(await reloaded.buildSpanIndex({ datanetIds: [datanet.id], dbName }, (p) => void again.push(p))).toMatchObject({ key: built.key, segmentsBuilt: 0, recordsIndexed: 0 });
		expect(phases(again)).not.toContain('train');
		const traced = await api({ kind: 'byte' }).traceSpans(built.key, { prompt: '', response: `Harbor notes:\n${LANTERNS}` });
		expect(traced.method).toEqual({ name: 'maximal-spans+bm25', index: built.key, tokenizer: { kind: 'trained', vocabSize: 4096 }, tokenizerHash: built.tokenizerHash, vocabSize: bpe.vocabSize });
		expect(quotes(traced)).toEqual([[LANTERNS, [[textRecord(datanet.id, LANTERNS).cid, ALICE]]]]);
		expect(traced.parameters).toMatchObject({ minLength: 1, sourcesPerSpan: 10, contextTokens: 32, responseTokens: bpe.encode(spanText(`Harbor notes:\n${LANTERNS}`).text).length });

		// Bob's record arrives: the new index extends the old one and keeps its tokenizer.
		await add(db, datanet.id, [[BREAD, BOB]]);
		const extending: SpanIndexProgress[] = [];
		const extended = await reloaded.buildSpanIndex({ datanetIds: [datanet.id], dbName }, (p) => void extending.push(p));
		expect(extended).toMatchObject({ extended: built.key, tokenizerHash: built.tokenizerHash, records: 32, segments: 2, recordsIndexed: 1 });
		expect(phases(extending)).not.toContain('train');
		const both = await api().traceSpans(extended.key, { prompt: '', response: `${LANTERNS}\n${BREAD}` });
		expect(quotes(both).map(([, sources]) => sources)).toEqual([[[textRecord(datanet.id, LANTERNS).cid, ALICE]], [[textRecord(datanet.id, BREAD).cid, BOB]]]);

		// Bytes, or a given tokenizer.json (a model's), make indexes of their own.
		const bytes = await api({ kind: 'byte' }).buildSpanIndex({ datanetIds: [datanet.id], dbName });
		expect(bytes).toMatchObject({ tokenizer: { kind: 'byte' }, vocabSize: 256, extended: null, segmentsBuilt: 1 });
		const model = trainBpe(['A model trained elsewhere knows other words entirely, words words words.'], { vocabSize: 300 });
		const given = await api().buildSpanIndex({ datanetIds: [datanet.id], dbName, tokenizer: { kind: 'given', tokenizerJson: saveTokenizerJson(model) } });
		expect(given).toMatchObject({ tokenizer: { kind: 'given' }, tokenizerHash: tokenizerHash(model), extended: null, segmentsBuilt: 1, records: 32 });
		expect(new Set([built.key, extended.key, bytes.key, given.key]).size).toBe(4);
		const sameAgain = await api().buildSpanIndex({ datanetIds: [datanet.id], dbName, tokenizer: { kind: 'given', tokenizerJson: saveTokenizerJson(model) } });
		expect(sameAgain).toMatchObject({ key: given.key, segmentsBuilt: 0 });
	});

	test('reports a missing or mismatched tokenizer.json instead of tracing with another tokenizer', async () => {
		const { datanet, dbName, directory, api } = await setup();
		const { key } = await api(DEFAULT_SPAN_TOKENIZER).buildSpanIndex({ datanetIds: [datanet.id], dbName });
		const dir = await (await openSpanIndexStore(directory)).getDirectoryHandle(key);
		const writable = await (await dir.getFileHandle('tokenizer.json')).createWritable();
		await writable.write(saveTokenizerJson(trainBpe(['something else entirely'], { vocabSize: 260 })));
		await writable.close();
		await expect(api().loadSpanIndex(key)).rejects.toThrow('The span index was built with another tokenizer than the one stored with it.');
		await dir.removeEntry('tokenizer.json');
		await expect(api().traceSpans(key, { prompt: '', response: LANTERNS })).rejects.toThrow('The tokenizer of the span index is missing.');
	});
});

test('the attribution worker builds with its default trained tokenizer, reports progress in order through comlink, traces and merges', async () => {
	const { db, dbName, datanet } = await setup();
	await add(db, datanet.id, [[BREAD, BOB]]);
	const worker = new Worker(new URL('../../../../workers/attribution.worker.ts', import.meta.url), { type: 'module' });
	const api = Comlink.wrap<AttributionApi>(worker);
	let key: string | null = null;
	try {
		const progress: SpanIndexProgress[] = [];
		const built = await api.buildSpanIndex({ datanetIds: [datanet.id], dbName }, Comlink.proxy((p: SpanIndexProgress) => void progress.push(p)));
		key = built.key;
		expect(built).toMatchObject({ records: 32, segments: 1, segmentsBuilt: 1 });
		// Progress arrives on the callback's own port, so it may land just after the result: wait for the last event.
		await expect.poll(() => progress.at(-1)?.phase).toBe('done');
		expect(progress.map((p) => p.phase)).toEqual(['read', 'read', 'train', 'train', 'index', 'index', 'save', 'save', 'done']);
		expect(built.tokenizer).toEqual(DEFAULT_SPAN_TOKENIZER);
		const traced = await api.traceSpans(built.key, { prompt: '', response: RESPONSE });
		expect(quotes(traced).map(([, sources]) => sources)).toEqual([[[textRecord(datanet.id, LANTERNS).cid, ALICE]], [[textRecord(datanet.id, BREAD).cid, BOB]]]);
		expect(await api.mergeIndex(built.key)).toMatchObject({ segments: 1, records: 32 });
	} finally {
		worker.terminate();
		if (key) await deleteIndex(await openSpanIndexStore(), key);
	}
});
