// Drives outbox entries from queued to confirmed through a Sender, never sending one twice: an entry is claimed (with
// the account's pending nonce) in one transaction before the wallet is asked, its hash is stored the moment it exists,
// a 'sending' entry left by a reload is settled by the nonce, and one runner per database holds a Web Lock.
import { BaseError, toUserError } from '../core/errors';
import type { LedgerDatabase } from './db';
import { getOutboxEntry, listOutbox, onOutboxChange, PENDING_STATUSES, updateOutboxEntry, type OutboxPatch } from './outbox';
import { classifyOutboxError, outboxErrorInfo, type Sender, type SenderReceipt } from './outboxSender';
import type { Hex, OutboxEntry, OutboxErrorInfo, OutboxReceipt } from './schema';

export type OutboxRunnerOptions = {
	/** First backoff after a network failure, doubled per failure in a row (default 2 s). */
	backoffBaseMs?: number;
	/** Longest backoff (default 60 s). */
	backoffMaxMs?: number;
	/** The clock (tests move it). */
	now?: () => number;
	/** Called when a whole pass failed (the wallet or node unreachable); the runner tries again after a backoff. */
	onError?: (error: BaseError) => void;
};

export type OutboxPassReturnType = { nextAttemptAt: number | null };

const SENDING_LOST: OutboxErrorInfo = {
	shortMessage: 'The wallet may have sent this transaction, but it was not found.',
	hint: "Check your wallet's activity before retrying: if the wallet sent it, a retry sends it a second time."
};
const REPLACED: OutboxErrorInfo = {
	shortMessage: "Another transaction from this account took this one's place.",
	hint: "It was replaced or dropped in the wallet. Check the wallet's activity, then retry or cancel."
};

function toReceipt(r: SenderReceipt): OutboxReceipt {
	return { blockNumber: Number(r.blockNumber), gasUsed: BigInt(r.gasUsed).toString(), status: r.status, logs: r.logs.length };
}

/** The Web Lock name that one runner per database holds. */
export function outboxLockName(dbName: string): string {
	return `ledgerlight-outbox:${dbName}`;
}

const localLocks = new Map<string, Promise<void>>();

/** Runs `fn` holding the database's outbox lock: a Web Lock across tabs, or a lock within this realm where the Web
 * Locks API is missing. */
export async function withOutboxLock<T>(dbName: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
	const name = outboxLockName(dbName);
	const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
	if (locks) return locks.request(name, { signal }, () => fn());
	const previous = localLocks.get(name) ?? Promise.resolve();
	let release!: () => void;
	const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
	localLocks.set(name, tail);
	try {
		await previous;
		signal?.throwIfAborted();
		return await fn();
	} finally {
		// `release` is set once `previous` settled, which the `await` above waited for.
		release?.();
		if (localLocks.get(name) === tail) localLocks.delete(name);
	}
}

/** Drives the outbox of one database through one Sender: `start` keeps it running (under the lock) and `stop` ends
 * it; `pass` is one round for callers that hold the lock (processOutbox). */
export class OutboxRunner {
	readonly db: LedgerDatabase;
	readonly sender: Sender;
	private readonly backoffBaseMs: number;
	private readonly backoffMaxMs: number;
	private readonly now: () => number;
	private readonly onError?: (error: BaseError) => void;
	/** Sent entries whose receipt this runner waits for. */
	private readonly watches = new Map<string, Promise<void>>();
	/** Entries this runner sent or adopted itself: their hash needs no check against the node before waiting. */
	private readonly sentHere = new Set<string>();
	private scope: { chainId: number; accounts?: Set<string> } | undefined;
	private stepping: string | undefined;
	private passing: Promise<OutboxPassReturnType> | undefined;
	private loop: Promise<void> | undefined;
	private abort: AbortController | undefined;
	private stopping = false;
	private holding = false;
	private woken = false;
	private wakeUp: (() => void) | undefined;

	constructor(db: LedgerDatabase, sender: Sender, options: OutboxRunnerOptions = {}) {
		this.db = db;
		this.sender = sender;
		this.backoffBaseMs = options.backoffBaseMs ?? 2_000;
		this.backoffMaxMs = options.backoffMaxMs ?? 60_000;
		this.now = options.now ?? Date.now;
		this.onError = options.onError;
	}

