// The GPT on WebGPU, composed from the ops as cpu/gpt.ts: parameters, gradients and AdamW moments are each one flat
// buffer in params.ts's layout that kernels bind by range (so tensors must sit on the storage offset alignment: nEmbd a
// multiple of 64 at 256 bytes). A step is one encoder and one submission; the loss stays on the GPU until readLoss(),
// or is copied into a caller's loss log in the same submission (trainMicroBatch, forwardLoss) to be read back in bulk.
// With a LoRA adapter attached (attachLora) the base is frozen, as gptBackward's frozen mode: the adapter's terms join
// the four linears of each block, the backward computes activation gradients only (the base grads stay untouched) and
// the update clips and steps the adapter's buffers; without one, every dispatch is exactly as before.
// Shapes: B batch, T time, C channels, V vocab, L layers, NH heads, P parameters.
import { type GPTConfig, parameterCount } from '../config';
import { checkBatch, type GPTUpdateOptions } from '../cpu/gpt';
import { EngineConfigError, EngineInputError } from '../errors';
import { LoraAdapterError } from '../lora/errors';
import { baseConfigMismatches } from '../lora/lora';
import { DECAYED_PARAMETERS, initParameters, parameterLayout, parameterViews } from '../params';
import type { ParameterLayout, ParameterName } from '../params';
import { type AdamWOp, createAdamW } from './adamw';
import { createTensor, readTensor } from './buffers';
import { createGPTActivations, type GPTActivations } from './gptActivations';
import type { GPUTensor, KernelCache } from './kernels';
import type { WebGPULinear, WebGPULoraAdapter, WebGPULoraPass } from './lora';
import type { MatmulBackwardArgs, MatmulOp } from './matmul';

/** A batch of token ids and their next-token targets (IGNORE_INDEX for padding). */
export type GPTBatch = {
	inputs: Int32Array; // (B,T)
	targets: Int32Array; // (B,T)
	B: number;
	T: number;
};

/** Options for createWebGPUGPT. */
export type CreateWebGPUGPTParameters = {
	config: GPTConfig;
	/** Seed of the parameter init (the CPU's createGPT with the same seed holds the same weights). */
	seed?: number;
};

/** One float of a caller's buffer (COPY_DST) that a pass copies its mean loss into. */
export type LossSlot = { buffer: GPUBuffer; index: number };

/** Options of trainMicroBatch: one micro-batch of an optimizer step. */
export type MicroBatchOptions = {
	/** Clear the gradients first: the step's first micro-batch. */
	zeroGrad: boolean;
	/** The backward adds the gradient of lossScale * (the micro-batch's mean loss): 1 / accum when accumulating. */
	lossScale?: number;
	/** Clip and apply AdamW after the backward, in the same submission: the step's last micro-batch. */
	update?: GPTUpdateOptions;
	/** Where to copy the micro-batch's mean loss. */
	lossTo?: LossSlot;
};

/** Everything an exact resume needs on the GPU: the flat buffers, (P) each, and AdamW's step count. */
export type WebGPUGPTState = { params: Float32Array; m: Float32Array; v: Float32Array; step: number };

// What one submission encodes.
type Pass = { zeroGrad: boolean; backward: boolean; lossScale: number; update: GPTUpdateOptions | null; lossTo?: LossSlot };

const LAYER_PARAMETERS = [
	'ln1w', 'ln1b', 'qkvw', 'qkvb', 'attprojw', 'attprojb', 'ln2w', 'ln2b', 'fcw', 'fcb', 'fcprojw', 'fcprojb'
] as const satisfies readonly ParameterName[];

type LayerParameters = Record<(typeof LAYER_PARAMETERS)[number], GPUTensor>;

/** A GPT whose parameters, gradients, optimizer state and activations live on one GPU device. */
export class WebGPUGPT {
	readonly config: GPTConfig;
	readonly layout: ParameterLayout;
	/** All parameters, (P). */
	readonly params: GPUBuffer;
	/** Their gradients, (P), same layout; written by each computeGradients or trainStep, clipped by trainStep. */
	readonly grads: GPUBuffer;
	/** AdamW first and second moments, (P) each. */
	readonly m: GPUBuffer;
	readonly v: GPUBuffer;
	/** Optimizer steps taken. */
	step = 0;
	private readonly cache: KernelCache;
	private readonly adamw: AdamWOp;
	private readonly activations = new Map<string, Promise<GPTActivations>>();
	private lastActivations: GPTActivations | null = null;
	private lora: WebGPULoraAdapter | null = null;

