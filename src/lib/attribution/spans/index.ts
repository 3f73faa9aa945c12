// The span index: every record's token ids concatenated with a separator (id = vocabSize) between records, their
// suffix array, and the records' start offsets. Queries are binary searches over the suffix array; query ids must lie
// below vocabSize, so no match can contain the separator and none crosses from one record into the next. The suffix
// array is kept packed (3 bytes an entry below 2^24 tokens), as it is stored: the searches read it in that form too.
import { BaseError } from '../../core/errors';
import { PackedSuffixArray, type PointerWidth } from './packedSuffixArray';
import { MAX_SAIS_LENGTH, suffixArrayWithCounts } from './sais';

/** Token storage: Uint16Array when vocabSize + 1 ids fit in 16 bits, Uint32Array otherwise. */
export type TokenArray = Uint16Array | Uint32Array;

/** Where an n-gram occurs: the record's index and the token offset inside that record. */
export type Occurrence = { record: number; offset: number };

export class SpanIndexError extends BaseError {
	override name = 'SpanIndexError';
}

export type BuildSpanIndexParameters = {
	/** Token ids of each record, in record order; every id lies in [0, vocabSize). */
	records: readonly ArrayLike<number>[];
	/** The tokenizer's vocabulary size; vocabSize itself is the separator id. */
	vocabSize: number;
	/** Bytes per suffix-array entry; by default the narrowest that holds every position. */
	pointerWidth?: PointerWidth;
};

/** Concatenates the records' tokens with separators, builds the suffix array and returns the index. */
export function buildSpanIndex({ records, vocabSize, pointerWidth }: BuildSpanIndexParameters): SpanIndex {
	if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize >= 2 ** 32 - 1) {
		throw new SpanIndexError('The vocabulary size must be a positive integer below 2^32 - 1.', { details: String(vocabSize) });
	}
	let total = Math.max(0, records.length - 1);
	for (const r of records) total += r.length;
	if (total > MAX_SAIS_LENGTH) {
		throw new SpanIndexError('The records are too large for one index.', { details: `${total} tokens; at most ${MAX_SAIS_LENGTH}`, hint: 'Split them into segments.' });
	}
	const tokens: TokenArray = vocabSize + 1 <= 65536 ? new Uint16Array(total) : new Uint32Array(total);
	const recordStarts = new Uint32Array(records.length);
	let p = 0;
	for (let r = 0; r < records.length; r++) {
		if (r > 0) tokens[p++] = vocabSize;
		recordStarts[r] = p;
		const record = records[r];
		if (copiesExactly(record, tokens)) {
			tokens.set(record, p);
			p += record.length;
		} else {
			for (let i = 0; i < record.length; i++) {
				const id = record[i];
				if (id >>> 0 !== id || id >= vocabSize) throw tokenOutsideVocabulary(r, i, id, vocabSize);
				tokens[p++] = id;
			}
		}
	}
	// One pass counts the unigrams and checks the ids copied unchecked: only the separators may be vocabSize.
	const counts = new Uint32Array(vocabSize + 1);
	let valid = true;
	for (let i = 0; i < total; i++) {
		const id = tokens[i];
		if (id > vocabSize) valid = false;
		counts[id]++;
	}
	if (!valid || counts[vocabSize] !== Math.max(0, records.length - 1)) throw firstTokenOutsideVocabulary(records, vocabSize);
	const sa = PackedSuffixArray.packInPlace(suffixArrayWithCounts(tokens, counts), pointerWidth);
	return new SpanIndex({ tokens, suffixArray: sa, recordStarts, vocabSize, unigramCounts: counts.subarray(0, vocabSize) });
}

// Whether tokens.set(record) copies every value unchanged: an unsigned integer array no wider than the tokens.
function copiesExactly(record: ArrayLike<number>, tokens: TokenArray): record is Uint8Array | Uint16Array | Uint32Array {
	return record instanceof Uint8Array || record instanceof Uint16Array || (record instanceof Uint32Array && tokens instanceof Uint32Array);
}

function tokenOutsideVocabulary(record: number, offset: number, id: number, vocabSize: number): SpanIndexError {
	return new SpanIndexError('A token id lies outside the vocabulary.', { details: `record ${record}, offset ${offset}: id ${id}; vocabulary size ${vocabSize}` });
}

