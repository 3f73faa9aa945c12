// Datanet CRUD against Chromium's IndexedDB: validation errors the UI can show, normalisation, editing that never
// touches id/kind/creation time, ordering of the list, and deletion that takes the records, sketches and counters along.
import { describe, expect, test } from 'vitest';
import { BaseError, NotFoundError } from '../core/errors';
import { createDatanet, deleteDatanet, getDatanet, getStats, listDatanets, updateDatanet, validateDatanet } from './datanets';
import { pageRecords, putRecords } from './records';
import { CURATOR, datanetInput, freshDb, textRecord } from './test-fixtures';

const tick = () => new Promise((r) => setTimeout(r, 3)); // Date.now() must move between two updates

function thrown(fn: () => unknown): BaseError {
	try {
		fn();
	} catch (e) {
		expect(e).toBeInstanceOf(BaseError);
		return e as BaseError;
	}
	throw new Error('expected a BaseError, nothing was thrown');
}

describe('validateDatanet', () => {
	test('normalises name, tags and addresses', () => {
		const v = validateDatanet(datanetInput({ name: '  Birds  ', tags: ['Birds', 'birds ', '', 'Nature'], curators: [` ${CURATOR.toUpperCase().replace('0X', '0x')} `, CURATOR], owner: '0xABC' }));
		expect(v.name).toBe('Birds');
		expect(v.tags).toEqual(['birds', 'nature']);
		expect(v.curators).toEqual([CURATOR]);
		expect(v.owner).toBe('0xabc');
	});

	test('a license that is not an SPDX id is refused with a hint', () => {
		const e = thrown(() => validateDatanet(datanetInput({ license: 'CC BY 4.0' })));
		expect(e.shortMessage).toBe('The license must be an SPDX identifier.');
		expect(e.hint).toMatch(/CC-BY-4\.0/);
		expect(() => validateDatanet(datanetInput({ license: 'LicenseRef-WordNet' }))).not.toThrow();
	});

	test('a curator or allowlist entry that is not an address is refused, naming it', () => {
		const e = thrown(() => validateDatanet(datanetInput({ curators: [CURATOR, '0x1234'] })));
		expect(e.shortMessage).toBe('Not an address in curators: 0x1234');
		expect(e.hint).toMatch(/40 hex digits/);
		const a = thrown(() => validateDatanet(datanetInput({ policy: 'allowlist', allowlist: ['alice.eth'] })));
		expect(a.shortMessage).toBe('Not an address in the allowlist: alice.eth');
	});

	test('an empty or overlong name is refused', () => {
		expect(thrown(() => validateDatanet(datanetInput({ name: '   ' }))).shortMessage).toBe('A Datanet needs a name.');
		expect(thrown(() => validateDatanet(datanetInput({ name: 'x'.repeat(121) }))).details).toMatch(/121 characters/);
	});
});

describe('Datanets in IndexedDB', () => {
	test('create stores the Datanet with a random 32-byte id and empty counters', async () => {
		const db = await freshDb();
		const d = await createDatanet(db, datanetInput({ name: ' Birds ' }));
		expect(d.id).toMatch(/^0x[0-9a-f]{64}$/);
		expect(d.name).toBe('Birds');
		expect(d.createdAt).toBe(d.updatedAt);
		expect(await getDatanet(db, d.id)).toEqual(d);
		expect(await getStats(db, d.id)).toMatchObject({ total: 0, nextSeq: 0, byContributor: {} });
		const other = await createDatanet(db, datanetInput());
		expect(other.id).not.toBe(d.id);
	});

	test('invalid input stores nothing; an id that exists already is refused', async () => {
		const db = await freshDb();
		await expect(createDatanet(db, datanetInput({ license: 'not a license' }))).rejects.toThrow(BaseError);
		expect(await listDatanets(db)).toEqual([]);
		const d = await createDatanet(db, datanetInput());
		await expect(createDatanet(db, datanetInput({ id: d.id }))).rejects.toMatchObject({ shortMessage: 'This Datanet already exists here.', details: d.id });
		expect(await listDatanets(db)).toHaveLength(1);
	});

	test('update changes editable fields only and validates them', async () => {
		const db = await freshDb();
		const d = await createDatanet(db, datanetInput());
		await tick();
		const next = await updateDatanet(db, d.id, { name: 'Renamed', license: 'MIT', kind: 'qa', createdAt: 5 });
		expect(next).toMatchObject({ id: d.id, name: 'Renamed', license: 'MIT', kind: 'text', createdAt: d.createdAt });
		expect(next.updatedAt).toBeGreaterThan(d.updatedAt);
		expect(await getDatanet(db, d.id)).toEqual(next);

		await expect(updateDatanet(db, d.id, { curators: ['nope'] })).rejects.toMatchObject({ shortMessage: 'Not an address in curators: nope' });
		expect((await getDatanet(db, d.id)).curators).toEqual([CURATOR]);
		await expect(updateDatanet(db, ('0x' + '00'.repeat(32)) as `0x${string}`, { name: 'x' })).rejects.toThrow(NotFoundError);
	});

	test('list puts the most recently updated first', async () => {
		const db = await freshDb();
		const first = await createDatanet(db, datanetInput({ name: 'first' }));
		await tick();
		await createDatanet(db, datanetInput({ name: 'second' }));
		await tick();
		await createDatanet(db, datanetInput({ name: 'third' }));
		expect((await listDatanets(db)).map((d) => d.name)).toEqual(['third', 'second', 'first']);
		await tick();
		await updateDatanet(db, first.id, { summary: 'edited' });
		expect((await listDatanets(db)).map((d) => d.name)).toEqual(['first', 'third', 'second']);
	});

	test('delete removes the Datanet with its records, sketches and counters, and nothing of another Datanet', async () => {
		const db = await freshDb();
		const gone = await createDatanet(db, datanetInput({ name: 'gone' }));
		const kept = await createDatanet(db, datanetInput({ name: 'kept' }));
		const sketch = new Uint32Array(128).fill(1);
		for (const d of [gone, kept]) {
			const rows = ['one', 'two', 'three'].map((t) => ({ record: textRecord(d.id, `${t} of ${d.name}`), sketch }));
			await putRecords(db, d.id, rows, 128);
		}
		expect((await getStats(db, gone.id)).total + (await getStats(db, kept.id)).total).toBe(6);

		await deleteDatanet(db, gone.id);
		await expect(getDatanet(db, gone.id)).rejects.toThrow(NotFoundError);
		expect(await db.count('chunks', IDBKeyRange.bound([gone.id], [gone.id, []]))).toBe(0);
		expect(await db.count('sketches', IDBKeyRange.bound([gone.id], [gone.id, []]))).toBe(0);
		expect(await db.get('stats', gone.id)).toBeUndefined();

		expect((await listDatanets(db)).map((d) => d.id)).toEqual([kept.id]);
		expect((await pageRecords(db, kept.id, 0, 10)).length).toBe(3);
		expect(await db.count('sketches')).toBe(1);
		expect((await getStats(db, kept.id)).total).toBe(3);
	});
});
