// Staking and voting for one account: its OPEN, WOPEN and votes, its AgentStaking stake, and OpenGovernor's proposals
// with their tallies, the account's vote and the calls each would make, decoded where they target Ledgerlight contracts.
// Every time here is the chain's (block timestamps), never the device's: the Governor's clock is timestamps, and a test
// chain's clock can run days ahead. The amount checks and outbox ids live here too, so the page only wires them up.
import {
	decodeFunctionData,
	encodeFunctionData,
	getAddress,
	parseEther,
	type Abi,
	type AbiParameter,
	type Address,
	type Chain,
	type Hex,
	type PublicClient,
	type Transport
} from 'viem';
import { getBalance, getBlock, getTransactionCount, readContract } from 'viem/actions';
import { agentStakingAbi, ledgerlightAbis, openGovernorAbi, wOpenAbi } from './abi';
import { toChainError } from './errors';
import { getEventsInRanges, type LogCache } from './events';
import type { ContractAddresses, ContractName } from './networks';
import { formatOpen, UNCACHED_RECENT_BLOCKS } from './rewards';

/** OpenGovernor's proposal states, indexed as IGovernor.ProposalState numbers them. */
export const PROPOSAL_STATES = ['Pending', 'Active', 'Canceled', 'Defeated', 'Succeeded', 'Queued', 'Expired', 'Executed'] as const;
export type ProposalStateName = (typeof PROPOSAL_STATES)[number];

/** The word for a proposal state number; throws on a number the Governor does not have. */
export function proposalStateName(state: number): ProposalStateName {
	const name = PROPOSAL_STATES[state];
	if (name === undefined) throw new RangeError(`proposalStateName: unknown proposal state ${state}`);
	return name;
}

/** The vote choices, numbered as GovernorCountingSimple counts them. */
export const VOTE_SUPPORT = { Against: 0, For: 1, Abstain: 2 } as const;
export type VoteChoice = keyof typeof VOTE_SUPPORT;

/** The choice a support number stands for, or null for one GovernorCountingSimple does not count. */
export function voteChoiceName(support: number): VoteChoice | null {
	return (Object.keys(VOTE_SUPPORT) as VoteChoice[]).find((c) => VOTE_SUPPORT[c] === support) ?? null;
}

/** What an amount field holds: wei, or why the text is not an amount to use (`empty` when nothing was typed). */
export type AmountInput = { ok: true; wei: bigint } | { ok: false; empty: boolean; message: string };

export type ParseAmountParameters = {
	/** The most the action may take (a balance or the bond). */
	max: bigint;
	/** What `max` is, as the message names it: "your OPEN balance". */
	what: string;
	/** The token the amount is in. */
	unit?: 'OPEN' | 'WOPEN';
	/** Left untouched for gas, for actions that spend native OPEN. */
	reserve?: bigint;
};

/** Reads a typed amount ("2", "0.5", ".25") as wei, with a message that says what is wrong when it cannot be used. */
export function parseAmountInput(input: string, params: ParseAmountParameters): AmountInput {
	const { max, what, unit = 'OPEN', reserve = 0n } = params;
	const text = input.trim();
	if (!text) return { ok: false, empty: true, message: `Enter an amount of ${unit}.` };
	const fail = (message: string): AmountInput => ({ ok: false, empty: false, message });
	if (text.includes(',')) return fail('Use a dot for decimals and no thousands separators, like 1000.5.');
	if (!/^(\d+\.?\d*|\.\d+)$/.test(text)) return fail('Not an amount: use digits and at most one dot, like 2.5.');
	if ((text.split('.')[1] ?? '').length > 18) return fail(`${unit} has at most 18 decimals.`);
	const wei = parseEther(text);
	if (wei === 0n) return fail('Enter an amount above 0.');
	if (wei > max) return fail(`That is more than ${what} (${formatOpen(max)} ${unit}).`);
	const usable = max > reserve ? max - reserve : 0n;
	if (wei > usable) return fail(`Keep ${formatOpen(reserve)} OPEN for gas: use at most ${formatOpen(usable)} ${unit}.`);
	return { ok: true, wei };
}

/** OPEN the wrap and bond forms leave in the account for gas (an L2 write costs far less). */
export const GAS_RESERVE = parseEther('0.001');

