// Linear layer on the GPU: out = inp @ weight^T + bias with weight (OC, C), as cpu/matmul.ts. One tiled kernel with
// strided operands does all three products; dbias is a deterministic per-column sum. All gradients (dinp too)
// accumulate with +=. Shapes: B batch, T time, C input channels, OC output channels.
import type { GPUTensor, Kernel, KernelCache } from './kernels';
import columnSumWgsl from './columnSum.wgsl?raw';
import matmulWgsl from './matmul.wgsl?raw';

/** Tile edge of the matmul kernel: TILE x TILE invocations per workgroup, two TILE^2 f32 tiles of workgroup memory. */
export const MATMUL_TILE = 16;

/** Invocations per workgroup of the column-sum kernel. */
const WORKGROUP = 64;

/** Shape of one linear layer. */
export type MatmulDims = { B: number; T: number; C: number; OC: number };

/** Buffers of the forward pass; bias null for a layer without one (the tied output head). */
export type MatmulForwardArgs = {
	out: GPUTensor; // (B,T,OC)
	inp: GPUTensor; // (B,T,C)
	weight: GPUTensor; // (OC,C)
	bias: GPUTensor | null; // (OC)
};

/** Buffers of the backward pass; dbias null when the layer has no bias. */
export type MatmulBackwardArgs = {
	dinp: GPUTensor; // (B,T,C)
	dweight: GPUTensor; // (OC,C)
	dbias: GPUTensor | null; // (OC)
	dout: GPUTensor; // (B,T,OC)
	inp: GPUTensor; // (B,T,C)
	weight: GPUTensor; // (OC,C)
};

/** The encoders of one linear layer shape. */
export type MatmulOp = {
	forward(encoder: GPUCommandEncoder, args: MatmulForwardArgs): void;
	backward(encoder: GPUCommandEncoder, args: MatmulBackwardArgs): void;
};

/** One strided product of the tiled kernel: out (M,J) = (or += with accumulate) a (M,K) @ b (K,J) (+ bias (J)), with
 * a[m,k] at m*strides[0] + k*strides[1] and b[k,j] at k*strides[2] + j*strides[3]. */
export type StridedProduct = { label: string; M: number; K: number; J: number; strides: readonly number[]; accumulate: boolean; bias?: boolean };

/** Builds (or fetches from the cache) one strided product's kernel; bindings out, a, b, bias (any buffer when unused). */
export function stridedProduct(cache: KernelCache, { label, M, K, J, strides, accumulate, bias = false }: StridedProduct): Promise<Kernel> {
	return cache.kernel({
		label,
		code: matmulWgsl,
		bindings: ['write', 'read', 'read', 'read'],
		constants: {
			TILE: MATMUL_TILE, M, K, J,
			A_ROW: strides[0], A_COL: strides[1], B_ROW: strides[2], B_COL: strides[3],
			ACCUMULATE: accumulate, HAS_BIAS: bias
		}
	});
}

/** Builds (or fetches from the cache) the kernels for one linear layer shape. */
export async function createMatmul(cache: KernelCache, { B, T, C, OC }: MatmulDims): Promise<MatmulOp> {
	const N = B * T;
	const product = (label: string, M: number, K: number, J: number, strides: number[], accumulate: boolean, bias: boolean) =>
		stridedProduct(cache, { label, M, K, J, strides, accumulate, bias });
	const [forwardBias, forwardPlain, dinpKernel, dweightKernel, dbiasKernel] = await Promise.all([
		// out (N,OC) = inp (N,C) @ weight^T (C,OC); weight^T[c,o] sits at o*C + c.
		product('matmul forward', N, C, OC, [C, 1, 1, C], false, true),
		product('matmul forward', N, C, OC, [C, 1, 1, C], false, false),
		// dinp (N,C) += dout (N,OC) @ weight (OC,C).
		product('matmul dinp', N, OC, C, [OC, 1, C, 1], true, false),
		// dweight (OC,C) += dout^T (OC,N) @ inp (N,C); dout^T[o,n] sits at n*OC + o.
		product('matmul dweight', OC, N, C, [1, OC, C, 1], true, false),
		cache.kernel({ label: 'matmul dbias', code: columnSumWgsl, bindings: ['write', 'read'], constants: { WORKGROUP, N, J: OC } })
	]);
	const groups = (M: number, J: number) => [Math.ceil(J / MATMUL_TILE), Math.ceil(M / MATMUL_TILE)] as const;
	return {
		forward(encoder, { out, inp, weight, bias }) {
			// The bias-free kernel never reads binding 3, so weight stands in for it.
			const kernel = bias ? forwardBias : forwardPlain;
			cache.dispatch(encoder, kernel, [out, inp, weight, bias ?? weight], groups(N, OC));
		},
		backward(encoder, { dinp, dweight, dbias, dout, inp, weight }) {
			cache.dispatch(encoder, dinpKernel, [dinp, dout, weight, weight], groups(N, C));
			cache.dispatch(encoder, dweightKernel, [dweight, dout, inp, inp], groups(OC, C));
			if (dbias) cache.dispatchLinear(encoder, dbiasKernel, [dbias, dout], OC, WORKGROUP);
		}
	};
}
