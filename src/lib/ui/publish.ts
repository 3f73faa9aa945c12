// "Publish" a Datanet onchain as one click that may take three writes, each through the outbox: register the Datanet
// (createDatanet), open it for batches (publish), then anchor its approved, not yet anchored records as one batch
// (submitBatch). Each write's confirmation handler stores what it learned (the onchain id, the batch id and every
// record's proof) and queues the next write, so a reload or a closed tab resumes where it stopped.
import type { Address, Hex } from 'viem';
import {
	approveBatchData,
	buildBatch,
	createDatanetData,
	createdDatanetId,
	metadataDigest,
	publishData,
	submittedBatchId,
	type BatchItem
} from '../chain/batches';
import { getDatanet, updateDatanet } from '../store/datanets';
import { setAnchors, unanchoredApproved } from '../store/records';
import type { Datanet, OnchainDatanet, OutboxEntry, RecordAnchor } from '../store/schema';
import { app } from './app.svelte';
import { chain } from './chain.svelte';
import { count } from './format';

type DatanetMeta = { datanetId: Hex };
type BatchMeta = DatanetMeta & { onchainId: number; root: Hex; items: BatchItem[] };

/** The Datanet as registered on the configured chain, or undefined. */
export function onchainOf(datanet: Datanet): OnchainDatanet | undefined {
	return chain.config ? datanet.onchain?.[String(chain.config.chainId)] : undefined;
}

async function setOnchain(datanetId: Hex, value: OnchainDatanet) {
	const db = await app.db();
	const current = await getDatanet(db, datanetId);
	const key = String(chain.config!.chainId);
	await updateDatanet(db, datanetId, { onchain: { ...current.onchain, [key]: value } });
}

/** Starts (or continues) publishing: the next write the Datanet needs, queued in the outbox. */
export async function publishDatanet(datanet: Datanet): Promise<OutboxEntry> {
	const registry = chain.contracts().DatanetRegistry;
	const chainId = chain.config!.chainId;
	const onchain = onchainOf(datanet);
	if (!onchain) {
		return chain.enqueue({
			id: `datanet-create:${chainId}:${datanet.id}`,
			kind: 'datanet-create',
			label: `Register “${datanet.name}” onchain`,
			to: registry,
			data: createDatanetData({ metadata: metadataDigest(datanet), policy: datanet.policy, curators: datanet.curators }),
			meta: { datanetId: datanet.id } satisfies DatanetMeta
		});
	}
	if (!onchain.published) {
		return chain.enqueue({
			id: `datanet-publish:${chainId}:${onchain.datanetId}`,
			kind: 'datanet-publish',
			label: `Open “${datanet.name}” for batches`,
			to: registry,
			data: publishData(onchain.datanetId),
			meta: { datanetId: datanet.id } satisfies DatanetMeta
		});
	}
	const records = await unanchoredApproved(await app.db(), datanet.id, chainId);
	const items = records.map((r) => ({ cid: r.cid, contributor: r.contributor }));
	const batch = buildBatch(onchain.datanetId, items);
	return chain.enqueue({
		id: `batch:${chainId}:${onchain.datanetId}:${batch.root}`,
		kind: 'batch',
		label: `Anchor ${count(batch.count)} records of “${datanet.name}”`,
		to: registry,
		data: batch.data,
		meta: { datanetId: datanet.id, onchainId: onchain.datanetId, root: batch.root, items } satisfies BatchMeta
	});
}

/** Queues a curator's approval of a pending batch. */
export function approveBatch(datanet: Datanet, batchId: number): Promise<OutboxEntry> {
	return chain.enqueue({
		id: `batch-approve:${chain.config!.chainId}:${batchId}`,
		kind: 'batch-approve',
		label: `Approve batch ${batchId} of “${datanet.name}”`,
		to: chain.contracts().DatanetRegistry,
		data: approveBatchData(batchId),
		meta: { datanetId: datanet.id } satisfies DatanetMeta
	});
}

/** Registers the confirmation handlers of the publish flow (once, at app start). */
export function registerPublishHandlers() {
	const registry = () => chain.contracts().DatanetRegistry as Address;
	chain.onConfirmed('datanet-create', async (entry, client) => {
		const { datanetId } = entry.meta as DatanetMeta;
		const onchainId = await createdDatanetId(client, entry.hash!, registry());
		await setOnchain(datanetId, { datanetId: onchainId, published: false });
		await publishDatanet(await getDatanet(await app.db(), datanetId));
	});
	chain.onConfirmed('datanet-publish', async (entry) => {
		const { datanetId } = entry.meta as DatanetMeta;
		const datanet = await getDatanet(await app.db(), datanetId);
		await setOnchain(datanetId, { ...onchainOf(datanet)!, published: true });
		const next = await getDatanet(await app.db(), datanetId);
		if ((await unanchoredApproved(await app.db(), datanetId, chain.config!.chainId)).length) await publishDatanet(next);
	});
	chain.onConfirmed('batch', async (entry, client) => {
		const { datanetId, onchainId, root, items } = entry.meta as BatchMeta;
		const batchId = await submittedBatchId(client, entry.hash!, registry());
		const { proofs } = buildBatch(onchainId, items);
		const chainId = entry.chainId;
		const anchors = new Map<string, RecordAnchor>(items.map((r, i) => [r.cid, { chainId, batchId, root, proof: proofs[i] }]));
		await setAnchors(await app.db(), datanetId, anchors);
		app.notice = `Anchored ${count(items.length)} records in batch ${batchId}.`;
		return { batchId };
	});
}
