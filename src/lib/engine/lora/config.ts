// The LoRA configuration: rank, alpha and which of a block's four linear layers get an adapter, checked at runtime
// like gptConfig (configs arrive from saved adapter_config.json files): unknown keys and out-of-range values are
// errors. Dropout is kept as a field, fixed at 0, so PEFT's lora_dropout round-trips; the engine has no dropout.
import type { GPTLinear } from '../cpu/gpt';
import { EngineConfigError } from '../errors';

/** The linear layers an adapter can target, in the order their tensors are laid out. */
export const LORA_TARGETS = ['qkv', 'attproj', 'fc', 'fcproj'] as const satisfies readonly GPTLinear[];

/** A linear layer an adapter can target: qkv (C -> 3C), attproj (C -> C), fc (C -> 4C), fcproj (4C -> C). */
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** A LoRA adapter's shape and scaling. */
export type LoraConfig = {
	/** Rank r of each update B A; at most the smaller side of every targeted weight. */
	rank: number;
	/** The update is scaled by alpha / rank, so changing the rank keeps the initial step size comparable. */
	alpha: number;
	/** Targeted linear layers of every block, in LORA_TARGETS order, without repeats. */
	targets: readonly LoraTarget[];
	/** Dropout on the adapter's input; only 0 (the engine has no dropout). */
	dropout: number;
};

/** The defaults: rank 8, alpha 16 (scale 2), every linear layer. */
export const DEFAULT_LORA_CONFIG: Readonly<LoraConfig> = {
	rank: 8,
	alpha: 16,
	targets: LORA_TARGETS,
	dropout: 0
};

const KEYS = Object.keys(DEFAULT_LORA_CONFIG) as (keyof LoraConfig)[];

/** Builds a checked LoRA config from the defaults and overrides; throws EngineConfigError. */
export function loraConfig(overrides: Readonly<Record<string, unknown>> = {}): LoraConfig {
	const unknown = Object.keys(overrides).filter((key) => !(KEYS as string[]).includes(key));
	if (unknown.length > 0) {
		throw new EngineConfigError(`Unknown LoRA config key${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`, {
			hint: `Known keys: ${KEYS.join(', ')}.`
		});
	}
	const merged = { ...DEFAULT_LORA_CONFIG, ...overrides } as Record<string, unknown>;
	const { rank, alpha, targets, dropout } = merged;
	if (typeof rank !== 'number' || !Number.isSafeInteger(rank) || rank < 1) {
		throw new EngineConfigError('LoRA config "rank" must be a positive integer.', { details: `Got ${String(rank)}.` });
	}
	if (typeof alpha !== 'number' || !Number.isFinite(alpha) || alpha <= 0) {
		throw new EngineConfigError('LoRA config "alpha" must be a positive number.', { details: `Got ${String(alpha)}.` });
	}
	if (dropout !== 0) {
		throw new EngineConfigError('LoRA config "dropout" must be 0.', {
			details: `Got ${String(dropout)}.`,
			hint: 'The engine trains without dropout, so an adapter cannot use it either.'
		});
	}
	const isTarget = (x: unknown): x is LoraTarget => (LORA_TARGETS as readonly unknown[]).includes(x);
	if (!Array.isArray(targets) || targets.length === 0 || !targets.every(isTarget) || new Set(targets).size !== targets.length) {
		throw new EngineConfigError('LoRA config "targets" must list one or more distinct linear layers.', {
			details: `Got ${JSON.stringify(targets)}.`,
			hint: `Choose from: ${LORA_TARGETS.join(', ')}.`
		});
	}
	return { rank, alpha, targets: LORA_TARGETS.filter((t) => targets.includes(t)), dropout };
}

/** The factor on every adapter's update: alpha / rank (computed here and nowhere else). */
export function loraScale(config: LoraConfig): number {
	return config.alpha / config.rank;
}
