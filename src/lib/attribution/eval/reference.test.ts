import { describe, expect, it } from 'vitest';
import { gptConfig } from '$lib/engine/config';
import { IGNORE_INDEX } from '$lib/engine/cpu/crossEntropy';
import { createGPT, gptBackward, gptForward, gptZeroGrad } from '$lib/engine/cpu/gpt';
import { createRng } from '$lib/engine/random';
import { projectedGradients } from '../influence/gradients';
import { randomExamples } from '../influence/test-fixtures';
import { ekfacPrecondition, fitEkfac, fullProjection, kfacFactors, referenceScores } from './reference';

const config = gptConfig('tiny', { vocabSize: 37, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 });
const model = (seed: number, precision: 'f32' | 'f64' = 'f32') => createGPT(config, { seed, precision });
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
	let s = 0;
	for (let i = 0; i < a.length; i++) s += a[i] * b[i];
	return s;
};

describe('fullProjection', () => {
	it('projects no side: an example\'s gradient is its summed loss\'s full weight gradient, layer by layer (f64, 1e-9)', () => {
		const m = model(1, 'f64');
		const projection = fullProjection(config);
		expect(projection.layers.every((l) => l.pIn === null && l.pOut === null)).toBe(true);
		const example = { tokens: randomExamples(1, 8, config.vocabSize, 3)[0].tokens };
		const g = projectedGradients({ model: m, projection, examples: [example] });
		const T = example.tokens.length - 1;
		const targets = Int32Array.from({ length: T }, (_, t) => example.tokens[t + 1]);
		gptZeroGrad(m);
		gptForward(m, example.tokens.subarray(0, T), targets, 1, T);
		gptBackward(m);
		const C = config.nEmbd;
		const w = m.gradients;
		const full: ArrayLike<number>[] = [];
		for (let l = 0; l < config.nLayer; l++) {
			full.push(w.qkvw.subarray(l * 3 * C * C, (l + 1) * 3 * C * C), w.attprojw.subarray(l * C * C, (l + 1) * C * C), w.fcw.subarray(l * 4 * C * C, (l + 1) * 4 * C * C), w.fcprojw.subarray(l * 4 * C * C, (l + 1) * 4 * C * C));
		}
		full.push(w.wte);
		projection.layers.forEach((layer, i) => {
			const expected = full[i];
			let scale = 0;
			let err = 0;
			for (let j = 0; j < expected.length; j++) {
				scale = Math.max(scale, Math.abs(expected[j] * T));
				err = Math.max(err, Math.abs(g[layer.offset + j] - expected[j] * T));
			}
			expect(err / scale, layer.name).toBeLessThan(1e-9);
		});
	});
});

describe('kfacFactors', () => {
	it('A of the first layer is the mean outer product of its inputs over every position (1e-9)', () => {
		const m = model(2, 'f64');
		const examples = randomExamples(3, 8, config.vocabSize, 4).map((e) => ({ tokens: e.tokens }));
		const { A, S } = kfacFactors({ model: m, examples, sampleSeed: 0 });
		const C = config.nEmbd;
		const expected = new Float64Array(C * C);
		let positions = 0;
		for (const { tokens } of examples) {
			const T = tokens.length - 1;
			gptForward(m, tokens.subarray(0, T), new Int32Array(T).fill(IGNORE_INDEX), 1, T);
			const ln1 = m.batch!.acts.layers[0].ln1;
			for (let t = 0; t < T; t++) for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) expected[i * C + j] += ln1[t * C + i] * ln1[t * C + j];
			positions += T;
		}
		for (let i = 0; i < C * C; i++) expect(A[0][i]).toBeCloseTo(expected[i] / positions, 9);
		// S is a second moment too: symmetric, with a non-negative diagonal.
		const out = 3 * C;
		for (let i = 0; i < out; i++) {
			expect(S[0][i * out + i]).toBeGreaterThanOrEqual(0);
			for (let j = 0; j < out; j++) expect(S[0][i * out + j]).toBe(S[0][j * out + i]);
		}
	});
});

