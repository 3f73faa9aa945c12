// The training loop's error types: data that cannot make a batch (no approved records, too few tokens, a tokenizer
// without <|endoftext|>), a saved trainer state that does not fit the trainer it is restored into, and a training run
// that cannot be started or resumed (no such run, one already training). Bad config keys are EngineConfigError.
import { BaseError } from '$lib/core/errors';

export class TrainingDataError extends BaseError {
	override name = 'TrainingDataError';
}

export class TrainingStateError extends BaseError {
	override name = 'TrainingStateError';
}

export class TrainingRunError extends BaseError {
	override name = 'TrainingRunError';
}
