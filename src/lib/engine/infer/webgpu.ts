// The WebGPU decoder: cpu.ts's KV-cache decoder on the GPU, built from the training kernels (embedding, LayerNorm,
// matmul, GELU, residual, and the causal attention for the prefill) plus two small ones: cacheAppend.wgsl writes new
// keys and values into the cache, attentionDecode.wgsl attends one query over it. Kernels are specialised to two row
// counts only, so nothing compiles per prompt: a step runs 1 row, a prefill always runs blockSize rows (the prompt,
// then id-0 padding whose cache entries each later step overwrites before reading). Every call is one submission that
// reads back only the last position's logits. Shapes: C channels, V vocab, L layers, NH heads, HS = C/NH, maxT blockSize.
import { type GPTConfig, parameterCount } from '../config';
import { EngineConfigError, EngineInputError } from '../errors';
import { parameterLayout, type ParameterLayout, type ParameterName } from '../params';
import { createAttention, type AttentionOp } from '../webgpu/attention';
import { createTensor } from '../webgpu/buffers';
import { WebGPUError } from '../webgpu/device';
import { createEmbedding, type EmbeddingOp } from '../webgpu/embedding';
import { createGelu, type GeluOp } from '../webgpu/gelu';
import type { GPUTensor, Kernel, KernelCache } from '../webgpu/kernels';
import { createLayernorm, type LayernormOp } from '../webgpu/layernorm';
import { createMatmul, type MatmulOp } from '../webgpu/matmul';
import { createResidual, type ResidualOp } from '../webgpu/residual';
import attentionDecodeWgsl from './attentionDecode.wgsl?raw';
import cacheAppendWgsl from './cacheAppend.wgsl?raw';
import { checkTokens, type Decoder, promptWindow, slideContext } from './decoder';

/** Options for createWebGPUDecoder. */
export type CreateWebGPUDecoderParameters = {
	config: GPTConfig;
	/** All parameters, (P) in params.ts's layout: host floats (uploaded once) or a GPU buffer (a WebGPUGPT's params, used in place). */
	params: Float32Array | GPUBuffer;
};

/** Invocations per workgroup of the two decoder kernels. */
const WORKGROUP = 64;

const LAYER_PARAMETERS = [
	'ln1w', 'ln1b', 'qkvw', 'qkvb', 'attprojw', 'attprojb', 'ln2w', 'ln2b', 'fcw', 'fcb', 'fcprojw', 'fcprojb'
] as const satisfies readonly ParameterName[];

type LayerParameters = Record<(typeof LAYER_PARAMETERS)[number], GPUTensor>;

// The ops of one row count: 1 for a step, maxT for a prefill.
type RowOps = {
	rows: number;
	embedding: EmbeddingOp;
	layernorm: LayernormOp;
	qkv: MatmulOp;
	attproj: MatmulOp;
	fc: MatmulOp;
	fcproj: MatmulOp;
	residual: ResidualOp;
	gelu: GeluOp;
	append: Kernel;
};

type DecoderKernels = { step: RowOps; prefill: RowOps; attention: AttentionOp; decodeAttention: Kernel; head: MatmulOp };

// Buffers sized for maxT rows; a step uses their first row.
type DecoderBuffers = {
	ids: GPUBuffer; // (maxT) i32
	x: GPUBuffer; // (maxT,C) residual stream, in and out of each block
	x2: GPUBuffer; // (maxT,C) residual stream after attention
	ln: GPUBuffer; // (maxT,C)
	mean: GPUBuffer; // (maxT)
	rstd: GPUBuffer; // (maxT)
	qkv: GPUBuffer; // (maxT,3C)
	y: GPUBuffer; // (maxT,C) attention output
	proj: GPUBuffer; // (maxT,C)
	fch: GPUBuffer; // (maxT,4C)
	fchGelu: GPUBuffer; // (maxT,4C)
	att: GPUBuffer; // (NH,maxT,maxT) prefill attention weights; (NH,maxT) scratch of a step
	keys: GPUBuffer; // (L,NH,maxT,HS)
	values: GPUBuffer; // (L,NH,maxT,HS)
	logits: GPUBuffer; // (V) of the last position
	state: GPUBuffer; // uniform { pos }
	staging: GPUBuffer; // (V) mapped for readback
};

