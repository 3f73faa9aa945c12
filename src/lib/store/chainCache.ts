// The cache of chain reads: per (chain, contract, query) the decoded logs and the highest block fully scanned. One row
// per query, rewritten on append (a query's history is thousands of logs at most). Rows are JSON-safe: bigints become
// decimal strings, with the JSON Pointers of those values kept beside them so they come back as bigints, not strings.
import { BaseError, toUserError } from '../core/errors';
import type { LedgerDatabase } from './db';
import type { CachedLog, ChainCacheRow, Hex, JsonValue } from './schema';

/** Which cached query: the chain, the contract, and the event with its filter as the reader names it. */
export type ChainCacheKey = { chainId: number; address: string; query: string };

/** A decoded log as a reader has it (a viem log fits); pending logs (null block or index) cannot be cached. */
export type LogInput = {
	blockNumber: bigint | number | null;
	logIndex: number | null;
	transactionHash: Hex | null;
	eventName?: string;
	args?: unknown;
};

export type CachedLogs = { logs: CachedLog[]; scannedTo: number };

export type AppendCachedLogsOptions = {
	/** The first block of the range just scanned: a range that starts after scannedTo + 1 would leave a gap, and throws. */
	fromBlock?: bigint | number;
};

export type AppendCachedLogsReturnType = CachedLogs & { added: number };

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function rowKey(key: ChainCacheKey): [number, string, string] {
	if (!Number.isSafeInteger(key.chainId) || key.chainId <= 0) throw new BaseError('Not a chain id.', { details: String(key.chainId) });
	if (!ADDRESS.test(key.address)) throw new BaseError('Not a contract address.', { details: String(key.address) });
	if (typeof key.query !== 'string' || !key.query) throw new BaseError('A cached chain read needs a query name.');
	return [key.chainId, key.address.toLowerCase(), key.query];
}

const pointerSegment = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapeSegment = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** Converts a value to JSON (bigints to decimal strings, undefined object fields dropped) and lists the JSON Pointers
 * of the converted bigints. */
export function toJsonSafe(value: unknown): { value: JsonValue; bigints: string[] } {
	const bigints: string[] = [];
	const walk = (v: unknown, pointer: string): JsonValue => {
		if (typeof v === 'bigint') {
			bigints.push(pointer);
			return v.toString();
		}
		if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
		if (typeof v === 'number') {
			if (!Number.isFinite(v)) throw new BaseError('A cached value is not a finite number.', { details: `${pointer || '/'}: ${v}` });
			return v;
		}
		if (Array.isArray(v)) return v.map((item, i) => (item === undefined ? null : walk(item, `${pointer}/${i}`)));
		if (typeof v === 'object') {
			const out: { [key: string]: JsonValue } = {};
			for (const [k, item] of Object.entries(v)) if (item !== undefined) out[k] = walk(item, `${pointer}/${pointerSegment(k)}`);
			return out;
		}
		throw new BaseError('A cached value cannot be stored as JSON.', { details: `${pointer || '/'}: ${typeof v}` });
	};
	return { value: walk(value, ''), bigints };
}

/** Turns the values at `bigints` (JSON Pointers, as toJsonSafe lists them) back into bigints, in a copy. */
export function reviveBigints(value: JsonValue, bigints: readonly string[] = []): unknown {
	if (bigints.includes('')) return BigInt(value as string);
	const copy = structuredClone(value) as unknown;
	for (const pointer of bigints) {
		const segments = pointer.split('/').slice(1).map(unescapeSegment);
		const last = segments.pop()!;
		let parent = copy as Record<string, unknown>;
		for (const s of segments) parent = parent[s] as Record<string, unknown>;
		parent[last] = BigInt(parent[last] as string);
	}
	return copy;
}

function toCachedLog(log: LogInput, scannedTo: number): CachedLog {
	if (log.blockNumber === null || log.logIndex === null || log.transactionHash === null) {
		throw new BaseError('A pending log cannot be cached.', { details: `transaction ${log.transactionHash ?? 'unknown'}` });
	}
	const blockNumber = Number(log.blockNumber);
	if (blockNumber > scannedTo) {
		throw new BaseError('A log lies beyond the scanned range.', { details: `block ${blockNumber}, scanned to ${scannedTo}` });
	}
	const { value: args, bigints } = toJsonSafe(log.args ?? null);
	const cached: CachedLog = { blockNumber, logIndex: log.logIndex, transactionHash: log.transactionHash, args };
	if (log.eventName !== undefined) cached.eventName = log.eventName;
	if (bigints.length) cached.bigints = bigints;
	return cached;
}

const byPosition = (a: CachedLog, b: CachedLog) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex;

