import { describe, expect, it } from 'vitest';
import {
	createPublicClient,
	custom,
	encodeAbiParameters,
	encodeEventTopics,
	numberToHex,
	padHex,
	parseAbi,
	type EIP1193RequestFn
} from 'viem';
import { blockRanges, getEventsInRanges, logCacheKey, type CachedLogs, type LogCache } from './events';
import { localChain } from './networks';

const abi = parseAbi(['event Credited(address indexed account, uint256 amount)']);
const CONTRACT = '0x00000000000000000000000000000000000000cc';
const ALICE = '0x000000000000000000000000000000000000a11c';

describe('blockRanges', () => {
	it('splits an inclusive span into ranges of at most maxRange blocks', () => {
		expect(blockRanges(0n, 2499n)).toEqual([
			{ fromBlock: 0n, toBlock: 999n },
			{ fromBlock: 1000n, toBlock: 1999n },
			{ fromBlock: 2000n, toBlock: 2499n }
		]);
		expect(blockRanges(5n, 5n)).toEqual([{ fromBlock: 5n, toBlock: 5n }]);
		expect(blockRanges(6n, 5n)).toEqual([]);
		expect(blockRanges(10n, 19n, 5n)).toEqual([
			{ fromBlock: 10n, toBlock: 14n },
			{ fromBlock: 15n, toBlock: 19n }
		]);
		expect(() => blockRanges(0n, 1n, 0n)).toThrow(RangeError);
	});

	it('covers every block exactly once', () => {
		for (const [from, to, max] of [[0n, 0n, 1n], [3n, 3001n, 1000n], [7n, 107n, 10n]]) {
			const ranges = blockRanges(from, to, max);
			let next = from;
			for (const r of ranges) {
				expect(r.fromBlock).toBe(next);
				expect(r.toBlock - r.fromBlock + 1n <= max).toBe(true);
				next = r.toBlock + 1n;
			}
			expect(next).toBe(to + 1n);
		}
	});
});

/** A node with a Credited(ALICE, block) log in each of `logBlocks`, recording every eth_getLogs range it serves. */
function fakeNode(head: bigint, logBlocks: bigint[], { maxLogs = Infinity } = {}) {
	const ranges: [bigint, bigint][] = [];
	const request = (async ({ method, params }: { method: string; params: [{ fromBlock: string; toBlock: string }] }) => {
		if (method === 'eth_chainId') return numberToHex(31337);
		if (method === 'eth_blockNumber') return numberToHex(head);
		if (method !== 'eth_getLogs') throw new Error(`unexpected ${method}`);
		const from = BigInt(params[0].fromBlock), to = BigInt(params[0].toBlock);
		const inRange = logBlocks.filter((b) => b >= from && b <= to);
		if (inRange.length > maxLogs) throw { code: -32005, message: `query returned more than ${maxLogs} results` };
		ranges.push([from, to]);
		return inRange.map((b, i) => ({
			address: CONTRACT,
			topics: encodeEventTopics({ abi, eventName: 'Credited', args: { account: ALICE } }),
			data: encodeAbiParameters([{ type: 'uint256' }], [b]),
			blockNumber: numberToHex(b),
			blockHash: padHex(numberToHex(b), { size: 32 }),
			transactionHash: padHex(numberToHex(b * 1000n + BigInt(i)), { size: 32 }),
			transactionIndex: '0x0',
			logIndex: numberToHex(i),
			removed: false
		}));
	}) as unknown as EIP1193RequestFn;
	return { client: createPublicClient({ chain: localChain('http://127.0.0.1:1'), transport: custom({ request }, { retryCount: 0 }) }), ranges };
}

function memoryCache<T>() {
	const rows = new Map<string, CachedLogs<T>>();
	const appends: { key: string; count: number; scannedTo: bigint }[] = [];
	const cache: LogCache<T> = {
		get: async (key) => rows.get(key),
		append: async (key, logs, scannedTo) => {
			const row = rows.get(key) ?? { logs: [], scannedTo: -1n };
			rows.set(key, { logs: [...row.logs, ...logs], scannedTo });
			appends.push({ key, count: logs.length, scannedTo });
		}
	};
	return { cache, rows, appends };
}

