// Trains a LoRA adapter on a frozen base on WebGPU, with LoraTrainer's semantics: the same checked TrainConfig,
// sampleBatch draws, schedule, accumulation (each micro-batch's backward seeded with 1 / accum), clipping of the
// adapter's gradients alone, and the adapter drawn from the training seed. As train/webgpuTrainer.ts, losses stay in
// a loss log on the GPU, read back every readEvery steps and on evaluation and final steps: WebGPULoraTrainer is a
// WebGPUTrainer whose state() and restore() are the adapter's.
// Shapes: B batch, T time, P_lora adapter parameters.
import { checkWebGPUFits } from '../capabilities';
import { EngineConfigError } from '../errors';
import { checkTrainerState, trainConfig, type TrainConfig, type TrainerData, type TrainerState } from '../train/trainer';
import { READ_EVERY, WebGPUTrainer } from '../train/webgpuTrainer';
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

/** Trains a WebGPU LoRA adapter one optimizer step at a time (WebGPUTrainer's steps, loss log and evaluation on the
 * model with the adapter attached); its state is the adapter's. Use createWebGPULoraTrainer. */
export class WebGPULoraTrainer extends WebGPUTrainer {
	readonly adapter: WebGPULoraAdapter;

	constructor(cache: KernelCache, model: WebGPUGPT, adapter: WebGPULoraAdapter, data: TrainerData, config: TrainConfig, readEvery: number) {
		super(cache, model, data, config, readEvery);
		this.adapter = adapter;
	}

	/** Reads back the step, seed, adapter parameters and their AdamW state (as LoraTrainer's state()). */
	override async state(): Promise<TrainerState> {
		const { params, m, v, step } = await this.adapter.readState();
		return { step: this.currentStep, seed: this.config.seed, optimizerStep: step, params, m, v };
	}

	/** Uploads a state() snapshot (from either backend) of a LoRA run with the same adapter shape and seed. */
	override restore(state: TrainerState): void {
		checkTrainerState(state, this.adapter.size, this.config.seed, 'adapter');
		const f32 = (x: TrainerState['params']) => (x instanceof Float32Array ? x : Float32Array.from(x));
		this.adapter.writeState({ params: f32(state.params), m: f32(state.m), v: f32(state.v), step: state.optimizerStep });
		this.currentStep = state.step;
		this.pending = [];
	}

	/** Frees the model's, the adapter's and the loss log's buffers. */
	override async destroy(): Promise<void> {
		await this.adapter.destroy();
		await super.destroy();
	}
}
