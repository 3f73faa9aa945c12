import { describe, expect, it } from 'vitest';
import { gptConfig } from '$lib/engine/config';
import { IGNORE_INDEX } from '$lib/engine/cpu/crossEntropy';
import { createGPT, gptBackward, gptForward, gptZeroGrad, type GPT } from '$lib/engine/cpu/gpt';
import { createRng } from '$lib/engine/random';
import { Trainer, trainConfig } from '$lib/engine/train/trainer';
import { gptProjection, projectedGradients, type InfluenceExample } from './gradients';
import type { Projection } from './projection';
import { drawnMeanNorms, maxRelativeError, projectMatrix, randomExamples } from './test-fixtures';

const config = gptConfig('tiny', { vocabSize: 37, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 });

// The plain loop: one example at a time, the full weight gradients of its summed loss, then projected layer by layer.
function plainProjectedGradient(model: GPT, projection: Projection, { tokens, firstTarget = 1 }: InfluenceExample): Float64Array {
	const T = tokens.length - 1;
	const targets = new Int32Array(T);
	for (let t = 0; t < T; t++) targets[t] = t + 1 >= firstTarget ? tokens[t + 1] : IGNORE_INDEX;
	const count = targets.filter((x) => x !== IGNORE_INDEX).length;
	gptZeroGrad(model);
	gptForward(model, tokens.subarray(0, T), targets, 1, T);
	gptBackward(model);
	const C = model.config.nEmbd;
	const g = model.gradients;
	const slices: [ArrayLike<number>, number, number][] = [];
	for (let l = 0; l < model.config.nLayer; l++) {
		const slice = (t: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, size: number) => t.subarray(l * size, (l + 1) * size);
		slices.push([slice(g.qkvw, 3 * C * C), 3 * C, C], [slice(g.attprojw, C * C), C, C], [slice(g.fcw, 4 * C * C), 4 * C, C], [slice(g.fcprojw, 4 * C * C), C, 4 * C]);
	}
	slices.push([g.wte, model.config.vocabSize, C]);
	const out = new Float64Array(projection.k);
	projection.layers.forEach((layer, i) => {
		const [G, rows, cols] = slices[i];
		const p = projectMatrix(G, rows, cols, layer.pOut, layer.pIn, layer.kOut, layer.kIn);
		for (let j = 0; j < p.length; j++) out[layer.offset + j] = count * p[j];
	});
	return out;
}

