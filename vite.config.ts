// Vite configuration: the app, its workers, and the Vitest projects (unit in Node, integration in Node against a real
// anvil, browser in headless Chromium with its WebGPU adapter). Cross-origin isolation headers are set by a small
// plugin because SvelteKit's preview server ignores `preview.headers`.
import { sveltekit } from '@sveltejs/kit/vite';
import { playwright } from '@vitest/browser-playwright';
import { existsSync, readFileSync } from 'node:fs';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// The service worker script is always sent whole (no 304 from a stale validator), so an update check sees new bytes.
function crossOriginIsolation(): Plugin {
	type Req = { url?: string; headers: Record<string, unknown> };
	const setHeaders = (req: Req, res: { setHeader(k: string, v: string): void }, next: () => void) => {
		res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
		res.setHeader('Cross-Origin-Embedder-Policy', 'credentialless');
		if (req.url?.startsWith('/service-worker.js')) {
			delete req.headers['if-none-match'];
			delete req.headers['if-modified-since'];
			res.setHeader('Cache-Control', 'no-cache');
		}
		next();
	};
	return {
		name: 'ledgerlight:cross-origin-isolation',
		configureServer: (server) => void server.middlewares.use(setHeaders),
		configurePreviewServer: (server) => void server.middlewares.use(setHeaders)
	};
}

// /chain.json: the runtime chain configuration. `npm start` (scripts/serve.mjs) writes it into its data directory and
// names it in LEDGERLIGHT_CHAIN_JSON, so it never lives in the build output; a static deployment ships its own file.
function chainConfigFile(): Plugin {
	type Res = { setHeader(k: string, v: string): void; end(body: string): void };
	const serve = (req: { url?: string }, res: Res, next: () => void) => {
		const file = process.env.LEDGERLIGHT_CHAIN_JSON;
		if (!file || req.url?.split('?')[0] !== '/chain.json' || !existsSync(file)) return next();
		res.setHeader('Content-Type', 'application/json');
		res.setHeader('Cache-Control', 'no-store');
		res.end(readFileSync(file, 'utf8'));
	};
	return {
		name: 'ledgerlight:chain-config',
		configureServer: (server) => void server.middlewares.use(serve),
		configurePreviewServer: (server) => void server.middlewares.use(serve)
	};
}

// Pre-bundled up front, so the first browser-test run after an install does not stop to re-optimise and reload.
const OPTIMIZE = [
	'idb', 'comlink', 'viem', 'viem/accounts', '@noble/hashes/sha2.js', '@noble/hashes/utils.js', 'multiformats/cid', 'multiformats/codecs/raw',
	'multiformats/codecs/json', 'multiformats/hashes/hasher', 'multiformats/hashes/digest', 'multiformats/bases/base32', '@noble/hashes/sha3.js',
	'@ipld/car', 'marked', 'dompurify', 'fflate'
];

export default defineConfig({
	plugins: [sveltekit(), crossOriginIsolation(), chainConfigFile()],
	optimizeDeps: { include: OPTIMIZE },
	worker: { format: 'es' },
	server: { host: '127.0.0.1', fs: { allow: ['workers'] } },
	preview: { host: '127.0.0.1' },
	test: {
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					environment: 'node',
					include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
					exclude: ['src/**/*.browser.test.ts']
				}
			},
			{
				extends: true,
				test: {
					name: 'integration',
					environment: 'node',
					include: ['tests/integration/**/*.test.ts'],
					globalSetup: ['tests/integration/global-setup.ts'],
					fileParallelism: false,
					testTimeout: 60_000,
					hookTimeout: 180_000
				}
			},
			{
				extends: true,
				test: {
					name: 'browser',
					include: ['src/**/*.browser.test.ts', 'workers/**/*.browser.test.ts'],
					browser: {
						enabled: true,
						headless: true,
						screenshotFailures: false,
						provider: playwright({
							launchOptions: {
								executablePath: CHROMIUM,
								args: ['--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update']
							}
						}),
						instances: [{ browser: 'chromium' }]
					}
				}
			}
		]
	}
});
