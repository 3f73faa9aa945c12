// Span indexes in OPFS: a directory per index key holding one file per segment, manifest.json and, for a BPE
// tokenizer, its tokenizer.json. Each file is written through createWritable, which replaces it only on close; segment
// files get fresh names and, like tokenizer.json, are written before the manifest that lists them, so a closed tab
// leaves at worst an unlisted file, which the next write of that index deletes.
import { BaseError, storageCall } from '../../core/errors';
import { deserializeSegment, serializeSegment, SpanSegmentFormatError } from './persist';
import type { DatanetVersion, SpanSegment } from './segment';
import { SegmentedSpanIndex } from './segmented';

export class SpanStoreError extends BaseError {
	override name = 'SpanStoreError';
}

/** The OPFS directory the app keeps its span indexes in. */
export const SPAN_INDEX_DIRECTORY = 'span-indexes';

const MANIFEST = 'manifest.json';
const TOKENIZER = 'tokenizer.json';
const MANIFEST_FORMAT = 1;
const KEY = /^[0-9a-f]{64}$/;

/**
 * Where an index's tokenizer came from: the byte tokenizer (nothing is stored), a BPE trained on the records of the
 * index's first segment with the vocabulary size asked for, or a BPE given as a tokenizer.json (a model's). A BPE
 * tokenizer is stored as tokenizer.json beside the manifest.
 */
export type SpanTokenizerOrigin = { kind: 'byte' } | { kind: 'trained'; vocabSize: number } | { kind: 'given' };

/** What an index was built from; datanetVersions and tokenizerHash are what its key hashes. */
export type SpanIndexSource = { datanetVersions: readonly DatanetVersion[]; tokenizerHash: string; vocabSize: number; tokenizer: SpanTokenizerOrigin };

/** One stored segment: its file, how many records and tokens it holds, its size in bytes and when it was written. */
export type StoredSegment = { file: string; records: number; tokens: number; bytes: number; createdAt: number };

/** The manifest of a stored index: its key, sources, segments in query order and totals. */
export type SpanIndexManifest = SpanIndexSource & {
	format: typeof MANIFEST_FORMAT;
	key: string;
	/** The Datanet ids of datanetVersions, sorted: indexes of the same Datanets share them. */
	datanetIds: string[];
	segments: StoredSegment[];
	records: number;
	tokens: number;
	createdAt: number;
	updatedAt: number;
};

/** An index read back from storage, with the manifest it was read through and its tokenizer.json (null for bytes). */
export type LoadedSpanIndex = { index: SegmentedSpanIndex; manifest: SpanIndexManifest; tokenizerJson: string | null };

/** Opens (creating it if needed) the OPFS directory that holds the span indexes. */
export async function openSpanIndexStore(name: string = SPAN_INDEX_DIRECTORY): Promise<FileSystemDirectoryHandle> {
	if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) {
		throw new SpanStoreError('This browser has no origin private file system.', { hint: 'Use a current Chromium, Firefox or Safari.' });
	}
	return guarded(async () => (await navigator.storage.getDirectory()).getDirectoryHandle(name, { create: true }));
}

export type SaveIndexParameters = {
	source: SpanIndexSource;
	segments: readonly SpanSegment[];
	/** The segment files the stored index must still list (a merge's inputs); when it lists others, nothing is written. */
	replacing?: readonly string[];
	/** The tokenizer.json of a BPE tokenizer, written before the manifest; without it the stored one is kept. */
	tokenizerJson?: string;
};

/** Writes an index made of `segments` under `key`, replacing whatever the key held: segment files first, then the manifest. */
export function saveIndex(store: FileSystemDirectoryHandle, key: string, { source, segments, replacing, tokenizerJson }: SaveIndexParameters): Promise<SpanIndexManifest> {
	return withKeyLock(store, key, async (dir) => {
		const previous = await readManifest(dir, key);
		const listed = previous?.segments.map((s) => s.file) ?? [];
		if (replacing && (listed.length !== replacing.length || listed.some((file, i) => file !== replacing[i]))) {
			throw new SpanStoreError('The span index changed while it was being rewritten.', { details: `${key}: ${listed.join(', ')}`, hint: 'Try again.' });
		}
		const stored: StoredSegment[] = [];
		for (const segment of segments) stored.push(await writeSegment(dir, segment));
		await writeTokenizer(dir, key, source, tokenizerJson);
		return commit(dir, key, source, stored, previous?.createdAt);
	});
}

