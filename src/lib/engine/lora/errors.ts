// The LoRA module's error type: an adapter that does not fit the model it meets (another base config, other base
// weights, another precision) or adapter files that do not make one adapter. Bad LoRA config values are
// EngineConfigError, as for the model's own config.
import { BaseError } from '$lib/core/errors';

export class LoraAdapterError extends BaseError {
	override name = 'LoraAdapterError';
}
