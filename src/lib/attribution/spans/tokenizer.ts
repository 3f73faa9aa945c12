// The tokenizer interface span attribution builds on, with a byte-level tokenizer behind it (UTF-8 bytes as ids) until
// the engine's BPE tokenizer lands. Every byte >= 0x80 counts as part of a word, so a span never splits a character.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { TokenizerError } from '../../core/tokenizer/bpe';

/** What an index needs from a tokenizer: ids below vocabSize, a hash that keys the indexes built with it, and where
 * spans may start and end. */
export interface Tokenizer {
	/** Every id is below this. */
	readonly vocabSize: number;
	/** Hex sha2-256 of the tokenizer's definition. */
	readonly hash: string;
	/** Turns text into token ids. */
	encode(text: string): Uint16Array | Uint32Array;
	/** Turns token ids back into text. */
	decode(ids: ArrayLike<number>): string;
	/** Word boundaries and sentence ends of a token sequence. */
	segment(ids: ArrayLike<number>): Segmentation;
}

/** Where spans may start and end over a text of L tokens: wordBoundary has L + 1 flags, sentenceEnd has L. */
export type Segmentation = {
	/** wordBoundary[p] is 1 when position p (between tokens p - 1 and p) is not inside a word. */
	wordBoundary: Uint8Array;
	/** sentenceEnd[i] is 1 when token i ends a sentence or a line. */
	sentenceEnd: Uint8Array;
};

// One tokenizer error type for every tokenizer: the byte tokenizer here and the BPE tokenizer in core.
export { TokenizerError };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The byte tokenizer: ids are the text's UTF-8 bytes, vocabulary 256. */
export const byteTokenizer: Tokenizer = {
	vocabSize: 256,
	hash: bytesToHex(sha256(encoder.encode('ledgerlight byte tokenizer v1: UTF-8 bytes as ids'))),
	encode: (text) => Uint16Array.from(encoder.encode(text)),
	decode: (ids) => {
		const bytes = new Uint8Array(ids.length);
		for (let i = 0; i < ids.length; i++) {
			const id = ids[i];
			if (id >>> 0 !== id || id > 255) throw new TokenizerError('Not a byte token.', { details: `id ${id} at ${i}` });
			bytes[i] = id;
		}
		return decoder.decode(bytes);
	},
	segment: (ids) => byteSegmentation(ids)
};

const isWordByte = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b >= 0x80;
const isSpaceByte = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/** Word boundaries and sentence ends of byte-tokenized text: '.', '!' or '?' before a space or the end, and '\n'. */
export function byteSegmentation(ids: ArrayLike<number>): Segmentation {
	const L = ids.length;
	const wordBoundary = new Uint8Array(L + 1);
	const sentenceEnd = new Uint8Array(L);
	wordBoundary[0] = 1;
	wordBoundary[L] = 1;
	for (let p = 1; p < L; p++) wordBoundary[p] = isWordByte(ids[p - 1]) && isWordByte(ids[p]) ? 0 : 1;
	for (let i = 0; i < L; i++) {
		const b = ids[i];
		const terminal = b === 0x2e || b === 0x21 || b === 0x3f;
		sentenceEnd[i] = b === 0x0a || (terminal && (i + 1 === L || isSpaceByte(ids[i + 1]))) ? 1 : 0;
	}
	return { wordBoundary, sentenceEnd };
}
