// Near-duplicate detection: MinHash signatures over word 3-shingles plus a banded LSH index (16 bands x 8 rows).
// Each of the 128 "permutations" is murmur3's fmix32 finaliser applied to (shingle hash XOR a fixed seed): a bijection
// on 32-bit values that needs only Math.imul, so no 64-bit `mod p` arithmetic, and the output is fully deterministic
// (signatures are persisted, so changing anything here is a format change: see the pinned vector in the tests).
// Note: one changed word in the middle of an n-word text changes 3 shingles, so its Jaccard is (n-5)/(n+1): 0.85 for
// 40 words. A 0.9 threshold therefore catches edits near the ends or in longer texts; pass a lower one for more recall.
// Speed (ingest runs this per record): ASCII text is tokenised and hashed in one pass without strings (other text
// takes the regex path, which defines the result), and LshIndex keeps its buckets in typed arrays rather than a Map
// of arrays per band (16 small arrays per record before). The file is over 300 lines to keep the index beside the
// hashing it must agree with.

/** Number of hash functions in a signature. */
export const NUM_PERMUTATIONS = 128;
/** LSH layout: BANDS * ROWS must equal NUM_PERMUTATIONS. */
export const LSH_BANDS = 16;
export const LSH_ROWS = 8;

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

function fmix32(h: number): number {
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
}

// FNV-1a over UTF-16 code units, then fmix32 for avalanche.
function hashString(s: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
	return fmix32(h);
}

// Fixed seeds from splitmix32 so every platform derives the same permutations. Held as int32 (same bits) so the
// signature loop stays in 32-bit integer arithmetic.
const SEEDS = (() => {
	const seeds = new Int32Array(NUM_PERMUTATIONS);
	let state = 0x4c4c4d48; // "LLMH"
	for (let i = 0; i < NUM_PERMUTATIONS; i++) {
		state = (state + 0x9e3779b9) | 0;
		seeds[i] = fmix32(state);
	}
	return seeds;
})();

const WORD_START_HASH = 0x3c6ef372;

/** Splits text into lowercased word 3-shingles (single words when it has fewer than 3; the whole text if none). */
export function shingles(text: string): string[] {
	const words = text.toLowerCase().match(WORD);
	if (!words) {
		const rest = text.trim().toLowerCase();
		return rest ? [rest] : [];
	}
	if (words.length < 3) return words;
	const out: string[] = [];
	for (let i = 0; i + 2 < words.length; i++) out.push(`${words[i]} ${words[i + 1]} ${words[i + 2]}`);
	return out;
}

function shingleHash(w0: number, w1: number, w2: number): number {
	return fmix32(fmix32(fmix32(w0 ^ WORD_START_HASH) ^ w1) ^ w2);
}

// Shingle hashes are built from word hashes (order-sensitive chain), avoiding a string per shingle. This is the
// definition; asciiShingleHashes is its fast path.
function shingleHashes(text: string): Uint32Array {
	const words = text.toLowerCase().match(WORD);
	if (!words) {
		const rest = text.trim().toLowerCase();
		return rest ? Uint32Array.of(hashString(rest)) : new Uint32Array(0);
	}
	const wh = new Uint32Array(words.length);
	for (let i = 0; i < words.length; i++) wh[i] = hashString(words[i]);
	if (words.length < 3) return wh;
	const out = new Uint32Array(words.length - 2);
	for (let i = 0; i < out.length; i++) out[i] = shingleHash(wh[i], wh[i + 1], wh[i + 2]);
	return out;
}

// In ASCII the WORD class is [0-9A-Za-z] and lowercasing maps only A-Z: 1 marks a word character kept as is, 2 one
// lowered by adding 32.
const ASCII_WORD = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) ASCII_WORD[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) ASCII_WORD[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) ASCII_WORD[c] = 2;

let hashScratch = new Int32Array(64);

