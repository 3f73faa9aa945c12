// Causal multi-head self-attention on packed q,k,v: each (b,t,h) attends to positions t2 <= t with softmax weights.
// The forward stores only the softmax probabilities att (zeros above the diagonal); the backward rebuilds the
// pre-softmax gradient one row at a time in a scratch row, so no (B,NH,T,T) gradient buffers exist. dinp accumulates
// with +=. Shapes: B batch, T time, C channels, NH heads, hs = C/NH head size; inp packs q|k|v along its last axis.
import type { Floats } from './floats';

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
