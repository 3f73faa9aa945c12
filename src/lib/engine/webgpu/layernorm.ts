// LayerNorm on the GPU (as cpu/layernorm.ts: eps 1e-5, biased variance, mean and rstd stored for the backward). Rows
// are one invocation each; the parameter gradients are a separate per-channel pass, so nothing needs atomics. All
// gradients (dinp too) accumulate with +=. Shapes: B batch, T time, C channels.
import type { GPUTensor, KernelCache } from './kernels';
import layernormBackwardWgsl from './layernormBackward.wgsl?raw';
import layernormForwardWgsl from './layernormForward.wgsl?raw';
import layernormParamsBackwardWgsl from './layernormParamsBackward.wgsl?raw';

/** Invocations per workgroup. */
const WORKGROUP = 64;

/** Buffers of the forward pass. */
export type LayernormForwardArgs = {
	out: GPUTensor; // (B,T,C)
	mean: GPUTensor; // (B,T)
	rstd: GPUTensor; // (B,T)
	inp: GPUTensor; // (B,T,C)
	weight: GPUTensor; // (C)
	bias: GPUTensor; // (C)
};

/** Buffers of the backward pass. */
export type LayernormBackwardArgs = {
	dinp: GPUTensor; // (B,T,C)
	dweight: GPUTensor; // (C)
	dbias: GPUTensor; // (C)
	dout: GPUTensor; // (B,T,C)
	inp: GPUTensor; // (B,T,C)
	weight: GPUTensor; // (C)
	mean: GPUTensor; // (B,T)
	rstd: GPUTensor; // (B,T)
};

/** The encoders of one LayerNorm shape. */
export type LayernormOp = {
	forward(encoder: GPUCommandEncoder, args: LayernormForwardArgs): void;
	backward(encoder: GPUCommandEncoder, args: LayernormBackwardArgs): void;
};

/** Builds (or fetches from the cache) the LayerNorm kernels for one shape. */
export async function createLayernorm(cache: KernelCache, { B, T, C }: { B: number; T: number; C: number }): Promise<LayernormOp> {
	const N = B * T;
	const constants = { WORKGROUP, N, C };
	const rows = ['write', 'read', 'read', 'read', 'read', 'read'] as const;
	const [forward, backward, paramsBackward] = await Promise.all([
		cache.kernel({ label: 'layernorm forward', code: layernormForwardWgsl, bindings: ['write', 'write', 'write', 'read', 'read', 'read'], constants }),
		cache.kernel({ label: 'layernorm backward', code: layernormBackwardWgsl, bindings: rows, constants }),
		cache.kernel({ label: 'layernorm params backward', code: layernormParamsBackwardWgsl, bindings: ['write', 'write', 'read', 'read', 'read', 'read'], constants })
	]);
	return {
		forward(encoder, { out, mean, rstd, inp, weight, bias }) {
			cache.dispatchLinear(encoder, forward, [out, mean, rstd, inp, weight, bias], N, WORKGROUP);
		},
		backward(encoder, { dinp, dweight, dbias, dout, inp, weight, mean, rstd }) {
			cache.dispatchLinear(encoder, backward, [dinp, dout, inp, weight, mean, rstd], N, WORKGROUP);
			cache.dispatchLinear(encoder, paramsBackward, [dweight, dbias, dout, inp, mean, rstd], C, WORKGROUP);
		}
	};
}
