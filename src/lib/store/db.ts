// Opens the Ledgerlight IndexedDB database and runs its migrations in order, one function per version.
// Migrations are tested by opening an older version with data, closing it and reopening at the latest version.
import { openDB, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { toUserError } from '../core/errors';
import type { DatanetStats, LedgerDB, StoredRecord } from './schema';

export const DB_NAME = 'ledgerlight';
export type LedgerDatabase = IDBPDatabase<LedgerDB>;
type UpgradeTx = IDBPTransaction<LedgerDB, StoreNames<LedgerDB>[], 'versionchange'>;

/** Version 1: Datanets, records with their paging/status/contributor indexes, MinHash sketches, accounts, settings. */
function v1(db: IDBPDatabase<LedgerDB>) {
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
async function v2(db: IDBPDatabase<LedgerDB>, tx: UpgradeTx) {
	db.createObjectStore('stats', { keyPath: 'datanetId' });
	tx.objectStore('records').createIndex('byContributor', ['datanetId', 'contributor', 'seq']);
	const stats = new Map<string, DatanetStats>();
	let cursor = await tx.objectStore('records').openCursor();
	while (cursor) {
		const r = cursor.value;
		let s = stats.get(r.datanetId);
		if (!s) stats.set(r.datanetId, (s = emptyStats(r.datanetId)));
		countRecord(s, r, 1);
		s.nextSeq = Math.max(s.nextSeq, r.seq + 1);
		cursor = await cursor.continue();
	}
	let dn = await tx.objectStore('datanets').openCursor();
	while (dn) {
		if (!stats.has(dn.value.id)) stats.set(dn.value.id, emptyStats(dn.value.id));
		dn = await dn.continue();
	}
	// Sketch chunks are numbered from stats.sketchChunks: start after the stored ones, or the next write overwrites them.
	for (const [datanetId, chunk] of await tx.objectStore('sketches').getAllKeys()) {
		const s = stats.get(datanetId);
		if (s) s.sketchChunks = Math.max(s.sketchChunks, chunk + 1);
	}
	for (const s of stats.values()) await tx.objectStore('stats').put(s);
}

export const MIGRATIONS = [v1, v2] as const;
export const DB_VERSION = MIGRATIONS.length;

/** Returns empty counters for a Datanet. */
export function emptyStats(datanetId: DatanetStats['datanetId']): DatanetStats {
	return { datanetId, total: 0, nextSeq: 0, byStatus: { pending: 0, approved: 0, rejected: 0 }, byContributor: {}, nearDuplicates: 0, sketchChunks: 0 };
}

/** Adds (sign = 1) or removes (sign = -1) one record from a Datanet's counters. */
export function countRecord(s: DatanetStats, r: Pick<StoredRecord, 'status' | 'contributor' | 'nearDupOf'>, sign: 1 | -1) {
	s.total += sign;
	s.byStatus[r.status] += sign;
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
				for (let v = oldVersion; v < (newVersion ?? version); v++) await MIGRATIONS[v](db, tx);
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
