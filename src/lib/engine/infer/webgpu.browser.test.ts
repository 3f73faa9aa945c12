// The WebGPU decoder against the CPU decoder (cpu.ts, itself checked against the full forward): logits at every
// position through a prefill, steps and a window slide, within 1e-4 normwise relative error (f32 sums in another
// order); greedy tokens equal; one submission per call. Then the real inference worker, streaming to a proxied
// callback and cancelled mid-generation. Models are small because SwiftShader runs the kernels on the CPU.
import * as Comlink from 'comlink';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { trainBpe } from '$lib/core/tokenizer/bpe';
import { saveTokenizerJson } from '$lib/core/tokenizer/tokenizerJson';
import { gptConfig, type GPTConfig, parameterCount } from '../config';
import { EngineConfigError } from '../errors';
import { initParameters, parameterLayout, parameterViews } from '../params';
import { createRng } from '../random';
import { openParitySession, relativeError, type ParitySession } from '../webgpu/parity';
import type { InferenceApi } from './api';
import { createCpuDecoder } from './cpu';
import type { Decoder } from './decoder';
import { generate, type GeneratedPiece } from './generate';
import { argmax } from './sample';
import { createWebGPUDecoder } from './webgpu';

const CONFIG = gptConfig('tiny', { vocabSize: 96, blockSize: 32, nLayer: 2, nHead: 2, nEmbd: 64 });
const TOLERANCE = 1e-4;

// GPT-2 init with every parameter perturbed by normal(0, 0.2): varied greedy tokens, whose top-2 logit margin (checked
// below) is far above the backends' difference.
function randomParams(config: GPTConfig, seed: number): Float32Array {
	const params = new Float32Array(parameterCount(config));
	const views = parameterViews(params, parameterLayout(config));
	initParameters(views, config, seed);
	const rng = createRng(seed + 1);
	for (let i = 0; i < params.length; i++) params[i] += 0.2 * rng.normal();
	return params;
}

function randomTokens(n: number, V: number, seed: number): number[] {
	const rng = createRng(seed);
	return Array.from({ length: n }, () => Math.floor(rng.uniform() * V));
}

function topMargin(logits: Float32Array): number {
	const sorted = Array.from(logits).sort((a, b) => b - a);
	return (sorted[0] - sorted[1]) / Math.max(...Array.from(logits, Math.abs));
}

let gpu: ParitySession;
let submits = 0;
beforeAll(async () => {
	gpu = await openParitySession();
	const submit = gpu.device.queue.submit.bind(gpu.device.queue);
	gpu.device.queue.submit = (buffers) => {
		submits += 1;
		submit(buffers);
	};
	gpu.device.pushErrorScope('validation');
});
afterAll(async () => {
	expect(await gpu.device.popErrorScope()).toBeNull();
});

