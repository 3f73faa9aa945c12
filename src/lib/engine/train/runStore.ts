// A training run in storage: run.json (what it trains, fixed at the start), tokenizer.json and the token streams
// (so a resume never depends on what IndexedDB holds later), checkpoint-<step>/ (exportCheckpoint's files with the
// training state; a LoRA run's holds the merged weights to run, and adapter.safetensors, the adapter and its AdamW
// state, to resume), base/ (the weights a fine-tune started from, exportCheckpoint's files) and manifest.json,
// always written last: a run is what its manifest says, so a worker killed while
// writing leaves the previous checkpoint in force and at worst an unlisted directory, deleted by the next checkpoint.
import type { BpeTokenizer } from '$lib/core/tokenizer/bpe';
import { loadTokenizerJson, saveTokenizerJson } from '$lib/core/tokenizer/tokenizerJson';
import { gptConfig, type GPTConfig } from '../config';
import { exportCheckpoint, importCheckpoint, type Checkpoint, type ImportedCheckpoint } from '../checkpoint/checkpoint';
import type { RunStorage } from '../checkpoint/opfs';
import { readSafetensors, writeSafetensors } from '../checkpoint/safetensors';
import type { LoraConfig } from '../lora/config';
import type { TokenStream, TrainingData } from './data';
import { TrainingRunError } from './errors';
import { trainConfig, type TrainConfig, type TrainerState } from './trainer';

const FORMAT = 1;
const RUN = 'run.json';
const MANIFEST = 'manifest.json';
const TOKENIZER = 'tokenizer.json';
const DATA = 'data.json';
const TOKENS = { train: 'train.tokens', validation: 'validation.tokens' } as const;
const BASE = 'base';
const ADAPTER_STATE = 'adapter.safetensors';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Which backend a run asks for; it falls back to the CPU when WebGPU cannot be used. */
export type BackendPreference = 'webgpu' | 'cpu';

/** The model a fine-tune starts from: a stored run and the hash of the weights it had then. */
export type BaseModelRef = { runId: string; weightsHash: string };

/** How a run trains: a new model from random weights, every weight of a base model, or a LoRA adapter on a frozen
 * base (the run's checkpoints then hold the base with the adapter merged in). */
export type TrainingMethod = { kind: 'scratch' } | { kind: 'full'; base: BaseModelRef } | { kind: 'lora'; base: BaseModelRef; lora: LoraConfig };

/** What a run trains, fixed when it starts (run.json). */
export type RunSpec = {
	format: typeof FORMAT;
	runId: string;
	createdAt: number;
	model: GPTConfig;
	train: TrainConfig;
	/** Optimizer steps between checkpoints (one is also written at the end). */
	checkpointEvery: number;
	backend: BackendPreference;
	/** The Datanets the records came from (null when the caller passed records). */
	datanetIds: string[] | null;
	/** Records and tokens on each side of the split. */
	records: { train: number; validation: number };
	tokens: { train: number; validation: number };
	/** 'imported' for a model brought in from files: it has no data and cannot be trained further. */
	origin: 'trained' | 'imported';
	/** How it trains (absent: from scratch, as runs stored before fine-tuning existed). */
	method?: TrainingMethod;
};

/** Where a run stands. */
export type RunStatus = 'training' | 'cancelled' | 'finished';

/** The run's current state (manifest.json): its latest checkpoint and the last losses known. */
export type RunManifest = {
	format: typeof FORMAT;
	runId: string;
	status: RunStatus;
	/** Optimizer steps done at the latest checkpoint, of `steps`. */
	step: number;
	steps: number;
	/** The latest checkpoint's directory; null before the first. */
	checkpoint: string | null;
	/** Earlier checkpoints kept for influence attribution, oldest first: the first checkpoint at or past each quarter
	 * of the run (SNAPSHOTS_PER_RUN - 1 of them; the final weights are the latest checkpoint). */
	snapshots?: string[];
	/** The backend that wrote the latest checkpoint. */
	backend: 'webgpu' | 'cpu';
	trainLoss?: number;
	valLoss?: number;
	createdAt: number;
	updatedAt: number;
};

