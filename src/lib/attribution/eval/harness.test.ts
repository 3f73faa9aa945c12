// The evaluation harness end to end at a toy size (a few records, three subset models, a few steps), so the steps of
// `npm run eval:attribution` keep fitting together: data with planted facts, a base and its fine-tunes, the queries,
// every method's scores and the metrics, repeatable from the seed.
import { describe, expect, it } from 'vitest';
import { allSynsets } from '$lib/demo/wordnet.node';
import { DEFAULT_EVAL_CONFIG, evalData, evalMetrics, evalQueries, methodScores, modelWith, queryLosses, subsetMasks, trainBase, trainModel, type EvalConfig } from './harness';

const config: EvalConfig = {
	...DEFAULT_EVAL_CONFIG,
	base: { lexname: 'noun.food', train: { steps: 3, batchSize: 2, seed: 1 } },
	records: 24,
	heldOut: 4,
	generations: 3,
	planted: 3,
	models: 3,
	vocabSize: 300,
	model: { blockSize: 32, nLayer: 1, nEmbd: 32, nHead: 2 },
	train: { steps: 4, batchSize: 2, warmupSteps: 1, seed: 1 },
	snapshots: 2,
	checkpoints: 2,
	projection: { kIn: 4, kOut: 4, seed: 0 },
	maxNewTokens: 4
};

function evaluate() {
	const data = evalData(allSynsets(), config);
	const base = trainBase(data, config);
	const masks = subsetMasks(data.train.length, config);
	const full = trainModel(data, null, config, [2, 4], base);
	const snapshots = full.snapshots.map((p) => modelWith(data, p));
	const queries = evalQueries(snapshots[1], data, config);
	const scores = methodScores(snapshots, data, queries, config);
	const perModel = masks.map((mask) => queryLosses(modelWith(data, trainModel(data, mask, config, [], base).params), queries));
	const losses = queries.map((_, q) => Float64Array.from(perModel, (l) => l[q]));
	return { data, masks, queries, scores, metrics: evalMetrics(scores, data, queries, masks, losses) };
}

describe('the attribution evaluation harness', () => {
	it('runs every step at a toy size and repeats exactly from its seed', () => {
		const { data, masks, queries, scores, metrics } = evaluate();
		expect(data.train).toHaveLength(20 + 3);
		expect(data.train.filter((r) => r.planted).map((r) => r.contributor)).toHaveLength(3);
		expect(new Set(data.train.map((r) => r.contributor)).size).toBeGreaterThan(3);
		expect(masks.map((m) => m.reduce((s, x) => s + x, 0))).toEqual([12, 12, 12]); // round(0.5 * 23)
		expect(queries.map((q) => q.kind)).toEqual([...Array(4).fill('held-out'), ...Array(3).fill('generation'), ...Array(3).fill('planted')]);
		for (const method of Object.keys(scores) as (keyof typeof scores)[]) {
			expect(scores[method]).toHaveLength(queries.length);
			expect(scores[method].every((s) => s.length === data.train.length && s.every(Number.isFinite))).toBe(true);
			expect(Math.abs(metrics.lds[method])).toBeLessThanOrEqual(1);
		}
		// BM25 finds a planted word's record: no other record contains the invented word.
		expect(metrics.plantedTop1.bm25).toBe(1);
		expect(evaluate().metrics).toEqual(metrics);
	}, 120_000);
});