/** The writes that move an amount: wrap and unwrap on WOpen, bond and request an unbond on AgentStaking. */
export type AmountActionKind = 'wrap' | 'unwrap' | 'bond' | 'unbond';

/** A chain write as the outbox takes it. */
export type GovernanceCall = { to: Address; data: Hex; value: bigint };

/** The outbox id of an amount write. It is the same action when it is the same amount from the same account at the
 * same transaction count (nonce): a double click or a second tab adds nothing, while any confirmed write from the
 * account moves the count on, so wrapping the same amount again afterwards is a new action. */
export function amountActionId(params: { kind: AmountActionKind; chainId: number; account: Address; amount: bigint; nonce: number }): string {
	return `${params.kind}:${params.chainId}:${params.account.toLowerCase()}:${params.amount}:${params.nonce}`;
}

/** The call of an amount write: WOpen.deposit (paying the amount), WOpen.withdraw, AgentStaking.bond (paying the
 * amount) or AgentStaking.requestUnbond. */
export function amountActionCall(params: { kind: AmountActionKind; amount: bigint; contracts: Pick<ContractAddresses, 'WOpen' | 'AgentStaking'> }): GovernanceCall {
	const { kind, amount, contracts } = params;
	switch (kind) {
		case 'wrap':
			return { to: contracts.WOpen, data: encodeFunctionData({ abi: wOpenAbi, functionName: 'deposit' }), value: amount };
		case 'unwrap':
			return { to: contracts.WOpen, data: encodeFunctionData({ abi: wOpenAbi, functionName: 'withdraw', args: [amount] }), value: 0n };
		case 'bond':
			return { to: contracts.AgentStaking, data: encodeFunctionData({ abi: agentStakingAbi, functionName: 'bond' }), value: amount };
		case 'unbond':
			return { to: contracts.AgentStaking, data: encodeFunctionData({ abi: agentStakingAbi, functionName: 'requestUnbond', args: [amount] }), value: 0n };
	}
}

/** The outbox id of a stake withdrawal: withdraw takes all the unbonding funds, so it is the same action for the same
 * unbonding amount and ready time (a later unbond request changes both). */
export function stakeWithdrawId(params: { chainId: number; account: Address; unbonding: bigint; readyAt: bigint }): string {
	return `stake-withdraw:${params.chainId}:${params.account.toLowerCase()}:${params.unbonding}:${params.readyAt}`;
}

/** The call that withdraws the account's unbonded funds from AgentStaking. */
export function stakeWithdrawCall(staking: Address): GovernanceCall {
	return { to: staking, data: encodeFunctionData({ abi: agentStakingAbi, functionName: 'withdraw' }), value: 0n };
}

/** The outbox id of a vote: an account votes once on a proposal, whatever it chooses. */
export function voteOutboxId(params: { chainId: number; proposalId: bigint; account: Address }): string {
	return `vote:${params.chainId}:${params.proposalId}:${params.account.toLowerCase()}`;
}

/** The call that casts `choice` on a proposal. */
export function voteCall(params: { governor: Address; proposalId: bigint; choice: VoteChoice }): GovernanceCall {
	const data = encodeFunctionData({ abi: openGovernorAbi, functionName: 'castVote', args: [params.proposalId, VOTE_SUPPORT[params.choice]] });
	return { to: params.governor, data, value: 0n };
}

/** One decoded argument of a proposal's call. */
export type CallArgument = { name: string; type: string; value: unknown };

/** One call a proposal makes. `contract` is the Ledgerlight contract at the target (null for any other address);
 * `functionName` is null when the calldata matched none of its functions. */
export type ProposalCall = { target: Address; value: bigint; data: Hex; contract: ContractName | null; functionName: string | null; args: CallArgument[] };

/** Names the Ledgerlight contract a call targets and decodes its calldata with that contract's ABI. */
export function decodeProposalCall(call: { target: Address; value: bigint; data: Hex }, contracts: ContractAddresses): ProposalCall {
	const target = getAddress(call.target);
	const contract = (Object.keys(contracts) as ContractName[]).find((name) => contracts[name].toLowerCase() === target.toLowerCase()) ?? null;
	const undecoded: ProposalCall = { target, value: call.value, data: call.data, contract, functionName: null, args: [] };
	if (!contract) return undecoded;
	const abi: Abi = ledgerlightAbis[contract];
	try {
		const { functionName, args = [] } = decodeFunctionData({ abi, data: call.data });
		const item = abi.find((i) => i.type === 'function' && i.name === functionName && i.inputs.length === args.length);
		const inputs: readonly AbiParameter[] = item && item.type === 'function' ? item.inputs : [];
		return { ...undecoded, functionName, args: args.map((value, i) => ({ name: inputs[i]?.name || `arg${i}`, type: inputs[i]?.type ?? 'unknown', value })) };
	} catch {
		return undecoded;
	}
}

