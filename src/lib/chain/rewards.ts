// One account's rewards on the AttributionLedger: claimable balance, cumulative credited and claimed totals, and the
// history (each credit joined with the inference that paid it, and each claim), all read at one block so they agree.
// InferenceRecorded cannot be filtered by contributor (its indexed fields are model, output and payer), so the ledger's
// whole InferenceRecorded log is read once into the cache and shared by every address looked up.
import { encodeFunctionData, formatEther, getAddress, isAddress, type Address, type Chain, type Hex, type PublicClient, type Transport } from 'viem';
import { getBlockNumber, readContract } from 'viem/actions';
import { attributionLedgerAbi } from './abi';
import { toChainError } from './errors';
import { getEventsInRanges, type LogCache } from './events';

/** Blocks this close to the head are read every time, never cached: an L2's unsafe head can still reorg. */
export const UNCACHED_RECENT_BLOCKS = 32n;

/** What the address field holds: a checksummed address, or why it is not one (`empty` when nothing was typed). */
export type AddressInput = { ok: true; address: Address } | { ok: false; empty: boolean; message: string };

/** Reads what the user typed or pasted as an address, with a message that says what is wrong when it is not one. */
export function parseAddressInput(input: string): AddressInput {
	const text = input.trim();
	if (!text) return { ok: false, empty: true, message: 'Enter an address: 0x followed by 40 hex digits.' };
	// All capitals, like all small letters, carries no checksum (EIP-55); viem's strict check would call it a typo.
	const unchecked = /^0x[0-9A-F]{40}$/.test(text) ? text.toLowerCase() : text;
	if (isAddress(unchecked)) return { ok: true, address: getAddress(unchecked) };
	const fail = (message: string): AddressInput => ({ ok: false, empty: false, message });
	if (isAddress(text, { strict: false }))
		return fail('The capital letters do not match this address’s checksum. Check for a typo, or paste it again.');
	if (!/^0x/i.test(text)) return fail('An address starts with 0x, followed by 40 hex digits (0–9, a–f).');
	const digits = text.length - 2;
	if (!/^0x[0-9a-f]*$/i.test(text)) return fail('Only hex digits (0–9, a–f) may follow 0x in an address.');
	return fail(`An address has 40 hex digits after 0x; this one has ${digits}.`);
}

/** Formats wei as OPEN with at most `decimals` decimals, rounded down (a balance is never overstated), thousands
 * separated; an amount too small to show reads "< 0.0001". */
export function formatOpen(wei: bigint, decimals = 4): string {
	if (wei < 0n) throw new RangeError(`formatOpen: negative amount ${wei}`);
	const [whole, fraction = ''] = formatEther(wei).split('.');
	const shown = fraction.slice(0, decimals).replace(/0+$/, '');
	if (wei > 0n && whole === '0' && !shown) return `< 0.${'0'.repeat(Math.max(0, decimals - 1))}1`;
	return `${BigInt(whole).toLocaleString('en-US')}${shown ? `.${shown}` : ''}`;
}

/** The outbox id of a claim: one claim per account and credited total, so a second click (or another tab) adds no
 * second transaction, while a later credit makes a new claim possible. */
export function claimOutboxId(params: { chainId: number; account: Address; credited: bigint }): string {
	return `claim:${params.chainId}:${params.account.toLowerCase()}:${params.credited}`;
}

export type ClaimCall = { functionName: 'claim' | 'claimFor'; data: Hex; forSelf: boolean };

/** The call that pays `account` its claimable balance: claim() when `sender` is the account, else claimFor(account)
 * (anyone may pay the gas for someone; the OPEN always goes to the account). */
export function claimCall(params: { account: Address; sender: Address }): ClaimCall {
	const forSelf = params.account.toLowerCase() === params.sender.toLowerCase();
	const data = forSelf
		? encodeFunctionData({ abi: attributionLedgerAbi, functionName: 'claim' })
		: encodeFunctionData({ abi: attributionLedgerAbi, functionName: 'claimFor', args: [params.account] });
	return { functionName: forSelf ? 'claim' : 'claimFor', data, forSelf };
}

/** Where a log sits; what both a fresh viem log and a cached one have. */
type LogPosition = { blockNumber: bigint; logIndex: number; transactionHash: Hex };
export type CreditedLog = LogPosition & { args: { account?: Address; modelId?: bigint; amount?: bigint } };
export type InferenceLog = LogPosition & {
	args: { modelId?: bigint; outputHash?: Hex; payer?: Address; value?: bigint; methodId?: number };
};
export type ClaimedLog = LogPosition & { args: { account?: Address; caller?: Address; amount?: bigint } };

/** The inference that paid a credit. */
export type PayingInference = { outputHash: Hex; payer: Address; value: bigint; methodId: number };

/** One credit to the account. `inference` is null where no inference paid it (modelId 0: a revoked reward root's
 * refund to the treasury). */
export type CreditItem = LogPosition & { amount: bigint; modelId: bigint; inference: PayingInference | null };

