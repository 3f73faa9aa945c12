// The training loop's step on WebGPU, with the CPU Trainer's semantics: the same sampleBatch draws, learning rate,
// gradient accumulation (each micro-batch's backward seeded with 1 / accum, so the sum is the mean as on the CPU),
// validation batches and state. Losses are not read back per step: each micro-batch copies its mean loss into a small
// loss log on the GPU, and the log is read back every READ_EVERY steps and on evaluation and final steps, so one
// readback still yields every step's loss. Shapes: B batch, T time, V vocab, C channels, NH heads, P parameters.
import { parameterCount, type GPTConfig } from '../config';
import { IGNORE_INDEX } from '../cpu/crossEntropy';
import { checkWebGPUFits } from '../capabilities';
import { EngineConfigError } from '../errors';
import { readTensor } from '../webgpu/buffers';
import { createWebGPUGPT, type WebGPUGPT } from '../webgpu/gpt';
import type { KernelCache } from '../webgpu/kernels';
import { sampleBatch, validationBatches, type TokenBatch } from './data';
import { learningRateAt } from './schedule';
import { checkTrainerState, deriveTrainValues, trainConfig, type DerivedTrainValues, type TrainConfig, type TrainerData, type TrainerState } from './trainer';

/** Most optimizer steps between two loss readbacks. */
export const READ_EVERY = 10;

/** A training loss as read back: `step` counts optimizer steps done, as TrainProgress.step does. */
export type StepLoss = { step: number; loss: number };

/** What one optimizer step reports: its learning rate, and the losses read back with it (empty on most steps). */
export type TrainStepOutcome = { lr: number; losses: StepLoss[] };

/** Options of createWebGPUTrainer. */
export type CreateWebGPUTrainerParameters = {
	model: GPTConfig;
	data: TrainerData;
	config: TrainConfig;
	/** Steps between loss readbacks, 1 to READ_EVERY (default READ_EVERY). */
	readEvery?: number;
};

export { checkWebGPUFits } from '../capabilities';

/** Creates the GPU model from the training seed (the CPU Trainer's initial weights) and its loss log. */
export async function createWebGPUTrainer(
	cache: KernelCache,
	{ model, data, config, readEvery = READ_EVERY }: CreateWebGPUTrainerParameters
): Promise<WebGPUTrainer> {
	const checked = trainConfig(config);
	if (!Number.isSafeInteger(readEvery) || readEvery < 1 || readEvery > READ_EVERY) {
		throw new EngineConfigError(`readEvery must be an integer from 1 to ${READ_EVERY}.`, { details: `Got ${readEvery}.` });
	}
	checkWebGPUFits(cache.device.limits, model, checked.batchSize);
	const gpt = await createWebGPUGPT(cache, { config: model, seed: checked.seed });
	return new WebGPUTrainer(cache, gpt, data, checked, readEvery);
}

/** Trains a WebGPUGPT one optimizer step at a time; use createWebGPUTrainer. */
export class WebGPUTrainer {
	readonly model: WebGPUGPT;
	readonly config: TrainConfig;
	readonly derived: DerivedTrainValues;
	protected readonly device: GPUDevice;
	private readonly train: Int32Array;
	private readonly validation: TokenBatch[];
	private readonly readEvery: number;
	/** (readEvery * accum + evalBatches) micro-batch losses: training slots first, then one per validation batch. */
	protected readonly lossLog: GPUBuffer;
	/** Steps whose losses sit in the log, not yet read back. */
	protected pending: number[] = [];
	protected currentStep = 0;

	constructor(cache: KernelCache, model: WebGPUGPT, data: TrainerData, config: TrainConfig, readEvery: number) {
		this.device = cache.device;
		this.model = model;
		this.config = config;
		this.derived = deriveTrainValues(config, model.config);
		this.train = data.train.tokens;
		this.validation = validationBatches(data.validation.tokens, config.batchSize, this.derived.T, config.evalBatches);
		this.readEvery = readEvery;
		const slots = readEvery * config.gradAccumSteps + config.evalBatches;
		this.lossLog = this.device.createBuffer({
			label: 'trainer loss log',
			size: slots * 4,
			usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST
		});
	}

	/** Optimizer steps done. */
	get step(): number {
		return this.currentStep;
	}

	/** Encodes and submits one optimizer step (all micro-batches, clip, AdamW); reads the loss log back when it is due. */
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

	/** Reads back the step, seed, parameters and AdamW state (as the CPU Trainer's state()). */
	async state(): Promise<TrainerState> {
		const { params, m, v, step } = await this.model.readState();
		return { step: this.currentStep, seed: this.config.seed, optimizerStep: step, params, m, v };
	}

	/** Uploads a state() snapshot (from either backend) of a run with the same model shape and seed. */
	restore(state: TrainerState): void {
		checkTrainerState(state, parameterCount(this.model.config), this.config.seed, 'model');
		const f32 = (x: TrainerState['params']) => (x instanceof Float32Array ? x : Float32Array.from(x));
		this.model.writeState({ params: f32(state.params), m: f32(state.m), v: f32(state.v), step: state.optimizerStep });
		this.currentStep = state.step;
		this.pending = [];
	}

	/** Frees the model's and the loss log's buffers. */
	async destroy(): Promise<void> {
		this.lossLog.destroy();
		await this.model.destroy();
	}
}

