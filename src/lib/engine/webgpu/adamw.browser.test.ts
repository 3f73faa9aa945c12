// Parity of the WebGPU clipping + AdamW step with gptUpdate's composition of cpu/adamw.ts: clipGradNorm, then
// adamwStep over ranges with and without weight decay, from non-zero moments at step 3. P is odd and not a multiple
// of the norm pass's width (1,280 partial sums of ~55 squares each here), so ragged strides are exercised.
import { beforeAll, describe, expect, test } from 'vitest';
import { adamwStep, clipGradNorm } from '../cpu/adamw';
import { createAdamW } from './adamw';
import { openParitySession, randomFloats, relativeError, type ParitySession } from './parity';

// Elementwise f32 arithmetic against float64-then-rounded on the CPU, and a 70,001-term f32 sum of squares (short runs,
// then a tree) against a float64 sum: measured ~1e-8 for the norm and <= 3e-7 for the tensors, well within 1e-4.
const TOLERANCE = 1e-4;
const P = 70_001;
const OPTIONS = { learningRate: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

let gpu: ParitySession;
beforeAll(async () => {
	gpu = await openParitySession();
});

describe('adamw', () => {
	for (const maxGradNorm of [10, Infinity]) {
		test(`clip (max norm ${maxGradNorm}) and AdamW over two ranges match the CPU`, async () => {
			const params = randomFloats(P, 1, 0.02);
			const grads = randomFloats(P, 2, 0.1); // global norm ~26: clipped at 10
			const m = randomFloats(P, 3, 0.01);
			const v = randomFloats(P, 4, 0.01).map((x) => x * x);
			const split = 30_000;
			const ranges = [
				{ ...OPTIONS, start: 0, count: split },
				{ ...OPTIONS, weightDecay: 0, start: split, count: P - split }
			];
			const op = await createAdamW(gpu.cache, { P });
			const g = { params: gpu.upload('params', params), grads: gpu.upload('grads', grads), m: gpu.upload('m', m), v: gpu.upload('v', v) };
			await gpu.run((encoder) => op.step(encoder, g, { step: 3, maxGradNorm, ranges }));

			const norm = clipGradNorm(grads, maxGradNorm);
			for (const { start, count, ...options } of ranges) adamwStep(params, grads, m, v, 3, options, start, start + count);
			const clip = await gpu.read(op.clip, 2);
			expect(Math.abs(clip[0] - norm) / norm).toBeLessThan(TOLERANCE);
			expect(clip[1]).toBeCloseTo(maxGradNorm === Infinity ? 1 : maxGradNorm / (norm + 1e-6), 6);
			expect(relativeError(await gpu.read(g.grads, P), grads)).toBeLessThan(TOLERANCE);
			expect(relativeError(await gpu.read(g.m, P), m)).toBeLessThan(TOLERANCE);
			expect(relativeError(await gpu.read(g.v, P), v)).toBeLessThan(TOLERANCE);
			expect(relativeError(await gpu.read(g.params, P), params)).toBeLessThan(TOLERANCE);
		});
	}
});
