// Per-example projected gradients of a LoRA adapter's parameters, factored as projectedGradients factors the base
// weights: a LoRA linear's gradients are sums of outer products too, grad_B = s sum_t d_t (A x_t)^T and
// grad_A = s sum_t (B^T d_t) x_t^T, so both are projected from the layer's input rows x_t and output-gradient rows d_t
// after one frozen backward per batch (with the adapter attached, d_t already flows through base + LoRA). The rank-r
// side (A x_t or B^T d_t) is usually no wider than k and stays unprojected. Examples, windows, the summed-loss scale
// and labels drawn from the model (sampleSeed) are projectedGradients'. The backward adds into adapter.grads, so they
// are restored before returning.
// Shapes: B rows, T time, N = B*T, C_in / C_out a linear's features, r the rank, k the projected dimension.
import type { Floats } from '$lib/engine/cpu/floats';
import { gptBackward, gptForward, type GPT } from '$lib/engine/cpu/gpt';
import { matmulForward } from '$lib/engine/cpu/matmul';
import { LORA_TARGETS, type LoraTarget } from '$lib/engine/lora/config';
import { baseConfigMismatches, loraTargetShape, type LoraAdapter } from '$lib/engine/lora/lora';
import { InfluenceInputError } from './errors';
import { addOuterProducts, batchTokens, DEFAULT_PROJECTION, forEachBatch, maxSide, project, sampleTargets, type InfluenceExample, type ProjectedGradientsParameters, type ProjectionOptions, type Row } from './gradients';
import { createProjection, type LayerShape, type Projection } from './projection';

/** The projection of a LoRA adapter's parameters: for each targeted layer and block, "h<l>.<target>.lora_A" and
 * "h<l>.<target>.lora_B", in LORA_TARGETS order within each block, blocks in order. */
export function loraProjection(adapter: LoraAdapter, { kIn, kOut, seed }: ProjectionOptions = DEFAULT_PROJECTION): Projection {
	const r = adapter.config.rank;
	const layers: LayerShape[] = [];
	for (let l = 0; l < adapter.model.nLayer; l++) {
		for (const target of orderedTargets(adapter)) {
			const { inFeatures, outFeatures } = loraTargetShape(target, adapter.model.nEmbd);
			layers.push(
				{ name: `h${l}.${target}.lora_A`, inFeatures, outFeatures: r, kIn, kOut }, // (r, C_in)
				{ name: `h${l}.${target}.lora_B`, inFeatures: r, outFeatures, kIn, kOut } // (C_out, r)
			);
		}
	}
	return createProjection({ layers, seed });
}

/** Parameters of loraProjectedGradients: projectedGradients' plus the adapter, which must be attached to the model. */
export type LoraProjectedGradientsParameters = ProjectedGradientsParameters & { adapter: LoraAdapter };

/** Computes every example's projected gradient of the adapter's A and B matrices, (n, k) row-major in the model's
 * precision; independent of the batch size, each example's gradient that of its summed token loss. */
export function loraProjectedGradients({ model, adapter, projection, examples, batchSize = 8, onProgress, sampleSeed }: LoraProjectedGradientsParameters): Floats {
	checkAdapter(model, adapter, projection);
	const out = alloc(model, examples.length * projection.k);
	const savedGrads = adapter.grads.slice();
	try {
		forEachBatch({ config: model.config, examples, batchSize, onProgress }, (batch) => accumulateBatch({ model, adapter, projection, examples, batch, out, sampleSeed }));
	} finally {
		adapter.grads.set(savedGrads);
	}
	return out;
}

type AccumulateBatchParameters = {
	model: GPT;
	adapter: LoraAdapter;
	projection: Projection;
	examples: readonly InfluenceExample[];
	batch: Row[];
	out: Floats;
	sampleSeed?: number;
};