/** One argument as text: OPEN amounts in OPEN (exact), basis points with their percentage, the rest as written. */
export function formatCallArgument(arg: CallArgument): string {
	const { name, type, value } = arg;
	if (typeof value === 'bigint') {
		if (/^u?int/.test(type) && /^(amount|cumulativeAmount|fee|value)$/i.test(name)) return `${formatOpen(value, 18)} OPEN`;
		if (/bps$/i.test(name)) return `${value} bps (${Number(value) / 100}%)`;
		return value.toString();
	}
	if (typeof value === 'number' && /bps$/i.test(name)) return `${value} bps (${value / 100}%)`;
	if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
	return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
}

/** A call in one line, as a reader checks it: "AgentStaking.slash(agent: 0x…, amount: 1 OPEN, …)". */
export function describeCall(call: ProposalCall): string {
	if (!call.contract) return `Call to ${call.target} (not a Ledgerlight contract), data ${call.data.slice(0, 10)}`;
	if (!call.functionName) return `${call.contract}: an unknown function ${call.data.slice(0, 10)}`;
	return `${call.contract}.${call.functionName}(${call.args.map((a) => `${a.name}: ${formatCallArgument(a)}`).join(', ')})`;
}

/** The votes cast on a proposal, in WOPEN wei. */
export type Tally = { against: bigint; for: bigint; abstain: bigint };

/** Each choice's share of the votes cast in percent (one decimal, rounded down) for the bar; all 0 before any vote. */
export function tallyShares(tally: Tally): { for: number; against: number; abstain: number; total: bigint } {
	const total = tally.for + tally.against + tally.abstain;
	const share = (v: bigint) => (total === 0n ? 0 : Number((v * 1000n) / total) / 10);
	return { for: share(tally.for), against: share(tally.against), abstain: share(tally.abstain), total };
}

/** A span of seconds in words, to the minute: "3 days 4 h", "2 h 5 min", "less than a minute". */
export function formatDuration(seconds: bigint | number): string {
	const s = Math.max(0, Math.floor(Number(seconds)));
	const days = Math.floor(s / 86_400), hours = Math.floor((s % 86_400) / 3_600), minutes = Math.floor((s % 3_600) / 60);
	if (days > 0) return `${days} day${days === 1 ? '' : 's'}${hours ? ` ${hours} h` : ''}`;
	if (hours > 0) return `${hours} h${minutes ? ` ${minutes} min` : ''}`;
	return minutes > 0 ? `${minutes} min` : 'less than a minute';
}

/** An agent's stake as AgentStaking holds it. */
export type Stake = { bonded: bigint; unbonding: bigint; unbondReadyAt: bigint };

export type ReadPositionParameters = { contracts: Pick<ContractAddresses, 'WOpen' | 'AgentStaking'>; account: Address };

export type ReadPositionReturnType = {
	account: Address;
	/** The block everything below was read at, and its timestamp (the chain's "now", in seconds). */
	atBlock: bigint;
	now: bigint;
	/** The account's transaction count at that block (what amount writes are keyed by). */
	nonce: number;
	/** Native OPEN, wrapped WOPEN and current votes, in wei. */
	balance: bigint;
	wrapped: bigint;
	votes: bigint;
	/** Who the account's WOPEN votes for: itself, someone else, or the zero address (nobody). */
	delegate: Address;
	stake: Stake;
	/** What one slash of the account may take now, in wei, and that as basis points of its bond + unbonding. */
	slashCap: bigint;
	maxSlashBps: number;
	/** The unbonding cooldown in seconds and the reporter bounty in basis points. */
	cooldown: bigint;
	reporterBountyBps: number;
};

