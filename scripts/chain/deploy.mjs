// Deploys the Ledgerlight contracts to a chain from forge's build output (contracts/out), once: a deployments file
// remembers the addresses with the chain's genesis hash and a hash of the deployed bytecode, so a restart reuses them
// and only a new chain or changed contracts deploy again. Used by `npm start`, the e2e server and the integration tests.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createPublicClient, createWalletClient, http, keccak256, parseEther, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const root = new URL('../..', import.meta.url).pathname;
const OUT = join(root, 'contracts/out');

/** anvil's first default account: a publicly known key, used only to deploy on the local chain. */
export const LOCAL_DEPLOYER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
/** anvil's second default account: the app's "dev wallet" on the local chain. */
export const LOCAL_DEV_WALLET_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
/** The 12 simulated demo contributors (the same keys as src/lib/core/signature.ts demoAccount). */
export const DEMO_CONTRIBUTOR_KEYS = Array.from({ length: 12 }, (_, i) => keccak256(toHex(`ledgerlight demo contributor ${i}`)));

/**
 * Reads a contract's ABI and creation bytecode from forge's output.
 * @param {string} name
 * @returns {{ abi: import('viem').Abi, bytecode: `0x${string}` }}
 */
export function artifact(name, file = `${name}.sol`) {
	const path = join(OUT, file, `${name}.json`);
	if (!existsSync(path)) throw new Error(`No build output for ${name} at ${path}: run forge build in contracts/`);
	const j = JSON.parse(readFileSync(path, 'utf8'));
	return { abi: j.abi, bytecode: j.bytecode.object };
}

/** @param {string} rpcUrl @param {`0x${string}`} key */
function clients(rpcUrl, key) {
	const transport = http(rpcUrl);
	const account = privateKeyToAccount(key);
	return {
		account,
		pub: createPublicClient({ transport }),
		wallet: createWalletClient({ account, transport })
	};
}

/**
 * Reads a `uint... internal constant NAME = value;` from contracts/src/GovernanceConfig.sol, the one config.
 * @param {string} name
 */
export function governanceConstant(name) {
	const src = readFileSync(join(root, 'contracts/src/GovernanceConfig.sol'), 'utf8');
	const m = new RegExp(`constant ${name} = ([0-9_]+)( (?:seconds|minutes|hours|days|weeks|ether))?;`).exec(src);
	if (!m) throw new Error(`GovernanceConfig.sol has no constant ${name}`);
	/** @type {Record<string, bigint>} */
	const unit = { ' seconds': 1n, ' minutes': 60n, ' hours': 3600n, ' days': 86400n, ' weeks': 604800n, ' ether': 10n ** 18n };
	return BigInt(m[1].replaceAll('_', '')) * (m[2] ? unit[m[2]] : 1n);
}

/** A hash of every deployed contract's creation bytecode: a rebuild with changed contracts deploys again. */
export function codeHash() {
	const h = createHash('sha256');
	for (const name of DEPLOYED) h.update(artifact(name).bytecode);
	return `0x${h.digest('hex')}`;
}

/** The contracts a deployment holds, in deployment order. */
export const DEPLOYED = ['DatanetRegistry', 'ModelRegistry', 'WOpen', 'TimelockController', 'OpenGovernor', 'AttributionLedger', 'AgentStaking'];

/**
 * @typedef {{ DatanetRegistry: `0x${string}`, ModelRegistry: `0x${string}`, AttributionLedger: `0x${string}`,
 *   WOpen: `0x${string}`, OpenGovernor: `0x${string}`, TimelockController: `0x${string}`, AgentStaking: `0x${string}` }} ContractAddresses
 * @typedef {{ chainId: number, codeHash: string, deployBlock: number, deployer: `0x${string}`, contracts: ContractAddresses }} Deployments
 */

/**
 * Deploys and wires every contract: the TimelockController owns AttributionLedger and AgentStaking and is their
 * treasury; OpenGovernor proposes and cancels on it; anyone executes; the deployer keeps no admin role. On the local
 * chain the deployer is also the reward-root attester.
 * @param {{ rpcUrl: string, deployerKey?: `0x${string}` }} opts
 * @returns {Promise<Deployments>}
 */
