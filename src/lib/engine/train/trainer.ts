// The training loop over the CPU GPT: seeded batches, gradient accumulation, the cosine schedule, AdamW, periodic
// validation, progress events and cancellation. gptBackward seeds each micro-batch's mean loss with gradient 1 and
// adds into model.grads, so after `accum` micro-batches the sum is scaled once by 1/accum (before clipping): the step
// is then the gradient of the mean over all B*accum windows, as one big batch would give.
import { yieldToEventLoop } from '$lib/core/tasks';
import type { GPTConfig } from '../config';
import { EngineConfigError } from '../errors';
import type { Floats } from '../cpu/floats';
import { IGNORE_INDEX } from '../cpu/crossEntropy';
import { createGPT, gptBackward, gptForward, gptUpdate, gptZeroGrad, type GPT, type GPTBackwardOptions, type Precision } from '../cpu/gpt';
import { sampleBatch, validationBatches, type TokenBatch, type TokenStream } from './data';
import { TrainingStateError } from './errors';
import { learningRateAt, type ScheduleOptions } from './schedule';

/** Everything a training run is configured by; each field's default is in DEFAULT_TRAIN_CONFIG. */
export type TrainConfig = {
	/** Optimizer steps in the run; the cosine decay ends here. */
	steps: number;
	/** Windows per micro-batch (B); each window is the model's blockSize (T) tokens plus one target. */
	batchSize: number;
	/** Micro-batches per optimizer step: the effective batch is batchSize * gradAccumSteps windows. */
	gradAccumSteps: number;
	/** Peak learning rate, after warmup. */
	lr: number;
	/** Learning rate at the end of the cosine decay. */
	minLr: number;
	/** Steps of linear warmup from lr / (warmupSteps + 1) to lr. */
	warmupSteps: number;
	/** AdamW's decoupled weight decay on matrices and embedding tables. */
	weightDecay: number;
	/** AdamW's moment decays (beta1, beta2). */
	betas: readonly [number, number];
	/** AdamW's denominator epsilon. */
	eps: number;
	/** Global gradient-norm clip (Infinity disables it). */
	maxGradNorm: number;
	/** Validation loss every this many steps, and after the last one. */
	evalEvery: number;
	/** Validation batches per evaluation, always the first ones of the validation stream. */
	evalBatches: number;
	/** Seed of the weight init and of the batch sampler. */
	seed: number;
	/** Share of the records held out for validation (used by prepareData). */
	validationFraction: number;
};

/** The defaults (nanoGPT's small-data settings, scaled to a few hundred steps). */
export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = {
	steps: 300,
	batchSize: 8,
	gradAccumSteps: 1,
	lr: 1e-3,
	minLr: 1e-4,
	warmupSteps: 20,
	weightDecay: 0.1,
	betas: [0.9, 0.95],
	eps: 1e-8,
	maxGradNorm: 1,
	evalEvery: 50,
	evalBatches: 8,
	seed: 0,
	validationFraction: 0.1
};

const KEYS = Object.keys(DEFAULT_TRAIN_CONFIG) as (keyof TrainConfig)[];
type NumberKey = Exclude<keyof TrainConfig, 'betas'>;