/** A decoder whose weights, KV cache and activations live on one GPU device. */
export class WebGPUDecoder implements Decoder {
	readonly backend = 'webgpu';
	readonly config: GPTConfig;
	private readonly cache: KernelCache;
	private readonly layout: ParameterLayout;
	private readonly params: GPUBuffer;
	private readonly kernels: DecoderKernels;
	private readonly buffers: DecoderBuffers;
	private readonly owned: GPUBuffer[];
	private readonly tokens: number[] = [];
	private busy = false;

	/** Use createWebGPUDecoder, which checks the config and builds the kernels. */
	constructor(cache: KernelCache, config: GPTConfig, params: GPUBuffer, kernels: DecoderKernels, buffers: DecoderBuffers, owned: GPUBuffer[]) {
		this.cache = cache;
		this.config = config;
		this.layout = parameterLayout(config);
		this.params = params;
		this.kernels = kernels;
		this.buffers = buffers;
		this.owned = owned;
	}

	get length(): number {
		return this.tokens.length;
	}

	async prefill(tokens: ArrayLike<number>): Promise<Float32Array> {
		const window = promptWindow(tokens, this.config.blockSize);
		checkTokens(window, this.config.vocabSize);
		const padded = new Int32Array(this.config.blockSize);
		padded.set(window);
		const logits = await this.run(padded, 0, this.kernels.prefill, window.length - 1);
		this.tokens.splice(0, this.tokens.length, ...window);
		return logits;
	}

	async step(token: number): Promise<Float32Array> {
		checkTokens([token], this.config.vocabSize);
		if (this.tokens.length === 0) throw new EngineInputError('step needs a prefill first.');
		if (this.tokens.length === this.config.blockSize) return this.prefill(slideContext(this.tokens, token, this.config.blockSize));
		const logits = await this.run(Int32Array.of(token), this.tokens.length, this.kernels.step, 0);
		this.tokens.push(token);
		return logits;
	}

	destroy(): void {
		for (const buffer of this.owned) buffer.destroy();
		this.tokens.length = 0;
	}

