// The wallet the user acts with, as shared reactive state: wallets announced through EIP-6963 (discovered by mipd, each
// with its own name and icon), the connected account and the chain it is on, kept current by the provider's events.
// Nothing here touches `window` until start() is called from the browser (the app is prerendered); on the local chain
// only, a dev wallet signs in the page with the publicly known keys from /chain.json and can act as any demo account.
import { createStore, type EIP6963ProviderDetail, type Store } from 'mipd';
import { createWalletClient, custom, getAddress, type Address, type EIP1193Provider } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createAccountWalletClient, createProviderWalletClient, type ChainWalletClient } from './clients';
import type { ChainConfig, DevAccount } from './config';
import { ChainError, toChainError } from './errors';
import { switchNetwork } from './switchNetwork';

/** How the dev wallet is named everywhere it is offered, so nobody mistakes it for a real wallet. */
export const DEV_WALLET_LABEL = 'Dev wallet (local chain only)';

/** A wallet announced through EIP-6963. `icon` is a data: URI the wallet supplied; show it with <img>, never as HTML. */
export type WalletOption = { id: string; name: string; icon: string; rdns: string; provider: EIP1193Provider };

export type WalletConnection =
	| { kind: 'injected'; wallet: WalletOption; address: Address }
	| { kind: 'dev'; account: DevAccount; address: Address };

function toOption({ info, provider }: EIP6963ProviderDetail): WalletOption {
	return { id: info.uuid, name: info.name, icon: info.icon, rdns: info.rdns, provider };
}

class Wallets {
	/** Wallets announced so far, in order of announcement. */
	available = $state.raw<readonly WalletOption[]>([]);
	/** The connected wallet and account, or null. */
	connection = $state.raw<WalletConnection | null>(null);
	/** The chain the connected wallet is on. */
	chainId = $state<number | null>(null);
	/** The chain configuration start() was given. */
	config = $state.raw<ChainConfig | null>(null);

	address = $derived(this.connection?.address ?? null);
	/** True when the connected wallet is on the configured network (writes are possible). */
	onConfiguredChain = $derived(this.chainId !== null && this.chainId === this.config?.chainId);
	/** The accounts the dev wallet can act as: only on the local chain, empty elsewhere. */
	devAccounts = $derived<readonly DevAccount[]>(this.config?.network === 'local' ? this.config.devAccounts : []);

	#store: Store | null = null;
	#unsubscribe: (() => void) | null = null;
	#detach: (() => void) | null = null;

	/** Starts EIP-6963 discovery for `config`; browser only (call it from onMount or an $effect). Idempotent. */
	start(config: ChainConfig): void {
		this.config = config;
		if (this.#store) return;
		this.#store = createStore();
		this.#unsubscribe = this.#store.subscribe((details) => (this.available = details.map(toOption)), { emitImmediately: true });
	}

	/** Stops discovery and disconnects. */
	stop(): void {
		this.disconnect();
		this.#unsubscribe?.();
		this.#store?.destroy();
		this.#store = this.#unsubscribe = null;
		this.available = [];
	}

	/** Connects an announced wallet (eth_requestAccounts) and follows its account and chain changes; returns the account. */
	async connect(walletId: string): Promise<Address> {
		const wallet = this.available.find((w) => w.id === walletId);
		if (!wallet) throw new ChainError('That wallet is no longer available.', { hint: 'Reload the page and choose it again.' });
		const client = createWalletClient({ transport: custom(wallet.provider) });
		let address: Address, chainId: number;
		try {
			[address] = await client.requestAddresses();
			chainId = await client.getChainId();
		} catch (e) {
			throw toChainError(e);
		}
		if (!address) throw new ChainError(`${wallet.name} shared no account.`, { hint: 'Unlock the wallet and try again.' });
		this.disconnect();
		this.#follow(wallet);
		this.connection = { kind: 'injected', wallet, address: getAddress(address) };
		this.chainId = chainId;
		return this.connection.address;
	}

	/** Connects the dev wallet (local chain only) as `address`, one of devAccounts (the first when omitted). */
	connectDev(address?: Address): DevAccount {
		const config = this.config;
		if (config?.network !== 'local') throw new ChainError(`The ${DEV_WALLET_LABEL} exists only on the local chain.`);
		const account = address ? this.devAccounts.find((a) => a.address.toLowerCase() === address.toLowerCase()) : this.devAccounts[0];
		if (!account) throw new ChainError('That account is not one of the dev wallet accounts.', { details: address });
		this.disconnect();
		this.connection = { kind: 'dev', account, address: account.address };
		this.chainId = config.chainId;
		return account;
	}

	/** Forgets the connection and stops following the wallet's events (the wallet itself may stay connected to the site). */
	disconnect(): void {
		this.#detach?.();
		this.#detach = null;
		this.connection = null;
		this.chainId = null;
	}

	/** Moves the connected wallet to the configured network, adding it to the wallet when needed (error 4902). */
	async switchNetwork(): Promise<void> {
		const { config, connection } = this;
		if (!config || !connection) throw new ChainError('Connect a wallet first.');
		if (connection.kind === 'dev') return;
		await switchNetwork(createWalletClient({ transport: custom(connection.wallet.provider) }), { chain: config.chain });
		this.chainId = config.chainId;
	}

	/** A viem wallet client for the connection, to sign and send with (the outbox's Sender is built on it). */
	walletClient(): ChainWalletClient {
		const { config, connection } = this;
		if (!config || !connection) throw new ChainError('Connect a wallet first.');
		if (connection.kind === 'dev')
			return createAccountWalletClient(config, { account: privateKeyToAccount(connection.account.privateKey) });
		return createProviderWalletClient(config, { provider: connection.wallet.provider, account: connection.address });
	}

	#follow(wallet: WalletOption): void {
		const { provider } = wallet;
		const onAccounts = (accounts: readonly Address[]) => {
			if (!accounts.length) return this.disconnect();
			if (this.connection?.kind === 'injected') this.connection = { ...this.connection, address: getAddress(accounts[0]) };
		};
		const onChain = (chainId: string) => (this.chainId = Number(chainId));
		const onDisconnect = () => this.disconnect();
		provider.on('accountsChanged', onAccounts);
		provider.on('chainChanged', onChain);
		provider.on('disconnect', onDisconnect);
		this.#detach = () => {
			provider.removeListener('accountsChanged', onAccounts);
			provider.removeListener('chainChanged', onChain);
			provider.removeListener('disconnect', onDisconnect);
		};
	}
}

/** The app's one wallet state. */
export const wallets = new Wallets();
