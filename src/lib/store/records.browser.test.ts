// Record storage against Chromium's IndexedDB: batched writes with consecutive seq numbers and duplicate skipping,
// paging by seq, the filter (text, status, contributor, near-duplicates, across scan chunks) and curator review.
import { describe, expect, test } from 'vitest';
import { BaseError } from '../core/errors';
import { createDatanet, getStats } from './datanets';
import { filterRecords, getRecord, pageRecords, putRecords, recordsBySeq, recordsNeeding, setStatus } from './records';
import { ALICE, BOB, CURATOR, OWNER, datanetInput, freshDb, textRecord } from './test-fixtures';
import type { LedgerDatabase } from './db';
import { CHUNK_SIZE, type Datanet } from './schema';

async function datanetWith(db: LedgerDatabase, texts: string[], over: Parameters<typeof datanetInput>[0] = {}) {
	const d = await createDatanet(db, datanetInput(over));
	const { stored } = await putRecords(db, d.id, texts.map((t) => ({ record: textRecord(d.id, t) })));
	return { d, stored };
}

describe('putRecords', () => {
	test('assigns consecutive seq numbers across batches and keeps the counters in step', async () => {
		const db = await freshDb();
		const d = await createDatanet(db, datanetInput());
		const first = await putRecords(db, d.id, [
			{ record: textRecord(d.id, 'alpha') },
			{ record: textRecord(d.id, 'beta', { contributor: BOB, status: 'pending' }) },
			{ record: textRecord(d.id, 'gamma', { nearDupOf: 'bafkrei-fake', nearDupJaccard: 0.95 }) }
		]);
		expect(first.stored.map((r) => r.seq)).toEqual([0, 1, 2]);
		expect(first.skipped).toEqual([]);
		const second = await putRecords(db, d.id, [{ record: textRecord(d.id, 'delta') }]);
		expect(second.stored.map((r) => r.seq)).toEqual([3]);
		expect(await getRecord(db, d.id, second.stored[0].cid)).toMatchObject({ seq: 3, content: { fields: { text: 'delta' } } });
		expect(await getStats(db, d.id)).toMatchObject({
			total: 4, nextSeq: 4, byStatus: { approved: 3, pending: 1, rejected: 0 }, byContributor: { [ALICE]: 3, [BOB]: 1 }, nearDuplicates: 1
		});
	});

	test('skips CIDs already stored and repeated within the batch, without using up seq numbers', async () => {
		const db = await freshDb();
		const { d, stored } = await datanetWith(db, ['one', 'two']);
		const again = await putRecords(db, d.id, [
			{ record: textRecord(d.id, 'two') },
			{ record: textRecord(d.id, 'three') },
			{ record: textRecord(d.id, 'three') },
			{ record: textRecord(d.id, 'four') }
		]);
		expect(again.skipped).toEqual([stored[1].cid, textRecord(d.id, 'three').cid]);
		expect(again.stored.map((r) => [r.seq, r.content.fields.text])).toEqual([[2, 'three'], [3, 'four']]);
		expect((await getStats(db, d.id)).total).toBe(4);
		// The same content in another Datanet is not a duplicate there.
		const other = await datanetWith(db, ['one']);
		expect(other.stored).toHaveLength(1);
	});

	test('writes the batch sketches as one chunk row, numbered per Datanet', async () => {
		const db = await freshDb();
		const d = await createDatanet(db, datanetInput());
		const sk = (v: number) => new Uint32Array(4).fill(v);
		await putRecords(db, d.id, [{ record: textRecord(d.id, 'a'), sketch: sk(1) }, { record: textRecord(d.id, 'b'), sketch: sk(2) }], 4);
		await putRecords(db, d.id, [{ record: textRecord(d.id, 'c'), sketch: sk(3) }], 4);
		const chunks = await db.getAll('sketches');
		expect(chunks.map((c) => [c.chunk, c.cids.length, [...c.sigs]])).toEqual([
			[0, 2, [1, 1, 1, 1, 2, 2, 2, 2]],
			[1, 1, [3, 3, 3, 3]]
		]);
		expect((await getStats(db, d.id)).sketchChunks).toBe(2);
	});
});

