// Trains a LoRA adapter on a frozen base on WebGPU, with LoraTrainer's semantics: the same checked TrainConfig,
// sampleBatch draws, schedule, accumulation (each micro-batch's backward seeded with 1 / accum), clipping of the
// adapter's gradients alone, and the adapter drawn from the training seed. As train/webgpuTrainer.ts, losses stay in
// a loss log on the GPU, read back every readEvery steps and on evaluation and final steps; the loss-log handling is
// repeated here rather than shared, because that trainer's state() and restore() are of the base model.
// Shapes: B batch, T time, P_lora adapter parameters.
import { checkWebGPUFits } from '../capabilities';
import { IGNORE_INDEX } from '../cpu/crossEntropy';
import { EngineConfigError } from '../errors';
import { sampleBatch, validationBatches, type TokenBatch } from '../train/data';
import { learningRateAt } from '../train/schedule';
import { checkTrainerState, deriveTrainValues, trainConfig, type DerivedTrainValues, type TrainConfig, type TrainerData, type TrainerState } from '../train/trainer';
import { READ_EVERY, type StepLoss, type TrainStepOutcome } from '../train/webgpuTrainer';
import { readTensor } from '../webgpu/buffers';
import { createWebGPUGPT, type WebGPUGPT } from '../webgpu/gpt';
import type { KernelCache } from '../webgpu/kernels';
import { createWebGPULoraAdapter, type WebGPULoraAdapter } from '../webgpu/lora';
import { loraConfig, type LoraConfig } from './config';
import { LoraAdapterError } from './errors';
import { createLoraAdapter } from './lora';
import type { LoraBase } from './trainer';

/** Options of createWebGPULoraTrainer. */
export type CreateWebGPULoraTrainerParameters = {
	/** The frozen base: its config and weights (P), uploaded once. */
	base: LoraBase;
	data: TrainerData;
	config: TrainConfig;
	lora: LoraConfig;
	/** Steps between loss readbacks, 1 to READ_EVERY (default READ_EVERY). */
	readEvery?: number;
};

/** Uploads the base, creates the adapter from the training seed (LoraTrainer's initial adapter) and attaches it. */
export async function createWebGPULoraTrainer(
	cache: KernelCache,
	{ base, data, config, lora, readEvery = READ_EVERY }: CreateWebGPULoraTrainerParameters
): Promise<WebGPULoraTrainer> {
	const checked = trainConfig(config);
	if (!Number.isSafeInteger(readEvery) || readEvery < 1 || readEvery > READ_EVERY) {
		throw new EngineConfigError(`readEvery must be an integer from 1 to ${READ_EVERY}.`, { details: `Got ${readEvery}.` });
	}
	checkWebGPUFits(cache.device.limits, base.config, checked.batchSize);
	const model = await createWebGPUGPT(cache, { config: base.config });
	if (base.params.length !== model.params.size / 4) {
		await model.destroy();
		throw new LoraAdapterError('The base weights do not fit the base config.', {
			details: `The config has ${model.params.size / 4} parameters; the weights have ${base.params.length}.`
		});
	}
	cache.device.queue.writeBuffer(model.params, 0, Float32Array.from(base.params));
	const adapter = await createWebGPULoraAdapter(cache, createLoraAdapter(base.config, loraConfig(lora), { seed: checked.seed }));
	model.attachLora(adapter);
	return new WebGPULoraTrainer(cache, model, adapter, data, checked, readEvery);
}

/** Trains a WebGPU LoRA adapter one optimizer step at a time; use createWebGPULoraTrainer. */
export class WebGPULoraTrainer {
	/** The base GPT with the adapter attached; its params are never written after construction. */
	readonly model: WebGPUGPT;
	readonly adapter: WebGPULoraAdapter;
	readonly config: TrainConfig;
	readonly derived: DerivedTrainValues;
	private readonly device: GPUDevice;
	private readonly train: Int32Array;
	private readonly validation: TokenBatch[];
	private readonly readEvery: number;
	/** (readEvery * accum + evalBatches) micro-batch losses: training slots first, then one per validation batch. */
	private readonly lossLog: GPUBuffer;
	/** Steps whose losses sit in the log, not yet read back. */
	private pending: number[] = [];
	private currentStep = 0;

