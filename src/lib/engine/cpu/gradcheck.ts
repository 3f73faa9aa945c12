// Test support: central-difference gradient checks in float64. The objective is sum(out * R) for a fixed random R, so
// dout = R; gradients are pre-filled with 0.5 before the backward, which checks that every op accumulates with +=.
// With eps 1e-5 in float64 the numeric derivative is good to ~1e-9, so the stated tolerance is 1e-6 (abs and rel).
import { createRng, type Rng } from '../random';
import type { Floats } from './floats';

/** A tensor to perturb and the gradient buffer the backward fills for it. */
export type GradInput = { name: string; value: Float64Array; grad: Float64Array };

/** Tolerance of gradCheck: |analytic - numeric| <= TOLERANCE * max(1, |analytic|, |numeric|). */
export const TOLERANCE = 1e-6;

const PREFILL = 0.5;

/** Fills a new float64 tensor with normal(0, scale) values. */
export function randomTensor(rng: Rng, n: number, scale = 1): Float64Array {
	const out = new Float64Array(n);
	for (let i = 0; i < n; i++) out[i] = scale * rng.normal();
	return out;
}

/** Compares the backward's gradients with central differences; returns the coordinates that disagree (none on success). */
export function gradCheck(
	forward: () => Floats,
	backward: (dout: Float64Array) => void,
	inputs: GradInput[],
	{ seed = 1, eps = 1e-5, samples = 64 }: { seed?: number; eps?: number; samples?: number } = {}
): string[] {
	const rng = createRng(seed);
	const weightsR = randomTensor(rng, forward().length);
	const objective = () => {
		const out = forward();
		let sum = 0;
		for (let i = 0; i < out.length; i++) sum += out[i] * weightsR[i];
		return sum;
	};
	forward();
	for (const input of inputs) input.grad.fill(PREFILL);
	backward(weightsR);
	const failures: string[] = [];
	for (const { name, value, grad } of inputs) {
		const n = value.length;
		const picks =
			n <= samples
				? Array.from({ length: n }, (_, i) => i)
				: Array.from({ length: samples }, () => Math.floor(rng.uniform() * n));
		for (const i of picks) {
			const saved = value[i];
			value[i] = saved + eps;
			const plus = objective();
			value[i] = saved - eps;
			const minus = objective();
			value[i] = saved;
			const numeric = (plus - minus) / (2 * eps);
			const analytic = grad[i] - PREFILL;
			if (Math.abs(analytic - numeric) > TOLERANCE * Math.max(1, Math.abs(analytic), Math.abs(numeric))) {
				failures.push(`${name}[${i}]: analytic ${analytic}, numeric ${numeric}`);
			}
		}
	}
	return failures;
}
