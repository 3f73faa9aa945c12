// The influence index of a trained model: for every training record its projected gradient at each of the run's
// checkpoints (its snapshots and final weights; scores are summed over them, TracIn-CP), stored as one f16 row per
// record with each checkpoint's part scaled by a power of two (its largest value near 2^12, far from f16's overflow
// and subnormals); the records' CIDs and contributors; and per checkpoint the preconditioner fitted to the model's
// true Fisher (gradients at labels drawn from the model); keyed by the final weights' hash. A query projects its
// answer's gradient at each checkpoint through the same seeded projection, preconditions each part, scores every
// record (WebGPU or CPU, the same dot products), and turns the top records' positive scores into contributor shares
// in basis points, near-duplicate records (gradient cosine >= 0.95) sharing one record's credit. The gradients are of
// the weights, or, for a LoRA-trained model (checkpoints with their adapters attached), of the adapter's A and B: the
// parameters its training moved.
import type { GPTConfig } from '$lib/engine/config';
import { float16ToFloat32, float32ToFloat16 } from '$lib/engine/checkpoint/float16';
import type { Floats } from '$lib/engine/cpu/floats';
import type { GPT } from '$lib/engine/cpu/gpt';
import type { LoraAdapter } from '$lib/engine/lora/lora';
import { contributorShares, type ContributorShare } from '../shares';
import { createRng, mixSeed } from '$lib/engine/random';
import { InfluenceConfigError, InfluenceIndexError } from './errors';
import { DEFAULT_PROJECTION, gptProjection, projectedGradients, type InfluenceExample, type ProjectionOptions } from './gradients';
import { loraProjectedGradients, loraProjection } from './loraGradients';
import { DEFAULT_PRECONDITIONER, fitPreconditioner, precondition, type Preconditioner, type PreconditionerBlock, type PreconditionerOptions } from './preconditioner';
import type { Projection } from './projection';
import { scoreCpu, topK, type GradientMatrix, type ScoredRecord } from './score';

/** The index format's version; an index of another version must be rebuilt. */
export const INFLUENCE_INDEX_VERSION = 3;

/** Projected gradients whose cosine is at least this are near-duplicates and share one record's credit. */
export const DUPLICATE_COSINE = 0.95;

/** A top record takes part in the shares when its score is at least this fraction of the top score: the records that
 * carry the answer, not the long tail of smaller positive scores that records sharing common words collect. An answer
 * that many records shaped alike still spreads its credit over all of them. */
export const SHARE_FLOOR = 0.5;

/** How the Fisher of the preconditioner is estimated: from gradients at labels drawn from the model's own predictions
 * ('model': the true Fisher, i.e. the Gauss-Newton matrix, as Kronfluence does) or at the records' next tokens
 * ('records': the empirical Fisher); `draws` label draws per record, over at most `maxRecords` records (a seeded
 * sample beyond that). */
export type FisherOptions = { labels: 'model' | 'records'; draws: number; maxRecords: number; seed: number };

/** The default, the configuration eval/ measured best (LDS 0.52 over 4 checkpoints, against 0.47 for the empirical
 * Fisher; bench/results/attribution.json). */
export const DEFAULT_FISHER: Readonly<FisherOptions> = { labels: 'model', draws: 2, maxRecords: 1024, seed: 0 };

/** Where a training record came from. */
export type InfluenceRecord = { cid: string; contributor: string; datanetId: string | null };

/** What the index was built from and how. */
export type InfluenceIndexMeta = {
	version: typeof INFLUENCE_INDEX_VERSION;
	/** The final weights' hash (the index's key). */
	weightsHash: string;
	/** Every checkpoint whose scores are summed, oldest first, the final weights last: its step and weights hash. */
	checkpoints: { step: number; weightsHash: string }[];
	model: GPTConfig;
	/** What the gradients are of: every weight matrix, or a LoRA adapter's A and B. */
	gradients: InfluenceGradients;
	projection: ProjectionOptions;
	preconditioner: PreconditionerOptions;
	fisher: FisherOptions;
	/** The width of a stored row: the projected dimension of one checkpoint times the checkpoints. */
	k: number;
	records: number;
	/** Each checkpoint's part of a row is stored as its gradients times this power of two. */
	scales: number[];
	createdAt: number;
};

