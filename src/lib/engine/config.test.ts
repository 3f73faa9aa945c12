import { describe, expect, it } from 'vitest';
import { GPT_PRESETS, gptConfig, parameterCount, parameterSizes, type GPTPreset } from './config';
import { EngineConfigError } from './errors';

describe('gptConfig', () => {
	it.each([
		['tiny', 0.2e6, 1e6],
		['small', 5e6, 10e6],
		['base', 25e6, 40e6]
	] as [GPTPreset, number, number][])('sizes the %s preset within the issue range', (preset, min, max) => {
		const count = parameterCount(gptConfig(preset));
		expect(count).toBeGreaterThanOrEqual(min);
		expect(count).toBeLessThanOrEqual(max);
	});

	it('applies overrides over the preset', () => {
		expect(gptConfig('small', { nLayer: 2 })).toEqual({ ...GPT_PRESETS.small, nLayer: 2 });
	});

	it('rejects unknown keys, bad values and heads that do not divide the channels', () => {
		expect(() => gptConfig('tiny', { nLayers: 3 })).toThrow(EngineConfigError);
		expect(() => gptConfig('tiny', { nLayers: 3 })).toThrow(/Unknown model config key: nLayers/);
		expect(() => gptConfig('tiny', { nEmbd: 0 })).toThrow(/positive integer/);
		expect(() => gptConfig('tiny', { nEmbd: 1.5 })).toThrow(/positive integer/);
		expect(() => gptConfig('tiny', { vocabSize: '512' })).toThrow(/positive integer/);
		expect(() => gptConfig('tiny', { nHead: 3 })).toThrow(/must divide/);
		expect(() => gptConfig('huge' as GPTPreset)).toThrow(/Unknown model preset/);
	});

	it("counts parameters as GPT-2's formula V*C + maxT*C + L*(12C^2 + 13C) + 2C", () => {
		const c = gptConfig('tiny');
		const C = c.nEmbd;
		expect(parameterCount(c)).toBe(c.vocabSize * C + c.blockSize * C + c.nLayer * (12 * C * C + 13 * C) + 2 * C);
		expect(parameterSizes(c).qkvw).toBe(c.nLayer * 3 * C * C);
	});
});