/** Reads an account's balances, votes, delegate and stake, and the staking terms, all at the latest block. */
export async function readPosition(client: PublicClient<Transport, Chain | undefined>, params: ReadPositionParameters): Promise<ReadPositionReturnType> {
	const { contracts, account } = params;
	try {
		const block = await getBlock(client, { blockTag: 'latest' });
		const blockNumber = block.number;
		const wopen = { address: contracts.WOpen, abi: wOpenAbi, blockNumber } as const;
		const staking = { address: contracts.AgentStaking, abi: agentStakingAbi, blockNumber } as const;
		const [balance, nonce, wrapped, votes, delegate, stake, slashCap, maxSlashBps, cooldown, reporterBountyBps] = await Promise.all([
			getBalance(client, { address: account, blockNumber }),
			getTransactionCount(client, { address: account, blockNumber }),
			readContract(client, { ...wopen, functionName: 'balanceOf', args: [account] }),
			readContract(client, { ...wopen, functionName: 'getVotes', args: [account] }),
			readContract(client, { ...wopen, functionName: 'delegates', args: [account] }),
			readContract(client, { ...staking, functionName: 'stakeOf', args: [account] }),
			readContract(client, { ...staking, functionName: 'slashCap', args: [account] }),
			readContract(client, { ...staking, functionName: 'MAX_SLASH_BPS' }),
			readContract(client, { ...staking, functionName: 'cooldown' }),
			readContract(client, { ...staking, functionName: 'reporterBountyBps' })
		]);
		return {
			account, atBlock: blockNumber, now: block.timestamp, nonce, balance, wrapped, votes, delegate,
			stake: { bonded: stake.bonded, unbonding: stake.unbonding, unbondReadyAt: BigInt(stake.unbondReadyAt) },
			slashCap, maxSlashBps, cooldown: BigInt(cooldown), reporterBountyBps
		};
	} catch (e) {
		throw toChainError(e, { abi: agentStakingAbi });
	}
}

/** Where a log sits; what both a fresh viem log and a cached one have. */
type LogPosition = { blockNumber: bigint; logIndex: number; transactionHash: Hex };
export type ProposalCreatedLog = LogPosition & {
	args: { proposalId?: bigint; proposer?: Address; targets?: readonly Address[]; values?: readonly bigint[]; calldatas?: readonly Hex[]; voteStart?: bigint; voteEnd?: bigint; description?: string };
};
export type VoteCastLog = LogPosition & { args: { voter?: Address; proposalId?: bigint; support?: number; weight?: bigint } };

/** A proposal as ProposalCreated announced it, its calls decoded. */
export type ProposalSummary = LogPosition & {
	id: bigint;
	proposer: Address;
	/** The description's first line (a leading Markdown "#" dropped), and the rest. */
	title: string;
	body: string;
	/** Timestamps: votes count from voteStart (the snapshot) until voteEnd. */
	voteStart: bigint;
	voteEnd: bigint;
	calls: ProposalCall[];
};

