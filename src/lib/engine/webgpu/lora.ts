// LoRA adapters on WebGPU, as lora/lora.ts and lora/loraLinear.ts on the CPU: params, grads and AdamW moments are each
// one flat buffer in the CPU adapter's layout (loraLayout), bound by per-block ranges. Every product reuses
// matmul.wgsl with its own strides; the one thing it cannot do, alpha / rank, is lora.wgsl on the (B*T, r) side. The
// forward keeps each block's scaled hidden for the backward; dloraA, dloraB and dinp accumulate with +=. A pass also
// holds the frozen base's backward pieces (input-gradient-only linears, a sink for LayerNorm's parameter gradients).
// Shapes: B batch, T time, N = B*T rows, C channels, V vocab, L layers, r rank, Cin/OC a layer's in/out features.
import type { GPTConfig } from '../config';
import type { GPTLinear, GPTUpdateOptions } from '../cpu/gpt';
import { EngineConfigError, EngineInputError } from '../errors';
import type { LoraConfig, LoraTarget } from '../lora/config';
import { loraTargetShape, type LoraAdapter, type LoraTensorLayout } from '../lora/lora';
import { type AdamWOp, createAdamW } from './adamw';
import { createTensor, readTensor } from './buffers';
import type { GPUTensor, Kernel, KernelCache } from './kernels';
import loraWgsl from './lora.wgsl?raw';
import { MATMUL_TILE, stridedProduct } from './matmul';

/** Invocations per workgroup of the scale kernel. */
const WORKGROUP = 256;

/** An adapter's resumable state on the GPU: params, m and v, (P_lora) each, and AdamW's step count. */
export type WebGPULoraState = { params: Float32Array; m: Float32Array; v: Float32Array; step: number };

/** A linear layer of the GPT: a block's four, or the tied output head. */
export type WebGPULinear = GPTLinear | 'head';

/** The encoders of one batch shape (B, T): the adapter's terms, and the frozen base's backward pieces. */
export type WebGPULoraPass = {
	/** out (N,OC) += scale * (inp (N,Cin) @ A^T) @ B^T for a targeted layer; a no-op for an untargeted one. */
	forward(encoder: GPUCommandEncoder, linear: GPTLinear, layer: number, out: GPUTensor, inp: GPUTensor): void;
	/** dB += dout^T @ (scale hidden), dA += dhidden^T @ inp, dinp += dhidden @ A, where dhidden = scale dout @ B. */
	backward(encoder: GPUCommandEncoder, linear: GPTLinear, layer: number, dinp: GPUTensor, dout: GPUTensor, inp: GPUTensor): void;
	/** dinp (N,Cin) += dout (N,OC) @ weight (OC,Cin): a frozen linear's backward, without weight and bias gradients. */
	inputGradient(encoder: GPUCommandEncoder, linear: WebGPULinear, args: { dinp: GPUTensor; dout: GPUTensor; weight: GPUTensor }): void;
	/** Where a frozen LayerNorm's parameter gradients go (a by-product of its kernels): thrown away, (C) each. */
	layernormSink: { dweight: GPUTensor; dbias: GPUTensor };
	/** Every buffer the pass allocated, for destroy(). */
	owned: GPUBuffer[];
};

// One targeted layer's kernels.
type TargetKernels = { hidden: Kernel; update: Kernel; dhidden: Kernel; dB: Kernel; dA: Kernel; dinp: Kernel };

/** A LoRA adapter whose buffers live on the GPU; attach it to a WebGPUGPT to train it on the frozen base. */
export class WebGPULoraAdapter {
	/** The base model's config. */
	readonly model: GPTConfig;
	readonly config: LoraConfig;
	/** alpha / rank. */
	readonly scale: number;
	/** The CPU adapter's layout: tensors in LORA_TARGETS order, A before B. */
	readonly layout: LoraTensorLayout[];
	/** Adapter parameters (P_lora). */
	readonly size: number;
	readonly params: GPUBuffer; // (P_lora)
	/** Gradients, (P_lora); cleared by a zeroGrad pass, accumulated by each frozen backward, clipped by the update. */
	readonly grads: GPUBuffer;
	readonly m: GPUBuffer; // (P_lora) AdamW first moments
	readonly v: GPUBuffer; // (P_lora) AdamW second moments
	/** Optimizer steps taken. */
	step: number;
	private readonly cache: KernelCache;
	private readonly adamw: AdamWOp;
	private readonly passes = new Map<string, Promise<WebGPULoraPass>>();

