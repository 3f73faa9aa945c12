import { describe, expect, it } from 'vitest';
import { estimateJaccard, LSH_BANDS, LSH_ROWS, LshIndex, minhash, NUM_PERMUTATIONS, shingles } from './minhash';

// Deterministic word soup, so failures reproduce.
function rng(seed: number) {
	return () => {
		seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
		return seed / 2 ** 32;
	};
}
const VOCAB = 'river stone light market bread winter garden signal copper engine quiet number forest paper window bridge salt mirror lantern harbor cloud velvet orbit meadow ember falcon pillar thread canyon'.split(' ');
function words(n: number, seed: number): string[] {
	const r = rng(seed);
	return Array.from({ length: n }, () => VOCAB[Math.floor(r() * VOCAB.length)] + Math.floor(r() * 50));
}
function exactJaccard(a: string, b: string): number {
	const A = new Set(shingles(a));
	const B = new Set(shingles(b));
	let inter = 0;
	for (const s of A) if (B.has(s)) inter++;
	return inter / (A.size + B.size - inter);
}

describe('shingles', () => {
	it('uses lowercased word 3-shingles over Unicode letters and digits', () => {
		expect(shingles('The cat, the HAT; 42 café!')).toEqual(['the cat the', 'cat the hat', 'the hat 42', 'hat 42 café']);
		expect(shingles('Привет мир, 你好 世界')).toEqual(['привет мир 你好', 'мир 你好 世界']);
	});

	it('falls back to words, then to the whole text', () => {
		expect(shingles('Hello, world')).toEqual(['hello', 'world']);
		expect(shingles(' ?!… ')).toEqual(['?!…']);
		expect(shingles('   ')).toEqual([]);
	});
});

describe('minhash', () => {
	it('is deterministic across runs and platforms (pinned values)', () => {
		const sig = minhash('The quick brown fox jumps over the lazy dog');
		expect(sig).toBeInstanceOf(Uint32Array);
		expect(sig.length).toBe(NUM_PERMUTATIONS);
		expect(Array.from(sig.subarray(0, 4))).toMatchInlineSnapshot(`
			[
			  550498357,
			  423129448,
			  165973618,
			  159121970,
			]
		`);
	});

	it('gives 1 for identical texts and for texts differing only in case and punctuation', () => {
		const text = words(40, 1).join(' ');
		expect(estimateJaccard(minhash(text), minhash(text))).toBe(1);
		expect(estimateJaccard(minhash(text), minhash(text.toUpperCase().replaceAll(' ', ', ')))).toBe(1);
	});

	it('estimates the exact Jaccard within sampling error', () => {
		for (let seed = 1; seed <= 20; seed++) {
			const a = words(60, seed);
			const b = [...a];
			const r = rng(seed + 100);
			for (let k = 0; k < 8; k++) b[Math.floor(r() * b.length)] = `changed${k}`;
			const exact = exactJaccard(a.join(' '), b.join(' '));
			const estimate = estimateJaccard(minhash(a.join(' ')), minhash(b.join(' ')));
			// standard error is sqrt(J(1-J)/128) <= 0.045; 4 standard errors
			expect(Math.abs(estimate - exact)).toBeLessThan(0.18);
		}
	});

	it('finds a one-word change in a 40-word text (>= 0.9 at the end; ~0.85 exact in the middle)', () => {
		const base = words(40, 7);
		const index = new LshIndex();
		index.add('original', minhash(base.join(' ')));
		for (let s = 100; s < 120; s++) index.add(`other${s}`, minhash(words(40, s).join(' ')));

		const endEdit = [...base.slice(0, 39), 'different'].join(' ');
		expect(exactJaccard(base.join(' '), endEdit)).toBeCloseTo(37 / 39);
		const endSig = minhash(endEdit);
		expect(estimateJaccard(endSig, minhash(base.join(' ')))).toBeGreaterThanOrEqual(0.9);
		expect(index.findNear(endSig)).toMatchObject({ id: 'original' });

		const midEdit = [...base.slice(0, 20), 'different', ...base.slice(21)].join(' ');
		expect(exactJaccard(base.join(' '), midEdit)).toBeCloseTo(35 / 41);
		const near = index.findNear(minhash(midEdit), 0.75);
		expect(near?.id).toBe('original');
		expect(near!.jaccard).toBeGreaterThan(0.75);
	});

	it('does not report unrelated texts', () => {
		const index = new LshIndex();
		for (let s = 0; s < 200; s++) index.add(`t${s}`, minhash(words(40, s).join(' ')));
		for (let s = 1000; s < 1050; s++) expect(index.findNear(minhash(words(40, s).join(' ')))).toBeNull();
	});

	it('signatures survive a plain-array (JSON / structured clone) round trip', () => {
		const sig = minhash(words(30, 3).join(' '));
		const back = Uint32Array.from(JSON.parse(JSON.stringify(Array.from(sig))) as number[]);
		expect(back).toEqual(sig);
		expect(estimateJaccard(sig, back)).toBe(1);
		const index = new LshIndex();
		index.add('a', Array.from(sig));
		expect(index.findNear(back)).toEqual({ id: 'a', jaccard: 1 });
	});

	it('rejects signatures of different lengths', () => {
		expect(() => estimateJaccard(new Uint32Array(4), new Uint32Array(5))).toThrow(RangeError);
		expect(() => new LshIndex().add('x', new Uint32Array(3))).toThrow(RangeError);
	});
});

