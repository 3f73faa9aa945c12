// Residual add on the GPU (as cpu/residual.ts): out = inp1 + inp2; both input gradients accumulate with +=, because
// each residual stream also receives gradient from the layer that branched off it. Shapes: N elements (B*T*C).
import type { GPUTensor, KernelCache } from './kernels';
import residualBackwardWgsl from './residualBackward.wgsl?raw';
import residualForwardWgsl from './residualForward.wgsl?raw';

/** Invocations per workgroup. */
const WORKGROUP = 256;

/** The encoders of the residual add over N elements. */
export type ResidualOp = {
	forward(encoder: GPUCommandEncoder, args: { out: GPUTensor /* (N) */; inp1: GPUTensor /* (N) */; inp2: GPUTensor /* (N) */ }): void;
	backward(encoder: GPUCommandEncoder, args: { dinp1: GPUTensor /* (N) */; dinp2: GPUTensor /* (N) */; dout: GPUTensor /* (N) */ }): void;
};

/** Builds (or fetches from the cache) the residual kernels for N elements. */
export async function createResidual(cache: KernelCache, { N }: { N: number }): Promise<ResidualOp> {
	const constants = { WORKGROUP, N };
	const [forward, backward] = await Promise.all([
		cache.kernel({ label: 'residual forward', code: residualForwardWgsl, bindings: ['write', 'read', 'read'], constants }),
		cache.kernel({ label: 'residual backward', code: residualBackwardWgsl, bindings: ['write', 'write', 'read'], constants })
	]);
	return {
		forward: (encoder, { out, inp1, inp2 }) => cache.dispatchLinear(encoder, forward, [out, inp1, inp2], N, WORKGROUP),
		backward: (encoder, { dinp1, dinp2, dout }) => cache.dispatchLinear(encoder, backward, [dinp1, dinp2, dout], N, WORKGROUP)
	};
}
