// The CPU KV-cache decoder against the full forward (cpu/gpt.ts): logits at every position, whether the positions
// arrive by prefill or one step at a time, and the window rule when the cache is full. Tolerance: 1e-5 normwise
// relative per row (max|a - b| / max|b|); both sides are float32 with the same ops, only the attention differs in order.
import { describe, expect, it } from 'vitest';
import { gptConfig } from '../config';
import { createGPT, gptForward, type GPT } from '../cpu/gpt';
import { EngineConfigError, EngineInputError } from '../errors';
import { createRng } from '../random';
import { createCpuDecoder } from './cpu';
import { slideContext } from './decoder';

const CONFIG = gptConfig('tiny', { vocabSize: 37, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 });
const TOLERANCE = 1e-5;

// A seeded model with every parameter perturbed, so LayerNorm gains and biases are not the init's 1 and 0.
function model(seed: number): GPT {
	const gpt = createGPT(CONFIG, { seed });
	const rng = createRng(seed + 1);
	for (let i = 0; i < gpt.params.length; i++) gpt.params[i] += 0.1 * rng.normal();
	return gpt;
}

function randomTokens(n: number, seed: number): number[] {
	const rng = createRng(seed);
	return Array.from({ length: n }, () => Math.floor(rng.uniform() * CONFIG.vocabSize));
}

// Logits (T,V) of the full forward over tokens.
function fullLogits(gpt: GPT, tokens: number[]): Float32Array {
	const T = tokens.length;
	gptForward(gpt, Int32Array.from(tokens), new Int32Array(T), 1, T);
	return gpt.batch!.acts.logits.slice(0, T * CONFIG.vocabSize) as Float32Array;
}

function rowError(a: Float32Array, all: Float32Array, t: number): number {
	const V = CONFIG.vocabSize;
	const b = all.subarray(t * V, (t + 1) * V);
	let diff = 0;
	let scale = 0;
	for (let i = 0; i < V; i++) {
		diff = Math.max(diff, Math.abs(a[i] - b[i]));
		scale = Math.max(scale, Math.abs(b[i]));
	}
	return diff / scale;
}

describe('CPU decoder', () => {
	const gpt = model(3);
	const tokens = randomTokens(CONFIG.blockSize, 5);
	const expected = fullLogits(gpt, tokens);

	it('one token per step gives the full forward logits at every position', () => {
		const decoder = createCpuDecoder({ config: CONFIG, params: gpt.params as Float32Array });
		expect(rowError(decoder.prefillSync(tokens.slice(0, 1)), expected, 0)).toBeLessThan(TOLERANCE);
		for (let t = 1; t < tokens.length; t++) {
			expect(rowError(decoder.stepSync(tokens[t]), expected, t), `position ${t}`).toBeLessThan(TOLERANCE);
		}
		expect(decoder.length).toBe(CONFIG.blockSize);
	});

	it('a prefill of any length, then steps, gives the same logits', () => {
		const decoder = createCpuDecoder({ config: CONFIG, params: gpt.params as Float32Array });
		for (const n of [5, CONFIG.blockSize]) {
			expect(rowError(decoder.prefillSync(tokens.slice(0, n)), expected, n - 1), `prefill ${n}`).toBeLessThan(TOLERANCE);
			expect(decoder.length).toBe(n);
			for (let t = n; t < tokens.length; t++) expect(rowError(decoder.stepSync(tokens[t]), expected, t)).toBeLessThan(TOLERANCE);
		}
	});

	it('slides the window when the cache is full: the last blockSize/2 tokens at positions 0..', () => {
		const decoder = createCpuDecoder({ config: CONFIG, params: gpt.params as Float32Array });
		decoder.prefillSync(tokens);
		const next = 7;
		const window = slideContext(tokens, next, CONFIG.blockSize);
		expect(window).toEqual([...tokens.slice(-7), next]);
		const logits = decoder.stepSync(next);
		expect(decoder.length).toBe(CONFIG.blockSize / 2);
		expect(rowError(logits, fullLogits(gpt, window), window.length - 1)).toBeLessThan(TOLERANCE);
		// The steps after the slide continue from position blockSize/2.
		const after = fullLogits(gpt, [...window, 9]);
		expect(rowError(decoder.stepSync(9), after, window.length)).toBeLessThan(TOLERANCE);
	});

	it('keeps the last blockSize tokens of a longer prompt', () => {
		const decoder = createCpuDecoder({ config: CONFIG, params: gpt.params as Float32Array });
		const long = [...randomTokens(4, 8), ...tokens];
		expect(rowError(decoder.prefillSync(long), expected, CONFIG.blockSize - 1)).toBeLessThan(TOLERANCE);
		expect(decoder.length).toBe(CONFIG.blockSize);
	});

	it('rejects bad ids, a step before any prefill, an empty prompt and parameters of the wrong size', () => {
		const decoder = createCpuDecoder({ config: CONFIG, params: gpt.params as Float32Array });
		expect(() => decoder.stepSync(1)).toThrow(EngineInputError);
		expect(() => decoder.prefillSync([])).toThrow(EngineInputError);
		expect(() => decoder.prefillSync([1, CONFIG.vocabSize])).toThrow(EngineInputError);
		expect(() => decoder.prefillSync([1.5])).toThrow(EngineInputError);
		expect(() => createCpuDecoder({ config: CONFIG, params: new Float32Array(10) })).toThrow(EngineConfigError);
	});
});
