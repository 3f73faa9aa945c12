import { describe, expect, it } from 'vitest';
import { canonicalize } from '$lib/core/record';
import { END_OF_TEXT, trainBpe } from '$lib/core/tokenizer/bpe';
import { IGNORE_INDEX } from '../cpu/crossEntropy';
import { TrainingDataError } from './errors';
import { prepareData, sampleBatch, splitRecords, tokenizeRecords, unigramBaseline, validationBatches } from './data';
import type { TrainingRecord } from './data';
import { templateText } from './template';

const records: TrainingRecord[] = Array.from({ length: 40 }, (_, i) => ({
	cid: `cid-${String(i).padStart(3, '0')}`,
	content: canonicalize('qa', { question: `What is animal ${i}?`, answer: `Animal ${i} is a kind of beast.` })
}));
const tokenizer = trainBpe(records.map((r) => templateText(r.content)), { vocabSize: 300 });

describe('splitRecords', () => {
	it('is deterministic, disjoint, complete and independent of input order', () => {
		const a = splitRecords(records, { validationFraction: 0.25, seed: 7 });
		const b = splitRecords([...records].reverse(), { validationFraction: 0.25, seed: 7 });
		expect(b).toEqual(a);
		expect(a.validation).toHaveLength(10);
		const train = new Set(a.train.map((r) => r.cid));
		expect(a.validation.some((r) => train.has(r.cid))).toBe(false);
		expect(train.size + a.validation.length).toBe(records.length);
		const other = splitRecords(records, { validationFraction: 0.25, seed: 8 });
		expect(other.validation.map((r) => r.cid)).not.toEqual(a.validation.map((r) => r.cid));
	});

	it('keeps at least one record on each side when it can', () => {
		expect(splitRecords(records.slice(0, 2), { validationFraction: 0.01, seed: 0 }).validation).toHaveLength(1);
		expect(splitRecords(records.slice(0, 2), { validationFraction: 0.99, seed: 0 }).train).toHaveLength(1);
		expect(splitRecords(records.slice(0, 1), { validationFraction: 0.5, seed: 0 }).train).toHaveLength(1);
		expect(splitRecords(records, { validationFraction: 0, seed: 0 }).validation).toHaveLength(0);
	});

	it('rejects duplicate CIDs and a fraction outside [0, 1)', () => {
		expect(() => splitRecords([records[0], records[0]], { validationFraction: 0.5, seed: 0 })).toThrow(TrainingDataError);
		expect(() => splitRecords(records, { validationFraction: 1, seed: 0 })).toThrow(TrainingDataError);
	});
});

describe('tokenizeRecords', () => {
	it('closes every record with the <|endoftext|> id and records where each starts', () => {
		const eot = tokenizer.tokenId(END_OF_TEXT)!;
		const stream = tokenizeRecords(records.slice(0, 3), tokenizer);
		expect(stream.cids).toEqual(['cid-000', 'cid-001', 'cid-002']);
		for (let i = 0; i < 3; i++) {
			const part = stream.tokens.subarray(stream.offsets[i], stream.offsets[i + 1]);
			expect(part[part.length - 1]).toBe(eot);
			expect(tokenizer.decode(part)).toBe(templateText(records[i].content));
		}
		expect(stream.offsets[3]).toBe(stream.tokens.length);
	});

	it('encodes <|endoftext|> inside a record as plain text', () => {
		const eot = tokenizer.tokenId(END_OF_TEXT)!;
		const forged = { cid: 'x', content: canonicalize('text', { text: `a${END_OF_TEXT}b` }) };
		const { tokens } = tokenizeRecords([forged], tokenizer);
		expect(tokens.filter((t) => t === eot)).toHaveLength(1);
	});

	it('splits then tokenizes both sides', () => {
		const data = prepareData(records, tokenizer, { validationFraction: 0.25, seed: 7 });
		expect(data.validation.cids).toEqual(splitRecords(records, { validationFraction: 0.25, seed: 7 }).validation.map((r) => r.cid));
		expect(data.train.cids).toHaveLength(30);
	});
});

describe('sampleBatch', () => {
	const tokens = Int32Array.from({ length: 200 }, (_, i) => i);

	it('draws the same windows for the same (seed, index) and shifts targets by one', () => {
		const a = sampleBatch(tokens, 4, 16, 3, 5);
		expect(sampleBatch(tokens, 4, 16, 3, 5)).toEqual(a);
		expect(sampleBatch(tokens, 4, 16, 3, 6)).not.toEqual(a);
		expect(sampleBatch(tokens, 4, 16, 4, 5)).not.toEqual(a);
		for (let b = 0; b < 4; b++) {
			const start = a.inputs[b * 16];
			expect(start).toBeGreaterThanOrEqual(0);
			expect(start + 16).toBeLessThan(tokens.length);
			for (let t = 0; t < 16; t++) {
				expect(a.inputs[b * 16 + t]).toBe(start + t);
				expect(a.targets[b * 16 + t]).toBe(start + t + 1);
			}
		}
	});

	it('gives a larger batch whose first windows are the smaller batch', () => {
		const small = sampleBatch(tokens, 2, 8, 1, 0);
		const large = sampleBatch(tokens, 4, 8, 1, 0);
		expect(large.inputs.subarray(0, 16)).toEqual(small.inputs);
	});

	it('rejects a stream shorter than one window', () => {
		expect(() => sampleBatch(tokens.subarray(0, 16), 1, 16, 0, 0)).toThrow(TrainingDataError);
	});
});

describe('validationBatches', () => {
	it('covers every token after the first exactly once, in order, padding the end', () => {
		const tokens = Int32Array.from({ length: 30 }, (_, i) => i);
		const batches = validationBatches(tokens, 2, 8, 10);
		expect(batches).toHaveLength(2); // ceil(29 / 8) = 4 windows
		const predicted = batches.flatMap((b) => [...b.targets].filter((t) => t !== IGNORE_INDEX));
		expect(predicted).toEqual(Array.from({ length: 29 }, (_, i) => i + 1));
		expect(validationBatches(tokens, 2, 8, 1)).toEqual(batches.slice(0, 1));
		expect(validationBatches(tokens.subarray(0, 1), 2, 8, 10)).toEqual([]);
	});
});

describe('unigramBaseline', () => {
	it('is the add-one smoothed unigram cross-entropy on the predicted validation tokens', () => {
		const train = Int32Array.from([0, 0, 0, 1]);
		const val = Int32Array.from([2, 0, 1]);
		// V = 3: p(0) = 4/7, p(1) = 2/7
		expect(unigramBaseline(train, val, 3)).toBeCloseTo(-(Math.log(4 / 7) + Math.log(2 / 7)) / 2, 12);
	});
});
