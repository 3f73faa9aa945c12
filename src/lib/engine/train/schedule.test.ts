import { describe, expect, it } from 'vitest';
import { learningRateAt } from './schedule';

const SCHEDULE = { warmupSteps: 10, maxSteps: 110, lr: 1e-3, minLr: 1e-4 };

describe('learningRateAt', () => {
	it('warms up linearly from lr / (warmup + 1), reaching lr at warmupSteps', () => {
		expect(learningRateAt(0, SCHEDULE)).toBeCloseTo(1e-3 / 11, 15);
		expect(learningRateAt(4, SCHEDULE)).toBeCloseTo((5 * 1e-3) / 11, 15);
		expect(learningRateAt(9, SCHEDULE)).toBeCloseTo((10 * 1e-3) / 11, 15);
		expect(learningRateAt(10, SCHEDULE)).toBe(1e-3);
	});

	it('decays by a cosine to minLr at maxSteps and stays there', () => {
		expect(learningRateAt(60, SCHEDULE)).toBeCloseTo(5.5e-4, 15);
		expect(learningRateAt(109, SCHEDULE)).toBeGreaterThan(1e-4);
		expect(learningRateAt(110, SCHEDULE)).toBe(1e-4);
		expect(learningRateAt(1000, SCHEDULE)).toBe(1e-4);
		for (let s = 10; s < 110; s++) expect(learningRateAt(s + 1, SCHEDULE)).toBeLessThan(learningRateAt(s, SCHEDULE));
	});

	it('starts at lr without warmup and handles warmup as long as the run', () => {
		expect(learningRateAt(0, { ...SCHEDULE, warmupSteps: 0 })).toBe(1e-3);
		const short = { warmupSteps: 5, maxSteps: 5, lr: 1e-3, minLr: 0 };
		expect(learningRateAt(4, short)).toBeCloseTo((5 * 1e-3) / 6, 15);
		expect(learningRateAt(5, short)).toBe(0);
	});
});
