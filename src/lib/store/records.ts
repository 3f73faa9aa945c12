// Records in IndexedDB, stored as chunk rows of CHUNK_SIZE consecutive records (see schema.ts for why): batched
// writes that keep the per-Datanet counters in step, paging by insertion order, text filtering, curator review and
// signature bookkeeping. A page of 50 reads one or two rows, at record 5 as at record 100,000.
import { BaseError, toUserError } from '../core/errors';
import { recordText } from '../core/record';
import { chunkRecords, countRecord, emptyStats, makeChunk, type LedgerDatabase } from './db';
import { CHUNK_SIZE, type ChunkRecord, type Datanet, type Hex, type RecordAnchor, type RecordChunk, type RecordStatus, type SignatureStatus, type StoredRecord } from './schema';

export type NewRecord = Omit<StoredRecord, 'seq' | 'createdAt' | 'updatedAt'> & { createdAt?: number };

type NewRow = { record: NewRecord; sketch?: Uint32Array };

const chunkRange = (datanetId: Hex, from: number, to: number) => IDBKeyRange.bound([datanetId, from], [datanetId, to]);
const cidKey = (datanetId: Hex, cid: string) => `${datanetId}/${cid}`;

/** Writes new records in one transaction, assigning consecutive seq numbers, with their MinHash sketches as one
 * sketch row; records whose CID is already stored in the Datanet are skipped and returned as `skipped`. */
export async function putRecords(
	db: LedgerDatabase,
	datanetId: Hex,
	rows: NewRow[],
	sketchSize = 0
): Promise<{ stored: StoredRecord[]; skipped: string[] }> {
	// Optimistic first, without looking each CID up: ingest has already dropped the CIDs it knows. A CID that is
	// stored after all (by another tab or worker) violates the unique CID index and rolls the transaction back; the
	// batch is then written again, checking every CID first.
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
	const tx = db.transaction(['chunks', 'sketches', 'stats'], 'readwrite');
	const done = observed(tx.done);
	const chunks = tx.objectStore('chunks');
	const stats = (await tx.objectStore('stats').get(datanetId)) ?? emptyStats(datanetId);
	const existing = checkStored ? await Promise.all(rows.map((r) => chunks.index('byCid').getKey(cidKey(datanetId, r.record.cid)))) : [];
	// The last chunk may have room: continue it.
	let chunkNo = Math.floor(stats.nextSeq / CHUNK_SIZE);
	let current: ChunkRecord[] = stats.nextSeq % CHUNK_SIZE ? ((await chunks.get([datanetId, chunkNo]))?.records ?? []) : [];
	const now = Date.now();
	const stored: StoredRecord[] = [];
	const skipped: string[] = [];
	const sketched: { cid: string; sketch: Uint32Array }[] = [];
	// A CID repeated inside one row does not trip the unique index (multi-entry keys are de-duplicated per row), so
	// the batch and the row it continues are checked here.
	const seen = new Set<string>(current.map((r) => r.cid));
	const writes: Promise<unknown>[] = [];
	for (const [i, { record, sketch }] of rows.entries()) {
		if (existing[i] || seen.has(record.cid)) {
			skipped.push(record.cid);
			continue;
		}
		seen.add(record.cid);
		const { datanetId: _, ...fields } = record;
		const row: ChunkRecord = { ...fields, seq: stats.nextSeq++, createdAt: record.createdAt ?? now, updatedAt: now };
		countRecord(stats, row, 1);
		current.push(row);
		stored.push(row as StoredRecord); // gets its datanetId below, once the rows are written
		if (sketch && sketchSize > 0) sketched.push({ cid: record.cid, sketch });
		if (current.length === CHUNK_SIZE) {
			writes.push(chunks.put(makeChunk(datanetId, chunkNo++, current)));
			current = [];
		}
	}
	if (current.length) writes.push(chunks.put(makeChunk(datanetId, chunkNo, current)));
	if (sketched.length > 0) {
		const sigs = new Uint32Array(sketched.length * sketchSize);
		sketched.forEach((s, i) => sigs.set(s.sketch, i * sketchSize));
		writes.push(tx.objectStore('sketches').put({ datanetId, chunk: stats.sketchChunks++, cids: sketched.map((s) => s.cid), sigs }));
	}
	writes.push(tx.objectStore('stats').put(stats));
	for (const w of writes) observed(w);
	await Promise.all([...writes, done]);
	for (const r of stored) r.datanetId = datanetId;
	return { stored, skipped };
}

