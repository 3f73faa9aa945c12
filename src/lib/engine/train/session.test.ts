// The training session on the CPU in Node, over an in-memory run storage: events, checkpoints, pause, cancel, resume
// from a copy of the storage taken mid-run (as a killed tab leaves it) and the WebGPU fallback where there is no GPU.
import { describe, expect, it } from 'vitest';
import { modelArchive } from '../checkpoint/archive';
import { importCheckpoint } from '../checkpoint/checkpoint';
import { TrainingDataError, TrainingRunError } from './errors';
import { prepareTrainingRun } from './prepare';
import { createTrainerApi, type StartTrainingParameters, type TrainingEvent } from './session';
import { memoryStorage, sentenceRecords } from './test-fixtures';
import { Trainer } from './trainer';
import { saveTokenizerJson } from '$lib/core/tokenizer/tokenizerJson';
import { weightsHash } from '../checkpoint/weightsHash';
import { loraConfig } from '../lora/config';
import { mergeLora } from '../lora/mergeLora';
import { importAdapter } from '../lora/adapterFiles';
import { LoraTrainer } from '../lora/trainer';

const RECORDS = sentenceRecords(40);
const PARAMS: StartTrainingParameters = {
	records: RECORDS,
	tokenizer: { vocabSize: 300 },
	model: { overrides: { blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 32 } },
	train: { steps: 8, batchSize: 2, warmupSteps: 2, lr: 1e-2, evalEvery: 4, evalBatches: 2, seed: 3 },
	checkpointEvery: 3,
	backend: 'cpu'
};

// The weights after an uninterrupted CPU Trainer run on the same prepared data.
async function referenceParams(): Promise<Float32Array> {
	const { model, train, data } = prepareTrainingRun(RECORDS, PARAMS);
	const trainer = new Trainer(model, data, train);
	await trainer.run();
	return Float32Array.from(trainer.state().params);
}

async function finalParams(storage: ReturnType<typeof memoryStorage>, runId: string): Promise<Float32Array> {
	return importCheckpoint(await createTrainerApi({ storage }).readCheckpoint(runId)).params;
}

