// The tokenizer interface span attribution builds on, and two tokenizers behind it: bytes (UTF-8 bytes as ids) and the
// engine's byte-level BPE. Both segment through the bytes a token stands for, so word boundaries and sentence ends
// are the same with either; every byte >= 0x80 counts as part of a word, so a span never splits a character.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { TokenizerError, type BpeTokenizer } from '../../core/tokenizer/bpe';
import { tokenizerHash } from '../../core/tokenizer/tokenizerJson';

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

/**
 * The span tokenizer over a byte-level BPE tokenizer: ids are 16-bit when the vocabulary fits, the hash is the
 * tokenizer.json hash, and segmentation is byteSegmentation of the tokens' bytes, read at token edges.
 */
export function bpeSpanTokenizer(bpe: BpeTokenizer): Tokenizer {
	const { tokenBytes } = bpe.model;
	const narrow = bpe.vocabSize <= 65536;
	return {
		vocabSize: bpe.vocabSize,
		hash: tokenizerHash(bpe),
		encode: (text) => (narrow ? Uint16Array.from(bpe.encode(text)) : bpe.encode(text)),
		decode: (ids) => bpe.decode(ids),
		segment: (ids) => {
			for (let i = 0; i < ids.length; i++) {
				const id = ids[i];
				if (id >>> 0 !== id || id >= bpe.vocabSize) throw new TokenizerError('Cannot segment an unknown token id.', { details: `id ${id} at ${i}` });
			}
			return tokenSegmentation(Array.from(ids, (id) => tokenBytes[id]));
		}
	};
}

/**
 * Segmentation of tokens given the bytes each stands for: position p is a word boundary when byte segmentation has one
 * where token p starts (a GPT-2 pre-token with a leading space starts a new word), and a token ends a sentence when
 * any of its bytes does (so a span may end with it but never runs past it).
 */
export function tokenSegmentation(tokens: readonly Uint8Array[]): Segmentation {
	const L = tokens.length;
	const starts = new Uint32Array(L + 1);
	for (let i = 0; i < L; i++) starts[i + 1] = starts[i] + tokens[i].length;
	const bytes = new Uint8Array(starts[L]);
	for (let i = 0; i < L; i++) bytes.set(tokens[i], starts[i]);
	const inBytes = byteSegmentation(bytes);
	const wordBoundary = new Uint8Array(L + 1);
	const sentenceEnd = new Uint8Array(L);
	for (let p = 0; p <= L; p++) wordBoundary[p] = inBytes.wordBoundary[starts[p]];
	for (let i = 0; i < L; i++) sentenceEnd[i] = inBytes.sentenceEnd.subarray(starts[i], starts[i + 1]).includes(1) ? 1 : 0;
	return { wordBoundary, sentenceEnd };
}
