// The contribution pipeline against Chromium's IndexedDB, fed by the real JSONL parser: every bad line reported with
// its line number and reason while every good line is stored, exact duplicates rejected, near-duplicates flagged,
// review status by policy, the allowlist, and signing of the local account's records.
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, test } from 'vitest';
import { BaseError } from '../core/errors';
import { cidDigestHex, parseCid, recordCid } from '../core/cid';
import { parseStream } from '../core/parse';
import { canonicalBytes, canonicalize } from '../core/record';
import { verifyAuthorship } from '../core/signature';
import { localAccount } from './accounts';
import { createDatanet, getStats } from './datanets';
import { ingest, signPending, type IngestItem, type IngestProgress } from './ingest';
import { pageRecords, putRecords } from './records';
import { ALICE, BOB, bytesOf, chunkedStream, datanetInput, freshDb, textRecord } from './test-fixtures';
import type { Hex } from './schema';

// 40 words. One word changed at the end changes one of its 38 word 3-shingles: Jaccard 37/39 = 0.95, above the 0.9
// near-duplicate threshold. (A change in the middle touches 3 shingles, 35/41 = 0.85: not flagged by design.)
const BASE =
	'The quick brown fox jumps over the lazy dog while the farmer watches from the old wooden porch and the sun sets slowly behind the distant hills covered with tall green grass and bright yellow flowers in spring';
const NEAR = BASE.replace(/spring$/, 'summer');

const cidOf = (text: string) => recordCid(canonicalBytes(canonicalize('text', { text }))).toString();

/** The JSONL file of the main test: good lines, two bad ones, an exact duplicate, a near-duplicate and more. */
function jsonlFile(): Uint8Array<ArrayBuffer> {
	const line = (v: unknown) => JSON.stringify(v) + '\n';
	return bytesOf(
		line({ text: BASE }), // 1: stored
		line({ text: 'A second, unrelated record about birds.' }), // 2: stored
		'{"text": "unterminated\n', // 3: invalid JSON
		line({ question: 'Is this a text record?' }), // 4: wrong fields for a text Datanet
		line({ text: BASE }), // 5: exact duplicate of line 1
		line({ text: NEAR }), // 6: stored, near-duplicate of line 1
		'\r\n', // 7: blank (CRLF): skipped, no issue
		line({ text: 'x'.repeat(33 * 1024) }), // 8: over 32 KiB
		'{"text": "caf', Uint8Array.of(0xff), '"}\n', // 9: not UTF-8
		line({ kind: 'text', fields: { text: 'An envelope record.' } }), // 10: stored
		line({ text: '  A second, unrelated record about birds.\r\n' }) // 11: same canonical content as line 2
	);
}

const parsed = (bytes: Uint8Array, kind: 'text' | 'qa' = 'text') =>
	parseStream(chunkedStream(bytes), 'jsonl', { kind }) as AsyncIterable<IngestItem>;

