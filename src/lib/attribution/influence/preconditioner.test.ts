import { describe, expect, it } from 'vitest';
import { createRng } from '$lib/engine/random';
import { fitPreconditioner, inverseSpd, precondition } from './preconditioner';
import { createProjection } from './projection';

const projection = createProjection({ layers: [{ name: 'a', inFeatures: 3, outFeatures: 2, kIn: 3, kOut: 2 }, { name: 'b', inFeatures: 2, outFeatures: 2, kIn: 2, kOut: 2 }], seed: 0 });

function gradients(n: number, k: number, seed: number): Float32Array {
	const rng = createRng(seed);
	return Float32Array.from({ length: n * k }, () => rng.normal());
}

// Gaussian elimination on a copy: the reference solve.
function solve(A: number[][], b: number[]): number[] {
	const n = b.length;
	const M = A.map((row, i) => [...row, b[i]]);
	for (let c = 0; c < n; c++) {
		const p = M.reduce((best, row, r) => (r >= c && Math.abs(row[c]) > Math.abs(M[best][c]) ? r : best), c);
		[M[c], M[p]] = [M[p], M[c]];
		for (let r = 0; r < n; r++) {
			if (r === c) continue;
			const f = M[r][c] / M[c][c];
			for (let j = c; j <= n; j++) M[r][j] -= f * M[c][j];
		}
	}
	return M.map((row, i) => row[n] / row[i]);
}

describe('fitPreconditioner', () => {
	it('inverts each layer block of the damped empirical Fisher (damping = ratio x mean eigenvalue)', () => {
		const n = 9;
		const k = projection.k; // 6 + 4
		const G = gradients(n, k, 3);
		const pre = fitPreconditioner({ gradients: G, n, projection, options: { kind: 'layer', dampingRatio: 0.5 } });
		expect(pre.blocks.map((b) => [b.offset, b.size])).toEqual([[0, 6], [6, 4]]);
		const q = Array.from(gradients(1, k, 4));
		const got = precondition(pre, q);
		for (const block of pre.blocks) {
			const F = Array.from({ length: block.size }, (_, i) => Array.from({ length: block.size }, (_, j) => {
				let s = 0;
				for (let r = 0; r < n; r++) s += G[r * k + block.offset + i] * G[r * k + block.offset + j];
				return s / n;
			}));
			const trace = F.reduce((s, row, i) => s + row[i], 0);
			expect(block.damping).toBeCloseTo((0.5 * trace) / block.size, 10);
			F.forEach((row, i) => (row[i] += block.damping));
			const expected = solve(F, q.slice(block.offset, block.offset + block.size));
			expected.forEach((x, i) => expect(got[block.offset + i]).toBeCloseTo(x, 4));
		}
	});

	it('has one block for "full" and none for "identity", which returns the query', () => {
		const G = gradients(5, projection.k, 1);
		expect(fitPreconditioner({ gradients: G, n: 5, projection, options: { kind: 'full', dampingRatio: 0.1 } }).blocks.map((b) => b.size)).toEqual([10]);
		const identity = fitPreconditioner({ gradients: G, n: 5, projection, options: { kind: 'identity', dampingRatio: 0.1 } });
		const q = Array.from(gradients(1, 10, 2));
		expect(Array.from(precondition(identity, q))).toEqual(Array.from(Float32Array.from(q)));
	});

	it('rejects a bad damping ratio, a wrong shape and a wrong query dimension', () => {
		const G = gradients(2, projection.k, 1);
		expect(() => fitPreconditioner({ gradients: G, n: 2, projection, options: { kind: 'layer', dampingRatio: 0 } })).toThrow(/damping ratio/);
		expect(() => fitPreconditioner({ gradients: G, n: 3, projection })).toThrow(/not \(n, k\)/);
		const pre = fitPreconditioner({ gradients: G, n: 2, projection });
		expect(() => precondition(pre, [1, 2])).toThrow(/wrong dimension/);
	});
});

describe('inverseSpd', () => {
	it('inverts a symmetric positive definite matrix and refuses one that is not', () => {
		const A = Float64Array.of(4, 2, 0.5, 2, 3, 0.25, 0.5, 0.25, 2);
		const inv = inverseSpd(A, 3);
		for (let i = 0; i < 3; i++) {
			for (let j = 0; j < 3; j++) {
				let s = 0;
				for (let p = 0; p < 3; p++) s += A[i * 3 + p] * inv[p * 3 + j];
				expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
			}
		}
		expect(() => inverseSpd(Float64Array.of(1, 2, 2, 1), 2)).toThrow(/not positive definite/);
	});
});