/** Turns ProposalCreated logs into proposals, newest first, skipping logs that did not decode. */
export function toProposals(logs: readonly ProposalCreatedLog[], contracts: ContractAddresses): ProposalSummary[] {
	const items: ProposalSummary[] = [];
	for (const log of logs) {
		const { proposalId, proposer, targets, values, calldatas, voteStart, voteEnd, description = '' } = log.args;
		if (proposalId === undefined || !proposer || !targets || !values || !calldatas || voteStart === undefined || voteEnd === undefined) continue;
		const [first = '', ...rest] = description.trim().split('\n');
		const calls = targets.map((target, i) => decodeProposalCall({ target, value: values[i] ?? 0n, data: calldatas[i] ?? '0x' }, contracts));
		items.push({
			blockNumber: log.blockNumber, logIndex: log.logIndex, transactionHash: log.transactionHash,
			id: proposalId, proposer, title: first.replace(/^#+\s*/, '').trim() || `Proposal ${proposalId}`, body: rest.join('\n').trim(),
			voteStart, voteEnd, calls
		});
	}
	return items.sort((a, b) => (a.blockNumber === b.blockNumber ? b.logIndex - a.logIndex : a.blockNumber > b.blockNumber ? -1 : 1));
}

/** The account's vote on a proposal. */
export type AccountVote = { hasVoted: boolean; choice: VoteChoice | null; weight: bigint | null };

export type Proposal = ProposalSummary & {
	state: ProposalStateName;
	tally: Tally;
	/** Votes needed (For + Abstain) at the snapshot; null before the snapshot, when the supply is not fixed yet. */
	quorum: bigint | null;
	/** The account's votes at the snapshot (what its vote would count); null without an account or before the snapshot. */
	votingPower: bigint | null;
	/** Null without an account. */
	vote: AccountVote | null;
};

export type ReadProposalsParameters = {
	contracts: ContractAddresses;
	/** Whose votes to look up; null to read the proposals only. */
	account: Address | null;
	/** The deployment block: where the event reads start (and must always start, for the cache). */
	fromBlock: bigint;
	cache?: LogCache;
	/** The share of blocks scanned so far (0..1). */
	onProgress?: (fraction: number) => void;
};

export type ReadProposalsReturnType = {
	account: Address | null;
	atBlock: bigint;
	now: bigint;
	/** Votes an account needs to make a proposal, in WOPEN wei, and the seconds from a proposal to its vote. */
	proposalThreshold: bigint;
	votingDelay: bigint;
	/** Newest first. */
	proposals: Proposal[];
};

/** Reads every proposal of OpenGovernor with its state and tally, and the account's votes, at the latest block. */
export async function readProposals(client: PublicClient<Transport, Chain | undefined>, params: ReadProposalsParameters): Promise<ReadProposalsReturnType> {
	const { contracts, account, fromBlock, cache, onProgress } = params;
	const governor = contracts.OpenGovernor;
	try {
		const block = await getBlock(client, { blockTag: 'latest' });
		const atBlock = block.number, now = block.timestamp;
		const span = atBlock >= fromBlock ? Number(atBlock - fromBlock + 1n) : 1;
		const reads = account ? 3 : 1;
		const scanned = [0, 0, 0];
		const progress = (i: number) => ({ scannedTo }: { scannedTo: bigint }) => {
			scanned[i] = Math.min(1, Number(scannedTo - fromBlock + 1n) / span);
			onProgress?.(scanned.reduce((a, b) => a + b, 0) / reads);
		};
		const events = { address: governor, abi: openGovernorAbi, fromBlock, toBlock: atBlock, cache, confirmations: UNCACHED_RECENT_BLOCKS } as const;
		const view = { address: governor, abi: openGovernorAbi, blockNumber: atBlock } as const;
		const [proposalThreshold, votingDelay, created, votes, votesWithParams] = await Promise.all([
			readContract(client, { ...view, functionName: 'proposalThreshold' }),
			readContract(client, { ...view, functionName: 'votingDelay' }),
			getEventsInRanges(client, { ...events, eventName: 'ProposalCreated', onProgress: progress(0) }),
			account ? getEventsInRanges(client, { ...events, eventName: 'VoteCast', args: { voter: account }, onProgress: progress(1) }) : [],
			account ? getEventsInRanges(client, { ...events, eventName: 'VoteCastWithParams', args: { voter: account }, onProgress: progress(2) }) : []
		]);
		const cast = new Map<bigint, VoteCastLog['args']>();
		for (const log of [...votes, ...votesWithParams] as VoteCastLog[]) if (log.args.proposalId !== undefined) cast.set(log.args.proposalId, log.args);

		const proposals = await Promise.all(
			toProposals(created as ProposalCreatedLog[], contracts).map(async (p): Promise<Proposal> => {
				const started = p.voteStart < now; // the snapshot is in the past: its supply and votes are fixed
				const [state, [against, forVotes, abstain], quorum, votingPower, hasVoted] = await Promise.all([
					readContract(client, { ...view, functionName: 'state', args: [p.id] }),
					readContract(client, { ...view, functionName: 'proposalVotes', args: [p.id] }),
					started ? readContract(client, { ...view, functionName: 'quorum', args: [p.voteStart] }) : null,
					account && started ? readContract(client, { ...view, functionName: 'getVotes', args: [account, p.voteStart] }) : null,
					account ? readContract(client, { ...view, functionName: 'hasVoted', args: [p.id, account] }) : null
				]);
				const mine = cast.get(p.id);
				const vote = hasVoted === null ? null : { hasVoted, choice: mine?.support === undefined ? null : voteChoiceName(mine.support), weight: mine?.weight ?? null };
				return { ...p, state: proposalStateName(state), tally: { against, for: forVotes, abstain }, quorum, votingPower, vote };
			})
		);
		return { account, atBlock, now, proposalThreshold, votingDelay, proposals };
	} catch (e) {
		throw toChainError(e, { abi: openGovernorAbi });
	}
}
