// Shared fixtures for the store's browser tests (imported by *.browser.test.ts only, never by app code): a uniquely
// named IndexedDB database per test, closed and deleted after it, valid Datanet inputs, and byte streams for imports.
import { deleteDB } from 'idb';
import { afterEach } from 'vitest';
import { closeLedgerDb, openLedgerDb, type LedgerDatabase } from './db';
import type { DatanetInput } from './datanets';
import type { NewRecord } from './records';
import { canonicalBytes, canonicalize } from '../core/record';
import { recordCid } from '../core/cid';
import type { Hex } from './schema';

export const OWNER = '0x' + '0a'.repeat(20);
export const CURATOR = '0x' + 'c0'.repeat(20);
export const ALICE = '0x' + 'a1'.repeat(20);
export const BOB = '0x' + 'b0'.repeat(20);

const opened = new Set<string>();

afterEach(async () => {
	for (const name of opened) {
		await closeLedgerDb(name);
		await deleteDB(name);
	}
	opened.clear();
});

/** Returns a new, uniquely named database name; the database is closed and deleted after the current test. */
export function freshDbName(): string {
	const name = `ledgerlight-test-${crypto.randomUUID()}`;
	opened.add(name);
	return name;
}

/** Opens a new, empty database (at `version`, default the latest) that is closed and deleted after the current test. */
export function freshDb(version?: number): Promise<LedgerDatabase> {
	return openLedgerDb(freshDbName(), version);
}

/** Returns valid Datanet input (a text Datanet, open policy, one curator) with `over` applied. */
export function datanetInput(over: Partial<DatanetInput> = {}): DatanetInput {
	return {
		name: 'Test Datanet',
		summary: 'Records for a test.',
		description: 'Made by a **test**.',
		tags: ['test'],
		license: 'CC-BY-4.0',
		kind: 'text',
		policy: 'open',
		curators: [CURATOR],
		allowlist: [],
		owner: OWNER,
		...over
	};
}

/** Builds the NewRecord of a text record, as the pipeline would (CID of the canonical bytes). */
export function textRecord(datanetId: Hex, text: string, over: Partial<NewRecord> = {}): NewRecord {
	const content = canonicalize('text', { text });
	return {
		datanetId,
		cid: recordCid(canonicalBytes(content)).toString(),
		content,
		contributor: ALICE,
		signature: null,
		sigStatus: 'invalid',
		status: 'approved',
		nearDupOf: null,
		nearDupJaccard: null,
		source: 'test',
		...over
	};
}

/** Concatenates strings (UTF-8 encoded) and raw byte arrays into one byte array. */
export function bytesOf(...parts: (string | Uint8Array)[]): Uint8Array<ArrayBuffer> {
	const encoded = parts.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p) : p));
	const out = new Uint8Array(encoded.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of encoded) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

/** Streams bytes in small chunks, so lines (and UTF-8 sequences) are split across chunks as in a real file read. */
export function chunkedStream(bytes: Uint8Array, chunkSize = 61): ReadableStream<Uint8Array> {
	let at = 0;
	return new ReadableStream<Uint8Array>({
		pull(controller) {
			if (at >= bytes.length) return controller.close();
			controller.enqueue(bytes.slice(at, (at += chunkSize)));
		}
	});
}

/** Collects an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
	const out: T[] = [];
	for await (const item of items) out.push(item);
	return out;
}
