// Softmax cross-entropy on the GPU (as cpu/crossEntropy.ts): per-row probabilities and losses, the mean over
// positions whose target is not IGNORE_INDEX into a one-float buffer (read back rarely), and dlogits += with the
// objective's gradient dloss fixed per kernel (it changes only with the accumulation steps). Shapes: B, T, V vocab.
import { IGNORE_INDEX } from '../cpu/crossEntropy';
import type { GPUTensor, KernelCache } from './kernels';
import crossEntropyBackwardWgsl from './crossEntropyBackward.wgsl?raw';
import crossEntropyForwardWgsl from './crossEntropyForward.wgsl?raw';
import crossEntropyMeanWgsl from './crossEntropyMean.wgsl?raw';

/** Invocations per workgroup. */
const WORKGROUP = 64;

/** Buffers of the forward pass. */
export type CrossEntropyForwardArgs = {
	loss: GPUTensor; // (1) mean loss over counted positions
	losses: GPUTensor; // (B,T) 0 at ignored positions
	probs: GPUTensor; // (B,T,V)
	logits: GPUTensor; // (B,T,V)
	targets: GPUTensor; // (B,T) i32 in [0, V) or IGNORE_INDEX
};

/** The encoders of one cross-entropy shape. */
export type CrossEntropyOp = {
	forward(encoder: GPUCommandEncoder, args: CrossEntropyForwardArgs): void;
	backward(encoder: GPUCommandEncoder, args: { dlogits: GPUTensor /* (B,T,V) */; probs: GPUTensor /* (B,T,V) */; targets: GPUTensor /* (B,T) i32 */ }): void;
};

/** Builds (or fetches from the cache) the cross-entropy kernels; dloss scales the gradient of the mean loss. */
export async function createCrossEntropy(
	cache: KernelCache,
	{ B, T, V, dloss = 1 }: { B: number; T: number; V: number; dloss?: number }
): Promise<CrossEntropyOp> {
	const N = B * T;
	const [forward, mean, backward] = await Promise.all([
		cache.kernel({ label: 'cross-entropy forward', code: crossEntropyForwardWgsl, bindings: ['write', 'write', 'read', 'read'], constants: { WORKGROUP, N, V, IGNORE_INDEX } }),
		cache.kernel({ label: 'cross-entropy mean', code: crossEntropyMeanWgsl, bindings: ['write', 'read', 'read'], constants: { N, IGNORE_INDEX } }),
		cache.kernel({ label: 'cross-entropy backward', code: crossEntropyBackwardWgsl, bindings: ['write', 'read', 'read'], constants: { WORKGROUP, N, V, IGNORE_INDEX, DLOSS: dloss } })
	]);
	return {
		forward(encoder, { loss, losses, probs, logits, targets }) {
			cache.dispatchLinear(encoder, forward, [losses, probs, logits, targets], N, WORKGROUP);
			cache.dispatch(encoder, mean, [loss, losses, targets], [1]);
		},
		backward(encoder, { dlogits, probs, targets }) {
			cache.dispatchLinear(encoder, backward, [dlogits, probs, targets], N, WORKGROUP);
		}
	};
}
