// The decoder-only GPT on the CPU (pre-LayerNorm blocks, learned positions, output head tied to the token table):
// forward to the mean loss, backward into the flat gradient buffer, and the AdamW update, composed from the ops as in
// llm.c's train_gpt2.c. Activations live in one flat buffer sized once per (B, T); their gradients use the same
// layout (simple, at twice the memory). An optional `lora` hook adds its term to the four linear layers of each block
// (lora/lora.ts); a frozen backward skips every parameter gradient, for adapter training, by computing each linear's
// dinp alone. Shapes: B batch, T time, C channels, V vocab, L layers, NH heads.
import { type GPTConfig, parameterCount, parameterSizes } from '../config';
import { EngineInputError } from '../errors';
import { DECAYED_PARAMETERS, initParameters, parameterLayout, parameterViews } from '../params';
import type { ParameterLayout, ParameterName, ParameterTensors } from '../params';
import { type AdamWOptions, adamwStep, clipGradNorm } from './adamw';
import { attentionBackward, attentionForward } from './attention';
import { crossEntropyBackward, crossEntropyForward, IGNORE_INDEX } from './crossEntropy';
import { embeddingBackward, embeddingForward } from './embedding';
import type { Floats } from './floats';
import { geluBackward, geluForward } from './gelu';
import { layernormBackward, layernormForward } from './layernorm';
import { matmulBackward, matmulForward } from './matmul';
import { residualBackward, residualForward } from './residual';

/** Buffer element type: 'f32' for training, 'f64' for gradient checks that need exact central differences. */
export type Precision = 'f32' | 'f64';

/** Options for createGPT. */
export type CreateGPTOptions = {
	/** Seed of the parameter init. */
	seed?: number;
	/** Element type of every buffer. */
	precision?: Precision;
};

/** The four linear layers of a block that a hook can add to (the LoRA targets). */
export type GPTLinear = 'qkv' | 'attproj' | 'fc' | 'fcproj';

/** An addition to a block's linear layers, consulted by gptForward and gptBackward (lora/lora.ts makes one). */
export type GPTLinearHook = {
	/** Adds the hook's term into the linear's output out (B,T,OC), computed from its input inp (B,T,C). */
	forward(linear: GPTLinear, layer: number, out: Floats, inp: Floats, B: number, T: number): void;
	/** Adds the term's input gradient into dinp (B,T,C) and its own parameter gradients into the hook's buffers. */
	backward(linear: GPTLinear, layer: number, dinp: Floats, dout: Floats, inp: Floats, B: number, T: number): void;
};

/** Options of gptBackward. */
export type GPTBackwardOptions = {
	/** The base parameters are frozen: model.grads is left untouched and only activation gradients (and the lora
	 * hook's) are computed, which skips every weight-gradient product. */
	frozen?: boolean;
};

/** AdamW options plus the global gradient-norm clip applied before the update. */
export type GPTUpdateOptions = AdamWOptions & {
	/** Gradients are scaled down to this global L2 norm when larger (Infinity disables clipping). */
	maxGradNorm: number;
};

// One block's activations (each a view into the flat activation buffer).
type LayerActivations = {
	ln1: Floats; // (B,T,C)
	ln1Mean: Floats; // (B,T)
	ln1Rstd: Floats; // (B,T)
	qkv: Floats; // (B,T,3C)
	atty: Floats; // (B,T,C)
	att: Floats; // (B,NH,T,T)
	attproj: Floats; // (B,T,C)
	residual2: Floats; // (B,T,C)
	ln2: Floats; // (B,T,C)
	ln2Mean: Floats; // (B,T)
	ln2Rstd: Floats; // (B,T)
	fch: Floats; // (B,T,4C)
	fchGelu: Floats; // (B,T,4C)
	fcproj: Floats; // (B,T,C)
	residual3: Floats; // (B,T,C)
};

