// SA-IS suffix array construction (Nong, Zhang and Chan, 2009) over an integer alphabet, in O(n) time. Guarantees: for a
// text of n <= 2^31 - 1 symbols in [0, alphabetSize) it returns the exact suffix array as an Int32Array of n; the end
// of the text is a virtual sentinel smaller than every symbol, so no copy of the text is made. Extra memory: one type byte
// per position and two bucket arrays per recursion level; the reduced string and its suffix array live in the output.
import { BaseError } from '../../core/errors';

/** The typed arrays the construction reads; the recursion runs on Int32Array views of the output. */
export type SaisText = Uint8Array | Uint16Array | Uint32Array | Int32Array;

/** The longest text whose positions (and the empty marker -1) fit an Int32Array. */
export const MAX_SAIS_LENGTH = 2 ** 31 - 1;

export class SuffixArrayError extends BaseError {
	override name = 'SuffixArrayError';
}

const EMPTY = -1;
const L_TYPE = 0;
const S_TYPE = 1;

/** Builds the suffix array of `text`: entry r is the start of the r-th smallest suffix. */
export function suffixArray(text: SaisText, alphabetSize: number): Int32Array {
	const n = text.length;
	if (n > MAX_SAIS_LENGTH) throw new SuffixArrayError('The text is too long for a suffix array.', { details: `${n} symbols; at most ${MAX_SAIS_LENGTH}` });
	if (!Number.isInteger(alphabetSize) || alphabetSize < 1 || alphabetSize > 2 ** 32) {
		throw new SuffixArrayError('The alphabet size must be a positive integer.', { details: String(alphabetSize) });
	}
	for (let i = 0; i < n; i++) {
		const c = text[i];
		if (c < 0 || c >= alphabetSize) {
			throw new SuffixArrayError('A symbol lies outside the alphabet.', { details: `symbol ${c} at position ${i}; alphabet size ${alphabetSize}` });
		}
	}
	const sa = new Int32Array(n);
	sais(text, sa, n, alphabetSize);
	return sa;
}

function sais(T: SaisText, SA: Int32Array, n: number, K: number): void {
	if (n === 0) return;
	if (n === 1) {
		SA[0] = 0;
		return;
	}
	const types = classify(T, n);
	const counts = new Int32Array(K);
	for (let i = 0; i < n; i++) counts[T[i]]++;
	const bucket = new Int32Array(K);

	// Stage 1: seed the LMS positions at their buckets' ends and induce, which sorts the LMS substrings.
	SA.fill(EMPTY, 0, n);
	bucketEnds(counts, bucket, K);
	for (let i = 1; i < n; i++) if (types[i] === S_TYPE && types[i - 1] === L_TYPE) SA[--bucket[T[i]]] = i;
	induce(T, SA, types, counts, bucket, n, K);

	// Compact the sorted LMS positions into SA[0, m), then name each LMS substring by rank; position 0 is never LMS.
	let m = 0;
	for (let i = 0; i < n; i++) {
		const p = SA[i];
		if (p > 0 && types[p] === S_TYPE && types[p - 1] === L_TYPE) SA[m++] = p;
	}
	SA.fill(EMPTY, m, n);
	// LMS positions are at least two apart, so p >> 1 gives each its own slot in SA[m, m + n/2), and m <= n/2.
	let names = 0;
	for (let i = 0; i < m; i++) {
		const p = SA[i];
		if (i === 0 || !equalLmsSubstrings(T, types, n, p, SA[i - 1])) names++;
		SA[m + (p >> 1)] = names - 1;
	}
	// Gather the names in text order into SA[n - m, n): the reduced string.
	for (let i = n - 1, j = n - 1; i >= m; i--) if (SA[i] !== EMPTY) SA[j--] = SA[i];

	// Stage 2: sort the LMS suffixes by sorting the reduced string's suffixes (directly when every name is unique).
	const reduced = SA.subarray(n - m, n);
	const reducedSa = SA.subarray(0, m);
	if (names < m) sais(reduced, reducedSa, m, names);
	else for (let i = 0; i < m; i++) reducedSa[reduced[i]] = i;

	// Stage 3: map reduced ranks back to LMS positions, seed them in order at their buckets' ends, induce the rest.
	for (let i = 1, j = 0; i < n; i++) if (types[i] === S_TYPE && types[i - 1] === L_TYPE) reduced[j++] = i;
	for (let i = 0; i < m; i++) reducedSa[i] = reduced[reducedSa[i]];
	SA.fill(EMPTY, m, n);
	bucketEnds(counts, bucket, K);
	// The i-th smallest LMS suffix lands at or after slot i, so walking down never overwrites an unread entry.
	for (let i = m - 1; i >= 0; i--) {
		const p = SA[i];
		SA[i] = EMPTY;
		SA[--bucket[T[p]]] = p;
	}
	induce(T, SA, types, counts, bucket, n, K);
}

// Suffix types: S when the suffix is smaller than the next one, L otherwise; the last suffix is L (the sentinel is smaller).
function classify(T: SaisText, n: number): Uint8Array {
	const types = new Uint8Array(n);
	let next = T[n - 1];
	let nextType = L_TYPE;
	for (let i = n - 2; i >= 0; i--) {
		const c = T[i];
		nextType = c < next || (c === next && nextType === S_TYPE) ? S_TYPE : L_TYPE;
		types[i] = nextType;
		next = c;
	}
	return types;
}

function bucketStarts(counts: Int32Array, bucket: Int32Array, K: number): void {
	let sum = 0;
	for (let c = 0; c < K; c++) {
		bucket[c] = sum;
		sum += counts[c];
	}
}

function bucketEnds(counts: Int32Array, bucket: Int32Array, K: number): void {
	let sum = 0;
	for (let c = 0; c < K; c++) {
		sum += counts[c];
		bucket[c] = sum;
	}
}

// Induced sorting: L suffixes left to right from bucket starts (the sentinel first induces n - 1), then S suffixes
// right to left from bucket ends, overwriting the LMS seeds.
function induce(T: SaisText, SA: Int32Array, types: Uint8Array, counts: Int32Array, bucket: Int32Array, n: number, K: number): void {
	bucketStarts(counts, bucket, K);
	SA[bucket[T[n - 1]]++] = n - 1;
	// T[j] against T[j + 1] decides the type of j without touching `types`, except across a run of equal symbols.
	for (let i = 0; i < n; i++) {
		const j = SA[i] - 1;
		if (j < 0) continue;
		const c = T[j];
		const next = T[j + 1];
		if (c > next || (c === next && types[j] === L_TYPE)) SA[bucket[c]++] = j;
	}
	bucketEnds(counts, bucket, K);
	for (let i = n - 1; i >= 0; i--) {
		const j = SA[i] - 1;
		if (j < 0) continue;
		const c = T[j];
		const next = T[j + 1];
		if (c < next || (c === next && types[j] === S_TYPE)) SA[--bucket[c]] = j;
	}
}

// Two LMS substrings (from an LMS position through the next one) are equal when symbols and types agree throughout;
// the one that runs into the sentinel is unique.
function equalLmsSubstrings(T: SaisText, types: Uint8Array, n: number, p: number, q: number): boolean {
	for (let d = 0; ; d++) {
		const a = p + d;
		const b = q + d;
		if (a === n || b === n) return false;
		if (T[a] !== T[b] || types[a] !== types[b]) return false;
		if (d > 0 && types[a] === S_TYPE && types[a - 1] === L_TYPE) return true;
	}
}
