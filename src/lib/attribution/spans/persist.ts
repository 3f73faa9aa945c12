// One span segment as one binary blob: a 32-byte header (magic, format version, token width, lengths, CRC-32 of the
// rest), then tokens, suffix array and record starts as little-endian typed arrays, then the record metadata and BM25
// statistics as JSON. Unigram counts are not stored: SpanIndex recounts them from the tokens in one pass on load.
import { BaseError } from '../../core/errors';
import { SpanIndex, type SpanIndexParts, type TokenArray } from './index';
import type { RecordMeta, SpanSegment } from './segment';

export class SpanSegmentFormatError extends BaseError {
	override name = 'SpanSegmentFormatError';
}

/** The format version this code writes and reads. */
export const SEGMENT_FORMAT_VERSION = 1;

const MAGIC = [0x4c, 0x4c, 0x53, 0x50, 0x41, 0x4e, 0x53, 0x00]; // "LLSPANS\0"
const HEADER_BYTES = 32;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const REBUILD_HINT = 'Delete the index and build it again.';

// The JSON part. Contributors and Datanets repeat across records, so each record names them by table index.
type SegmentJson = {
	tokenizerHash: string;
	vocabSize: number;
	contributors: string[];
	datanets: string[];
	/** [cid, contributor index, Datanet index] per record. */
	records: [string, number, number][];
	bm25: { documents: number; totalWords: number; terms: string[]; frequencies: number[] };
};

const pad4 = (n: number) => (n + 3) & ~3;

/** Serialises a segment to one blob that deserializeSegment reads back exactly. */
export function serializeSegment(segment: SpanSegment): Uint8Array<ArrayBuffer> {
	const { index, records, bm25, tokenizerHash } = segment;
	const contributors = new Map<string, number>();
	const datanets = new Map<string, number>();
	const tableIndex = (table: Map<string, number>, value: string) => {
		let i = table.get(value);
		if (i === undefined) table.set(value, (i = table.size));
		return i;
	};
	const terms = [...bm25.documentFrequencies.keys()];
	const json: SegmentJson = {
		tokenizerHash,
		vocabSize: index.vocabSize,
		records: records.map((r) => [r.cid, tableIndex(contributors, r.contributor), tableIndex(datanets, r.datanetId)]),
		contributors: [...contributors.keys()],
		datanets: [...datanets.keys()],
		bm25: { documents: bm25.documents, totalWords: bm25.totalWords, terms, frequencies: terms.map((t) => bm25.documentFrequencies.get(t)!) }
	};
	const meta = encoder.encode(JSON.stringify(json));
	const n = index.tokens.length;
	const width = index.tokens.BYTES_PER_ELEMENT;
	const tokensAt = HEADER_BYTES;
	const saAt = tokensAt + pad4(n * width);
	const startsAt = saAt + 4 * n;
	const metaAt = startsAt + 4 * index.recordStarts.length;
	const out = new Uint8Array(metaAt + meta.length);
	out.set(MAGIC, 0);
	const view = new DataView(out.buffer);
	view.setUint32(8, SEGMENT_FORMAT_VERSION, true);
	view.setUint32(12, width, true);
	view.setUint32(16, n, true);
	view.setUint32(20, index.recordStarts.length, true);
	view.setUint32(24, meta.length, true);
	out.set(bytesOf(index.tokens), tokensAt);
	out.set(bytesOf(index.suffixArray), saAt);
	out.set(bytesOf(index.recordStarts), startsAt);
	out.set(meta, metaAt);
	view.setUint32(28, crc32(out.subarray(HEADER_BYTES)), true);
	return out;
}

