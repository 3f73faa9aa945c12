import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { gradCheck, randomTensor } from './gradcheck';
import { matmulBackward, matmulForward } from './matmul';

// Odd row counts and output widths that are not multiples of 4 exercise every tail of the blocked loops.
const SHAPES: [number, number, number, number][] = [
	[2, 4, 8, 8],
	[1, 5, 6, 7],
	[3, 3, 9, 13],
	[1, 1, 3, 2]
];

describe('matmul', () => {
	it.each(SHAPES)('matches a plain triple loop (B %i, T %i, C %i, OC %i)', (B, T, C, OC) => {
		const rng = createRng(3);
		const inp = randomTensor(rng, B * T * C);
		const weight = randomTensor(rng, OC * C);
		const bias = randomTensor(rng, OC);
		const out = new Float64Array(B * T * OC);
		matmulForward(out, inp, weight, bias, B, T, C, OC);
		for (let n = 0; n < B * T; n++) {
			for (let o = 0; o < OC; o++) {
				let s = bias[o];
				for (let i = 0; i < C; i++) s += inp[n * C + i] * weight[o * C + i];
				expect(out[n * OC + o]).toBeCloseTo(s, 12);
			}
		}
	});

	it.each(SHAPES)('has the gradients of central differences (B %i, T %i, C %i, OC %i)', (B, T, C, OC) => {
		const rng = createRng(5);
		const inp = randomTensor(rng, B * T * C);
		const weight = randomTensor(rng, OC * C);
		const bias = randomTensor(rng, OC);
		const out = new Float64Array(B * T * OC);
		const dinp = new Float64Array(B * T * C);
		const dweight = new Float64Array(OC * C);
		const dbias = new Float64Array(OC);
		const failures = gradCheck(
			() => (matmulForward(out, inp, weight, bias, B, T, C, OC), out),
			(dout) => matmulBackward(dinp, dweight, dbias, dout, inp, weight, B, T, C, OC),
			[
				{ name: 'inp', value: inp, grad: dinp },
				{ name: 'weight', value: weight, grad: dweight },
				{ name: 'bias', value: bias, grad: dbias }
			]
		);
		expect(failures).toEqual([]);
	});

	it('works without a bias', () => {
		const [B, T, C, OC] = [1, 3, 5, 6];
		const rng = createRng(9);
		const inp = randomTensor(rng, B * T * C);
		const weight = randomTensor(rng, OC * C);
		const out = new Float64Array(B * T * OC);
		const dinp = new Float64Array(B * T * C);
		const dweight = new Float64Array(OC * C);
		const failures = gradCheck(
			() => (matmulForward(out, inp, weight, null, B, T, C, OC), out),
			(dout) => matmulBackward(dinp, dweight, null, dout, inp, weight, B, T, C, OC),
			[
				{ name: 'inp', value: inp, grad: dinp },
				{ name: 'weight', value: weight, grad: dweight }
			]
		);
		expect(failures).toEqual([]);
	});
});
