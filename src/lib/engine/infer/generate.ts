// Text generation over any Decoder: encode the prompt, prefill, then sample one token per step and stream its text.
// Byte-level BPE tokens can end inside a UTF-8 character, so text goes through a streaming TextDecoder and a piece is
// emitted only once its bytes decode; bytes still pending at the end are flushed (as U+FFFD when incomplete). Between
// steps it yields a macrotask when given a signal, so an abort sent from another task (a worker's cancel) lands.
import { yieldToEventLoop } from '$lib/core/tasks';
import { END_OF_TEXT, type BpeTokenizer } from '$lib/core/tokenizer/bpe';
import { EngineConfigError, EngineInputError } from '../errors';
import type { Decoder } from './decoder';
import { createSampler, type SamplingOptions } from './sample';

/** A piece of generated text and the token ids it came from (several when a character spans tokens). */
export type GeneratedPiece = { text: string; tokens: number[] };

/** Why generation stopped. */
export type StopReason = 'length' | 'end-of-text' | 'aborted';

export type GenerateParameters = {
	decoder: Decoder;
	tokenizer: BpeTokenizer;
	/** Text to continue; an empty prompt starts after END_OF_TEXT, as at the start of a training record. */
	prompt: string;
	/** Most tokens to generate (END_OF_TEXT, when sampled, stops earlier and is not counted in the text). */
	maxNewTokens: number;
	sampling?: SamplingOptions;
	/** Seed of the sampler (default 0). */
	seed?: number;
	signal?: AbortSignal;
	/** Called with each piece of text as soon as it decodes. */
	onToken?: (piece: GeneratedPiece) => void;
};

export type GenerateReturnType = {
	/** Everything generated, the concatenation of the pieces. */
	text: string;
	/** The generated ids, END_OF_TEXT excluded. */
	tokens: number[];
	/** Tokens of the encoded prompt (before the decoder keeps only the last blockSize). */
	promptTokens: number;
	stopReason: StopReason;
	/** Decode steps per second after the prefill (0 when there were none). */
	tokensPerSecond: number;
};

/** Generates up to maxNewTokens after the prompt, streaming text to onToken; throws on bad parameters. */
export async function generate({
	decoder, tokenizer, prompt, maxNewTokens, sampling = {}, seed = 0, signal, onToken
}: GenerateParameters): Promise<GenerateReturnType> {
	if (!Number.isSafeInteger(maxNewTokens) || maxNewTokens < 0) {
		throw new EngineInputError('maxNewTokens must be a whole number >= 0.', { details: `Got ${maxNewTokens}.` });
	}
	if (tokenizer.vocabSize > decoder.config.vocabSize) {
		throw new EngineConfigError('The tokenizer has more tokens than the model.', {
			details: `Tokenizer ${tokenizer.vocabSize}, model vocabSize ${decoder.config.vocabSize}.`,
			hint: 'Load the tokenizer.json the model was trained with.'
		});
	}
	const sample = createSampler(sampling, seed);
	const endOfText = tokenizer.tokenId(END_OF_TEXT);
	const encoded = Array.from(tokenizer.encode(prompt));
	if (encoded.length === 0) {
		if (endOfText === undefined) throw new EngineInputError(`The prompt is empty and the tokenizer has no ${END_OF_TEXT}.`);
		encoded.push(endOfText);
	}
	const text = new TextDecoder('utf-8', { ignoreBOM: true });
	const result: GenerateReturnType = { text: '', tokens: [], promptTokens: encoded.length, stopReason: 'length', tokensPerSecond: 0 };
	let pending: number[] = [];
	const emit = (piece: string) => {
		if (piece === '') return;
		result.text += piece;
		onToken?.({ text: piece, tokens: pending });
		pending = [];
	};
	// A model may pad its vocabulary past the tokenizer's; those ids have no text, so they are never sampled.
	const V = tokenizer.vocabSize;
	let steps = 0;
	let stepsStarted = 0;
	if (signal?.aborted) result.stopReason = 'aborted';
	else if (maxNewTokens > 0) {
		let logits = await decoder.prefill(encoded);
		stepsStarted = performance.now();
		for (;;) {
			const id = sample(logits.subarray(0, V));
			if (id === endOfText) {
				result.stopReason = 'end-of-text';
				break;
			}
			result.tokens.push(id);
			pending.push(id);
			emit(text.decode(tokenizer.model.tokenBytes[id], { stream: true }));
			if (result.tokens.length >= maxNewTokens) break;
			if (signal) await yieldToEventLoop();
			if (signal?.aborted) {
				result.stopReason = 'aborted';
				break;
			}
			logits = await decoder.step(id);
			steps++;
		}
	}
	emit(text.decode());
	const seconds = (performance.now() - stepsStarted) / 1000;
	result.tokensPerSecond = steps > 0 && seconds > 0 ? steps / seconds : 0;
	return result;
}
