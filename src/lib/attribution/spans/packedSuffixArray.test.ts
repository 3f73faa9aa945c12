import { describe, expect, it } from 'vitest';
import { PackedSuffixArray, PackedSuffixArrayError, pointerWidthFor } from './packedSuffixArray';

describe('PackedSuffixArray', () => {
	it('chooses 3 bytes an entry up to 2^24 entries and 4 above', () => {
		expect(pointerWidthFor(0)).toBe(3);
		expect(pointerWidthFor(2 ** 24)).toBe(3);
		expect(pointerWidthFor(2 ** 24 + 1)).toBe(4);
		expect(pointerWidthFor(2 ** 31 - 1)).toBe(4);
	});

	it('reads back every entry at both widths, the largest 3-byte position too', () => {
		const sa = Int32Array.of(0, 1, 255, 256, 65535, 65536, 2 ** 24 - 1, 12_345_678);
		for (const width of [3, 4] as const) {
			const packed = PackedSuffixArray.pack(sa, width);
			expect(packed.width).toBe(width);
			expect(packed.bytes.length).toBe(width * sa.length);
			expect(Array.from({ length: sa.length }, (_, r) => packed.at(r))).toEqual(Array.from(sa));
			expect(packed.slice(2, 5)).toEqual(sa.subarray(2, 5));
		}
		expect(PackedSuffixArray.pack(Int32Array.of(2 ** 31 - 1), 4).at(0)).toBe(2 ** 31 - 1);
	});

	it('reads 4-byte entries from unaligned bytes, and stores little-endian bytes', () => {
		const packed = PackedSuffixArray.pack(Int32Array.of(0x010203, 7), 3);
		expect(Array.from(packed.bytes)).toEqual([3, 2, 1, 7, 0, 0]);
		const bytes = new Uint8Array(9);
		bytes.set([4, 3, 2, 1, 9, 0, 0, 0], 1);
		const unaligned = new PackedSuffixArray(bytes.subarray(1), 4, 2);
		expect([unaligned.at(0), unaligned.at(1)]).toEqual([0x01020304, 9]);
	});

	it('rejects bytes that do not match the width', () => {
		expect(() => new PackedSuffixArray(new Uint8Array(5), 3, 2)).toThrow(PackedSuffixArrayError);
		expect(() => new PackedSuffixArray(new Uint8Array(6), 5 as 3, 2)).toThrow(PackedSuffixArrayError);
	});

	it('packs in place to the same bytes, at every length modulo 4', () => {
		for (let n = 0; n <= 11; n++) {
			const sa = Int32Array.from({ length: n }, (_, i) => (i * 2_654_435) % 2 ** 24);
			const expected = PackedSuffixArray.pack(sa, 3);
			const inPlace = PackedSuffixArray.packInPlace(Int32Array.from(sa));
			expect(inPlace.width).toBe(3);
			expect(inPlace.bytes).toEqual(expected.bytes);
			expect(inPlace.bytes.buffer.byteLength).toBe(3 * n);
			expect(inPlace.slice()).toEqual(sa);
		}
		const view = new Int32Array(8).subarray(1, 6);
		view.set([5, 4, 3, 2, 1]);
		expect(PackedSuffixArray.packInPlace(view).slice()).toEqual(Int32Array.of(5, 4, 3, 2, 1));
	});
});
