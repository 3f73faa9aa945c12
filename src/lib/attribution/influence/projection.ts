// The factored (LoGra-style) random projection of a linear layer's gradient. A linear layer's per-example weight
// gradient is G = sum_t d_t a_t^T (output gradient d_t times input a_t, over positions t), so projecting both sides
// with fixed seeded Gaussian matrices gives P_out G P_in^T = sum_t (P_out d_t)(P_in a_t)^T: a (kOut, kIn) matrix formed
// from two small products, without the full (out, in) gradient ever existing. Each projection has N(0, 1/k) entries,
// so E||P x||^2 = ||x||^2 (Johnson-Lindenstrauss), and the Kronecker product of the two preserves ||G||_F in
// expectation. Matrices are drawn from (seed, layer, side), so any browser rebuilds the same projection from its config.
import type { Floats } from '$lib/engine/cpu/floats';
import { createRng, mixSeed } from '$lib/engine/random';
import { InfluenceConfigError } from './errors';

/** One projected linear layer: its features and the projection sizes of its two sides. */
export type ProjectedLayer = {
	/** Stable name, e.g. "h0.qkv", "head", "h1.fc.lora_A". */
	name: string;
	inFeatures: number;
	outFeatures: number;
	kIn: number;
	kOut: number;
	/** Offset of this layer's kOut * kIn values in the projected gradient. */
	offset: number;
};

/** A side that is not projected (its features are few, e.g. a LoRA rank) has k equal to its features and P = I. */
export type SideMatrix = Float32Array | null;

/** A layer's two projection matrices, (kIn, inFeatures) and (kOut, outFeatures), row-major; null means identity. */
export type LayerProjection = ProjectedLayer & { pIn: SideMatrix; pOut: SideMatrix };

/** The whole projection: its layers in gradient order and the total dimension k. */
export type Projection = { seed: number; layers: LayerProjection[]; k: number };

/** A layer to project: features and the k asked for each side (a side with at most k features stays unprojected). */
export type LayerShape = { name: string; inFeatures: number; outFeatures: number; kIn: number; kOut: number };

/** Builds the projection matrices of the layers, in order, from the seed. */
export function createProjection({ layers, seed }: { layers: readonly LayerShape[]; seed: number }): Projection {
	if (!Number.isSafeInteger(seed)) throw new InfluenceConfigError('The projection seed must be an integer.', { details: String(seed) });
	let offset = 0;
	const out: LayerProjection[] = layers.map((shape, index) => {
		for (const key of ['inFeatures', 'outFeatures', 'kIn', 'kOut'] as const) {
			if (!Number.isSafeInteger(shape[key]) || shape[key] < 1) {
				throw new InfluenceConfigError(`Projection "${key}" of layer ${shape.name} must be a positive integer.`, { details: String(shape[key]) });
			}
		}
		const kIn = Math.min(shape.kIn, shape.inFeatures);
		const kOut = Math.min(shape.kOut, shape.outFeatures);
		const pIn = kIn < shape.inFeatures ? gaussianMatrix(kIn, shape.inFeatures, mixSeed(seed, 2 * index)) : null;
		const pOut = kOut < shape.outFeatures ? gaussianMatrix(kOut, shape.outFeatures, mixSeed(seed, 2 * index + 1)) : null;
		const layer = { name: shape.name, inFeatures: shape.inFeatures, outFeatures: shape.outFeatures, kIn, kOut, offset, pIn, pOut };
		offset += kIn * kOut;
		return layer;
	});
	return { seed, layers: out, k: offset };
}

/** Projects rows (n, features) through P (kSide, features) into out (n, kSide); identity copies. */
export function projectRows(out: Floats, rows: ArrayLike<number>, n: number, features: number, p: SideMatrix): void {
	if (p === null) {
		for (let i = 0; i < n * features; i++) out[i] = rows[i];
		return;
	}
	const k = p.length / features;
	for (let i = 0; i < n; i++) {
		const r = i * features;
		for (let j = 0; j < k; j++) {
			const pj = j * features;
			let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
			let c = 0;
			for (; c + 3 < features; c += 4) {
				s0 += p[pj + c] * rows[r + c];
				s1 += p[pj + c + 1] * rows[r + c + 1];
				s2 += p[pj + c + 2] * rows[r + c + 2];
				s3 += p[pj + c + 3] * rows[r + c + 3];
			}
			for (; c < features; c++) s0 += p[pj + c] * rows[r + c];
			out[i * k + j] = s0 + s1 + s2 + s3;
		}
	}
}

// (rows, cols) with N(0, 1/rows) entries: each output coordinate's variance is ||x||^2 / rows.
function gaussianMatrix(rows: number, cols: number, seed: number): Float32Array {
	const rng = createRng(seed);
	const scale = 1 / Math.sqrt(rows);
	const m = new Float32Array(rows * cols);
	for (let i = 0; i < m.length; i++) m[i] = rng.normal() * scale;
	return m;
}

