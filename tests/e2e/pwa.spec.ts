// The PWA: a web app manifest with real icons, and a new version of the service worker shows
// "update available - reload", which switches to it. The new version is made by rewriting the built service
// worker's version string in place in the output the preview server serves (same length, so its cached file size still holds).
import { expect, test } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';

test('manifest and icons are served', async ({ request }) => {
	const manifest = await (await request.get('/manifest.webmanifest')).json();
	expect(manifest.name).toBe('Ledgerlight');
	expect(manifest.display).toBe('standalone');
	for (const icon of manifest.icons) {
		const res = await request.get(icon.src);
		expect(res.status(), icon.src).toBe(200);
		if (icon.type === 'image/png') {
			const bytes = await res.body();
			expect(bytes.subarray(1, 4).toString()).toBe('PNG');
			const [w, h] = icon.sizes.split('x').map(Number);
			expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([w, h]);
		}
	}
});

test('a new version shows "update available" and reloads into it', async ({ page, context }) => {
	await page.goto('/');
	await page.evaluate(() => navigator.serviceWorker.ready);
	await page.reload();
	await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
	await expect(page.getByText('A new version of Ledgerlight is available.')).toHaveCount(0);

	// Publish a "new version": the built service worker with another version (and so another cache name).
	const swPath = new URL('../../.svelte-kit/output/client/service-worker.js', import.meta.url).pathname;
	const { version } = JSON.parse(readFileSync(new URL('../../.svelte-kit/output/client/_app/version.json', import.meta.url), 'utf8'));
	const original = readFileSync(swPath, 'utf8');
	const next = version.split('').reverse().join('') === version ? `${version.slice(1)}x` : version.split('').reverse().join('');
	writeFileSync(swPath, original.replaceAll(version, next));
	try {
		await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
	} finally {
		writeFileSync(swPath, original);
	}
	await expect(page.getByText('A new version of Ledgerlight is available.')).toBeVisible();
	const reloaded = page.waitForEvent('load');
	await page.getByRole('button', { name: 'Reload' }).click();
	await reloaded;
	await expect(page.getByRole('heading', { name: 'Accountable AI, in your browser' })).toBeVisible();
	await expect(page.getByText('A new version of Ledgerlight is available.')).toHaveCount(0);
});
