// Records in IndexedDB: batched writes that keep the per-Datanet counters in step, paging by insertion order,
// text filtering, and curator review. Paging reads a key range of the bySeq index, so a page costs the same at
// record 5 and at record 100,000.
import { BaseError, toUserError } from '../core/errors';
import { countRecord, emptyStats, type LedgerDatabase } from './db';
import type { Datanet, Hex, RecordStatus, SignatureStatus, StoredRecord } from './schema';

export type NewRecord = Omit<StoredRecord, 'seq' | 'createdAt' | 'updatedAt'> & { createdAt?: number };

type NewRow = { record: NewRecord; sketch?: Uint32Array };

/** Writes new records in one transaction, assigning consecutive seq numbers, with their MinHash sketches as one
 * chunk row; records whose CID is already stored in the Datanet are skipped and returned as `skipped`. */
export async function putRecords(
	db: LedgerDatabase,
	datanetId: Hex,
	rows: NewRow[],
	sketchSize = 0
): Promise<{ stored: StoredRecord[]; skipped: string[] }> {
	// Optimistic first, without looking each CID up: ingest has already dropped the CIDs it knows, and a lookup per
	// record costs about a quarter of the write. A CID that is stored after all (by another tab or worker) makes its
	// `add` fail and the whole transaction roll back; the batch is then written again, checking every CID first.
	try {
		return await writeRecords(db, datanetId, rows, sketchSize, false);
	} catch (e) {
		if (!(typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'ConstraintError')) throw toUserError(e);
	}
	try {
		return await writeRecords(db, datanetId, rows, sketchSize, true);
	} catch (e) {
		throw toUserError(e);
	}
}

async function writeRecords(db: LedgerDatabase, datanetId: Hex, rows: NewRow[], sketchSize: number, checkStored: boolean) {
	const tx = db.transaction(['records', 'sketches', 'stats'], 'readwrite');
	const done = observed(tx.done);
	const records = tx.objectStore('records');
	const stats = (await tx.objectStore('stats').get(datanetId)) ?? emptyStats(datanetId);
	const existing = checkStored ? await Promise.all(rows.map((r) => records.getKey([datanetId, r.record.cid]))) : [];
	const now = Date.now();
	const stored: StoredRecord[] = [];
	const skipped: string[] = [];
	const sketched: { cid: string; sketch: Uint32Array }[] = [];
	const seen = new Set<string>();
	const writes: Promise<unknown>[] = [];
	rows.forEach(({ record, sketch }, i) => {
		if (existing[i] || seen.has(record.cid)) return void skipped.push(record.cid);
		seen.add(record.cid);
		const row: StoredRecord = { ...record, datanetId, seq: stats.nextSeq++, createdAt: record.createdAt ?? now, updatedAt: now };
		countRecord(stats, row, 1);
		writes.push(records.add(row));
		stored.push(row);
		if (sketch && sketchSize > 0) sketched.push({ cid: record.cid, sketch });
	});
	if (sketched.length > 0) {
		const sigs = new Uint32Array(sketched.length * sketchSize);
		sketched.forEach((s, i) => sigs.set(s.sketch, i * sketchSize));
		const chunk = { datanetId, chunk: stats.sketchChunks++, cids: sketched.map((s) => s.cid), sigs };
		writes.push(tx.objectStore('sketches').put(chunk));
	}
	writes.push(tx.objectStore('stats').put(stats));
	await Promise.all([...writes, done]);
	return { stored, skipped };
}

/** Returns one record, or undefined. */
export function getRecord(db: LedgerDatabase, datanetId: Hex, cid: string) {
	return db.get('records', [datanetId, cid]);
}

/** Returns the records with seq in [offset, offset + limit), in order. */
export function pageRecords(db: LedgerDatabase, datanetId: Hex, offset: number, limit: number): Promise<StoredRecord[]> {
	if (limit <= 0) return Promise.resolve([]); // an empty key range would throw a DataError
	const range = IDBKeyRange.bound([datanetId, offset], [datanetId, offset + limit - 1]);
	return db.getAllFromIndex('records', 'bySeq', range);
}

/** Returns the records with the given seq numbers, in that order. */
export async function recordsBySeq(db: LedgerDatabase, datanetId: Hex, seqs: ArrayLike<number>): Promise<StoredRecord[]> {
	const tx = db.transaction('records');
	const index = tx.store.index('bySeq');
	const out = await Promise.all(Array.from(seqs, (s) => index.get([datanetId, s])));
	return out.filter((r): r is StoredRecord => !!r);
}

export type RecordFilter = { text?: string; status?: RecordStatus; contributor?: string; nearDuplicates?: boolean };

