// Serves the built app on 127.0.0.1 with its chain: on the local network it starts anvil (state kept in a data
// directory), deploys the contracts once, funds the demo accounts and writes <data-dir>/chain.json, which the server
// answers as /chain.json for the app to read at startup; on a public network it starts no chain and the app uses that network's RPC and addresses from its config.
// Ctrl-C stops everything it started (anvil dumps its state first).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startAnvil } from './chain/anvil.mjs';
import { DEMO_CONTRIBUTOR_KEYS, LOCAL_DEV_WALLET_KEY, ensureDeployed, fundAccounts } from './chain/deploy.mjs';
import { privateKeyToAccount } from 'viem/accounts';

const root = new URL('..', import.meta.url).pathname;
export const NETWORKS = { local: 31337, 'openledger-testnet': 161201, openledger: 1612 };

/** Parses `--network`, `--port`, `--rpc-port` and `--data-dir` (defaults: local, 4173, 8545, .data). The local chain
 * keeps one RPC port, so a wallet that added it keeps working after a restart; tests pass 0 for a free port. */
export function serveOptions(argv) {
	const { values } = parseArgs({
		args: argv,
		options: {
			network: { type: 'string', default: 'local' },
			port: { type: 'string', default: process.env.PORT ?? '4173' },
			'rpc-port': { type: 'string', default: process.env.RPC_PORT ?? '8545' },
			'data-dir': { type: 'string', default: join(root, '.data') }
		},
		allowPositionals: false
	});
	if (!(values.network in NETWORKS)) throw new Error(`Unknown network "${values.network}": use one of ${Object.keys(NETWORKS).join(', ')}`);
	return { network: values.network, port: Number(values.port), rpcPort: Number(values['rpc-port']), dataDir: values['data-dir'] };
}

/** The demo and dev accounts the app offers on the local chain only (publicly known keys: never use them elsewhere). */
export function localDevAccounts() {
	return [
		{ label: 'Dev wallet', privateKey: LOCAL_DEV_WALLET_KEY },
		...DEMO_CONTRIBUTOR_KEYS.map((privateKey, i) => ({ label: `Demo contributor ${i + 1}`, privateKey }))
	].map((a) => ({ ...a, address: privateKeyToAccount(a.privateKey).address }));
}

/** Starts the chain (local network only) and the app server; resolves to `{ url, stop }`. */
export async function serve({ network, port, rpcPort = 0, dataDir }) {
	let anvil = null;
	let config = { network, chainId: NETWORKS[network] };
	if (network === 'local') {
		anvil = await startAnvil({ port: rpcPort, stateFile: join(dataDir, 'chain/state.json') }).catch((e) => {
			throw new Error(`The local chain could not start on port ${rpcPort}${/in use/i.test(String(e)) ? ' (the port is in use)' : ''}: pass --rpc-port <port> to use another.\n${e.message}`);
		});
		try {
			const deployments = await ensureDeployed({ rpcUrl: anvil.rpcUrl, file: join(dataDir, 'chain/deployments.json') });
			const devAccounts = localDevAccounts();
			await fundAccounts({ rpcUrl: anvil.rpcUrl, accounts: devAccounts.map((a) => a.address) });
			config = { ...config, rpcUrl: anvil.rpcUrl, contracts: deployments.contracts, deployBlock: deployments.deployBlock, devAccounts };
		} catch (e) {
			await anvil.stop();
			throw e;
		}
	}
	// The config lives in the data directory, not the build output (a rebuild would delete it); the preview server
	// answers it as /chain.json (vite.config.ts). A static deployment ships its own chain.json beside the app.
	const chainJson = join(dataDir, 'chain.json');
	mkdirSync(dataDir, { recursive: true });
	writeFileSync(chainJson, JSON.stringify(config, null, '\t'));
	const server = spawn(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
		cwd: root,
		env: { ...process.env, LEDGERLIGHT_CHAIN_JSON: chainJson },
		stdio: ['ignore', 'pipe', 'inherit']
	});
	await new Promise((resolve, reject) => {
		server.stdout.on('data', (d) => String(d).includes('Local') && resolve());
		server.once('exit', (code) => reject(new Error(`vite preview exited (${code})`)));
	});
	const stop = async () => {
		server.kill('SIGTERM');
		if (anvil) await anvil.stop();
	};
	return { url: `http://127.0.0.1:${port}/`, rpcUrl: anvil?.rpcUrl, chainJson, stop, server, anvil };
}

// As a script: `node scripts/serve.mjs [--network local] [--port 4173] [--rpc-port 8545] [--data-dir .data]` (the e2e
// tests' server).
if (import.meta.url === `file://${process.argv[1]}`) {
	const s = await serve(serveOptions(process.argv.slice(2))).catch((e) => {
		console.error(`\n${e.message}\n`);
		process.exit(1);
	});
	console.log(`\nLedgerlight is running at ${s.url}  (Ctrl-C stops it)${s.rpcUrl ? `\nLocal chain (anvil): ${s.rpcUrl}` : ''}\n`);
	let stopping = false;
	const stop = async () => {
		if (stopping) return;
		stopping = true;
		await s.stop();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
	s.server.on('exit', () => void stop());
	s.anvil?.process.on('exit', () => void stop());
}
