// The outbox against Chromium's IndexedDB and Web Locks, driven through a test Sender over a small in-test fake node
// (the viem Sender is tested against anvil by the chain layer). The fake node mines, forgets pending transactions and
// goes offline on request, and records every broadcast, so "sent once" is counted where it happens.
import { openDB } from 'idb';
import { keccak256, stringToHex, hexToString } from 'viem';
import { describe, expect, test, vi } from 'vitest';
import { BaseError, NotFoundError } from '../core/errors';
import { closeLedgerDb, DB_VERSION, openLedgerDb, type LedgerDatabase } from './db';
import {
	addToOutbox, cancelOutboxEntry, getOutboxEntry, listOutbox, onOutboxChange, outboxChannelName, retryOutboxEntry,
	updateOutboxEntry, type NewOutboxEntry, type OutboxChange
} from './outbox';
import { OutboxRunner, processOutbox } from './outboxRunner';
import { classifyOutboxError, outboxErrorInfo, type Sender, type SenderReceipt } from './outboxSender';
import type { Hex, LedgerDB, OutboxEntry } from './schema';
import { ALICE, BOB, freshDb, freshDbName } from './test-fixtures';

const CHAIN = 31337;
const REGISTRY = ('0x' + '5e'.repeat(20)) as Hex;
const LEDGER = ('0x' + '1e'.repeat(20)) as Hex;

type FakeTx = { from: Hex; nonce: number; to: Hex; data: Hex; value: bigint };

const hashOf = (tx: FakeTx) => keccak256(stringToHex(JSON.stringify({ ...tx, value: tx.value.toString() })));
const encodeTx = (tx: FakeTx) => stringToHex(JSON.stringify({ ...tx, value: tx.value.toString() }));
const decodeTx = (raw: Hex): FakeTx => {
	const tx = JSON.parse(hexToString(raw));
	return { ...tx, value: BigInt(tx.value) };
};

/** An error shaped like viem's: a name, a shortMessage, and a cause chain. */
function chainError(name: string, shortMessage: string, extra: Record<string, unknown> = {}): Error {
	const e = new Error(shortMessage);
	e.name = name;
	return Object.assign(e, { shortMessage, ...extra });
}
const httpError = () => chainError('HttpRequestError', 'HTTP request failed.', { details: 'fetch failed' });

/** A chain: transactions by hash, a mempool, mined blocks, accounts' nonces. */
class FakeNode {
	head = 100;
	online = true;
	autoMine = true;
	readonly txs = new Map<Hex, FakeTx>();
	readonly pool = new Set<Hex>();
	readonly mined = new Map<Hex, number>();
	/** The hash of every broadcast the node received, repeats included. */
	readonly broadcasts: Hex[] = [];
	/** Calls to these contracts revert onchain. */
	readonly reverting = new Set<string>();
	private readonly listeners = new Set<() => void>();

	check() {
		if (!this.online) throw httpError();
	}
	setOnline(online: boolean) {
		this.online = online;
		this.notify();
	}
	latestNonce(address: string) {
		return [...this.mined.keys()].filter((h) => this.txs.get(h)!.from === address).length;
	}
	pendingNonce(address: string) {
		return this.latestNonce(address) + [...this.pool].filter((h) => this.txs.get(h)!.from === address).length;
	}
	submit(tx: FakeTx): Hex {
		this.check();
		const hash = hashOf(tx);
		this.broadcasts.push(hash);
		if (this.pool.has(hash) || this.mined.has(hash)) return hash;
		if (tx.nonce < this.latestNonce(tx.from)) throw chainError('NonceTooLowError', 'Nonce too low.');
		this.txs.set(hash, tx);
		this.pool.add(hash);
		if (this.autoMine) this.mine();
		return hash;
	}
	/** Mines `blocks` blocks; each includes the pool's transactions that are next in their account's nonce order. */
	mine(blocks = 1) {
		for (let b = 0; b < blocks; b++) {
			this.head++;
			for (let progress = true; progress; ) {
				progress = false;
				for (const hash of this.pool) {
					const tx = this.txs.get(hash)!;
					if (tx.nonce === this.latestNonce(tx.from)) {
						this.pool.delete(hash);
						this.mined.set(hash, this.head);
						progress = true;
					}
				}
			}
		}
		this.notify();
	}
	/** The node loses a pending transaction (restarted, or its mempool dropped it). */
	drop(hash: Hex) {
		this.pool.delete(hash);
		this.txs.delete(hash);
	}
	knows(hash: Hex) {
		return this.pool.has(hash) || this.mined.has(hash);
	}
	receipt(hash: Hex): SenderReceipt | undefined {
		const block = this.mined.get(hash);
		if (block === undefined) return undefined;
		const tx = this.txs.get(hash)!;
		const reverted = this.reverting.has(tx.to);
		return { blockNumber: BigInt(block), gasUsed: 21_000n + BigInt(tx.data.length), status: reverted ? 'reverted' : 'success', logs: reverted ? [] : [{}], transactionHash: hash };
	}
	onChange(listener: () => void) {
		this.listeners.add(listener);
		return () => void this.listeners.delete(listener);
	}
	private notify() {
		for (const l of [...this.listeners]) l();
	}
}

