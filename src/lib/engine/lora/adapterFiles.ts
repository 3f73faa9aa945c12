// An adapter on its own, in PEFT's layout: adapter_model.safetensors holds each block's lora_A (r, in) and lora_B
// (out, r) under GPT2Model's module names with PEFT's prefix, e.g. "base_model.model.h.0.attn.c_attn.lora_A.weight"
// (a Hugging Face GPT2LMHeadModel names them "base_model.model.transformer.h.0..."); adapter_config.json holds PEFT's
// LoRA keys plus "ledgerlight_base": the base GPTConfig and the sha2-256 of its weights, which loading checks.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { BaseError } from '$lib/core/errors';
import { DEFAULT_GPT_CONFIG, gptConfig, type GPTConfig } from '../config';
import type { Floats } from '../cpu/floats';
import { MODEL_TYPE } from '../checkpoint/checkpoint';
import { float16ToFloat32 } from '../checkpoint/float16';
import { readSafetensors, writeSafetensors, type SafeTensor } from '../checkpoint/safetensors';
import { LORA_TARGETS, loraConfig, type LoraConfig, type LoraTarget } from './config';
import { LoraAdapterError } from './errors';
import { baseConfigMismatches, createLoraAdapter, loraLayout, type LoraAdapter } from './lora';

/** The adapter's file names, as PEFT's save_pretrained writes them. */
export const ADAPTER_FILES = { weights: 'adapter_model.safetensors', config: 'adapter_config.json' } as const;

/** Each target's module path inside a GPT-2 block (checkpoint.ts's tensor names less ".weight"); PEFT's
 * target_modules, unambiguous as suffixes (plain "c_proj" would match both projections). */
export const PEFT_MODULES: Readonly<Record<LoraTarget, string>> = {
	qkv: 'attn.c_attn',
	attproj: 'attn.c_proj',
	fc: 'mlp.c_fc',
	fcproj: 'mlp.c_proj'
};

/** What an adapter's files record about the base model they were trained on. */
export type AdapterBase = {
	config: GPTConfig;
	/** Hex sha2-256 of the base weights (baseWeightsHash). */
	weightsSha256: string;
};

/** An adapter as read back (float32 buffers), and the base it records. */
export type ImportedAdapter = { adapter: LoraAdapter; base: AdapterBase };

/** The base model an adapter is loaded onto; with params, their hash must match the one the adapter recorded. */
export type ImportAdapterBase = { config: GPTConfig; params?: Floats };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const PEFT_TYPE = 'LORA';

/** Hex sha2-256 of parameters (P) as little-endian float32 in params.ts order: the weights' identity for adapters. */
export function baseWeightsHash(params: Floats): string {
	const f32 = params instanceof Float32Array ? params : Float32Array.from(params);
	return bytesToHex(sha256(new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength)));
}

/** The file tensor name of one block's A or B for a target. */
export function adapterTensorName(target: LoraTarget, layer: number, part: 'A' | 'B'): string {
	return `base_model.model.h.${layer}.${PEFT_MODULES[target]}.lora_${part}.weight`;
}