describe('paging', () => {
	test('pageRecords returns seq [offset, offset + limit) in order, and empty pages past the end', async () => {
		const db = await freshDb();
		const { d } = await datanetWith(db, Array.from({ length: 10 }, (_, i) => `record ${i}`));
		expect((await pageRecords(db, d.id, 3, 4)).map((r) => r.content.fields.text)).toEqual(['record 3', 'record 4', 'record 5', 'record 6']);
		expect((await pageRecords(db, d.id, 8, 50)).map((r) => r.seq)).toEqual([8, 9]);
		expect(await pageRecords(db, d.id, 10, 50)).toEqual([]);
		expect(await pageRecords(db, d.id, 0, 0)).toEqual([]);
		// Another Datanet's records never show up in this one's pages.
		await datanetWith(db, ['elsewhere']);
		expect(await pageRecords(db, d.id, 0, 100)).toHaveLength(10);
	});

	test('recordsBySeq returns the records in the order asked, dropping unknown seq numbers', async () => {
		const db = await freshDb();
		const { d } = await datanetWith(db, ['a', 'b', 'c', 'd']);
		const rows = await recordsBySeq(db, d.id, Uint32Array.of(3, 0, 99, 2));
		expect(rows.map((r) => r.content.fields.text)).toEqual(['d', 'a', 'c']);
	});
});

describe('filterRecords', () => {
	async function mixed(db: LedgerDatabase) {
		const d = await createDatanet(db, datanetInput());
		await putRecords(db, d.id, [
			{ record: textRecord(d.id, 'The Red Fox jumps', { contributor: ALICE, status: 'approved' }) },
			{ record: textRecord(d.id, 'a red apple', { contributor: BOB, status: 'pending' }) },
			{ record: textRecord(d.id, 'blue sky', { contributor: BOB, status: 'approved', nearDupOf: 'bafk-x', nearDupJaccard: 0.93 }) },
			{ record: textRecord(d.id, 'Reddish sunset', { contributor: ALICE, status: 'rejected', nearDupOf: 'bafk-y', nearDupJaccard: 0.91 }) }
		]);
		return d;
	}

	test('by text (case-insensitive substring), status, contributor and near-duplicate flag, alone and combined', async () => {
		const db = await freshDb();
		const d = await mixed(db);
		const seqs = async (f: Parameters<typeof filterRecords>[2]) => [...(await filterRecords(db, d.id, f))];
		expect(await seqs({})).toEqual([0, 1, 2, 3]);
		expect(await seqs({ text: '  RED ' })).toEqual([0, 1, 3]);
		expect(await seqs({ text: 'red fox' })).toEqual([0]);
		expect(await seqs({ text: 'green' })).toEqual([]);
		expect(await seqs({ status: 'approved' })).toEqual([0, 2]);
		expect(await seqs({ contributor: BOB.toUpperCase().replace('0X', '0x') })).toEqual([1, 2]);
		expect(await seqs({ nearDuplicates: true })).toEqual([2, 3]);
		expect(await seqs({ text: 'red', contributor: ALICE, status: 'rejected' })).toEqual([3]);
		expect(await filterRecords(db, d.id, { text: 'red' })).toBeInstanceOf(Uint32Array);
	});

	test('scans past its first chunk of 4,096 records', async () => {
		const db = await freshDb();
		const d = await createDatanet(db, datanetInput());
		const texts = Array.from({ length: 5000 }, (_, i) => (i === 4500 || i === 7 ? `needle number ${i}` : `hay ${i}`));
		await putRecords(db, d.id, texts.map((t) => ({ record: textRecord(d.id, t) })));
		expect([...(await filterRecords(db, d.id, { text: 'needle' }))]).toEqual([7, 4500]);
		expect((await filterRecords(db, d.id, {})).length).toBe(5000);
	});
});

