// Several segments queried as one index: records are numbered across segments in order, counts add, the longest match
// is the longest over segments, and locate takes the earliest occurrences, which per-segment answers reproduce exactly
// because each segment's records all precede the next segment's. Unigram counts and BM25 statistics add up once here.
import { mergeBm25Corpora, type Bm25Corpus } from './bm25';
import { SpanIndexError, type Occurrence, type TokenArray } from './index';
import type { SpanMatcher } from './maximal';
import { buildSpanSegment, type RecordMeta, type SourceRecord, type SpanSegment } from './segment';
import type { Tokenizer } from './tokenizer';

export class SegmentedSpanIndex implements SpanMatcher {
	readonly segments: readonly SpanSegment[];
	readonly vocabSize: number;
	readonly tokenizerHash: string;
	/** How often each id occurs over all segments. */
	readonly unigramCounts: Uint32Array;
	/** Record tokens over all segments. */
	readonly tokenCount: number;
	/** BM25 statistics over all records. */
	readonly bm25: Bm25Corpus;
	/** Global number of each segment's first record, plus the total at the end. */
	private readonly firstRecord: number[];

	/** Combines segments built with one tokenizer; an index with no segments answers nothing. */
	constructor({ segments, vocabSize, tokenizerHash }: { segments: readonly SpanSegment[]; vocabSize: number; tokenizerHash: string }) {
		for (const s of segments) {
			if (s.tokenizerHash !== tokenizerHash || s.index.vocabSize !== vocabSize) {
				throw new SpanIndexError('A segment was built with another tokenizer.', { details: `${s.tokenizerHash}, vocabulary ${s.index.vocabSize}; expected ${tokenizerHash}, ${vocabSize}` });
			}
		}
		this.segments = segments;
		this.vocabSize = vocabSize;
		this.tokenizerHash = tokenizerHash;
		this.unigramCounts = new Uint32Array(vocabSize);
		let tokenCount = 0;
		this.firstRecord = [0];
		for (const { index } of segments) {
			for (let id = 0; id < vocabSize; id++) this.unigramCounts[id] += index.unigramCounts[id];
			tokenCount += index.tokenCount;
			this.firstRecord.push(this.firstRecord[this.firstRecord.length - 1] + index.recordCount);
		}
		this.tokenCount = tokenCount;
		this.bm25 = mergeBm25Corpora(segments.map((s) => s.bm25));
	}

	/** An index with no records, for the tokenizer. */
	static empty(tokenizer: Tokenizer): SegmentedSpanIndex {
		return new SegmentedSpanIndex({ segments: [], vocabSize: tokenizer.vocabSize, tokenizerHash: tokenizer.hash });
	}

	/** The number of records over all segments. */
	get recordCount(): number {
		return this.firstRecord[this.firstRecord.length - 1];
	}

	/** A new index with one more segment, built over `records` (numbered after the existing ones). */
	withRecords(records: readonly SourceRecord[], tokenizer: Tokenizer): SegmentedSpanIndex {
		return this.withSegments([...this.segments, buildSpanSegment({ records, tokenizer })]);
	}

	/** A new index over other segments with the same tokenizer (a merge result, or a subset). */
	withSegments(segments: readonly SpanSegment[]): SegmentedSpanIndex {
		return new SegmentedSpanIndex({ segments, vocabSize: this.vocabSize, tokenizerHash: this.tokenizerHash });
	}

	/** The metadata of a record, by global number. */
	record(record: number): RecordMeta {
		const [segment, local] = this.locateRecord(record);
		return this.segments[segment].records[local];
	}

	/** The token ids of a record, by global number. */
	recordTokens(record: number): TokenArray {
		const [segment, local] = this.locateRecord(record);
		return this.segments[segment].index.recordTokens(local);
	}

	/** Counts the occurrences of `ngram` over all segments. */
	count(ngram: ArrayLike<number>): number {
		let total = 0;
		for (const { index } of this.segments) total += index.count(ngram);
		return total;
	}

	/** The earliest `limit` occurrences of `ngram` (by global record, then offset). */
	locate(ngram: ArrayLike<number>, limit: number): Occurrence[] {
		return this.earliest(limit, (segment, left) => segment.index.locate(ngram, left));
	}

	/** The first occurrence of `ngram` in each of the earliest `limit` records containing it. */
	locateRecords(ngram: ArrayLike<number>, limit: number): Occurrence[] {
		return this.earliest(limit, (segment, left) => segment.index.locateRecords(ngram, left));
	}

	/** The length of the longest prefix of query[i..] that occurs in any record. */
	longestMatchAt(query: ArrayLike<number>, i: number): number {
		let best = 0;
		for (const { index } of this.segments) best = Math.max(best, index.longestMatchAt(query, i));
		return best;
	}

	private earliest(limit: number, find: (segment: SpanSegment, left: number) => Occurrence[]): Occurrence[] {
		const out: Occurrence[] = [];
		for (let s = 0; s < this.segments.length && out.length < limit; s++) {
			for (const { record, offset } of find(this.segments[s], limit - out.length)) out.push({ record: this.firstRecord[s] + record, offset });
		}
		return out;
	}

	// [segment, local record] of a global record number, by binary search over the segments' first records.
	private locateRecord(record: number): [number, number] {
		if (!Number.isInteger(record) || record < 0 || record >= this.recordCount) {
			throw new SpanIndexError('No such record in the index.', { details: `record ${record} of ${this.recordCount}` });
		}
		let lo = 0;
		let hi = this.segments.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (this.firstRecord[mid] <= record) lo = mid + 1;
			else hi = mid;
		}
		// Empty segments share their first record number with the next one; the last segment starting at or before
		// `record` is the one holding it.
		return [lo - 1, record - this.firstRecord[lo - 1]];
	}
}
