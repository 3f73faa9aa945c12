// The per-record CPU work of ingest (store/ingest.ts) on 20,000 synthetic ~100-character records: compares
// the one-pass calls (canonicalRecord, recordCidString, minhash, findNearAndAdd) against the call sequence they
// replace, which must give the same CIDs and the same near-duplicate matches.
import { describe, expect, it } from 'vitest';
import { recordCid, recordCidString } from './cid';
import { LshIndex, minhash } from './minhash';
import { canonicalBytes, canonicalize, canonicalRecord, recordText } from './record';

function rng(seed: number) {
	return () => {
		seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
		return seed / 2 ** 32;
	};
}

const SYLLABLES = 'ka lo mi ne ru sa te vo bi da fe gu hi jo ku le ma no pi re si to un ve wa xi yo ze an er in or'.split(' ');

/** WordNet-like glosses of about 100 characters; every 25th repeats an earlier one with a word added (a near-duplicate). */
function syntheticTexts(n: number, seed = 1): string[] {
	const r = rng(seed);
	const vocab = Array.from({ length: 3000 }, () => {
		let word = '';
		for (let i = 1 + Math.floor(r() * 4); i > 0; i--) word += SYLLABLES[Math.floor(r() * SYLLABLES.length)];
		return word;
	});
	const texts: string[] = [];
	for (let i = 0; i < n; i++) {
		if (i % 25 === 24) {
			texts.push(`${texts[Math.floor(r() * i)]} extra${i}`);
			continue;
		}
		let text = r() < 0.3 ? 'Noun: ' : '';
		while (text.length < 95) text += vocab[Math.floor(r() * vocab.length)] + (r() < 0.1 ? '; ' : r() < 0.1 ? ', ' : ' ');
		texts.push(text.trim());
	}
	return texts;
}

// The call sequence ingest used before the one-pass calls: the general definitions the fast paths must agree with.
function separateCalls(texts: string[]) {
	const contents = texts.map((text) => canonicalize('text', { text }));
	const cids = contents.map((c) => recordCid(canonicalBytes(c)).toString());
	const lsh = new LshIndex();
	const near = contents.map((c, i) => {
		const sig = minhash(recordText(c));
		const found = lsh.findNear(sig, 0.9);
		lsh.add(cids[i], sig);
		return found;
	});
	return { cids, near };
}

function onePassCalls(texts: string[]) {
	const lsh = new LshIndex();
	const cids: string[] = [];
	const near = texts.map((text) => {
		const r = canonicalRecord('text', { text });
		const cid = recordCidString(r.bytes);
		cids.push(cid);
		return lsh.findNearAndAdd(cid, minhash(r.text), 0.9);
	});
	return { cids, near };
}

describe('per-record CPU path of ingest', () => {
	// Speed is measured by `npm run bench:store`; this checks that the fast path changes no result.
	it('gives the same CIDs and near-duplicates in one pass as the separate calls', { timeout: 120_000 }, () => {
		const N = 20_000;
		const texts = syntheticTexts(N);
		const before = separateCalls(texts);
		const after = onePassCalls(texts);
		expect(after.cids).toEqual(before.cids);
		expect(after.near).toEqual(before.near);
		expect(after.near.filter(Boolean).length).toBeGreaterThan(N / 50);
	});
});
