// Starts a local anvil chain (from the @foundry-rs/anvil-linux-amd64 package) and resolves once it listens.
// With `stateFile` the chain is loaded from and dumped to that file (on exit and every few seconds), so a restart of
// `npm start` loses nothing; tests start a throwaway chain on a free port.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
export const ANVIL = join(root, 'node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil');
export const LOCAL_CHAIN_ID = 31337;

/**
 * Starts anvil on 127.0.0.1 and returns `{ rpcUrl, port, stop }`.
 * @param {{ port?: number, stateFile?: string, blockTime?: number }} [opts]
 */
export function startAnvil(opts = {}) {
	if (!existsSync(ANVIL)) throw new Error(`anvil not found at ${ANVIL}: run npm ci`);
	const args = ['--host', '127.0.0.1', '--port', String(opts.port ?? 0), '--chain-id', String(LOCAL_CHAIN_ID), '--hardfork', 'cancun'];
	if (opts.stateFile) {
		mkdirSync(dirname(opts.stateFile), { recursive: true });
		args.push('--state', opts.stateFile, '--state-interval', '5', '--preserve-historical-states');
	}
	if (opts.blockTime) args.push('--block-time', String(opts.blockTime));
	const child = spawn(ANVIL, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let log = '';
	return new Promise((resolve, reject) => {
		/** @param {Buffer | string} d */
		const onData = (d) => {
			log += String(d);
			const m = /Listening on 127\.0\.0\.1:(\d+)/.exec(log);
			if (!m) return;
			child.stdout.off('data', onData);
			child.stdout.resume();
			const port = Number(m[1]);
			resolve({
				port,
				rpcUrl: `http://127.0.0.1:${port}`,
				process: child,
				/** Stops anvil; with a state file, SIGINT lets it dump its state first. */
				stop: () =>
					/** @type {Promise<void>} */ (new Promise((done) => {
						if (child.exitCode !== null) return done();
						child.once('exit', () => done());
						child.kill('SIGINT');
						setTimeout(() => child.kill('SIGKILL'), 5000).unref();
					}))
			});
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', (d) => (log += String(d)));
		child.once('exit', (code) => reject(new Error(`anvil exited (${code}) before listening:\n${log.slice(-2000)}`)));
		child.once('error', reject);
	});
}