// shingleHashes for ASCII text in one pass with no strings: hashes each lowercased word as it is scanned, writes the
// shingle hashes to hashScratch and returns their number, or -1 (caller falls back) for non-ASCII or word-less text.
function asciiShingleHashes(text: string): number {
	let words = 0;
	let h = 0;
	let inWord = false;
	for (let i = 0; i <= text.length; i++) {
		const c = i < text.length ? text.charCodeAt(i) : 0x20; // a space after the end closes the last word
		if (c > 0x7f) return -1;
		const kind = ASCII_WORD[c];
		if (kind !== 0) {
			if (!inWord) h = 0x811c9dc5; // FNV-1a, as in hashString
			inWord = true;
			h = Math.imul(h ^ (kind === 2 ? c + 32 : c), 0x01000193);
		} else if (inWord) {
			inWord = false;
			if (words === hashScratch.length) {
				const grown = new Int32Array(words * 2);
				grown.set(hashScratch);
				hashScratch = grown;
			}
			hashScratch[words++] = fmix32(h);
		}
	}
	if (words === 0) return -1;
	if (words < 3) return words;
	for (let i = 0; i + 2 < words; i++) hashScratch[i] = shingleHash(hashScratch[i], hashScratch[i + 1], hashScratch[i + 2]);
	return words - 2;
}

// Flipping the sign bit maps unsigned 32-bit order onto signed int32 order, so minima stay in int32 (small integers to
// the JIT) instead of doubles above 2^31.
const SIGN_BIT = -0x80000000;

/** Computes the 128-value MinHash signature of a text; a text with no characters gets all 0xffffffff. */
export function minhash(text: string): Uint32Array {
	let count = asciiShingleHashes(text);
	let hashes: Int32Array = hashScratch;
	if (count < 0) {
		const slow = shingleHashes(text);
		hashes = new Int32Array(slow.buffer, slow.byteOffset, slow.length);
		count = slow.length;
	}
	const sig = new Uint32Array(NUM_PERMUTATIONS);
	// Permutation-major, so the running minimum stays in a register. Each step is fmix32(hash ^ seed), inlined. The
	// minimum is taken with a mask rather than a branch: whether a new value is smaller is a coin toss the CPU cannot
	// predict, and mispredictions cost more than the three extra operations (about 1.5x on the whole function).
	for (let i = 0; i < NUM_PERMUTATIONS; i++) {
		const seed = SEEDS[i];
		let min = 0x7fffffff; // 0xffffffff with the sign bit flipped
		for (let s = 0; s < count; s++) {
			let v = hashes[s] ^ seed;
			v ^= v >>> 16;
			v = Math.imul(v, 0x85ebca6b);
			v ^= v >>> 13;
			v = Math.imul(v, 0xc2b2ae35);
			v ^= (v >>> 16) ^ SIGN_BIT;
			min ^= (v ^ min) & -Number(v < min); // v < min ? v : min
		}
		sig[i] = min ^ SIGN_BIT;
	}
	return sig;
}

/** Estimates the Jaccard similarity of two texts' shingle sets from their signatures (fraction of equal slots). */
export function estimateJaccard(a: ArrayLike<number>, b: ArrayLike<number>): number {
	if (a.length !== b.length || a.length === 0)
		throw new RangeError(`estimateJaccard: signatures of length ${a.length} and ${b.length}`);
	let equal = 0;
	for (let i = 0; i < a.length; i++) if (a[i] === b[i]) equal++;
	return equal / a.length;
}

function bandKey(sig: ArrayLike<number>, band: number): number {
	let h = fmix32(band + 1);
	const start = band * LSH_ROWS;
	for (let r = 0; r < LSH_ROWS; r++) h = fmix32(h ^ sig[start + r]);
	return h;
}

// The fewest equal slots e with e / NUM_PERMUTATIONS >= threshold (NUM_PERMUTATIONS + 1 when no count is), so
// comparing counts decides exactly what comparing estimateJaccard with the threshold would.
function minEqualSlots(threshold: number): number {
	if (Number.isNaN(threshold)) return NUM_PERMUTATIONS + 1;
	let e = Math.min(Math.max(Math.ceil(threshold * NUM_PERMUTATIONS), 0), NUM_PERMUTATIONS + 1);
	while (e > 0 && (e - 1) / NUM_PERMUTATIONS >= threshold) e--;
	while (e <= NUM_PERMUTATIONS && e / NUM_PERMUTATIONS < threshold) e++;
	return e;
}

// Equal slots of two signatures, or -1 as soon as fewer than `atLeast` remain possible.
function equalSlots(a: ArrayLike<number>, b: Uint32Array, atLeast: number): number {
	const allowedMisses = NUM_PERMUTATIONS - atLeast;
	let misses = 0;
	for (let i = 0; i < NUM_PERMUTATIONS; i++) if (a[i] !== b[i] && ++misses > allowedMisses) return -1;
	return NUM_PERMUTATIONS - misses;
}

