// DatanetRegistry writes and reads as the app makes them: the calldata to register, publish and anchor a Datanet, its
// metadata and batch-manifest digests, the ids read back from receipts, and record verification. A batch is the
// StandardMerkleTree over (record CID digest, contributor) leaves (core/merkle); each record keeps its own proof.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, decodeEventLog, encodeFunctionData, type Address, type Hex, type TransactionReceipt } from 'viem';
import { cidDigestHex, parseCid } from '../core/cid';
import { canonicalJson } from '../core/record';
import { contributionTree, treeProof, treeRoot } from '../core/merkle';
import { datanetRegistryAbi } from './abi';
import type { ChainPublicClient } from './clients';
import { ChainError } from './errors';

/** The contract's Policy enum, by the app's policy names. */
export const POLICY_INDEX = { open: 0, curated: 1, allowlist: 2 } as const;
/** The contract's BatchStatus enum. */
export const BATCH_STATUS = ['none', 'pending', 'approved', 'rejected'] as const;
export type BatchStatus = (typeof BATCH_STATUS)[number];

const digest = (value: unknown): Hex => bytesToHex(sha256(new TextEncoder().encode(canonicalJson(value))));

/** The bytes32 the registry keeps for a Datanet's metadata: sha2-256 of the canonical JSON of its public fields. */
export function metadataDigest(d: { id: Hex; name: string; summary: string; license: string; kind: string; tags: string[] }): Hex {
	return digest({ v: 1, id: d.id, name: d.name, summary: d.summary, license: d.license, kind: d.kind, tags: d.tags });
}

/** The bytes32 a batch's manifest is known by: sha2-256 of the canonical JSON of its record CIDs in batch order. */
export function manifestDigest(cids: readonly string[]): Hex {
	return digest({ v: 1, records: cids });
}

/** Calldata of createDatanet(metadataCid, policy, curators). */
export function createDatanetData(params: { metadata: Hex; policy: keyof typeof POLICY_INDEX; curators: readonly string[] }): Hex {
	return encodeFunctionData({
		abi: datanetRegistryAbi,
		functionName: 'createDatanet',
		args: [params.metadata, POLICY_INDEX[params.policy], params.curators as Address[]]
	});
}

/** Calldata of publish(datanetId). */
export function publishData(datanetId: number): Hex {
	return encodeFunctionData({ abi: datanetRegistryAbi, functionName: 'publish', args: [BigInt(datanetId)] });
}

/** Calldata of approveBatch(batchId). */
export function approveBatchData(batchId: number): Hex {
	return encodeFunctionData({ abi: datanetRegistryAbi, functionName: 'approveBatch', args: [BigInt(batchId)] });
}

/** Calldata of rejectBatch(batchId, reasonHash). */
export function rejectBatchData(batchId: number, reason: string): Hex {
	return encodeFunctionData({ abi: datanetRegistryAbi, functionName: 'rejectBatch', args: [BigInt(batchId), digest(reason)] });
}

/** One record of a batch: its CID and contributor. */
export type BatchItem = { cid: string; contributor: string };

/** A built batch: root, calldata of submitBatch, and a proof per item (in the items' order). */
export type BuiltBatch = { root: Hex; count: number; manifest: Hex; data: Hex; proofs: Hex[][] };

/** Builds the batch of `items` for the onchain Datanet `datanetId`. */
export function buildBatch(datanetId: number, items: readonly BatchItem[]): BuiltBatch {
	if (items.length === 0) throw new ChainError('There are no records to anchor.', { hint: 'Approve records first.' });
	const leaves = items.map((r) => ({ cidDigest: cidDigestHex(parseCid(r.cid)), contributor: r.contributor as Hex }));
	const tree = contributionTree(leaves);
	const root = treeRoot(tree);
	const manifest = manifestDigest(items.map((r) => r.cid));
	const data = encodeFunctionData({
		abi: datanetRegistryAbi,
		functionName: 'submitBatch',
		args: [BigInt(datanetId), root, items.length, manifest]
	});
	return { root, count: items.length, manifest, data, proofs: items.map((_, i) => treeProof(tree, i)) };
}

function registryEvent(receipt: Pick<TransactionReceipt, 'logs'>, registry: Address, eventName: 'DatanetCreated' | 'BatchSubmitted') {
	for (const log of receipt.logs) {
		if (log.address.toLowerCase() !== registry.toLowerCase()) continue;
		try {
			const decoded = decodeEventLog({ abi: datanetRegistryAbi, data: log.data, topics: log.topics });
			if (decoded.eventName === eventName) return decoded.args as Record<string, unknown>;
		} catch {
			// another event of the registry
		}
	}
	throw new ChainError(`The transaction has no ${eventName} event.`, { details: `registry ${registry}` });
}

/** The onchain id of the Datanet a confirmed createDatanet transaction made. */
export async function createdDatanetId(client: ChainPublicClient, hash: Hex, registry: Address): Promise<number> {
	const args = registryEvent(await client.getTransactionReceipt({ hash }), registry, 'DatanetCreated');
	return Number(args.datanetId as bigint);
}

/** The batch id a confirmed submitBatch transaction made. */
export async function submittedBatchId(client: ChainPublicClient, hash: Hex, registry: Address): Promise<number> {
	const args = registryEvent(await client.getTransactionReceipt({ hash }), registry, 'BatchSubmitted');
	return Number(args.batchId as bigint);
}

/** A batch's status as the registry holds it now. */
export async function batchStatus(client: ChainPublicClient, registry: Address, batchId: number): Promise<BatchStatus> {
	const batch = await client.readContract({ address: registry, abi: datanetRegistryAbi, functionName: 'getBatch', args: [BigInt(batchId)] });
	return BATCH_STATUS[Number(batch.status)] ?? 'none';
}

/** Asks the registry whether the record's proof holds under its approved batch (verifyRecord, a read). */
export async function verifyRecordOnchain(
	client: ChainPublicClient,
	registry: Address,
	params: { batchId: number; cid: string; contributor: string; proof: readonly Hex[] }
): Promise<boolean> {
	return client.readContract({
		address: registry,
		abi: datanetRegistryAbi,
		functionName: 'verifyRecord',
		args: [BigInt(params.batchId), cidDigestHex(parseCid(params.cid)), params.contributor as Address, params.proof as Hex[]]
	});
}
