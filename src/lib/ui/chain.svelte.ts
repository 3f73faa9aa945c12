// The app's chain state: the configuration from /chain.json, the public client, the wallet, and the outbox runner that
// sends queued writes through whichever wallet is connected. Pages add writes with `enqueue` and register what to do
// once a kind of write confirms with `onConfirmed`; a handler runs once per entry, even across reloads, because the
// entry is marked `applied` only after its handler finished (a reload in between runs it again; handlers are idempotent).
import type { Address, Hex } from 'viem';
import { BaseError, toUserError } from '../core/errors';
import { createChainPublicClient, type ChainPublicClient } from '../chain/clients';
import { loadChainConfig, requireDeployment, type ChainConfig } from '../chain/config';
import type { ContractAddresses } from '../chain/networks';
import { createViemSender } from '../chain/sender';
import { wallets } from '../chain/wallets.svelte';
import {
	addToOutbox,
	cancelOutboxEntry,
	listOutbox,
	onOutboxChange,
	retryOutboxEntry,
	updateOutboxEntry,
	type NewOutboxEntry
} from '../store/outbox';
import { OutboxRunner } from '../store/outboxRunner';
import { getSetting, setSetting } from '../store/accounts';
import type { OutboxEntry } from '../store/schema';
import { app } from './app.svelte';

/** What a confirmed write's handler receives: the entry and the public client to read its receipt with. What it
 * returns is merged into the entry's meta (for example the batch id it read from the receipt). */
export type ConfirmedHandler = (entry: OutboxEntry, client: ChainPublicClient) => Promise<Record<string, unknown> | void>;

/** A write to add: the outbox fills in the chain and the sending account. */
export type EnqueueParameters = Omit<NewOutboxEntry, 'chainId' | 'from'>;

const DEV_SETTING = 'devWalletAddress';

class ChainState {
	/** The validated configuration, once loaded. */
	config = $state.raw<ChainConfig | null>(null);
	/** Why the chain is unavailable (no /chain.json, offline, no deployment), or null. */
	problem = $state.raw<BaseError | null>(null);
	/** Every outbox entry of the configured chain, newest first. */
	outbox = $state.raw<OutboxEntry[]>([]);
	/** Entries still being worked on. */
	pending = $derived(this.outbox.filter((e) => e.status === 'queued' || e.status === 'sending' || e.status === 'sent'));
	/** Entries waiting for the user (declined in the wallet, or failed). */
	attention = $derived(this.outbox.filter((e) => e.status === 'rejected' || e.status === 'failed'));

	#client: ChainPublicClient | null = null;
	#runner: OutboxRunner | null = null;
	#runnerFor: string | null = null;
	#handlers = new Map<string, ConfirmedHandler>();
	#applying = new Set<string>();
	#started: Promise<void> | null = null;

	/** Loads the configuration, starts wallet discovery and follows the outbox; browser only, idempotent. */
	start(): Promise<void> {
		this.#started ??= this.#start();
		return this.#started;
	}

