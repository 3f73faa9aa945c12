import { describe, expect, it } from 'vitest';
import { gptConfig } from '../config';
import { EngineInputError } from '../errors';
import { createRng } from '../random';
import { IGNORE_INDEX } from './crossEntropy';
import { TOLERANCE } from './gradcheck';
import { createGPT, gptBackward, gptForward, gptUpdate, gptZeroGrad } from './gpt';

// Micro model: every code path of the full GPT, small enough for exact float64 central differences.
const MICRO = gptConfig('tiny', { vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 });

function randomBatch(seed: number, B: number, T: number, V: number) {
	const rng = createRng(seed);
	const inputs = Int32Array.from({ length: B * T }, () => Math.floor(rng.uniform() * V));
	const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.uniform() * V));
	targets[B * T - 1] = IGNORE_INDEX;
	return { inputs, targets };
}

describe('gpt', () => {
	it('has the gradients of central differences through the whole model (float64)', () => {
		const [B, T] = [2, 5];
		const model = createGPT(MICRO, { seed: 1, precision: 'f64' });
		// Untrained GPT-2 init leaves LayerNorm gains at 1 and biases at 0; perturb them so every term is exercised.
		const rng = createRng(2);
		for (let i = 0; i < model.params.length; i++) model.params[i] += 0.05 * rng.normal();
		const { inputs, targets } = randomBatch(3, B, T, MICRO.vocabSize);
		gptZeroGrad(model);
		gptForward(model, inputs, targets, B, T);
		gptBackward(model);
		const analytic = model.grads.slice();
		const eps = 1e-5;
		const failures: string[] = [];
		let checked = 0;
		for (const [name, { offset, size }] of Object.entries(model.layout)) {
			for (let k = 0; k < 3; k++) {
				const i = offset + Math.floor(rng.uniform() * size);
				const saved = model.params[i];
				model.params[i] = saved + eps;
				const plus = gptForward(model, inputs, targets, B, T);
				model.params[i] = saved - eps;
				const minus = gptForward(model, inputs, targets, B, T);
				model.params[i] = saved;
				const numeric = (plus - minus) / (2 * eps);
				checked++;
				if (Math.abs(analytic[i] - numeric) > TOLERANCE * Math.max(1, Math.abs(numeric))) {
					failures.push(`${name}[${i - offset}]: analytic ${analytic[i]}, numeric ${numeric}`);
				}
			}
		}
		expect(checked).toBe(48);
		expect(failures).toEqual([]);
	});

	it('gives the same loss in float32 as in float64, starting near ln(V)', () => {
		const { inputs, targets } = randomBatch(4, 3, 8, MICRO.vocabSize);
		const loss32 = gptForward(createGPT(MICRO, { seed: 5 }), inputs, targets, 3, 8);
		const loss64 = gptForward(createGPT(MICRO, { seed: 5, precision: 'f64' }), inputs, targets, 3, 8);
		expect(Math.abs(loss32 - loss64)).toBeLessThan(1e-5);
		expect(Math.abs(loss64 - Math.log(MICRO.vocabSize))).toBeLessThan(0.1);
	});

	it('learns a repeated sequence: 50 AdamW steps cut the loss by over 95%, deterministically', () => {
		const train = () => {
			const [B, T] = [4, 8];
			const sequence = [1, 5, 2, 9, 3, 7, 4, 10, 6];
			const inputs = new Int32Array(B * T);
			const targets = new Int32Array(B * T);
			for (let b = 0; b < B; b++) {
				for (let t = 0; t < T; t++) {
					inputs[b * T + t] = sequence[(b + t) % sequence.length];
					targets[b * T + t] = sequence[(b + t + 1) % sequence.length];
				}
			}
			const model = createGPT(MICRO, { seed: 6 });
			const options = { learningRate: 3e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1 };
			const losses: number[] = [];
			for (let step = 0; step < 50; step++) {
				gptZeroGrad(model);
				losses.push(gptForward(model, inputs, targets, B, T));
				gptBackward(model);
				gptUpdate(model, options);
			}
			return losses;
		};
		const losses = train();
		expect(losses[49]).toBeLessThan(0.05 * losses[0]); // from ln(11) = 2.4 to ~0.003 at the time of writing
		expect(train()).toEqual(losses);
	});

	it('rejects a batch that does not fit the model', () => {
		const model = createGPT(MICRO);
		const ok = new Int32Array(8);
		expect(() => gptForward(model, ok, ok, 1, 9)).toThrow(EngineInputError); // longer than blockSize
		expect(() => gptForward(model, ok, ok, 2, 8)).toThrow(/B \* T/);
		expect(() => gptForward(model, Int32Array.of(0, 11), Int32Array.of(0, 0), 1, 2)).toThrow(/out of range/);
		expect(() => gptBackward(createGPT(MICRO))).toThrow(/gptForward/);
	});
});
