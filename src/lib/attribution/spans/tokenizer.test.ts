import { describe, expect, it } from 'vitest';
import { byteSegmentation, byteTokenizer, TokenizerError } from './tokenizer';

describe('byteTokenizer', () => {
	it('round-trips UTF-8 text through byte ids', () => {
		for (const text of ['', 'plain ascii', 'café, 你好, 🙂']) {
			const ids = byteTokenizer.encode(text);
			expect(ids).toBeInstanceOf(Uint16Array);
			expect(Array.from(ids)).toEqual(Array.from(new TextEncoder().encode(text)));
			expect(byteTokenizer.decode(ids)).toBe(text);
		}
		expect(byteTokenizer.vocabSize).toBe(256);
		expect(byteTokenizer.hash).toMatch(/^[0-9a-f]{64}$/);
		expect(() => byteTokenizer.decode([256])).toThrow(TokenizerError);
		const ids = byteTokenizer.encode('a b. c');
		expect(byteTokenizer.segment(ids)).toEqual(byteSegmentation(ids));
	});
});

describe('byteSegmentation', () => {
	it('puts boundaries everywhere except inside a word, and never inside a UTF-8 character', () => {
		const ids = byteTokenizer.encode('ab, é!');
		const { wordBoundary } = byteSegmentation(ids);
		// a b , ' ' 0xC3 0xA9 !   -> positions 0..7
		expect(Array.from(wordBoundary)).toEqual([1, 0, 1, 1, 1, 0, 1, 1]);
	});

	it('ends sentences at . ! ? before a space or the end, and at newlines', () => {
		const ids = byteTokenizer.encode('Pi is 3.14. Yes! Ok?\nno');
		const ends = Array.from(byteSegmentation(ids).sentenceEnd).flatMap((f, i) => (f ? [i] : []));
		expect(ends).toEqual([10, 15, 19, 20]);
	});
});
