import { describe, expect, it } from 'vitest';
import {
	createPublicClient,
	custom,
	decodeFunctionData,
	encodeAbiParameters,
	encodeEventTopics,
	encodeFunctionData,
	encodeFunctionResult,
	getAddress,
	numberToHex,
	padHex,
	parseEther,
	type Address,
	type EIP1193RequestFn,
	type Hex
} from 'viem';
import { agentStakingAbi, openGovernorAbi, wOpenAbi } from './abi';
import {
	amountActionCall,
	amountActionId,
	decodeProposalCall,
	describeCall,
	formatCallArgument,
	formatDuration,
	parseAmountInput,
	proposalStateName,
	readPosition,
	readProposals,
	stakeWithdrawCall,
	stakeWithdrawId,
	tallyShares,
	toProposals,
	voteCall,
	voteChoiceName,
	voteOutboxId,
	type ProposalCreatedLog
} from './governance';
import { localChain, type ContractAddresses } from './networks';

const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as Address;
const BOB = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as Address;
const address = (n: number) => getAddress(padHex(numberToHex(n), { size: 20 }));
const CONTRACTS: ContractAddresses = {
	DatanetRegistry: address(0xa1),
	ModelRegistry: address(0xa2),
	AttributionLedger: address(0xa3),
	WOpen: address(0xa4),
	OpenGovernor: address(0xa5),
	TimelockController: address(0xa6),
	AgentStaking: address(0xa7)
};
const tx = (n: number) => padHex(numberToHex(n), { size: 32 });
const EVIDENCE = padHex('0xe1', { size: 32 });

describe('parseAmountInput', () => {
	const balance = { max: parseEther('10'), what: 'your OPEN balance' };

	it('reads whole and decimal amounts as wei', () => {
		expect(parseAmountInput(' 5 ', balance)).toEqual({ ok: true, wei: parseEther('5') });
		expect(parseAmountInput('0.5', balance)).toEqual({ ok: true, wei: parseEther('0.5') });
		expect(parseAmountInput('.25', balance)).toEqual({ ok: true, wei: parseEther('0.25') });
		expect(parseAmountInput('2.', balance)).toEqual({ ok: true, wei: parseEther('2') });
		expect(parseAmountInput('10', balance)).toEqual({ ok: true, wei: parseEther('10') });
		expect(parseAmountInput('0.000000000000000001', balance)).toEqual({ ok: true, wei: 1n });
	});

	it('says what is wrong: empty, not a number, zero, too precise, more than the balance', () => {
		expect(parseAmountInput('  ', balance)).toMatchObject({ ok: false, empty: true, message: 'Enter an amount of OPEN.' });
		expect(parseAmountInput('abc', balance)).toMatchObject({ ok: false, empty: false, message: expect.stringContaining('Not an amount') });
		expect(parseAmountInput('1.2.3', balance)).toMatchObject({ ok: false, message: expect.stringContaining('Not an amount') });
		expect(parseAmountInput('-1', balance)).toMatchObject({ ok: false, message: expect.stringContaining('Not an amount') });
		expect(parseAmountInput('1e3', balance)).toMatchObject({ ok: false, message: expect.stringContaining('Not an amount') });
		expect(parseAmountInput('1,5', balance)).toMatchObject({ ok: false, message: expect.stringContaining('Use a dot for decimals') });
		expect(parseAmountInput('0', balance)).toMatchObject({ ok: false, message: 'Enter an amount above 0.' });
		expect(parseAmountInput('0.000', balance)).toMatchObject({ ok: false, message: 'Enter an amount above 0.' });
		expect(parseAmountInput('0.0000000000000000001', balance)).toMatchObject({ ok: false, message: 'OPEN has at most 18 decimals.' });
		expect(parseAmountInput('10.5', balance)).toMatchObject({ ok: false, message: 'That is more than your OPEN balance (10 OPEN).' });
		expect(parseAmountInput('1', { max: 0n, what: 'your bond', unit: 'WOPEN' })).toMatchObject({
			ok: false,
			message: 'That is more than your bond (0 WOPEN).'
		});
	});

	it('keeps the gas reserve out of what native OPEN actions may spend', () => {
		const withReserve = { ...balance, reserve: parseEther('0.01') };
		expect(parseAmountInput('9.99', withReserve)).toEqual({ ok: true, wei: parseEther('9.99') });
		expect(parseAmountInput('10', withReserve)).toMatchObject({ ok: false, message: 'Keep 0.01 OPEN for gas: use at most 9.99 OPEN.' });
		expect(parseAmountInput('0.001', { max: parseEther('0.005'), what: 'your OPEN balance', reserve: parseEther('0.01') })).toMatchObject({
			ok: false,
			message: 'Keep 0.01 OPEN for gas: use at most 0 OPEN.'
		});
	});
});

