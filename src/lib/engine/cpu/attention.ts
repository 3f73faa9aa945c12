// Causal multi-head self-attention on packed q,k,v: each (b,t,h) attends to positions t2 <= t with softmax weights.
// The forward stores only the softmax probabilities att (zeros above the diagonal); the backward rebuilds the
// pre-softmax gradient one row at a time in a scratch row, so no (B,NH,T,T) gradient buffers exist. dinp accumulates
// with +=. Shapes: B batch, T time, C channels, NH heads, hs = C/NH head size; inp packs q|k|v along its last axis.
// Float32 calls run each head's products (q k^T, att v and their backward) through the WebAssembly SIMD gemm on
// strided views, computing the full (T,T) score block and masking it (twice the multiply-adds of the causal half, at
// many times the speed of the scalar loops); the JS loops stay the reference and run float64 calls.
import type { Floats } from './floats';
import { createWasmMatmul } from './wasmMatmul';

const wasm = createWasmMatmul();

const f32 = (...arrays: Floats[]): boolean => arrays.every((a) => a instanceof Float32Array);

/** Computes out = softmax(q k^T / sqrt(hs), causal) v for every head. */
export function attentionForward(
	out: Floats, // (B,T,C)
	att: Floats, // (B,NH,T,T) softmax weights, written here for the backward
	inp: Floats, // (B,T,3C)
	B: number,
	T: number,
	C: number,
	NH: number
): void {
	if (wasm && f32(out, att, inp)) return attentionForwardWasm(out as Float32Array, att as Float32Array, inp as Float32Array, B, T, C, NH);
	attentionForwardJs(out, att, inp, B, T, C, NH);
}

/** attentionForward in plain JS loops (any element type): the reference. */
export function attentionForwardJs(out: Floats, att: Floats, inp: Floats, B: number, T: number, C: number, NH: number): void {
	const hs = C / NH;
	const C3 = 3 * C;
	const scale = 1 / Math.sqrt(hs);
	for (let b = 0; b < B; b++) {
		for (let t = 0; t < T; t++) {
			for (let h = 0; h < NH; h++) {
				const q = (b * T + t) * C3 + h * hs;
				const a = ((b * NH + h) * T + t) * T;
				let max = -Infinity;
				for (let t2 = 0; t2 <= t; t2++) {
					const k = (b * T + t2) * C3 + C + h * hs;
					let s = 0;
					for (let i = 0; i < hs; i++) s += inp[q + i] * inp[k + i];
					s *= scale;
					att[a + t2] = s;
					if (s > max) max = s;
				}
				let sum = 0;
				for (let t2 = 0; t2 <= t; t2++) {
					const e = Math.exp(att[a + t2] - max);
					att[a + t2] = e;
					sum += e;
				}
				const inv = 1 / sum;
				for (let t2 = 0; t2 <= t; t2++) att[a + t2] *= inv;
				for (let t2 = t + 1; t2 < T; t2++) att[a + t2] = 0;
				const o = (b * T + t) * C + h * hs;
				for (let i = 0; i < hs; i++) out[o + i] = 0;
				for (let t2 = 0; t2 <= t; t2++) {
					const v = (b * T + t2) * C3 + 2 * C + h * hs;
					const w = att[a + t2];
					for (let i = 0; i < hs; i++) out[o + i] += w * inp[v + i];
				}
			}
		}
	}
}

/** Backward of attentionForward from the stored softmax weights. */
export function attentionBackward(
	dinp: Floats, // (B,T,3C)
	dout: Floats, // (B,T,C)
	inp: Floats, // (B,T,3C)
	att: Floats, // (B,NH,T,T)
	B: number,
	T: number,
	C: number,
	NH: number
): void {
	if (wasm && f32(dinp, dout, inp, att)) {
		return attentionBackwardWasm(dinp as Float32Array, dout as Float32Array, inp as Float32Array, att as Float32Array, B, T, C, NH);
	}
	attentionBackwardJs(dinp, dout, inp, att, B, T, C, NH);
}

