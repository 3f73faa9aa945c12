// A model checkpoint: weights.safetensors, optimizer.safetensors (AdamW's m and v as "m.<name>" / "v.<name>", only to
// resume), config.json (ours: GPTConfig, model_type, step and seed) and tokenizer.json. Tensors carry GPT-2's Hugging
// Face names and layouts, so our (OC, C) linear weights are stored transposed, as GPT-2's Conv1D (C, OC) holds them.
import { DEFAULT_GPT_CONFIG, gptConfig, parameterCount, type GPTConfig } from '../config';
import type { Floats } from '../cpu/floats';
import { parameterLayout, type ParameterLayout, type ParameterName } from '../params';
import type { BpeTokenizer } from '$lib/core/tokenizer/bpe';
import { loadTokenizerJson, saveTokenizerJson } from '$lib/core/tokenizer/tokenizerJson';
import { BaseError } from '$lib/core/errors';
import { CheckpointError } from './errors';
import { float16ToFloat32 } from './float16';
import { readSafetensors, writeSafetensors, type SafeTensor } from './safetensors';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const GPT_CONFIG_KEYS = Object.keys(DEFAULT_GPT_CONFIG);

/** The checkpoint's file names. */
export const CHECKPOINT_FILES = {
	weights: 'weights.safetensors',
	optimizer: 'optimizer.safetensors',
	config: 'config.json',
	tokenizer: 'tokenizer.json'
} as const;

/** config.json's "model_type": our own, since the config keys are ours and not GPT2Config's. */
export const MODEL_TYPE = 'ledgerlight-gpt';

/** What resumes a run exactly: Trainer.restore({ ...training, params }) takes it as it is. */
export type CheckpointTrainingState = {
	/** Optimizer steps done (the batch sampler is counter-based: (seed, step) is its whole state). */
	step: number;
	/** The run's seed. */
	seed: number;
	/** AdamW's step count t. */
	optimizerStep: number;
	m: Floats; // (P) first moments, params.ts layout
	v: Floats; // (P) second moments, params.ts layout
};

/** Everything a checkpoint holds. */
export type Checkpoint = {
	config: GPTConfig;
	params: Floats; // (P) params.ts layout
	tokenizer: BpeTokenizer;
	/** Present when the checkpoint can resume training; absent for a model shared to run. */
	training?: CheckpointTrainingState;
};

/** A checkpoint as read back: the buffers are Float32Array. */
export type ImportedCheckpoint = Checkpoint & {
	params: Float32Array;
	training?: CheckpointTrainingState & { m: Float32Array; v: Float32Array };
};

/** One tensor of the file, and where its values sit in the flat buffer. */
export type CheckpointTensor = {
	/** Hugging Face GPT-2 name, e.g. "h.0.attn.c_attn.weight". */
	name: string;
	/** Shape in the file (GPT-2's layout). */
	shape: number[];
	/** The params.ts tensor it comes from, and the first float of this block's slice of it. */
	source: ParameterName;
	offset: number;
	/** Our slice is (shape[1], shape[0]) and the file holds its transpose. */
	transposed: boolean;
};

// Each params.ts tensor's name in a GPT-2 block, and whether it is a Conv1D weight (stored transposed). The names and
// shapes are those of Hugging Face GPT2Model's state_dict, less the causal-mask buffers (h.{i}.attn.bias) that older
// GPT-2 files carry; config.json is not a GPT2Config, so that library needs one written from ours (n_embd, n_layer,
// n_head, n_positions, vocab_size; GPT-2's tanh GELU and LayerNorm eps 1e-5 are ours too).
const BLOCK_TENSORS: [ParameterName, string, boolean][] = [
	['ln1w', 'ln_1.weight', false],
	['ln1b', 'ln_1.bias', false],
	['qkvw', 'attn.c_attn.weight', true],
	['qkvb', 'attn.c_attn.bias', false],
	['attprojw', 'attn.c_proj.weight', true],
	['attprojb', 'attn.c_proj.bias', false],
	['ln2w', 'ln_2.weight', false],
	['ln2b', 'ln_2.bias', false],
	['fcw', 'mlp.c_fc.weight', true],
	['fcb', 'mlp.c_fc.bias', false],
	['fcprojw', 'mlp.c_proj.weight', true],
	['fcprojb', 'mlp.c_proj.bias', false]
];