/** A run read back: spec, manifest, tokenizer, data and (when there is one) the latest checkpoint. */
export type StoredRun = {
	spec: RunSpec;
	manifest: RunManifest;
	tokenizer: BpeTokenizer;
	data: TrainingData;
	checkpoint: ImportedCheckpoint | null;
	/** A fine-tune's base weights (P). */
	base?: Float32Array;
	/** A LoRA run's adapter state at the latest checkpoint (its params, m and v are the adapter's). */
	adapter?: TrainerState;
};

/** Writes a new run's spec, tokenizer and token streams, then its manifest (status training, step 0). */
export async function createRun(storage: RunStorage, { spec, tokenizer, data, base }: { spec: RunSpec; tokenizer: BpeTokenizer; data: TrainingData; base?: Float32Array }): Promise<RunManifest> {
	const { runId } = spec;
	if ((spec.method?.kind ?? 'scratch') !== 'scratch' && !base) throw new TrainingRunError('A fine-tune needs its base weights.', { details: runId });
	await storage.write(runId, RUN, json(spec));
	if (base) for (const [name, bytes] of exportCheckpoint({ config: spec.model, params: base, tokenizer })) await storage.write(runId, `${BASE}/${name}`, bytes);
	await storage.write(runId, TOKENIZER, encoder.encode(saveTokenizerJson(tokenizer)));
	const streams = { train: { cids: data.train.cids, offsets: [...data.train.offsets] }, validation: { cids: data.validation.cids, offsets: [...data.validation.offsets] } };
	await storage.write(runId, DATA, json(streams));
	for (const side of ['train', 'validation'] as const) await storage.write(runId, TOKENS[side], int32Bytes(data[side].tokens));
	const manifest: RunManifest = {
		format: FORMAT, runId, status: 'training', step: 0, steps: spec.train.steps, checkpoint: null, backend: spec.backend === 'cpu' ? 'cpu' : 'webgpu',
		createdAt: spec.createdAt, updatedAt: Date.now()
	};
	await storage.write(runId, MANIFEST, json(manifest));
	return manifest;
}

/** Stores an imported model (no training state) as a finished run with no data, listed with the trained ones. */
export async function importRun(storage: RunStorage, runId: string, { config, params, tokenizer }: ImportedCheckpoint): Promise<{ spec: RunSpec; manifest: RunManifest }> {
	const now = Date.now();
	const none = { train: 0, validation: 0 };
	const spec: RunSpec = {
		format: FORMAT, runId, createdAt: now, model: config, train: trainConfig(), checkpointEvery: 1, backend: 'cpu',
		datanetIds: null, records: none, tokens: none, origin: 'imported'
	};
	await storage.write(runId, RUN, json(spec));
	await storage.write(runId, TOKENIZER, encoder.encode(saveTokenizerJson(tokenizer)));
	const directory = 'checkpoint-0000000';
	for (const [name, bytes] of exportCheckpoint({ config, params, tokenizer })) await storage.write(runId, `${directory}/${name}`, bytes);
	const manifest: RunManifest = { format: FORMAT, runId, status: 'finished', step: 0, steps: 0, checkpoint: directory, backend: 'cpu', createdAt: now, updatedAt: now };
	await storage.write(runId, MANIFEST, json(manifest));
	return { spec, manifest };
}

/** Reads a run's run.json (what it trains); throws TrainingRunError when it is missing or unreadable. */
export async function readSpec(storage: RunStorage, runId: string): Promise<RunSpec> {
	const raw = parse<RunSpec>(await required(storage, runId, RUN), runId, RUN);
	// Checked again, as an imported config.json would be: the file is only as trustworthy as the storage.
	return { ...raw, model: gptConfig('tiny', raw.model), train: trainConfig(raw.train) };
}

