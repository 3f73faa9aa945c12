// The API the attribution worker exposes through comlink: build span indexes from the approved records in IndexedDB,
// keep them in OPFS, reload, trace and merge them. A build reuses the segments of the last index of the same Datanets
// and tokenizer when every record in it is still approved, and tokenizes only the records added since, as one new
// segment. A trained BPE tokenizer belongs to the segments it tokenized: an index that extends another keeps its
// tokenizer, and training happens only when an index is built afresh, so reloading or extending never retrains.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { recordText } from '../../core/record';
import { trainBpe } from '../../core/tokenizer/bpe';
import { loadTokenizerJson, saveTokenizerJson } from '../../core/tokenizer/tokenizerJson';
import { getDatanet, getStats } from '../../store/datanets';
import { openLedgerDb } from '../../store/db';
import { forEachChunk } from '../../store/records';
import type { Datanet, DatanetStats, Hex } from '../../store/schema';
import { buildSpanSegment, mergeSegmentList, spanIndexKey, type DatanetVersion, type SourceRecord, type SpanSegment } from './segment';
import { SegmentedSpanIndex } from './segmented';
import {
	loadIndex,
	listIndexes,
	openSpanIndexStore,
	saveIndex,
	saveSegment,
	SPAN_INDEX_DIRECTORY,
	SpanStoreError,
	type LoadedSpanIndex,
	type SpanIndexManifest,
	type SpanTokenizerOrigin
} from './store';
import { bpeSpanTokenizer, byteTokenizer, type Tokenizer } from './tokenizer';
import { traceSpans, type TraceSpansOptions, type TraceSpansReturnType } from './trace';

/** A build's progress: records read from IndexedDB, the tokenizer trained (only when one is), segments built and saved, then done. */
export type SpanIndexProgress = { phase: 'read' | 'train' | 'index' | 'save' | 'done'; done: number; total: number };

/** The tokenizer a build uses: UTF-8 bytes, a BPE trained on the records it indexes, or a given tokenizer.json (a model's). */
export type SpanTokenizerChoice = { kind: 'byte' } | { kind: 'trained'; vocabSize: number } | { kind: 'given'; tokenizerJson: string };

/** The default: a 4,096-token BPE trained on the records, so ids are 16-bit and a word is a token or a few. */
export const DEFAULT_SPAN_TOKENIZER: SpanTokenizerChoice = { kind: 'trained', vocabSize: 4096 };

/** A stored index as the page sees it: its key, sources, tokenizer and sizes. */
export type SpanIndexSummary = Pick<SpanIndexManifest, 'key' | 'datanetVersions' | 'tokenizerHash' | 'vocabSize' | 'tokenizer' | 'records' | 'tokens' | 'createdAt' | 'updatedAt'> & {
	segments: number;
};

/** A build's summary: the index, the records it tokenized, the segments it built, and the index it extended, if any. */
export type BuildSpanIndexReturnType = SpanIndexSummary & { recordsIndexed: number; segmentsBuilt: number; extended: string | null };

export type BuildSpanIndexParameters = {
	/** The Datanets whose approved records the index holds. */
	datanetIds: readonly Hex[];
	/** The IndexedDB database to read (default the app's). */
	dbName?: string;
	/** The tokenizer (default the API's). */
	tokenizer?: SpanTokenizerChoice;
};

export type TraceParameters = { prompt: string; response: string; options?: TraceSpansOptions };

/** A trace with the method it used: the index, its tokenizer, and the parameters with defaults filled in. */
export type TraceReturnType = TraceSpansReturnType & {
	method: { name: 'maximal-spans+bm25'; index: string } & Pick<SpanIndexSummary, 'tokenizer' | 'tokenizerHash' | 'vocabSize'>;
};

/**
 * A Datanet's version in index keys: 52 bits of sha2-256 over its updatedAt, its record total and its approved count.
 * updatedAt moves when its settings change and the total when records arrive; the approved count is included because
 * a curator's approval changes what the index holds without moving either.
 */
export function datanetVersion(datanet: Pick<Datanet, 'updatedAt'>, stats: Pick<DatanetStats, 'total' | 'byStatus'>): number {
	const digest = sha256(new TextEncoder().encode(`${datanet.updatedAt}/${stats.total}/${stats.byStatus.approved}`));
	return parseInt(bytesToHex(digest).slice(0, 13), 16);
}

export type CreateAttributionApiParameters = {
	/** The OPFS directory holding the span indexes (default SPAN_INDEX_DIRECTORY). */
	directory?: string;
	/** The tokenizer builds use unless they name one (default DEFAULT_SPAN_TOKENIZER). */
	tokenizer?: SpanTokenizerChoice;
};

// An index's tokenizer as the API holds it: the span tokenizer, where it came from, and its tokenizer.json (null for bytes).
type HeldTokenizer = { tokenizer: Tokenizer; origin: SpanTokenizerOrigin; json: string | null };
type HeldIndex = LoadedSpanIndex & { held: HeldTokenizer };

