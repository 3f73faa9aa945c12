import { describe, expect, it } from 'vitest';
import { buildSpanIndex, SpanIndexError, type SpanIndex } from './index';
import { maximalSpans, type MatchSpan } from './maximal';
import { byteSegmentation, byteTokenizer, type Segmentation } from './tokenizer';
import { nounGlosses, randomText, rng } from './testText.node';

// The definition, evaluated over every span [s, e): it occurs in a record (checked by naive search), starts and ends on
// word boundaries, has no sentence end before its last token, is long enough; maximal = contained in no other such
// span, found with a dominance table D[s][e] = some qualifying span [s' <= s, e' >= e) exists.
function naiveMaximalSpans(records: ArrayLike<number>[], index: SpanIndex, tokens: ArrayLike<number>, seg: Segmentation, minLength: number, keep: number): MatchSpan[] {
	const L = tokens.length;
	const occurs = (s: number, e: number) =>
		records.some((r) => {
			for (let o = 0; o + e - s <= r.length; o++) {
				let k = 0;
				while (k < e - s && r[o + k] === tokens[s + k]) k++;
				if (k === e - s) return true;
			}
			return false;
		});
	const qualifies: boolean[][] = [];
	for (let s = 0; s <= L; s++) {
		qualifies.push([]);
		for (let e = 0; e <= L; e++) {
			let ok = e - s >= minLength && seg.wordBoundary[s] === 1 && seg.wordBoundary[e] === 1;
			for (let k = s; ok && k < e - 1; k++) if (seg.sentenceEnd[k]) ok = false;
			qualifies[s].push(ok && occurs(s, e));
		}
	}
	const dominated: boolean[][] = qualifies.map((row) => row.map(() => false));
	for (let s = 0; s <= L; s++) {
		for (let e = L; e >= 0; e--) {
			dominated[s][e] = qualifies[s][e] || (s > 0 && dominated[s - 1][e]) || (e < L && dominated[s][e + 1]);
		}
	}
	const spans: MatchSpan[] = [];
	for (let s = 0; s < L; s++) {
		for (let e = s + 1; e <= L; e++) {
			if (!qualifies[s][e] || (s > 0 && dominated[s - 1][e]) || (e < L && dominated[s][e + 1])) continue;
			let logProbability = 0;
			for (let i = s; i < e; i++) logProbability += Math.log(index.unigramCounts[tokens[i]] / index.tokenCount);
			spans.push({ start: s, end: e, logProbability });
		}
	}
	spans.sort((a, b) => a.logProbability - b.logProbability || a.start - b.start);
	return spans.slice(0, keep).sort((a, b) => a.start - b.start);
}

function randomSegmentation(next: () => number, L: number): Segmentation {
	const density = next();
	const wordBoundary = Uint8Array.from({ length: L + 1 }, () => (next() < density ? 1 : 0));
	const sentenceEnd = Uint8Array.from({ length: L }, () => (next() < 0.1 ? 1 : 0));
	return { wordBoundary, sentenceEnd };
}

describe('maximalSpans', () => {
	it('equals the naive definition on random texts over small alphabets', () => {
		const next = rng(21);
		for (let c = 0; c < 300; c++) {
			const alphabet = 1 + (c % 4);
			const records = Array.from({ length: 1 + Math.floor(next() * 4) }, () => randomText(next, Math.floor(next() * 50), alphabet));
			const index = buildSpanIndex({ records, vocabSize: alphabet });
			const tokens = randomText(next, Math.floor(next() * 40), alphabet);
			const seg = randomSegmentation(next, tokens.length);
			const minLength = 1 + Math.floor(next() * 3);
			const keep = next() < 0.5 ? Math.ceil(0.05 * tokens.length) : 1000;
			const got = maximalSpans(index, { tokens, segmentation: seg, minLength, keep });
			expect(got).toEqual(naiveMaximalSpans(records, index, tokens, seg, minLength, keep));
		}
	});

	it('equals the naive definition on WordNet text quoting two glosses', () => {
		const glosses = nounGlosses(200);
		const records = glosses.map((g) => byteTokenizer.encode(g));
		const index = buildSpanIndex({ records, vocabSize: byteTokenizer.vocabSize });
		const next = rng(22);
		for (let c = 0; c < 4; c++) {
			const a = glosses[Math.floor(next() * glosses.length)];
			const b = glosses[Math.floor(next() * glosses.length)];
			const text = `As we know, ${a.slice(0, 40)}. Also ${b.slice(5, 50)} zq!`;
			const tokens = byteTokenizer.encode(text);
			const segmentation = byteSegmentation(tokens);
			for (const [minLength, keep] of [[1, 1000], [4, Math.ceil(0.05 * tokens.length)]]) {
				expect(maximalSpans(index, { tokens, segmentation, minLength, keep })).toEqual(naiveMaximalSpans(records, index, tokens, segmentation, minLength, keep));
			}
		}
	});

	it('keeps ceil(0.05 L) spans by default, the rarest ones, in text order', () => {
		const records = [byteTokenizer.encode('the cat sat on the mat'), byteTokenizer.encode('a dog barked at the moon')];
		const index = buildSpanIndex({ records, vocabSize: 256 });
		const tokens = byteTokenizer.encode('the dog barked at the cat sat');
		const segmentation = byteSegmentation(tokens);
		const all = maximalSpans(index, { tokens, segmentation, keep: 100 });
		expect(all.map((s) => byteTokenizer.decode(tokens.subarray(s.start, s.end)))).toEqual(['the ', ' dog barked at the ', 'the cat sat']);
		const kept = maximalSpans(index, { tokens, segmentation });
		expect(kept).toHaveLength(2);
		expect(kept.map((s) => s.start)).toEqual([3, 18]);
	});

	it('returns nothing for an empty response or an empty index, and rejects bad options', () => {
		const index = buildSpanIndex({ records: [[1, 2]], vocabSize: 4 });
		const empty = { tokens: [], segmentation: byteSegmentation([]) };
		expect(maximalSpans(index, empty)).toEqual([]);
		const tokens = [1, 2];
		expect(maximalSpans(buildSpanIndex({ records: [], vocabSize: 4 }), { tokens, segmentation: byteSegmentation(tokens) })).toEqual([]);
		expect(() => maximalSpans(index, { tokens, segmentation: byteSegmentation([1]) })).toThrow(SpanIndexError);
		expect(() => maximalSpans(index, { tokens, segmentation: byteSegmentation(tokens), minLength: 0 })).toThrow(SpanIndexError);
		expect(() => maximalSpans(index, { tokens, segmentation: byteSegmentation(tokens), keep: -1 })).toThrow(SpanIndexError);
	});
});
