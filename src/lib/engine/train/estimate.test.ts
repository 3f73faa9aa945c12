// The training form's estimates: tokens of a Datanet, what a run reads, and its time at a measured or guessed speed.
import { describe, expect, it } from 'vitest';
import { gptConfig, parameterCount } from '../config';
import { charsPerToken, estimateTokens, estimateTraining, GUESSED_FLOPS_PER_SECOND, trainingFlopsPerToken } from './estimate';

describe('training estimates', () => {
	it('counts tokens from characters by vocabulary size, one end-of-text per record', () => {
		expect(charsPerToken(512)).toBe(2.1);
		expect(charsPerToken(2048)).toBe(3.2);
		expect(charsPerToken(4096)).toBe(3.7);
		expect(estimateTokens(2100, 10, 512)).toBe(1010);
		expect(estimateTokens(2100, 10, 4096)).toBeLessThan(estimateTokens(2100, 10, 512));
	});

	it('reads steps x batch x block tokens, and times them at the measured speed when there is one', () => {
		const tiny = gptConfig('tiny');
		const e = estimateTraining({ model: tiny, batchSize: 8, steps: 100, dataTokens: 51_200, backend: 'cpu', measuredTokensPerSecond: 2048 });
		expect(e).toEqual({ tokens: 100 * 8 * 128, passes: 2, seconds: 50, tokensPerSecond: 2048, measured: true });
		const guess = estimateTraining({ model: tiny, batchSize: 8, steps: 100, dataTokens: null, backend: 'cpu' });
		expect(guess.measured).toBe(false);
		expect(guess.passes).toBeNull();
		expect(guess.tokensPerSecond).toBeCloseTo(GUESSED_FLOPS_PER_SECOND.cpu / trainingFlopsPerToken(tiny), 6);
		// The GPU guess is faster, and a larger model slower per token.
		expect(estimateTraining({ model: tiny, batchSize: 8, steps: 100, dataTokens: null, backend: 'webgpu' }).seconds).toBeLessThan(guess.seconds);
		expect(trainingFlopsPerToken(gptConfig('small'))).toBeGreaterThan(trainingFlopsPerToken(tiny));
		expect(trainingFlopsPerToken(tiny)).toBeGreaterThan(6 * parameterCount(tiny));
	});
});
