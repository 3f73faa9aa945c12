import { describe, expect, it } from 'vitest';
import { adamwStep, clipGradNorm } from './adamw';

const OPTIONS = { learningRate: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5 };

describe('adamwStep', () => {
	it('matches a step worked by hand', () => {
		const params = Float64Array.of(1, -2);
		const grads = Float64Array.of(0.5, 2);
		const m = Float64Array.of(0.1, 0);
		const v = Float64Array.of(0.01, 0);
		adamwStep(params, grads, m, v, 2, OPTIONS);
		// p0, step 2: m = 0.9*0.1 + 0.1*0.5 = 0.14, v = 0.99*0.01 + 0.01*0.25 = 0.0124;
		// mhat = 0.14/0.19, vhat = 0.0124/0.0199; p = 1 - 0.1*(mhat/(sqrt(vhat)+1e-8) + 0.5*1).
		expect(m[0]).toBeCloseTo(0.14, 15);
		expect(v[0]).toBeCloseTo(0.0124, 15);
		const mhat = 0.14 / 0.19;
		const vhat = 0.0124 / 0.0199;
		expect(params[0]).toBeCloseTo(1 - 0.1 * (mhat / (Math.sqrt(vhat) + 1e-8) + 0.5), 12);
		// p1, zero moments: m = 0.2, v = 0.04; mhat = 0.2/0.19, vhat = 0.04/0.0199.
		expect(params[1]).toBeCloseTo(-2 - 0.1 * (0.2 / 0.19 / (Math.sqrt(0.04 / 0.0199) + 1e-8) - 1), 12);
	});

	it('at step 1 moves every weight by about the learning rate, against its gradient', () => {
		const params = Float64Array.of(0, 0, 0);
		const grads = Float64Array.of(3, -0.01, 1e4);
		adamwStep(params, grads, new Float64Array(3), new Float64Array(3), 1, { ...OPTIONS, weightDecay: 0 });
		expect(Array.from(params).map((p) => +p.toFixed(5))).toEqual([-0.1, 0.1, -0.1]);
	});

	it('updates only the given range', () => {
		const params = Float64Array.of(1, 1, 1);
		adamwStep(params, Float64Array.of(1, 1, 1), new Float64Array(3), new Float64Array(3), 1, OPTIONS, 1, 2);
		expect(params[0]).toBe(1);
		expect(params[2]).toBe(1);
		expect(params[1]).toBeLessThan(1);
	});
});

describe('clipGradNorm', () => {
	it('scales the gradients to the maximum global norm and returns the norm before', () => {
		const grads = Float64Array.of(3, 0, -4); // norm 5
		expect(clipGradNorm(grads, 1)).toBe(5);
		expect(grads[0]).toBeCloseTo(0.6, 6);
		expect(grads[2]).toBeCloseTo(-0.8, 6);
		expect(Math.hypot(...grads)).toBeCloseTo(1, 6);
	});

	it('leaves gradients under the limit unchanged', () => {
		const grads = Float64Array.of(0.3, 0.4);
		expect(clipGradNorm(grads, 1)).toBeCloseTo(0.5, 15);
		expect(Array.from(grads)).toEqual([0.3, 0.4]);
	});
});