describe('the training session on the CPU', () => {
	it('trains to the Trainer\'s exact weights, reporting progress and checkpoints in order', async () => {
		const storage = memoryStorage();
		const events: TrainingEvent[] = [];
		const result = await createTrainerApi({ storage }).start({ ...PARAMS, runId: 'run-a' }, (e) => void events.push(e));
		expect(result).toMatchObject({ runId: 'run-a', status: 'finished', step: 8, backend: 'cpu' });
		expect(events[0]).toMatchObject({ type: 'started', runId: 'run-a', backend: 'cpu', step: 0, steps: 8 });
		expect(events.map((e) => (e.type === 'progress' ? e.step : `${e.type}${'step' in e ? e.step : ''}`))).toEqual(
			['started0', 1, 2, 3, 'checkpoint3', 4, 5, 6, 'checkpoint6', 7, 8, 'checkpoint8']
		);
		const progress = events.filter((e) => e.type === 'progress');
		expect(progress.every((e) => e.trainLoss !== undefined && e.losses.length === 1 && e.backend === 'cpu')).toBe(true);
		expect(progress.filter((e) => e.valLoss !== undefined).map((e) => e.step)).toEqual([4, 8]);
		expect(await finalParams(storage, 'run-a')).toEqual(await referenceParams());
		// The latest checkpoint is kept, and the snapshots for influence attribution: the first checkpoint at or past
		// each quarter of the run (steps 2, 4 and 6 of 8; 6 reaches two quarters at once).
		expect(await storage.list('run-a')).toEqual(['checkpoint-0000003', 'checkpoint-0000006', 'checkpoint-0000008', 'data.json', 'manifest.json', 'run.json', 'tokenizer.json', 'train.tokens', 'validation.tokens']);
		const manifest = JSON.parse(new TextDecoder().decode(storage.files.get('run-a/manifest.json')));
		expect(manifest).toMatchObject({ checkpoint: 'checkpoint-0000008', snapshots: ['checkpoint-0000003', 'checkpoint-0000006'] });
		const [summary] = await createTrainerApi({ storage }).listRuns();
		expect(summary).toMatchObject({ runId: 'run-a', status: 'finished', step: 8, steps: 8, datanetIds: null, model: { vocabSize: 300, blockSize: 16 } });
	});

	it('resumes a run killed mid-way from its last checkpoint to the same weights', async () => {
		const storage = memoryStorage();
		let killed: Map<string, Uint8Array> | null = null;
		await createTrainerApi({ storage }).start({ ...PARAMS, runId: 'run-b' }, (e) => {
			// The storage as it stands after step 4: the manifest names the step-3 checkpoint.
			if (e.type === 'progress' && e.step === 4) killed = new Map(storage.files);
		});
		const reloaded = memoryStorage(killed!);
		expect((await createTrainerApi({ storage: reloaded }).listRuns())[0]).toMatchObject({ status: 'training', step: 3 });
		const events: TrainingEvent[] = [];
		const result = await createTrainerApi({ storage: reloaded }).resumeRun('run-b', (e) => void events.push(e));
		expect(result).toMatchObject({ status: 'finished', step: 8 });
		expect(events[0]).toMatchObject({ type: 'started', step: 3 });
		expect(await finalParams(reloaded, 'run-b')).toEqual(await referenceParams());
		expect(await createTrainerApi({ storage: reloaded }).resumeRun('run-b')).toMatchObject({ status: 'finished', step: 8 });
	});

	it('pauses, resumes and cancels between steps; a cancelled run resumes to the same weights', async () => {
		const storage = memoryStorage();
		const api = createTrainerApi({ storage });
		const events: TrainingEvent[] = [];
		let pausing: Promise<number | null> | null = null;
		const running = api.start({ ...PARAMS, runId: 'run-c' }, (e) => {
			events.push(e);
			if (e.type === 'progress' && e.step === 2) pausing = api.pause();
		});
		await expect.poll(() => pausing).not.toBeNull();
		const pausedAt = await pausing;
		expect(pausedAt).toBe(2);
		expect(events.at(-1)).toEqual({ type: 'paused', step: 2 });
		await expect(api.start({ ...PARAMS, runId: 'run-d' })).rejects.toThrow(TrainingRunError);
		await expect(api.deleteRun('run-c')).rejects.toThrow(/training/);
		api.resume();
		await api.cancel();
		const result = await running;
		expect(result.status).toBe('cancelled');
		expect(events.some((e) => e.type === 'resumed')).toBe(true);
		const cancelled = (await api.listRuns())[0];
		expect(cancelled).toMatchObject({ runId: 'run-c', status: 'cancelled', step: result.step });
		expect(await api.resumeRun('run-c')).toMatchObject({ status: 'finished', step: 8 });
		expect(await finalParams(storage, 'run-c')).toEqual(await referenceParams());
		await api.deleteRun('run-c');
		expect(await api.listRuns()).toEqual([]);
	});

	it('falls back to the CPU, with the reason, when WebGPU is asked for and cannot be had', async () => {
		const events: TrainingEvent[] = [];
		const params = { ...PARAMS, train: { ...PARAMS.train, steps: 2 }, backend: 'webgpu' as const };
		const result = await createTrainerApi({ storage: memoryStorage() }).start(params, (e) => void events.push(e));
		expect(result).toMatchObject({ status: 'finished', backend: 'cpu', fallbackReason: expect.stringMatching(/WebGPU is not available/) });
		expect(events[0]).toMatchObject({ type: 'started', backend: 'cpu', fallbackReason: result.fallbackReason });
	});

	it('imports a model from its files as a finished run', async () => {
		const storage = memoryStorage();
		const api = createTrainerApi({ storage });
		await api.start({ ...PARAMS, runId: 'source', train: { ...PARAMS.train, steps: 2 } });
		const imported = await api.importModel([{ name: 'model.zip', bytes: modelArchive(await api.readCheckpoint('source')) }]);
		expect(imported).toMatchObject({ status: 'finished', step: 0, model: { vocabSize: 300, nEmbd: 32 }, datanetIds: null });
		expect((await api.listRuns()).map((r) => r.runId).sort()).toEqual([imported.runId, 'source'].sort());
		expect(await api.resumeRun(imported.runId)).toMatchObject({ status: 'finished', step: 0 });
		expect(importCheckpoint(await api.readCheckpoint(imported.runId)).params).toEqual(await finalParams(storage, 'source'));
	});

	it('rejects a start without records, with both sources, or reusing a run id', async () => {
		const api = createTrainerApi({ storage: memoryStorage() });
		await expect(api.start({ ...PARAMS, records: [] })).rejects.toThrow(TrainingDataError);
		await expect(api.start({ ...PARAMS, datanetIds: ['0x01'] })).rejects.toThrow(/exactly one of datanetIds and records/);
		await expect(api.start({ ...PARAMS, checkpointEvery: 0 })).rejects.toThrow(/checkpointEvery/);
		await api.start({ ...PARAMS, runId: 'same', train: { ...PARAMS.train, steps: 1 } });
		await expect(api.start({ ...PARAMS, runId: 'same' })).rejects.toThrow(/exists already/);
		await expect(api.resumeRun('missing')).rejects.toThrow(/no training run/);
	});

	describe('fine-tuning a stored model', () => {
		const TUNE = { records: sentenceRecords(60).slice(40), train: { steps: 6, batchSize: 2, warmupSteps: 1, lr: 5e-3, evalEvery: 3, evalBatches: 1, seed: 5 }, checkpointEvery: 2, backend: 'cpu' as const };

		// A base model trained on the first 40 sentences, and what the fine-tune's data and config are made from.
		async function baseRun(storage: ReturnType<typeof memoryStorage>) {
			await createTrainerApi({ storage }).start({ ...PARAMS, runId: 'base' });
			const base = importCheckpoint(await createTrainerApi({ storage }).readCheckpoint('base'));
			const prepared = prepareTrainingRun(TUNE.records, { tokenizer: { json: saveTokenizerJson(base.tokenizer) }, model: { overrides: base.config }, train: TUNE.train });
			return { base, prepared };
		}

		it('trains every weight from the base, with its tokenizer and config, to a Trainer restored from it', async () => {
			const storage = memoryStorage();
			const { base, prepared } = await baseRun(storage);
			const result = await createTrainerApi({ storage }).start({ ...TUNE, runId: 'full', base: { runId: 'base', method: 'full' } });
			expect(result).toMatchObject({ status: 'finished', step: 6 });
			const trainer = new Trainer(prepared.model, prepared.data, prepared.train);
			const P = base.params.length;
			trainer.restore({ step: 0, seed: 5, optimizerStep: 0, params: base.params, m: new Float32Array(P), v: new Float32Array(P) });
			await trainer.run();
			const tuned = importCheckpoint(await createTrainerApi({ storage }).readCheckpoint('full'));
			expect(tuned.params).toEqual(Float32Array.from(trainer.state().params));
			expect(tuned.config).toEqual(base.config);
			expect(saveTokenizerJson(tuned.tokenizer)).toBe(saveTokenizerJson(base.tokenizer));
			const spec = JSON.parse(new TextDecoder().decode(storage.files.get('full/run.json')));
			expect(spec.method).toEqual({ kind: 'full', base: { runId: 'base', weightsHash: weightsHash(base.params) } });
		});

		it('trains a LoRA adapter on the frozen base; checkpoints hold the merged weights, and a killed run resumes to them', async () => {
			const storage = memoryStorage();
			const { base, prepared } = await baseRun(storage);
			let killed: Map<string, Uint8Array> | null = null;
			const lora = { rank: 4, alpha: 8 };
			await createTrainerApi({ storage }).start({ ...TUNE, runId: 'lora', base: { runId: 'base', method: 'lora', lora } }, (e) => {
				if (e.type === 'progress' && e.step === 3) killed = new Map(storage.files); // the step-2 checkpoint in force
			});
			const trainer = new LoraTrainer({ config: base.config, params: base.params }, prepared.data, prepared.train, loraConfig(lora));
			await trainer.run();
			const merged = mergeLora(base.params, trainer.adapter);
			const tuned = importCheckpoint(await createTrainerApi({ storage }).readCheckpoint('lora'));
			expect(tuned.params).toEqual(merged);
			expect(tuned.params).not.toEqual(base.params);
			expect(tuned.training).toBeUndefined(); // the adapter resumes, not the full weights
			expect(storage.files.has('lora/checkpoint-0000006/adapter.safetensors')).toBe(true);
			expect(storage.files.has('lora/base/weights.safetensors')).toBe(true);
			// The base model is unchanged.
			expect(importCheckpoint(await createTrainerApi({ storage }).readCheckpoint('base')).params).toEqual(base.params);

			const reloaded = memoryStorage(killed!);
			const events: TrainingEvent[] = [];
			expect(await createTrainerApi({ storage: reloaded }).resumeRun('lora', (e) => void events.push(e))).toMatchObject({ status: 'finished', step: 6 });
			expect(events[0]).toMatchObject({ type: 'started', step: 2 });
			expect(importCheckpoint(await createTrainerApi({ storage: reloaded }).readCheckpoint('lora')).params).toEqual(merged);

			// The adapter exports in PEFT's layout and imports back onto the base as the same adapter.
			const files = await createTrainerApi({ storage }).readAdapter('lora');
			const { adapter } = importAdapter(files, { config: base.config, params: base.params });
			expect(adapter.params).toEqual(Float32Array.from(trainer.adapter.params));
			await expect(createTrainerApi({ storage }).readAdapter('base')).rejects.toThrow(/not trained as a LoRA adapter/);
		});

		it('refuses a base without weights or an unknown method', async () => {
			const storage = memoryStorage();
			const api = createTrainerApi({ storage });
			await expect(api.start({ ...TUNE, base: { runId: 'missing', method: 'full' } })).rejects.toThrow(/no saved weights/);
			await api.start({ ...PARAMS, runId: 'base', train: { ...PARAMS.train, steps: 1 } });
			await expect(api.start({ ...TUNE, base: { runId: 'base', method: 'half' as 'full' } })).rejects.toThrow(/"full" or "lora"/);
		});
	});
});
