/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
// The service worker: precaches the app shell (built assets, static files, prerendered pages) per version, serves
// them cache-first so the app opens offline, caches demo bundles the first time they are fetched, and keeps the last
// /chain.json (network first) so the outbox and chain reads still show offline. A new version
// waits until the page asks it to take over ("update available - reload").
import { build, files, prerendered, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;
const SHELL = `shell-${version}`;
const RUNTIME = 'runtime-v1';
const precache = [...build, ...files.filter((f) => !f.startsWith('/demo/')), ...prerendered];

sw.addEventListener('install', (event) => {
	event.waitUntil(caches.open(SHELL).then((c) => c.addAll(precache)));
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			for (const key of await caches.keys()) if (key !== SHELL && key !== RUNTIME) await caches.delete(key);
			await sw.clients.claim();
		})()
	);
});

sw.addEventListener('message', (event) => {
	if (event.data === 'skip-waiting') void sw.skipWaiting();
});

sw.addEventListener('fetch', (event) => {
	const req = event.request;
	const url = new URL(req.url);
	if (req.method !== 'GET' || url.origin !== sw.location.origin) return;
	event.respondWith(respond(req, url));
});

async function respond(req: Request, url: URL): Promise<Response> {
	const shell = await caches.open(SHELL);
	const cached = await shell.match(url.pathname, { ignoreSearch: true });
	if (cached) return cached;
	if (url.pathname === '/chain.json') {
		// Network first: the chain the app talks to can change between starts; offline, the last one known still lets the
		// app show its outbox and cached chain reads.
		const runtime = await caches.open(RUNTIME);
		try {
			const res = await fetch(req);
			if (res.ok) await runtime.put(url.pathname, res.clone());
			return res;
		} catch (e) {
			const hit = await runtime.match(url.pathname);
			if (hit) return hit;
			throw e;
		}
	}
	if (url.pathname.startsWith('/demo/')) {
		const runtime = await caches.open(RUNTIME);
		const hit = await runtime.match(req);
		if (hit) return hit;
		const res = await fetch(req);
		if (res.ok) await runtime.put(req, res.clone());
		return res;
	}
	try {
		return await fetch(req);
	} catch (e) {
		if (req.mode === 'navigate') {
			const fallback = (await shell.match(`${url.pathname.replace(/\/$/, '')}.html`)) ?? (await shell.match('/200.html')) ?? (await shell.match('/'));
			if (fallback) return fallback;
		}
		throw e;
	}
}
