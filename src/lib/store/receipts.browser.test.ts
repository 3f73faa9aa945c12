// Receipts and model registrations against Chromium's IndexedDB: one receipt per answer, newest first, per model;
// a recorded receipt is never replaced; a model's registrations per chain.
import { describe, expect, test } from 'vitest';
import { buildReceipt, type ReceiptMethod } from '../attribution/receipt';
import { getModelRow, getReceipt, listReceipts, putReceipt, receiptId, setModelOnchain, setRecorded } from './receipts';
import { ALICE, BOB, freshDb } from './test-fixtures';

const method: ReceiptMethod = { name: 'influence', parameters: { k: 16 }, top: [{ cid: 'bafk-1', contributor: ALICE, score: 1 }], shares: [{ contributor: ALICE, bps: 10_000 }] };
const receiptOf = (runId: string, output: string) => buildReceipt({ model: { runId, weightsHash: '0x' + '11'.repeat(32), chainId: null, modelId: null }, prompt: 'wolf:', output, methods: [method] });

describe('receipts in IndexedDB', () => {
	test('stores one receipt per answer, lists them newest first and per model, and keeps a recorded one', async () => {
		const db = await freshDb();
		const a = await putReceipt(db, receiptOf('run-a', ' a dog'), 1);
		await putReceipt(db, receiptOf('run-b', ' a cat'), 2);
		await putReceipt(db, receiptOf('run-a', ' a fox'), 3);
		expect(a.id).toBe(receiptId('run-a', a.receipt));
		expect((await listReceipts(db)).map((r) => r.receipt.output)).toEqual([' a fox', ' a cat', ' a dog']);
		expect((await listReceipts(db, 'run-a')).map((r) => r.receipt.output)).toEqual([' a fox', ' a dog']);
		// The same answer again replaces the unrecorded receipt and keeps its creation time.
		const changed = { ...receiptOf('run-a', ' a dog'), shares: [{ contributor: BOB, bps: 10_000 }] };
		expect(await putReceipt(db, changed, 9)).toMatchObject({ createdAt: 1, receipt: { shares: [{ contributor: BOB }] } });
		await setRecorded(db, a.id, { chainId: 31337, outboxId: 'inference:1', modelId: '1', valueWei: '100' });
		const recorded = await setRecorded(db, a.id, { chainId: 31337, outboxId: 'inference:1', modelId: '1', valueWei: '100', txHash: '0xab' });
		expect(recorded.recorded).toMatchObject({ txHash: '0xab', modelId: '1' });
		// Once recorded, a receipt stays as it was paid.
		expect((await putReceipt(db, receiptOf('run-a', ' a dog'), 10)).receipt.shares).toEqual([{ contributor: BOB, bps: 10_000 }]);
		await expect(getReceipt(db, 'nope')).rejects.toThrow(/no such receipt/);
	});

	test('records a model\'s registration per chain', async () => {
		const db = await freshDb();
		expect(await getModelRow(db, 'run-a')).toEqual({ runId: 'run-a', onchain: {} });
		const value = { modelId: '3', feeWei: '1000', trainingRoot: ('0x' + '22'.repeat(32)) as `0x${string}`, weightsHash: ('0x' + '33'.repeat(32)) as `0x${string}`, registeredAt: 5 };
		await setModelOnchain(db, 'run-a', 31337, value);
		await setModelOnchain(db, 'run-a', 1, { ...value, modelId: '8' });
		expect(await getModelRow(db, 'run-a')).toEqual({ runId: 'run-a', onchain: { '31337': value, '1': { ...value, modelId: '8' } } });
	});
});
