import { describe, expect, it } from 'vitest';
import { gptConfig, parameterCount } from './config';
import type { Floats } from './cpu/floats';
import { initParameters, parameterLayout, parameterViews } from './params';

describe('params', () => {
	const config = gptConfig('tiny', { nLayer: 4 });

	it('lays the tensors out back to back over the whole buffer', () => {
		const layout = parameterLayout(config);
		let next = 0;
		for (const { offset, size } of Object.values(layout)) {
			expect(offset).toBe(next);
			next += size;
		}
		expect(next).toBe(parameterCount(config));
	});

	it('initialises deterministically from the seed, GPT-2 style', () => {
		const make = (seed: number) => {
			const buffer = new Float32Array(parameterCount(config));
			const views = parameterViews(buffer, parameterLayout(config));
			initParameters(views, config, seed);
			return { buffer, views };
		};
		const a = make(42);
		expect(a.buffer).toEqual(make(42).buffer);
		expect(a.buffer).not.toEqual(make(43).buffer);
		const std = (x: Floats) => {
			let sum = 0;
			for (const value of x) sum += value * value;
			return Math.sqrt(sum / x.length);
		};
		expect(std(a.views.qkvw)).toBeCloseTo(0.02, 3);
		expect(std(a.views.fcprojw)).toBeCloseTo(0.02 / Math.sqrt(2 * config.nLayer), 3);
		expect(a.views.ln1w.every((x) => x === 1)).toBe(true);
		expect(a.views.fcb.every((x) => x === 0)).toBe(true);
	});
});