	/** Use createWebGPULoraAdapter, which builds the optimizer kernels first. */
	constructor(cache: KernelCache, adapter: LoraAdapter, adamw: AdamWOp) {
		const f32 = (x: Float32Array | Float64Array) => (x instanceof Float32Array ? x : Float32Array.from(x));
		const { device } = cache;
		this.cache = cache;
		this.adamw = adamw;
		this.model = adapter.model;
		this.config = adapter.config;
		this.scale = adapter.scale;
		this.layout = adapter.layout;
		this.size = adapter.params.length;
		this.params = createTensor(device, 'lora params', f32(adapter.params));
		this.grads = createTensor(device, 'lora grads', this.size);
		this.m = createTensor(device, 'lora adamw m', f32(adapter.m));
		this.v = createTensor(device, 'lora adamw v', f32(adapter.v));
		this.step = adapter.step;
	}

	/** Builds the kernels and buffers for (B, T) once; later steps reuse them. */
	pass(B: number, T: number): Promise<WebGPULoraPass> {
		const key = `${B}x${T}`;
		let pass = this.passes.get(key);
		if (!pass) {
			pass = createLoraPass(this.cache, this, B, T);
			pass.catch(() => this.passes.delete(key));
			this.passes.set(key, pass);
		}
		return pass;
	}

	/** Encodes clipping of the adapter's gradients (their norm alone) and one AdamW step on every A and B. */
	encodeUpdate(encoder: GPUCommandEncoder, update: GPTUpdateOptions): void {
		this.step += 1;
		const buffers = { params: this.params, grads: this.grads, m: this.m, v: this.v };
		// Weight decay on A and B alike, as loraUpdate.
		this.adamw.step(encoder, buffers, { step: this.step, maxGradNorm: update.maxGradNorm, ranges: [{ ...update, start: 0, count: this.size }] });
	}

	/** A block's A (r,Cin) and B (OC,r) as ranges of a flat adapter buffer (params or grads). */
	block(buffer: GPUBuffer, target: LoraTarget, layer: number): { A: GPUBufferBinding; B: GPUBufferBinding } | null {
		const range = (part: 'A' | 'B'): GPUBufferBinding | null => {
			const tensor = this.layout.find((t) => t.target === target && t.part === part);
			if (!tensor) return null;
			const slice = tensor.blockShape[0] * tensor.blockShape[1];
			return { buffer, offset: (tensor.offset + layer * slice) * 4, size: slice * 4 };
		};
		const [A, B] = [range('A'), range('B')];
		return A && B ? { A, B } : null;
	}

	/** Reads back params, m, v and the step count (waits for the queue). */
	async readState(): Promise<WebGPULoraState> {
		const step = this.step;
		const [params, m, v] = await Promise.all([this.params, this.m, this.v].map((b) => readTensor(this.cache.device, b, this.size)));
		return { params, m, v, step };
	}

	/** Overwrites params, m, v and the step count; throws EngineInputError on a size mismatch. */
	writeState({ params, m, v, step }: WebGPULoraState): void {
		if (params.length !== this.size || m.length !== this.size || v.length !== this.size) {
			throw new EngineInputError('The state does not fit this adapter.', {
				details: `The adapter has ${this.size} parameters; params ${params.length}, m ${m.length}, v ${v.length}.`
			});
		}
		const { queue } = this.cache.device;
		for (const [buffer, data] of [[this.params, params], [this.m, m], [this.v, v]] as const) queue.writeBuffer(buffer, 0, data);
		this.step = step;
	}

