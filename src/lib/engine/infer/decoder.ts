// What both inference backends implement: a GPT with a KV cache that takes a prompt, then one token per step, and
// returns the logits of the last position. The context window rule lives here so the CPU and the WebGPU decoders
// slide at the same moments and so produce the same tokens.
import type { GPTConfig } from '../config';
import { EngineInputError } from '../errors';

/** Where a decoder runs. */
export type Backend = 'cpu' | 'webgpu';

/** A GPT decoder with a KV cache over at most blockSize positions. */
export type Decoder = {
	readonly backend: Backend;
	readonly config: GPTConfig;
	/** Positions the cache holds now (0 before the first prefill). */
	readonly length: number;
	/** Clears the cache and runs the tokens (their last blockSize) in one pass; resolves to the last position's logits (V). */
	prefill(tokens: ArrayLike<number>): Promise<Float32Array>;
	/** Appends one token and resolves to its logits (V); a full cache first slides (see slideContext). */
	step(token: number): Promise<Float32Array>;
	/** Frees what the decoder allocated; it cannot be used afterwards. */
	destroy(): void;
};

/** The tokens a prefill keeps: the last blockSize of them (a longer prompt loses its start). */
export function promptWindow(tokens: ArrayLike<number>, blockSize: number): number[] {
	if (tokens.length === 0) throw new EngineInputError('Cannot prefill an empty prompt.');
	return Array.from(tokens).slice(-blockSize);
}

/**
 * The window rule: when the cache is full (blockSize positions), the next token and the floor(blockSize/2) - 1 before
 * it are prefilled again at positions 0.. . The model never sees positions past its table, and the cost is one
 * prefill every blockSize/2 tokens instead of one per token; the price is that the model forgets the older half.
 */
export function slideContext(cached: readonly number[], token: number, blockSize: number): number[] {
	const keep = Math.max(1, Math.floor(blockSize / 2));
	return [...cached.slice(Math.max(0, cached.length - keep + 1)), token];
}

/** Throws EngineInputError unless every id is a token of a vocabulary of V (the GPU reads tables unchecked). */
export function checkTokens(tokens: ArrayLike<number>, V: number): void {
	for (let i = 0; i < tokens.length; i++) {
		const id = tokens[i];
		if (!Number.isInteger(id) || id < 0 || id >= V) {
			throw new EngineInputError(`Token id out of range for a vocabulary of ${V}.`, { details: `id ${id} at position ${i}.` });
		}
	}
}
