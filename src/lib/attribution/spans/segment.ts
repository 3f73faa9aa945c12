// A segment of the span index: a SpanIndex over some records' tokens, each record's CID, contributor and Datanet, and
// the BM25 statistics of their words. Merging rebuilds from the token arrays: SA-IS is linear, so a rebuild costs about
// what a suffix-array merge would, and it yields exactly the index built over all the records at once.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { buildBm25Corpus, mergeBm25Corpora, type Bm25Corpus } from './bm25';
import { buildSpanIndex, SpanIndex, SpanIndexError } from './index';
import type { Tokenizer } from './tokenizer';

/** Who a record came from: its content id, its contributor's address and its Datanet. */
export type RecordMeta = { cid: string; contributor: string; datanetId: string };

/** An approved record to index: its metadata and its text. */
export type SourceRecord = RecordMeta & { text: string };

/** One segment: the index over its records (local record numbers), their metadata and word statistics. */
export type SpanSegment = {
	readonly index: SpanIndex;
	readonly records: readonly RecordMeta[];
	readonly bm25: Bm25Corpus;
	readonly tokenizerHash: string;
};

export type BuildSpanSegmentParameters = {
	/** The records, in the order their positions will be numbered. */
	records: readonly SourceRecord[];
	/** The tokenizer whose ids the index holds. */
	tokenizer: Tokenizer;
};

/**
 * The text a span index tokenizes for a record or an answer: a space before its first word and before each word that
 * starts a line. Byte-level BPE pre-tokens carry their leading space (" wolf", not "wolf"), so without this a record's
 * first word would be a different token from the same word inside running text, and a quote would match from its second
 * word only. `original(i)` maps an offset in the spaced text back to the text given (an inserted space maps to the
 * character after it).
 */
export function spanText(text: string): { text: string; original: (offset: number) => number } {
	const inserted: number[] = []; // offsets in the spaced text of the inserted spaces, ascending
	let out = '';
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if ((i === 0 || text[i - 1] === '\n') && c !== ' ' && c !== '\n' && c !== '\t' && c !== '\r') {
			inserted.push(out.length);
			out += ' ';
		}
		out += c;
	}
	if (text.length === 0) {
		inserted.push(0);
		out = ' ';
	}
	const original = (offset: number) => {
		let lo = 0;
		let hi = inserted.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (inserted[mid] < offset) lo = mid + 1;
			else hi = mid;
		}
		return Math.min(text.length, offset - lo);
	};
	return { text: out, original };
}

/** Tokenizes the records (as spanText spaces them) and builds a segment over them. */
export function buildSpanSegment({ records, tokenizer }: BuildSpanSegmentParameters): SpanSegment {
	const index = buildSpanIndex({ records: records.map((r) => tokenizer.encode(spanText(r.text).text)), vocabSize: tokenizer.vocabSize });
	return {
		index,
		records: records.map(({ cid, contributor, datanetId }) => ({ cid, contributor, datanetId })),
		bm25: buildBm25Corpus(records.map((r) => r.text)),
		tokenizerHash: tokenizer.hash
	};
}

/** One segment over a's records followed by b's, identical to a segment built over all of them. */
export function mergeSegments(a: SpanSegment, b: SpanSegment): SpanSegment {
	return mergeSegmentList([a, b]);
}

/** One segment over the records of all `segments` in order (at least one), built with one suffix-array pass. */
export function mergeSegmentList(segments: readonly SpanSegment[]): SpanSegment {
	const [first] = segments;
	if (!first) throw new SpanIndexError('There are no segments to merge.');
	for (const s of segments) {
		if (s.tokenizerHash !== first.tokenizerHash || s.index.vocabSize !== first.index.vocabSize) {
			throw new SpanIndexError('Segments built with different tokenizers cannot be merged.', { details: `${first.tokenizerHash} / ${s.tokenizerHash}` });
		}
	}
	const tokens = segments.flatMap(({ index }) => Array.from({ length: index.recordCount }, (_, r) => index.recordTokens(r)));
	return {
		index: buildSpanIndex({ records: tokens, vocabSize: first.index.vocabSize }),
		records: segments.flatMap((s) => s.records),
		bm25: mergeBm25Corpora(segments.map((s) => s.bm25)),
		tokenizerHash: first.tokenizerHash
	};
}

/** A Datanet at one version. */
export type DatanetVersion = { datanetId: string; version: number };

export type SpanIndexKeyParameters = {
	/** The Datanets whose records the index holds, in any order. */
	datanetVersions: readonly DatanetVersion[];
	/** The hash of the tokenizer the index was built with. */
	tokenizerHash: string;
};

/** The storage key of an index: hex sha2-256 over the sorted Datanet versions and the tokenizer hash. */
export function spanIndexKey({ datanetVersions, tokenizerHash }: SpanIndexKeyParameters): string {
	const sorted = [...datanetVersions].sort((x, y) => (x.datanetId < y.datanetId ? -1 : x.datanetId > y.datanetId ? 1 : 0));
	for (let i = 0; i < sorted.length; i++) {
		const { datanetId, version } = sorted[i];
		if (!Number.isSafeInteger(version) || version < 0) throw new SpanIndexError('A Datanet version must be a non-negative integer.', { details: `${datanetId}: ${version}` });
		if (i > 0 && sorted[i - 1].datanetId === datanetId) throw new SpanIndexError('A Datanet is listed twice.', { details: datanetId });
	}
	const canonical = JSON.stringify({ datanets: sorted.map((d) => [d.datanetId, d.version]), tokenizer: tokenizerHash });
	return bytesToHex(sha256(new TextEncoder().encode(canonical)));
}