	/** Use createWebGPUGPT, which builds the optimizer kernels first. */
	constructor(cache: KernelCache, config: GPTConfig, weights: Float32Array, adamw: AdamWOp) {
		const { device } = cache;
		this.cache = cache;
		this.config = config;
		this.layout = parameterLayout(config);
		this.adamw = adamw;
		this.params = createTensor(device, 'gpt params', weights);
		this.grads = createTensor(device, 'gpt grads', weights.length);
		this.m = createTensor(device, 'gpt adamw m', weights.length);
		this.v = createTensor(device, 'gpt adamw v', weights.length);
	}

	/** Zeroes the gradients, runs forward and backward on the batch, in one submission (no update). */
	async computeGradients(batch: GPTBatch): Promise<void> {
		await this.submit(batch, { zeroGrad: true, backward: true, lossScale: 1, update: null });
	}

	/** Zeroes the gradients, runs forward and backward, clips and applies AdamW: one encoder, one submission. */
	async trainStep(batch: GPTBatch, options: GPTUpdateOptions): Promise<void> {
		await this.submit(batch, { zeroGrad: true, backward: true, lossScale: 1, update: options });
	}

	/** Runs forward and backward on one micro-batch, adding into the gradients (optionally zeroing them first, updating
	 * after): one submission, so accumulating over k micro-batches takes k submissions per optimizer step. */
	async trainMicroBatch(batch: GPTBatch, { zeroGrad, lossScale = 1, update, lossTo }: MicroBatchOptions): Promise<void> {
		await this.submit(batch, { zeroGrad, backward: true, lossScale, update: update ?? null, lossTo });
	}

	/** Runs the forward pass only (validation): the mean loss stays on the GPU, copied to lossTo when given. */
	async forwardLoss(batch: GPTBatch, { lossTo }: { lossTo?: LossSlot } = {}): Promise<void> {
		// Any activations of this shape will do, whatever their backward's dloss.
		const prefix = `${batch.B}x${batch.T}x`;
		const key = [...this.activations.keys()].find((k) => k.startsWith(prefix));
		const lossScale = key === undefined ? 1 : Number(key.slice(prefix.length));
		await this.submit(batch, { zeroGrad: false, backward: false, lossScale, update: null, lossTo });
	}

	/** Reads back parameters, AdamW moments and step count (waits for the queue). */
	async readState(): Promise<WebGPUGPTState> {
		const { device } = this.cache;
		const P = parameterCount(this.config);
		const step = this.step;
		const [params, m, v] = await Promise.all([this.params, this.m, this.v].map((buffer) => readTensor(device, buffer, P)));
		return { params, m, v, step };
	}

	/** Overwrites parameters, AdamW moments and step count, e.g. from a checkpoint; throws EngineInputError on a size mismatch. */
	writeState({ params, m, v, step }: WebGPUGPTState): void {
		const P = parameterCount(this.config);
		if (params.length !== P || m.length !== P || v.length !== P) {
			throw new EngineInputError('The state does not fit this model.', {
				details: `The model has ${P} parameters; params ${params.length}, m ${m.length}, v ${v.length}.`
			});
		}
		const { queue } = this.cache.device;
		for (const [buffer, data] of [[this.params, params], [this.m, m], [this.v, v]] as const) queue.writeBuffer(buffer, 0, data);
		this.step = step;
	}

	/** Attaches a LoRA adapter made for this base config (replacing any before): from now on the base is frozen and
	 * every update steps the adapter; throws LoraAdapterError for another base. */
	attachLora(adapter: WebGPULoraAdapter): void {
		const mismatches = baseConfigMismatches(adapter.model, this.config);
		if (mismatches.length > 0) {
			throw new LoraAdapterError('This adapter was made for a different base model.', { details: `${mismatches.join('; ')}.` });
		}
		this.lora = adapter;
	}

	/** Removes the adapter, if any: the model trains its own weights again. */
	detachLora(): void {
		this.lora = null;
	}

	/** Reads back the logits of the last forward, (B,T,V) (waits for the queue). */
	async readLogits(): Promise<Float32Array> {
		const b = this.lastActivations;
		if (!b) throw new EngineInputError('readLogits needs a forward first.');
		return readTensor(this.cache.device, b.logits, b.B * b.T * this.config.vocabSize);
	}

