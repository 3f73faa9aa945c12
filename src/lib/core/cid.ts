// Content ids: CIDv1, raw codec (0x55), sha2-256 of a record's canonical bytes. The hasher wraps @noble/hashes'
// synchronous sha256 (multiformats' own sha256 uses WebCrypto, which is async), so a CID can be computed inline in a
// loop over thousands of records without awaiting each one. recordCidString skips the CID object: its base32 form is
// the multibase prefix 'b' and RFC 4648 base32 of a fixed 4-byte header plus the digest, which is cheap to write directly.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import type { Digest } from 'multiformats/hashes/digest';
import { from } from 'multiformats/hashes/hasher';
import type { Hex } from 'viem';
import { ParseError } from './errors';

/** Multihash code of sha2-256. */
export const SHA2_256 = 0x12;

/** A multiformats hasher for sha2-256 whose `digest` returns synchronously. */
export const sha256 = from({
	name: 'sha2-256',
	code: SHA2_256,
	encode: (input: Uint8Array) => nobleSha256(input) as Uint8Array<ArrayBuffer>
});

/** Hashes bytes to a sha2-256 multihash digest, synchronously. */
export function sha256Digest(bytes: Uint8Array): Digest<typeof SHA2_256, number> {
	const digest = sha256.digest(bytes);
	if (digest instanceof Promise) throw new Error('sha256 hasher unexpectedly returned a promise');
	return digest;
}

/** Computes the CIDv1 (raw codec, sha2-256) of a record's canonical bytes. */
export function recordCid(bytes: Uint8Array): CID {
	return CID.createV1(raw.code, sha256Digest(bytes));
}

// A CIDv1 raw sha2-256 in bytes: version 1, codec 0x55 (raw), multihash code 0x12, digest length 32, then the digest.
const CID_HEADER = [0x01, raw.code, SHA2_256, 32];
const cidBytes = new Uint8Array(CID_HEADER.length + 32);
cidBytes.set(CID_HEADER);

/** Returns `recordCid(bytes).toString()` (the base32 CIDv1 string) without building a CID object. */
export function recordCidString(bytes: Uint8Array): string {
	cidBytes.set(nobleSha256(bytes), CID_HEADER.length);
	return 'b' + base32(cidBytes);
}

const BASE32_CODES = Array.from('abcdefghijklmnopqrstuvwxyz234567', (c) => c.charCodeAt(0));

// Lowercase RFC 4648 base32 without padding (the multibase 'b' alphabet), for short inputs: fromCharCode.apply takes
// one argument per character.
function base32(bytes: Uint8Array): string {
	const codes: number[] = new Array(Math.ceil((bytes.length * 8) / 5));
	let out = 0;
	let buffer = 0; // the last `bits` bits not yet written (at most 12 after a byte is added)
	let bits = 0;
	for (let i = 0; i < bytes.length; i++) {
		buffer = ((buffer << 8) | bytes[i]) & 0xfff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			codes[out++] = BASE32_CODES[(buffer >>> bits) & 31];
		}
	}
	if (bits > 0) codes[out++] = BASE32_CODES[(buffer << (5 - bits)) & 31];
	return String.fromCharCode.apply(null, codes);
}

/** Returns the 32-byte sha2-256 digest inside a CID as 0x-prefixed hex (the on-chain `bytes32`). */
export function cidDigestHex(cid: CID): Hex {
	const { code, digest } = cid.multihash;
	if (code !== SHA2_256 || digest.length !== 32)
		throw new ParseError('This content id does not use sha2-256.', { details: cid.toString() });
	let hex = '0x';
	for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
	return hex as Hex;
}

/** Parses a CID from its string form (base32 CIDv1 or base58 CIDv0), throwing ParseError when it is not one. */
export function parseCid(s: string): CID {
	try {
		return CID.parse(s.trim()) as CID;
	} catch (e) {
		throw new ParseError(`"${s.length > 80 ? s.slice(0, 77) + '...' : s}" is not a valid content id.`, {
			cause: e,
			details: e instanceof Error ? e.message : String(e)
		});
	}
}

/** Checks that bytes hash (sha2-256) to the digest in the CID; false for any other hash function. */
export function verifyBlock(cid: CID, bytes: Uint8Array): boolean {
	const expected = cid.multihash;
	if (expected.code !== SHA2_256 || expected.digest.length !== 32) return false;
	const actual = nobleSha256(bytes);
	let diff = 0;
	for (let i = 0; i < 32; i++) diff |= actual[i] ^ expected.digest[i];
	return diff === 0;
}
