// One span segment as one binary blob: a 36-byte header (magic, format version, token and pointer widths, lengths,
// CRC-32 of the rest), then tokens, the packed suffix array (3 or 4 bytes an entry) and record starts as little-endian
// arrays, then the binary record table (CIDs as bytes, contributors and Datanets as table indexes), then the tables and
// BM25 statistics as JSON. Unigram counts are not stored: SpanIndex recounts them from the tokens in one pass on load.
import { BaseError } from '../../core/errors';
import { SpanIndex, type TokenArray } from './index';
import { PackedSuffixArray, type PointerWidth } from './packedSuffixArray';
import { decodeRecordTable, encodeRecordTable } from './recordTable';
import type { SpanSegment } from './segment';

export class SpanSegmentFormatError extends BaseError {
	override name = 'SpanSegmentFormatError';
}

/** The format version this code writes and reads (1 stored 4-byte pointers and the record metadata as JSON; 2 tokenized
 * records without segment.ts's LEADING_SPACE). */
export const SEGMENT_FORMAT_VERSION = 3;

const MAGIC = [0x4c, 0x4c, 0x53, 0x50, 0x41, 0x4e, 0x53, 0x00]; // "LLSPANS\0"
const HEADER_BYTES = 36;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const REBUILD_HINT = 'Delete the index and build it again.';

// The JSON part: the tables the record table indexes into, and the BM25 statistics.
type SegmentJson = {
	tokenizerHash: string;
	vocabSize: number;
	contributors: string[];
	datanets: string[];
	bm25: { documents: number; totalWords: number; terms: string[]; frequencies: number[] };
};

const pad4 = (n: number) => (n + 3) & ~3;

// Where each part starts, from the header's counts; `end` is the blob's length.
function layout(n: number, tokenWidth: number, pointerWidth: number, recordCount: number, tableLength: number, jsonLength: number) {
	const tokensAt = HEADER_BYTES;
	const saAt = tokensAt + pad4(n * tokenWidth);
	const startsAt = saAt + pad4(n * pointerWidth);
	const tableAt = startsAt + 4 * recordCount;
	const jsonAt = tableAt + tableLength;
	return { tokensAt, saAt, startsAt, tableAt, jsonAt, end: jsonAt + jsonLength };
}

/** The byte length of each part of a blob written by serializeSegment, read from its header. */
export function segmentParts(blob: Uint8Array): { header: number; tokens: number; suffixArray: number; recordStarts: number; recordTable: number; json: number } {
	const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
	const [n, recordCount, tableLength, jsonLength] = [16, 20, 24, 28].map((at) => view.getUint32(at, true));
	const at = layout(n, blob[12], blob[13], recordCount, tableLength, jsonLength);
	return { header: HEADER_BYTES, tokens: at.saAt - at.tokensAt, suffixArray: at.startsAt - at.saAt, recordStarts: at.tableAt - at.startsAt, recordTable: tableLength, json: jsonLength };
}

/** Serialises a segment to one blob that deserializeSegment reads back exactly. */
export function serializeSegment(segment: SpanSegment): Uint8Array<ArrayBuffer> {
	const { index, records, bm25, tokenizerHash } = segment;
	const table = encodeRecordTable(records);
	const terms = [...bm25.documentFrequencies.keys()];
	const json: SegmentJson = {
		tokenizerHash,
		vocabSize: index.vocabSize,
		contributors: table.contributors,
		datanets: table.datanets,
		bm25: { documents: bm25.documents, totalWords: bm25.totalWords, terms, frequencies: terms.map((t) => bm25.documentFrequencies.get(t)!) }
	};
	const meta = encoder.encode(JSON.stringify(json));
	const n = index.tokens.length;
	const tokenWidth = index.tokens.BYTES_PER_ELEMENT;
	const pointerWidth = index.suffixArray.width;
	const at = layout(n, tokenWidth, pointerWidth, index.recordStarts.length, table.bytes.length, meta.length);
	const out = new Uint8Array(at.end);
	out.set(MAGIC, 0);
	const view = new DataView(out.buffer);
	view.setUint32(8, SEGMENT_FORMAT_VERSION, true);
	out[12] = tokenWidth;
	out[13] = pointerWidth;
	view.setUint32(16, n, true);
	view.setUint32(20, index.recordStarts.length, true);
	view.setUint32(24, table.bytes.length, true);
	view.setUint32(28, meta.length, true);
	out.set(bytesOf(index.tokens), at.tokensAt);
	out.set(index.suffixArray.bytes, at.saAt);
	out.set(bytesOf(index.recordStarts), at.startsAt);
	out.set(table.bytes, at.tableAt);
	out.set(meta, at.jsonAt);
	view.setUint32(32, crc32(out.subarray(HEADER_BYTES)), true);
	return out;
}

