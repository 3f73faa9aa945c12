// scoreCpu against a plain float64 loop over fromFloat16Bits values, and topK against a full sort, on seeded random
// data; shapes include k = 2 and 6 (even, not a multiple of 4: the unrolled loop's tail), rows = 0 and 1.
import { describe, expect, test } from 'vitest';
import { fromFloat16Bits, toFloat16Bits } from '$lib/engine/checkpoint/float16';
import { checkGradientMatrix, InfluenceScoreError, scoreCpu, topK, type GradientMatrix } from './score';
import { createRng } from '$lib/engine/random';
import { randomMatrix, randomQuery } from './test-fixtures';

function referenceScores({ rows, k, bits }: GradientMatrix, query: Float32Array): { scores: number[]; magnitudes: number[] } {
	const scores: number[] = [];
	const magnitudes: number[] = [];
	for (let i = 0; i < rows; i++) {
		let sum = 0;
		let magnitude = 0;
		for (let j = 0; j < k; j++) {
			const term = fromFloat16Bits(bits[i * k + j]) * query[j];
			sum += term;
			magnitude += Math.abs(term);
		}
		scores.push(sum);
		magnitudes.push(magnitude);
	}
	return { scores, magnitudes };
}

function sortedReference(scores: Float32Array): { index: number; score: number }[] {
	return Array.from(scores, (score, index) => ({ index, score })).sort((a, b) => b.score - a.score || a.index - b.index);
}

describe('scoreCpu', () => {
	const shapes: [rows: number, k: number][] = [[0, 8], [1, 2], [1, 2048], [7, 6], [13, 2], [33, 100], [5, 1024]];
	for (const [rows, k] of shapes) {
		test(`matches a float64 loop at rows ${rows}, k ${k}`, () => {
			const matrix = randomMatrix(rows, k, rows * 1000 + k);
			const query = randomQuery(k, k);
			const scores = scoreCpu(matrix, query);
			const { scores: expected, magnitudes } = referenceScores(matrix, query);
			expect(scores.length).toBe(rows);
			// Float64 sums in a different order, rounded once to f32: within f32 rounding of the score.
			for (let i = 0; i < rows; i++) expect(Math.abs(scores[i] - expected[i])).toBeLessThanOrEqual(1e-7 * magnitudes[i] + 1e-30);
		});
	}

	test('writes into out when given', () => {
		const matrix = randomMatrix(4, 10, 1);
		const query = randomQuery(10, 2);
		const out = new Float32Array(4);
		expect(scoreCpu(matrix, query, out)).toBe(out);
		expect(Array.from(out)).toEqual(Array.from(scoreCpu(matrix, query)));
	});

	test('decodes exact halves: one-hot query picks a column', () => {
		const bits = Uint16Array.from([toFloat16Bits(1.5), toFloat16Bits(-2), toFloat16Bits(65504), toFloat16Bits(2 ** -24)]);
		expect(Array.from(scoreCpu({ rows: 2, k: 2, bits }, Float32Array.from([1, 0])))).toEqual([1.5, 65504]);
		expect(Array.from(scoreCpu({ rows: 2, k: 2, bits }, Float32Array.from([0, 1])))).toEqual([-2, 2 ** -24]);
	});

	test('rejects bad shapes with InfluenceScoreError', () => {
		const bits = new Uint16Array(12);
		const bad: [GradientMatrix, RegExp][] = [
			[{ rows: 4, k: 3, bits }, /even, positive k/],
			[{ rows: 0, k: 0, bits: new Uint16Array(0) }, /even, positive k/],
			[{ rows: -1, k: 2, bits }, /invalid row count/],
			[{ rows: 1.5, k: 2, bits }, /invalid row count/],
			[{ rows: 5, k: 2, bits }, /wrong number of values/],
			[{ rows: 3, k: 4, bits: new Float32Array(12) as unknown as Uint16Array }, /Uint16Array/]
		];
		for (const [matrix, message] of bad) {
			expect(() => checkGradientMatrix(matrix)).toThrow(InfluenceScoreError);
			expect(() => scoreCpu(matrix, new Float32Array(matrix.k))).toThrow(message);
		}
		expect(() => checkGradientMatrix({ rows: 3, k: 4, bits })).not.toThrow();
		expect(() => scoreCpu({ rows: 3, k: 4, bits }, new Float32Array(2))).toThrow(/query does not match/);
		expect(() => scoreCpu({ rows: 3, k: 4, bits }, new Float32Array(4), new Float32Array(2))).toThrow(/output array/);
	});
});

describe('topK', () => {
	test('matches a full sort on random scores', () => {
		const rng = createRng(5);
		const scores = Float32Array.from({ length: 1000 }, () => rng.normal());
		for (const k of [1, 2, 10, 100, 999, 1000]) expect(topK(scores, k)).toEqual(sortedReference(scores).slice(0, k));
	});

	test('breaks ties by the smaller index', () => {
		const rng = createRng(6);
		// Few distinct values, so most scores tie.
		const scores = Float32Array.from({ length: 500 }, () => Math.floor(rng.uniform() * 7) - 3);
		for (const k of [1, 3, 50, 250, 500]) expect(topK(scores, k)).toEqual(sortedReference(scores).slice(0, k));
		expect(topK(Float32Array.from([2, 2, 2, 2]), 2)).toEqual([{ index: 0, score: 2 }, { index: 1, score: 2 }]);
	});

	test('returns every record when k > N, and nothing for k = 0 or N = 0', () => {
		const scores = Float32Array.from([0.5, -1, 3, 0.5]);
		expect(topK(scores, 10)).toEqual([{ index: 2, score: 3 }, { index: 0, score: 0.5 }, { index: 3, score: 0.5 }, { index: 1, score: -1 }]);
		expect(topK(scores, 0)).toEqual([]);
		expect(topK(new Float32Array(0), 5)).toEqual([]);
	});

	test('ranks NaN last', () => {
		const scores = Float32Array.from([NaN, 1, -Infinity, NaN, 2]);
		expect(topK(scores, 5).map((r) => r.index)).toEqual([4, 1, 2, 0, 3]);
		expect(topK(scores, 2).map((r) => r.index)).toEqual([4, 1]);
	});

	test('rejects a count that is not a non-negative integer', () => {
		expect(() => topK(new Float32Array(3), -1)).toThrow(InfluenceScoreError);
		expect(() => topK(new Float32Array(3), 1.5)).toThrow(InfluenceScoreError);
	});
});
