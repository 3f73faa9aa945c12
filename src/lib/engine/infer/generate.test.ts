// Tests of generate: streaming of characters split across byte tokens, the three stop rules, padded vocabularies, and
// a real CPU decoder whose greedy output equals an argmax loop over the full forward.
import { describe, expect, it } from 'vitest';
import { END_OF_TEXT, trainBpe } from '$lib/core/tokenizer/bpe';
import { gptConfig, type GPTConfig } from '../config';
import { createGPT, gptForward } from '../cpu/gpt';
import { EngineConfigError, EngineInputError } from '../errors';
import { createCpuDecoder } from './cpu';
import type { Decoder } from './decoder';
import { generate, type GeneratedPiece } from './generate';
import { argmax } from './sample';

const tokenizer = trainBpe(['the cat sat on the mat', 'the dog sat on the log'], { vocabSize: 270 });
const EOT = tokenizer.tokenId(END_OF_TEXT)!;

// A decoder that ignores its input and makes the next scripted id overwhelmingly likely; records what it was fed.
function scripted(script: number[], vocabSize = tokenizer.vocabSize): Decoder & { fed: number[][] } {
	const config: GPTConfig = gptConfig('tiny', { vocabSize, blockSize: 64 });
	let i = 0;
	const fed: number[][] = [];
	const next = () => {
		const logits = new Float32Array(vocabSize);
		logits[script[i++] ?? 0] = 100;
		return logits;
	};
	return {
		backend: 'cpu', config, fed, length: 0,
		prefill: async (tokens) => (fed.push(Array.from(tokens)), next()),
		step: async (token) => (fed.push([token]), next()),
		destroy: () => {}
	};
}

describe('generate', () => {
	it('emits a character split over byte tokens once, when its last byte arrives', async () => {
		const bytes = [...new TextEncoder().encode('a€b')]; // € is E2 82 AC: three byte tokens
		const pieces: GeneratedPiece[] = [];
		const result = await generate({
			decoder: scripted(bytes), tokenizer, prompt: 'the', maxNewTokens: bytes.length, sampling: { temperature: 0 },
			onToken: (p) => pieces.push(p)
		});
		expect(pieces).toEqual([{ text: 'a', tokens: [0x61] }, { text: '€', tokens: [0xe2, 0x82, 0xac] }, { text: 'b', tokens: [0x62] }]);
		expect(result).toMatchObject({ text: 'a€b', tokens: bytes, stopReason: 'length' });
	});

	it('flushes an incomplete character at the end as U+FFFD', async () => {
		const pieces: string[] = [];
		const result = await generate({
			decoder: scripted([0x61, 0xe2, 0x82]), tokenizer, prompt: 'x', maxNewTokens: 3, sampling: { temperature: 0 },
			onToken: (p) => pieces.push(p.text)
		});
		expect(pieces).toEqual(['a', '\ufffd']);
		expect(result.text).toBe('a\ufffd');
	});

	it('stops at END_OF_TEXT without emitting it, and at maxNewTokens', async () => {
		const decoder = scripted([0x68, 0x69, EOT, 0x6a]);
		const result = await generate({ decoder, tokenizer, prompt: 'the cat', maxNewTokens: 10, sampling: { temperature: 0 } });
		expect(result).toMatchObject({ text: 'hi', tokens: [0x68, 0x69], stopReason: 'end-of-text' });
		expect(decoder.fed).toEqual([Array.from(tokenizer.encode('the cat')), [0x68], [0x69]]);
		const short = await generate({ decoder: scripted([0x68, 0x69, 0x6a]), tokenizer, prompt: 'a', maxNewTokens: 2, sampling: { temperature: 0 } });
		expect(short).toMatchObject({ text: 'hi', stopReason: 'length' });
		const none = await generate({ decoder: scripted([0x68]), tokenizer, prompt: 'a', maxNewTokens: 0 });
		expect(none).toMatchObject({ text: '', tokens: [], stopReason: 'length' });
	});

	it('stops when the signal aborts, and starts an empty prompt after END_OF_TEXT', async () => {
		const controller = new AbortController();
		const decoder = scripted(Array(20).fill(0x7a));
		let count = 0;
		const result = await generate({
			decoder, tokenizer, prompt: '', maxNewTokens: 20, sampling: { temperature: 0 }, signal: controller.signal,
			onToken: () => void (++count === 3 && controller.abort())
		});
		expect(result).toMatchObject({ text: 'zzz', stopReason: 'aborted' });
		expect(decoder.fed[0]).toEqual([EOT]);
		const early = await generate({ decoder: scripted([0x61]), tokenizer, prompt: 'a', maxNewTokens: 5, signal: AbortSignal.abort() });
		expect(early).toMatchObject({ text: '', stopReason: 'aborted' });
	});

	it('never samples the padding ids of a model vocabulary larger than the tokenizer', async () => {
		const padded = scripted(Array(8).fill(tokenizer.vocabSize + 2), tokenizer.vocabSize + 16);
		const result = await generate({ decoder: padded, tokenizer, prompt: 'a', maxNewTokens: 8, seed: 1 });
		expect(result.tokens.every((id) => id < tokenizer.vocabSize)).toBe(true);
	});

	it('rejects a tokenizer larger than the model and a bad maxNewTokens', async () => {
		const small = scripted([0], 100);
		await expect(generate({ decoder: small, tokenizer, prompt: 'a', maxNewTokens: 1 })).rejects.toThrow(EngineConfigError);
		await expect(generate({ decoder: scripted([0]), tokenizer, prompt: 'a', maxNewTokens: -1 })).rejects.toThrow(EngineInputError);
	});

	it('with a CPU decoder, greedy output equals the argmax loop over the full forward, across a window slide', async () => {
		const config = gptConfig('tiny', { vocabSize: tokenizer.vocabSize, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16 });
		const gpt = createGPT(config, { seed: 4 });
		for (let i = 0; i < config.vocabSize * config.nEmbd; i++) gpt.params[i] *= 50; // peaked logits: no near ties
		const prompt = Array.from(tokenizer.encode('the cat sat'));
		const context = [...prompt];
		const expected: number[] = [];
		while (expected.length < 20) {
			const T = context.length;
			gptForward(gpt, Int32Array.from(context), new Int32Array(T), 1, T);
			const id = argmax(gpt.batch!.acts.logits.subarray((T - 1) * config.vocabSize, T * config.vocabSize));
			if (id === EOT) break;
			expected.push(id);
			context.push(id);
			if (context.length > config.blockSize) context.splice(0, context.length - config.blockSize / 2); // the slide rule
		}
		const decoder = createCpuDecoder({ config, params: gpt.params as Float32Array });
		const result = await generate({ decoder, tokenizer, prompt: 'the cat sat', maxNewTokens: 20, sampling: { temperature: 0 } });
		expect(result.tokens).toEqual(expected);
		expect(prompt.length + result.tokens.length).toBeGreaterThan(config.blockSize);
		const sampled = (seed: number) =>
			generate({ decoder, tokenizer, prompt: 'the dog', maxNewTokens: 12, sampling: { temperature: 1, topK: 20 }, seed });
		expect((await sampled(5)).tokens).toEqual((await sampled(5)).tokens);
	});
});
