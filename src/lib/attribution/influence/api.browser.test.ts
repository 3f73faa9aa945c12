// The influence API in Chromium through workers/attribution.worker.ts and comlink, over real OPFS and IndexedDB: a
// model trained by the trainer worker on a Datanet of two contributors' sentences plus one planted fact by a third,
// its index built with progress, a query about the planted word answered with that record first and its contributor
// holding the largest share (by influence and by verbatim spans), a new worker (a reload) answering from the stored index without rebuilding, and an index
// of another format version rebuilt over.
import * as Comlink from 'comlink';
import { afterEach, describe, expect, test } from 'vitest';
import { recordCidString } from '../../core/cid';
import { canonicalRecord } from '../../core/record';
import { opfsRunStorage } from '../../engine/checkpoint/opfs';
import type { TrainerApi, TrainingEvent } from '../../engine/train/session';
import { sentence } from '../../engine/train/test-fixtures';
import { createDatanet } from '../../store/datanets';
import { openLedgerDb } from '../../store/db';
import { putRecords } from '../../store/records';
import { ALICE, BOB, datanetInput, freshDbName, textRecord } from '../../store/test-fixtures';
import type { InfluenceApi, InfluenceIndexProgress } from './api';
import { INFLUENCE_INDEX_DIRECTORY } from './store';

const CAROL = '0x' + 'ca'.repeat(20);
const PLANTED = 'zorblat: a blue fish of lake Qwerty';

const workers: Worker[] = [];
const runIds: string[] = [];
afterEach(async () => {
	for (const worker of workers.splice(0)) worker.terminate();
	for (const runId of runIds.splice(0)) await opfsRunStorage().remove(runId);
	const indexes = opfsRunStorage(INFLUENCE_INDEX_DIRECTORY);
	for (const key of await indexes.listRuns()) await indexes.remove(key);
});

function spawn<T>(path: 'trainer' | 'attribution'): Comlink.Remote<T> {
	const url = path === 'trainer' ? new URL('../../../../workers/trainer.worker.ts', import.meta.url) : new URL('../../../../workers/attribution.worker.ts', import.meta.url);
	const worker = new Worker(url, { type: 'module' });
	workers.push(worker);
	return Comlink.wrap<T>(worker);
}

async function trainedRun() {
	const dbName = freshDbName();
	const db = await openLedgerDb(dbName);
	const { id } = await createDatanet(db, datanetInput({ name: 'Sentences' }));
	const rows = Array.from({ length: 40 }, (_, i) => ({ record: textRecord(id, sentence(i), { contributor: i % 2 ? ALICE : BOB, status: 'approved' }) }));
	rows.push({ record: textRecord(id, PLANTED, { contributor: CAROL, status: 'approved' }) });
	await putRecords(db, id, rows);
	const trainer = spawn<TrainerApi>('trainer');
	const runId = crypto.randomUUID();
	runIds.push(runId);
	const events: TrainingEvent[] = [];
	const result = await trainer.start(
		{ runId, datanetIds: [id], dbName, model: { preset: 'tiny', overrides: { blockSize: 32 } }, train: { steps: 60, batchSize: 4, lr: 3e-3, warmupSteps: 5, evalEvery: 60, evalBatches: 1, seed: 1, validationFraction: 0 }, checkpointEvery: 15, backend: 'cpu' },
		Comlink.proxy((e: TrainingEvent) => void events.push(e))
	);
	expect(result).toMatchObject({ status: 'finished', step: 60 });
	return { runId, dbName, datanetId: id, trainer };
}