/** Lists the file's tensors in GPT-2's order: wte, wpe, each block's, ln_f (the output head is tied to wte). */
export function gptTensorLayout(config: GPTConfig): CheckpointTensor[] {
	const { vocabSize: V, blockSize: maxT, nLayer: L, nEmbd: C } = config;
	const layout = parameterLayout(config);
	const whole = (name: string, source: ParameterName, shape: number[]): CheckpointTensor => ({
		name,
		shape,
		source,
		offset: 0,
		transposed: false
	});
	const tensors = [whole('wte.weight', 'wte', [V, C]), whole('wpe.weight', 'wpe', [maxT, C])];
	// (OC, C) in params.ts -> (C, OC) in the file for the weights; biases and LayerNorm vectors are (width).
	const shapes: Record<string, number[]> = {
		qkvw: [C, 3 * C],
		qkvb: [3 * C],
		attprojw: [C, C],
		fcw: [C, 4 * C],
		fcb: [4 * C],
		fcprojw: [4 * C, C]
	};
	for (let l = 0; l < L; l++) {
		for (const [source, suffix, transposed] of BLOCK_TENSORS) {
			const shape = shapes[source] ?? [C];
			const size = layout[source].size / L;
			tensors.push({ name: `h.${l}.${suffix}`, shape, source, offset: l * size, transposed });
		}
	}
	tensors.push(whole('ln_f.weight', 'lnfw', [C]), whole('ln_f.bias', 'lnfb', [C]));
	return tensors;
}

/** Writes a checkpoint's files: the optimizer file and config.json's "training" only when training state is given. */
export function exportCheckpoint({ config, params, tokenizer, training }: Checkpoint): Map<string, Uint8Array> {
	const P = parameterCount(config);
	for (const [what, buffer] of [['params', params], ['m', training?.m], ['v', training?.v]] as const) {
		if (buffer !== undefined && buffer.length !== P) {
			throw new CheckpointError('The checkpoint cannot be written: a buffer does not fit the config.', {
				details: `${what} has ${buffer.length} floats; the config has ${P} parameters.`
			});
		}
	}
	const tensors = gptTensorLayout(config);
	const layout = parameterLayout(config);
	const files = new Map<string, Uint8Array>();
	files.set(CHECKPOINT_FILES.weights, writeSafetensors(fileTensors(params, tensors, layout, ''), { format: 'pt' }));
	const json: Record<string, unknown> = { model_type: MODEL_TYPE, ...config };
	if (training) {
		const { m, v, optimizerStep, step, seed } = training;
		const moments = [...fileTensors(m, tensors, layout, 'm.'), ...fileTensors(v, tensors, layout, 'v.')];
		files.set(CHECKPOINT_FILES.optimizer, writeSafetensors(moments, { format: 'pt', step: String(optimizerStep) }));
		json.training = { step, seed };
	}
	files.set(CHECKPOINT_FILES.config, encoder.encode(JSON.stringify(json, null, 2) + '\n'));
	files.set(CHECKPOINT_FILES.tokenizer, encoder.encode(saveTokenizerJson(tokenizer)));
	return files;
}

