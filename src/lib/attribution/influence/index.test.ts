// The influence index in Node: built from two checkpoints of a small model trained on sentences plus one planted fact,
// its f16 scores against the float32 dot products summed over them, the Fisher's labels and sample, independence of
// the batch size, the planted record first with its contributor's share largest (and through a LoRA fine-tune's
// adapter), the share rule, and the OPFS layout through an in-memory storage (round trip, interrupted write,
// damage, another version).
import { beforeAll, describe, expect, it } from 'vitest';
import { recordCidString } from '$lib/core/cid';
import { canonicalRecord } from '$lib/core/record';
import { END_OF_TEXT, trainBpe } from '$lib/core/tokenizer/bpe';
import { weightsHash } from '$lib/engine/checkpoint/weightsHash';
import { gptConfig } from '$lib/engine/config';
import { createGPT } from '$lib/engine/cpu/gpt';
import { memoryStorage, sentence } from '$lib/engine/train/test-fixtures';
import { Trainer, trainConfig } from '$lib/engine/train/trainer';
import { float16ToFloat32 } from '$lib/engine/checkpoint/float16';
import { loraConfig } from '$lib/engine/lora/config';
import { attachLora, createLoraAdapter } from '$lib/engine/lora/lora';
import { mergeLora } from '$lib/engine/lora/mergeLora';
import { LoraTrainer } from '$lib/engine/lora/trainer';
import { gptProjection, projectedGradients } from './gradients';
import { loraProjectedGradients, loraProjection } from './loraGradients';
import { buildInfluenceIndex, influenceShares, queryInfluence, type InfluenceCheckpoint, type InfluenceIndex } from './index';
import { precondition } from './preconditioner';
import { loadInfluenceIndex, saveInfluenceIndex } from './store';

const PLANTED = 'zorblat: a blue fish of lake Qwerty';
const texts = [...Array.from({ length: 30 }, (_, i) => sentence(i)), PLANTED];
const contributor = (i: number) => (i === texts.length - 1 ? '0x' + 'ca'.repeat(20) : i % 2 ? '0x' + 'a1'.repeat(20) : '0x' + 'b0'.repeat(20));
const tokenizer = trainBpe(texts, { vocabSize: 300 });
const eot = tokenizer.tokenId(END_OF_TEXT)!;
const examples = texts.map((text, i) => ({
	cid: recordCidString(canonicalRecord('text', { text }).bytes),
	contributor: contributor(i),
	datanetId: null,
	tokens: Int32Array.from([eot, ...tokenizer.encode(text), eot])
}));
const query = () => {
	const prompt = [eot, ...tokenizer.encode('zorblat:')];
	return { tokens: Int32Array.from([...prompt, ...tokenizer.encode(' a blue fish of lake Qwerty')]), firstTarget: prompt.length };
};

// Two checkpoints of one run: a snapshot at step 40 and the final weights at step 80.
let checkpoints: InfluenceCheckpoint[];
let hash: string;
let index: InfluenceIndex;
beforeAll(() => {
	const config = gptConfig('tiny', { vocabSize: tokenizer.vocabSize, blockSize: 32, nLayer: 1, nHead: 2, nEmbd: 32 });
	const stream = Int32Array.from([eot, ...examples.flatMap((e) => Array.from(e.tokens.subarray(1)))]);
	const trainer = new Trainer(config, { train: { tokens: stream }, validation: { tokens: new Int32Array(0) } }, trainConfig({ steps: 80, batchSize: 4, lr: 1e-2, warmupSteps: 5, seed: 2 }));
	checkpoints = [];
	for (let s = 1; s <= 80; s++) {
		trainer.trainStep();
		if (s % 40 === 0) {
			const model = createGPT(config);
			model.params.set(trainer.model.params);
			checkpoints.push({ model, step: s, weightsHash: weightsHash(model.params as Float32Array) });
		}
	}
	hash = checkpoints[1].weightsHash;
	index = buildInfluenceIndex({ checkpoints, examples, now: () => 1 });
});

