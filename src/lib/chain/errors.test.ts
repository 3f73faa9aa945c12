import { describe, expect, it } from 'vitest';
import {
	createPublicClient,
	createWalletClient,
	custom,
	encodeErrorResult,
	http,
	parseAbi,
	type EIP1193RequestFn
} from 'viem';
import { BaseError } from '../core/errors';
import {
	ChainError,
	ContractRevertError,
	InsufficientFundsError,
	NonceTooLowError,
	RpcUnavailableError,
	UserRejectedError,
	WrongNetworkError,
	decodeRevert,
	hasErrorCode,
	revertDataOf,
	toChainError
} from './errors';
import { localChain } from './networks';

const abi = parseAbi(['error DatanetBatchNotPending(uint256 batchId, uint8 status)', 'error ModelNotOwner(uint256 modelId, address caller)']);
const TO = '0x00000000000000000000000000000000000000aa';
const FROM = '0x00000000000000000000000000000000000000bb';

/** A public client whose node answers every request by throwing `rpcError` (as a wallet or node would). */
function failingClient(rpcError: unknown) {
	const request = (async () => {
		throw rpcError;
	}) as unknown as EIP1193RequestFn;
	return createPublicClient({ chain: localChain('http://127.0.0.1:1'), transport: custom({ request }, { retryCount: 0 }) });
}

/** What viem throws when eth_call reverts with `data`. */
async function callError(rpcError: unknown): Promise<unknown> {
	return failingClient(rpcError)
		.call({ account: FROM, to: TO, data: '0x' })
		.then(() => {
			throw new Error('expected the call to fail');
		}, (e) => e);
}

describe('decodeRevert', () => {
	it('names a custom error from its ABI and gives the table message and hint', () => {
		const data = encodeErrorResult({ abi, errorName: 'DatanetBatchNotPending', args: [7n, 2] });
		const e = decodeRevert(data, abi);
		expect(e).toBeInstanceOf(ContractRevertError);
		expect(e).toBeInstanceOf(BaseError);
		expect(e.errorName).toBe('DatanetBatchNotPending');
		expect(e.args).toEqual([7n, 2]);
		expect(e.shortMessage).toBe('This batch was already reviewed.');
		expect(e.hint).toBe('Reload the Datanet to see its current status.');
		expect(e.details).toBe('DatanetBatchNotPending(7, 2)');
		expect(e.selector).toBe(data.slice(0, 10));
	});

	it('keeps the raw selector of an error the ABI does not know', () => {
		const data = encodeErrorResult({ abi: parseAbi(['error SomethingElse(uint256)']), errorName: 'SomethingElse', args: [1n] });
		const e = decodeRevert(data, abi);
		expect(e.errorName).toBeUndefined();
		expect(e.selector).toBe(data.slice(0, 10));
		expect(e.details).toContain(`unknown error selector ${data.slice(0, 10)}`);
		expect(e.shortMessage).toBe('The contract refused the transaction.');
	});

	it('reads Error(string) reasons and Panic codes', () => {
		const reason = encodeErrorResult({ abi: parseAbi(['error Error(string)']), errorName: 'Error', args: ['not allowed'] });
		expect(decodeRevert(reason, abi).shortMessage).toBe('The contract refused: not allowed');
		const panic = encodeErrorResult({ abi: parseAbi(['error Panic(uint256)']), errorName: 'Panic', args: [0x11n] });
		expect(decodeRevert(panic, abi).shortMessage).toMatch(/^The contract refused: .*overflow/);
	});

	it('names an error the table does not list by its name and arguments', () => {
		const other = parseAbi(['error BrandNewError(address who)']);
		const data = encodeErrorResult({ abi: other, errorName: 'BrandNewError', args: [FROM] });
		const e = decodeRevert(data, other);
		expect(e.shortMessage).toBe('The contract refused (BrandNewError).');
		expect(e.details).toBe(`BrandNewError(${FROM})`);
	});
});

