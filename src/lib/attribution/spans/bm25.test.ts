import { describe, expect, it } from 'vitest';
import { bm25Score, buildBm25Corpus, mergeBm25Corpora, words } from './bm25';
import { rng } from './testText.node';

describe('words', () => {
	it('splits on everything but letters and digits, lower-cases and NFC-normalizes', () => {
		expect(words('The cat, the CAT! 3.14 café')).toEqual(['the', 'cat', 'the', 'cat', '3', '14', 'café']);
		expect(words('cafe\u0301')).toEqual(['café']);
		expect(words(' ,. ')).toEqual([]);
	});
});

describe('bm25Score', () => {
	const docs = ['the cat sat', 'the dog', 'a cat and a dog ran'];
	const corpus = buildBm25Corpus(docs);
	const query = new Set(['cat', 'dog']);

	it('matches hand-computed Okapi BM25 (k1 1.2, b 0.75, N 3, avgdl 11/3)', () => {
		expect(corpus.documents).toBe(3);
		expect(corpus.totalWords).toBe(11);
		expect(corpus.documentFrequencies.get('cat')).toBe(2);
		// cat: idf ln(1 + 1.5 / 2.5) = ln 1.6; tf part 2.2 / (1 + 1.2 (0.25 + 0.75 * 3 / (11/3))).
		expect(bm25Score(corpus, query, words(docs[0]))).toBeCloseTo(0.5077717780244109, 12);
		expect(bm25Score(corpus, query, words(docs[1]))).toBeCloseTo(0.5773648643526296, 12);
		expect(bm25Score(corpus, query, words(docs[2]))).toBeCloseTo(0.7458418247702823, 12);
		expect(bm25Score(corpus, new Set(['bird']), words(docs[2]))).toBe(0);
		expect(bm25Score(buildBm25Corpus([]), query, ['cat'])).toBe(0);
	});

	it('gives a document with more query words a higher score, all else equal', () => {
		const next = rng(41);
		const vocabulary = Array.from({ length: 12 }, (_, i) => `w${i}`);
		const pick = () => vocabulary[Math.floor(next() * vocabulary.length)];
		for (let c = 0; c < 200; c++) {
			const stats = buildBm25Corpus(Array.from({ length: 1 + Math.floor(next() * 8) }, () => Array.from({ length: 1 + Math.floor(next() * 10) }, pick).join(' ')));
			const terms = new Set(vocabulary.slice(0, 1 + Math.floor(next() * 6)));
			const doc = Array.from({ length: 1 + Math.floor(next() * 10) }, pick);
			const others = doc.flatMap((w, i) => (terms.has(w) ? [] : [i]));
			if (others.length === 0) continue;
			// Replace one non-query word by a query word: same length, one more query-word occurrence.
			const more = [...doc];
			more[others[Math.floor(next() * others.length)]] = [...terms][Math.floor(next() * terms.size)];
			expect(bm25Score(stats, terms, more)).toBeGreaterThan(bm25Score(stats, terms, doc));
			expect(bm25Score(stats, terms, [...doc].reverse())).toBe(bm25Score(stats, terms, doc));
		}
	});

	it('merges disjoint corpora into the statistics of their union', () => {
		expect(mergeBm25Corpora([buildBm25Corpus(docs.slice(0, 1)), buildBm25Corpus([]), buildBm25Corpus(docs.slice(1))])).toEqual(corpus);
	});
});
