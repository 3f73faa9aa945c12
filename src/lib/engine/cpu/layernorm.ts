// LayerNorm over the channel axis (eps 1e-5, biased variance, as PyTorch). The forward stores each row's mean and
// 1/std so the backward needs no recomputation. All gradients (dinp too) accumulate with +=.
// Shapes: B batch, T time, C channels.
import type { Floats } from './floats';

const EPS = 1e-5;

/** Normalises each (b,t) row to zero mean and unit variance, then scales by weight and shifts by bias. */
export function layernormForward(
	out: Floats, // (B,T,C)
	mean: Floats, // (B,T)
	rstd: Floats, // (B,T)
	inp: Floats, // (B,T,C)
	weight: Floats, // (C)
	bias: Floats, // (C)
	B: number,
	T: number,
	C: number
): void {
	for (let bt = 0; bt < B * T; bt++) {
		const x = bt * C;
		let m = 0;
		for (let i = 0; i < C; i++) m += inp[x + i];
		m /= C;
		let v = 0;
		for (let i = 0; i < C; i++) {
			const d = inp[x + i] - m;
			v += d * d;
		}
		const s = 1 / Math.sqrt(v / C + EPS);
		for (let i = 0; i < C; i++) out[x + i] = (inp[x + i] - m) * s * weight[i] + bias[i];
		mean[bt] = m;
		rstd[bt] = s;
	}
}

/** Backward of layernormForward from the stored mean and rstd. */
export function layernormBackward(
	dinp: Floats, // (B,T,C)
	dweight: Floats, // (C)
	dbias: Floats, // (C)
	dout: Floats, // (B,T,C)
	inp: Floats, // (B,T,C)
	weight: Floats, // (C)
	mean: Floats, // (B,T)
	rstd: Floats, // (B,T)
	B: number,
	T: number,
	C: number
): void {
	for (let bt = 0; bt < B * T; bt++) {
		const x = bt * C;
		const m = mean[bt];
		const s = rstd[bt];
		// Two reductions: mean of dnorm and mean of dnorm * norm, where dnorm = weight * dout.
		let dnormMean = 0;
		let dnormNormMean = 0;
		for (let i = 0; i < C; i++) {
			const norm = (inp[x + i] - m) * s;
			const dnorm = weight[i] * dout[x + i];
			dnormMean += dnorm;
			dnormNormMean += dnorm * norm;
		}
		dnormMean /= C;
		dnormNormMean /= C;
		for (let i = 0; i < C; i++) {
			const norm = (inp[x + i] - m) * s;
			const g = dout[x + i];
			dbias[i] += g;
			dweight[i] += norm * g;
			dinp[x + i] += (weight[i] * g - dnormMean - norm * dnormNormMean) * s;
		}
	}
}