describe('projectedGradients', () => {
	it('equals the projection of per-example gradients from a plain loop (f64: 1e-9, f32: 1e-4 of each example\'s largest value)', () => {
		const projection = gptProjection(config, { kIn: 4, kOut: 5, seed: 3 });
		expect(projection.k).toBe(9 * 20);
		const examples = randomExamples(7, config.blockSize + 1, config.vocabSize, 11);
		const model64 = createGPT(config, { seed: 5, precision: 'f64' });
		const model32 = createGPT(config, { seed: 5 });
		const expected = examples.map((e) => plainProjectedGradient(model64, projection, e));
		const got64 = projectedGradients({ model: model64, projection, examples, batchSize: 3 });
		const got32 = projectedGradients({ model: model32, projection, examples, batchSize: 3 });
		examples.forEach((_, e) => {
			const flat = new Float64Array(projection.k * examples.length);
			flat.set(expected[e], e * projection.k);
			expect(maxRelativeError(got64, flat, e * projection.k, projection.k)).toBeLessThan(1e-9);
			expect(maxRelativeError(got32, flat, e * projection.k, projection.k)).toBeLessThan(1e-4);
		});
	});

	it('does not depend on the batch size or the order of the examples', () => {
		const projection = gptProjection(config, { kIn: 6, kOut: 6, seed: 1 });
		const model = createGPT(config, { seed: 2 });
		const examples = randomExamples(13, config.blockSize + 1, config.vocabSize, 4);
		const one = projectedGradients({ model, projection, examples, batchSize: 1 });
		const five = projectedGradients({ model, projection, examples, batchSize: 5 });
		const reversed = projectedGradients({ model, projection, examples: [...examples].reverse(), batchSize: 8 });
		const k = projection.k;
		examples.forEach((_, e) => {
			expect(maxRelativeError(five, one, e * k, k)).toBeLessThan(1e-5);
			expect(maxRelativeError(reversed.subarray((examples.length - 1 - e) * k), one.subarray(e * k), 0, k)).toBeLessThan(1e-5);
		});
	});

	it('sums the windows of an example longer than the block size', () => {
		const projection = gptProjection(config, { kIn: 4, kOut: 4, seed: 0 });
		const model = createGPT(config, { seed: 9, precision: 'f64' });
		const bs = config.blockSize;
		const rng = createRng(8);
		const tokens = Int32Array.from({ length: 2 * bs + 1 }, () => Math.floor(rng.uniform() * config.vocabSize));
		const [whole] = [projectedGradients({ model, projection, examples: [{ tokens }] })];
		const halves = projectedGradients({ model, projection, examples: [{ tokens: tokens.subarray(0, bs + 1) }, { tokens: tokens.subarray(bs) }] });
		const sum = new Float64Array(projection.k);
		for (let j = 0; j < projection.k; j++) sum[j] = halves[j] + halves[projection.k + j];
		expect(maxRelativeError(whole, sum, 0, projection.k)).toBeLessThan(1e-9);
	});

	it('draws labels from the model: reproducible from the seed, independent of batching, and zero-mean over draws', () => {
		const projection = gptProjection(config, { kIn: 4, kOut: 4, seed: 0 });
		// A model that has learned a cycle of 5 tokens predicts far from uniformly, so how labels are drawn matters.
		const cycle = Int32Array.from({ length: 4000 }, (_, i) => 1 + (i % 5));
		const trainer = new Trainer(config, { train: { tokens: cycle }, validation: { tokens: new Int32Array(0) } }, trainConfig({ steps: 60, batchSize: 4, lr: 1e-2, warmupSteps: 2, seed: 1 }));
		for (let s = 0; s < 60; s++) trainer.trainStep();
		const model = trainer.model;
		const k = projection.k;
		const examples = [...randomExamples(8, config.blockSize + 1, config.vocabSize, 6), { tokens: cycle.slice(0, config.blockSize + 1) }];
		const a = projectedGradients({ model, projection, examples, batchSize: 1, sampleSeed: 5 });
		const b = projectedGradients({ model, projection, examples, batchSize: 4, sampleSeed: 5 });
		const c = projectedGradients({ model, projection, examples, sampleSeed: 6 });
		const data = projectedGradients({ model, projection, examples });
		examples.forEach((_, e) => expect(maxRelativeError(b, a, e * k, k)).toBeLessThan(1e-5));
		expect(maxRelativeError(c, a, 0, a.length)).toBeGreaterThan(0.01);
		expect(maxRelativeError(data, a, 0, a.length)).toBeGreaterThan(0.01);
		// E over y ~ p of the gradient of -log p(y) is 0: the mean of many draws' gradients shrinks like 1/sqrt(draws),
		// which draws from any other distribution (or the record's own next tokens) would not do.
		const draws = 400;
		const copies = Array.from({ length: draws }, () => examples[8]);
		const G = projectedGradients({ model, projection, examples: copies, sampleSeed: 1 });
		const { meanNorm, normMean: norms } = drawnMeanNorms(G, draws, k);
		const dataNorm = Math.sqrt(Array.from(data.subarray(8 * k, 9 * k)).reduce((s, x) => s + x * x, 0));
		expect(meanNorm / norms).toBeLessThan(0.15);
		expect(dataNorm / norms).toBeGreaterThan(0.3);
	});

	it('rejects examples without a counted target, ids out of range, and a projection of another shape', () => {
		const projection = gptProjection(config, { kIn: 4, kOut: 4, seed: 0 });
		const model = createGPT(config, { seed: 0 });
		expect(() => projectedGradients({ model, projection, examples: [{ tokens: Int32Array.of(1) }] })).toThrow(/at least one counted target/);
		expect(() => projectedGradients({ model, projection, examples: [{ tokens: Int32Array.of(1, 2, 3), firstTarget: 3 }] })).toThrow(/at least one counted target/);
		expect(() => projectedGradients({ model, projection, examples: [{ tokens: Int32Array.of(1, 99) }] })).toThrow(/out of range/);
		const other = gptProjection({ ...config, nLayer: 1 }, { kIn: 4, kOut: 4, seed: 0 });
		expect(() => projectedGradients({ model, projection: other, examples: [{ tokens: Int32Array.of(1, 2) }] })).toThrow(/another model shape/);
	});
});
