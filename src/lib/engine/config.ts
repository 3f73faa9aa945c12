// The GPT configuration: one typed object with a documented default per field, presets that override only what
// differs, and the parameter sizes computed here and nowhere else. Configs arrive from presets and from imported
// config.json files, so gptConfig checks keys and values at runtime: an unknown key is an error, not ignored.
import { EngineConfigError } from './errors';

/** The shape of a decoder-only GPT (pre-LayerNorm, learned positions, tied output head). */
export type GPTConfig = {
	/** Tokens in the vocabulary; the tokenizer decides it (512-8,192 for our byte-level BPE). */
	vocabSize: number;
	/** Longest sequence the model reads: the rows of the position table. */
	blockSize: number;
	/** Transformer blocks. */
	nLayer: number;
	/** Attention heads per block; must divide nEmbd. */
	nHead: number;
	/** Channels of the residual stream; the MLP's hidden layer is 4 * nEmbd. */
	nEmbd: number;
};

/** The defaults: the `tiny` preset (~0.48M parameters), small enough for CI on two cores. */
export const DEFAULT_GPT_CONFIG: Readonly<GPTConfig> = {
	vocabSize: 512,
	blockSize: 128,
	nLayer: 2,
	nHead: 4,
	nEmbd: 128
};

/** Presets by name; each lists only the fields that differ from the defaults. */
export const GPT_PRESETS = {
	/** ~0.48M parameters: CI and quick experiments. */
	tiny: {},
	/** ~5.4M parameters: the CPU path's evaluation model. */
	small: { vocabSize: 2048, blockSize: 256, nLayer: 6, nHead: 8, nEmbd: 256 },
	/** ~27.6M parameters: WebGPU only, when the adapter's limits allow. */
	base: { vocabSize: 4096, blockSize: 512, nLayer: 8, nHead: 8, nEmbd: 512 }
} as const satisfies Record<string, Partial<GPTConfig>>;

/** A preset's name. */
export type GPTPreset = keyof typeof GPT_PRESETS;

const KEYS = Object.keys(DEFAULT_GPT_CONFIG) as (keyof GPTConfig)[];

/** Builds a checked config from a preset and overrides (e.g. a parsed config.json); throws EngineConfigError. */
export function gptConfig(preset: GPTPreset = 'tiny', overrides: Readonly<Record<string, unknown>> = {}): GPTConfig {
	if (!Object.hasOwn(GPT_PRESETS, preset)) {
		throw new EngineConfigError(`Unknown model preset "${preset}".`, {
			hint: `Use one of: ${Object.keys(GPT_PRESETS).join(', ')}.`
		});
	}
	const unknown = Object.keys(overrides).filter((key) => !(KEYS as string[]).includes(key));
	if (unknown.length > 0) {
		throw new EngineConfigError(`Unknown model config key${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`, {
			hint: `Known keys: ${KEYS.join(', ')}.`
		});
	}
	const config: GPTConfig = { ...DEFAULT_GPT_CONFIG, ...GPT_PRESETS[preset] };
	for (const key of KEYS) {
		const value = Object.hasOwn(overrides, key) ? overrides[key] : config[key];
		if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
			throw new EngineConfigError(`Model config "${key}" must be a positive integer.`, { details: `Got ${String(value)}.` });
		}
		config[key] = value;
	}
	if (config.nEmbd % config.nHead !== 0) {
		throw new EngineConfigError('Model config "nHead" must divide "nEmbd".', {
			details: `nEmbd ${config.nEmbd}, nHead ${config.nHead}.`
		});
	}
	return config;
}

/** Number of floats in each parameter tensor, in buffer order; names and layout follow llm.c's ParameterTensors. */
export type ParameterSizes = {
	wte: number; // (V,C) token table, also the output head
	wpe: number; // (maxT,C) position table
	ln1w: number; // (L,C)
	ln1b: number; // (L,C)
	qkvw: number; // (L,3C,C)
	qkvb: number; // (L,3C)
	attprojw: number; // (L,C,C)
	attprojb: number; // (L,C)
	ln2w: number; // (L,C)
	ln2b: number; // (L,C)
	fcw: number; // (L,4C,C)
	fcb: number; // (L,4C)
	fcprojw: number; // (L,C,4C)
	fcprojb: number; // (L,C)
	lnfw: number; // (C)
	lnfb: number; // (C)
};

/** Computes every parameter tensor's size (V vocab, maxT blockSize, L layers, C channels). */
export function parameterSizes(config: GPTConfig): ParameterSizes {
	const { vocabSize: V, blockSize: maxT, nLayer: L, nEmbd: C } = config;
	return {
		wte: V * C,
		wpe: maxT * C,
		ln1w: L * C,
		ln1b: L * C,
		qkvw: L * 3 * C * C,
		qkvb: L * 3 * C,
		attprojw: L * C * C,
		attprojb: L * C,
		ln2w: L * C,
		ln2b: L * C,
		fcw: L * 4 * C * C,
		fcb: L * 4 * C,
		fcprojw: L * 4 * C * C,
		fcprojb: L * C,
		lnfw: C,
		lnfb: C
	};
}

/** Total number of parameters. */
export function parameterCount(config: GPTConfig): number {
	return Object.values(parameterSizes(config)).reduce((sum, size) => sum + size, 0);
}
