import { describe, expect, it } from 'vitest';
import { recordCidString } from '../../core/cid';
import { BaseError } from '../../core/errors';
import { buildSpanIndex } from './index';
import { crc32, deserializeSegment, SEGMENT_FORMAT_VERSION, segmentParts, serializeSegment, SpanSegmentFormatError } from './persist';
import { binaryCid } from './recordTable';
import { buildSpanSegment, spanText, type SourceRecord } from './segment';
import { nounGlosses } from './testText.node';
import { byteTokenizer, type Tokenizer } from './tokenizer';

const records: SourceRecord[] = nounGlosses(80).map((text, i) => ({
	cid: `bafk${i}`,
	contributor: `0x${String(i % 3).padStart(40, '0')}`,
	datanetId: i < 40 ? 'nouns-a' : 'nouns-b',
	text
}));

// A tokenizer with a vocabulary too large for 16-bit ids, so the Uint32 token path is covered too.
const wideTokenizer: Tokenizer = { ...byteTokenizer, vocabSize: 70_000, hash: 'wide' };

function rejects(blob: Uint8Array, message: string) {
	let error: unknown;
	try {
		deserializeSegment(blob);
	} catch (e) {
		error = e;
	}
	expect(error).toBeInstanceOf(SpanSegmentFormatError);
	expect(error).toBeInstanceOf(BaseError);
	expect((error as BaseError).shortMessage).toBe(message);
}

describe('segment blobs', () => {
	it.each([
		['16-bit', byteTokenizer],
		['32-bit', wideTokenizer]
	])('round-trip a segment with %s tokens exactly', (_, tokenizer) => {
		const segment = buildSpanSegment({ records, tokenizer });
		const blob = serializeSegment(segment);
		const back = deserializeSegment(blob);
		expect(back.index.tokens.constructor).toBe(segment.index.tokens.constructor);
		expect(back.index.tokens).toEqual(segment.index.tokens);
		expect(back.index.suffixArray).toEqual(segment.index.suffixArray);
		expect(back.index.recordStarts).toEqual(segment.index.recordStarts);
		expect(back.index.unigramCounts).toEqual(segment.index.unigramCounts);
		expect(back.index.tokenCount).toBe(segment.index.tokenCount);
		expect(back.records).toEqual(segment.records);
		expect(back.bm25).toEqual(segment.bm25);
		expect(back.tokenizerHash).toBe(segment.tokenizerHash);
		// The same segment always gives the same bytes.
		expect(serializeSegment(back)).toEqual(blob);
	});

	it('round-trips an empty segment and reads a blob at an unaligned offset', () => {
		const empty = buildSpanSegment({ records: [], tokenizer: byteTokenizer });
		expect(deserializeSegment(serializeSegment(empty))).toEqual(empty);
		const blob = serializeSegment(buildSpanSegment({ records: records.slice(0, 5), tokenizer: byteTokenizer }));
		const shifted = new Uint8Array(blob.length + 1);
		shifted.set(blob, 1);
		expect(deserializeSegment(shifted.subarray(1)).records).toEqual(records.slice(0, 5).map(({ cid, contributor, datanetId }) => ({ cid, contributor, datanetId })));
	});

	it('rejects truncated, padded, corrupted, foreign and future blobs with a clear error', () => {
		const blob = serializeSegment(buildSpanSegment({ records, tokenizer: byteTokenizer }));
		rejects(blob.slice(0, blob.length - 1), 'The span index segment is truncated.');
		rejects(blob.slice(0, 100), 'The span index segment is truncated.');
		rejects(new Uint8Array([...blob, 0]), 'The span index segment has trailing bytes.');
		rejects(blob.slice(0, 10), 'This file is not a span index segment.');
		rejects(new TextEncoder().encode('{"not": "a segment", "padding": "...................."}'), 'This file is not a span index segment.');
		for (const at of [40, blob.length >> 1, blob.length - 3]) {
			const flipped = blob.slice();
			flipped[at] ^= 0x10;
			rejects(flipped, 'The span index segment is corrupted.');
		}
		const future = blob.slice();
		new DataView(future.buffer).setUint32(8, SEGMENT_FORMAT_VERSION + 1, true);
		rejects(future, 'The span index segment has an unknown format version.');
		const old = blob.slice();
		new DataView(old.buffer).setUint32(8, 1, true);
		rejects(old, 'The span index segment was written in an older format.');
	});

	it('round-trips 4-byte suffix-array entries and stores 3-byte ones below 2^24 tokens', () => {
		const narrow = buildSpanSegment({ records, tokenizer: byteTokenizer });
		expect(narrow.index.suffixArray.width).toBe(3);
		const tokens = records.map((r) => byteTokenizer.encode(spanText(r.text).text));
		const wide = { ...narrow, index: buildSpanIndex({ records: tokens, vocabSize: byteTokenizer.vocabSize, pointerWidth: 4 }) };
		const [narrowBlob, wideBlob] = [narrow, wide].map(serializeSegment);
		const n = narrow.index.tokens.length;
		expect(segmentParts(narrowBlob).suffixArray).toBe((3 * n + 3) & ~3);
		expect(segmentParts(wideBlob).suffixArray).toBe(4 * n);
		const back = deserializeSegment(wideBlob);
		expect(back.index.suffixArray.width).toBe(4);
		expect(back.index.suffixArray.slice()).toEqual(narrow.index.suffixArray.slice());
		expect(back.index.locate(byteTokenizer.encode(' of '), 50)).toEqual(narrow.index.locate(byteTokenizer.encode(' of '), 50));
		const parts = segmentParts(narrowBlob);
		expect(parts.header + parts.tokens + parts.suffixArray + parts.recordStarts + parts.recordTable + parts.json).toBe(narrowBlob.length);
	});

	it('stores canonical CIDs as their 36 bytes and any other CID string as text, both exactly', () => {
		const real = records.slice(0, 6).map((r) => ({ ...r, cid: recordCidString(new TextEncoder().encode(r.text)) }));
		const odd = ['', 'bafk1', real[0].cid.toUpperCase(), 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', real[1].cid + 'a', 'b' + real[2].cid.slice(1, 20), 'ü-cid'];
		const mixed = [...real, ...odd.map((cid, i) => ({ ...records[10 + i], cid }))];
		for (const r of real) expect(binaryCid(r.cid)?.length).toBe(36);
		for (const cid of odd) expect(binaryCid(cid)).toBeNull();
		const segment = buildSpanSegment({ records: mixed, tokenizer: byteTokenizer });
		const blob = serializeSegment(segment);
		expect(deserializeSegment(blob).records).toEqual(segment.records);
		// 3 bytes a record for the two table indexes and the CID's length, then the CID's bytes.
		const binaryOnly = serializeSegment(buildSpanSegment({ records: real, tokenizer: byteTokenizer }));
		expect(segmentParts(binaryOnly).recordTable).toBe(real.length * (3 + 36));
	});

	it('computes CRC-32 as zlib does', () => {
		expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
		expect(crc32(new Uint8Array())).toBe(0);
	});
});
