// CAR bundles between two real IndexedDB databases: an export imports elsewhere as the same Datanet with the same
// CIDs and verified signatures; one flipped byte in a record block stops the whole import, naming the block's CID.
import { CID } from 'multiformats/cid';
import { describe, expect, test } from 'vitest';
import { encodeBundle, type BundleManifest } from '../core/car';
import { BundleError } from '../core/errors';
import { canonicalBytes, canonicalize } from '../core/record';
import { cidDigestHex, recordCid } from '../core/cid';
import { demoAccount, signAuthorship } from '../core/signature';
import { localAccount } from './accounts';
import { exportBundle, importBundle } from './bundle';
import { createDatanet, getDatanet, getStats, listDatanets } from './datanets';
import { ingest, type IngestItem } from './ingest';
import { pageRecords } from './records';
import { BOB, OWNER, datanetInput, freshDb } from './test-fixtures';
import type { LedgerDatabase } from './db';
import type { Hex } from './schema';

const TEXTS = ['Owls hunt at night.', 'Herons wade in shallow water.', 'Swifts sleep on the wing.', 'Penguins cannot fly.'];

/** A Datanet in `db` whose records were written and signed by the database's local account. */
async function signedDatanet(db: LedgerDatabase) {
	const { account } = await localAccount(db);
	const d = await createDatanet(db, datanetInput({ name: 'Birds', tags: ['birds'], policy: 'curated', owner: account.address }));
	const items: IngestItem[] = TEXTS.map((text, i) => ({ line: i + 1, kind: 'text', fields: { text } }));
	const report = await ingest(db, d, items, { source: 'form', contributor: account.address, account });
	expect(report.signed).toBe(TEXTS.length);
	return { d, account };
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
	outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
		for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
		return i;
	}
	return -1;
}

describe('bundles', () => {
	test('export, then import into a fresh database: same Datanet id, same CIDs, signatures verified', async () => {
		const src = await freshDb();
		const { d, account } = await signedDatanet(src);
		const bytes = await exportBundle(src, d.id);
		const srcRows = await pageRecords(src, d.id, 0, 100);

		const dst = await freshDb();
		const { datanet, report } = await importBundle(dst, bytes, { owner: OWNER, verify: true });
		expect(datanet.id).toBe(d.id);
		expect(await getDatanet(dst, d.id)).toMatchObject({ name: 'Birds', tags: ['birds'], policy: 'curated', kind: 'text', license: d.license, createdAt: d.createdAt, owner: OWNER });
		expect(report).toMatchObject({ stored: TEXTS.length, verified: TEXTS.length, invalidSignatures: 0, rejected: 0 });

		const rows = await pageRecords(dst, d.id, 0, 100);
		expect(rows.map((r) => r.cid)).toEqual(srcRows.map((r) => r.cid));
		expect(rows.map((r) => r.content)).toEqual(srcRows.map((r) => r.content));
		for (const [i, r] of rows.entries()) {
			expect(r).toMatchObject({ contributor: account.address.toLowerCase(), signature: srcRows[i].signature, sigStatus: 'valid', source: `bundle:${i + 1}`, createdAt: srcRows[i].createdAt });
		}
		// The imported Datanet is curated: imported records wait for its curators like any other.
		expect((await getStats(dst, d.id)).byStatus.pending).toBe(TEXTS.length);

		// Importing the same bundle again adds nothing.
		const again = await importBundle(dst, bytes, { owner: OWNER, verify: true });
		expect(again.report).toMatchObject({ stored: 0, duplicates: TEXTS.length });
	});

	test('a flipped byte in one record block: BundleError naming that CID, and nothing stored', async () => {
		const src = await freshDb();
		const { d } = await signedDatanet(src);
		const bytes = await exportBundle(src, d.id);
		const [, target] = await pageRecords(src, d.id, 0, 100);
		const block = canonicalBytes(target.content);
		const at = indexOfBytes(bytes, block);
		expect(at).toBeGreaterThan(0);
		const tampered = bytes.slice();
		tampered[at + block.length - 5] ^= 0x01; // inside the text: still valid JSON and UTF-8, but not the same hash

		const dst = await freshDb();
		const error = await importBundle(dst, tampered, { owner: OWNER, verify: true }).then(
			() => null,
			(e: unknown) => e
		);
		expect(error).toBeInstanceOf(BundleError);
		expect((error as BundleError).badCids).toEqual([target.cid]);
		expect((error as BundleError).message).toContain(target.cid);
		expect(await listDatanets(dst)).toEqual([]);
		expect(await dst.count('chunks')).toBe(0);
		expect(await dst.count('stats')).toBe(0);
	});

	test('signatures that do not match their claimed contributor are stored as invalid', async () => {
		const id = ('0x' + '42'.repeat(32)) as Hex;
		const alice = demoAccount(0);
		const blocks = TEXTS.slice(0, 2).map((text) => {
			const bytes = canonicalBytes(canonicalize('text', { text }));
			return { cid: recordCid(bytes), bytes };
		});
		const sign = (cid: CID) => signAuthorship(alice, { datanetId: id, cidDigest: cidDigestHex(cid) });
		const manifest: BundleManifest = {
			v: 1,
			datanet: { id, name: 'Forged', summary: '', description: '', tags: [], license: 'CC0-1.0', kind: 'text', policy: 'open', curators: [], allowlist: [], createdAt: 1 },
			records: [
				{ cid: blocks[0].cid.toString(), contributor: alice.address, signature: await sign(blocks[0].cid), createdAt: 2 },
				// Alice's signature, but the manifest claims Bob wrote it.
				{ cid: blocks[1].cid.toString(), contributor: BOB as Hex, signature: await sign(blocks[1].cid), createdAt: 3 }
			]
		};
		const db = await freshDb();
		const { report } = await importBundle(db, await encodeBundle(manifest, blocks), { owner: OWNER, verify: true });
		expect(report).toMatchObject({ stored: 2, verified: 1, invalidSignatures: 1 });
		const rows = await pageRecords(db, id, 0, 10);
		expect(rows.map((r) => [r.contributor, r.sigStatus])).toEqual([[alice.address.toLowerCase(), 'valid'], [BOB, 'invalid']]);
	});

	test('without verify, imported signatures stay unverified', async () => {
		const src = await freshDb();
		const { d } = await signedDatanet(src);
		const dst = await freshDb();
		const { report } = await importBundle(dst, await exportBundle(src, d.id), { owner: OWNER });
		expect(report.verified).toBe(0);
		expect((await pageRecords(dst, d.id, 0, 100)).map((r) => r.sigStatus)).toEqual(TEXTS.map(() => 'unverified'));
	});
});