describe('buildInfluenceIndex and queryInfluence', () => {
	it('stores f16 gradients whose scores match the float32 dot products summed over the checkpoints within 1% of the largest', async () => {
		const projection = gptProjection(checkpoints[0].model.config);
		const k = projection.k;
		const expected = new Float64Array(examples.length);
		checkpoints.forEach(({ model }, c) => {
			const exact = projectedGradients({ model, projection, examples: examples.map((e) => ({ tokens: e.tokens })) });
			const full = new Float32Array(2 * k);
			full.set(projectedGradients({ model, projection, examples: [query()] }), c * k);
			const q = precondition(index.preconditioner, full).subarray(c * k, (c + 1) * k);
			examples.forEach((_, i) => {
				for (let j = 0; j < k; j++) expected[i] += exact[i * k + j] * q[j];
			});
		});
		const max = Math.max(...Array.from(expected, Math.abs));
		const { top, method } = await queryInfluence({ index, checkpoints, example: query(), topK: examples.length });
		for (const r of top) expect(Math.abs(r.score - expected[r.index])).toBeLessThan(0.01 * max);
		expect(index.meta).toMatchObject({ records: 31, k: 2 * k, checkpoints: [{ step: 40 }, { step: 80, weightsHash: hash }], weightsHash: hash, createdAt: 1 });
		expect(index.preconditioner.blocks.map((b) => b.offset)).toEqual([...projection.layers, ...projection.layers].map((l, i) => (i < projection.layers.length ? 0 : k) + l.offset));
		for (const scale of index.meta.scales) expect(Math.log2(scale) % 1).toBe(0);
		expect(method).toMatchObject({ checkpoints: 2, fisher: { labels: 'model', draws: 2 }, k: 2 * k });
	});

	it('fits the Fisher at the model\'s own labels by default, over a seeded sample of maxRecords records', async () => {
		const records = buildInfluenceIndex({ checkpoints, examples, fisher: { labels: 'records', draws: 1, maxRecords: 1024, seed: 0 } });
		expect(records.preconditioner.blocks[0].inverse).not.toEqual(index.preconditioner.blocks[0].inverse);
		expect(records.gradients.bits).toEqual(index.gradients.bits);
		const fewer = (seed: number) => buildInfluenceIndex({ checkpoints: checkpoints.slice(1), examples, fisher: { labels: 'model', draws: 2, maxRecords: 8, seed } });
		expect(fewer(1).preconditioner.blocks[0].inverse).toEqual(fewer(1).preconditioner.blocks[0].inverse);
		expect(fewer(1).preconditioner.blocks[0].inverse).not.toEqual(fewer(2).preconditioner.blocks[0].inverse);
		const progress: number[][] = [];
		buildInfluenceIndex({ checkpoints, examples, fisher: { labels: 'model', draws: 2, maxRecords: 8, seed: 0 }, onProgress: (done, total) => progress.push([done, total]) });
		expect(progress.at(-1)).toEqual([2 * (31 + 16), 2 * (31 + 16)]);
		expect(() => buildInfluenceIndex({ checkpoints, examples, fisher: { labels: 'model', draws: 0, maxRecords: 8, seed: 0 } })).toThrow(/at least one draw/);
	});

	it('does not depend on the batch size of the build', async () => {
		const one = buildInfluenceIndex({ checkpoints, examples, batchSize: 1, now: () => 1 });
		const a = await queryInfluence({ index, checkpoints, example: query(), topK: 31 });
		const b = await queryInfluence({ index: one, checkpoints, example: query(), topK: 31 });
		const max = Math.abs(a.top[0].score);
		const byCid = new Map(b.top.map((r) => [r.cid, r.score]));
		for (const r of a.top) expect(Math.abs(r.score - byCid.get(r.cid)!)).toBeLessThan(1e-3 * max);
		expect(b.top[0].cid).toBe(a.top[0].cid);
	});

	it('ranks the planted record first for its word and gives its contributor the largest share', async () => {
		const result = await queryInfluence({ index, checkpoints, example: query(), topK: 10 });
		expect(result.top[0].cid).toBe(examples.at(-1)!.cid);
		expect(result.shares[0].contributor).toBe(contributor(texts.length - 1));
		expect(result.shares.reduce((s, x) => s + x.bps, 0)).toBe(10_000);
		expect(result.method).toMatchObject({ name: 'influence', topK: 10, shareFloor: 0.5, weightsHash: hash });
	});

	it('through a LoRA model\'s adapter: its A and B gradients at each checkpoint, the planted record first', async () => {
		// A base trained on the sentences alone, then a rank-4 adapter fine-tuned on all of them and the planted fact.
		const config = checkpoints[0].model.config;
		const sentences = Int32Array.from([eot, ...examples.slice(0, -1).flatMap((e) => Array.from(e.tokens.subarray(1)))]);
		const stream = Int32Array.from([eot, ...examples.flatMap((e) => Array.from(e.tokens.subarray(1)))]);
		const none = { tokens: new Int32Array(0) };
		const base = new Trainer(config, { train: { tokens: sentences }, validation: none }, trainConfig({ steps: 40, batchSize: 4, lr: 1e-2, warmupSteps: 5, seed: 3 }));
		for (let s = 0; s < 40; s++) base.trainStep();
		const lora = loraConfig({ rank: 4, alpha: 8 });
		const trainer = new LoraTrainer({ config, params: base.model.params }, { train: { tokens: stream }, validation: none }, trainConfig({ steps: 60, batchSize: 4, lr: 1e-2, warmupSteps: 5, seed: 4 }), lora);
		const loraCheckpoints: InfluenceCheckpoint[] = [];
		for (let s = 1; s <= 60; s++) {
			trainer.trainStep();
			if (s % 30 === 0) {
				const model = createGPT(config);
				model.params.set(base.model.params);
				const adapter = createLoraAdapter(config, lora);
				adapter.params.set(trainer.adapter.params);
				attachLora(model, adapter);
				loraCheckpoints.push({ model, adapter, step: s, weightsHash: weightsHash(mergeLora(base.model.params as Float32Array, adapter)) });
			}
		}
		const loraIndex = buildInfluenceIndex({ checkpoints: loraCheckpoints, examples });
		const k = loraProjection(loraCheckpoints[0].adapter!).k;
		expect(loraIndex.meta).toMatchObject({ gradients: 'lora', k: 2 * k, checkpoints: [{ step: 30 }, { step: 60 }] });
		expect(index.meta.gradients).toBe('weights');
		// The stored rows are the adapter's projected gradients (f16, within 1% of each checkpoint part's largest value).
		const exact = loraProjectedGradients({ model: loraCheckpoints[1].model, adapter: loraCheckpoints[1].adapter!, projection: loraProjection(loraCheckpoints[1].adapter!), examples: examples.map((e) => ({ tokens: e.tokens })) });
		const stored = float16ToFloat32(loraIndex.gradients.bits);
		const scale = loraIndex.meta.scales[1];
		const max = Math.max(...Array.from(exact, Math.abs));
		for (let i = 0; i < examples.length; i++) for (let j = 0; j < k; j++) expect(Math.abs(stored[i * 2 * k + k + j] / scale - exact[i * k + j])).toBeLessThan(0.01 * max);
		const result = await queryInfluence({ index: loraIndex, checkpoints: loraCheckpoints, example: query(), topK: 10 });
		expect(result.top[0].cid).toBe(examples.at(-1)!.cid);
		expect(result.method).toMatchObject({ gradients: 'lora', k: 2 * k });
		// A weights index is not answered from adapters, nor the other way round.
		await expect(queryInfluence({ index: loraIndex, checkpoints, example: query() })).rejects.toThrow(/other weights/);
		const withHashes = loraCheckpoints.map((c, i) => ({ ...c, weightsHash: checkpoints[i].weightsHash }));
		await expect(queryInfluence({ index, checkpoints: withHashes, example: query() })).rejects.toThrow(/LoRA|adapters/);
		expect(() => buildInfluenceIndex({ checkpoints: [checkpoints[0], loraCheckpoints[1]], examples })).toThrow(/Some checkpoints have a LoRA adapter/);
	});

	it('refuses another model\'s weights and an empty build', async () => {
		await expect(queryInfluence({ index, checkpoints: [checkpoints[0], { ...checkpoints[1], weightsHash: '0x' + '00'.repeat(32) }], example: query() })).rejects.toThrow(/other weights/);
		await expect(queryInfluence({ index, checkpoints: checkpoints.slice(1), example: query() })).rejects.toThrow(/other weights/);
		expect(() => buildInfluenceIndex({ checkpoints, examples: [] })).toThrow(/at least one training record/);
		expect(() => buildInfluenceIndex({ checkpoints: [], examples })).toThrow(/weights/);
	});
});

