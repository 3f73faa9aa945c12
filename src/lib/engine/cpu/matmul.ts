// Linear layer: out = inp @ weight^T + bias, weight stored (OC, C) as PyTorch's nn.Linear, so checkpoints and fixtures
// map one-to-one and the tied output head is the token table itself. Float32 calls run the WebAssembly SIMD kernel
// (wasmMatmul.ts) where the runtime has it; float64 calls and runtimes without SIMD run the JS loops below, which stay
// the reference. All gradients (dinp too) accumulate with +=. Shapes: B batch, T time, C input channels, OC outputs.
import type { Floats } from './floats';
import { createWasmMatmul } from './wasmMatmul';

const wasm = createWasmMatmul();

// Below this many rows the JS loops win: the kernel packs the whole weight for every call, which a decode step's one
// row cannot pay back (measured 1-4 rows x 128 x 512: JS 150-250 us, WebAssembly 330-360 us; at 8 rows WebAssembly wins).
const WASM_MIN_ROWS = 8;

/** Which implementation float32 calls use: 'wasm' (SIMD kernel) or 'js' (this runtime lacks WebAssembly SIMD). */
export const matmulBackend: 'wasm' | 'js' = wasm ? 'wasm' : 'js';

/** Computes out = inp @ weight^T (+ bias when given). */
export function matmulForward(
	out: Floats, // (B,T,OC)
	inp: Floats, // (B,T,C)
	weight: Floats, // (OC,C)
	bias: Floats | null, // (OC)
	B: number,
	T: number,
	C: number,
	OC: number
): void {
	if (wasm && B * T >= WASM_MIN_ROWS && out instanceof Float32Array && inp instanceof Float32Array && weight instanceof Float32Array) {
		if (bias === null || bias instanceof Float32Array) return wasm.forward(out, inp, weight, bias, B * T, C, OC);
	}
	matmulForwardJs(out, inp, weight, bias, B, T, C, OC);
}

/** Backward of matmulForward: dinp += dout @ weight, dweight += dout^T @ inp, dbias += column sums of dout. */
export function matmulBackward(
	dinp: Floats, // (B,T,C)
	dweight: Floats, // (OC,C)
	dbias: Floats | null, // (OC)
	dout: Floats, // (B,T,OC)
	inp: Floats, // (B,T,C)
	weight: Floats, // (OC,C)
	B: number,
	T: number,
	C: number,
	OC: number
): void {
	if (
		wasm &&
		dinp instanceof Float32Array &&
		dweight instanceof Float32Array &&
		dout instanceof Float32Array &&
		inp instanceof Float32Array &&
		weight instanceof Float32Array
	) {
		if (dbias === null || dbias instanceof Float32Array) {
			return wasm.backward(dinp, dweight, dbias, dout, inp, weight, B * T, C, OC);
		}
	}
	matmulBackwardJs(dinp, dweight, dbias, dout, inp, weight, B, T, C, OC);
}

/** matmulForward in plain JS (any element type): register-blocked 2 rows x 4 outputs, ~3x a plain loop in V8. */
export function matmulForwardJs(
	out: Floats, // (B,T,OC)
	inp: Floats, // (B,T,C)
	weight: Floats, // (OC,C)
	bias: Floats | null, // (OC)
	B: number,
	T: number,
	C: number,
	OC: number
): void {
	const N = B * T;
	let n = 0;
	for (; n + 2 <= N; n += 2) {
		const x0 = n * C;
		const x1 = x0 + C;
		const r0 = n * OC;
		const r1 = r0 + OC;
		let o = 0;
		for (; o + 4 <= OC; o += 4) {
			const w0 = o * C;
			const w1 = w0 + C;
			const w2 = w1 + C;
			const w3 = w2 + C;
			let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
			for (let i = 0; i < C; i++) {
				const p = inp[x0 + i];
				const q = inp[x1 + i];
				const v0 = weight[w0 + i];
				const v1 = weight[w1 + i];
				const v2 = weight[w2 + i];
				const v3 = weight[w3 + i];
				a0 += p * v0;
				a1 += p * v1;
				a2 += p * v2;
				a3 += p * v3;
				b0 += q * v0;
				b1 += q * v1;
				b2 += q * v2;
				b3 += q * v3;
			}
			const c0 = bias ? bias[o] : 0;
			const c1 = bias ? bias[o + 1] : 0;
			const c2 = bias ? bias[o + 2] : 0;
			const c3 = bias ? bias[o + 3] : 0;
			out[r0 + o] = a0 + c0;
			out[r0 + o + 1] = a1 + c1;
			out[r0 + o + 2] = a2 + c2;
			out[r0 + o + 3] = a3 + c3;
			out[r1 + o] = b0 + c0;
			out[r1 + o + 1] = b1 + c1;
			out[r1 + o + 2] = b2 + c2;
			out[r1 + o + 3] = b3 + c3;
		}
		for (; o < OC; o++) {
			const w = o * C;
			let a = 0;
			let b = 0;
			for (let i = 0; i < C; i++) {
				a += inp[x0 + i] * weight[w + i];
				b += inp[x1 + i] * weight[w + i];
			}
			const c = bias ? bias[o] : 0;
			out[r0 + o] = a + c;
			out[r1 + o] = b + c;
		}
	}
	for (; n < N; n++) {
		const x = n * C;
		for (let o = 0; o < OC; o++) {
			const w = o * C;
			let a = 0;
			for (let i = 0; i < C; i++) a += inp[x + i] * weight[w + i];
			out[n * OC + o] = a + (bias ? bias[o] : 0);
		}
	}
}

