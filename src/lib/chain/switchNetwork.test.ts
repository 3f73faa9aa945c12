import { describe, expect, it } from 'vitest';
import { createWalletClient, custom, numberToHex, type EIP1193RequestFn } from 'viem';
import { ChainConfigError, UserRejectedError, WrongNetworkError } from './errors';
import { localChain, openledgerTestnet } from './networks';
import { switchNetwork } from './switchNetwork';

type Call = { method: string; params?: unknown };

/**
 * A wallet on chain 1 that knows only the chains in `known`; switching to an unknown one fails with 4902 (or the
 * error `unknownError` builds), adding makes it known. `switches` false: it answers the switch but stays put.
 */
function fakeWallet({ known = [1], unknownError = (id: number) => ({ code: 4902, message: `Unrecognized chain ID ${id}` }), switches = true } = {}) {
	let chainId = 1;
	const chains = new Set(known);
	const calls: Call[] = [];
	const request = (async ({ method, params }: Call) => {
		calls.push({ method, params });
		if (method === 'eth_chainId') return numberToHex(chainId);
		if (method === 'wallet_switchEthereumChain') {
			const id = Number((params as [{ chainId: string }])[0].chainId);
			if (!chains.has(id)) throw unknownError(id);
			if (switches) chainId = id;
			return null;
		}
		if (method === 'wallet_addEthereumChain') {
			chains.add(Number((params as [{ chainId: string }])[0].chainId));
			return null;
		}
		throw new Error(`unexpected ${method}`);
	}) as unknown as EIP1193RequestFn;
	return { client: createWalletClient({ transport: custom({ request }) }), calls, chainId: () => chainId };
}

describe('switchNetwork', () => {
	const chain = localChain('http://127.0.0.1:8545');

	it('switches directly when the wallet knows the chain', async () => {
		const w = fakeWallet({ known: [1, 31337] });
		await switchNetwork(w.client, { chain });
		expect(w.chainId()).toBe(31337);
		expect(w.calls.map((c) => c.method)).toEqual(['wallet_switchEthereumChain', 'eth_chainId']);
	});

	it('on 4902 adds the chain, then switches again', async () => {
		const w = fakeWallet();
		await switchNetwork(w.client, { chain });
		expect(w.chainId()).toBe(31337);
		expect(w.calls.map((c) => c.method)).toEqual([
			'wallet_switchEthereumChain',
			'wallet_addEthereumChain',
			'wallet_switchEthereumChain',
			'eth_chainId'
		]);
		const [added] = w.calls[1].params as [{ chainId: string; chainName: string; rpcUrls: string[]; nativeCurrency: { symbol: string } }];
		expect(added.chainId).toBe('0x7a69');
		expect(added.rpcUrls).toEqual(['http://127.0.0.1:8545']);
		expect(added.nativeCurrency.symbol).toBe('OPEN');
	});

	it('also recognises 4902 nested under data.originalError (mobile wallets)', async () => {
		const w = fakeWallet({ unknownError: () => ({ code: -32603, message: 'Internal error', data: { originalError: { code: 4902 } } }) });
		await switchNetwork(w.client, { chain });
		expect(w.chainId()).toBe(31337);
		expect(w.calls.filter((c) => c.method === 'wallet_addEthereumChain')).toHaveLength(1);
	});

	it('reports a declined switch as UserRejectedError without adding anything', async () => {
		const w = fakeWallet({ unknownError: () => ({ code: 4001, message: 'User rejected the request.' }) });
		await expect(switchNetwork(w.client, { chain })).rejects.toBeInstanceOf(UserRejectedError);
		expect(w.calls.map((c) => c.method)).toEqual(['wallet_switchEthereumChain']);
	});

	it('fails clearly when the wallet does not move', async () => {
		const w = fakeWallet({ known: [1, 31337], switches: false });
		const e = await switchNetwork(w.client, { chain }).catch((x) => x);
		expect(e).toBeInstanceOf(WrongNetworkError);
		expect(e.actualChainId).toBe(1);
		expect(e.expectedChainId).toBe(31337);
	});

	it('cannot add a chain that has no RPC URL configured', async () => {
		const w = fakeWallet();
		await expect(switchNetwork(w.client, { chain: openledgerTestnet })).rejects.toBeInstanceOf(ChainConfigError);
		expect(w.calls.some((c) => c.method === 'wallet_addEthereumChain')).toBe(false);
	});
});
