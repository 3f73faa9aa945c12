// The acceptance flow on the run's real anvil, one step per test, each asserting onchain state: a Curated Datanet,
// a relayed batch of EIP-712-signed contributions, curation, record proofs, a model, a paid inference, three claims,
// an agent's bond and a governance proposal that slashes it through the timelock. The steps share state and run in
// order, in one file, because the governance steps move the shared chain's clock by eight days.
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { describe, expect, inject, it } from 'vitest';
import {
	createPublicClient,
	createTestClient,
	createWalletClient,
	encodeFunctionData,
	http,
	keccak256,
	parseEther,
	parseEventLogs,
	toHex,
	type Abi,
	type Account,
	type Address,
	type Hex,
	type TransactionReceipt
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { DEMO_CONTRIBUTOR_KEYS, governanceConstant } from '../../scripts/chain/deploy.mjs';
import {
	agentStakingAbi,
	attributionLedgerAbi,
	datanetRegistryAbi,
	modelRegistryAbi,
	openGovernorAbi,
	wOpenAbi
} from '../../src/lib/chain/abi';
import { contributionTree, fullMultiProof, treeProof, treeRoot } from '../../src/lib/core/merkle';
import { localChain } from '../../src/lib/chain/networks';

const rpcUrl = inject('rpcUrl');
const { contracts } = inject('deployments');
const chain = localChain(rpcUrl);
const pub = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 50 });
const test = createTestClient({ mode: 'anvil', chain, transport: http(rpcUrl) });

const BPS = 10_000n;
const Policy = { Curated: 1 } as const;
const DatanetStatus = { Draft: 0, Published: 1 } as const;
const BatchStatus = { Pending: 1, Approved: 2 } as const;
const ProposalState = { Pending: 0, Active: 1, Succeeded: 4, Queued: 5, Executed: 7 } as const;

/** A fresh account holding `open` OPEN, so this file shares no nonces with anything else on the chain. */
async function fundedAccount(open = '10') {
	const account = privateKeyToAccount(generatePrivateKey());
	await test.setBalance({ address: account.address, value: parseEther(open) });
	return account;
}

/** Sends one contract call from `account`, waits for it and fails the step unless it succeeded. */
async function send(
	account: Account,
	request: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[]; value?: bigint }
): Promise<TransactionReceipt> {
	const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
	const hash = await wallet.writeContract(request as Parameters<typeof wallet.writeContract>[0]);
	const receipt = await pub.waitForTransactionReceipt({ hash });
	expect(receipt.status).toBe('success');
	return receipt;
}

/** Moves the chain's clock `seconds` forward and mines a block at the new time. */
async function advance(seconds: bigint) {
	await test.increaseTime({ seconds: Number(seconds) });
	await test.mine({ blocks: 1 });
}

/** What `address` gained over a transaction it paid for, gas added back. */
async function netGain(address: Address, receipt: TransactionReceipt, before: bigint) {
	const after = await pub.getBalance({ address });
	return after - before + receipt.gasUsed * receipt.effectiveGasPrice;
}

// State the steps hand on, in order.
const contributors = DEMO_CONTRIBUTOR_KEYS.slice(0, 3).map((key: Hex) => privateKeyToAccount(key));
// Seven records: three by the first contributor, two by each of the others.
const records = [0, 0, 0, 1, 1, 2, 2].map((who, i) => ({
	cidDigest: keccak256(toHex(`ledgerlight flow record ${i}`)),
	contributor: contributors[who].address
}));
const tree = contributionTree(records);
const root = treeRoot(tree);
let owner: Account;
let curator: Account;
let datanetId: bigint;
let batchId: bigint;
let modelId: bigint;
const fee = parseEther('0.01') + 7n; // odd, so the split leaves rounding dust for the model owner
let modelOwner: Account;
const weights = [3_334, 3_333, 3_333];
const shareOf = new Map<Address, bigint>();
let agent: Account;
const bond = parseEther('10');

