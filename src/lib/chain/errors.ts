// Chain failures as typed errors: whatever viem, a wallet or an RPC node throws becomes one of the classes below, once,
// at the boundary (toChainError). Causes are walked by `.cause` and matched by error code and name rather than by
// `instanceof`, because a wallet's error objects come from another realm or are plain objects, and viem nests them.
import { ContractFunctionRevertedError, type Abi, type Hex } from 'viem';
import { BaseError, type BaseErrorOptions } from '../core/errors';
import { revertMessage } from './revertMessages';

/** Every failure of the chain layer; the UI shows `shortMessage` and `hint`. */
export class ChainError extends BaseError {
	override name = 'ChainError';
}

/** /chain.json is missing, unreadable or invalid, or a network lacks something the app needs (an RPC URL). */
export class ChainConfigError extends ChainError {
	override name = 'ChainConfigError';
}

/** The selected network has no Ledgerlight deployment (yet). */
export class ContractsNotDeployedError extends ChainError {
	override name = 'ContractsNotDeployedError';
	network: string;

	constructor(network: string, options: BaseErrorOptions = {}) {
		super(`Ledgerlight contracts are not deployed on ${network}.`, {
			hint: 'Run the app on the local chain (npm start), or wait for a deployment on this network.',
			...options
		});
		this.network = network;
	}
}

/** The user declined a request in the wallet (EIP-1193 code 4001). */
export class UserRejectedError extends ChainError {
	override name = 'UserRejectedError';

	constructor(options: BaseErrorOptions = {}) {
		super('You declined the request in your wallet.', { hint: 'Nothing was sent. Try again when you are ready.', ...options });
	}
}

/** The wallet is on another chain than the transaction is for. */
export class WrongNetworkError extends ChainError {
	override name = 'WrongNetworkError';
	expectedChainId: number | undefined;
	actualChainId: number | undefined;

	constructor(params: { expectedChainId?: number; actualChainId?: number } & BaseErrorOptions = {}) {
		const { expectedChainId, actualChainId, ...options } = params;
		const ids = expectedChainId !== undefined && actualChainId !== undefined ? ` (chain ${actualChainId}, expected ${expectedChainId})` : '';
		super(`Your wallet is on another network${ids}.`, { hint: 'Switch the network in your wallet, then try again.', ...options });
		this.expectedChainId = expectedChainId;
		this.actualChainId = actualChainId;
	}
}

/** The account cannot pay the value plus gas. */
export class InsufficientFundsError extends ChainError {
	override name = 'InsufficientFundsError';

	constructor(options: BaseErrorOptions = {}) {
		super('Not enough OPEN to pay for this transaction and its gas.', { hint: 'Add OPEN to this account, then try again.', ...options });
	}
}

/** A transaction with this nonce was already mined: it was sent before, or another app used the account meanwhile. */
export class NonceTooLowError extends ChainError {
	override name = 'NonceTooLowError';

	constructor(options: BaseErrorOptions = {}) {
		super('This transaction slot was already used by another transaction from your account.', {
			hint: 'Check the account history; if the action is not done, send it again as a new transaction.',
			...options
		});
	}
}

/** The wallet connected now is not the account an action was prepared for. */
export class WrongAccountError extends ChainError {
	override name = 'WrongAccountError';
	expected: string;
	actual: string;

	constructor(params: { expected: string; actual: string } & BaseErrorOptions) {
		const { expected, actual, ...options } = params;
		super(`This action belongs to account ${expected}, but ${actual} is connected.`, {
			hint: `Connect ${expected} in your wallet, then retry.`,
			...options
		});
		this.expected = expected;
		this.actual = actual;
	}
}

/** No receipt arrived in time; the transaction may still be included later. */
export class ReceiptTimeoutError extends ChainError {
	override name = 'ReceiptTimeoutError';

	constructor(options: BaseErrorOptions = {}) {
		super('The transaction has not been included yet.', { hint: 'It may still go through; the app keeps watching for it.', ...options });
	}
}

/** The RPC endpoint could not be reached, timed out or refused the request. */
export class RpcUnavailableError extends ChainError {
	override name = 'RpcUnavailableError';

	constructor(options: BaseErrorOptions = {}) {
		super('The network could not be reached.', { hint: 'Check your connection; the app retries when it is back.', ...options });
	}
}

/** A contract call reverted; `errorName` and `args` are set when the revert data matched a known ABI error. */
export class ContractRevertError extends ChainError {
	override name = 'ContractRevertError';
	errorName: string | undefined;
	args: readonly unknown[];
	/** The 4-byte selector of the revert data, when there was any. */
	selector: Hex | undefined;
	data: Hex | undefined;

	constructor(params: { errorName?: string; args?: readonly unknown[]; data?: Hex; reason?: string } & BaseErrorOptions) {
		const { errorName, args = [], data, reason, ...options } = params;
		const selector = data && data.length >= 10 ? (data.slice(0, 10) as Hex) : undefined;
		const known = errorName ? revertMessage(errorName) : undefined;
		const shortMessage =
			known?.message ??
			(reason ? `The contract refused: ${reason}` : errorName ? `The contract refused (${errorName}).` : 'The contract refused the transaction.');
		const details = errorName
			? `${errorName}(${args.map(formatArg).join(', ')})`
			: selector
				? `unknown error selector ${selector}, revert data ${data}`
				: undefined;
		super(shortMessage, { hint: known?.hint, details, ...options });
		this.errorName = errorName;
		this.args = args;
		this.selector = selector;
		this.data = data;
	}
}

