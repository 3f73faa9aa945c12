// loraProjectedGradients against a plain loop: one example at a time, the adapter's own A and B gradients from a frozen
// backward, projected on both sides explicitly. B is drawn nonzero, since a fresh adapter's B = 0 would zero grad_A.
import { describe, expect, it } from 'vitest';
import { gptConfig } from '$lib/engine/config';
import { IGNORE_INDEX } from '$lib/engine/cpu/crossEntropy';
import { createGPT, gptBackward, gptForward, type GPT } from '$lib/engine/cpu/gpt';
import { loraConfig, type LoraConfig, type LoraTarget } from '$lib/engine/lora/config';
import { attachLora, createLoraAdapter, loraTargetShape, loraZeroGrad, type LoraAdapter } from '$lib/engine/lora/lora';
import { createRng } from '$lib/engine/random';
import type { InfluenceExample } from './gradients';
import { loraProjectedGradients, loraProjection } from './loraGradients';
import type { Projection } from './projection';
import { drawnMeanNorms, maxRelativeError, projectMatrix, randomExamples } from './test-fixtures';

const config = gptConfig('tiny', { vocabSize: 37, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 });
const ALL = loraConfig({ rank: 2, alpha: 3 });

// A model and an attached adapter whose B matrices are random (the same values in either precision, up to rounding).
function attachedPair(lora: LoraConfig, precision: 'f32' | 'f64', seed = 5): { model: GPT; adapter: LoraAdapter } {
	const model = createGPT(config, { seed, precision });
	const adapter = createLoraAdapter(config, lora, { seed: seed + 1, precision });
	const rng = createRng(seed + 2);
	for (const target of lora.targets) {
		const B = adapter.weights[target]!.B;
		for (let i = 0; i < B.length; i++) B[i] = 0.3 * rng.normal();
	}
	attachLora(model, adapter);
	return { model, adapter };
}

// The plain loop's gradient of one example's summed loss: the adapter's A and B blocks, block by block in target order.
function plainProjectedGradient(model: GPT, adapter: LoraAdapter, projection: Projection, { tokens, firstTarget = 1 }: InfluenceExample): Float64Array {
	const T = tokens.length - 1;
	const targets = new Int32Array(T);
	for (let t = 0; t < T; t++) targets[t] = t + 1 >= firstTarget ? tokens[t + 1] : IGNORE_INDEX;
	const count = targets.filter((x) => x !== IGNORE_INDEX).length;
	loraZeroGrad(adapter);
	gptForward(model, tokens.subarray(0, T), targets, 1, T);
	gptBackward(model, { frozen: true });
	const r = adapter.config.rank;
	const blocks: { name: string; G: ArrayLike<number>; rows: number; cols: number }[] = [];
	for (let l = 0; l < config.nLayer; l++) {
		for (const target of adapter.config.targets) {
			const { inFeatures: Cin, outFeatures: OC } = loraTargetShape(target, config.nEmbd);
			const { A, B } = adapter.gradients[target]!;
			blocks.push(
				{ name: `h${l}.${target}.lora_A`, G: A.subarray(l * r * Cin, (l + 1) * r * Cin), rows: r, cols: Cin },
				{ name: `h${l}.${target}.lora_B`, G: B.subarray(l * OC * r, (l + 1) * OC * r), rows: OC, cols: r }
			);
		}
	}
	expect(projection.layers.map((layer) => layer.name)).toEqual(blocks.map((b) => b.name));
	const out = new Float64Array(projection.k);
	projection.layers.forEach((layer, i) => {
		const { G, rows, cols } = blocks[i];
		const p = projectMatrix(G, rows, cols, layer.pOut, layer.pIn, layer.kOut, layer.kIn);
		for (let j = 0; j < p.length; j++) out[layer.offset + j] = count * p[j];
	});
	return out;
}

// Every example's row of `got` against the plain loop's, each relative to its own largest value.
function expectPlainLoop(lora: LoraConfig, projection: Projection, examples: InfluenceExample[]): void {
	const reference = attachedPair(lora, 'f64');
	const expected = examples.map((e) => plainProjectedGradient(reference.model, reference.adapter, projection, e));
	for (const [precision, tolerance] of [['f64', 1e-9], ['f32', 1e-4]] as const) {
		const { model, adapter } = attachedPair(lora, precision);
		const got = loraProjectedGradients({ model, adapter, projection, examples, batchSize: 3 });
		expect(got).toBeInstanceOf(precision === 'f64' ? Float64Array : Float32Array);
		expect(got.length).toBe(examples.length * projection.k);
		examples.forEach((_, e) => {
			expect(expected[e].some((x) => x !== 0)).toBe(true);
			expect(maxRelativeError(got.subarray(e * projection.k), expected[e], 0, projection.k), `${precision} example ${e}`).toBeLessThan(tolerance);
		});
	}
}

