// The WebAssembly SIMD matmul against the JS reference loops on shapes that hit every edge of the kernel (partial
// 4-row groups, partial 8-column panels, the 64-row chunk boundary, K = 1), and its committed bytes against the .wat.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assembleWat, generatedModule, WASM_KERNELS } from '../../../../scripts/build-wasm.mjs';
import { createRng, type Rng } from '../random';
import { randomTensor } from './gradcheck';
import { matmulBackend, matmulBackwardJs, matmulForwardJs } from './matmul';
import { createWasmMatmul } from './wasmMatmul';

// [N rows, C inputs, OC outputs].
const SHAPES: [number, number, number][] = [
	[1, 1, 1],
	[3, 5, 7],
	[4, 8, 8],
	[5, 9, 17],
	[70, 13, 9],
	[130, 16, 24],
	[67, 1, 33]
];

const wasm = createWasmMatmul();

const random = (rng: Rng, n: number) => Float32Array.from(randomTensor(rng, n));

const abs = (x: Float32Array) => x.map(Math.abs);

/**
 * Every |wasm - js| within the float32 summation bound (K + 2) * 2^-24 * (|initial| + sum_k |a_k| |b_k|): the wasm
 * kernel sums K products in float32 in its own order, the JS loops in float64; `magnitude` holds the bracket.
 */
function withinReassociation(actual: Float32Array, expected: Float32Array, magnitude: Float32Array, K: number): string[] {
	const bad: string[] = [];
	const unit = (K + 2) * 2 ** -24;
	for (let i = 0; i < actual.length; i++) {
		if (!(Math.abs(actual[i] - expected[i]) <= unit * magnitude[i])) bad.push(`${i}: ${actual[i]} vs ${expected[i]}`);
	}
	return bad;
}

describe('wasm matmul', () => {
	it('is the backend of float32 calls in Node', () => {
		expect(matmulBackend).toBe('wasm');
		expect(wasm).not.toBeNull();
	});

	it('is assembled from matmul.wat byte for byte', async () => {
		for (const kernel of WASM_KERNELS) {
			const bytes = await assembleWat(kernel.wat);
			const committed = readFileSync(new URL(`../../../../${kernel.module}`, import.meta.url), 'utf8');
			expect(committed, `run npm run build:wasm to regenerate ${kernel.module}`).toBe(generatedModule(kernel, bytes));
		}
	});

	it.each(SHAPES)('forward matches the JS loops (N %i, C %i, OC %i)', (N, C, OC) => {
		const rng = createRng(11);
		const inp = random(rng, N * C);
		const weight = random(rng, OC * C);
		for (const bias of [random(rng, OC), null]) {
			const expected = new Float32Array(N * OC);
			const actual = new Float32Array(N * OC).fill(Number.NaN); // forward overwrites
			const magnitude = new Float32Array(N * OC);
			matmulForwardJs(expected, inp, weight, bias, 1, N, C, OC);
			wasm!.forward(actual, inp, weight, bias, N, C, OC);
			matmulForwardJs(magnitude, abs(inp), abs(weight), bias && abs(bias), 1, N, C, OC);
			expect(withinReassociation(actual, expected, magnitude, C)).toEqual([]);
		}
	});

	it.each(SHAPES)('backward accumulates like the JS loops (N %i, C %i, OC %i)', (N, C, OC) => {
		const rng = createRng(13);
		const inp = random(rng, N * C);
		const weight = random(rng, OC * C);
		const dout = random(rng, N * OC);
		const initial = { dinp: random(rng, N * C), dweight: random(rng, OC * C), dbias: random(rng, OC) };
		const expected = structuredClone(initial);
		const actual = structuredClone(initial);
		const magnitude = { dinp: abs(initial.dinp), dweight: abs(initial.dweight), dbias: abs(initial.dbias) };
		matmulBackwardJs(expected.dinp, expected.dweight, expected.dbias, dout, inp, weight, 1, N, C, OC);
		wasm!.backward(actual.dinp, actual.dweight, actual.dbias, dout, inp, weight, N, C, OC);
		matmulBackwardJs(magnitude.dinp, magnitude.dweight, magnitude.dbias, abs(dout), abs(inp), abs(weight), 1, N, C, OC);
		expect(withinReassociation(actual.dinp, expected.dinp, magnitude.dinp, OC)).toEqual([]);
		expect(withinReassociation(actual.dweight, expected.dweight, magnitude.dweight, N)).toEqual([]);
		expect(actual.dbias).toEqual(expected.dbias);
	});

	it('grows its memory for large operands after small ones', () => {
		const [N, C, OC] = [512, 96, 200];
		const rng = createRng(17);
		const inp = random(rng, N * C);
		const weight = random(rng, OC * C);
		const expected = new Float32Array(N * OC);
		const actual = new Float32Array(N * OC);
		const magnitude = new Float32Array(N * OC);
		wasm!.forward(new Float32Array(4), random(rng, 4), random(rng, 1), null, 4, 1, 1);
		matmulForwardJs(expected, inp, weight, null, 1, N, C, OC);
		wasm!.forward(actual, inp, weight, null, N, C, OC);
		matmulForwardJs(magnitude, abs(inp), abs(weight), null, 1, N, C, OC);
		expect(withinReassociation(actual, expected, magnitude, C)).toEqual([]);
	});
});
