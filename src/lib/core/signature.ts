// Authorship signatures: a contributor signs EIP-712 typed data (datanetId, CID digest) so anyone can check who wrote a
// record without a chain. The domain deliberately has no chainId or verifying contract: authorship is a fact about the
// content, not about a deployment. (The relayed on-chain contribution signature with nonce and deadline is separate.)
import { keccak256, recoverTypedDataAddress, toHex, type Hex, type LocalAccount } from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';

/** EIP-712 domain of authorship signatures: no chainId, no verifying contract. */
export const AUTHORSHIP_DOMAIN = { name: 'Ledgerlight', version: '1' } as const;

/** EIP-712 types: Authorship(bytes32 datanetId, bytes32 cidDigest). */
export const AUTHORSHIP_TYPES = {
	Authorship: [
		{ name: 'datanetId', type: 'bytes32' },
		{ name: 'cidDigest', type: 'bytes32' }
	]
} as const;

export type AuthorshipMessage = { datanetId: Hex; cidDigest: Hex };

/** Signs the authorship of one record (its CID digest) in one Datanet with a local account. */
export async function signAuthorship(account: LocalAccount, message: AuthorshipMessage): Promise<Hex> {
	return account.signTypedData({
		domain: AUTHORSHIP_DOMAIN,
		types: AUTHORSHIP_TYPES,
		primaryType: 'Authorship',
		message: { datanetId: message.datanetId, cidDigest: message.cidDigest }
	});
}

/** Checks that `signature` over (datanetId, cidDigest) was made by `contributor`; false (never throws) when malformed. */
export async function verifyAuthorship(
	params: AuthorshipMessage & { contributor: Hex; signature: Hex }
): Promise<boolean> {
	const { datanetId, cidDigest, contributor, signature } = params;
	try {
		const signer = await recoverTypedDataAddress({
			domain: AUTHORSHIP_DOMAIN,
			types: AUTHORSHIP_TYPES,
			primaryType: 'Authorship',
			message: { datanetId, cidDigest },
			signature
		});
		return typeof contributor === 'string' && signer.toLowerCase() === contributor.toLowerCase();
	} catch {
		return false;
	}
}

/** Number of built-in demo contributors. */
export const DEMO_CONTRIBUTORS = 12;

/** Returns demo contributor `i` (0..11): a well-known key derived from a public phrase, for demo data only. */
export function demoAccount(i: number): PrivateKeyAccount {
	if (!Number.isInteger(i) || i < 0 || i >= DEMO_CONTRIBUTORS)
		throw new RangeError(`demoAccount: ${i} is not in 0..${DEMO_CONTRIBUTORS - 1}`);
	return privateKeyToAccount(keccak256(toHex(`ledgerlight demo contributor ${i}`)));
}
