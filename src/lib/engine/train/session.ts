// The training session the trainer worker exposes: start a run (records -> tokenizer -> token streams in storage),
// train it on WebGPU when the device allows, else on the CPU with the reason said, checkpoint it to OPFS, pause, resume,
// cancel, and resume a stored run after a reload. The CPU path is exact: a run resumed from a checkpoint ends with the
// same weights as one never interrupted. A GPU failure mid-run (device lost, a WebGPUError, a failed readback) moves
// the run to the CPU from the last state read back (the last checkpoint, or the start), with a notice event.
import { yieldToEventLoop } from '$lib/core/tasks';
import { Trainer, type TrainConfig, type TrainerState } from './trainer';
import { EngineConfigError } from '../errors';
import { type GPTConfig } from '../config';
import { opfsRunStorage, type RunStorage } from '../checkpoint/opfs';
import { requestGPU, WebGPUError, type GPUContext, type RequestGPUParameters } from '../webgpu/device';
import { KernelCache } from '../webgpu/kernels';
import { TrainingRunError } from './errors';
import { prepareTrainingRun, readApprovedRecords, type ModelOptions, type TokenizerOptions } from './prepare';
import type { TrainingRecord } from './data';
import { readModelFiles } from '../checkpoint/archive';
import { importCheckpoint } from '../checkpoint/checkpoint';
import { weightsHash } from '../checkpoint/weightsHash';
import { saveTokenizerJson } from '$lib/core/tokenizer/tokenizerJson';
import { loraConfig, type LoraConfig } from '../lora/config';
import { createLoraAdapter } from '../lora/lora';
import { mergeLora } from '../lora/mergeLora';
import { exportAdapter } from '../lora/adapterFiles';
import { LoraTrainer } from '../lora/trainer';
import { createRun, importRun, listRunManifests, loadRun, readCheckpointFiles, readManifest, readSpec, saveCheckpoint, updateManifest } from './runStore';
import type { BackendPreference, RunManifest, RunSpec, StoredRun, TrainingMethod } from './runStore';
import type { StepLoss, TrainStepOutcome } from './webgpuTrainer';

/** Test hooks, each simulating a GPU failure the session must survive. */
export type SimulateOptions = {
	/** The adapter request fails, as in a browser without WebGPU. */
	webgpuUnavailable?: boolean;
	/** The GPU device is destroyed right after this optimizer step (device.lost then resolves). */
	deviceLossAfterStep?: number;
};

/** What a run trains on and how. Exactly one of datanetIds and records. */
export type StartTrainingParameters = {
	/** The Datanets whose approved records (in IndexedDB) the run trains on. */
	datanetIds?: readonly string[];
	/** Or the records themselves. */
	records?: readonly TrainingRecord[];
	/** The IndexedDB database datanetIds are read from (default the app's). */
	dbName?: string;
	tokenizer?: TokenizerOptions;
	model?: ModelOptions;
	/** Training config overrides: keys of TrainConfig. */
	train?: Partial<TrainConfig>;
	/** Optimizer steps between checkpoints (default 50); one is also written at the end. */
	checkpointEvery?: number;
	/** Default 'webgpu', which falls back to the CPU when WebGPU cannot be used. */
	backend?: BackendPreference;
	/** The run's id (default a random UUID): letters, digits, '.', '_' and '-'. */
	runId?: string;
	/** Fine-tune a stored model (a finished run or an imported one) instead of training a new one: every weight
	 * ('full'), or a LoRA adapter on the frozen base ('lora'). Its tokenizer and config are kept; model and
	 * tokenizer options are then not given. */
	base?: { runId: string; method: 'full' | 'lora'; lora?: Partial<LoraConfig> };
	simulate?: SimulateOptions;
};

/** Options of resumeRun. */
export type ResumeRunOptions = { backend?: BackendPreference; simulate?: SimulateOptions };

/** One progress event, after each optimizer step. */
export type SessionProgress = {
	step: number;
	/** This step's training loss, when it was read back with this step (every step on the CPU, every few on WebGPU). */
	trainLoss?: number;
	/** Every training loss read back with this step, this one's included (up to 10 steps on WebGPU). */
	losses: StepLoss[];
	valLoss?: number;
	lr: number;
	/** Training tokens per second since this backend started, and the seconds left at that rate. */
	tokensPerSecond: number;
	etaSeconds: number;
	backend: 'webgpu' | 'cpu';
};