/** A built or loaded index. */
export type InfluenceIndex = {
	meta: InfluenceIndexMeta;
	records: InfluenceRecord[];
	gradients: GradientMatrix;
	/** One preconditioner over the whole row: each checkpoint's blocks at its part's offset. */
	preconditioner: Preconditioner;
};

/** What a model's influence gradients are taken over. */
export type InfluenceGradients = 'weights' | 'lora';

/** A model's weights at one checkpoint of its training run; a LoRA run's is its frozen base with that checkpoint's
 * adapter attached (attachLora), and weightsHash is then the merged weights'. */
export type InfluenceCheckpoint = { model: GPT; adapter?: LoraAdapter; step: number; weightsHash: string };

/** Whether the checkpoints' gradients are of their weights or their adapters (all alike, or an error). */
export function checkpointGradients(checkpoints: readonly InfluenceCheckpoint[]): InfluenceGradients {
	const lora = checkpoints.filter((c) => c.adapter !== undefined).length;
	if (lora !== 0 && lora !== checkpoints.length) {
		throw new InfluenceIndexError('Some checkpoints have a LoRA adapter and some do not.', { details: `${lora} of ${checkpoints.length} have one.` });
	}
	return lora === 0 ? 'weights' : 'lora';
}

/** A checkpoint's projection: of its adapter when it has one, else of its weights. */
export function checkpointProjection(checkpoint: Pick<InfluenceCheckpoint, 'model' | 'adapter'>, options: ProjectionOptions): Projection {
	return checkpoint.adapter ? loraProjection(checkpoint.adapter, options) : gptProjection(checkpoint.model.config, options);
}

/** Per-example projected gradients at a checkpoint (loraProjectedGradients when it has an adapter). */
export function checkpointProjectedGradients(checkpoint: Pick<InfluenceCheckpoint, 'model' | 'adapter'>, parameters: { projection: Projection; examples: readonly InfluenceExample[]; batchSize?: number; onProgress?: (done: number, total: number) => void; sampleSeed?: number }): Floats {
	const { model, adapter } = checkpoint;
	return adapter ? loraProjectedGradients({ model, adapter, ...parameters }) : projectedGradients({ model, ...parameters });
}

/** Parameters of buildInfluenceIndex. */
export type BuildInfluenceIndexParameters = {
	/** The checkpoints whose scores are summed (TracIn-CP), oldest first; the last is the model's final weights. */
	checkpoints: readonly InfluenceCheckpoint[];
	/** Each training record with its tokens as training saw them (its <|endoftext|> before and after). */
	examples: readonly (InfluenceRecord & { tokens: Int32Array })[];
	projection?: ProjectionOptions;
	preconditioner?: PreconditionerOptions;
	fisher?: FisherOptions;
	/** Rows per forward/backward (default 8); the index does not depend on it. */
	batchSize?: number;
	/** Gradient passes done of all (records and Fisher draws at every checkpoint). */
	onProgress?: (done: number, total: number) => void;
	now?: () => number;
};

/** At each checkpoint: the records' projected gradients, the preconditioner fitted to its Fisher, that part of the
 * f16 rows. */
