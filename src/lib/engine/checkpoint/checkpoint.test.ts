import { describe, expect, it } from 'vitest';
import { gptConfig, parameterCount } from '../config';
import { parameterLayout } from '../params';
import { createRng } from '../random';
import { Trainer, trainConfig } from '../train/trainer';
import { trainBpe } from '$lib/core/tokenizer/bpe';
import { saveTokenizerJson } from '$lib/core/tokenizer/tokenizerJson';
import { CHECKPOINT_FILES, exportCheckpoint, gptTensorLayout, importCheckpoint, MODEL_TYPE, type Checkpoint } from './checkpoint';
import { CheckpointError } from './errors';
import { float32ToFloat16 } from './float16';
import { readSafetensors, writeSafetensors, type SafeTensor } from './safetensors';

// Micro model (C 16, 2 blocks): every tensor kind, a few thousand floats.
const MICRO = gptConfig('tiny', { vocabSize: 272, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16 });
const C = MICRO.nEmbd;
const P = parameterCount(MICRO);
const TOKENIZER = trainBpe(['the cat sat on the mat', 'the dog sat on the log'], { vocabSize: 264 });
const rng = createRng(3);
const randomFloats = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const CHECKPOINT: Checkpoint = {
	config: MICRO,
	params: randomFloats(P),
	tokenizer: TOKENIZER,
	training: { step: 7, seed: 5, optimizerStep: 7, m: randomFloats(P), v: randomFloats(P).map(Math.abs) }
};
const bits = (a: Float32Array | Float64Array) => new Uint32Array(Float32Array.from(a).buffer);
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const json = (s: unknown) => new TextEncoder().encode(JSON.stringify(s));

/** Returns the checkpoint's files with one safetensors file's tensors edited. */
function editTensors(file: string, edit: (tensors: Map<string, SafeTensor>) => void): Map<string, Uint8Array> {
	const files = exportCheckpoint(CHECKPOINT);
	const { tensors, metadata } = readSafetensors(files.get(file) as Uint8Array);
	edit(tensors);
	files.set(file, writeSafetensors(tensors, metadata));
	return files;
}

/** Returns the checkpoint's files with config.json edited. */
function editConfig(edit: (config: Record<string, unknown>) => void): Map<string, Uint8Array> {
	const files = exportCheckpoint(CHECKPOINT);
	const config = JSON.parse(text(files.get(CHECKPOINT_FILES.config)));
	edit(config);
	files.set(CHECKPOINT_FILES.config, json(config));
	return files;
}

function rejects(files: Map<string, Uint8Array>, shortMessage: RegExp, details?: RegExp): void {
	let error: unknown;
	try {
		importCheckpoint(files);
	} catch (e) {
		error = e;
	}
	expect(error).toBeInstanceOf(CheckpointError);
	expect((error as CheckpointError).shortMessage).toMatch(shortMessage);
	if (details) expect((error as CheckpointError).details).toMatch(details);
}

describe('gptTensorLayout', () => {
	it('names the tensors as Hugging Face GPT-2 does, in GPT-2\'s (C_in, C_out) layout', () => {
		const tensors = gptTensorLayout(MICRO);
		expect(tensors.map((t) => [t.name, t.shape])).toEqual([
			['wte.weight', [272, C]],
			['wpe.weight', [8, C]],
			...[0, 1].flatMap((l) => [
				[`h.${l}.ln_1.weight`, [C]],
				[`h.${l}.ln_1.bias`, [C]],
				[`h.${l}.attn.c_attn.weight`, [C, 3 * C]],
				[`h.${l}.attn.c_attn.bias`, [3 * C]],
				[`h.${l}.attn.c_proj.weight`, [C, C]],
				[`h.${l}.attn.c_proj.bias`, [C]],
				[`h.${l}.ln_2.weight`, [C]],
				[`h.${l}.ln_2.bias`, [C]],
				[`h.${l}.mlp.c_fc.weight`, [C, 4 * C]],
				[`h.${l}.mlp.c_fc.bias`, [4 * C]],
				[`h.${l}.mlp.c_proj.weight`, [4 * C, C]],
				[`h.${l}.mlp.c_proj.bias`, [C]]
			]),
			['ln_f.weight', [C]],
			['ln_f.bias', [C]]
		]);
	});

	it('covers every parameter exactly once', () => {
		const layout = parameterLayout(MICRO);
		const covered = new Uint8Array(P);
		for (const { shape, source, offset } of gptTensorLayout(MICRO)) {
			const start = layout[source].offset + offset;
			for (let i = 0; i < shape.reduce((a, b) => a * b, 1); i++) covered[start + i]++;
		}
		expect(covered.every((n) => n === 1)).toBe(true);
	});
});