/** Everything a session reports, in order, to the callback of start or resumeRun. */
export type TrainingEvent =
	| {
			type: 'started';
			runId: string;
			backend: 'webgpu' | 'cpu';
			/** Why WebGPU was not used, when it was asked for. */
			fallbackReason?: string;
			/** The step training starts from (0, or the resumed checkpoint's). */
			step: number;
			steps: number;
			model: GPTConfig;
			train: TrainConfig;
			tokens: RunSpec['tokens'];
	  }
	| ({ type: 'progress' } & SessionProgress)
	| { type: 'checkpoint'; runId: string; step: number }
	| { type: 'notice'; kind: 'fallback'; message: string; details?: string; step: number }
	| { type: 'paused'; step: number }
	| { type: 'resumed'; step: number };

/** How a start or resumeRun ended. */
export type TrainingResult = {
	runId: string;
	status: 'finished' | 'cancelled';
	step: number;
	backend: 'webgpu' | 'cpu';
	fallbackReason?: string;
	trainLoss?: number;
	valLoss?: number;
};

/** A stored run as listRuns shows it. */
export type RunSummary = RunManifest & { model: GPTConfig; datanetIds: string[] | null; method: TrainingMethod };

/** The API of the trainer worker (workers/trainer.worker.ts); errors arrive as Errors whose message holds hint and details. */
export type TrainerApi = {
	/** Prepares the data, stores the run and trains it to the end (or cancel); one run at a time per session. */
	start(params: StartTrainingParameters, onEvent?: (event: TrainingEvent) => void): Promise<TrainingResult>;
	/** Continues a stored run from its latest checkpoint (e.g. after a reload) to the end; a finished run returns at once. */
	resumeRun(runId: string, onEvent?: (event: TrainingEvent) => void, options?: ResumeRunOptions): Promise<TrainingResult>;
	/** Stops between steps; resolves with the step it stopped at, or null when nothing is training. */
	pause(): Promise<number | null>;
	/** Continues a paused run. */
	resume(): void;
	/** Ends the running run after the current step, with a checkpoint; resolves once it has ended. */
	cancel(): Promise<void>;
	/** The stored runs, newest first. */
	listRuns(): Promise<RunSummary[]>;
	/** Stores a model from chosen files (a model zip, or its loose files) as a finished run; returns its summary. */
	importModel(files: readonly { name: string; bytes: Uint8Array }[]): Promise<RunSummary>;
	/** The files of a run's latest checkpoint (exportCheckpoint's names), e.g. to download or register the model. */
	readCheckpoint(runId: string): Promise<Map<string, Uint8Array>>;
	/** A LoRA run's adapter at its latest checkpoint, in PEFT's layout (adapter_model.safetensors, adapter_config.json,
	 * which names the base by its config and weights hash); throws for a run that is not a LoRA fine-tune. */
	readAdapter(runId: string): Promise<Map<string, Uint8Array>>;
	/** Deletes a stored run with all its files (not the one training). */
	deleteRun(runId: string): Promise<void>;
};

/** Options of createTrainerApi. */
export type CreateTrainerApiParameters = {
	/** Where runs are kept (default OPFS). */
	storage?: RunStorage;
	/** How the GPU is requested (default requestGPU). */
	requestDevice?: (options: RequestGPUParameters) => Promise<GPUContext>;
};

const DEFAULT_CHECKPOINT_EVERY = 50;

// One optimizer step at a time, on either backend.
type StepTrainer = {
	readonly step: number;
	trainStep(): Promise<TrainStepOutcome>;
	evaluate(): Promise<number | undefined>;
	state(): Promise<TrainerState>;
	destroy(): Promise<void>;
};

type Backend = { kind: 'webgpu' | 'cpu'; trainer: StepTrainer; context?: GPUContext; failure?: () => WebGPUError | null };

type Deferred<T> = { promise: Promise<T>; resolve: (value: T) => void };

type Control = { runId: string; pause: Deferred<number> | null; gate: Deferred<void> | null; cancelled: boolean; done: Promise<unknown> };

