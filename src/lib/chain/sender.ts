// The outbox's Sender, implemented with viem. Every send is simulated first (eth_call), so a revert is decoded and shown
// before anyone signs. A local account signs first and broadcasts second (prepare, then broadcast), so the outbox can
// store the raw transaction and its hash before anything leaves the page; an injected wallet signs and sends in one step.
import { keccak256, type Abi, type Address, type Hex, type TransactionReceipt } from 'viem';
import {
	call,
	getBlock,
	getTransaction,
	getTransactionCount,
	sendRawTransaction,
	waitForTransactionReceipt
} from 'viem/actions';
import { ledgerlightErrorsAbi } from './abi';
import type { ChainPublicClient, ChainWalletClient } from './clients';
import { ChainError, WrongAccountError, WrongNetworkError, toChainError } from './errors';

/** What the Sender needs of an outbox entry. `value` is wei as a decimal string (IndexedDB-friendly). */
export type SenderEntry = {
	id: string;
	chainId: number;
	from: Address;
	to: Address;
	data: Hex;
	value: string;
	/** Set when the entry was prepared before: re-preparing keeps the nonce, so it can never be sent twice. */
	nonce?: number;
};

export type PreparedTransaction = { rawTx: Hex; hash: Hex; nonce: number };
export type SentTransaction = { hash: Hex; nonce?: number };

/** The outbox's Sender interface (src/lib/store/outbox.ts), as this viem implementation provides it. */
export type ViemSender = {
	/** The chain the signer is on now. */
	chainId(): Promise<number>;
	/** Local account only: simulates, then signs without broadcasting. */
	prepare?(entry: SenderEntry): Promise<PreparedTransaction>;
	/** Simulates, then signs and sends (an injected wallet does both; a local account prepares and broadcasts). */
	send(entry: SenderEntry): Promise<SentTransaction>;
	/** Local account only: broadcasts a signed transaction; rebroadcasting one the node already has is not an error. */
	broadcast?(rawTx: Hex): Promise<Hex>;
	/** Waits for the receipt, reporting each confirmation up to the configured count. */
	waitForReceipt(hash: Hex, onConfirmations?: (confirmations: number) => void): Promise<TransactionReceipt>;
	/** The account's transaction count at the latest block, or including the node's pending transactions. */
	nonceOf(address: Address, blockTag: 'latest' | 'pending'): Promise<number>;
	/** The hash of the mined transaction from `from` with `nonce`, or undefined when none is mined (or history is unavailable). */
	findTransaction(from: Address, nonce: number): Promise<Hex | undefined>;
	/** The transaction with this hash as the node knows it (pending or mined), or undefined when it does not. */
	getTransaction(hash: Hex): Promise<{ to: Address | null; data: Hex; value: bigint } | undefined>;
	/** The one account this sender signs for. */
	accounts(): Promise<readonly Address[]>;
};

export type CreateViemSenderParameters = {
	publicClient: ChainPublicClient;
	walletClient: ChainWalletClient;
	/** Custom errors used to decode reverts; every Ledgerlight contract's by default. */
	errorAbi?: Abi;
	/** Confirmations waitForReceipt waits for (default 1). */
	confirmations?: number;
	/** First block findTransaction searches (the deployment block); 0 when omitted. */
	searchFromBlock?: bigint;
	/** Longest wait for a receipt in ms before a ReceiptTimeoutError (viem's default, 3 minutes, when omitted). */
	receiptTimeoutMs?: number;
};

function parseValue(value: string): bigint {
	if (!/^\d+$/.test(value)) throw new ChainError('The transaction value is not a whole number of wei.', { details: value });
	return BigInt(value);
}