	/** Reads back the adapter's gradients, (P_lora) in the CPU adapter's layout. */
	readGradients(): Promise<Float32Array> {
		return readTensor(this.cache.device, this.grads, this.size);
	}

	/** Frees every buffer the adapter allocated. */
	async destroy(): Promise<void> {
		for (const buffer of [this.params, this.grads, this.m, this.v]) buffer.destroy();
		for (const pass of await Promise.all(this.passes.values())) for (const buffer of pass.owned) buffer.destroy();
		this.passes.clear();
	}
}

/** Uploads a CPU adapter (parameters, moments, step) to the cache's device; throws EngineConfigError when a block's
 * tensors would not sit on the storage offset alignment. */
export async function createWebGPULoraAdapter(cache: KernelCache, adapter: LoraAdapter): Promise<WebGPULoraAdapter> {
	const alignment = cache.device.limits.minStorageBufferOffsetAlignment;
	const misaligned = adapter.layout.filter(({ offset, blockShape }) => (offset * 4) % alignment !== 0 || (blockShape[0] * blockShape[1] * 4) % alignment !== 0);
	if (misaligned.length > 0) {
		throw new EngineConfigError('This adapter\'s tensors are not aligned for WebGPU.', {
			details: `${misaligned.map(({ target, part }) => `${target} ${part}`).join(', ')} not on ${alignment}-byte boundaries.`,
			hint: `Use an nEmbd that is a multiple of ${alignment / 4}.`
		});
	}
	const adamw = await createAdamW(cache, { P: adapter.params.length });
	return new WebGPULoraAdapter(cache, adapter, adamw);
}