	/** True while this runner holds the lock and processes entries. */
	get active(): boolean {
		return this.holding;
	}

	/** The backoff after `failures` failures in a row: base, 2 x base, 4 x base, ... capped at the maximum. */
	backoffMs(failures: number): number {
		return Math.min(this.backoffBaseMs * 2 ** Math.max(0, failures - 1), this.backoffMaxMs);
	}

	/** Starts processing in the background: waits for the lock (another tab may hold it), then works until `stop`. */
	start(): void {
		if (this.loop) return;
		this.stopping = false;
		this.abort = new AbortController();
		this.loop = withOutboxLock(this.db.name, () => this.run(), this.abort.signal)
			.catch((e) => {
				if (!this.stopping) this.onError?.(toUserError(e));
			})
			.finally(() => (this.loop = undefined));
	}

	/** Stops after the step in progress and releases the lock; receipts already being waited for still get stored. */
	async stop(): Promise<void> {
		this.stopping = true;
		this.abort?.abort();
		this.wake();
		await this.loop;
	}

	/** Makes a sleeping runner look at the outbox now (a new entry, a retry, the network back). */
	wake(): void {
		this.woken = true;
		this.wakeUp?.();
	}

	/** Resolves when every receipt this runner waits for has been stored (or put off by a backoff). */
	async settled(): Promise<void> {
		while (this.watches.size > 0) await Promise.allSettled([...this.watches.values()]);
	}

	private async run(): Promise<void> {
		this.holding = true;
		const unsubscribe = onOutboxChange(this.db, ({ entry }) => {
			const due = PENDING_STATUSES.includes(entry.status) && entry.nextAttemptAt <= this.now();
			if (due && entry.id !== this.stepping && !this.watches.has(entry.id)) this.wake();
		});
		const online = () => this.wake();
		globalThis.addEventListener?.('online', online);
		let failures = 0;
		try {
			while (!this.stopping) {
				let next: number | null;
				try {
					next = (await this.pass()).nextAttemptAt;
					failures = 0;
				} catch (e) {
					this.onError?.(toUserError(e));
					next = this.now() + this.backoffMs(++failures);
				}
				await this.sleepUntil(next);
			}
		} finally {
			unsubscribe();
			globalThis.removeEventListener?.('online', online);
			this.holding = false;
		}
	}

	private async sleepUntil(next: number | null): Promise<void> {
		if (!this.woken && !this.stopping) {
			await new Promise<void>((resolve) => {
				const timer = next === null ? undefined : setTimeout(resolve, Math.max(0, next - this.now()));
				this.wakeUp = () => {
					clearTimeout(timer);
					resolve();
				};
			});
		}
		this.wakeUp = undefined;
		this.woken = false;
	}

	/** One round; the caller holds the outbox lock: settles interrupted sends, sends what is due in creation order,
	 * and starts waiting for the receipts of sent entries. Returns when the next entry comes due (null: none pending). */
	pass(): Promise<OutboxPassReturnType> {
		this.passing ??= this.runPass().finally(() => (this.passing = undefined));
		return this.passing;
	}

	private async runPass(): Promise<OutboxPassReturnType> {
		const now = this.now();
		const chainId = await this.sender.chainId().catch((e) => Promise.reject(toUserError(e)));
		const accounts = this.sender.accounts ? new Set((await this.sender.accounts()).map((a) => a.toLowerCase())) : undefined;
		this.scope = { chainId, accounts };
		// Sends in limbo are settled first, and an account with one still unsettled sends nothing else: a pending-nonce
		// read now could give another entry the same nonce, and that entry's transaction could then be adopted for it.
		const blocked = new Set<string>();
		for (const listed of await this.pendingEntries()) {
			if (listed.status !== 'sending' || this.watches.has(listed.id)) continue;
			const entry = listed.nextAttemptAt <= now ? await this.step(listed.id, () => this.resolveSending(listed, now)) : listed;
			if (entry?.status === 'sending') blocked.add(entry.from);
			if (entry?.status === 'sent') this.watch(entry);
		}
		for (const listed of await this.pendingEntries()) {
			if (this.watches.has(listed.id) || listed.nextAttemptAt > now) continue;
			let entry: OutboxEntry | undefined = listed;
			if (entry.status === 'queued') {
				if (blocked.has(entry.from)) continue;
				entry = await this.step(listed.id, () => this.sendQueued(listed, now));
			}
			if (entry?.status === 'sending') blocked.add(entry.from);
			if (entry?.status === 'sent') this.watch(entry);
		}
		return { nextAttemptAt: await this.nextDue() };
	}