	/** Reads back the mean loss of the last forward (waits for the queue: call it rarely while training). */
	async readLoss(): Promise<number> {
		if (!this.lastActivations) throw new EngineInputError('readLoss needs a computeGradients or trainStep first.');
		return (await readTensor(this.cache.device, this.lastActivations.loss, 1))[0];
	}

	/** Reads back all parameters, (P) in params.ts's layout. */
	readParameters(): Promise<Float32Array> {
		return readTensor(this.cache.device, this.params, parameterCount(this.config));
	}

	/** Reads back all gradients, (P) in params.ts's layout. */
	readGradients(): Promise<Float32Array> {
		return readTensor(this.cache.device, this.grads, parameterCount(this.config));
	}

	/** Frees every buffer the model allocated. */
	async destroy(): Promise<void> {
		for (const buffer of [this.params, this.grads, this.m, this.v]) buffer.destroy();
		for (const activations of await Promise.all(this.activations.values())) {
			for (const buffer of activations.owned) buffer.destroy();
		}
		this.activations.clear();
		this.lastActivations = null;
	}

	private async submit(batch: GPTBatch, { zeroGrad, backward, lossScale, update, lossTo }: Pass): Promise<void> {
		// The embedding kernel indexes tables with the ids unchecked, so every id is checked here, before upload.
		checkBatch(batch.inputs, batch.targets, batch.B, batch.T, this.config.vocabSize, this.config.blockSize);
		const b = await this.activationsFor(batch.B, batch.T, lossScale);
		const adapter = this.lora;
		const lora = adapter ? await adapter.pass(batch.B, batch.T) : null;
		const { device } = this.cache;
		device.queue.writeBuffer(b.inputs, 0, batch.inputs);
		device.queue.writeBuffer(b.targets, 0, batch.targets);
		const encoder = device.createCommandEncoder({ label: update ? 'gpt train step' : backward ? 'gpt gradients' : 'gpt forward' });
		if (zeroGrad) encoder.clearBuffer(adapter ? adapter.grads : this.grads);
		this.encodeForward(encoder, b, lora);
		if (lossTo) encoder.copyBufferToBuffer(b.loss, 0, lossTo.buffer, lossTo.index * 4, 4);
		if (backward) this.encodeBackward(encoder, b, lora);
		if (update && adapter) {
			adapter.encodeUpdate(encoder, update);
		} else if (update) {
			this.step += 1;
			const noDecay = { ...update, weightDecay: 0 };
			const ranges = (Object.entries(this.layout) as [ParameterName, ParameterLayout[ParameterName]][]).map(
				([name, { offset, size }]) => ({ ...(DECAYED_PARAMETERS.has(name) ? update : noDecay), start: offset, count: size })
			);
			const buffers = { params: this.params, grads: this.grads, m: this.m, v: this.v };
			this.adamw.step(encoder, buffers, { step: this.step, maxGradNorm: update.maxGradNorm, ranges });
		}
		device.queue.submit([encoder.finish()]);
		this.lastActivations = b;
	}

