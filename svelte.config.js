// SvelteKit configuration: a static single-page app with a prerendered shell (adapter-static).
// Every route is prerendered as an empty shell (ssr is off in +layout.ts); unknown paths fall back to 200.html.
import { execSync } from 'node:child_process';
import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** The app version: the commit it was built from (the service worker keys its cache by it), or an override. */
function appVersion() {
	if (process.env.LEDGERLIGHT_VERSION) return process.env.LEDGERLIGHT_VERSION;
	try {
		return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
	} catch {
		return 'dev';
	}
}

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ fallback: '200.html', strict: true }),
		serviceWorker: { register: false },
		version: { name: appVersion() },
		alias: { $workers: 'workers' }
	}
};

export default config;
