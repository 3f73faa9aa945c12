// LoRA adapters for the CPU GPT: per targeted linear layer and block, A (r, C_in) and B (C_out, r) in one flat buffer
// with views (as params.ts), so clipping and AdamW see one array. A starts as PEFT's default (kaiming-uniform with
// a = sqrt(5), i.e. uniform(+-1/sqrt(C_in))) and B at zero, so an untrained adapter leaves the model exactly as it is.
// attachLora hooks the adapter into gptForward/gptBackward. Shapes: L layers, C channels, r rank, N = B*T rows.
import { DEFAULT_GPT_CONFIG, type GPTConfig } from '../config';
import { clipGradNorm, adamwStep } from '../cpu/adamw';
import type { Floats } from '../cpu/floats';
import type { GPT, GPTLinear, GPTLinearHook, GPTUpdateOptions, Precision } from '../cpu/gpt';
import { EngineConfigError } from '../errors';
import type { ParameterName } from '../params';
import { createRng } from '../random';
import { LORA_TARGETS, loraScale, type LoraConfig, type LoraTarget } from './config';
import { LoraAdapterError } from './errors';
import { loraLinearBackward, loraLinearForward } from './loraLinear';

/** A targeted layer's in and out features, and the base weight (OC, C_in) per block it adds to. */
export type LoraTargetShape = { inFeatures: number; outFeatures: number; baseWeight: ParameterName };

/** Each target's shape for a model with C channels. */
export function loraTargetShape(target: LoraTarget, C: number): LoraTargetShape {
	switch (target) {
		case 'qkv':
			return { inFeatures: C, outFeatures: 3 * C, baseWeight: 'qkvw' };
		case 'attproj':
			return { inFeatures: C, outFeatures: C, baseWeight: 'attprojw' };
		case 'fc':
			return { inFeatures: C, outFeatures: 4 * C, baseWeight: 'fcw' };
		case 'fcproj':
			return { inFeatures: 4 * C, outFeatures: C, baseWeight: 'fcprojw' };
	}
}

/** One adapter tensor in the flat buffer: a target's A (L, r, C_in) or B (L, C_out, r). */
export type LoraTensorLayout = {
	target: LoraTarget;
	part: 'A' | 'B';
	offset: number;
	size: number;
	/** Per block: [r, C_in] for A, [C_out, r] for B. */
	blockShape: [number, number];
};

/** A target's A and B over all blocks (views into a flat buffer). */
export type LoraPair = { A: Floats /* (L,r,C_in) */; B: Floats /* (L,C_out,r) */ };

/** Views per targeted layer; untargeted layers are absent. */
export type LoraTensors = Partial<Record<LoraTarget, LoraPair>>;

/** An adapter: its config, the base config it fits, and its parameters, gradients and AdamW moments. */
export type LoraAdapter = {
	/** The base model's config; attachLora and adapter files check it. */
	model: GPTConfig;
	config: LoraConfig;
	/** alpha / rank. */
	scale: number;
	precision: Precision;
	/** Tensors in LORA_TARGETS order, A before B. */
	layout: LoraTensorLayout[];
	/** All adapter parameters, (P_lora). */
	params: Floats;
	/** Their gradients, (P_lora); accumulated by gptBackward with the adapter attached, cleared by loraZeroGrad. */
	grads: Floats;
	/** AdamW first and second moments, (P_lora) each. */
	m: Floats;
	v: Floats;
	weights: LoraTensors;
	gradients: LoraTensors;
	/** Optimizer steps taken. */
	step: number;
};

/** Options of createLoraAdapter. */
export type CreateLoraAdapterOptions = {
	/** Seed of A's init. */
	seed?: number;
	/** Element type of every buffer; must be the model's to attach. */
	precision?: Precision;
};

/** Lays out A then B for each target, in LORA_TARGETS order. */
export function loraLayout(model: GPTConfig, config: LoraConfig): LoraTensorLayout[] {
	const { nLayer: L, nEmbd: C } = model;
	const r = config.rank;
	const layout: LoraTensorLayout[] = [];
	let offset = 0;
	for (const target of config.targets) {
		const { inFeatures, outFeatures } = loraTargetShape(target, C);
		for (const [part, blockShape] of [['A', [r, inFeatures]], ['B', [outFeatures, r]]] as const) {
			const size = L * blockShape[0] * blockShape[1];
			layout.push({ target, part, offset, size, blockShape: [blockShape[0], blockShape[1]] });
			offset += size;
		}
	}
	return layout;
}

/** Allocates an adapter for the model config: A from the seed, B zero, moments zero. */
export function createLoraAdapter(
	model: GPTConfig,
	config: LoraConfig,
	{ seed = 0, precision = 'f32' }: CreateLoraAdapterOptions = {}
): LoraAdapter {
	if (config.rank > model.nEmbd) {
		throw new EngineConfigError('LoRA config "rank" must not exceed the model\'s nEmbd.', {
			details: `rank ${config.rank}, nEmbd ${model.nEmbd}.`,
			hint: 'A rank as large as the layer is a full update; use a smaller rank.'
		});
	}
	const layout = loraLayout(model, config);
	const P = layout.reduce((sum, { size }) => sum + size, 0);
	const alloc = (n: number): Floats => (precision === 'f64' ? new Float64Array(n) : new Float32Array(n));
	const params = alloc(P);
	const grads = alloc(P);
	const weights = loraViews(params, layout);
	const rng = createRng(seed);
	for (const target of config.targets) {
		const bound = 1 / Math.sqrt(loraTargetShape(target, model.nEmbd).inFeatures);
		const A = (weights[target] as LoraPair).A;
		for (let i = 0; i < A.length; i++) A[i] = bound * (2 * rng.uniform() - 1);
	}
	return {
		model,
		config,
		scale: loraScale(config),
		precision,
		layout,
		params,
		grads,
		m: alloc(P),
		v: alloc(P),
		weights,
		gradients: loraViews(grads, layout),
		step: 0
	};
}

