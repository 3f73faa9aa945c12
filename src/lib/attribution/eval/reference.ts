// Exact references for the influence index, over the same layers without projection. Every example's gradient is
// formed in full (gptProjection with both sides unprojected) and scored two ways:
// - the plain dot product g_q . g_i, which the index's projected identity estimates;
// - EK-FAC influence g_q^T (F + lambda I)^-1 g_i, Kronfluence's method (George et al. 2018; Grosse et al. 2023). Per
//   layer, F is taken to be diagonal in the Kronecker eigenbasis Q_S (x) Q_A of K-FAC's factors A = E[a a^T] (the
//   layer's inputs) and S = E[d d^T] (its output gradients), both at labels drawn from the model (the true Fisher),
//   with its eigenvalues corrected to the second moments of per-example gradients in that basis. The damping follows
//   the projected preconditioner's rule: lambda = ratio x the layer's mean corrected eigenvalue.
// A full gradient holds every weight of every layer (458,752 values for tiny, 1.8 MB in float32), so these are for
// the evaluation in Node, sized for tiny; the app's index never forms one. Shapes: per layer (out, in) row-major, D
// the sum over layers, n records, Q queries.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { GPTConfig } from '$lib/engine/config';
import type { Floats } from '$lib/engine/cpu/floats';
import { gptBackward, gptForward, type GPT } from '$lib/engine/cpu/gpt';
import { matmulForward } from '$lib/engine/cpu/matmul';
import { mixSeed } from '$lib/engine/random';
import { batchTokens, forEachBatch, gptProjection, linearSides, projectedGradients, sampleTargets, type InfluenceExample } from '../influence/gradients';
import type { Projection } from '../influence/projection';

/** The index's layers with no side projected: each layer's block of a "projected" gradient is its full (out, in) gradient. */
export function fullProjection(config: GPTConfig): Projection {
	const widest = Math.max(config.vocabSize, 4 * config.nEmbd);
	return gptProjection(config, { kIn: widest, kOut: widest, seed: 0 });
}

/** K-FAC's factors per layer: A (in, in) and S (out, out), float64 row-major. */
export type KfacFactors = { A: Float64Array[]; S: Float64Array[] };

/** Parameters of kfacFactors and fitEkfac. */
export type EkfacParameters = {
	model: GPT;
	examples: readonly InfluenceExample[];
	/** Seeds the labels drawn from the model. */
	sampleSeed: number;
	/** lambda = dampingRatio x the layer's mean corrected eigenvalue (fitEkfac only). */
	dampingRatio?: number;
	batchSize?: number;
};

/** A and S averaged over every position of the examples, at labels drawn from the model. The token table's factors
 * take both of its uses: the head (lnf in, dlogits out) and the embedding (d.encoded in, the one-hot token out). */
export function kfacFactors({ model, examples, sampleSeed, batchSize = 8 }: EkfacParameters): KfacFactors {
	const { nLayer: L, nEmbd: C, vocabSize: V } = model.config;
	const layers = fullProjection(model.config).layers;
	const A = layers.map((l) => new Float64Array(l.inFeatures * l.inFeatures));
	const S = layers.map((l) => new Float64Array(l.outFeatures * l.outFeatures));
	const counts = new Float64Array(layers.length);
	forEachBatch({ config: model.config, examples, batchSize }, (batch) => {
		const { inputs, targets, T, count } = batchTokens(examples, batch);
		if (count === 0) return;
		gptForward(model, inputs, targets, batch.length, T);
		sampleTargets(model.batch!.targets, model.batch!.acts.probs, batch, T, V, sampleSeed);
		gptBackward(model, { frozen: true });
		// Every real position: a prompt's positions feed the counted ones through attention.
		const positions: number[] = [];
		batch.forEach((row, b) => {
			for (let t = 0; t < row.length; t++) positions.push(b * T + t);
		});
		// The backward is of the batch's mean loss; times count, of each position's own loss.
		linearSides(model).forEach(([inp, dout], li) => {
			addSecondMoment(A[li], inp, layers[li].inFeatures, positions, 1);
			addSecondMoment(S[li], dout, layers[li].outFeatures, positions, count);
			counts[li] += positions.length;
		});
		const wte = 4 * L;
		addSecondMoment(A[wte], model.batch!.gradActs.encoded, C, positions, count);
		for (const bt of positions) S[wte][inputs[bt] * V + inputs[bt]] += 1;
		counts[wte] += positions.length;
	});
	layers.forEach((l, li) => {
		symmetrize(A[li], l.inFeatures, counts[li]);
		symmetrize(S[li], l.outFeatures, counts[li]);
	});
	return { A, S };
}

