// `npm run bench:gas`: the gas of each user-facing operation, as a real transaction on its own throwaway anvil with the
// contracts deployed by deployAll; every number is a receipt's gasUsed. Prints a table, writes bench/results/gas.json.
// Datanets, batches and inferences are measured in steady state: a warm-up makes the Datanet and batch counters nonzero
// and credits the model owner and treasury once, so each pays only for its own work (registerModel, wrap and propose
// are the chain's first of their kind). `_fresh` keys are first credits to new contributors; `_execution` keys are
// gasUsed less the intrinsic 21,000 + calldata, which is how submitBatch's cost is shown not to depend on its count.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicClient, createTestClient, createWalletClient, encodeFunctionData, http, keccak256, parseEther, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startAnvil } from './chain/anvil.mjs';
import { artifact, deployAll, governanceConstant } from './chain/deploy.mjs';

const root = new URL('..', import.meta.url).pathname;
const BPS = 10_000;

/** The targets the contracts are held to: `max` gas, and for submitBatch_10000 equal execution gas to submitBatch_1. */
const TARGETS = {
	submitBatch_1: { max: 80_000 },
	submitBatch_10000: { max: 80_000, equalsExecutionOf: 'submitBatch_1' },
	claim: { max: 60_000 },
	recordInference_10: { max: 250_000 }
};

/** 32 bytes none of which is zero, so two such values cost the same calldata. */
const nonzeroWord = (seed) => toHex(Uint8Array.from({ length: 32 }, (_, i) => 1 + ((seed * 31 + i * 7) % 255)));

/** Gas a transaction pays before it runs: 21,000 plus 4 per zero and 16 per nonzero calldata byte (Cancun). */
function intrinsicGas(data) {
	let gas = 21_000;
	for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === '00' ? 4 : 16;
	return gas;
}

/** The account whose key is derived from `label`. */
const keyed = (label) => privateKeyToAccount(keccak256(toHex(`ledgerlight bench-gas ${label}`)));

/** Weights in basis points for `n` contributors: equal, the remainder to the first, summing to 10,000. */
function equalWeights(n) {
	const w = Array(n).fill(Math.floor(BPS / n));
	w[0] += BPS - w.reduce((a, b) => a + b, 0);
	return w;
}

