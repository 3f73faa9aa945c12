// The runtime chain configuration: /chain.json, written by `npm start` beside the built app, says which network the
// app is pointed at, its RPC URL, the deployed addresses and (local chain only) the dev accounts. It is validated
// whole: every problem is listed in one ChainConfigError, and unknown keys are errors so a typo is never ignored.
import { getAddress, isAddress, type Address, type Chain, type Hex, defineChain } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ChainConfigError, ContractsNotDeployedError } from './errors';
import {
	CONTRACT_NAMES,
	NETWORKS,
	isNetworkName,
	localChain,
	networkLabel,
	type ContractAddresses,
	type Deployment,
	type NetworkName
} from './networks';

/** A key the app may sign with on the local chain only (publicly known: demo use). */
export type DevAccount = { address: Address; privateKey: Hex; label: string };

/** The validated configuration the rest of the chain layer works from. */
export type ChainConfig = {
	network: NetworkName;
	chainId: number;
	/** The viem chain, with `rpcUrl` (when given) as its default RPC. */
	chain: Chain;
	/** The RPC URL the app reads through; undefined only for a public network whose RPC is not configured. */
	rpcUrl: string | undefined;
	/** null where Ledgerlight is not deployed: requireDeployment says so to the user. */
	deployment: Deployment | null;
	devAccounts: readonly DevAccount[];
};