/** Appends one segment to the index under `key` (creating the index if there is none): its file first, then the manifest. */
export function saveSegment(
	store: FileSystemDirectoryHandle,
	key: string,
	{ source, segment, tokenizerJson }: { source: SpanIndexSource; segment: SpanSegment; tokenizerJson?: string }
): Promise<SpanIndexManifest> {
	return withKeyLock(store, key, async (dir) => {
		const previous = await readManifest(dir, key);
		const stored = await writeSegment(dir, segment);
		await writeTokenizer(dir, key, source, tokenizerJson);
		return commit(dir, key, source, [...(previous?.segments ?? []), stored], previous?.createdAt);
	});
}

/** Reads the index under `key` and checks every segment against its manifest; null when there is none. */
export async function loadIndex(store: FileSystemDirectoryHandle, key: string): Promise<LoadedSpanIndex | null> {
	const dir = await indexDirectory(store, key, false);
	const manifest = dir && (await readManifest(dir, key));
	if (!dir || !manifest) return null;
	const segments: SpanSegment[] = [];
	for (const s of manifest.segments) {
		const bytes = await guarded(async () => {
			try {
				return new Uint8Array(await (await (await dir.getFileHandle(s.file)).getFile()).arrayBuffer());
			} catch (e) {
				if (errorName(e) === 'NotFoundError') throw new SpanStoreError('A segment of the span index is missing.', { details: `${key}/${s.file}`, cause: e, hint: 'Delete the index and build it again.' });
				throw e;
			}
		});
		if (bytes.length !== s.bytes) {
			throw new SpanSegmentFormatError(bytes.length < s.bytes ? 'The span index segment is truncated.' : 'The span index segment has trailing bytes.', {
				details: `${key}/${s.file}: ${bytes.length} bytes; the manifest lists ${s.bytes}`,
				hint: 'Delete the index and build it again.'
			});
		}
		const segment = deserializeSegment(bytes);
		if (segment.index.recordCount !== s.records || segment.tokenizerHash !== manifest.tokenizerHash) {
			throw new SpanSegmentFormatError('A span index segment does not match its manifest.', { details: `${key}/${s.file}: ${segment.index.recordCount} records, tokenizer ${segment.tokenizerHash}` });
		}
		segments.push(segment);
	}
	const tokenizerJson = manifest.tokenizer.kind === 'byte' ? null : await readText(dir, TOKENIZER);
	if (manifest.tokenizer.kind !== 'byte' && tokenizerJson === null) {
		throw new SpanStoreError('The tokenizer of the span index is missing.', { details: `${key}/${TOKENIZER}`, hint: 'Delete the index and build it again.' });
	}
	return { index: new SegmentedSpanIndex({ segments, vocabSize: manifest.vocabSize, tokenizerHash: manifest.tokenizerHash }), manifest, tokenizerJson };
}

/** The manifests of every stored index, newest first; directories without a readable manifest are skipped. */
export async function listIndexes(store: FileSystemDirectoryHandle): Promise<SpanIndexManifest[]> {
	const manifests: SpanIndexManifest[] = [];
	for await (const [name, handle] of store.entries()) {
		if (handle.kind !== 'directory' || !KEY.test(name)) continue;
		const manifest = await readManifest(handle as FileSystemDirectoryHandle, name).catch(() => null);
		if (manifest) manifests.push(manifest);
	}
	return manifests.sort((a, b) => b.updatedAt - a.updatedAt || (a.key < b.key ? -1 : 1));
}

/** Deletes the index under `key` with all its files; false when there was none. */
export function deleteIndex(store: FileSystemDirectoryHandle, key: string): Promise<boolean> {
	checkKey(key);
	return navigator.locks.request(lockName(store, key), () =>
		guarded(async () => {
			try {
				await store.removeEntry(key, { recursive: true });
				return true;
			} catch (e) {
				if (errorName(e) === 'NotFoundError') return false;
				throw e;
			}
		})
	);
}

// A BPE index keeps its tokenizer.json: written when given, and required to be there already when not.
async function writeTokenizer(dir: FileSystemDirectoryHandle, key: string, source: SpanIndexSource, tokenizerJson: string | undefined): Promise<void> {
	if (source.tokenizer.kind === 'byte') return;
	if (tokenizerJson !== undefined) await writeFile(dir, TOKENIZER, new TextEncoder().encode(tokenizerJson));
	else if ((await readText(dir, TOKENIZER)) === null) {
		throw new SpanStoreError('A BPE span index needs its tokenizer.json.', { details: key, hint: 'Pass tokenizerJson with the first write of the index.' });
	}
}

async function writeSegment(dir: FileSystemDirectoryHandle, segment: SpanSegment): Promise<StoredSegment> {
	const bytes = serializeSegment(segment);
	const file = `segment-${crypto.randomUUID()}.bin`;
	await writeFile(dir, file, bytes);
	return { file, records: segment.index.recordCount, tokens: segment.index.tokenCount, bytes: bytes.length, createdAt: Date.now() };
}

