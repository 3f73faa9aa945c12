// The contract between the outbox and the chain layer: the Sender interface the chain layer implements with viem, and
// how the outbox reads a Sender's errors. Errors are matched by name and code along the cause chain, not instanceof,
// because wallet errors come from other realms or as plain objects, and viem nests them.
import type { Hex, OutboxEntry, OutboxErrorInfo } from './schema';

/** A transaction as the node reports it, to check that a found hash is this entry's call. */
export type SenderTransaction = { to: string | null; data: Hex; value: bigint | string };

/** The receipt fields the outbox keeps (a viem TransactionReceipt fits). */
export type SenderReceipt = {
	blockNumber: bigint | number;
	gasUsed: bigint | number;
	status: 'success' | 'reverted';
	logs: readonly unknown[];
	/** Differs from the waited-for hash when the wallet replaced the transaction (sped up). */
	transactionHash?: Hex;
};

/** What the outbox needs of a chain connection; the chain layer implements it for injected wallets and local keys.
 * Errors should carry shortMessage/details/hint (the chain layer's ChainError); a user rejection keeps code 4001 or a
 * UserRejected* name somewhere in its cause chain. */
export interface Sender {
	/** The chain the signer is on now; entries of other chains are left alone. */
	chainId(): Promise<number>;
	/** Local signer only: signs the entry's call with `entry.nonce` without broadcasting it. */
	prepare?(entry: OutboxEntry): Promise<{ rawTx: Hex; hash: Hex; nonce: number }>;
	/** Local signer only: broadcasts signed bytes; bytes the node already has are not an error. */
	broadcast?(rawTx: Hex): Promise<Hex>;
	/** Injected wallet: asks the wallet to sign and send (eth_sendTransaction). */
	send(entry: OutboxEntry): Promise<{ hash: Hex; nonce?: number }>;
	/** Resolves with the receipt once the Sender's confirmation target is reached, reporting each count on the way; a
	 * timeout should throw (it is retried after a backoff), never hang. */
	waitForReceipt(hash: Hex, onConfirmations?: (confirmations: number) => void): Promise<SenderReceipt>;
	/** The account's transaction count at the latest block, or including pending transactions. */
	nonceOf(address: Hex, blockTag: 'latest' | 'pending'): Promise<number>;
	/** The hash of the transaction `from` sent with `nonce`, if the node can find it. */
	findTransaction?(from: Hex, nonce: number): Promise<Hex | undefined>;
	/** The transaction with this hash as the node knows it (pending or mined), or null/undefined when it does not.
	 * Recommended: without it a replaced transaction cannot be told from the wallet's "cancel", so it fails instead of
	 * being adopted. */
	getTransaction?(hash: Hex): Promise<SenderTransaction | null | undefined>;
	/** The accounts this sender can send from; entries of other accounts wait (all accounts when omitted). */
	accounts?(): Promise<readonly string[]>;
}

/** How the outbox treats an error: 'rejected' waits for the user; 'transient' (network, timeout, wallet on another
 * account or network) is tried again after a backoff; 'failed' (a revert, a refusal) waits for retry or cancel. */
export type OutboxErrorKind = 'rejected' | 'transient' | 'failed';

const TRANSIENT_NAMES = new Set([
	'HttpRequestError', 'TimeoutError', 'WebSocketRequestError', 'SocketClosedError', 'WaitForTransactionReceiptTimeoutError',
	'TransactionReceiptNotFoundError', 'TransactionNotFoundError', 'LimitExceededRpcError', 'ResourceUnavailableRpcError',
	'ChainDisconnectedError', 'ProviderDisconnectedError', 'ChainMismatchError', 'NetworkError',
	// The chain layer's typed errors (src/lib/chain/errors.ts).
	'RpcUnavailableError', 'ReceiptTimeoutError', 'WrongNetworkError', 'WrongAccountError'
]);
// EIP-1193 disconnected (4900, 4901); JSON-RPC resource unavailable and limit exceeded; HTTP 429 and 503.
const TRANSIENT_CODES = new Set([4900, 4901, -32002, -32005, 429, 503]);

function* causes(e: unknown): Generator<Record<string, unknown>> {
	let cur = e;
	for (let i = 0; i < 16 && typeof cur === 'object' && cur !== null; i++) {
		yield cur as Record<string, unknown>;
		cur = (cur as { cause?: unknown }).cause;
	}
}

/** Classifies an error from a Sender by walking its cause chain. */
export function classifyOutboxError(e: unknown): OutboxErrorKind {
	const chain = [...causes(e)];
	if (chain.some((c) => c.code === 4001 || c.name === 'UserRejectedRequestError' || c.name === 'UserRejectedError')) return 'rejected';
	if (chain.some((c) => TRANSIENT_NAMES.has(String(c.name)) || TRANSIENT_CODES.has(c.code as number))) return 'transient';
	if (chain.some((c) => c.name === 'TypeError' && /fetch|network/i.test(String(c.message)))) return 'transient';
	return 'failed';
}

const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** The JSON-safe error the outbox keeps: the outer short message and details, the first hint of the cause chain. */
export function outboxErrorInfo(e: unknown): OutboxErrorInfo {
	const chain = [...causes(e)];
	const top = chain[0];
	const info: OutboxErrorInfo = { shortMessage: text(top?.shortMessage) ?? text(top?.message) ?? String(e) };
	const details = text(top?.details);
	const hint = chain.map((c) => text(c.hint)).find(Boolean);
	if (details) info.details = details;
	if (hint) info.hint = hint;
	return info;
}
