import { describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { trainBpe } from '$lib/core/tokenizer/bpe';
import { gptConfig, parameterCount } from '../config';
import { createRng } from '../random';
import { modelArchive, MODEL_FILES, readModelFiles } from './archive';
import { CHECKPOINT_FILES, exportCheckpoint } from './checkpoint';

const MICRO = gptConfig('tiny', { vocabSize: 264, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 16 });
const P = parameterCount(MICRO);
const rng = createRng(9);
const floats = () => Float32Array.from({ length: P }, () => rng.normal());
const tokenizer = trainBpe(['the cat sat on the mat', 'the dog sat on the log'], { vocabSize: 264 });
const files = exportCheckpoint({ config: MICRO, params: floats(), tokenizer, training: { step: 3, seed: 1, optimizerStep: 3, m: floats(), v: floats().map(Math.abs) } });

describe('model archive', () => {
	it('holds the weights, config and tokenizer, without the training state', () => {
		const entries = unzipSync(modelArchive(files));
		expect(Object.keys(entries).sort()).toEqual([...MODEL_FILES].sort());
		expect(JSON.parse(new TextDecoder().decode(entries[CHECKPOINT_FILES.config]))).not.toHaveProperty('training');
		expect(entries[CHECKPOINT_FILES.weights]).toEqual(files.get(CHECKPOINT_FILES.weights));
	});

	it('reads back from the zip or from the loose files with the same weights', () => {
		const fromZip = readModelFiles([{ name: 'model.zip', bytes: modelArchive(files) }]);
		const entries = unzipSync(modelArchive(files));
		const loose = readModelFiles(MODEL_FILES.map((name) => ({ name, bytes: entries[name] })));
		const original = readModelFiles([...files].map(([name, bytes]) => ({ name, bytes })));
		expect(fromZip.config).toEqual(MICRO);
		expect(fromZip.params).toEqual(original.params);
		expect(loose.params).toEqual(original.params);
		expect(fromZip.training).toBeUndefined();
		expect(fromZip.tokenizer.vocabSize).toBe(264);
	});

	it('names the missing files', () => {
		expect(() => readModelFiles([{ name: CHECKPOINT_FILES.config, bytes: files.get(CHECKPOINT_FILES.config)! }])).toThrow(
			/missing weights.safetensors, tokenizer.json/
		);
	});

	it('rejects a broken zip and a corrupted weights file', () => {
		const zip = modelArchive(files);
		expect(() => readModelFiles([{ name: 'model.zip', bytes: zip.slice(0, 40) }])).toThrow(/not a readable zip archive/);
		const weights = files.get(CHECKPOINT_FILES.weights)!.slice(0, 100);
		expect(() =>
			readModelFiles([{ name: CHECKPOINT_FILES.weights, bytes: weights }, ...[CHECKPOINT_FILES.config, CHECKPOINT_FILES.tokenizer].map((name) => ({ name, bytes: files.get(name)! }))])
		).toThrow();
	});
});
