// The local contributor account: a viem private-key account kept in IndexedDB, used to sign authorship before (or
// instead of) a wallet. It is shown in the UI as local: the key never leaves this browser profile.
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import type { LedgerDatabase } from './db';
import type { LocalAccountRow } from './schema';

/** Returns the local account, creating and storing one on first use. */
export async function localAccount(db: LedgerDatabase): Promise<{ account: PrivateKeyAccount; row: LocalAccountRow }> {
	const tx = db.transaction('accounts', 'readwrite');
	let row = (await tx.store.getAll(undefined, 1))[0];
	if (!row) {
		const privateKey = generatePrivateKey();
		const address = privateKeyToAccount(privateKey).address.toLowerCase();
		row = { address, privateKey, label: 'Local account', createdAt: Date.now() };
		await tx.store.put(row);
	}
	await tx.done;
	return { account: privateKeyToAccount(row.privateKey), row };
}

/** Returns a setting's value, or `fallback`. */
export async function getSetting<T>(db: LedgerDatabase, key: string, fallback: T): Promise<T> {
	return ((await db.get('settings', key))?.value as T) ?? fallback;
}

/** Stores a setting. */
export async function setSetting(db: LedgerDatabase, key: string, value: unknown): Promise<void> {
	await db.put('settings', { key, value });
}
