// The WebAssembly SIMD matmul (wasm/matmul.wat) behind cpu/matmul.ts, float32 only, with the same contract as the JS
// loops. Each call packs its operands into the module's memory in the layout the kernel reads sequentially (A in 4-row
// groups, B in 8-column panels): O(size) copies against O(M*K*J) multiply-adds. The module is under 1 KB, so it is
// compiled synchronously (browsers allow that on the main thread for small modules) and the ops stay synchronous.
import { MATMUL_WASM_BASE64 } from './wasm/matmulWasm';

type Exports = {
	memory: WebAssembly.Memory;
	/** out (M,J) += A (M,K) @ B (K,J) on packed operands; every argument is a byte offset or a size. */
	gemm: (out: number, a: number, b: number, M: number, K: number, J: number) => void;
};

/** The kernel's forward and backward, with cpu/matmul.ts's signatures; shapes as documented there. */
export type WasmMatmul = {
	forward(out: Float32Array, inp: Float32Array, weight: Float32Array, bias: Float32Array | null, N: number, C: number, OC: number): void;
	backward(
		dinp: Float32Array,
		dweight: Float32Array,
		dbias: Float32Array | null,
		dout: Float32Array,
		inp: Float32Array,
		weight: Float32Array,
		N: number,
		C: number,
		OC: number
	): void;
	/**
	 * out (M,J) = (or +=, with accumulate) a (M,K) @ b (K,J) on strided operands: a[m,k] at m*ams + k*aks,
	 * b[k,j] at k*bks + j*bjs, out[m,j] at m*oms + j. Attention's per-head products use it on views of q, k and v.
	 */
	gemm(
		out: Float32Array, oms: number,
		a: Float32Array, ams: number, aks: number,
		b: Float32Array, bks: number, bjs: number,
		M: number, K: number, J: number,
		accumulate: boolean
	): void;
};

// Bytes 0-127 of the memory are the kernel's scratch for edge blocks (see matmul.wat); operands start after them.
const SCRATCH_BYTES = 128;
const SCRATCH_FLOATS = SCRATCH_BYTES / 4;
const PAGE_BYTES = 65536;

/** Instantiates the kernel, or returns null where WebAssembly or its SIMD extension is unavailable. */
export function createWasmMatmul(): WasmMatmul | null {
	if (typeof WebAssembly !== 'object') return null;
	const bytes = Uint8Array.from(atob(MATMUL_WASM_BASE64), (c) => c.charCodeAt(0));
	if (!WebAssembly.validate(bytes)) return null;
	const { memory, gemm } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Exports;
	let heap = new Float32Array(memory.buffer);

	// A view of the memory holding at least `floats` floats past the scratch bytes (growing it invalidates old views).
	const reserve = (floats: number): Float32Array => {
		const bytes = SCRATCH_BYTES + 4 * floats;
		if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
		if (heap.buffer !== memory.buffer) heap = new Float32Array(memory.buffer);
		return heap;
	};

	// out (M,J) += a (M,K) @ b (K,J), a[m,k] at m*ams + k*aks and b[k,j] at k*bks + j*bjs; `init` fills the packed
	// out (M,J) before the product and `finish` reads it after, both given the memory view and out's float offset.
	const product = (
		a: Float32Array, ams: number, aks: number,
		b: Float32Array, bks: number, bjs: number,
		M: number, K: number, J: number,
		init: (heap: Float32Array, at: number) => void,
		finish: (heap: Float32Array, at: number) => void
	): void => {
		const aFloats = Math.ceil(M / 4) * 4 * K;
		const bFloats = Math.ceil(J / 8) * 8 * K;
		const aAt = SCRATCH_FLOATS;
		const bAt = aAt + aFloats;
		const outAt = bAt + bFloats;
		const h = reserve(aFloats + bFloats + M * J);
		packRows(h, aAt, a, ams, aks, M, K);
		packColumns(h, bAt, b, bks, bjs, K, J);
		init(h, outAt);
		gemm(4 * outAt, 4 * aAt, 4 * bAt, M, K, J);
		finish(h, outAt);
	};

	return {
		gemm(out, oms, a, ams, aks, b, bks, bjs, M, K, J, accumulate) {
			product(a, ams, aks, b, bks, bjs, M, K, J, (h, at) => {
				if (!accumulate) h.fill(0, at, at + M * J);
				else for (let m = 0; m < M; m++) h.set(out.subarray(m * oms, m * oms + J), at + m * J);
			}, (h, at) => {
				for (let m = 0; m < M; m++) out.set(h.subarray(at + m * J, at + (m + 1) * J), m * oms);
			});
		},
		forward(out, inp, weight, bias, N, C, OC) {
			// out (N,OC) = bias + inp (N,C) @ weight^T; weight^T[i,o] = weight[o*C + i].
			product(inp, C, 1, weight, 1, C, N, C, OC, (h, at) => {
				if (!bias) h.fill(0, at, at + N * OC);
				else for (let n = 0; n < N; n++) h.set(bias, at + n * OC);
			}, (h, at) => out.set(h.subarray(at, at + N * OC)));
		},
		backward(dinp, dweight, dbias, dout, inp, weight, N, C, OC) {
			const accumulate = (into: Float32Array, size: number) => [
				(h: Float32Array, at: number) => h.set(into.subarray(0, size), at),
				(h: Float32Array, at: number) => into.set(h.subarray(at, at + size))
			] as const;
			// dinp (N,C) += dout (N,OC) @ weight (OC,C).
			product(dout, OC, 1, weight, C, 1, N, OC, C, ...accumulate(dinp, N * C));
			// dweight (OC,C) += dout^T (OC,N) @ inp (N,C); dout^T[o,n] = dout[n*OC + o].
			product(dout, 1, OC, inp, C, 1, OC, N, C, ...accumulate(dweight, OC * C));
			if (dbias) {
				for (let n = 0; n < N; n++) {
					const r = n * OC;
					for (let o = 0; o < OC; o++) dbias[o] += dout[r + o];
				}
			}
		}
	};
}

// Packs a (M,K) into groups of 4 rows, each K x 4 floats k-major, zero rows past M: h[at + g*4K + 4k + r] = a[4g+r, k].
function packRows(h: Float32Array, at: number, a: Float32Array, ms: number, ks: number, M: number, K: number): void {
	for (let g = 0; g < M; g += 4) {
		const rows = Math.min(4, M - g);
		let d = at + g * K;
		for (let k = 0, s = g * ms; k < K; k++, d += 4, s += ks) {
			if (rows === 4) {
				h[d] = a[s];
				h[d + 1] = a[s + ms];
				h[d + 2] = a[s + 2 * ms];
				h[d + 3] = a[s + 3 * ms];
			} else {
				for (let r = 0; r < 4; r++) h[d + r] = r < rows ? a[s + r * ms] : 0;
			}
		}
	}
}

// Packs b (K,J) into panels of 8 columns, each K x 8 floats, zero columns past J: h[at + p*8K + 8k + c] = b[k, 8p+c].
function packColumns(h: Float32Array, at: number, b: Float32Array, ks: number, js: number, K: number, J: number): void {
	for (let p = 0; p < J; p += 8) {
		const cols = Math.min(8, J - p);
		let d = at + p * K;
		for (let k = 0; k < K; k++, d += 8) {
			const s = k * ks + p * js;
			for (let c = 0; c < 8; c++) h[d + c] = c < cols ? b[s + c * js] : 0;
		}
	}
}