type Activations = {
	buffer: Floats; // every activation below is a view of this one buffer
	encoded: Floats; // (B,T,C)
	layers: LayerActivations[]; // (L)
	lnf: Floats; // (B,T,C)
	lnfMean: Floats; // (B,T)
	lnfRstd: Floats; // (B,T)
	logits: Floats; // (B,T,V)
	probs: Floats; // (B,T,V)
	losses: Floats; // (B,T)
};

type Batch = {
	B: number;
	T: number;
	acts: Activations;
	gradActs: Activations;
	inputs: Int32Array; // (B,T)
	targets: Int32Array; // (B,T)
	forwardDone: boolean;
	transposedWeight: Floats | null; // (max(V,4C) * C) scratch of the frozen backward, allocated on its first use
};

// One block's parameters (views into the flat parameter or gradient buffer).
type LayerParameters = {
	ln1w: Floats; // (C)
	ln1b: Floats; // (C)
	qkvw: Floats; // (3C,C)
	qkvb: Floats; // (3C)
	attprojw: Floats; // (C,C)
	attprojb: Floats; // (C)
	ln2w: Floats; // (C)
	ln2b: Floats; // (C)
	fcw: Floats; // (4C,C)
	fcb: Floats; // (4C)
	fcprojw: Floats; // (C,4C)
	fcprojb: Floats; // (C)
};

/** A CPU GPT: parameters, gradients and AdamW moments as flat buffers with named views, plus the current batch. */
export type GPT = {
	config: GPTConfig;
	precision: Precision;
	layout: ParameterLayout;
	/** All parameters, (P). */
	params: Floats;
	/** Their gradients, (P), same layout; accumulated by gptBackward, cleared by gptZeroGrad. */
	grads: Floats;
	/** AdamW first and second moments, (P) each. */
	m: Floats;
	v: Floats;
	weights: ParameterTensors;
	gradients: ParameterTensors;
	/** Optimizer steps taken. */
	step: number;
	batch: Batch | null;
	/** Added to the four linear layers of each block when set (attachLora in lora/lora.ts). */
	lora?: GPTLinearHook;
};

const LAYER_KEYS = [
	'ln1w', 'ln1b', 'qkvw', 'qkvb', 'attprojw', 'attprojb', 'ln2w', 'ln2b', 'fcw', 'fcb', 'fcprojw', 'fcprojb'
] as const;

/** Allocates a GPT and initialises its parameters from the seed. */
export function createGPT(config: GPTConfig, { seed = 0, precision = 'f32' }: CreateGPTOptions = {}): GPT {
	const layout = parameterLayout(config);
	const P = parameterCount(config);
	const alloc = (n: number): Floats => (precision === 'f64' ? new Float64Array(n) : new Float32Array(n));
	const params = alloc(P);
	const grads = alloc(P);
	const weights = parameterViews(params, layout);
	initParameters(weights, config, seed);
	return {
		config,
		precision,
		layout,
		params,
		grads,
		m: alloc(P),
		v: alloc(P),
		weights,
		gradients: parameterViews(grads, layout),
		step: 0,
		batch: null
	};
}

