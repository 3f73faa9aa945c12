// Builds a demo Datanet bundle from WordNet synsets: canonical records, CIDs, and each record signed by its simulated
// contributor, in the same CAR format a user's export has (so loading the demo exercises the real import path).
import { encodeBundle, type BundleManifest } from '../core/car';
import { cidDigestHex, recordCid } from '../core/cid';
import { canonicalBytes, canonicalize } from '../core/record';
import { demoAccount, signAuthorship } from '../core/signature';
import { DEMO_DATANETS, WORDNET_NOTICE, demoContributorIndex, demoDatanetId, synsetText, type Synset } from './wordnet';

/** A fixed creation time for demo records (WordNet 3.1's release), so bundles are byte-for-byte reproducible. */
const DEMO_CREATED_AT = Date.UTC(2011, 11, 1);

/** Returns the CAR bundle of one demo Datanet and its record count. */
export async function buildDemoBundle(lexname: string, synsets: Synset[]): Promise<{ bytes: Uint8Array; records: number }> {
	const spec = DEMO_DATANETS.find((d) => d.lexname === lexname);
	if (!spec) throw new Error(`No demo Datanet for ${lexname}`);
	const id = demoDatanetId(lexname);
	const accounts = Array.from({ length: 12 }, (_, i) => demoAccount(i));
	const manifest: BundleManifest = {
		v: 1,
		datanet: {
			id, name: `WordNet: ${spec.title}`, summary: spec.summary,
			description: `Synsets of the WordNet lexicographer file \`${lexname}\`, one record per synset: its words, then its definition.\n\nThe contributors are **simulated**: 12 demo accounts, each record assigned to one by a fixed rule, so rewards and attribution can be shown on real text.\n\n> ${WORDNET_NOTICE}`,
			tags: ['wordnet', 'demo', lexname.split('.')[1], lexname.split('.')[0]],
			license: 'LicenseRef-WordNet', kind: 'text', policy: spec.policy, curators: [], allowlist: [], createdAt: DEMO_CREATED_AT
		},
		records: []
	};
	const blocks = [];
	const seen = new Set<string>();
	for (const s of synsets) {
		const content = canonicalize('text', { text: synsetText(s) });
		const bytes = canonicalBytes(content);
		const cid = recordCid(bytes);
		const key = cid.toString();
		if (seen.has(key)) continue; // identical synset texts would be exact duplicates
		seen.add(key);
		const account = accounts[demoContributorIndex(s.offset, lexname)];
		const signature = await signAuthorship(account, { datanetId: id, cidDigest: cidDigestHex(cid) });
		manifest.records.push({ cid: key, contributor: account.address, signature, createdAt: DEMO_CREATED_AT });
		blocks.push({ cid, bytes });
	}
	return { bytes: await encodeBundle(manifest, blocks), records: blocks.length };
}