/** Returns the logs cached for a query in block order and the highest block scanned, or undefined before any scan. */
export async function getCachedLogs(db: LedgerDatabase, key: ChainCacheKey): Promise<CachedLogs | undefined> {
	const row = await db.get('chainCache', rowKey(key));
	return row && { logs: row.logs, scannedTo: row.scannedTo };
}

/** Adds the logs of a scanned range and moves scannedTo up to the range's end (never down); a log already cached
 * (same block number and log index) is kept once, so scanning a range again changes nothing. */
export async function appendCachedLogs(
	db: LedgerDatabase,
	key: ChainCacheKey,
	logs: readonly LogInput[],
	scannedTo: bigint | number,
	options: AppendCachedLogsOptions = {}
): Promise<AppendCachedLogsReturnType> {
	const id = rowKey(key);
	const to = Number(scannedTo);
	if (!Number.isSafeInteger(to) || to < 0) throw new BaseError('Not a block number.', { details: String(scannedTo) });
	const incoming = logs.map((log) => toCachedLog(log, to));
	try {
		const tx = db.transaction('chainCache', 'readwrite');
		const row: ChainCacheRow = (await tx.store.get(id)) ?? { chainId: id[0], address: id[1], query: id[2], logs: [], scannedTo: -1, updatedAt: 0 };
		if (options.fromBlock !== undefined && row.scannedTo >= 0 && Number(options.fromBlock) > row.scannedTo + 1) {
			// Nothing was written: the transaction ends empty.
			throw new BaseError('This range would leave unscanned blocks in the cache.', {
				details: `cached to block ${row.scannedTo}, range starts at ${options.fromBlock}`
			});
		}
		const seen = new Set(row.logs.map((l) => `${l.blockNumber}:${l.logIndex}`));
		let added = 0;
		for (const log of incoming) {
			const position = `${log.blockNumber}:${log.logIndex}`;
			if (seen.has(position)) continue;
			seen.add(position);
			row.logs.push(log);
			added++;
		}
		row.logs.sort(byPosition);
		row.scannedTo = Math.max(row.scannedTo, to);
		row.updatedAt = Date.now();
		await Promise.all([tx.store.put(row), tx.done]);
		return { logs: row.logs, scannedTo: row.scannedTo, added };
	} catch (e) {
		throw toUserError(e);
	}
}

/** Deletes every cached read of one chain (the local chain was reset) and returns how many queries were dropped. */
export async function clearChainCache(db: LedgerDatabase, chainId: number): Promise<number> {
	// Arrays sort after strings in IndexedDB keys, so [chainId, []] lies above every [chainId, address, query].
	const range = IDBKeyRange.bound([chainId], [chainId, []]);
	const tx = db.transaction('chainCache', 'readwrite');
	const [count] = await Promise.all([tx.store.count(range), tx.store.delete(range), tx.done]);
	return count;
}

/** A log as createLogCache gives it back: numbers as bigints again, like a freshly decoded viem log. */
export type RevivedLog = {
	address: Hex;
	blockNumber: bigint;
	logIndex: number;
	transactionHash: Hex;
	eventName?: string;
	args: unknown;
};

const STRING_KEY = /^(\d+):(0x[0-9a-fA-F]{40}):(.+)$/s;

function parseKey(key: string): ChainCacheKey {
	const m = STRING_KEY.exec(key);
	if (!m) throw new BaseError('A chain-read cache key must be "<chainId>:<address>:<query>".', { details: key });
	return { chainId: Number(m[1]), address: m[2], query: m[3] };
}

/** The cache as the chain layer's event reader uses it: string keys "<chainId>:<address>:<query>", bigint block
 * numbers, logs given back with their bigints restored (address, block, index, transaction hash, event name, args). */
export function createLogCache<TLog = RevivedLog>(db: LedgerDatabase) {
	return {
		/** The cached logs under `key`, or undefined before any scan. */
		async get(key: string): Promise<{ logs: TLog[]; scannedTo: bigint } | undefined> {
			const parsed = parseKey(key);
			const cached = await getCachedLogs(db, parsed);
			if (!cached) return undefined;
			const address = parsed.address.toLowerCase() as Hex;
			const logs = cached.logs.map((l) => {
				const revived: RevivedLog = { address, blockNumber: BigInt(l.blockNumber), logIndex: l.logIndex, transactionHash: l.transactionHash, args: reviveBigints(l.args, l.bigints) };
				if (l.eventName !== undefined) revived.eventName = l.eventName;
				return revived as TLog;
			});
			return { logs, scannedTo: BigInt(cached.scannedTo) };
		},
		/** Adds the logs of the blocks after the previous scannedTo up to `scannedTo`. */
		async append(key: string, logs: TLog[], scannedTo: bigint): Promise<void> {
			await appendCachedLogs(db, parseKey(key), logs as LogInput[], scannedTo);
		}
	};
}