describe('WebGPU decoder', () => {
	const params = randomParams(CONFIG, 3);

	test('logits match the CPU decoder through a prefill, steps and a window slide; one submission per call', async () => {
		const cpu = createCpuDecoder({ config: CONFIG, params });
		const web = await createWebGPUDecoder(gpu.cache, { config: CONFIG, params });
		const tokens = randomTokens(CONFIG.blockSize + 6, CONFIG.vocabSize, 5);
		const before = submits;
		expect(relativeError(await web.prefill(tokens.slice(0, 5)), cpu.prefillSync(tokens.slice(0, 5)))).toBeLessThan(TOLERANCE);
		expect(submits - before).toBe(1);
		for (let t = 5; t < tokens.length; t++) {
			const at = submits;
			const logits = await web.step(tokens[t]);
			expect(submits - at).toBe(1);
			expect(relativeError(logits, cpu.stepSync(tokens[t])), `position ${t}`).toBeLessThan(TOLERANCE);
			expect(web.length).toBe(cpu.length);
		}
		expect(web.length).toBeLessThan(CONFIG.blockSize); // the window slid
		web.destroy();
	}, 120_000); // 25 s under SwiftShader on 2 shared cores, most of it compiling the kernels

	test('greedy decoding of 20 tokens gives the same tokens as the CPU', async () => {
		const cpu = createCpuDecoder({ config: CONFIG, params });
		const web = await createWebGPUDecoder(gpu.cache, { config: CONFIG, params });
		const prompt = randomTokens(16, CONFIG.vocabSize, 9);
		let margin = Infinity; // smallest top-2 gap of the CPU's logits, relative to their largest magnitude
		const greedy = async (decoder: Decoder) => {
			const out: number[] = [];
			let logits = await decoder.prefill(prompt);
			for (let i = 0; i < 20; i++) {
				out.push(argmax(logits));
				if (decoder === cpu) margin = Math.min(margin, topMargin(logits));
				logits = await decoder.step(out[i]);
			}
			return out;
		};
		const tokens = await greedy(web);
		expect(tokens).toEqual(await greedy(cpu));
		expect(new Set(tokens).size).toBeGreaterThan(5);
		expect(margin).toBeGreaterThan(10 * TOLERANCE);
		web.destroy();
	}, 60_000);

	test('refuses an nEmbd off the buffer alignment and parameters of the wrong size', async () => {
		const odd = gptConfig('tiny', { ...CONFIG, nEmbd: 32 });
		await expect(createWebGPUDecoder(gpu.cache, { config: odd, params: new Float32Array(parameterCount(odd)) })).rejects.toThrow(EngineConfigError);
		await expect(createWebGPUDecoder(gpu.cache, { config: CONFIG, params: new Float32Array(8) })).rejects.toThrow(EngineConfigError);
	});
});

describe('inference worker', () => {
	const tokenizer = trainBpe(['the cat sat on the mat.', 'a dog sat on a log.', 'the cat and the dog.'], { vocabSize: 300 });
	const config = gptConfig('tiny', { vocabSize: 320, blockSize: 32, nLayer: 1, nHead: 2, nEmbd: 64 });
	const params = randomParams(config, 11);
	let worker: Worker | null = null;
	afterEach(() => {
		worker?.terminate();
		worker = null;
	});

	test('loads a model on WebGPU, streams the same text the CPU generates, and cancels', async () => {
		worker = new Worker(new URL('../../../../workers/inference.worker.ts', import.meta.url), { type: 'module' });
		const api = Comlink.wrap<InferenceApi>(worker);
		const loaded = await api.load({ config, params, tokenizerJson: saveTokenizerJson(tokenizer) });
		expect(loaded).toMatchObject({ backend: 'webgpu', parameters: params.length, vocabSize: 320 });
		expect(loaded.reason).toMatch(/^WebGPU on /);

		const request = { prompt: 'the cat', maxNewTokens: 24, sampling: { temperature: 0.8, topK: 40 }, seed: 3 };
		const pieces: GeneratedPiece[] = [];
		const result = await api.generate(request, Comlink.proxy((p: GeneratedPiece) => void pieces.push(p)));
		expect(result.backend).toBe('webgpu');
		const expected = await generate({ ...request, decoder: createCpuDecoder({ config, params }), tokenizer });
		expect(result.tokens).toEqual(expected.tokens);
		expect(result.text).toBe(expected.text);
		expect(result.tokens.length).toBeGreaterThan(0);
		// Pieces arrive on the callback's own port, so the last may land just after the result.
		await expect.poll(() => pieces.map((p) => p.text).join('')).toBe(result.text);
		expect(pieces.flatMap((p) => p.tokens)).toEqual(result.tokens);

		const streamed: string[] = [];
		const long = api.generate({ prompt: 'a dog', maxNewTokens: 10_000, sampling: { temperature: 1 }, seed: 1 }, Comlink.proxy((p: GeneratedPiece) => {
			if (streamed.push(p.text) === 3) void api.cancel();
		}));
		const cancelled = await long;
		expect(cancelled.stopReason).toBe('aborted');
		expect(cancelled.tokens.length).toBeLessThan(200);

		const cpu = await api.load({ config, params, tokenizerJson: saveTokenizerJson(tokenizer), backend: 'cpu' });
		expect(cpu).toMatchObject({ backend: 'cpu', reason: 'The CPU was requested.' });
		expect((await api.generate(request)).tokens).toEqual(expected.tokens);
	}, 120_000);
});