function checkLength(sig: ArrayLike<number>, method: string) {
	if (sig.length !== NUM_PERMUTATIONS) throw new RangeError(`LshIndex.${method}: signature length ${sig.length}`);
}

// One band's buckets: an open-addressing table from the 32-bit band key to the newest record slot with that key;
// older records with the same key are chained through `next`, which is indexed by record slot, so chains run newest
// first. The table interleaves [key, head] pairs so a probe touches one cache line; head is the record slot + 1, with
// 0 for a never-used entry and -1 for a key whose records were all removed (kept so later probes do not stop early).
class BandBuckets {
	private table = new Int32Array(2 * 1024);
	private used = 0;
	next = new Int32Array(0);

	// Index of the key's pair, or of the free pair where it would go.
	private find(key: number): number {
		const mask = this.table.length - 2;
		let i = (key << 1) & mask;
		while (this.table[i + 1] !== 0 && this.table[i] !== key) i = (i + 2) & mask;
		return i;
	}

	/** First record slot + 1 with this key, 0 when none. */
	first(key: number): number {
		const head = this.table[this.find(key) + 1];
		return head > 0 ? head : 0;
	}

	push(key: number, slot: number) {
		let i = this.find(key);
		if (this.table[i + 1] === 0) {
			if (4 * (this.used + 1) > this.table.length) {
				this.grow();
				i = this.find(key);
			}
			this.table[i] = key;
			this.used++;
		}
		const head = this.table[i + 1];
		this.next[slot] = head > 0 ? head : 0;
		this.table[i + 1] = slot + 1;
	}

	unlink(key: number, slot: number) {
		const i = this.find(key);
		const head = this.table[i + 1];
		if (head <= 0) return;
		if (head === slot + 1) {
			this.table[i + 1] = this.next[slot] > 0 ? this.next[slot] : -1;
			return;
		}
		for (let prev = head - 1; this.next[prev] !== 0; prev = this.next[prev] - 1) {
			if (this.next[prev] === slot + 1) {
				this.next[prev] = this.next[slot];
				return;
			}
		}
	}

	// Doubles the table (kept at most half full), dropping keys whose records were all removed.
	private grow() {
		const old = this.table;
		this.table = new Int32Array(old.length * 2);
		this.used = 0;
		for (let i = 0; i < old.length; i += 2) {
			if (old[i + 1] <= 0) continue;
			const j = this.find(old[i]);
			this.table[j] = old[i];
			this.table[j + 1] = old[i + 1];
			this.used++;
		}
	}
}

/**
 * An in-memory LSH index over MinHash signatures; a signature is a candidate when any one band of 8 rows matches.
 * Candidates come in the order of the bands they first share, then of insertion; on equal Jaccard the first wins.
 */
export class LshIndex {
	private readonly bands = Array.from({ length: LSH_BANDS }, () => new BandBuckets());
	private readonly slots = new Map<string, number>(); // id -> record slot
	private ids: (string | undefined)[] = []; // by record slot; undefined once removed or replaced
	private sigs: (Uint32Array | undefined)[] = [];
	private seen = new Int32Array(0); // by record slot: the query that last met it, to skip repeats across bands
	private query = 0;
	private readonly keys = new Int32Array(LSH_BANDS); // band keys of the signature being looked up

	/** Number of signatures in the index. */
	get size(): number {
		return this.slots.size;
	}

	/** Adds (or replaces) the signature stored under an id; the index keeps a copy. */
	add(id: string, sig: ArrayLike<number>): void {
		checkLength(sig, 'add');
		const copy = Uint32Array.from(sig);
		this.computeKeys(copy);
		this.insert(id, copy);
	}

	/**
	 * Adds `ids.length` signatures stored back to back in `sigsFlat` (as in a stored sketch chunk) without copying them:
	 * the index keeps views of `sigsFlat`, which must not be modified afterwards.
	 */
	addMany(ids: readonly string[], sigsFlat: Uint32Array, sketchSize: number): void {
		if (sketchSize !== NUM_PERMUTATIONS) throw new RangeError(`LshIndex.addMany: signature length ${sketchSize}`);
		if (sigsFlat.length !== ids.length * sketchSize)
			throw new RangeError(`LshIndex.addMany: ${sigsFlat.length} values for ${ids.length} signatures`);
		for (let i = 0; i < ids.length; i++) {
			const sig = sigsFlat.subarray(i * sketchSize, (i + 1) * sketchSize);
			this.computeKeys(sig);
			this.insert(ids[i], sig);
		}
	}

