// Reading contract events over long block spans: eth_getLogs in ranges of at most 1,000 blocks (what public L2 RPCs
// accept), halving a range when the node says it holds too many logs, and resuming from a cache at scannedTo + 1.
// Blocks within `confirmations` of the head are read but never cached, so a reorg there cannot leave stale logs behind.
import {
	type Abi,
	type Address,
	type Chain,
	type ContractEventArgs,
	type ContractEventName,
	type GetContractEventsReturnType,
	type PublicClient,
	type Transport
} from 'viem';
import { getBlockNumber, getContractEvents } from 'viem/actions';
import { hasErrorCode, toChainError } from './errors';

/** Logs cached for one key and the last block they cover. */
export type CachedLogs<TLog> = { logs: TLog[]; scannedTo: bigint };

/** Where scanned logs are kept between sessions (the store layer implements it over IndexedDB). */
export interface LogCache<TLog = unknown> {
	/** The logs cached under `key`, or undefined when nothing was scanned yet. */
	get(key: string): Promise<CachedLogs<TLog> | undefined>;
	/** Adds `logs` (from the blocks after the previous scannedTo up to `scannedTo`) under `key`. */
	append(key: string, logs: TLog[], scannedTo: bigint): Promise<void>;
}

/** Most blocks one eth_getLogs request covers. */
export const MAX_BLOCK_RANGE = 1000n;

/** Splits the inclusive block span [from, to] into consecutive inclusive ranges of at most `maxRange` blocks. */
export function blockRanges(from: bigint, to: bigint, maxRange: bigint = MAX_BLOCK_RANGE): { fromBlock: bigint; toBlock: bigint }[] {
	if (maxRange < 1n) throw new RangeError(`blockRanges: maxRange must be at least 1, got ${maxRange}`);
	const ranges = [];
	for (let start = from; start <= to; start += maxRange) {
		const end = start + maxRange - 1n;
		ranges.push({ fromBlock: start, toBlock: end < to ? end : to });
	}
	return ranges;
}

export type GetEventsInRangesParameters<abi extends Abi, eventName extends ContractEventName<abi> | undefined> = {
	address: Address;
	abi: abi;
	/** One event, or every event of the ABI when omitted. */
	eventName?: eventName;
	/** Filters on indexed arguments. */
	args?: ContractEventArgs<abi, eventName extends ContractEventName<abi> ? eventName : ContractEventName<abi>>;
	/** First block to read (the deployment block); a cache must always be used with the same one. */
	fromBlock: bigint;
	/** Last block to read; the current head when omitted. */
	toBlock?: bigint;
	/** Blocks per request, at most MAX_BLOCK_RANGE. */
	maxRange?: bigint;
	/** Blocks this close to `toBlock` are returned but not cached (default 0: cache everything). */
	confirmations?: bigint;
	/** Cached logs are taken to be what this same query returned before (the key makes sure of it). */
	cache?: LogCache;
	/** The cache key; by default chain id, address, event name and args. */
	cacheKey?: string;
	/** Called after each range with the last block read. */
	onProgress?: (progress: { scannedTo: bigint; toBlock: bigint }) => void;
};

export type GetEventsInRangesReturnType<abi extends Abi, eventName extends ContractEventName<abi> | undefined> = GetContractEventsReturnType<
	abi,
	eventName
>;

/** The default cache key: chain, contract, event and filter, so different queries never share logs. */
export function logCacheKey(params: { chainId: number; address: Address; eventName?: string; args?: unknown }): string {
	const args = params.args === undefined ? '' : JSON.stringify(params.args, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
	return `${params.chainId}:${params.address.toLowerCase()}:${params.eventName ?? '*'}:${args}`;
}

/** Reads a contract's events from `fromBlock` to `toBlock` in ranges of at most 1,000 blocks, resuming from the cache. */
export async function getEventsInRanges<const abi extends Abi, eventName extends ContractEventName<abi> | undefined = undefined>(
	client: PublicClient<Transport, Chain | undefined>,
	params: GetEventsInRangesParameters<abi, eventName>
): Promise<GetEventsInRangesReturnType<abi, eventName>> {
	type L = GetEventsInRangesReturnType<abi, eventName>[number];
	const { address, abi, eventName, args, fromBlock, cache, onProgress } = params;
	const maxRange = params.maxRange ?? MAX_BLOCK_RANGE;
	if (maxRange > MAX_BLOCK_RANGE) throw new RangeError(`getEventsInRanges: maxRange ${maxRange} is above ${MAX_BLOCK_RANGE}`);
	const confirmations = params.confirmations ?? 0n;
	try {
		const head = params.toBlock ?? (await getBlockNumber(client, { cacheTime: 0 }));
		const key = params.cacheKey ?? logCacheKey({ chainId: client.chain?.id ?? (await client.getChainId()), address, eventName, args });
		const cached = cache ? await cache.get(key) : undefined;
		const logs: L[] = cached ? [...(cached.logs as L[])] : [];
		const start = cached && cached.scannedTo + 1n > fromBlock ? cached.scannedTo + 1n : fromBlock;
		const cacheTo = head - confirmations;

		const read = async (from: bigint, to: bigint): Promise<L[]> => {
			try {
				return (await getContractEvents(client, { address, abi, eventName, args, fromBlock: from, toBlock: to } as never)) as L[];
			} catch (e) {
				// The node refused the range as too large (too many logs): read it in two halves.
				if (to > from && isTooManyLogs(e)) {
					const mid = from + (to - from) / 2n;
					return [...(await read(from, mid)), ...(await read(mid + 1n, to))];
				}
				throw e;
			}
		};

		for (const range of blockRanges(start, head, maxRange)) {
			const chunk = await read(range.fromBlock, range.toBlock);
			logs.push(...chunk);
			if (cache && range.toBlock <= cacheTo) await cache.append(key, chunk, range.toBlock);
			else if (cache && range.fromBlock <= cacheTo) {
				// The range straddles the confirmation line: cache only the confirmed part.
				await cache.append(key, chunk.filter((l) => l.blockNumber !== null && l.blockNumber <= cacheTo), cacheTo);
			}
			onProgress?.({ scannedTo: range.toBlock, toBlock: head });
		}
		return logs as GetEventsInRangesReturnType<abi, eventName>;
	} catch (e) {
		throw toChainError(e, { abi });
	}
}

/** True when a node refused eth_getLogs because the range holds too many logs (the message varies by node). */
function isTooManyLogs(e: unknown): boolean {
	if (hasErrorCode(e, -32005)) return true;
	const message = e instanceof Error ? `${e.message} ${String((e.cause as Error | undefined)?.message ?? '')}` : String(e);
	return /more than \d+ (results|logs)|too many (results|logs)|response size exceeded|query returned more than/i.test(message);
}
