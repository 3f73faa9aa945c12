// What the training form says before anything runs: about how many tokens a Datanet's approved records make, how many
// tokens a run of S steps reads (and so how many passes over the data that is), and about how long it takes: at the
// speed this browser measured for the preset and device before, else at a guessed rate, said to be a guess.
import { parameterCount, type GPTConfig } from '../config';

/** Characters per token of the BPE trained on WordNet-like records, by vocabulary size (measured on the demo
 * Datanets: 2.1 at 512 tokens, 3.2 at 2,048, 3.7 at 4,096). */
export function charsPerToken(vocabSize: number): number {
	return vocabSize <= 512 ? 2.1 : vocabSize <= 2048 ? 3.2 : 3.7;
}

/** About how many tokens `chars` characters of record text make (one end-of-text token per record). */
export function estimateTokens(chars: number, records: number, vocabSize: number): number {
	return Math.round(chars / charsPerToken(vocabSize)) + records;
}

/** Floating-point operations of one trained token: forward and backward through the weights (6 per parameter) and
 * through attention over the block (12 L T C). */
export function trainingFlopsPerToken(model: GPTConfig): number {
	return 6 * parameterCount(model) + 12 * model.nLayer * model.blockSize * model.nEmbd;
}

/** The rates assumed until a run has measured this device: a two-core laptop CPU, a laptop GPU through our kernels. */
export const GUESSED_FLOPS_PER_SECOND = { cpu: 5e9, webgpu: 5e10 } as const;

export type TrainingEstimate = {
	/** Tokens the run reads: steps x batch x block. */
	tokens: number;
	/** How many times that covers the data (null without a token count). */
	passes: number | null;
	seconds: number;
	tokensPerSecond: number;
	/** Whether the speed was measured in this browser (else guessed). */
	measured: boolean;
};

export type EstimateTrainingParameters = {
	model: GPTConfig;
	batchSize: number;
	steps: number;
	/** About how many tokens the training data has. */
	dataTokens: number | null;
	backend: 'cpu' | 'webgpu';
	/** Tokens per second a run of this preset measured here on this backend before. */
	measuredTokensPerSecond?: number;
};

/** The estimate of a run's reading and time. */
export function estimateTraining({ model, batchSize, steps, dataTokens, backend, measuredTokensPerSecond }: EstimateTrainingParameters): TrainingEstimate {
	const tokens = steps * batchSize * model.blockSize;
	const measured = measuredTokensPerSecond !== undefined && measuredTokensPerSecond > 0;
	const tokensPerSecond = measured ? measuredTokensPerSecond : GUESSED_FLOPS_PER_SECOND[backend] / trainingFlopsPerToken(model);
	return { tokens, passes: dataTokens ? tokens / dataTokens : null, seconds: tokens / tokensPerSecond, tokensPerSecond, measured };
}
