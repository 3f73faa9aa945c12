import { describe, expect, it } from 'vitest';
import {
	createPublicClient,
	custom,
	decodeFunctionData,
	encodeAbiParameters,
	encodeEventTopics,
	encodeFunctionResult,
	numberToHex,
	padHex,
	parseEther,
	type Address,
	type EIP1193RequestFn,
	type Hex
} from 'viem';
import { attributionLedgerAbi } from './abi';
import { localChain } from './networks';
import { claimCall, claimOutboxId, formatOpen, joinCredits, parseAddressInput, readRewards, toClaims, type CreditedLog, type InferenceLog } from './rewards';

const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as Address;
const BOB = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as Address;
const LEDGER = '0x00000000000000000000000000000000000000cc' as Address;
const tx = (n: number) => padHex(numberToHex(n), { size: 32 });
const hash = (n: number) => padHex(numberToHex(n + 0xabc0), { size: 32 });

describe('parseAddressInput', () => {
	it('accepts an address in any case that matches its checksum, trimmed, and returns it checksummed', () => {
		expect(parseAddressInput(`  ${ALICE}\n`)).toEqual({ ok: true, address: ALICE });
		expect(parseAddressInput(ALICE.toLowerCase())).toEqual({ ok: true, address: ALICE });
		expect(parseAddressInput(ALICE.toUpperCase().replace('0X', '0x'))).toEqual({ ok: true, address: ALICE });
	});

	it('says what is wrong', () => {
		expect(parseAddressInput('   ')).toMatchObject({ ok: false, empty: true });
		expect(parseAddressInput('0x70997970C51812dc3A010C7d01b50e0d17dc79c8')).toMatchObject({ ok: false, empty: false, message: expect.stringContaining('checksum') });
		expect(parseAddressInput('70997970c51812dc3a010c7d01b50e0d17dc79c8')).toMatchObject({ ok: false, message: expect.stringContaining('starts with 0x') });
		expect(parseAddressInput('0x7099')).toMatchObject({ ok: false, message: expect.stringContaining('this one has 4') });
		expect(parseAddressInput(`${ALICE}00`)).toMatchObject({ ok: false, message: expect.stringContaining('this one has 42') });
		expect(parseAddressInput('0x70997970c51812dc3a010c7d01b50e0d17dc79zz')).toMatchObject({ ok: false, message: expect.stringContaining('Only hex digits') });
		expect(parseAddressInput('alice.eth')).toMatchObject({ ok: false, message: expect.stringContaining('starts with 0x') });
	});
});

describe('formatOpen', () => {
	it('shows at most four decimals, rounded down, with thousands separators', () => {
		expect(formatOpen(0n)).toBe('0');
		expect(formatOpen(parseEther('1'))).toBe('1');
		expect(formatOpen(parseEther('0.0455'))).toBe('0.0455');
		expect(formatOpen(parseEther('0.04559'))).toBe('0.0455');
		expect(formatOpen(parseEther('1234567.5'))).toBe('1,234,567.5');
		expect(formatOpen(parseEther('2.5'), 2)).toBe('2.5');
	});

	it('never shows a nonzero balance as 0', () => {
		expect(formatOpen(1n)).toBe('< 0.0001');
		expect(formatOpen(parseEther('0.001'), 2)).toBe('< 0.01');
		expect(formatOpen(parseEther('0.00009999'))).toBe('< 0.0001');
	});
});

describe('claims', () => {
	it('claims for yourself with claim() and for someone else with claimFor(account)', () => {
		const self = claimCall({ account: ALICE, sender: ALICE.toLowerCase() as Address });
		expect(self).toMatchObject({ functionName: 'claim', forSelf: true });
		expect(decodeFunctionData({ abi: attributionLedgerAbi, data: self.data })).toEqual({ functionName: 'claim', args: undefined });
		const other = claimCall({ account: ALICE, sender: BOB });
		expect(other).toMatchObject({ functionName: 'claimFor', forSelf: false });
		expect(decodeFunctionData({ abi: attributionLedgerAbi, data: other.data })).toEqual({ functionName: 'claimFor', args: [ALICE] });
	});

	it('keys a claim by chain, account (in any case) and credited total', () => {
		const id = claimOutboxId({ chainId: 31337, account: ALICE, credited: 45n });
		expect(id).toBe(`claim:31337:${ALICE.toLowerCase()}:45`);
		expect(claimOutboxId({ chainId: 31337, account: ALICE.toLowerCase() as Address, credited: 45n })).toBe(id);
		expect(claimOutboxId({ chainId: 31337, account: ALICE, credited: 46n })).not.toBe(id);
	});
});

