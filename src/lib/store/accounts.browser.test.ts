// The local account, settings and storage reporting against Chromium's storage: the account is made once and then
// reloaded (same key, same address), settings round-trip structured values, and the storage estimate is real.
import { describe, expect, test } from 'vitest';
import { verifyAuthorship, signAuthorship } from '../core/signature';
import { getSetting, localAccount, setSetting } from './accounts';
import { closeLedgerDb, openLedgerDb } from './db';
import { formatBytes, storageReport } from './persistence';
import { freshDbName } from './test-fixtures';
import type { Hex } from './schema';

describe('local account', () => {
	test('is created on first use and is the same account after reopening the database', async () => {
		const name = freshDbName();
		const first = await localAccount(await openLedgerDb(name));
		expect(first.row.address).toMatch(/^0x[0-9a-f]{40}$/);
		expect(first.row.address).toBe(first.account.address.toLowerCase());
		await closeLedgerDb(name);

		const db = await openLedgerDb(name);
		const again = await localAccount(db);
		expect(again.row).toEqual(first.row);
		expect(await db.count('accounts')).toBe(1);
		// The reloaded key signs for the same address.
		const message = { datanetId: ('0x' + '01'.repeat(32)) as Hex, cidDigest: ('0x' + '02'.repeat(32)) as Hex };
		const signature = await signAuthorship(again.account, message);
		expect(await verifyAuthorship({ ...message, signature, contributor: first.account.address })).toBe(true);
	});

	test('concurrent first uses (the page and a worker) agree on one account', async () => {
		const db = await openLedgerDb(freshDbName());
		const [a, b] = await Promise.all([localAccount(db), localAccount(db)]);
		expect(a.row.address).toBe(b.row.address);
		expect(await db.count('accounts')).toBe(1);
	});

	test('two databases get two different accounts', async () => {
		const a = await localAccount(await openLedgerDb(freshDbName()));
		const b = await localAccount(await openLedgerDb(freshDbName()));
		expect(a.row.address).not.toBe(b.row.address);
	});
});

describe('settings and storage', () => {
	test('settings return the fallback until set, then the stored value', async () => {
		const db = await openLedgerDb(freshDbName());
		expect(await getSetting(db, 'theme', 'light')).toBe('light');
		await setSetting(db, 'theme', 'dark');
		await setSetting(db, 'recent', { ids: [1, 2], at: 5 });
		expect(await getSetting(db, 'theme', 'light')).toBe('dark');
		expect(await getSetting(db, 'recent', null)).toEqual({ ids: [1, 2], at: 5 });
	});

	test('storageReport gives the browser estimate; formatBytes writes it for people', async () => {
		const r = await storageReport();
		expect(r.quota).toBeGreaterThan(0);
		expect(r.usage).toBeGreaterThanOrEqual(0);
		expect(typeof r.persistent).toBe('boolean');
		expect([0, 1023, 1024, 1536, 10 * 1024 ** 2, 3.25 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '10 MiB', '3.3 GiB']);
	});
});
