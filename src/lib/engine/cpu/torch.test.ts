// The whole CPU model against PyTorch (llm.c's test_gpt2.c): weights, a batch and the expected logits, loss,
// gradients and post-AdamW parameters come from committed fixtures written by scripts/torch-fixtures.py, so this test
// needs no PyTorch. Differences are measured relative to each tensor's largest magnitude (float32 rounding scale).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gptConfig, type GPTConfig } from '../config';
import type { ParameterLayout, ParameterName } from '../params';
import type { Floats } from './floats';
import { createGPT, gptBackward, gptForward, gptUpdate, gptZeroGrad, type GPTUpdateOptions } from './gpt';

type Section = 'weights' | 'logits' | 'grads' | 'paramsAfterStep';

// The manifest written beside the float32 blob (see the header of scripts/torch-fixtures.py).
type Manifest = {
	config: Record<string, unknown>;
	batch: { B: number; T: number; tokens: number[]; targets: number[] };
	hyperparameters: GPTUpdateOptions;
	loss: number;
	gradNorm: number;
	layout: { name: ParameterName; shape: number[] }[];
	sections: Record<Section, { offset: number; length: number }>;
};

const manifest = JSON.parse(readFileSync(new URL('./fixtures/gpt-micro.json', import.meta.url), 'utf8')) as Manifest;
const blob = readFileSync(new URL('./fixtures/gpt-micro.bin', import.meta.url));

/** Reads one section of the fixture blob as float32, little-endian whatever the host. */
function section(name: Section): Float32Array {
	const { offset, length } = manifest.sections[name];
	const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
	return Float32Array.from({ length }, (_, i) => view.getFloat32(4 * (offset + i), true));
}

/** Largest |x[i]|. */
function maxAbs(x: Floats): number {
	let max = 0;
	for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]));
	return max;
}

/** Largest |actual - expected| over the compared elements, divided by the largest |expected| (raw when that is 0). */
function relativeMaxDiff(actual: Floats, expected: Floats, compared: (i: number) => boolean = () => true): number {
	let diff = 0;
	for (let i = 0; i < expected.length; i++) if (compared(i)) diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
	const scale = maxAbs(expected);
	return scale === 0 ? diff : diff / scale;
}

/** Per-tensor relative differences of two flat parameter buffers, by tensor name; skip takes flat indices. */
function perTensor(
	actual: Floats,
	expected: Floats,
	layout: ParameterLayout,
	skip: ReadonlySet<number> = new Set()
): Record<string, number> {
	const out: Record<string, number> = {};
	for (const [name, { offset, size }] of Object.entries(layout)) {
		const slice = (x: Floats) => x.subarray(offset, offset + size);
		out[name] = relativeMaxDiff(slice(actual), slice(expected), (i) => !skip.has(offset + i));
	}
	return out;
}

/**
 * Flat indices of the key bias (the k third of every layer's qkvb). Its gradient is zero in exact arithmetic: a
 * constant added to every key shifts all of a query's scores equally, and softmax ignores the shift. Both sides hold
 * float32 rounding noise there (~1e-9), which AdamW's first step turns into steps of up to lr with a random sign.
 */
function keyBiasIndices(layout: ParameterLayout, { nLayer: L, nEmbd: C }: GPTConfig): Set<number> {
	const indices = new Set<number>();
	for (let l = 0; l < L; l++) {
		const start = layout.qkvb.offset + l * 3 * C + C;
		for (let i = start; i < start + C; i++) indices.add(i);
	}
	return indices;
}

/** Names of the entries above the tolerance, with their values, for a readable failure. */
function over(diffs: Record<string, number>, tolerance: number): string[] {
	return Object.entries(diffs)
		.filter(([, diff]) => !(diff <= tolerance))
		.map(([name, diff]) => `${name}: ${diff.toExponential(2)}`);
}

describe('gpt against PyTorch', () => {
	const config = gptConfig('tiny', manifest.config);
	const { B, T } = manifest.batch;
	const model = createGPT(config);
	model.params.set(section('weights'));
	gptZeroGrad(model);
	const loss = gptForward(model, Int32Array.from(manifest.batch.tokens), Int32Array.from(manifest.batch.targets), B, T);
	const logits = model.batch!.acts.logits.slice();
	gptBackward(model);
	const grads = model.grads.slice();
	const gradNorm = gptUpdate(model, manifest.hyperparameters);

	it('uses the same flat parameter layout', () => {
		const expected = Object.entries(model.layout).map(([name, { size }]) => ({ name, size }));
		const actual = manifest.layout.map(({ name, shape }) => ({ name, size: shape.reduce((n, d) => n * d, 1) }));
		expect(actual).toEqual(expected);
		expect(manifest.batch.targets).toContain(-1);
	});

	it('matches the loss and the logits', () => {
		expect(Math.abs(loss - manifest.loss) / manifest.loss).toBeLessThanOrEqual(1e-5);
		expect(relativeMaxDiff(logits, section('logits'))).toBeLessThanOrEqual(1e-5);
	});

	it('matches every gradient tensor and the pre-clip gradient norm', () => {
		expect(over(perTensor(grads, section('grads'), model.layout), 1e-4)).toEqual([]);
		expect(gradNorm).toBeGreaterThan(manifest.hyperparameters.maxGradNorm);
		expect(Math.abs(gradNorm - manifest.gradNorm) / manifest.gradNorm).toBeLessThanOrEqual(1e-5);
	});

	it('matches every parameter after one clipped AdamW step, the key bias as noise', () => {
		const keyBias = keyBiasIndices(model.layout, config);
		const before = section('weights');
		const expected = section('paramsAfterStep');
		const torchGrads = section('grads');
		const { learningRate } = manifest.hyperparameters;
		const { offset, size } = model.layout.qkvb;
		const noiseLevel = 1e-6 * maxAbs(torchGrads.subarray(offset, offset + size));
		// Key-bias elements that are not noise on both sides: a gradient above rounding level, or a step beyond lr.
		const notNoise = [...keyBias].filter(
			(i) =>
				!(Math.abs(grads[i]) <= noiseLevel && Math.abs(torchGrads[i]) <= noiseLevel) ||
				!(Math.abs(model.params[i] - before[i]) <= learningRate && Math.abs(expected[i] - before[i]) <= learningRate)
		);
		expect(notNoise).toEqual([]);
		expect(over(perTensor(model.params, expected, model.layout, keyBias), 1e-5)).toEqual([]);
	});

	it("matches every parameter after one clipped AdamW step from PyTorch's gradients", () => {
		const replay = createGPT(config);
		replay.params.set(section('weights'));
		replay.grads.set(section('grads'));
		const norm = gptUpdate(replay, manifest.hyperparameters);
		expect(Math.abs(norm - manifest.gradNorm) / manifest.gradNorm).toBeLessThanOrEqual(1e-5);
		expect(over(perTensor(replay.params, section('paramsAfterStep'), replay.layout), 1e-5)).toEqual([]);
	});
});