describe('ingest of a JSONL file', () => {
	test('reports every bad line with its number and reason and stores every good line', async () => {
		const db = await freshDb();
		const d = await createDatanet(db, datanetInput());
		const seen: IngestProgress[] = [];
		const report = await ingest(db, d, parsed(jsonlFile()), { source: 'test.jsonl', contributor: ALICE, batchSize: 2, onProgress: (p) => seen.push(p) });

		expect(report.issues).toEqual([
			{ line: 3, reason: 'invalid-json', message: expect.stringMatching(/^Invalid JSON/) },
			{ line: 4, reason: 'wrong-fields', message: expect.stringContaining('Unknown field "question"') },
			{ line: 5, reason: 'duplicate', message: 'Same content as line 1 of this import.', existingCid: cidOf(BASE) },
			{ line: 8, reason: 'too-large', message: expect.stringContaining('the limit is 32 KiB') },
			{ line: 9, reason: 'invalid-utf8', message: 'Line 9 is not valid UTF-8 text.' },
			{ line: 11, reason: 'duplicate', message: 'Same content as line 2 of this import.', existingCid: cidOf('A second, unrelated record about birds.') }
		]);
		expect(report).toMatchObject({ stored: 4, rejected: 6, duplicates: 2, nearDuplicates: 1, issuesTruncated: false, signed: 0 });

		const rows = await pageRecords(db, d.id, 0, 100);
		expect(rows.map((r) => [r.seq, r.source, r.content.fields.text.slice(0, 20)])).toEqual([
			[0, 'test.jsonl:1', BASE.slice(0, 20)],
			[1, 'test.jsonl:2', 'A second, unrelated '],
			[2, 'test.jsonl:6', NEAR.slice(0, 20)],
			[3, 'test.jsonl:10', 'An envelope record.']
		]);
		expect(report.firstCids).toEqual(rows.map((r) => r.cid));
		expect(rows[2].nearDupOf).toBe(rows[0].cid);
		expect(rows[2].nearDupJaccard).toBeGreaterThanOrEqual(0.9);
		expect(rows.filter((r) => r.nearDupOf).length).toBe(1);
		expect(rows.every((r) => r.contributor === ALICE && r.status === 'approved' && r.signature === null)).toBe(true);
		expect(await getStats(db, d.id)).toMatchObject({ total: 4, nearDuplicates: 1, byStatus: { approved: 4 }, sketchChunks: 2 });

		expect(seen.filter((p) => p.phase === 'storing').length).toBe(2); // one per stored batch of 2
		expect(seen.at(-1)).toMatchObject({ phase: 'done', fraction: 1, stored: 4, rejected: 6 });
	});

	test('a second import of the same file stores nothing and flags near-duplicates of stored records', async () => {
		const db = await freshDb();
		const d = await createDatanet(db, datanetInput());
		await ingest(db, d, parsed(jsonlFile()), { source: 'first.jsonl', contributor: ALICE });

		const again = await ingest(db, d, parsed(jsonlFile()), { source: 'again.jsonl', contributor: ALICE });
		expect(again.stored).toBe(0);
		expect(again.duplicates).toBe(6); // lines 1, 2, 5, 6, 10, 11
		expect(again.issues.find((i) => i.line === 1)).toEqual({ line: 1, reason: 'duplicate', message: 'Same content as a stored record.', existingCid: cidOf(BASE) });

		// The LSH index is rebuilt from the stored sketches: a new edit of BASE is flagged against the first import.
		const edit = BASE.replace(/^The/, 'A');
		const third = await ingest(db, d, parsed(bytesOf(JSON.stringify({ text: edit }) + '\n')), { source: 'third.jsonl', contributor: ALICE });
		expect(third).toMatchObject({ stored: 1, nearDuplicates: 1 });
		const [row] = await pageRecords(db, d.id, 4, 1);
		expect(row.content.fields.text).toBe(edit);
		expect(row.nearDupOf).toBe(cidOf(BASE));
	});

	test('a write that fails while the next batch is being prepared stops the import with a BaseError', async () => {
		const db = await freshDb();
		const d = await createDatanet(db, datanetInput());
		async function* items(): AsyncGenerator<IngestItem> {
			for (let line = 1; line <= 6; line++) {
				if (line === 4) db.close(); // the batch of lines 1-2 is on its way; every later transaction fails
				yield { line, kind: 'text', fields: { text: `record ${line}` } };
			}
		}
		await expect(ingest(db, d, items(), { source: 'gen', contributor: ALICE, batchSize: 2 })).rejects.toThrow(BaseError);
	});

	test('records of another kind are refused per item, not per import', async () => {
		const db = await freshDb();
		const d = await createDatanet(db, datanetInput({ kind: 'qa' }));
		const items: IngestItem[] = [
			{ line: 1, kind: 'qa', fields: { question: 'Why?', answer: 'Because.' } },
			{ line: 2, kind: 'text', fields: { text: 'not a qa record' } }
		];
		const report = await ingest(db, d, items, { source: 'form', contributor: ALICE });
		expect(report.stored).toBe(1);
		expect(report.issues).toEqual([{ line: 2, reason: 'wrong-fields', message: 'Expected a qa record, got text.' }]);
	});
});