describe('getEventsInRanges', () => {
	it('reads 1,000-block ranges from fromBlock to the head and decodes the events', async () => {
		const node = fakeNode(2500n, [10n, 999n, 1000n, 2500n]);
		const logs = await getEventsInRanges(node.client, { address: CONTRACT, abi, eventName: 'Credited', fromBlock: 5n });
		expect(node.ranges).toEqual([[5n, 1004n], [1005n, 2004n], [2005n, 2500n]]);
		expect(logs.map((l) => l.args.amount)).toEqual([10n, 999n, 1000n, 2500n]);
		expect(logs[0].args.account).toBe(ALICE);
		expect(logs[0].eventName).toBe('Credited');
	});

	it('resumes from the cache at scannedTo + 1 and appends each range', async () => {
		const first = fakeNode(1500n, [10n, 1200n]);
		const { cache, rows, appends } = memoryCache<unknown>();
		const progress: bigint[] = [];
		await getEventsInRanges(first.client, { address: CONTRACT, abi, fromBlock: 0n, cache, onProgress: (p) => progress.push(p.scannedTo) });
		expect(progress).toEqual([999n, 1500n]);
		expect(appends.map((a) => [a.count, a.scannedTo])).toEqual([[1, 999n], [1, 1500n]]);
		const key = logCacheKey({ chainId: 31337, address: CONTRACT });
		expect(rows.get(key)?.scannedTo).toBe(1500n);

		const later = fakeNode(2600n, [10n, 1200n, 2550n]);
		const logs = await getEventsInRanges(later.client, { address: CONTRACT, abi, fromBlock: 0n, cache });
		expect(later.ranges).toEqual([[1501n, 2500n], [2501n, 2600n]]);
		expect(logs.map((l) => l.blockNumber)).toEqual([10n, 1200n, 2550n]);

		const none = fakeNode(2600n, []);
		const again = await getEventsInRanges(none.client, { address: CONTRACT, abi, fromBlock: 0n, cache });
		expect(none.ranges).toEqual([]);
		expect(again).toHaveLength(3);
	});

	it('does not cache blocks within `confirmations` of the head', async () => {
		const node = fakeNode(1100n, [1050n, 1095n]);
		const { cache, rows } = memoryCache<unknown>();
		const logs = await getEventsInRanges(node.client, { address: CONTRACT, abi, fromBlock: 0n, confirmations: 10n, cache, cacheKey: 'k' });
		expect(logs).toHaveLength(2);
		expect(rows.get('k')?.scannedTo).toBe(1090n);
		expect(rows.get('k')?.logs).toHaveLength(1);
		const next = fakeNode(1100n, [1050n, 1095n]);
		expect(await getEventsInRanges(next.client, { address: CONTRACT, abi, fromBlock: 0n, confirmations: 10n, cache, cacheKey: 'k' })).toHaveLength(2);
		expect(next.ranges).toEqual([[1091n, 1100n]]);
	});

	it('halves a range the node refuses for holding too many logs', async () => {
		const node = fakeNode(99n, [1n, 2n, 3n, 60n, 61n], { maxLogs: 2 });
		const logs = await getEventsInRanges(node.client, { address: CONTRACT, abi, fromBlock: 0n, maxRange: 100n });
		expect(logs.map((l) => l.blockNumber)).toEqual([1n, 2n, 3n, 60n, 61n]);
		expect(node.ranges.every(([from, to]) => to - from < 100n)).toBe(true);
	});

	it('keys the cache by chain, contract, event and filter', () => {
		const a = logCacheKey({ chainId: 1, address: CONTRACT, eventName: 'Credited', args: { account: ALICE } });
		expect(a).toBe(`1:${CONTRACT}:Credited:{"account":"${ALICE}"}`);
		expect(logCacheKey({ chainId: 1, address: CONTRACT, eventName: 'Credited', args: { amount: 1n } })).toContain('"amount":"1"');
		expect(a).not.toBe(logCacheKey({ chainId: 2, address: CONTRACT, eventName: 'Credited', args: { account: ALICE } }));
	});

	it('refuses ranges above 1,000 blocks', async () => {
		const node = fakeNode(10n, []);
		await expect(getEventsInRanges(node.client, { address: CONTRACT, abi, fromBlock: 0n, maxRange: 1001n })).rejects.toThrow(RangeError);
	});
});