/** A Sender for the outbox over a viem wallet client: prepare/broadcast for local accounts, send for injected wallets. */
export function createViemSender(params: CreateViemSenderParameters): ViemSender {
	const { publicClient, walletClient, errorAbi = ledgerlightErrorsAbi, confirmations = 1, searchFromBlock = 0n } = params;
	const account = walletClient.account;
	const isLocal = account.type === 'local';
	const fail = (e: unknown) => toChainError(e, { abi: errorAbi });

	const chainId = () => (isLocal ? publicClient.getChainId() : walletClient.getChainId()).catch((e) => Promise.reject(fail(e)));

	/** Checks chain and account, then runs the call (eth_call) so a revert is decoded before anyone signs. */
	async function check(entry: SenderEntry): Promise<bigint> {
		const value = parseValue(entry.value);
		if (entry.from.toLowerCase() !== account.address.toLowerCase())
			throw new WrongAccountError({ expected: entry.from, actual: account.address });
		const current = await chainId();
		if (current !== entry.chainId) throw new WrongNetworkError({ expectedChainId: entry.chainId, actualChainId: current });
		try {
			await call(publicClient, { account: entry.from, to: entry.to, data: entry.data, value });
		} catch (e) {
			throw fail(e);
		}
		return value;
	}

	async function prepare(entry: SenderEntry): Promise<PreparedTransaction> {
		const value = await check(entry);
		try {
			const request = await walletClient.prepareTransactionRequest({
				account,
				chain: walletClient.chain,
				to: entry.to,
				data: entry.data,
				value,
				nonce: entry.nonce
			});
			const rawTx = await walletClient.signTransaction(request as Parameters<ChainWalletClient['signTransaction']>[0]);
			return { rawTx, hash: keccak256(rawTx), nonce: request.nonce };
		} catch (e) {
			throw fail(e);
		}
	}

	async function broadcast(rawTx: Hex): Promise<Hex> {
		try {
			return await sendRawTransaction(publicClient, { serializedTransaction: rawTx });
		} catch (e) {
			// Sent before (the page reloaded mid-broadcast): the node knows the hash, so this is success, not a resend.
			const hash = keccak256(rawTx);
			const known = await getTransaction(publicClient, { hash }).catch(() => undefined);
			if (known) return hash;
			throw fail(e);
		}
	}

	async function send(entry: SenderEntry): Promise<SentTransaction> {
		if (isLocal) {
			const prepared = await prepare(entry);
			return { hash: await broadcast(prepared.rawTx), nonce: prepared.nonce };
		}
		const value = await check(entry);
		try {
			const hash = await walletClient.sendTransaction({
				account,
				chain: walletClient.chain,
				to: entry.to,
				data: entry.data,
				value,
				nonce: entry.nonce
			});
			return { hash, nonce: entry.nonce };
		} catch (e) {
			throw fail(e);
		}
	}

	async function waitForReceipt(hash: Hex, onConfirmations?: (confirmations: number) => void): Promise<TransactionReceipt> {
		try {
			let receipt = await waitForTransactionReceipt(publicClient, { hash, confirmations: 1, timeout: params.receiptTimeoutMs });
			onConfirmations?.(1);
			for (let n = 2; n <= confirmations; n++) {
				receipt = await waitForTransactionReceipt(publicClient, { hash: receipt.transactionHash, confirmations: n, timeout: params.receiptTimeoutMs });
				onConfirmations?.(n);
			}
			return receipt;
		} catch (e) {
			throw fail(e);
		}
	}

	async function nonceOf(address: Address, blockTag: 'latest' | 'pending'): Promise<number> {
		try {
			return await getTransactionCount(publicClient, { address, blockTag });
		} catch (e) {
			throw fail(e);
		}
	}

	async function findTransaction(from: Address, nonce: number): Promise<Hex | undefined> {
		try {
			const head = await publicClient.getBlockNumber({ cacheTime: 0 });
			const countAt = (blockNumber: bigint) => getTransactionCount(publicClient, { address: from, blockNumber });
			if ((await countAt(head)) <= nonce) return undefined;
			// The first block after which the account's count exceeds `nonce` holds that transaction.
			let lo = searchFromBlock, hi = head;
			while (lo < hi) {
				const mid = lo + (hi - lo) / 2n;
				if ((await countAt(mid)) > nonce) hi = mid;
				else lo = mid + 1n;
			}
			const block = await getBlock(publicClient, { blockNumber: lo, includeTransactions: true });
			return block.transactions.find((tx) => tx.from.toLowerCase() === from.toLowerCase() && tx.nonce === nonce)?.hash;
		} catch (e) {
			// A node without the old state cannot answer; the outbox then relies on the nonce to avoid a second send.
			if (/missing trie node|historical state|state.*not available|header not found/i.test(String((e as Error)?.message))) return undefined;
			throw fail(e);
		}
	}

	async function getTransactionByHash(hash: Hex): Promise<{ to: Address | null; data: Hex; value: bigint } | undefined> {
		try {
			const tx = await getTransaction(publicClient, { hash });
			return { to: tx.to, data: tx.input, value: tx.value };
		} catch (e) {
			if (e instanceof Error && e.name === 'TransactionNotFoundError') return undefined;
			throw fail(e);
		}
	}

	const accounts = async () => [account.address] as const;
	const common = { chainId, send, waitForReceipt, nonceOf, findTransaction, getTransaction: getTransactionByHash, accounts };
	return isLocal ? { ...common, prepare, broadcast } : common;
}
