// The API the inference worker exposes through comlink: load a model (config, flat parameters, tokenizer.json), run
// it on WebGPU when the device can and on the CPU otherwise (saying which and why), generate with text streamed to a
// proxied callback, and cancel. One GPU device serves every model the worker loads; if it is lost, the loaded model
// moves to the CPU and the next generation runs there. The GPU modules load on first use, so the CPU path (and Node)
// never evaluates them.
import { loadTokenizerJson, saveTokenizerJson } from '$lib/core/tokenizer/tokenizerJson';
import { importCheckpoint } from '../checkpoint/checkpoint';
import type { BpeTokenizer } from '$lib/core/tokenizer/bpe';
import { gptConfig, type GPTConfig, parameterCount } from '../config';
import { EngineConfigError, EngineInputError } from '../errors';
import { type GPUContext, requestGPU } from '../webgpu/device';
import type { KernelCache } from '../webgpu/kernels';
import { createCpuDecoder } from './cpu';
import type { Backend, Decoder } from './decoder';
import { generate, type GeneratedPiece, type GenerateParameters, type GenerateReturnType } from './generate';

export type LoadModelParameters = {
	/** The model's shape, as in a checkpoint's config.json (checked: unknown keys and bad values are errors). */
	config: GPTConfig;
	/** All parameters, (P) in params.ts's layout. */
	params: Float32Array;
	/** The tokenizer.json the model was trained with. */
	tokenizerJson: string;
	/** 'auto' (default) picks WebGPU when it can run the model, else the CPU; naming a backend makes its failure an error. */
	backend?: 'auto' | Backend;
};

export type LoadModelReturnType = {
	backend: Backend;
	/** Why this backend, in a sentence for the page (the adapter, or why WebGPU was not used). */
	reason: string;
	parameters: number;
	vocabSize: number;
};

export type GenerateTextParameters = Omit<GenerateParameters, 'decoder' | 'tokenizer' | 'signal' | 'onToken'>;

export type GenerateTextReturnType = GenerateReturnType & { backend: Backend };

type Loaded = { config: GPTConfig; params: Float32Array; tokenizer: BpeTokenizer; decoder: Decoder; reason: string };

/** Creates the inference API; requestDevice is requestGPU unless a test swaps it. */
export function createInferenceApi({ requestDevice = requestGPU }: { requestDevice?: () => Promise<GPUContext> } = {}) {
	let model: Loaded | null = null;
	let running: AbortController | null = null;
	let gpu: Promise<{ context: GPUContext; cache: KernelCache }> | null = null;

	const openGpu = () => {
		gpu ??= requestDevice().then(async (context) => {
			const { KernelCache } = await import('../webgpu/kernels');
			context.lost.then((error) => {
				gpu = null;
				if (model?.decoder.backend === 'webgpu') {
					model.decoder = createCpuDecoder(model);
					model.reason = `${error.shortMessage} The model now runs on the CPU.`;
				}
			});
			return { context, cache: new KernelCache(context.device) };
		});
		gpu.catch(() => (gpu = null));
		return gpu;
	};

	async function chooseDecoder(config: GPTConfig, params: Float32Array, choice: 'auto' | Backend): Promise<{ decoder: Decoder; reason: string }> {
		if (choice === 'cpu') return { decoder: createCpuDecoder({ config, params }), reason: 'The CPU was requested.' };
		try {
			const { context, cache } = await openGpu();
			const { createWebGPUDecoder } = await import('./webgpu');
			const decoder = await createWebGPUDecoder(cache, { config, params });
			const info = context.adapterInfo;
			const adapter = info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') || 'unnamed adapter';
			return { decoder, reason: `WebGPU on ${adapter}${info.isFallbackAdapter ? ' (a software adapter)' : ''}.` };
		} catch (error) {
			if (choice === 'webgpu') throw error;
			const why = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
			return { decoder: createCpuDecoder({ config, params }), reason: `WebGPU was not used: ${why} The model runs on the CPU.` };
		}
	}

	return {
		/** Loads a model, replacing the one loaded before; reports the backend it runs on and why. */
		async load({ config: raw, params, tokenizerJson, backend = 'auto' }: LoadModelParameters): Promise<LoadModelReturnType> {
			if (running) throw new EngineInputError('A generation is running; cancel it before loading another model.');
			const config = gptConfig('tiny', raw);
			const P = parameterCount(config);
			if (params.length !== P) {
				throw new EngineConfigError('The parameters do not fit the model config.', { details: `Expected ${P} floats, got ${params.length}.` });
			}
			const tokenizer = loadTokenizerJson(tokenizerJson);
			if (tokenizer.vocabSize > config.vocabSize) {
				throw new EngineConfigError('The tokenizer has more tokens than the model.', {
					details: `Tokenizer ${tokenizer.vocabSize}, model vocabSize ${config.vocabSize}.`,
					hint: 'Load the tokenizer.json the model was trained with.'
				});
			}
			const { decoder, reason } = await chooseDecoder(config, params, backend);
			model?.decoder.destroy();
			model = { config, params, tokenizer, decoder, reason };
			return { backend: decoder.backend, reason, parameters: P, vocabSize: config.vocabSize };
		},

		/** Loads a model from checkpoint files (weights.safetensors, config.json, tokenizer.json), checked in full here. */
		async loadCheckpoint(files: ReadonlyMap<string, Uint8Array>, backend: 'auto' | Backend = 'auto'): Promise<LoadModelReturnType> {
			const { config, params, tokenizer } = importCheckpoint(files);
			return this.load({ config, params, tokenizerJson: saveTokenizerJson(tokenizer), backend });
		},

		/** Generates from the loaded model, calling onToken with each piece of text as it decodes. */
		async generate(parameters: GenerateTextParameters, onToken?: (piece: GeneratedPiece) => void): Promise<GenerateTextReturnType> {
			if (!model) throw new EngineInputError('Load a model before generating.');
			if (running) throw new EngineInputError('A generation is already running.');
			const controller = new AbortController();
			running = controller;
			try {
				const { decoder, tokenizer } = model;
				const result = await generate({ ...parameters, decoder, tokenizer, signal: controller.signal, onToken });
				return { ...result, backend: decoder.backend };
			} finally {
				running = null;
			}
		},

		/** Stops the running generation after its current token; returns whether one was running. */
		cancel(): boolean {
			running?.abort();
			return running !== null;
		},

		/** The loaded model's backend and the reason for it, or null when none is loaded. */
		status(): { backend: Backend; reason: string } | null {
			return model ? { backend: model.decoder.backend, reason: model.reason } : null;
		},

		/** Frees the loaded model. */
		unload(): void {
			if (running) throw new EngineInputError('A generation is running; cancel it before unloading the model.');
			model?.decoder.destroy();
			model = null;
		}
	};
}

/** The inference worker's API, as the page sees it through comlink. */
export type InferenceApi = ReturnType<typeof createInferenceApi>;