/** attentionBackward in plain JS loops (any element type): the reference. */
export function attentionBackwardJs(dinp: Floats, dout: Floats, inp: Floats, att: Floats, B: number, T: number, C: number, NH: number): void {
	const hs = C / NH;
	const C3 = 3 * C;
	const scale = 1 / Math.sqrt(hs);
	const drow = new Float64Array(T); // (T) gradient of one attention row, first w.r.t. att then w.r.t. the scores
	for (let b = 0; b < B; b++) {
		for (let t = 0; t < T; t++) {
			for (let h = 0; h < NH; h++) {
				const q = (b * T + t) * C3 + h * hs;
				const a = ((b * NH + h) * T + t) * T;
				const d = (b * T + t) * C + h * hs;
				// Through out = att v: datt[t2] = dout . v[t2], dv[t2] += att[t2] dout.
				let dot = 0;
				for (let t2 = 0; t2 <= t; t2++) {
					const v = (b * T + t2) * C3 + 2 * C + h * hs;
					const w = att[a + t2];
					let s = 0;
					for (let i = 0; i < hs; i++) {
						s += dout[d + i] * inp[v + i];
						dinp[v + i] += w * dout[d + i];
					}
					drow[t2] = s;
					dot += w * s;
				}
				// Through the softmax: dscore[t2] = att[t2] (datt[t2] - sum_t3 att[t3] datt[t3]), then through q.k / sqrt(hs).
				for (let t2 = 0; t2 <= t; t2++) {
					const g = att[a + t2] * (drow[t2] - dot) * scale;
					const k = (b * T + t2) * C3 + C + h * hs;
					for (let i = 0; i < hs; i++) {
						dinp[q + i] += g * inp[k + i];
						dinp[k + i] += g * inp[q + i];
					}
				}
			}
		}
	}
}

// The float32 forward per (b, h): scores = q k^T into the att block, the masked softmax in place, out = att v.
function attentionForwardWasm(out: Float32Array, att: Float32Array, inp: Float32Array, B: number, T: number, C: number, NH: number): void {
	const gemm = wasm!.gemm;
	const hs = C / NH;
	const C3 = 3 * C;
	const scale = 1 / Math.sqrt(hs);
	for (let b = 0; b < B; b++) {
		for (let h = 0; h < NH; h++) {
			const q = inp.subarray(b * T * C3 + h * hs);
			const k = inp.subarray(b * T * C3 + C + h * hs);
			const v = inp.subarray(b * T * C3 + 2 * C + h * hs);
			const a0 = (b * NH + h) * T * T;
			const block = att.subarray(a0, a0 + T * T);
			gemm(block, T, q, C3, 1, k, 1, C3, T, hs, T, false); // (T,T) = q (T,hs) @ k^T (hs,T)
			for (let t = 0; t < T; t++) {
				const r = t * T;
				let max = -Infinity;
				for (let t2 = 0; t2 <= t; t2++) {
					const s = block[r + t2] * scale;
					block[r + t2] = s;
					if (s > max) max = s;
				}
				let sum = 0;
				for (let t2 = 0; t2 <= t; t2++) {
					const e = Math.exp(block[r + t2] - max);
					block[r + t2] = e;
					sum += e;
				}
				const inv = 1 / sum;
				for (let t2 = 0; t2 <= t; t2++) block[r + t2] *= inv;
				block.fill(0, r + t + 1, r + T);
			}
			gemm(out.subarray(b * T * C + h * hs), C, block, T, 1, v, C3, 1, T, T, hs, false); // (T,hs) = att @ v
		}
	}
}

// The float32 backward per (b, h), with one (T,T) scratch block: datt = dout v^T, dv += att^T dout, the softmax's
// backward in place (dscore, zero above the diagonal), dq += dscore k, dk += dscore^T q.
function attentionBackwardWasm(
	dinp: Float32Array, dout: Float32Array, inp: Float32Array, att: Float32Array, B: number, T: number, C: number, NH: number
): void {
	const gemm = wasm!.gemm;
	const hs = C / NH;
	const C3 = 3 * C;
	const scale = 1 / Math.sqrt(hs);
	const d = new Float32Array(T * T); // (T,T) datt, then dscore
	for (let b = 0; b < B; b++) {
		for (let h = 0; h < NH; h++) {
			const base = b * T * C3 + h * hs;
			const [q, k, v] = [inp.subarray(base), inp.subarray(base + C), inp.subarray(base + 2 * C)];
			const [dq, dk, dv] = [dinp.subarray(base), dinp.subarray(base + C), dinp.subarray(base + 2 * C)];
			const a0 = (b * NH + h) * T * T;
			const block = att.subarray(a0, a0 + T * T);
			const g = dout.subarray(b * T * C + h * hs);
			gemm(d, T, g, C, 1, v, 1, C3, T, hs, T, false); // datt (T,T) = dout (T,hs) @ v^T
			gemm(dv, C3, block, 1, T, g, C, 1, T, T, hs, true); // dv (T,hs) += att^T @ dout
			for (let t = 0; t < T; t++) {
				const r = t * T;
				let dot = 0;
				for (let t2 = 0; t2 <= t; t2++) dot += block[r + t2] * d[r + t2];
				for (let t2 = 0; t2 <= t; t2++) d[r + t2] = block[r + t2] * (d[r + t2] - dot) * scale;
				d.fill(0, r + t + 1, r + T);
			}
			gemm(dq, C3, d, T, 1, k, C3, 1, T, T, hs, true); // dq += dscore @ k
			gemm(dk, C3, d, 1, T, q, C3, 1, T, T, hs, true); // dk += dscore^T @ q
		}
	}
}
