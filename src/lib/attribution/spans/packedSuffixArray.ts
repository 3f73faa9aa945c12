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
		checkThreeByteLength(n);
		const words = new Int32Array(Math.ceil((3 * n) / 4));
		packThreeByteWords(sa, words);
		return new PackedSuffixArray(new Uint8Array(words.buffer, 0, 3 * n), 3, n);
	}

	/** Packs like pack, but into `sa`'s own buffer, which is then shrunk to fit: `sa` must not be read afterwards. */
	static packInPlace(sa: Int32Array, width: PointerWidth = pointerWidthFor(sa.length)): PackedSuffixArray {
		const n = sa.length;
		if (width === 4) return PackedSuffixArray.pack(sa, 4);
		checkThreeByteLength(n);
		packThreeByteWords(sa, sa);
		// transfer(length) hands the first 3n bytes to a new buffer and frees the rest; a view into a larger buffer (or an
		// engine without transfer) gets a copy instead, so the index never pins the unused quarter.
		const buffer = sa.buffer;
		const whole = buffer instanceof ArrayBuffer && typeof buffer.transfer === 'function' && sa.byteOffset === 0 && buffer.byteLength === 4 * n;
		const bytes = whole ? new Uint8Array(buffer.transfer(3 * n)) : new Uint8Array(buffer, sa.byteOffset, 3 * n).slice();
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

function checkThreeByteLength(n: number): void {
	if (n > 2 ** 24) throw new PackedSuffixArrayError('The suffix array is too long for 3-byte entries.', { details: `${n} entries; at most 2^24` });
}

const LITTLE_ENDIAN = new Uint8Array(Int32Array.of(1).buffer)[0] === 1;

// Writes sa's entries as 3-byte little-endian values into the bytes of `out` (sa itself, or at least 3n bytes): four
// entries make three words, so most stores are whole words. Packing forward in place is safe: the words written for
// entries 4k .. 4k + 3 are 3k .. 3k + 2, all at or before entry 4k, and those four are read first.
function packThreeByteWords(sa: Int32Array, out: Int32Array): void {
	const n = sa.length;
	let i = 0;
	if (LITTLE_ENDIAN) {
		for (let w = 0; i + 4 <= n; i += 4, w += 3) {
			const a = sa[i];
			const b = sa[i + 1];
			const c = sa[i + 2];
			const d = sa[i + 3];
			out[w] = a | (b << 24);
			out[w + 1] = (b >>> 8) | (c << 16);
			out[w + 2] = (c >>> 16) | (d << 8);
		}
	}
	const bytes = new Uint8Array(out.buffer, out.byteOffset, 3 * n);
	for (let b = 3 * i; i < n; i++, b += 3) {
		const p = sa[i];
		bytes[b] = p;
		bytes[b + 1] = p >> 8;
		bytes[b + 2] = p >> 16;
	}
}