// Each numeric field's rule, as [test, what it must be].
const RULES: Record<NumberKey, [(x: number) => boolean, string]> = {
	steps: [(x) => Number.isSafeInteger(x) && x >= 1, 'a positive integer'],
	batchSize: [(x) => Number.isSafeInteger(x) && x >= 1, 'a positive integer'],
	gradAccumSteps: [(x) => Number.isSafeInteger(x) && x >= 1, 'a positive integer'],
	lr: [(x) => Number.isFinite(x) && x > 0, 'a positive number'],
	minLr: [(x) => Number.isFinite(x) && x >= 0, 'a number >= 0'],
	warmupSteps: [(x) => Number.isSafeInteger(x) && x >= 0, 'an integer >= 0'],
	weightDecay: [(x) => Number.isFinite(x) && x >= 0, 'a number >= 0'],
	eps: [(x) => Number.isFinite(x) && x > 0, 'a positive number'],
	maxGradNorm: [(x) => x > 0, 'a positive number or Infinity'],
	evalEvery: [(x) => Number.isSafeInteger(x) && x >= 1, 'a positive integer'],
	evalBatches: [(x) => Number.isSafeInteger(x) && x >= 1, 'a positive integer'],
	seed: [(x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff, 'an integer from 0 to 2^32 - 1'],
	validationFraction: [(x) => x >= 0 && x < 1, 'a number from 0 up to (not including) 1']
};

/** Builds a checked training config from the defaults and overrides (e.g. a saved run's JSON); throws EngineConfigError. */
export function trainConfig(overrides: Readonly<Record<string, unknown>> = {}): TrainConfig {
	const unknown = Object.keys(overrides).filter((key) => !(KEYS as string[]).includes(key));
	if (unknown.length > 0) {
		throw new EngineConfigError(`Unknown training config key${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`, {
			hint: `Known keys: ${KEYS.join(', ')}.`
		});
	}
	const merged = { ...DEFAULT_TRAIN_CONFIG, ...overrides } as Record<string, unknown>;
	for (const [key, [valid, expected]] of Object.entries(RULES)) {
		const value = merged[key];
		if (typeof value !== 'number' || !valid(value)) {
			throw new EngineConfigError(`Training config "${key}" must be ${expected}.`, { details: `Got ${String(value)}.` });
		}
	}
	const betas = merged.betas;
	if (!Array.isArray(betas) || betas.length !== 2 || !betas.every((b) => typeof b === 'number' && b >= 0 && b < 1)) {
		throw new EngineConfigError('Training config "betas" must be two numbers in [0, 1).', { details: `Got ${String(betas)}.` });
	}
	const config: TrainConfig = { ...(merged as TrainConfig), betas: [betas[0], betas[1]] };
	if (config.minLr > config.lr) {
		throw new EngineConfigError('Training config "minLr" must not exceed "lr".', {
			details: `lr ${config.lr}, minLr ${config.minLr}.`
		});
	}
	return config;
}

/** Values computed from a training config and the model's shape, here and nowhere else. */
export type DerivedTrainValues = {
	/** Tokens per window: the model's blockSize. */
	T: number;
	/** Target tokens one optimizer step trains on. */
	tokensPerStep: number;
	schedule: ScheduleOptions;
};

/** Derives the window length, tokens per step and learning-rate schedule. */
export function deriveTrainValues(config: TrainConfig, model: GPTConfig): DerivedTrainValues {
	const T = model.blockSize;
	return {
		T,
		tokensPerStep: config.batchSize * config.gradAccumSteps * T,
		schedule: { warmupSteps: config.warmupSteps, maxSteps: config.steps, lr: config.lr, minLr: config.minLr }
	};
}

/** The token streams a trainer reads. */
export type TrainerData = { train: Pick<TokenStream, 'tokens'>; validation: Pick<TokenStream, 'tokens'> };

/** One progress event, after each optimizer step. */
export type TrainProgress = {
	/** Optimizer steps done. */
	step: number;
	/** Mean loss of this step's micro-batches. */
	trainLoss: number;
	/** Validation loss, on evaluation steps. */
	valLoss?: number;
	/** Learning rate this step used. */
	lr: number;
	/** Wall-clock training tokens per second since run() started (evaluations included). */
	tokensPerSecond: number;
	/** Seconds left at that rate. */
	etaSeconds: number;
};

/** Options of Trainer.run. */
export type TrainRunOptions = {
	/** Stops the run between steps; the trainer keeps its state, so state() still captures it. */
	signal?: AbortSignal;
	onProgress?: (progress: TrainProgress) => void;
};

/** How a run ended. */
export type TrainRunResult = { step: number; cancelled: boolean };

/** Everything an exact resume needs: the sampler is counter-based, so its state is (seed, step). */
export type TrainerState = {
	step: number;
	seed: number;
	/** AdamW's step count t (equal to step unless the model was trained elsewhere first). */
	optimizerStep: number;
	params: Floats; // (P)
	m: Floats; // (P)
	v: Floats; // (P)
};

/** Options of the Trainer constructor. */
export type TrainerOptions = {
	/** Element type of the model's buffers. */
	precision?: Precision;
};

/** Trains a CPU GPT, created from the model config and the training seed, on token streams. */
export class Trainer {
	readonly model: GPT;
	readonly config: TrainConfig;
	readonly derived: DerivedTrainValues;
	private readonly train: Int32Array;
	private readonly validation: TokenBatch[];
	private currentStep = 0;

	/** Creates the model and cuts the fixed validation batches; a config is checked with trainConfig first. */
	constructor(modelConfig: GPTConfig, data: TrainerData, config: TrainConfig, { precision = 'f32' }: TrainerOptions = {}) {
		this.config = trainConfig(config);
		this.derived = deriveTrainValues(this.config, modelConfig);
		this.model = createGPT(modelConfig, { seed: this.config.seed, precision });
		this.train = data.train.tokens;
		this.validation = validationBatches(data.validation.tokens, this.config.batchSize, this.derived.T, this.config.evalBatches);
	}

	/** Optimizer steps done. */
	get step(): number {
		return this.currentStep;
	}

	/** Runs one optimizer step (all micro-batches, clip, AdamW); returns its mean loss and learning rate. */
	trainStep(): { loss: number; lr: number } {
		const { batchSize: B, gradAccumSteps: accum, seed, betas, eps, weightDecay, maxGradNorm } = this.config;
		const { T, schedule } = this.derived;
		const batch = sampleBatch(this.train, B * accum, T, seed, this.currentStep);
		gptZeroGrad(this.model);
		const loss = accumulateGradients(this.model, batch, B, T, accum, this.model.grads);
		const lr = learningRateAt(this.currentStep, schedule);
		gptUpdate(this.model, { learningRate: lr, beta1: betas[0], beta2: betas[1], eps, weightDecay, maxGradNorm });
		this.currentStep += 1;
		return { loss, lr };
	}

	/** Returns the mean loss over every predicted token of the validation batches, or undefined with no validation data. */
	evaluate(): number | undefined {
		return validationLoss(this.model, this.validation, this.config.batchSize, this.derived.T);
	}

	/** Trains until config.steps or until the signal aborts, yielding to the event loop between steps. */
	run(options: TrainRunOptions = {}): Promise<TrainRunResult> {
		return runTrainingLoop(this, this.config, this.derived, options);
	}

	/** Copies the step, seed, parameters and AdamW state. */
	state(): TrainerState {
		const { params, m, v, step } = this.model;
		const copies = { params: params.slice(), m: m.slice(), v: v.slice() };
		return { step: this.currentStep, seed: this.config.seed, optimizerStep: step, ...copies };
	}

	/** Restores a state() snapshot taken from a trainer of the same model shape and seed. */
	restore(state: TrainerState): void {
		checkTrainerState(state, this.model.params.length, this.config.seed, 'model');
		this.model.params.set(state.params);
		this.model.m.set(state.m);
		this.model.v.set(state.v);
		this.model.step = state.optimizerStep;
		this.currentStep = state.step;
	}
}

/**
 * Forward and backward over the `accum` micro-batches (B windows of T each) of one step's batch, their gradients summed
 * into `grads` (the model's, or a LoRA adapter's with a frozen backward) and scaled once by 1/accum; returns the mean
 * loss. The caller zeroes the gradients before and applies the update after.
 */
export function accumulateGradients(model: GPT, batch: TokenBatch, B: number, T: number, accum: number, grads: Floats, backward: GPTBackwardOptions = {}): number {
	let loss = 0;
	for (let k = 0; k < accum; k++) {
		const inputs = batch.inputs.subarray(k * B * T, (k + 1) * B * T);
		const targets = batch.targets.subarray(k * B * T, (k + 1) * B * T);
		loss += gptForward(model, inputs, targets, B, T);
		gptBackward(model, backward);
	}
	if (accum > 1) for (let i = 0; i < grads.length; i++) grads[i] /= accum;
	return loss / accum;
}

/** What runTrainingLoop drives: Trainer, LoraTrainer. */
export type StepTrainer = { readonly step: number; trainStep(): { loss: number; lr: number }; evaluate(): number | undefined };

/** The training loop of the CPU trainers: steps until config.steps or the signal aborts, validation every evalEvery
 * steps and after the last, a progress event per step, and a yield to the event loop between steps. */
export async function runTrainingLoop(
	trainer: StepTrainer,
	{ steps, evalEvery }: TrainConfig,
	{ tokensPerStep }: DerivedTrainValues,
	{ signal, onProgress }: TrainRunOptions
): Promise<TrainRunResult> {
	const started = performance.now();
	const firstStep = trainer.step;
	while (trainer.step < steps) {
		if (signal?.aborted) return { step: trainer.step, cancelled: true };
		const { loss, lr } = trainer.trainStep();
		const step = trainer.step;
		const valLoss = step % evalEvery === 0 || step === steps ? trainer.evaluate() : undefined;
		const seconds = Math.max((performance.now() - started) / 1000, 1e-9);
		const tokensPerSecond = ((step - firstStep) * tokensPerStep) / seconds;
		const progress: TrainProgress = { step, trainLoss: loss, lr, tokensPerSecond, etaSeconds: ((steps - step) * tokensPerStep) / tokensPerSecond };
		if (valLoss !== undefined) progress.valLoss = valLoss;
		onProgress?.(progress);
		await yieldToEventLoop();
	}
	return { step: trainer.step, cancelled: false };
}

/** The mean loss over every predicted token of the batches (B windows of T each), or undefined when none is predicted. */
export function validationLoss(model: GPT, batches: readonly TokenBatch[], B: number, T: number): number | undefined {
	let total = 0;
	let count = 0;
	for (const { inputs, targets } of batches) {
		let counted = 0;
		for (const t of targets) if (t !== IGNORE_INDEX) counted++;
		total += gptForward(model, inputs, targets, B, T) * counted;
		count += counted;
	}
	return count === 0 ? undefined : total / count;
}

/** Throws TrainingStateError unless a saved state fits P parameters (of the `what`) and the seed, with valid steps. */
export function checkTrainerState(state: TrainerState, P: number, seed: number, what: 'model' | 'adapter'): void {
	if (state.params.length !== P || state.m.length !== P || state.v.length !== P) {
		throw new TrainingStateError(`The saved training state is for a different ${what} size.`, {
			details: `The ${what} has ${P} parameters; the state has ${state.params.length}.`
		});
	}
	if (state.seed !== seed) {
		throw new TrainingStateError('The saved training state was made with a different seed.', {
			details: `State seed ${state.seed}, trainer seed ${seed}.`,
			hint: 'Resume with the seed of the original run.'
		});
	}
	const validStep = (n: number) => Number.isSafeInteger(n) && n >= 0;
	if (!validStep(state.step) || !validStep(state.optimizerStep)) {
		throw new TrainingStateError('The saved training state has an invalid step.', {
			details: `step ${state.step}, optimizerStep ${state.optimizerStep}.`
		});
	}
}
