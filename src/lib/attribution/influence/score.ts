// Scoring an influence index on the CPU: score[i] = <row i of the projected-gradient matrix, query>, and the top-k
// records by score. Rows are f16 bits decoded through one 65,536-entry table as they are read, so a 100k x 2,048 index
// (409.6 MB of halves) is never expanded to f32; each row is summed by four float64 accumulators (unrolled by 4), which
// is the reference the WebGPU scorer (webgpu/score.ts) is compared with. Shapes: N rows (records), k values per row.
import { BaseError } from '$lib/core/errors';
import { fromFloat16Bits } from '$lib/engine/checkpoint/float16';

/** Projected gradients of `rows` records, k values each, as f16 bits, row-major (rows, k). */
export type GradientMatrix = { rows: number; k: number; bits: Uint16Array };

/** One record's place in a ranking. */
export type ScoredRecord = { index: number; score: number };

export class InfluenceScoreError extends BaseError {
	override name = 'InfluenceScoreError';
}

let halfTable: Float32Array | undefined;

/** The f32 value of every f16 bit pattern, built on first use (256 KiB). */
function halfValues(): Float32Array {
	if (!halfTable) {
		halfTable = new Float32Array(65536);
		for (let h = 0; h < 65536; h++) halfTable[h] = fromFloat16Bits(h);
	}
	return halfTable;
}

/** Throws InfluenceScoreError unless rows is a count, k is even and positive, and bits holds exactly rows * k halves. */
export function checkGradientMatrix(matrix: GradientMatrix): void {
	const { rows, k, bits } = matrix;
	if (!Number.isSafeInteger(rows) || rows < 0) {
		throw new InfluenceScoreError('The gradient matrix has an invalid row count.', { details: `rows = ${rows}` });
	}
	if (!Number.isSafeInteger(k) || k <= 0 || k % 2 !== 0) {
		throw new InfluenceScoreError('The gradient matrix needs an even, positive k.', {
			details: `k = ${k}`,
			hint: 'k must be even so that two halves pack into one 32-bit word on the GPU.'
		});
	}
	if (!(bits instanceof Uint16Array)) {
		throw new InfluenceScoreError('The gradient matrix must hold f16 bits in a Uint16Array.');
	}
	if (bits.length !== rows * k) {
		throw new InfluenceScoreError('The gradient matrix has the wrong number of values.', {
			details: `bits.length = ${bits.length}, rows * k = ${rows} * ${k} = ${rows * k}`
		});
	}
}

/** Throws InfluenceScoreError unless query is a Float32Array of k values. */
export function checkQuery(query: Float32Array, k: number): void {
	if (!(query instanceof Float32Array) || query.length !== k) {
		throw new InfluenceScoreError('The query does not match the gradient matrix.', {
			details: `query.length = ${query?.length}, k = ${k}`
		});
	}
}

/** scores[i] = sum_j f16(bits[i*k + j]) * query[j], accumulated in f32 order-independent enough to match WebGPU within tolerance. */
export function scoreCpu(matrix: GradientMatrix, query: Float32Array, out?: Float32Array): Float32Array {
	checkGradientMatrix(matrix);
	const { rows, k, bits } = matrix;
	checkQuery(query, k);
	if (out !== undefined && (!(out instanceof Float32Array) || out.length !== rows)) {
		throw new InfluenceScoreError('The output array does not match the gradient matrix.', {
			details: `out.length = ${out?.length}, rows = ${rows}`
		});
	}
	const scores = out ?? new Float32Array(rows);
	const table = halfValues();
	const k4 = k - (k % 4);
	for (let i = 0, p = 0; i < rows; i++) {
		let a0 = 0;
		let a1 = 0;
		let a2 = 0;
		let a3 = 0;
		let j = 0;
		for (; j < k4; j += 4, p += 4) {
			a0 += table[bits[p]] * query[j];
			a1 += table[bits[p + 1]] * query[j + 1];
			a2 += table[bits[p + 2]] * query[j + 2];
			a3 += table[bits[p + 3]] * query[j + 3];
		}
		// k is even, so at most one pair is left.
		if (j < k) {
			a0 += table[bits[p]] * query[j];
			a1 += table[bits[p + 1]] * query[j + 1];
			p += 2;
		}
		scores[i] = a0 + a1 + (a2 + a3);
	}
	return scores;
}

/** Whether record i (score si) ranks above record j (score sj): higher score, then smaller index; NaN ranks last. */
function ranksAbove(si: number, i: number, sj: number, j: number): boolean {
	if (si > sj) return true;
	if (si < sj) return false;
	const iNaN = si !== si;
	const jNaN = sj !== sj;
	if (iNaN !== jNaN) return jNaN;
	return i < j;
}

/** The k largest scores, descending; ties go to the smaller index. Uses a size-k heap or selection, not a full sort of N. */
export function topK(scores: Float32Array, k: number): ScoredRecord[] {
	if (!Number.isSafeInteger(k) || k < 0) {
		throw new InfluenceScoreError('topK needs a non-negative integer count.', { details: `k = ${k}` });
	}
	const size = Math.min(k, scores.length);
	if (size === 0) return [];
	// A min-heap of record indices by rank: heap[0] is the lowest-ranked record kept, the one a newcomer must beat.
	const heap = new Int32Array(size);
	const below = (a: number, b: number) => ranksAbove(scores[b], b, scores[a], a);
	const siftDown = (at: number, length: number) => {
		const index = heap[at];
		for (;;) {
			let child = 2 * at + 1;
			if (child >= length) break;
			if (child + 1 < length && below(heap[child + 1], heap[child])) child++;
			if (!below(heap[child], index)) break;
			heap[at] = heap[child];
			at = child;
		}
		heap[at] = index;
	};
	for (let i = 0; i < size; i++) heap[i] = i;
	for (let at = (size >> 1) - 1; at >= 0; at--) siftDown(at, size);
	for (let i = size; i < scores.length; i++) {
		// Later indices lose ties, so a newcomer must rank strictly above the root.
		const root = heap[0];
		if (ranksAbove(scores[i], i, scores[root], root)) {
			heap[0] = i;
			siftDown(0, size);
		}
	}
	// Heap sort in place: popping the lowest-ranked to the back leaves the array in descending rank order.
	for (let end = size - 1; end > 0; end--) {
		const root = heap[0];
		heap[0] = heap[end];
		heap[end] = root;
		siftDown(0, end);
	}
	return Array.from(heap, (index) => ({ index, score: scores[index] }));
}