function formatArg(a: unknown): string {
	return typeof a === 'bigint' ? a.toString() : typeof a === 'string' ? a : JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Iterates an error and its `.cause` chain (at most 16 deep, in case of a cycle). */
function* causes(e: unknown): Generator<Record<string, unknown>> {
	let cur = e;
	for (let i = 0; i < 16 && typeof cur === 'object' && cur !== null; i++) {
		yield cur as Record<string, unknown>;
		cur = (cur as { cause?: unknown }).cause;
	}
}

/** EIP-1193 / JSON-RPC code of an error, including the one some wallets nest under `data.originalError`. */
function codesOf(err: Record<string, unknown>): number[] {
	const codes: number[] = [];
	if (typeof err.code === 'number') codes.push(err.code);
	const data = err.data as { originalError?: { code?: unknown }; code?: unknown } | undefined;
	if (data && typeof data === 'object') {
		if (typeof data.originalError?.code === 'number') codes.push(data.originalError.code);
		if (typeof data.code === 'number') codes.push(data.code);
	}
	return codes;
}

/** True when the error or one of its causes carries EIP-1193 / JSON-RPC error `code`. */
export function hasErrorCode(e: unknown, code: number): boolean {
	for (const err of causes(e)) if (codesOf(err).includes(code)) return true;
	return false;
}

const isHex = (v: unknown): v is Hex => typeof v === 'string' && /^0x[0-9a-fA-F]*$/.test(v);

/** The raw revert data in an error chain (an RPC error's `data`, viem's RawContractError), or undefined. */
export function revertDataOf(e: unknown): Hex | undefined {
	for (const err of causes(e)) {
		if (err.name === 'ContractFunctionRevertedError' && isHex(err.raw)) return err.raw;
		const data = err.data as unknown;
		if (isHex(data) && data.length >= 10) return data;
		if (typeof data === 'object' && data !== null && isHex((data as { data?: unknown }).data)) {
			const inner = (data as { data: Hex }).data;
			if (inner.length >= 10) return inner;
		}
	}
	return undefined;
}

/** Decodes revert data with `abi` (plus Solidity's built-in Error and Panic) into a ContractRevertError. */
export function decodeRevert(data: Hex, abi: Abi, options: BaseErrorOptions = {}): ContractRevertError {
	// viem's own revert error does the decoding, including Error(string) reasons and Panic codes.
	const viemError = new ContractFunctionRevertedError({ abi, data, functionName: '' });
	const decoded = viemError.data;
	if (!decoded) return new ContractRevertError({ data, reason: viemError.reason, ...options });
	if (decoded.errorName === 'Error' || decoded.errorName === 'Panic')
		return new ContractRevertError({ data, reason: viemError.reason, ...options });
	return new ContractRevertError({ errorName: decoded.errorName, args: decoded.args ?? [], data, ...options });
}

const USER_REJECTED = /user (rejected|denied|cancel)/i;
const NETWORK_NAMES = new Set(['HttpRequestError', 'TimeoutError', 'WebSocketRequestError', 'SocketClosedError']);
// JSON-RPC codes of a node that is overloaded or cannot serve the request right now.
const UNAVAILABLE_CODES = [-32002, -32005, 429, 503];

export type ToChainErrorOptions = {
	/** ABI whose custom errors decode reverts; without it only Error(string) and Panic are named. */
	abi?: Abi;
};

/** Converts anything a chain call threw into a typed ChainError (a BaseError), keeping the original as `cause`. */
export function toChainError(e: unknown, { abi = [] }: ToChainErrorOptions = {}): BaseError {
	if (e instanceof ChainError) return e;
	const chain = [...causes(e)];
	const message = chain.map((c) => (typeof c.message === 'string' ? c.message : '')).join('\n');
	const details = (chain.find((c) => typeof c.shortMessage === 'string')?.shortMessage as string | undefined) ?? chain[0]?.message;
	const opts = { cause: e, details: typeof details === 'string' ? details : undefined };

	if (hasErrorCode(e, 4001) || chain.some((c) => c.name === 'UserRejectedRequestError') || USER_REJECTED.test(message))
		return new UserRejectedError(opts);
	const mismatch = chain.find((c) => c.name === 'ChainMismatchError');
	if (mismatch) {
		const m = /current chain of the wallet \(id: (\d+)\).*target chain for the transaction \(id: (\d+)/s.exec(String(mismatch.message));
		return new WrongNetworkError({ actualChainId: m ? Number(m[1]) : undefined, expectedChainId: m ? Number(m[2]) : undefined, ...opts });
	}
	const data = revertDataOf(e);
	if (data) return decodeRevert(data, abi, { cause: e });
	const reverted = chain.find((c) => c.name === 'ContractFunctionRevertedError' || c.name === 'ExecutionRevertedError');
	if (reverted) {
		const reason = typeof reverted.reason === 'string' ? reverted.reason : undefined;
		return new ContractRevertError({ reason, ...opts });
	}
	if (chain.some((c) => c.name === 'WaitForTransactionReceiptTimeoutError')) return new ReceiptTimeoutError(opts);
	if (chain.some((c) => c.name === 'InsufficientFundsError') || /insufficient funds/i.test(message)) return new InsufficientFundsError(opts);
	if (chain.some((c) => c.name === 'NonceTooLowError') || /nonce too low/i.test(message)) return new NonceTooLowError(opts);
	if (
		chain.some((c) => NETWORK_NAMES.has(String(c.name))) ||
		UNAVAILABLE_CODES.some((code) => hasErrorCode(e, code)) ||
		/failed to fetch|fetch failed|ECONNREFUSED|network error/i.test(message)
	)
		return new RpcUnavailableError(opts);
	return new ChainError('The request to the chain failed.', opts);
}
