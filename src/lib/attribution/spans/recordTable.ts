// The binary record table of a segment blob: per record, its contributor's and Datanet's indexes into deduplicated
// tables, then its CID. A CID string in canonical base32 form is stored as the CID's own bytes (36 for a CIDv1 raw
// sha2-256, against 59 characters plus JSON quoting), any other string as UTF-8, so every string comes back exactly.
// Integers are unsigned LEB128 varints: a Datanet index is one byte, a CID's length-and-kind one.
import { base32 } from 'multiformats/bases/base32';
import { CID } from 'multiformats/cid';
import type { RecordMeta } from './segment';

/** The table's bytes and the strings its indexes point into. */
export type EncodedRecordTable = { bytes: Uint8Array; contributors: string[]; datanets: string[] };

// The two ways a CID string is stored, in the low bit of its length varint.
const CID_BINARY = 0;
const CID_TEXT = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The CID's bytes when `cid` is a CID in canonical base32 (what toString() gives back), else null. */
export function binaryCid(cid: string): Uint8Array | null {
	if (cid[0] !== 'b') return null;
	try {
		const bytes = base32.decode(cid);
		CID.decode(bytes);
		return base32.encode(bytes) === cid ? bytes : null;
	} catch {
		return null;
	}
}

/** Encodes the records' metadata; contributors and Datanets are numbered in order of first appearance. */
export function encodeRecordTable(records: readonly RecordMeta[]): EncodedRecordTable {
	const contributors = new Map<string, number>();
	const datanets = new Map<string, number>();
	const tableIndex = (table: Map<string, number>, value: string) => {
		let i = table.get(value);
		if (i === undefined) table.set(value, (i = table.size));
		return i;
	};
	const parts: [number, number, number, Uint8Array][] = records.map((r) => {
		const binary = binaryCid(r.cid);
		return [tableIndex(contributors, r.contributor), tableIndex(datanets, r.datanetId), binary ? CID_BINARY : CID_TEXT, binary ?? encoder.encode(r.cid)];
	});
	let size = 0;
	for (const [c, d, kind, cid] of parts) size += varintLength(c) + varintLength(d) + varintLength(2 * cid.length + kind) + cid.length;
	const bytes = new Uint8Array(size);
	let at = 0;
	for (const [c, d, kind, cid] of parts) {
		at = writeVarint(bytes, at, c);
		at = writeVarint(bytes, at, d);
		at = writeVarint(bytes, at, 2 * cid.length + kind);
		bytes.set(cid, at);
		at += cid.length;
	}
	return { bytes, contributors: [...contributors.keys()], datanets: [...datanets.keys()] };
}

/** Decodes `count` records; throws RangeError when the bytes do not hold exactly that table. */
export function decodeRecordTable({ bytes, contributors, datanets }: EncodedRecordTable, count: number): RecordMeta[] {
	const records: RecordMeta[] = new Array(count);
	const cursor = { at: 0 };
	const entry = (table: string[]) => {
		const i = readVarint(bytes, cursor);
		if (i >= table.length) throw new RangeError(`table index ${i} of ${table.length}`);
		return table[i];
	};
	for (let r = 0; r < count; r++) {
		const contributor = entry(contributors);
		const datanetId = entry(datanets);
		const lengthAndKind = readVarint(bytes, cursor);
		const end = cursor.at + Math.floor(lengthAndKind / 2);
		if (end > bytes.length) throw new RangeError(`record ${r}'s CID runs past the table`);
		const raw = bytes.subarray(cursor.at, end);
		cursor.at = end;
		const cid = lengthAndKind % 2 === CID_BINARY ? base32.encode(raw) : decoder.decode(raw);
		records[r] = { cid, contributor, datanetId };
	}
	if (cursor.at !== bytes.length) throw new RangeError(`${bytes.length - cursor.at} bytes after the last record`);
	return records;
}

function varintLength(x: number): number {
	let length = 1;
	while (x >= 0x80) {
		x = Math.floor(x / 0x80);
		length++;
	}
	return length;
}

function writeVarint(out: Uint8Array, at: number, x: number): number {
	while (x >= 0x80) {
		out[at++] = (x % 0x80) | 0x80;
		x = Math.floor(x / 0x80);
	}
	out[at++] = x;
	return at;
}

// At most 5 bytes (values below 2^35; the table's are below 2^32).
function readVarint(bytes: Uint8Array, cursor: { at: number }): number {
	let x = 0;
	let scale = 1;
	for (let k = 0; k < 5; k++) {
		if (cursor.at >= bytes.length) throw new RangeError('a varint runs past the table');
		const b = bytes[cursor.at++];
		x += (b & 0x7f) * scale;
		if (b < 0x80) return x;
		scale *= 0x80;
	}
	throw new RangeError('a varint is longer than 5 bytes');
}
