// The networks Ledgerlight runs on, as viem chains, and where its contracts live on each. The local chain's RPC URL and
// addresses are only known at runtime (from /chain.json), so it is a function of them; the public OpenLedger networks
// have no Ledgerlight deployment yet, which the app reports (ContractsNotDeployedError) instead of failing.
import { defineChain, type Address, type Chain } from 'viem';
import { openledger as openledgerMainnet } from 'viem/chains';

/** The networks `npm start -- --network <name>` accepts. */
export type NetworkName = 'local' | 'openledger-testnet' | 'openledger';

/** The contracts the app talks to, by the name forge gives their build output. */
export const CONTRACT_NAMES = [
	'DatanetRegistry',
	'ModelRegistry',
	'AttributionLedger',
	'WOpen',
	'OpenGovernor',
	'TimelockController',
	'AgentStaking'
] as const;

export type ContractName = (typeof CONTRACT_NAMES)[number];
export type ContractAddresses = Record<ContractName, Address>;

/** One deployment of the Ledgerlight contracts: addresses and the block to start reading events from. */
export type Deployment = { contracts: ContractAddresses; deployBlock: bigint };

/** The L2's gas token; 18 decimals like ether. */
export const OPEN = { name: 'Open', symbol: 'OPEN', decimals: 18 } as const;

/** The local anvil chain (id 31337), which `npm start` runs with OPEN standing in as its gas token. */
export function localChain(rpcUrl: string): Chain {
	return defineChain({
		id: 31337,
		name: 'Ledgerlight local chain',
		nativeCurrency: OPEN,
		rpcUrls: { default: { http: [rpcUrl] } },
		testnet: true
	});
}

/**
 * The OpenLedger testnet (chain 161201). CONFIGURATION TO FILL: no public RPC or explorer URL for it could be confirmed,
 * so none is listed; give one as `rpcUrl` in /chain.json until it is added here.
 */
export const openledgerTestnet: Chain = defineChain({
	id: 161201,
	name: 'OpenLedger Testnet',
	nativeCurrency: OPEN,
	rpcUrls: { default: { http: [] } },
	testnet: true
});

/** The OpenLedger mainnet (chain 1612), as viem ships it (RPC https://rpc.openledger.xyz, explorer scan.openledger.xyz). */
export const openledger: Chain = openledgerMainnet;

/** Chain id, chain and published deployment of each network; the local chain's come from /chain.json. */
export const NETWORKS: Readonly<Record<NetworkName, { chainId: number; chain: Chain | null; deployment: Deployment | null }>> = {
	local: { chainId: 31337, chain: null, deployment: null },
	'openledger-testnet': { chainId: openledgerTestnet.id, chain: openledgerTestnet, deployment: null },
	openledger: { chainId: openledger.id, chain: openledger, deployment: null }
};

/** True when `name` is one of the networks above. */
export function isNetworkName(name: unknown): name is NetworkName {
	return typeof name === 'string' && Object.hasOwn(NETWORKS, name);
}

/** The network's display name, as messages show it. */
export function networkLabel(network: NetworkName): string {
	return network === 'local' ? 'the local chain' : NETWORKS[network].chain!.name;
}
