// Tests of the sampler: greedy is the argmax, top-k and top-p keep exactly the sets they promise, a seed fixes the
// draws, and 200,000 draws at temperature 0.7 match softmax(logits / 0.7) on 8 tokens by a chi-square test whose
// critical value (24.3 for 7 degrees of freedom at p = 0.001) a correct sampler exceeds once in a thousand seeds.
import { describe, expect, it } from 'vitest';
import { EngineInputError } from '../errors';
import { createRng } from '../random';
import { argmax, candidates, createSampler } from './sample';

const LOGITS = Float32Array.from([1.2, -0.3, 2.5, 0.0, 2.1, -1.7, 0.8, 1.9]);

function softmax(logits: ArrayLike<number>, temperature: number): number[] {
	const scaled = Array.from(logits, (x) => x / temperature);
	const max = Math.max(...scaled);
	const e = scaled.map((x) => Math.exp(x - max));
	const sum = e.reduce((a, b) => a + b, 0);
	return e.map((x) => x / sum);
}

describe('sampling', () => {
	it('is the argmax at temperature 0, the lower id on ties', () => {
		const sample = createSampler({ temperature: 0 }, 1);
		for (let i = 0; i < 5; i++) expect(sample(LOGITS)).toBe(2);
		expect(argmax([3, 5, 5, 1])).toBe(1);
		const rng = createRng(4);
		for (let i = 0; i < 20; i++) {
			const logits = Float32Array.from({ length: 50 }, () => rng.normal());
			expect(createSampler({ temperature: 0, topK: 3, topP: 0.5 }, i)(logits)).toBe(argmax(logits));
		}
	});

	it('top-k never returns a token outside the k largest logits', () => {
		const best3 = new Set([2, 4, 7]);
		const sample = createSampler({ temperature: 5, topK: 3 }, 2);
		const seen = new Set<number>();
		for (let i = 0; i < 2000; i++) {
			const id = sample(LOGITS);
			expect(best3.has(id)).toBe(true);
			seen.add(id);
		}
		expect(seen).toEqual(best3);
	});

	it('top-p keeps the smallest most-likely set whose probability reaches p', () => {
		const p = softmax(LOGITS, 1);
		const order = [2, 4, 7, 0, 6, 3, 1, 5];
		for (const topP of [0.05, 0.3, 0.5, 0.75, 0.9, 0.99, 1]) {
			const { ids, probs } = candidates(LOGITS, { topP });
			const mass = ids.reduce((s, id) => s + p[id], 0);
			expect(mass).toBeGreaterThanOrEqual(topP - 1e-12);
			if (ids.length > 1) expect(mass - p[ids.at(-1)!]).toBeLessThan(topP);
			if (topP < 1) expect(ids).toEqual(order.slice(0, ids.length));
			expect(probs.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
		}
		const sample = createSampler({ topP: 0.5 }, 3);
		for (let i = 0; i < 500; i++) expect([2, 4]).toContain(sample(LOGITS));
	});

	it('gives the same tokens for the same seed and different ones for another', () => {
		const draw = (seed: number) => {
			const sample = createSampler({ temperature: 1.5, topK: 6, topP: 0.95 }, seed);
			return Array.from({ length: 40 }, () => sample(LOGITS));
		};
		expect(draw(11)).toEqual(draw(11));
		expect(draw(11)).not.toEqual(draw(12));
	});

	it('matches softmax(logits / T) in distribution (chi-square, 7 degrees of freedom)', () => {
		const T = 0.7;
		const N = 200_000;
		const expected = softmax(LOGITS, T);
		const counts = new Array(LOGITS.length).fill(0);
		const sample = createSampler({ temperature: T }, 2024);
		for (let i = 0; i < N; i++) counts[sample(LOGITS)]++;
		const chi2 = counts.reduce((s, c, v) => s + (c - N * expected[v]) ** 2 / (N * expected[v]), 0);
		expect(chi2).toBeLessThan(24.3);
		for (let v = 0; v < LOGITS.length; v++) expect(Math.abs(counts[v] / N - expected[v])).toBeLessThan(0.005);
	});

	it('rejects bad options', () => {
		for (const options of [{ temperature: -1 }, { temperature: Infinity }, { topK: 1.5 }, { topK: -2 }, { topP: 0 }, { topP: 1.2 }, { topP: NaN }]) {
			expect(() => createSampler(options), JSON.stringify(options)).toThrow(EngineInputError);
		}
	});
});
