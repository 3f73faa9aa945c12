// Datanets in IndexedDB: create, edit, list and delete (with their records, sketches and counters).
// A Datanet id is 32 random bytes, so it can be created offline and still be unique when it is anchored later.
import { toHex } from 'viem';
import { BaseError, NotFoundError, toUserError } from '../core/errors';
import { emptyStats, type LedgerDatabase } from './db';
import type { Datanet, DatanetStats, Hex } from './schema';

export type DatanetInput = Omit<Datanet, 'id' | 'createdAt' | 'updatedAt'> & { id?: Hex; createdAt?: number };

const SPDX = /^[A-Za-z0-9.+-]+$/;

/** Checks a Datanet's editable fields and returns them normalised; throws a BaseError naming the bad field. */
export function validateDatanet(input: DatanetInput): DatanetInput {
	const name = input.name.trim();
	if (!name) throw new BaseError('A Datanet needs a name.');
	if (name.length > 120) throw new BaseError('The name is too long.', { details: `${name.length} characters; at most 120.` });
	if (input.summary.length > 500) throw new BaseError('The summary is too long.', { details: 'At most 500 characters.' });
	if (!SPDX.test(input.license)) {
		throw new BaseError('The license must be an SPDX identifier.', { hint: 'For example CC-BY-4.0, CC0-1.0 or MIT.' });
	}
	const addresses = (list: string[], what: string) =>
		list.map((a) => a.trim().toLowerCase()).filter(Boolean).map((a) => {
			if (!/^0x[0-9a-f]{40}$/.test(a)) throw new BaseError(`Not an address in ${what}: ${a}`, { hint: 'Use 0x followed by 40 hex digits.' });
			return a;
		});
	const tags = [...new Set(input.tags.map((t) => t.trim().toLowerCase()).filter(Boolean))];
	return {
		...input,
		name,
		summary: input.summary.trim(),
		tags,
		curators: [...new Set(addresses(input.curators, 'curators'))],
		allowlist: [...new Set(addresses(input.allowlist, 'the allowlist'))],
		owner: input.owner.toLowerCase()
	};
}

/** Whether `contributor` may add records to the Datanet: anyone, unless its policy is 'allowlist', which admits the
 * owner and the listed addresses. A model trains only on records their Datanet's policy admits. */
export function mayContribute(datanet: Pick<Datanet, 'policy' | 'owner' | 'allowlist'>, contributor: string): boolean {
	const c = contributor.toLowerCase();
	return datanet.policy !== 'allowlist' || c === datanet.owner || datanet.allowlist.includes(c);
}

/** Creates a Datanet (with empty counters) and returns it. */
export async function createDatanet(db: LedgerDatabase, input: DatanetInput): Promise<Datanet> {
	const v = validateDatanet(input);
	const now = Date.now();
	const datanet: Datanet = {
		...v,
		id: v.id ?? toHex(crypto.getRandomValues(new Uint8Array(32))),
		createdAt: v.createdAt ?? now,
		updatedAt: now
	};
	try {
		const tx = db.transaction(['datanets', 'stats'], 'readwrite');
		const stats = tx.objectStore('stats');
		// All three awaited together: when `add` fails the transaction aborts, and tx.done must not reject unobserved.
		await Promise.all([
			tx.objectStore('datanets').add(datanet),
			stats.get(datanet.id).then((s) => (s ? undefined : stats.put(emptyStats(datanet.id)))),
			tx.done
		]);
	} catch (e) {
		if (e instanceof DOMException && e.name === 'ConstraintError') {
			throw new BaseError('This Datanet already exists here.', { details: datanet.id, hint: 'Open it from the Datanets list.' });
		}
		throw toUserError(e);
	}
	return datanet;
}

/** Updates a Datanet's editable fields; its id, kind and creation time never change. */
export async function updateDatanet(db: LedgerDatabase, id: Hex, patch: Partial<DatanetInput>): Promise<Datanet> {
	const current = await getDatanet(db, id);
	const v = validateDatanet({ ...current, ...patch, kind: current.kind });
	const next: Datanet = { ...current, ...v, id, createdAt: current.createdAt, updatedAt: Date.now() };
	await db.put('datanets', next).catch((e) => Promise.reject(toUserError(e)));
	return next;
}

/** Returns one Datanet or throws NotFoundError. */
export async function getDatanet(db: LedgerDatabase, id: Hex): Promise<Datanet> {
	const d = await db.get('datanets', id);
	if (!d) throw new NotFoundError('This Datanet does not exist here.', { details: id, hint: 'It may have been deleted.' });
	return d;
}

/** Lists Datanets, most recently updated first. */
export async function listDatanets(db: LedgerDatabase): Promise<Datanet[]> {
	return (await db.getAllFromIndex('datanets', 'byUpdated')).reverse();
}

/** Returns a Datanet's counters (total, per status, per contributor). */
export async function getStats(db: LedgerDatabase, id: Hex): Promise<DatanetStats> {
	return (await db.get('stats', id)) ?? emptyStats(id);
}

/** Deletes a Datanet with all its records, sketches and counters. */
export async function deleteDatanet(db: LedgerDatabase, id: Hex): Promise<void> {
	const tx = db.transaction(['datanets', 'chunks', 'sketches', 'stats'], 'readwrite');
	const range = IDBKeyRange.bound([id], [id, []]);
	await Promise.all([
		tx.objectStore('datanets').delete(id),
		tx.objectStore('chunks').delete(range),
		tx.objectStore('sketches').delete(range),
		tx.objectStore('stats').delete(id),
		tx.done
	]);
}
