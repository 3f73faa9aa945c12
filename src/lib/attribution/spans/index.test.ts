import { describe, expect, it } from 'vitest';
import { buildSpanIndex, SpanIndexError, type Occurrence } from './index';
import { byteTokenizer } from './tokenizer';
import { nounGlosses, randomText, rng } from './testText.node';

// Naive oracles: substring search inside each record, so nothing can match across a record boundary.
function naiveLocate(records: ArrayLike<number>[], ngram: ArrayLike<number>): Occurrence[] {
	const out: Occurrence[] = [];
	if (ngram.length === 0) return out;
	records.forEach((r, record) => {
		for (let offset = 0; offset + ngram.length <= r.length; offset++) {
			let k = 0;
			while (k < ngram.length && r[offset + k] === ngram[k]) k++;
			if (k === ngram.length) out.push({ record, offset });
		}
	});
	return out;
}

function naiveLongestMatch(records: ArrayLike<number>[], query: ArrayLike<number>, i: number): number {
	let best = 0;
	for (const r of records) {
		for (let offset = 0; offset < r.length; offset++) {
			let k = 0;
			while (i + k < query.length && offset + k < r.length && r[offset + k] === query[i + k]) k++;
			if (k > best) best = k;
		}
	}
	return best;
}

const key = (o: Occurrence) => `${o.record}:${o.offset}`;

// Compares count, locate (whole and limited), locateRecords and longestMatchAt with the oracles for one query; returns the first
// disagreement, or '' (plain comparisons, since thousands of expect() calls would dominate the run time).
function disagreement(records: ArrayLike<number>[], index: ReturnType<typeof buildSpanIndex>, query: ArrayLike<number>): string {
	const where = `query [${Array.from(query)}]`;
	const expected = naiveLocate(records, query);
	const count = index.count(query);
	if (count !== expected.length) return `${where}: count ${count}, expected ${expected.length}`;
	const all = index.locate(query, expected.length + 1).map(key).join(' ');
	if (all !== expected.map(key).join(' ')) return `${where}: locate ${all}, expected ${expected.map(key).join(' ')}`;
	for (const limit of [1, 2, 3, Math.max(1, expected.length - 1)]) {
		const limited = index.locate(query, limit).map(key).join(' ');
		if (limited !== expected.slice(0, limit).map(key).join(' ')) return `${where}: locate(${limit}) ${limited}`;
		const firstPerRecord = expected.filter((o, j) => j === 0 || expected[j - 1].record !== o.record).slice(0, limit);
		const records = index.locateRecords(query, limit).map(key).join(' ');
		if (records !== firstPerRecord.map(key).join(' ')) return `${where}: locateRecords(${limit}) ${records}`;
	}
	for (let i = 0; i <= query.length; i++) {
		const got = index.longestMatchAt(query, i);
		const want = naiveLongestMatch(records, query, i);
		if (got !== want) return `${where}: longestMatchAt(${i}) ${got}, expected ${want}`;
	}
	return '';
}

function expectAgreement(records: ArrayLike<number>[], index: ReturnType<typeof buildSpanIndex>, query: ArrayLike<number>): void {
	expect(disagreement(records, index, query)).toBe('');
}

describe('SpanIndex on random records over small alphabets', () => {
	it('answers count, locate and longestMatchAt like naive search', () => {
		const next = rng(11);
		for (let c = 0; c < 400; c++) {
			const alphabet = 1 + (c % 4);
			const records = Array.from({ length: Math.floor(next() * 6) }, () => randomText(next, Math.floor(next() * 60), alphabet));
			const index = buildSpanIndex({ records, vocabSize: alphabet });
			for (let q = 0; q < 10; q++) {
				const source = records.length && next() < 0.7 ? records[Math.floor(next() * records.length)] : randomText(next, 80, alphabet);
				const start = Math.floor(next() * (source.length + 1));
				const query = source.slice(start, start + 1 + Math.floor(next() * 12));
				expectAgreement(records, index, query);
			}
		}
	});

	it('answers the same with 4-byte suffix-array entries as with 3-byte ones', () => {
		const next = rng(13);
		for (let c = 0; c < 60; c++) {
			const alphabet = 1 + (c % 3);
			const records = Array.from({ length: 1 + Math.floor(next() * 5) }, () => randomText(next, Math.floor(next() * 50), alphabet));
			const wide = buildSpanIndex({ records, vocabSize: alphabet, pointerWidth: 4 });
			expect(wide.suffixArray.width).toBe(4);
			expect(buildSpanIndex({ records, vocabSize: alphabet }).suffixArray.width).toBe(3);
			for (let q = 0; q < 6; q++) expectAgreement(records, wide, randomText(next, 1 + Math.floor(next() * 6), alphabet));
		}
	});

	it('stores tokens with separators in the narrowest array and maps positions to records', () => {
		const index = buildSpanIndex({ records: [[0, 1], [], [2]], vocabSize: 3 });
		expect(index.tokens).toBeInstanceOf(Uint16Array);
		expect(Array.from(index.tokens)).toEqual([0, 1, 3, 3, 2]);
		expect(Array.from(index.recordStarts)).toEqual([0, 3, 4]);
		expect(index.recordAt(4)).toEqual({ record: 2, offset: 0 });
		expect(index.tokenCount).toBe(3);
		expect(buildSpanIndex({ records: [[70000]], vocabSize: 70001 }).tokens).toBeInstanceOf(Uint32Array);
		expect(buildSpanIndex({ records: [[65534]], vocabSize: 65535 }).tokens).toBeInstanceOf(Uint16Array);
	});
});