describe('LshIndex', () => {
	it('returns candidates sharing a band, replaces and removes ids', () => {
		const index = new LshIndex();
		const sig = minhash(words(40, 42).join(' '));
		index.add('a', sig);
		index.add('b', sig);
		expect(index.candidates(sig).sort()).toEqual(['a', 'b']);
		index.add('a', minhash('something else entirely, nothing alike'));
		expect(index.size).toBe(2);
		expect(index.candidates(sig)).toEqual(['b']);
		expect(index.remove('b')).toBe(true);
		expect(index.remove('b')).toBe(false);
		expect(index.candidates(sig)).toEqual([]);
		expect(index.findNear(sig)).toBeNull();
	});

	it('returns the closest match, not the first', () => {
		const base = words(80, 9);
		const index = new LshIndex();
		const far = [...base];
		far[40] = 'x';
		far[10] = 'y';
		index.add('far', minhash(far.join(' ')));
		const close = [...base.slice(0, 79), 'z'];
		index.add('close', minhash(close.join(' ')));
		expect(index.findNear(minhash(base.join(' ')), 0.7)?.id).toBe('close');
	});
});

// The minhash and LshIndex of before the fast paths, kept verbatim as the references they must match exactly.
function fmix32(h: number): number {
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
}
function referenceHashString(s: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
	return fmix32(h);
}
const REFERENCE_SEEDS = (() => {
	const seeds = new Uint32Array(NUM_PERMUTATIONS);
	let state = 0x4c4c4d48;
	for (let i = 0; i < NUM_PERMUTATIONS; i++) {
		state = (state + 0x9e3779b9) | 0;
		seeds[i] = fmix32(state);
	}
	return seeds;
})();
function referenceMinhash(text: string): Uint32Array {
	const words = text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu);
	let hashes: Uint32Array;
	if (!words) {
		const rest = text.trim().toLowerCase();
		hashes = rest ? Uint32Array.of(referenceHashString(rest)) : new Uint32Array(0);
	} else {
		const wh = Uint32Array.from(words, referenceHashString);
		hashes = words.length < 3 ? wh : new Uint32Array(words.length - 2);
		if (words.length >= 3) for (let i = 0; i < hashes.length; i++) hashes[i] = fmix32(fmix32(fmix32(wh[i] ^ 0x3c6ef372) ^ wh[i + 1]) ^ wh[i + 2]);
	}
	const sig = new Uint32Array(NUM_PERMUTATIONS).fill(0xffffffff);
	for (const h of hashes)
		for (let i = 0; i < NUM_PERMUTATIONS; i++) {
			const v = fmix32(h ^ REFERENCE_SEEDS[i]);
			if (v < sig[i]) sig[i] = v;
		}
	return sig;
}
function referenceBandKey(sig: ArrayLike<number>, band: number): number {
	let h = fmix32(band + 1);
	for (let r = 0; r < LSH_ROWS; r++) h = fmix32(h ^ sig[band * LSH_ROWS + r]);
	return h;
}
class ReferenceLshIndex {
	private readonly bands: Map<number, string[]>[] = Array.from({ length: LSH_BANDS }, () => new Map());
	private readonly signatures = new Map<string, Uint32Array>();
	get size() {
		return this.signatures.size;
	}
	add(id: string, sig: ArrayLike<number>) {
		if (this.signatures.has(id)) this.remove(id);
		const copy = Uint32Array.from(sig);
		this.signatures.set(id, copy);
		for (let b = 0; b < LSH_BANDS; b++) {
			const key = referenceBandKey(copy, b);
			const bucket = this.bands[b].get(key);
			if (bucket) bucket.push(id);
			else this.bands[b].set(key, [id]);
		}
	}
	remove(id: string) {
		const sig = this.signatures.get(id);
		if (!sig) return false;
		this.signatures.delete(id);
		for (let b = 0; b < LSH_BANDS; b++) {
			const key = referenceBandKey(sig, b);
			const rest = (this.bands[b].get(key) ?? []).filter((x) => x !== id);
			if (rest.length) this.bands[b].set(key, rest);
			else this.bands[b].delete(key);
		}
		return true;
	}
	candidates(sig: ArrayLike<number>) {
		const found = new Set<string>();
		for (let b = 0; b < LSH_BANDS; b++) for (const id of this.bands[b].get(referenceBandKey(sig, b)) ?? []) found.add(id);
		return [...found];
	}
	findNear(sig: ArrayLike<number>, threshold = 0.9) {
		let best: { id: string; jaccard: number } | null = null;
		for (const id of this.candidates(sig)) {
			const jaccard = estimateJaccard(sig, this.signatures.get(id)!);
			if (jaccard >= threshold && (!best || jaccard > best.jaccard)) best = { id, jaccard };
		}
		return best;
	}
}