/** Reads a checkpoint's files (others are ignored), checking that they make one model; throws a CheckpointError. */
export function importCheckpoint(files: ReadonlyMap<string, Uint8Array>): ImportedCheckpoint {
	const { config, training } = parseConfigJson(text(files, CHECKPOINT_FILES.config));
	let tokenizer: BpeTokenizer;
	try {
		tokenizer = loadTokenizerJson(text(files, CHECKPOINT_FILES.tokenizer));
	} catch (e) {
		throw new CheckpointError(`The checkpoint's ${CHECKPOINT_FILES.tokenizer} cannot be loaded.`, { details: detailsOf(e), cause: e });
	}
	if (tokenizer.vocabSize > config.vocabSize) {
		throw new CheckpointError('The checkpoint\'s tokenizer does not fit its model.', {
			details: `The tokenizer has ${tokenizer.vocabSize} tokens; the model's vocabSize is ${config.vocabSize}.`
		});
	}
	const tensors = gptTensorLayout(config);
	const layout = parameterLayout(config);
	const P = parameterCount(config);
	const weights = safetensors(files, CHECKPOINT_FILES.weights);
	checkNames(weights.tensors, tensors.map(({ name }) => name), CHECKPOINT_FILES.weights);
	const params = flatBuffer(weights.tensors, tensors, layout, P, '', CHECKPOINT_FILES.weights);
	const optimizerBytes = files.get(CHECKPOINT_FILES.optimizer);
	if ((optimizerBytes === undefined) !== (training === undefined)) {
		throw new CheckpointError('The checkpoint\'s training state is incomplete.', {
			details: training
				? `${CHECKPOINT_FILES.config} has "training" but there is no ${CHECKPOINT_FILES.optimizer}.`
				: `There is an ${CHECKPOINT_FILES.optimizer} but ${CHECKPOINT_FILES.config} has no "training".`
		});
	}
	if (!training) return { config, params, tokenizer };
	const optimizer = safetensors(files, CHECKPOINT_FILES.optimizer);
	const optimizerStep = optimizer.metadata.step;
	if (optimizerStep === undefined || !/^(0|[1-9]\d*)$/.test(optimizerStep) || !Number.isSafeInteger(Number(optimizerStep))) {
		throw new CheckpointError(`The checkpoint's ${CHECKPOINT_FILES.optimizer} has no valid "step" metadata.`, {
			details: `Got ${JSON.stringify(optimizerStep)}; expected AdamW's step count as a decimal integer.`
		});
	}
	const moments = ['m.', 'v.'].flatMap((prefix) => tensors.map(({ name }) => prefix + name));
	checkNames(optimizer.tensors, moments, CHECKPOINT_FILES.optimizer);
	const m = flatBuffer(optimizer.tensors, tensors, layout, P, 'm.', CHECKPOINT_FILES.optimizer, true);
	const v = flatBuffer(optimizer.tensors, tensors, layout, P, 'v.', CHECKPOINT_FILES.optimizer, true);
	return { config, params, tokenizer, training: { ...training, optimizerStep: Number(optimizerStep), m, v } };
}

// Copies the flat buffer out as F32 file tensors (GPT-2 layout), each name with the prefix.
function fileTensors(flat: Floats, tensors: CheckpointTensor[], layout: ParameterLayout, prefix: string): [string, SafeTensor][] {
	return tensors.map(({ name, shape, source, offset, transposed }) => {
		const start = layout[source].offset + offset;
		const ours = flat.subarray(start, start + shape.reduce((a, b) => a * b, 1));
		const data = new Float32Array(ours.length);
		if (transposed) {
			const [rows, cols] = shape; // file (rows, cols); ours (cols, rows)
			for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) data[r * cols + c] = ours[c * rows + r];
		} else {
			data.set(ours);
		}
		return [prefix + name, { dtype: 'F32', shape, data }];
	});
}

// Checks that a file holds exactly the expected tensor names: none missing, none unknown.
function checkNames(found: Map<string, SafeTensor>, expected: string[], file: string): void {
	const missing = expected.filter((name) => !found.has(name));
	if (missing.length > 0) {
		throw new CheckpointError(`The checkpoint's ${file} lacks ${missing.length} tensor${missing.length > 1 ? 's' : ''} the config needs.`, {
			details: `Missing: ${listed(missing)}.`
		});
	}
	const known = new Set(expected);
	const unknown = [...found.keys()].filter((name) => !known.has(name));
	if (unknown.length > 0) {
		throw new CheckpointError(`The checkpoint's ${file} has ${unknown.length} tensor${unknown.length > 1 ? 's' : ''} this model does not use.`, {
			details: `Unknown: ${listed(unknown)}.`,
			hint: `The ${CHECKPOINT_FILES.config} may not match the weights (a different nLayer?).`
		});
	}
}

