import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSaisBytes, SAIS_BYTES, SAIS_SOURCE } from '../../../../scripts/build-sais.mjs';
import { suffixArray, SuffixArrayError, suffixArrayWithCounts } from './sais';
import { nounGlosses, randomText, rng } from './testText.node';

// Naive suffix comparison; a suffix that is a prefix of the other is smaller (the sentinel is the smallest symbol).
function compareSuffixes(t: ArrayLike<number>, a: number, b: number): number {
	for (;;) {
		if (a === t.length) return -1;
		if (b === t.length) return 1;
		if (t[a] !== t[b]) return t[a] - t[b];
		a++;
		b++;
	}
}

function expectSuffixArray(t: ArrayLike<number>, sa: Int32Array): void {
	const n = t.length;
	expect(sa.length).toBe(n);
	const seen = new Uint8Array(n);
	for (const p of sa) {
		if (p < 0 || p >= n || seen[p]) expect.fail(`not a permutation: ${p}`);
		seen[p] = 1;
	}
	for (let r = 1; r < n; r++) if (compareSuffixes(t, sa[r - 1], sa[r]) >= 0) expect.fail(`suffixes ${sa[r - 1]}, ${sa[r]} out of order at rank ${r}`);
}

describe('suffixArray', () => {
	it('is a sorted permutation on random texts over alphabets of 1 to 4 symbols, lengths 0 to 300', () => {
		const next = rng(1);
		for (let c = 0; c < 3000; c++) {
			const alphabet = 1 + (c % 4);
			const t = randomText(next, Math.floor(next() * 301), alphabet);
			expectSuffixArray(t, suffixArray(t, alphabet));
		}
	});

	it('is a sorted permutation on skewed, periodic and Fibonacci texts (deep recursion)', () => {
		const next = rng(2);
		for (let c = 0; c < 300; c++) {
			const t = Uint16Array.from({ length: 1 + Math.floor(next() * 300) }, () => (next() < 0.9 ? 0 : 1 + Math.floor(next() * 3)));
			expectSuffixArray(t, suffixArray(t, 4));
		}
		for (const period of [1, 2, 3, 7]) {
			const t = Uint32Array.from({ length: 500 }, (_, i) => i % period);
			expectSuffixArray(t, suffixArray(t, period));
		}
		let [a, b] = [[0], [0, 1]];
		while (b.length < 2000) [a, b] = [b, [...b, ...a]];
		expectSuffixArray(b, suffixArray(Uint8Array.from(b), 2));
	});

	it('handles all-equal and strictly decreasing texts, which have no LMS positions', () => {
		expect(Array.from(suffixArray(new Uint16Array(6), 1))).toEqual([5, 4, 3, 2, 1, 0]);
		expect(Array.from(suffixArray(Uint16Array.of(3, 2, 1, 0), 4))).toEqual([3, 2, 1, 0]);
		expect(Array.from(suffixArray(new Uint16Array(0), 1))).toEqual([]);
		expect(Array.from(suffixArray(Uint16Array.of(0), 1))).toEqual([0]);
	});

	it('handles large, sparse alphabets', () => {
		const next = rng(3);
		for (let c = 0; c < 50; c++) {
			const t = Uint32Array.from({ length: Math.floor(next() * 300) }, () => Math.floor(next() * 8) * 9000 + (c % 3));
			expectSuffixArray(t, suffixArray(t, 70000));
		}
	});

	it('renumbers alphabets into 1, 2 or 4 bytes a symbol without changing the order', () => {
		const next = rng(4);
		for (const distinct of [200, 3000, 100_000]) {
			const t = Int32Array.from({ length: 3 * distinct }, () => Math.floor(next() * distinct) * 7);
			const t32 = Uint32Array.from(t);
			expectSuffixArray(t, suffixArray(t, 7 * distinct));
			expect(suffixArray(t32, 7 * distinct)).toEqual(suffixArray(t, 7 * distinct));
		}
	});

	it('is a sorted permutation on WordNet glosses (UTF-8 bytes)', () => {
		const t = new TextEncoder().encode(nounGlosses(400).join('\n'));
		expectSuffixArray(t, suffixArray(t, 256));
	});

	it('rejects symbols outside the alphabet and bad alphabet sizes', () => {
		expect(() => suffixArray(Uint16Array.of(0, 4), 4)).toThrow(SuffixArrayError);
		expect(() => suffixArray(Int32Array.of(-1), 4)).toThrow(SuffixArrayError);
		expect(() => suffixArray(Uint16Array.of(0), 0)).toThrow(SuffixArrayError);
	});

	it('gives the same suffix array from the caller\'s symbol counts', () => {
		const next = rng(5);
		for (const [length, alphabet] of [[0, 3], [1, 3], [500, 3], [2000, 300], [3000, 70_000]]) {
			const t = Uint32Array.from({ length }, () => Math.floor(next() * alphabet));
			const counts = new Uint32Array(alphabet);
			for (const c of t) counts[c]++;
			expect(suffixArrayWithCounts(t, counts)).toEqual(suffixArray(t, alphabet));
			if (alphabet <= 65536) expect(suffixArrayWithCounts(Uint16Array.from(t), counts)).toEqual(suffixArray(t, alphabet));
		}
	});

	it('runs a byte copy of the construction that is generated from saisInduce.ts (node scripts/build-sais.mjs)', () => {
		const read = (path: string) => readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8');
		expect(read(SAIS_BYTES)).toBe(generateSaisBytes(read(SAIS_SOURCE)));
	});
});