// Texts with near-duplicates planted: edits at the end, case/punctuation variants (identical signatures, so ties),
// and repeats, so findNear has many candidates and equal best scores to choose between.
function corpus(n: number, seed: number): string[] {
	const r = rng(seed);
	const texts: string[] = [];
	for (let i = 0; i < n; i++) {
		const p = r();
		const earlier = texts[Math.floor(r() * texts.length)];
		if (i > 10 && p < 0.1) texts.push(`${earlier} tail${i}`);
		else if (i > 10 && p < 0.15) texts.push(earlier.toUpperCase().replaceAll(' ', ', '));
		else if (i > 10 && p < 0.2) texts.push(`${earlier.split(' ').slice(1).join(' ')}`);
		else texts.push(words(12 + Math.floor(r() * 30), seed * 100_000 + i).join(' '));
	}
	return texts;
}

describe('minhash fast path', () => {
	it('equals the reference on ASCII, Unicode and edge-case texts', () => {
		const r = rng(5);
		const pieces = ['a', 'Z', '9', ' ', ',', '-', '_', "'", '\n', '\t', '\u00e9', '\u00c9', 'İ', 'ß', 'ǅ', 'Σ', '\u0301', '\u{1d400}', '你', '😀', '\u00a0', 'x'];
		const texts = ['', ' ', ' ?!… ', '...', 'a', 'A b', 'one two', 'The quick brown fox', 'ABC DEF GHI 123 456', 'x\u0301y z', 'café CAFÉ Cafe\u0301'];
		for (let n = 0; n < 3000; n++) {
			let t = '';
			const len = Math.floor(r() * 60);
			for (let i = 0; i < len; i++) t += r() < 0.6 ? VOCAB[Math.floor(r() * VOCAB.length)] + ' ' : pieces[Math.floor(r() * pieces.length)];
			texts.push(t);
		}
		texts.push(...corpus(2000, 3), words(5000, 1).join(' '));
		for (const text of texts) expect(minhash(text), JSON.stringify(text.slice(0, 80))).toEqual(referenceMinhash(text));
	});
});

