// User flows of the Datanet foundation on the built app: create, add by form, import with bad lines, reload,
// offline reload, review, export and import into a fresh profile, and the demo Datanets in the virtual list.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

async function createDatanet(page: Page, name: string, policy: 'open' | 'curated' = 'open') {
	await page.goto('/datanets/new');
	await page.getByLabel('Name').fill(name);
	await page.getByLabel('Summary').fill(`${name} for tests`);
	await page.getByLabel('Tags').fill('test, e2e');
	await page.getByLabel('Access policy').selectOption(policy);
	await page.getByRole('button', { name: 'Create Datanet' }).click();
	await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

async function addByForm(page: Page, text: string) {
	await page.getByRole('link', { name: 'Add', exact: true }).click();
	await page.getByLabel('Text', { exact: true }).fill(text);
	await page.getByRole('button', { name: 'Add record' }).click();
	await expect(page.getByRole('status').filter({ hasText: /^Added/ })).toBeVisible();
}

test('create, add by form, import jsonl with bad lines, reload, offline reload', async ({ page, context }) => {
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	await page.goto('/');
	await expect(page.getByRole('heading', { name: 'Accountable AI, in your browser' })).toBeVisible();
	await createDatanet(page, 'Field notes');
	await addByForm(page, 'The heron waits in the shallows at dawn.');
	await addByForm(page, 'Swifts sleep on the wing during migration.');
	await addByForm(page, 'A kestrel hovers facing into the wind.');

	// The same text again is an exact duplicate: rejected, pointing at the stored record.
	await page.getByLabel('Text', { exact: true }).fill('A kestrel hovers facing into the wind.');
	await page.getByRole('button', { name: 'Add record' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'Same content as a stored record' })).toBeVisible();

	const jsonl = [
		JSON.stringify({ text: 'Owls swallow small prey whole and cough up pellets.' }),
		'{"text": "broken json',
		JSON.stringify({ text: 'Cormorants dry their wings after diving.' }),
		JSON.stringify({ question: 'wrong fields for a text Datanet' }),
		JSON.stringify({ text: 'Gannets dive from thirty metres into the sea.' })
	].join('\n');
	await page.getByRole('link', { name: 'Import', exact: true }).click();
	await page.getByLabel(/^File/).setInputFiles({ name: 'birds.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(jsonl) });
	await page.getByRole('button', { name: 'Import birds.jsonl' }).click();
	const report = page.getByRole('region', { name: 'Import report' });
	await expect(report).toContainText('3 records stored');
	await expect(report).toContainText('2 rejected');
	const issues = report.locator('tr.issue');
	await expect(issues).toHaveCount(2);
	await expect(issues.nth(0)).toContainText('2');
	await expect(issues.nth(0)).toContainText('invalid-json');
	await expect(issues.nth(1)).toContainText('4');
	await expect(issues.nth(1)).toContainText('wrong-fields');

	await page.getByRole('link', { name: 'Records', exact: true }).click();
	await expect(page.getByText('6 records', { exact: true })).toBeVisible();
	await page.reload();
	await expect(page.getByText('6 records', { exact: true })).toBeVisible();
	await expect(page.getByRole('listitem').filter({ hasText: 'Gannets dive' })).toBeVisible();

	// Filter narrows the list.
	await page.getByPlaceholder('Filter by text…').fill('kestrel');
	await expect(page.getByText('1 of 6 records match')).toBeVisible();

	// Offline: the service worker serves the shell, IndexedDB still has the data.
	await page.evaluate(() => navigator.serviceWorker.ready);
	await page.reload(); // make sure this page is controlled
	await context.setOffline(true);
	await page.reload();
	await expect(page.getByText('6 records', { exact: true })).toBeVisible();
	await page.goto('/datanets');
	await expect(page.getByRole('link', { name: 'Field notes' })).toBeVisible();
	await context.setOffline(false);
	expect(errors).toEqual([]);
});

test('curated Datanet: new records wait for review, a curator approves them', async ({ page }) => {
	await createDatanet(page, 'Reviewed notes', 'curated');
	await addByForm(page, 'Puffins carry several fish crosswise in their bills.');
	await addByForm(page, 'Dippers walk underwater along stream beds.');
	await page.getByRole('link', { name: /^Review/ }).click();
	await expect(page.getByTestId('review-summary')).toContainText('2 pending');
	await page.getByRole('listitem').filter({ hasText: 'Puffins' }).getByRole('button', { name: 'Approve' }).click();
	await expect(page.getByTestId('review-summary')).toContainText('1 pending');
	await page.getByRole('button', { name: 'Select all shown' }).click();
	await page.getByRole('button', { name: 'Reject selected' }).click();
	await expect(page.getByText('Nothing to review')).toBeVisible();
	await expect(page.getByText(/1 approved · 0 pending/)).toBeVisible();
});

test('settings show storage use and persistence', async ({ page }) => {
	await page.goto('/settings');
	await expect(page.getByTestId('storage-used')).toContainText(/B|KiB|MiB/);
	await expect(page.getByTestId('storage-persistent')).toContainText(/Persistent|Best effort/);
	await expect(page.getByTestId('local-address')).toHaveText(/^0x[0-9a-f]{40}$/);
});

test('export a Datanet and import it into a fresh profile', async ({ page, browser }) => {
	await createDatanet(page, 'Portable notes');
	await addByForm(page, 'Terns migrate from pole to pole each year.');
	await addByForm(page, 'Albatrosses glide for hours without flapping.');
	await page.getByRole('link', { name: 'About', exact: true }).click();
	const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export bundle (.car)' }).click()]);
	const path = await download.path();
	const bytes = readFileSync(path);

	const fresh = await browser.newContext();
	const other = await fresh.newPage();
	await other.goto('/datanets');
	await expect(other.getByText('No Datanets here yet')).toBeVisible();
	await other.getByLabel('Import bundle (.car)').setInputFiles({ name: 'portable-notes.car', mimeType: 'application/vnd.ipld.car', buffer: bytes });
	await expect(other.getByRole('heading', { level: 1, name: 'Portable notes' })).toBeVisible();
	await expect(other.getByText(/2 records stored, 2 signatures verified/)).toBeVisible();
	await expect(other.getByRole('listitem').filter({ hasText: 'Terns migrate' })).toBeVisible();

	// A tampered bundle is rejected with the offending CID named, and nothing is stored.
	const tampered = Buffer.from(bytes);
	const at = tampered.indexOf(Buffer.from('Albatrosses'));
	tampered[at] = 'a'.charCodeAt(0);
	const third = await browser.newContext();
	const p3 = await third.newPage();
	await p3.goto('/datanets');
	await p3.getByLabel('Import bundle (.car)').setInputFiles({ name: 'tampered.car', mimeType: 'application/vnd.ipld.car', buffer: tampered });
	await expect(p3.getByRole('alert')).toContainText(/bafkrei[a-z2-7]+/);
	await expect(p3.getByText('No Datanets here yet')).toBeVisible();
	await fresh.close();
	await third.close();
});

test('demo Datanets load and the record list scrolls to the end', async ({ page }) => {
	test.setTimeout(300_000);
	await page.goto('/');
	await page.getByRole('button', { name: 'Load demo Datanets' }).click();
	await expect(page.getByText(/Loaded 9 demo Datanets with [\d,]+ records/)).toBeVisible({ timeout: 240_000 });
	const loaded = await page.getByText(/Loaded 9 demo Datanets/).textContent();
	const records = Number(loaded!.match(/with ([\d,]+) records/)![1].replace(/,/g, ''));
	expect(records).toBeGreaterThanOrEqual(30_000);
	await page.goto('/datanets');
	await expect(page.locator('ul.list > li')).toHaveCount(9);
	await page.getByRole('link', { name: 'WordNet: Made things' }).click();
	const list = page.getByRole('list', { name: 'Records' });
	await expect(list.getByRole('listitem').first()).toBeVisible();
	const total = Number((await page.getByText(/^[\d,]+ records$/).textContent())!.replace(/[^\d]/g, ''));
	expect(total).toBeGreaterThan(10_000);
	// Only the rows in view are rendered, however long the Datanet.
	expect(await list.getByRole('listitem').count()).toBeLessThan(60);
	for (let i = 1; i <= 10; i++) await list.evaluate((el, f) => (el.scrollTop = el.scrollHeight * f), i / 10);
	await expect(list.getByRole('listitem').filter({ hasText: `#${total.toLocaleString('en-US')}` })).toBeVisible();
});

test('narrow screens: no horizontal scrolling at 360 px', async ({ browser }) => {
	const ctx = await browser.newContext({ viewport: { width: 360, height: 740 } });
	const page = await ctx.newPage();
	for (const path of ['/', '/datanets', '/datanets/new', '/models', '/attribution', '/settings']) {
		await page.goto(path);
		await page.waitForLoadState('networkidle');
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
		expect(overflow, path).toBeLessThanOrEqual(0);
	}
	await ctx.close();
});

test('CSV import with a column-mapping step into a question-and-answer Datanet', async ({ page }) => {
	await page.goto('/datanets/new');
	await page.getByLabel('Name').fill('Bird quiz');
	await page.getByLabel('Record kind').selectOption('qa');
	await page.getByRole('button', { name: 'Create Datanet' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Bird quiz' })).toBeVisible();
	await page.getByRole('link', { name: 'Import', exact: true }).click();
	const csv = 'Prompt,Reply,Notes\n"Which bird hovers, facing the wind?",The kestrel,x\n"How do swifts sleep?","On the wing,\nduring migration",y\nNo answer here,,z\n';
	await page.getByLabel(/^File/).setInputFiles({ name: 'quiz.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
	await page.getByLabel('question').selectOption('Prompt');
	await page.getByLabel('answer').selectOption('Reply');
	await page.getByRole('button', { name: 'Import quiz.csv' }).click();
	const report = page.getByRole('region', { name: 'Import report' });
	await expect(report).toContainText('2 records stored');
	await expect(report.locator('tr.issue')).toHaveCount(1);
	await expect(report.locator('tr.issue').first()).toContainText('5'); // the row starts on physical line 5
	await page.getByRole('link', { name: 'Records', exact: true }).click();
	await expect(page.getByRole('listitem').filter({ hasText: 'On the wing,' })).toBeVisible();
});
