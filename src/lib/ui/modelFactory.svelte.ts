// The Models page's state: the Datanets a model can train on, the training runs stored in OPFS, and the live run.
// Training runs in the trainer worker (started on first use, one per tab); the state lives in this module, so the live
// chart survives visiting another page. A run left unfinished by a closed or reloaded tab is resumed from its last
// checkpoint when the page opens again.
import * as Comlink from 'comlink';
import { presetOffers, trainingMemoryBudget, type BufferLimits, type PresetOffer } from '../engine/capabilities';
import { estimateTokens, estimateTraining, type TrainingEstimate } from '../engine/train/estimate';
import { gptConfig, parameterCount, type GPTPreset } from '../engine/config';
import type { RunSummary, StartTrainingParameters, TrainerApi, TrainingEvent, TrainingResult } from '../engine/train/session';
import { getSetting, setSetting } from '../store/accounts';
import { getStats, listDatanets } from '../store/datanets';
import { forEachChunk } from '../store/records';
import { recordText } from '../core/record';
import type { Datanet, Hex } from '../store/schema';
import { fromWorkerError } from '../core/errors';
import { app } from './app.svelte';
import { influenceTrace } from './influenceTrace.svelte';
import { count } from './format';

/** A Datanet offered for training: only its approved records are used. */
export type TrainableDatanet = { datanet: Datanet; approved: number };

/** What the form asks for; every field has a default a first-time user can keep. */
export type TrainForm = {
	/** The Datanets to train on (their approved records, together). */
	datanetIds: Hex[];
	preset: GPTPreset;
	/** 'auto' trains on WebGPU when the device allows, else on the CPU; 'cpu' always on the CPU. */
	backend: 'auto' | 'cpu';
	steps: number;
	batchSize: number;
	lr: number;
	checkpointEvery: number;
	/** A stored model to fine-tune (its run id), or null for a new model of `preset`. */
	base: string | null;
	/** How a base is fine-tuned: every weight, or a LoRA adapter of `loraRank` on the frozen base. */
	method: 'full' | 'lora';
	loraRank: number;
};

export const DEFAULT_TRAIN_FORM: TrainForm = {
	datanetIds: [],
	preset: 'tiny',
	backend: 'auto',
	steps: 300,
	batchSize: 8,
	lr: 3e-3,
	checkpointEvery: 25,
	base: null,
	method: 'lora',
	loraRank: 8
};

/** One point of a loss curve. */
export type LossPoint = { step: number; loss: number };

/** The run training in this tab, as the page shows it. */
export type LiveRun = {
	runId: string;
	backend: 'webgpu' | 'cpu';
	fallbackReason?: string;
	/** The step this session started from: 0, or the checkpoint a resume began at. */
	startStep: number;
	step: number;
	steps: number;
	paramCount: number;
	trainLosses: LossPoint[];
	valLosses: LossPoint[];
	tokensPerSecond: number | null;
	etaSeconds: number | null;
	lastCheckpoint: number | null;
	paused: boolean;
	notice: string | null;
	status: 'training' | 'finished' | 'cancelled' | 'failed';
};

/** A preset's size in words, e.g. "tiny: 0.48M parameters". */
export function presetLabel(preset: GPTPreset): string {
	return `${preset}: ${(parameterCount(gptConfig(preset)) / 1e6).toFixed(2)}M parameters`;
}

