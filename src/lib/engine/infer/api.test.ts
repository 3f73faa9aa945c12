// The inference API in Node, where there is no WebGPU: it falls back to the CPU and says why, streams and cancels,
// and rejects what it cannot run. The WebGPU path and the real worker are tested in webgpu.browser.test.ts.
import { describe, expect, it } from 'vitest';
import { trainBpe } from '$lib/core/tokenizer/bpe';
import { saveTokenizerJson } from '$lib/core/tokenizer/tokenizerJson';
import { gptConfig, parameterCount } from '../config';
import { createGPT } from '../cpu/gpt';
import { EngineConfigError, EngineInputError } from '../errors';
import { WebGPUError } from '../webgpu/device';
import { exportCheckpoint } from '../checkpoint/checkpoint';
import { createInferenceApi } from './api';
import { createCpuDecoder } from './cpu';
import { generate, type GeneratedPiece } from './generate';

const tokenizer = trainBpe(['the cat sat on the mat.', 'a dog sat on a log.'], { vocabSize: 280 });
const tokenizerJson = saveTokenizerJson(tokenizer);
const config = gptConfig('tiny', { vocabSize: 288, blockSize: 32, nLayer: 1, nHead: 2, nEmbd: 16 });
const params = createGPT(config, { seed: 2 }).params as Float32Array;

describe('inference api', () => {
	it('falls back to the CPU without WebGPU, saying why, and streams what generate gives', async () => {
		const api = createInferenceApi();
		const loaded = await api.load({ config, params, tokenizerJson });
		expect(loaded).toMatchObject({ backend: 'cpu', parameters: parameterCount(config), vocabSize: 288 });
		expect(loaded.reason).toBe('WebGPU was not used: WebGPU is not available in this browser. The model runs on the CPU.');
		expect(api.status()).toEqual({ backend: 'cpu', reason: loaded.reason });
		const request = { prompt: 'the cat', maxNewTokens: 16, sampling: { temperature: 0.9, topP: 0.9 }, seed: 4 };
		const pieces: GeneratedPiece[] = [];
		const result = await api.generate(request, (p) => pieces.push(p));
		const expected = await generate({ ...request, decoder: createCpuDecoder({ config, params }), tokenizer });
		expect(result).toMatchObject({ backend: 'cpu', tokens: expected.tokens, text: expected.text });
		expect(pieces.map((p) => p.text).join('')).toBe(result.text);
	});

	it('loads checkpoint files as the same model, and rejects broken ones', async () => {
		const files = exportCheckpoint({ config, params, tokenizer });
		const [a, b] = [createInferenceApi(), createInferenceApi()];
		await a.load({ config, params, tokenizerJson, backend: 'cpu' });
		expect(await b.loadCheckpoint(files, 'cpu')).toMatchObject({ backend: 'cpu', parameters: parameterCount(config) });
		const request = { prompt: 'the dog', maxNewTokens: 12, sampling: { temperature: 0 } };
		expect((await b.generate(request)).tokens).toEqual((await a.generate(request)).tokens);
		files.delete('weights.safetensors');
		await expect(b.loadCheckpoint(files)).rejects.toThrow(/weights.safetensors/);
	});

	it('cancels a running generation and refuses a second one meanwhile', async () => {
		const api = createInferenceApi();
		await api.load({ config, params, tokenizerJson, backend: 'cpu' });
		expect(api.cancel()).toBe(false);
		let n = 0;
		const running = api.generate({ prompt: 'a', maxNewTokens: 10_000, seed: 1 }, () => void (++n === 2 && api.cancel()));
		await expect(api.generate({ prompt: 'b', maxNewTokens: 1 })).rejects.toThrow(EngineInputError);
		expect(() => api.unload()).toThrow(EngineInputError);
		expect((await running).stopReason).toBe('aborted');
		api.unload();
		await expect(api.generate({ prompt: 'b', maxNewTokens: 1 })).rejects.toThrow(EngineInputError);
	});

	it('rejects a WebGPU request it cannot meet, bad configs, mismatched parameters and tokenizers', async () => {
		const api = createInferenceApi();
		await expect(api.load({ config, params, tokenizerJson, backend: 'webgpu' })).rejects.toThrow(WebGPUError);
		await expect(api.load({ config: { ...config, nLayers: 2 } as never, params, tokenizerJson })).rejects.toThrow(EngineConfigError);
		await expect(api.load({ config, params: params.subarray(1), tokenizerJson })).rejects.toThrow(EngineConfigError);
		const small = gptConfig('tiny', { ...config, vocabSize: tokenizer.vocabSize - 1 });
		await expect(api.load({ config: small, params: new Float32Array(parameterCount(small)), tokenizerJson })).rejects.toThrow(EngineConfigError);
		expect(api.status()).toBeNull();
	});
});