/** Writes an adapter's two files; baseParams are the weights it was trained on (hashed into adapter_config.json). */
export function exportAdapter(adapter: LoraAdapter, baseParams: Floats): Map<string, Uint8Array> {
	const tensors: [string, SafeTensor][] = [];
	for (const { target, part, offset, blockShape } of adapter.layout) {
		const blockSize = blockShape[0] * blockShape[1];
		for (let l = 0; l < adapter.model.nLayer; l++) {
			const start = offset + l * blockSize;
			const data = Float32Array.from(adapter.params.subarray(start, start + blockSize));
			tensors.push([adapterTensorName(target, l, part), { dtype: 'F32', shape: [...blockShape], data }]);
		}
	}
	const { rank, alpha, targets, dropout } = adapter.config;
	const json = {
		peft_type: PEFT_TYPE,
		r: rank,
		lora_alpha: alpha,
		lora_dropout: dropout,
		target_modules: targets.map((t) => PEFT_MODULES[t]),
		fan_in_fan_out: true, // GPT-2's Conv1D holds its weights (in, out); lora_A and lora_B are nn.Linear's layout either way
		bias: 'none',
		base_model_name_or_path: null,
		ledgerlight_base: { model_type: MODEL_TYPE, ...adapter.model, weights_sha256: baseWeightsHash(baseParams) }
	};
	const files = new Map<string, Uint8Array>();
	files.set(ADAPTER_FILES.weights, writeSafetensors(tensors, { format: 'pt' }));
	files.set(ADAPTER_FILES.config, encoder.encode(JSON.stringify(json, null, 2) + '\n'));
	return files;
}

/** Reads an adapter's files, checking that they make one adapter and that it was trained on this base. */
export function importAdapter(files: ReadonlyMap<string, Uint8Array>, base: ImportAdapterBase): ImportedAdapter {
	const { config, recorded } = parseAdapterConfig(text(files, ADAPTER_FILES.config));
	const mismatches = baseConfigMismatches(recorded.config, base.config);
	if (mismatches.length > 0) {
		throw new LoraAdapterError('This adapter was trained on a different base model.', {
			details: `${mismatches.join('; ')}.`,
			hint: 'Load it onto the model it was trained on.'
		});
	}
	if (base.params !== undefined) {
		const hash = baseWeightsHash(base.params);
		if (hash !== recorded.weightsSha256) {
			throw new LoraAdapterError('This adapter was trained on different base weights.', {
				details: `The adapter's base weights hash to ${recorded.weightsSha256}; this model's to ${hash}.`,
				hint: 'Load it onto the checkpoint it was trained on.'
			});
		}
	}
	const adapter = createLoraAdapter(recorded.config, config);
	const weights = readWeights(files);
	const expected = new Set<string>();
	for (const { target, part, offset, blockShape } of loraLayout(recorded.config, config)) {
		const blockSize = blockShape[0] * blockShape[1];
		for (let l = 0; l < recorded.config.nLayer; l++) {
			const name = adapterTensorName(target, l, part);
			expected.add(name);
			const tensor = weights.get(name);
			if (tensor === undefined) throw malformed(`${ADAPTER_FILES.weights} lacks "${name}".`);
			if (tensor.shape.length !== 2 || tensor.shape[0] !== blockShape[0] || tensor.shape[1] !== blockShape[1]) {
				throw malformed(`"${name}" has shape [${tensor.shape}]; the config needs [${blockShape}].`);
			}
			const values = tensor.dtype === 'F32' ? tensor.data : tensor.dtype === 'F16' ? float16ToFloat32(tensor.data) : null;
			if (values === null) throw malformed(`"${name}" has dtype ${tensor.dtype}; adapter weights are F32 or F16.`);
			adapter.params.set(values, offset + l * blockSize);
		}
	}
	const unknown = [...weights.keys()].filter((name) => !expected.has(name));
	if (unknown.length > 0) {
		throw malformed(`${ADAPTER_FILES.weights} has tensors the config does not target: ${unknown.slice(0, 5).join(', ')}.`);
	}
	return { adapter, base: recorded };
}