/** One claim paid to the account; `caller` sent it (the account itself, or someone paying the gas for it). */
export type ClaimItem = LogPosition & { amount: bigint; caller: Address };

const newestFirst = (a: LogPosition, b: LogPosition) =>
	a.blockNumber === b.blockNumber ? b.logIndex - a.logIndex : a.blockNumber > b.blockNumber ? -1 : 1;

/** Joins each credit with the inference that emitted it and sorts them newest first. The match is the same transaction
 * and model, logged last before the credit, so a transaction that records several inferences still pairs right. */
export function joinCredits(credited: readonly CreditedLog[], inferences: readonly InferenceLog[]): CreditItem[] {
	const byTransaction = new Map<string, InferenceLog[]>();
	for (const log of inferences) {
		const key = log.transactionHash.toLowerCase();
		byTransaction.set(key, [...(byTransaction.get(key) ?? []), log]);
	}
	const items: CreditItem[] = [];
	for (const log of credited) {
		const { modelId, amount } = log.args;
		if (modelId === undefined || amount === undefined) continue;
		let paid: InferenceLog | undefined;
		for (const candidate of byTransaction.get(log.transactionHash.toLowerCase()) ?? [])
			if (candidate.args.modelId === modelId && candidate.logIndex < log.logIndex && (!paid || candidate.logIndex > paid.logIndex))
				paid = candidate;
		const { outputHash, payer, value, methodId } = paid?.args ?? {};
		const inference = outputHash && payer && value !== undefined && methodId !== undefined ? { outputHash, payer, value, methodId } : null;
		items.push({ blockNumber: log.blockNumber, logIndex: log.logIndex, transactionHash: log.transactionHash, amount, modelId, inference });
	}
	return items.sort(newestFirst);
}

/** The account's claims, newest first. */
export function toClaims(claimed: readonly ClaimedLog[]): ClaimItem[] {
	const items: ClaimItem[] = [];
	for (const log of claimed) {
		const { amount, caller } = log.args;
		if (amount === undefined || !caller) continue;
		items.push({ blockNumber: log.blockNumber, logIndex: log.logIndex, transactionHash: log.transactionHash, amount, caller });
	}
	return items.sort(newestFirst);
}

export type ReadRewardsParameters = {
	/** The AttributionLedger. */
	ledger: Address;
	account: Address;
	/** The deployment block: where the event reads start (and must always start, for the cache). */
	fromBlock: bigint;
	/** Where scanned logs are kept between visits. */
	cache?: LogCache;
	/** Called as the event reads advance, with the share of blocks scanned so far (0..1). */
	onProgress?: (fraction: number) => void;
};

export type ReadRewardsReturnType = {
	account: Address;
	/** The block every number below was read at. */
	atBlock: bigint;
	claimable: bigint;
	credited: bigint;
	claimed: bigint;
	/** Newest first. */
	credits: CreditItem[];
	/** Newest first. */
	claims: ClaimItem[];
};

/** Reads an account's balance, totals and history from the AttributionLedger, all at the current head. */
export async function readRewards(
	client: PublicClient<Transport, Chain | undefined>,
	params: ReadRewardsParameters
): Promise<ReadRewardsReturnType> {
	const { ledger, account, fromBlock, cache, onProgress } = params;
	try {
		const atBlock = await getBlockNumber(client, { cacheTime: 0 });
		const span = atBlock >= fromBlock ? Number(atBlock - fromBlock + 1n) : 1;
		const scanned = [0, 0, 0];
		const progress = (i: number) => ({ scannedTo }: { scannedTo: bigint }) => {
			scanned[i] = Math.min(1, Number(scannedTo - fromBlock + 1n) / span);
			onProgress?.(scanned.reduce((a, b) => a + b, 0) / scanned.length);
		};
		const events = { address: ledger, abi: attributionLedgerAbi, fromBlock, toBlock: atBlock, cache, confirmations: UNCACHED_RECENT_BLOCKS } as const;
		const view = { address: ledger, abi: attributionLedgerAbi, args: [account], blockNumber: atBlock } as const;
		const [claimable, [credited, claimed], creditedLogs, claimedLogs, inferenceLogs] = await Promise.all([
			readContract(client, { ...view, functionName: 'claimable' }),
			readContract(client, { ...view, functionName: 'balances' }),
			getEventsInRanges(client, { ...events, eventName: 'Credited', args: { account }, onProgress: progress(0) }),
			getEventsInRanges(client, { ...events, eventName: 'Claimed', args: { account }, onProgress: progress(1) }),
			getEventsInRanges(client, { ...events, eventName: 'InferenceRecorded', onProgress: progress(2) })
		]);
		return { account, atBlock, claimable, credited, claimed, credits: joinCredits(creditedLogs, inferenceLogs), claims: toClaims(claimedLogs) };
	} catch (e) {
		throw toChainError(e, { abi: attributionLedgerAbi });
	}
}
