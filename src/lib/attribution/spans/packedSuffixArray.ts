// A suffix array stored in the narrowest whole number of bytes that holds every position, as infini-gram sizes its
// pointers: 3 bytes an entry below 2^24 tokens, 4 from there up to SA-IS's 2^31 - 1. Entries are little-endian and
// unpadded, so a segment blob's bytes are the array itself and load as a view. 4-byte arrays keep an Int32Array view,
// so wide indexes read one word an entry instead of assembling bytes.
import { BaseError } from '../../core/errors';

/** Bytes per suffix-array entry. */
export type PointerWidth = 3 | 4;

export class PackedSuffixArrayError extends BaseError {
	override name = 'PackedSuffixArrayError';
}

/** The narrowest width that holds positions 0 .. length - 1. */
export function pointerWidthFor(length: number): PointerWidth {
	return length <= 2 ** 24 ? 3 : 4;
}

export class PackedSuffixArray {
	/** Bytes per entry. */
	readonly width: PointerWidth;
	/** Number of entries. */
	readonly length: number;
	/** The entries' bytes, little-endian, `width` bytes each. */
	readonly bytes: Uint8Array;
	// The same bytes as int32 words when the width is 4 (and the bytes are 4-aligned); null otherwise.
	private readonly words: Int32Array | null;

	/** Wraps `length` entries of `width` bytes (a view, not a copy). */
	constructor(bytes: Uint8Array, width: PointerWidth, length: number) {
		if ((width !== 3 && width !== 4) || bytes.length !== width * length || (width === 3 && length > 2 ** 24)) {
			throw new PackedSuffixArrayError('The packed suffix array does not match its width.', { details: `${bytes.length} bytes for ${length} entries of ${width} bytes` });
		}
		this.width = width;
		this.length = length;
		this.bytes = bytes;
		this.words = width === 4 && bytes.byteOffset % 4 === 0 ? new Int32Array(bytes.buffer, bytes.byteOffset, length) : null;
	}

	/** Packs a suffix array at `width` bytes an entry (the narrowest that fits unless given); width 4 keeps `sa`'s buffer. */
	static pack(sa: Int32Array, width: PointerWidth = pointerWidthFor(sa.length)): PackedSuffixArray {
		const n = sa.length;
		if (width === 4) return new PackedSuffixArray(new Uint8Array(sa.buffer, sa.byteOffset, 4 * n), 4, n);
		if (n > 2 ** 24) throw new PackedSuffixArrayError('The suffix array is too long for 3-byte entries.', { details: `${n} entries; at most 2^24` });
		const bytes = new Uint8Array(3 * n);
		for (let i = 0, b = 0; i < n; i++, b += 3) {
			const p = sa[i];
			bytes[b] = p;
			bytes[b + 1] = p >> 8;
			bytes[b + 2] = p >> 16;
		}
		return new PackedSuffixArray(bytes, 3, n);
	}

	/** The entry at `rank`: the start of the rank-th smallest suffix. */
	at(rank: number): number {
		const words = this.words;
		if (words !== null) return words[rank];
		const b = this.bytes;
		if (this.width === 3) {
			const i = 3 * rank;
			return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
		}
		const i = 4 * rank;
		return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
	}

	/** The entries ranks [from, to) as a plain Int32Array (a copy). */
	slice(from = 0, to = this.length): Int32Array {
		const out = new Int32Array(Math.max(0, to - from));
		for (let r = from; r < to; r++) out[r - from] = this.at(r);
		return out;
	}
}
