// The influence index of a trained model: one projected gradient per training record (f16, scaled by a power of two so
// the largest value sits near 2^12, far from f16's overflow and subnormals), the records' CIDs and contributors, and
// the fitted preconditioner; keyed by the model's weights hash. A query projects its answer's gradient through the
// same seeded projection, preconditions it, scores every record (WebGPU or CPU, the same dot products), and turns the
// top records' positive scores into contributor shares in basis points, near-duplicate records (projected gradients
// with cosine >= 0.95) sharing one record's credit.
import type { GPTConfig } from '$lib/engine/config';
import { float16ToFloat32, float32ToFloat16 } from '$lib/engine/checkpoint/float16';
import type { Floats } from '$lib/engine/cpu/floats';
import type { GPT } from '$lib/engine/cpu/gpt';
import { contributorShares, type ContributorShare } from '../shares';
import { InfluenceIndexError } from './errors';
import { DEFAULT_PROJECTION, gptProjection, projectedGradients, type InfluenceExample, type ProjectionOptions } from './gradients';
import { DEFAULT_PRECONDITIONER, fitPreconditioner, precondition, type Preconditioner, type PreconditionerOptions } from './preconditioner';
import { scoreCpu, topK, type GradientMatrix, type ScoredRecord } from './score';

/** The index format's version; an index of another version must be rebuilt. */
export const INFLUENCE_INDEX_VERSION = 1;

/** Projected gradients whose cosine is at least this are near-duplicates and share one record's credit. */
export const DUPLICATE_COSINE = 0.95;

/** A top record takes part in the shares when its score is at least this fraction of the top score: the records that
 * carry the answer, not the long tail of smaller positive scores that records sharing common words collect. An answer
 * that many records shaped alike still spreads its credit over all of them. */
export const SHARE_FLOOR = 0.5;

/** Where a training record came from. */
export type InfluenceRecord = { cid: string; contributor: string; datanetId: string | null };

/** What the index was built from and how. */
export type InfluenceIndexMeta = {
	version: typeof INFLUENCE_INDEX_VERSION;
	weightsHash: string;
	model: GPTConfig;
	projection: ProjectionOptions;
	preconditioner: PreconditionerOptions;
	k: number;
	records: number;
	/** Stored values are the gradients times this power of two. */
	scale: number;
	createdAt: number;
};

/** A built or loaded index. */
export type InfluenceIndex = {
	meta: InfluenceIndexMeta;
	records: InfluenceRecord[];
	gradients: GradientMatrix;
	preconditioner: Preconditioner;
};

/** Parameters of buildInfluenceIndex. */
export type BuildInfluenceIndexParameters = {
	model: GPT;
	weightsHash: string;
	/** Each training record with its tokens as training saw them (its <|endoftext|> before and after). */
	examples: readonly (InfluenceRecord & { tokens: Int32Array })[];
	projection?: ProjectionOptions;
	preconditioner?: PreconditionerOptions;
	/** Rows per forward/backward (default 8); the index does not depend on it. */
	batchSize?: number;
	onProgress?: (done: number, total: number) => void;
	now?: () => number;
};

/** One pass over the training records: projected gradients, the preconditioner fitted to them, the f16 matrix. */
export function buildInfluenceIndex({ model, weightsHash, examples, projection: projectionOptions = DEFAULT_PROJECTION, preconditioner: preconditionerOptions = DEFAULT_PRECONDITIONER, batchSize, onProgress, now = Date.now }: BuildInfluenceIndexParameters): InfluenceIndex {
	if (examples.length === 0) throw new InfluenceIndexError('An influence index needs at least one training record.');
	const projection = gptProjection(model.config, projectionOptions);
	const n = examples.length;
	const gradients = projectedGradients({ model, projection, examples: examples.map((e) => ({ tokens: e.tokens })), batchSize, onProgress });
	const preconditioner = fitPreconditioner({ gradients, n, projection, options: preconditionerOptions });
	const scale = f16Scale(gradients);
	const scaled = new Float32Array(gradients.length);
	for (let i = 0; i < gradients.length; i++) scaled[i] = gradients[i] * scale;
	return {
		meta: { version: INFLUENCE_INDEX_VERSION, weightsHash, model: model.config, projection: projectionOptions, preconditioner: preconditionerOptions, k: projection.k, records: n, scale, createdAt: now() },
		records: examples.map(({ cid, contributor, datanetId }) => ({ cid, contributor, datanetId })),
		gradients: { rows: n, k: projection.k, bits: float32ToFloat16(scaled) },
		preconditioner
	};
}

/** Scores the index for a query vector (already preconditioned and in the index's scale): the CPU or a WebGPU scorer. */
export type Scorer = (query: Float32Array) => Promise<Float32Array>;

/** Parameters of queryInfluence. */
export type QueryInfluenceParameters = {
	index: InfluenceIndex;
	/** The model the index was built from (checked by weights hash). */
	model: GPT;
	weightsHash: string;
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
	method: { name: 'influence'; projection: ProjectionOptions; preconditioner: PreconditionerOptions; k: number; topK: number; shareFloor: number; weightsHash: string };
};

/** Scores every training record for the answer and returns the top records and contributor shares. */
export async function queryInfluence({ index, model, weightsHash, example, topK: k = 10, scorer }: QueryInfluenceParameters): Promise<QueryInfluenceReturnType> {
	if (weightsHash !== index.meta.weightsHash) {
		throw new InfluenceIndexError('This influence index was built for other weights.', {
			details: `Index ${index.meta.weightsHash}, model ${weightsHash}.`,
			hint: 'Build the influence index of this model.'
		});
	}
	const projection = gptProjection(model.config, index.meta.projection);
	const gradient = projectedGradients({ model, projection, examples: [example] });
	const query = precondition(index.preconditioner, gradient);
	const scores = scorer ? await scorer(query) : scoreCpu(index.gradients, query);
	const top: InfluentialRecord[] = topK(scores, k).map(({ index: i, score }: ScoredRecord) => ({ ...index.records[i], index: i, score: score / index.meta.scale }));
	const duplicateGroups = nearDuplicates(index, top.filter((r) => r.score > 0));
	return {
		top,
		shares: influenceShares(top, duplicateGroups),
		duplicateGroups,
		method: { name: 'influence', projection: index.meta.projection, preconditioner: index.meta.preconditioner, k: index.meta.k, topK: k, shareFloor: SHARE_FLOOR, weightsHash }
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

// Pairs of the given records whose stored gradients have cosine >= DUPLICATE_COSINE, as groups of CIDs.
function nearDuplicates(index: InfluenceIndex, records: readonly InfluentialRecord[]): string[][] {
	const { k, bits } = index.gradients;
	const rows = records.map((r) => float16ToFloat32(bits.subarray(r.index * k, (r.index + 1) * k)));
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
