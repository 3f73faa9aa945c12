// Builds the contracts (forge, offline through solc-js; cached), regenerates src/lib/chain/abi.ts from them, the demo data (skipped when up to date), then the app
// with `vite build` into build/.
import { join } from 'node:path';
import { ensureSetup, root, run } from './setup.mjs';

ensureSetup();
// tsconfig.json extends .svelte-kit/tsconfig.json, which a fresh clone lacks until SvelteKit generates it.
run('svelte-kit', ['sync']);
run(join(root, 'node_modules/@foundry-rs/forge-linux-amd64/bin/forge'), ['build', '--quiet'], { cwd: join(root, 'contracts') });
run('node', ['scripts/gen-abi.mjs']);
run('node', ['scripts/demo-data.mjs']);
run('vite', ['build', '--logLevel', 'warn']);
