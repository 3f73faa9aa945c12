// The app's error types: one BaseError (shortMessage for the UI, details and cause for a bug report, hint when the fix
// is known) with a subclass per domain problem. Raw failures are converted once, at the boundary, by toUserError; the
// quota check goes by the DOMException's `name`, not `instanceof`, because DOMException differs between realms/Node.

export type BaseErrorOptions = {
	/** Technical detail (a parser message, a CID list); shown under the short message. */
	details?: string;
	/** The underlying error, kept for logs and bug reports. */
	cause?: unknown;
	/** What the user can do about it, when we know. */
	hint?: string;
};

export class BaseError extends Error {
	override name = 'BaseError';
	shortMessage: string;
	details?: string;
	hint?: string;
	override cause?: unknown;

	constructor(shortMessage: string, { details, cause, hint }: BaseErrorOptions = {}) {
		const lines = [shortMessage || 'An error occurred.'];
		if (hint || details) lines.push('');
		if (hint) lines.push(`Hint: ${hint}`);
		if (details) lines.push(`Details: ${details}`);
		super(lines.join('\n'), cause === undefined ? undefined : { cause });
		this.shortMessage = shortMessage;
		if (details !== undefined) this.details = details;
		if (hint !== undefined) this.hint = hint;
		if (cause !== undefined) this.cause = cause;
	}
}

/** Why a record was rejected; 'duplicate' is decided by the caller (same CID or near-duplicate text). */
export type InvalidReason = 'empty' | 'too-large' | 'invalid-utf8' | 'wrong-fields' | 'invalid-json' | 'duplicate';

export class InvalidRecordError extends BaseError {
	override name = 'InvalidRecordError';
	reason: InvalidReason;

	constructor(reason: InvalidReason, shortMessage: string, options: BaseErrorOptions = {}) {
		super(shortMessage, options);
		this.reason = reason;
	}
}

export class ParseError extends BaseError {
	override name = 'ParseError';
}

export class BundleError extends BaseError {
	override name = 'BundleError';
	/** CIDs of blocks that failed verification or are missing; empty when the problem is not block-specific. */
	badCids: string[];

	constructor(shortMessage: string, options: BaseErrorOptions & { badCids?: string[] } = {}) {
		const { badCids = [], ...rest } = options;
		super(shortMessage, rest);
		this.badCids = badCids;
	}
}

export class SignatureError extends BaseError {
	override name = 'SignatureError';
}

export class StorageQuotaError extends BaseError {
	override name = 'StorageQuotaError';

	constructor(options: Omit<BaseErrorOptions, 'hint'> = {}) {
		super('Browser storage is full.', {
			...options,
			hint: 'Free space in Settings: delete Datanets you no longer need, or export them first and then delete them.'
		});
	}
}

export class NotFoundError extends BaseError {
	override name = 'NotFoundError';
}

const QUOTA_ERROR_NAMES = new Set(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED']);

/** Converts anything thrown into a BaseError the UI can show, mapping storage-quota failures to StorageQuotaError. */
export function toUserError(e: unknown): BaseError {
	if (e instanceof BaseError) return e;
	const name = typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : '';
	const message =
		typeof e === 'object' && e !== null && 'message' in e ? String((e as { message: unknown }).message) : String(e);
	if (QUOTA_ERROR_NAMES.has(name)) return new StorageQuotaError({ cause: e, details: message || undefined });
	return new BaseError('Something went wrong', { cause: e, details: message || undefined });
}

// What a JavaScript engine throws on its own (a bug, not one of ours): these stay "Something went wrong".
const BUILT_IN_ERROR_NAMES = new Set(['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'AggregateError']);

/**
 * Rebuilds a BaseError thrown in a worker: comlink sends only name, message and stack, and BaseError's message holds
 * the short message, then "Hint: " and "Details: " lines. Anything else goes through toUserError.
 */
export function fromWorkerError(e: unknown): BaseError {
	if (e instanceof BaseError || !(e instanceof Error) || BUILT_IN_ERROR_NAMES.has(e.name) || QUOTA_ERROR_NAMES.has(e.name)) return toUserError(e);
	const [shortMessage, ...rest] = e.message.split('\n\n');
	const tail = rest.join('\n\n');
	const parts = tail.match(/^(?:Hint: ([\s\S]*?))?\n?(?:Details: ([\s\S]*))?$/);
	if (!shortMessage || !parts) return toUserError(e);
	const out = new BaseError(shortMessage, { hint: parts[1] || undefined, details: parts[2] || undefined, cause: e });
	out.name = e.name;
	return out;
}

/**
 * Runs a browser-storage call with its failures typed: a BaseError passes through, a full disk becomes
 * StorageQuotaError, anything else the error `wrap` makes from its details (e.g. "the span index storage failed").
 */
export async function storageCall<T>(call: () => Promise<T>, wrap: (details: string | undefined, cause: unknown) => BaseError): Promise<T> {
	try {
		return await call();
	} catch (e) {
		if (e instanceof BaseError) throw e;
		const error = toUserError(e);
		if (error instanceof StorageQuotaError) throw error;
		throw wrap(error.details, e);
	}
}