describe('exportCheckpoint / importCheckpoint', () => {
	it('writes the four files: weights with format metadata, the optimizer with AdamW\'s step, our config.json', () => {
		const files = exportCheckpoint(CHECKPOINT);
		expect([...files.keys()].sort()).toEqual(['config.json', 'optimizer.safetensors', 'tokenizer.json', 'weights.safetensors']);
		expect(readSafetensors(files.get('weights.safetensors') as Uint8Array).metadata).toEqual({ format: 'pt' });
		const optimizer = readSafetensors(files.get('optimizer.safetensors') as Uint8Array);
		expect(optimizer.metadata).toEqual({ format: 'pt', step: '7' });
		expect([...optimizer.tensors.keys()].slice(0, 2)).toEqual(['m.wte.weight', 'm.wpe.weight']);
		expect(JSON.parse(text(files.get('config.json')))).toEqual({ model_type: MODEL_TYPE, ...MICRO, training: { step: 7, seed: 5 } });
		expect(text(files.get('tokenizer.json'))).toBe(saveTokenizerJson(TOKENIZER));
	});

	it('stores each linear weight transposed: file[i][o] is our W[o][i]', () => {
		const weights = readSafetensors(exportCheckpoint(CHECKPOINT).get('weights.safetensors') as Uint8Array).tensors;
		const layout = parameterLayout(MICRO);
		const ours = (name: 'qkvw' | 'fcprojw', l: number, o: number, i: number, inputs: number, outputs: number) =>
			CHECKPOINT.params[layout[name].offset + l * inputs * outputs + o * inputs + i];
		const qkv = weights.get('h.1.attn.c_attn.weight')?.data as Float32Array; // (C, 3C)
		expect(qkv[5 * 3 * C + 40]).toBe(ours('qkvw', 1, 40, 5, C, 3 * C));
		const proj = weights.get('h.0.mlp.c_proj.weight')?.data as Float32Array; // (4C, C)
		expect(proj[50 * C + 3]).toBe(ours('fcprojw', 0, 3, 50, 4 * C, C));
		expect((weights.get('wte.weight')?.data as Float32Array)[C + 2]).toBe(CHECKPOINT.params[C + 2]);
	});

	it('round-trips weights and optimizer state bit for bit', () => {
		const imported = importCheckpoint(exportCheckpoint(CHECKPOINT));
		const training = CHECKPOINT.training!;
		expect(imported.config).toEqual(MICRO);
		expect(bits(imported.params)).toEqual(bits(CHECKPOINT.params));
		expect(bits(imported.training!.m)).toEqual(bits(training.m));
		expect(bits(imported.training!.v)).toEqual(bits(training.v));
		expect({ ...imported.training, m: undefined, v: undefined }).toEqual({ step: 7, seed: 5, optimizerStep: 7, m: undefined, v: undefined });
		expect(saveTokenizerJson(imported.tokenizer)).toBe(saveTokenizerJson(TOKENIZER));
	});

	it('exports and imports weights alone, and accepts F16 weights', () => {
		const files = exportCheckpoint({ ...CHECKPOINT, training: undefined });
		expect(files.has('optimizer.safetensors')).toBe(false);
		expect(JSON.parse(text(files.get('config.json')))).not.toHaveProperty('training');
		expect(importCheckpoint(files).training).toBeUndefined();
		const half = editTensors(CHECKPOINT_FILES.weights, (tensors) => {
			for (const [name, t] of tensors) tensors.set(name, { dtype: 'F16', shape: t.shape, data: float32ToFloat16(t.data as Float32Array) });
		});
		half.delete(CHECKPOINT_FILES.optimizer);
		half.set(CHECKPOINT_FILES.config, json({ model_type: MODEL_TYPE, ...MICRO }));
		const params = importCheckpoint(half).params;
		let maxError = 0;
		for (let i = 0; i < P; i++) maxError = Math.max(maxError, Math.abs(params[i] - CHECKPOINT.params[i]) / Math.max(1, Math.abs(CHECKPOINT.params[i])));
		expect(maxError).toBeGreaterThan(0);
		expect(maxError).toBeLessThan(2 ** -11);
	});

	it('rejects a missing, an extra or a misshapen tensor', () => {
		const missing = editTensors(CHECKPOINT_FILES.weights, (t) => t.delete('h.1.ln_2.bias'));
		rejects(missing, /weights.safetensors lacks 1 tensor/, /Missing: h\.1\.ln_2\.bias\./);
		const extra = editTensors(CHECKPOINT_FILES.weights, (t) => t.set('h.2.ln_1.weight', { dtype: 'F32', shape: [C], data: new Float32Array(C) }));
		rejects(extra, /weights.safetensors has 1 tensor this model does not use/, /Unknown: h\.2\.ln_1\.weight\./);
		const noMoment = editTensors(CHECKPOINT_FILES.optimizer, (t) => t.delete('v.wpe.weight'));
		rejects(noMoment, /optimizer.safetensors lacks 1 tensor/, /v\.wpe\.weight/);
		const misshapen = editTensors(CHECKPOINT_FILES.weights, (t) => {
			const w = t.get('h.0.attn.c_proj.weight') as SafeTensor;
			t.set('h.0.attn.c_proj.weight', { ...w, shape: [C / 2, 2 * C] } as SafeTensor);
		});
		rejects(misshapen, /"h\.0\.attn\.c_proj\.weight" .* wrong shape/, /Got \[8,32\]; the config needs \[16,16\]/);
		const halfMoments = editTensors(CHECKPOINT_FILES.optimizer, (t) => t.set('m.wte.weight', { dtype: 'F16', shape: [272, C], data: new Uint16Array(272 * C) }));
		rejects(halfMoments, /"m\.wte\.weight" .* has dtype F16/, /must be F32/);
	});

	it('rejects a bad config.json, tokenizer, safetensors file or training state', () => {
		rejects(editConfig((c) => (c.model_type = 'gpt2')), /config.json is not a valid model config/, /"model_type" is "gpt2"/);
		rejects(editConfig((c) => delete c.nLayer), /config.json/, /It lacks nLayer/);
		rejects(editConfig((c) => (c.dropout = 0.1)), /config.json/, /Unknown model config key: dropout/);
		rejects(editConfig((c) => (c.nHead = 3)), /config.json/, /"nHead" must divide "nEmbd"/);
		rejects(editConfig((c) => (c.training = { step: 7 })), /config.json/, /exactly "step" and "seed"/);
		rejects(editConfig((c) => (c.vocabSize = 200)), /tokenizer does not fit its model/, /264 tokens; the model's vocabSize is 200/);
		rejects(editConfig((c) => delete c.training), /training state is incomplete/, /no "training"/);
		const noOptimizer = exportCheckpoint(CHECKPOINT);
		noOptimizer.delete(CHECKPOINT_FILES.optimizer);
		rejects(noOptimizer, /training state is incomplete/, /there is no optimizer.safetensors/);
		const noStep = editTensors(CHECKPOINT_FILES.optimizer, () => {});
		const { tensors } = readSafetensors(noStep.get(CHECKPOINT_FILES.optimizer) as Uint8Array);
		noStep.set(CHECKPOINT_FILES.optimizer, writeSafetensors(tensors, { step: '-1' }));
		rejects(noStep, /no valid "step" metadata/);
		const truncated = exportCheckpoint(CHECKPOINT);
		truncated.set(CHECKPOINT_FILES.weights, (truncated.get(CHECKPOINT_FILES.weights) as Uint8Array).subarray(0, 1000));
		rejects(truncated, /weights.safetensors cannot be read/, /malformed/);
		const badTokenizer = exportCheckpoint(CHECKPOINT);
		badTokenizer.set(CHECKPOINT_FILES.tokenizer, json({ model: { type: 'WordPiece' } }));
		rejects(badTokenizer, /tokenizer.json cannot be loaded/);
		const noConfig = exportCheckpoint(CHECKPOINT);
		noConfig.delete(CHECKPOINT_FILES.config);
		rejects(noConfig, /has no config.json/);
		expect(() => exportCheckpoint({ ...CHECKPOINT, params: new Float32Array(P - 1) })).toThrow(/params has \d+ floats/);
	});
});

describe('resume through a checkpoint', () => {
	it('gives exactly the losses of the run that never stopped', () => {
		const tokens = (n: number) => ({ tokens: Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * 264)) });
		const data = { train: tokens(2000), validation: tokens(200) };
		const config = trainConfig({ steps: 10, batchSize: 4, warmupSteps: 2, lr: 1e-2, evalBatches: 1, seed: 9 });
		const straight = new Trainer(MICRO, data, config);
		for (let s = 0; s < 3; s++) straight.trainStep();
		const { params, ...training } = straight.state();
		const files = exportCheckpoint({ config: MICRO, params, tokenizer: TOKENIZER, training });

		const imported = importCheckpoint(files);
		const resumed = new Trainer(imported.config, data, config);
		resumed.restore({ ...imported.training!, params: imported.params });
		expect(resumed.step).toBe(3);
		for (let s = 0; s < 3; s++) expect(resumed.trainStep()).toEqual(straight.trainStep());
		expect(bits(resumed.model.params)).toEqual(bits(straight.model.params));
	});
});
