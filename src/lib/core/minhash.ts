// Near-duplicate detection: MinHash signatures over word 3-shingles plus a banded LSH index (16 bands x 8 rows).
// Each of the 128 "permutations" is murmur3's fmix32 finaliser applied to (shingle hash XOR a fixed seed): a bijection
// on 32-bit values that needs only Math.imul, so no 64-bit `mod p` arithmetic, and the output is fully deterministic
// (signatures are persisted, so changing anything here is a format change: see the pinned vector in the tests).
// Note: one changed word in the middle of an n-word text changes 3 shingles, so its Jaccard is (n-5)/(n+1): 0.85 for
// 40 words. A 0.9 threshold therefore catches edits near the ends or in longer texts; pass a lower one for more recall.

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

// Fixed seeds from splitmix32 so every platform derives the same permutations.
const SEEDS = (() => {
	const seeds = new Uint32Array(NUM_PERMUTATIONS);
	let state = 0x4c4c4d48; // "LLMH"
	for (let i = 0; i < NUM_PERMUTATIONS; i++) {
		state = (state + 0x9e3779b9) | 0;
		seeds[i] = fmix32(state);
	}
	return seeds;
})();

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

// Shingle hashes are built from word hashes (order-sensitive chain), avoiding a string per shingle.
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
	for (let i = 0; i < out.length; i++) out[i] = fmix32(fmix32(fmix32(wh[i] ^ 0x3c6ef372) ^ wh[i + 1]) ^ wh[i + 2]);
	return out;
}

/** Computes the 128-value MinHash signature of a text; a text with no characters gets all 0xffffffff. */
export function minhash(text: string): Uint32Array {
	const sig = new Uint32Array(NUM_PERMUTATIONS).fill(0xffffffff);
	const hashes = shingleHashes(text);
	for (let s = 0; s < hashes.length; s++) {
		const h = hashes[s];
		for (let i = 0; i < NUM_PERMUTATIONS; i++) {
			let v = h ^ SEEDS[i];
			v ^= v >>> 16;
			v = Math.imul(v, 0x85ebca6b);
			v ^= v >>> 13;
			v = Math.imul(v, 0xc2b2ae35);
			v ^= v >>> 16;
			v >>>= 0;
			if (v < sig[i]) sig[i] = v;
		}
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

/** An in-memory LSH index over MinHash signatures; a signature is a candidate when any one band of 8 rows matches. */
export class LshIndex {
	private readonly bands: Map<number, string[]>[] = Array.from({ length: LSH_BANDS }, () => new Map());
	private readonly signatures = new Map<string, Uint32Array>();

	/** Number of signatures in the index. */
	get size(): number {
		return this.signatures.size;
	}

	/** Adds (or replaces) the signature stored under an id. */
	add(id: string, sig: ArrayLike<number>): void {
		if (sig.length !== NUM_PERMUTATIONS) throw new RangeError(`LshIndex.add: signature length ${sig.length}`);
		if (this.signatures.has(id)) this.remove(id);
		const copy = Uint32Array.from(sig);
		this.signatures.set(id, copy);
		for (let b = 0; b < LSH_BANDS; b++) {
			const key = bandKey(copy, b);
			const bucket = this.bands[b].get(key);
			if (bucket) bucket.push(id);
			else this.bands[b].set(key, [id]);
		}
	}

	/** Removes an id from the index; returns whether it was there. */
	remove(id: string): boolean {
		const sig = this.signatures.get(id);
		if (!sig) return false;
		this.signatures.delete(id);
		for (let b = 0; b < LSH_BANDS; b++) {
			const key = bandKey(sig, b);
			const bucket = this.bands[b].get(key);
			if (!bucket) continue;
			const rest = bucket.filter((x) => x !== id);
			if (rest.length) this.bands[b].set(key, rest);
			else this.bands[b].delete(key);
		}
		return true;
	}

	/** Returns the ids sharing at least one band with the signature (unverified candidates, no duplicates). */
	candidates(sig: ArrayLike<number>): string[] {
		const found = new Set<string>();
		for (let b = 0; b < LSH_BANDS; b++) {
			const bucket = this.bands[b].get(bandKey(sig, b));
			if (bucket) for (const id of bucket) found.add(id);
		}
		return [...found];
	}

	/** Returns the most similar indexed id whose estimated Jaccard is at least `threshold`, or null. */
	findNear(sig: ArrayLike<number>, threshold = 0.9): { id: string; jaccard: number } | null {
		let best: { id: string; jaccard: number } | null = null;
		for (const id of this.candidates(sig)) {
			const jaccard = estimateJaccard(sig, this.signatures.get(id)!);
			if (jaccard >= threshold && (!best || jaccard > best.jaccard)) best = { id, jaccard };
		}
		return best;
	}
}