describe('outbox ids and calls', () => {
	it('keys amount writes by kind, chain, account (any case), amount and nonce', () => {
		const id = amountActionId({ kind: 'wrap', chainId: 31337, account: ALICE, amount: 5n, nonce: 3 });
		expect(id).toBe(`wrap:31337:${ALICE.toLowerCase()}:5:3`);
		expect(amountActionId({ kind: 'wrap', chainId: 31337, account: ALICE.toLowerCase() as Address, amount: 5n, nonce: 3 })).toBe(id);
		expect(amountActionId({ kind: 'wrap', chainId: 31337, account: ALICE, amount: 5n, nonce: 4 })).not.toBe(id);
		expect(amountActionId({ kind: 'unwrap', chainId: 31337, account: ALICE, amount: 5n, nonce: 3 })).not.toBe(id);
	});

	it('keys a stake withdrawal by the funds it takes and a vote by proposal and account only', () => {
		expect(stakeWithdrawId({ chainId: 1, account: ALICE, unbonding: 7n, readyAt: 99n })).toBe(`stake-withdraw:1:${ALICE.toLowerCase()}:7:99`);
		expect(voteOutboxId({ chainId: 1, proposalId: 12345678901234567890n, account: ALICE })).toBe(`vote:1:12345678901234567890:${ALICE.toLowerCase()}`);
	});

	it('encodes wrap and bond as payable calls, unwrap and unbond with the amount as argument', () => {
		const amount = parseEther('2');
		const wrap = amountActionCall({ kind: 'wrap', amount, contracts: CONTRACTS });
		expect(wrap).toMatchObject({ to: CONTRACTS.WOpen, value: amount });
		expect(decodeFunctionData({ abi: wOpenAbi, data: wrap.data })).toEqual({ functionName: 'deposit', args: undefined });
		const unwrap = amountActionCall({ kind: 'unwrap', amount, contracts: CONTRACTS });
		expect(unwrap).toMatchObject({ to: CONTRACTS.WOpen, value: 0n });
		expect(decodeFunctionData({ abi: wOpenAbi, data: unwrap.data })).toEqual({ functionName: 'withdraw', args: [amount] });
		const bond = amountActionCall({ kind: 'bond', amount, contracts: CONTRACTS });
		expect(bond).toMatchObject({ to: CONTRACTS.AgentStaking, value: amount });
		expect(decodeFunctionData({ abi: agentStakingAbi, data: bond.data })).toEqual({ functionName: 'bond', args: undefined });
		const unbond = amountActionCall({ kind: 'unbond', amount, contracts: CONTRACTS });
		expect(decodeFunctionData({ abi: agentStakingAbi, data: unbond.data })).toEqual({ functionName: 'requestUnbond', args: [amount] });
		expect(decodeFunctionData({ abi: agentStakingAbi, data: stakeWithdrawCall(CONTRACTS.AgentStaking).data }).functionName).toBe('withdraw');
	});

	it('casts votes with GovernorCountingSimple numbers', () => {
		const call = voteCall({ governor: CONTRACTS.OpenGovernor, proposalId: 9n, choice: 'Abstain' });
		expect(decodeFunctionData({ abi: openGovernorAbi, data: call.data })).toEqual({ functionName: 'castVote', args: [9n, 2] });
		expect(voteChoiceName(0)).toBe('Against');
		expect(voteChoiceName(1)).toBe('For');
		expect(voteChoiceName(7)).toBeNull();
	});
});