	// The forward; lora adds the adapter's term after each of a block's four linears.
	private encodeForward(encoder: GPUCommandEncoder, b: GPTActivations, lora: WebGPULoraPass | null): void {
		const { nLayer: L } = this.config;
		const { ops } = b;
		ops.embedding.forward(encoder, { out: b.encoded, inp: b.inputs, wte: this.tensor(this.params, 'wte'), wpe: this.tensor(this.params, 'wpe') });
		let residual = b.encoded;
		for (let l = 0; l < L; l++) {
			const p = this.layerTensors(this.params, l);
			const a = b.layers[l];
			ops.layernorm.forward(encoder, { out: a.ln1, mean: a.ln1Mean, rstd: a.ln1Rstd, inp: residual, weight: p.ln1w, bias: p.ln1b });
			ops.qkv.forward(encoder, { out: a.qkv, inp: a.ln1, weight: p.qkvw, bias: p.qkvb });
			lora?.forward(encoder, 'qkv', l, a.qkv, a.ln1);
			ops.attention.forward(encoder, { out: a.atty, att: a.att, inp: a.qkv });
			ops.attproj.forward(encoder, { out: a.attproj, inp: a.atty, weight: p.attprojw, bias: p.attprojb });
			lora?.forward(encoder, 'attproj', l, a.attproj, a.atty);
			ops.residual.forward(encoder, { out: a.residual2, inp1: residual, inp2: a.attproj });
			ops.layernorm.forward(encoder, { out: a.ln2, mean: a.ln2Mean, rstd: a.ln2Rstd, inp: a.residual2, weight: p.ln2w, bias: p.ln2b });
			ops.fc.forward(encoder, { out: a.fch, inp: a.ln2, weight: p.fcw, bias: p.fcb });
			lora?.forward(encoder, 'fc', l, a.fch, a.ln2);
			ops.gelu.forward(encoder, { out: a.fchGelu, inp: a.fch });
			ops.fcproj.forward(encoder, { out: a.fcproj, inp: a.fchGelu, weight: p.fcprojw, bias: p.fcprojb });
			lora?.forward(encoder, 'fcproj', l, a.fcproj, a.fchGelu);
			ops.residual.forward(encoder, { out: a.residual3, inp1: a.residual2, inp2: a.fcproj });
			residual = a.residual3;
		}
		const [lnfw, lnfb] = [this.tensor(this.params, 'lnfw'), this.tensor(this.params, 'lnfb')];
		ops.layernorm.forward(encoder, { out: b.lnf, mean: b.lnfMean, rstd: b.lnfRstd, inp: residual, weight: lnfw, bias: lnfb });
		ops.head.forward(encoder, { out: b.logits, inp: b.lnf, weight: this.tensor(this.params, 'wte'), bias: null });
		ops.crossEntropy.forward(encoder, { loss: b.loss, losses: b.losses, probs: b.probs, logits: b.logits, targets: b.targets });
	}

	// The backward; with lora the base is frozen (linears compute dinp only, LayerNorm's parameter gradients go to a
	// sink, the embedding's are skipped) and the adapter's backward follows each of a block's four linears.
	private encodeBackward(encoder: GPUCommandEncoder, b: GPTActivations, lora: WebGPULoraPass | null): void {
		const { nLayer: L } = this.config;
		const { ops } = b;
		const [w, g] = [this.params, this.grads];
		const linear = (op: MatmulOp, name: WebGPULinear, args: MatmulBackwardArgs) =>
			lora ? lora.inputGradient(encoder, name, args) : op.backward(encoder, args);
		const ln = (dweight: GPUTensor, dbias: GPUTensor) => lora?.layernormSink ?? { dweight, dbias };
		for (const buffer of [b.dencoded, ...b.dlayers.flatMap((d) => Object.values(d)), b.dlnf, b.dlogits]) encoder.clearBuffer(buffer);
		ops.crossEntropy.backward(encoder, { dlogits: b.dlogits, probs: b.probs, targets: b.targets });
		const wte = this.tensor(w, 'wte');
		linear(ops.head, 'head', { dinp: b.dlnf, dweight: this.tensor(g, 'wte'), dbias: null, dout: b.dlogits, inp: b.lnf, weight: wte });
		const last = L > 0 ? b.layers[L - 1].residual3 : b.encoded;
		const dlast = L > 0 ? b.dlayers[L - 1].residual3 : b.dencoded;
		ops.layernorm.backward(encoder, {
			dinp: dlast, ...ln(this.tensor(g, 'lnfw'), this.tensor(g, 'lnfb')), dout: b.dlnf,
			inp: last, weight: this.tensor(w, 'lnfw'), mean: b.lnfMean, rstd: b.lnfRstd
		});
		for (let l = L - 1; l >= 0; l--) {
			const p = this.layerTensors(w, l);
			const dp = this.layerTensors(g, l);
			const a = b.layers[l];
			const da = b.dlayers[l];
			const residual = l === 0 ? b.encoded : b.layers[l - 1].residual3;
			const dresidual = l === 0 ? b.dencoded : b.dlayers[l - 1].residual3;
			ops.residual.backward(encoder, { dinp1: da.residual2, dinp2: da.fcproj, dout: da.residual3 });
			linear(ops.fcproj, 'fcproj', { dinp: da.fchGelu, dweight: dp.fcprojw, dbias: dp.fcprojb, dout: da.fcproj, inp: a.fchGelu, weight: p.fcprojw });
			lora?.backward(encoder, 'fcproj', l, da.fchGelu, da.fcproj, a.fchGelu);
			ops.gelu.backward(encoder, { dinp: da.fch, inp: a.fch, dout: da.fchGelu });
			linear(ops.fc, 'fc', { dinp: da.ln2, dweight: dp.fcw, dbias: dp.fcb, dout: da.fch, inp: a.ln2, weight: p.fcw });
			lora?.backward(encoder, 'fc', l, da.ln2, da.fch, a.ln2);
			ops.layernorm.backward(encoder, {
				dinp: da.residual2, ...ln(dp.ln2w, dp.ln2b), dout: da.ln2, inp: a.residual2, weight: p.ln2w, mean: a.ln2Mean, rstd: a.ln2Rstd
			});
			ops.residual.backward(encoder, { dinp1: dresidual, dinp2: da.attproj, dout: da.residual2 });
			linear(ops.attproj, 'attproj', { dinp: da.atty, dweight: dp.attprojw, dbias: dp.attprojb, dout: da.attproj, inp: a.atty, weight: p.attprojw });
			lora?.backward(encoder, 'attproj', l, da.atty, da.attproj, a.atty);
			ops.attention.backward(encoder, { dinp: da.qkv, dscore: b.dscore, dout: da.atty, inp: a.qkv, att: a.att });
			linear(ops.qkv, 'qkv', { dinp: da.ln1, dweight: dp.qkvw, dbias: dp.qkvb, dout: da.qkv, inp: a.ln1, weight: p.qkvw });
			lora?.backward(encoder, 'qkv', l, da.ln1, da.qkv, a.ln1);
			ops.layernorm.backward(encoder, {
				dinp: dresidual, ...ln(dp.ln1w, dp.ln1b), dout: da.ln1, inp: residual, weight: p.ln1w, mean: a.ln1Mean, rstd: a.ln1Rstd
			});
		}
		if (!lora) ops.embedding.backward(encoder, { dwte: this.tensor(g, 'wte'), dwpe: this.tensor(g, 'wpe'), dout: b.dencoded, inp: b.inputs });
	}