describe('loraProjectedGradients', () => {
	it('equals the projection of per-example adapter gradients from a plain loop (f64: 1e-9, f32: 1e-4)', () => {
		const projection = loraProjection(createLoraAdapter(config, ALL), { kIn: 4, kOut: 5, seed: 3 });
		// Per block: A is (r=2 unprojected) x (C_in projected to 4), B is (C_out projected to 5) x (r=2 unprojected).
		expect(projection.k).toBe(2 * 4 * (2 * 4 + 5 * 2));
		const fcprojA = projection.layers.find((l) => l.name === 'h1.fcproj.lora_A')!;
		expect([fcprojA.inFeatures, fcprojA.outFeatures, fcprojA.pIn === null, fcprojA.pOut === null]).toEqual([32, 2, false, true]);
		const qkvB = projection.layers.find((l) => l.name === 'h0.qkv.lora_B')!;
		expect([qkvB.inFeatures, qkvB.outFeatures, qkvB.pIn === null, qkvB.pOut === null]).toEqual([2, 24, true, false]);
		expectPlainLoop(ALL, projection, randomExamples(7, config.blockSize + 1, config.vocabSize, 11));
	});

	it('does not depend on the batch size or the order of the examples, and leaves adapter.grads as they were', () => {
		const { model, adapter } = attachedPair(ALL, 'f32', 2);
		const projection = loraProjection(adapter, { kIn: 6, kOut: 6, seed: 1 });
		adapter.grads.fill(0.5);
		const examples = randomExamples(13, 2 * config.blockSize + 1, config.vocabSize, 4);
		const one = loraProjectedGradients({ model, adapter, projection, examples, batchSize: 1 });
		const five = loraProjectedGradients({ model, adapter, projection, examples, batchSize: 5 });
		const reversed = loraProjectedGradients({ model, adapter, projection, examples: [...examples].reverse(), batchSize: 8 });
		const k = projection.k;
		examples.forEach((_, e) => {
			expect(maxRelativeError(five, one, e * k, k)).toBeLessThan(1e-5);
			expect(maxRelativeError(reversed.subarray((examples.length - 1 - e) * k), one.subarray(e * k), 0, k)).toBeLessThan(1e-5);
		});
		expect(adapter.grads.every((g) => g === 0.5)).toBe(true);
	});

	it('at labels drawn from the model (sampleSeed): the same for any batch size (f32, 1e-4), other than the records\' own, and zero in expectation', () => {
		const { model, adapter } = attachedPair(ALL, 'f32');
		const projection = loraProjection(adapter, { kIn: 4, kOut: 4, seed: 3 });
		const k = projection.k;
		const examples = randomExamples(6, config.blockSize + 1, config.vocabSize, 12).map((e) => ({ tokens: e.tokens }));
		const a = loraProjectedGradients({ model, adapter, projection, examples, batchSize: 1, sampleSeed: 5 });
		const b = loraProjectedGradients({ model, adapter, projection, examples, batchSize: 4, sampleSeed: 5 });
		const own = loraProjectedGradients({ model, adapter, projection, examples });
		examples.forEach((_, e) => expect(maxRelativeError(b, a, e * k, k)).toBeLessThan(1e-4));
		expect(maxRelativeError(own, a, 0, a.length)).toBeGreaterThan(0.01);
		// The mean over many draws of grad -log p(y), y ~ p, shrinks toward 0; the record's own gradient does not.
		const draws = 300;
		const G = loraProjectedGradients({ model, adapter, projection, examples: Array.from({ length: draws }, () => examples[0]), sampleSeed: 1 });
		const { meanNorm, normMean: norms } = drawnMeanNorms(G, draws, k);
		const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0));
		expect(meanNorm / norms).toBeLessThan(0.15);
		expect(norm(own.subarray(0, k)) / norms).toBeGreaterThan(0.3);
	});

	it('gives only the targeted layers for an adapter on some of them', () => {
		const some = loraConfig({ rank: 2, alpha: 4, targets: ['qkv', 'fc'] satisfies LoraTarget[] });
		const projection = loraProjection(createLoraAdapter(config, some), { kIn: 4, kOut: 5, seed: 7 });
		const names = [0, 1].flatMap((l) => ['qkv', 'fc'].flatMap((t) => [`h${l}.${t}.lora_A`, `h${l}.${t}.lora_B`]));
		expect(projection.layers.map((l) => l.name)).toEqual(names);
		expectPlainLoop(some, projection, randomExamples(5, config.blockSize + 1, config.vocabSize, 12));
	});

	it('rejects a detached adapter, a projection of another adapter shape, and examples without a counted target', () => {
		const { model, adapter } = attachedPair(ALL, 'f32');
		const projection = loraProjection(adapter, { kIn: 4, kOut: 4, seed: 0 });
		const examples = [{ tokens: Int32Array.of(1, 2, 3) }];
		expect(() => loraProjectedGradients({ model: createGPT(config), adapter, projection, examples })).toThrow(/not attached/);
		const other = loraProjection(createLoraAdapter(config, loraConfig({ rank: 2, targets: ['fc'] })), { kIn: 4, kOut: 4, seed: 0 });
		expect(() => loraProjectedGradients({ model, adapter, projection: other, examples })).toThrow(/another adapter shape/);
		expect(() => loraProjectedGradients({ model, adapter, projection, examples: [{ tokens: Int32Array.of(1) }] })).toThrow(/at least one counted target/);
	});
});