/** What saveCheckpoint records besides the checkpoint itself. */
export type CheckpointRecord = Pick<RunManifest, 'status' | 'backend' | 'trainLoss' | 'valLoss'>;

/** Writes a checkpoint's files into a new directory, then the manifest naming it, then deletes older checkpoints. */
export async function saveCheckpoint(
	storage: RunStorage,
	previous: RunManifest,
	checkpoint: Checkpoint & ({ training: NonNullable<Checkpoint['training']>; adapter?: undefined } | { training?: undefined; adapter: TrainerState }),
	record: CheckpointRecord
): Promise<RunManifest> {
	const { runId } = previous;
	const { adapter, ...model } = checkpoint;
	const step = model.training?.step ?? adapter!.step;
	const directory = checkpointDirectory(step);
	for (const [name, bytes] of exportCheckpoint(model)) await storage.write(runId, `${directory}/${name}`, bytes);
	if (adapter) await storage.write(runId, `${directory}/${ADAPTER_STATE}`, adapterStateBytes(adapter));
	// The previous latest checkpoint stays as a snapshot when it was the first to reach its quarter of the run.
	const snapshots = [...(previous.snapshots ?? [])];
	if (previous.checkpoint !== null && previous.checkpoint !== directory && isSnapshotStep(previous.step, previous.steps, snapshots.length) && !snapshots.includes(previous.checkpoint)) snapshots.push(previous.checkpoint);
	const manifest: RunManifest = { ...previous, ...record, step, checkpoint: directory, snapshots, updatedAt: Date.now() };
	if (record.trainLoss === undefined) delete manifest.trainLoss;
	if (record.valLoss === undefined) delete manifest.valLoss;
	await storage.write(runId, MANIFEST, json(manifest));
	for (const name of await storage.list(runId)) {
		if (name.startsWith('checkpoint-') && name !== directory && !snapshots.includes(name)) await storage.remove(runId, name);
	}
	return manifest;
}

/** Checkpoints an influence index sums over: SNAPSHOTS_PER_RUN - 1 snapshots and the final weights (eval/ measured
 * LDS 0.46 with the final weights alone, 0.50 with 2 checkpoints, 0.52 with 4; 8 added little for twice the cost). */
export const SNAPSHOTS_PER_RUN = 4;

/** A checkpoint's directory name. */
export function checkpointDirectory(step: number): string {
	return `checkpoint-${String(step).padStart(7, '0')}`;
}

// A checkpoint at `step` of `steps` becomes the next snapshot when it reaches the next quarter and is not the end.
function isSnapshotStep(step: number, steps: number, kept: number): boolean {
	return kept < SNAPSHOTS_PER_RUN - 1 && step < steps && step * SNAPSHOTS_PER_RUN >= (kept + 1) * steps;
}

/** Rewrites a run's manifest with a new status (the checkpoint it names stays). */
export async function updateManifest(storage: RunStorage, previous: RunManifest, { status }: Pick<RunManifest, 'status'>): Promise<RunManifest> {
	const manifest: RunManifest = { ...previous, status, updatedAt: Date.now() };
	await storage.write(previous.runId, MANIFEST, json(manifest));
	return manifest;
}

/** Reads a run's manifest; null when there is no run (or no manifest yet) under the id. */
export async function readManifest(storage: RunStorage, runId: string): Promise<RunManifest | null> {
	const bytes = await storage.read(runId, MANIFEST);
	if (bytes === null) return null;
	const manifest = parse<RunManifest>(bytes, runId, MANIFEST);
	if (manifest.format !== FORMAT || manifest.runId !== runId) {
		throw new TrainingRunError('The training run\'s manifest is not one this app wrote.', { details: `${runId}: format ${String(manifest.format)}` });
	}
	return manifest;
}

/** Reads everything needed to continue a run: spec, tokenizer, token streams and the latest checkpoint, and a
 * fine-tune's base weights where training needs them (a LoRA run's always; a full fine-tune's before its first
 * checkpoint). `base: false` skips them, for readers that only use the checkpoints. */
