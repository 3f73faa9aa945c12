import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { embeddingBackward, embeddingForward } from './embedding';
import { gradCheck, randomTensor } from './gradcheck';

describe('embedding', () => {
	const [B, T, C, V, maxT] = [2, 3, 4, 5, 4];
	const rng = createRng(7);
	const inp = Int32Array.from([0, 3, 3, 4, 1, 0]); // repeated ids check that the scatter accumulates
	const wte = randomTensor(rng, V * C);
	const wpe = randomTensor(rng, maxT * C);

	it('adds the token row and the position row', () => {
		const out = new Float64Array(B * T * C);
		embeddingForward(out, inp, wte, wpe, B, T, C);
		// (b=1, t=2) reads token 0 and position 2.
		for (let i = 0; i < C; i++) expect(out[(1 * T + 2) * C + i]).toBe(wte[0 * C + i] + wpe[2 * C + i]);
	});

	it('has the gradients of central differences for wte and wpe', () => {
		const out = new Float64Array(B * T * C);
		const dwte = new Float64Array(V * C);
		const dwpe = new Float64Array(maxT * C);
		const failures = gradCheck(
			() => (embeddingForward(out, inp, wte, wpe, B, T, C), out),
			(dout) => embeddingBackward(dwte, dwpe, dout, inp, B, T, C),
			[
				{ name: 'wte', value: wte, grad: dwte },
				{ name: 'wpe', value: wpe, grad: dwpe }
			]
		);
		expect(failures).toEqual([]);
	});
});
