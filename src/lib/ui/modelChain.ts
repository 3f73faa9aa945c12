// A trained model onchain and its paid answers, each write through the outbox. "Register model" names the final
// weights' hash, the training manifest's Merkle root over every record trained on (with its contributor) and the
// fee; its confirmation stores the model id. "Pay and record" sends recordInference with the receipt's shares and the
// model's current fee; its confirmation marks the receipt recorded. A receipt is stored before anything is paid, and
// "Verify" recomputes it in this browser from the same model and data.
import type { Hex } from 'viem';
import type { AnswerSpansReturnType, QueryInfluenceApiReturnType } from '../attribution/influence/api';
import { buildReceipt, influenceReceiptMethod, spansReceiptMethod, verifyReceipt, type Receipt, type ReceiptMethod, type ReceiptVerification } from '../attribution/receipt';
import { formatOpen } from '../chain/rewards';
import { modelFee, modelMetadataDigest, recordInferenceData, registeredModelId, registerModelData, trainingRoot } from '../chain/models';
import { BaseError } from '../core/errors';
import { getDatanet } from '../store/datanets';
import { getModelRow, putReceipt, setModelOnchain, setRecorded } from '../store/receipts';
import type { Hex as StoreHex, OutboxEntry, ReceiptRow } from '../store/schema';
import { app } from './app.svelte';
import { attributionWorker } from './attributionWorker';
import { chain } from './chain.svelte';
import { downloadFile } from './download';
import { influenceTrace } from './influenceTrace.svelte';
import { onchainOf } from './publish';

type RegisterMeta = { runId: string; trainingRoot: Hex; weightsHash: Hex; feeWei: string };
type InferenceMeta = { receiptId: string; modelId: string };

/** The model's registration on the configured chain, or undefined. */
export async function registrationOf(runId: string) {
	if (!chain.config) return undefined;
	return (await getModelRow(await app.db(), runId)).onchain[String(chain.config.chainId)];
}

/** Queues the registration of a trained model: its Datanets must be onchain and every record's contributor known. */
export async function registerModel(runId: string, feeWei: bigint): Promise<OutboxEntry> {
	const manifest = await attributionWorker().trainingManifest({ runId });
	const db = await app.db();
	const onchainIds: number[] = [];
	for (const id of manifest.datanetIds) {
		const datanet = await getDatanet(db, id as StoreHex);
		const onchain = onchainOf(datanet);
		if (!onchain?.published) {
			throw new BaseError(`“${datanet.name}” is not published onchain yet.`, { hint: 'Publish it on its Datanet page first: a registered model names the onchain Datanets it trained on.' });
		}
		onchainIds.push(onchain.datanetId);
	}
	if (onchainIds.length === 0) throw new BaseError('This model was not trained on a Datanet, so it cannot name one onchain.');
	const unknown = manifest.items.filter((r) => !r.contributor).length;
	if (unknown > 0) throw new BaseError(`${unknown} training records have no known contributor.`, { hint: 'They were deleted from this browser after training; train again on the Datanet as it is now.' });
	const root = trainingRoot(manifest.items);
	const weightsHash = manifest.weightsHash as Hex;
	const metadata = modelMetadataDigest({ model: manifest.model, steps: manifest.step, datanets: manifest.datanetIds });
	return chain.enqueue({
		id: `model-register:${chain.config!.chainId}:${runId}:${weightsHash}`,
		kind: 'model-register',
		label: `Register model ${runId.slice(0, 8)} (fee ${formatOpen(feeWei)} OPEN per answer)`,
		to: chain.contracts().ModelRegistry,
		data: registerModelData({ datanetIds: onchainIds, trainingRoot: root, weightsHash, metadata, feeWei }),
		meta: { runId, trainingRoot: root, weightsHash, feeWei: feeWei.toString() } satisfies RegisterMeta
	});
}

/** An answer's two attributions, as the receipt records them. */
export type AnswerAttribution = { result: QueryInfluenceApiReturnType; spans: AnswerSpansReturnType };

/** The receipt of an attributed answer (influence and spans), naming the model's onchain id when it is registered. */
export async function answerReceipt(question: { runId: string; prompt: string; answer: string }, { result, spans }: AnswerAttribution): Promise<Receipt> {
	const registration = await registrationOf(question.runId).catch(() => undefined);
	return buildReceipt({
		model: { runId: question.runId, weightsHash: result.method.weightsHash, chainId: registration ? chain.config!.chainId : null, modelId: registration?.modelId ?? null },
		prompt: question.prompt,
		output: question.answer,
		methods: [influenceReceiptMethod(result), spansReceiptMethod(spans)]
	});
}

