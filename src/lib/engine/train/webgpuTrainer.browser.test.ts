// WebGPUTrainer against the CPU Trainer in the page at a micro config (nEmbd 64 for the 256-byte binding alignment):
// gradient accumulation, validation, the loss log's readback cadence, and state()/restore() across backends.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gptConfig } from '../config';
import { createRng } from '../random';
import { relativeError } from '../webgpu/parity';
import { requestGPU } from '../webgpu/device';
import { KernelCache } from '../webgpu/kernels';
import { Trainer, trainConfig } from './trainer';
import { checkWebGPUFits, createWebGPUTrainer } from './webgpuTrainer';

const MICRO = gptConfig('tiny', { vocabSize: 32, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 64 });
const rng = createRng(11);
const stream = (n: number) => ({ tokens: Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * 32)) });
const DATA = { train: stream(2000), validation: stream(100) };
const CONFIG = trainConfig({ steps: 6, batchSize: 2, gradAccumSteps: 2, warmupSteps: 2, lr: 1e-2, evalEvery: 3, evalBatches: 2, seed: 5 });

let device: GPUDevice;
let cache: KernelCache;
beforeAll(async () => {
	({ device } = await requestGPU());
	cache = new KernelCache(device);
	device.pushErrorScope('validation');
});
afterAll(async () => {
	expect(await device.popErrorScope()).toBeNull();
	device.destroy();
});

describe('WebGPUTrainer', () => {
	test('accumulates, evaluates and reads losses back as the CPU Trainer computes them', async () => {
		const cpu = new Trainer(MICRO, DATA, CONFIG);
		const gpu = await createWebGPUTrainer(cache, { model: MICRO, data: DATA, config: CONFIG, readEvery: 2 });
		expect(Math.abs((await gpu.evaluate())! - cpu.evaluate()!)).toBeLessThan(1e-4);
		const read: number[] = [];
		for (let step = 1; step <= CONFIG.steps; step++) {
			const { loss, lr } = cpu.trainStep();
			const outcome = await gpu.trainStep();
			expect(outcome.lr).toBe(lr);
			read.push(outcome.losses.length);
			const own = outcome.losses.find((l) => l.step === step);
			if (own) expect(Math.abs(own.loss - loss) / loss, `step ${step}`).toBeLessThan(1e-3);
		}
		// When two steps are pending (readEvery) and on the evaluation steps 3 and 6.
		expect(read).toEqual([0, 2, 1, 0, 2, 1]);
		expect(Math.abs((await gpu.evaluate())! - cpu.evaluate()!) / cpu.evaluate()!).toBeLessThan(1e-3);
		const state = await gpu.state();
		expect(state).toMatchObject({ step: 6, optimizerStep: 6, seed: 5 });
		expect(relativeError(state.params, cpu.state().params)).toBeLessThan(1e-3);
		await gpu.destroy();
	});

	test('restores a CPU state and continues as the CPU does', async () => {
		const cpu = new Trainer(MICRO, DATA, CONFIG);
		for (let i = 0; i < 3; i++) cpu.trainStep();
		const gpu = await createWebGPUTrainer(cache, { model: MICRO, data: DATA, config: CONFIG });
		gpu.restore(cpu.state());
		expect((await gpu.state()).params).toEqual(Float32Array.from(cpu.state().params));
		const { loss } = cpu.trainStep();
		await gpu.trainStep();
		expect(gpu.step).toBe(4);
		const [{ loss: gpuLoss }] = await gpu.flushLosses();
		expect(Math.abs(gpuLoss - loss) / loss).toBeLessThan(1e-4);
		expect(() => gpu.restore({ ...cpu.state(), seed: 6 })).toThrow(/different seed/);
		await gpu.destroy();
	});

	test('refuses a model whose buffers exceed the GPU\'s binding limits', () => {
		const limits = { maxStorageBufferBindingSize: 32 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };
		expect(() => checkWebGPUFits(limits, MICRO, 8)).not.toThrow();
		expect(() => checkWebGPUFits(limits, gptConfig('base'), 8)).toThrow(/too large for this GPU[\s\S]*parameters \(P\)[\s\S]*logits \(B,T,V\) needs 64\.0 MiB[\s\S]*binds at most 32\.0 MiB/);
	});
});