	/** Removes an id from the index; returns whether it was there. */
	remove(id: string): boolean {
		const slot = this.slots.get(id);
		if (slot === undefined) return false;
		const sig = this.sigs[slot]!;
		for (let b = 0; b < LSH_BANDS; b++) this.bands[b].unlink(bandKey(sig, b) | 0, slot);
		this.slots.delete(id);
		this.ids[slot] = undefined;
		this.sigs[slot] = undefined;
		return true;
	}

	/** Returns the ids sharing at least one band with the signature (unverified candidates, no duplicates). */
	candidates(sig: ArrayLike<number>): string[] {
		this.computeKeys(sig);
		const query = this.nextQuery();
		const found: string[] = [];
		const chain: number[] = [];
		for (let b = 0; b < LSH_BANDS; b++) {
			const { next } = this.bands[b];
			chain.length = 0;
			for (let e = this.bands[b].first(this.keys[b]); e !== 0; e = next[e - 1]) chain.push(e - 1);
			for (let k = chain.length - 1; k >= 0; k--) {
				const slot = chain[k];
				if (this.seen[slot] === query) continue;
				this.seen[slot] = query;
				found.push(this.ids[slot]!);
			}
		}
		return found;
	}

	/** Returns the most similar indexed id whose estimated Jaccard is at least `threshold`, or null. */
	findNear(sig: ArrayLike<number>, threshold = 0.9): { id: string; jaccard: number } | null {
		checkLength(sig, 'findNear');
		this.computeKeys(sig);
		return this.nearest(sig, threshold);
	}

	/**
	 * findNear then add, computing the band keys once and keeping `sig` itself rather than a copy: the caller must not
	 * modify it afterwards.
	 */
	findNearAndAdd(id: string, sig: Uint32Array, threshold = 0.9): { id: string; jaccard: number } | null {
		checkLength(sig, 'findNearAndAdd');
		this.computeKeys(sig);
		const near = this.nearest(sig, threshold);
		this.insert(id, sig);
		return near;
	}

	private computeKeys(sig: ArrayLike<number>) {
		for (let b = 0; b < LSH_BANDS; b++) this.keys[b] = bandKey(sig, b);
	}

	private nextQuery(): number {
		if (this.query === 0x7fffffff) {
			this.seen.fill(0);
			this.query = 0;
		}
		return ++this.query;
	}

	// Walks the candidates of this.keys. Chains run newest first, so among equal counts in the band where the best
	// was first met, the lower (older) slot wins: the same pick as scanning candidates() in order.
	private nearest(sig: ArrayLike<number>, threshold: number): { id: string; jaccard: number } | null {
		const atLeast = minEqualSlots(threshold);
		if (atLeast > NUM_PERMUTATIONS) return null;
		const query = this.nextQuery();
		let best = -1;
		let bestEqual = -1;
		let bestBand = -1;
		for (let b = 0; b < LSH_BANDS; b++) {
			const { next } = this.bands[b];
			for (let e = this.bands[b].first(this.keys[b]); e !== 0; e = next[e - 1]) {
				const slot = e - 1;
				if (this.seen[slot] === query) continue;
				this.seen[slot] = query;
				const equal = equalSlots(sig, this.sigs[slot]!, atLeast);
				if (equal < 0) continue;
				if (equal > bestEqual || (equal === bestEqual && b === bestBand && slot < best)) {
					best = slot;
					bestEqual = equal;
					bestBand = b;
				}
			}
		}
		return best < 0 ? null : { id: this.ids[best]!, jaccard: bestEqual / NUM_PERMUTATIONS };
	}

	// Stores a signature whose band keys are in this.keys under a new record slot, replacing the id's old one.
	private insert(id: string, sig: Uint32Array) {
		if (this.slots.has(id)) this.remove(id);
		const slot = this.ids.length;
		this.ids.push(id);
		this.sigs.push(sig);
		this.slots.set(id, slot);
		if (slot >= this.seen.length) this.growSlots(Math.max(1024, 2 * this.seen.length));
		for (let b = 0; b < LSH_BANDS; b++) this.bands[b].push(this.keys[b], slot);
	}

	private growSlots(capacity: number) {
		const seen = new Int32Array(capacity);
		seen.set(this.seen);
		this.seen = seen;
		for (const band of this.bands) {
			const next = new Int32Array(capacity);
			next.set(band.next);
			band.next = next;
		}
	}
}