describe('the influence API in the attribution worker', () => {
	test('builds a model\'s index with progress, ranks a planted fact\'s record first for its word, and reloads it', async () => {
		const { runId, dbName } = await trainedRun();
		const api = spawn<InfluenceApi>('attribution');
		await expect(api.queryInfluence({ runId, prompt: 'zorblat:', answer: ' a blue fish' })).rejects.toThrow(/no influence index yet/);
		expect(await api.influenceIndexOf(runId)).toBeNull();

		const progress: InfluenceIndexProgress[] = [];
		const summary = await api.buildInfluenceIndex({ runId, dbName }, Comlink.proxy((p: InfluenceIndexProgress) => void progress.push(p)));
		// The run kept snapshots at steps 15, 30 and 45 beside its final weights: the index sums over all four.
		expect(summary).toMatchObject({ runId, records: 41, k: 4 * 2304, unknownContributors: 0, checkpoints: [{ step: 15 }, { step: 30 }, { step: 45 }, { step: 60, weightsHash: summary.weightsHash }] });
		expect(summary.weightsHash).toMatch(/^0x[0-9a-f]{64}$/);
		await expect.poll(() => progress.at(-1)?.phase).toBe('done');
		const gradients = progress.filter((p) => p.phase === 'gradients');
		expect(gradients.at(-1)).toEqual({ phase: 'gradients', done: 4 * (41 + 2 * 41), total: 4 * (41 + 2 * 41) });
		expect(gradients.every((p, i) => i === 0 || p.done >= gradients[i - 1].done)).toBe(true);

		const plantedCid = recordCidString(canonicalRecord('text', { text: PLANTED }).bytes);
		const result = await api.queryInfluence({ runId, prompt: 'zorblat:', answer: ' a blue fish of lake Qwerty', topK: 5 });
		expect(result.backend).toBe('cpu'); // SwiftShader is a fallback adapter: scoring stays on the CPU
		expect(result.top).toHaveLength(5);
		expect(result.top[0]).toMatchObject({ cid: plantedCid, contributor: CAROL });
		expect(result.top.every((r, i) => i === 0 || r.score <= result.top[i - 1].score)).toBe(true);
		expect(result.shares[0].contributor).toBe(CAROL);
		expect(result.shares.reduce((s, x) => s + x.bps, 0)).toBe(10_000);
		expect(result.method).toMatchObject({ name: 'influence', k: 4 * 2304, checkpoints: 4, topK: 5, weightsHash: summary.weightsHash, preconditioner: { kind: 'layer' }, fisher: { labels: 'model' } });

		// The same answer's verbatim spans in the 41 training records, under the model's tokenizer: "lake Qwerty" is in
		// the planted record only, so its contributor leads the span shares too.
		const spans = await api.traceAnswerSpans({ runId, prompt: 'zorblat:', answer: ' a blue fish of lake Qwerty', dbName });
		expect(spans.method).toMatchObject({ name: 'maximal-spans+bm25', index: 'training-records', records: 41 });
		expect(spans.spans.length).toBeGreaterThan(0);
		const qwerty = spans.spans.find((s) => s.text.includes('Qwerty'));
		expect(qwerty?.sources.map((r) => r.cid)).toEqual([plantedCid]);
		expect(spans.shares[0].contributor).toBe(CAROL);
		expect(spans.shares.reduce((s, x) => s + x.bps, 0)).toBe(10_000);
		expect(await api.traceAnswerSpans({ runId, prompt: 'zorblat:', answer: ' a blue fish of lake Qwerty', dbName })).toEqual(spans);
		expect(await api.prepareAnswerSpans({ runId, dbName })).toEqual({ records: 41 });

		// A reload: a new worker finds the stored index and gives the same answer.
		const again = spawn<InfluenceApi>('attribution');
		expect(await again.influenceIndexOf(runId)).toEqual(summary);
		const reloaded = await again.queryInfluence({ runId, prompt: 'zorblat:', answer: ' a blue fish of lake Qwerty', topK: 5 });
		expect(reloaded.top).toEqual(result.top);
		expect(reloaded.shares).toEqual(result.shares);

		// An index stored by another format version counts as none, so the page builds it again (over it).
		const indexes = opfsRunStorage(INFLUENCE_INDEX_DIRECTORY);
		const key = summary.weightsHash.slice(2);
		const meta = JSON.parse(new TextDecoder().decode((await indexes.read(key, 'meta.json'))!));
		await indexes.write(key, 'meta.json', new TextEncoder().encode(JSON.stringify({ ...meta, version: 1 })));
		const third = spawn<InfluenceApi>('attribution');
		expect(await third.influenceIndexOf(runId)).toBeNull();
		await expect(third.queryInfluence({ runId, prompt: 'zorblat:', answer: ' a blue fish' })).rejects.toThrow(/another version/);
		expect(await third.buildInfluenceIndex({ runId, dbName })).toEqual({ ...summary, createdAt: expect.any(Number) });
		expect((await third.queryInfluence({ runId, prompt: 'zorblat:', answer: ' a blue fish of lake Qwerty', topK: 5 })).top).toEqual(result.top);
	}, 180_000);

	test('attributes a LoRA fine-tune through its adapter\'s gradients at each of its checkpoints', async () => {
		const { runId: baseId, dbName, datanetId, trainer } = await trainedRun();
		const runId = crypto.randomUUID();
		runIds.push(runId);
		const result = await trainer.start(
			{ runId, datanetIds: [datanetId], dbName, model: { preset: 'tiny', overrides: { blockSize: 32 } }, train: { steps: 40, batchSize: 4, lr: 5e-3, warmupSteps: 5, evalEvery: 40, evalBatches: 1, seed: 2, validationFraction: 0 }, checkpointEvery: 10, backend: 'cpu', base: { runId: baseId, method: 'lora', lora: { rank: 4 } } },
			Comlink.proxy(() => {})
		);
		expect(result).toMatchObject({ status: 'finished', step: 40 });
		const api = spawn<InfluenceApi>('attribution');
		const summary = await api.buildInfluenceIndex({ runId, dbName });
		// Snapshots at 10, 20 and 30 and the final weights; each part is the adapter's projected A and B, far fewer
		// values than the weights' 2,304.
		expect(summary).toMatchObject({ runId, records: 41, gradients: 'lora', checkpoints: [{ step: 10 }, { step: 20 }, { step: 30 }, { step: 40 }] });
		expect(summary.k % 4).toBe(0);
		expect(summary.k / 4).toBeLessThan(2304);
		const answer = await api.queryInfluence({ runId, prompt: 'zorblat:', answer: ' a blue fish of lake Qwerty', topK: 5 });
		expect(answer.top[0]).toMatchObject({ cid: recordCidString(canonicalRecord('text', { text: PLANTED }).bytes), contributor: CAROL });
		expect(answer.method).toMatchObject({ gradients: 'lora', k: summary.k, checkpoints: 4, weightsHash: summary.weightsHash });
	}, 180_000);
});