// Fills a flat buffer from the named file tensors (present, by checkNames), checking shapes; F16 only when allowed.
function flatBuffer(
	found: Map<string, SafeTensor>,
	tensors: CheckpointTensor[],
	layout: ParameterLayout,
	P: number,
	prefix: string,
	file: string,
	onlyF32 = false
): Float32Array {
	const flat = new Float32Array(P);
	for (const { name, shape, source, offset, transposed } of tensors) {
		const tensor = found.get(prefix + name) as SafeTensor;
		if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
			throw new CheckpointError(`Tensor "${prefix + name}" in the checkpoint's ${file} has the wrong shape.`, {
				details: `Got [${tensor.shape}]; the config needs [${shape}].`
			});
		}
		const values = tensor.dtype === 'F32' ? tensor.data : tensor.dtype === 'F16' && !onlyF32 ? float16ToFloat32(tensor.data) : null;
		if (values === null) {
			throw new CheckpointError(`Tensor "${prefix + name}" in the checkpoint's ${file} has dtype ${tensor.dtype}.`, {
				details: onlyF32 ? 'Optimizer state must be F32 to resume exactly.' : 'Weights must be F32 or F16.'
			});
		}
		const ours = flat.subarray(layout[source].offset + offset, layout[source].offset + offset + values.length);
		if (transposed) {
			const [rows, cols] = shape;
			for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) ours[c * rows + r] = values[r * cols + c];
		} else {
			ours.set(values);
		}
	}
	return flat;
}

// Parses config.json: our model_type, every GPTConfig key (checked by gptConfig), and an optional "training".
function parseConfigJson(source: string): { config: GPTConfig; training?: { step: number; seed: number } } {
	const fail = (details: string, cause?: unknown) =>
		new CheckpointError(`The checkpoint's ${CHECKPOINT_FILES.config} is not a valid model config.`, { details, cause });
	let doc: unknown;
	try {
		doc = JSON.parse(source);
	} catch (e) {
		throw fail(`It is not JSON (${detailsOf(e)}).`, e);
	}
	if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw fail('It is not a JSON object.');
	const { model_type: modelType, training, ...fields } = doc as Record<string, unknown>;
	if (modelType !== MODEL_TYPE) throw fail(`"model_type" is ${JSON.stringify(modelType)}; expected "${MODEL_TYPE}".`);
	const absent = GPT_CONFIG_KEYS.filter((key) => !Object.hasOwn(fields, key));
	if (absent.length > 0) throw fail(`It lacks ${absent.join(', ')}.`);
	let config: GPTConfig;
	try {
		config = gptConfig('tiny', fields);
	} catch (e) {
		throw fail(detailsOf(e), e);
	}
	if (training === undefined) return { config };
	const state = training as Record<string, unknown> | null;
	const isCount = (x: unknown, max: number) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= max;
	if (typeof state !== 'object' || state === null || Object.keys(state).sort().join() !== 'seed,step') {
		throw fail('"training" must be an object with exactly "step" and "seed".');
	}
	if (!isCount(state.step, Number.MAX_SAFE_INTEGER) || !isCount(state.seed, 0xffffffff)) {
		throw fail(`"training" has step ${String(state.step)} and seed ${String(state.seed)}; both must be integers >= 0 (seed < 2^32).`);
	}
	return { config, training: { step: state.step as number, seed: state.seed as number } };
}

function text(files: ReadonlyMap<string, Uint8Array>, name: string): string {
	const bytes = files.get(name);
	if (bytes === undefined) throw new CheckpointError(`The checkpoint has no ${name}.`, { hint: `A checkpoint holds ${Object.values(CHECKPOINT_FILES).join(', ')}.` });
	try {
		return decoder.decode(bytes);
	} catch (e) {
		throw new CheckpointError(`The checkpoint's ${name} is not UTF-8 text.`, { cause: e });
	}
}

function safetensors(files: ReadonlyMap<string, Uint8Array>, name: string) {
	const bytes = files.get(name);
	if (bytes === undefined) throw new CheckpointError(`The checkpoint has no ${name}.`);
	try {
		return readSafetensors(bytes);
	} catch (e) {
		throw new CheckpointError(`The checkpoint's ${name} cannot be read.`, { details: detailsOf(e), cause: e });
	}
}

function listed(names: string[]): string {
	return names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
}

function detailsOf(e: unknown): string {
	if (e instanceof BaseError) return e.details ? `${e.shortMessage} ${e.details}` : e.shortMessage;
	return e instanceof Error ? e.message : String(e);
}
