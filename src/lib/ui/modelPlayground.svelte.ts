// The Models page's "Try it" panel: a stored model loaded into the inference worker (WebGPU when the device can,
// else the CPU, with the reason), and a generation whose text streams in piece by piece and can be stopped. The prompt
// and checkpoint step of the last generation are kept with it, so the answer can be attributed to what produced it.
import * as Comlink from 'comlink';
import type { InferenceApi, LoadModelReturnType } from '../engine/infer/api';
import type { GeneratedPiece } from '../engine/infer/generate';
import type { SamplingOptions } from '../engine/infer/sample';
import { app } from './app.svelte';
import { modelFactory } from './modelFactory.svelte';

/** What a generation asks for; defaults give varied but sensible text. */
export type TryForm = { prompt: string; maxNewTokens: number; temperature: number; topK: number; topP: number; seed: number };

export const DEFAULT_TRY_FORM: TryForm = { prompt: '', maxNewTokens: 48, temperature: 0.8, topK: 40, topP: 0.95, seed: 0 };

class ModelPlayground {
	form = $state<TryForm>({ ...DEFAULT_TRY_FORM });
	/** The run whose model is loaded, the checkpoint step it was loaded at, and the backend it runs on. */
	loaded = $state.raw<(LoadModelReturnType & { runId: string; step: number }) | null>(null);
	loading = $state(false);
	generating = $state(false);
	output = $state('');
	/** Decode speed and why the last generation stopped. */
	stats = $state.raw<{ tokens: number; tokensPerSecond: number; stopReason: string } | null>(null);
	/** The prompt the output continues, as it was when generation started (the form may change since). */
	prompted = $state.raw<string | null>(null);

	#worker: Comlink.Remote<InferenceApi> | null = null;

	worker(): Comlink.Remote<InferenceApi> {
		if (!this.#worker) {
			const worker = new Worker(new URL('../../../workers/inference.worker.ts', import.meta.url), { type: 'module', name: 'inference' });
			this.#worker = Comlink.wrap<InferenceApi>(worker);
		}
		return this.#worker;
	}

	/** Loads a run's latest checkpoint into the inference worker. */
	async load(runId: string): Promise<void> {
		if (this.loading || this.generating) return;
		this.loading = true;
		try {
			const step = modelFactory.runs?.find((r) => r.runId === runId)?.step ?? 0;
			const files = await modelFactory.checkpointFiles(runId);
			this.loaded = { ...(await this.worker().loadCheckpoint(files)), runId, step };
			this.output = '';
			this.stats = null;
			this.prompted = null;
		} catch (e) {
			app.fail(e);
		} finally {
			this.loading = false;
		}
	}

	/** Generates from the prompt, appending each piece to the output as it arrives. */
	async generate(): Promise<void> {
		if (!this.loaded || this.generating) return;
		const f = this.form;
		const sampling: SamplingOptions = { temperature: f.temperature, topK: f.topK, topP: f.topP };
		this.generating = true;
		this.output = '';
		this.stats = null;
		this.prompted = f.prompt;
		try {
			const result = await this.worker().generate(
				{ prompt: f.prompt, maxNewTokens: f.maxNewTokens, sampling, seed: f.seed },
				Comlink.proxy((piece: GeneratedPiece) => void (this.output += piece.text))
			);
			this.stats = { tokens: result.tokens.length, tokensPerSecond: result.tokensPerSecond, stopReason: result.stopReason };
		} catch (e) {
			app.fail(e);
		} finally {
			this.generating = false;
		}
	}

	async stop(): Promise<void> {
		await this.worker().cancel();
	}
}

/** The "Try it" panel's state. */
export const modelPlayground = new ModelPlayground();