export function buildInfluenceIndex({ checkpoints, examples, projection: projectionOptions = DEFAULT_PROJECTION, preconditioner: preconditionerOptions = DEFAULT_PRECONDITIONER, fisher = DEFAULT_FISHER, batchSize, onProgress, now = Date.now }: BuildInfluenceIndexParameters): InfluenceIndex {
	if (examples.length === 0) throw new InfluenceIndexError('An influence index needs at least one training record.');
	if (checkpoints.length === 0) throw new InfluenceIndexError('An influence index needs the model\'s weights.');
	const n = examples.length;
	const final = checkpoints.at(-1)!;
	const gradientsOf = checkpointGradients(checkpoints);
	const projection = checkpointProjection(final, projectionOptions);
	const k = projection.k;
	const K = k * checkpoints.length;
	const bits = new Uint16Array(n * K);
	const blocks: PreconditionerBlock[] = [];
	const scales: number[] = [];
	const records = examples.map(({ tokens }) => ({ tokens }));
	const passes = n + fisherPasses(n, fisher);
	const total = passes * checkpoints.length;
	checkpoints.forEach((checkpoint, c) => {
		const progress = (done: number) => onProgress?.(c * passes + done, total);
		const gradients = checkpointProjectedGradients(checkpoint, { projection, examples: records, batchSize, onProgress: progress });
		const pre = modelPreconditioner({ checkpoint, projection, examples: records, gradients, options: preconditionerOptions, fisher, batchSize, onProgress: (done) => progress(n + done) });
		for (const b of pre.blocks) blocks.push({ ...b, offset: c * k + b.offset });
		const scale = f16Scale(gradients);
		scales.push(scale);
		const part = new Float32Array(k);
		for (let i = 0; i < n; i++) {
			for (let j = 0; j < k; j++) part[j] = gradients[i * k + j] * scale;
			bits.set(float32ToFloat16(part), i * K + c * k);
		}
	});
	return {
		meta: {
			version: INFLUENCE_INDEX_VERSION,
			weightsHash: final.weightsHash,
			checkpoints: checkpoints.map(({ step, weightsHash }) => ({ step, weightsHash })),
			model: final.model.config,
			gradients: gradientsOf,
			projection: projectionOptions,
			preconditioner: preconditionerOptions,
			fisher,
			k: K,
			records: n,
			scales,
			createdAt: now()
		},
		records: examples.map(({ cid, contributor, datanetId }) => ({ cid, contributor, datanetId })),
		gradients: { rows: n, k: K, bits },
		preconditioner: { kind: preconditionerOptions.kind, dampingRatio: preconditionerOptions.dampingRatio, k: K, blocks }
	};
}

/** The preconditioner of one model's projected gradients (n, k), fitted to its Fisher's gradients (fisherGradients). */
export function modelPreconditioner({ projection, options, ...rest }: FisherGradientsParameters & { options: PreconditionerOptions }): Preconditioner {
	const { gradients, n } = fisherGradients({ projection, ...rest });
	return fitPreconditioner({ gradients, n, projection, options });
}

export type FisherGradientsParameters = { checkpoint: Pick<InfluenceCheckpoint, 'model' | 'adapter'>; projection: Projection; examples: readonly InfluenceExample[]; gradients: Floats; fisher: FisherOptions; batchSize?: number; onProgress?: (done: number) => void };

/** The gradients the Fisher is estimated from: the records' own (n, k) ones ('records' labels) or fresh ones at labels
 * drawn from the model, `draws` per record; over a seeded sample of at most maxRecords records. */
export function fisherGradients({ checkpoint, projection, examples, gradients, fisher, batchSize, onProgress }: FisherGradientsParameters): { gradients: Floats; n: number } {
	const chosen = fisherSample(examples.length, fisher);
	const k = projection.k;
	if (fisher.labels === 'records') {
		if (chosen.length === examples.length) return { gradients, n: examples.length };
		const rows = new Float32Array(chosen.length * k);
		chosen.forEach((i, r) => rows.set(gradients.subarray(i * k, (i + 1) * k), r * k));
		return { gradients: rows, n: chosen.length };
	}
	const sample = chosen.map((i) => examples[i]);
	const all = new Float32Array(fisher.draws * sample.length * k);
	for (let d = 0; d < fisher.draws; d++) {
		const draw = checkpointProjectedGradients(checkpoint, { projection, examples: sample, batchSize, sampleSeed: mixSeed(fisher.seed, d), onProgress: (done) => onProgress?.(d * sample.length + done) });
		all.set(draw, d * sample.length * k);
	}
	return { gradients: all, n: fisher.draws * sample.length };
}

