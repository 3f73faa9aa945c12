// The evaluation harness end to end at a toy size (a few records, three subset models, a few steps), so the steps of
// `npm run eval:attribution` keep fitting together: data with planted facts, a base and its fine-tunes, the queries,
// every method's scores and the metrics, repeatable from the seed.
import { describe, expect, it } from 'vitest';
import { allSynsets } from '$lib/demo/wordnet.node';
import { mergeLora } from '$lib/engine/lora/mergeLora';
import { DEFAULT_EVAL_CONFIG, evalData, evalMetrics, evalQueries, loraCheckpoint, methodScores, modelWith, queryLosses, subsetMasks, trainBase, trainModel, type EvalConfig } from './harness';

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

function evaluate(lora: EvalConfig['lora'] = null) {
	const cfg = { ...config, lora };
	const data = evalData(allSynsets(), cfg);
	const base = trainBase(data, cfg);
	const masks = subsetMasks(data.train.length, cfg);
	const full = trainModel(data, null, cfg, [2, 4], base);
	const snapshots = full.snapshots.map((p) => modelWith(data, p));
	const queries = evalQueries(snapshots[1], data, cfg);
	const checkpoints = lora ? full.adapters!.map((a) => loraCheckpoint(data, cfg, base, a)) : snapshots.map((model) => ({ model }));
	const scores = methodScores(checkpoints, data, queries, cfg);
	const perModel = masks.map((mask) => queryLosses(modelWith(data, trainModel(data, mask, cfg, [], base).params), queries));
	const losses = queries.map((_, q) => Float64Array.from(perModel, (l) => l[q]));
	return { data, base, full, masks, queries, scores, metrics: evalMetrics(scores, data, queries, masks, losses) };
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

	it('fine-tunes LoRA adapters when asked: merged snapshots, their adapters, influence through the adapters', () => {
		const lora = { rank: 2, alpha: 4 };
		const { data, base, full, scores, metrics } = evaluate(lora);
		expect(full.adapters).toHaveLength(2);
		// The merged snapshot is the base plus the adapter's update; the adapter moved from its init.
		const checkpoint = loraCheckpoint(data, { ...config, lora }, base, full.adapters![1]);
		expect(mergeLora(base, checkpoint.adapter!)).toEqual(full.snapshots[1]);
		expect(full.snapshots[1]).not.toEqual(base);
		// Influence over the adapter's k: its scores differ from those over every weight.
		const weights = evaluate().scores;
		expect(scores.influence[0]).not.toEqual(weights.influence[0]);
		expect(scores.influence.every((s) => s.every(Number.isFinite))).toBe(true);
		expect(Math.abs(metrics.lds.influence)).toBeLessThanOrEqual(1);
	}, 120_000);
});