describe('acceptance flow on anvil', () => {
	it('creates a Curated Datanet with a curator, then publishes it', async () => {
		owner = await fundedAccount();
		curator = await fundedAccount();
		const metadataCid = keccak256(toHex('ledgerlight flow metadata'));
		const created = await send(owner, {
			address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'createDatanet',
			args: [metadataCid, Policy.Curated, [curator.address]]
		});
		const [event] = parseEventLogs({ abi: datanetRegistryAbi, logs: created.logs, eventName: 'DatanetCreated' });
		datanetId = event.args.datanetId;
		const draft = await pub.readContract({ address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'getDatanet', args: [datanetId] });
		expect(draft).toMatchObject({ owner: owner.address, policy: Policy.Curated, status: DatanetStatus.Draft, metadataCid });
		expect(await pub.readContract({ address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'isCurator', args: [datanetId, curator.address] })).toBe(true);

		await send(owner, { address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'publish', args: [datanetId] });
		const published = await pub.readContract({ address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'getDatanet', args: [datanetId] });
		expect(published.status).toBe(DatanetStatus.Published);
	});

	it('relays a batch of contributions each signed by its contributor (EIP-712), Pending under the Curated policy', async () => {
		// The project's tree and OpenZeppelin's agree on the root and on the order the contract takes the items in.
		const oz = StandardMerkleTree.of(records.map((r) => [r.cidDigest, r.contributor]), ['bytes32', 'address']);
		expect(oz.root).toBe(root);
		const multi = oz.getMultiProof([...records.keys()]);
		const { order, proof, proofFlags } = fullMultiProof(tree);
		expect(order.map((i) => [records[i].cidDigest, records[i].contributor])).toEqual(multi.leaves);
		expect(proof).toEqual(multi.proof);
		expect(proofFlags).toEqual(multi.proofFlags);

		const { timestamp } = await pub.getBlock();
		const deadline = timestamp + 3_600n;
		const domain = { name: 'Ledgerlight DatanetRegistry', version: '1', chainId: chain.id, verifyingContract: contracts.DatanetRegistry } as const;
		const types = { Contribution: [{ name: 'datanetId', type: 'uint64' }, { name: 'cidDigest', type: 'bytes32' }, { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' }] } as const;
		const items = await Promise.all(
			order.map(async (i) => {
				const { cidDigest, contributor } = records[i];
				const signer = contributors.find((c) => c.address === contributor)!;
				const nonce = BigInt(keccak256(toHex(`nonce ${datanetId} ${cidDigest}`))); // unordered nonces: any unused value
				const message = { datanetId, cidDigest, nonce, deadline };
				const signature = await signer.signTypedData({ domain, types, primaryType: 'Contribution', message });
				return { cidDigest, contributor, nonce, deadline, signature };
			})
		);

		const relayer = await fundedAccount();
		const manifestCid = keccak256(toHex('ledgerlight flow manifest'));
		const receipt = await send(relayer, {
			address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'submitSignedBatch',
			args: [datanetId, root, manifestCid, items, proof, proofFlags]
		});
		const [submitted] = parseEventLogs({ abi: datanetRegistryAbi, logs: receipt.logs, eventName: 'BatchSubmitted' });
		batchId = submitted.args.batchId;
		expect(submitted.args).toMatchObject({ datanetId, submitter: relayer.address, root, count: records.length, manifestCid });

		const batch = await pub.readContract({ address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'getBatch', args: [batchId] });
		expect(batch).toMatchObject({ root, datanetId, count: records.length, status: BatchStatus.Pending });
		for (const item of items) {
			const id = await pub.readContract({ address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'contributionId', args: [datanetId, item.cidDigest] });
			expect(await pub.readContract({ address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'contributorOf', args: [id] })).toBe(item.contributor);
			expect(await pub.readContract({ address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'nonceUsed', args: [item.contributor, item.nonce] })).toBe(true);
		}
		// Not yet approved: no record verifies.
		expect(await pub.readContract({ address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'verifyRecord', args: [batchId, records[0].cidDigest, records[0].contributor, treeProof(tree, 0)] })).toBe(false);
	});

	it('the curator approves the batch; a record verifies with its proof and not with a wrong one', async () => {
		await send(curator, { address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'approveBatch', args: [batchId] });
		const batch = await pub.readContract({ address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'getBatch', args: [batchId] });
		expect(batch.status).toBe(BatchStatus.Approved);

		const verify = (index: number, contributor: Address, proof: Hex[]) =>
			pub.readContract({ address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'verifyRecord', args: [batchId, records[index].cidDigest, contributor, proof] });
		for (const i of records.keys()) expect(await verify(i, records[i].contributor, treeProof(tree, i))).toBe(true);
		expect(await verify(3, records[3].contributor, treeProof(tree, 4))).toBe(false); // another record's proof
		expect(await verify(3, records[0].contributor, treeProof(tree, 3))).toBe(false); // someone else's record
	});

	it('registers a model trained on the Datanet, with a fee per inference', async () => {
		modelOwner = await fundedAccount();
		const weightsHash = keccak256(toHex('ledgerlight flow weights'));
		const metadataCid = keccak256(toHex('ledgerlight flow model metadata'));
		const receipt = await send(modelOwner, {
			address: contracts.ModelRegistry, abi: modelRegistryAbi, functionName: 'register',
			args: [[datanetId], root, weightsHash, metadataCid, fee]
		});
		const [registered] = parseEventLogs({ abi: modelRegistryAbi, logs: receipt.logs, eventName: 'ModelRegistered' });
		modelId = registered.args.modelId;
		const model = await pub.readContract({ address: contracts.ModelRegistry, abi: modelRegistryAbi, functionName: 'getModel', args: [modelId] });
		expect(model).toMatchObject({ owner: modelOwner.address, deprecated: false, feePerInference: fee, trainingRoot: root, weightsHash, metadataCid, datanetIds: [datanetId] });
	});

	it('records a paid inference crediting three contributors by weight, the owner and the treasury', async () => {
		const ledger = { address: contracts.AttributionLedger, abi: attributionLedgerAbi } as const;
		const [ownerBps, treasuryBps] = await pub.readContract({ ...ledger, functionName: 'shares' });
		const treasury = await pub.readContract({ ...ledger, functionName: 'treasury' });
		const treasuryAmount = (fee * BigInt(treasuryBps)) / BPS;
		const ownerAmount = (fee * BigInt(ownerBps)) / BPS;
		const pool = fee - treasuryAmount - ownerAmount;
		const shares = weights.map((w) => (pool * BigInt(w)) / BPS);
		const dust = pool - shares.reduce((a, b) => a + b, 0n);
		expect(weights.reduce((a, b) => a + b, 0)).toBe(10_000);
		expect(dust).toBeGreaterThan(0n);

		const accounts = [...contributors.map((c) => c.address), modelOwner.address, treasury];
		const before = await Promise.all(accounts.map((a) => pub.readContract({ ...ledger, functionName: 'claimable', args: [a] })));
		expect(before.slice(0, 3)).toEqual([0n, 0n, 0n]); // so each contributor's claim below is exactly its share
		const payer = await fundedAccount();
		const outputHash = keccak256(toHex('ledgerlight flow output'));
		await send(payer, {
			...ledger, functionName: 'recordInference',
			args: [modelId, outputHash, contributors.map((c) => c.address), weights, 1], value: fee
		});
		expect(await pub.readContract({ ...ledger, functionName: 'isRecorded', args: [modelId, outputHash] })).toBe(true);
		const after = await Promise.all(accounts.map((a) => pub.readContract({ ...ledger, functionName: 'claimable', args: [a] })));
		const gained = after.map((x, i) => x - before[i]);
		expect(gained).toEqual([...shares, ownerAmount + dust, treasuryAmount]);
		contributors.forEach((c, i) => shareOf.set(c.address, shares[i]));
	});

	it('each contributor claims and receives exactly its share', async () => {
		for (const account of contributors) {
			await test.setBalance({ address: account.address, value: parseEther('1') }); // gas for the claim
			const before = await pub.getBalance({ address: account.address });
			const receipt = await send(account, { address: contracts.AttributionLedger, abi: attributionLedgerAbi, functionName: 'claim' });
			expect(await netGain(account.address, receipt, before)).toBe(shareOf.get(account.address));
			expect(await pub.readContract({ address: contracts.AttributionLedger, abi: attributionLedgerAbi, functionName: 'claimable', args: [account.address] })).toBe(0n);
		}
	});

	it('an agent bonds OPEN in AgentStaking', async () => {
		agent = await fundedAccount('20');
		await send(agent, { address: contracts.AgentStaking, abi: agentStakingAbi, functionName: 'bond', value: bond });
		const stake = await pub.readContract({ address: contracts.AgentStaking, abi: agentStakingAbi, functionName: 'stakeOf', args: [agent.address] });
		expect(stake.bonded).toBe(bond);
	});

	it('WOPEN holders propose, vote, queue and execute a slash of the agent through the timelock', async () => {
		const governor = { address: contracts.OpenGovernor, abi: openGovernorAbi } as const;
		const staking = { address: contracts.AgentStaking, abi: agentStakingAbi } as const;
		const threshold = await pub.readContract({ ...governor, functionName: 'proposalThreshold' });
		expect(threshold).toBe(governanceConstant('PROPOSAL_THRESHOLD'));

		// Two holders wrap OPEN; WOpen self-delegates on receipt, so their votes count from the next second.
		const proposer = await fundedAccount('2000');
		const voter = await fundedAccount('3000');
		await send(proposer, { address: contracts.WOpen, abi: wOpenAbi, functionName: 'deposit', value: threshold });
		await send(voter, { address: contracts.WOpen, abi: wOpenAbi, functionName: 'deposit', value: 2n * threshold });
		await advance(1n);
		const clock = await pub.readContract({ ...governor, functionName: 'clock' });
		expect(await pub.readContract({ ...governor, functionName: 'getVotes', args: [proposer.address, BigInt(clock) - 1n] })).toBe(threshold);

		const reporter = privateKeyToAccount(generatePrivateKey()).address;
		const amount = parseEther('2');
		const evidenceHash = keccak256(toHex('ledgerlight flow evidence'));
		const targets = [contracts.AgentStaking];
		const values = [0n];
		const calldatas = [encodeFunctionData({ abi: agentStakingAbi, functionName: 'slash', args: [agent.address, amount, evidenceHash, reporter] })];
		const description = `Slash ${agent.address} for ${evidenceHash}`;
		const descriptionHash = keccak256(toHex(description));
		const proposalId = await pub.readContract({ ...governor, functionName: 'hashProposal', args: [targets, values, calldatas, descriptionHash] });
		const state = () => pub.readContract({ ...governor, functionName: 'state', args: [proposalId] });

		await send(proposer, { ...governor, functionName: 'propose', args: [targets, values, calldatas, description] });
		expect(await state()).toBe(ProposalState.Pending);

		await advance(governanceConstant('VOTING_DELAY') + 1n);
		expect(await state()).toBe(ProposalState.Active);
		const snapshot = await pub.readContract({ ...governor, functionName: 'proposalSnapshot', args: [proposalId] });
		const quorum = await pub.readContract({ ...governor, functionName: 'quorum', args: [snapshot] });
		await send(proposer, { ...governor, functionName: 'castVote', args: [proposalId, 1] });
		await send(voter, { ...governor, functionName: 'castVote', args: [proposalId, 1] });
		const [against, forVotes, abstain] = await pub.readContract({ ...governor, functionName: 'proposalVotes', args: [proposalId] });
		expect([against, forVotes, abstain]).toEqual([0n, 3n * threshold, 0n]);
		expect(forVotes).toBeGreaterThanOrEqual(quorum);

		await advance(governanceConstant('VOTING_PERIOD') + 1n);
		expect(await state()).toBe(ProposalState.Succeeded);
		await send(proposer, { ...governor, functionName: 'queue', args: [targets, values, calldatas, descriptionHash] });
		expect(await state()).toBe(ProposalState.Queued);

		const treasury = await pub.readContract({ ...staking, functionName: 'treasury' });
		const bountyBps = await pub.readContract({ ...staking, functionName: 'reporterBountyBps' });
		const treasuryOwedBefore = await pub.readContract({ ...staking, functionName: 'owed', args: [treasury] });
		await advance(governanceConstant('TIMELOCK_MIN_DELAY') + 1n);
		const executor = await fundedAccount(); // anyone may execute a ready operation
		await send(executor, { ...governor, functionName: 'execute', args: [targets, values, calldatas, descriptionHash] });
		expect(await state()).toBe(ProposalState.Executed);

		const stake = await pub.readContract({ ...staking, functionName: 'stakeOf', args: [agent.address] });
		expect(stake.bonded).toBe(bond - amount);
		const bounty = (amount * BigInt(bountyBps)) / BPS;
		expect(await pub.readContract({ ...staking, functionName: 'owed', args: [reporter] })).toBe(bounty);
		expect(await pub.readContract({ ...staking, functionName: 'owed', args: [treasury] })).toBe(treasuryOwedBefore + amount - bounty);
	});
});
