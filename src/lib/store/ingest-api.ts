// The API the ingest worker exposes through comlink: each call opens the database in the worker, uses the local
// account stored there, and reports progress through a proxied callback. The page only passes Files and ids.
import { csvHeader, parseStream, type ImportFormat } from '../core/parse';
import { openLedgerDb } from './db';
import { getDatanet } from './datanets';
import { localAccount } from './accounts';
import { exportBundle, importBundle } from './bundle';
import { ingest, signPending, verifyPending, type IngestItem, type IngestProgress, type IngestReport } from './ingest';
import type { Datanet, Hex } from './schema';

export type ProgressFn = (p: IngestProgress) => void;
export type DemoIndex = { files: { file: string; name: string; records: number; bytes: number }[] };

/** Counts the bytes that pass through, so progress can follow the read position of a file. */
function counting(stream: ReadableStream<Uint8Array>, onBytes: (n: number) => void) {
	let n = 0;
	return stream.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform(chunk, c) { n += chunk.byteLength; onBytes(n); c.enqueue(chunk); } }));
}

export const ingestApi = {
	/** Imports a .txt, .md, .jsonl or .csv file into a Datanet as the local account. */
	async importFile(file: File, datanetId: Hex, opts: { format: ImportFormat; csvMapping?: Record<string, string> }, onProgress?: ProgressFn): Promise<IngestReport> {
		const db = await openLedgerDb();
		const datanet = await getDatanet(db, datanetId);
		const { account } = await localAccount(db);
		let read = 0;
		const stream = counting(file.stream(), (n) => (read = n));
		const items = parseStream(stream, opts.format, { kind: datanet.kind, csvMapping: opts.csvMapping }) as AsyncIterable<IngestItem>;
		return ingest(db, datanet, items, {
			source: file.name, contributor: account.address, account, onProgress, fraction: () => (file.size ? read / file.size : 1)
		});
	},

	/** Adds one record from the form, as the local account. */
	async addRecord(datanetId: Hex, fields: Record<string, string>): Promise<IngestReport> {
		const db = await openLedgerDb();
		const datanet = await getDatanet(db, datanetId);
		const { account } = await localAccount(db);
		return ingest(db, datanet, [{ line: 1, kind: datanet.kind, fields }], { source: 'form', contributor: account.address, account });
	},

	/** Imports a CAR bundle, verifying every CID and then every signature. */
	async importBundle(file: Blob, onProgress?: ProgressFn): Promise<{ datanet: Datanet; report: IngestReport }> {
		const db = await openLedgerDb();
		const { account } = await localAccount(db);
		const bytes = new Uint8Array(await file.arrayBuffer());
		return importBundle(db, bytes, { owner: account.address, account, verify: true, onProgress });
	},

	/** Returns a Datanet's CAR bundle. */
	async exportBundle(datanetId: Hex): Promise<Uint8Array> {
		return exportBundle(await openLedgerDb(), datanetId);
	},

	/** Loads the demo Datanets (WordNet, built by scripts/demo-data.mjs) from `baseUrl`; signatures stay unverified
	 * until asked for, since checking 47,000 of them takes minutes on a phone. */
	async loadDemo(baseUrl: string, onProgress?: (p: { file: string; index: number; count: number; stored: number }) => void) {
		const db = await openLedgerDb();
		const { account } = await localAccount(db);
		const index = (await (await fetch(`${baseUrl}/index.json`)).json()) as DemoIndex;
		let stored = 0;
		const datanets: Datanet[] = [];
		for (const [i, f] of index.files.entries()) {
			onProgress?.({ file: f.name, index: i, count: index.files.length, stored });
			const res = await fetch(`${baseUrl}/${f.file}`);
			if (!res.ok) throw new Error(`Could not fetch ${f.file}: HTTP ${res.status}`);
			const { datanet, report } = await importBundle(db, new Uint8Array(await res.arrayBuffer()), { owner: account.address, demo: true });
			stored += report.stored;
			datanets.push(datanet);
		}
		onProgress?.({ file: '', index: index.files.length, count: index.files.length, stored });
		return { datanets, stored };
	},

	/** Signs the local account's unsigned records of a Datanet. */
	async signPending(datanetId: Hex, onProgress?: (done: number, total: number) => void) {
		const db = await openLedgerDb();
		return signPending(db, datanetId, (await localAccount(db)).account, onProgress);
	},

	/** Verifies a Datanet's imported signatures. */
	async verifyPending(datanetId: Hex, onProgress?: (done: number, total: number) => void) {
		return verifyPending(await openLedgerDb(), datanetId, onProgress);
	},

	/** Reads the header row of a CSV file for the column-mapping step. */
	async csvHeader(file: Blob): Promise<string[]> {
		return csvHeader(file.slice(0, 1 << 20).stream());
	}
};

export type IngestApi = typeof ingestApi;
