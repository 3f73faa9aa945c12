// What the benchmarks share: the Vite server that loads this tree's TypeScript (ssrLoadModule in Node, import() in a
// page), a free port for it, the plugin that serves the browser benchmarks' blank, cross-origin-isolated page (a
// 5 us clock instead of 100 us) plus any JSON the page fetches, and running one measuring function in that page.
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { createServer } from 'vite';

const root = new URL('../..', import.meta.url).pathname;

/**
 * A Vite dev server over the tree, with `$lib` resolved and no dependency discovery: on `port` (for a page) with the
 * plugins, or in middleware mode (Node only) without a port. Its cache lives in node_modules/.vite-<name>.
 * @param {{ name: string, port?: number, plugins?: import('vite').PluginOption[] }} options
 */
export function benchServer({ name, port, plugins = [] }) {
	return createServer({
		configFile: false,
		root,
		cacheDir: join(root, `node_modules/.vite-${name}`),
		logLevel: 'warn',
		resolve: { alias: { $lib: join(root, 'src/lib') } },
		optimizeDeps: { noDiscovery: true, include: [] },
		server: port === undefined ? { middlewareMode: true, hmr: false, ws: false, watch: null } : { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null },
		plugins
	});
}

/** A free TCP port on 127.0.0.1. @returns {Promise<number>} */
export function freePort() {
	return new Promise((resolve, reject) => {
		const s = createNetServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const address = s.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			s.close(() => resolve(port));
		});
	});
}

/**
 * A Vite plugin serving /__bench/ (an empty page titled `title`) and /__bench/<name> for each of `files` (a function
 * giving JSON text, called per request, so the data may be made after the server starts), every response
 * cross-origin isolated.
 * @param {string} title
 * @param {Record<string, () => string>} [files]
 * @returns {import('vite').Plugin}
 */
export function benchPagePlugin(title, files = {}) {
	return {
		name: 'ledgerlight:bench-page',
		configureServer(s) {
			s.middlewares.use((req, res, next) => {
				res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
				res.setHeader('Cross-Origin-Embedder-Policy', 'credentialless');
				if (req.url === '/__bench/') {
					res.setHeader('Content-Type', 'text/html');
					return res.end(`<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>${title}</title>`);
				}
				const name = req.url?.startsWith('/__bench/') ? req.url.slice('/__bench/'.length) : null;
				if (name !== null && Object.hasOwn(files, name)) {
					res.setHeader('Content-Type', 'application/json');
					return res.end(files[name]());
				}
				next();
			});
		}
	};
}

/** Headless Chromium with WebGPU enabled (CHROMIUM_PATH, else Debian's). */
export function launchBenchBrowser() {
	return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--enable-unsafe-webgpu', '--disable-background-networking'] });
}

/**
 * Runs `fn(load, plan)` in a new page of the bench page at `port`, where load is the page's import(); the page's
 * console lines that start with two spaces are echoed (progress), and a page error or a result with gpuErrors fails.
 * @param {import('playwright').Browser} browser
 * @param {number} port
 * @param {Function} fn a self-contained function (it is sent as source)
 * @param {unknown} plan JSON-serialisable
 */
export async function evaluateInBenchPage(browser, port, fn, plan) {
	const page = await browser.newPage();
	/** @type {string[]} */
	const errors = [];
	page.on('pageerror', (e) => errors.push(e.message));
	page.on('console', (m) => m.text().startsWith('  ') && console.log(m.text()));
	page.setDefaultTimeout(0);
	await page.goto(`http://127.0.0.1:${port}/__bench/`);
	const result = await page.evaluate(`(${fn.toString()})((p) => import(p), ${JSON.stringify(plan)})`);
	if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
	if (result?.gpuErrors?.length) throw new Error(`GPU errors: ${result.gpuErrors.join('; ')}`);
	return result;
}
