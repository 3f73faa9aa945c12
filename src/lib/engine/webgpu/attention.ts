// Causal multi-head self-attention on the GPU (as cpu/attention.ts), one invocation per (b,h,t) row. Unlike the CPU,
// the backward keeps the pre-softmax gradient in a caller-provided (B,NH,T,T) scratch buffer so that queries and
// keys/values are written by separate passes, each output by one invocation. dinp accumulates with +=.
// Shapes: B batch, T time, C channels, NH heads, hs = C/NH; inp packs q|k|v along its last axis.
import type { GPUTensor, KernelCache } from './kernels';
import attentionForwardWgsl from './attentionForward.wgsl?raw';
import attentionKeyValueBackwardWgsl from './attentionKeyValueBackward.wgsl?raw';
import attentionQueryBackwardWgsl from './attentionQueryBackward.wgsl?raw';

/** Invocations per workgroup. */
const WORKGROUP = 64;

/** Buffers of the backward pass. */
export type AttentionBackwardArgs = {
	dinp: GPUTensor; // (B,T,3C)
	dscore: GPUTensor; // (B,NH,T,T) scratch, overwritten
	dout: GPUTensor; // (B,T,C)
	inp: GPUTensor; // (B,T,3C)
	att: GPUTensor; // (B,NH,T,T)
};

/** The encoders of one attention shape. */
export type AttentionOp = {
	forward(encoder: GPUCommandEncoder, args: { out: GPUTensor /* (B,T,C) */; att: GPUTensor /* (B,NH,T,T) */; inp: GPUTensor /* (B,T,3C) */ }): void;
	backward(encoder: GPUCommandEncoder, args: AttentionBackwardArgs): void;
};

/** Builds (or fetches from the cache) the attention kernels for one shape. */
export async function createAttention(
	cache: KernelCache,
	{ B, T, C, NH }: { B: number; T: number; C: number; NH: number }
): Promise<AttentionOp> {
	const constants = { WORKGROUP, B, T, C, NH };
	const rows = B * NH * T;
	const [forward, queryBackward, keyValueBackward] = await Promise.all([
		cache.kernel({ label: 'attention forward', code: attentionForwardWgsl, bindings: ['write', 'write', 'read'], constants }),
		cache.kernel({ label: 'attention query backward', code: attentionQueryBackwardWgsl, bindings: ['write', 'write', 'read', 'read', 'read'], constants }),
		cache.kernel({ label: 'attention key/value backward', code: attentionKeyValueBackwardWgsl, bindings: ['write', 'read', 'read', 'read', 'read'], constants })
	]);
	return {
		forward: (encoder, { out, att, inp }) => cache.dispatchLinear(encoder, forward, [out, att, inp], rows, WORKGROUP),
		backward(encoder, { dinp, dscore, dout, inp, att }) {
			cache.dispatchLinear(encoder, queryBackward, [dinp, dscore, dout, inp, att], rows, WORKGROUP);
			cache.dispatchLinear(encoder, keyValueBackward, [dinp, dscore, dout, inp, att], rows, WORKGROUP);
		}
	};
}
