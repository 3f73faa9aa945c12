import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import { base32 } from 'multiformats/bases/base32';
import { describe, expect, it } from 'vitest';
import { cidDigestHex, parseCid, recordCid, recordCidString, sha256, verifyBlock } from './cid';
import { ParseError } from './errors';
import { canonicalBytes, canonicalize, canonicalRecord } from './record';

const utf8 = (s: string) => new TextEncoder().encode(s);

// An independent CIDv1 (raw, sha2-256) built by hand from node:crypto: varint 1, varint 0x55, 0x12, 0x20, digest.
function referenceCid(bytes: Uint8Array): string {
	const digest = createHash('sha256').update(bytes).digest();
	return base32.encode(Uint8Array.from([0x01, 0x55, 0x12, 0x20, ...digest]));
}

describe('recordCid', () => {
	it('matches the well-known CID of "hello"', () => {
		expect(recordCid(utf8('hello')).toString()).toBe('bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq');
		expect(referenceCid(utf8('hello'))).toBe('bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq');
	});

	it('matches an independent computation for canonical records', () => {
		const records = [
			canonicalize('text', { text: 'The river floods in spring.' }),
			canonicalize('qa', { question: 'Capital of France?', answer: 'Paris' }),
			canonicalize('instruction', { instruction: 'Translate', input: 'chat', response: 'cat' }),
			canonicalize('text', { text: 'Ünïcödé \u{1f600}\nsecond line' })
		];
		for (const r of records) {
			const bytes = canonicalBytes(r);
			expect(recordCid(bytes).toString()).toBe(referenceCid(bytes));
		}
	});

	it('pins the CID of one canonical record (changing the format changes this)', () => {
		const bytes = canonicalBytes(canonicalize('qa', { question: 'Capital of France?', answer: 'Paris' }));
		expect(new TextDecoder().decode(bytes)).toBe('{"fields":{"answer":"Paris","question":"Capital of France?"},"kind":"qa","v":1}');
		expect(recordCid(bytes).toString()).toBe('bafkreiayk7hu57vdxieqh4uluvypzxsiw3z6nkrpji2oc4xdqrc67bnjlu');
	});

	it('is computed synchronously and is CIDv1 raw sha2-256', () => {
		const cid = recordCid(utf8('x'));
		expect(cid).not.toBeInstanceOf(Promise);
		expect(cid.version).toBe(1);
		expect(cid.code).toBe(0x55);
		expect(cid.multihash.code).toBe(0x12);
		expect(sha256.digest(utf8('x'))).not.toBeInstanceOf(Promise);
	});
});

describe('recordCidString', () => {
	it('equals recordCid(bytes).toString() and the independent computation on 3,000 inputs of every length', () => {
		let seed = 99;
		const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
		for (let n = 0; n < 3000; n++) {
			const bytes = new Uint8Array(n % 300);
			for (let i = 0; i < bytes.length; i++) bytes[i] = next() >>> 24;
			const s = recordCidString(bytes);
			expect(s).toBe(recordCid(bytes).toString());
			expect(s).toBe(referenceCid(bytes));
		}
	});

	it('matches the pinned CIDs and parses back to the same CID', () => {
		expect(recordCidString(utf8('hello'))).toBe('bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq');
		const { bytes } = canonicalRecord('qa', { question: 'Capital of France?', answer: 'Paris' });
		expect(recordCidString(bytes)).toBe('bafkreiayk7hu57vdxieqh4uluvypzxsiw3z6nkrpji2oc4xdqrc67bnjlu');
		expect(parseCid(recordCidString(bytes)).equals(recordCid(bytes))).toBe(true);
	});

	it('leaves its input untouched and returns a fresh, independent string each call', () => {
		const bytes = utf8('abc');
		const a = recordCidString(bytes);
		const b = recordCidString(utf8('abd'));
		expect(a).not.toBe(b);
		expect(recordCidString(bytes)).toBe(a);
		expect(bytes).toEqual(utf8('abc'));
	});
});

describe('cidDigestHex', () => {
	it('returns the 32-byte digest as 0x hex', () => {
		const bytes = utf8('hello');
		expect(cidDigestHex(recordCid(bytes))).toBe(`0x${createHash('sha256').update(bytes).digest('hex')}`);
		expect(cidDigestHex(recordCid(bytes))).toHaveLength(66);
	});

	it('refuses CIDs whose hash is not sha2-256', () => {
		// identity multihash (0x00) of 3 bytes
		const identity = CID.decode(Uint8Array.from([0x01, 0x55, 0x00, 0x03, 1, 2, 3]));
		expect(() => cidDigestHex(identity)).toThrow(ParseError);
	});
});

describe('parseCid', () => {
	it('round-trips a CID string and accepts surrounding whitespace', () => {
		const cid = recordCid(utf8('hello'));
		expect(parseCid(cid.toString()).equals(cid)).toBe(true);
		expect(parseCid(` ${cid.toString()}\n`).equals(cid)).toBe(true);
	});

	it('throws ParseError with the parser message on garbage', () => {
		expect(() => parseCid('not-a-cid')).toThrow(ParseError);
		try {
			parseCid('bafkreinotreally');
		} catch (e) {
			expect((e as ParseError).details).toBeTruthy();
		}
	});
});

describe('verifyBlock', () => {
	it('accepts the right bytes and rejects any change', () => {
		const bytes = utf8('{"fields":{"text":"a"},"kind":"text","v":1}');
		const cid = recordCid(bytes);
		expect(verifyBlock(cid, bytes)).toBe(true);
		const tampered = bytes.slice();
		tampered[10] ^= 1;
		expect(verifyBlock(cid, tampered)).toBe(false);
		expect(verifyBlock(cid, bytes.subarray(1))).toBe(false);
	});

	it('rejects CIDs with a hash function it cannot check', () => {
		const identity = CID.decode(Uint8Array.from([0x01, 0x55, 0x00, 0x03, 1, 2, 3]));
		expect(verifyBlock(identity, Uint8Array.from([1, 2, 3]))).toBe(false);
	});
});
