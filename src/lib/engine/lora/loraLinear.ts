// The LoRA term of a linear layer as a forward/backward pair: out += scale * (inp @ loraA^T) @ loraB^T, with loraA
// (r, C) and loraB (OC, r) in PEFT's nn.Linear layouts. The forward keeps hidden = inp @ loraA^T for the backward. Every
// product goes through cpu/matmul.ts (the SIMD kernel in float32); the backward's dinp, dloraA and dloraB accumulate
// with +=. Shapes: B batch, T time, C input channels, OC outputs, r rank.
import type { Floats } from '../cpu/floats';
import { matmulBackward, matmulForward } from '../cpu/matmul';

/** Adds scale * (inp @ loraA^T) @ loraB^T into out and writes hidden = inp @ loraA^T. */
export function loraLinearForward(
	out: Floats, // (B,T,OC) the base layer's output, added to
	hidden: Floats, // (B,T,r) written
	inp: Floats, // (B,T,C)
	loraA: Floats, // (r,C)
	loraB: Floats, // (OC,r)
	scale: number,
	scratch: Floats, // (B,T,OC) overwritten
	B: number,
	T: number,
	C: number,
	OC: number,
	r: number
): void {
	const N = B * T;
	const update = scratch.subarray(0, N * OC);
	matmulForward(hidden, inp, loraA, null, B, T, C, r);
	matmulForward(update, hidden, loraB, null, B, T, r, OC);
	for (let i = 0; i < N * OC; i++) out[i] += scale * update[i];
}

/** Backward of loraLinearForward: dloraB += dout^T @ (scale hidden), dloraA += dhidden^T @ inp, dinp += dhidden @ loraA,
 * where dhidden = scale dout @ loraB. Scaling the (B,T,r) tensors, not dout (B,T,OC), keeps the extra work O(B*T*r). */
export function loraLinearBackward(
	dinp: Floats, // (B,T,C)
	dloraA: Floats, // (r,C)
	dloraB: Floats, // (OC,r)
	dout: Floats, // (B,T,OC)
	inp: Floats, // (B,T,C)
	hidden: Floats, // (B,T,r) from the forward
	loraA: Floats, // (r,C)
	loraB: Floats, // (OC,r)
	scale: number,
	scaledHidden: Floats, // (B,T,r) overwritten
	dhidden: Floats, // (B,T,r) overwritten
	B: number,
	T: number,
	C: number,
	OC: number,
	r: number
): void {
	const N = B * T;
	const hs = scaledHidden.subarray(0, N * r);
	for (let i = 0; i < N * r; i++) hs[i] = scale * hidden[i];
	const dh = dhidden.subarray(0, N * r);
	dh.fill(0);
	matmulBackward(dh, dloraB, null, dout, hs, loraB, B, T, r, OC); // dh = dout @ loraB, dloraB += dout^T @ hs
	for (let i = 0; i < N * r; i++) dh[i] *= scale;
	matmulBackward(dinp, dloraA, null, dh, inp, loraA, B, T, C, r);
}
