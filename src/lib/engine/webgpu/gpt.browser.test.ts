// The whole GPT on WebGPU against cpu/gpt.ts, same seed, same batch, at a micro config: the first loss, every
// parameter gradient, and 20 AdamW steps (the training-parity acceptance in miniature), with one queue
// submission per step. nEmbd is 64, not 32, because tensors are bound as 256-byte-aligned ranges of one buffer.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gptConfig } from '../config';
import { createGPT, gptBackward, gptForward, gptUpdate, gptZeroGrad, type GPTUpdateOptions } from '../cpu/gpt';
import { EngineConfigError, EngineInputError } from '../errors';
import { type ParameterName, parameterViews } from '../params';
import { createRng } from '../random';
import { createWebGPUGPT, type GPTBatch } from './gpt';
import { openParitySession, relativeError, type ParitySession } from './parity';

const CONFIG = gptConfig('tiny', { vocabSize: 32, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 64 });
const SEED = 7;
// Clipping is active for the first 17 of the 20 steps (the CPU's norms fall from 4.6 to 0.7 against max 1).
const UPDATE: GPTUpdateOptions = { learningRate: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1 };

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

// Two random sequences of T + 1 tokens, split into inputs and next-token targets.
function randomBatch(B: number, T: number, seed: number): GPTBatch {
	const rng = createRng(seed);
	const inputs = new Int32Array(B * T);
	const targets = new Int32Array(B * T);
	for (let b = 0; b < B; b++) {
		const row = Array.from({ length: T + 1 }, () => Math.floor(rng.uniform() * CONFIG.vocabSize));
		inputs.set(row.slice(0, T), b * T);
		targets.set(row.slice(1), b * T);
	}
	return { inputs, targets, B, T };
}

describe('WebGPU GPT', () => {
	const batch = randomBatch(2, 8, 3);

	test('the first loss and every parameter gradient match the CPU', async () => {
		const cpu = createGPT(CONFIG, { seed: SEED });
		gptZeroGrad(cpu);
		const cpuLoss = gptForward(cpu, batch.inputs, batch.targets, batch.B, batch.T);
		gptBackward(cpu);
		const model = await createWebGPUGPT(gpu.cache, { config: CONFIG, seed: SEED });
		expect(relativeError(await model.readParameters(), cpu.params)).toBe(0);
		await model.computeGradients(batch);
		expect(Math.abs((await model.readLoss()) - cpuLoss) / cpuLoss).toBeLessThan(1e-5);
		const gradients = parameterViews(await model.readGradients(), model.layout);
		for (const name of Object.keys(model.layout) as ParameterName[]) {
			expect(relativeError(gradients[name], cpu.gradients[name]), name).toBeLessThan(1e-4);
		}
		await model.destroy();
	});

	test('20 AdamW steps give the CPU losses within 1%, one submission per step', async () => {
		const cpu = createGPT(CONFIG, { seed: SEED });
		const model = await createWebGPUGPT(gpu.cache, { config: CONFIG, seed: SEED });
		for (let step = 0; step < 20; step++) {
			gptZeroGrad(cpu);
			const cpuLoss = gptForward(cpu, batch.inputs, batch.targets, batch.B, batch.T);
			gptBackward(cpu);
			gptUpdate(cpu, UPDATE);
			const before = submits;
			await model.trainStep(batch, UPDATE);
			expect(submits - before).toBe(1);
			expect(Math.abs((await model.readLoss()) - cpuLoss) / cpuLoss, `step ${step}`).toBeLessThan(0.01);
		}
		expect(model.step).toBe(20);
		await model.destroy();
	}, 60_000); // 9 s under SwiftShader on 2 shared cores; the margin is for a busier machine

	test('rejects out-of-range token ids and unaligned configs before touching the GPU', async () => {
		const model = await createWebGPUGPT(gpu.cache, { config: CONFIG });
		const bad = { ...batch, inputs: batch.inputs.map((x, i) => (i === 5 ? CONFIG.vocabSize : x)) };
		const before = submits;
		await expect(model.trainStep(bad, UPDATE)).rejects.toThrow(EngineInputError);
		expect(submits).toBe(before);
		await model.destroy();
		await expect(createWebGPUGPT(gpu.cache, { config: { ...CONFIG, nEmbd: 32 } })).rejects.toThrow(EngineConfigError);
	});
});