export async function deployAll({ rpcUrl, deployerKey = LOCAL_DEPLOYER_KEY }) {
	const { account, pub, wallet } = clients(rpcUrl, deployerKey);
	const chain = { id: await pub.getChainId(), name: 'deploy', nativeCurrency: { name: 'Open', symbol: 'OPEN', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } };
	let nonce = await pub.getTransactionCount({ address: account.address, blockTag: 'pending' });
	/** @type {number | null} */
	let firstBlock = null;
	/** @param {`0x${string}`} hash */
	const wait = async (hash) => {
		const r = await pub.waitForTransactionReceipt({ hash, pollingInterval: 50 });
		if (r.status !== 'success') throw new Error(`deployment transaction ${hash} reverted`);
		firstBlock ??= Number(r.blockNumber);
		return r;
	};
	/** @param {string} name @param {unknown[]} args @returns {Promise<`0x${string}`>} */
	const deploy = async (name, args) => {
		const { abi, bytecode } = artifact(name);
		const hash = await wallet.deployContract({ abi, bytecode, args, chain, nonce: nonce++ });
		const address = (await wait(hash)).contractAddress;
		if (!address) throw new Error(`deploying ${name} made no contract`);
		return address;
	};
	/** @param {string} name @param {`0x${string}`} address @param {string} functionName @param {unknown[]} args */
	const call = async (name, address, functionName, args) =>
		wait(await wallet.writeContract({ address, abi: artifact(name).abi, functionName, args, chain, nonce: nonce++ }));

	const me = account.address;
	const datanets = await deploy('DatanetRegistry', []);
	const models = await deploy('ModelRegistry', [datanets]);
	const wopen = await deploy('WOpen', []);
	const zero = '0x0000000000000000000000000000000000000000';
	const timelock = await deploy('TimelockController', [governanceConstant('TIMELOCK_MIN_DELAY'), [], [zero], me]);
	const governor = await deploy('OpenGovernor', [wopen, timelock]);
	const ledger = await deploy('AttributionLedger', [models, timelock, timelock, me]);
	const staking = await deploy('AgentStaking', [timelock, timelock]);

	const roles = artifact('TimelockController').abi;
	/** @param {string} functionName @returns {Promise<`0x${string}`>} */
	const role = async (functionName) => /** @type {`0x${string}`} */ (await pub.readContract({ address: timelock, abi: roles, functionName }));
	await call('TimelockController', timelock, 'grantRole', [await role('PROPOSER_ROLE'), governor]);
	await call('TimelockController', timelock, 'grantRole', [await role('CANCELLER_ROLE'), governor]);
	await call('TimelockController', timelock, 'renounceRole', [await role('DEFAULT_ADMIN_ROLE'), me]);

	return {
		chainId: chain.id,
		codeHash: codeHash(),
		deployBlock: firstBlock ?? 0,
		deployer: me,
		contracts: {
			DatanetRegistry: datanets,
			ModelRegistry: models,
			AttributionLedger: ledger,
			WOpen: wopen,
			OpenGovernor: governor,
			TimelockController: timelock,
			AgentStaking: staking
		}
	};
}

/**
 * Deploys once: reuses the deployments in `file` when they were made on this chain from the same bytecode and every
 * address still holds code (a persisted chain after a restart); otherwise deploys and writes the file.
 * @param {{ rpcUrl: string, file: string }} opts
 * @returns {Promise<Deployments & { reused: boolean }>}
 */
export async function ensureDeployed({ rpcUrl, file }) {
	const pub = createPublicClient({ transport: http(rpcUrl) });
	if (existsSync(file)) {
		/** @type {Deployments} */
		const saved = JSON.parse(readFileSync(file, 'utf8'));
		const chainId = await pub.getChainId();
		if (saved.chainId === chainId && saved.codeHash === codeHash()) {
			const codes = await Promise.all(Object.values(saved.contracts).map((address) => pub.getCode({ address })));
			if (codes.every((c) => c && c !== '0x')) return { ...saved, reused: true };
		}
	}
	const deployments = await deployAll({ rpcUrl });
	mkdirSync(dirname(file), { recursive: true });
	writeFileSync(file, JSON.stringify(deployments, null, '\t'));
	return { ...deployments, reused: false };
}

/**
 * Gives each account `amount` OPEN from the deployer when it holds none (a restarted chain keeps what they hold).
 * @param {{ rpcUrl: string, accounts: `0x${string}`[], amount?: bigint }} opts
 * @returns {Promise<number>} how many accounts were funded
 */
export async function fundAccounts({ rpcUrl, accounts, amount = parseEther('100') }) {
	const { account, pub, wallet } = clients(rpcUrl, LOCAL_DEPLOYER_KEY);
	const chain = { id: await pub.getChainId(), name: 'fund', nativeCurrency: { name: 'Open', symbol: 'OPEN', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } };
	let nonce = await pub.getTransactionCount({ address: account.address, blockTag: 'pending' });
	/** @type {`0x${string}`[]} */
	const hashes = [];
	for (const to of accounts) {
		if ((await pub.getBalance({ address: to })) > 0n) continue;
		hashes.push(await wallet.sendTransaction({ to, value: amount, chain, nonce: nonce++ }));
	}
	await Promise.all(hashes.map((hash) => pub.waitForTransactionReceipt({ hash, pollingInterval: 50 })));
	return hashes.length;
}
