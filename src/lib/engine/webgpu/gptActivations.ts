// What a GPT needs per batch shape (B, T) on WebGPU: the op kernels specialised to it, one buffer per activation (as
// cpu/gpt.ts's views), the gradients of only those activations the backward accumulates into, and the token buffers.
// Shapes: B batch, T time, C channels, V vocab, L layers, NH heads.
import type { GPTConfig } from '../config';
import { type AttentionOp, createAttention } from './attention';
import { createTensor } from './buffers';
import { type CrossEntropyOp, createCrossEntropy } from './crossEntropy';
import { createEmbedding, type EmbeddingOp } from './embedding';
import { createGelu, type GeluOp } from './gelu';
import type { KernelCache } from './kernels';
import { createLayernorm, type LayernormOp } from './layernorm';
import { createMatmul, type MatmulOp } from './matmul';
import { createResidual, type ResidualOp } from './residual';

const LAYER_ACTIVATIONS = [
	'ln1', 'ln1Mean', 'ln1Rstd', 'qkv', 'atty', 'att', 'attproj', 'residual2',
	'ln2', 'ln2Mean', 'ln2Rstd', 'fch', 'fchGelu', 'fcproj', 'residual3'
] as const;
// Activations whose gradients the backward accumulates; the others (means, rstds, att) need none.
const LAYER_GRADIENTS = ['ln1', 'qkv', 'atty', 'attproj', 'residual2', 'ln2', 'fch', 'fchGelu', 'fcproj', 'residual3'] as const;

/** One block's activations. */
export type LayerActivations = Record<(typeof LAYER_ACTIVATIONS)[number], GPUBuffer>;

/** Gradients of one block's activations. */
export type LayerGradients = Record<(typeof LAYER_GRADIENTS)[number], GPUBuffer>;

/** Everything sized by (B, T): the kernels specialised to it, the activations, their gradients and the token buffers. */
export type GPTActivations = {
	B: number;
	T: number;
	inputs: GPUBuffer; // (B,T) i32
	targets: GPUBuffer; // (B,T) i32
	encoded: GPUBuffer; // (B,T,C)
	layers: LayerActivations[]; // (L)
	lnf: GPUBuffer; // (B,T,C)
	lnfMean: GPUBuffer; // (B,T)
	lnfRstd: GPUBuffer; // (B,T)
	logits: GPUBuffer; // (B,T,V)
	probs: GPUBuffer; // (B,T,V)
	losses: GPUBuffer; // (B,T)
	loss: GPUBuffer; // (1) mean loss of the last forward
	dencoded: GPUBuffer; // (B,T,C)
	dlayers: LayerGradients[]; // (L)
	dlnf: GPUBuffer; // (B,T,C)
	dlogits: GPUBuffer; // (B,T,V)
	dscore: GPUBuffer; // (B,NH,T,T) attention scratch, shared by the layers
	owned: GPUBuffer[]; // every buffer above, for destroy()
	ops: GPTOps;
};

/** The op encoders for one (B, T). */
export type GPTOps = {
	embedding: EmbeddingOp;
	layernorm: LayernormOp;
	qkv: MatmulOp;
	attention: AttentionOp;
	attproj: MatmulOp;
	residual: ResidualOp;
	fc: MatmulOp;
	gelu: GeluOp;
	fcproj: MatmulOp;
	head: MatmulOp;
	crossEntropy: CrossEntropyOp;
};

/** Builds (or fetches from the cache) the kernels for (B, T) and allocates its buffers, zeroed; the backward seeds the
 * mean loss with gradient dloss (1, or 1 / accum when micro-batches accumulate into one step). */
export async function createGPTActivations(cache: KernelCache, config: GPTConfig, B: number, T: number, dloss = 1): Promise<GPTActivations> {
	const { vocabSize: V, nHead: NH, nEmbd: C, nLayer: L } = config;
	const N = B * T;
	const [embedding, layernorm, qkv, attention, attproj, residual, fc, gelu, fcproj, head, crossEntropy] = await Promise.all([
		createEmbedding(cache, { B, T, C }),
		createLayernorm(cache, { B, T, C }),
		createMatmul(cache, { B, T, C, OC: 3 * C }),
		createAttention(cache, { B, T, C, NH }),
		createMatmul(cache, { B, T, C, OC: C }),
		createResidual(cache, { N: N * C }),
		createMatmul(cache, { B, T, C, OC: 4 * C }),
		createGelu(cache, { N: N * 4 * C }),
		createMatmul(cache, { B, T, C: 4 * C, OC: C }),
		createMatmul(cache, { B, T, C, OC: V }),
		createCrossEntropy(cache, { B, T, V, dloss })
	]);
	const layerSizes = {
		ln1: N * C, ln1Mean: N, ln1Rstd: N, qkv: N * 3 * C, atty: N * C, att: B * NH * T * T, attproj: N * C,
		residual2: N * C, ln2: N * C, ln2Mean: N, ln2Rstd: N, fch: N * 4 * C, fchGelu: N * 4 * C, fcproj: N * C, residual3: N * C
	} satisfies Record<keyof LayerActivations, number>;
	const owned: GPUBuffer[] = [];
	const tensor = (label: string, length: number) => {
		const buffer = createTensor(cache.device, `gpt ${label} (${B}x${T})`, length);
		owned.push(buffer);
		return buffer;
	};
	const tensors = <K extends keyof LayerActivations>(prefix: string, names: readonly K[]) =>
		Object.fromEntries(names.map((name) => [name, tensor(`${prefix}${name}`, layerSizes[name])])) as Record<K, GPUBuffer>;
	return {
		B,
		T,
		inputs: tensor('inputs', N),
		targets: tensor('targets', N),
		encoded: tensor('encoded', N * C),
		layers: Array.from({ length: L }, (_, l) => tensors(`layer ${l} `, LAYER_ACTIVATIONS)),
		lnf: tensor('lnf', N * C),
		lnfMean: tensor('lnfMean', N),
		lnfRstd: tensor('lnfRstd', N),
		logits: tensor('logits', N * V),
		probs: tensor('probs', N * V),
		losses: tensor('losses', N),
		loss: tensor('loss', 1),
		dencoded: tensor('dencoded', N * C),
		dlayers: Array.from({ length: L }, (_, l) => tensors(`layer ${l} d`, LAYER_GRADIENTS)),
		dlnf: tensor('dlnf', N * C),
		dlogits: tensor('dlogits', N * V),
		dscore: tensor('dscore', B * NH * T * T),
		owned,
		ops: { embedding, layernorm, qkv, attention, attproj, residual, fc, gelu, fcproj, head, crossEntropy }
	};
}
