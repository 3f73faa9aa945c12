// Influence attribution's error types: a projection or preconditioner config that cannot work, examples that do not
// fit the model, and an index that is missing, damaged or built for other weights.
import { BaseError } from '$lib/core/errors';

export class InfluenceConfigError extends BaseError {
	override name = 'InfluenceConfigError';
}

export class InfluenceInputError extends BaseError {
	override name = 'InfluenceInputError';
}

export class InfluenceIndexError extends BaseError {
	override name = 'InfluenceIndexError';
}

/** A stored index that cannot be used as it is (another format version, or damaged): building it again replaces it. */
export class InfluenceIndexUnusableError extends InfluenceIndexError {
	override name = 'InfluenceIndexUnusableError';
}