describe('setStatus', () => {
	async function curated(db: LedgerDatabase): Promise<{ d: Datanet; cids: string[] }> {
		const d = await createDatanet(db, datanetInput({ policy: 'curated' }));
		const { stored } = await putRecords(db, d.id, ['a', 'b', 'c'].map((t) => ({ record: textRecord(d.id, t, { status: 'pending', contributor: BOB }) })));
		return { d, cids: stored.map((r) => r.cid) };
	}

	test('a curator approves and rejects records; the counters follow', async () => {
		const db = await freshDb();
		const { d, cids } = await curated(db);
		expect(await setStatus(db, d, [cids[0], cids[1]], 'approved', CURATOR.toUpperCase().replace('0X', '0x'))).toBe(2);
		expect(await setStatus(db, d, [cids[2]], 'rejected', OWNER)).toBe(1); // the owner may review too
		expect((await getRecord(db, d.id, cids[0]))?.status).toBe('approved');
		expect((await getRecord(db, d.id, cids[2]))?.status).toBe('rejected');
		expect((await getStats(db, d.id)).byStatus).toEqual({ pending: 0, approved: 2, rejected: 1 });
		expect(Array.from(await filterRecords(db, d.id, { status: 'approved' }))).toEqual([0, 1]);
		expect(await recordsNeeding(db, d.id, 'pending', 10)).toEqual([]);
		// Unchanged and unknown records are not counted twice.
		expect(await setStatus(db, d, [cids[0], 'bafk-not-stored'], 'approved', CURATOR)).toBe(0);
		expect(await getStats(db, d.id)).toMatchObject({ total: 3, byStatus: { pending: 0, approved: 2, rejected: 1 }, byContributor: { [BOB]: 3 } });
	});

	test('anyone else is refused and nothing changes', async () => {
		const db = await freshDb();
		const { d, cids } = await curated(db);
		await expect(setStatus(db, d, cids, 'approved', ALICE)).rejects.toSatisfy(
			(e) => e instanceof BaseError && e.shortMessage === 'Only a curator of this Datanet can review its records.' && !!e.details?.includes(ALICE)
		);
		expect((await getStats(db, d.id)).byStatus).toEqual({ pending: 3, approved: 0, rejected: 0 });
		expect((await pageRecords(db, d.id, 0, 10)).map((r) => r.status)).toEqual(['pending', 'pending', 'pending']);
	});
});

describe('chunk rows', () => {
	test('records written in uneven batches fill rows of CHUNK_SIZE in seq order and page across row boundaries', async () => {
		const db = await freshDb();
		const d = await createDatanet(db, datanetInput());
		const texts = Array.from({ length: 3 * CHUNK_SIZE + 17 }, (_, i) => `record number ${i}`);
		for (let from = 0, size = 1; from < texts.length; from += size, size = size * 3 + 1) {
			await putRecords(db, d.id, texts.slice(from, from + size).map((t) => ({ record: textRecord(d.id, t) })));
		}
		const rows = await db.getAll('chunks', IDBKeyRange.bound([d.id, 0], [d.id, Infinity]));
		expect(rows.map((c) => c.records.length)).toEqual([CHUNK_SIZE, CHUNK_SIZE, CHUNK_SIZE, 17]);
		rows.forEach((c) => c.records.forEach((r, i) => expect(r.seq).toBe(c.chunk * CHUNK_SIZE + i)));
		const page = await pageRecords(db, d.id, CHUNK_SIZE - 2, 5);
		expect(page.map((r) => r.content.fields.text)).toEqual(texts.slice(CHUNK_SIZE - 2, CHUNK_SIZE + 3));
		const picked = await recordsBySeq(db, d.id, [3 * CHUNK_SIZE + 16, 0, CHUNK_SIZE]);
		expect(picked.map((r) => r.seq)).toEqual([3 * CHUNK_SIZE + 16, 0, CHUNK_SIZE]);
		expect((await getStats(db, d.id)).total).toBe(texts.length);
	});

	test('a CID stored in an earlier, full row is caught by the unique index and skipped on the checked retry', async () => {
		const db = await freshDb();
		const d = await createDatanet(db, datanetInput());
		const first = Array.from({ length: CHUNK_SIZE }, (_, i) => ({ record: textRecord(d.id, `row zero ${i}`) }));
		await putRecords(db, d.id, first);
		const again = await putRecords(db, d.id, [{ record: textRecord(d.id, 'row zero 7') }, { record: textRecord(d.id, 'brand new') }]);
		expect(again.skipped).toEqual([first[7].record.cid]);
		expect(again.stored.map((r) => [r.seq, r.content.fields.text])).toEqual([[CHUNK_SIZE, 'brand new']]);
		expect((await getStats(db, d.id)).total).toBe(CHUNK_SIZE + 1);
	});

	test('review and signature work is found through the to-do index, and rows lose their marker when done', async () => {
		const db = await freshDb();
		const d = await createDatanet(db, datanetInput({ policy: 'curated', curators: [CURATOR] }));
		const rows = Array.from({ length: CHUNK_SIZE + 3 }, (_, i) => ({ record: { ...textRecord(d.id, `to review ${i}`), status: i % 100 === 0 ? ('pending' as const) : ('approved' as const) } }));
		await putRecords(db, d.id, rows);
		const pending = await recordsNeeding(db, d.id, 'pending', 10);
		expect(pending.map((r) => r.seq)).toEqual([0, 100, 200]);
		await setStatus(db, d, pending.map((r) => r.cid), 'approved', CURATOR);
		expect(await recordsNeeding(db, d.id, 'pending', 10)).toEqual([]);
		expect(await db.countFromIndex('chunks', 'byTodo', `${d.id}/pending`)).toBe(0);
	});
});
