// The API the attribution worker exposes through comlink: build span indexes from the approved records in IndexedDB,
// keep them in OPFS, reload, trace and merge them. A build reuses the segments of the last index of the same Datanets
// when every record in it is still approved, and tokenizes only the records added since, as one new segment.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { recordText } from '../../core/record';
import { getDatanet, getStats } from '../../store/datanets';
import { openLedgerDb } from '../../store/db';
import { forEachChunk } from '../../store/records';
import type { Datanet, DatanetStats, Hex } from '../../store/schema';
import { buildSpanSegment, mergeSegmentList, spanIndexKey, type DatanetVersion, type SourceRecord, type SpanSegment } from './segment';
import { SegmentedSpanIndex } from './segmented';
import { loadIndex, listIndexes, openSpanIndexStore, saveIndex, saveSegment, SPAN_INDEX_DIRECTORY, SpanStoreError, type LoadedSpanIndex, type SpanIndexManifest } from './store';
import { byteTokenizer, type Tokenizer } from './tokenizer';
import { traceSpans, type TraceSpansOptions, type TraceSpansReturnType } from './trace';

/** A build's progress: records read from IndexedDB, segments built, segments saved, then done. */
export type SpanIndexProgress = { phase: 'read' | 'index' | 'save' | 'done'; done: number; total: number };

/** A stored index as the page sees it: its key, sources, and sizes. */
export type SpanIndexSummary = Pick<SpanIndexManifest, 'key' | 'datanetVersions' | 'tokenizerHash' | 'records' | 'tokens' | 'createdAt' | 'updatedAt'> & {
	segments: number;
};

/** A build's summary: the index, the records it tokenized, the segments it built, and the index it extended, if any. */
export type BuildSpanIndexReturnType = SpanIndexSummary & { recordsIndexed: number; segmentsBuilt: number; extended: string | null };

export type BuildSpanIndexParameters = {
	/** The Datanets whose approved records the index holds. */
	datanetIds: readonly Hex[];
	/** The IndexedDB database to read (default the app's). */
	dbName?: string;
};

export type TraceParameters = { prompt: string; response: string; options?: TraceSpansOptions };

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
	/** The tokenizer indexes are built and traced with (default byteTokenizer). */
	tokenizer?: Tokenizer;
};

/** Creates the attribution API over the span indexes in one OPFS directory; it keeps the indexes it loads in memory. */
export function createAttributionApi({ directory = SPAN_INDEX_DIRECTORY, tokenizer = byteTokenizer }: CreateAttributionApiParameters = {}) {
	const loaded = new Map<string, SegmentedSpanIndex>();
	let store: Promise<FileSystemDirectoryHandle> | null = null;
	const opfs = () => (store ??= openSpanIndexStore(directory));

	async function load(key: string): Promise<LoadedSpanIndex | null> {
		const found = await loadIndex(await opfs(), key);
		if (found) loaded.set(key, found.index);
		return found;
	}

	// The index under `key` if it is intact, else the newest intact index of the same Datanets and tokenizer.
	async function baseIndex(key: string, datanetIds: string[]): Promise<LoadedSpanIndex | null> {
		const sameSources = (m: SpanIndexManifest) => m.tokenizerHash === tokenizer.hash && m.datanetIds.join() === datanetIds.join();
		const candidates = (await listIndexes(await opfs())).filter(sameSources).sort((a, b) => Number(b.key === key) - Number(a.key === key));
		for (const { key: candidate } of candidates) {
			const found = await loadIndex(await opfs(), candidate).catch(() => null);
			if (found) return found;
		}
		return null;
	}

	return {
		/** Builds (or extends, or reuses) the span index of the Datanets' approved records and saves it to OPFS. */
		async buildSpanIndex({ datanetIds, dbName }: BuildSpanIndexParameters, onProgress?: (p: SpanIndexProgress) => void): Promise<BuildSpanIndexReturnType> {
			const db = await openLedgerDb(dbName);
			const ids = [...new Set(datanetIds)].sort();
			const datanetVersions: DatanetVersion[] = [];
			let approved = 0;
			for (const id of ids) {
				const [datanet, stats] = await Promise.all([getDatanet(db, id), getStats(db, id)]);
				datanetVersions.push({ datanetId: id, version: datanetVersion(datanet, stats) });
				approved += stats.byStatus.approved;
			}
			const key = spanIndexKey({ datanetVersions, tokenizerHash: tokenizer.hash });
			const source = { datanetVersions, tokenizerHash: tokenizer.hash, vocabSize: tokenizer.vocabSize };

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
			const candidate = await baseIndex(key, ids);
			const current = new Set(records.map((r) => `${r.datanetId}/${r.cid}`));
			const indexed = new Set<string>();
			for (let r = 0; candidate && r < candidate.index.recordCount; r++) {
				const { datanetId, cid } = candidate.index.record(r);
				indexed.add(`${datanetId}/${cid}`);
			}
			const base = candidate && [...indexed].every((id) => current.has(id)) ? candidate : null;
			const fresh = base ? records.filter((r) => !indexed.has(`${r.datanetId}/${r.cid}`)) : records;
			const reused: readonly SpanSegment[] = base?.index.segments ?? [];

			onProgress?.({ phase: 'index', done: 0, total: 1 });
			const segment = fresh.length > 0 ? buildSpanSegment({ records: fresh, tokenizer }) : null;
			onProgress?.({ phase: 'index', done: 1, total: 1 });
			onProgress?.({ phase: 'save', done: 0, total: 1 });
			const segments = segment ? [...reused, segment] : reused;
			let manifest: SpanIndexManifest;
			if (base?.manifest.key === key) {
				manifest = segment ? await saveSegment(await opfs(), key, { source, segment }) : base.manifest;
			} else {
				manifest = await saveIndex(await opfs(), key, { source, segments });
			}
			loaded.set(key, SegmentedSpanIndex.empty(tokenizer).withSegments(segments));
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

		/** Traces a response against the index under `key`, loading it from OPFS on first use. */
		async traceSpans(key: string, { prompt, response, options }: TraceParameters): Promise<TraceSpansReturnType> {
			const index = loaded.get(key) ?? (await load(key))?.index;
			if (!index) throw new SpanStoreError('There is no span index under this key.', { details: key, hint: 'Build the index first.' });
			return traceSpans(index, { prompt, response, tokenizer, options });
		},

		/** Merges the segments of the index under `key` into one and swaps the manifest to it; answers stay identical. */
		async mergeIndex(key: string): Promise<SpanIndexSummary> {
			const found = await load(key);
			if (!found) throw new SpanStoreError('There is no span index under this key.', { details: key, hint: 'Build the index first.' });
			const { index, manifest } = found;
			if (index.segments.length <= 1) return summaryOf(manifest);
			const merged = mergeSegmentList(index.segments);
			const next = await saveIndex(await opfs(), key, { source: manifest, segments: [merged], replacing: manifest.segments.map((s) => s.file) });
			loaded.set(key, index.withSegments([merged]));
			return summaryOf(next);
		}
	};
}

/** The API of the attribution worker. */
export type AttributionApi = ReturnType<typeof createAttributionApi>;

function summaryOf({ key, datanetVersions, tokenizerHash, records, tokens, createdAt, updatedAt, segments }: SpanIndexManifest): SpanIndexSummary {
	return { key, datanetVersions, tokenizerHash, records, tokens, createdAt, updatedAt, segments: segments.length };
}
