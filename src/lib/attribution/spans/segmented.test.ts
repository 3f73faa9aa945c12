import { describe, expect, it } from 'vitest';
import { SpanIndexError } from './index';
import { maximalSpans } from './maximal';
import { buildSpanSegment, mergeSegments, spanIndexKey, type SourceRecord } from './segment';
import { SegmentedSpanIndex } from './segmented';
import { byteTokenizer } from './tokenizer';
import { nounGlosses, rng } from './testText.node';

const tokenizer = byteTokenizer;

function randomRecords(next: () => number, count: number, alphabet: string): SourceRecord[] {
	return Array.from({ length: count }, (_, i) => ({
		cid: `cid${i % 7}`,
		contributor: `0xc${Math.floor(next() * 3)}`,
		datanetId: `d${i % 2}`,
		text: Array.from({ length: Math.floor(next() * 40) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('')
	}));
}

// Splits the records at random cut points (empty segments included) into one SegmentedSpanIndex.
function segmented(next: () => number, records: SourceRecord[]): SegmentedSpanIndex {
	const cuts = Array.from({ length: Math.floor(next() * 5) }, () => Math.floor(next() * (records.length + 1))).sort((a, b) => a - b);
	let index = SegmentedSpanIndex.empty(tokenizer);
	for (const [i, from] of [0, ...cuts].entries()) index = index.withRecords(records.slice(from, cuts[i] ?? records.length), tokenizer);
	return index;
}

// Everything a query can observe, for one query, as one string.
function answers(index: SegmentedSpanIndex, query: Uint16Array): string {
	const segmentation = tokenizer.segment(query);
	return JSON.stringify({
		count: index.count(query),
		locate: [1, 2, 5, 1000].map((limit) => index.locate(query, limit)),
		records: [1, 3, 1000].map((limit) => index.locateRecords(query, limit)),
		longest: Array.from({ length: query.length + 1 }, (_, i) => index.longestMatchAt(query, i)),
		spans: [1, 3].map((minLength) => maximalSpans(index, { tokens: query, segmentation, minLength, keep: 1000 }))
	});
}

function expectSameIndex(single: SegmentedSpanIndex, other: SegmentedSpanIndex, next: () => number): void {
	expect(other.recordCount).toBe(single.recordCount);
	expect(other.tokenCount).toBe(single.tokenCount);
	expect(other.unigramCounts).toEqual(single.unigramCounts);
	expect(other.bm25).toEqual(single.bm25);
	for (let r = 0; r < single.recordCount; r++) {
		expect(other.record(r)).toEqual(single.record(r));
		expect(other.recordTokens(r)).toEqual(single.recordTokens(r));
	}
	for (let q = 0; q < 8; q++) {
		const from = single.recordCount ? single.recordTokens(Math.floor(next() * single.recordCount)) : new Uint16Array();
		const start = Math.floor(next() * (from.length + 1));
		const query = Uint16Array.from(from.subarray(start, start + 1 + Math.floor(next() * 20)));
		if (query.length && next() < 0.3) query[Math.floor(next() * query.length)] = 0x61 + Math.floor(next() * 3);
		expect(answers(other, query)).toBe(answers(single, query));
	}
}

describe('SegmentedSpanIndex', () => {
	it('answers like one index over all records, and so does the merge of its segments, on random small-alphabet text', () => {
		const next = rng(31);
		for (let c = 0; c < 120; c++) {
			const records = randomRecords(next, Math.floor(next() * 12), c % 2 ? 'ab ' : 'ab. c');
			const single = SegmentedSpanIndex.empty(tokenizer).withRecords(records, tokenizer);
			const split = segmented(next, records);
			expectSameIndex(single, split, next);
			const merged = split.segments.reduce(mergeSegments, buildSpanSegment({ records: [], tokenizer }));
			expect(merged.index.suffixArray).toEqual(single.segments[0].index.suffixArray);
			expect(merged.index.tokens).toEqual(single.segments[0].index.tokens);
			expectSameIndex(single, split.withSegments([merged]), next);
		}
	});

	it('answers like one index on WordNet glosses in segments', () => {
		const next = rng(32);
		const records = nounGlosses(150).map((text, i) => ({ cid: `g${i}`, contributor: `0x${i % 5}`, datanetId: 'wordnet', text }));
		const single = SegmentedSpanIndex.empty(tokenizer).withRecords(records, tokenizer);
		expectSameIndex(single, segmented(next, records), next);
		expect(single.count(tokenizer.encode(' of '))).toBeGreaterThan(10);
	});

	it('maps global record numbers to metadata across empty segments and rejects bad numbers and mixed tokenizers', () => {
		const rec = (cid: string, text: string) => ({ cid, contributor: `0x${cid}`, datanetId: 'd', text });
		const index = SegmentedSpanIndex.empty(tokenizer).withRecords([rec('a', 'xy'), rec('b', 'zx')], tokenizer).withRecords([], tokenizer).withRecords([rec('c', 'x')], tokenizer);
		expect(index.recordCount).toBe(3);
		expect(index.record(2)).toEqual({ cid: 'c', contributor: '0xc', datanetId: 'd' });
		expect(index.locate(tokenizer.encode('x'), 10)).toEqual([{ record: 0, offset: 1 }, { record: 1, offset: 2 }, { record: 2, offset: 1 }]); // after spanText's space
		expect(() => index.record(3)).toThrow(SpanIndexError);
		expect(() => index.recordTokens(-1)).toThrow(SpanIndexError);
		const other = { ...tokenizer, hash: 'f'.repeat(64) };
		expect(() => index.withRecords([rec('d', 'x')], other)).toThrow(SpanIndexError);
		expect(() => mergeSegments(index.segments[0], buildSpanSegment({ records: [], tokenizer: other }))).toThrow(SpanIndexError);
	});
});

describe('spanIndexKey', () => {
	it('depends on the Datanet versions and the tokenizer, not on their order', () => {
		const tokenizerHash = tokenizer.hash;
		const key = spanIndexKey({ datanetVersions: [{ datanetId: 'b', version: 2 }, { datanetId: 'a', version: 1 }], tokenizerHash });
		expect(key).toMatch(/^[0-9a-f]{64}$/);
		expect(spanIndexKey({ datanetVersions: [{ datanetId: 'a', version: 1 }, { datanetId: 'b', version: 2 }], tokenizerHash })).toBe(key);
		expect(spanIndexKey({ datanetVersions: [{ datanetId: 'a', version: 1 }, { datanetId: 'b', version: 3 }], tokenizerHash })).not.toBe(key);
		expect(spanIndexKey({ datanetVersions: [{ datanetId: 'a', version: 1 }], tokenizerHash })).not.toBe(key);
		expect(spanIndexKey({ datanetVersions: [{ datanetId: 'a', version: 1 }, { datanetId: 'b', version: 2 }], tokenizerHash: '0'.repeat(64) })).not.toBe(key);
		expect(() => spanIndexKey({ datanetVersions: [{ datanetId: 'a', version: 1 }, { datanetId: 'a', version: 2 }], tokenizerHash })).toThrow(SpanIndexError);
		expect(() => spanIndexKey({ datanetVersions: [{ datanetId: 'a', version: 1.5 }], tokenizerHash })).toThrow(SpanIndexError);
	});
});
