import { describe, expect, it } from 'vitest';
import { checkWebGPUFits, CPU_PRESET_LIMIT, presetOffers, trainingMemoryBudget, trainingMemoryBytes } from './capabilities';
import { gptConfig, parameterCount } from './config';

const MIB = 2 ** 20;
const limits = (mib: number) => ({ maxStorageBufferBindingSize: mib * MIB, maxBufferSize: mib * MIB });

describe('capabilities', () => {
	it('names what does not fit the GPU and by how much', () => {
		expect(() => checkWebGPUFits(limits(128), gptConfig('base'), 8)).not.toThrow();
		expect(() => checkWebGPUFits(limits(32), gptConfig('base'), 8)).toThrow(/logits \(B,T,V\) needs 64\.0 MiB[\s\S]*binds at most 32\.0 MiB/);
	});

	it('counts parameters four times and grows with the batch', () => {
		const tiny = gptConfig('tiny');
		expect(trainingMemoryBytes(tiny, 1)).toBeGreaterThan(16 * parameterCount(tiny));
		expect(trainingMemoryBytes(tiny, 8)).toBeGreaterThan(trainingMemoryBytes(tiny, 1));
	});

	it('offers base only with a GPU that fits it, and the smaller presets everywhere', () => {
		const available = (l: Parameters<typeof presetOffers>[0], B: number) => presetOffers(l, B).map((o) => [o.preset, o.available]);
		expect(available(null, 8)).toEqual([['tiny', true], ['small', true], ['base', false]]);
		expect(presetOffers(null, 8)[2].reason).toMatch(/Needs WebGPU/);
		expect(available(limits(128), 8)).toEqual([['tiny', true], ['small', true], ['base', true]]);
		expect(available(limits(32), 8)).toEqual([['tiny', true], ['small', true], ['base', false]]);
		expect(presetOffers(limits(32), 8)[2].reason).toBe('Too large for this GPU at batch size 8.');
		expect(parameterCount(gptConfig('small'))).toBeLessThan(CPU_PRESET_LIMIT);
	});

	it('does not offer a preset whose training memory is over the tab\'s budget, and says how much it needs', () => {
		expect(trainingMemoryBudget(8)).toBe(4 * 2 ** 30);
		expect(trainingMemoryBudget(32)).toBe(4 * 2 ** 30); // Chromium reports at most 8
		expect(trainingMemoryBudget(2)).toBe(2 ** 30);
		expect(trainingMemoryBudget(undefined)).toBe(4 * 2 ** 30);
		const budget = trainingMemoryBudget(8);
		const at = (B: number) => presetOffers(limits(1024), B, budget);
		expect(at(8).map((o) => o.available)).toEqual([true, true, true]);
		const [tiny, small, base] = at(64);
		expect(tiny.available).toBe(true);
		expect(small.memoryBytes).toBeGreaterThan(budget);
		expect(small).toMatchObject({ available: false, reason: `Needs about ${(small.memoryBytes / 1e9).toFixed(1)} GB at batch size 64, more than this device gives one tab (about 4.3 GB).` });
		expect(base.available).toBe(false);
	});
});
