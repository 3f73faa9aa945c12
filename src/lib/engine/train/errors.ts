// The training loop's error types: data that cannot make a batch (too few tokens, a tokenizer without <|endoftext|>)
// and a saved trainer state that does not fit the trainer it is restored into. Bad config keys are EngineConfigError.
import { BaseError } from '$lib/core/errors';

export class TrainingDataError extends BaseError {
	override name = 'TrainingDataError';
}

export class TrainingStateError extends BaseError {
	override name = 'TrainingStateError';
}