/** Creates each target's A and B views over a flat buffer laid out by loraLayout. */
export function loraViews(buffer: Floats, layout: LoraTensorLayout[]): LoraTensors {
	const views: LoraTensors = {};
	for (const { target, part, offset, size } of layout) {
		const pair = (views[target] ??= { A: buffer.subarray(0, 0), B: buffer.subarray(0, 0) });
		pair[part] = buffer.subarray(offset, offset + size);
	}
	return views;
}

/** Hooks the adapter into the model's four linear layers (replacing any adapter attached before). */
export function attachLora(model: GPT, adapter: LoraAdapter): void {
	const mismatches = baseConfigMismatches(adapter.model, model.config);
	if (mismatches.length > 0) {
		throw new LoraAdapterError('This adapter was made for a different base model.', {
			details: `${mismatches.join('; ')}.`
		});
	}
	if (adapter.precision !== model.precision) {
		throw new LoraAdapterError('The adapter and the model use different precisions.', {
			details: `Adapter ${adapter.precision}, model ${model.precision}.`
		});
	}
	model.lora = loraHook(adapter);
}

/** Lists the GPTConfig fields where the adapter's base config differs from a model's, as "key: adapter X, model Y". */
export function baseConfigMismatches(adapterBase: GPTConfig, model: GPTConfig): string[] {
	return (Object.keys(DEFAULT_GPT_CONFIG) as (keyof GPTConfig)[])
		.filter((key) => adapterBase[key] !== model[key])
		.map((key) => `${key}: adapter ${adapterBase[key]}, model ${model[key]}`);
}

/** Removes the adapter, if any: the model is its base again. */
export function detachLora(model: GPT): void {
	delete model.lora;
}

/** Clears the adapter's gradients (once per optimizer step). */
export function loraZeroGrad(adapter: LoraAdapter): void {
	adapter.grads.fill(0);
}

/** Clips the adapter's gradients to maxGradNorm and applies one AdamW step to every A and B; returns the norm.
 * Weight decay applies to A and B alike (Hugging Face's Trainer decays every LoRA matrix): it pulls the update B A
 * toward zero, i.e. toward the base model. */
export function loraUpdate(adapter: LoraAdapter, options: GPTUpdateOptions): number {
	const norm = clipGradNorm(adapter.grads, options.maxGradNorm);
	adapter.step += 1;
	adamwStep(adapter.params, adapter.grads, adapter.m, adapter.v, adapter.step, options);
	return norm;
}

// The hook gptForward/gptBackward call: the targeted layers' LoRA terms on the adapter's block views, with each
// block's hidden (N, r) kept from the forward for the backward, and scratch sized for the widest layer.
function loraHook(adapter: LoraAdapter): GPTLinearHook {
	const { nLayer: L, nEmbd: C } = adapter.model;
	const r = adapter.config.rank;
	const alloc = (n: number): Floats => (adapter.precision === 'f64' ? new Float64Array(n) : new Float32Array(n));
	let rows = 0;
	let hidden: Floats[] = []; // (L * 4) of (N,r), by layer and target
	let update = alloc(0); // (N,4C) the forward's scratch
	let scaledHidden = alloc(0); // (N,r) the backward's scratch
	let dhidden = alloc(0); // (N,r)
	const fit = (N: number) => {
		if (N === rows) return;
		rows = N;
		hidden = Array.from({ length: L * LORA_TARGETS.length }, () => alloc(N * r));
		update = alloc(N * 4 * C);
		scaledHidden = alloc(N * r);
		dhidden = alloc(N * r);
	};
	const blockViews = (tensors: LoraTensors, linear: GPTLinear, layer: number) => {
		const pair = tensors[linear];
		if (!pair) return null;
		const { inFeatures, outFeatures } = loraTargetShape(linear, C);
		const A = pair.A.subarray(layer * r * inFeatures, (layer + 1) * r * inFeatures);
		const B = pair.B.subarray(layer * outFeatures * r, (layer + 1) * outFeatures * r);
		return { A, B, inFeatures, outFeatures };
	};
	const slot = (linear: GPTLinear, layer: number) => layer * LORA_TARGETS.length + LORA_TARGETS.indexOf(linear);
	return {
		forward(linear, layer, out, inp, B, T) {
			const block = blockViews(adapter.weights, linear, layer);
			if (!block) return;
			fit(B * T);
			const h = hidden[slot(linear, layer)];
			loraLinearForward(out, h, inp, block.A, block.B, adapter.scale, update, B, T, block.inFeatures, block.outFeatures, r);
		},
		backward(linear, layer, dinp, dout, inp, B, T) {
			const block = blockViews(adapter.weights, linear, layer);
			if (!block) return;
			const grad = blockViews(adapter.gradients, linear, layer)!;
			const h = hidden[slot(linear, layer)];
			const { inFeatures: Cin, outFeatures: OC } = block;
			const { A, B: loraB } = block;
			loraLinearBackward(dinp, grad.A, grad.B, dout, inp, h, A, loraB, adapter.scale, scaledHidden, dhidden, B, T, Cin, OC, r);
		}
	};
}
