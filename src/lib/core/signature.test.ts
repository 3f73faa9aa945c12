import { keccak256, toHex, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { cidDigestHex, recordCid } from './cid';
import { canonicalBytes, canonicalize } from './record';
import { DEMO_CONTRIBUTORS, demoAccount, signAuthorship, verifyAuthorship } from './signature';

const datanetId = keccak256(toHex('datanet one'));
const otherDatanet = keccak256(toHex('datanet two'));
const cidDigest = cidDigestHex(recordCid(canonicalBytes(canonicalize('text', { text: 'Hello, ledger.' }))));
const otherDigest = cidDigestHex(recordCid(canonicalBytes(canonicalize('text', { text: 'Hello, ledger!' }))));

describe('authorship signatures', () => {
	it('round-trips and is deterministic', async () => {
		const account = demoAccount(0);
		const signature = await signAuthorship(account, { datanetId, cidDigest });
		expect(signature).toMatch(/^0x[0-9a-f]{130}$/);
		expect(await signAuthorship(account, { datanetId, cidDigest })).toBe(signature);
		expect(await verifyAuthorship({ datanetId, cidDigest, contributor: account.address, signature })).toBe(true);
		expect(await verifyAuthorship({ datanetId, cidDigest, contributor: account.address.toLowerCase() as Hex, signature })).toBe(true);
	});

	it('rejects a wrong datanet, digest or contributor', async () => {
		const account = demoAccount(1);
		const signature = await signAuthorship(account, { datanetId, cidDigest });
		const contributor = account.address;
		expect(await verifyAuthorship({ datanetId: otherDatanet, cidDigest, contributor, signature })).toBe(false);
		expect(await verifyAuthorship({ datanetId, cidDigest: otherDigest, contributor, signature })).toBe(false);
		expect(await verifyAuthorship({ datanetId, cidDigest, contributor: demoAccount(2).address, signature })).toBe(false);
	});

	it('returns false instead of throwing on malformed input', async () => {
		const account = demoAccount(3);
		const signature = await signAuthorship(account, { datanetId, cidDigest });
		const contributor = account.address;
		expect(await verifyAuthorship({ datanetId, cidDigest, contributor, signature: '0x1234' })).toBe(false);
		expect(await verifyAuthorship({ datanetId, cidDigest, contributor, signature: 'nonsense' as Hex })).toBe(false);
		expect(await verifyAuthorship({ datanetId: '0x12', cidDigest, contributor, signature })).toBe(false);
		expect(await verifyAuthorship({ datanetId, cidDigest, contributor: 'not an address' as Hex, signature })).toBe(false);
		const flipped = (signature.slice(0, 10) + (signature[10] === 'a' ? 'b' : 'a') + signature.slice(11)) as Hex;
		expect(await verifyAuthorship({ datanetId, cidDigest, contributor, signature: flipped })).toBe(false);
	});

	it('matches a signature made by a plain viem account with the same typed data', async () => {
		const account = privateKeyToAccount(keccak256(toHex('ledgerlight demo contributor 5')));
		const direct = await account.signTypedData({
			domain: { name: 'Ledgerlight', version: '1' },
			types: { Authorship: [{ name: 'datanetId', type: 'bytes32' }, { name: 'cidDigest', type: 'bytes32' }] },
			primaryType: 'Authorship',
			message: { datanetId, cidDigest }
		});
		expect(await signAuthorship(demoAccount(5), { datanetId, cidDigest })).toBe(direct);
	});
});

describe('demo accounts', () => {
	it('gives 12 distinct, stable accounts and refuses others', () => {
		const addresses = Array.from({ length: DEMO_CONTRIBUTORS }, (_, i) => demoAccount(i).address);
		expect(addresses[0]).toBe('0xA8D12de4bCa57C9f079cd09cB7fEdF95818Eb5eC');
		expect(new Set(addresses).size).toBe(12);
		expect(demoAccount(0).address).toBe(addresses[0]);
		expect(() => demoAccount(12)).toThrow(RangeError);
		expect(() => demoAccount(-1)).toThrow(RangeError);
		expect(() => demoAccount(1.5)).toThrow(RangeError);
	});
});