const inference = (block: number, logIndex: number, modelId: bigint, output: number, txn = tx(block)): InferenceLog => ({
	blockNumber: BigInt(block), logIndex, transactionHash: txn, args: { modelId, outputHash: hash(output), payer: BOB, value: 100n, methodId: 1 }
});
const credit = (block: number, logIndex: number, modelId: bigint, amount: bigint, txn = tx(block)): CreditedLog => ({
	blockNumber: BigInt(block), logIndex, transactionHash: txn, args: { account: ALICE, modelId, amount }
});

describe('joinCredits', () => {
	it('pairs each credit with its inference and sorts newest first', () => {
		const items = joinCredits(
			[credit(5, 1, 1n, 30n), credit(9, 3, 2n, 40n)],
			[inference(5, 0, 1n, 1), inference(7, 0, 1n, 2), inference(9, 2, 2n, 3)]
		);
		expect(items.map((i) => [i.blockNumber, i.amount, i.modelId, i.inference?.outputHash])).toEqual([
			[9n, 40n, 2n, hash(3)],
			[5n, 30n, 1n, hash(1)]
		]);
		expect(items[0].inference).toEqual({ outputHash: hash(3), payer: BOB, value: 100n, methodId: 1 });
	});

	it('in a transaction with several inferences, takes the same model logged last before the credit', () => {
		const t = tx(77);
		const items = joinCredits(
			[credit(8, 1, 1n, 10n, t), credit(8, 5, 1n, 20n, t), credit(8, 7, 3n, 30n, t)],
			[inference(8, 0, 1n, 10, t), inference(8, 4, 1n, 11, t), inference(8, 6, 3n, 12, t)]
		);
		expect(items.map((i) => [i.logIndex, i.inference?.outputHash])).toEqual([[7, hash(12)], [5, hash(11)], [1, hash(10)]]);
	});

	it('keeps credits no inference paid (a revoked root refund) with inference null', () => {
		const [item] = joinCredits([credit(4, 0, 0n, 5n)], [inference(3, 0, 1n, 1)]);
		expect(item).toMatchObject({ modelId: 0n, amount: 5n, inference: null });
	});

	it('sorts claims newest first and skips undecodable logs', () => {
		const claims = toClaims([
			{ blockNumber: 3n, logIndex: 0, transactionHash: tx(3), args: { account: ALICE, caller: ALICE, amount: 7n } },
			{ blockNumber: 12n, logIndex: 2, transactionHash: tx(12), args: { account: ALICE, caller: BOB, amount: 9n } },
			{ blockNumber: 13n, logIndex: 0, transactionHash: tx(13), args: {} }
		]);
		expect(claims.map((c) => [c.blockNumber, c.caller, c.amount])).toEqual([[12n, BOB, 9n], [3n, ALICE, 7n]]);
	});
});

type FakeLog = { block: bigint; logIndex: number; tx: Hex; topics: Hex[]; data: Hex };

