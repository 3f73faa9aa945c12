// Token + learned position embedding: out[b,t,:] = wte[inp[b,t],:] + wpe[t,:].
// Parameter gradients accumulate with += (the caller zeroes them once per optimizer step).
// Shapes: B batch, T time, C channels, V vocab, maxT rows of the position table (T <= maxT).
import type { Floats } from './floats';

/** Looks up token and position embeddings and adds them. */
export function embeddingForward(
	out: Floats, // (B,T,C)
	inp: Int32Array, // (B,T) token ids in [0, V)
	wte: Floats, // (V,C)
	wpe: Floats, // (maxT,C)
	B: number,
	T: number,
	C: number
): void {
	for (let b = 0; b < B; b++) {
		for (let t = 0; t < T; t++) {
			const o = (b * T + t) * C;
			const ix = inp[b * T + t] * C;
			const p = t * C;
			for (let i = 0; i < C; i++) out[o + i] = wte[ix + i] + wpe[p + i];
		}
	}
}

/** Scatters dout into the rows of the token and position tables that the forward pass read. */
export function embeddingBackward(
	dwte: Floats, // (V,C)
	dwpe: Floats, // (maxT,C)
	dout: Floats, // (B,T,C)
	inp: Int32Array, // (B,T)
	B: number,
	T: number,
	C: number
): void {
	for (let b = 0; b < B; b++) {
		for (let t = 0; t < T; t++) {
			const d = (b * T + t) * C;
			const ix = inp[b * T + t] * C;
			const p = t * C;
			for (let i = 0; i < C; i++) {
				const g = dout[d + i];
				dwte[ix + i] += g;
				dwpe[p + i] += g;
			}
		}
	}
}