async function main() {
	const t0 = Date.now();
	const anvil = await startAnvil();
	try {
		const { rpcUrl } = anvil;
		const { contracts } = await deployAll({ rpcUrl });
		const chain = { id: 31337, name: 'bench', nativeCurrency: { name: 'Open', symbol: 'OPEN', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } };
		const pub = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 20 });
		const test = createTestClient({ mode: 'anvil', chain, transport: http(rpcUrl) });
		const abis = Object.fromEntries(Object.keys(contracts).map((name) => [name, artifact(name).abi]));

		/** A fresh account named `label` holding `open` OPEN (fixed keys keep the calldata, so the gas, the same). */
		const funded = async (label, open = '100') => {
			const account = keyed(label);
			await test.setBalance({ address: account.address, value: parseEther(open) });
			return account;
		};
		/** Sends `contract.functionName(args)` from `account`; returns the receipt, its gas and its execution gas. */
		const send = async (account, contract, functionName, args = [], value = 0n) => {
			const data = encodeFunctionData({ abi: abis[contract], functionName, args });
			const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
			const hash = await wallet.sendTransaction({ to: contracts[contract], data, value });
			const receipt = await pub.waitForTransactionReceipt({ hash });
			if (receipt.status !== 'success') throw new Error(`${contract}.${functionName} reverted (${hash})`);
			const gas = Number(receipt.gasUsed);
			return { receipt, gas, execution: gas - intrinsicGas(data) };
		};
		const read = (contract, functionName, args = []) => pub.readContract({ address: contracts[contract], abi: abis[contract], functionName, args });
		const advance = async (seconds) => {
			await test.increaseTime({ seconds: Number(seconds) });
			await test.mine({ blocks: 1 });
		};
		/** @type {Record<string, number>} */
		const gas = {};

		// Datanets and batches. The warm-up Datanet and batch make the Datanet and batch counters nonzero.
		const owner = await funded('owner');
		const metadata = nonzeroWord(1);
		await send(owner, 'DatanetRegistry', 'createDatanet', [metadata, 0, []]);
		gas.createDatanet = (await send(owner, 'DatanetRegistry', 'createDatanet', [metadata, 1, []])).gas; // Curated, no extra curator
		const datanetId = await read('DatanetRegistry', 'datanetCount');
		gas.publish = (await send(owner, 'DatanetRegistry', 'publish', [datanetId])).gas;
		const manifest = nonzeroWord(2);
		await send(owner, 'DatanetRegistry', 'submitBatch', [datanetId, nonzeroWord(3), 1, manifest]);
		const one = await send(owner, 'DatanetRegistry', 'submitBatch', [datanetId, nonzeroWord(4), 1, manifest]);
		const batchOfOne = await read('DatanetRegistry', 'batchCount');
		const many = await send(owner, 'DatanetRegistry', 'submitBatch', [datanetId, nonzeroWord(5), 10_000, manifest]);
		gas.submitBatch_1 = one.gas;
		gas.submitBatch_10000 = many.gas;
		gas.submitBatch_1_execution = one.execution;
		gas.submitBatch_10000_execution = many.execution;
		gas.approveBatch = (await send(owner, 'DatanetRegistry', 'approveBatch', [batchOfOne])).gas;

		// A model and its inferences. The warm-up inference credits the model owner and the treasury for the first time.
		const modelOwner = await funded('model owner');
		const fee = parseEther('0.01');
		gas.registerModel = (await send(modelOwner, 'ModelRegistry', 'register', [[datanetId], nonzeroWord(6), nonzeroWord(7), nonzeroWord(8), fee])).gas;
		const modelId = await read('ModelRegistry', 'modelCount');
		const payer = await funded('payer', '1000');
		let output = 0;
		const infer = async (addresses) =>
			(await send(payer, 'AttributionLedger', 'recordInference', [modelId, keccak256(toHex(`output ${output++}`)), addresses, equalWeights(addresses.length), 1], fee)).gas;
		await infer([keyed('warm-up contributor').address]);
		const contributorsOf = {};
		for (const n of [1, 10, 50]) {
			contributorsOf[n] = Array.from({ length: n }, (_, i) => keyed(`contributor ${n}.${i}`));
			const addresses = contributorsOf[n].map((a) => a.address);
			gas[`recordInference_${n}_fresh`] = await infer(addresses);
			gas[`recordInference_${n}`] = await infer(addresses); // each already holds a credit
		}

		// A contributor (credited twice above) claims everything it holds.
		const claimer = contributorsOf[10][0];
		await test.setBalance({ address: claimer.address, value: parseEther('1') });
		gas.claim = (await send(claimer, 'AttributionLedger', 'claim')).gas;

		// An agent's first bond.
		const agent = await funded('agent');
		gas.stake = (await send(agent, 'AgentStaking', 'bond', [], parseEther('10'))).gas;

		// Governance: two holders wrap OPEN, one proposes a slash of the agent, both vote once the vote opens.
		const threshold = governanceConstant('PROPOSAL_THRESHOLD');
		const proposer = await funded('proposer', '2000');
		const voter = await funded('voter', '2000');
		gas.wrap = (await send(proposer, 'WOpen', 'deposit', [], threshold)).gas;
		await send(voter, 'WOpen', 'deposit', [], threshold);
		await advance(1n);
		const calldata = encodeFunctionData({ abi: abis.AgentStaking, functionName: 'slash', args: [agent.address, parseEther('1'), nonzeroWord(9), voter.address] });
		const proposal = [[contracts.AgentStaking], [0n], [calldata]];
		const description = 'bench: slash the agent';
		gas.propose = (await send(proposer, 'OpenGovernor', 'propose', [...proposal, description])).gas;
		const proposalId = await read('OpenGovernor', 'hashProposal', [...proposal, keccak256(toHex(description))]);
		await advance(governanceConstant('VOTING_DELAY') + 1n);
		gas.castVote = (await send(proposer, 'OpenGovernor', 'castVote', [proposalId, 1])).gas; // the proposal's first vote
		gas.castVote_second = (await send(voter, 'OpenGovernor', 'castVote', [proposalId, 1])).gas;

		// Targets.
		/** @type {Record<string, boolean>} */
		const ok = {};
		for (const [key, t] of Object.entries(TARGETS)) {
			ok[key] = gas[key] <= t.max && (!t.equalsExecutionOf || gas[`${key}_execution`] === gas[`${t.equalsExecutionOf}_execution`]);
		}
		const targetText = (key) => {
			const t = TARGETS[key];
			if (!t) return '';
			return t.equalsExecutionOf ? `== ${t.equalsExecutionOf} (execution), <= ${t.max}` : `<= ${t.max}`;
		};
		const rows = [['operation', 'gas', 'target', 'ok'], ...Object.entries(gas).map(([key, g]) => [key, String(g), targetText(key), key in ok ? (ok[key] ? 'yes' : 'NO') : ''])];
		const w = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)));
		const client = await pub.request({ method: 'web3_clientVersion' });
		console.log(`\ngas benchmark, ${client}, hardfork cancun\n`);
		for (const [a, b, c, d] of rows) console.log(`${a.padEnd(w[0])}  ${b.padStart(w[1])}  ${c.padEnd(w[2])}  ${d}`);

		const result = { ...gas, targets: TARGETS, ok, node: client, hardfork: 'cancun', date: new Date().toISOString() };
		const out = join(root, 'bench/results');
		mkdirSync(out, { recursive: true });
		writeFileSync(join(out, 'gas.json'), JSON.stringify(result, null, '\t') + '\n');
		console.log(`\nwrote bench/results/gas.json (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
		if (Object.values(ok).includes(false)) {
			console.error('a gas target was missed');
			process.exitCode = 1;
		}
	} finally {
		await anvil.stop();
	}
}

await main();
