// The chain-read cache against Chromium's IndexedDB: logs kept once per (block, log index) in block order, scannedTo
// only moving up, gaps refused, one chain cleared without touching another, and bigints surviving the JSON-safe rows.
import { describe, expect, test } from 'vitest';
import { BaseError } from '../core/errors';
import { appendCachedLogs, clearChainCache, createLogCache, getCachedLogs, reviveBigints, toJsonSafe, type LogInput } from './chainCache';
import type { Hex } from './schema';
import { ALICE, BOB, freshDb } from './test-fixtures';

const LEDGER = '0x' + '1e'.repeat(20);
const KEY = { chainId: 31337, address: LEDGER, query: 'Credited(contributor=alice)' };
const tx = (n: number) => ('0x' + n.toString(16).padStart(64, '0')) as Hex;

function credited(blockNumber: number, logIndex: number, amount: bigint): LogInput {
	return { blockNumber: BigInt(blockNumber), logIndex, transactionHash: tx(blockNumber * 100 + logIndex), eventName: 'Credited', args: { contributor: ALICE, amount, modelId: 7n } };
}

describe('chain-read cache', () => {
	test('nothing is cached before the first scan; a scan without logs still records how far it got', async () => {
		const db = await freshDb();
		expect(await getCachedLogs(db, KEY)).toBeUndefined();
		expect(await appendCachedLogs(db, KEY, [], 999n)).toEqual({ logs: [], scannedTo: 999, added: 0 });
		expect(await getCachedLogs(db, KEY)).toEqual({ logs: [], scannedTo: 999 });
	});

	test('logs are stored JSON-safe, in block order, once per (block, log index); scannedTo never moves down', async () => {
		const db = await freshDb();
		const first = await appendCachedLogs(db, KEY, [credited(20, 1, 5n), credited(20, 0, 10n ** 30n), credited(3, 4, 1n)], 999);
		expect(first.added).toBe(3);
		const cached = (await getCachedLogs(db, KEY))!;
		expect(cached.scannedTo).toBe(999);
		expect(cached.logs.map((l) => [l.blockNumber, l.logIndex])).toEqual([[3, 4], [20, 0], [20, 1]]);
		expect(cached.logs[1]).toEqual({
			blockNumber: 20, logIndex: 0, transactionHash: tx(2000), eventName: 'Credited',
			args: { contributor: ALICE, amount: '1000000000000000000000000000000', modelId: '7' }, bigints: ['/amount', '/modelId']
		});
		// The row is plain JSON.
		const row = await db.get('chainCache', [KEY.chainId, KEY.address, KEY.query]);
		expect(JSON.parse(JSON.stringify(row))).toEqual(row);

		// The next range, overlapping the last one (a re-read after a reload): only the new log is added.
		const second = await appendCachedLogs(db, KEY, [credited(20, 1, 5n), credited(1500, 0, 2n)], 1999, { fromBlock: 999 });
		expect(second.added).toBe(1);
		expect(second.logs.map((l) => l.blockNumber)).toEqual([3, 20, 20, 1500]);
		// An older range arriving late leaves scannedTo where it was.
		expect((await appendCachedLogs(db, KEY, [credited(20, 0, 10n ** 30n)], 500)).scannedTo).toBe(1999);
		expect((await getCachedLogs(db, KEY))!.logs).toHaveLength(4);
	});

	test('a range that would leave a gap, a pending log and a log beyond the range are refused', async () => {
		const db = await freshDb();
		await appendCachedLogs(db, KEY, [credited(10, 0, 1n)], 999);
		await expect(appendCachedLogs(db, KEY, [credited(1500, 0, 1n)], 1999, { fromBlock: 1001 })).rejects.toThrow(/unscanned blocks/);
		await expect(appendCachedLogs(db, KEY, [{ ...credited(1000, 0, 1n), blockNumber: null }], 1999)).rejects.toThrow(/pending log/);
		await expect(appendCachedLogs(db, KEY, [credited(2500, 0, 1n)], 1999)).rejects.toThrow(/beyond the scanned range/);
		await expect(appendCachedLogs(db, { ...KEY, address: '0x12' }, [], 1)).rejects.toBeInstanceOf(BaseError);
		expect(await getCachedLogs(db, KEY)).toEqual({ logs: [expect.objectContaining({ blockNumber: 10 })], scannedTo: 999 });
		// The range right after scannedTo is accepted.
		expect((await appendCachedLogs(db, KEY, [], 1999, { fromBlock: 1000 })).scannedTo).toBe(1999);
	});

	test('queries are kept apart by chain, contract and query; the address is case-insensitive; clearing drops one chain', async () => {
		const db = await freshDb();
		const other = { ...KEY, query: 'Claimed(account=alice)' };
		const otherContract = { ...KEY, address: '0x' + '2f'.repeat(20) };
		const otherChain = { ...KEY, chainId: 161201 };
		await appendCachedLogs(db, KEY, [credited(1, 0, 1n)], 10);
		await appendCachedLogs(db, { ...KEY, address: LEDGER.toUpperCase().replace('0X', '0x') }, [credited(2, 0, 1n)], 20);
		await appendCachedLogs(db, other, [credited(3, 0, 1n)], 30);
		await appendCachedLogs(db, otherContract, [], 40);
		await appendCachedLogs(db, otherChain, [credited(5, 0, 1n)], 50);
		expect((await getCachedLogs(db, KEY))!.logs.map((l) => l.blockNumber)).toEqual([1, 2]);
		expect((await getCachedLogs(db, other))!.scannedTo).toBe(30);

		expect(await clearChainCache(db, 31337)).toBe(3);
		for (const k of [KEY, other, otherContract]) expect(await getCachedLogs(db, k)).toBeUndefined();
		expect(await getCachedLogs(db, otherChain)).toEqual({ logs: [expect.objectContaining({ blockNumber: 5 })], scannedTo: 50 });
		expect(await clearChainCache(db, 31337)).toBe(0);
	});

	test('toJsonSafe lists bigints as JSON Pointers and reviveBigints turns exactly those back', () => {
		const value = { 'a/b': 1n, 'c~d': [2n, '3', { e: 4n, f: undefined }], g: null, h: true };
		const safe = toJsonSafe(value);
		expect(safe).toEqual({ value: { 'a/b': '1', 'c~d': ['2', '3', { e: '4' }], g: null, h: true }, bigints: ['/a~1b', '/c~0d/0', '/c~0d/2/e'] });
		expect(reviveBigints(safe.value, safe.bigints)).toEqual({ 'a/b': 1n, 'c~d': [2n, '3', { e: 4n }], g: null, h: true });
		// The stored value is not changed by reviving it.
		expect(safe.value).toEqual({ 'a/b': '1', 'c~d': ['2', '3', { e: '4' }], g: null, h: true });
		expect(reviveBigints(toJsonSafe(5n).value, toJsonSafe(5n).bigints)).toBe(5n);
		expect(() => toJsonSafe({ x: Number.NaN })).toThrow(/finite/);
		expect(() => toJsonSafe({ f: () => 1 })).toThrow(/JSON/);
	});

	test('createLogCache serves the event reader: string keys, bigint blocks, logs given back with their bigints', async () => {
		const db = await freshDb();
		const cache = createLogCache(db);
		const key = `31337:${LEDGER}:Credited:{"contributor":"${BOB}"}`;
		expect(await cache.get(key)).toBeUndefined();
		// A viem log carries more fields than the cache keeps (topics, data, removed...).
		const log = {
			address: LEDGER as Hex, blockNumber: 42n, logIndex: 3, transactionHash: tx(4203), eventName: 'Credited',
			args: { contributor: ALICE, amount: 123n, modelId: 7n }, topics: [], data: '0x' as Hex, removed: false
		};
		await cache.append(key, [log], 999n);
		const got = await cache.get(key);
		expect(got).toEqual({
			scannedTo: 999n,
			logs: [{ address: LEDGER, blockNumber: 42n, logIndex: 3, transactionHash: tx(4203), eventName: 'Credited', args: { contributor: ALICE, amount: 123n, modelId: 7n } }]
		});
		// The same row, through the keyed API.
		expect((await getCachedLogs(db, { chainId: 31337, address: LEDGER, query: `Credited:{"contributor":"${BOB}"}` }))!.scannedTo).toBe(999);
		await expect(cache.get('no-chain-id')).rejects.toThrow(/<chainId>:<address>:<query>/);
	});
});