function firstTokenOutsideVocabulary(records: readonly ArrayLike<number>[], vocabSize: number): SpanIndexError {
	for (let r = 0; r < records.length; r++) {
		const record = records[r];
		for (let i = 0; i < record.length; i++) if (record[i] >= vocabSize) return tokenOutsideVocabulary(r, i, record[i], vocabSize);
	}
	return new SpanIndexError('A token id lies outside the vocabulary.', { details: `vocabulary size ${vocabSize}` });
}

/** An index's arrays; a plain Int32Array suffix array is packed at the narrowest width. */
export type SpanIndexParts = {
	tokens: TokenArray;
	suffixArray: Int32Array | PackedSuffixArray;
	recordStarts: Uint32Array;
	vocabSize: number;
	/** How often each id occurs in the records, when already counted; counted from `tokens` otherwise. */
	unigramCounts?: Uint32Array;
};

export class SpanIndex {
	readonly tokens: TokenArray;
	readonly suffixArray: PackedSuffixArray;
	/** Start offset of each record in `tokens`, ascending. */
	readonly recordStarts: Uint32Array;
	readonly vocabSize: number;
	/** How often each id occurs in the records, for unigram probabilities. */
	readonly unigramCounts: Uint32Array;
	/** Number of record tokens (separators excluded). */
	readonly tokenCount: number;

	/** Wraps parts built by buildSpanIndex (or reloaded from storage), counting unigrams unless given. */
	constructor({ tokens, suffixArray, recordStarts, vocabSize, unigramCounts }: SpanIndexParts) {
		if (suffixArray.length !== tokens.length) {
			throw new SpanIndexError('The suffix array does not match the tokens.', { details: `${suffixArray.length} entries for ${tokens.length} tokens` });
		}
		this.tokens = tokens;
		this.suffixArray = suffixArray instanceof PackedSuffixArray ? suffixArray : PackedSuffixArray.pack(suffixArray);
		this.recordStarts = recordStarts;
		this.vocabSize = vocabSize;
		this.unigramCounts = unigramCounts ?? countUnigrams(tokens, vocabSize);
		let count = 0;
		for (let id = 0; id < vocabSize; id++) count += this.unigramCounts[id];
		this.tokenCount = count;
	}

	/** The number of records. */
	get recordCount(): number {
		return this.recordStarts.length;
	}

	/** Maps a token position in the concatenation to its record and offset. */
	recordAt(position: number): Occurrence {
		const record = this.recordIndex(position);
		return { record, offset: position - this.recordStarts[record] };
	}

	/** Counts the occurrences of `ngram` in the records; an empty n-gram counts 0. */
	count(ngram: ArrayLike<number>): number {
		if (!this.isQueryable(ngram)) return 0;
		const lo = this.lowerBound(ngram);
		return this.upperBound(ngram, lo) - lo;
	}

	/** Returns the earliest `limit` occurrences of `ngram` (by record, then offset), in that order. */
	locate(ngram: ArrayLike<number>, limit: number): Occurrence[] {
		return this.earliest(ngram, limit, false);
	}

	/** Returns the first occurrence of `ngram` in each of the earliest `limit` records containing it, in record order. */
	locateRecords(ngram: ArrayLike<number>, limit: number): Occurrence[] {
		return this.earliest(ngram, limit, true);
	}

	/** The token ids of record `record` (a view into `tokens`). */
	recordTokens(record: number): TokenArray {
		const end = record + 1 < this.recordStarts.length ? this.recordStarts[record + 1] - 1 : this.tokens.length;
		return this.tokens.subarray(this.recordStarts[record], end);
	}

	/** The length of the longest prefix of query[i..] that occurs in the records, from one binary search. */
	longestMatchAt(query: ArrayLike<number>, i: number): number {
		let end = i;
		while (end < query.length && isToken(query[end], this.vocabSize)) end++;
		if (end === i) return 0;
		// The suffixes sharing the longest prefix with query[i, end) sit on either side of its insertion point, and the
		// search computes the common prefix with both neighbours on its way there.
		const { lcpBefore, lcpAfter } = this.search(query, i, end - i);
		return Math.max(lcpBefore, lcpAfter);
	}