	// A whole parameter tensor as a range of the flat buffer (params or grads).
	private tensor(buffer: GPUBuffer, name: ParameterName): GPUBufferBinding {
		const { offset, size } = this.layout[name];
		return { buffer, offset: offset * 4, size: size * 4 };
	}

	// Block l's slice of each per-layer tensor, as ranges of the flat buffer.
	private layerTensors(buffer: GPUBuffer, l: number): LayerParameters {
		const out = {} as LayerParameters;
		for (const name of LAYER_PARAMETERS) {
			const { offset, size } = this.layout[name];
			const slice = size / this.config.nLayer;
			out[name] = { buffer, offset: (offset + l * slice) * 4, size: slice * 4 };
		}
		return out;
	}

	// Builds the kernels and buffers for (B, T) and the backward's loss scale once; later steps reuse them.
	private activationsFor(B: number, T: number, lossScale: number): Promise<GPTActivations> {
		const key = `${B}x${T}x${lossScale}`;
		let activations = this.activations.get(key);
		if (!activations) {
			activations = createGPTActivations(this.cache, this.config, B, T, lossScale);
			activations.catch(() => this.activations.delete(key));
			this.activations.set(key, activations);
		}
		return activations;
	}
}

/** Creates a GPT on the cache's device, initialised from the seed as the CPU's createGPT; throws EngineConfigError. */
export async function createWebGPUGPT(cache: KernelCache, { config, seed = 0 }: CreateWebGPUGPTParameters): Promise<WebGPUGPT> {
	const layout = parameterLayout(config);
	const alignment = cache.device.limits.minStorageBufferOffsetAlignment;
	const misaligned = (Object.keys(layout) as ParameterName[]).filter((name) => {
		const { offset, size } = layout[name];
		const layerSlice = (LAYER_PARAMETERS as readonly ParameterName[]).includes(name) ? size / config.nLayer : 0;
		return (offset * 4) % alignment !== 0 || (layerSlice * 4) % alignment !== 0;
	});
	if (misaligned.length > 0) {
		throw new EngineConfigError('This model\'s parameter tensors are not aligned for WebGPU.', {
			details: `${misaligned.join(', ')} not on ${alignment}-byte boundaries.`,
			hint: `Use an nEmbd that is a multiple of ${alignment / 4}, or train on the CPU.`
		});
	}
	const weights = new Float32Array(parameterCount(config));
	initParameters(parameterViews(weights, layout), config, seed);
	const adamw = await createAdamW(cache, { P: weights.length });
	return new WebGPUGPT(cache, config, weights, adamw);
}