/** Gradient passes the Fisher adds per checkpoint over n records. */
export function fisherPasses(n: number, fisher: FisherOptions): number {
	return fisher.labels === 'model' ? fisher.draws * fisherSample(n, fisher).length : 0;
}

// The records the Fisher is estimated over: all, or a seeded sample of maxRecords of them (in index order).
function fisherSample(n: number, { draws, maxRecords, seed }: FisherOptions): number[] {
	if (!(Number.isInteger(draws) && draws >= 1) || !(Number.isInteger(maxRecords) && maxRecords >= 1)) {
		throw new InfluenceConfigError('The Fisher needs at least one draw over at least one record.', { details: `draws ${draws}, maxRecords ${maxRecords}.` });
	}
	const order = Array.from({ length: n }, (_, i) => i);
	if (n <= maxRecords) return order;
	const rng = createRng(mixSeed(seed, n));
	for (let i = n - 1; i > 0; i--) {
		const j = Math.floor(rng.uniform() * (i + 1));
		[order[i], order[j]] = [order[j], order[i]];
	}
	return order.slice(0, maxRecords).sort((x, y) => x - y);
}

/** Scores the index for a query vector (already preconditioned and in the index's scale): the CPU or a WebGPU scorer. */
export type Scorer = (query: Float32Array) => Promise<Float32Array>;

/** Parameters of queryInfluence. */
export type QueryInfluenceParameters = {
	index: InfluenceIndex;
	/** The checkpoints the index was built from, oldest first (checked by weights hash). */
	checkpoints: readonly InfluenceCheckpoint[];
	/** The prompt and answer as tokens; only the answer's losses count. */
	example: InfluenceExample;
	/** Records returned, and records whose positive scores make the shares (default 10 each). */
	topK?: number;
	/** Default: the CPU scorer over the index's matrix. */
	scorer?: Scorer;
};

/** A scored record with its source. */
export type InfluentialRecord = InfluenceRecord & { index: number; score: number };

/** The top records, every contributor's share of the positive influence among them, and the method's parameters. */
export type QueryInfluenceReturnType = {
	top: InfluentialRecord[];
	shares: ContributorShare[];
	/** Groups of near-duplicates among the top records (CIDs). */
	duplicateGroups: string[][];
	method: { name: 'influence'; gradients: InfluenceGradients; projection: ProjectionOptions; preconditioner: PreconditionerOptions; fisher: FisherOptions; checkpoints: number; k: number; topK: number; shareFloor: number; weightsHash: string };
};

/** Scores every training record for the answer, summed over the checkpoints, and returns the top records and
 * contributor shares. */
