import { describe, expect, it } from 'vitest';
import { createRng } from '../random';
import { attentionBackward, attentionBackwardJs, attentionForward, attentionForwardJs } from './attention';
import { gradCheck, randomTensor } from './gradcheck';

describe('attention', () => {
	const [B, T, C, NH] = [2, 4, 6, 2];
	const rng = createRng(13);
	const inp = randomTensor(rng, B * T * 3 * C);
	const out = new Float64Array(B * T * C);
	const att = new Float64Array(B * NH * T * T);

	it('gives each row causal softmax weights that sum to 1', () => {
		attentionForward(out, att, inp, B, T, C, NH);
		for (let row = 0; row < B * NH * T; row++) {
			const t = row % T;
			const weights = att.subarray(row * T, (row + 1) * T);
			expect(weights.slice(0, t + 1).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
			for (let t2 = t + 1; t2 < T; t2++) expect(weights[t2]).toBe(0);
		}
	});

	it('does not let a position see later positions', () => {
		attentionForward(out, att, inp, B, T, C, NH);
		const before = out.slice();
		const changed = inp.slice();
		for (let i = 0; i < 3 * C; i++) changed[(0 * T + T - 1) * 3 * C + i] += 1; // perturb the last step of batch 0
		attentionForward(out, att, changed, B, T, C, NH);
		expect(Array.from(out.subarray(0, (T - 1) * C))).toEqual(Array.from(before.subarray(0, (T - 1) * C)));
		expect(out[(T - 1) * C]).not.toBe(before[(T - 1) * C]);
	});

	it('has the gradients of central differences for q, k and v', () => {
		const dinp = new Float64Array(B * T * 3 * C);
		const failures = gradCheck(
			() => (attentionForward(out, att, inp, B, T, C, NH), out),
			(dout) => attentionBackward(dinp, dout, inp, att, B, T, C, NH),
			[{ name: 'inp', value: inp, grad: dinp }],
			{ samples: 144 }
		);
		expect(failures).toEqual([]);
	});
});

describe('attention on the float32 WebAssembly path', () => {
	// Shapes that cross the kernel's 4-row groups and 8-column panels: T = 13, hs = 5 and 12.
	for (const [B, T, C, NH] of [[2, 13, 10, 2], [1, 9, 24, 2], [3, 4, 8, 1]] as const) {
		it(`matches the JS loops at B=${B} T=${T} C=${C} NH=${NH}`, () => {
			const rng = createRng(B * 100 + T);
			const inp64 = randomTensor(rng, B * T * 3 * C);
			const dout64 = randomTensor(rng, B * T * C);
			const inp = Float32Array.from(inp64);
			const dout = Float32Array.from(dout64);
			const [out, att] = [new Float32Array(B * T * C), new Float32Array(B * NH * T * T)];
			const [outRef, attRef] = [new Float32Array(B * T * C), new Float32Array(B * NH * T * T)];
			attentionForward(out, att, inp, B, T, C, NH);
			attentionForwardJs(outRef, attRef, inp, B, T, C, NH);
			const dinp = Float32Array.from(randomTensor(rng, B * T * 3 * C)); // gradients accumulate: start non-zero
			const dinpRef = dinp.slice();
			attentionBackward(dinp, dout, inp, att, B, T, C, NH);
			attentionBackwardJs(dinpRef, dout, inp, attRef, B, T, C, NH);
			const close = (a: Float32Array, b: Float32Array) => a.every((x, i) => Math.abs(x - b[i]) <= 1e-5 * (1 + Math.abs(b[i])));
			expect(close(att, attRef)).toBe(true);
			expect(close(out, outRef)).toBe(true);
			expect(close(dinp, dinpRef)).toBe(true);
			for (let row = 0; row < B * NH * T; row++) for (let t2 = (row % T) + 1; t2 < T; t2++) expect(att[row * T + t2]).toBe(0);
		});
	}
});