describe('proposals', () => {
	it('names every proposal state', () => {
		expect([0, 1, 2, 3, 4, 5, 6, 7].map(proposalStateName)).toEqual(['Pending', 'Active', 'Canceled', 'Defeated', 'Succeeded', 'Queued', 'Expired', 'Executed']);
		expect(() => proposalStateName(8)).toThrow(RangeError);
	});

	it('decodes a call to a Ledgerlight contract with its ABI and says when it cannot', () => {
		const data = encodeFunctionData({ abi: agentStakingAbi, functionName: 'slash', args: [ALICE, parseEther('1.5'), EVIDENCE, BOB] });
		const call = decodeProposalCall({ target: CONTRACTS.AgentStaking.toUpperCase().replace('0X', '0x') as Address, value: 0n, data }, CONTRACTS);
		expect(call).toMatchObject({ contract: 'AgentStaking', functionName: 'slash', target: CONTRACTS.AgentStaking });
		expect(call.args.map((a) => [a.name, a.type])).toEqual([['agent', 'address'], ['amount', 'uint256'], ['evidenceHash', 'bytes32'], ['reporter', 'address']]);
		expect(describeCall(call)).toBe(`AgentStaking.slash(agent: ${ALICE}, amount: 1.5 OPEN, evidenceHash: ${EVIDENCE}, reporter: ${BOB})`);

		const bounty = decodeProposalCall({ target: CONTRACTS.AgentStaking, value: 0n, data: encodeFunctionData({ abi: agentStakingAbi, functionName: 'setReporterBounty', args: [750] }) }, CONTRACTS);
		expect(describeCall(bounty)).toBe('AgentStaking.setReporterBounty(bountyBps: 750 bps (7.5%))');
		const outside = decodeProposalCall({ target: BOB, value: 1n, data: '0x12345678' }, CONTRACTS);
		expect(outside).toMatchObject({ contract: null, functionName: null, args: [] });
		expect(describeCall(outside)).toContain('not a Ledgerlight contract');
		const unknown = decodeProposalCall({ target: CONTRACTS.WOpen, value: 0n, data: '0xdeadbeef' }, CONTRACTS);
		expect(describeCall(unknown)).toBe('WOpen: an unknown function 0xdeadbeef');
		expect(formatCallArgument({ name: 'cooldown', type: 'uint64', value: 86_400n })).toBe('86400');
		expect(formatCallArgument({ name: 'ids', type: 'uint256[]', value: [1n, 2n] })).toBe('["1","2"]');
	});

	it('turns ProposalCreated logs into proposals, newest first, with a title from the first line', () => {
		const log = (block: bigint, logIndex: number, id: bigint, description: string): ProposalCreatedLog => ({
			blockNumber: block, logIndex, transactionHash: tx(Number(block)),
			args: { proposalId: id, proposer: ALICE, targets: [CONTRACTS.AgentStaking], values: [0n], calldatas: [stakeWithdrawCall(CONTRACTS.AgentStaking).data], voteStart: 10n, voteEnd: 20n, description }
		});
		const items = toProposals([log(5n, 0, 1n, '# Slash agent X\n\nIt answered wrongly.'), log(9n, 1, 2n, 'One line'), log(9n, 3, 3n, ''), { ...log(4n, 0, 4n, 'x'), args: {} }], CONTRACTS);
		expect(items.map((p) => [p.id, p.title, p.body])).toEqual([[3n, 'Proposal 3', ''], [2n, 'One line', ''], [1n, 'Slash agent X', 'It answered wrongly.']]);
		expect(items[2].calls[0]).toMatchObject({ contract: 'AgentStaking', functionName: 'withdraw' });
	});

	it('gives each choice its share of the votes cast', () => {
		expect(tallyShares({ for: 3n, against: 1n, abstain: 0n })).toEqual({ for: 75, against: 25, abstain: 0, total: 4n });
		expect(tallyShares({ for: 1n, against: 1n, abstain: 1n })).toEqual({ for: 33.3, against: 33.3, abstain: 33.3, total: 3n });
		expect(tallyShares({ for: 0n, against: 0n, abstain: 0n })).toEqual({ for: 0, against: 0, abstain: 0, total: 0n });
	});

	it('says a time span in words', () => {
		expect(formatDuration(0)).toBe('less than a minute');
		expect(formatDuration(59n)).toBe('less than a minute');
		expect(formatDuration(60)).toBe('1 min');
		expect(formatDuration(3_600 * 2 + 300)).toBe('2 h 5 min');
		expect(formatDuration(3_600)).toBe('1 h');
		expect(formatDuration(86_400)).toBe('1 day');
		expect(formatDuration(86_400 * 13 + 3_600 * 23 + 59)).toBe('13 days 23 h');
		expect(formatDuration(-5)).toBe('less than a minute');
	});
});

