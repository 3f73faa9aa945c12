// Token + position embedding on the GPU (as cpu/embedding.ts): out[b,t,:] = wte[inp[b,t],:] + wpe[t,:]. The backward
// is a deterministic per-channel walk over positions rather than atomics, so repeated tokens sum in a fixed order.
// Parameter gradients accumulate with +=. Shapes: B batch, T time, C channels, V vocab, maxT position rows (T <= maxT).
import type { GPUTensor, KernelCache } from './kernels';
import embeddingBackwardWgsl from './embeddingBackward.wgsl?raw';
import embeddingForwardWgsl from './embeddingForward.wgsl?raw';

/** Invocations per workgroup. */
const WORKGROUP = 64;

/** The encoders of one embedding shape; token ids must already be checked against V (cpu/gpt.ts does). */
export type EmbeddingOp = {
	forward(encoder: GPUCommandEncoder, args: { out: GPUTensor /* (B,T,C) */; inp: GPUTensor /* (B,T) i32 */; wte: GPUTensor /* (V,C) */; wpe: GPUTensor /* (maxT,C) */ }): void;
	backward(encoder: GPUCommandEncoder, args: { dwte: GPUTensor /* (V,C) */; dwpe: GPUTensor /* (maxT,C) */; dout: GPUTensor /* (B,T,C) */; inp: GPUTensor /* (B,T) i32 */ }): void;
};

/** Builds (or fetches from the cache) the embedding kernels for one shape. */
export async function createEmbedding(cache: KernelCache, { B, T, C }: { B: number; T: number; C: number }): Promise<EmbeddingOp> {
	const N = B * T;
	const constants = { WORKGROUP, N, T, C };
	const [forward, backward] = await Promise.all([
		cache.kernel({ label: 'embedding forward', code: embeddingForwardWgsl, bindings: ['write', 'read', 'read', 'read'], constants }),
		cache.kernel({ label: 'embedding backward', code: embeddingBackwardWgsl, bindings: ['write', 'write', 'read', 'read'], constants })
	]);
	return {
		forward: (encoder, { out, inp, wte, wpe }) => cache.dispatchLinear(encoder, forward, [out, inp, wte, wpe], N * C, WORKGROUP),
		backward: (encoder, { dwte, dwpe, dout, inp }) => cache.dispatchLinear(encoder, backward, [dwte, dwpe, dout, inp], C, WORKGROUP)
	};
}