/** Returns one record, or undefined. */
export async function getRecord(db: LedgerDatabase, datanetId: Hex, cid: string): Promise<StoredRecord | undefined> {
	const chunk = await db.getFromIndex('chunks', 'byCid', cidKey(datanetId, cid));
	return chunk && chunkRecords(chunk).find((r) => r.cid === cid);
}

/** Returns the records with seq in [offset, offset + limit), in order. */
export async function pageRecords(db: LedgerDatabase, datanetId: Hex, offset: number, limit: number): Promise<StoredRecord[]> {
	if (limit <= 0) return [];
	const first = Math.floor(offset / CHUNK_SIZE);
	const last = Math.floor((offset + limit - 1) / CHUNK_SIZE);
	const rows = await db.getAll('chunks', chunkRange(datanetId, first, last));
	const out: StoredRecord[] = [];
	for (const c of rows) for (const r of chunkRecords(c)) if (r.seq >= offset && r.seq < offset + limit) out.push(r);
	return out;
}

/** Returns the records with the given seq numbers, in that order. */
export async function recordsBySeq(db: LedgerDatabase, datanetId: Hex, seqs: ArrayLike<number>): Promise<StoredRecord[]> {
	const wanted = [...new Set(Array.from(seqs, (s) => Math.floor(s / CHUNK_SIZE)))];
	const tx = db.transaction('chunks');
	const rows = await Promise.all(wanted.map((c) => tx.store.get([datanetId, c])));
	const byChunk = new Map(rows.filter((c): c is RecordChunk => !!c).map((c) => [c.chunk, c]));
	const out: StoredRecord[] = [];
	for (const s of Array.from(seqs)) {
		const chunk = byChunk.get(Math.floor(s / CHUNK_SIZE));
		const r = chunk?.records[s % CHUNK_SIZE];
		if (r) out.push({ ...r, datanetId });
	}
	return out;
}

/** Calls `visit` with every chunk of a Datanet in seq order, reading a few dozen rows at a time. */
export async function forEachChunk(db: LedgerDatabase, datanetId: Hex, visit: (chunk: RecordChunk) => void) {
	const BATCH = 32;
	for (let from = 0; ; from += BATCH) {
		const rows = await db.getAll('chunks', chunkRange(datanetId, from, from + BATCH - 1));
		rows.forEach(visit);
		if (rows.length < BATCH) return;
	}
}

export type RecordFilter = { text?: string; status?: RecordStatus; contributor?: string; nearDuplicates?: boolean };

/** Returns the seq numbers of a Datanet's records that match the filter, in order (a scan of its chunk rows). */
export async function filterRecords(db: LedgerDatabase, datanetId: Hex, filter: RecordFilter): Promise<Uint32Array> {
	const text = filter.text?.trim().toLowerCase() ?? '';
	const contributor = filter.contributor?.toLowerCase();
	const matches: number[] = [];
	await forEachChunk(db, datanetId, (c) => {
		for (const r of c.records) {
			if (filter.status && r.status !== filter.status) continue;
			if (contributor && r.contributor !== contributor) continue;
			if (filter.nearDuplicates && !r.nearDupOf) continue;
			if (text && !recordText(r.content).toLowerCase().includes(text)) continue;
			matches.push(r.seq);
		}
	});
	return Uint32Array.from(matches);
}

/** Returns the stored MinHash sketch rows of a Datanet (they also list every stored CID, for duplicate checks). */
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

/** Applies `change` to the given records (by CID) in one transaction, rewriting their chunk rows and keeping the
 * counters in step; returns how many records `change` changed (it returns false to leave one as it was). */
