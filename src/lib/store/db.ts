// Opens the Ledgerlight IndexedDB database and runs its migrations in order, one function per version.
// Migrations are tested by opening an older version with data, closing it and reopening at the latest version.
import { openDB, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { toUserError } from '../core/errors';
import { CHUNK_SIZE, type ChunkRecord, type DatanetStats, type LedgerDB, type RecordChunk, type StoredRecord } from './schema';

export const DB_NAME = 'ledgerlight';
export type LedgerDatabase = IDBPDatabase<LedgerDB>;
// Migrations see every store that ever existed (v1's `records` is gone since v3), so they use the untyped handles.
type AnyDB = IDBPDatabase<unknown>;
type UpgradeTx = IDBPTransaction<unknown, string[], 'versionchange'>;

/** Version 1: Datanets, one row per record with paging/status/signature indexes, MinHash sketches, accounts,
 * settings. */
function v1(db: AnyDB) {
	const datanets = db.createObjectStore('datanets', { keyPath: 'id' });
	datanets.createIndex('byUpdated', 'updatedAt');
	const records = db.createObjectStore('records', { keyPath: ['datanetId', 'cid'] });
	records.createIndex('bySeq', ['datanetId', 'seq'], { unique: true });
	records.createIndex('byStatus', ['datanetId', 'status', 'seq']);
	records.createIndex('bySig', ['datanetId', 'sigStatus', 'seq']);
	db.createObjectStore('sketches', { keyPath: ['datanetId', 'chunk'] });
	db.createObjectStore('accounts', { keyPath: 'address' });
	db.createObjectStore('settings', { keyPath: 'key' });
}

/** Version 2: per-Datanet counters (so counts per status and contributor need no scan) and a contributor index;
 * counters are backfilled from the stored records. */
async function v2(db: AnyDB, tx: UpgradeTx) {
	db.createObjectStore('stats', { keyPath: 'datanetId' });
	tx.objectStore('records').createIndex('byContributor', ['datanetId', 'contributor', 'seq']);
	const stats = new Map<string, DatanetStats>();
	let cursor = await tx.objectStore('records').openCursor();
	while (cursor) {
		const r = cursor.value as StoredRecord;
		let s = stats.get(r.datanetId);
		if (!s) stats.set(r.datanetId, (s = emptyStats(r.datanetId)));
		countRecord(s, r, 1);
		s.nextSeq = Math.max(s.nextSeq, r.seq + 1);
		cursor = await cursor.continue();
	}
	let dn = await tx.objectStore('datanets').openCursor();
	while (dn) {
		const id = (dn.value as { id: DatanetStats['datanetId'] }).id;
		if (!stats.has(id)) stats.set(id, emptyStats(id));
		dn = await dn.continue();
	}
	// Sketch chunks are numbered from stats.sketchChunks: start after the stored ones, or the next write overwrites them.
	for (const key of await tx.objectStore('sketches').getAllKeys()) {
		const [datanetId, chunk] = key as [string, number];
		const s = stats.get(datanetId);
		if (s) s.sketchChunks = Math.max(s.sketchChunks, chunk + 1);
	}
	for (const s of stats.values()) await tx.objectStore('stats').put(s);
}

/** Version 3: records move into chunk rows of CHUNK_SIZE (see schema.ts) with a unique CID index and a to-do index;
 * the per-record store and its four indexes go; counters gain per-signature-state counts. Seq numbers are kept. */
async function v3(db: AnyDB, tx: UpgradeTx) {
	const chunks = db.createObjectStore('chunks', { keyPath: ['datanetId', 'chunk'] });
	chunks.createIndex('byCid', 'cidKeys', { unique: true, multiEntry: true });
	chunks.createIndex('byTodo', 'todo', { multiEntry: true });
	const byDatanet = new Map<string, StoredRecord[]>();
	let cursor = await tx.objectStore('records').openCursor();
	while (cursor) {
		const r = cursor.value as StoredRecord;
		if (!byDatanet.has(r.datanetId)) byDatanet.set(r.datanetId, []);
		byDatanet.get(r.datanetId)!.push(r);
		cursor = await cursor.continue();
	}
	for (const [datanetId, records] of byDatanet) {
		records.sort((a, b) => a.seq - b.seq);
		const stats = ((await tx.objectStore('stats').get(datanetId)) as DatanetStats | undefined) ?? emptyStats(datanetId as DatanetStats['datanetId']);
		const fresh = { ...emptyStats(stats.datanetId), sketchChunks: stats.sketchChunks };
		records.forEach((r, i) => {
			r.seq = i; // v1 assigned seq without gaps; renumbering only guards against a gap left by an old bug
			countRecord(fresh, r, 1);
		});
		fresh.nextSeq = records.length;
		for (let c = 0; c * CHUNK_SIZE < records.length; c++) {
			await tx.objectStore('chunks').put(makeChunk(stats.datanetId, c, records.slice(c * CHUNK_SIZE, (c + 1) * CHUNK_SIZE)));
		}
		await tx.objectStore('stats').put(fresh);
	}
	let s = await tx.objectStore('stats').openCursor();
	while (s) {
		const value = s.value as DatanetStats;
		if (!value.bySig) await s.update({ ...value, bySig: emptyStats(value.datanetId).bySig });
		s = await s.continue();
	}
	db.deleteObjectStore('records');
}

/** Version 4: the outbox of chain writes (found by status, listed by creation time) and the cache of chain reads, one
 * row per (chain, contract, query). Both start empty; no earlier data changes. */
function v4(db: AnyDB) {
	const outbox = db.createObjectStore('outbox', { keyPath: 'id' });
	outbox.createIndex('byStatus', ['status', 'createdAt']);
	outbox.createIndex('byCreated', 'createdAt');
	db.createObjectStore('chainCache', { keyPath: ['chainId', 'address', 'query'] });
}

/** Version 5: receipts of attributed answers (listed by creation time, found by model) and the onchain registrations
 * of models trained or imported here, one row per training run. Both start empty. */
function v5(db: AnyDB) {
	const receipts = db.createObjectStore('receipts', { keyPath: 'id' });
	receipts.createIndex('byCreated', 'createdAt');
	receipts.createIndex('byRun', ['runId', 'createdAt']);
	db.createObjectStore('models', { keyPath: 'runId' });
}

export const MIGRATIONS = [v1, v2, v3, v4, v5] as const;
export const DB_VERSION = MIGRATIONS.length;

/** Returns empty counters for a Datanet. */
export function emptyStats(datanetId: DatanetStats['datanetId']): DatanetStats {
	return {
		datanetId, total: 0, nextSeq: 0, byStatus: { pending: 0, approved: 0, rejected: 0 }, byContributor: {},
		bySig: { unsigned: 0, unverified: 0, valid: 0, invalid: 0, missing: 0 }, nearDuplicates: 0, sketchChunks: 0
	};
}

/** Adds (sign = 1) or removes (sign = -1) one record from a Datanet's counters. */
export function countRecord(s: DatanetStats, r: Pick<StoredRecord, 'status' | 'contributor' | 'nearDupOf' | 'sigStatus'>, sign: 1 | -1) {
	s.total += sign;
	s.byStatus[r.status] += sign;
	if (s.bySig) s.bySig[r.sigStatus] += sign;
	s.byContributor[r.contributor] = (s.byContributor[r.contributor] ?? 0) + sign;
	if (s.byContributor[r.contributor] === 0) delete s.byContributor[r.contributor];
	if (r.nearDupOf) s.nearDuplicates += sign;
}

const handles = new Map<string, Promise<LedgerDatabase>>();

/** Opens (and upgrades) the database; `version` below the latest is for migration tests only. */
export function openLedgerDb(name = DB_NAME, version: number = DB_VERSION): Promise<LedgerDatabase> {
	const key = `${name}@${version}`;
	let handle = handles.get(key);
	if (!handle) {
		handle = openDB<LedgerDB>(name, version, {
			async upgrade(db, oldVersion, newVersion, tx) {
				for (let v = oldVersion; v < (newVersion ?? version); v++) {
					await MIGRATIONS[v](db as unknown as AnyDB, tx as unknown as UpgradeTx);
				}
			},
			blocking() {
				// Another tab or a newer version wants to upgrade: let it.
				void handle?.then((db) => db.close());
				handles.delete(key);
			}
		}).catch((e) => {
			handles.delete(key);
			throw toUserError(e);
		});
		handles.set(key, handle);
	}
	return handle;
}

/** Closes a database opened by openLedgerDb (tests, and before deleting it). */
export async function closeLedgerDb(name = DB_NAME) {
	for (const [key, handle] of handles) {
		if (key.startsWith(`${name}@`)) {
			handles.delete(key);
			(await handle).close();
		}
	}
}

/** Builds a chunk row from consecutive records (their Datanet id is kept once, on the row), with its CID keys and
 * to-do markers. */
export function makeChunk(datanetId: RecordChunk['datanetId'], chunk: number, records: (StoredRecord | ChunkRecord)[]): RecordChunk {
	const rows = records.map(withoutDatanet);
	return { datanetId, chunk, records: rows, cidKeys: rows.map((r) => `${datanetId}/${r.cid}`), todo: todoOf(datanetId, rows) };
}

function withoutDatanet(r: StoredRecord | ChunkRecord): ChunkRecord {
	if (!('datanetId' in r)) return r;
	const { datanetId: _, ...rest } = r;
	return rest;
}

/** Returns a chunk row's records as StoredRecords (adding the row's Datanet id to each, in place). */
export function chunkRecords(chunk: RecordChunk): StoredRecord[] {
	for (const r of chunk.records) (r as StoredRecord).datanetId = chunk.datanetId;
	return chunk.records as StoredRecord[];
}

/** The to-do markers of a chunk: which kinds of pending work (review, signing, verification) its records hold. */
export function todoOf(datanetId: string, records: ChunkRecord[]): string[] {
	const todo = new Set<string>();
	for (const r of records) {
		if (r.status === 'pending') todo.add(`${datanetId}/pending`);
		if (r.sigStatus === 'unsigned' || r.sigStatus === 'unverified') todo.add(`${datanetId}/${r.sigStatus}`);
	}
	return [...todo];
}
