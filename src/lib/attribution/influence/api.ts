// The influence half of the attribution worker's API: build a trained model's influence index from its training run
// (the run's own token streams, its snapshots and latest checkpoint, so the index covers exactly the records the model
// trained on, with their contributors read from IndexedDB; a LoRA run's gradients are its adapter's), keep it in OPFS
// keyed by the weights hash, and answer queries.
// Scoring runs on WebGPU when the worker gets a hardware adapter and on the CPU otherwise (a software adapter is
// slower than the CPU path, measured in bench/results/influence.json); both compute the same dot products.
import { recordText } from '$lib/core/record';
import { END_OF_TEXT } from '$lib/core/tokenizer/bpe';
import { opfsRunStorage, type RunStorage } from '$lib/engine/checkpoint/opfs';
import { weightsHash } from '$lib/engine/checkpoint/weightsHash';
import type { GPTConfig } from '$lib/engine/config';
import { createGPT, type GPT } from '$lib/engine/cpu/gpt';
import { attachLora, createLoraAdapter } from '$lib/engine/lora/lora';
import { loadRun, loadSnapshots, readManifest, readSpec, type StoredRun } from '$lib/engine/train/runStore';
import type { TrainerState } from '$lib/engine/train/trainer';
import { requestGPU, type GPUContext } from '$lib/engine/webgpu/device';
import { openLedgerDb } from '$lib/store/db';
import { forEachChunk } from '$lib/store/records';
import type { Hex } from '$lib/store/schema';
import type { SourceRecord } from '../spans/segment';
import { SegmentedSpanIndex } from '../spans/segmented';
import { bpeSpanTokenizer, type Tokenizer } from '../spans/tokenizer';
import { traceSpans, type TraceSpansReturnType } from '../spans/trace';
import { InfluenceIndexError, InfluenceIndexUnusableError } from './errors';
import type { ProjectionOptions } from './gradients';
import { buildInfluenceIndex, queryInfluence, type FisherOptions, type InfluenceCheckpoint, type InfluenceIndex, type InfluenceIndexMeta, type InfluenceRecord, type QueryInfluenceReturnType, type Scorer } from './index';
import type { PreconditionerOptions } from './preconditioner';
import { INFLUENCE_INDEX_DIRECTORY, loadInfluenceIndex, saveInfluenceIndex } from './store';
import { WebGPUScorer } from './webgpu/score';

/** A build's progress: the run read, records' gradients computed, the index saved. */
export type InfluenceIndexProgress = { phase: 'read' | 'gradients' | 'save' | 'done'; done: number; total: number };

/** What the page shows of an index. */
export type InfluenceIndexSummary = Pick<InfluenceIndexMeta, 'weightsHash' | 'checkpoints' | 'records' | 'k' | 'gradients' | 'projection' | 'preconditioner' | 'fisher' | 'createdAt'> & {
	runId: string;
	/** Records whose contributor this browser does not know (removed since training); they get no share. */
	unknownContributors: number;
};

export type BuildInfluenceIndexApiParameters = {
	runId: string;
	dbName?: string;
	projection?: ProjectionOptions;
	preconditioner?: PreconditionerOptions;
	fisher?: FisherOptions;
};

export type QueryInfluenceApiParameters = {
	runId: string;
	prompt: string;
	answer: string;
	topK?: number;
	/** The weights that produced the answer; when given, a run that has moved on to newer weights is an error. */
	weightsHash?: string;
};

/** A trained model's manifest for registering it onchain. */
export type TrainingManifest = { runId: string; weightsHash: string; step: number; datanetIds: string[]; model: GPTConfig; items: { cid: string; contributor: string }[] };

/** A query's result with the scorer that ran it. */
export type QueryInfluenceApiReturnType = QueryInfluenceReturnType & { backend: 'webgpu' | 'cpu' };

/** An answer's verbatim spans in the records its model trained on, with the method: the span index is the run's
 * training records (in training order) under the model's own tokenizer, so it names exactly what the model saw. */
export type AnswerSpansReturnType = TraceSpansReturnType & { method: { name: 'maximal-spans+bm25'; index: 'training-records'; records: number; tokenizerHash: string } };