/** One layer's EK-FAC: the eigenvectors of A and S as rows (and transposed), and 1 / (corrected eigenvalue + lambda)
 * per Kronecker eigen-direction, (out, in). */
export type EkfacLayer = { inFeatures: number; outFeatures: number; offset: number; qA: Float32Array; qAt: Float32Array; qS: Float32Array; qSt: Float32Array; inverse: Float32Array; damping: number };

/** A fitted EK-FAC over the full gradient's D coordinates. */
export type Ekfac = { D: number; layers: EkfacLayer[] };

/** Fits EK-FAC: the factors' eigenbases, then the corrected eigenvalues from per-example gradients at labels drawn
 * from the model (a second draw, seeded per chunk of examples), then the damped inverses. */
export function fitEkfac({ model, examples, sampleSeed, dampingRatio = 0.01, batchSize = 8 }: EkfacParameters): Ekfac {
	const projection = fullProjection(model.config);
	const factors = kfacFactors({ model, examples, sampleSeed, batchSize });
	const bases = projection.layers.map((l, li) => ({ A: eigenbasis(factors.A[li], l.inFeatures), S: eigenbasis(factors.S[li], l.outFeatures) }));
	const corrected = projection.layers.map((l) => new Float64Array(l.outFeatures * l.inFeatures));
	const D = projection.k;
	const chunk = 32;
	for (let start = 0; start < examples.length; start += chunk) {
		const part = examples.slice(start, start + chunk);
		const grads = projectedGradients({ model, projection, examples: part, batchSize, sampleSeed: mixSeed(sampleSeed, start + 1) });
		for (let e = 0; e < part.length; e++) {
			projection.layers.forEach((l, li) => {
				const g = grads.subarray(e * D + l.offset, e * D + l.offset + l.outFeatures * l.inFeatures);
				const r = rotate(g, l.outFeatures, l.inFeatures, bases[li].S.rows, bases[li].A.rows);
				const c = corrected[li];
				for (let j = 0; j < r.length; j++) c[j] += (r[j] * r[j]) / examples.length;
			});
		}
	}
	const layers = projection.layers.map((l, li) => {
		const c = corrected[li];
		let mean = 0;
		for (const x of c) mean += x / c.length;
		const damping = dampingRatio * (mean > 0 ? mean : 1);
		return {
			inFeatures: l.inFeatures,
			outFeatures: l.outFeatures,
			offset: l.offset,
			qA: bases[li].A.rows,
			qAt: bases[li].A.columns,
			qS: bases[li].S.rows,
			qSt: bases[li].S.columns,
			inverse: Float32Array.from(c, (x) => 1 / (x + damping)),
			damping
		};
	});
	return { D, layers };
}

/** (F + lambda I)^-1 g for one full gradient g (D): per layer, into the eigenbasis, scaled, and back. */
export function ekfacPrecondition(ekfac: Ekfac, g: Floats): Float32Array {
	const out = new Float32Array(ekfac.D);
	for (const l of ekfac.layers) {
		const size = l.outFeatures * l.inFeatures;
		const r = rotate(g.subarray(l.offset, l.offset + size), l.outFeatures, l.inFeatures, l.qS, l.qA);
		for (let j = 0; j < size; j++) r[j] *= l.inverse[j];
		out.set(rotate(r, l.outFeatures, l.inFeatures, l.qSt, l.qAt), l.offset);
	}
	return out;
}

/** Parameters of referenceScores. */
export type ReferenceScoresParameters = {
	/** The checkpoints whose scores are summed (TracIn-CP, as the index does). */
	checkpoints: readonly GPT[];
	records: readonly InfluenceExample[];
	queries: readonly InfluenceExample[];
	sampleSeed: number;
	dampingRatio: number;
	/** Called after each checkpoint with the checkpoints done. */
	onProgress?: (done: number, total: number) => void;
};

