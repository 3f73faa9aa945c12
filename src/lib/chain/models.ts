// ModelRegistry and AttributionLedger writes as the app makes them: registering a trained model (its training
// manifest's Merkle root over the (record CID digest, contributor) leaves it trained on, its weights hash, a digest of
// its public description and its fee) and paying for an attributed answer (recordInference with the receipt's
// contributor shares). The ids are read back from the confirmed transactions' events.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, decodeEventLog, encodeFunctionData, type Address, type Hex, type TransactionReceipt } from 'viem';
import type { Receipt } from '../attribution/receipt';
import { cidDigestHex, parseCid } from '../core/cid';
import { contributionTree, treeRoot } from '../core/merkle';
import { canonicalJson } from '../core/record';
import { attributionLedgerAbi, modelRegistryAbi } from './abi';
import type { ChainPublicClient } from './clients';
import { ChainError } from './errors';

/** A record a model trained on, as its training manifest names it. */
export type TrainingItem = { cid: string; contributor: string };

/** The training manifest's root: the StandardMerkleTree over (CID digest, contributor) of every record trained on. */
export function trainingRoot(items: readonly TrainingItem[]): Hex {
	if (items.length === 0) throw new ChainError('A model needs at least one training record to register.');
	for (const { contributor } of items) {
		if (!/^0x[0-9a-fA-F]{40}$/.test(contributor)) throw new ChainError('A training record has no contributor address.', { details: contributor, hint: 'Records whose contributor this browser does not know cannot be named in a training manifest.' });
	}
	return treeRoot(contributionTree(items.map((r) => ({ cidDigest: cidDigestHex(parseCid(r.cid)), contributor: r.contributor as Hex }))));
}

/** The bytes32 a model's public description (its architecture, steps and Datanets) is known by: sha2-256 of its
 * canonical JSON. */
export function modelMetadataDigest(description: { model: object; steps: number; datanets: readonly string[] }): Hex {
	return bytesToHex(sha256(new TextEncoder().encode(canonicalJson({ v: 1, model: description.model, steps: description.steps, datanets: [...description.datanets].sort() }))));
}

/** Calldata of register(datanetIds, trainingRoot, weightsHash, metadataCid, feePerInference); Datanet ids ascending. */
export function registerModelData(params: { datanetIds: readonly number[]; trainingRoot: Hex; weightsHash: Hex; metadata: Hex; feeWei: bigint }): Hex {
	const ids = [...new Set(params.datanetIds)].sort((a, b) => a - b);
	if (ids.length === 0) throw new ChainError('A model names at least one onchain Datanet.', { hint: 'Publish the Datanets it trained on first.' });
	return encodeFunctionData({ abi: modelRegistryAbi, functionName: 'register', args: [ids.map(BigInt), params.trainingRoot, params.weightsHash, params.metadata, params.feeWei] });
}

/** The model id a confirmed register transaction made. */
export async function registeredModelId(client: ChainPublicClient, hash: Hex, registry: Address): Promise<bigint> {
	const args = eventOf(await client.getTransactionReceipt({ hash }), registry, modelRegistryAbi, 'ModelRegistered');
	return args.modelId as bigint;
}

/** Owner, fee and whether the model is deprecated, as the registry holds them now. */
export async function modelFee(client: ChainPublicClient, registry: Address, modelId: bigint): Promise<{ owner: Address; feeWei: bigint; deprecated: boolean }> {
	const [owner, fee, deprecated] = await client.readContract({ address: registry, abi: modelRegistryAbi, functionName: 'ownerAndFee', args: [modelId] });
	return { owner, feeWei: BigInt(fee), deprecated };
}

/** Calldata of recordInference(modelId, outputHash, contributors, weightsBps, methodId) for a receipt's shares. */
export function recordInferenceData(modelId: bigint, receipt: Pick<Receipt, 'outputHash' | 'shares' | 'methodId'>): Hex {
	if (receipt.shares.length === 0) throw new ChainError('This answer credits no contributor, so there is nothing to pay.', { hint: 'Attribute an answer that training records shaped.' });
	return encodeFunctionData({
		abi: attributionLedgerAbi,
		functionName: 'recordInference',
		args: [modelId, receipt.outputHash, receipt.shares.map((s) => s.contributor as Address), receipt.shares.map((s) => s.bps), receipt.methodId]
	});
}

function eventOf(receipt: Pick<TransactionReceipt, 'logs'>, address: Address, abi: typeof modelRegistryAbi, eventName: 'ModelRegistered'): Record<string, unknown> {
	for (const log of receipt.logs) {
		if (log.address.toLowerCase() !== address.toLowerCase()) continue;
		try {
			const decoded = decodeEventLog({ abi, data: log.data, topics: log.topics });
			if (decoded.eventName === eventName) return decoded.args as Record<string, unknown>;
		} catch {
			// another event of the contract
		}
	}
	throw new ChainError(`The transaction has no ${eventName} event.`, { details: `contract ${address}` });
}