export type CreateInfluenceApiParameters = {
	runs?: RunStorage;
	indexes?: RunStorage;
	/** Default: requestGPU; a software adapter is not used for scoring. */
	requestDevice?: () => Promise<GPUContext>;
};

// A run's latest checkpoint as a model, with its snapshots (the index's checkpoints), read once per checkpoint.
type RunModel = { runId: string; checkpoint: string | null; run: StoredRun; model: GPT; hash: string; checkpoints: InfluenceCheckpoint[] };

// A scorer and what frees it.
type HeldScorer = { scorer: Scorer | null; backend: 'webgpu' | 'cpu'; release: () => void };

// A model's index with its scorer, loaded once per weights hash.
type Loaded = RunModel & { index: InfluenceIndex } & HeldScorer;

/** Creates the influence API over training runs and indexes in OPFS (memory storages in tests). */
export function createInfluenceApi({ runs = opfsRunStorage(), indexes = opfsRunStorage(INFLUENCE_INDEX_DIRECTORY), requestDevice = requestGPU }: CreateInfluenceApiParameters = {}) {
	let current: RunModel | null = null;
	let loaded: Loaded | null = null;
	let gpu: Promise<GPUContext | null> | null = null;
	let spanned: { runId: string; index: SegmentedSpanIndex; tokenizer: Tokenizer } | null = null;

	// Queries reuse the model while the run's manifest names the same checkpoint, so none rereads the run or rehashes.
	async function modelOf(runId: string): Promise<RunModel> {
		const manifest = await readManifest(runs, runId);
		if (!manifest) throw new InfluenceIndexError('There is no trained model under this id.', { details: runId });
		if (current?.runId === runId && current.checkpoint === manifest.checkpoint) return current;
		const spec = await readSpec(runs, runId);
		if (spec.origin === 'imported') {
			throw new InfluenceIndexError('An imported model has no training records to attribute to.', {
				details: runId,
				hint: 'Influence attribution needs a model trained here; span attribution (the Attribution page) works for any model.'
			});
		}
		// A LoRA run is attributed through its adapter: each checkpoint is then the frozen base (read from the run) with
		// that checkpoint's adapter attached. Otherwise the checkpoints hold the weights to attribute.
		const lora = spec.method?.kind === 'lora' ? spec.method.lora : null;
		const run = await loadRun(runs, runId, { base: lora !== null });
		if (!run.checkpoint) throw new InfluenceIndexError('This model has no checkpoint yet.', { details: runId, hint: 'Train it for at least one checkpoint first.' });
		const asCheckpoint = ({ config, params }: { config: GPTConfig; params: Float32Array }, step: number, adapterState?: TrainerState): InfluenceCheckpoint => {
			const model = createGPT(config);
			const hash = weightsHash(params);
			if (!lora) {
				model.params.set(params);
				return { model, step, weightsHash: hash };
			}
			if (!adapterState || !run.base) throw new InfluenceIndexError('A checkpoint of this LoRA model has no adapter.', { details: `${runId}, step ${step}`, hint: 'Delete the run and train it again.' });
			model.params.set(run.base);
			const adapter = createLoraAdapter(config, lora);
			adapter.params.set(adapterState.params);
			attachLora(model, adapter);
			return { model, adapter, step, weightsHash: hash };
		};
		const snapshots = (await loadSnapshots(runs, run.manifest)).map(({ step, checkpoint, adapter }) => asCheckpoint(checkpoint, step, adapter));
		const final = asCheckpoint(run.checkpoint, run.manifest.step, run.adapter);
		current = { runId, checkpoint: manifest.checkpoint, run, model: final.model, hash: final.weightsHash, checkpoints: [...snapshots, final] };
		return current;
	}

	async function scorerFor(index: InfluenceIndex): Promise<HeldScorer> {
		const cpu: HeldScorer = { scorer: null, backend: 'cpu', release: () => undefined };
		gpu ??= requestDevice()
			.then((ctx) => (ctx.adapterInfo?.isFallbackAdapter ? null : ctx))
			.catch(() => null);
		const ctx = await gpu;
		if (!ctx) return cpu;
		try {
			const webgpu = await WebGPUScorer.create({ device: ctx.device, matrix: index.gradients });
			return { scorer: (q) => webgpu.score(q), backend: 'webgpu', release: () => webgpu.destroy() };
		} catch {
			return cpu;
		}
	}

	// Drops the loaded index (and frees its GPU copy), e.g. when it is rebuilt or another model's is loaded.
	function unload(): void {
		loaded?.release();
		loaded = null;
	}

	// The run's training records as a span index, built in memory on first use (a few seconds for thousands of records).
	async function spansOf(runId: string, dbName?: string) {
		const { run } = await modelOf(runId);
		if (spanned?.runId === runId) return spanned;
		const cids = run.data.train.cids;
		const sources = await sourcesOf(run.spec.datanetIds ?? [], new Set(cids), dbName);
		const records: SourceRecord[] = cids.flatMap((cid) => {
			const s = sources.get(cid);
			return s ? [{ cid, contributor: s.contributor, datanetId: s.datanetId ?? '', text: s.text }] : [];
		});
		if (records.length === 0) {
			throw new InfluenceIndexError('None of the records this model trained on are in this browser.', { details: runId, hint: 'Import its Datanets again to trace its answers.' });
		}
		const tokenizer = bpeSpanTokenizer(run.tokenizer);
		spanned = { runId, index: SegmentedSpanIndex.empty(tokenizer).withRecords(records, tokenizer), tokenizer };
		return spanned;
	}

	async function load(runId: string): Promise<Loaded> {
		const runModel = await modelOf(runId);
		if (loaded?.hash === runModel.hash) return loaded;
		const index = await loadInfluenceIndex(indexes, runModel.hash);
		if (!index) throw new InfluenceIndexError('This model has no influence index yet.', { details: runId, hint: 'Build its influence index first.' });
		unload();
		loaded = { ...runModel, index, ...(await scorerFor(index)) };
		return loaded;
	}

	return {
		/** Computes every training record's projected gradient at the run's snapshots and latest checkpoint, and saves
		 * the index. */
		async buildInfluenceIndex({ runId, dbName, projection, preconditioner, fisher }: BuildInfluenceIndexApiParameters, onProgress?: (p: InfluenceIndexProgress) => void): Promise<InfluenceIndexSummary> {
			const { run, hash, checkpoints } = await modelOf(runId);
			const { train } = run.data;
			onProgress?.({ phase: 'read', done: 0, total: train.cids.length });
			const sources = await sourcesOf(run.spec.datanetIds ?? [], new Set(train.cids), dbName);
			if (spanned?.runId === runId) spanned = null; // the records may have changed since
			const endOfText = run.tokenizer.tokenId(END_OF_TEXT)!;
			const examples = train.cids.map((cid, i) => {
				const body = train.tokens.subarray(train.offsets[i], train.offsets[i + 1]);
				const tokens = new Int32Array(body.length + 1);
				tokens[0] = endOfText;
				tokens.set(body, 1);
				return { cid, contributor: sources.get(cid)?.contributor ?? '', datanetId: sources.get(cid)?.datanetId ?? null, tokens };
			});
			const index = buildInfluenceIndex({ checkpoints, examples, projection, preconditioner, fisher, onProgress: (done, total) => onProgress?.({ phase: 'gradients', done, total }) });
			onProgress?.({ phase: 'save', done: 0, total: 1 });
			await saveInfluenceIndex(indexes, index);
			if (loaded?.hash === hash) unload();
			onProgress?.({ phase: 'done', done: 1, total: 1 });
			return summaryOf(runId, index);
		},

		/** What a registration names: the final weights' hash, the run's Datanets, and every record it trained on with
		 * its contributor (from IndexedDB; '' where this browser no longer knows it). */
		async trainingManifest({ runId, dbName }: { runId: string; dbName?: string }): Promise<TrainingManifest> {
			const { run, hash } = await modelOf(runId);
			const cids = run.data.train.cids;
			const sources = await sourcesOf(run.spec.datanetIds ?? [], new Set(cids), dbName);
			return { runId, weightsHash: hash, step: run.manifest.step, datanetIds: [...(run.spec.datanetIds ?? [])], model: run.spec.model, items: cids.map((cid) => ({ cid, contributor: sources.get(cid)?.contributor ?? '' })) };
		},

		/** The index of the run's latest weights, or null when none was built (or the stored one is of another format
		 * version or damaged, so that building it again replaces it). */
		async influenceIndexOf(runId: string): Promise<InfluenceIndexSummary | null> {
			const { hash } = await modelOf(runId);
			const index = await loadInfluenceIndex(indexes, hash).catch((e) => {
				if (e instanceof InfluenceIndexUnusableError) return null;
				throw e;
			});
			return index && summaryOf(runId, index);
		},

		/** Scores every training record for the answer to the prompt; the top records and contributor shares. */
		async queryInfluence({ runId, prompt, answer, topK, weightsHash: expected }: QueryInfluenceApiParameters): Promise<QueryInfluenceApiReturnType> {
			const l = await load(runId);
			if (expected !== undefined && expected !== l.hash) {
				throw new InfluenceIndexError('The answer came from other weights than the model\'s latest checkpoint.', {
					details: `Answer ${expected}, checkpoint ${l.hash}.`,
					hint: 'Load the model again, generate, then attribute.'
				});
			}
			const { tokenizer } = l.run;
			const endOfText = tokenizer.tokenId(END_OF_TEXT)!;
			const promptTokens = [endOfText, ...tokenizer.encode(prompt)];
			const answerTokens = Array.from(tokenizer.encode(answer));
			if (answerTokens.length === 0) throw new InfluenceIndexError('There is no answer to attribute.', { hint: 'Generate or type an answer first.' });
			// The answer's last tokens, with the prompt's end as context, when the two are longer than the model's window.
			const tokens = Int32Array.from([...promptTokens, ...answerTokens]);
			const result = await queryInfluence({ index: l.index, checkpoints: l.checkpoints, example: { tokens, firstTarget: promptTokens.length }, topK, scorer: l.scorer ?? undefined });
			return { ...result, backend: l.backend };
		},

		/** Builds the run's span index (its training records' text under the model's tokenizer, in memory) ahead of the
		 * first question; returns how many records it holds. */
		async prepareAnswerSpans({ runId, dbName }: { runId: string; dbName?: string }): Promise<{ records: number }> {
			return { records: (await spansOf(runId, dbName)).index.recordCount };
		},

		/** The answer's passages that occur verbatim in the run's training records, their sources and the contributors'
		 * shares (maximal spans ranked by BM25, as the Attribution page traces against a Datanet's index). */
		async traceAnswerSpans({ runId, prompt, answer, dbName }: { runId: string; prompt: string; answer: string; dbName?: string }): Promise<AnswerSpansReturnType> {
			const { index, tokenizer } = await spansOf(runId, dbName);
			const traced = traceSpans(index, { prompt, response: answer, tokenizer });
			return { ...traced, method: { name: 'maximal-spans+bm25', index: 'training-records', records: index.recordCount, tokenizerHash: tokenizer.hash } };
		}
	};
}

