// The chain layer against a real anvil: the viem Sender (local account: simulate, sign, broadcast, receipt, nonce
// lookups, never sending a nonce twice), revert decoding from a deployed contract, and event reads over more than
// 1,000 blocks. Uses the run's shared anvil when the global setup provides one, else starts its own.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
	createPublicClient,
	createTestClient,
	encodeFunctionData,
	http,
	parseAbi,
	parseEther,
	type Abi,
	type Address,
	type Hex
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startAnvil } from '../../scripts/chain/anvil.mjs';
import { ABI_FILE, readAbis, renderAbiModule } from '../../scripts/gen-abi.mjs';
import { createAccountWalletClient, createChainPublicClient, createProviderWalletClient } from '../../src/lib/chain/clients';
import type { ChainConfig } from '../../src/lib/chain/config';
import { ContractRevertError, NonceTooLowError, WrongAccountError, WrongNetworkError } from '../../src/lib/chain/errors';
import { getEventsInRanges, type CachedLogs, type LogCache } from '../../src/lib/chain/events';
import { localChain } from '../../src/lib/chain/networks';
import { createViemSender, type SenderEntry } from '../../src/lib/chain/sender';

// Two tiny contracts compiled here with solc-js (the compiler forge uses in this project): one reverts with a custom
// error and a reason string, one emits an event, so these tests depend on nothing in contracts/.
const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;
contract Reverter {
    error DatanetBatchNotPending(uint256 batchId, uint8 status);
    function review(uint256 batchId) external payable { revert DatanetBatchNotPending(batchId, 2); }
    function plain() external pure { revert("plain reason"); }
}
contract Emitter {
    event Ping(uint256 indexed n);
    function ping(uint256 n) external { emit Ping(n); }
}`;

function compile(): Record<'Reverter' | 'Emitter', { abi: Abi; bytecode: Hex }> {
	const solc = createRequire(import.meta.url)('solc');
	const input = { language: 'Solidity', sources: { 'T.sol': { content: SOURCE } }, settings: { evmVersion: 'cancun', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } } };
	const out = JSON.parse(solc.compile(JSON.stringify(input)));
	const errors = (out.errors ?? []).filter((e: { severity: string }) => e.severity === 'error');
	if (errors.length) throw new Error(errors.map((e: { formattedMessage: string }) => e.formattedMessage).join('\n'));
	const get = (name: string) => ({ abi: out.contracts['T.sol'][name].abi, bytecode: `0x${out.contracts['T.sol'][name].evm.bytecode.object}` as Hex });
	return { Reverter: get('Reverter'), Emitter: get('Emitter') };
}

let rpcUrl: string;
let stopAnvil: (() => Promise<void>) | undefined;
let config: ChainConfig;
const getLogsRanges: [bigint, bigint][] = [];

beforeAll(async () => {
	const shared: string | undefined = inject('rpcUrl');
	if (shared) rpcUrl = shared;
	else {
		const anvil = await startAnvil();
		rpcUrl = anvil.rpcUrl;
		stopAnvil = anvil.stop;
	}
	config = { network: 'local', chainId: 31337, chain: localChain(rpcUrl), rpcUrl, deployment: null, devAccounts: [] };
});
afterAll(async () => stopAnvil?.());

/** A fresh account with 10 OPEN, so these tests share no nonces with anything else on the chain. */
async function fundedAccount() {
	const account = privateKeyToAccount(generatePrivateKey());
	await createTestClient({ mode: 'anvil', transport: http(rpcUrl) }).setBalance({ address: account.address, value: parseEther('10') });
	return account;
}

function setup(account: Awaited<ReturnType<typeof fundedAccount>>, options: { errorAbi?: Abi; confirmations?: number } = {}) {
	const publicClient = createChainPublicClient(config, { pollingInterval: 50 });
	const walletClient = createAccountWalletClient(config, { account });
	return { publicClient, sender: createViemSender({ publicClient, walletClient, ...options }) };
}

const entry = (from: Address, over: Partial<SenderEntry> = {}): SenderEntry => ({
	id: 'e1',
	chainId: 31337,
	from,
	to: '0x000000000000000000000000000000000000dEaD',
	data: '0x',
	value: '1000',
	...over
});

describe('viem Sender with a local account', () => {
	it('prepares (signs without sending), broadcasts, and reports each confirmation', async () => {
		const account = await fundedAccount();
		const { publicClient, sender } = setup(account, { confirmations: 2 });
		expect(await sender.chainId()).toBe(31337);
		const prepared = await sender.prepare!(entry(account.address));
		expect(prepared.nonce).toBe(0);
		// Nothing has left the page yet.
		expect(await sender.nonceOf(account.address, 'pending')).toBe(0);

		expect(await sender.broadcast!(prepared.rawTx)).toBe(prepared.hash);
		const seen: number[] = [];
		const testClient = createTestClient({ mode: 'anvil', transport: http(rpcUrl) });
		const receipt = await sender.waitForReceipt(prepared.hash, (n) => {
			seen.push(n);
			if (n === 1) void testClient.mine({ blocks: 1 });
		});
		expect(seen).toEqual([1, 2]);
		const tx = await sender.getTransaction(prepared.hash);
		expect(tx).toEqual({ to: '0x000000000000000000000000000000000000dead', data: '0x', value: 1000n });
		expect(await sender.getTransaction(`0x${'ab'.repeat(32)}`)).toBeUndefined();
		expect(await sender.accounts()).toEqual([account.address]);
		expect(receipt.status).toBe('success');
		expect(receipt.transactionHash).toBe(prepared.hash);
		expect(await publicClient.getBalance({ address: '0x000000000000000000000000000000000000dEaD' })).toBeGreaterThanOrEqual(1000n);
		expect(await sender.nonceOf(account.address, 'latest')).toBe(1);
	});

	it('treats a rebroadcast of a mined transaction as success, and never sends a second one with the same nonce', async () => {
		const account = await fundedAccount();
		const { sender } = setup(account);
		const first = await sender.prepare!(entry(account.address, { nonce: 0 }));
		await sender.broadcast!(first.rawTx);
		await sender.waitForReceipt(first.hash);
		expect(await sender.broadcast!(first.rawTx)).toBe(first.hash);

		// Re-preparing the entry keeps its nonce; the node refuses it, so the action cannot happen twice.
		const again = await sender.prepare!(entry(account.address, { nonce: 0, value: '2000' }));
		expect(again.nonce).toBe(0);
		await expect(sender.broadcast!(again.rawTx)).rejects.toBeInstanceOf(NonceTooLowError);
		expect(await sender.nonceOf(account.address, 'latest')).toBe(1);
	});

	it('finds a mined transaction by sender and nonce', async () => {
		const account = await fundedAccount();
		const { sender } = setup(account);
		const a = await sender.send(entry(account.address));
		await sender.waitForReceipt(a.hash);
		await createTestClient({ mode: 'anvil', transport: http(rpcUrl) }).mine({ blocks: 37 });
		const b = await sender.send(entry(account.address));
		expect(b.nonce).toBe(1);
		await sender.waitForReceipt(b.hash);
		expect(await sender.findTransaction(account.address, 0)).toBe(a.hash);
		expect(await sender.findTransaction(account.address, 1)).toBe(b.hash);
		expect(await sender.findTransaction(account.address, 2)).toBeUndefined();
	});

	it('refuses an entry for another chain or another account before signing', async () => {
		const account = await fundedAccount();
		const { sender } = setup(account);
		await expect(sender.prepare!(entry(account.address, { chainId: 1612 }))).rejects.toBeInstanceOf(WrongNetworkError);
		const other = privateKeyToAccount(generatePrivateKey()).address;
		await expect(sender.send(entry(other))).rejects.toBeInstanceOf(WrongAccountError);
		expect(await sender.nonceOf(account.address, 'pending')).toBe(0);
	});
});

describe('viem Sender with an injected wallet', () => {
	it('simulates, then has the wallet sign and send (eth_sendTransaction)', async () => {
		// The "wallet" is anvil itself, signing for an impersonated account, reached through an EIP-1193 provider.
		const account = await fundedAccount();
		await createTestClient({ mode: 'anvil', transport: http(rpcUrl) }).impersonateAccount({ address: account.address });
		const methods: string[] = [];
		const node = createPublicClient({ transport: http(rpcUrl) });
		const provider = {
			request: async (args: { method: string; params?: unknown }) => {
				methods.push(args.method);
				return node.request(args as never);
			}
		};
		const publicClient = createChainPublicClient(config, { pollingInterval: 50 });
		const walletClient = createProviderWalletClient(config, { provider: provider as never, account: account.address });
		const sender = createViemSender({ publicClient, walletClient });
		expect(sender.prepare).toBeUndefined();
		expect(sender.broadcast).toBeUndefined();
		const { hash } = await sender.send(entry(account.address));
		expect(methods).toContain('eth_sendTransaction');
		expect(methods).not.toContain('eth_sendRawTransaction');
		expect((await sender.waitForReceipt(hash)).status).toBe('success');
		expect(await sender.findTransaction(account.address, 0)).toBe(hash);
	});
});

describe('reverts and events on deployed contracts', () => {
	const compiled = compile();

	async function deploy(name: 'Reverter' | 'Emitter') {
		const account = await fundedAccount();
		const walletClient = createAccountWalletClient(config, { account });
		const publicClient = createChainPublicClient(config, { pollingInterval: 50 });
		const hash = await walletClient.deployContract({ abi: compiled[name].abi, bytecode: compiled[name].bytecode });
		const receipt = await publicClient.waitForTransactionReceipt({ hash });
		return { account, walletClient, publicClient, address: receipt.contractAddress!, deployBlock: receipt.blockNumber };
	}

	it('decodes a custom-error revert during simulation, before anything is signed', async () => {
		const { account, address } = await deploy('Reverter');
		const { sender } = setup(account, { errorAbi: compiled.Reverter.abi });
		const data = encodeFunctionData({ abi: parseAbi(['function review(uint256)']), args: [5n] });
		const e = await sender.send(entry(account.address, { to: address, data, value: '0' })).catch((x) => x);
		expect(e).toBeInstanceOf(ContractRevertError);
		expect(e.errorName).toBe('DatanetBatchNotPending');
		expect(e.args).toEqual([5n, 2]);
		expect(e.shortMessage).toBe('This batch was already reviewed.');
		expect(e.hint).toBe('Reload the Datanet to see its current status.');
		expect(await sender.nonceOf(account.address, 'pending')).toBe(1); // only the deployment
	});

	it('keeps the selector of an error it cannot name, and reads reason strings', async () => {
		const { account, address } = await deploy('Reverter');
		const { sender } = setup(account, { errorAbi: [] });
		const review = encodeFunctionData({ abi: parseAbi(['function review(uint256)']), args: [1n] });
		const unknown = await sender.send(entry(account.address, { to: address, data: review, value: '0' })).catch((x) => x);
		expect(unknown).toBeInstanceOf(ContractRevertError);
		expect(unknown.errorName).toBeUndefined();
		expect(unknown.details).toContain(`unknown error selector ${unknown.selector}`);
		expect(unknown.selector).toMatch(/^0x[0-9a-f]{8}$/);
		const plain = encodeFunctionData({ abi: parseAbi(['function plain()']) });
		const reason = await sender.send(entry(account.address, { to: address, data: plain, value: '0' })).catch((x) => x);
		expect(reason.shortMessage).toBe('The contract refused: plain reason');
	});

	it('reads events over more than 1,000 blocks in ranges, and resumes from the cache', async () => {
		const { walletClient, publicClient, address, deployBlock } = await deploy('Emitter');
		const test = createTestClient({ mode: 'anvil', transport: http(rpcUrl) });
		const abi = parseAbi(['event Ping(uint256 indexed n)', 'function ping(uint256 n)']);
		const ping = async (n: bigint) => publicClient.waitForTransactionReceipt({ hash: await walletClient.writeContract({ address, abi, functionName: 'ping', args: [n] }) });
		await ping(1n);
		await test.mine({ blocks: 1500 });
		await ping(2n);
		await test.mine({ blocks: 1200 });
		await ping(3n);

		// A client that records the block range of every eth_getLogs it sends.
		const counting = createPublicClient({
			chain: config.chain,
			transport: http(rpcUrl, {
				onFetchRequest: async (request) => {
					const body = JSON.parse(await request.clone().text());
					for (const call of Array.isArray(body) ? body : [body])
						if (call.method === 'eth_getLogs') getLogsRanges.push([BigInt(call.params[0].fromBlock), BigInt(call.params[0].toBlock)]);
				}
			})
		});
		const rows = new Map<string, CachedLogs<unknown>>();
		const cache: LogCache<unknown> = {
			get: async (k) => rows.get(k),
			append: async (k, logs, scannedTo) => void rows.set(k, { logs: [...(rows.get(k)?.logs ?? []), ...logs], scannedTo })
		};
		const logs = await getEventsInRanges(counting, { address, abi, eventName: 'Ping', fromBlock: deployBlock, cache });
		expect(logs.map((l) => l.args.n)).toEqual([1n, 2n, 3n]);
		expect(getLogsRanges.length).toBeGreaterThanOrEqual(3);
		expect(getLogsRanges.every(([from, to]) => to - from + 1n <= 1000n)).toBe(true);
		expect(getLogsRanges[0][0]).toBe(deployBlock);

		getLogsRanges.length = 0;
		await ping(4n);
		const more = await getEventsInRanges(counting, { address, abi, eventName: 'Ping', fromBlock: deployBlock, cache });
		expect(more.map((l) => l.args.n)).toEqual([1n, 2n, 3n, 4n]);
		expect(getLogsRanges).toHaveLength(1);
	});
});

describe('generated ABIs', () => {
	it('src/lib/chain/abi.ts is what `npm run abi` makes from contracts/out', () => {
		expect(readFileSync(ABI_FILE, 'utf8')).toBe(renderAbiModule(readAbis()));
	});
});