	/** Runs one step on an entry; the runner's own changes to it do not wake the runner. */
	private async step(id: string, fn: () => Promise<OutboxEntry | undefined>): Promise<OutboxEntry | undefined> {
		this.stepping = id;
		try {
			return await fn();
		} finally {
			this.stepping = undefined;
		}
	}

	private async pendingEntries(): Promise<OutboxEntry[]> {
		const scope = this.scope;
		if (!scope) return [];
		const entries = await listOutbox(this.db, { status: PENDING_STATUSES, chainId: scope.chainId });
		return entries.filter((e) => !scope.accounts || scope.accounts.has(e.from));
	}

	/** The earliest time a pending entry that nobody waits on comes due, or null. */
	async nextDue(): Promise<number | null> {
		const now = this.now();
		let next: number | null = null;
		for (const e of await this.pendingEntries()) {
			if (this.watches.has(e.id) || e.nextAttemptAt <= now) continue;
			next = next === null ? e.nextAttemptAt : Math.min(next, e.nextAttemptAt);
		}
		return next;
	}

	/** Applies `change` and returns the new entry, or the stored one when `change` declined. */
	private async update(id: string, change: (e: OutboxEntry) => OutboxPatch | null): Promise<OutboxEntry | undefined> {
		return (await updateOutboxEntry(this.db, id, change)) ?? (await getOutboxEntry(this.db, id));
	}

	/** Puts the next try of `entry` off by the backoff, keeping its status (if it still has it). */
	private backoff(entry: OutboxEntry, error: unknown, now: number, patch: OutboxPatch = {}) {
		return this.update(entry.id, (e) =>
			e.status === entry.status
				? { ...patch, failures: e.failures + 1, nextAttemptAt: now + this.backoffMs(e.failures + 1), error: outboxErrorInfo(error) }
				: null
		);
	}

	/** Marks an entry sent (when `guard` allows); its hash came from this runner, so it needs no check before waiting. */
	private markSent(id: string, patch: OutboxPatch, now: number, guard: (e: OutboxEntry) => boolean = () => true) {
		this.sentHere.add(id);
		return this.update(id, (e) => (guard(e) ? { ...patch, status: 'sent', failures: 0, error: undefined, nextAttemptAt: now } : null));
	}

	private async sendQueued(entry: OutboxEntry, now: number): Promise<OutboxEntry | undefined> {
		let nonce: number;
		try {
			nonce = await this.sender.nonceOf(entry.from, 'pending');
		} catch (e) {
			return this.backoff(entry, e, now);
		}
		// The claim: only an entry still queued and due becomes 'sending'; the nonce is stored before the wallet is asked.
		const claimed = await updateOutboxEntry(this.db, entry.id, (e) =>
			e.status === 'queued' && e.nextAttemptAt <= now ? { status: 'sending', nonce, attempts: e.attempts + 1 } : null
		);
		if (!claimed) return getOutboxEntry(this.db, entry.id);
		if (this.sender.prepare && this.sender.broadcast) {
			let prepared: { rawTx: Hex; hash: Hex; nonce: number };
			try {
				prepared = await this.sender.prepare(claimed);
			} catch (e) {
				return this.sendFailed(claimed, e, now, true);
			}
			const signed = await this.update(entry.id, () => ({ hash: prepared.hash, rawTx: prepared.rawTx, nonce: prepared.nonce }));
			return signed && this.broadcastSigned(signed, now);
		}
		let sent: { hash: Hex; nonce?: number };
		try {
			sent = await this.sender.send(claimed);
		} catch (e) {
			return this.sendFailed(claimed, e, now, false);
		}
		return this.markSent(entry.id, { hash: sent.hash, nonce: sent.nonce ?? nonce }, now);
	}

