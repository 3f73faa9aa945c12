// First-run set-up shared by `npm start` and `npm test`; plain Node with no dependencies, so it runs on whatever Node
// the machine has. It installs the locked dependencies (which bring the pinned Node 24) when they are missing or out
// of date, then re-runs the calling script on the pinned Node.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname;
const pinnedNode = join(root, 'node_modules/node/bin/node');

/** Runs a command in the project root, inheriting stdio; exits the process if it fails. */
export function run(cmd, args, opts = {}) {
	const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
	if (r.status !== 0) {
		console.error(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
		process.exit(r.status || 1);
	}
}

function installNeeded() {
	const marker = join(root, 'node_modules/.package-lock.json');
	if (!existsSync(marker) || !existsSync(pinnedNode)) return true;
	return statSync(join(root, 'package-lock.json')).mtimeMs > statSync(marker).mtimeMs + 1000;
}

/** Installs dependencies if needed and makes sure this script runs on the pinned Node; returns when it does. */
export function ensureSetup() {
	if (installNeeded()) {
		console.log('Installing dependencies (npm ci)...');
		run('npm', ['ci', '--no-audit', '--no-fund']);
	}
	if (process.execPath !== pinnedNode && !process.env.LEDGERLIGHT_PINNED) {
		const r = spawnSync(pinnedNode, process.argv.slice(1), { stdio: 'inherit', env: { ...process.env, LEDGERLIGHT_PINNED: '1' } });
		process.exit(r.status ?? 1);
	}
	process.env.PATH = `${join(root, 'node_modules/.bin')}:${process.env.PATH}`;
}

/** Returns the path of a Chromium for tests and benchmarks, or exits with how to install one. */
export function chromiumPath() {
	const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
	const found = candidates.find((p) => existsSync(p));
	if (!found) {
		console.error('No Chromium found. On Debian: sudo apt-get install -y chromium (or set CHROMIUM_PATH).');
		process.exit(1);
	}
	return found;
}