/** Runs the forward pass on token ids and next-token targets (IGNORE_INDEX for padding); returns the mean loss. */
export function gptForward(model: GPT, inputs: Int32Array, targets: Int32Array, B: number, T: number): number {
	const { vocabSize: V, blockSize, nLayer: L, nHead: NH, nEmbd: C } = model.config;
	checkBatch(inputs, targets, B, T, V, blockSize);
	const batch = batchFor(model, B, T);
	batch.inputs.set(inputs);
	batch.targets.set(targets);
	const { acts } = batch;
	const w = model.weights;
	const lora = model.lora;
	embeddingForward(acts.encoded, batch.inputs, w.wte, w.wpe, B, T, C);
	let residual = acts.encoded;
	for (let l = 0; l < L; l++) {
		const p = layerParameters(w, l, L);
		const a = acts.layers[l];
		layernormForward(a.ln1, a.ln1Mean, a.ln1Rstd, residual, p.ln1w, p.ln1b, B, T, C);
		matmulForward(a.qkv, a.ln1, p.qkvw, p.qkvb, B, T, C, 3 * C);
		lora?.forward('qkv', l, a.qkv, a.ln1, B, T);
		attentionForward(a.atty, a.att, a.qkv, B, T, C, NH);
		matmulForward(a.attproj, a.atty, p.attprojw, p.attprojb, B, T, C, C);
		lora?.forward('attproj', l, a.attproj, a.atty, B, T);
		residualForward(a.residual2, residual, a.attproj, B * T * C);
		layernormForward(a.ln2, a.ln2Mean, a.ln2Rstd, a.residual2, p.ln2w, p.ln2b, B, T, C);
		matmulForward(a.fch, a.ln2, p.fcw, p.fcb, B, T, C, 4 * C);
		lora?.forward('fc', l, a.fch, a.ln2, B, T);
		geluForward(a.fchGelu, a.fch, B * T * 4 * C);
		matmulForward(a.fcproj, a.fchGelu, p.fcprojw, p.fcprojb, B, T, 4 * C, C);
		lora?.forward('fcproj', l, a.fcproj, a.fchGelu, B, T);
		residualForward(a.residual3, a.residual2, a.fcproj, B * T * C);
		residual = a.residual3;
	}
	layernormForward(acts.lnf, acts.lnfMean, acts.lnfRstd, residual, w.lnfw, w.lnfb, B, T, C);
	matmulForward(acts.logits, acts.lnf, w.wte, null, B, T, C, V);
	batch.forwardDone = true;
	return crossEntropyForward(acts.losses, acts.probs, acts.logits, batch.targets, B, T, V);
}

/** Clears the parameter gradients (call once per optimizer step; backward passes in between accumulate). */
export function gptZeroGrad(model: GPT): void {
	model.grads.fill(0);
}

/** Backpropagates the last forward's mean loss, adding its gradient into model.grads (unless frozen) and the hook's. */
export function gptBackward(model: GPT, { frozen = false }: GPTBackwardOptions = {}): void {
	const batch = model.batch;
	if (!batch?.forwardDone) throw new EngineInputError('gptBackward needs a gptForward on the same batch first.');
	const { vocabSize: V, nLayer: L, nHead: NH, nEmbd: C } = model.config;
	const { B, T, acts, gradActs: d } = batch;
	const w = model.weights;
	const g = frozen ? frozenGradientSink(model.config) : model.gradients;
	const linearBackward = frozen ? inputGradientOnly(model, batch) : matmulBackward;
	const lora = model.lora;
	d.buffer.fill(0); // activation gradients are per batch, never accumulated
	crossEntropyBackward(d.logits, acts.probs, batch.targets, 1, B, T, V);
	linearBackward(d.lnf, g.wte, null, d.logits, acts.lnf, w.wte, B, T, C, V);
	const last = L > 0 ? acts.layers[L - 1].residual3 : acts.encoded;
	const dlast = L > 0 ? d.layers[L - 1].residual3 : d.encoded;
	layernormBackward(dlast, g.lnfw, g.lnfb, d.lnf, last, w.lnfw, acts.lnfMean, acts.lnfRstd, B, T, C);
	for (let l = L - 1; l >= 0; l--) {
		const p = layerParameters(w, l, L);
		const dp = layerParameters(g, l, L);
		const a = acts.layers[l];
		const da = d.layers[l];
		const residual = l === 0 ? acts.encoded : acts.layers[l - 1].residual3;
		const dresidual = l === 0 ? d.encoded : d.layers[l - 1].residual3;
		residualBackward(da.residual2, da.fcproj, da.residual3, B * T * C);
		linearBackward(da.fchGelu, dp.fcprojw, dp.fcprojb, da.fcproj, a.fchGelu, p.fcprojw, B, T, 4 * C, C);
		lora?.backward('fcproj', l, da.fchGelu, da.fcproj, a.fchGelu, B, T);
		geluBackward(da.fch, a.fch, da.fchGelu, B * T * 4 * C);
		linearBackward(da.ln2, dp.fcw, dp.fcb, da.fch, a.ln2, p.fcw, B, T, C, 4 * C);
		lora?.backward('fc', l, da.ln2, da.fch, a.ln2, B, T);
		layernormBackward(da.residual2, dp.ln2w, dp.ln2b, da.ln2, a.residual2, p.ln2w, a.ln2Mean, a.ln2Rstd, B, T, C);
		residualBackward(dresidual, da.attproj, da.residual2, B * T * C);
		linearBackward(da.atty, dp.attprojw, dp.attprojb, da.attproj, a.atty, p.attprojw, B, T, C, C);
		lora?.backward('attproj', l, da.atty, da.attproj, a.atty, B, T);
		attentionBackward(da.qkv, da.atty, a.qkv, a.att, B, T, C, NH);
		linearBackward(da.ln1, dp.qkvw, dp.qkvb, da.qkv, a.ln1, p.qkvw, B, T, C, 3 * C);
		lora?.backward('qkv', l, da.ln1, da.qkv, a.ln1, B, T);
		layernormBackward(dresidual, dp.ln1w, dp.ln1b, da.ln1, residual, p.ln1w, a.ln1Mean, a.ln1Rstd, B, T, C);
	}
	if (!frozen) embeddingBackward(g.wte, g.wpe, d.encoded, batch.inputs, B, T, C);
}

