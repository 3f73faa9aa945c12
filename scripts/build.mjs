// Builds the app: demo data first (skipped when up to date), then `vite build` into build/.
import { ensureSetup, run } from './setup.mjs';

ensureSetup();
// tsconfig.json extends .svelte-kit/tsconfig.json, which a fresh clone lacks until SvelteKit generates it.
run('svelte-kit', ['sync']);
run('node', ['scripts/demo-data.mjs']);
run('vite', ['build', '--logLevel', 'warn']);
