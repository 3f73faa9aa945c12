// Per-example projected gradients of the CPU GPT's weight matrices, LoGra's way: one forward and one frozen backward
// (activation gradients only) per batch, then for every linear layer its inputs and output gradients are projected
// and their outer products summed per example, so neither a per-example nor a full gradient is ever formed. The
// projected layers are the four linears of each block and the tied token table (the output head's gradient plus the
// embedding's, both outer products: lnf x dlogits and onehot(token) x dencoded). Biases, LayerNorm gains and the
// position table are left out (a few percent of the parameters, and no record-specific signal). An example's gradient
// is that of its summed token loss, the weight it carries in training's mean over a batch's tokens, and does not
// depend on the batch it is computed in. Shapes: B rows, T time, C channels, V vocab, k the projected dimension.
import type { GPTConfig } from '$lib/engine/config';
import { IGNORE_INDEX } from '$lib/engine/cpu/crossEntropy';
import type { Floats } from '$lib/engine/cpu/floats';
import { gptBackward, gptForward, type GPT } from '$lib/engine/cpu/gpt';
import { matmulForward } from '$lib/engine/cpu/matmul';
import { createRng, mixSeed } from '$lib/engine/random';
import { InfluenceInputError } from './errors';
import { createProjection, projectRows, type Projection, type SideMatrix } from './projection';

/** Projection sizes per side of every layer, and the seed of its matrices. */
export type ProjectionOptions = { kIn: number; kOut: number; seed: number };

/** The default: 16 x 16 per layer, k = 2,304 for tiny's 2 blocks (9 layers); the measured configuration of eval/. */
export const DEFAULT_PROJECTION: Readonly<ProjectionOptions> = { kIn: 16, kOut: 16, seed: 0 };

/** A token sequence whose losses count from target tokens[firstTarget] on (default 1: every next-token prediction; a
 * query sets it to its prompt's length, so only the answer counts). */
export type InfluenceExample = { tokens: Int32Array; firstTarget?: number };

/** The projection of a GPT's weight matrices: h<l>.qkv, h<l>.attproj, h<l>.fc, h<l>.fcproj for each block, then wte. */
export function gptProjection(config: GPTConfig, { kIn, kOut, seed }: ProjectionOptions = DEFAULT_PROJECTION): Projection {
	const C = config.nEmbd;
	const layers = [];
	for (let l = 0; l < config.nLayer; l++) {
		layers.push(
			{ name: `h${l}.qkv`, inFeatures: C, outFeatures: 3 * C, kIn, kOut },
			{ name: `h${l}.attproj`, inFeatures: C, outFeatures: C, kIn, kOut },
			{ name: `h${l}.fc`, inFeatures: C, outFeatures: 4 * C, kIn, kOut },
			{ name: `h${l}.fcproj`, inFeatures: 4 * C, outFeatures: C, kIn, kOut }
		);
	}
	layers.push({ name: 'wte', inFeatures: C, outFeatures: config.vocabSize, kIn, kOut });
	return createProjection({ layers, seed });
}

/** Parameters of projectedGradients. */
export type ProjectedGradientsParameters = {
	model: GPT;
	projection: Projection;
	examples: readonly InfluenceExample[];
	/** Rows per forward/backward (default 8); the result does not depend on it. */
	batchSize?: number;
	/** Called after each batch with the examples finished so far. */
	onProgress?: (done: number, total: number) => void;
	/** When set, every counted target is drawn from the model's own prediction there (seeded by this, the example and
	 * the position, so batching does not change it) instead of the record's next token: the gradients whose second
	 * moment is the true Fisher (the Gauss-Newton matrix), which preconditions better than the records' own. */
	sampleSeed?: number;
};

/** One window of an example: the predictions from positions [start, start + length), counted from position countFrom. */
export type Row = { example: number; start: number; length: number; countFrom: number };

/** Computes every example's projected gradient, (n, k) row-major in the model's precision. */
export function projectedGradients({ model, projection, examples, batchSize = 8, onProgress, sampleSeed }: ProjectedGradientsParameters): Floats {
	checkProjection(model.config, projection);
	const k = projection.k;
	const out = model.precision === 'f64' ? new Float64Array(examples.length * k) : new Float32Array(examples.length * k);
	forEachBatch({ config: model.config, examples, batchSize, onProgress }, (batch) => accumulateBatch(model, projection, examples, batch, out, sampleSeed));
	return out;
}

