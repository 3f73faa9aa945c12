// GELU on the GPU (tanh approximation, as cpu/gelu.ts): one invocation per element; the backward recomputes tanh
// from the input and accumulates dinp with +=. Shapes: N elements (B*T*4C in the MLP).
import type { GPUTensor, KernelCache } from './kernels';
import geluBackwardWgsl from './geluBackward.wgsl?raw';
import geluForwardWgsl from './geluForward.wgsl?raw';

/** Invocations per workgroup. */
const WORKGROUP = 256;

/** The encoders of GELU over N elements. */
export type GeluOp = {
	forward(encoder: GPUCommandEncoder, args: { out: GPUTensor /* (N) */; inp: GPUTensor /* (N) */ }): void;
	backward(encoder: GPUCommandEncoder, args: { dinp: GPUTensor /* (N) */; inp: GPUTensor /* (N) */; dout: GPUTensor /* (N) */ }): void;
};

/** Builds (or fetches from the cache) the GELU kernels for N elements. */
export async function createGelu(cache: KernelCache, { N }: { N: number }): Promise<GeluOp> {
	const constants = { WORKGROUP, N };
	const [forward, backward] = await Promise.all([
		cache.kernel({ label: 'gelu forward', code: geluForwardWgsl, bindings: ['write', 'read'], constants }),
		cache.kernel({ label: 'gelu backward', code: geluBackwardWgsl, bindings: ['write', 'read', 'read'], constants })
	]);
	return {
		forward: (encoder, { out, inp }) => cache.dispatchLinear(encoder, forward, [out, inp], N, WORKGROUP),
		backward: (encoder, { dinp, inp, dout }) => cache.dispatchLinear(encoder, backward, [dinp, inp, dout], N, WORKGROUP)
	};
}