	// One submission: ids at positions pos.. through every block (appending their keys and values to the cache), then
	// the final LayerNorm and the head on row `last` only, and a copy of its logits out.
	private async run(ids: Int32Array, pos: number, ops: RowOps, last: number): Promise<Float32Array> {
		if (this.busy) throw new EngineInputError('The decoder is already running a step; await it first.');
		this.busy = true;
		try {
			const { device } = this.cache;
			const { vocabSize: V, nLayer: L, nHead: NH, nEmbd: C } = this.config;
			const b = this.buffers;
			const { attention, decodeAttention, head } = this.kernels;
			device.queue.writeBuffer(b.ids, 0, ids);
			device.queue.writeBuffer(b.state, 0, Uint32Array.of(pos, 0, 0, 0));
			const encoder = device.createCommandEncoder({ label: ops.rows === 1 ? 'decoder step' : 'decoder prefill' });
			const wpe = this.tensor('wpe');
			const positions = { buffer: this.params, offset: (wpe.offset ?? 0) + pos * C * 4, size: ops.rows * C * 4 };
			ops.embedding.forward(encoder, { out: b.x, inp: b.ids, wte: this.tensor('wte'), wpe: positions });
			for (let l = 0; l < L; l++) {
				const p = this.layerTensors(l);
				const cacheSlice = (buffer: GPUBuffer) => ({ buffer, offset: l * this.config.blockSize * C * 4, size: this.config.blockSize * C * 4 });
				const [keys, values] = [cacheSlice(b.keys), cacheSlice(b.values)];
				ops.layernorm.forward(encoder, { out: b.ln, mean: b.mean, rstd: b.rstd, inp: b.x, weight: p.ln1w, bias: p.ln1b });
				ops.qkv.forward(encoder, { out: b.qkv, inp: b.ln, weight: p.qkvw, bias: p.qkvb });
				this.cache.dispatchLinear(encoder, ops.append, [keys, values, b.qkv, b.state], ops.rows * C, WORKGROUP);
				if (ops.rows === 1) this.cache.dispatch(encoder, decodeAttention, [b.y, b.att, keys, values, b.qkv, b.state], [NH]);
				else attention.forward(encoder, { out: b.y, att: b.att, inp: b.qkv });
				ops.attproj.forward(encoder, { out: b.proj, inp: b.y, weight: p.attprojw, bias: p.attprojb });
				ops.residual.forward(encoder, { out: b.x2, inp1: b.x, inp2: b.proj });
				ops.layernorm.forward(encoder, { out: b.ln, mean: b.mean, rstd: b.rstd, inp: b.x2, weight: p.ln2w, bias: p.ln2b });
				ops.fc.forward(encoder, { out: b.fch, inp: b.ln, weight: p.fcw, bias: p.fcb });
				ops.gelu.forward(encoder, { out: b.fchGelu, inp: b.fch });
				ops.fcproj.forward(encoder, { out: b.proj, inp: b.fchGelu, weight: p.fcprojw, bias: p.fcprojb });
				ops.residual.forward(encoder, { out: b.x, inp1: b.x2, inp2: b.proj });
			}
			const row = { buffer: b.x, offset: last * C * 4, size: C * 4 };
			const lnRow = { buffer: b.ln, offset: 0, size: C * 4 };
			const { step } = this.kernels;
			step.layernorm.forward(encoder, { out: lnRow, mean: b.mean, rstd: b.rstd, inp: row, weight: this.tensor('lnfw'), bias: this.tensor('lnfb') });
			head.forward(encoder, { out: b.logits, inp: lnRow, weight: this.tensor('wte'), bias: null });
			encoder.copyBufferToBuffer(b.logits, 0, b.staging, 0, V * 4);
			device.queue.submit([encoder.finish()]);
			try {
				await b.staging.mapAsync(GPUMapMode.READ);
			} catch (cause) {
				throw new WebGPUError('lost', 'Reading the logits back from the GPU failed.', { cause, details: String(cause) });
			}
			const logits = new Float32Array(b.staging.getMappedRange().slice(0));
			b.staging.unmap();
			return logits;
		} finally {
			this.busy = false;
		}
	}

	// A whole parameter tensor as a range of the flat buffer.
	private tensor(name: ParameterName): GPUBufferBinding {
		const { offset, size } = this.layout[name];
		return { buffer: this.params, offset: offset * 4, size: size * 4 };
	}

	// Block l's slice of each per-layer tensor.
	private layerTensors(l: number): LayerParameters {
		const out = {} as LayerParameters;
		for (const name of LAYER_PARAMETERS) {
			const { offset, size } = this.layout[name];
			const slice = size / this.config.nLayer;
			out[name] = { buffer: this.params, offset: (offset + l * slice) * 4, size: slice * 4 };
		}
		return out;
	}
}

/** Builds the decoder's kernels and buffers on the cache's device; throws EngineConfigError for a config or parameter
 * count it cannot run, WebGPUError when a kernel does not compile. */
