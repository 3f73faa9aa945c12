// AdamW with global-norm gradient clipping on the GPU, as gptUpdate composes cpu/adamw.ts: strided sums of squares
// per invocation, a one-workgroup finish writing {norm, coefficient}, then one AdamW pass per parameter range that
// applies the coefficient. Uniforms are written with queue.writeBuffer while encoding, so submit before the next step.
// Shapes: P parameters; params, grads, m and v are all (P).
import type { AdamWOptions } from '../cpu/adamw';
import type { GPUTensor, KernelCache } from './kernels';
import adamwWgsl from './adamw.wgsl?raw';
import gradNormFinishWgsl from './gradNormFinish.wgsl?raw';
import gradNormPartialWgsl from './gradNormPartial.wgsl?raw';

/** Invocations per workgroup of the norm and update passes. */
const WORKGROUP = 256;

/** Squares per invocation of the first norm pass, at most, until the pass reaches MAX_PARTIALS invocations. */
const SQUARES_PER_PARTIAL = 64;

/** Most partial sums: 256 workgroups, enough to keep a large GPU busy on a 30M-parameter model. */
const MAX_PARTIALS = 256 * WORKGROUP;

/** The largest f32: the clip threshold that never clips, since WGSL may assume no infinities. */
const F32_MAX = 3.4028234663852886e38;

/** Bytes of the Range uniform: seven f32 and two u32, padded to 16. */
const RANGE_BYTES = 48;

/** The optimizer's state buffers. */
export type AdamWBuffers = {
	params: GPUTensor; // (P)
	grads: GPUTensor; // (P) clipped in place
	m: GPUTensor; // (P) first moments
	v: GPUTensor; // (P) second moments
};

/** One range of the flat buffers updated with its own hyperparameters (gptUpdate: decay on matrices only). */
export type AdamWRange = AdamWOptions & { start: number; count: number };

/** What one optimizer step needs. */
export type AdamWStepParameters = {
	/** Step counting from 1, for the bias corrections. */
	step: number;
	/** Gradients are scaled down to this global L2 norm when larger (Infinity disables clipping). */
	maxGradNorm: number;
	ranges: readonly AdamWRange[];
};

/** The encoder of an optimizer step over P parameters, and where it leaves the norm. */
export type AdamWOp = {
	/** (2) the gradient norm before clipping and the coefficient applied, written by each step. */
	clip: GPUBuffer;
	step(encoder: GPUCommandEncoder, buffers: AdamWBuffers, parameters: AdamWStepParameters): void;
};

/** Builds (or fetches from the cache) the clipping and AdamW kernels for P parameters. */
export async function createAdamW(cache: KernelCache, { P }: { P: number }): Promise<AdamWOp> {
	const { device } = cache;
	const PARTIALS = Math.min(MAX_PARTIALS, Math.ceil(P / SQUARES_PER_PARTIAL / WORKGROUP) * WORKGROUP);
	const [partial, finish, update] = await Promise.all([
		cache.kernel({ label: 'grad norm partial', code: gradNormPartialWgsl, bindings: ['write', 'read'], constants: { WORKGROUP, PARTIALS, P } }),
		cache.kernel({ label: 'grad norm finish', code: gradNormFinishWgsl, bindings: ['write', 'read', 'uniform'], constants: { WORKGROUP, PARTIALS } }),
		cache.kernel({ label: 'adamw', code: adamwWgsl, bindings: ['write', 'write', 'write', 'write', 'read', 'uniform'], constants: { WORKGROUP } })
	]);
	const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC;
	const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
	const partials = device.createBuffer({ label: 'grad norm partials', size: PARTIALS * 4, usage: storage });
	const clip = device.createBuffer({ label: 'grad norm and clip coefficient', size: 8, usage: storage });
	const clipOptions = device.createBuffer({ label: 'grad clip options', size: 16, usage: uniform });
	const rangeUniforms: GPUBuffer[] = []; // one per range index, created on first use
	const rangeData = new ArrayBuffer(RANGE_BYTES);
	const rangeFloats = new Float32Array(rangeData, 0, 7);
	const rangeInts = new Uint32Array(rangeData, 28, 2);
	return {
		clip,
		step(encoder, { params, grads, m, v }, { step, maxGradNorm, ranges }) {
			device.queue.writeBuffer(clipOptions, 0, Float32Array.of(Math.min(maxGradNorm, F32_MAX)));
			cache.dispatch(encoder, partial, [partials, grads], [PARTIALS / WORKGROUP]);
			cache.dispatch(encoder, finish, [clip, partials, clipOptions], [1]);
			ranges.forEach((range, i) => {
				if (range.start < 0 || range.count < 0 || range.start + range.count > P) {
					throw new RangeError(`AdamW range [${range.start}, ${range.start + range.count}) is outside ${P} parameters.`);
				}
				rangeUniforms[i] ??= device.createBuffer({ label: `adamw range ${i}`, size: RANGE_BYTES, usage: uniform });
				const { learningRate, beta1, beta2, eps, weightDecay } = range;
				rangeFloats.set([learningRate, beta1, beta2, eps, weightDecay, 1 - beta1 ** step, 1 - beta2 ** step]);
				rangeInts.set([range.start, range.count]);
				device.queue.writeBuffer(rangeUniforms[i], 0, rangeData);
				cache.dispatchLinear(encoder, update, [params, grads, m, v, clip, rangeUniforms[i]], range.count, WORKGROUP);
			});
		}
	};
}
