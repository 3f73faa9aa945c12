// Receipts of attributed answers and the onchain registrations of models, in IndexedDB (migration 5). A receipt is
// stored when it is made, before anything is paid, and marked recorded once its recordInference write confirms; the
// write itself lives in the outbox, so a closed tab loses neither.
import type { Receipt } from '../attribution/receipt';
import { NotFoundError } from '../core/errors';
import type { LedgerDatabase } from './db';
import type { ModelRow, ReceiptRow } from './schema';

/** A receipt's key: one receipt per answer of a model. */
export function receiptId(runId: string, receipt: Pick<Receipt, 'outputHash'>): string {
	return `${runId}:${receipt.outputHash}`;
}

/** Stores a receipt (replacing one for the same answer unless that one is recorded) and returns its row. */
export async function putReceipt(db: LedgerDatabase, receipt: Receipt, now = Date.now()): Promise<ReceiptRow> {
	const id = receiptId(receipt.model.runId, receipt);
	const tx = db.transaction('receipts', 'readwrite');
	const existing = await tx.store.get(id);
	if (existing?.recorded) {
		await tx.done;
		return existing;
	}
	const row: ReceiptRow = { id, runId: receipt.model.runId, receipt, createdAt: existing?.createdAt ?? now };
	await tx.store.put(row);
	await tx.done;
	return row;
}

export async function getReceipt(db: LedgerDatabase, id: string): Promise<ReceiptRow> {
	const row = await db.get('receipts', id);
	if (!row) throw new NotFoundError('There is no such receipt in this browser.', { details: id });
	return row;
}

/** Receipts, newest first; of one model's run when given. */
export async function listReceipts(db: LedgerDatabase, runId?: string): Promise<ReceiptRow[]> {
	const rows = runId === undefined
		? await db.getAllFromIndex('receipts', 'byCreated')
		: await db.getAllFromIndex('receipts', 'byRun', IDBKeyRange.bound([runId, -Infinity], [runId, Infinity]));
	return rows.reverse();
}

/** Sets (or updates) where a receipt was recorded. */
export async function setRecorded(db: LedgerDatabase, id: string, recorded: NonNullable<ReceiptRow['recorded']>): Promise<ReceiptRow> {
	const tx = db.transaction('receipts', 'readwrite');
	const row = await tx.store.get(id);
	if (!row) throw new NotFoundError('There is no such receipt in this browser.', { details: id });
	const next = { ...row, recorded: { ...row.recorded, ...recorded } };
	await tx.store.put(next);
	await tx.done;
	return next;
}

/** A model's onchain registrations (an empty row when it has none). */
export async function getModelRow(db: LedgerDatabase, runId: string): Promise<ModelRow> {
	return (await db.get('models', runId)) ?? { runId, onchain: {} };
}

/** Records a model's registration on a chain. */
export async function setModelOnchain(db: LedgerDatabase, runId: string, chainId: number, value: ModelRow['onchain'][string]): Promise<ModelRow> {
	const tx = db.transaction('models', 'readwrite');
	const row = (await tx.store.get(runId)) ?? { runId, onchain: {} };
	const next = { ...row, onchain: { ...row.onchain, [String(chainId)]: value } };
	await tx.store.put(next);
	await tx.done;
	return next;
}