/** Creates the attribution API over the span indexes in one OPFS directory; it keeps the indexes it loads in memory. */
export function createAttributionApi({ directory = SPAN_INDEX_DIRECTORY, tokenizer: defaultChoice = DEFAULT_SPAN_TOKENIZER }: CreateAttributionApiParameters = {}) {
	const loaded = new Map<string, { index: SegmentedSpanIndex; held: HeldTokenizer }>();
	let store: Promise<FileSystemDirectoryHandle> | null = null;
	const opfs = () => (store ??= openSpanIndexStore(directory));

	async function load(key: string): Promise<HeldIndex | null> {
		const found = await loadIndex(await opfs(), key);
		if (!found) return null;
		const held = storedTokenizer(found);
		loaded.set(key, { index: found.index, held });
		return { ...found, held };
	}

	// The index under the same Datanet versions if it is intact, else the newest intact index of the same Datanets,
	// among those built with the chosen tokenizer (for a trained one: trained at the same vocabulary size).
	async function baseIndex(datanetVersions: readonly DatanetVersion[], choice: SpanTokenizerChoice, given: HeldTokenizer | null): Promise<HeldIndex | null> {
		const datanetIds = datanetVersions.map((d) => d.datanetId).join();
		const versions = datanetVersions.map((d) => `${d.datanetId}:${d.version}`).join();
		const sameVersions = (m: SpanIndexManifest) => Number(m.datanetVersions.map((d) => `${d.datanetId}:${d.version}`).join() === versions);
		const candidates = (await listIndexes(await opfs()))
			.filter((m) => m.datanetIds.join() === datanetIds && madeWith(m, choice, given))
			.sort((a, b) => sameVersions(b) - sameVersions(a));
		for (const { key } of candidates) {
			const found = await load(key).catch(() => null);
			if (found) return found;
		}
		return null;
	}

	return {
		/** Builds (or extends, or reuses) the span index of the Datanets' approved records and saves it to OPFS. */
		async buildSpanIndex({ datanetIds, dbName, tokenizer: choice = defaultChoice }: BuildSpanIndexParameters, onProgress?: (p: SpanIndexProgress) => void): Promise<BuildSpanIndexReturnType> {
			const db = await openLedgerDb(dbName);
			const ids = [...new Set(datanetIds)].sort();
			const datanetVersions: DatanetVersion[] = [];
			let approved = 0;
			for (const id of ids) {
				const [datanet, stats] = await Promise.all([getDatanet(db, id), getStats(db, id)]);
				datanetVersions.push({ datanetId: id, version: datanetVersion(datanet, stats) });
				approved += stats.byStatus.approved;
			}
			const given = choice.kind === 'trained' ? null : chosenTokenizer(choice);

			const records: SourceRecord[] = [];
			onProgress?.({ phase: 'read', done: 0, total: approved });
			for (const datanetId of ids) {
				await forEachChunk(db, datanetId, (chunk) => {
					for (const r of chunk.records) {
						if (r.status === 'approved') records.push({ cid: r.cid, contributor: r.contributor, datanetId, text: recordText(r.content) });
					}
					onProgress?.({ phase: 'read', done: records.length, total: Math.max(approved, records.length) });
				});
			}

			// The base is kept only if every record in it is still approved; otherwise everything is indexed afresh.
			const candidate = await baseIndex(datanetVersions, choice, given);
			const current = new Set(records.map((r) => `${r.datanetId}/${r.cid}`));
			const indexed = new Set<string>();
			for (let r = 0; candidate && r < candidate.index.recordCount; r++) {
				const { datanetId, cid } = candidate.index.record(r);
				indexed.add(`${datanetId}/${cid}`);
			}
			const base = candidate && [...indexed].every((id) => current.has(id)) ? candidate : null;
			const fresh = base ? records.filter((r) => !indexed.has(`${r.datanetId}/${r.cid}`)) : records;
			const reused: readonly SpanSegment[] = base?.index.segments ?? [];

			let held = base?.held ?? given;
			if (!held && choice.kind === 'trained') {
				onProgress?.({ phase: 'train', done: 0, total: 1 });
				held = trainedTokenizer(records, choice.vocabSize);
				onProgress?.({ phase: 'train', done: 1, total: 1 });
			}
			const { tokenizer, origin, json } = held!;
			const key = spanIndexKey({ datanetVersions, tokenizerHash: tokenizer.hash });
			const source = { datanetVersions, tokenizerHash: tokenizer.hash, vocabSize: tokenizer.vocabSize, tokenizer: origin };
			const tokenizerJson = json ?? undefined;

			onProgress?.({ phase: 'index', done: 0, total: 1 });
			const segment = fresh.length > 0 ? buildSpanSegment({ records: fresh, tokenizer }) : null;
			onProgress?.({ phase: 'index', done: 1, total: 1 });
			onProgress?.({ phase: 'save', done: 0, total: 1 });
			const segments = segment ? [...reused, segment] : reused;
			let manifest: SpanIndexManifest;
			if (base?.manifest.key === key) {
				manifest = segment ? await saveSegment(await opfs(), key, { source, segment }) : base.manifest;
			} else {
				manifest = await saveIndex(await opfs(), key, { source, segments, tokenizerJson });
			}
			loaded.set(key, { index: SegmentedSpanIndex.empty(tokenizer).withSegments(segments), held: held! });
			onProgress?.({ phase: 'save', done: 1, total: 1 });
			onProgress?.({ phase: 'done', done: 1, total: 1 });
			return {
				...summaryOf(manifest),
				recordsIndexed: fresh.length,
				segmentsBuilt: segment ? 1 : 0,
				extended: base && base.manifest.key !== key ? base.manifest.key : null
			};
		},

		/** Reads a stored index from OPFS (no rebuild) and keeps it loaded for tracing; null when there is none. */
		async loadSpanIndex(key: string): Promise<SpanIndexSummary | null> {
			const found = await load(key);
			return found && summaryOf(found.manifest);
		},

		/** The stored span indexes, newest first. */
		async listSpanIndexes(): Promise<SpanIndexSummary[]> {
			return (await listIndexes(await opfs())).map(summaryOf);
		},

		/** Traces a response against the index under `key` with its own tokenizer, loading it from OPFS on first use. */
		async traceSpans(key: string, { prompt, response, options }: TraceParameters): Promise<TraceReturnType> {
			const found = loaded.get(key) ?? (await load(key));
			if (!found) throw new SpanStoreError('There is no span index under this key.', { details: key, hint: 'Build the index first.' });
			const { index, held } = found;
			const traced = traceSpans(index, { prompt, response, tokenizer: held.tokenizer, options });
			const method = { name: 'maximal-spans+bm25', index: key, tokenizer: held.origin, tokenizerHash: held.tokenizer.hash, vocabSize: held.tokenizer.vocabSize } as const;
			return { ...traced, method };
		},

		/** Merges the segments of the index under `key` into one and swaps the manifest to it; answers stay identical. */
		async mergeIndex(key: string): Promise<SpanIndexSummary> {
			const found = await load(key);
			if (!found) throw new SpanStoreError('There is no span index under this key.', { details: key, hint: 'Build the index first.' });
			const { index, manifest, held } = found;
			if (index.segments.length <= 1) return summaryOf(manifest);
			const merged = mergeSegmentList(index.segments);
			const next = await saveIndex(await opfs(), key, { source: manifest, segments: [merged], replacing: manifest.segments.map((s) => s.file) });
			loaded.set(key, { index: index.withSegments([merged]), held });
			return summaryOf(next);
		}
	};
}

