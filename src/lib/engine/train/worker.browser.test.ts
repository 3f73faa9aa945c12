// The trainer worker (workers/trainer.worker.ts through comlink) in Chromium, with SwiftShader's WebGPU and real OPFS
// and IndexedDB: the parity check (20 optimizer steps of a tiny-family model on WebGPU against the CPU path,
// every loss within 1%), a run killed mid-way and resumed by a new worker, and the CPU fallbacks. The model is tiny's
// shape (2 layers, 4 heads, 128 channels, the tokenizer's vocabulary of ~350) at blockSize 16 and batchSize 1,
// because SwiftShader on two shared cores takes 2-4 s per such step (8 s at B=2, T=32; full tiny, B=8 and T=128, runs
// at about 37 tokens/s).
import * as Comlink from 'comlink';
import { afterEach, describe, expect, test } from 'vitest';
import { createDatanet } from '../../store/datanets';
import { openLedgerDb } from '../../store/db';
import { putRecords } from '../../store/records';
import { ALICE, BOB, datanetInput, freshDbName, OWNER, textRecord } from '../../store/test-fixtures';
import { importCheckpoint } from '../checkpoint/checkpoint';
import { opfsRunStorage } from '../checkpoint/opfs';
import { prepareTrainingRun, readApprovedRecords } from './prepare';
import type { StartTrainingParameters, TrainerApi, TrainingEvent } from './session';
import { sentence } from './test-fixtures';
import { Trainer } from './trainer';

const workers: Worker[] = [];
const runIds: string[] = [];
afterEach(async () => {
	for (const worker of workers.splice(0)) worker.terminate();
	const storage = opfsRunStorage();
	for (const runId of runIds.splice(0)) await storage.remove(runId);
});

function spawn(): Comlink.Remote<TrainerApi> {
	const worker = new Worker(new URL('../../../../workers/trainer.worker.ts', import.meta.url), { type: 'module' });
	workers.push(worker);
	return Comlink.wrap<TrainerApi>(worker);
}

// A Datanet of 60 approved sentences (and two pending ones, which must not be trained on) in a fresh database.
async function datanet() {
	const dbName = freshDbName();
	const db = await openLedgerDb(dbName);
	const { id } = await createDatanet(db, datanetInput({ name: 'Sentences' }));
	const rows = Array.from({ length: 62 }, (_, i) => ({ record: textRecord(id, sentence(i), { status: i < 60 ? 'approved' : 'pending' }) }));
	await putRecords(db, id, rows);
	return { dbName, datanetIds: [id] };
}

const TINY = { preset: 'tiny', overrides: { blockSize: 16 } } as const;
const TRAIN = { steps: 20, batchSize: 1, warmupSteps: 5, lr: 3e-3, evalEvery: 20, evalBatches: 1, seed: 1 };

// Starts a run through the worker and collects its events.
async function train(api: Comlink.Remote<TrainerApi>, params: StartTrainingParameters) {
	const events: TrainingEvent[] = [];
	const runId = params.runId ?? crypto.randomUUID();
	runIds.push(runId);
	const result = await api.start({ ...params, runId }, Comlink.proxy((e: TrainingEvent) => void events.push(e)));
	// Events arrive on the callback's own port, so the last may land just after the result.
	await expect.poll(() => events.some((e) => e.type === 'checkpoint' && e.step === result.step)).toBe(true);
	return { result, events, progress: events.flatMap((e) => (e.type === 'progress' ? [e] : [])) };
}

