import { describe, expect, it } from 'vitest';
import { createRng } from '$lib/engine/random';
import { createProjection, projectRows } from './projection';

// Johnson-Lindenstrauss for a Gaussian P with N(0, 1/k) entries: ||Px||^2 / ||x||^2 is chi-square(k) / k, so
// P(|ratio - 1| > eps) <= 2 exp(-k (eps^2 / 2 - eps^3 / 3) / 2). At k = 256 that is 1e-3 per vector for eps = 0.40
// (the bound is loose: chi-square(256)/256 has a standard deviation of 0.088); the test also checks the mean.
const jlEps = (k: number, delta: number) => {
	// The smallest eps whose bound is at most delta, by bisection.
	let lo = 0;
	let hi = 1;
	for (let i = 0; i < 60; i++) {
		const eps = (lo + hi) / 2;
		if (2 * Math.exp((-k * (eps * eps / 2 - (eps * eps * eps) / 3)) / 2) <= delta) hi = eps;
		else lo = eps;
	}
	return hi;
};

function randomVector(n: number, rng: ReturnType<typeof createRng>): Float64Array {
	return Float64Array.from({ length: n }, () => rng.normal() * (1 + 3 * rng.uniform()));
}

const norm2 = (x: ArrayLike<number>) => Array.from(x).reduce((s, v) => s + v * v, 0);

describe('createProjection', () => {
	it('keeps every vector\'s squared norm within the JL bound (k = 256, delta = 1e-3 per vector)', () => {
		const k = 256;
		const features = 512;
		const { layers } = createProjection({ layers: [{ name: 'x', inFeatures: features, outFeatures: 3, kIn: k, kOut: 3 }], seed: 42 });
		const p = layers[0].pIn!;
		const eps = jlEps(k, 1e-3);
		expect(eps).toBeCloseTo(0.40, 2);
		const rng = createRng(1);
		const out = new Float32Array(k);
		let worst = 0;
		let meanRatio = 0;
		for (let i = 0; i < 200; i++) {
			const x = randomVector(features, rng);
			projectRows(out, x, 1, features, p);
			const ratio = norm2(out) / norm2(x);
			worst = Math.max(worst, Math.abs(ratio - 1));
			meanRatio += ratio / 200;
		}
		expect(worst).toBeLessThan(eps);
		expect(Math.abs(meanRatio - 1)).toBeLessThan(0.02); // unbiased: the mean of 200 chi-square(256)/256 is 1 +- 0.006
	});

	it('keeps a rank-one gradient\'s Frobenius norm within the product of the two sides\' bounds', () => {
		const kIn = 64;
		const kOut = 64;
		const [C, OC] = [128, 384];
		const { layers } = createProjection({ layers: [{ name: 'h0.qkv', inFeatures: C, outFeatures: OC, kIn, kOut }], seed: 9 });
		const { pIn, pOut } = layers[0];
		const eps = jlEps(kIn, 1e-3);
		const rng = createRng(2);
		for (let i = 0; i < 50; i++) {
			const a = randomVector(C, rng);
			const d = randomVector(OC, rng);
			const pa = new Float32Array(kIn);
			const pd = new Float32Array(kOut);
			projectRows(pa, a, 1, C, pIn);
			projectRows(pd, d, 1, OC, pOut);
			// ||P_out (d a^T) P_in^T||_F^2 = ||P_out d||^2 ||P_in a||^2.
			const ratio = (norm2(pd) * norm2(pa)) / (norm2(d) * norm2(a));
			expect(ratio).toBeGreaterThan((1 - eps) ** 2);
			expect(ratio).toBeLessThan((1 + eps) ** 2);
		}
	});

	it('is the same matrices for the same seed, others for another, and identity for a side with k >= its features', () => {
		const shape = [{ name: 'a', inFeatures: 10, outFeatures: 4, kIn: 5, kOut: 8 }];
		const one = createProjection({ layers: shape, seed: 1 });
		expect(createProjection({ layers: shape, seed: 1 }).layers[0].pIn).toEqual(one.layers[0].pIn);
		expect(createProjection({ layers: shape, seed: 2 }).layers[0].pIn).not.toEqual(one.layers[0].pIn);
		expect(one.layers[0]).toMatchObject({ kIn: 5, kOut: 4, pOut: null, offset: 0 });
		expect(one.k).toBe(20);
		expect(() => createProjection({ layers: [{ ...shape[0], kIn: 0 }], seed: 1 })).toThrow(/kIn/);
	});
});
