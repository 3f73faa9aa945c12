// WebGPUScorer against scoreCpu: shapes with odd row counts and k = 2, 6 (padded rows) and 2,048 (plain copy), several
// chunks forced with a small maxChunkBytes, and two queries in a row on one upload. The error of each score is measured
// against sum_j |g_j q_j|: f32 sums of 2,048 terms (32 per invocation, then a 64-way tree) stay below ~40 * 2^-24 of it.
import { beforeAll, describe, expect, test } from 'vitest';
import { requestGPU } from '$lib/engine/webgpu/device';
import { scoreCpu, type GradientMatrix } from '../score';
import { WebGPUScorer } from './score';
import { randomMatrix, randomQuery } from '../test-fixtures';

const TOLERANCE = 1e-5;

let device: GPUDevice;
beforeAll(async () => {
	({ device } = await requestGPU());
});

/** The largest |gpu - cpu| of a row over that row's sum |g_j q_j| (the scale of its rounding error). */
function worstError(matrix: GradientMatrix, query: Float32Array, gpu: Float32Array): number {
	const abs = scoreCpu({ ...matrix, bits: matrix.bits.map((h) => h & 0x7fff) }, query.map(Math.abs));
	const cpu = scoreCpu(matrix, query);
	let worst = 0;
	for (let i = 0; i < matrix.rows; i++) worst = Math.max(worst, Math.abs(gpu[i] - cpu[i]) / abs[i]);
	return worst;
}

describe('WebGPUScorer', () => {
	const shapes: [rows: number, k: number][] = [[1, 2], [37, 2], [101, 6], [13, 16], [67, 2048], [300, 64]];
	for (const [rows, k] of shapes) {
		test(`matches scoreCpu at rows ${rows}, k ${k}`, async () => {
			const matrix = randomMatrix(rows, k, rows + k);
			const scorer = await WebGPUScorer.create({ device, matrix });
			expect(scorer.chunkCount).toBe(1);
			const query = randomQuery(k, k + 1);
			const scores = await scorer.score(query);
			expect(scores.length).toBe(rows);
			expect(worstError(matrix, query, scores)).toBeLessThan(TOLERANCE);
			scorer.destroy();
		});
	}

	test('folds more than 65,535 workgroups into a 2D dispatch', async () => {
		// One row a workgroup, so 70,000 rows need 70,000 workgroups: 65,535 x 2, with the last 61,070 guarded.
		const matrix = randomMatrix(70_000, 2, 3);
		const scorer = await WebGPUScorer.create({ device, matrix, layout: { threadsPerRow: 2, rowsPerGroup: 1 } });
		const query = randomQuery(2, 4);
		expect(worstError(matrix, query, await scorer.score(query))).toBeLessThan(TOLERANCE);
		scorer.destroy();
	});

	test('rejects a layout that is not a power-of-two row width within the workgroup limits', async () => {
		const matrix = randomMatrix(2, 2, 1);
		for (const layout of [{ threadsPerRow: 24, rowsPerGroup: 1 }, { threadsPerRow: 64, rowsPerGroup: 8 }, { threadsPerRow: 16, rowsPerGroup: 0 }]) {
			await expect(WebGPUScorer.create({ device, matrix, layout })).rejects.toThrow(/layout does not fit/);
		}
	});

	test('splits the matrix into chunks and scores twice on one upload', async () => {
		const [rows, k] = [1000, 42];
		const matrix = randomMatrix(rows, k, 9);
		// 42 halves pad to 48 (6 vec4<u32>, 96 bytes a row): 96 rows a chunk, so 11 chunks of 91 rows.
		const scorer = await WebGPUScorer.create({ device, matrix, maxChunkBytes: 96 * 96 + 50 });
		expect(scorer.chunkCount).toBe(11);
		for (const seed of [1, 2]) {
			const query = randomQuery(k, seed);
			expect(worstError(matrix, query, await scorer.score(query))).toBeLessThan(TOLERANCE);
		}
		// Calls made together are queued on the one readback buffer, not refused.
		const queries = [3, 4, 5].map((seed) => randomQuery(k, seed));
		const results = await Promise.all(queries.map((q) => scorer.score(q)));
		results.forEach((scores, i) => expect(worstError(matrix, queries[i], scores)).toBeLessThan(TOLERANCE));
		scorer.destroy();
		await expect(scorer.score(queries[0])).rejects.toThrow(/after destroy/);
	});

	test('scores an empty index and rejects a query of the wrong length', async () => {
		const empty = await WebGPUScorer.create({ device, matrix: { rows: 0, k: 4, bits: new Uint16Array(0) } });
		expect((await empty.score(new Float32Array(4))).length).toBe(0);
		empty.destroy();
		const scorer = await WebGPUScorer.create({ device, matrix: randomMatrix(3, 4, 1) });
		await expect(scorer.score(new Float32Array(5))).rejects.toThrow(/query does not match/);
		expect((await scorer.score(randomQuery(4, 2))).length).toBe(3);
		scorer.destroy();
		await expect(WebGPUScorer.create({ device, matrix: { rows: 2, k: 3, bits: new Uint16Array(6) } })).rejects.toThrow(/even, positive k/);
	});
});
