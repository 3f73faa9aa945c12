import { describe, expect, it } from 'vitest';
import { matmulBackward, matmulForward } from '../cpu/matmul';
import { gradCheck, randomTensor } from '../cpu/gradcheck';
import { createRng } from '../random';
import { loraLinearBackward, loraLinearForward } from './loraLinear';

describe('loraLinear', () => {
	it('has the gradients of central differences for dinp, dloraA and dloraB, on top of the base layer (float64)', () => {
		const [B, T, C, OC, r, scale] = [2, 3, 5, 7, 3, 1.7];
		const rng = createRng(1);
		const inp = randomTensor(rng, B * T * C);
		const weight = randomTensor(rng, OC * C);
		const bias = randomTensor(rng, OC);
		const loraA = randomTensor(rng, r * C);
		const loraB = randomTensor(rng, OC * r); // nonzero, unlike at init, so every path carries gradient
		const grads = { inp: new Float64Array(B * T * C), weight: new Float64Array(OC * C), bias: new Float64Array(OC) };
		const dloraA = new Float64Array(r * C);
		const dloraB = new Float64Array(OC * r);
		const out = new Float64Array(B * T * OC);
		const hidden = new Float64Array(B * T * r);
		const scratch = new Float64Array(B * T * OC);
		const scaledHidden = new Float64Array(B * T * r);
		const dhidden = new Float64Array(B * T * r);
		const failures = gradCheck(
			() => {
				matmulForward(out, inp, weight, bias, B, T, C, OC);
				loraLinearForward(out, hidden, inp, loraA, loraB, scale, scratch, B, T, C, OC, r);
				return out;
			},
			(dout) => {
				matmulBackward(grads.inp, grads.weight, grads.bias, dout, inp, weight, B, T, C, OC);
				loraLinearBackward(grads.inp, dloraA, dloraB, dout, inp, hidden, loraA, loraB, scale, scaledHidden, dhidden, B, T, C, OC, r);
			},
			[
				{ name: 'inp', value: inp, grad: grads.inp },
				{ name: 'weight', value: weight, grad: grads.weight },
				{ name: 'loraA', value: loraA, grad: dloraA },
				{ name: 'loraB', value: loraB, grad: dloraB }
			]
		);
		expect(failures).toEqual([]);
	});

	it('adds scale * (inp A^T) B^T in float32 as the float64 reference does', () => {
		const [B, T, C, OC, r, scale] = [3, 5, 16, 24, 4, 2];
		const rng = createRng(2);
		const tensors = [randomTensor(rng, B * T * C), randomTensor(rng, r * C), randomTensor(rng, OC * r), randomTensor(rng, B * T * OC)];
		const run = <F extends Float32Array | Float64Array>(make: (x: Float64Array) => F, alloc: (n: number) => F) => {
			const [inp, loraA, loraB, base] = tensors.map(make);
			const out = base.slice() as F;
			loraLinearForward(out, alloc(B * T * r), inp, loraA, loraB, scale, alloc(B * T * OC), B, T, C, OC, r);
			return out;
		};
		const out64 = run((x) => x.slice(), (n) => new Float64Array(n));
		const out32 = run((x) => Float32Array.from(x), (n) => new Float32Array(n));
		for (let i = 0; i < out64.length; i++) expect(Math.abs(out32[i] - out64[i])).toBeLessThan(1e-4);
		// And by hand: out = base + scale * sum_k (sum_c inp[n,c] A[k,c]) B[o,k].
		const [inp, A, Bm, base] = tensors;
		const [n, o] = [7, 11];
		let expected = base[n * OC + o];
		for (let k = 0; k < r; k++) {
			let h = 0;
			for (let c = 0; c < C; c++) h += inp[n * C + c] * A[k * C + c];
			expected += scale * h * Bm[o * r + k];
		}
		expect(out64[n * OC + o]).toBeCloseTo(expected, 12);
	});
});
