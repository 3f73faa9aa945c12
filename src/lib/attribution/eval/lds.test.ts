import { describe, expect, it } from 'vitest';
import { createRng } from '$lib/engine/random';
import { lds, ranks, spearman } from './lds';
import { plantedFacts } from './planted';

describe('spearman', () => {
	it('ranks ties by their mean position and matches the textbook value', () => {
		expect(Array.from(ranks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
		// x = 1..5, y = 2 1 4 3 5: 1 - 6 * sum d^2 / (n (n^2 - 1)) = 1 - 6 * 4 / 120 = 0.8.
		expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
		expect(spearman([1, 2, 3], [30, 20, 10])).toBeCloseTo(-1, 12);
		expect(spearman([1, 1, 1], [1, 2, 3])).toBe(0);
	});
});

describe('lds', () => {
	it('is 1 for scores whose subset sums order the losses exactly, about 0 for random scores, -1 reversed', () => {
		const rng = createRng(1);
		const n = 40;
		const subsets = Array.from({ length: 32 }, () => Uint8Array.from({ length: n }, () => (rng.uniform() < 0.5 ? 1 : 0)));
		const truth = Float64Array.from({ length: n }, () => rng.normal());
		// The loss of each model falls by the sum of the true effects of its records.
		const losses = [Float64Array.from(subsets, (m) => 5 - m.reduce((s, x, i) => s + x * truth[i], 0))];
		expect(lds({ scores: [truth], subsets, losses }).mean).toBeCloseTo(1, 12);
		expect(lds({ scores: [truth.map((x) => -x)], subsets, losses }).mean).toBeCloseTo(-1, 12);
		const random = Array.from({ length: 200 }, () => Float64Array.from({ length: n }, () => rng.normal()));
		const mean = lds({ scores: random, subsets, losses: random.map(() => losses[0]) }).mean;
		expect(Math.abs(mean)).toBeLessThan(0.05);
	});
});

describe('plantedFacts', () => {
	it('gives distinct invented words in the "word: a colour kind of place Name" shape, the same for the same seed', () => {
		const facts = plantedFacts(20, 7);
		expect(new Set(facts.map((f) => f.word)).size).toBe(20);
		for (const f of facts) expect(f.text).toMatch(new RegExp(`^${f.word}: a [a-z]+ [a-z]+ of [a-z]+ [A-Z][a-z]+$`));
		expect(plantedFacts(20, 7)).toEqual(facts);
		expect(plantedFacts(20, 8)).not.toEqual(facts);
	});
});
