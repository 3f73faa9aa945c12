import { describe, expect, it } from 'vitest';
import { checkWebGPUFits, CPU_PRESET_LIMIT, presetOffers, trainingMemoryBytes } from './capabilities';
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
});
