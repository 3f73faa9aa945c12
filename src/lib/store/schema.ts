// The IndexedDB schema of Ledgerlight: stored value types and the idb DBSchema.
// Metadata (contributor, signature, status, timestamps) sits beside a record's content, never inside the hashed bytes.
import type { DBSchema } from 'idb';
import type { RecordContent, RecordKind } from '../core/record';

export type Hex = `0x${string}`;
export type AccessPolicy = 'open' | 'curated' | 'allowlist';
export type RecordStatus = 'pending' | 'approved' | 'rejected';
/** unsigned: authored here, signature not yet made; unverified: imported, not yet checked; missing: another
 * contributor's record that arrived without a signature. */
export type SignatureStatus = 'unsigned' | 'unverified' | 'valid' | 'invalid' | 'missing';

export type Datanet = {
	id: Hex; // bytes32, random at creation; signatures cover it
	name: string;
	summary: string;
	description: string; // markdown, rendered sanitised
	tags: string[];
	license: string; // SPDX id
	kind: RecordKind;
	policy: AccessPolicy;
	curators: string[]; // addresses, lowercase
	allowlist: string[]; // addresses, lowercase (policy 'allowlist')
	owner: string;
	createdAt: number;
	updatedAt: number;
	demo?: boolean;
};

export type StoredRecord = {
	datanetId: Hex;
	cid: string;
	seq: number; // insertion order within the Datanet, from 0: the virtual list pages by it
	content: RecordContent;
	contributor: string; // lowercase address
	signature: Hex | null;
	sigStatus: SignatureStatus;
	status: RecordStatus;
	nearDupOf: string | null; // cid of a stored record with estimated Jaccard >= 0.9
	nearDupJaccard: number | null;
	createdAt: number;
	updatedAt: number;
	source: string | null; // "file.jsonl:12", "form", "bundle", "demo"
};

/** Per-Datanet counters kept in step with the records (added by migration 2). */
export type DatanetStats = {
	datanetId: Hex;
	total: number;
	nextSeq: number;
	byStatus: Record<RecordStatus, number>;
	byContributor: Record<string, number>;
	bySig: Record<SignatureStatus, number>; // added by migration 3
	nearDuplicates: number;
	sketchChunks: number;
};

/** MinHash sketches of one write batch: sigs holds cids.length x SKETCH_SIZE values. One row per batch keeps
 * imports fast (one put per thousand records) and reloading the near-duplicate index cheap. */
export type SketchChunk = { datanetId: Hex; chunk: number; cids: string[]; sigs: Uint32Array };

export type LocalAccountRow = { address: string; privateKey: Hex; label: string; createdAt: number };
export type SettingRow = { key: string; value: unknown };

/** Records per chunk row. One IndexedDB row per record costs about 100 us in Chromium whatever its size; rows of 256
 * records make imports and scans several times faster while a page of 50 still reads one or two rows. */
export const CHUNK_SIZE = 256;

/** A record as kept inside its chunk row: the row holds the Datanet id once for all of them. */
export type ChunkRecord = Omit<StoredRecord, 'datanetId'>;

/** A row of up to CHUNK_SIZE consecutive records of one Datanet (migration 3): record i has seq chunk*CHUNK_SIZE+i. */
export type RecordChunk = {
	datanetId: Hex;
	chunk: number;
	records: ChunkRecord[];
	cidKeys: string[]; // `${datanetId}/${cid}` of each record: a unique multi-entry index, so a CID is stored once
	todo: string[]; // `${datanetId}/${state}` for each of pending, unsigned, unverified present: finds work quickly
};

export interface LedgerDB extends DBSchema {
	datanets: { key: Hex; value: Datanet; indexes: { byUpdated: number } };
	chunks: { key: [Hex, number]; value: RecordChunk; indexes: { byCid: string; byTodo: string } };
	sketches: { key: [Hex, number]; value: SketchChunk };
	stats: { key: Hex; value: DatanetStats };
	accounts: { key: string; value: LocalAccountRow };
	settings: { key: string; value: SettingRow };
}
