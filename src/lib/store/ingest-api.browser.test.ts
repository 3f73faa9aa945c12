// End to end through the real ingest worker (workers/ingest.worker.ts, loaded by Vite as a module worker, called
// with comlink): the worker opens the app's default database, so this test deletes it before and after.
import * as Comlink from 'comlink';
import { deleteDB } from 'idb';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { cidDigestHex, parseCid } from '../core/cid';
import { verifyAuthorship } from '../core/signature';
import { localAccount } from './accounts';
import { DB_NAME, closeLedgerDb, openLedgerDb } from './db';
import { createDatanet, getStats } from './datanets';
import type { IngestApi } from './ingest-api';
import type { IngestProgress } from './ingest';
import { pageRecords } from './records';
import { datanetInput } from './test-fixtures';
import type { Hex } from './schema';

let worker: Worker | null = null;

beforeEach(() => deleteDB(DB_NAME));
afterEach(async () => {
	worker?.terminate(); // closes the worker's connection
	worker = null;
	await closeLedgerDb(DB_NAME);
	await deleteDB(DB_NAME);
});

test('the ingest worker adds a form record and imports a JSONL file as the local account, signed', async () => {
	const db = await openLedgerDb(DB_NAME);
	const d = await createDatanet(db, datanetInput({ name: 'Worker test' }));

	worker = new Worker(new URL('../../../workers/ingest.worker.ts', import.meta.url), { type: 'module' });
	const api = Comlink.wrap<IngestApi>(worker);

	const added = await api.addRecord(d.id, { text: 'Added through the form.' });
	expect(added).toMatchObject({ stored: 1, signed: 1, rejected: 0 });

	const jsonl = ['{"text": "From a file, line one."}', '{"text": "From a file, line two."}', 'not json', '{"text": "Added through the form."}'].join('\n');
	const file = new File([jsonl], 'worker.jsonl', { type: 'application/jsonl' });
	const progress: IngestProgress[] = [];
	const report = await api.importFile(file, d.id, { format: 'jsonl' }, Comlink.proxy((p: IngestProgress) => void progress.push(p)));
	expect(report).toMatchObject({ stored: 2, signed: 2, duplicates: 1, rejected: 2 });
	expect(report.issues.map((i) => [i.line, i.reason])).toEqual([[3, 'invalid-json'], [4, 'duplicate']]);
	// Progress arrives on the callback's own port, so it may land just after the result: wait for the last event.
	await expect.poll(() => progress.at(-1)).toMatchObject({ phase: 'done', fraction: 1 });

	// The worker created the local account in the shared database; the page sees the same one and the records.
	const { row } = await localAccount(db);
	const rows = await pageRecords(db, d.id, 0, 10);
	expect(rows.map((r) => [r.source, r.sigStatus, r.contributor])).toEqual([
		['form:1', 'valid', row.address],
		['worker.jsonl:1', 'valid', row.address],
		['worker.jsonl:2', 'valid', row.address]
	]);
	for (const r of rows) {
		const ok = await verifyAuthorship({ datanetId: d.id, cidDigest: cidDigestHex(parseCid(r.cid)), contributor: row.address as Hex, signature: r.signature! });
		expect(ok).toBe(true);
	}
	expect((await getStats(db, d.id)).total).toBe(3);
});

test('errors thrown in the worker reach the page with their message', async () => {
	worker = new Worker(new URL('../../../workers/ingest.worker.ts', import.meta.url), { type: 'module' });
	const api = Comlink.wrap<IngestApi>(worker);
	await expect(api.addRecord(('0x' + '00'.repeat(32)) as Hex, { text: 'x' })).rejects.toThrow('This Datanet does not exist here.');
});
