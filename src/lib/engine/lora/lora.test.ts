import { describe, expect, it } from 'vitest';
import { gptConfig } from '../config';
import { IGNORE_INDEX } from '../cpu/crossEntropy';
import { TOLERANCE } from '../cpu/gradcheck';
import { createGPT, gptBackward, gptForward, gptZeroGrad, type GPT } from '../cpu/gpt';
import { EngineConfigError } from '../errors';
import { createRng } from '../random';
import { loraConfig } from './config';
import { LoraAdapterError } from './errors';
import { attachLora, createLoraAdapter, detachLora, loraZeroGrad, type LoraAdapter } from './lora';
import { mergeLora } from './mergeLora';

// Micro model: every code path of the full GPT, small enough for exact float64 central differences.
const MICRO = gptConfig('tiny', { vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8 });
const LORA = loraConfig({ rank: 3, alpha: 5 });

function randomBatch(seed: number, B: number, T: number, V: number) {
	const rng = createRng(seed);
	const inputs = Int32Array.from({ length: B * T }, () => Math.floor(rng.uniform() * V));
	const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.uniform() * V));
	targets[B * T - 1] = IGNORE_INDEX;
	return { inputs, targets };
}

// A base with perturbed gains and biases and an adapter with nonzero B, so every term carries gradient.
function perturbedPair(precision: 'f32' | 'f64', seed = 1): { model: GPT; adapter: LoraAdapter } {
	const model = createGPT(MICRO, { seed, precision });
	const adapter = createLoraAdapter(MICRO, LORA, { seed: seed + 1, precision });
	const rng = createRng(seed + 2);
	for (let i = 0; i < model.params.length; i++) model.params[i] += 0.05 * rng.normal();
	for (let i = 0; i < adapter.params.length; i++) adapter.params[i] += 0.2 * rng.normal();
	return { model, adapter };
}

// Central differences of the loss in buffer[i], against analytic[i], for a few random i per tensor.
function checkCoordinates(
	loss: () => number,
	buffer: Float32Array | Float64Array,
	analytic: Float32Array | Float64Array,
	tensors: { name: string; offset: number; size: number }[],
	perTensor: number
): { checked: number; failures: string[] } {
	const rng = createRng(9);
	const eps = 1e-5;
	const failures: string[] = [];
	let checked = 0;
	for (const { name, offset, size } of tensors) {
		for (let k = 0; k < perTensor; k++) {
			const i = offset + Math.floor(rng.uniform() * size);
			const saved = buffer[i];
			buffer[i] = saved + eps;
			const plus = loss();
			buffer[i] = saved - eps;
			const minus = loss();
			buffer[i] = saved;
			const numeric = (plus - minus) / (2 * eps);
			checked++;
			if (Math.abs(analytic[i] - numeric) > TOLERANCE * Math.max(1, Math.abs(numeric))) {
				failures.push(`${name}[${i - offset}]: analytic ${analytic[i]}, numeric ${numeric}`);
			}
		}
	}
	return { checked, failures };
}