/** The API of the attribution worker. */
export type AttributionApi = ReturnType<typeof createAttributionApi>;

// Whether a stored index was built with the chosen tokenizer: one trained at the same size, or bytes or the given
// tokenizer, whichever way the index came by it.
function madeWith(manifest: SpanIndexManifest, choice: SpanTokenizerChoice, given: HeldTokenizer | null): boolean {
	if (choice.kind === 'trained') return manifest.tokenizer.kind === 'trained' && manifest.tokenizer.vocabSize === choice.vocabSize;
	return manifest.tokenizerHash === given!.tokenizer.hash;
}

function chosenTokenizer(choice: Exclude<SpanTokenizerChoice, { kind: 'trained' }>): HeldTokenizer {
	if (choice.kind === 'byte') return { tokenizer: byteTokenizer, origin: { kind: 'byte' }, json: null };
	const bpe = loadTokenizerJson(choice.tokenizerJson);
	return { tokenizer: bpeSpanTokenizer(bpe), origin: { kind: 'given' }, json: saveTokenizerJson(bpe) };
}

// Training is deterministic: trainBpe counts words, so the same records in any order give the same tokenizer.
function trainedTokenizer(records: readonly SourceRecord[], vocabSize: number): HeldTokenizer {
	const bpe = trainBpe(
		records.map((r) => r.text),
		{ vocabSize }
	);
	return { tokenizer: bpeSpanTokenizer(bpe), origin: { kind: 'trained', vocabSize }, json: saveTokenizerJson(bpe) };
}

// The tokenizer stored with an index, checked against the hash its manifest (and so its key) was made with.
function storedTokenizer({ manifest, tokenizerJson }: LoadedSpanIndex): HeldTokenizer {
	const origin = manifest.tokenizer;
	const tokenizer = tokenizerJson === null ? byteTokenizer : bpeSpanTokenizer(loadTokenizerJson(tokenizerJson));
	if (tokenizer.hash !== manifest.tokenizerHash || tokenizer.vocabSize !== manifest.vocabSize) {
		throw new SpanStoreError('The span index was built with another tokenizer than the one stored with it.', {
			details: `${manifest.key}: manifest ${manifest.tokenizerHash}; stored ${tokenizer.hash}`,
			hint: 'Delete the index and build it again.'
		});
	}
	return { tokenizer, origin, json: tokenizerJson };
}

function summaryOf({ key, datanetVersions, tokenizerHash, vocabSize, tokenizer, records, tokens, createdAt, updatedAt, segments }: SpanIndexManifest): SpanIndexSummary {
	return { key, datanetVersions, tokenizerHash, vocabSize, tokenizer, records, tokens, createdAt, updatedAt, segments: segments.length };
}
