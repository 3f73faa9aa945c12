// Seeded next-token sampling: greedy at temperature 0, else softmax(logits / temperature) restricted first to the topK
// largest logits, then to the smallest prefix (by descending probability) whose mass reaches topP, renormalised. The
// draw uses the engine's mulberry32 stream, so the same seed and the same logits give the same tokens on any backend.
// Ties between equal logits go to the lower id. Shapes: V vocab.
import { EngineInputError } from '../errors';
import { createRng, type Rng } from '../random';

/** How the next token is chosen. */
export type SamplingOptions = {
	/** 0 picks the argmax (greedy); above 0 divides the logits before the softmax. Default 1. */
	temperature?: number;
	/** Keep only the k most likely tokens (0 or undefined: no limit). */
	topK?: number;
	/** Keep the smallest set of most likely tokens whose probability reaches p, in (0, 1] (default 1: no limit). */
	topP?: number;
};

/** Draws token ids from logits with fixed options and a seeded stream. */
export type Sampler = (logits: ArrayLike<number>) => number;

/** Creates a sampler; the same seed gives the same sequence of draws. Throws EngineInputError on bad options. */
export function createSampler(options: SamplingOptions = {}, seed = 0): Sampler {
	checkSampling(options);
	const rng = createRng(seed);
	return (logits) => sampleToken(logits, options, rng);
}

/** Throws EngineInputError unless temperature >= 0, topK a non-negative integer and topP in (0, 1]. */
export function checkSampling({ temperature = 1, topK = 0, topP = 1 }: SamplingOptions): void {
	const bad = (what: string, value: number) =>
		new EngineInputError(`Sampling ${what}.`, { details: `Got ${value}.` });
	if (!(temperature >= 0) || !Number.isFinite(temperature)) throw bad('temperature must be a finite number >= 0', temperature);
	if (!Number.isSafeInteger(topK) || topK < 0) throw bad('topK must be a whole number >= 0', topK);
	if (!(topP > 0 && topP <= 1)) throw bad('topP must be in (0, 1]', topP);
}

/** Returns the id of the largest logit (the lowest such id on ties). */
export function argmax(logits: ArrayLike<number>): number {
	let best = 0;
	for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
	return best;
}

/** The candidate ids and their probabilities (summing to 1) after temperature, topK and topP; most likely first when
 * topK or topP cuts, else in id order. */
export function candidates(logits: ArrayLike<number>, { temperature = 1, topK = 0, topP = 1 }: SamplingOptions): { ids: number[]; probs: number[] } {
	const V = logits.length;
	if (V === 0) throw new EngineInputError('Cannot sample from empty logits.');
	if (temperature === 0) return { ids: [argmax(logits)], probs: [1] };
	// Sorting is needed only to cut; without a cut the ids stay in order, which saves a sort of V per token.
	const cut = (topK > 0 && topK < V) || topP < 1;
	let ids = Array.from({ length: V }, (_, v) => v);
	if (cut) ids.sort((a, b) => logits[b] - logits[a] || a - b);
	if (topK > 0 && topK < V) ids = ids.slice(0, topK);
	const max = cut ? logits[ids[0]] : logits[argmax(logits)];
	let probs = ids.map((v) => Math.exp((logits[v] - max) / temperature));
	const sum = probs.reduce((s, p) => s + p, 0);
	probs = probs.map((p) => p / sum);
	if (topP < 1) {
		let mass = 0;
		let n = 0;
		while (n < probs.length && mass < topP) mass += probs[n++];
		ids = ids.slice(0, n);
		probs = probs.slice(0, n).map((p) => p / mass);
	}
	return { ids, probs };
}

/** Draws one token id from the logits with the options, taking one uniform from rng (none when greedy). */
export function sampleToken(logits: ArrayLike<number>, options: SamplingOptions, rng: Rng): number {
	if ((options.temperature ?? 1) === 0) return argmax(logits);
	const { ids, probs } = candidates(logits, options);
	const u = rng.uniform();
	let cumulative = 0;
	for (let i = 0; i < ids.length; i++) {
		cumulative += probs[i];
		if (u < cumulative) return ids[i];
	}
	return ids[ids.length - 1]; // u fell in the rounding gap below 1
}
