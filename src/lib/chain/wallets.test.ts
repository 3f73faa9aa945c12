import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { announceProvider } from 'mipd';
import { getAddress, numberToHex, type EIP1193Provider } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { parseChainConfig, type ChainConfig } from './config';
import { ChainError, UserRejectedError } from './errors';
import { DEV_WALLET_LABEL, wallets } from './wallets.svelte';

const ICON = 'data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg"/>' as const;
const KEYS = [
	'0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
	'0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'
] as const;
const ALICE = '0x00000000000000000000000000000000000a11ce';
const BOB = '0x0000000000000000000000000000000000000b0b';
const contracts = Object.fromEntries(
	['DatanetRegistry', 'ModelRegistry', 'AttributionLedger', 'WOpen', 'OpenGovernor', 'TimelockController', 'AgentStaking'].map((n, i) => [
		n,
		`0x${(i + 1).toString(16).padStart(40, '0')}`
	])
);
const localConfig: ChainConfig = parseChainConfig({
	network: 'local',
	chainId: 31337,
	rpcUrl: 'http://127.0.0.1:8545',
	contracts,
	deployBlock: 0,
	devAccounts: KEYS.map((privateKey, i) => ({ privateKey, address: privateKeyToAccount(privateKey).address, label: `Demo ${i}` }))
});

/** An injected wallet on chain 1 that knows no other chain until it is added, with EIP-1193 events we can fire. */
function fakeProvider({ reject = false } = {}) {
	let chainId = 1;
	const known = new Set([1]);
	const listeners = new Map<string, Set<(arg: unknown) => void>>();
	const methods: string[] = [];
	const provider = {
		async request({ method, params }: { method: string; params?: unknown }) {
			methods.push(method);
			if (method === 'eth_requestAccounts') {
				if (reject) throw { code: 4001, message: 'User rejected the request.' };
				return [ALICE];
			}
			if (method === 'eth_chainId') return numberToHex(chainId);
			const id = Number((params as [{ chainId: string }])?.[0]?.chainId);
			if (method === 'wallet_switchEthereumChain') {
				if (!known.has(id)) throw { code: 4902, message: 'Unrecognized chain' };
				chainId = id;
				return null;
			}
			if (method === 'wallet_addEthereumChain') return void known.add(id);
			throw new Error(`unexpected ${method}`);
		},
		on(event: string, fn: (arg: unknown) => void) {
			if (!listeners.has(event)) listeners.set(event, new Set());
			listeners.get(event)!.add(fn);
		},
		removeListener(event: string, fn: (arg: unknown) => void) {
			listeners.get(event)?.delete(fn);
		}
	};
	const emit = (event: string, arg: unknown) => listeners.get(event)?.forEach((fn) => fn(arg));
	const listening = () => [...listeners.values()].reduce((n, s) => n + s.size, 0);
	return { provider: provider as unknown as EIP1193Provider, emit, listening, methods };
}

function announce(name: string, uuid: string, provider: EIP1193Provider) {
	return announceProvider({ info: { name, uuid, icon: ICON, rdns: `test.${name.toLowerCase()}` }, provider });
}

describe('wallets', () => {
	beforeEach(() => {
		// mipd listens for EIP-6963 announcements on `window`; Node has EventTarget and CustomEvent.
		(globalThis as { window?: unknown }).window = new EventTarget();
	});
	afterEach(() => {
		wallets.stop();
		delete (globalThis as { window?: unknown }).window;
	});

	it('lists wallets announced before and after start, with their names and icons', () => {
		const early = fakeProvider();
		announce('MetaMask', 'mm', early.provider);
		wallets.start(localConfig);
		announce('Trust Wallet', 'tw', fakeProvider().provider);
		expect(wallets.available.map((w) => [w.name, w.icon, w.rdns])).toEqual([
			['MetaMask', ICON, 'test.metamask'],
			['Trust Wallet', ICON, 'test.trust wallet']
		]);
		expect(wallets.available[0].provider).toBe(early.provider);
	});

	it('connects, then follows chainChanged, accountsChanged and disconnect', async () => {
		const w = fakeProvider();
		wallets.start(localConfig);
		announce('Rabby', 'rb', w.provider);
		expect(await wallets.connect('rb')).toBe(getAddress(ALICE));
		expect(w.methods).toEqual(['eth_requestAccounts', 'eth_chainId']);
		expect(wallets.address).toBe(getAddress(ALICE));
		expect(wallets.chainId).toBe(1);
		expect(wallets.onConfiguredChain).toBe(false);

		w.emit('chainChanged', '0x7a69');
		expect(wallets.chainId).toBe(31337);
		expect(wallets.onConfiguredChain).toBe(true);
		w.emit('accountsChanged', [BOB]);
		expect(wallets.address).toBe(getAddress(BOB));
		expect(wallets.walletClient().account.address).toBe(getAddress(BOB));

		w.emit('accountsChanged', []);
		expect(wallets.connection).toBeNull();
		expect(w.listening()).toBe(0);
	});

	it('switches the wallet to the configured network, adding it on 4902', async () => {
		const w = fakeProvider();
		wallets.start(localConfig);
		announce('MetaMask', 'mm', w.provider);
		await wallets.connect('mm');
		await wallets.switchNetwork();
		expect(w.methods.slice(2)).toEqual(['wallet_switchEthereumChain', 'wallet_addEthereumChain', 'wallet_switchEthereumChain', 'eth_chainId']);
		expect(wallets.chainId).toBe(31337);
		expect(wallets.onConfiguredChain).toBe(true);
	});

	it('reports a declined connection and stays disconnected', async () => {
		wallets.start(localConfig);
		announce('MetaMask', 'mm', fakeProvider({ reject: true }).provider);
		await expect(wallets.connect('mm')).rejects.toBeInstanceOf(UserRejectedError);
		expect(wallets.connection).toBeNull();
		await expect(wallets.connect('gone')).rejects.toThrow('That wallet is no longer available.');
		expect(() => wallets.walletClient()).toThrow(ChainError);
	});

	it('offers the dev wallet on the local chain only, acting as any of its accounts', () => {
		wallets.start(localConfig);
		expect(DEV_WALLET_LABEL).toBe('Dev wallet (local chain only)');
		expect(wallets.devAccounts).toHaveLength(2);
		const first = wallets.connectDev();
		expect(first.address).toBe(privateKeyToAccount(KEYS[0]).address);
		expect(wallets.chainId).toBe(31337);
		expect(wallets.onConfiguredChain).toBe(true);
		const second = privateKeyToAccount(KEYS[1]).address;
		wallets.connectDev(second);
		const client = wallets.walletClient();
		expect(client.account.type).toBe('local');
		expect(client.account.address).toBe(second);
		expect(client.chain.id).toBe(31337);
		expect(() => wallets.connectDev(BOB)).toThrow('not one of the dev wallet accounts');
	});

	it('has no dev wallet on a public network', () => {
		wallets.start(parseChainConfig({ network: 'openledger', chainId: 1612 }));
		expect(wallets.devAccounts).toEqual([]);
		expect(() => wallets.connectDev()).toThrow(`The ${DEV_WALLET_LABEL} exists only on the local chain.`);
	});
});