/** Creates the session API over a run storage; the worker exposes one. */
export function createTrainerApi({ storage = opfsRunStorage(), requestDevice = requestGPU }: CreateTrainerApiParameters = {}): TrainerApi {
	let active: Control | null = null;
	let preparing = false; // a start or resume reading its data, before its run is active

	const assertIdle = () => {
		if (active || preparing) throw new TrainingRunError('A training run is already in progress in this session.', { hint: 'Cancel it or wait for it to end.' });
	};
	// Runs the preparation of a start or resume with the session marked busy, so no second one starts meanwhile.
	const whilePreparing = async <T>(prepare: () => Promise<T>): Promise<T> => {
		assertIdle();
		preparing = true;
		try {
			return await prepare();
		} finally {
			preparing = false;
		}
	};

	async function run(stored: StoredRun, onEvent: ((event: TrainingEvent) => void) | undefined, backendPreference: BackendPreference, simulate: SimulateOptions = {}): Promise<TrainingResult> {
		assertIdle();
		const control: Control = { runId: stored.spec.runId, pause: null, gate: null, cancelled: false, done: Promise.resolve() };
		active = control;
		const done = train(stored, control, emitter(onEvent), backendPreference, simulate);
		control.done = done.catch(() => undefined);
		try {
			return await done;
		} finally {
			active = null;
		}
	}

	async function train(stored: StoredRun, control: Control, emit: (event: TrainingEvent) => void, preference: BackendPreference, simulate: SimulateOptions): Promise<TrainingResult> {
		const { spec, tokenizer, data } = stored;
		let manifest = stored.manifest;
		const { runId } = spec;
		const { steps, evalEvery, batchSize, gradAccumSteps } = spec.train;
		const tokensPerStep = batchSize * gradAccumSteps * spec.model.blockSize;
		const method: TrainingMethod = spec.method ?? { kind: 'scratch' };
		const base = stored.base && { config: spec.model, params: stored.base };
		const lora = method.kind === 'lora' ? method.lora : null;
		// The state training continues from: the latest checkpoint's (a LoRA run's is its adapter's), else for a full
		// fine-tune the base weights with fresh moments.
		let lastState: TrainerState | null =
			method.kind === 'lora'
				? (stored.adapter ?? null)
				: stored.checkpoint
					? { ...stored.checkpoint.training!, params: stored.checkpoint.params }
					: method.kind === 'full' && base
						? { step: 0, seed: spec.train.seed, optimizerStep: 0, params: base.params, m: new Float32Array(base.params.length), v: new Float32Array(base.params.length) }
						: null;
		let trainLoss = manifest.trainLoss;
		let valLoss = manifest.valLoss;

		const cpu = (): Backend => {
			if (lora) {
				const trainer = new LoraTrainer(base!, data, spec.train, lora);
				if (lastState) trainer.restore(lastState);
				return { kind: 'cpu', trainer: cpuStepTrainer(trainer) };
			}
			const trainer = new Trainer(spec.model, data, spec.train);
			if (lastState) trainer.restore(lastState);
			return { kind: 'cpu', trainer: cpuStepTrainer(trainer) };
		};
		let fallbackReason: string | undefined;
		let backend: Backend;
		if (preference === 'cpu') {
			backend = cpu();
		} else {
			const opened = await openWebGPU(spec, data, lastState, simulate, requestDevice, lora ? { base: base!, lora } : null);
			if ('reason' in opened) {
				fallbackReason = opened.reason;
				backend = cpu();
			} else {
				backend = opened;
			}
		}
		emit({ type: 'started', runId, backend: backend.kind, ...(fallbackReason ? { fallbackReason } : {}), step: backend.trainer.step, steps, model: spec.model, train: spec.train, tokens: spec.tokens });

		const checkpoint = async (status: RunManifest['status']) => {
			const state = await backend.trainer.state();
			const { step, seed, optimizerStep, params, m, v } = state;
			if (step === manifest.step && manifest.checkpoint !== null) {
				manifest = await updateManifest(storage, manifest, { status });
			} else {
				const record = { status, backend: backend.kind, trainLoss, valLoss };
				if (lora) {
					// The checkpoint runs as a plain GPT: the base with the adapter merged in; the adapter resumes.
					const adapter = createLoraAdapter(spec.model, lora, { seed });
					adapter.params.set(params);
					manifest = await saveCheckpoint(storage, manifest, { config: spec.model, params: mergeLora(base!.params, adapter), tokenizer, adapter: state }, record);
				} else {
					manifest = await saveCheckpoint(storage, manifest, { config: spec.model, params, tokenizer, training: { step, seed, optimizerStep, m, v } }, record);
				}
				emit({ type: 'checkpoint', runId, step });
			}
			lastState = state;
		};
		// Moves the run to the CPU from the last state read back; the steps since then are trained again.
		const fallBack = async (cause: unknown) => {
			const failed = backend.trainer.step;
			const reason = reasonOf(backend.failure?.() ?? cause);
			await backend.trainer.destroy().catch(() => undefined);
			backend.context?.device.destroy();
			backend = cpu();
			fallbackReason = reason;
			emit({ type: 'notice', kind: 'fallback', step: backend.trainer.step, message: `The GPU failed after step ${failed}; training continues on the CPU from step ${backend.trainer.step}.`, details: reason });
		};

		let started = performance.now();
		let firstStep = backend.trainer.step;
		let lostSimulated = false;
		for (;;) {
			if (backend.trainer.step >= steps || control.cancelled) {
				try {
					await checkpoint(backend.trainer.step >= steps ? 'finished' : 'cancelled');
					break;
				} catch (e) {
					if (!isBackendFailure(backend, e)) throw e;
					await fallBack(e);
					[started, firstStep] = [performance.now(), backend.trainer.step];
					continue;
				}
			}
			if (control.pause) {
				const step = backend.trainer.step;
				control.gate = deferred();
				control.pause.resolve(step);
				emit({ type: 'paused', step });
				await control.gate.promise;
				control.gate = null;
				emit({ type: 'resumed', step });
				[started, firstStep] = [performance.now(), step];
				continue;
			}
			try {
				if (backend.failure?.()) throw backend.failure();
				const { lr, losses } = await backend.trainer.trainStep();
				const step = backend.trainer.step;
				const evaluated = step % evalEvery === 0 || step === steps ? await backend.trainer.evaluate() : undefined;
				const own = losses.find((l) => l.step === step);
				if (losses.length > 0) trainLoss = losses[losses.length - 1].loss;
				if (evaluated !== undefined) valLoss = evaluated;
				const seconds = Math.max((performance.now() - started) / 1000, 1e-9);
				const tokensPerSecond = ((step - firstStep) * tokensPerStep) / seconds;
				emit({
					type: 'progress', step, lr, losses, tokensPerSecond, backend: backend.kind,
					etaSeconds: ((steps - step) * tokensPerStep) / tokensPerSecond,
					...(own && { trainLoss: own.loss }),
					...(evaluated !== undefined && { valLoss: evaluated })
				});
				if (step % spec.checkpointEvery === 0 && step < steps) await checkpoint('training');
				if (backend.context && step === simulate.deviceLossAfterStep && !lostSimulated) {
					lostSimulated = true;
					backend.context.device.destroy();
				}
			} catch (e) {
				if (!isBackendFailure(backend, e)) throw e;
				await fallBack(e);
				[started, firstStep] = [performance.now(), backend.trainer.step];
				continue;
			}
			await yieldToEventLoop(); // lets pause and cancel calls in
		}
		await backend.trainer.destroy();
		backend.context?.device.destroy();
		return { runId, status: manifest.status === 'finished' ? 'finished' : 'cancelled', step: manifest.step, backend: backend.kind, ...(fallbackReason ? { fallbackReason } : {}), ...(trainLoss !== undefined && { trainLoss }), ...(valLoss !== undefined && { valLoss }) };
	}

	// The model a fine-tune starts from: a stored run's latest checkpoint, its weights hash and tokenizer.
	async function baseModel({ runId, method }: NonNullable<StartTrainingParameters['base']>) {
		if (method !== 'full' && method !== 'lora') throw new EngineConfigError('A fine-tune\'s method must be "full" or "lora".', { details: `Got ${String(method)}.` });
		const manifest = await readManifest(storage, runId);
		if (!manifest?.checkpoint) throw new TrainingRunError('The model to fine-tune has no saved weights.', { details: runId, hint: 'Choose a model with a checkpoint.' });
		if (active?.runId === runId) throw new TrainingRunError('The model to fine-tune is still training.', { details: runId, hint: 'Wait for it to finish.' });
		const { config, params, tokenizer } = importCheckpoint(await readCheckpointFiles(storage, manifest));
		return { config, params, tokenizer, ref: { runId, weightsHash: weightsHash(params) } };
	}

	return {
		async start(params, onEvent) {
			const { datanetIds, records, dbName, tokenizer, model, train: trainOverrides = {}, checkpointEvery = DEFAULT_CHECKPOINT_EVERY, backend = 'webgpu', runId = crypto.randomUUID(), base, simulate } = params;
			assertIdle();
			if ((datanetIds === undefined) === (records === undefined)) {
				throw new TrainingRunError('A training run needs exactly one of datanetIds and records.');
			}
			if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 1) {
				throw new EngineConfigError('"checkpointEvery" must be a positive integer.', { details: `Got ${String(checkpointEvery)}.` });
			}
			if (backend !== 'webgpu' && backend !== 'cpu') throw new EngineConfigError('"backend" must be "webgpu" or "cpu".', { details: `Got ${String(backend)}.` });
			const stored = await whilePreparing(async (): Promise<StoredRun> => {
				if (await readManifest(storage, runId)) throw new TrainingRunError('A training run with this id exists already.', { details: runId, hint: 'Resume it, or delete it first.' });
				const from = base ? await baseModel(base) : null;
				const chosen = records ?? (await readApprovedRecords(datanetIds!, dbName));
				const prepared = prepareTrainingRun(chosen, from ? { tokenizer: { json: saveTokenizerJson(from.tokenizer) }, model: { overrides: from.config }, train: trainOverrides } : { tokenizer, model, train: trainOverrides });
				const { data } = prepared;
				const method: TrainingMethod = !from ? { kind: 'scratch' } : base!.method === 'lora' ? { kind: 'lora', base: from.ref, lora: loraConfig(base!.lora) } : { kind: 'full', base: from.ref };
				const spec: RunSpec = {
					format: 1, runId, createdAt: Date.now(), model: prepared.model, train: prepared.train, checkpointEvery, backend,
					datanetIds: datanetIds ? [...new Set(datanetIds)].sort() : null,
					records: { train: data.train.cids.length, validation: data.validation.cids.length },
					tokens: { train: data.train.tokens.length, validation: data.validation.tokens.length },
					origin: 'trained',
					method
				};
				const manifest = await createRun(storage, { spec, tokenizer: prepared.tokenizer, data, base: from?.params });
				return { spec, manifest, tokenizer: prepared.tokenizer, data, checkpoint: null, ...(from && { base: from.params }) };
			});
			return run(stored, onEvent, backend, simulate);
		},

		async resumeRun(runId, onEvent, { backend, simulate } = {}) {
			const stored = await whilePreparing(async () => {
				const manifest = await readManifest(storage, runId);
				return manifest?.status === 'finished' ? manifest : loadRun(storage, runId);
			});
			if ('format' in stored) {
				const { step, trainLoss, valLoss } = stored;
				return { runId, status: 'finished', step, backend: stored.backend, ...(trainLoss !== undefined && { trainLoss }), ...(valLoss !== undefined && { valLoss }) };
			}
			return run(stored, onEvent, backend ?? stored.spec.backend, simulate);
		},

		async pause() {
			if (!active) return null;
			if (active.gate) return active.pause!.promise;
			active.pause ??= deferred();
			const paused = active.pause.promise;
			// The loop ends instead of pausing when it reaches the last step first.
			return Promise.race([paused, active.done.then(() => null)]);
		},

		resume() {
			if (!active?.gate) return;
			active.pause = null;
			active.gate.resolve();
		},

		async cancel() {
			if (!active) return;
			const control = active;
			control.cancelled = true;
			control.pause = null;
			control.gate?.resolve();
			await control.done;
		},

		async listRuns() {
			const summaries: RunSummary[] = [];
			for (const manifest of await listRunManifests(storage)) {
				const spec = await readSpec(storage, manifest.runId).catch(() => null);
				if (spec) summaries.push({ ...manifest, model: spec.model, datanetIds: spec.datanetIds, method: spec.method ?? { kind: 'scratch' } });
			}
			return summaries;
		},

		async importModel(files) {
			const { spec, manifest } = await importRun(storage, crypto.randomUUID(), readModelFiles(files));
			return { ...manifest, model: spec.model, datanetIds: null, method: { kind: 'scratch' } };
		},

		async readCheckpoint(runId) {
			const manifest = await readManifest(storage, runId);
			if (!manifest) throw new TrainingRunError('There is no training run under this id.', { details: runId });
			return readCheckpointFiles(storage, manifest);
		},

		async readAdapter(runId) {
			const stored = await loadRun(storage, runId);
			const method = stored.spec.method;
			if (method?.kind !== 'lora') throw new TrainingRunError('This model was not trained as a LoRA adapter.', { details: runId, hint: 'Export the whole model instead.' });
			if (!stored.adapter) throw new TrainingRunError('This LoRA run has no checkpoint yet.', { details: runId });
			const adapter = createLoraAdapter(stored.spec.model, method.lora, { seed: stored.adapter.seed });
			adapter.params.set(stored.adapter.params);
			return exportAdapter(adapter, stored.base!);
		},

		async deleteRun(runId) {
			if (active?.runId === runId) throw new TrainingRunError('This run is training.', { details: runId, hint: 'Cancel it first.' });
			await storage.remove(runId);
		}
	};
}

