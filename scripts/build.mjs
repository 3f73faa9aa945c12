// Builds the app: demo data first (skipped when up to date), then `vite build` into build/.
import { ensureSetup, run } from './setup.mjs';

ensureSetup();
run('node', ['scripts/demo-data.mjs']);
run('vite', ['build', '--logLevel', 'warn']);