// The kernels and buffers of one (B, T): per targeted layer six products, one scale kernel shared by all, and the
// frozen base's input-gradient products for the four linears and the head (the very kernels matmul.ts builds).
async function createLoraPass(cache: KernelCache, adapter: WebGPULoraAdapter, B: number, T: number): Promise<WebGPULoraPass> {
	const { nEmbd: C, nLayer: L, vocabSize: V } = adapter.model;
	const r = adapter.config.rank;
	const N = B * T;
	const product = (label: string, M: number, K: number, J: number, strides: number[], accumulate: boolean) =>
		stridedProduct(cache, { label, M, K, J, strides, accumulate });
	const targetKernels = async (target: LoraTarget): Promise<[LoraTarget, TargetKernels]> => {
		const { inFeatures: Cin, outFeatures: OC } = loraTargetShape(target, C);
		const [hidden, update, dhidden, dB, dA, dinp] = await Promise.all([
			product('lora hidden', N, Cin, r, [Cin, 1, 1, Cin], false), // hidden (N,r) = inp (N,Cin) @ A^T
			product('lora update', N, r, OC, [r, 1, 1, r], true), // out (N,OC) += (scale hidden) (N,r) @ B^T
			product('lora dhidden', N, OC, r, [OC, 1, r, 1], false), // dhidden (N,r) = dout (N,OC) @ B (OC,r)
			product('lora dB', OC, N, r, [1, OC, r, 1], true), // dB (OC,r) += dout^T (OC,N) @ (scale hidden) (N,r)
			product('lora dA', r, N, Cin, [1, r, Cin, 1], true), // dA (r,Cin) += (scale dhidden)^T (r,N) @ inp (N,Cin)
			product('lora dinp', N, r, Cin, [r, 1, Cin, 1], true) // dinp (N,Cin) += (scale dhidden) (N,r) @ A (r,Cin)
		]);
		return [target, { hidden, update, dhidden, dB, dA, dinp }];
	};
	const linearShapes: Record<WebGPULinear, [number, number]> = { qkv: [C, 3 * C], attproj: [C, C], fc: [C, 4 * C], fcproj: [4 * C, C], head: [C, V] };
	const inputGradientKernel = async (linear: WebGPULinear): Promise<[WebGPULinear, Kernel]> => {
		const [Cin, OC] = linearShapes[linear];
		return [linear, await product('matmul dinp', N, OC, Cin, [OC, 1, Cin, 1], true)]; // dinp (N,Cin) += dout @ weight
	};
	const [targets, inputGradients, scaleKernel] = await Promise.all([
		Promise.all(adapter.config.targets.map(targetKernels)),
		Promise.all((Object.keys(linearShapes) as WebGPULinear[]).map(inputGradientKernel)),
		cache.kernel({ label: 'lora scale', code: loraWgsl, bindings: ['write', 'read'], constants: { WORKGROUP, N: N * r, SCALE: adapter.scale } })
	]);
	const kernels = Object.fromEntries(targets) as Partial<Record<LoraTarget, TargetKernels>>;
	const frozenLinears = Object.fromEntries(inputGradients) as Record<WebGPULinear, Kernel>;
	const owned: GPUBuffer[] = [];
	const tensor = (label: string, length: number) => {
		const buffer = createTensor(cache.device, `lora ${label} (${B}x${T})`, length);
		owned.push(buffer);
		return buffer;
	};
	// (scale hidden) of each block and target, (N,r), kept from the forward for dB.
	const scaledHidden = new Map<string, GPUBuffer>();
	for (let l = 0; l < L; l++) for (const target of adapter.config.targets) scaledHidden.set(`${l} ${target}`, tensor(`layer ${l} ${target} scaled hidden`, N * r));
	const hidden = tensor('hidden', N * r); // (N,r) scratch
	const dhidden = tensor('dhidden', N * r); // (N,r) scratch
	const dscaled = tensor('scaled dhidden', N * r); // (N,r) scratch
	const sink = tensor('layernorm gradient sink', 2 * C); // (2C) thrown away
	const groups = (M: number, J: number) => [Math.ceil(J / MATMUL_TILE), Math.ceil(M / MATMUL_TILE)] as const;
	return {
		forward(encoder, linear, layer, out, inp) {
			const k = kernels[linear];
			const w = adapter.block(adapter.params, linear, layer);
			if (!k || !w) return;
			const { outFeatures: OC } = loraTargetShape(linear, C);
			const hs = scaledHidden.get(`${layer} ${linear}`) as GPUBuffer;
			cache.dispatch(encoder, k.hidden, [hidden, inp, w.A, w.A], groups(N, r));
			cache.dispatchLinear(encoder, scaleKernel, [hs, hidden], N * r, WORKGROUP);
			cache.dispatch(encoder, k.update, [out, hs, w.B, w.B], groups(N, OC));
		},
		backward(encoder, linear, layer, dinp, dout, inp) {
			const k = kernels[linear];
			const w = adapter.block(adapter.params, linear, layer);
			const g = adapter.block(adapter.grads, linear, layer);
			if (!k || !w || !g) return;
			const { inFeatures: Cin, outFeatures: OC } = loraTargetShape(linear, C);
			const hs = scaledHidden.get(`${layer} ${linear}`) as GPUBuffer;
			cache.dispatch(encoder, k.dhidden, [dhidden, dout, w.B, w.B], groups(N, r));
			cache.dispatchLinear(encoder, scaleKernel, [dscaled, dhidden], N * r, WORKGROUP);
			cache.dispatch(encoder, k.dB, [g.B, dout, hs, hs], groups(OC, r));
			cache.dispatch(encoder, k.dA, [g.A, dscaled, inp, inp], groups(r, Cin));
			cache.dispatch(encoder, k.dinp, [dinp, dscaled, w.A, w.A], groups(N, Cin));
		},
		inputGradient(encoder, linear, { dinp, dout, weight }) {
			cache.dispatch(encoder, frozenLinears[linear], [dinp, dout, weight, weight], groups(N, linearShapes[linear][0]));
		},
		layernormSink: { dweight: { buffer: sink, offset: 0, size: C * 4 }, dbias: { buffer: sink, offset: C * 4, size: C * 4 } },
		owned
	};
}