type FakeLog = { block: bigint; logIndex: number; topics: Hex[]; data: Hex };

/** A node that answers view calls through `views` (by function name) and serves `logs`, filtered as a node does. */
function fakeNode(head: bigint, timestamp: bigint, views: (fn: string, args: readonly unknown[], to: Address) => unknown, logs: FakeLog[] = []) {
	const calls: { fn: string; block: string }[] = [];
	const ranges: [bigint, bigint][] = [];
	const abis = [openGovernorAbi, wOpenAbi, agentStakingAbi] as const;
	const request = (async ({ method, params }: { method: string; params: unknown[] }) => {
		if (method === 'eth_chainId') return numberToHex(31337);
		if (method === 'eth_blockNumber') return numberToHex(head);
		if (method === 'eth_getBlockByNumber')
			return { number: numberToHex(head), timestamp: numberToHex(timestamp), hash: padHex('0xb1', { size: 32 }), parentHash: padHex('0x0', { size: 32 }), transactions: [], logsBloom: null };
		if (method === 'eth_getBalance') return numberToHex(parseEther('7'));
		if (method === 'eth_getTransactionCount') return numberToHex(4);
		if (method === 'eth_call') {
			const [{ data, to }, block] = params as [{ data: Hex; to: Address }, string];
			const is = (a: Address) => to.toLowerCase() === a.toLowerCase();
			const abi = is(CONTRACTS.OpenGovernor) ? abis[0] : is(CONTRACTS.WOpen) ? abis[1] : abis[2];
			const { functionName, args = [] } = decodeFunctionData({ abi, data });
			calls.push({ fn: functionName, block });
			return encodeFunctionResult({ abi, functionName, result: views(functionName, args, to) } as never);
		}
		if (method !== 'eth_getLogs') throw new Error(`unexpected ${method}`);
		const [filter] = params as [{ fromBlock: Hex; toBlock: Hex; topics: (Hex | null)[] }];
		const from = BigInt(filter.fromBlock), to = BigInt(filter.toBlock);
		ranges.push([from, to]);
		return logs
			.filter((l) => l.block >= from && l.block <= to && filter.topics.every((t, i) => t === null || t === undefined || l.topics[i] === t))
			.map((l) => ({
				address: CONTRACTS.OpenGovernor, topics: l.topics, data: l.data, blockNumber: numberToHex(l.block), blockHash: padHex(numberToHex(l.block), { size: 32 }),
				transactionHash: tx(Number(l.block)), transactionIndex: '0x0', logIndex: numberToHex(l.logIndex), removed: false
			}));
	}) as unknown as EIP1193RequestFn;
	return { client: createPublicClient({ chain: localChain('http://127.0.0.1:1'), transport: custom({ request }, { retryCount: 0 }) }), calls, ranges };
}

describe('readPosition', () => {
	it("reads the account's balances, votes, delegate and stake at one block", async () => {
		const node = fakeNode(50n, 1_000n, (fn) => {
			switch (fn) {
				case 'balanceOf': return parseEther('5');
				case 'getVotes': return parseEther('5');
				case 'delegates': return ALICE;
				case 'stakeOf': return { bonded: parseEther('2'), unbonding: parseEther('1'), unbondReadyAt: 2_000n };
				case 'slashCap': return parseEther('1.5');
				case 'MAX_SLASH_BPS': return 5_000;
				case 'cooldown': return 14n * 86_400n;
				case 'reporterBountyBps': return 500;
			}
		});
		const position = await readPosition(node.client, { contracts: CONTRACTS, account: ALICE });
		expect(position).toEqual({
			account: ALICE, atBlock: 50n, now: 1_000n, nonce: 4, balance: parseEther('7'), wrapped: parseEther('5'), votes: parseEther('5'), delegate: ALICE,
			stake: { bonded: parseEther('2'), unbonding: parseEther('1'), unbondReadyAt: 2_000n }, slashCap: parseEther('1.5'), maxSlashBps: 5_000, cooldown: 1_209_600n, reporterBountyBps: 500
		});
		expect(new Set(node.calls.map((c) => c.block))).toEqual(new Set([numberToHex(50n)]));
	});
});