/** An injected wallet over the fake node: send signs and broadcasts in one step, with scripted failures. */
class FakeWallet implements Sender {
	/** Entries the wallet was asked to send. */
	readonly sends: OutboxEntry[] = [];
	/** Errors the next send requests throw before anything is broadcast. */
	readonly failNext: unknown[] = [];
	/** The next send broadcasts, then throws this (the answer is lost on the way back). */
	loseAnswer: unknown;
	confirmations = 1;
	waiting = 0;
	beforeSend?: () => Promise<void>;
	private readonly waits = new Set<(e: unknown) => void>();

	/** Looks a hash up on the node; left out (like a Sender without it) with `{ getTransaction: false }`. */
	getTransaction?: Sender['getTransaction'];

	constructor(readonly node: FakeNode, options: { getTransaction?: boolean } = {}) {
		if (options.getTransaction === false) return;
		this.getTransaction = async (hash: Hex) => {
			this.node.check();
			const tx = this.node.txs.get(hash);
			return tx && this.node.knows(hash) ? { to: tx.to, data: tx.data, value: tx.value } : null;
		};
	}

	async chainId() {
		return CHAIN;
	}
	async send(entry: OutboxEntry) {
		this.sends.push(entry);
		await this.beforeSend?.();
		if (this.failNext.length) throw this.failNext.shift();
		const nonce = this.node.pendingNonce(entry.from);
		const hash = this.node.submit({ from: entry.from, nonce, to: entry.to, data: entry.data, value: BigInt(entry.value) });
		if (this.loseAnswer) {
			const e = this.loseAnswer;
			this.loseAnswer = undefined;
			throw e;
		}
		return { hash, nonce };
	}
	async nonceOf(address: Hex, tag: 'latest' | 'pending') {
		this.node.check();
		return tag === 'latest' ? this.node.latestNonce(address) : this.node.pendingNonce(address);
	}
	async findTransaction(from: Hex, nonce: number) {
		this.node.check();
		for (const [hash, tx] of this.node.txs) if (tx.from === from && tx.nonce === nonce && this.node.knows(hash)) return hash;
		return undefined;
	}
	waitForReceipt(hash: Hex, onConfirmations?: (n: number) => void): Promise<SenderReceipt> {
		return new Promise((resolve, reject) => {
			let seen = 0;
			const finish = (f: () => void) => {
				stop();
				this.waits.delete(fail);
				this.waiting--;
				f();
			};
			const fail = (e: unknown) => finish(() => reject(e));
			const check = () => {
				if (!this.node.online) return fail(chainError('WaitForTransactionReceiptTimeoutError', 'Timed out while waiting for the receipt.'));
				const receipt = this.node.receipt(hash);
				if (!receipt) return;
				const n = this.node.head - Number(receipt.blockNumber) + 1;
				while (seen < Math.min(n, this.confirmations)) onConfirmations?.(++seen);
				if (n >= this.confirmations) finish(() => resolve(receipt));
			};
			const stop = this.node.onChange(check);
			this.waits.add(fail);
			this.waiting++;
			check();
		});
	}
	/** The page goes away: every wait in progress ends with an error. */
	kill() {
		for (const fail of [...this.waits]) fail(new Error('The page was closed.'));
	}
}

/** A local key over the fake node: signs first (prepare), broadcasts second. */
class FakeLocalSigner extends FakeWallet {
	prepares = 0;
	/** Errors the next broadcasts throw before reaching the node. */
	readonly failBroadcast: unknown[] = [];

	async prepare(entry: OutboxEntry) {
		this.prepares++;
		const tx = { from: entry.from, nonce: entry.nonce!, to: entry.to, data: entry.data, value: BigInt(entry.value) };
		return { rawTx: encodeTx(tx), hash: hashOf(tx), nonce: tx.nonce };
	}
	async broadcast(rawTx: Hex) {
		if (this.failBroadcast.length) throw this.failBroadcast.shift();
		return this.node.submit(decodeTx(rawTx));
	}
}

let seq = 0;
function newEntry(over: Partial<NewOutboxEntry> = {}): NewOutboxEntry {
	seq++;
	return {
		id: `publish:test:${seq}`,
		kind: 'publish',
		label: `Publish batch ${seq}`,
		chainId: CHAIN,
		from: ALICE as Hex,
		to: REGISTRY,
		data: `0xabcdef${seq.toString(16).padStart(4, '0')}` as Hex,
		value: 0n,
		...over
	};
}

