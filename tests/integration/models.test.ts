// The app's model and receipt writes against the run's real anvil: a model registered with its training manifest's
// root (chain/models.ts), its id and fee read back, then an answer's receipt paid through recordInference crediting
// each contributor by the receipt's shares; the same answer cannot be paid twice.
import { describe, expect, inject, it } from 'vitest';
import { createPublicClient, createTestClient, createWalletClient, http, parseEther, parseEventLogs, type Account, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { buildReceipt } from '../../src/lib/attribution/receipt';
import { attributionLedgerAbi, datanetRegistryAbi } from '../../src/lib/chain/abi';
import { createDatanetData, metadataDigest, publishData } from '../../src/lib/chain/batches';
import { modelFee, modelMetadataDigest, recordInferenceData, registeredModelId, registerModelData, trainingRoot } from '../../src/lib/chain/models';
import { localChain } from '../../src/lib/chain/networks';
import { recordCidString } from '../../src/lib/core/cid';
import { canonicalRecord } from '../../src/lib/core/record';

const rpcUrl = inject('rpcUrl');
const { contracts } = inject('deployments');
const chain = localChain(rpcUrl);
const pub = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 50 });
const test = createTestClient({ mode: 'anvil', chain, transport: http(rpcUrl) });

async function fundedAccount(): Promise<Account> {
	const account = privateKeyToAccount(generatePrivateKey());
	await test.setBalance({ address: account.address, value: parseEther('10') });
	return account;
}

async function sendData(account: Account, to: Address, data: Hex, value = 0n) {
	const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
	const hash = await wallet.sendTransaction({ to, data, value, chain });
	const receipt = await pub.waitForTransactionReceipt({ hash });
	return { hash, receipt };
}

// Fresh contributors, so their claimable balances start at zero whatever else ran on the chain.
const [alice, bob] = [0, 1].map(() => privateKeyToAccount(generatePrivateKey()).address);
const items = ['wolf: a wild dog', 'fox: a small wild dog', 'zorblat: a blue fish'].map((text, i) => ({ cid: recordCidString(canonicalRecord('text', { text }).bytes), contributor: i === 2 ? bob : alice }));

describe('model registration and paid receipts on anvil', () => {
	it('registers a model with its training root, then pays a receipt crediting its contributors by their shares', async () => {
		const owner = await fundedAccount();
		const id = ('0x' + '5a'.repeat(32)) as Hex;
		const created = await sendData(owner, contracts.DatanetRegistry, createDatanetData({ metadata: metadataDigest({ id, name: 'Animals', summary: '', license: 'CC0-1.0', kind: 'text', tags: [] }), policy: 'open', curators: [] }));
		const [event] = parseEventLogs({ abi: datanetRegistryAbi, logs: created.receipt.logs, eventName: 'DatanetCreated' });
		const datanetId = Number(event.args.datanetId);
		await sendData(owner, contracts.DatanetRegistry, publishData(datanetId));

		const root = trainingRoot(items);
		expect(trainingRoot([...items].reverse())).toBe(root); // the tree sorts its leaves
		const weightsHash = ('0x' + '77'.repeat(32)) as Hex;
		const feeWei = parseEther('0.002');
		const registered = await sendData(owner, contracts.ModelRegistry, registerModelData({ datanetIds: [datanetId], trainingRoot: root, weightsHash, metadata: modelMetadataDigest({ model: { nLayer: 2, nEmbd: 64 }, steps: 10, datanets: [id] }), feeWei }));
		const modelId = await registeredModelId(pub, registered.hash, contracts.ModelRegistry);
		expect(await modelFee(pub, contracts.ModelRegistry, modelId)).toEqual({ owner: owner.address, feeWei, deprecated: false });

		const receipt = buildReceipt({
			model: { runId: 'run-1', weightsHash, chainId: chain.id, modelId: String(modelId) },
			prompt: 'zorblat:',
			output: ' a blue fish',
			methods: [{ name: 'influence', parameters: {}, top: items.map((r, i) => ({ ...r, score: 3 - i })), shares: [{ contributor: bob, bps: 7000 }, { contributor: alice, bps: 3000 }] }]
		});
		const ledger = { address: contracts.AttributionLedger, abi: attributionLedgerAbi } as const;
		const claimable = (a: Address) => pub.readContract({ ...ledger, functionName: 'claimable', args: [a] });
		const payer = await fundedAccount();
		const paid = await sendData(payer, contracts.AttributionLedger, recordInferenceData(modelId, receipt), feeWei);
		expect(paid.receipt.status).toBe('success');
		expect(await pub.readContract({ ...ledger, functionName: 'isRecorded', args: [modelId, receipt.outputHash] })).toBe(true);
		const gained = await Promise.all([alice, bob].map(claimable));
		// The contributors' pool is the fee less the owner's and the treasury's parts; bob has 7/3 of alice's credit.
		const [ownerBps, treasuryBps] = await pub.readContract({ ...ledger, functionName: 'shares' });
		const pool = feeWei - (feeWei * BigInt(ownerBps)) / 10_000n - (feeWei * BigInt(treasuryBps)) / 10_000n;
		expect(gained).toEqual([(pool * 3000n) / 10_000n, (pool * 7000n) / 10_000n]);
		const logs = parseEventLogs({ abi: attributionLedgerAbi, logs: paid.receipt.logs, eventName: 'InferenceRecorded' });
		expect(logs[0].args).toMatchObject({ modelId, outputHash: receipt.outputHash, methodId: receipt.methodId });

		// Paying for the same answer again reverts, so a retried write never pays twice.
		const wallet = createWalletClient({ account: payer, chain, transport: http(rpcUrl) });
		await expect(wallet.sendTransaction({ to: contracts.AttributionLedger, data: recordInferenceData(modelId, receipt), value: feeWei, chain })).rejects.toThrow();
		expect(() => recordInferenceData(modelId, { ...receipt, shares: [] })).toThrow(/nothing to pay/);
	});

	it('refuses a training manifest without contributors and a model without onchain Datanets', () => {
		expect(() => trainingRoot([])).toThrow(/at least one training record/);
		expect(() => trainingRoot([{ cid: items[0].cid, contributor: '' }])).toThrow(/no contributor address/);
		expect(() => registerModelData({ datanetIds: [], trainingRoot: ('0x' + '00'.repeat(32)) as Hex, weightsHash: ('0x' + '11'.repeat(32)) as Hex, metadata: ('0x' + '00'.repeat(32)) as Hex, feeWei: 0n })).toThrow(/onchain Datanet/);
	});
});