// Forward and frozen backward of one batch of rows, then every layer's projected outer products into `out`.
function accumulateBatch(model: GPT, projection: Projection, examples: readonly InfluenceExample[], batch: Row[], out: Floats, sampleSeed?: number): void {
	const { nLayer: L, nEmbd: C, vocabSize: V } = model.config;
	const B = batch.length;
	const { inputs, targets, T, count } = batchTokens(examples, batch);
	if (count === 0) return;
	gptForward(model, inputs, targets, B, T);
	if (sampleSeed !== undefined) sampleTargets(model.batch!.targets, model.batch!.acts.probs, batch, T, V, sampleSeed);
	gptBackward(model, { frozen: true });
	const d = model.batch!.gradActs;
	const rowExample = batch.map((r) => r.example);
	const alloc = (n: number): Floats => (model.precision === 'f64' ? new Float64Array(n) : new Float32Array(n));
	const layers = projection.layers;
	const scratchIn = alloc(B * T * maxSide(projection, 'kIn'));
	const scratchOut = alloc(B * T * maxSide(projection, 'kOut'));
	const side = (dst: Floats, rowsOf: Floats, features: number, p: SideMatrix) => project(dst, rowsOf, B * T, features, p);
	const addLayer = (index: number, inp: Floats, dout: Floats) => {
		const layer = layers[index];
		side(scratchIn, inp, layer.inFeatures, layer.pIn);
		side(scratchOut, dout, layer.outFeatures, layer.pOut);
		addOuterProducts(out, projection.k, layer.offset, scratchOut, layer.kOut, scratchIn, layer.kIn, rowExample, T, count);
	};
	linearSides(model).forEach(([inp, dout], index) => addLayer(index, inp, dout));
	// The token table: the head's outer products (above), then the embedding's (its output side is a column of P_out).
	const wte = 4 * L;
	const layer = layers[wte];
	side(scratchIn, d.encoded, C, layer.pIn);
	for (let bt = 0; bt < B * T; bt++) {
		const token = inputs[bt];
		for (let j = 0; j < layer.kOut; j++) scratchOut[bt * layer.kOut + j] = layer.pOut === null ? (j === token ? 1 : 0) : layer.pOut[j * V + token];
	}
	addOuterProducts(out, projection.k, layer.offset, scratchOut, layer.kOut, scratchIn, layer.kIn, rowExample, T, count);
}

/** After a frozen backward: each projected layer's input and output gradient, (B,T,in) and (B,T,out), in
 * gptProjection's order. The token table's pair is its head (lnf, dlogits); its embedding side (the input tokens and
 * d.encoded) is the caller's. */
export function linearSides(model: GPT): [Floats, Floats][] {
	const { acts, gradActs: d } = model.batch!;
	const sides: [Floats, Floats][] = [];
	for (let l = 0; l < model.config.nLayer; l++) {
		const a = acts.layers[l];
		const da = d.layers[l];
		sides.push([a.ln1, da.qkv], [a.atty, da.attproj], [a.ln2, da.fch], [a.fchGelu, da.fcproj]);
	}
	sides.push([acts.lnf, d.logits]);
	return sides;
}

/** Replaces each counted target by a draw from the forward's probabilities at that position (seeded by seed, the row's
 * example and start); the backward then takes the gradient of the drawn token's loss. */
export function sampleTargets(targets: Int32Array, probs: Floats, batch: readonly Row[], T: number, V: number, seed: number): void {
	batch.forEach((row, b) => {
		const rng = createRng(mixSeed(mixSeed(seed, row.example), row.start));
		for (let t = 0; t < T; t++) {
			const bt = b * T + t;
			if (targets[bt] === IGNORE_INDEX) continue;
			let u = rng.uniform();
			let v = 0;
			for (; v < V - 1; v++) {
				u -= probs[bt * V + v];
				if (u < 0) break;
			}
			targets[bt] = v;
		}
	});
}

/** Cuts the examples into windows, sorts them by length (similar lengths share a batch, which then pads little) and
 * visits them batchSize at a time, reporting the examples whose every window has been visited. */
export function forEachBatch({ config, examples, batchSize, onProgress }: { config: GPTConfig; examples: readonly InfluenceExample[]; batchSize: number; onProgress?: (done: number, total: number) => void }, visit: (batch: Row[]) => void): void {
	const rows = windows(examples, config.vocabSize, config.blockSize);
	rows.sort((a, b) => a.length - b.length);
	const remaining = new Int32Array(examples.length);
	for (const row of rows) remaining[row.example]++;
	let done = 0;
	for (let r0 = 0; r0 < rows.length; r0 += batchSize) {
		const batch = rows.slice(r0, r0 + batchSize);
		visit(batch);
		for (const row of batch) if (--remaining[row.example] === 0) done++;
		onProgress?.(done, examples.length);
	}
}