/** Reads a blob written by serializeSegment; the arrays are views into `blob`, which must not change afterwards. */
export function deserializeSegment(blob: Uint8Array): SpanSegment {
	if (blob.length < HEADER_BYTES || MAGIC.some((b, i) => blob[i] !== b)) {
		throw new SpanSegmentFormatError('This file is not a span index segment.', { details: `${blob.length} bytes`, hint: REBUILD_HINT });
	}
	const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
	const version = view.getUint32(8, true);
	if (version !== SEGMENT_FORMAT_VERSION) {
		throw new SpanSegmentFormatError('The span index segment has an unknown format version.', { details: `version ${version}; this app reads ${SEGMENT_FORMAT_VERSION}`, hint: REBUILD_HINT });
	}
	const width = view.getUint32(12, true);
	const n = view.getUint32(16, true);
	const recordCount = view.getUint32(20, true);
	const metaLength = view.getUint32(24, true);
	if (width !== 2 && width !== 4) throw corrupt(`token width ${width}`);
	const saAt = HEADER_BYTES + pad4(n * width);
	const startsAt = saAt + 4 * n;
	const metaAt = startsAt + 4 * recordCount;
	const expected = metaAt + metaLength;
	if (blob.length !== expected) {
		throw new SpanSegmentFormatError(blob.length < expected ? 'The span index segment is truncated.' : 'The span index segment has trailing bytes.', {
			details: `${blob.length} bytes; the header describes ${expected}`,
			hint: REBUILD_HINT
		});
	}
	const stored = view.getUint32(28, true);
	const actual = crc32(blob.subarray(HEADER_BYTES));
	if (stored !== actual) throw corrupt(`CRC-32 ${hex(actual)}; the header says ${hex(stored)}`);

	// A blob at an unaligned offset is copied once, so every array can be a view.
	const bytes = blob.byteOffset % 4 === 0 ? blob : blob.slice();
	const at = (offset: number) => bytes.byteOffset + offset;
	const tokens: TokenArray = width === 2 ? new Uint16Array(bytes.buffer, at(HEADER_BYTES), n) : new Uint32Array(bytes.buffer, at(HEADER_BYTES), n);
	const suffixArray = new Int32Array(bytes.buffer, at(saAt), n);
	const recordStarts = new Uint32Array(bytes.buffer, at(startsAt), recordCount);
	try {
		return segmentOf(JSON.parse(decoder.decode(bytes.subarray(metaAt))) as SegmentJson, { tokens, suffixArray, recordStarts }, width);
	} catch (cause) {
		if (cause instanceof SpanSegmentFormatError) throw cause;
		throw corrupt('the metadata does not describe the segment', cause);
	}
}

// Rebuilds the segment from its parsed metadata; a malformed shape throws a TypeError that the caller reports as corruption.
function segmentOf(json: SegmentJson, { tokens, suffixArray, recordStarts }: Omit<SpanIndexParts, 'vocabSize'>, width: number): SpanSegment {
	const { tokenizerHash, vocabSize, contributors, datanets, records, bm25 } = json;
	const recordCount = recordStarts.length;
	if (typeof tokenizerHash !== 'string' || records.length !== recordCount || bm25.terms.length !== bm25.frequencies.length || (vocabSize + 1 <= 65536 ? 2 : 4) !== width) {
		throw corrupt(`${records.length} records' metadata for ${recordCount} records; vocabulary ${vocabSize} with ${width}-byte tokens`);
	}
	for (let r = 0; r < recordCount; r++) {
		if (recordStarts[r] > tokens.length || (r === 0 ? recordStarts[0] !== 0 : recordStarts[r] <= recordStarts[r - 1])) throw corrupt(`record ${r} starts at ${recordStarts[r]}`);
	}
	return {
		index: new SpanIndex({ tokens, suffixArray, recordStarts, vocabSize }),
		records: records.map(([cid, c, d]): RecordMeta => ({ cid, contributor: contributors[c], datanetId: datanets[d] })),
		bm25: { documents: bm25.documents, totalWords: bm25.totalWords, documentFrequencies: new Map(bm25.terms.map((t, i) => [t, bm25.frequencies[i]])) },
		tokenizerHash
	};
}

function corrupt(details: string, cause?: unknown): SpanSegmentFormatError {
	return new SpanSegmentFormatError('The span index segment is corrupted.', { details, cause, hint: REBUILD_HINT });
}

// Typed arrays are little-endian on every platform the app runs on, so their bytes are the format's; the header goes
// through a DataView.
function bytesOf(a: TokenArray | Int32Array): Uint8Array {
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
