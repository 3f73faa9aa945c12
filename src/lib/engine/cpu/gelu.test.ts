import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { geluBackward, geluForward } from './gelu';
import { gradCheck, randomTensor } from './gradcheck';

describe('gelu', () => {
	it("matches GPT-2's tanh approximation at known points", () => {
		const out = new Float64Array(3);
		geluForward(out, Float64Array.from([0, 1, -2]), 3);
		expect(out[0]).toBe(0);
		expect(out[1]).toBeCloseTo(0.8411919906082768, 12); // torch.nn.functional.gelu(1, approximate='tanh')
		expect(out[2]).toBeCloseTo(-0.04540230591222885, 12);
	});

	it('reaches its limits without NaN where exp overflows', () => {
		const inp = Float64Array.from([-1000, -40, 40, 1000]);
		const out = new Float64Array(4);
		const dinp = new Float64Array(4);
		geluForward(out, inp, 4);
		geluBackward(dinp, inp, Float64Array.from([1, 1, 1, 1]), 4);
		expect(Array.from(out, (x) => x + 0)).toEqual([0, 0, 40, 1000]);
		expect(Array.from(dinp)).toEqual([0, 0, 1, 1]);
	});

	it('has the gradient of central differences', () => {
		const N = 40;
		const inp = randomTensor(createRng(17), N, 2);
		const out = new Float64Array(N);
		const dinp = new Float64Array(N);
		const failures = gradCheck(
			() => (geluForward(out, inp, N), out),
			(dout) => geluBackward(dinp, inp, dout, N),
			[{ name: 'inp', value: inp, grad: dinp }]
		);
		expect(failures).toEqual([]);
	});
});
