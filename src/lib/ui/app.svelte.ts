// Shared app state: the database handle, the local account, the ingest worker, errors to show, and whether a new
// version of the app is waiting. One object, imported where needed; browser-only work starts on first use.
import * as Comlink from 'comlink';
import { BaseError, toUserError } from '../core/errors';
import { openLedgerDb, type LedgerDatabase } from '../store/db';
import { localAccount } from '../store/accounts';
import { requestPersistence } from '../store/persistence';
import { getSetting, setSetting } from '../store/accounts';
import type { IngestApi } from '../store/ingest-api';

class AppState {
	error = $state<BaseError | null>(null);
	notice = $state<string | null>(null);
	updateAvailable = $state(false);
	address = $state<string | null>(null);
	/** Bumped after every write that changes lists, so pages reload what they show. */
	revision = $state(0);

	#db: Promise<LedgerDatabase> | null = null;
	#worker: Comlink.Remote<IngestApi> | null = null;

	/** The IndexedDB database (opened and migrated on first use). */
	db(): Promise<LedgerDatabase> {
		this.#db ??= openLedgerDb().then(async (db) => {
			this.address = (await localAccount(db)).row.address;
			return db;
		});
		return this.#db;
	}

	/** The ingest worker, started on first use. */
	ingest(): Comlink.Remote<IngestApi> {
		if (!this.#worker) {
			const worker = new Worker(new URL('../../../workers/ingest.worker.ts', import.meta.url), { type: 'module', name: 'ingest' });
			this.#worker = Comlink.wrap<IngestApi>(worker);
		}
		return this.#worker;
	}

	/** Shows an error: its short message and hint, never a stack. */
	fail(e: unknown) {
		console.error(e);
		this.error = e instanceof BaseError ? e : toUserError(e);
	}

	/** Marks that lists changed and, the first time the user stores data, asks the browser to keep our storage. */
	async stored() {
		this.revision++;
		const db = await this.db();
		if (!(await getSetting(db, 'persistAsked', false))) {
			await setSetting(db, 'persistAsked', true);
			await requestPersistence();
		}
	}
}

export const app = new AppState();
export { Comlink };
