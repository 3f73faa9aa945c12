import { describe, expect, it } from 'vitest';
import { EngineConfigError } from '../errors';
import { DEFAULT_LORA_CONFIG, LORA_TARGETS, loraConfig, loraScale } from './config';

describe('loraConfig', () => {
	it('fills defaults, applies overrides and keeps targets in layout order', () => {
		expect(loraConfig()).toEqual(DEFAULT_LORA_CONFIG);
		expect(DEFAULT_LORA_CONFIG.targets).toEqual(LORA_TARGETS);
		expect(loraConfig({ rank: 4, alpha: 4, targets: ['fcproj', 'qkv'] })).toEqual({
			rank: 4,
			alpha: 4,
			targets: ['qkv', 'fcproj'],
			dropout: 0
		});
		expect(loraScale(loraConfig({ rank: 4, alpha: 8 }))).toBe(2);
	});

	it('rejects unknown keys and out-of-range values', () => {
		expect(() => loraConfig({ r: 8 })).toThrow(/Unknown LoRA config key: r/);
		const bads = [
			{ rank: 0 },
			{ rank: 2.5 },
			{ alpha: 0 },
			{ alpha: Infinity },
			{ dropout: 0.1 },
			{ targets: [] },
			{ targets: ['qkv', 'qkv'] },
			{ targets: ['c_attn'] },
			{ targets: 'qkv' }
		];
		for (const bad of bads) expect(() => loraConfig(bad), JSON.stringify(bad)).toThrow(EngineConfigError);
	});
});