// Forward and frozen backward of one batch of rows, then each adapter matrix's projected outer products into `out`.
function accumulateBatch({ model, adapter, projection, examples, batch, out, sampleSeed }: AccumulateBatchParameters): void {
	const { inputs, targets, T, count } = batchTokens(examples, batch);
	if (count === 0) return;
	const B = batch.length;
	const N = B * T;
	gptForward(model, inputs, targets, B, T);
	if (sampleSeed !== undefined) sampleTargets(model.batch!.targets, model.batch!.acts.probs, batch, T, model.config.vocabSize, sampleSeed);
	gptBackward(model, { frozen: true });
	const { acts, gradActs } = model.batch!;
	const r = adapter.config.rank;
	const C = model.config.nEmbd;
	const rowExample = batch.map((row) => row.example);
	const scratchIn = alloc(model, N * maxSide(projection, 'kIn'));
	const scratchOut = alloc(model, N * maxSide(projection, 'kOut'));
	const hidden = alloc(model, N * r); // (N, r): B^T d_t for lora_A, A x_t for lora_B
	const bTransposed = alloc(model, r * 4 * C); // (r, C_out)
	// The backward divided by the batch's counted positions; times that count gives each example's summed loss.
	const scale = adapter.scale * count;
	const addLayer = (index: number, inp: Floats, dout: Floats) => {
		const layer = projection.layers[index];
		project(scratchIn, inp, N, layer.inFeatures, layer.pIn);
		project(scratchOut, dout, N, layer.outFeatures, layer.pOut);
		addOuterProducts(out, projection.k, layer.offset, scratchOut, layer.kOut, scratchIn, layer.kIn, rowExample, T, scale);
	};
	const targetsOf = orderedTargets(adapter);
	for (let l = 0; l < model.config.nLayer; l++) {
		const a = acts.layers[l];
		const d = gradActs.layers[l];
		const io: Record<LoraTarget, { x: Floats; dout: Floats }> = {
			qkv: { x: a.ln1, dout: d.qkv },
			attproj: { x: a.atty, dout: d.attproj },
			fc: { x: a.ln2, dout: d.fch },
			fcproj: { x: a.fchGelu, dout: d.fcproj }
		};
		targetsOf.forEach((target, t) => {
			const { x, dout } = io[target];
			const { inFeatures: Cin, outFeatures: OC } = loraTargetShape(target, C);
			const pair = adapter.weights[target]!;
			const A = pair.A.subarray(l * r * Cin, (l + 1) * r * Cin); // (r, C_in)
			const loraB = pair.B.subarray(l * OC * r, (l + 1) * OC * r); // (C_out, r)
			const index = 2 * (l * targetsOf.length + t);
			for (let o = 0; o < OC; o++) for (let j = 0; j < r; j++) bTransposed[j * OC + o] = loraB[o * r + j];
			matmulForward(hidden, dout, bTransposed, null, 1, N, OC, r); // v_t = B^T d_t
			addLayer(index, x, hidden);
			matmulForward(hidden, x, A, null, 1, N, Cin, r); // u_t = A x_t
			addLayer(index + 1, hidden, dout);
		});
	}
}

// The adapter's targets in LORA_TARGETS order (a config from loraConfig is already; a hand-built one may not be).
function orderedTargets(adapter: LoraAdapter): LoraTarget[] {
	return LORA_TARGETS.filter((t) => adapter.config.targets.includes(t));
}

function alloc(model: GPT, n: number): Floats {
	return model.precision === 'f64' ? new Float64Array(n) : new Float32Array(n);
}

// The hook is opaque, so "attached" is checked as far as it can be: some adapter is, and this one fits the model.
function checkAdapter(model: GPT, adapter: LoraAdapter, projection: Projection): void {
	if (model.lora === undefined) {
		throw new InfluenceInputError('The LoRA adapter is not attached to the model.', { hint: 'Call attachLora(model, adapter) first.' });
	}
	const mismatches = baseConfigMismatches(adapter.model, model.config);
	if (mismatches.length > 0 || adapter.precision !== model.precision) {
		throw new InfluenceInputError('The LoRA adapter was made for another model.', {
			details: [...mismatches, ...(adapter.precision !== model.precision ? [`precision: adapter ${adapter.precision}, model ${model.precision}`] : [])].join('; ') + '.'
		});
	}
	const expected = loraProjection(adapter, { kIn: 1, kOut: 1, seed: 0 }).layers;
	const ok = projection.layers.length === expected.length &&
		projection.layers.every((l, i) => l.name === expected[i].name && l.inFeatures === expected[i].inFeatures && l.outFeatures === expected[i].outFeatures);
	if (!ok) throw new InfluenceInputError('The projection was made for another adapter shape.', { hint: 'Build it with loraProjection(adapter).' });
}
