import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { gradCheck, randomTensor } from './gradcheck';
import { residualBackward, residualForward } from './residual';

describe('residual', () => {
	it('adds, and has the gradients of central differences for both inputs', () => {
		const N = 12;
		const rng = createRng(19);
		const inp1 = randomTensor(rng, N);
		const inp2 = randomTensor(rng, N);
		const out = new Float64Array(N);
		residualForward(out, inp1, inp2, N);
		expect(out[5]).toBe(inp1[5] + inp2[5]);
		const dinp1 = new Float64Array(N);
		const dinp2 = new Float64Array(N);
		const failures = gradCheck(
			() => (residualForward(out, inp1, inp2, N), out),
			(dout) => residualBackward(dinp1, dinp2, dout, N),
			[
				{ name: 'inp1', value: inp1, grad: dinp1 },
				{ name: 'inp2', value: inp2, grad: dinp2 }
			]
		);
		expect(failures).toEqual([]);
	});
});
