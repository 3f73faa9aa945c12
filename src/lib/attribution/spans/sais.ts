// Suffix arrays over an integer alphabet by SA-IS, in O(n) time (saisInduce.ts). Guarantees: for n <= 2^31 - 1 symbols
// in [0, alphabetSize) it returns the exact suffix array; the end of the text is a virtual sentinel smaller than every
// symbol. Extra memory: a copy of the text in 1 or 2 bytes a symbol when that is narrower (compactAlphabet), and two
// bucket arrays per recursion level. Byte texts run a generated copy of the construction (saisBytes.ts), so V8 sees one
// array type at each access in it and another in the Int32Array recursion, which measured faster than one shared copy.
import { BaseError } from '../../core/errors';
import { saisBytes } from './saisBytes';
import { sais, type SaisText } from './saisInduce';

export type { SaisText } from './saisInduce';

/** The longest text whose positions (and their complements ~p) fit an Int32Array. */
export const MAX_SAIS_LENGTH = 2 ** 31 - 1;

export class SuffixArrayError extends BaseError {
	override name = 'SuffixArrayError';
}

/** Builds the suffix array of `text`: entry r is the start of the r-th smallest suffix. */
export function suffixArray(text: SaisText, alphabetSize: number): Int32Array {
	checkSizes(text.length, alphabetSize);
	return suffixArrayOf(compactAlphabet(text, alphabetSize, null), text.length);
}

/**
 * Builds the suffix array of `text` whose symbols the caller has counted (counts[c] occurrences of c, every symbol
 * below counts.length): the counts stand in for the pass that checks and finds the symbols.
 */
export function suffixArrayWithCounts(text: SaisText, counts: Uint32Array): Int32Array {
	checkSizes(text.length, counts.length);
	return suffixArrayOf(compactAlphabet(text, counts.length, counts), text.length);
}

function checkSizes(n: number, alphabetSize: number): void {
	if (n > MAX_SAIS_LENGTH) throw new SuffixArrayError('The text is too long for a suffix array.', { details: `${n} symbols; at most ${MAX_SAIS_LENGTH}` });
	if (!Number.isInteger(alphabetSize) || alphabetSize < 1 || alphabetSize > 2 ** 32) {
		throw new SuffixArrayError('The alphabet size must be a positive integer.', { details: String(alphabetSize) });
	}
}

function suffixArrayOf({ symbols, size }: { symbols: SaisText; size: number }, n: number): Int32Array {
	const sa = new Int32Array(n);
	if (symbols instanceof Uint8Array) saisBytes(symbols, sa, n, size);
	else sais(symbols, sa, n, size);
	return sa;
}

// Checks every symbol and renumbers the symbols that occur as 0, 1, ... in order, into the narrowest array that holds
// them, when that is narrower than the text's own: the suffix order is unchanged, and the induced sorts' scattered
// reads of T touch fewer cache lines (a byte text's 257 ids with the separator need 16-bit storage, but fewer than 256
// of them occur). The check shares the pass that finds the symbols; given counts, there is neither.
function compactAlphabet(text: SaisText, alphabetSize: number, counts: Uint32Array | null): { symbols: SaisText; size: number } {
	const width = text.BYTES_PER_ELEMENT;
	if (width === 1) {
		if (counts === null && alphabetSize < 256) for (let i = 0; i < text.length; i++) if (text[i] >= alphabetSize) throw symbolOutside(text, i, alphabetSize);
		return { symbols: text, size: alphabetSize };
	}
	const rank = new Int32Array(alphabetSize);
	if (counts !== null) for (let c = 0; c < alphabetSize; c++) rank[c] = counts[c] > 0 ? 1 : 0;
	else {
		for (let i = 0; i < text.length; i++) {
			const c = text[i];
			if (c < 0 || c >= alphabetSize) throw symbolOutside(text, i, alphabetSize);
			rank[c] = 1;
		}
	}
	let size = 0;
	for (let c = 0; c < alphabetSize; c++) rank[c] = rank[c] === 1 ? size++ : -1;
	const narrow = size <= 256 ? 1 : size <= 65536 ? 2 : 4;
	// Symbols of 2^31 and above are renumbered too: the branch-free flags need differences that fit an int32.
	if (narrow >= width && alphabetSize <= 2 ** 31) return { symbols: text, size: alphabetSize };
	const symbols = narrow === 1 ? new Uint8Array(text.length) : narrow === 2 ? new Uint16Array(text.length) : new Int32Array(text.length);
	for (let i = 0; i < text.length; i++) symbols[i] = rank[text[i]];
	return { symbols, size };
}

function symbolOutside(text: SaisText, i: number, alphabetSize: number): SuffixArrayError {
	return new SuffixArrayError('A symbol lies outside the alphabet.', { details: `symbol ${text[i]} at position ${i}; alphabet size ${alphabetSize}` });
}
