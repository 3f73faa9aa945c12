import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { gradCheck, randomTensor } from './gradcheck';
import { layernormBackward, layernormForward } from './layernorm';

describe('layernorm', () => {
	const [B, T, C] = [2, 3, 5];
	const rng = createRng(11);
	const inp = randomTensor(rng, B * T * C, 2);
	const weight = randomTensor(rng, C);
	const bias = randomTensor(rng, C);
	const out = new Float64Array(B * T * C);
	const mean = new Float64Array(B * T);
	const rstd = new Float64Array(B * T);

	it('gives each row zero mean and unit variance before the affine part', () => {
		layernormForward(out, mean, rstd, inp, new Float64Array(C).fill(1), new Float64Array(C), B, T, C);
		for (let bt = 0; bt < B * T; bt++) {
			const row = out.subarray(bt * C, (bt + 1) * C);
			const m = row.reduce((s, x) => s + x, 0) / C;
			const v = row.reduce((s, x) => s + (x - m) ** 2, 0) / C;
			expect(m).toBeCloseTo(0, 12);
			expect(v).toBeCloseTo(1, 3); // 1 - eps / var
		}
	});

	it('has the gradients of central differences for inp, weight and bias', () => {
		const dinp = new Float64Array(B * T * C);
		const dweight = new Float64Array(C);
		const dbias = new Float64Array(C);
		const failures = gradCheck(
			() => (layernormForward(out, mean, rstd, inp, weight, bias, B, T, C), out),
			(dout) => layernormBackward(dinp, dweight, dbias, dout, inp, weight, mean, rstd, B, T, C),
			[
				{ name: 'inp', value: inp, grad: dinp },
				{ name: 'weight', value: weight, grad: dweight },
				{ name: 'bias', value: bias, grad: dbias }
			]
		);
		expect(failures).toEqual([]);
	});
});
