// Datanet bundles: a CARv1 file whose root is a JSON manifest block (datanet settings + per-record metadata) followed
// by the raw record blocks. The manifest is written as canonical JSON (sorted keys), so the same Datanet always gives
// the same root CID. On import every block is re-hashed, and all failures are collected before throwing, so the error
// names every tampered or missing CID at once rather than the first one.
import { CarReader, CarWriter } from '@ipld/car';
import { CID } from 'multiformats/cid';
import * as json from 'multiformats/codecs/json';
import * as raw from 'multiformats/codecs/raw';
import type { Hex } from 'viem';
import { sha256Digest, verifyBlock } from './cid';
import { BundleError } from './errors';
import { canonicalJson, type RecordKind } from './record';

export type BundleManifest = {
	v: 1;
	datanet: {
		id: Hex;
		name: string;
		summary: string;
		description: string;
		tags: string[];
		license: string;
		kind: RecordKind;
		policy: 'open' | 'curated' | 'allowlist';
		curators: string[];
		allowlist: string[];
		createdAt: number;
	};
	records: { cid: string; contributor: Hex; signature: Hex | null; createdAt: number }[];
};

export type BundleRecord = { cid: string; bytes: Uint8Array; meta: BundleManifest['records'][number] };

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

// Returns the first problem with the manifest's shape, as a path and what was expected, or null when it is valid.
function manifestProblem(m: unknown): string | null {
	const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
	const isStrings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
	const isTime = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
	if (!isObj(m)) return 'the manifest must be a JSON object';
	if (m.v !== 1) return `manifest version must be 1, found ${JSON.stringify(m.v)}`;
	const d = m.datanet;
	if (!isObj(d)) return 'datanet must be an object';
	if (typeof d.id !== 'string' || !BYTES32.test(d.id)) return 'datanet.id must be a 32-byte 0x hex string';
	for (const key of ['name', 'summary', 'description', 'license'] as const)
		if (typeof d[key] !== 'string') return `datanet.${key} must be a string`;
	for (const key of ['tags', 'curators', 'allowlist'] as const)
		if (!isStrings(d[key])) return `datanet.${key} must be an array of strings`;
	if (!['text', 'instruction', 'qa'].includes(d.kind as string)) return 'datanet.kind must be text, instruction or qa';
	if (!['open', 'curated', 'allowlist'].includes(d.policy as string))
		return 'datanet.policy must be open, curated or allowlist';
	if (!isTime(d.createdAt)) return 'datanet.createdAt must be a timestamp';
	if (!Array.isArray(m.records)) return 'records must be an array';
	const seen = new Set<string>();
	for (let i = 0; i < m.records.length; i++) {
		const r: unknown = m.records[i];
		if (!isObj(r)) return `records[${i}] must be an object`;
		if (typeof r.cid !== 'string') return `records[${i}].cid must be a string`;
		let cid: CID;
		try {
			cid = CID.parse(r.cid);
		} catch {
			return `records[${i}].cid is not a valid CID`;
		}
		if (cid.version !== 1 || cid.code !== raw.code) return `records[${i}].cid must be a CIDv1 with the raw codec`;
		if (cid.toString() !== r.cid) return `records[${i}].cid must be written in base32 (${cid.toString()})`;
		if (seen.has(r.cid)) return `records[${i}].cid appears twice`;
		seen.add(r.cid);
		if (typeof r.contributor !== 'string' || !ADDRESS.test(r.contributor))
			return `records[${i}].contributor must be a 0x address`;
		if (r.signature !== null && (typeof r.signature !== 'string' || !HEX.test(r.signature)))
			return `records[${i}].signature must be 0x hex or null`;
		if (!isTime(r.createdAt)) return `records[${i}].createdAt must be a timestamp`;
	}
	return null;
}

/** Encodes the manifest as a canonical JSON block and returns it with its CID (json codec, sha2-256). */
export function manifestBlock(manifest: BundleManifest): { cid: CID; bytes: Uint8Array } {
	const bytes = new TextEncoder().encode(canonicalJson(manifest));
	return { cid: CID.createV1(json.code, sha256Digest(bytes)), bytes };
}