/** Clips the gradients to maxGradNorm and applies one AdamW step (no decay on biases and gains); returns the norm. */
export function gptUpdate(model: GPT, options: GPTUpdateOptions): number {
	const norm = clipGradNorm(model.grads, options.maxGradNorm);
	model.step += 1;
	const noDecay = { ...options, weightDecay: 0 };
	for (const [name, { offset, size }] of Object.entries(model.layout) as [ParameterName, ParameterLayout[ParameterName]][]) {
		const tensorOptions = DECAYED_PARAMETERS.has(name) ? options : noDecay;
		adamwStep(model.params, model.grads, model.m, model.v, model.step, tensorOptions, offset, offset + size);
	}
	return norm;
}

/** Throws an EngineInputError unless (inputs, targets) is a valid (B, T) batch for the model: shape, block size and every
 * token id in range (the WebGPU embedding kernel indexes tables unchecked, so its caller relies on this too). */
export function checkBatch(inputs: Int32Array, targets: Int32Array, B: number, T: number, V: number, blockSize: number): void {
	if (!Number.isSafeInteger(B) || !Number.isSafeInteger(T) || B < 1 || T < 1) {
		throw new EngineInputError('Batch size and sequence length must be positive integers.', { details: `B ${B}, T ${T}.` });
	}
	if (T > blockSize) {
		throw new EngineInputError(`Sequence length ${T} is longer than the model's block size ${blockSize}.`);
	}
	if (inputs.length !== B * T || targets.length !== B * T) {
		throw new EngineInputError('Inputs and targets must each hold B * T token ids.', {
			details: `B * T = ${B * T}, inputs ${inputs.length}, targets ${targets.length}.`
		});
	}
	for (let i = 0; i < B * T; i++) {
		const x = inputs[i];
		const y = targets[i];
		if (x < 0 || x >= V || (y !== IGNORE_INDEX && (y < 0 || y >= V))) {
			throw new EngineInputError(`Token id out of range for a vocabulary of ${V}.`, {
				details: `input ${x}, target ${y} at position ${i}.`
			});
		}
	}
}

// Reuses the activation buffers when (B, T) is unchanged; otherwise allocates them once for the new shape.
function batchFor(model: GPT, B: number, T: number): Batch {
	if (model.batch && model.batch.B === B && model.batch.T === T) {
		model.batch.forwardDone = false;
		return model.batch;
	}
	model.batch = {
		B,
		T,
		acts: allocateActivations(model.config, model.precision, B, T),
		gradActs: allocateActivations(model.config, model.precision, B, T),
		inputs: new Int32Array(B * T),
		targets: new Int32Array(B * T),
		forwardDone: false,
		transposedWeight: null
	};
	return model.batch;
}