	// The earliest positions are chosen, not the first in suffix-array order, because that order depends on the text
	// after each match (the next record among it), so a segmented index could not reproduce it. A small limit over a
	// large range keeps a sorted list of at most `limit` positions and rejects most candidates with one comparison.
	private earliest(ngram: ArrayLike<number>, limit: number, oncePerRecord: boolean): Occurrence[] {
		if (!this.isQueryable(ngram) || limit <= 0) return [];
		const lo = this.lowerBound(ngram);
		const hi = this.upperBound(ngram, lo);
		const SA = this.suffixArray;
		let kept: number[];
		if (hi - lo <= 8 * limit) {
			const sorted = Array.from(SA.slice(lo, hi)).sort((a, b) => a - b);
			kept = oncePerRecord ? sorted.filter((p, j) => j === 0 || this.recordIndex(sorted[j - 1]) !== this.recordIndex(p)) : sorted;
			kept.length = Math.min(kept.length, limit);
		} else {
			kept = [];
			for (let r = lo; r < hi; r++) {
				const p = SA.at(r);
				if (kept.length === limit && p >= kept[limit - 1]) continue;
				let j = kept.length;
				while (j > 0 && kept[j - 1] > p) j--;
				if (oncePerRecord) {
					// Records are contiguous, so an occurrence already kept in p's record sits next to p's slot.
					const record = this.recordIndex(p);
					if (j > 0 && this.recordIndex(kept[j - 1]) === record) continue;
					if (j < kept.length && this.recordIndex(kept[j]) === record) {
						kept[j] = p;
						continue;
					}
				}
				kept.splice(j, 0, p);
				if (kept.length > limit) kept.pop();
			}
		}
		return kept.map((p) => this.recordAt(p));
	}

	private recordIndex(position: number): number {
		const starts = this.recordStarts;
		let lo = 0;
		let hi = starts.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (starts[mid] <= position) lo = mid + 1;
			else hi = mid;
		}
		return lo - 1;
	}

	private isQueryable(ngram: ArrayLike<number>): boolean {
		if (ngram.length === 0) return false;
		for (let k = 0; k < ngram.length; k++) if (!isToken(ngram[k], this.vocabSize)) return false;
		return true;
	}

	// First rank whose suffix is >= q, a suffix that starts with it counting as equal.
	private lowerBound(q: ArrayLike<number>): number {
		return this.search(q, 0, q.length).rank;
	}

	// First rank at or after `from` whose suffix is > q and does not start with it.
	private upperBound(q: ArrayLike<number>, from: number): number {
		const T = this.tokens;
		const SA = this.suffixArray;
		const n = T.length;
		const m = q.length;
		let lo = from;
		let hi = n;
		let lcpLo = 0;
		let lcpHi = 0;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			const p = SA.at(mid);
			let k = lcpLo < lcpHi ? lcpLo : lcpHi;
			while (k < m && p + k < n && T[p + k] === q[k]) k++;
			if (k < m && p + k < n && T[p + k] > q[k]) {
				hi = mid;
				lcpHi = k;
			} else {
				lo = mid + 1;
				lcpLo = k;
			}
		}
		return lo;
	}

	// Binary search for the insertion point of q[qs, qs + m), skipping the prefix both bounds already share with it
	// (Manber and Myers); also returns the common prefix length with the suffixes just before and at the point.
	private search(q: ArrayLike<number>, qs: number, m: number): { rank: number; lcpBefore: number; lcpAfter: number } {
		const T = this.tokens;
		const SA = this.suffixArray;
		const n = T.length;
		let lo = 0;
		let hi = n;
		let lcpLo = 0;
		let lcpHi = 0;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			const p = SA.at(mid);
			let k = lcpLo < lcpHi ? lcpLo : lcpHi;
			while (k < m && p + k < n && T[p + k] === q[qs + k]) k++;
			if (k === m || (p + k < n && T[p + k] > q[qs + k])) {
				hi = mid;
				lcpHi = k;
			} else {
				lo = mid + 1;
				lcpLo = k;
			}
		}
		return { rank: lo, lcpBefore: lcpLo, lcpAfter: lcpHi };
	}
}

function countUnigrams(tokens: TokenArray, vocabSize: number): Uint32Array {
	const counts = new Uint32Array(vocabSize);
	for (let i = 0; i < tokens.length; i++) {
		const id = tokens[i];
		if (id < vocabSize) counts[id]++;
	}
	return counts;
}

function isToken(id: number, vocabSize: number): boolean {
	return id >= 0 && id < vocabSize;
}