describe('readProposals', () => {
	const created = (block: bigint, id: bigint, voteStart: bigint, voteEnd: bigint, description: string): FakeLog => ({
		block, logIndex: 0,
		topics: encodeEventTopics({ abi: openGovernorAbi, eventName: 'ProposalCreated' }) as Hex[],
		data: encodeAbiParameters(
			openGovernorAbi.find((i) => i.type === 'event' && i.name === 'ProposalCreated')!.inputs,
			[id, BOB, [CONTRACTS.AgentStaking], [0n], [''], [encodeFunctionData({ abi: agentStakingAbi, functionName: 'slash', args: [ALICE, 1n, EVIDENCE, BOB] })], voteStart, voteEnd, description]
		)
	});
	const voteCast = (block: bigint, id: bigint, support: number, weight: bigint): FakeLog => ({
		block, logIndex: 1,
		topics: encodeEventTopics({ abi: openGovernorAbi, eventName: 'VoteCast', args: { voter: ALICE } }) as Hex[],
		data: encodeAbiParameters([{ type: 'uint256' }, { type: 'uint8' }, { type: 'uint256' }, { type: 'string' }], [id, support, weight, ''])
	});

	it('reads proposals with state, tally, quorum and the account’s vote, over ranges of at most 1,000 blocks', async () => {
		const node = fakeNode(
			2_500n,
			10_000n,
			(fn, args) => {
				const id = args[0] as bigint;
				switch (fn) {
					case 'state': return id === 1n ? 1 : 0;
					case 'proposalVotes': return id === 1n ? [0n, parseEther('5'), 0n] : [0n, 0n, 0n];
					case 'quorum': return parseEther('40');
					case 'getVotes': return parseEther('5');
					case 'hasVoted': return id === 1n;
					case 'proposalThreshold': return parseEther('1000');
					case 'votingDelay': return 86_400n;
				}
			},
			[created(100n, 1n, 9_000n, 20_000n, '# Slash agent\nBad answers.'), voteCast(1_800n, 1n, 1, parseEther('5')), created(2_400n, 2n, 11_000n, 30_000n, 'Later')]
		);
		const progress: number[] = [];
		const result = await readProposals(node.client, { contracts: CONTRACTS, account: ALICE, fromBlock: 10n, onProgress: (f) => progress.push(f) });
		expect(result).toMatchObject({ account: ALICE, atBlock: 2_500n, now: 10_000n, proposalThreshold: parseEther('1000'), votingDelay: 86_400n });
		const [later, first] = result.proposals;
		expect(later).toMatchObject({ id: 2n, title: 'Later', state: 'Pending', quorum: null, votingPower: null, vote: { hasVoted: false, choice: null, weight: null } });
		expect(first).toMatchObject({
			id: 1n, title: 'Slash agent', body: 'Bad answers.', proposer: BOB, state: 'Active', voteStart: 9_000n, voteEnd: 20_000n,
			tally: { against: 0n, for: parseEther('5'), abstain: 0n }, quorum: parseEther('40'), votingPower: parseEther('5'),
			vote: { hasVoted: true, choice: 'For', weight: parseEther('5') }
		});
		expect(describeCall(first.calls[0])).toContain('AgentStaking.slash(agent: ');
		// Before a proposal's snapshot neither its quorum nor the account's votes at it can be read.
		expect(node.calls.filter((c) => c.fn === 'quorum' || c.fn === 'getVotes')).toHaveLength(2);
		expect(new Set(node.calls.map((c) => c.block))).toEqual(new Set([numberToHex(2_500n)]));
		expect(node.ranges.every(([from, to]) => to - from < 1_000n)).toBe(true);
		expect(progress.at(-1)).toBe(1);
	});

	it('reads the proposals alone without an account', async () => {
		const node = fakeNode(20n, 10_000n, (fn) => (fn === 'state' ? 3 : fn === 'quorum' || fn === 'proposalThreshold' || fn === 'votingDelay' ? 0n : [1n, 0n, 0n]), [created(15n, 7n, 100n, 200n, 'Old')]);
		const { proposals } = await readProposals(node.client, { contracts: CONTRACTS, account: null, fromBlock: 0n });
		expect(proposals).toMatchObject([{ id: 7n, state: 'Defeated', vote: null, votingPower: null, tally: { against: 1n } }]);
		expect(node.calls.some((c) => c.fn === 'hasVoted' || c.fn === 'getVotes')).toBe(false);
	});
});
