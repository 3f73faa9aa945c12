// viem clients for a chain configuration: reads always go through our configured RPC (never through the wallet, whose
// node and chain the user controls); writes go through a wallet client, either an injected EIP-1193 provider
// (MetaMask, Trust Wallet, ...) or a local account that signs in the page and sends through the same RPC.
import {
	createPublicClient,
	createWalletClient,
	custom,
	http,
	webSocket,
	type Account,
	type Address,
	type Chain,
	type EIP1193Provider,
	type LocalAccount,
	type PublicClient,
	type Transport,
	type WalletClient
} from 'viem';
import { requireRpcUrl, type ChainConfig } from './config';

export type ChainPublicClient = PublicClient<Transport, Chain>;
export type ChainWalletClient = WalletClient<Transport, Chain, Account>;

/** The transport for an RPC URL: WebSocket for ws(s) URLs, HTTP otherwise. */
function rpcTransport(url: string): Transport {
	return /^wss?:/.test(url) ? webSocket(url) : http(url);
}

export type CreateChainPublicClientParameters = {
	/** How often polling actions (receipts, block watching) ask the node, in ms; viem's default when omitted. */
	pollingInterval?: number;
};

/** A public client reading the configured network through its RPC URL; throws ChainConfigError when there is none. */
export function createChainPublicClient(config: ChainConfig, params: CreateChainPublicClientParameters = {}): ChainPublicClient {
	return createPublicClient({ chain: config.chain, transport: rpcTransport(requireRpcUrl(config)), pollingInterval: params.pollingInterval });
}

export type CreateProviderWalletClientParameters = {
	/** The wallet's EIP-1193 provider (from EIP-6963 discovery). */
	provider: EIP1193Provider;
	/** The connected account (from eth_requestAccounts). */
	account: Address;
};

/** A wallet client that asks an injected wallet to sign and send, for the configured chain. */
export function createProviderWalletClient(config: ChainConfig, params: CreateProviderWalletClientParameters): ChainWalletClient {
	return createWalletClient({ account: params.account, chain: config.chain, transport: custom(params.provider) });
}

/** A wallet client that signs with a local account in the page and sends through the configured RPC. */
export function createAccountWalletClient(config: ChainConfig, params: { account: LocalAccount }): ChainWalletClient {
	return createWalletClient({ account: params.account, chain: config.chain, transport: rpcTransport(requireRpcUrl(config)) });
}