describe('policies', () => {
	test('curated Datanets start records as pending, open ones as approved', async () => {
		const db = await freshDb();
		for (const [policy, status] of [['curated', 'pending'], ['open', 'approved']] as const) {
			const d = await createDatanet(db, datanetInput({ policy }));
			await ingest(db, d, parsed(jsonlFile()), { source: 'f.jsonl', contributor: ALICE });
			expect(new Set((await pageRecords(db, d.id, 0, 10)).map((r) => r.status))).toEqual(new Set([status]));
			expect((await getStats(db, d.id)).byStatus[status]).toBe(4);
		}
	});

	test('an allowlist Datanet refuses a contributor who is not listed, before storing anything', async () => {
		const db = await freshDb();
		const d = await createDatanet(db, datanetInput({ policy: 'allowlist', allowlist: [ALICE] }));
		await expect(ingest(db, d, parsed(jsonlFile()), { source: 'f.jsonl', contributor: BOB })).rejects.toSatisfy(
			(e) => e instanceof BaseError && e.shortMessage === 'This Datanet only accepts records from listed contributors.' && !!e.details?.includes(BOB)
		);
		expect((await getStats(db, d.id)).total).toBe(0);
		expect((await ingest(db, d, parsed(jsonlFile()), { source: 'f.jsonl', contributor: ALICE.toUpperCase().replace('0X', '0x') })).stored).toBe(4);
	});
});

describe('signing', () => {
	test("the local account's records are signed after storing, and the signatures verify", async () => {
		const db = await freshDb();
		const { account } = await localAccount(db);
		const d = await createDatanet(db, datanetInput());
		const items: IngestItem[] = [
			{ line: 1, kind: 'text', fields: { text: 'written here' } },
			{ line: 2, kind: 'text', fields: { text: 'also written here' } },
			{ line: 3, kind: 'text', fields: { text: 'written by Bob elsewhere' }, contributor: BOB }
		];
		const phases = new Set<string>();
		const report = await ingest(db, d, items, { source: 'form', contributor: account.address, account, onProgress: (p) => phases.add(p.phase) });
		expect(report).toMatchObject({ stored: 3, signed: 2 });
		expect([...phases]).toEqual(['storing', 'signing', 'done']);

		const rows = await pageRecords(db, d.id, 0, 10);
		for (const r of rows.slice(0, 2)) {
			expect(r).toMatchObject({ contributor: account.address.toLowerCase(), sigStatus: 'valid' });
			expect(r.signature).toMatch(/^0x[0-9a-f]{130}$/);
			const message = { datanetId: d.id, cidDigest: cidDigestHex(parseCid(r.cid)), signature: r.signature! };
			expect(await verifyAuthorship({ ...message, contributor: account.address })).toBe(true);
			expect(await verifyAuthorship({ ...message, contributor: BOB as Hex })).toBe(false);
			expect(await verifyAuthorship({ ...message, datanetId: ('0x' + '00'.repeat(32)) as Hex, contributor: account.address })).toBe(false);
		}
		// Another author's record is never signed with our key.
		expect(rows[2]).toMatchObject({ contributor: BOB, signature: null });
		expect(rows[2].sigStatus).not.toBe('valid');
	});

	test("signPending finds the account's unsigned records behind more than a window of other unsigned ones", async () => {
		const db = await freshDb();
		const account = privateKeyToAccount(('0x' + '11'.repeat(32)) as Hex);
		const d = await createDatanet(db, datanetInput());
		const others = Array.from({ length: 300 }, (_, i) => ({ record: textRecord(d.id, `other ${i}`, { contributor: BOB, sigStatus: 'unsigned' }) }));
		const own = Array.from({ length: 3 }, (_, i) => ({ record: textRecord(d.id, `own ${i}`, { contributor: account.address.toLowerCase(), sigStatus: 'unsigned' }) }));
		await putRecords(db, d.id, [...others, ...own]);
		const progress: [number, number][] = [];
		expect(await signPending(db, d.id, account, (done, total) => progress.push([done, total]))).toBe(3);
		expect(progress.at(-1)).toEqual([3, 3]);
		const signed = await pageRecords(db, d.id, 300, 3);
		expect(signed.map((r) => r.sigStatus)).toEqual(['valid', 'valid', 'valid']);
		expect((await pageRecords(db, d.id, 0, 1))[0]).toMatchObject({ sigStatus: 'unsigned', signature: null });
	});
});
