import { describe, expect, it } from 'vitest';
import { DEFAULT_MINIMUM_SHARE_BPS, TOTAL_BPS } from '../shares';
import { SpanIndexError } from './index';
import type { SourceRecord } from './segment';
import { SegmentedSpanIndex } from './segmented';
import { byteTokenizer as tokenizer } from './tokenizer';
import { spanRecordWeights, traceSpans } from './trace';
import { nounGlosses } from './testText.node';

const ALICE = '0x00000000000000000000000000000000000a11ce';
const BOB = '0x0000000000000000000000000000000000000b0b';

const demo: SourceRecord[] = [
	...nounGlosses(120).map((text, i) => ({ cid: `gloss${i}`, contributor: `0x${String(i % 4).padStart(40, '0')}`, datanetId: 'wordnet', text })),
	{ cid: 'alice1', contributor: ALICE, datanetId: 'lighthouses', text: 'Copper lanterns hummed softly above the sleeping harbor.' },
	{ cid: 'bob1', contributor: BOB, datanetId: 'kitchens', text: 'Grandmother folded cardamom into every loaf of rye bread.' }
];

describe('traceSpans', () => {
	it('attributes a response quoting two records to those records and splits the shares between their contributors', () => {
		// Half the records in a second segment, so the trace runs over a segmented index.
		const index = SegmentedSpanIndex.empty(tokenizer).withRecords(demo.slice(0, 60), tokenizer).withRecords(demo.slice(60), tokenizer);
		const response = `Résumé: Copper lanterns hummed softly above the sleeping harbor. Then: Grandmother folded cardamom into every loaf of rye bread.`;
		const { spans, shares } = traceSpans(index, { prompt: 'Tell me about harbors and bread.', response, tokenizer });

		const quotes = spans.filter((s) => s.sources.length === 1 && s.end - s.start > 20);
		expect(quotes.map((s) => s.text)).toEqual([demo[120].text, demo[121].text]);
		expect(quotes.map((s) => [s.sources[0].cid, s.sources[0].contributor, s.sources[0].datanetId])).toEqual([
			['alice1', ALICE, 'lighthouses'],
			['bob1', BOB, 'kitchens']
		]);
		for (const s of spans) expect(response.slice(s.charStart, s.charEnd)).toBe(s.text);
		// Each 'é' is two byte tokens, so token and character ranges differ by two.
		expect(quotes[0].start - quotes[0].charStart).toBe(2);
		expect(quotes[0].sources[0].context).toEqual({ before: '', match: demo[120].text, after: '' });
		expect(quotes[0].weight).toBeCloseTo(-quotes[0].logProbability, 12);

		expect(shares.map((s) => s.contributor).sort()).toEqual([ALICE, BOB].sort());
		expect(shares.reduce((sum, s) => sum + s.bps, 0)).toBe(TOTAL_BPS);
		for (const s of shares) expect(s.bps).toBeGreaterThan(2000);
	});

	it('gives sources context trimmed to words, ranks them by BM25 against prompt + response, and groups one CID', () => {
		const records: SourceRecord[] = [
			{ cid: 'x', contributor: ALICE, datanetId: 'd', text: 'Unrelated words first, then the amber tide rolls in and more unrelated words.' },
			{ cid: 'y', contributor: BOB, datanetId: 'd', text: 'Sailors watch the amber tide rolls in over harbor stones.' },
			{ cid: 'y', contributor: '0xcarol', datanetId: 'e', text: 'Sailors watch the amber tide rolls in over harbor stones.' }
		];
		const index = SegmentedSpanIndex.empty(tokenizer).withRecords(records, tokenizer);
		const { spans, shares } = traceSpans(index, {
			prompt: 'What do sailors see over harbor stones?',
			response: 'zz the amber tide rolls in qq',
			tokenizer,
			options: { keep: 1, contextTokens: 12, minimumShareBps: 0 }
		});
		expect(spans).toHaveLength(1);
		expect(spans[0].text).toBe('the amber tide rolls in'); // the highlight leaves out the span's outer spaces
		expect(spans[0].sources.map((s) => s.record)).toEqual([1, 2, 0]);
		expect(spans[0].sources[0].score).toBeGreaterThan(spans[0].sources[2].score);
		// 12 tokens either side, then inwards to the nearest word boundary ('ailors' and 'unr' are cut off).
		expect(spans[0].sources[2].context).toEqual({ before: ' first, then', match: ' the amber tide rolls in ', after: 'and more ' });
		expect(spans[0].sources[0].context).toEqual({ before: ' watch', match: ' the amber tide rolls in ', after: 'over harbor ' });
		// Records 1 and 2 share a CID: together they weigh as one source, split between Bob and Carol.
		expect(shares).toEqual([{ contributor: ALICE, bps: 5000 }, { contributor: BOB, bps: 2500 }, { contributor: '0xcarol', bps: 2500 }]);
		const nearDuplicates = traceSpans(index, { prompt: '', response: 'zz the amber tide rolls in qq', tokenizer, options: { keep: 1, minimumShareBps: 0, nearDuplicates: [['x', 'y']] } });
		expect(nearDuplicates.shares.map((s) => s.bps)).toEqual([3334, 3333, 3333]);
	});

	it('splits a span weight evenly over its sources', () => {
		const source = (record: number, cid: string, contributor: string) => ({ record, cid, contributor, datanetId: 'd', offset: 0, score: 0, context: { before: '', match: '', after: '' } });
		const weighted = spanRecordWeights([{ weight: 6, sources: [source(0, 'a', ALICE), source(1, 'b', BOB), source(2, 'b', BOB)] }, { weight: 2, sources: [source(0, 'a', ALICE)] }]);
		expect(weighted.records.map((r) => [r.record, r.weight])).toEqual([['0', 2], ['1', 2], ['2', 2], ['0', 2]]);
		expect(weighted.duplicateGroups).toEqual([['1', '2']]);
	});

	it('returns nothing from an empty index and rejects another tokenizer or bad options', () => {
		expect(traceSpans(SegmentedSpanIndex.empty(tokenizer), { prompt: 'p', response: 'some answer', tokenizer })).toEqual({
			spans: [],
			shares: [],
			// The defaults, filled in: ceil(0.05 * 12) spans of at least 1 token (11 bytes after spanText's space).
			parameters: { responseTokens: 12, minLength: 1, keep: 1, sourcesPerSpan: 10, contextTokens: 32, minimumShareBps: DEFAULT_MINIMUM_SHARE_BPS, nearDuplicateGroups: 0 }
		});
		const index = SegmentedSpanIndex.empty(tokenizer).withRecords(demo.slice(120), tokenizer);
		expect(() => traceSpans(index, { prompt: '', response: 'x', tokenizer: { ...tokenizer, hash: '0'.repeat(64) } })).toThrow(SpanIndexError);
		expect(() => traceSpans(index, { prompt: '', response: 'x', tokenizer, options: { sourcesPerSpan: -1 } })).toThrow(SpanIndexError);
	});
});