describe('SpanIndex edge cases', () => {
	it('answers nothing from an empty index', () => {
		for (const records of [[], [[]]]) {
			const index = buildSpanIndex({ records, vocabSize: 4 });
			expect(index.count([1])).toBe(0);
			expect(index.locate([1], 10)).toEqual([]);
			expect(index.longestMatchAt([1, 2], 0)).toBe(0);
		}
	});

	it('handles a single record, a query longer than any record, and repeated characters', () => {
		const records = [new Uint16Array(40)];
		const index = buildSpanIndex({ records, vocabSize: 2 });
		for (const len of [1, 2, 39, 40, 41, 100]) expectAgreement(records, index, new Uint16Array(len));
		expect(index.count(new Uint16Array(41))).toBe(0);
		expect(index.longestMatchAt(new Uint16Array(100), 0)).toBe(40);
		const two = [new Uint16Array(5), Uint16Array.of(0, 0, 1, 0, 0, 0)];
		expectAgreement(two, buildSpanIndex({ records: two, vocabSize: 2 }), new Uint16Array(12));
	});

	it('treats the empty n-gram and ids outside the vocabulary (the separator too) as matching nothing', () => {
		const index = buildSpanIndex({ records: [[0, 1], [1, 0]], vocabSize: 2 });
		expect(index.count([])).toBe(0);
		expect(index.locate([], 5)).toEqual([]);
		expect(index.count([1, 2, 1])).toBe(0);
		expect(index.count([-1])).toBe(0);
		expect(index.locate([0, 1], 0)).toEqual([]);
		expect(index.longestMatchAt([0, 1, 2, 1, 0], 0)).toBe(2);
		expect(index.longestMatchAt([0, 1, 2, 1, 0], 2)).toBe(0);
		expect(index.longestMatchAt([0, 1, 2, 1, 0], 3)).toBe(2);
	});

	it('rejects ids outside the vocabulary and bad vocabulary sizes', () => {
		expect(() => buildSpanIndex({ records: [[0, 2]], vocabSize: 2 })).toThrow(SpanIndexError);
		expect(() => buildSpanIndex({ records: [[0.5]], vocabSize: 2 })).toThrow(SpanIndexError);
		expect(() => buildSpanIndex({ records: [], vocabSize: 0 })).toThrow(SpanIndexError);
		// Typed records are copied unchecked, then checked by the counting pass: the separator id and larger ids too.
		expect(() => buildSpanIndex({ records: [Uint16Array.of(0, 1), Uint16Array.of(1, 2)], vocabSize: 2 })).toThrow(/record 1, offset 1: id 2/);
		expect(() => buildSpanIndex({ records: [Uint8Array.of(0, 7)], vocabSize: 2 })).toThrow(/record 0, offset 1: id 7/);
		expect(() => buildSpanIndex({ records: [Uint32Array.of(70_000)], vocabSize: 2 })).toThrow(/record 0, offset 0: id 70000/);
	});

	it('builds the same index from typed and plain records', () => {
		const plain = [[1, 0, 2], [], [2, 2, 1, 0]];
		const a = buildSpanIndex({ records: plain, vocabSize: 3 });
		const b = buildSpanIndex({ records: plain.map((r) => Uint16Array.from(r)), vocabSize: 3 });
		expect(b.tokens).toEqual(a.tokens);
		expect(b.suffixArray.slice()).toEqual(a.suffixArray.slice());
		expect(b.unigramCounts).toEqual(a.unigramCounts);
		expect(b.unigramCounts).toEqual(Uint32Array.of(2, 2, 3));
		expect(b.tokenCount).toBe(7);
	});
});

describe('SpanIndex on WordNet glosses', () => {
	it('answers count, locate and longestMatchAt like naive search', () => {
		const records = nounGlosses(300).map((g) => byteTokenizer.encode(g));
		const index = buildSpanIndex({ records, vocabSize: byteTokenizer.vocabSize });
		const next = rng(12);
		for (let q = 0; q < 150; q++) {
			const source = records[Math.floor(next() * records.length)];
			const start = Math.floor(next() * source.length);
			const query = Uint16Array.from(source.slice(start, start + 1 + Math.floor(next() * 30)));
			if (next() < 0.3) query[Math.floor(next() * query.length)] = 0x61 + Math.floor(next() * 26);
			expectAgreement(records, index, query);
		}
		const phrase = byteTokenizer.encode(' of the ');
		expect(index.count(phrase)).toBeGreaterThan(1);
		expectAgreement(records, index, phrase);
	});
});