describe('LshIndex fast paths', () => {
	const sigsOf = (texts: string[]) => texts.map((t) => minhash(t));

	it('findNearAndAdd gives what findNear then add give, old and new, on a corpus with planted near-duplicates', () => {
		const texts = corpus(4000, 11);
		const sigs = sigsOf(texts);
		const fast = new LshIndex();
		const slow = new LshIndex();
		const reference = new ReferenceLshIndex();
		let near = 0;
		for (const [i, sig] of sigs.entries()) {
			const id = `r${i}`;
			const threshold = [0.9, 0.75, 0.5][i % 3];
			const expected = reference.findNear(sig, threshold);
			reference.add(id, sig);
			expect(slow.findNear(sig, threshold)).toEqual(expected);
			slow.add(id, sig);
			expect(fast.findNearAndAdd(id, sig, threshold)).toEqual(expected);
			if (expected) near++;
		}
		expect(near).toBeGreaterThan(600);
		expect(fast.size).toBe(reference.size);
		for (const sig of sigs.slice(0, 500)) {
			expect(fast.candidates(sig)).toEqual(reference.candidates(sig));
			expect(slow.candidates(sig)).toEqual(reference.candidates(sig));
		}
	});

	it('matches the reference through replacements, removals and odd thresholds', () => {
		const sigs = sigsOf(corpus(1500, 12));
		const index = new LshIndex();
		const reference = new ReferenceLshIndex();
		const r = rng(13);
		for (let step = 0; step < 6000; step++) {
			const id = `r${Math.floor(r() * 800)}`;
			const sig = sigs[Math.floor(r() * sigs.length)];
			const p = r();
			if (p < 0.15) expect(index.remove(id)).toBe(reference.remove(id));
			else if (p < 0.5) {
				const threshold = [0, 1, 0.5, 0.9, 1.5, -1, Number.NaN, 1 / 3][Math.floor(r() * 8)];
				expect(index.findNearAndAdd(id, sig, threshold)).toEqual(reference.findNear(sig, threshold));
				reference.add(id, sig);
			} else if (p < 0.8) {
				index.add(id, sig);
				reference.add(id, sig);
			} else {
				expect(index.findNear(sig, 0.6)).toEqual(reference.findNear(sig, 0.6));
				expect(index.candidates(sig)).toEqual(reference.candidates(sig));
			}
			expect(index.size).toBe(reference.size);
		}
	});

	it('addMany indexes views of a flat sketch chunk without copying, like add', () => {
		const sigs = sigsOf(corpus(3000, 14));
		const flat = new Uint32Array(sigs.length * NUM_PERMUTATIONS);
		sigs.forEach((s, i) => flat.set(s, i * NUM_PERMUTATIONS));
		const ids = sigs.map((_, i) => `c${i % 2900}`); // some ids repeat: the later signature replaces the earlier
		const seeded = new LshIndex();
		seeded.addMany(ids, flat, NUM_PERMUTATIONS);
		const reference = new ReferenceLshIndex();
		ids.forEach((id, i) => reference.add(id, sigs[i]));
		expect(seeded.size).toBe(2900);
		const probes = sigsOf(corpus(600, 15)).concat(sigs.slice(0, 300));
		for (const p of probes) expect(seeded.findNear(p, 0.7)).toEqual(reference.findNear(p, 0.7));
		// Held by reference: the index sees a change to the chunk (which is why callers must not modify it).
		const changed = Uint32Array.from(sigs[500]);
		changed[NUM_PERMUTATIONS - 1] ^= 1;
		flat[501 * NUM_PERMUTATIONS - 1] ^= 1;
		expect(seeded.findNear(changed, 1)).toEqual({ id: 'c500', jaccard: 1 });
	});

	it('findNearAndAdd keeps the array it is given; add keeps a copy', () => {
		const sig = minhash(words(30, 1).join(' '));
		const kept = new LshIndex();
		kept.findNearAndAdd('a', sig);
		const copied = new LshIndex();
		copied.add('a', sig);
		const before = Uint32Array.from(sig);
		sig[NUM_PERMUTATIONS - 1] ^= 1;
		expect(kept.findNear(sig, 1)).toEqual({ id: 'a', jaccard: 1 });
		expect(kept.findNear(before, 0)).toEqual({ id: 'a', jaccard: 127 / 128 });
		expect(copied.findNear(before, 1)).toEqual({ id: 'a', jaccard: 1 });
	});

	it('rejects wrong signature lengths', () => {
		const index = new LshIndex();
		expect(() => index.findNearAndAdd('x', new Uint32Array(3))).toThrow(RangeError);
		expect(() => index.findNear(new Uint32Array(3))).toThrow(RangeError);
		expect(() => index.addMany(['a'], new Uint32Array(64), 64)).toThrow(RangeError);
		expect(() => index.addMany(['a', 'b'], new Uint32Array(NUM_PERMUTATIONS), NUM_PERMUTATIONS)).toThrow(RangeError);
		expect(index.size).toBe(0);
	});
});