/** A node serving a ledger's views (at the block asked) and its logs, filtered by topics as a node does. */
function fakeLedgerNode(head: bigint, logs: FakeLog[], balances: { credited: bigint; claimed: bigint }) {
	const calls: { fn: string; block: string }[] = [];
	const request = (async ({ method, params }: { method: string; params: unknown[] }) => {
		if (method === 'eth_chainId') return numberToHex(31337);
		if (method === 'eth_blockNumber') return numberToHex(head);
		if (method === 'eth_call') {
			const [{ data }, block] = params as [{ data: Hex }, string];
			const { functionName } = decodeFunctionData({ abi: attributionLedgerAbi, data });
			calls.push({ fn: functionName, block });
			if (functionName === 'claimable')
				return encodeFunctionResult({ abi: attributionLedgerAbi, functionName, result: balances.credited - balances.claimed });
			if (functionName === 'balances')
				return encodeFunctionResult({ abi: attributionLedgerAbi, functionName, result: [balances.credited, balances.claimed] });
		}
		if (method !== 'eth_getLogs') throw new Error(`unexpected ${method}`);
		const [filter] = params as [{ fromBlock: Hex; toBlock: Hex; topics: (Hex | null)[] }];
		const from = BigInt(filter.fromBlock), to = BigInt(filter.toBlock);
		return logs
			.filter((l) => l.block >= from && l.block <= to && filter.topics.every((t, i) => t === null || t === undefined || l.topics[i] === t))
			.map((l) => ({
				address: LEDGER, topics: l.topics, data: l.data, blockNumber: numberToHex(l.block), blockHash: padHex(numberToHex(l.block), { size: 32 }),
				transactionHash: l.tx, transactionIndex: '0x0', logIndex: numberToHex(l.logIndex), removed: false
			}));
	}) as unknown as EIP1193RequestFn;
	return { client: createPublicClient({ chain: localChain('http://127.0.0.1:1'), transport: custom({ request }, { retryCount: 0 }) }), calls };
}

describe('readRewards', () => {
	it("reads the account's totals and history at one block, over ranges of at most 1,000 blocks", async () => {
		const creditedLog = (block: bigint, logIndex: number, account: Address, modelId: bigint, amount: bigint): FakeLog => ({
			block, logIndex, tx: tx(Number(block)),
			topics: encodeEventTopics({ abi: attributionLedgerAbi, eventName: 'Credited', args: { account, modelId } }) as Hex[],
			data: encodeAbiParameters([{ type: 'uint256' }], [amount])
		});
		const inferenceLog = (block: bigint, modelId: bigint, output: number): FakeLog => ({
			block, logIndex: 0, tx: tx(Number(block)),
			topics: encodeEventTopics({ abi: attributionLedgerAbi, eventName: 'InferenceRecorded', args: { modelId, outputHash: hash(output), payer: BOB } }) as Hex[],
			data: encodeAbiParameters([{ type: 'uint256' }, { type: 'uint8' }], [100n, 1])
		});
		const claimedLog = (block: bigint, account: Address, caller: Address, amount: bigint): FakeLog => ({
			block, logIndex: 0, tx: tx(Number(block)),
			topics: encodeEventTopics({ abi: attributionLedgerAbi, eventName: 'Claimed', args: { account, caller } }) as Hex[],
			data: encodeAbiParameters([{ type: 'uint256' }], [amount])
		});
		const node = fakeLedgerNode(
			2600n,
			[
				inferenceLog(20n, 1n, 1), creditedLog(20n, 1, ALICE, 1n, 60n), creditedLog(20n, 2, BOB, 1n, 40n),
				claimedLog(1500n, ALICE, BOB, 60n),
				inferenceLog(2400n, 2n, 2), creditedLog(2400n, 1, ALICE, 2n, 25n)
			],
			{ credited: 85n, claimed: 60n }
		);
		const progress: number[] = [];
		const rewards = await readRewards(node.client, { ledger: LEDGER, account: ALICE, fromBlock: 10n, onProgress: (f) => progress.push(f) });
		expect(rewards).toMatchObject({ account: ALICE, atBlock: 2600n, claimable: 25n, credited: 85n, claimed: 60n });
		expect(rewards.credits.map((c) => [c.blockNumber, c.amount, c.inference?.outputHash])).toEqual([[2400n, 25n, hash(2)], [20n, 60n, hash(1)]]);
		expect(rewards.claims).toEqual([{ blockNumber: 1500n, logIndex: 0, transactionHash: tx(1500), amount: 60n, caller: BOB }]);
		expect(node.calls.map((c) => c.block)).toEqual([numberToHex(2600n), numberToHex(2600n)]);
		expect(progress.at(-1)).toBe(1);
	});
});