/** Downloads a receipt as a JSON file. */
export function exportReceipt(receipt: Receipt): void {
	downloadFile(JSON.stringify(receipt, null, '\t') + '\n', `receipt-${receipt.outputHash.slice(2, 10)}.json`, 'application/json');
}

/** Stores a receipt in this browser. */
export async function keepReceipt(receipt: Receipt): Promise<ReceiptRow> {
	return putReceipt(await app.db(), receipt);
}

/** Queues recordInference for a stored receipt at the model's current fee, and marks the receipt as being recorded. */
export async function payForReceipt(row: ReceiptRow): Promise<OutboxEntry> {
	const registration = await registrationOf(row.runId);
	if (!registration) throw new BaseError('Register this model onchain first.', { hint: 'An answer is paid to the contributors of a registered model.' });
	const modelId = BigInt(registration.modelId);
	const { feeWei, deprecated } = await modelFee(chain.client(), chain.contracts().ModelRegistry, modelId);
	if (deprecated) throw new BaseError('This model is deprecated onchain and takes no more payments.');
	const db = await app.db();
	// The receipt names the model id it is paid under (it may have been made before the model was registered).
	const receipt: Receipt = { ...row.receipt, model: { ...row.receipt.model, chainId: chain.config!.chainId, modelId: registration.modelId } };
	const stored = await putReceipt(db, receipt);
	const entry = await chain.enqueue({
		id: `inference:${chain.config!.chainId}:${registration.modelId}:${receipt.outputHash}`,
		kind: 'inference',
		label: `Pay ${formatOpen(feeWei)} OPEN for an answer of model ${registration.modelId}`,
		to: chain.contracts().AttributionLedger,
		data: recordInferenceData(modelId, receipt),
		value: feeWei,
		meta: { receiptId: stored.id, modelId: registration.modelId } satisfies InferenceMeta
	});
	await setRecorded(db, stored.id, { chainId: entry.chainId, outboxId: entry.id, modelId: registration.modelId, valueWei: feeWei.toString() });
	return entry;
}

/** Recomputes a receipt's attribution in this browser, each method it names (building the influence index first
 * when there is none, as the Models page does, with its progress), and compares. */
export async function verifyReceiptHere(receipt: Receipt): Promise<ReceiptVerification> {
	const influence = receipt.methods.find((m) => m.name === 'influence');
	if (!influence) throw new BaseError('This receipt has no influence attribution to recompute.');
	await influenceTrace.prepare(receipt.model.runId);
	const worker = attributionWorker();
	const question = { runId: receipt.model.runId, prompt: receipt.prompt, answer: receipt.output };
	const topK = typeof influence.parameters.topK === 'number' ? influence.parameters.topK : undefined;
	const result = await worker.queryInfluence({ ...question, topK });
	const methods: ReceiptMethod[] = [influenceReceiptMethod(result)];
	if (receipt.methods.some((m) => m.name === 'spans')) methods.push(spansReceiptMethod(await worker.traceAnswerSpans(question)));
	// The weights hash is the model's here, so a receipt of other weights shows the difference.
	const recomputed = buildReceipt({ model: { ...receipt.model, weightsHash: result.method.weightsHash }, prompt: receipt.prompt, output: receipt.output, methods });
	return verifyReceipt(receipt, recomputed);
}

/** Registers the confirmation handlers of model registration and paid answers (once, at app start). */
export function registerModelHandlers() {
	chain.onConfirmed('model-register', async (entry, client) => {
		const { runId, trainingRoot: root, weightsHash, feeWei } = entry.meta as RegisterMeta;
		const modelId = await registeredModelId(client, entry.hash!, chain.contracts().ModelRegistry);
		await setModelOnchain(await app.db(), runId, entry.chainId, { modelId: modelId.toString(), feeWei, trainingRoot: root, weightsHash, registeredAt: Date.now() });
		app.notice = `Registered as model ${modelId} onchain.`;
		await app.stored();
		return { modelId: modelId.toString() };
	});
	chain.onConfirmed('inference', async (entry) => {
		const { receiptId: id, modelId } = entry.meta as InferenceMeta;
		await setRecorded(await app.db(), id, { chainId: entry.chainId, outboxId: entry.id, modelId, valueWei: entry.value, txHash: entry.hash, confirmedAt: Date.now() });
		app.notice = 'The answer is paid: its contributors\' rewards are claimable on the Rewards page.';
		await app.stored();
	});
}