/** matmulBackward in plain JS (any element type); both products blocked 2 rows x 4, inner loops on contiguous rows. */
export function matmulBackwardJs(
	dinp: Floats, // (B,T,C)
	dweight: Floats, // (OC,C)
	dbias: Floats | null, // (OC)
	dout: Floats, // (B,T,OC)
	inp: Floats, // (B,T,C)
	weight: Floats, // (OC,C)
	B: number,
	T: number,
	C: number,
	OC: number
): void {
	const N = B * T;
	// dinp (N,C) += dout (N,OC) @ weight (OC,C); dout[n,o] sits at n*OC + o.
	accumulateProduct(dinp, dout, OC, 1, weight, N, OC, C);
	// dweight (OC,C) += dout^T (OC,N) @ inp (N,C); dout^T[o,n] sits at n*OC + o.
	accumulateProduct(dweight, dout, 1, OC, inp, OC, N, C);
	if (dbias) {
		for (let n = 0; n < N; n++) {
			const r = n * OC;
			for (let o = 0; o < OC; o++) dbias[o] += dout[r + o];
		}
	}
}

// out (M,J) += a (M,K) @ b (K,J), with a[m,k] at m*ms + k*ks so one routine serves dout and its transpose.
// Blocked 2 rows of out x 4 rows of b: each inner iteration loads 4 b values and updates 2 out values.
function accumulateProduct(
	out: Floats,
	a: Floats,
	ms: number,
	ks: number,
	b: Floats,
	M: number,
	K: number,
	J: number
): void {
	let m = 0;
	for (; m + 2 <= M; m += 2) {
		const o0 = m * J;
		const o1 = o0 + J;
		const a0 = m * ms;
		const a1 = a0 + ms;
		let k = 0;
		for (; k + 4 <= K; k += 4) {
			const g0 = a[a0 + k * ks], g1 = a[a0 + (k + 1) * ks], g2 = a[a0 + (k + 2) * ks], g3 = a[a0 + (k + 3) * ks];
			const h0 = a[a1 + k * ks], h1 = a[a1 + (k + 1) * ks], h2 = a[a1 + (k + 2) * ks], h3 = a[a1 + (k + 3) * ks];
			const b0 = k * J;
			const b1 = b0 + J;
			const b2 = b1 + J;
			const b3 = b2 + J;
			for (let j = 0; j < J; j++) {
				const v0 = b[b0 + j];
				const v1 = b[b1 + j];
				const v2 = b[b2 + j];
				const v3 = b[b3 + j];
				out[o0 + j] += g0 * v0 + g1 * v1 + g2 * v2 + g3 * v3;
				out[o1 + j] += h0 * v0 + h1 * v1 + h2 * v2 + h3 * v3;
			}
		}
		for (; k < K; k++) {
			const g = a[a0 + k * ks];
			const h = a[a1 + k * ks];
			const bk = k * J;
			for (let j = 0; j < J; j++) {
				out[o0 + j] += g * b[bk + j];
				out[o1 + j] += h * b[bk + j];
			}
		}
	}
	for (; m < M; m++) {
		const o = m * J;
		for (let k = 0; k < K; k++) {
			const g = a[m * ms + k * ks];
			const bk = k * J;
			for (let j = 0; j < J; j++) out[o + j] += g * b[bk + j];
		}
	}
}
