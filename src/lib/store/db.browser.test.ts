// Migration tests against Chromium's IndexedDB: data written in the version-1 shape must come through each upgrade:
// counters backfilled (migration 2), records moved into chunk rows with every record, seq and status kept (migration 3),
// the outbox and the chain-read cache added beside untouched data (migration 4).
import type { IDBPDatabase } from 'idb';
import { describe, expect, test } from 'vitest';
import { DB_VERSION, closeLedgerDb, openLedgerDb } from './db';
import { getSetting, setSetting } from './accounts';
import { appendCachedLogs } from './chainCache';
import { createDatanet, getDatanet, getStats } from './datanets';
import { addToOutbox, listOutbox } from './outbox';
import { datanetSketches, getRecord, pageRecords, putRecords, recordsNeeding } from './records';
import { ALICE, BOB, datanetInput, freshDb, freshDbName, textRecord } from './test-fixtures';
import type { Datanet, Hex, StoredRecord } from './schema';

const A = ('0x' + 'aa'.repeat(32)) as Hex;
const B = ('0x' + 'bb'.repeat(32)) as Hex;
const EMPTY = ('0x' + 'ee'.repeat(32)) as Hex;

function v1Datanet(id: Hex, name: string): Datanet {
	return { ...datanetInput({ name }), id, createdAt: 1, updatedAt: 1 };
}

/** The untyped handle: versions 1 and 2 had a `records` store that the current schema no longer names. */
const legacy = (db: unknown) => db as IDBPDatabase<unknown>;

function v1Record(datanetId: Hex, seq: number, text: string, over: Partial<StoredRecord> = {}): StoredRecord {
	return { ...textRecord(datanetId, text), seq, createdAt: 1000 + seq, updatedAt: 1000 + seq, ...over };
}