	constructor(cache: KernelCache, model: WebGPUGPT, adapter: WebGPULoraAdapter, data: TrainerData, config: TrainConfig, readEvery: number) {
		this.device = cache.device;
		this.model = model;
		this.adapter = adapter;
		this.config = config;
		this.derived = deriveTrainValues(config, model.config);
		this.train = data.train.tokens;
		this.validation = validationBatches(data.validation.tokens, config.batchSize, this.derived.T, config.evalBatches);
		this.readEvery = readEvery;
		this.lossLog = this.device.createBuffer({
			label: 'lora trainer loss log',
			size: (readEvery * config.gradAccumSteps + config.evalBatches) * 4,
			usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST
		});
	}

	/** Optimizer steps done. */
	get step(): number {
		return this.currentStep;
	}

	/** Encodes and submits one optimizer step on the adapter; reads the loss log back when it is due. */
	async trainStep(): Promise<TrainStepOutcome> {
		const { batchSize: B, gradAccumSteps: accum, seed, betas, eps, weightDecay, maxGradNorm, steps, evalEvery } = this.config;
		const { T, schedule } = this.derived;
		const batch = sampleBatch(this.train, B * accum, T, seed, this.currentStep);
		const lr = learningRateAt(this.currentStep, schedule);
		const update = { learningRate: lr, beta1: betas[0], beta2: betas[1], eps, weightDecay, maxGradNorm };
		const slot = this.pending.length * accum;
		for (let k = 0; k < accum; k++) {
			await this.model.trainMicroBatch(
				{ inputs: batch.inputs.subarray(k * B * T, (k + 1) * B * T), targets: batch.targets.subarray(k * B * T, (k + 1) * B * T), B, T },
				{ zeroGrad: k === 0, lossScale: 1 / accum, update: k === accum - 1 ? update : undefined, lossTo: { buffer: this.lossLog, index: slot + k } }
			);
		}
		this.currentStep += 1;
		this.pending.push(this.currentStep);
		const step = this.currentStep;
		const due = this.pending.length === this.readEvery || step % evalEvery === 0 || step === steps;
		return { lr, losses: due ? await this.flushLosses() : [] };
	}

	/** Reads back the losses of the steps not yet read (the mean of each step's micro-batches). */
	async flushLosses(): Promise<StepLoss[]> {
		if (this.pending.length === 0) return [];
		const accum = this.config.gradAccumSteps;
		const log = await readTensor(this.device, this.lossLog, this.pending.length * accum);
		const losses = this.pending.map((step, i) => {
			let sum = 0;
			for (let k = 0; k < accum; k++) sum += log[i * accum + k];
			return { step, loss: sum / accum };
		});
		this.pending = [];
		return losses;
	}

	/** Returns the mean loss over every predicted token of the validation batches, or undefined with no validation data. */
	async evaluate(): Promise<number | undefined> {
		const { batchSize: B } = this.config;
		const { T } = this.derived;
		const first = this.readEvery * this.config.gradAccumSteps;
		for (const [i, { inputs, targets }] of this.validation.entries()) {
			await this.model.forwardLoss({ inputs, targets, B, T }, { lossTo: { buffer: this.lossLog, index: first + i } });
		}
		if (this.validation.length === 0) return undefined;
		const log = await readTensor(this.device, this.lossLog, first + this.validation.length);
		let total = 0;
		let count = 0;
		for (const [i, { targets }] of this.validation.entries()) {
			let counted = 0;
			for (const t of targets) if (t !== IGNORE_INDEX) counted++;
			total += log[first + i] * counted;
			count += counted;
		}
		return count === 0 ? undefined : total / count;
	}

	/** Reads back the step, seed, adapter parameters and their AdamW state (as LoraTrainer's state()). */
	async state(): Promise<TrainerState> {
		const { params, m, v, step } = await this.adapter.readState();
		return { step: this.currentStep, seed: this.config.seed, optimizerStep: step, params, m, v };
	}

	/** Uploads a state() snapshot (from either backend) of a LoRA run with the same adapter shape and seed. */
	restore(state: TrainerState): void {
		checkTrainerState(state, this.adapter.size, this.config.seed, 'adapter');
		const f32 = (x: TrainerState['params']) => (x instanceof Float32Array ? x : Float32Array.from(x));
		this.adapter.writeState({ params: f32(state.params), m: f32(state.m), v: f32(state.v), step: state.optimizerStep });
		this.currentStep = state.step;
		this.pending = [];
	}

	/** Frees the model's, the adapter's and the loss log's buffers. */
	async destroy(): Promise<void> {
		this.lossLog.destroy();
		await this.adapter.destroy();
		await this.model.destroy();
	}
}