// Parses adapter_config.json: PEFT's LoRA keys we use (r, lora_alpha, lora_dropout, target_modules), a check that
// the PEFT options changing the math are off (bias, use_rslora, use_dora), our base record; other PEFT keys pass.
function parseAdapterConfig(source: string): { config: LoraConfig; recorded: AdapterBase } {
	let doc: unknown;
	try {
		doc = JSON.parse(source);
	} catch (e) {
		throw malformed(`${ADAPTER_FILES.config} is not JSON (${detailsOf(e)}).`, e);
	}
	if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw malformed(`${ADAPTER_FILES.config} is not a JSON object.`);
	const fields = doc as Record<string, unknown>;
	if (fields.peft_type !== PEFT_TYPE) throw malformed(`"peft_type" is ${JSON.stringify(fields.peft_type)}; expected "${PEFT_TYPE}".`);
	for (const [key, plain] of [['bias', 'none'], ['use_rslora', false], ['use_dora', false]] as const) {
		if (fields[key] !== undefined && fields[key] !== plain) {
			throw malformed(`"${key}" is ${JSON.stringify(fields[key])}; only plain LoRA (${key} ${JSON.stringify(plain)}) is supported.`);
		}
	}
	const modules = fields.target_modules;
	if (!Array.isArray(modules)) throw malformed('"target_modules" must be a list of module names.');
	const targets = modules.map((module) => {
		const target = LORA_TARGETS.find((t) => PEFT_MODULES[t] === module);
		if (!target) throw malformed(`"target_modules" has ${JSON.stringify(module)}; known: ${Object.values(PEFT_MODULES).join(', ')}.`);
		return target;
	});
	let config: LoraConfig;
	try {
		config = loraConfig({ rank: fields.r, alpha: fields.lora_alpha, targets, dropout: fields.lora_dropout ?? 0 });
	} catch (e) {
		throw malformed(detailsOf(e), e);
	}
	const record = fields.ledgerlight_base;
	if (typeof record !== 'object' || record === null || Array.isArray(record)) {
		throw malformed('"ledgerlight_base" (the base model\'s config and weights hash) is missing.');
	}
	const { model_type: modelType, weights_sha256: weightsSha256, ...modelFields } = record as Record<string, unknown>;
	if (modelType !== MODEL_TYPE) throw malformed(`"ledgerlight_base.model_type" is ${JSON.stringify(modelType)}; expected "${MODEL_TYPE}".`);
	if (typeof weightsSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(weightsSha256)) {
		throw malformed('"ledgerlight_base.weights_sha256" must be 64 lowercase hex digits.');
	}
	const absent = Object.keys(DEFAULT_GPT_CONFIG).filter((key) => !Object.hasOwn(modelFields, key));
	if (absent.length > 0) throw malformed(`"ledgerlight_base" lacks ${absent.join(', ')}.`);
	let baseConfig: GPTConfig;
	try {
		baseConfig = gptConfig('tiny', modelFields);
	} catch (e) {
		throw malformed(detailsOf(e), e);
	}
	return { config, recorded: { config: baseConfig, weightsSha256 } };
}

function readWeights(files: ReadonlyMap<string, Uint8Array>): Map<string, SafeTensor> {
	const bytes = files.get(ADAPTER_FILES.weights);
	if (bytes === undefined) throw new LoraAdapterError(`The adapter has no ${ADAPTER_FILES.weights}.`);
	try {
		return readSafetensors(bytes).tensors;
	} catch (e) {
		throw malformed(`${ADAPTER_FILES.weights} cannot be read: ${detailsOf(e)}`, e);
	}
}

function text(files: ReadonlyMap<string, Uint8Array>, name: string): string {
	const bytes = files.get(name);
	if (bytes === undefined) {
		throw new LoraAdapterError(`The adapter has no ${name}.`, { hint: `An adapter holds ${Object.values(ADAPTER_FILES).join(' and ')}.` });
	}
	try {
		return decoder.decode(bytes);
	} catch (e) {
		throw malformed(`${name} is not UTF-8 text.`, e);
	}
}

function malformed(details: string, cause?: unknown): LoraAdapterError {
	return new LoraAdapterError('These adapter files do not make a valid LoRA adapter.', { details, cause });
}

function detailsOf(e: unknown): string {
	if (e instanceof BaseError) return e.details ? `${e.shortMessage} ${e.details}` : e.shortMessage;
	return e instanceof Error ? e.message : String(e);
}
