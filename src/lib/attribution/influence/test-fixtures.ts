// Fixtures for the influence tests (imported by tests only): seeded random examples, f16 matrices and queries, the
// explicit projection of a full gradient matrix, the relative error of one example's projected gradient, and the norms of
// drawn-label gradients' mean.
import { toFloat16Bits } from '$lib/engine/checkpoint/float16';
import { createRng } from '$lib/engine/random';
import type { InfluenceExample } from './gradients';
import type { GradientMatrix } from './score';

/** n examples of 2..maxLength random ids below V; every third (when long enough) counts targets from index 2 only. */
export function randomExamples(n: number, maxLength: number, V: number, seed: number): InfluenceExample[] {
	const rng = createRng(seed);
	return Array.from({ length: n }, (_, i) => {
		const length = 2 + Math.floor(rng.uniform() * (maxLength - 1));
		const tokens = Int32Array.from({ length }, () => Math.floor(rng.uniform() * V));
		return { tokens, firstTarget: i % 3 === 0 && length > 3 ? 2 : 1 };
	});
}

/** A (rows, k) matrix of N(0, 1) values as f16 bits. */
export function randomMatrix(rows: number, k: number, seed: number): GradientMatrix {
	const rng = createRng(seed);
	return { rows, k, bits: Uint16Array.from({ length: rows * k }, () => toFloat16Bits(rng.normal())) };
}

/** k N(0, 1) values. */
export function randomQuery(k: number, seed: number): Float32Array {
	const rng = createRng(seed);
	return Float32Array.from({ length: k }, () => rng.normal());
}

/** P_out G P_in^T for an (out, in) gradient G, in float64; a null side is the identity. */
export function projectMatrix(G: ArrayLike<number>, out: number, inp: number, pOut: Float32Array | null, pIn: Float32Array | null, kOut: number, kIn: number): Float64Array {
	const mid = new Float64Array(out * kIn); // G P_in^T
	for (let o = 0; o < out; o++) {
		for (let i = 0; i < kIn; i++) {
			let s = 0;
			for (let c = 0; c < inp; c++) s += G[o * inp + c] * (pIn ? pIn[i * inp + c] : c === i ? 1 : 0);
			mid[o * kIn + i] = s;
		}
	}
	const res = new Float64Array(kOut * kIn);
	for (let j = 0; j < kOut; j++) {
		for (let i = 0; i < kIn; i++) {
			let s = 0;
			for (let o = 0; o < out; o++) s += (pOut ? pOut[j * out + o] : o === j ? 1 : 0) * mid[o * kIn + i];
			res[j * kIn + i] = s;
		}
	}
	return res;
}

/** max |actual - expected| over [from, from + k), relative to the largest |expected| there. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, from: number, k: number): number {
	let norm = 0;
	let err = 0;
	for (let j = 0; j < k; j++) {
		norm = Math.max(norm, Math.abs(expected[from + j]));
		err = Math.max(err, Math.abs(actual[from + j] - expected[from + j]));
	}
	return err / norm;
}

/** For n rows of k gradients of one example at labels drawn n times: the norm of their mean, and their mean norm. The
 * mean of grad -log p(y) over y ~ p is 0, so the first shrinks like 1/sqrt(n) against the second. */
export function drawnMeanNorms(G: ArrayLike<number>, n: number, k: number): { meanNorm: number; normMean: number } {
	const mean = new Float64Array(k);
	let normMean = 0;
	for (let d = 0; d < n; d++) {
		let sq = 0;
		for (let j = 0; j < k; j++) {
			mean[j] += G[d * k + j] / n;
			sq += G[d * k + j] ** 2;
		}
		normMean += Math.sqrt(sq) / n;
	}
	return { meanNorm: Math.sqrt(mean.reduce((s, x) => s + x * x, 0)), normMean };
}