// Writes the manifest listing `segments`, then deletes the files it no longer lists.
async function commit(dir: FileSystemDirectoryHandle, key: string, source: SpanIndexSource, segments: StoredSegment[], createdAt?: number): Promise<SpanIndexManifest> {
	const now = Date.now();
	const manifest: SpanIndexManifest = {
		format: MANIFEST_FORMAT,
		key,
		datanetIds: source.datanetVersions.map((d) => d.datanetId).sort(),
		datanetVersions: [...source.datanetVersions].sort((a, b) => (a.datanetId < b.datanetId ? -1 : 1)),
		tokenizerHash: source.tokenizerHash,
		vocabSize: source.vocabSize,
		tokenizer: source.tokenizer,
		segments,
		records: segments.reduce((n, s) => n + s.records, 0),
		tokens: segments.reduce((n, s) => n + s.tokens, 0),
		createdAt: createdAt ?? now,
		updatedAt: now
	};
	await writeFile(dir, MANIFEST, new TextEncoder().encode(JSON.stringify(manifest)));
	const listed = new Set([MANIFEST, ...(source.tokenizer.kind === 'byte' ? [] : [TOKENIZER]), ...segments.map((s) => s.file)]);
	const unlisted: string[] = [];
	for await (const name of dir.keys()) if (!listed.has(name)) unlisted.push(name);
	await guarded(() => Promise.all(unlisted.map((name) => dir.removeEntry(name, { recursive: true }))));
	return manifest;
}

async function readManifest(dir: FileSystemDirectoryHandle, key: string): Promise<SpanIndexManifest | null> {
	const text = await readText(dir, MANIFEST);
	if (text === null) return null;
	let manifest: SpanIndexManifest;
	try {
		manifest = JSON.parse(text) as SpanIndexManifest;
	} catch (cause) {
		throw new SpanStoreError('The span index manifest is unreadable.', { details: key, cause, hint: 'Delete the index and build it again.' });
	}
	if (manifest.format !== MANIFEST_FORMAT || manifest.key !== key || !Array.isArray(manifest.segments)) {
		throw new SpanStoreError('The span index manifest is not one this app wrote.', { details: `${key}: format ${String(manifest.format)}`, hint: 'Delete the index and build it again.' });
	}
	// Manifests written before BPE tokenizers were stored name no tokenizer: they were all built with bytes.
	manifest.tokenizer ??= { kind: 'byte' };
	return manifest;
}

// A file's text, or null when the directory has no such file.
function readText(dir: FileSystemDirectoryHandle, name: string): Promise<string | null> {
	return guarded(async () => {
		try {
			return await (await (await dir.getFileHandle(name)).getFile()).text();
		} catch (e) {
			if (errorName(e) === 'NotFoundError') return null;
			throw e;
		}
	});
}

async function writeFile(dir: FileSystemDirectoryHandle, name: string, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
	await guarded(async () => {
		const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
		try {
			await writable.write(bytes);
			await writable.close();
		} catch (e) {
			await writable.abort().catch(() => undefined);
			throw e;
		}
	});
}

async function indexDirectory(store: FileSystemDirectoryHandle, key: string, create: boolean): Promise<FileSystemDirectoryHandle | null> {
	checkKey(key);
	return guarded(async () => {
		try {
			return await store.getDirectoryHandle(key, { create });
		} catch (e) {
			if (errorName(e) === 'NotFoundError') return null;
			throw e;
		}
	});
}

// Writers of one index take a Web Lock, so two workers or tabs building it never delete each other's new files.
async function withKeyLock<T>(store: FileSystemDirectoryHandle, key: string, write: (dir: FileSystemDirectoryHandle) => Promise<T>): Promise<T> {
	checkKey(key);
	return navigator.locks.request(lockName(store, key), async () => write((await indexDirectory(store, key, true))!));
}

const lockName = (store: FileSystemDirectoryHandle, key: string) => `ledgerlight:${store.name}/${key}`;

function checkKey(key: string): void {
	if (!KEY.test(key)) throw new SpanStoreError('Not a span index key.', { details: key, hint: 'Keys come from spanIndexKey: 64 hex digits.' });
}

// Storage failures become typed errors here: a full disk is StorageQuotaError, anything else a SpanStoreError.
function guarded<T>(call: () => Promise<T>): Promise<T> {
	return storageCall(call, (details, cause) => new SpanStoreError('The span index storage failed.', { details, cause }));
}

function errorName(e: unknown): string {
	return typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : '';
}
