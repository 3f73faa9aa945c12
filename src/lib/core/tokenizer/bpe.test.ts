// Tests of the byte-level BPE: the byte map and pre-tokenizer, a merge sequence worked out by hand, training on the
// noun.animal demo Datanet (deterministic, vocabulary size honoured) and round trips over glosses and seeded Unicode.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataFile, synsetText } from '../../demo/wordnet';
import { wordnetDictDir } from '../../demo/wordnet.node';
import { BYTE_TO_UNICODE, END_OF_TEXT, SEPARATOR, TokenizerError, preTokenize, trainBpe, type BpeTokenizer } from './bpe';

const synsets = parseDataFile(readFileSync(join(wordnetDictDir(), 'data.noun'), 'utf8'));
const animalTexts = synsets.filter((s) => s.lexname === 'noun.animal').map(synsetText);
const nounGlosses = synsets.filter((_, i) => i % 20 === 0).map((s) => s.gloss);
const animal1024 = trainBpe(animalTexts, { vocabSize: 1024 });

/** mulberry32: a small seeded PRNG, so the random strings are the same on every run. */
function seededRandom(seed: number): () => number {
	return () => {
		seed = (seed + 0x6d2b79f5) | 0;
		let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const RANGES = [
	[0x20, 0x7e], [0x00, 0x1f], [0x80, 0xff], [0x300, 0x36f], [0x600, 0x6ff], [0x4e00, 0x9fff], [0xac00, 0xd7a3],
	[0x1f300, 0x1faff], [0x200b, 0x200d], [0x2000, 0x200a], [0x85, 0x85], [0xfeff, 0xfeff], [0xe000, 0xfffd],
	[0x0, 0xd7ff], [0x10000, 0x10ffff]
];

function randomUnicode(random: () => number): string {
	const n = Math.floor(random() * 60);
	let s = '';
	for (let i = 0; i < n; i++) {
		const [lo, hi] = RANGES[Math.floor(random() * RANGES.length)];
		s += String.fromCodePoint(lo + Math.floor(random() * (hi - lo + 1)));
	}
	return s;
}

const mergeStrings = (tok: BpeTokenizer) => tok.model.merges.map(([l, r]) => `${tok.decode([l])}|${tok.decode([r])}`);

describe('byte map and pre-tokenizer', () => {
	it('maps every byte to a distinct printable character, as GPT-2 does', () => {
		expect(new Set(BYTE_TO_UNICODE).size).toBe(256);
		expect([BYTE_TO_UNICODE[0x41], BYTE_TO_UNICODE[0x20], BYTE_TO_UNICODE[0x0a], BYTE_TO_UNICODE[0xad]]).toEqual(['A', 'Ġ', 'Ċ', 'Ń']);
	});

	it("splits on contractions, letters, numbers, other characters and whitespace like GPT-2's regex", () => {
		expect(preTokenize("Hello world's  2024 ok!! \n")).toEqual(['Hello', ' world', "'s", ' ', ' 2024', ' ok', '!!', ' \n']);
		expect(preTokenize('naïve 中文\u0085x')).toEqual(['naïve', ' 中文', '\u0085', 'x']);
	});
});

describe('trainBpe', () => {
	it('learns the merges of "aaabdaaabac" worked out by hand, with the documented tie rule', () => {
		// Pairs: aa x4 (overlapping), ab x2 -> merge a+a (258): "Z a b d Z a b a c". Then Za and ab tie at 2; ab has
		// the smaller left id (97 < 258) -> merge a+b (259): "Z Y d Z Y a c". Then ZY x2 -> 260: "X d X a c". Every
		// pair left occurs once, below minFrequency 2, so training stops with vocabulary 261 though 300 was allowed.
		const tok = trainBpe(['aaabdaaabac'], { vocabSize: 300 });
		expect(tok.model.merges).toEqual([
			[97, 97, 258],
			[97, 98, 259],
			[258, 259, 260]
		]);
		expect(tok.vocabSize).toBe(261);
		expect(Array.from(tok.encode('aaabdaaabac'))).toEqual([260, 100, 260, 97, 99]);
		// Merges apply by rank, not by what covers most: "aab" takes a+a (rank 0) first, leaving "Z b" with no merge.
		expect(Array.from(tok.encode('aab aaab'))).toEqual([258, 98, 32, 260]);
	});

	it('is deterministic and independent of the order of the texts', () => {
		const again = trainBpe(animalTexts, { vocabSize: 1024 });
		const reversed = trainBpe([...animalTexts].reverse(), { vocabSize: 1024 });
		expect(again.model).toEqual(animal1024.model);
		expect(mergeStrings(reversed)).toEqual(mergeStrings(animal1024));
	});

	it('honours the vocabulary size and puts the special tokens at fixed ids', () => {
		const start = performance.now();
		const tok = trainBpe(animalTexts, { vocabSize: 4096 });
		const seconds = (performance.now() - start) / 1000;
		expect(tok.vocabSize).toBe(4096);
		expect(seconds).toBeLessThan(5);
		expect(trainBpe(animalTexts, { vocabSize: 512 }).vocabSize).toBe(512);
		expect([tok.tokenId(END_OF_TEXT), tok.tokenId(SEPARATOR)]).toEqual([256, 257]);
		// The 256 bytes and the two special tokens, then one token per merge: fewer merges only if one repeated a token.
		expect(tok.model.merges.length).toBeGreaterThanOrEqual(4096 - 258);
	});

	it('compresses the text it was trained on', () => {
		const bytes = animalTexts.reduce((n, t) => n + Buffer.byteLength(t), 0);
		const tokens = animalTexts.reduce((n, t) => n + animal1024.encode(t).length, 0);
		expect(bytes / tokens).toBeGreaterThan(2.5);
	});

	it('rejects a vocabulary size outside what it can build', () => {
		expect(() => trainBpe(animalTexts, { vocabSize: 100 })).toThrow(TokenizerError);
		expect(() => trainBpe(animalTexts, { vocabSize: 70_000 })).toThrow(/vocabSize 70000/);
		expect(() => trainBpe(animalTexts, { vocabSize: 512, minFrequency: 0 })).toThrow(/minFrequency/);
	});
});

describe('encode and decode', () => {
	it('round-trips WordNet noun glosses', () => {
		for (const gloss of nounGlosses) expect(animal1024.decode(animal1024.encode(gloss))).toBe(gloss);
	});

	it('round-trips seeded random Unicode: emoji, CJK, combining marks, control characters, BOM', () => {
		const random = seededRandom(42);
		for (let i = 0; i < 2000; i++) {
			const s = randomUnicode(random);
			expect(animal1024.decode(animal1024.encode(s))).toBe(s);
		}
		for (const s of ['\ufeffbom first', '👩‍👩‍👧‍👦', 'e\u0301\u0327', '\u0000\r\n\t']) {
			expect(animal1024.decode(animal1024.encode(s))).toBe(s);
		}
	});

	it('encodes a lone surrogate as U+FFFD, as TextEncoder does', () => {
		expect(animal1024.decode(animal1024.encode('a\ud800b'))).toBe('a\ufffdb');
	});

	it('encodes special-token text as ordinary text unless allowed', () => {
		const eot = animal1024.tokenId(END_OF_TEXT)!;
		const plain = animal1024.encode(`wolf${END_OF_TEXT}`);
		expect(Array.from(plain)).not.toContain(eot);
		const special = animal1024.encode(`wolf${END_OF_TEXT}dog${SEPARATOR}`, { allowSpecial: true });
		expect(Array.from(special)).toEqual([...animal1024.encode('wolf'), eot, ...animal1024.encode('dog'), 257]);
		expect(animal1024.decode(special)).toBe(`wolf${END_OF_TEXT}dog${SEPARATOR}`);
		expect(animal1024.decode(special, { skipSpecial: true })).toBe('wolfdog');
	});

	it('rejects ids outside the vocabulary', () => {
		expect(() => animal1024.decode([65, 1024])).toThrow(/id 1024 at position 1/);
		expect(() => animal1024.decode([1.5])).toThrow(TokenizerError);
	});
});