export async function queryInfluence({ index, checkpoints, example, topK: k = 10, scorer }: QueryInfluenceParameters): Promise<QueryInfluenceReturnType> {
	const { meta } = index;
	const hashes = checkpoints.map((c) => c.weightsHash);
	if (hashes.length !== meta.checkpoints.length || hashes.some((h, i) => h !== meta.checkpoints[i].weightsHash)) {
		throw new InfluenceIndexError('This influence index was built for other weights.', {
			details: `Index ${meta.checkpoints.map((c) => c.weightsHash).join(', ')}; model ${hashes.join(', ')}.`,
			hint: 'Build the influence index of this model.'
		});
	}
	const gradientsOf = checkpointGradients(checkpoints);
	if (gradientsOf !== meta.gradients) {
		throw new InfluenceIndexError('This influence index was built for other weights.', {
			details: `The index holds gradients of the model's ${meta.gradients === 'lora' ? 'LoRA adapter' : 'weights'}; the checkpoints given ${gradientsOf === 'lora' ? 'have adapters' : 'have none'}.`,
			hint: 'Build the influence index of this model.'
		});
	}
	const projection = checkpointProjection(checkpoints[0], meta.projection);
	const part = projection.k;
	// Each checkpoint's preconditioned gradient, divided by its part's f16 scale: the stored rows are scaled by it.
	const gradient = new Float32Array(meta.k);
	checkpoints.forEach((checkpoint, c) => gradient.set(checkpointProjectedGradients(checkpoint, { projection, examples: [example] }), c * part));
	const query = precondition(index.preconditioner, gradient);
	for (let c = 0; c < checkpoints.length; c++) for (let j = 0; j < part; j++) query[c * part + j] /= meta.scales[c];
	const scores = scorer ? await scorer(query) : scoreCpu(index.gradients, query);
	const top: InfluentialRecord[] = topK(scores, k).map(({ index: i, score }: ScoredRecord) => ({ ...index.records[i], index: i, score }));
	const duplicateGroups = nearDuplicates(index, top.filter((r) => r.score > 0));
	return {
		top,
		shares: influenceShares(top, duplicateGroups),
		duplicateGroups,
		method: { name: 'influence', gradients: meta.gradients, projection: meta.projection, preconditioner: meta.preconditioner, fisher: meta.fisher, checkpoints: meta.checkpoints.length, k: meta.k, topK: k, shareFloor: SHARE_FLOOR, weightsHash: meta.weightsHash }
	};
}

/** Contributor shares from top records (descending scores): the positive scores of at least SHARE_FLOOR times the top
 * score, records of an unknown contributor left out, near-duplicates sharing one record's credit (shares.ts). */
export function influenceShares(top: readonly Pick<InfluentialRecord, 'cid' | 'contributor' | 'score'>[], duplicateGroups: readonly (readonly string[])[] = []): ContributorShare[] {
	const best = top[0]?.score ?? 0;
	if (!(best > 0)) return [];
	const kept = top.filter((r) => r.score > 0 && r.score >= SHARE_FLOOR * best && r.contributor !== '');
	if (kept.length === 0) return [];
	return contributorShares({ records: kept.map((r) => ({ record: r.cid, contributor: r.contributor, weight: r.score })), duplicateGroups });
}

// The power of two that brings the largest magnitude to [2^11, 2^12); 1 for an all-zero matrix.
function f16Scale(values: Floats): number {
	let max = 0;
	for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
	if (!Number.isFinite(max)) throw new InfluenceIndexError('A projected gradient is not finite.', { hint: 'The model may have diverged; check its training loss.' });
	return max > 0 ? 2 ** (11 - Math.floor(Math.log2(max))) : 1;
}

// Pairs of the given records whose gradients (all checkpoints' parts, unscaled) have cosine >= DUPLICATE_COSINE, as groups of CIDs.
function nearDuplicates(index: InfluenceIndex, records: readonly InfluentialRecord[]): string[][] {
	const { k, bits } = index.gradients;
	const { scales } = index.meta;
	const part = k / scales.length;
	const rows = records.map((r) => {
		const row = float16ToFloat32(bits.subarray(r.index * k, (r.index + 1) * k));
		for (let j = 0; j < k; j++) row[j] /= scales[Math.floor(j / part)];
		return row;
	});
	const norms = rows.map((row) => Math.sqrt(dot(row, row)));
	const groups: string[][] = [];
	for (let a = 0; a < rows.length; a++) {
		for (let b = a + 1; b < rows.length; b++) {
			if (norms[a] > 0 && norms[b] > 0 && dot(rows[a], rows[b]) / (norms[a] * norms[b]) >= DUPLICATE_COSINE) groups.push([records[a].cid, records[b].cid]);
		}
	}
	return groups;
}

function dot(a: Float32Array, b: Float32Array): number {
	let s = 0;
	for (let i = 0; i < a.length; i++) s += a[i] * b[i];
	return s;
}
