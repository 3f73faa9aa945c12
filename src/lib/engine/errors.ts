// The engine's error types: a bad model configuration (unknown key, a size that does not fit) or a bad batch (token
// id out of range, sequence longer than the position table), raised before any kernel runs, so a wrong config.json or
// tokenizer mismatch fails with a message instead of NaNs or reads past a row.
import { BaseError } from '$lib/core/errors';

export class EngineConfigError extends BaseError {
	override name = 'EngineConfigError';
}

export class EngineInputError extends BaseError {
	override name = 'EngineInputError';
}