/** Projects n rows through P (the WebAssembly gemm for float32, as a linear layer without bias; else the JS loop). */
export function project(dst: Floats, rows: Floats, n: number, features: number, p: SideMatrix): void {
	if (p !== null && dst instanceof Float32Array && rows instanceof Float32Array) {
		matmulForward(dst, rows, p, null, 1, n, features, p.length / features);
	} else {
		projectRows(dst, rows, n, features, p);
	}
}

/** out[example, offset + o * kIn + i] += scale * sum over its positions t of dOut[t, o] * aIn[t, i]. The backward
 * divided by the batch's counted positions (its mean loss); multiplying by that count gives each example's summed loss. */
export function addOuterProducts(out: Floats, k: number, offset: number, dOut: Floats, kOut: number, aIn: Floats, kIn: number, rowExample: number[], T: number, scale: number): void {
	for (let b = 0; b < rowExample.length; b++) {
		const base = rowExample[b] * k + offset;
		for (let t = 0; t < T; t++) {
			const bt = b * T + t;
			for (let o = 0; o < kOut; o++) {
				const g = dOut[bt * kOut + o] * scale;
				if (g === 0) continue;
				const dst = base + o * kIn;
				const src = bt * kIn;
				for (let i = 0; i < kIn; i++) out[dst + i] += g * aIn[src + i];
			}
		}
	}
}

/** Each example's counted predictions cut into windows of at most blockSize (context does not carry across windows). */
export function windows(examples: readonly InfluenceExample[], V: number, blockSize: number): Row[] {
	const rows: Row[] = [];
	examples.forEach(({ tokens, firstTarget = 1 }, example) => {
		if (!Number.isSafeInteger(firstTarget) || firstTarget < 1 || firstTarget >= tokens.length) {
			throw new InfluenceInputError('An example needs at least one counted target token.', {
				details: `Example ${example}: firstTarget ${firstTarget}, ${tokens.length} tokens.`
			});
		}
		for (const id of tokens) {
			if (!(id >= 0 && id < V)) throw new InfluenceInputError(`Token id out of range for a vocabulary of ${V}.`, { details: `Example ${example}: ${id}.` });
		}
		// Windows end at the last prediction and step back by blockSize (the first may be short), until the counted
		// positions (firstTarget - 1 on) are covered.
		const countFrom = firstTarget - 1;
		for (let end = tokens.length - 1; end > countFrom; end -= blockSize) {
			const start = Math.max(0, end - blockSize);
			rows.push({ example, start, length: end - start, countFrom });
		}
	});
	return rows;
}

/** The largest k of a side over the projection's layers (the size of a scratch row). */
export function maxSide(projection: Projection, key: 'kIn' | 'kOut'): number {
	return Math.max(...projection.layers.map((l) => l[key]));
}

/** A batch of rows as (B, T) inputs and targets (IGNORE_INDEX where not counted or padded), and the counted targets. */
export function batchTokens(examples: readonly InfluenceExample[], batch: readonly Row[]): { inputs: Int32Array; targets: Int32Array; T: number; count: number } {
	const T = Math.max(...batch.map((r) => r.length));
	const inputs = new Int32Array(batch.length * T);
	const targets = new Int32Array(batch.length * T).fill(IGNORE_INDEX);
	let count = 0;
	batch.forEach((row, b) => {
		const tokens = examples[row.example].tokens;
		for (let t = 0; t < row.length; t++) {
			inputs[b * T + t] = tokens[row.start + t];
			if (row.start + t >= row.countFrom) {
				targets[b * T + t] = tokens[row.start + t + 1];
				count++;
			}
		}
	});
	return { inputs, targets, T, count };
}

function checkProjection(config: GPTConfig, projection: Projection): void {
	const expected = gptProjection(config, { kIn: 1, kOut: 1, seed: 0 }).layers;
	const ok = projection.layers.length === expected.length &&
		projection.layers.every((l, i) => l.name === expected[i].name && l.inFeatures === expected[i].inFeatures && l.outFeatures === expected[i].outFeatures);
	if (!ok) throw new InfluenceInputError('The projection was made for another model shape.', { hint: 'Build it with gptProjection(model.config).' });
}