describe('the trainer worker', () => {
	test('reads approved records only, and of an allowlist Datanet only its owner\'s and listed contributors\'', async () => {
		const dbName = freshDbName();
		const db = await openLedgerDb(dbName);
		const { id } = await createDatanet(db, datanetInput({ name: 'Listed', policy: 'allowlist', allowlist: [ALICE] }));
		await putRecords(db, id, [
			{ record: textRecord(id, 'by the listed contributor', { contributor: ALICE, status: 'approved' }) },
			{ record: textRecord(id, 'by the owner', { contributor: OWNER, status: 'approved' }) },
			{ record: textRecord(id, 'by someone since removed from the list', { contributor: BOB, status: 'approved' }) },
			{ record: textRecord(id, 'listed but still pending', { contributor: ALICE, status: 'pending' }) }
		]);
		const texts = (await readApprovedRecords([id], dbName)).map((r) => r.content.fields.text).sort();
		expect(texts).toEqual(['by the listed contributor', 'by the owner']);
	});

	test('the first 20 optimizer steps of tiny on WebGPU give the CPU path\'s losses within 1%', async () => {
		const source = await datanet();
		const api = spawn();
		const params = { ...source, model: TINY, train: TRAIN, checkpointEvery: 100 };
		const started = performance.now();
		const gpu = await train(api, { ...params, backend: 'webgpu' });
		const gpuSeconds = (performance.now() - started) / 1000;
		const cpu = await train(api, { ...params, backend: 'cpu' });
		expect(gpu.result).toMatchObject({ status: 'finished', step: 20, backend: 'webgpu' });
		expect(gpu.result.fallbackReason).toBeUndefined();
		expect(cpu.result).toMatchObject({ status: 'finished', step: 20, backend: 'cpu' });
		expect(gpu.events[0]).toMatchObject({ type: 'started', model: { nLayer: 2, nHead: 4, nEmbd: 128, blockSize: 16 } });

		// WebGPU reads the losses back every 10 steps, all ten at once; the CPU reports each step's.
		expect(gpu.progress.filter((p) => p.losses.length > 0).map((p) => p.step)).toEqual([10, 20]);
		const gpuLosses = gpu.progress.flatMap((p) => p.losses);
		const cpuLosses = cpu.progress.flatMap((p) => p.losses);
		expect(gpuLosses.map((l) => l.step)).toEqual(cpuLosses.map((l) => l.step));
		expect(gpuLosses).toHaveLength(20);
		const relative = gpuLosses.map((l, i) => Math.abs(l.loss - cpuLosses[i].loss) / cpuLosses[i].loss);
		const gpuVal = gpu.result.valLoss!;
		const cpuVal = cpu.result.valLoss!;
		console.log(
			`20-step parity (tiny shape, vocab ${gpu.events[0].type === 'started' && gpu.events[0].model.vocabSize}, B=1, T=16): ` +
				`max relative loss difference ${Math.max(...relative).toExponential(2)}; loss ${cpuLosses[0].loss.toFixed(4)} -> ` +
				`${cpuLosses[19].loss.toFixed(4)}; val ${cpuVal.toFixed(4)} (CPU) vs ${gpuVal.toFixed(4)} (WebGPU); WebGPU run ${gpuSeconds.toFixed(1)} s`
		);
		expect(Math.max(...relative)).toBeLessThan(0.01);
		expect(Math.abs(gpuVal - cpuVal) / cpuVal).toBeLessThan(0.01);
		expect(cpuLosses[19].loss).toBeLessThan(cpuLosses[0].loss);
	}, 180_000); // about 60 s on two shared cores, nearly all of it SwiftShader

	test('a run killed mid-way resumes in a new worker from OPFS to the uninterrupted run\'s exact weights', async () => {
		const source = await datanet();
		const params = { ...source, model: TINY, train: { ...TRAIN, steps: 30, evalEvery: 10 }, checkpointEvery: 4, backend: 'cpu' as const };
		const runId = crypto.randomUUID();
		runIds.push(runId);
		const first = spawn();
		// Paused first only so that the test knows the step; the kill is what a closed tab does.
		let pausing: Promise<number | null> | null = null;
		const onEvent = (e: TrainingEvent) => void (e.type === 'progress' && e.step === 9 && (pausing = first.pause()));
		void first.start({ ...params, runId }, Comlink.proxy(onEvent)).catch(() => undefined);
		await expect.poll(() => pausing, { timeout: 30_000 }).not.toBeNull();
		const at = (await pausing)!;
		expect(at).toBeLessThan(30);
		workers.shift()!.terminate();
		const checkpointed = at - (at % 4);

		const second = spawn();
		const [stored] = (await second.listRuns()).filter((r) => r.runId === runId);
		expect(stored).toMatchObject({ status: 'training', step: checkpointed, steps: 30, datanetIds: source.datanetIds });
		const resumed: TrainingEvent[] = [];
		const result = await second.resumeRun(runId, Comlink.proxy((e: TrainingEvent) => void resumed.push(e)));
		expect(result).toMatchObject({ status: 'finished', step: 30, backend: 'cpu' });
		await expect.poll(() => resumed[0]).toMatchObject({ type: 'started', step: checkpointed });

		// The uninterrupted run, in the page, from the same approved records.
		const { model, train: config, data } = prepareTrainingRun(await readApprovedRecords(source.datanetIds, source.dbName), params);
		const reference = new Trainer(model, data, config);
		await reference.run();
		const { params: weights, training } = importCheckpoint(await second.readCheckpoint(runId));
		expect(training).toMatchObject({ step: 30, optimizerStep: 30 });
		expect(weights).toEqual(Float32Array.from(reference.state().params));
	}, 60_000);

	test('falls back to the CPU with a notice when WebGPU is unavailable or the device is lost', async () => {
		const source = await datanet();
		const api = spawn();
		const params = { ...source, model: TINY, train: { ...TRAIN, steps: 4, evalEvery: 4 }, checkpointEvery: 2 };
		const unavailable = await train(api, { ...params, backend: 'webgpu', simulate: { webgpuUnavailable: true } });
		expect(unavailable.result).toMatchObject({ status: 'finished', step: 4, backend: 'cpu', fallbackReason: expect.stringMatching(/WebGPU is not available/) });
		expect(unavailable.events[0]).toMatchObject({ type: 'started', backend: 'cpu', fallbackReason: unavailable.result.fallbackReason });

		const lost = await train(api, { ...params, backend: 'webgpu', simulate: { deviceLossAfterStep: 3 } });
		expect(lost.result).toMatchObject({ status: 'finished', step: 4, backend: 'cpu', fallbackReason: expect.stringMatching(/lost|destroyed/i) });
		const notice = lost.events.find((e) => e.type === 'notice');
		// The GPU's last state read back is the step-2 checkpoint: steps 3 and 4 are trained again on the CPU.
		expect(notice).toMatchObject({ kind: 'fallback', step: 2, message: expect.stringMatching(/continues on the CPU from step 2/) });
		expect(lost.progress.map((p) => `${p.step}${p.backend[0]}`)).toEqual(expect.arrayContaining(['1w', '2w', '3c', '4c']));
	}, 90_000);
});