	/** After the signer or wallet threw: `nothingSent` is true when no transaction can exist (local signing failed). */
	private sendFailed(entry: OutboxEntry, error: unknown, now: number, nothingSent: boolean) {
		const kind = classifyOutboxError(error);
		const info = outboxErrorInfo(error);
		if (kind === 'rejected') {
			info.hint ??= 'Retry to ask the wallet again, or cancel.';
			return this.update(entry.id, () => ({ status: 'rejected', nonce: undefined, error: info, failures: 0 }));
		}
		if (kind === 'transient') {
			// A wallet that timed out may still have sent it: the entry stays 'sending' and is settled by its nonce.
			return this.backoff(entry, error, now, nothingSent ? { status: 'queued', nonce: undefined } : {});
		}
		return this.update(entry.id, () => ({ status: 'failed', nonce: undefined, error: info, failures: 0 }));
	}

	/** Broadcasts a locally signed entry; the very same bytes may go out again safely. */
	private async broadcastSigned(entry: OutboxEntry, now: number): Promise<OutboxEntry | undefined> {
		try {
			await this.sender.broadcast!(entry.rawTx!);
		} catch (e) {
			if (classifyOutboxError(e) === 'transient') return this.backoff(entry, e, now);
			if (await this.known(entry.hash!).catch(() => false)) return this.markSent(entry.id, {}, now);
			return this.update(entry.id, () => ({ status: 'failed', error: outboxErrorInfo(e), failures: 0 }));
		}
		return this.markSent(entry.id, {}, now);
	}

	private async known(hash: Hex): Promise<boolean> {
		return Boolean(this.sender.getTransaction && (await this.sender.getTransaction(hash)));
	}

	/** Settles an entry left 'sending': signed bytes are broadcast again; without a hash, the account's nonce tells
	 * whether the wallet sent it (then it is looked up) or not (then it is queued again). */
	private async resolveSending(entry: OutboxEntry, now: number): Promise<OutboxEntry | undefined> {
		if (entry.rawTx && entry.hash && this.sender.broadcast) return this.broadcastSigned(entry, now);
		let pending: number;
		try {
			pending = await this.sender.nonceOf(entry.from, 'pending');
		} catch (e) {
			return this.backoff(entry, e, now);
		}
		if (entry.nonce === undefined || pending <= entry.nonce) {
			return this.update(entry.id, (e) =>
				e.status === 'sending' && !e.hash ? { status: 'queued', nonce: undefined, rawTx: undefined, nextAttemptAt: now } : null
			);
		}
		// The nonce was read for this entry and nothing else of the account was sent since (the account is blocked), so
		// a transaction at that nonce that cannot be checked is taken as this one, as the wallet most likely sent it.
		return this.adoptFound(entry, now, SENDING_LOST, true);
	}

	/** The account's nonce moved past the entry's: adopts the transaction found at that nonce if it is this entry's
	 * call, or marks the entry failed with `lost`. A found hash the Sender cannot check (no getTransaction) is adopted
	 * only when `adoptUnchecked`. */
	private async adoptFound(entry: OutboxEntry, now: number, lost: OutboxErrorInfo, adoptUnchecked: boolean): Promise<OutboxEntry | undefined> {
		let hash: Hex | undefined;
		let matches = false;
		try {
			hash = entry.nonce === undefined ? undefined : await this.sender.findTransaction?.(entry.from, entry.nonce);
			matches = hash !== undefined && (await this.isThisCall(entry, hash, adoptUnchecked));
		} catch (e) {
			return this.backoff(entry, e, now);
		}
		const unchanged = (e: OutboxEntry) => e.status === entry.status && e.hash === entry.hash;
		if (hash && matches) return this.markSent(entry.id, { hash }, now, unchanged);
		return this.update(entry.id, (e) => (unchanged(e) ? { status: 'failed', error: lost, failures: 0 } : null));
	}

	/** True when the transaction `hash` is the entry's call (same target, calldata and value). */
	private async isThisCall(entry: OutboxEntry, hash: Hex, whenUnknowable: boolean): Promise<boolean> {
		if (hash === entry.hash) return true;
		if (!this.sender.getTransaction) return whenUnknowable;
		const tx = await this.sender.getTransaction(hash);
		if (!tx) return false;
		return tx.to?.toLowerCase() === entry.to && tx.data.toLowerCase() === entry.data && BigInt(tx.value) === BigInt(entry.value);
	}