/** Reads a blob written by serializeSegment; the arrays are views into `blob`, which must not change afterwards. */
export function deserializeSegment(blob: Uint8Array): SpanSegment {
	if (blob.length < 12 || MAGIC.some((b, i) => blob[i] !== b)) {
		throw new SpanSegmentFormatError('This file is not a span index segment.', { details: `${blob.length} bytes`, hint: REBUILD_HINT });
	}
	const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
	const version = view.getUint32(8, true);
	if (version < SEGMENT_FORMAT_VERSION) {
		throw new SpanSegmentFormatError('The span index segment was written in an older format.', { details: `version ${version}; this app reads ${SEGMENT_FORMAT_VERSION}`, hint: REBUILD_HINT });
	}
	if (version !== SEGMENT_FORMAT_VERSION) {
		throw new SpanSegmentFormatError('The span index segment has an unknown format version.', { details: `version ${version}; this app reads ${SEGMENT_FORMAT_VERSION}`, hint: REBUILD_HINT });
	}
	if (blob.length < HEADER_BYTES) throw new SpanSegmentFormatError('The span index segment is truncated.', { details: `${blob.length} bytes`, hint: REBUILD_HINT });
	const tokenWidth = blob[12];
	const pointerWidth = blob[13];
	const n = view.getUint32(16, true);
	const recordCount = view.getUint32(20, true);
	const tableLength = view.getUint32(24, true);
	const jsonLength = view.getUint32(28, true);
	if (tokenWidth !== 2 && tokenWidth !== 4) throw corrupt(`token width ${tokenWidth}`);
	if (pointerWidth !== 3 && pointerWidth !== 4) throw corrupt(`pointer width ${pointerWidth}`);
	const at = layout(n, tokenWidth, pointerWidth, recordCount, tableLength, jsonLength);
	if (blob.length !== at.end) {
		throw new SpanSegmentFormatError(blob.length < at.end ? 'The span index segment is truncated.' : 'The span index segment has trailing bytes.', {
			details: `${blob.length} bytes; the header describes ${at.end}`,
			hint: REBUILD_HINT
		});
	}
	const stored = view.getUint32(32, true);
	const actual = crc32(blob.subarray(HEADER_BYTES));
	if (stored !== actual) throw corrupt(`CRC-32 ${hex(actual)}; the header says ${hex(stored)}`);

	// A blob at an unaligned offset is copied once, so every array can be a view.
	const bytes = blob.byteOffset % 4 === 0 ? blob : blob.slice();
	const offset = (part: number) => bytes.byteOffset + part;
	const tokens: TokenArray = tokenWidth === 2 ? new Uint16Array(bytes.buffer, offset(at.tokensAt), n) : new Uint32Array(bytes.buffer, offset(at.tokensAt), n);
	const recordStarts = new Uint32Array(bytes.buffer, offset(at.startsAt), recordCount);
	try {
		const suffixArray = new PackedSuffixArray(bytes.subarray(at.saAt, at.saAt + n * pointerWidth), pointerWidth as PointerWidth, n);
		const json = JSON.parse(decoder.decode(bytes.subarray(at.jsonAt))) as SegmentJson;
		return segmentOf(json, bytes.subarray(at.tableAt, at.jsonAt), { tokens, suffixArray, recordStarts }, tokenWidth);
	} catch (cause) {
		if (cause instanceof SpanSegmentFormatError) throw cause;
		throw corrupt('the metadata does not describe the segment', cause);
	}
}

// Rebuilds the segment from its parsed metadata and record table; a malformed shape throws a TypeError or RangeError
// that the caller reports as corruption.
function segmentOf(
	json: SegmentJson,
	table: Uint8Array,
	{ tokens, suffixArray, recordStarts }: { tokens: TokenArray; suffixArray: PackedSuffixArray; recordStarts: Uint32Array },
	tokenWidth: number
): SpanSegment {
	const { tokenizerHash, vocabSize, contributors, datanets, bm25 } = json;
	const recordCount = recordStarts.length;
	if (typeof tokenizerHash !== 'string' || !Array.isArray(contributors) || !Array.isArray(datanets) || bm25.terms.length !== bm25.frequencies.length || (vocabSize + 1 <= 65536 ? 2 : 4) !== tokenWidth) {
		throw corrupt(`vocabulary ${vocabSize} with ${tokenWidth}-byte tokens`);
	}
	for (let r = 0; r < recordCount; r++) {
		if (recordStarts[r] > tokens.length || (r === 0 ? recordStarts[0] !== 0 : recordStarts[r] <= recordStarts[r - 1])) throw corrupt(`record ${r} starts at ${recordStarts[r]}`);
	}
	return {
		index: new SpanIndex({ tokens, suffixArray, recordStarts, vocabSize }),
		records: decodeRecordTable({ bytes: table, contributors, datanets }, recordCount),
		bm25: { documents: bm25.documents, totalWords: bm25.totalWords, documentFrequencies: new Map(bm25.terms.map((t, i) => [t, bm25.frequencies[i]])) },
		tokenizerHash
	};
}

function corrupt(details: string, cause?: unknown): SpanSegmentFormatError {
	return new SpanSegmentFormatError('The span index segment is corrupted.', { details, cause, hint: REBUILD_HINT });
}

// Typed arrays are little-endian on every platform the app runs on, so their bytes are the format's; the header goes
// through a DataView.
function bytesOf(a: TokenArray | Uint32Array): Uint8Array {
	return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

const hex = (x: number) => x.toString(16).padStart(8, '0');

const CRC_TABLE = (() => {
	const table = new Uint32Array(256);
	for (let i = 0; i < 256; i++) {
		let c = i;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[i] = c >>> 0;
	}
	return table;
})();

/** CRC-32 (IEEE 802.3, as zlib computes it) of the bytes. */
export function crc32(bytes: Uint8Array): number {
	let c = 0xffffffff;
	for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}