async function updateRecords(db: LedgerDatabase, datanetId: Hex, cids: string[], change: (r: StoredRecord) => boolean): Promise<number> {
	const tx = db.transaction(['chunks', 'stats'], 'readwrite');
	const done = observed(tx.done);
	const stats = (await tx.objectStore('stats').get(datanetId)) ?? emptyStats(datanetId);
	const index = tx.objectStore('chunks').index('byCid');
	const keys = await Promise.all(cids.map((cid) => index.getKey(cidKey(datanetId, cid))));
	const byChunk = new Map<number, Set<string>>();
	keys.forEach((k, i) => {
		if (!k) return;
		if (!byChunk.has(k[1])) byChunk.set(k[1], new Set());
		byChunk.get(k[1])!.add(cids[i]);
	});
	let changed = 0;
	const now = Date.now();
	for (const [chunkNo, wanted] of byChunk) {
		const chunk = await tx.objectStore('chunks').get([datanetId, chunkNo]);
		if (!chunk) continue;
		let dirty = false;
		for (const r of chunkRecords(chunk)) {
			if (!wanted.has(r.cid)) continue;
			const before = { ...r };
			if (!change(r)) continue;
			countRecord(stats, before, -1);
			r.updatedAt = now;
			countRecord(stats, r, 1);
			changed++;
			dirty = true;
		}
		if (dirty) observed(tx.objectStore('chunks').put(makeChunk(datanetId, chunk.chunk, chunk.records)));
	}
	observed(tx.objectStore('stats').put(stats));
	await done;
	return changed;
}

/** Sets the review status of records (approve or reject, one or many) and keeps the counters in step. */
export async function setStatus(db: LedgerDatabase, datanet: Datanet, cids: string[], status: RecordStatus, actor: string): Promise<number> {
	assertCurator(datanet, actor);
	return updateRecords(db, datanet.id, cids, (r) => {
		if (r.status === status) return false;
		r.status = status;
		return true;
	});
}

/** Stores signature results: a signature made here (valid) or the outcome of verifying an imported one. */
export async function setSignatures(db: LedgerDatabase, datanetId: Hex, results: { cid: string; signature?: Hex; sigStatus: SignatureStatus }[]) {
	const byCid = new Map(results.map((r) => [r.cid, r]));
	await updateRecords(db, datanetId, [...byCid.keys()], (r) => {
		const res = byCid.get(r.cid)!;
		if (res.signature) r.signature = res.signature;
		r.sigStatus = res.sigStatus;
		return true;
	});
}

/** Stores where records are anchored (by CID): an anchor on the same chain replaces the earlier one. */
export async function setAnchors(db: LedgerDatabase, datanetId: Hex, anchors: Map<string, RecordAnchor>): Promise<number> {
	return updateRecords(db, datanetId, [...anchors.keys()], (r) => {
		const anchor = anchors.get(r.cid)!;
		const others = (r.anchors ?? []).filter((a) => a.chainId !== anchor.chainId);
		r.anchors = [...others, anchor];
		return true;
	});
}

/** The approved records of a Datanet not yet anchored on `chainId`, in insertion order: what a batch publishes. */
export async function unanchoredApproved(db: LedgerDatabase, datanetId: Hex, chainId: number): Promise<StoredRecord[]> {
	const out: StoredRecord[] = [];
	await forEachChunk(db, datanetId, (c) => {
		for (const r of chunkRecords(c))
			if (r.status === 'approved' && !r.anchors?.some((a) => a.chainId === chainId)) out.push(r);
	});
	return out;
}

/** Returns up to `limit` records, oldest first from seq `fromSeq`, that still need work of one kind: review
 * ('pending'), signing ('unsigned') or verification ('unverified'). Only chunks marked with that work are read. */
export async function recordsNeeding(
	db: LedgerDatabase,
	datanetId: Hex,
	work: 'pending' | 'unsigned' | 'unverified',
	limit: number,
	fromSeq = 0
): Promise<StoredRecord[]> {
	const out: StoredRecord[] = [];
	const tx = db.transaction('chunks');
	let cursor = await tx.store.index('byTodo').openCursor(`${datanetId}/${work}`);
	while (cursor && out.length < limit) {
		for (const r of chunkRecords(cursor.value)) {
			if (r.seq < fromSeq) continue;
			if ((work === 'pending' ? r.status : r.sigStatus) === work) out.push(r);
			if (out.length === limit) break;
		}
		cursor = await cursor.continue();
	}
	return out;
}

/** Marks a request's promise as handled and returns it: a failed write aborts its transaction, and that failure is
 * reported once, by the awaited tx.done, instead of again as an unhandled rejection. */
function observed<T>(p: Promise<T>): Promise<T> {
	p.catch(() => {});
	return p;
}
