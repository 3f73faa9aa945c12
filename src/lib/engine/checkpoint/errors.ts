// The checkpoint module's error types: a safetensors file that breaks the format (SafetensorsError, from the byte
// level up) and a checkpoint whose files do not make one model (CheckpointError: a missing tensor, a wrong shape).
import { BaseError } from '$lib/core/errors';

export class SafetensorsError extends BaseError {
	override name = 'SafetensorsError';
}

export class CheckpointError extends BaseError {
	override name = 'CheckpointError';
}