// Opens the GPU and builds the model there, or says why not. A model too large for the GPU is an error, not a fallback.
async function openWebGPU(
	spec: RunSpec,
	data: StoredRun['data'],
	state: TrainerState | null,
	simulate: SimulateOptions,
	requestDevice: (options: RequestGPUParameters) => Promise<GPUContext>,
	lora: { base: { config: GPTConfig; params: Float32Array }; lora: LoraConfig } | null
): Promise<Backend | { reason: string }> {
	let failure: WebGPUError | null = null;
	let context: GPUContext | undefined;
	try {
		if (simulate.webgpuUnavailable) throw new WebGPUError('unavailable', 'WebGPU is not available in this browser.', { details: 'Simulated by the session\'s test hook.' });
		context = await requestDevice({ onError: (e) => void (failure ??= e) });
		void context.lost.then((e) => void (failure ??= e));
		// Loaded here, not at the top: the WebGPU modules read GPU globals when they load, which Node and old browsers lack.
		const cache = new KernelCache(context.device);
		const trainer = lora
			? await (await import('../lora/webgpuTrainer')).createWebGPULoraTrainer(cache, { base: lora.base, data, config: spec.train, lora: lora.lora })
			: await (await import('./webgpuTrainer')).createWebGPUTrainer(cache, { model: spec.model, data, config: spec.train });
		if (state) trainer.restore(state);
		return { kind: 'webgpu', trainer, context, failure: () => failure };
	} catch (e) {
		context?.device.destroy();
		if (e instanceof WebGPUError) return { reason: reasonOf(e) };
		throw e;
	}
}