describe('lora', () => {
	const [B, T] = [2, 5];
	const { inputs, targets } = randomBatch(3, B, T, MICRO.vocabSize);

	it('has the adapter gradients of central differences through the whole frozen GPT (float64)', () => {
		const { model, adapter } = perturbedPair('f64');
		attachLora(model, adapter);
		gptZeroGrad(model);
		loraZeroGrad(adapter);
		gptForward(model, inputs, targets, B, T);
		gptBackward(model, { frozen: true });
		expect(model.grads.every((g) => g === 0)).toBe(true); // the frozen base gets no gradient at all
		const tensors = adapter.layout.map(({ target, part, offset, size }) => ({ name: `${target}${part}`, offset, size }));
		const loss = () => gptForward(model, inputs, targets, B, T);
		const { checked, failures } = checkCoordinates(loss, adapter.params, adapter.grads.slice(), tensors, 4);
		expect(checked).toBe(32);
		expect(failures).toEqual([]);
	});

	it('still gives the base its exact gradients when not frozen, with the adapter in the path (float64)', () => {
		const { model, adapter } = perturbedPair('f64');
		attachLora(model, adapter);
		gptZeroGrad(model);
		loraZeroGrad(adapter);
		gptForward(model, inputs, targets, B, T);
		gptBackward(model);
		const frozenRun = perturbedPair('f64');
		attachLora(frozenRun.model, frozenRun.adapter);
		gptForward(frozenRun.model, inputs, targets, B, T);
		gptBackward(frozenRun.model, { frozen: true });
		// The frozen backward's dinp-only products give the adapter the same gradients as the full backward.
		for (let i = 0; i < adapter.grads.length; i++) expect(frozenRun.adapter.grads[i]).toBeCloseTo(adapter.grads[i], 12);
		const tensors = Object.entries(model.layout).map(([name, { offset, size }]) => ({ name, offset, size }));
		const loss = () => gptForward(model, inputs, targets, B, T);
		const { checked, failures } = checkCoordinates(loss, model.params, model.grads.slice(), tensors, 2);
		expect(checked).toBe(32);
		expect(failures).toEqual([]);
	});

	it('gives the adapter the same gradients frozen or not in float32 (the SIMD kernel path)', () => {
		const grads = (frozen: boolean) => {
			const { model, adapter } = perturbedPair('f32');
			attachLora(model, adapter);
			gptForward(model, inputs, targets, B, T);
			gptBackward(model, { frozen });
			return adapter.grads;
		};
		const [full, frozen] = [grads(false), grads(true)];
		let scale = 0;
		for (const g of full) scale = Math.max(scale, Math.abs(g));
		for (let i = 0; i < full.length; i++) expect(Math.abs(frozen[i] - full[i])).toBeLessThan(1e-5 * scale);
	});

	it('is exactly the base model while untrained (B = 0), in float32', () => {
		const base = createGPT(MICRO, { seed: 4 });
		const hooked = createGPT(MICRO, { seed: 4 });
		attachLora(hooked, createLoraAdapter(MICRO, LORA, { seed: 5 }));
		const loss = gptForward(base, inputs, targets, B, T);
		expect(gptForward(hooked, inputs, targets, B, T)).toBe(loss);
		expect(hooked.batch!.acts.logits).toEqual(base.batch!.acts.logits);
		detachLora(hooked);
		expect(hooked.lora).toBeUndefined();
	});

	it('merges into weights whose logits are the hooked model\'s', () => {
		for (const precision of ['f64', 'f32'] as const) {
			const { model, adapter } = perturbedPair(precision);
			const merged = createGPT(MICRO, { precision });
			merged.params.set(mergeLora(model.params, adapter));
			const mergedLoss = gptForward(merged, inputs, targets, B, T);
			const baseLoss = gptForward(model, inputs, targets, B, T);
			attachLora(model, adapter);
			const hookedLoss = gptForward(model, inputs, targets, B, T);
			expect(Math.abs(mergedLoss - baseLoss)).toBeGreaterThan(1e-3); // the adapter does change the model
			const tolerance = precision === 'f64' ? 1e-12 : 2e-5;
			expect(Math.abs(mergedLoss - hookedLoss)).toBeLessThan(tolerance);
			const [a, b] = [merged.batch!.acts.logits, model.batch!.acts.logits];
			let worst = 0;
			for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
			expect(worst).toBeLessThan(tolerance);
		}
	});

	it('merges only the targeted layers, and an untrained adapter not at all', () => {
		const base = createGPT(MICRO, { seed: 7 });
		expect(mergeLora(base.params, createLoraAdapter(MICRO, LORA))).toEqual(base.params);
		const adapter = createLoraAdapter(MICRO, loraConfig({ rank: 2, targets: ['fc'] }));
		adapter.params.fill(0.1);
		const merged = mergeLora(base.params, adapter);
		for (const [name, { offset, size }] of Object.entries(base.layout)) {
			const changed = merged.subarray(offset, offset + size).some((x, i) => x !== base.params[offset + i]);
			expect(changed, name).toBe(name === 'fcw');
		}
	});

	it('refuses an adapter made for another model or precision, and a rank above nEmbd', () => {
		const other = gptConfig('tiny', { ...MICRO, nLayer: 3 });
		expect(() => attachLora(createGPT(MICRO), createLoraAdapter(other, LORA))).toThrow(LoraAdapterError);
		expect(() => attachLora(createGPT(MICRO), createLoraAdapter(other, LORA))).toThrow(/nLayer: adapter 3, model 2/);
		expect(() => attachLora(createGPT(MICRO), createLoraAdapter(MICRO, LORA, { precision: 'f64' }))).toThrow(/precisions/);
		expect(() => createLoraAdapter(MICRO, loraConfig({ rank: 9 }))).toThrow(EngineConfigError);
		expect(() => mergeLora(new Float32Array(3), createLoraAdapter(MICRO, LORA))).toThrow(LoraAdapterError);
	});

	it('inits A seeded within PEFT\'s kaiming-uniform bound and B at zero', () => {
		const adapter = createLoraAdapter(MICRO, LORA, { seed: 3 });
		expect(createLoraAdapter(MICRO, LORA, { seed: 3 }).params).toEqual(adapter.params);
		expect(createLoraAdapter(MICRO, LORA, { seed: 4 }).params).not.toEqual(adapter.params);
		const { qkv, fcproj } = adapter.weights;
		expect(qkv!.A.length).toBe(2 * 3 * 8); // (L, r, C)
		expect(qkv!.B.length).toBe(2 * 24 * 3); // (L, 3C, r)
		expect(qkv!.A.every((x) => Math.abs(x) <= 1 / Math.sqrt(8)) && qkv!.A.some((x) => x !== 0)).toBe(true);
		expect(fcproj!.A.every((x) => Math.abs(x) <= 1 / Math.sqrt(32))).toBe(true);
		expect(qkv!.B.every((x) => x === 0) && fcproj!.B.every((x) => x === 0)).toBe(true);
	});
});
