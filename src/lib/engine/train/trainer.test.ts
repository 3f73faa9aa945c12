import { describe, expect, it } from 'vitest';
import { gptConfig } from '../config';
import { EngineConfigError } from '../errors';
import { createRng } from '../random';
import { TrainingStateError } from './errors';
import { learningRateAt } from './schedule';
import { DEFAULT_TRAIN_CONFIG, Trainer, trainConfig, type TrainProgress } from './trainer';

// Micro model and data: every path of the loop in milliseconds per step.
const MICRO = gptConfig('tiny', { vocabSize: 32, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16 });
const rng = createRng(11);
const stream = (n: number) => ({ tokens: Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * 32)) });
const DATA = { train: stream(2000), validation: stream(200) };
const CONFIG = trainConfig({ steps: 10, batchSize: 4, warmupSteps: 3, lr: 1e-2, evalEvery: 4, evalBatches: 2, seed: 5 });

async function losses(trainer: Trainer, signal?: AbortSignal): Promise<TrainProgress[]> {
	const events: TrainProgress[] = [];
	await trainer.run({ signal, onProgress: (p) => events.push(p) });
	return events;
}
const lossesOf = (events: TrainProgress[]) => events.map(({ trainLoss, valLoss, lr }) => ({ trainLoss, valLoss, lr }));

describe('trainConfig', () => {
	it('fills defaults and applies overrides', () => {
		expect(trainConfig()).toEqual(DEFAULT_TRAIN_CONFIG);
		expect(trainConfig({ steps: 5, betas: [0.8, 0.99] })).toMatchObject({ steps: 5, betas: [0.8, 0.99], lr: 1e-3 });
	});

	it('rejects unknown keys and bad values', () => {
		expect(() => trainConfig({ learning_rate: 1 })).toThrow(/Unknown training config key: learning_rate/);
		const bads = [{ steps: 0 }, { batchSize: 1.5 }, { lr: -1 }, { betas: [0.9] }, { minLr: 1 }, { validationFraction: 1 }, { seed: -1 }];
		for (const bad of bads) {
			expect(() => trainConfig(bad)).toThrow(EngineConfigError);
		}
	});
});

describe('Trainer', () => {
	it('is deterministic: the same seed gives exactly the same losses and weights', async () => {
		const a = new Trainer(MICRO, DATA, CONFIG);
		const b = new Trainer(MICRO, DATA, CONFIG);
		const [la, lb] = [await losses(a), await losses(b)];
		expect(lossesOf(la)).toEqual(lossesOf(lb));
		expect(a.model.params).toEqual(b.model.params);
		const c = new Trainer(MICRO, DATA, { ...CONFIG, seed: 6 });
		expect(lossesOf(await losses(c))).not.toEqual(lossesOf(la));
	});

	it('reports progress each step: validation on evalEvery and at the end, the scheduled lr, speed and ETA', async () => {
		const events = await losses(new Trainer(MICRO, DATA, CONFIG));
		expect(events.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
		expect(events.filter((e) => e.valLoss !== undefined).map((e) => e.step)).toEqual([4, 8, 10]);
		const schedule = { warmupSteps: 3, maxSteps: 10, lr: 1e-2, minLr: 1e-4 };
		events.forEach((e, i) => expect(e.lr).toBe(learningRateAt(i, schedule)));
		expect(events.every((e) => e.tokensPerSecond > 0 && Number.isFinite(e.etaSeconds))).toBe(true);
		expect(events[9].etaSeconds).toBe(0);
	});

	it('accumulates gradients: 2 micro-batches of B equal one batch of 2B on the same windows', () => {
		const accumulated = new Trainer(MICRO, DATA, { ...CONFIG, batchSize: 2, gradAccumSteps: 2 });
		const single = new Trainer(MICRO, DATA, { ...CONFIG, batchSize: 4, gradAccumSteps: 1 });
		for (let s = 0; s < 3; s++) {
			const a = accumulated.trainStep();
			const b = single.trainStep();
			expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
		}
		let maxDiff = 0;
		for (let i = 0; i < single.model.params.length; i++) {
			maxDiff = Math.max(maxDiff, Math.abs(accumulated.model.params[i] - single.model.params[i]));
		}
		expect(maxDiff).toBeLessThan(1e-5);
		const unaccumulated = new Trainer(MICRO, DATA, { ...CONFIG, batchSize: 2, gradAccumSteps: 1 });
		unaccumulated.trainStep();
		unaccumulated.trainStep();
		expect(Math.abs(unaccumulated.trainStep().loss - single.trainStep().loss)).toBeGreaterThan(1e-5);
	});

	it('resumes exactly: 5 steps, cancel, snapshot, restore into a fresh trainer, 5 more equals 10 straight', async () => {
		const straight = new Trainer(MICRO, DATA, CONFIG);
		const expected = await losses(straight);

		const first = new Trainer(MICRO, DATA, CONFIG);
		const controller = new AbortController();
		const events: TrainProgress[] = [];
		const result = await first.run({
			signal: controller.signal,
			onProgress: (p) => {
				events.push(p);
				if (p.step === 5) controller.abort();
			}
		});
		expect(result).toEqual({ step: 5, cancelled: true });
		const snapshot = first.state();
		first.trainStep(); // the snapshot is a copy: later training does not change it

		const resumed = new Trainer(MICRO, DATA, CONFIG);
		resumed.restore(snapshot);
		events.push(...(await losses(resumed)));
		expect(lossesOf(events)).toEqual(lossesOf(expected));
		expect(events.map((e) => e.step)).toEqual(expected.map((e) => e.step));
		expect(resumed.model.params).toEqual(straight.model.params);
		expect(resumed.model.m).toEqual(straight.model.m);
		expect(resumed.model.v).toEqual(straight.model.v);
	});

	it('rejects a state from another model size or seed', () => {
		const state = new Trainer(MICRO, DATA, CONFIG).state();
		const wider = new Trainer(gptConfig('tiny', { ...MICRO, nEmbd: 32 }), DATA, CONFIG);
		expect(() => wider.restore(state)).toThrow(TrainingStateError);
		expect(() => new Trainer(MICRO, DATA, { ...CONFIG, seed: 9 }).restore(state)).toThrow(TrainingStateError);
	});

	it('has no validation loss without validation tokens', () => {
		expect(new Trainer(MICRO, { ...DATA, validation: { tokens: new Int32Array(0) } }, CONFIG).evaluate()).toBeUndefined();
	});
});