async function entry(db: LedgerDatabase, id: string): Promise<OutboxEntry> {
	const e = await getOutboxEntry(db, id);
	if (!e) throw new Error(`no entry ${id}`);
	return e;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('outbox entries', () => {
	test('adding an id twice returns the stored entry and never stores a second one', async () => {
		const db = await freshDb();
		const input = newEntry({ from: ALICE.toUpperCase().replace('0X', '0x') as Hex, value: 10n ** 18n, meta: { cids: ['bafy1', 'bafy2'] } });
		const first = await addToOutbox(db, input);
		expect(first.added).toBe(true);
		expect(first.entry).toMatchObject({
			id: input.id, status: 'queued', from: ALICE, value: '1000000000000000000', attempts: 0, failures: 0, confirmations: 0,
			meta: { cids: ['bafy1', 'bafy2'] }
		});
		expect(first.entry.nextAttemptAt).toBe(first.entry.createdAt);

		const again = await addToOutbox(db, { ...input, label: 'Something else', data: '0x00' });
		expect(again.added).toBe(false);
		expect(again.entry).toEqual(first.entry);
		expect(await db.count('outbox')).toBe(1);
		// Concurrent adds of one id (two clicks) also store one.
		const both = await Promise.all([addToOutbox(db, newEntry({ id: 'claim:1' })), addToOutbox(db, newEntry({ id: 'claim:1' }))]);
		expect(both.map((r) => r.added).sort()).toEqual([false, true]);
		expect(await db.count('outbox')).toBe(2);
	});

	test('an entry with a bad field is refused, naming it', async () => {
		const db = await freshDb();
		await expect(addToOutbox(db, newEntry({ to: '0x1234' as Hex }))).rejects.toThrow(/address in "to"/);
		await expect(addToOutbox(db, newEntry({ data: '0xabc' as Hex }))).rejects.toThrow(/calldata/);
		await expect(addToOutbox(db, newEntry({ value: '-1' }))).rejects.toThrow(/wei/);
		await expect(addToOutbox(db, newEntry({ chainId: 0 }))).rejects.toThrow(/chain id/);
		await expect(addToOutbox(db, newEntry({ meta: { amount: 1n } }))).rejects.toThrow(/JSON/);
		await expect(addToOutbox(db, newEntry({ id: '' }))).rejects.toBeInstanceOf(BaseError);
		expect(await db.count('outbox')).toBe(0);
	});

	test('listOutbox filters by status and chain, oldest first', async () => {
		const db = await freshDb();
		const a = (await addToOutbox(db, newEntry({ createdAt: 3000 }))).entry;
		const b = (await addToOutbox(db, newEntry({ createdAt: 1000 }))).entry;
		const c = (await addToOutbox(db, newEntry({ createdAt: 2000, chainId: 1612 }))).entry;
		await updateOutboxEntry(db, b.id, () => ({ status: 'sent', hash: '0x01' }));
		expect((await listOutbox(db)).map((e) => e.id)).toEqual([b.id, c.id, a.id]);
		expect((await listOutbox(db, { status: 'queued' })).map((e) => e.id)).toEqual([c.id, a.id]);
		expect((await listOutbox(db, { status: ['queued', 'sent'], chainId: CHAIN })).map((e) => e.id)).toEqual([b.id, a.id]);
		expect(await listOutbox(db, { status: 'confirmed' })).toEqual([]);
	});

	test('updateOutboxEntry is one read-modify-write: concurrent changes all land; a declined change writes nothing', async () => {
		const db = await freshDb();
		const { entry: e } = await addToOutbox(db, newEntry());
		await Promise.all(Array.from({ length: 20 }, () => updateOutboxEntry(db, e.id, (x) => ({ attempts: x.attempts + 1 }))));
		expect((await entry(db, e.id)).attempts).toBe(20);
		const before = await entry(db, e.id);
		expect(await updateOutboxEntry(db, e.id, () => null)).toBeNull();
		expect(await entry(db, e.id)).toEqual(before);
		// A field set to undefined is removed.
		await updateOutboxEntry(db, e.id, () => ({ error: { shortMessage: 'x' } }));
		const cleared = await updateOutboxEntry(db, e.id, () => ({ error: undefined }));
		expect(cleared && 'error' in cleared).toBe(false);
		await expect(updateOutboxEntry(db, 'nope', () => ({}))).rejects.toBeInstanceOf(NotFoundError);
	});

	test('cancel only before the network has it; retry queues a failed or cancelled entry as a new transaction', async () => {
		const db = await freshDb();
		const { entry: e } = await addToOutbox(db, newEntry());
		expect((await cancelOutboxEntry(db, e.id)).status).toBe('cancelled');
		const retried = await retryOutboxEntry(db, e.id, 1234);
		expect(retried).toMatchObject({ status: 'queued', nextAttemptAt: 1234, failures: 0 });

		await updateOutboxEntry(db, e.id, () => ({ status: 'sent', hash: '0xaa', nonce: 3 }));
		await expect(cancelOutboxEntry(db, e.id)).rejects.toThrow(/no longer be cancelled/);
		// Retrying a pending entry only asks for its next step now.
		await updateOutboxEntry(db, e.id, () => ({ nextAttemptAt: 99_999, failures: 4 }));
		expect(await retryOutboxEntry(db, e.id, 5000)).toMatchObject({ status: 'sent', hash: '0xaa', nextAttemptAt: 5000, failures: 0 });

		await updateOutboxEntry(db, e.id, () => ({ status: 'failed', error: { shortMessage: 'reverted' }, receipt: { blockNumber: 1, gasUsed: '1', status: 'reverted', logs: 0 } }));
		const again = await retryOutboxEntry(db, e.id);
		expect(again.status).toBe('queued');
		for (const gone of ['hash', 'nonce', 'rawTx', 'receipt', 'error'] as const) expect(again[gone]).toBeUndefined();

		await updateOutboxEntry(db, e.id, () => ({ status: 'confirmed' }));
		await expect(retryOutboxEntry(db, e.id)).rejects.toThrow(/already confirmed/);
		await expect(cancelOutboxEntry(db, e.id)).rejects.toThrow(/confirmed/);
	});

	test('changes reach listeners in this tab and, through the BroadcastChannel, other tabs', async () => {
		const db = await freshDb();
		const seen: OutboxChange[] = [];
		const unsubscribe = onOutboxChange(db, (c) => seen.push(c));
		const otherTab = new BroadcastChannel(outboxChannelName(db.name));
		const relayed: OutboxChange[] = [];
		otherTab.onmessage = (m) => relayed.push(m.data);
		try {
			const { entry: e } = await addToOutbox(db, newEntry());
			await updateOutboxEntry(db, e.id, () => ({ status: 'sending', nonce: 0 }));
			expect(seen.map((c) => [c.previous?.status, c.entry.status])).toEqual([[undefined, 'queued'], ['queued', 'sending']]);
			await vi.waitFor(() => expect(relayed.map((c) => c.entry.status)).toEqual(['queued', 'sending']));

			// Another tab's change arrives here as a message.
			otherTab.postMessage({ entry: { ...e, status: 'sent', hash: '0x01' }, previous: e });
			await vi.waitFor(() => expect(seen.at(-1)?.entry.status).toBe('sent'));
			unsubscribe();
			await updateOutboxEntry(db, e.id, () => ({ status: 'sent', hash: '0x02' }));
			expect(seen).toHaveLength(3);
		} finally {
			otherTab.close();
		}
	});
});

describe('error classification', () => {
	test('a rejection anywhere in the cause chain, network and timeout errors, and everything else', () => {
		const nested4001 = chainError('TransactionExecutionError', 'Transaction failed.', { cause: { name: 'RpcError', cause: { code: 4001, message: 'User denied' } } });
		expect(classifyOutboxError(nested4001)).toBe('rejected');
		expect(classifyOutboxError(chainError('UserRejectedRequestError', 'User rejected the request.'))).toBe('rejected');
		expect(classifyOutboxError(chainError('ChainError', 'x', { cause: httpError() }))).toBe('transient');
		expect(classifyOutboxError({ code: 4900, message: 'Disconnected' })).toBe('transient');
		expect(classifyOutboxError(new TypeError('Failed to fetch'))).toBe('transient');
		expect(classifyOutboxError(chainError('ContractFunctionRevertedError', 'reverted'))).toBe('failed');
		expect(classifyOutboxError(new Error('odd'))).toBe('failed');
		expect(outboxErrorInfo(new BaseError('Refused.', { details: 'BatchExists(7)', cause: { hint: 'inner hint' } }))).toEqual({
			shortMessage: 'Refused.', details: 'BatchExists(7)', hint: 'inner hint'
		});
		expect(outboxErrorInfo('plain')).toEqual({ shortMessage: 'plain' });
	});
});

describe('outbox runner', () => {
	test('happy path: queued -> sending -> sent -> confirmed, confirmations counted to the target, receipt stored', async () => {
		const db = await freshDb();
		const node = new FakeNode();
		const wallet = new FakeWallet(node);
		wallet.confirmations = 2;
		const changes: OutboxChange[] = [];
		onOutboxChange(db, (c) => changes.push(c));
		const { entry: e } = await addToOutbox(db, newEntry());

		const done = processOutbox(db, wallet);
		// Mined on send (automine): one confirmation; one more block makes two.
		await vi.waitFor(async () => expect((await entry(db, e.id)).confirmations).toBe(1));
		node.mine();
		expect(await done).toEqual({ nextAttemptAt: null });

		const final = await entry(db, e.id);
		const hash = node.broadcasts[0];
		expect(final).toMatchObject({ status: 'confirmed', hash, nonce: 0, attempts: 1, failures: 0, confirmations: 2 });
		expect(final.receipt).toEqual({ blockNumber: 101, gasUsed: String(21_000 + e.data.length), status: 'success', logs: 1 });
		expect(final.error).toBeUndefined();
		expect(wallet.sends).toHaveLength(1);
		expect(node.broadcasts).toHaveLength(1);
		expect(changes.filter((c) => c.entry.id === e.id).map((c) => [c.entry.status, c.entry.confirmations])).toEqual([
			['queued', 0], ['sending', 0], ['sent', 0], ['sent', 1], ['sent', 2], ['confirmed', 2]
		]);
		// 'sending' carried the nonce before the wallet was asked; 'sent' carried the hash.
		expect(changes[1].entry.nonce).toBe(0);
		expect(changes[2].entry.hash).toBe(hash);
		// Nothing is pending: another pass sends nothing.
		await processOutbox(db, wallet);
		expect(wallet.sends).toHaveLength(1);
	});

	test('entries go out in creation order with consecutive nonces; other chains and accounts are left alone', async () => {
		const db = await freshDb();
		const node = new FakeNode();
		const wallet = new FakeWallet(node);
		const onlyAlice: Sender = Object.assign(wallet, { accounts: async () => [ALICE] });
		const ids: string[] = [];
		for (let i = 0; i < 3; i++) ids.push((await addToOutbox(db, newEntry({ createdAt: 1000 + i }))).entry.id);
		const otherChain = (await addToOutbox(db, newEntry({ chainId: 1612 }))).entry.id;
		const bobs = (await addToOutbox(db, newEntry({ from: BOB as Hex }))).entry.id;
		await processOutbox(db, onlyAlice);
		expect(await Promise.all(ids.map(async (id) => [(await entry(db, id)).status, (await entry(db, id)).nonce]))).toEqual([
			['confirmed', 0], ['confirmed', 1], ['confirmed', 2]
		]);
		expect(wallet.sends.map((s) => s.id)).toEqual(ids);
		expect((await entry(db, otherChain)).status).toBe('queued');
		expect((await entry(db, bobs)).status).toBe('queued');
	});

	test('a user rejection leaves the entry rejected with no automatic retry; retry sends it, cancel drops another', async () => {
		const db = await freshDb();
		const node = new FakeNode();
		const wallet = new FakeWallet(node);
		const rejection = chainError('UserRejectedError', 'You declined the request in your wallet.', {
			cause: chainError('TransactionExecutionError', 'User rejected the request.', { cause: { code: 4001, message: 'User denied transaction signature.' } })
		});
		wallet.failNext.push(rejection, rejection);
		const { entry: e } = await addToOutbox(db, newEntry());
		const { entry: other } = await addToOutbox(db, newEntry());

		expect(await processOutbox(db, wallet)).toEqual({ nextAttemptAt: null });
		for (const id of [e.id, other.id]) {
			const rejected = await entry(db, id);
			expect(rejected.status).toBe('rejected');
			expect(rejected.nonce).toBeUndefined();
			expect(rejected.error?.shortMessage).toBe('You declined the request in your wallet.');
			expect(rejected.error?.hint).toMatch(/Retry/);
		}
		await processOutbox(db, wallet);
		expect(wallet.sends).toHaveLength(2); // not asked again by itself

		await retryOutboxEntry(db, e.id);
		expect((await cancelOutboxEntry(db, other.id)).status).toBe('cancelled');
		await processOutbox(db, wallet);
		expect(await entry(db, e.id)).toMatchObject({ status: 'confirmed', nonce: 0, attempts: 2 });
		expect((await entry(db, e.id)).error).toBeUndefined();
		expect((await entry(db, other.id)).status).toBe('cancelled');
		expect(wallet.sends.map((s) => s.id)).toEqual([e.id, other.id, e.id]);
		expect(node.txs.size).toBe(1);
	});

	test('network errors back off 2 s, 4 s, 8 s ... up to 60 s, and the entry goes out once the network is back', async () => {
		const db = await freshDb();
		const node = new FakeNode();
		const wallet = new FakeWallet(node);
		let clock = Date.now() + 10_000;
		const now = () => clock;
		const { entry: e } = await addToOutbox(db, newEntry({ createdAt: clock }));
		node.setOnline(false);

		const delays: number[] = [];
		for (let i = 0; i < 7; i++) {
			const { nextAttemptAt } = await processOutbox(db, wallet, { now });
			const stored = await entry(db, e.id);
			expect(stored).toMatchObject({ status: 'queued', failures: i + 1, nextAttemptAt });
			expect(stored.error).toEqual({ shortMessage: 'HTTP request failed.', details: 'fetch failed' });
			delays.push(nextAttemptAt! - clock);
			// Not due a millisecond early: nothing happens.
			clock = nextAttemptAt! - 1;
			await processOutbox(db, wallet, { now });
			expect((await entry(db, e.id)).failures).toBe(i + 1);
			clock = nextAttemptAt!;
		}
		expect(delays).toEqual([2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
		expect(wallet.sends).toHaveLength(0);

		node.setOnline(true);
		expect(await processOutbox(db, wallet, { now })).toEqual({ nextAttemptAt: null });
		expect(await entry(db, e.id)).toMatchObject({ status: 'confirmed', failures: 0, attempts: 1 });
		expect((await entry(db, e.id)).error).toBeUndefined();
		expect(node.broadcasts).toHaveLength(1);
	});

	test('a wallet error mid-send is settled by the nonce: asked again if nothing went out, adopted if it did', async () => {
		const db = await freshDb();
		const node = new FakeNode();
		const wallet = new FakeWallet(node);
		let clock = Date.now() + 10_000;
		const now = () => clock;
		const timeout = () => chainError('TimeoutError', 'The request took too long to respond.');

		// Nothing went out: the account's nonce did not move, so the entry is queued and sent again.
		const { entry: a } = await addToOutbox(db, newEntry({ createdAt: clock }));
		wallet.failNext.push(timeout());
		await processOutbox(db, wallet, { now });
		expect(await entry(db, a.id)).toMatchObject({ status: 'sending', nonce: 0, failures: 1, nextAttemptAt: clock + 2000 });
		expect((await entry(db, a.id)).hash).toBeUndefined();
		clock += 2000;
		await processOutbox(db, wallet, { now });
		expect(await entry(db, a.id)).toMatchObject({ status: 'confirmed', nonce: 0, attempts: 2 });
		expect(wallet.sends).toHaveLength(2);
		expect(node.txs.size).toBe(1);

		// It went out but the answer was lost: the nonce moved, the transaction is found and adopted, not sent again.
		const { entry: b } = await addToOutbox(db, newEntry({ createdAt: clock }));
		wallet.loseAnswer = timeout();
		await processOutbox(db, wallet, { now });
		expect(await entry(db, b.id)).toMatchObject({ status: 'sending', nonce: 1, failures: 1 });
		clock += 2000;
		await processOutbox(db, wallet, { now });
		const adopted = await entry(db, b.id);
		expect(adopted).toMatchObject({ status: 'confirmed', nonce: 1, attempts: 1, hash: node.broadcasts.at(-1) });
		expect(wallet.sends).toHaveLength(3);
		expect(node.txs.size).toBe(2);
	});

	test('a reload while waiting for the receipt resumes the sent entry to confirmed without a second send', async () => {
		const name = freshDbName();
		const node = new FakeNode();
		node.autoMine = false;
		const before = new FakeWallet(node);
		let db = await openLedgerDb(name);
		const { entry: e } = await addToOutbox(db, newEntry());
		const runner = new OutboxRunner(db, before);
		runner.start();
		await vi.waitFor(async () => expect((await entry(db, e.id)).status).toBe('sent'));
		expect(before.waiting).toBe(1);

		// The page goes away: the runner stops, the database closes, the receipt wait dies with the page.
		await runner.stop();
		await closeLedgerDb(name);
		before.kill();

		db = await openLedgerDb(name);
		const after = new FakeWallet(node);
		const resumed = processOutbox(db, after);
		await vi.waitFor(() => expect(after.waiting).toBe(1));
		node.mine();
		await resumed;
		expect(await entry(db, e.id)).toMatchObject({ status: 'confirmed', hash: node.broadcasts[0], confirmations: 1 });
		expect(before.sends).toHaveLength(1);
		expect(after.sends).toHaveLength(0);
		expect(node.broadcasts).toHaveLength(1);
	});

	test('a local key signs once; its stored bytes are broadcast again after a failed broadcast and after the node lost them', async () => {
		const name = freshDbName();
		const node = new FakeNode();
		node.autoMine = false;
		let clock = Date.now() + 10_000;
		const now = () => clock;
		const signer = new FakeLocalSigner(node);
		signer.failBroadcast.push(httpError());
		let db = await openLedgerDb(name);
		const { entry: e } = await addToOutbox(db, newEntry({ createdAt: clock }));

		// Signed and stored, but the broadcast failed: the entry keeps its bytes and hash.
		await processOutbox(db, signer, { now });
		const signed = await entry(db, e.id);
		expect(signed).toMatchObject({ status: 'sending', nonce: 0, failures: 1 });
		expect(signed.rawTx).toMatch(/^0x/);
		expect(signed.hash).toBe(hashOf(decodeTx(signed.rawTx!)));
		expect(node.broadcasts).toHaveLength(0);

		// The backoff ends: the same bytes go out; the runner then waits for the receipt. The page closes meanwhile.
		clock += 2000;
		const runner = new OutboxRunner(db, signer, { now });
		runner.start();
		await vi.waitFor(async () => expect((await entry(db, e.id)).status).toBe('sent'));
		await runner.stop();
		await closeLedgerDb(name);
		signer.kill();
		expect(node.broadcasts).toEqual([signed.hash]);

		// The node restarted with an empty mempool: after the reload the stored bytes are broadcast again and mined.
		node.drop(signed.hash!);
		db = await openLedgerDb(name);
		const reloaded = new FakeLocalSigner(node);
		const resumed = processOutbox(db, reloaded, { now });
		await vi.waitFor(() => expect(reloaded.waiting).toBe(1));
		node.mine();
		await resumed;
		expect(await entry(db, e.id)).toMatchObject({ status: 'confirmed', hash: signed.hash, rawTx: signed.rawTx });
		expect(signer.prepares + reloaded.prepares).toBe(1);
		expect(node.broadcasts).toEqual([signed.hash, signed.hash]);
		expect(node.mined.size).toBe(1);
	});

	test("a 'sending' entry without a hash whose nonce moved adopts the found transaction, or fails if it is another call", async () => {
		const db = await freshDb();
		const node = new FakeNode();
		// A runner died after asking the wallet: the entries are 'sending' with their nonces and no hash, and the wallet
		// did broadcast the first one. At nonce 1 the node has a different call (sent from another app).
		const { entry: a } = await addToOutbox(db, newEntry());
		const { entry: b } = await addToOutbox(db, newEntry());
		await updateOutboxEntry(db, a.id, () => ({ status: 'sending', nonce: 0, attempts: 1 }));
		await updateOutboxEntry(db, b.id, () => ({ status: 'sending', nonce: 1, attempts: 1 }));
		const sentByWallet = node.submit({ from: ALICE as Hex, nonce: 0, to: a.to, data: a.data, value: 0n });
		node.submit({ from: ALICE as Hex, nonce: 1, to: LEDGER, data: '0xdeadbeef', value: 0n });

		const wallet = new FakeWallet(node);
		await processOutbox(db, wallet);
		expect(await entry(db, a.id)).toMatchObject({ status: 'confirmed', hash: sentByWallet, nonce: 0, attempts: 1 });
		const lost = await entry(db, b.id);
		expect(lost.status).toBe('failed');
		expect(lost.hash).toBeUndefined();
		expect(lost.error?.shortMessage).toMatch(/may have sent/);
		expect(lost.error?.hint).toMatch(/Check your wallet/);
		expect(wallet.sends).toHaveLength(0);
		expect(node.broadcasts).toHaveLength(2);
	});

	test('a sent transaction the wallet replaced (same nonce, another hash) is adopted when it is the same call', async () => {
		const db = await freshDb();
		const node = new FakeNode();
		const { entry: e } = await addToOutbox(db, newEntry());
		// The stored hash never reached the node; the wallet sped it up: same call and nonce, another fee, another hash.
		await updateOutboxEntry(db, e.id, () => ({ status: 'sent', nonce: 0, hash: ('0x' + '77'.repeat(32)) as Hex }));
		const faster = node.submit({ from: ALICE as Hex, nonce: 0, to: e.to, data: e.data, value: 0n });
		const wallet = new FakeWallet(node);
		await processOutbox(db, wallet);
		expect(await entry(db, e.id)).toMatchObject({ status: 'confirmed', hash: faster });
		expect(wallet.sends).toHaveLength(0);
	});

	test('a Sender that cannot look hashes up: a lost send is adopted by its nonce, an unknown replacement is not', async () => {
		const db = await freshDb();
		const node = new FakeNode();
		const { entry: lostAnswer } = await addToOutbox(db, newEntry());
		const { entry: cancelled } = await addToOutbox(db, newEntry());
		await updateOutboxEntry(db, lostAnswer.id, () => ({ status: 'sending', nonce: 0, attempts: 1 }));
		const sentByWallet = node.submit({ from: ALICE as Hex, nonce: 0, to: lostAnswer.to, data: lostAnswer.data, value: 0n });
		// The wallet's "cancel": a zero-value transaction to itself at the sent entry's nonce.
		await updateOutboxEntry(db, cancelled.id, () => ({ status: 'sent', nonce: 1, hash: ('0x' + '77'.repeat(32)) as Hex }));
		node.submit({ from: ALICE as Hex, nonce: 1, to: ALICE as Hex, data: '0x', value: 0n });

		const wallet = new FakeWallet(node, { getTransaction: false });
		await processOutbox(db, wallet);
		expect(await entry(db, lostAnswer.id)).toMatchObject({ status: 'confirmed', hash: sentByWallet });
		const replaced = await entry(db, cancelled.id);
		expect(replaced).toMatchObject({ status: 'failed', hash: '0x' + '77'.repeat(32) });
		expect(replaced.error?.shortMessage).toMatch(/took this one's place/);
		expect(wallet.sends).toHaveLength(0);
	});

	test('a revert fails the entry with its message: onchain (receipt) and before sending (decoded by the Sender)', async () => {
		const db = await freshDb();
		const node = new FakeNode();
		const wallet = new FakeWallet(node);
		node.reverting.add(LEDGER);
		const { entry: onchain } = await addToOutbox(db, newEntry({ to: LEDGER }));
		await processOutbox(db, wallet);
		const failed = await entry(db, onchain.id);
		expect(failed).toMatchObject({ status: 'failed', hash: node.broadcasts[0], receipt: { status: 'reverted', logs: 0, blockNumber: 101 } });
		expect(failed.error?.shortMessage).toBe('The transaction reverted onchain.');
		expect(failed.error?.details).toContain(node.broadcasts[0]);

		const { entry: early } = await addToOutbox(db, newEntry());
		wallet.failNext.push(
			new BaseError('This batch was already submitted.', { details: 'BatchAlreadySubmitted(0x01)', hint: 'Open the batch instead.', cause: chainError('ContractFunctionRevertedError', 'reverted') })
		);
		await processOutbox(db, wallet);
		const refused = await entry(db, early.id);
		expect(refused).toMatchObject({ status: 'failed', failures: 0 });
		expect(refused.error).toEqual({ shortMessage: 'This batch was already submitted.', details: 'BatchAlreadySubmitted(0x01)', hint: 'Open the batch instead.' });
		expect(refused.nonce).toBeUndefined();
		await processOutbox(db, wallet);
		expect(wallet.sends).toHaveLength(2); // a failed entry waits for the user
		expect(node.txs.size).toBe(1);
	});

	test('two runners on one database (two tabs) never send an entry twice', async () => {
		const name = freshDbName();
		const tab1 = await openLedgerDb(name);
		// A second connection, as another tab has.
		const tab2 = (await openDB<LedgerDB>(name, DB_VERSION)) as unknown as LedgerDatabase;
		try {
			const node = new FakeNode();
			const w1 = new FakeWallet(node);
			const w2 = new FakeWallet(node);
			for (const w of [w1, w2]) w.beforeSend = () => sleep(20);
			const ids: string[] = [];
			for (let i = 0; i < 4; i++) ids.push((await addToOutbox(tab1, newEntry({ from: (i % 2 ? BOB : ALICE) as Hex }))).entry.id);

			// The second and third start while the first is inside the wallet with an entry 'sending': without the lock
			// they would take that entry for one left by a closed tab, see the nonce unmoved, and send it again.
			const claimed = new Promise<void>((resolve) => {
				const off = onOutboxChange(tab1, ({ entry: e }) => {
					if (e.id === ids[0] && e.status === 'sending') resolve(off());
				});
			});
			const first = processOutbox(tab1, w1);
			await claimed;
			await Promise.all([first, processOutbox(tab2, w2), processOutbox(tab1, w2)]);
			expect(w1.sends.length + w2.sends.length).toBe(4);
			expect(node.txs.size).toBe(4);
			expect(new Set(node.broadcasts).size).toBe(node.broadcasts.length);
			for (const id of ids) expect((await entry(tab1, id)).status).toBe('confirmed');

			// Started runners: one holds the lock; the other waits and takes over when the first stops.
			const r1 = new OutboxRunner(tab1, w1);
			const r2 = new OutboxRunner(tab2, w2);
			r1.start();
			await vi.waitFor(() => expect(r1.active).toBe(true));
			r2.start();
			await sleep(50);
			expect(r2.active).toBe(false);
			const { entry: x } = await addToOutbox(tab1, newEntry());
			await vi.waitFor(async () => expect((await entry(tab1, x.id)).status).toBe('confirmed'));
			await r1.stop();
			await vi.waitFor(() => expect(r2.active).toBe(true));
			const { entry: y } = await addToOutbox(tab1, newEntry());
			await vi.waitFor(async () => expect((await entry(tab1, y.id)).status).toBe('confirmed'));
			await r2.stop();
			expect(w1.sends.map((s) => s.id)).toContain(x.id);
			expect(w2.sends.map((s) => s.id)).toContain(y.id);
			expect(node.txs.size).toBe(6);
		} finally {
			tab2.close();
		}
	});

	test('a started runner sends what is added, backs off while offline and sends once the network is back', async () => {
		const db = await freshDb();
		const node = new FakeNode();
		const wallet = new FakeWallet(node);
		const runner = new OutboxRunner(db, wallet, { backoffBaseMs: 20, backoffMaxMs: 40 });
		runner.start();
		try {
			const { entry: first } = await addToOutbox(db, newEntry());
			await vi.waitFor(async () => expect((await entry(db, first.id)).status).toBe('confirmed'));

			node.setOnline(false);
			const { entry: second } = await addToOutbox(db, newEntry());
			await vi.waitFor(async () => expect((await entry(db, second.id)).failures).toBeGreaterThanOrEqual(3));
			expect((await entry(db, second.id)).status).toBe('queued');
			node.setOnline(true);
			await vi.waitFor(async () => expect((await entry(db, second.id)).status).toBe('confirmed'));
			expect(wallet.sends.map((s) => s.id)).toEqual([first.id, second.id]);
		} finally {
			await runner.stop();
		}
		expect(runner.active).toBe(false);
	});
});