export async function loadRun(storage: RunStorage, runId: string, { base: withBase = true }: { base?: boolean } = {}): Promise<StoredRun> {
	const manifest = await readManifest(storage, runId);
	if (!manifest) throw new TrainingRunError('There is no training run under this id.', { details: runId, hint: 'List the runs to see which can be resumed.' });
	const spec = await readSpec(storage, runId);
	if (spec.origin === 'imported') throw new TrainingRunError('An imported model has no training data to continue with.', { details: runId });
	const tokenizer = loadTokenizerJson(decoder.decode(await required(storage, runId, TOKENIZER)));
	const streams = parse<Record<'train' | 'validation', { cids: string[]; offsets: number[] }>>(await required(storage, runId, DATA), runId, DATA);
	const stream = async (side: 'train' | 'validation'): Promise<TokenStream> => {
		const bytes = await required(storage, runId, TOKENS[side]);
		const tokens = new Int32Array(bytes.slice().buffer);
		if (tokens.length !== spec.tokens[side]) {
			throw new TrainingRunError('A training run\'s token stream is damaged.', { details: `${runId}/${TOKENS[side]}: ${tokens.length} tokens; run.json lists ${spec.tokens[side]}.` });
		}
		return { tokens, cids: streams[side].cids, offsets: Int32Array.from(streams[side].offsets) };
	};
	const data = { train: await stream('train'), validation: await stream('validation') };
	const lora = spec.method?.kind === 'lora';
	let checkpoint: ImportedCheckpoint | null = null;
	let adapter: TrainerState | undefined;
	if (manifest.checkpoint !== null) {
		checkpoint = importCheckpoint(await readCheckpointFiles(storage, manifest));
		if (lora) {
			const bytes = await storage.read(runId, `${manifest.checkpoint}/${ADAPTER_STATE}`);
			adapter = bytes ? readAdapterState(bytes, `${runId}/${manifest.checkpoint}`) : undefined;
		}
		const step = lora ? adapter?.step : checkpoint.training?.step;
		if (step !== manifest.step) {
			throw new TrainingRunError('The training run\'s latest checkpoint does not match its manifest.', { details: `${runId}/${manifest.checkpoint}` });
		}
	}
	const kind = spec.method?.kind ?? 'scratch';
	const needsBase = withBase && (kind === 'lora' || (kind === 'full' && checkpoint === null));
	const base = needsBase ? await readBase(storage, spec) : undefined;
	return { spec, manifest, tokenizer, data, checkpoint, ...(base && { base }), ...(adapter && { adapter }) };
}

// A fine-tune's base weights, as createRun stored them.
async function readBase(storage: RunStorage, spec: RunSpec): Promise<Float32Array> {
	const files = new Map<string, Uint8Array>();
	for (const name of ['weights.safetensors', 'config.json', 'tokenizer.json']) {
		const bytes = await storage.read(spec.runId, `${BASE}/${name}`);
		if (bytes) files.set(name, bytes);
	}
	if (!files.has('weights.safetensors')) throw new TrainingRunError('The fine-tune\'s base weights are missing.', { details: `${spec.runId}/${BASE}`, hint: 'Delete the run and start it again.' });
	return importCheckpoint(files).params;
}

// The adapter and its AdamW state as one safetensors file: flat params, m and v, and the counters as metadata.
function adapterStateBytes({ step, seed, optimizerStep, params, m, v }: TrainerState): Uint8Array {
	const tensor = (data: ArrayLike<number>) => ({ dtype: 'F32' as const, shape: [data.length], data: Float32Array.from(data) });
	return writeSafetensors([['params', tensor(params)], ['m', tensor(m)], ['v', tensor(v)]], { step: String(step), seed: String(seed), optimizerStep: String(optimizerStep) });
}

