// Datanet bundles: export a Datanet as a CAR file (record blocks + a manifest block) and import one, every CID
// verified by decodeBundle before anything is stored. The Datanet keeps its id, so authorship signatures still hold.
import { encodeBundle, decodeBundle, type BundleManifest } from '../core/car';
import { canonicalBytes } from '../core/record';
import { parseCid } from '../core/cid';
import type { LedgerDatabase } from './db';
import { createDatanet, getDatanet } from './datanets';
import { ingest, type IngestItem, type IngestOptions, type IngestReport } from './ingest';
import { pageRecords } from './records';
import type { Datanet, Hex } from './schema';

/** Builds the CAR bundle of a Datanet and all its records. */
export async function exportBundle(db: LedgerDatabase, datanetId: Hex): Promise<Uint8Array> {
	const d = await getDatanet(db, datanetId);
	const manifest: BundleManifest = {
		v: 1,
		datanet: {
			id: d.id, name: d.name, summary: d.summary, description: d.description, tags: d.tags, license: d.license,
			kind: d.kind, policy: d.policy, curators: d.curators, allowlist: d.allowlist, createdAt: d.createdAt
		},
		records: []
	};
	const blocks = [];
	for (let from = 0; ; from += 4096) {
		const rows = await pageRecords(db, datanetId, from, 4096);
		for (const r of rows) {
			manifest.records.push({ cid: r.cid, contributor: r.contributor as Hex, signature: r.signature, createdAt: r.createdAt });
			blocks.push({ cid: parseCid(r.cid), bytes: canonicalBytes(r.content) });
		}
		if (rows.length < 4096) break;
	}
	return encodeBundle(manifest, blocks);
}

/** Imports a CAR bundle: creates its Datanet here when missing (else adds to it) and ingests its records. */
export async function importBundle(
	db: LedgerDatabase,
	bytes: Uint8Array,
	opts: Omit<IngestOptions, 'source' | 'contributor'> & { owner: string; demo?: boolean }
): Promise<{ datanet: Datanet; report: IngestReport }> {
	const { manifest, records } = await decodeBundle(bytes);
	const m = manifest.datanet;
	let datanet = await db.get('datanets', m.id);
	if (!datanet) {
		datanet = await createDatanet(db, { ...m, owner: opts.owner, demo: opts.demo });
	}
	const decoder = new TextDecoder();
	function* items(): Generator<IngestItem> {
		let line = 0;
		for (const r of records) {
			line++;
			const content = JSON.parse(decoder.decode(r.bytes)) as { kind: string; fields: Record<string, unknown> };
			yield { line, kind: content.kind, fields: content.fields, contributor: r.meta.contributor, signature: r.meta.signature, createdAt: r.meta.createdAt };
		}
	}
	const report = await ingest(db, datanet, items(), { ...opts, source: 'bundle', contributor: opts.owner });
	return { datanet, report };
}