/** Writes a Datanet bundle (CAR) rooted at the manifest block, after checking the manifest and every block's CID. */
export async function encodeBundle(
	manifest: BundleManifest,
	blocks: { cid: CID; bytes: Uint8Array }[]
): Promise<Uint8Array> {
	const problem = manifestProblem(manifest);
	if (problem) throw new BundleError('Cannot export this Datanet: its manifest is invalid.', { details: problem });
	const byCid = new Map<string, { cid: CID; bytes: Uint8Array }>();
	const bad: string[] = [];
	for (const block of blocks) {
		const key = block.cid.toString();
		if (!verifyBlock(block.cid, block.bytes)) bad.push(key);
		else byCid.set(key, block);
	}
	const missing = manifest.records.map((r) => r.cid).filter((cid) => !byCid.has(cid) && !bad.includes(cid));
	if (bad.length || missing.length)
		throw new BundleError('Cannot export this Datanet: some record contents are damaged or missing.', {
			badCids: [...bad, ...missing],
			details: describe(bad, missing)
		});

	const root = manifestBlock(manifest);
	const { writer, out } = CarWriter.create([root.cid]);
	const collected = collect(out);
	await writer.put(root);
	for (const block of byCid.values()) await writer.put(block);
	await writer.close();
	return collected;
}

async function collect(out: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
	const chunks: Uint8Array[] = [];
	let total = 0;
	for await (const chunk of out) {
		chunks.push(chunk);
		total += chunk.length;
	}
	const bytes = new Uint8Array(total);
	let at = 0;
	for (const chunk of chunks) {
		bytes.set(chunk, at);
		at += chunk.length;
	}
	return bytes;
}

function describe(bad: string[], missing: string[]): string {
	const parts: string[] = [];
	if (bad.length) parts.push(`${bad.length} block(s) do not match their CID: ${bad.join(', ')}`);
	if (missing.length) parts.push(`${missing.length} record block(s) are missing: ${missing.join(', ')}`);
	return parts.join('; ');
}

/** Reads a Datanet bundle, verifying every block against its CID and the manifest's shape; throws BundleError. */
export async function decodeBundle(
	bytes: Uint8Array
): Promise<{ manifest: BundleManifest; records: BundleRecord[] }> {
	let reader: CarReader;
	try {
		reader = await CarReader.fromBytes(bytes);
	} catch (e) {
		throw new BundleError('This file is not a Datanet bundle (CAR).', {
			cause: e,
			details: e instanceof Error ? e.message : String(e)
		});
	}
	const roots = await reader.getRoots();
	if (roots.length !== 1)
		throw new BundleError('This bundle has no single manifest.', { details: `expected 1 root, found ${roots.length}` });
	const root = roots[0];

	const blocks = new Map<string, Uint8Array>();
	const bad: string[] = [];
	for await (const { cid, bytes: data } of reader.blocks()) {
		const key = cid.toString();
		if (!verifyBlock(cid as CID, data)) bad.push(key);
		else blocks.set(key, data);
	}

	const rootKey = root.toString();
	const manifestBytes = blocks.get(rootKey);
	if (!manifestBytes) {
		const badCids = bad.includes(rootKey) ? bad : [rootKey, ...bad];
		throw new BundleError('This bundle cannot be trusted: its manifest is damaged or missing.', {
			badCids,
			details: describe(bad, bad.includes(rootKey) ? [] : [rootKey])
		});
	}
	if (root.code !== json.code)
		throw new BundleError('This bundle has no JSON manifest.', { details: `root codec 0x${root.code.toString(16)}` });
	let manifest: unknown;
	try {
		manifest = json.decode(manifestBytes);
	} catch (e) {
		throw new BundleError('The bundle manifest is not valid JSON.', { cause: e, details: String(e) });
	}
	const problem = manifestProblem(manifest);
	if (problem) throw new BundleError('The bundle manifest is invalid.', { details: problem });
	const valid = manifest as BundleManifest;

	const missing = valid.records.map((r) => r.cid).filter((cid) => !blocks.has(cid) && !bad.includes(cid));
	if (bad.length || missing.length)
		throw new BundleError('This bundle cannot be trusted: some blocks are damaged or missing.', {
			badCids: [...bad, ...missing],
			details: describe(bad, missing)
		});

	return {
		manifest: valid,
		records: valid.records.map((meta) => ({ cid: meta.cid, bytes: blocks.get(meta.cid)!, meta }))
	};
}