const RESTART_HINT = 'Start the app with `npm start` (it writes /chain.json), or fix the file by hand.';
const TOP_KEYS = new Set(['network', 'chainId', 'rpcUrl', 'contracts', 'deployBlock', 'devAccounts']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseRpcUrl(v: unknown, problems: string[]): string | undefined {
	if (v === undefined) return undefined;
	if (typeof v === 'string') {
		try {
			if (['http:', 'https:', 'ws:', 'wss:'].includes(new URL(v).protocol)) return v;
		} catch {
			/* reported below */
		}
	}
	problems.push(`rpcUrl must be an http(s) or ws(s) URL, got ${JSON.stringify(v)}`);
	return undefined;
}

function parseContracts(v: unknown, problems: string[]): ContractAddresses | undefined {
	if (!isObject(v)) {
		problems.push('contracts must be an object of contract name -> address');
		return undefined;
	}
	for (const key of Object.keys(v))
		if (!(CONTRACT_NAMES as readonly string[]).includes(key)) problems.push(`contracts.${key} is not a Ledgerlight contract`);
	const out: Partial<ContractAddresses> = {};
	for (const name of CONTRACT_NAMES) {
		const a = v[name];
		if (typeof a !== 'string' || !isAddress(a, { strict: false }) || /^0x0{40}$/.test(a))
			problems.push(`contracts.${name} must be a non-zero address, got ${JSON.stringify(a)}`);
		else out[name] = getAddress(a);
	}
	return out as ContractAddresses;
}

function parseDeployBlock(v: unknown, problems: string[]): bigint {
	if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
	if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
	problems.push(`deployBlock must be a block number (a non-negative integer), got ${JSON.stringify(v)}`);
	return 0n;
}

function parseDevAccounts(v: unknown, problems: string[]): DevAccount[] {
	if (!Array.isArray(v)) {
		problems.push('devAccounts must be a list');
		return [];
	}
	const accounts: DevAccount[] = [];
	v.forEach((a, i) => {
		if (!isObject(a) || typeof a.label !== 'string' || typeof a.privateKey !== 'string' || typeof a.address !== 'string')
			return problems.push(`devAccounts[${i}] must be { address, privateKey, label }`);
		if (!/^0x[0-9a-fA-F]{64}$/.test(a.privateKey)) return problems.push(`devAccounts[${i}].privateKey must be 32 bytes of hex`);
		const address = privateKeyToAccount(a.privateKey as Hex).address;
		if (address.toLowerCase() !== a.address.toLowerCase())
			return problems.push(`devAccounts[${i}].address ${a.address} is not the address of its private key (${address})`);
		accounts.push({ address, privateKey: a.privateKey as Hex, label: a.label });
	});
	return accounts;
}

/** Validates the parsed JSON of /chain.json and returns the configuration, or throws one ChainConfigError listing every problem. */
export function parseChainConfig(json: unknown): ChainConfig {
	if (!isObject(json)) throw new ChainConfigError('The chain configuration is not a JSON object.', { hint: RESTART_HINT });
	const problems: string[] = [];
	for (const key of Object.keys(json)) if (!TOP_KEYS.has(key)) problems.push(`unknown key "${key}"`);
	const { network } = json;
	if (!isNetworkName(network)) {
		problems.push(`network must be one of ${Object.keys(NETWORKS).join(', ')}, got ${JSON.stringify(network)}`);
		throw invalid(problems);
	}
	const expected = NETWORKS[network].chainId;
	if (json.chainId !== expected) problems.push(`chainId must be ${expected} for ${network}, got ${JSON.stringify(json.chainId)}`);
	const rpcUrl = parseRpcUrl(json.rpcUrl, problems);
	if (network === 'local' && json.rpcUrl === undefined) problems.push('rpcUrl is required on the local chain');

	let deployment = NETWORKS[network].deployment;
	if (json.contracts !== undefined) {
		const contracts = parseContracts(json.contracts, problems);
		const deployBlock = parseDeployBlock(json.deployBlock, problems);
		if (contracts) deployment = { contracts, deployBlock };
	} else if (json.deployBlock !== undefined) problems.push('deployBlock is given without contracts');
	else if (network === 'local') problems.push('contracts are required on the local chain');

	let devAccounts: DevAccount[] = [];
	if (json.devAccounts !== undefined) {
		if (network !== 'local') problems.push('devAccounts are allowed on the local chain only');
		else devAccounts = parseDevAccounts(json.devAccounts, problems);
	}
	if (problems.length) throw invalid(problems);

	const base = NETWORKS[network].chain;
	// rpcUrl is defined on the local chain (checked above); on a public one it overrides the chain's default RPC.
	const chain = !base ? localChain(rpcUrl!) : rpcUrl ? defineChain({ ...base, rpcUrls: { default: { http: [rpcUrl] } } }) : base;
	return { network, chainId: expected, chain, rpcUrl: rpcUrl ?? chain.rpcUrls.default.http[0], deployment, devAccounts };
}

function invalid(problems: string[]): ChainConfigError {
	return new ChainConfigError('The chain configuration (/chain.json) is invalid.', { details: problems.join('; '), hint: RESTART_HINT });
}

/** Fetches /chain.json (or `url`) with the given fetch and validates it. */
export async function loadChainConfig(fetchFn: typeof fetch, url = '/chain.json'): Promise<ChainConfig> {
	let response: Response;
	try {
		response = await fetchFn(url, { cache: 'no-store' });
	} catch (cause) {
		throw new ChainConfigError(`Could not load the chain configuration (${url}).`, { cause, details: String(cause), hint: RESTART_HINT });
	}
	if (!response.ok)
		throw new ChainConfigError(`Could not load the chain configuration (${url}): HTTP ${response.status}.`, { hint: RESTART_HINT });
	let json: unknown;
	try {
		json = await response.json();
	} catch (cause) {
		throw new ChainConfigError(`The chain configuration (${url}) is not valid JSON.`, { cause, hint: RESTART_HINT });
	}
	return parseChainConfig(json);
}

/** The deployment of the configured network, or a ContractsNotDeployedError that says where it is missing. */
export function requireDeployment(config: ChainConfig): Deployment {
	if (!config.deployment) throw new ContractsNotDeployedError(networkLabel(config.network));
	return config.deployment;
}

/** The RPC URL of the configured network, or a ChainConfigError when none is configured. */
export function requireRpcUrl(config: ChainConfig): string {
	if (!config.rpcUrl)
		throw new ChainConfigError(`No RPC URL is configured for ${networkLabel(config.network)}.`, {
			hint: 'Add "rpcUrl" to /chain.json.'
		});
	return config.rpcUrl;
}