describe('influenceShares', () => {
	const r = (cid: string, contributor: string, score: number) => ({ cid, contributor, score });
	it('counts positive scores of at least half the top one, skips unknown contributors, and merges near-duplicates', () => {
		expect(influenceShares([r('a', 'x', 8), r('b', 'y', 4), r('c', 'z', 3.9), r('d', 'w', -3)])).toEqual([{ contributor: 'x', bps: 6667 }, { contributor: 'y', bps: 3333 }]);
		expect(influenceShares([r('a', '', 8), r('b', 'y', 4)])).toEqual([{ contributor: 'y', bps: 10_000 }]);
		// Near-duplicates a and b count once, at the larger weight, split between their contributors.
		expect(influenceShares([r('a', 'x', 6), r('b', 'y', 6), r('c', 'z', 6)], [['a', 'b']])).toEqual([{ contributor: 'z', bps: 5000 }, { contributor: 'x', bps: 2500 }, { contributor: 'y', bps: 2500 }]);
		expect(influenceShares([r('a', 'x', -1)])).toEqual([]);
		expect(influenceShares([])).toEqual([]);
	});
});

describe('the influence index store', () => {
	it('round-trips an index, ignores an interrupted write, and names damage and other versions', async () => {
		const storage = memoryStorage();
		expect(await loadInfluenceIndex(storage, hash)).toBeNull();
		await saveInfluenceIndex(storage, index);
		const loaded = (await loadInfluenceIndex(storage, hash))!;
		expect(loaded.meta).toEqual(index.meta);
		expect(loaded.records).toEqual(index.records);
		expect(loaded.gradients.bits).toEqual(index.gradients.bits);
		loaded.preconditioner.blocks.forEach((b, i) => {
			const original = index.preconditioner.blocks[i];
			expect([b.offset, b.size, b.damping]).toEqual([original.offset, original.size, original.damping]);
			for (let j = 0; j < b.inverse.length; j += 97) expect(b.inverse[j]).toBeCloseTo(original.inverse[j], 4);
		});
		const a = await queryInfluence({ index, checkpoints, example: query() });
		const b = await queryInfluence({ index: loaded, checkpoints, example: query() });
		expect(b.top.map((t) => t.cid)).toEqual(a.top.map((t) => t.cid));

		const dir = hash.slice(2);
		const meta = storage.files.get(`${dir}/meta.json`)!;
		storage.files.delete(`${dir}/meta.json`);
		expect(await loadInfluenceIndex(storage, hash)).toBeNull();
		storage.files.set(`${dir}/meta.json`, meta);
		storage.files.set(`${dir}/gradients.f16`, new Uint8Array(10));
		await expect(loadInfluenceIndex(storage, hash)).rejects.toThrow(/damaged/);
		const other = JSON.parse(new TextDecoder().decode(meta));
		storage.files.set(`${dir}/meta.json`, new TextEncoder().encode(JSON.stringify({ ...other, version: 99 })));
		await expect(loadInfluenceIndex(storage, hash)).rejects.toThrow(/another version/);
	});
});