/** Exact scores, (Q) arrays of n: the full gradients' dot products, and EK-FAC influence. */
export function referenceScores({ checkpoints, records, queries, sampleSeed, dampingRatio, onProgress }: ReferenceScoresParameters): { identity: Float64Array[]; ekfac: Float64Array[] } {
	const n = records.length;
	const Q = queries.length;
	const identity = Array.from({ length: Q }, () => new Float64Array(n));
	const ekfac = Array.from({ length: Q }, () => new Float64Array(n));
	checkpoints.forEach((model, c) => {
		const projection = fullProjection(model.config);
		const D = projection.k;
		const fitted = fitEkfac({ model, examples: records, sampleSeed, dampingRatio });
		const gq = toFloat32(projectedGradients({ model, projection, examples: queries }));
		const pq = new Float32Array(Q * D);
		for (let q = 0; q < Q; q++) pq.set(ekfacPrecondition(fitted, gq.subarray(q * D, (q + 1) * D)), q * D);
		// Records a chunk at a time: their gradients, then (chunk, Q) products with the raw and the preconditioned queries.
		const chunk = 32;
		const product = new Float32Array(chunk * Q);
		for (let start = 0; start < n; start += chunk) {
			const part = records.slice(start, start + chunk);
			const gr = toFloat32(projectedGradients({ model, projection, examples: part }));
			for (const [queryRows, into] of [[gq, identity], [pq, ekfac]] as const) {
				matmulForward(product, gr, queryRows, null, 1, part.length, D, Q);
				for (let i = 0; i < part.length; i++) for (let q = 0; q < Q; q++) into[q][start + i] += product[i * Q + q];
			}
		}
		onProgress?.(c + 1, checkpoints.length);
	});
	return { identity, ekfac };
}

// x (out, in) -> L x R^T with L (out, out) and R (in, in) row-major: the rotation into the Kronecker basis whose rows
// are L's and R's rows (with the transposes, back out of it).
function rotate(x: Floats, out: number, inn: number, left: Float32Array, right: Float32Array): Float32Array {
	const xr = new Float32Array(out * inn);
	matmulForward(xr, toFloat32(x), right, null, 1, out, inn, inn); // xr[o, e] = sum_j x[o, j] right[e, j]
	const t = transpose(xr, out, inn);
	const yt = new Float32Array(inn * out);
	matmulForward(yt, t, left, null, 1, inn, out, out); // yt[e, s] = sum_o xr[o, e] left[s, o]
	return transpose(yt, inn, out);
}

// A symmetric matrix's eigenvectors as rows (and as columns: the transpose), float32.
function eigenbasis(M: Float64Array, n: number): { rows: Float32Array; columns: Float32Array } {
	const rows2d = Array.from({ length: n }, (_, i) => Array.from(M.subarray(i * n, (i + 1) * n)));
	const vectors = new EigenvalueDecomposition(new Matrix(rows2d), { assumeSymmetric: true }).eigenvectorMatrix;
	const columns = new Float32Array(n * n);
	for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) columns[i * n + j] = vectors.get(i, j);
	return { rows: transpose(columns, n, n), columns };
}

// M += scale^2 x sum over positions of v v^T (upper triangle; symmetrize fills the rest).
function addSecondMoment(M: Float64Array, rows: Floats, f: number, positions: readonly number[], scale: number): void {
	for (const bt of positions) {
		const o = bt * f;
		for (let i = 0; i < f; i++) {
			const vi = rows[o + i] * scale;
			if (vi === 0) continue;
			const r = i * f;
			for (let j = i; j < f; j++) M[r + j] += vi * rows[o + j] * scale;
		}
	}
}

function symmetrize(M: Float64Array, f: number, count: number): void {
	const c = Math.max(1, count);
	for (let i = 0; i < f; i++) {
		for (let j = i; j < f; j++) {
			M[i * f + j] /= c;
			M[j * f + i] = M[i * f + j];
		}
	}
}

function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
	const y = new Float32Array(rows * cols);
	for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) y[j * rows + i] = x[i * cols + j];
	return y;
}

function toFloat32(x: Floats): Float32Array {
	return x instanceof Float32Array ? x : Float32Array.from(x);
}
