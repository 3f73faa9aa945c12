// The IndexedDB schema of Ledgerlight: stored value types and the idb DBSchema.
// Metadata (contributor, signature, status, timestamps) sits beside a record's content, never inside the hashed bytes.
import type { DBSchema } from 'idb';
import type { Receipt } from '../attribution/receipt';
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
	onchain?: Record<string, OnchainDatanet>; // by chain id
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
	anchors?: RecordAnchor[]; // the batches (one per chain) that anchor this record onchain
};

/** Where a record is anchored: its batch on one chain and its StandardMerkleTree proof under the batch's root. */
export type RecordAnchor = { chainId: number; batchId: number; root: Hex; proof: Hex[] };

/** A Datanet as registered on one chain (`Datanet.onchain` is keyed by chain id). */
export type OnchainDatanet = { datanetId: number; published: boolean };

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


/** Where a chain write stands. queued: waiting for its turn (or for a backoff to end); sending: handed to the wallet or
 * signed locally, no broadcast known yet; sent: has a hash, waiting for the receipt and confirmations; rejected: the
 * user declined in the wallet (waits for retry or cancel); failed: reverted or refused (retry makes a new
 * transaction); confirmed and cancelled are final. */
export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'confirmed' | 'failed' | 'rejected' | 'cancelled';

/** An error as the outbox keeps it: what the UI shows, JSON-safe. */
export type OutboxErrorInfo = { shortMessage: string; details?: string; hint?: string };

/** The part of a transaction receipt the UI shows; gas as a decimal string. */
export type OutboxReceipt = { blockNumber: number; gasUsed: string; status: 'success' | 'reverted'; logs: number };

/** One chain write (migration 4). `id` is the caller's idempotency key (`publish:<datanetId>:<root>`), so the same
 * action is stored, and sent, once. */
export type OutboxEntry = {
	id: string;
	kind: string; // publish, approve, register, inference, claim, stake, vote...
	label: string; // for people: "Publish 120 records of WordNet nouns"
	chainId: number;
	from: Hex; // lowercase address
	to: Hex; // lowercase address
	data: Hex; // calldata, lowercase
	value: string; // wei, decimal
	createdAt: number;
	updatedAt: number;
	status: OutboxStatus;
	attempts: number; // times it was handed to the wallet or the local signer
	failures: number; // network failures in a row; the backoff grows with it; a step that succeeds resets it
	nextAttemptAt: number; // ms since the epoch: the runner leaves the entry alone before this
	hash?: Hex;
	nonce?: number;
	rawTx?: Hex; // signed locally, kept so a reload can broadcast the very same transaction again
	error?: OutboxErrorInfo;
	receipt?: OutboxReceipt;
	confirmations: number;
	meta?: unknown; // JSON the caller needs after confirmation (a batch's CIDs)
};

/** JSON values: what chain reads are cached as (bigints become decimal strings). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A decoded event log as cached; `bigints` lists the '/'-joined paths in `args` that held bigints, so they can be
 * turned back. */
export type CachedLog = {
	blockNumber: number;
	logIndex: number;
	transactionHash: Hex;
	eventName?: string;
	args: JsonValue;
	bigints?: string[];
};

/** The cached logs of one query on one contract (migration 4): every log up to `scannedTo` is here, in block order. */
export type ChainCacheRow = {
	chainId: number;
	address: string; // lowercase contract address
	query: string; // the event and its filter, as the reader names it
	logs: CachedLog[];
	scannedTo: number; // highest block fully scanned
	updatedAt: number;
};

/** A stored receipt (migration 5): the receipt itself (attribution/receipt.ts) and, once paid, where it was recorded. */
export type ReceiptRow = {
	/** `<runId>:<outputHash>`: one receipt per answer of a model. */
	id: string;
	runId: string;
	receipt: Receipt;
	createdAt: number;
	/** The recordInference write: its outbox entry and, once confirmed, its transaction. */
	recorded?: { chainId: number; outboxId: string; modelId: string; valueWei: string; txHash?: Hex; confirmedAt?: number };
};

/** A model's onchain registrations (migration 5), per chain id. */
export type ModelRow = {
	runId: string;
	onchain: Record<string, { modelId: string; feeWei: string; trainingRoot: Hex; weightsHash: Hex; registeredAt: number }>;
};

export interface LedgerDB extends DBSchema {
	datanets: { key: Hex; value: Datanet; indexes: { byUpdated: number } };
	chunks: { key: [Hex, number]; value: RecordChunk; indexes: { byCid: string; byTodo: string } };
	sketches: { key: [Hex, number]; value: SketchChunk };
	stats: { key: Hex; value: DatanetStats };
	accounts: { key: string; value: LocalAccountRow };
	settings: { key: string; value: SettingRow };
	outbox: { key: string; value: OutboxEntry; indexes: { byStatus: [OutboxStatus, number]; byCreated: number } };
	chainCache: { key: [number, string, string]; value: ChainCacheRow };
	receipts: { key: string; value: ReceiptRow; indexes: { byCreated: number; byRun: [string, number] } };
	models: { key: string; value: ModelRow };
}