/** Seconds as "1 min 5 s". */
export function duration(seconds: number): string {
	if (!Number.isFinite(seconds)) return '…';
	const s = Math.max(0, Math.round(seconds));
	return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

class ModelFactory {
	datanets = $state.raw<TrainableDatanet[] | null>(null);
	runs = $state.raw<RunSummary[] | null>(null);
	form = $state<TrainForm>({ ...DEFAULT_TRAIN_FORM });
	live = $state<LiveRun | null>(null);
	/** The WebGPU adapter's buffer limits: null without an adapter, undefined until asked. */
	gpuLimits = $state.raw<BufferLimits | null | undefined>(undefined);
	/** The presets this device can train at the form's batch size, with their memory. */
	offers = $derived<PresetOffer[]>(presetOffers(this.gpuLimits ?? null, Math.max(1, this.form.batchSize || 1), trainingMemoryBudget(deviceMemory())));
	/** The chosen Datanets' approved text: its characters and records (null until read), and which Datanets. */
	data = $state.raw<{ key: string; chars: number; records: number } | null>(null);
	/** Tokens per second runs measured in this browser, by "preset:backend". */
	speeds = $state.raw<Record<string, number>>({});
	/** About how many tokens the chosen Datanet makes with the chosen preset's tokenizer. */
	dataTokens = $derived(this.data && this.data.key === this.#dataKey(this.form.datanetIds) ? estimateTokens(this.data.chars, this.data.records, (this.baseRun()?.model ?? gptConfig(this.form.preset)).vocabSize) : null);
	/** What the form's run reads and about how long it takes on the chosen device. */
	estimate = $derived.by<TrainingEstimate | null>(() => {
		const f = this.form;
		if (!(f.steps >= 1) || !(f.batchSize >= 1)) return null;
		const backend = f.backend === 'cpu' || !this.gpuLimits ? 'cpu' : 'webgpu';
		const model = this.baseRun()?.model ?? gptConfig(f.preset);
		return estimateTraining({ model, batchSize: f.batchSize, steps: f.steps, dataTokens: this.dataTokens, backend, measuredTokensPerSecond: f.base ? undefined : this.speeds[`${f.preset}:${backend}`] });
	});

	/** The stored models a run can start from: any with saved weights that is not training. */
	bases(): RunSummary[] {
		return (this.runs ?? []).filter((r) => r.checkpoint !== null && r.status !== 'training');
	}

	/** The chosen base model, if any. */
	baseRun(): RunSummary | null {
		return this.form.base ? (this.bases().find((r) => r.runId === this.form.base) ?? null) : null;
	}

	#worker: Comlink.Remote<TrainerApi> | null = null;
	#resumeTried = false;
	/** The preset of the run this tab started, to remember its speed by. */
	#startedPreset: GPTPreset | null = null;

	/** The trainer worker, started on first use. */
	worker(): Comlink.Remote<TrainerApi> {
		if (!this.#worker) {
			const worker = new Worker(new URL('../../../workers/trainer.worker.ts', import.meta.url), { type: 'module', name: 'trainer' });
			this.#worker = Comlink.wrap<TrainerApi>(worker);
		}
		return this.#worker;
	}

	/** Reads the Datanets and the stored runs; the first time, resumes a run a closed tab left unfinished. */
	async refresh(): Promise<void> {
		if (this.gpuLimits === undefined) this.gpuLimits = await adapterLimits();
		const db = await app.db();
		const list = await listDatanets(db);
		this.datanets = await Promise.all(list.map(async (datanet) => ({ datanet, approved: (await getStats(db, datanet.id)).byStatus.approved })));
		const stored = new Set(this.datanets.map((d) => d.datanet.id));
		this.form.datanetIds = this.form.datanetIds.filter((id) => stored.has(id));
		if (this.form.datanetIds.length === 0) {
			const first = this.datanets.find((d) => d.approved > 0);
			if (first) this.form.datanetIds = [first.datanet.id];
		}
		this.speeds = await getSetting<Record<string, number>>(db, 'trainingSpeed', {});
		this.runs = await this.worker().listRuns();
		if (!this.#resumeTried && !this.live) {
			this.#resumeTried = true;
			const unfinished = this.runs.find((r) => r.status === 'training');
			if (unfinished) void this.resume(unfinished.runId);
		}
	}

	/** Reads how much approved text the Datanets have (for the token estimate); again only when the choice changes or
	 * one of them does (its approved count or settings). */
	async measure(datanetIds: readonly Hex[]): Promise<void> {
		const key = this.#dataKey(datanetIds);
		if (datanetIds.length === 0 || this.data?.key === key) return;
		let chars = 0;
		let records = 0;
		const db = await app.db();
		for (const id of datanetIds) {
			await forEachChunk(db, id, (chunk) => {
				for (const r of chunk.records) {
					if (r.status !== 'approved') continue;
					chars += recordText(r.content).length;
					records++;
				}
			});
		}
		if (this.#dataKey(this.form.datanetIds) === key) this.data = { key, chars, records };
	}

	/** Starts a run from the form; `onStarted` hears the new run's id as soon as the worker has made it. */
	async start(onStarted?: (runId: string) => void): Promise<void> {
		const f = this.form;
		const chosen = (this.datanets ?? []).filter((d) => f.datanetIds.includes(d.datanet.id));
		if (this.live?.status === 'training') return;
		if (chosen.length === 0) return app.fail(new Error('Choose a Datanet to train on.'));
		const base = f.base ? this.baseRun() : null;
		if (f.base && !base) return app.fail(new Error('The model to fine-tune is no longer stored here; choose another, or a new model.'));
		const offer = this.offers.find((o) => o.preset === f.preset);
		if (!base && offer && !offer.available) return app.fail(new Error(`The ${f.preset} model cannot train on this device: ${offer.reason}`));
		if (base && f.method === 'lora' && !(Number.isInteger(f.loraRank) && f.loraRank >= 1 && f.loraRank <= base.model.nEmbd)) {
			return app.fail(new Error(`The LoRA rank must be a whole number from 1 to ${base.model.nEmbd}, the model's width.`));
		}
		if (chosen.every((d) => d.approved === 0)) {
			const names = chosen.map((d) => `"${d.datanet.name}"`).join(', ');
			return app.fail(new Error(`${names} ${chosen.length === 1 ? 'has' : 'have'} no approved records yet: a model trains only on approved records.`));
		}
		const params: StartTrainingParameters = {
			datanetIds: chosen.map((d) => d.datanet.id),
			...(base ? { base: { runId: base.runId, method: f.method, lora: { rank: f.loraRank, alpha: 2 * f.loraRank } } } : { model: { preset: f.preset } }),
			train: { steps: f.steps, batchSize: f.batchSize, lr: f.lr, minLr: f.lr / 10, warmupSteps: Math.min(20, Math.floor(f.steps / 10)) },
			checkpointEvery: f.checkpointEvery,
			backend: f.backend === 'cpu' ? 'cpu' : 'webgpu'
		};
		this.#startedPreset = base ? null : f.preset;
		await this.#follow((onEvent) => this.worker().start(params, onEvent), onStarted);
	}

	/** Continues a stored run from its latest checkpoint. */
	async resume(runId: string): Promise<void> {
		if (this.live?.status === 'training') return;
		this.#startedPreset = null;
		await this.#follow((onEvent) => this.worker().resumeRun(runId, onEvent)); // on the device the run was started with
	}

	async pause(): Promise<void> {
		await this.worker().pause();
	}

	async unpause(): Promise<void> {
		await this.worker().resume();
	}

	async cancel(): Promise<void> {
		await this.worker().cancel();
	}

	async deleteRun(runId: string): Promise<void> {
		try {
			await this.worker().deleteRun(runId);
			if (this.live?.runId === runId) this.live = null;
			this.runs = await this.worker().listRuns();
		} catch (e) {
			app.fail(e);
		}
	}

	/** Imports a model (a zip, or its three files) into the run store, where it is listed as finished. */
	async importModel(files: readonly File[]): Promise<void> {
		const chosen = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
		const run = await this.worker().importModel(Comlink.transfer(chosen, chosen.map((c) => c.bytes.buffer)));
		this.runs = await this.worker().listRuns();
		app.notice = `Imported a model: ${run.model.nLayer} layers × ${run.model.nEmbd}, vocabulary ${count(run.model.vocabSize)}.`;
	}

	/** A LoRA run's adapter in PEFT's layout (adapter_model.safetensors, adapter_config.json). */
	adapterFiles(runId: string): Promise<Map<string, Uint8Array>> {
		return this.worker().readAdapter(runId);
	}

	/** The latest checkpoint's files of a run (model.safetensors, config.json, tokenizer.json, ...). */
	checkpointFiles(runId: string): Promise<Map<string, Uint8Array>> {
		return this.worker().readCheckpoint(runId);
	}

	// Runs a start or resume, folding its events into `live`, then refreshes the run list.
	async #follow(run: (onEvent: (event: TrainingEvent) => void) => Promise<TrainingResult>, onStarted?: (runId: string) => void): Promise<void> {
		try {
			const result = await run(
				Comlink.proxy((event: TrainingEvent) => {
					this.#apply(event);
					if (event.type === 'started') onStarted?.(event.runId);
				})
			);
			if (this.live) {
				this.live.status = result.status;
				const preset = this.#startedPreset;
				if (preset && this.live.tokensPerSecond) await this.#rememberSpeed(`${preset}:${this.live.backend}`, this.live.tokensPerSecond);
				if (result.status === 'finished') {
					app.notice = `Training finished at step ${count(result.step)}${result.valLoss === undefined ? '' : `, validation loss ${result.valLoss.toFixed(3)}`}.`;
					// The influence index is built right away, so the first answer can be attributed without a wait.
					influenceTrace.prepare(result.runId).catch((e) => app.fail(fromWorkerError(e)));
				}
			}
		} catch (e) {
			if (this.live) this.live.status = 'failed';
			app.fail(e);
		} finally {
			this.runs = await this.worker().listRuns().catch(() => this.runs);
		}
	}

	// Which Datanets, as they are now, a measurement is of: each id with its settings' time and approved count.
	#dataKey(ids: readonly string[]): string {
		const version = (id: string) => {
			const d = this.datanets?.find((x) => x.datanet.id === id);
			return d ? `${id}@${d.datanet.updatedAt}:${d.approved}` : id;
		};
		return ids.map(version).sort().join(',');
	}

	async #rememberSpeed(key: string, tokensPerSecond: number): Promise<void> {
		this.speeds = { ...this.speeds, [key]: tokensPerSecond };
		await setSetting(await app.db(), 'trainingSpeed', this.speeds);
	}

	#apply(event: TrainingEvent): void {
		if (event.type === 'started') {
			this.live = {
				runId: event.runId,
				backend: event.backend,
				fallbackReason: event.fallbackReason,
				startStep: event.step,
				step: event.step,
				steps: event.steps,
				paramCount: parameterCount(event.model),
				trainLosses: [],
				valLosses: [],
				tokensPerSecond: null,
				etaSeconds: null,
				lastCheckpoint: event.step > 0 ? event.step : null,
				paused: false,
				notice: event.step > 0 ? `Resumed from the checkpoint at step ${count(event.step)}.` : null,
				status: 'training'
			};
			return;
		}
		const live = this.live;
		if (!live) return;
		switch (event.type) {
			case 'progress':
				live.step = event.step;
				live.backend = event.backend;
				live.tokensPerSecond = event.tokensPerSecond;
				live.etaSeconds = event.etaSeconds;
				for (const l of event.losses) live.trainLosses.push({ step: l.step, loss: l.loss });
				if (event.valLoss !== undefined) live.valLosses.push({ step: event.step, loss: event.valLoss });
				break;
			case 'checkpoint':
				live.lastCheckpoint = event.step;
				break;
			case 'notice':
				live.notice = event.details ? `${event.message} ${event.details}` : event.message;
				break;
			case 'paused':
				live.paused = true;
				break;
			case 'resumed':
				live.paused = false;
				break;
		}
	}
}

/** The device's memory in GiB as the browser reports it (Chromium only), else undefined. */
function deviceMemory(): number | undefined {
	return typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
}

/** The WebGPU adapter's buffer limits, without creating a device; null when there is no adapter. */
async function adapterLimits(): Promise<BufferLimits | null> {
	try {
		const adapter = await navigator.gpu?.requestAdapter();
		return adapter ? { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize } : null;
	} catch {
		return null;
	}
}

/** The Models page's state. */
export const modelFactory = new ModelFactory();