function readAdapterState(bytes: Uint8Array, where: string): TrainerState {
	try {
		const { tensors, metadata } = readSafetensors(bytes);
		const f32 = (name: string) => {
			const t = tensors.get(name);
			if (!t || t.dtype !== 'F32') throw new Error(`no F32 tensor "${name}"`);
			return t.data as Float32Array;
		};
		const int = (key: string) => {
			const n = Number(metadata[key]);
			if (!Number.isSafeInteger(n) || n < 0) throw new Error(`metadata "${key}" is ${metadata[key]}`);
			return n;
		};
		return { step: int('step'), seed: int('seed'), optimizerStep: int('optimizerStep'), params: f32('params'), m: f32('m'), v: f32('v') };
	} catch (cause) {
		throw new TrainingRunError('The LoRA run\'s adapter state is unreadable.', { details: where, cause, hint: 'Delete the run and start it again.' });
	}
}

/** Reads the files of a run's latest checkpoint (exportCheckpoint's names), or of one of its snapshot directories;
 * empty before the first checkpoint. */
export async function readCheckpointFiles(storage: RunStorage, manifest: RunManifest, directory: string | null = manifest.checkpoint): Promise<Map<string, Uint8Array>> {
	const files = new Map<string, Uint8Array>();
	if (directory === null) return files;
	for (const name of ['weights.safetensors', 'optimizer.safetensors', 'config.json', 'tokenizer.json']) {
		const bytes = await storage.read(manifest.runId, `${directory}/${name}`);
		if (bytes) files.set(name, bytes);
	}
	return files;
}

/** A run's snapshots (manifest.snapshots), oldest first, each with its step (and a LoRA run's, its adapter state);
 * a missing one is an error. */
export async function loadSnapshots(storage: RunStorage, manifest: RunManifest): Promise<{ step: number; checkpoint: ImportedCheckpoint; adapter?: TrainerState }[]> {
	const out = [];
	for (const directory of manifest.snapshots ?? []) {
		const files = await readCheckpointFiles(storage, manifest, directory);
		if (!files.has('weights.safetensors')) throw new TrainingRunError('A snapshot of the training run is missing.', { details: `${manifest.runId}/${directory}` });
		const checkpoint = importCheckpoint(files);
		const where = `${manifest.runId}/${directory}`;
		const adapterBytes = await storage.read(manifest.runId, `${directory}/${ADAPTER_STATE}`);
		const adapter = adapterBytes ? readAdapterState(adapterBytes, where) : undefined;
		// A LoRA checkpoint's config.json has no training block: its step is its adapter's.
		const step = checkpoint.training?.step ?? adapter?.step ?? Number(directory.slice('checkpoint-'.length));
		out.push({ step, checkpoint, ...(adapter && { adapter }) });
	}
	return out;
}

/** The manifests of every run with one, newest first; unreadable runs are skipped. */
export async function listRunManifests(storage: RunStorage): Promise<RunManifest[]> {
	const manifests: RunManifest[] = [];
	for (const runId of await storage.listRuns()) {
		const manifest = await readManifest(storage, runId).catch(() => null);
		if (manifest) manifests.push(manifest);
	}
	return manifests.sort((a, b) => b.updatedAt - a.updatedAt || (a.runId < b.runId ? -1 : 1));
}

async function required(storage: RunStorage, runId: string, name: string): Promise<Uint8Array> {
	const bytes = await storage.read(runId, name);
	if (bytes === null) throw new TrainingRunError(`The training run has no ${name}.`, { details: runId, hint: 'Delete the run and start it again.' });
	return bytes;
}

function parse<T>(bytes: Uint8Array, runId: string, name: string): T {
	try {
		return JSON.parse(decoder.decode(bytes)) as T;
	} catch (cause) {
		throw new TrainingRunError(`The training run's ${name} is unreadable.`, { details: runId, cause, hint: 'Delete the run and start it again.' });
	}
}

function json(value: unknown): Uint8Array {
	return encoder.encode(JSON.stringify(value));
}

// Int32 little-endian bytes (every platform the app runs on is little-endian, as typed arrays then are).
function int32Bytes(tokens: Int32Array): Uint8Array {
	return new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength).slice();
}
