// Span attribution on the built app: load the demo Datanets, index "WordNet: Animals" in the attribution worker, trace
// an answer quoting two of its records, and check each quote opens its record and the contributor the demo bundle
// signed it with; after a reload the stored index (and its trained tokenizer) is used without rebuilding.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { decodeBundle } from '../../src/lib/core/car';
import { recordText, type RecordContent } from '../../src/lib/core/record';

type DemoRecord = { text: string; contributor: string };

// Two records of the animals bundle with distinct contributors and glosses of a sentence's length, read from the CAR
// the app loads, so the texts and contributors are exactly what the demo assigns.
async function twoDemoRecords(): Promise<[DemoRecord, DemoRecord]> {
	const { records } = await decodeBundle(readFileSync('static/demo/noun.animal.car'));
	const all = records.map(({ bytes, meta }) => ({
		text: recordText(JSON.parse(new TextDecoder().decode(bytes)) as RecordContent),
		contributor: meta.contributor.toLowerCase()
	}));
	const fit = (r: DemoRecord) => r.text.length >= 70 && r.text.length <= 140 && !r.text.includes('\n');
	const first = all.slice(1000).find(fit)!;
	const second = all.slice(4000).find((r) => fit(r) && r.contributor !== first.contributor)!;
	return [first, second];
}

const stored = (page: Page) => page.getByRole('list', { name: 'Stored span indexes' }).getByRole('listitem').filter({ hasText: 'WordNet: Animals' });

test('trace an answer quoting two demo records, then reload and trace again without rebuilding', async ({ page }) => {
	test.setTimeout(420_000);
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	const [a, b] = await twoDemoRecords();

	await page.goto('/');
	await page.getByRole('button', { name: 'Load demo Datanets' }).click();
	await expect(page.getByText(/Loaded 9 demo Datanets with [\d,]+ records/)).toBeVisible({ timeout: 240_000 });

	await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Attribution' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Trace an answer' })).toBeVisible();
	await expect(page.getByText('No span index yet')).toBeVisible();
	await page.getByRole('checkbox', { name: 'WordNet: Animals' }).check();
	await page.getByRole('button', { name: 'Build span index' }).click();
	await expect(page.getByText(/^Indexed [\d,]+ records: [\d,]+ records, [\d,]+ tokens\.$/)).toBeVisible({ timeout: 120_000 });
	const index = stored(page);
	await expect(index).toHaveCount(1);
	await expect(index).toContainText(/[\d,]+ records · [\d,]+ tokens · built/);
	await expect(index).toContainText('BPE trained on these records, 4,096 tokens');
	const summary = await index.textContent();

	// One quote on a line of its own, as a model would set a definition apart, the other inside a line after a space.
	const answer = `Two animals came up.\n${a.text}\nAnd the other one: ${b.text}\nThat is all I know.`;
	await page.getByLabel(/^Prompt/).fill('Tell me about two animals.');
	await page.getByLabel(/^Answer/).fill(answer);
	await page.getByRole('button', { name: 'Trace', exact: true }).click();

	async function checkTrace() {
		const marks = page.locator('.answer mark[role="button"]');
		for (const [i, record] of [a, b].entries()) {
			const mark = marks.filter({ hasText: record.text });
			await expect(mark, `quote ${i + 1} is highlighted`).toHaveCount(1);
			expect((await mark.textContent())?.trim()).toBe(record.text);
			await mark.click();
			const panel = page.getByRole('region', { name: record.text });
			await expect(panel).toBeVisible();
			await expect(panel.getByText('1 source record', { exact: true })).toBeVisible();
			await expect(panel.locator('.context strong')).toHaveText(record.text);
			await expect(panel.locator('.tag')).toHaveText('WordNet: Animals');
			await expect(panel.locator('.contributor .mono')).toHaveAttribute('title', record.contributor);
		}
		const chart = page.getByRole('table', { name: 'Contributor shares' });
		const contributors = await chart.locator('tbody th .mono').evaluateAll((cells) => cells.map((c) => c.getAttribute('title')));
		expect(contributors.slice(0, 2).sort()).toEqual([a.contributor, b.contributor].sort());
		await expect(page.getByRole('heading', { name: 'Method' })).toBeVisible();
		await expect(page.getByText(/Maximal matching spans/)).toBeVisible();
		await expect(page.getByText('BPE trained on these records, 4,096 tokens', { exact: false }).last()).toBeVisible();
	}
	await checkTrace();
	await page.locator('.answer mark[role="button"]').first().click();
	await page.getByRole('region', { name: 'Attributed answer' }).screenshot({ path: test.info().outputPath('attributed-answer.png'), style: 'header { position: static !important; }' });
	await page.screenshot({ path: test.info().outputPath('traced.png'), fullPage: true, style: 'header { position: static !important; }' });

	// A reload finds the index in OPFS: same entry, no build, and the trace works straight away.
	await page.reload();
	await expect(stored(page)).toHaveText(summary!);
	await expect(page.getByRole('radio').first()).toBeChecked();
	await page.getByLabel(/^Answer/).fill(answer);
	await page.getByRole('button', { name: 'Trace', exact: true }).click();
	await checkTrace();
	await expect(page.getByRole('progressbar')).toHaveCount(0);

	// On a phone-sized screen the page, with a source panel open, never scrolls sideways.
	await page.setViewportSize({ width: 360, height: 740 });
	await page.locator('.answer mark').filter({ hasText: a.text }).click();
	await expect(page.getByRole('region', { name: a.text })).toBeVisible();
	expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
	expect(errors).toEqual([]);
});