	/** Before waiting for an entry this runner did not send: signed bytes are broadcast again (harmless if the node has
	 * them); a hash the node does not know, once the account's nonce is past the entry's, means the transaction at that
	 * nonce decides: this one, a replacement with the same call (adopted), or another call (failed). */
	private async recheckSent(entry: OutboxEntry, now: number): Promise<OutboxEntry | undefined> {
		if (this.sender.getTransaction && (await this.sender.getTransaction(entry.hash!))) return entry;
		if (entry.rawTx && this.sender.broadcast) {
			try {
				await this.sender.broadcast(entry.rawTx);
				return entry;
			} catch (e) {
				if (classifyOutboxError(e) === 'transient') throw e;
			}
		}
		if (entry.nonce === undefined || (await this.sender.nonceOf(entry.from, 'latest')) <= entry.nonce) return entry;
		// A replacement that cannot be checked may be the wallet's "cancel": it is not taken as this call.
		return this.adoptFound(entry, now, REPLACED, false);
	}

	/** Starts waiting for a sent entry's receipt in the background (awaitReceipt), tracked in `watches`. */
	private watch(entry: OutboxEntry): void {
		const id = entry.id;
		// `.finally` runs as a later reaction, so the task is in `watches` before it can leave it.
		const task = this.awaitReceipt(entry).finally(() => {
			this.watches.delete(id);
			this.sentHere.delete(id);
			this.wake();
		});
		this.watches.set(id, task);
	}

	/** Waits for the receipt, storing confirmations as they come and the receipt at the end; never throws. */
	private async awaitReceipt(entry: OutboxEntry): Promise<void> {
		const id = entry.id;
		let current: OutboxEntry | undefined = entry;
		try {
			if (!this.sentHere.has(id)) current = await this.recheckSent(entry, this.now());
			if (current?.status !== 'sent' || !current.hash) return;
			const hash = current.hash;
			let writes = Promise.resolve();
			const count = (n: number) =>
				updateOutboxEntry(this.db, id, (e) => (e.status === 'sent' && e.hash === hash && n > e.confirmations ? { confirmations: n } : null));
			const receipt = await this.sender.waitForReceipt(hash, (n) => {
				// In order, one at a time; a count that could not be stored is superseded by the receipt below.
				writes = writes.then(() => count(n)).then(
					() => undefined,
					() => undefined
				);
			});
			await writes;
			const stored = toReceipt(receipt);
			const finalHash = receipt.transactionHash ?? hash;
			const revert: OutboxErrorInfo = {
				shortMessage: 'The transaction reverted onchain.',
				details: `Block ${stored.blockNumber}, transaction ${finalHash}.`,
				hint: 'Only the gas was spent. The chain may have changed since it was prepared: retry sends it again.'
			};
			await updateOutboxEntry(this.db, id, (e) =>
				e.status === 'sent' && e.hash === hash
					? {
							status: stored.status === 'success' ? 'confirmed' : 'failed',
							hash: finalHash,
							receipt: stored,
							confirmations: Math.max(e.confirmations, 1),
							failures: 0,
							error: stored.status === 'success' ? undefined : revert
						}
					: null
			);
		} catch (e) {
			// A read that failed never fails a sent transaction: it is looked at again after the backoff. The
			// database may be closed already (the page is going away); then the next runner takes over.
			if (current) await this.backoff(current, e, this.now()).catch(() => undefined);
		}
	}
}

/** Holding the outbox lock (so it waits while a started runner in any tab holds it), runs one pass and waits for the
 * receipts it watches; returns when more work comes due. */
export async function processOutbox(db: LedgerDatabase, sender: Sender, options: OutboxRunnerOptions = {}): Promise<OutboxPassReturnType> {
	const runner = new OutboxRunner(db, sender, options);
	return withOutboxLock(db.name, async () => {
		await runner.pass();
		await runner.settled();
		return { nextAttemptAt: await runner.nextDue() };
	});
}
