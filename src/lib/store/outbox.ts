// The outbox: every chain write is an entry in IndexedDB before anything is signed, keyed by the caller's idempotency
// key, and changed only by transactional read-modify-write, so a status check and its change are one step even across
// tabs. Changes are announced to this tab's listeners and, through a BroadcastChannel, to the other tabs' listeners.
import { BaseError, NotFoundError, toUserError } from '../core/errors';
import type { LedgerDatabase } from './db';
import type { Hex, OutboxEntry, OutboxStatus } from './schema';

// The Sender contract lives in its own module; its types are re-exported here, where the outbox's users look for them.
export type { Sender, SenderReceipt, SenderTransaction } from './outboxSender';

/** What a caller gives to add a chain write; the rest of the entry is filled in. */
export type NewOutboxEntry = Pick<OutboxEntry, 'id' | 'kind' | 'label' | 'chainId' | 'from' | 'to' | 'data'> & {
	/** Wei; a bigint or a decimal string (default 0). */
	value?: bigint | string;
	/** JSON the caller needs once the write is confirmed. */
	meta?: unknown;
	createdAt?: number;
};

export type AddToOutboxReturnType = { entry: OutboxEntry; added: boolean };

/** A change of one entry: `previous` is undefined when it was just added. */
export type OutboxChange = { entry: OutboxEntry; previous: OutboxEntry | undefined };

export type ListOutboxParameters = { status?: OutboxStatus | readonly OutboxStatus[]; chainId?: number };

/** Statuses the runner still works on. */
export const PENDING_STATUSES: readonly OutboxStatus[] = ['queued', 'sending', 'sent'];

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const CALLDATA = /^0x(?:[0-9a-fA-F]{2})*$/;

function validate(input: NewOutboxEntry): Omit<OutboxEntry, 'createdAt' | 'updatedAt' | 'nextAttemptAt'> {
	if (typeof input.id !== 'string' || !input.id || input.id.length > 512) {
		throw new BaseError('An outbox entry needs an id of 1 to 512 characters.', { details: String(input.id) });
	}
	if (!Number.isSafeInteger(input.chainId) || input.chainId <= 0) throw new BaseError('Not a chain id.', { details: String(input.chainId) });
	for (const [field, address] of [['from', input.from], ['to', input.to]] as const) {
		if (!ADDRESS.test(address)) throw new BaseError(`Not an address in "${field}".`, { details: String(address), hint: 'Use 0x followed by 40 hex digits.' });
	}
	if (!CALLDATA.test(input.data)) throw new BaseError('The calldata is not whole bytes of hex.', { details: input.data.slice(0, 80) });
	const value = typeof input.value === 'bigint' ? input.value.toString() : (input.value ?? '0');
	if (!/^\d+$/.test(value)) throw new BaseError('The value must be a whole, non-negative number of wei.', { details: value });
	let meta: unknown;
	try {
		meta = input.meta === undefined ? undefined : JSON.parse(JSON.stringify(input.meta));
	} catch (e) {
		throw new BaseError('The entry\'s meta is not JSON.', { cause: e, details: String(e) });
	}
	const entry: Omit<OutboxEntry, 'createdAt' | 'updatedAt' | 'nextAttemptAt'> = {
		id: input.id,
		kind: input.kind,
		label: input.label,
		chainId: input.chainId,
		from: input.from.toLowerCase() as Hex,
		to: input.to.toLowerCase() as Hex,
		data: input.data.toLowerCase() as Hex,
		value: BigInt(value).toString(),
		status: 'queued',
		attempts: 0,
		failures: 0,
		confirmations: 0
	};
	if (meta !== undefined) entry.meta = meta;
	return entry;
}

/** Stores a new chain write as 'queued'; an id already stored returns the stored entry (`added: false`), never a second. */
export async function addToOutbox(db: LedgerDatabase, input: NewOutboxEntry): Promise<AddToOutboxReturnType> {
	const fields = validate(input);
	const now = Date.now();
	const createdAt = input.createdAt ?? now;
	const fresh: OutboxEntry = { ...fields, createdAt, updatedAt: now, nextAttemptAt: createdAt };
	let result: AddToOutboxReturnType;
	try {
		const tx = db.transaction('outbox', 'readwrite');
		const existing = await tx.store.get(fresh.id);
		if (!existing) await tx.store.add(fresh);
		await tx.done;
		result = existing ? { entry: existing, added: false } : { entry: fresh, added: true };
	} catch (e) {
		throw toUserError(e);
	}
	if (result.added) emit(db.name, { entry: result.entry, previous: undefined });
	return result;
}

/** Returns one entry, or undefined. */
export async function getOutboxEntry(db: LedgerDatabase, id: string): Promise<OutboxEntry | undefined> {
	return db.get('outbox', id);
}

