// The WebGPU LoRA path against the CPU's at a micro config (nEmbd 64 for 256-byte-aligned ranges): the forward with a
// non-zero adapter, the adapter's gradients from one frozen backward, and 10 training steps of WebGPULoraTrainer
// (two micro-batches each) against LoraTrainer on the same seed, with the base weights left bit-for-bit as they were.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gptConfig } from '../config';
import { createGPT, gptBackward, gptForward } from '../cpu/gpt';
import { createRng } from '../random';
import { trainConfig } from '../train/trainer';
import { createWebGPUGPT, type GPTBatch } from '../webgpu/gpt';
import { createWebGPULoraAdapter } from '../webgpu/lora';
import { openParitySession, randomFloats, relativeError, type ParitySession } from '../webgpu/parity';
import { loraConfig } from './config';
import { attachLora, createLoraAdapter, loraZeroGrad, type LoraAdapter } from './lora';
import { LoraTrainer } from './trainer';
import { createWebGPULoraTrainer } from './webgpuTrainer';

const CONFIG = gptConfig('tiny', { vocabSize: 64, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 64 });
const LORA = loraConfig({ rank: 4, alpha: 8 });
const SEED = 7;

let gpu: ParitySession;
beforeAll(async () => {
	gpu = await openParitySession();
	gpu.device.pushErrorScope('validation');
});
afterAll(async () => {
	expect(await gpu.device.popErrorScope()).toBeNull();
});

function randomBatch(B: number, T: number, seed: number): GPTBatch {
	const rng = createRng(seed);
	const tokens = () => Int32Array.from({ length: B * T }, () => Math.floor(rng.uniform() * CONFIG.vocabSize));
	return { inputs: tokens(), targets: tokens(), B, T };
}

// An adapter with A from the seed and B random too, so every target's term reaches the logits and gradients.
function nonZeroAdapter(): LoraAdapter {
	const adapter = createLoraAdapter(CONFIG, LORA, { seed: 3 });
	for (const { part, offset, size } of adapter.layout) {
		if (part === 'B') adapter.params.set(randomFloats(size, offset + 1, 0.1), offset);
	}
	return adapter;
}

describe('WebGPU LoRA', () => {
	const batch = randomBatch(2, 16, 5);

	test('forward logits and the frozen backward\'s adapter gradients match the CPU', async () => {
		const adapter = nonZeroAdapter();
		const cpu = createGPT(CONFIG, { seed: SEED });
		attachLora(cpu, adapter);
		loraZeroGrad(adapter);
		const cpuLoss = gptForward(cpu, batch.inputs, batch.targets, batch.B, batch.T);
		const cpuLogits = cpu.batch!.acts.logits.slice();
		gptBackward(cpu, { frozen: true });

		const model = await createWebGPUGPT(gpu.cache, { config: CONFIG, seed: SEED });
		const gpuAdapter = await createWebGPULoraAdapter(gpu.cache, adapter);
		model.attachLora(gpuAdapter);
		await model.computeGradients(batch);
		const logitsError = relativeError(await model.readLogits(), cpuLogits);
		const lossError = Math.abs((await model.readLoss()) - cpuLoss) / cpuLoss;
		const gradients = await gpuAdapter.readGradients();
		const gradientErrors = adapter.layout.map(({ target, part, offset, size }) => ({
			name: `${target} ${part}`,
			error: relativeError(gradients.subarray(offset, offset + size), adapter.grads.subarray(offset, offset + size))
		}));
		console.info('lora forward/backward parity', { logitsError, lossError, gradientErrors });
		expect(logitsError).toBeLessThan(1e-4);
		expect(lossError).toBeLessThan(1e-5);
		for (const { name, error } of gradientErrors) expect(error, name).toBeLessThan(1e-4);
		// Frozen: the base gradients were never written.
		expect((await model.readGradients()).every((g) => g === 0)).toBe(true);

		// Detached, the same model is its base again: the logits of a plain CPU forward.
		model.detachLora();
		const plain = createGPT(CONFIG, { seed: SEED });
		gptForward(plain, batch.inputs, batch.targets, batch.B, batch.T);
		await model.forwardLoss(batch);
		expect(relativeError(await model.readLogits(), plain.batch!.acts.logits)).toBeLessThan(1e-5);
		expect(relativeError(cpuLogits, plain.batch!.acts.logits)).toBeGreaterThan(1e-2); // the adapter's term is no rounding
		await gpuAdapter.destroy();
		await model.destroy();
	}, 40_000); // builds every kernel of the (2, 16) shape on SwiftShader

	test('10 training steps follow LoraTrainer\'s losses and leave the base weights as they were', async () => {
		const rng = createRng(11);
		const stream = (n: number) => ({ tokens: Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * CONFIG.vocabSize)) });
		const data = { train: stream(2000), validation: stream(200) };
		const config = trainConfig({ steps: 10, batchSize: 2, gradAccumSteps: 2, warmupSteps: 3, lr: 1e-2, evalEvery: 10, evalBatches: 1, seed: 5 });
		const base = { config: CONFIG, params: createGPT(CONFIG, { seed: 1 }).params };

		const cpu = new LoraTrainer(base, data, config, LORA);
		const cpuLosses = Array.from({ length: 10 }, () => cpu.trainStep().loss);
		const trainer = await createWebGPULoraTrainer(gpu.cache, { base, data, config, lora: LORA });
		const gpuLosses: number[] = [];
		for (let i = 0; i < 10; i++) gpuLosses.push(...(await trainer.trainStep()).losses.map(({ loss }) => loss));
		const lossErrors = gpuLosses.map((loss, i) => Math.abs(loss - cpuLosses[i]) / cpuLosses[i]);
		const state = await trainer.state();
		const adapterError = relativeError(state.params, cpu.adapter.params);
		console.info('lora training parity', { lossErrors: Math.max(...lossErrors), adapterError, evaluate: [await trainer.evaluate(), cpu.evaluate()] });
		expect(gpuLosses).toHaveLength(10);
		for (const [i, error] of lossErrors.entries()) expect(error, `step ${i + 1}`).toBeLessThan(1e-3);
		expect(adapterError).toBeLessThan(1e-3);
		expect(state.optimizerStep).toBe(10);
		expect(await trainer.model.readParameters()).toEqual(base.params);

		// restore() uploads a CPU snapshot exactly.
		trainer.restore(cpu.state());
		expect((await trainer.state()).params).toEqual(cpu.adapter.params);
		await trainer.destroy();
	}, 40_000); // SwiftShader on a loaded 2-core machine; the (2, 16) kernels are already built by the test above
});
