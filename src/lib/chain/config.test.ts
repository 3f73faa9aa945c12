import { describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { loadChainConfig, parseChainConfig, requireDeployment, requireRpcUrl } from './config';
import { ChainConfigError, ContractsNotDeployedError } from './errors';

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const addr = (i: number) => `0x${i.toString(16).padStart(40, '0')}`;
const CONTRACTS = {
	DatanetRegistry: addr(1),
	ModelRegistry: addr(2),
	AttributionLedger: addr(3),
	WOpen: addr(4),
	OpenGovernor: addr(5),
	TimelockController: addr(6),
	AgentStaking: addr(7)
};
const local = () => ({
	network: 'local',
	chainId: 31337,
	rpcUrl: 'http://127.0.0.1:8545',
	contracts: { ...CONTRACTS },
	deployBlock: 3,
	devAccounts: [{ address: privateKeyToAccount(KEY).address, privateKey: KEY, label: 'Dev wallet' }]
});

function problemsOf(json: unknown): string {
	try {
		parseChainConfig(json);
	} catch (e) {
		expect(e).toBeInstanceOf(ChainConfigError);
		return (e as ChainConfigError).details ?? '';
	}
	throw new Error('expected parseChainConfig to throw');
}

describe('parseChainConfig', () => {
	it('accepts the local configuration npm start writes', () => {
		const c = parseChainConfig(local());
		expect(c.network).toBe('local');
		expect(c.chain.id).toBe(31337);
		expect(c.chain.nativeCurrency.symbol).toBe('OPEN');
		expect(c.chain.rpcUrls.default.http).toEqual(['http://127.0.0.1:8545']);
		expect(c.deployment?.deployBlock).toBe(3n);
		expect(c.deployment?.contracts.WOpen).toBe('0x0000000000000000000000000000000000000004');
		expect(c.devAccounts[0].address).toBe(privateKeyToAccount(KEY).address);
	});

	it('lists every problem at once, unknown keys included', () => {
		const bad = { ...local(), chainId: 1, rpcUrl: 'ftp://x', extra: true, contracts: { ...CONTRACTS, WOpen: '0x1234', Nope: addr(9) } };
		const details = problemsOf(bad);
		expect(details).toContain('unknown key "extra"');
		expect(details).toContain('chainId must be 31337 for local, got 1');
		expect(details).toContain('rpcUrl must be an http(s) or ws(s) URL');
		expect(details).toContain('contracts.WOpen must be a non-zero address');
		expect(details).toContain('contracts.Nope is not a Ledgerlight contract');
	});

	it('rejects a zero address, a missing contract and a bad deploy block', () => {
		const { AgentStaking: _, ...six } = CONTRACTS;
		const details = problemsOf({ ...local(), contracts: { ...six, WOpen: addr(0) }, deployBlock: -1 });
		expect(details).toContain('contracts.WOpen must be a non-zero address');
		expect(details).toContain('contracts.AgentStaking must be a non-zero address, got undefined');
		expect(details).toContain('deployBlock must be a block number');
	});

	it('requires an RPC URL and contracts on the local chain', () => {
		const { rpcUrl: _r, contracts: _c, deployBlock: _d, ...rest } = local();
		const details = problemsOf(rest);
		expect(details).toContain('rpcUrl is required on the local chain');
		expect(details).toContain('contracts are required on the local chain');
	});

	it('checks that each dev account address belongs to its key', () => {
		const details = problemsOf({ ...local(), devAccounts: [{ address: addr(8), privateKey: KEY, label: 'x' }] });
		expect(details).toMatch(/devAccounts\[0\]\.address 0x0+8 is not the address of its private key/);
		expect(problemsOf({ ...local(), devAccounts: [{ address: addr(8), privateKey: '0x12', label: 'x' }] })).toContain('32 bytes of hex');
	});

	it('allows dev accounts on the local chain only', () => {
		const json = { network: 'openledger', chainId: 1612, devAccounts: local().devAccounts };
		expect(problemsOf(json)).toContain('devAccounts are allowed on the local chain only');
	});

	it('rejects an unknown network by listing the known ones', () => {
		expect(problemsOf({ network: 'mainnet', chainId: 1 })).toContain('network must be one of local, openledger-testnet, openledger');
		expect(() => parseChainConfig([])).toThrow(ChainConfigError);
	});

	it('loads a public network without a deployment and says so when contracts are needed', () => {
		const c = parseChainConfig({ network: 'openledger', chainId: 1612 });
		expect(c.rpcUrl).toBe('https://rpc.openledger.xyz');
		expect(c.chain.blockExplorers?.default.url).toBe('https://scan.openledger.xyz');
		expect(c.deployment).toBeNull();
		expect(() => requireDeployment(c)).toThrow(ContractsNotDeployedError);
		expect(() => requireDeployment(c)).toThrow('Ledgerlight contracts are not deployed on OpenLedger.');
	});

	it('has no RPC for the testnet until one is configured, and uses the one chain.json gives', () => {
		const bare = parseChainConfig({ network: 'openledger-testnet', chainId: 161201 });
		expect(bare.rpcUrl).toBeUndefined();
		expect(() => requireRpcUrl(bare)).toThrow('No RPC URL is configured for OpenLedger Testnet.');
		expect(() => requireDeployment(bare)).toThrow('Ledgerlight contracts are not deployed on OpenLedger Testnet.');
		const given = parseChainConfig({ network: 'openledger-testnet', chainId: 161201, rpcUrl: 'https://rpc.example.test' });
		expect(requireRpcUrl(given)).toBe('https://rpc.example.test');
		expect(given.chain.id).toBe(161201);
		expect(given.chain.rpcUrls.default.http).toEqual(['https://rpc.example.test']);
	});

	it('accepts a self-made deployment on a public network', () => {
		const c = parseChainConfig({ network: 'openledger', chainId: 1612, contracts: CONTRACTS, deployBlock: '123' });
		expect(requireDeployment(c).deployBlock).toBe(123n);
	});
});

describe('loadChainConfig', () => {
	const respond = (body: string, status = 200): typeof fetch =>
		(async () => new Response(body, { status, headers: { 'content-type': 'application/json' } })) as typeof fetch;

	it('fetches and validates /chain.json', async () => {
		let asked = '';
		const fetchFn = (async (url: string) => {
			asked = url;
			return new Response(JSON.stringify(local()));
		}) as unknown as typeof fetch;
		const c = await loadChainConfig(fetchFn);
		expect(asked).toBe('/chain.json');
		expect(c.deployment?.contracts.DatanetRegistry).toBe('0x0000000000000000000000000000000000000001');
	});

	it('reports a missing file, bad JSON and an unreachable server clearly', async () => {
		await expect(loadChainConfig(respond('not found', 404))).rejects.toThrow('Could not load the chain configuration (/chain.json): HTTP 404.');
		await expect(loadChainConfig(respond('{'))).rejects.toThrow('is not valid JSON');
		const offline = (async () => {
			throw new TypeError('Failed to fetch');
		}) as typeof fetch;
		const e = await loadChainConfig(offline).catch((x) => x);
		expect(e).toBeInstanceOf(ChainConfigError);
		expect(e.shortMessage).toBe('Could not load the chain configuration (/chain.json).');
		expect(e.hint).toContain('npm start');
	});
});
