// `npm start`: set up what is missing, build, and serve the app on 127.0.0.1; Ctrl-C stops everything it started.
import { spawn } from 'node:child_process';
import { ensureSetup, root, run } from './setup.mjs';

ensureSetup();
run('node', ['scripts/build.mjs']);
const port = process.env.PORT ?? '4173';
const server = spawn(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--host', '127.0.0.1', '--port', port, '--strictPort'], {
	cwd: root,
	stdio: ['ignore', 'pipe', 'inherit']
});
server.stdout.on('data', (d) => {
	if (String(d).includes('Local')) console.log(`\nLedgerlight is running at http://127.0.0.1:${port}/  (Ctrl-C stops it)\n`);
});
const stop = () => {
	server.kill('SIGTERM');
	setTimeout(() => process.exit(0), 500);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', (code) => process.exit(code ?? 0));