function cpuStepTrainer(trainer: Trainer | LoraTrainer): StepTrainer {
	return {
		get step() {
			return trainer.step;
		},
		async trainStep() {
			const { loss, lr } = trainer.trainStep();
			return { lr, losses: [{ step: trainer.step, loss }] };
		},
		evaluate: async () => trainer.evaluate(),
		state: async () => trainer.state(),
		destroy: async () => undefined
	};
}

// A failure of the GPU rather than of the run: a lost device or uncaptured GPU error, a typed WebGPU error, or the
// DOMExceptions that a lost device's mapAsync rejects with.
function isBackendFailure(backend: Backend, e: unknown): boolean {
	if (backend.kind !== 'webgpu') return false;
	if (backend.failure?.() || e instanceof WebGPUError) return true;
	const name = typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : '';
	return name === 'OperationError' || name === 'AbortError' || name === 'GPUPipelineError';
}

function reasonOf(e: unknown): string {
	if (e instanceof WebGPUError) return e.details ? `${e.shortMessage} (${e.details})` : e.shortMessage;
	return e instanceof Error ? e.message : String(e);
}

// Events go out without waiting: through comlink the callback is remote, and a failing listener must not stop training.
function emitter(onEvent: ((event: TrainingEvent) => void) | undefined): (event: TrainingEvent) => void {
	return (event) => {
		if (!onEvent) return;
		try {
			void Promise.resolve(onEvent(event)).catch(() => undefined);
		} catch {
			// a listener's error is the listener's
		}
	};
}

function deferred<T>(): Deferred<T> {
	let resolve!: (value: T) => void;
	const promise = new Promise<T>((r) => (resolve = r));
	return { promise, resolve };
}