// Sizes every activation, allocates one buffer and cuts the views from it in order.
function allocateActivations(config: GPTConfig, precision: Precision, B: number, T: number): Activations {
	const { vocabSize: V, nLayer: L, nHead: NH, nEmbd: C } = config;
	const BT = B * T;
	const layerSizes = {
		ln1: BT * C,
		ln1Mean: BT,
		ln1Rstd: BT,
		qkv: BT * 3 * C,
		atty: BT * C,
		att: B * NH * T * T,
		attproj: BT * C,
		residual2: BT * C,
		ln2: BT * C,
		ln2Mean: BT,
		ln2Rstd: BT,
		fch: BT * 4 * C,
		fchGelu: BT * 4 * C,
		fcproj: BT * C,
		residual3: BT * C
	} satisfies Record<keyof LayerActivations, number>;
	const perLayer = Object.values(layerSizes).reduce((sum, size) => sum + size, 0);
	const total = BT * C + L * perLayer + BT * C + 2 * BT + 2 * BT * V + BT;
	const buffer = precision === 'f64' ? new Float64Array(total) : new Float32Array(total);
	let offset = 0;
	const take = (size: number) => buffer.subarray(offset, (offset += size));
	const encoded = take(BT * C);
	const layers: LayerActivations[] = [];
	for (let l = 0; l < L; l++) {
		const layer = {} as LayerActivations;
		for (const [name, size] of Object.entries(layerSizes) as [keyof LayerActivations, number][]) layer[name] = take(size);
		layers.push(layer);
	}
	return {
		buffer,
		encoded,
		layers,
		lnf: take(BT * C),
		lnfMean: take(BT),
		lnfRstd: take(BT),
		logits: take(BT * V),
		probs: take(BT * V),
		losses: take(BT)
	};
}

// Views of block l's slice of each per-layer tensor.
function layerParameters(t: ParameterTensors, l: number, L: number): LayerParameters {
	const out = {} as LayerParameters;
	for (const key of LAYER_KEYS) {
		const size = t[key].length / L;
		out[key] = t[key].subarray(l * size, (l + 1) * size);
	}
	return out;
}

// The frozen backward's parameter gradients: LayerNorm's gains and biases land in this throwaway buffer (they are a
// by-product of layernormBackward's dinp loop); every other tensor is empty, as the frozen linears never write theirs.
function frozenGradientSink(config: GPTConfig): ParameterTensors {
	const { nLayer: L, nEmbd: C } = config;
	const sink = new Float64Array((4 * L + 2) * C);
	const empty = sink.subarray(0, 0);
	const views = {} as ParameterTensors;
	for (const name of Object.keys(parameterSizes(config)) as ParameterName[]) views[name] = empty;
	let offset = 0;
	for (const name of ['ln1w', 'ln1b', 'ln2w', 'ln2b', 'lnfw', 'lnfb'] as const) {
		const size = name.startsWith('lnf') ? C : L * C;
		views[name] = sink.subarray(offset, (offset += size));
	}
	return views;
}

// matmulBackward's signature, computing only dinp = dout @ weight as dout @ (weight^T)^T through matmulForward (the
// transpose costs OC*C against the product's B*T*OC*C). It overwrites dinp, which equals accumulating here: gptBackward
// zeroes the activation gradients and each linear's dinp is written first by the linear, then added to by the hook.
function inputGradientOnly(model: GPT, batch: Batch): typeof matmulBackward {
	const size = Math.max(model.config.vocabSize, 4 * model.config.nEmbd) * model.config.nEmbd;
	batch.transposedWeight ??= model.precision === 'f64' ? new Float64Array(size) : new Float32Array(size);
	const transposed = batch.transposedWeight;
	return (dinp, _dweight, _dbias, dout, _inp, weight, B, T, C, OC) => {
		for (let o = 0; o < OC; o++) for (let c = 0; c < C; c++) transposed[c * OC + o] = weight[o * C + c];
		matmulForward(dinp, dout, transposed.subarray(0, C * OC), null, B, T, OC, C); // (B,T,C) = dout (B,T,OC) @ weight
	};
}