/** Lists entries oldest first, optionally only those with the given status(es) and chain. */
export async function listOutbox(db: LedgerDatabase, params: ListOutboxParameters = {}): Promise<OutboxEntry[]> {
	const { status, chainId } = params;
	let entries: OutboxEntry[];
	if (status === undefined) entries = await db.getAllFromIndex('outbox', 'byCreated');
	else {
		const statuses = typeof status === 'string' ? [status] : status;
		const lists = await Promise.all(
			statuses.map((s) => db.getAllFromIndex('outbox', 'byStatus', IDBKeyRange.bound([s, -Infinity], [s, Infinity])))
		);
		entries = lists.flat().sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	}
	return chainId === undefined ? entries : entries.filter((e) => e.chainId === chainId);
}

/** A change to apply: fields to set; a field set to undefined is removed. */
export type OutboxPatch = { [K in keyof OutboxEntry]?: OutboxEntry[K] | undefined };

/** Reads an entry, asks `change` for a patch (null: leave it as it is) and writes it, all in one transaction; returns
 * the new entry, or null when `change` declined. */
export async function updateOutboxEntry(
	db: LedgerDatabase,
	id: string,
	change: (entry: OutboxEntry) => OutboxPatch | null
): Promise<OutboxEntry | null> {
	let previous: OutboxEntry | undefined;
	let next: OutboxEntry | null = null;
	try {
		const tx = db.transaction('outbox', 'readwrite');
		previous = await tx.store.get(id);
		if (previous) {
			const patch = change(previous);
			if (patch) {
				next = { ...previous, ...patch, id, updatedAt: Date.now() } as OutboxEntry;
				for (const key of Object.keys(next) as (keyof OutboxEntry)[]) if (next[key] === undefined) delete next[key];
				await tx.store.put(next);
			}
		}
		await tx.done;
	} catch (e) {
		throw toUserError(e);
	}
	if (!previous) throw new NotFoundError('This transaction is not in the outbox.', { details: id });
	if (next) emit(db.name, { entry: next, previous });
	return next;
}

/** Cancels an entry that was not handed to the network (queued, rejected or failed); others throw. */
export async function cancelOutboxEntry(db: LedgerDatabase, id: string): Promise<OutboxEntry> {
	let status: OutboxStatus | undefined;
	const entry = await updateOutboxEntry(db, id, (e) => {
		status = e.status;
		return e.status === 'queued' || e.status === 'rejected' || e.status === 'failed' ? { status: 'cancelled' } : null;
	});
	if (!entry) {
		throw new BaseError(`This transaction can no longer be cancelled (it is ${status}).`, {
			details: id,
			hint: status === 'sending' || status === 'sent' ? 'It is in your wallet or on the network: wait until it confirms or fails.' : undefined
		});
	}
	return entry;
}

/** Asks for the next step now: a rejected, failed or cancelled entry is queued again as a new transaction (its old
 * hash, nonce and receipt are dropped); a pending one loses its backoff. A confirmed entry throws. */
export async function retryOutboxEntry(db: LedgerDatabase, id: string, now = Date.now()): Promise<OutboxEntry> {
	const entry = await updateOutboxEntry(db, id, (e): OutboxPatch | null => {
		if (e.status === 'confirmed') return null;
		if (PENDING_STATUSES.includes(e.status)) return { nextAttemptAt: now, failures: 0 };
		return {
			status: 'queued', nextAttemptAt: now, failures: 0, confirmations: 0,
			hash: undefined, nonce: undefined, rawTx: undefined, receipt: undefined, error: undefined
		};
	});
	if (!entry) throw new BaseError('This transaction is already confirmed.', { details: id });
	return entry;
}

type Listener = (change: OutboxChange) => void;
const listeners = new Map<string, Set<Listener>>();
const channels = new Map<string, BroadcastChannel>();

/** The BroadcastChannel name on which a database's outbox changes reach other tabs. */
export function outboxChannelName(dbName: string): string {
	return `ledgerlight-outbox:${dbName}`;
}

// One channel per database and tab: a BroadcastChannel does not deliver to itself, so this tab's changes are
// delivered here directly and other tabs' arrive as messages.
function channelFor(dbName: string): BroadcastChannel | undefined {
	if (typeof BroadcastChannel === 'undefined') return undefined;
	let channel = channels.get(dbName);
	if (!channel) {
		channel = new BroadcastChannel(outboxChannelName(dbName));
		channel.onmessage = (event: MessageEvent<OutboxChange>) => deliver(dbName, event.data);
		channels.set(dbName, channel);
	}
	return channel;
}

function deliver(dbName: string, change: OutboxChange) {
	for (const listener of listeners.get(dbName) ?? []) {
		try {
			listener(change);
		} catch (e) {
			// One failing listener must not keep the change from the others; the error still surfaces.
			queueMicrotask(() => {
				throw e;
			});
		}
	}
}

function emit(dbName: string, change: OutboxChange) {
	deliver(dbName, change);
	channelFor(dbName)?.postMessage(change);
}

/** Calls `listener` on every change of the database's outbox, made in this tab or another; returns the unsubscribe. */
export function onOutboxChange(db: LedgerDatabase, listener: (change: OutboxChange) => void): () => void {
	let set = listeners.get(db.name);
	if (!set) listeners.set(db.name, (set = new Set()));
	set.add(listener);
	channelFor(db.name);
	return () => void set.delete(listener);
}