export async function createWebGPUDecoder(cache: KernelCache, { config, params }: CreateWebGPUDecoderParameters): Promise<WebGPUDecoder> {
	const { device } = cache;
	const { vocabSize: V, blockSize: maxT, nLayer: L, nHead: NH, nEmbd: C } = config;
	// Every tensor offset, layer slice, position row and cache slice is a multiple of C floats.
	const alignment = device.limits.minStorageBufferOffsetAlignment;
	if ((C * 4) % alignment !== 0) {
		throw new EngineConfigError('This model\'s parameter tensors are not aligned for WebGPU.', {
			details: `nEmbd ${C} floats is not a multiple of ${alignment} bytes.`,
			hint: `Use an nEmbd that is a multiple of ${alignment / 4}, or run the model on the CPU.`
		});
	}
	const P = parameterCount(config);
	const size = params instanceof Float32Array ? params.length : params.size / 4;
	if (params instanceof Float32Array ? size !== P : size < P) {
		throw new EngineConfigError('The parameters do not fit the model config.', { details: `Expected ${P} floats for this config, got ${size}.` });
	}
	const rowOps = async (rows: number): Promise<RowOps> => {
		const [embedding, layernorm, qkv, attproj, fc, fcproj, residual, gelu, append] = await Promise.all([
			createEmbedding(cache, { B: 1, T: rows, C }),
			createLayernorm(cache, { B: 1, T: rows, C }),
			createMatmul(cache, { B: 1, T: rows, C, OC: 3 * C }),
			createMatmul(cache, { B: 1, T: rows, C, OC: C }),
			createMatmul(cache, { B: 1, T: rows, C, OC: 4 * C }),
			createMatmul(cache, { B: 1, T: rows, C: 4 * C, OC: C }),
			createResidual(cache, { N: rows * C }),
			createGelu(cache, { N: rows * 4 * C }),
			cache.kernel({
				label: 'decoder cache append', code: cacheAppendWgsl, bindings: ['write', 'write', 'read', 'uniform'],
				constants: { WORKGROUP, ROWS: rows, C, NH, MAXT: maxT }
			})
		]);
		return { rows, embedding, layernorm, qkv, attproj, fc, fcproj, residual, gelu, append };
	};
	const [step, prefill, attention, decodeAttention, head] = await Promise.all([
		rowOps(1),
		rowOps(maxT),
		createAttention(cache, { B: 1, T: maxT, C, NH }),
		cache.kernel({
			label: 'decoder attention', code: attentionDecodeWgsl, bindings: ['write', 'write', 'read', 'read', 'read', 'uniform'],
			constants: { WORKGROUP, C, NH, MAXT: maxT }
		}),
		createMatmul(cache, { B: 1, T: 1, C, OC: V })
	]);
	const owned: GPUBuffer[] = [];
	const tensor = (label: string, data: Float32Array | number) => {
		const buffer = createTensor(device, `decoder ${label}`, data);
		owned.push(buffer);
		return buffer;
	};
	const special = (label: string, bytes: number, usage: number) => {
		const buffer = device.createBuffer({ label: `decoder ${label}`, size: bytes, usage });
		owned.push(buffer);
		return buffer;
	};
	const weights = params instanceof Float32Array ? tensor('params', params) : params;
	const buffers: DecoderBuffers = {
		ids: tensor('ids', maxT),
		x: tensor('x', maxT * C),
		x2: tensor('x2', maxT * C),
		ln: tensor('ln', maxT * C),
		mean: tensor('mean', maxT),
		rstd: tensor('rstd', maxT),
		qkv: tensor('qkv', maxT * 3 * C),
		y: tensor('y', maxT * C),
		proj: tensor('proj', maxT * C),
		fch: tensor('fch', maxT * 4 * C),
		fchGelu: tensor('fchGelu', maxT * 4 * C),
		att: tensor('att', NH * maxT * maxT),
		keys: tensor('keys', L * maxT * C),
		values: tensor('values', L * maxT * C),
		logits: tensor('logits', V),
		state: special('state', 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
		staging: special('logits readback', V * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST)
	};
	return new WebGPUDecoder(cache, config, weights, { step, prefill, attention, decodeAttention, head }, buffers, owned);
}