/** Returns the seq numbers of a Datanet's records that match the filter, in order (a chunked scan of the Datanet). */
export async function filterRecords(db: LedgerDatabase, datanetId: Hex, filter: RecordFilter): Promise<Uint32Array> {
	const text = filter.text?.trim().toLowerCase() ?? '';
	const contributor = filter.contributor?.toLowerCase();
	const matches: number[] = [];
	const CHUNK = 4096;
	for (let from = 0; ; from += CHUNK) {
		const rows = await pageRecords(db, datanetId, from, CHUNK);
		for (const r of rows) {
			if (filter.status && r.status !== filter.status) continue;
			if (contributor && r.contributor !== contributor) continue;
			if (filter.nearDuplicates && !r.nearDupOf) continue;
			if (text && !r.search.includes(text)) continue;
			matches.push(r.seq);
		}
		if (rows.length < CHUNK) break;
	}
	return Uint32Array.from(matches);
}

/** Returns the CIDs of every record in the Datanet (for duplicate checks before an import). */
export async function recordCids(db: LedgerDatabase, datanetId: Hex): Promise<string[]> {
	const keys = await db.getAllKeys('records', IDBKeyRange.bound([datanetId], [datanetId, []]));
	return keys.map((k) => k[1]);
}

/** Returns the stored MinHash sketch chunks of a Datanet (to seed near-duplicate detection for an import). */
export function datanetSketches(db: LedgerDatabase, datanetId: Hex) {
	return db.getAll('sketches', IDBKeyRange.bound([datanetId, 0], [datanetId, Infinity]));
}

/** Throws unless `actor` may review the Datanet's records (its owner or a curator). */
export function assertCurator(datanet: Datanet, actor: string) {
	const a = actor.toLowerCase();
	if (a !== datanet.owner && !datanet.curators.includes(a)) {
		throw new BaseError('Only a curator of this Datanet can review its records.', {
			details: `${actor} is not a curator of ${datanet.name}.`,
			hint: "The Datanet's owner can add curators in its settings."
		});
	}
}

/** Sets the review status of records (approve or reject, one or many) and keeps the counters in step. */
export async function setStatus(
	db: LedgerDatabase,
	datanet: Datanet,
	cids: string[],
	status: RecordStatus,
	actor: string
): Promise<number> {
	assertCurator(datanet, actor);
	const tx = db.transaction(['records', 'stats'], 'readwrite');
	const done = observed(tx.done);
	const stats = (await tx.objectStore('stats').get(datanet.id)) ?? emptyStats(datanet.id);
	let changed = 0;
	const now = Date.now();
	for (const cid of cids) {
		const r = await tx.objectStore('records').get([datanet.id, cid]);
		if (!r || r.status === status) continue;
		countRecord(stats, r, -1);
		r.status = status;
		r.updatedAt = now;
		countRecord(stats, r, 1);
		observed(tx.objectStore('records').put(r));
		changed++;
	}
	observed(tx.objectStore('stats').put(stats));
	await done;
	return changed;
}

/** Returns up to `limit` records with the given review status, oldest first. */
export function recordsWithStatus(db: LedgerDatabase, datanetId: Hex, status: RecordStatus, limit: number) {
	const range = IDBKeyRange.bound([datanetId, status, 0], [datanetId, status, Infinity]);
	return db.getAllFromIndex('records', 'byStatus', range, limit);
}

/** Returns up to `limit` records in the given signature state, oldest first. */
export function recordsWithSignature(db: LedgerDatabase, datanetId: Hex, sig: SignatureStatus, limit: number) {
	const range = IDBKeyRange.bound([datanetId, sig, 0], [datanetId, sig, Infinity]);
	return db.getAllFromIndex('records', 'bySig', range, limit);
}

/** Stores signature results: a signature made here (valid) or the outcome of verifying an imported one. */
export async function setSignatures(
	db: LedgerDatabase,
	datanetId: Hex,
	results: { cid: string; signature?: Hex; sigStatus: SignatureStatus }[]
) {
	const tx = db.transaction('records', 'readwrite');
	const done = observed(tx.done);
	for (const { cid, signature, sigStatus } of results) {
		const r = await tx.store.get([datanetId, cid]);
		if (!r) continue;
		if (signature) r.signature = signature;
		r.sigStatus = sigStatus;
		observed(tx.store.put(r));
	}
	await done;
}

/** Marks a request's promise as handled and returns it: a failed write aborts its transaction, and that failure is
 * reported once, by the awaited tx.done, instead of again as an unhandled rejection. */
function observed<T>(p: Promise<T>): Promise<T> {
	p.catch(() => {});
	return p;
}
