// Trains a LoRA adapter on a frozen base GPT with train/trainer.ts's loop: the same checked TrainConfig, the same
// counter-based batches (seed, step), schedule, accumulation, clipping, validation and progress events, so a LoRA run
// and a full run on one seed see the same windows. The base weights never change: backward runs frozen, and only the
// adapter's buffers are clipped and stepped (weight decay on every A and B; see loraUpdate). The seed also draws A.
import type { GPTConfig } from '../config';
import type { Floats } from '../cpu/floats';
import { createGPT, type GPT } from '../cpu/gpt';
import { sampleBatch, validationBatches, type TokenBatch } from '../train/data';
import { learningRateAt } from '../train/schedule';
import {
	accumulateGradients,
	checkTrainerState,
	deriveTrainValues,
	runTrainingLoop,
	trainConfig,
	validationLoss,
	type DerivedTrainValues,
	type TrainConfig,
	type TrainerData,
	type TrainerOptions,
	type TrainerState,
	type TrainRunOptions,
	type TrainRunResult
} from '../train/trainer';
import { loraConfig, type LoraConfig } from './config';
import { LoraAdapterError } from './errors';
import { attachLora, createLoraAdapter, loraUpdate, loraZeroGrad, type LoraAdapter } from './lora';

/** The frozen base: its config and its weights (P), copied into the trainer's model. */
export type LoraBase = { config: GPTConfig; params: Floats };

/** Trains an adapter, created from the LoRA config and the training seed, on a frozen base. */
export class LoraTrainer {
	/** The base GPT with the adapter attached; its params are never written after construction. */
	readonly model: GPT;
	readonly adapter: LoraAdapter;
	readonly config: TrainConfig;
	readonly derived: DerivedTrainValues;
	private readonly train: Int32Array;
	private readonly validation: TokenBatch[];
	private currentStep = 0;

	/** Copies the base into a new model, attaches a fresh adapter and cuts the fixed validation batches. */
	constructor(base: LoraBase, data: TrainerData, config: TrainConfig, lora: LoraConfig, { precision = 'f32' }: TrainerOptions = {}) {
		this.config = trainConfig(config);
		this.derived = deriveTrainValues(this.config, base.config);
		this.model = createGPT(base.config, { precision });
		if (base.params.length !== this.model.params.length) {
			throw new LoraAdapterError('The base weights do not fit the base config.', {
				details: `The config has ${this.model.params.length} parameters; the weights have ${base.params.length}.`
			});
		}
		this.model.params.set(base.params);
		this.adapter = createLoraAdapter(base.config, loraConfig(lora), { seed: this.config.seed, precision });
		attachLora(this.model, this.adapter);
		this.train = data.train.tokens;
		this.validation = validationBatches(data.validation.tokens, this.config.batchSize, this.derived.T, this.config.evalBatches);
	}

	/** Optimizer steps done. */
	get step(): number {
		return this.currentStep;
	}

	/** Runs one optimizer step on the adapter (all micro-batches, clip, AdamW); returns its mean loss and learning rate. */
	trainStep(): { loss: number; lr: number } {
		const { batchSize: B, gradAccumSteps: accum, seed, betas, eps, weightDecay, maxGradNorm } = this.config;
		const { T, schedule } = this.derived;
		const batch = sampleBatch(this.train, B * accum, T, seed, this.currentStep);
		loraZeroGrad(this.adapter);
		const loss = accumulateGradients(this.model, batch, B, T, accum, this.adapter.grads, { frozen: true });
		const lr = learningRateAt(this.currentStep, schedule);
		loraUpdate(this.adapter, { learningRate: lr, beta1: betas[0], beta2: betas[1], eps, weightDecay, maxGradNorm });
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

	/** Copies the step, seed, adapter parameters and their AdamW state (params, m and v are the adapter's). */
	state(): TrainerState {
		const { params, m, v, step } = this.adapter;
		return { step: this.currentStep, seed: this.config.seed, optimizerStep: step, params: params.slice(), m: m.slice(), v: v.slice() };
	}

	/** Restores a state() snapshot taken from a LoRA trainer of the same adapter shape and seed. */
	restore(state: TrainerState): void {
		checkTrainerState(state, this.adapter.params.length, this.config.seed, 'adapter');
		this.adapter.params.set(state.params);
		this.adapter.m.set(state.m);
		this.adapter.v.set(state.v);
		this.adapter.step = state.optimizerStep;
		this.currentStep = state.step;
	}
}
