// Influence indexes in OPFS, one directory per model weights hash under INFLUENCE_INDEX_DIRECTORY: gradients.f16 (the
// (n, k) half floats), records.json (CIDs and contributors in row order), preconditioner.f32 (each block's inverse,
// in block order) and meta.json, written last, so an index with a meta.json is whole. Directories use the keyed
// storage of training runs (engine/checkpoint/opfs.ts), which replaces a file only when its write completes.
import type { RunStorage } from '$lib/engine/checkpoint/opfs';
import { InfluenceIndexUnusableError } from './errors';
import { INFLUENCE_INDEX_VERSION, type InfluenceIndex, type InfluenceIndexMeta, type InfluenceRecord } from './index';
import type { PreconditionerBlock } from './preconditioner';

/** The OPFS directory of influence indexes. */
export const INFLUENCE_INDEX_DIRECTORY = 'influence-indexes';

const FILES = { meta: 'meta.json', records: 'records.json', gradients: 'gradients.f16', preconditioner: 'preconditioner.f32' } as const;

/** meta.json: the index's meta plus the preconditioner's block layout. */
type StoredMeta = InfluenceIndexMeta & { preconditionerBlocks: Omit<PreconditionerBlock, 'inverse'>[]; preconditionerKind: InfluenceIndex['preconditioner']['kind'] };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Directory names are the hash without its 0x.
const key = (weightsHash: string) => weightsHash.replace(/^0x/, '');

/** Writes an index's files, meta.json last. */
export async function saveInfluenceIndex(storage: RunStorage, index: InfluenceIndex): Promise<void> {
	const dir = key(index.meta.weightsHash);
	await storage.remove(dir, FILES.meta); // an interrupted rewrite must not leave an old meta over new files
	const { bits } = index.gradients;
	await storage.write(dir, FILES.gradients, new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength));
	await storage.write(dir, FILES.records, encoder.encode(JSON.stringify(index.records)));
	const total = index.preconditioner.blocks.reduce((s, b) => s + b.size * b.size, 0);
	const inverses = new Float32Array(total);
	let offset = 0;
	for (const block of index.preconditioner.blocks) {
		inverses.set(block.inverse, offset);
		offset += block.inverse.length;
	}
	await storage.write(dir, FILES.preconditioner, new Uint8Array(inverses.buffer));
	const meta: StoredMeta = {
		...index.meta,
		preconditionerKind: index.preconditioner.kind,
		preconditionerBlocks: index.preconditioner.blocks.map(({ offset, size, damping }) => ({ offset, size, damping }))
	};
	await storage.write(dir, FILES.meta, encoder.encode(JSON.stringify(meta)));
}

/** Reads the index of these weights, or null when there is none (or only an interrupted write). */
export async function loadInfluenceIndex(storage: RunStorage, weightsHash: string): Promise<InfluenceIndex | null> {
	const dir = key(weightsHash);
	const metaBytes = await storage.read(dir, FILES.meta);
	if (metaBytes === null) return null;
	const damaged = (details: string) => new InfluenceIndexUnusableError('This model\'s influence index is damaged.', { details, hint: 'Rebuild the influence index.' });
	let meta: StoredMeta;
	let records: InfluenceRecord[];
	try {
		meta = JSON.parse(decoder.decode(metaBytes));
		records = JSON.parse(decoder.decode((await storage.read(dir, FILES.records)) ?? new Uint8Array()));
	} catch (e) {
		throw damaged(e instanceof Error ? e.message : String(e));
	}
	if (meta.version !== INFLUENCE_INDEX_VERSION) {
		throw new InfluenceIndexUnusableError('This influence index was built by another version of the app.', { details: `Version ${meta.version}.`, hint: 'Rebuild the influence index.' });
	}
	const gradientBytes = await storage.read(dir, FILES.gradients);
	const inverseBytes = await storage.read(dir, FILES.preconditioner);
	if (!gradientBytes || gradientBytes.byteLength !== meta.records * meta.k * 2 || records.length !== meta.records) {
		throw damaged(`${FILES.gradients}: ${gradientBytes?.byteLength ?? 'missing'} bytes for ${meta.records} x ${meta.k}; ${records.length} records.`);
	}
	const total = meta.preconditionerBlocks.reduce((s, b) => s + b.size * b.size, 0);
	if (!inverseBytes || inverseBytes.byteLength !== total * 4) throw damaged(`${FILES.preconditioner}: ${inverseBytes?.byteLength ?? 'missing'} bytes for ${total} values.`);
	const inverses = new Float32Array(inverseBytes.slice().buffer);
	let offset = 0;
	const blocks = meta.preconditionerBlocks.map((b) => {
		const inverse = Float64Array.from(inverses.subarray(offset, (offset += b.size * b.size)));
		return { ...b, inverse };
	});
	const { preconditionerBlocks: _, preconditionerKind, ...indexMeta } = meta;
	return {
		meta: indexMeta,
		records,
		gradients: { rows: meta.records, k: meta.k, bits: new Uint16Array(gradientBytes.slice().buffer) },
		preconditioner: { kind: preconditionerKind, dampingRatio: meta.preconditioner.dampingRatio, k: meta.k, blocks }
	};
}

/** Deletes the index of these weights (absent is fine). */
export async function deleteInfluenceIndex(storage: RunStorage, weightsHash: string): Promise<void> {
	await storage.remove(key(weightsHash));
}