	async #start() {
		try {
			this.config = await loadChainConfig(fetch);
		} catch (e) {
			this.problem = e instanceof BaseError ? e : toUserError(e);
			return;
		}
		wallets.start(this.config);
		this.#client = createChainPublicClient(this.config);
		const db = await app.db();
		onOutboxChange(db, ({ entry }) => {
			void this.#refresh();
			if (entry.status === 'confirmed') void this.#apply(entry);
		});
		await this.#refresh();
		for (const e of this.outbox) if (e.status === 'confirmed') void this.#apply(e);
		// The dev wallet reconnects by itself after a reload, so queued writes resume without a click.
		const dev = await getSetting<string | null>(db, DEV_SETTING, null);
		if (dev && this.config.network === 'local' && this.config.devAccounts.some((a) => a.address === dev)) {
			wallets.connectDev(dev as Address);
			this.syncRunner();
		}
	}

	/** The public client of the configured chain; throws the chain problem when there is none. */
	client(): ChainPublicClient {
		if (!this.#client) throw this.problem ?? new BaseError('The chain is not loaded yet.');
		return this.#client;
	}

	/** The deployed contracts' addresses; throws a clear error where Ledgerlight is not deployed. */
	contracts(): ContractAddresses {
		if (!this.config) throw this.problem ?? new BaseError('The chain is not loaded yet.');
		return requireDeployment(this.config).contracts;
	}

	/** The block the deployment starts at (events are read from there). */
	deployBlock(): bigint {
		return this.config?.deployment?.deployBlock ?? 0n;
	}

	/** Connects the dev wallet as one of the local accounts and remembers the choice. */
	async connectDev(address?: Address) {
		const account = wallets.connectDev(address);
		await setSetting(await app.db(), DEV_SETTING, account.address);
		this.syncRunner();
	}

	/** Connects an EIP-6963 wallet. */
	async connect(walletId: string) {
		await wallets.connect(walletId);
		await setSetting(await app.db(), DEV_SETTING, null);
		this.syncRunner();
	}

	async disconnect() {
		wallets.disconnect();
		await setSetting(await app.db(), DEV_SETTING, null);
		this.syncRunner();
	}

	/** Restarts the outbox runner for the connected wallet (or stops it when none is connected). */
	syncRunner() {
		const key = wallets.address && this.#client ? `${wallets.connection?.kind}:${wallets.address}` : null;
		if (key === this.#runnerFor) return;
		const previous = this.#runner;
		this.#runner = null;
		this.#runnerFor = key;
		void previous?.stop();
		if (!key || !this.#client) return;
		const sender = createViemSender({
			publicClient: this.#client,
			walletClient: wallets.walletClient(),
			searchFromBlock: this.deployBlock()
		});
		void app.db().then((db) => {
			if (this.#runnerFor !== key) return;
			this.#runner = new OutboxRunner(db, sender, { onError: (e) => app.fail(e) });
			this.#runner.start();
		});
	}

	/** Adds a chain write from the connected account (idempotent by `id`) and wakes the runner; returns the entry. */
	async enqueue(params: EnqueueParameters): Promise<OutboxEntry> {
		const config = this.config;
		if (!config) throw this.problem ?? new BaseError('The chain is not loaded yet.');
		const from = wallets.address;
		if (!from) throw new BaseError('Connect a wallet first.', { hint: 'Use the wallet button at the top of the page.' });
		const { entry } = await addToOutbox(await app.db(), { ...params, chainId: config.chainId, from: from.toLowerCase() as Hex });
		this.syncRunner();
		this.#runner?.wake();
		return entry;
	}

	/** Registers what to do when a write of `kind` confirms (for example, store a batch's proofs). */
	onConfirmed(kind: string, handler: ConfirmedHandler) {
		this.#handlers.set(kind, handler);
		for (const e of this.outbox) if (e.kind === kind && e.status === 'confirmed') void this.#apply(e);
	}

	async retry(id: string) {
		await retryOutboxEntry(await app.db(), id);
		this.syncRunner();
		this.#runner?.wake();
	}

	async cancel(id: string) {
		await cancelOutboxEntry(await app.db(), id);
	}

	async #refresh() {
		const config = this.config;
		if (!config) return;
		this.outbox = (await listOutbox(await app.db(), { chainId: config.chainId })).sort((a, b) => b.createdAt - a.createdAt);
	}

	async #apply(entry: OutboxEntry) {
		const handler = this.#handlers.get(entry.kind);
		const meta = (entry.meta ?? {}) as { applied?: boolean };
		if (!handler || meta.applied || this.#applying.has(entry.id) || !this.#client) return;
		this.#applying.add(entry.id);
		try {
			const learned = await handler(entry, this.#client);
			await updateOutboxEntry(await app.db(), entry.id, (e) => ({ meta: { ...((e.meta ?? {}) as object), ...learned, applied: true } }));
			app.revision++;
		} catch (e) {
			app.fail(e);
		} finally {
			this.#applying.delete(entry.id);
		}
	}
}

/** The app's one chain state. */
export const chain = new ChainState();
