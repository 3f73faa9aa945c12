import { describe, expect, it } from 'vitest';
import { gptConfig } from '../config';
import { createGPT } from '../cpu/gpt';
import { createRng } from '../random';
import { TrainingStateError } from '../train/errors';
import { Trainer, trainConfig, type TrainProgress } from '../train/trainer';
import { loraConfig } from './config';
import { LoraTrainer } from './trainer';

// Micro model and data, as train/trainer.test.ts: every path of the loop in milliseconds per step.
const MICRO = gptConfig('tiny', { vocabSize: 32, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16 });
const rng = createRng(11);
const stream = (n: number) => ({ tokens: Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * 32)) });
const DATA = { train: stream(2000), validation: stream(200) };
const CONFIG = trainConfig({ steps: 10, batchSize: 4, warmupSteps: 3, lr: 1e-2, evalEvery: 4, evalBatches: 2, seed: 5 });
const LORA = loraConfig({ rank: 4, alpha: 8 });
const BASE = { config: MICRO, params: createGPT(MICRO, { seed: 1 }).params };

async function run(trainer: LoraTrainer): Promise<TrainProgress[]> {
	const events: TrainProgress[] = [];
	await trainer.run({ onProgress: (p) => events.push(p) });
	return events;
}

describe('LoraTrainer', () => {
	it('trains only the adapter: the base weights stay bit-for-bit the same', async () => {
		const trainer = new LoraTrainer(BASE, DATA, CONFIG, LORA);
		const initial = trainer.adapter.params.slice();
		await run(trainer);
		expect(trainer.model.params).toEqual(BASE.params);
		expect(trainer.model.params).not.toBe(BASE.params); // a copy: the caller's buffer is never the trainer's
		expect(trainer.adapter.params).not.toEqual(initial);
		expect(trainer.adapter.step).toBe(10);
	});

	it('cuts the loss of a pretrained base on a new sequence', () => {
		// A random base cannot be tuned far with its head and LayerNorms frozen (its logits stay near 0), so the base
		// first learns one repeating sequence and the adapter then learns another over the same tokens.
		const repeating = (order: number[]) => ({ tokens: Int32Array.from({ length: 400 }, (_, i) => order[i % order.length]) });
		const pretrained = repeating([3, 14, 15, 9, 26, 5, 30, 8, 17]);
		const task = repeating([17, 26, 3, 30, 9, 8, 14, 5, 15]);
		const fast = { ...CONFIG, lr: 3e-2, minLr: 3e-2, warmupSteps: 0, weightDecay: 0 };
		const pretraining = new Trainer(MICRO, { train: pretrained, validation: pretrained }, trainConfig({ ...fast, steps: 40 }));
		for (let i = 0; i < 40; i++) pretraining.trainStep();
		const base = { config: MICRO, params: pretraining.model.params };
		const trainer = new LoraTrainer(base, { train: task, validation: task }, trainConfig({ ...fast, steps: 40 }), LORA);
		const losses: number[] = [];
		for (let i = 0; i < 40; i++) losses.push(trainer.trainStep().loss);
		expect(losses[39]).toBeLessThan(0.1 * losses[0]); // from ~16 to ~0.8 at the time of writing
		expect(trainer.evaluate()).toBeLessThan(0.1 * losses[0]);
	});

	it('is deterministic and resumes exactly from state()', async () => {
		const a = new LoraTrainer(BASE, DATA, CONFIG, LORA);
		const b = new LoraTrainer(BASE, DATA, CONFIG, LORA);
		const [ea, eb] = [await run(a), await run(b)];
		expect(eb.map((e) => e.trainLoss)).toEqual(ea.map((e) => e.trainLoss));
		expect(b.adapter.params).toEqual(a.adapter.params);

		const first = new LoraTrainer(BASE, DATA, CONFIG, LORA);
		for (let i = 0; i < 4; i++) first.trainStep();
		const saved = first.state();
		const resumed = new LoraTrainer(BASE, DATA, CONFIG, LORA);
		resumed.restore(saved);
		expect(resumed.step).toBe(4);
		const rest = await run(resumed);
		expect(rest.map((e) => e.trainLoss)).toEqual(ea.slice(4).map((e) => e.trainLoss));
		expect(resumed.adapter.params).toEqual(a.adapter.params);
	});

	it('rejects a state of another adapter size or seed, and base weights of another size', () => {
		const trainer = new LoraTrainer(BASE, DATA, CONFIG, LORA);
		const other = new LoraTrainer(BASE, DATA, CONFIG, loraConfig({ rank: 2 }));
		expect(() => trainer.restore(other.state())).toThrow(TrainingStateError);
		expect(() => trainer.restore({ ...trainer.state(), seed: 6 })).toThrow(/different seed/);
		expect(() => new LoraTrainer({ config: MICRO, params: new Float32Array(5) }, DATA, CONFIG, LORA)).toThrow(/do not fit/);
	});
});