/** The influence API's type (the worker exposes it through comlink). */
export type InfluenceApi = ReturnType<typeof createInfluenceApi>;

// Each wanted CID's contributor, Datanet and text, from the approved records of the run's Datanets.
async function sourcesOf(datanetIds: readonly string[], wanted: ReadonlySet<string>, dbName?: string): Promise<Map<string, Omit<InfluenceRecord, 'cid'> & { text: string }>> {
	const out = new Map<string, Omit<InfluenceRecord, 'cid'> & { text: string }>();
	if (datanetIds.length === 0) return out;
	const db = await openLedgerDb(dbName);
	for (const datanetId of [...datanetIds].sort()) {
		await forEachChunk(db, datanetId as Hex, (chunk) => {
			for (const r of chunk.records) if (wanted.has(r.cid) && !out.has(r.cid)) out.set(r.cid, { contributor: r.contributor, datanetId, text: recordText(r.content) });
		});
	}
	return out;
}

function summaryOf(runId: string, index: InfluenceIndex): InfluenceIndexSummary {
	const { weightsHash, checkpoints, records, k, gradients, projection, preconditioner, fisher, createdAt } = index.meta;
	return { runId, weightsHash, checkpoints, records, k, gradients, projection, preconditioner, fisher, createdAt, unknownContributors: index.records.filter((r) => r.contributor === '').length };
}