describe('migrations', () => {
	test('a fresh open at the latest version creates every store and index, with no counters yet', async () => {
		const db = await freshDb();
		expect(db.version).toBe(DB_VERSION);
		expect(DB_VERSION).toBe(5);
		expect([...db.objectStoreNames].sort()).toEqual(['accounts', 'chainCache', 'chunks', 'datanets', 'models', 'outbox', 'receipts', 'settings', 'sketches', 'stats']);
		const tx = db.transaction(['chunks', 'outbox', 'receipts']);
		expect([...tx.objectStore('chunks').indexNames].sort()).toEqual(['byCid', 'byTodo']);
		expect([...tx.objectStore('outbox').indexNames].sort()).toEqual(['byCreated', 'byStatus']);
		expect([...tx.objectStore('receipts').indexNames].sort()).toEqual(['byCreated', 'byRun']);
		await tx.done;
		expect(await db.count('stats')).toBe(0);
	});

	test('version 1 has no stats store and no contributor index', async () => {
		const db = legacy(await freshDb(1));
		expect(db.version).toBe(1);
		expect(db.objectStoreNames.contains('stats')).toBe(false);
		const tx = db.transaction('records');
		expect(tx.store.indexNames.contains('byContributor')).toBe(false);
		await tx.done;
	});

	test('upgrading 1 -> 2 -> 3 backfills the counters, then moves every record into chunk rows', async () => {
		const name = freshDbName();
		const v1 = legacy(await openLedgerDb(name, 1));
		const records = [
			v1Record(A, 0, 'first record of A', { contributor: ALICE, status: 'approved' }),
			v1Record(A, 1, 'second record of A', { contributor: BOB, status: 'pending' }),
			v1Record(A, 2, 'third record of A', { contributor: ALICE, status: 'pending', nearDupOf: 'bafkfake', nearDupJaccard: 0.92 }),
			v1Record(A, 3, 'fourth record of A', { contributor: ALICE, status: 'rejected' }),
			v1Record(A, 4, 'fifth record of A', { contributor: BOB, status: 'approved' }),
			v1Record(B, 0, 'first record of B', { contributor: BOB, status: 'approved' }),
			v1Record(B, 1, 'second record of B', { contributor: BOB, status: 'approved' })
		];
		const tx = v1.transaction(['datanets', 'records', 'sketches'], 'readwrite');
		for (const d of [v1Datanet(A, 'A'), v1Datanet(B, 'B'), v1Datanet(EMPTY, 'Empty')]) void tx.objectStore('datanets').put(d);
		for (const r of records) void tx.objectStore('records').put(r);
		// Two sketch chunks of A, as two v1 imports would have written them.
		void tx.objectStore('sketches').put({ datanetId: A, chunk: 0, cids: [records[0].cid], sigs: new Uint32Array(128).fill(7) });
		void tx.objectStore('sketches').put({ datanetId: A, chunk: 1, cids: [records[1].cid], sigs: new Uint32Array(128).fill(8) });
		await tx.done;
		await closeLedgerDb(name);

		const v2 = legacy(await openLedgerDb(name, 2));
		expect(v2.version).toBe(2);
		expect(await v2.count('records')).toBe(records.length);

		expect(await v2.get('stats', A)).toEqual({
			datanetId: A,
			total: 5,
			nextSeq: 5,
			byStatus: { approved: 2, pending: 2, rejected: 1 },
			byContributor: { [ALICE]: 3, [BOB]: 2 },
			bySig: { unsigned: 0, unverified: 0, valid: 0, invalid: 5, missing: 0 },
			nearDuplicates: 1,
			sketchChunks: 2
		});
		expect(await v2.get('stats', B)).toMatchObject({ total: 2, nextSeq: 2, byStatus: { approved: 2, pending: 0, rejected: 0 }, byContributor: { [BOB]: 2 } });
		// A Datanet without records still gets (empty) counters.
		expect(await v2.get('stats', EMPTY)).toMatchObject({ total: 0, nextSeq: 0, sketchChunks: 0 });

		// Version 2's contributor index pages one contributor's records of one Datanet in seq order.
		const bobInA = (await v2.getAllFromIndex('records', 'byContributor', IDBKeyRange.bound([A, BOB, 0], [A, BOB, Infinity]))) as StoredRecord[];
		expect(bobInA.map((r) => r.seq)).toEqual([1, 4]);
		expect(await v2.countFromIndex('records', 'byContributor', IDBKeyRange.bound([B, ALICE, 0], [B, ALICE, Infinity]))).toBe(0);
		await closeLedgerDb(name);

		// Version 3 (opened at the latest, so every later migration runs too): the same records, in chunk rows, found
		// by seq and by CID; the per-record store is gone.
		const db = await openLedgerDb(name);
		expect(db.version).toBe(DB_VERSION);
		expect(db.objectStoreNames.contains('records' as never)).toBe(false);
		const pageA = await pageRecords(db, A, 0, 10);
		expect(pageA.map((r) => [r.seq, r.cid, r.status])).toEqual(records.slice(0, 5).map((r) => [r.seq, r.cid, r.status]));
		expect((await pageRecords(db, B, 0, 10)).map((r) => r.cid)).toEqual([records[5].cid, records[6].cid]);
		expect(await getRecord(db, A, records[2].cid)).toEqual(records[2]);
		expect((await recordsNeeding(db, A, 'pending', 10)).map((r) => r.seq)).toEqual([1, 2]);
		expect(await getStats(db, A)).toMatchObject({ total: 5, nextSeq: 5, byStatus: { approved: 2, pending: 2, rejected: 1 }, nearDuplicates: 1, sketchChunks: 2 });

		// Writing after the upgrade continues the seq numbers and the sketch chunks instead of overwriting them.
		const { stored } = await putRecords(db, A, [{ record: textRecord(A, 'a record added after the upgrade'), sketch: new Uint32Array(128).fill(9) }], 128);
		expect(stored[0].seq).toBe(5);
		const chunks = await datanetSketches(db, A);
		expect(chunks.map((c) => [c.chunk, c.sigs[0]])).toEqual([[0, 7], [1, 8], [2, 9]]);
		expect(await getStats(db, A)).toMatchObject({ total: 6, nextSeq: 6, sketchChunks: 3 });
	});

	test('upgrading 3 -> 5 adds an empty outbox, chain-read cache, receipts and models and leaves Datanets, records and settings as they were', async () => {
		const name = freshDbName();
		const v3 = await openLedgerDb(name, 3);
		expect(v3.objectStoreNames.contains('outbox')).toBe(false);
		const datanet = await createDatanet(v3, datanetInput({ name: 'Before the outbox' }));
		await putRecords(v3, datanet.id, [0, 1, 2].map((i) => ({ record: textRecord(datanet.id, `record ${i}`) })));
		await setSetting(v3, 'network', 'local');
		await closeLedgerDb(name);

		const db = await openLedgerDb(name);
		expect(db.version).toBe(5);
		expect(await getDatanet(db, datanet.id)).toEqual(datanet);
		expect((await pageRecords(db, datanet.id, 0, 10)).map((r) => r.content)).toEqual([0, 1, 2].map((i) => textRecord(datanet.id, `record ${i}`).content));
		expect(await getStats(db, datanet.id)).toMatchObject({ total: 3, nextSeq: 3 });
		expect(await getSetting(db, 'network', null)).toBe('local');
		expect(await db.count('outbox')).toBe(0);
		expect(await db.count('chainCache')).toBe(0);
		expect(await db.count('receipts')).toBe(0);
		expect(await db.count('models')).toBe(0);

		// Both new stores work: an outbox entry found by status, a cache row by its compound key.
		const { entry } = await addToOutbox(db, {
			id: 'publish:1', kind: 'publish', label: 'Publish', chainId: 31337, from: ALICE as Hex, to: BOB as Hex, data: '0x'
		});
		expect(await listOutbox(db, { status: 'queued' })).toEqual([entry]);
		await appendCachedLogs(db, { chainId: 31337, address: BOB, query: 'Credited' }, [], 10);
		expect(await db.get('chainCache', [31337, BOB, 'Credited'])).toMatchObject({ scannedTo: 10, logs: [] });
	});

	test('an open version-1 connection does not block the upgrade: it is closed for the newer version', async () => {
		const name = freshDbName();
		const v1 = await openLedgerDb(name, 1);
		const db = await openLedgerDb(name);
		expect(db.version).toBe(DB_VERSION);
		expect(db.objectStoreNames.contains('stats')).toBe(true);
		// The old handle was closed by the `blocking` callback (it now refuses transactions).
		expect(() => v1.transaction('datanets')).toThrow(/clos/);
	});
});