describe('fitEkfac and ekfacPrecondition', () => {
	it('solves (F + lambda I) x = g, F diagonal in each layer\'s orthonormal Kronecker eigenbasis (float32, 1e-3)', () => {
		const m = model(5);
		const examples = randomExamples(12, 8, config.vocabSize, 6).map((e) => ({ tokens: e.tokens }));
		const ekfac = fitEkfac({ model: m, examples, sampleSeed: 1, dampingRatio: 0.1 });
		const rng = createRng(7);
		const g = Float32Array.from({ length: ekfac.D }, () => rng.normal());
		const x = ekfacPrecondition(ekfac, g);
		for (const l of ekfac.layers) {
			const { outFeatures: O, inFeatures: N, qS, qA } = l;
			// Orthonormal rows.
			for (const [q, n] of [[qS, O], [qA, N]] as const) {
				for (let a = 0; a < n; a += 3) for (let b = 0; b < n; b += 5) expect(dot(q.subarray(a * n, (a + 1) * n), q.subarray(b * n, (b + 1) * n))).toBeCloseTo(a === b ? 1 : 0, 4);
			}
			// y = Q^T diag(1 / inverse) Q x, densely, should give back g.
			const rx = new Float64Array(O * N);
			for (let s = 0; s < O; s++) for (let e = 0; e < N; e++) {
				let v = 0;
				for (let o = 0; o < O; o++) for (let j = 0; j < N; j++) v += qS[s * O + o] * x[l.offset + o * N + j] * qA[e * N + j];
				rx[s * N + e] = v / l.inverse[s * N + e];
			}
			let err = 0;
			let scale = 0;
			for (let o = 0; o < O; o++) for (let j = 0; j < N; j++) {
				let y = 0;
				for (let s = 0; s < O; s++) for (let e = 0; e < N; e++) y += qS[s * O + o] * rx[s * N + e] * qA[e * N + j];
				err = Math.max(err, Math.abs(y - g[l.offset + o * N + j]));
				scale = Math.max(scale, Math.abs(g[l.offset + o * N + j]));
			}
			expect(err / scale).toBeLessThan(1e-3);
			expect(l.damping).toBeGreaterThan(0);
		}
	});
});

describe('referenceScores', () => {
	it('sums, over checkpoints, the full gradients\' dot products and the EK-FAC-preconditioned ones, in chunks of records', () => {
		const checkpoints = [model(8), model(9)];
		const records = randomExamples(40, 8, config.vocabSize, 10).map((e) => ({ tokens: e.tokens }));
		const queries = randomExamples(3, 8, config.vocabSize, 11);
		const progress: number[] = [];
		const { identity, ekfac } = referenceScores({ checkpoints, records, queries, sampleSeed: 2, dampingRatio: 0.01, onProgress: (done) => progress.push(done) });
		expect(progress).toEqual([1, 2]);
		const projection = fullProjection(config);
		const D = projection.k;
		const expectedId = queries.map(() => new Float64Array(records.length));
		const expectedEk = queries.map(() => new Float64Array(records.length));
		for (const m of checkpoints) {
			const gr = projectedGradients({ model: m, projection, examples: records });
			const gq = projectedGradients({ model: m, projection, examples: queries });
			const fitted = fitEkfac({ model: m, examples: records, sampleSeed: 2, dampingRatio: 0.01 });
			queries.forEach((_, q) => {
				const raw = gq.subarray(q * D, (q + 1) * D);
				const pre = ekfacPrecondition(fitted, raw);
				for (let i = 0; i < records.length; i++) {
					const g = gr.subarray(i * D, (i + 1) * D);
					expectedId[q][i] += dot(raw, g);
					expectedEk[q][i] += dot(pre, g);
				}
			});
		}
		queries.forEach((_, q) => {
			const scale = (x: Float64Array) => Math.max(...Array.from(x, Math.abs));
			for (let i = 0; i < records.length; i++) {
				expect(Math.abs(identity[q][i] - expectedId[q][i]) / scale(expectedId[q])).toBeLessThan(1e-4);
				expect(Math.abs(ekfac[q][i] - expectedEk[q][i]) / scale(expectedEk[q])).toBeLessThan(1e-4);
			}
			// Preconditioning changes the ranking: EK-FAC is not the dot product rescaled.
			const ratios = Array.from(ekfac[q], (x, i) => x / identity[q][i]);
			expect(Math.max(...ratios) - Math.min(...ratios)).toBeGreaterThan(1e-3 * Math.abs(ratios[0]));
		});
	});
});