describe('toChainError', () => {
	it('decodes a revert that comes back from eth_call through viem', async () => {
		const data = encodeErrorResult({ abi, errorName: 'ModelNotOwner', args: [3n, FROM] });
		const raw = await callError({ code: 3, message: 'execution reverted', data });
		expect(revertDataOf(raw)).toBe(data);
		const e = toChainError(raw, { abi });
		expect(e).toBeInstanceOf(ContractRevertError);
		expect((e as ContractRevertError).errorName).toBe('ModelNotOwner');
		expect(e.shortMessage).toBe('Only the model owner can do this.');
		expect(e.cause).toBe(raw);
	});

	it('finds revert data a wallet nests as { data: { data } }', () => {
		const data = encodeErrorResult({ abi, errorName: 'DatanetBatchNotPending', args: [1n, 1] });
		const e = toChainError({ code: -32603, message: 'Internal JSON-RPC error.', data: { code: 3, data } }, { abi });
		expect((e as ContractRevertError).errorName).toBe('DatanetBatchNotPending');
	});

	it('turns a rejection in the wallet (4001) into UserRejectedError', async () => {
		const request = (async () => {
			throw { code: 4001, message: 'User rejected the request.' };
		}) as unknown as EIP1193RequestFn;
		const wallet = createWalletClient({ account: FROM, chain: localChain('http://127.0.0.1:1'), transport: custom({ request }) });
		const raw = await wallet.sendTransaction({ to: TO, value: 1n }).catch((e) => e);
		expect(hasErrorCode(raw, 4001)).toBe(true);
		const e = toChainError(raw);
		expect(e).toBeInstanceOf(UserRejectedError);
		expect(e.shortMessage).toBe('You declined the request in your wallet.');
		expect(toChainError(new Error('MetaMask Tx Signature: User denied transaction signature.'))).toBeInstanceOf(UserRejectedError);
	});

	it('recognises insufficient funds and nonce too low from the node', async () => {
		const funds = await callError({ code: -32003, message: 'insufficient funds for gas * price + value' });
		expect(toChainError(funds)).toBeInstanceOf(InsufficientFundsError);
		const nonce = await callError({ code: -32003, message: 'nonce too low: next nonce 5, tx nonce 4' });
		expect(toChainError(nonce)).toBeInstanceOf(NonceTooLowError);
	});

	it('recognises a wallet on the wrong chain with both chain ids', async () => {
		const request = (async ({ method }: { method: string }) => {
			if (method === 'eth_chainId') return '0x1';
			throw new Error(`unexpected ${method}`);
		}) as unknown as EIP1193RequestFn;
		const wallet = createWalletClient({ account: FROM, chain: localChain('http://127.0.0.1:1'), transport: custom({ request }) });
		const e = toChainError(await wallet.sendTransaction({ to: TO, value: 1n }).catch((x) => x));
		expect(e).toBeInstanceOf(WrongNetworkError);
		expect((e as WrongNetworkError).actualChainId).toBe(1);
		expect((e as WrongNetworkError).expectedChainId).toBe(31337);
	});

	it('turns an unreachable RPC into RpcUnavailableError', async () => {
		const client = createPublicClient({ transport: http('http://127.0.0.1:1', { retryCount: 0 }) });
		const e = toChainError(await client.getBlockNumber().catch((x) => x));
		expect(e).toBeInstanceOf(RpcUnavailableError);
		expect(toChainError(await callError({ code: -32005, message: 'rate limited' }))).toBeInstanceOf(RpcUnavailableError);
	});

	it('wraps anything else in a ChainError that keeps the cause, and passes typed errors through', () => {
		const odd = new Error('something odd');
		const e = toChainError(odd);
		expect(e).toBeInstanceOf(ChainError);
		expect(e.details).toBe('something odd');
		expect(e.cause).toBe(odd);
		const typed = new UserRejectedError();
		expect(toChainError(typed)).toBe(typed);
	});
});
