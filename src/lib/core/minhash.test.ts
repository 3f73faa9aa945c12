import { describe, expect, it } from 'vitest';
import { estimateJaccard, LshIndex, minhash, NUM_PERMUTATIONS, shingles } from './minhash';

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

	it('measures throughput on 200-character texts', () => {
		const texts: string[] = [];
		for (let s = 0; texts.length < 20_000; s++) texts.push(words(40, s).join(' ').slice(0, 200));
		minhash(texts[0]);
		const t0 = performance.now();
		let sink = 0;
		for (const t of texts) sink ^= minhash(t)[0];
		const seconds = (performance.now() - t0) / 1000;
		const rate = texts.length / seconds;
		console.log(`minhash: ${Math.round(rate).toLocaleString('en')} signatures/s (200-char texts, ${texts.length} in ${seconds.toFixed(2)} s)`);
		expect(sink).not.toBeNaN();
		expect(rate).toBeGreaterThan(20_000);
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
