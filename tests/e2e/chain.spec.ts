// The Datanet's chain flow against the local chain `npm start` runs (scripts/serve.mjs): publish a demo Datanet with
// the dev wallet (register, open, anchor its approved records as one batch), reload while a write waits for its block
// and see the outbox resume, approve the pending batch as curator, and check a record's proof onchain.
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createPublicClient, createTestClient, http, type Address } from 'viem';
import { datanetRegistryAbi } from '../../src/lib/chain/abi';
import { CHAIN_JSON } from '../../playwright.config';

// What the app reads as /chain.json: written by scripts/serve.mjs into the e2e data directory (playwright.config.ts).
const chainConfig = () =>
	JSON.parse(readFileSync(CHAIN_JSON, 'utf8')) as { rpcUrl: string; contracts: Record<string, Address>; devAccounts: { address: Address }[] };

test('publish a demo Datanet with the dev wallet; a reload during confirmation resumes; a curator approves', async ({ page }, testInfo) => {
	test.setTimeout(300_000);
	const { rpcUrl, contracts } = chainConfig();
	const anvil = createTestClient({ mode: 'anvil', transport: http(rpcUrl) });
	const reader = createPublicClient({ transport: http(rpcUrl) });
	const batchesBefore = await reader.readContract({ address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'batchCount' });

	// A curated demo Datanet, imported from its bundle like a user's export.
	await page.goto('/datanets');
	await page.getByLabel('Import bundle (.car)').setInputFiles({
		name: 'verb.motion.car',
		mimeType: 'application/vnd.ipld.car',
		buffer: readFileSync('build/demo/verb.motion.car')
	});
	await expect(page.getByRole('heading', { level: 1, name: 'Motion verbs' })).toBeVisible({ timeout: 60_000 });
	await page.getByRole('link', { name: 'Onchain', exact: true }).click();
	await expect(page.getByText('Not registered onchain yet.')).toBeVisible();

	// Its records arrive pending review; the local account curates and approves them all.
	await page.getByRole('link', { name: /^Review/ }).click();
	await page.getByRole('button', { name: /^Approve all/ }).click();
	await expect(page.getByText(/1,411 approved/)).toBeVisible({ timeout: 60_000 });
	await page.getByRole('link', { name: 'Onchain', exact: true }).click();

	await page.getByRole('button', { name: 'Connect wallet' }).click();
	await expect(page.getByText('Dev wallet (local chain only)').first()).toBeVisible();
	await page.getByRole('button', { name: 'Use the dev wallet' }).click();
	await expect(page.getByRole('button', { name: /^Wallet 0x/ })).toBeVisible();
	const toAnchor = Number((await page.getByText(/approved records? not yet anchored/).textContent())!.match(/[\d,]+/)![0].replace(/,/g, ''));
	expect(toAnchor).toBeGreaterThan(100);

	// Blocks stop: the first write is sent but cannot confirm. A reload in that state loses nothing.
	await anvil.setAutomine(false);
	try {
		await page.getByRole('button', { name: 'Publish onchain' }).click();
		const register = page.locator('li[data-kind="datanet-create"]');
		await expect(register.getByTestId('outbox-status')).toHaveText('sent');
		await expect(register).toContainText('waiting for confirmation');
		await page.screenshot({ path: testInfo.outputPath('1-sent-before-reload.png'), fullPage: true });
		await page.reload();
		await expect(page.locator('li[data-kind="datanet-create"]').getByTestId('outbox-status')).toHaveText('sent');
		await expect(page.getByRole('button', { name: /^Wallet 0x/ })).toBeVisible(); // the dev wallet came back by itself
	} finally {
		await anvil.mine({ blocks: 1 });
		await anvil.setAutomine(true);
	}

	// The register write confirms after the reload; opening and anchoring follow by themselves.
	await expect(page.locator('li[data-kind="datanet-create"]').getByTestId('outbox-status')).toHaveText('confirmed');
	await expect(page.locator('li[data-kind="datanet-publish"]').getByTestId('outbox-status')).toHaveText('confirmed');
	await expect(page.locator('li[data-kind="batch"]').getByTestId('outbox-status')).toHaveText('confirmed', { timeout: 60_000 });
	await expect(page.getByText(new RegExp(`Anchored ${toAnchor.toLocaleString('en-US')} records in batch \\d+`))).toBeVisible({ timeout: 60_000 });
	await expect(page.getByText('0 approved records not yet anchored')).toBeVisible();

	const batchId = batchesBefore + 1n;
	const batch = await reader.readContract({ address: contracts.DatanetRegistry, abi: datanetRegistryAbi, functionName: 'getBatch', args: [batchId] });
	expect(batch.count).toBe(toAnchor);
	expect(batch.status).toBe(1); // Pending: the Datanet is curated

	// Before approval the registry does not vouch for the record; a curator (the owner) approves; then it does.
	await page.getByRole('link', { name: 'Records', exact: true }).click();
	await page.locator('[role="listitem"] button.rowbtn').first().click();
	await expect(page.getByTestId('record-anchor')).toContainText(`anchored in batch ${batchId}`);
	await expect(page.getByTestId('record-anchor')).toContainText('not verified: the batch is not approved yet');

	await page.getByRole('link', { name: 'Onchain', exact: true }).click();
	await expect(page.getByTestId('batch-status')).toHaveText('pending');
	await page.getByRole('button', { name: 'Approve as curator' }).click();
	await expect(page.locator('li[data-kind="batch-approve"]').getByTestId('outbox-status')).toHaveText('confirmed');
	await page.reload();
	await expect(page.getByTestId('batch-status')).toHaveText('approved');
	await page.screenshot({ path: testInfo.outputPath('2-anchored-approved.png'), fullPage: true });

	await page.getByRole('link', { name: 'Records', exact: true }).click();
	await page.locator('[role="listitem"] button.rowbtn').first().click();
	await expect(page.getByTestId('record-anchor')).toContainText('proof verified onchain');
	await page.screenshot({ path: testInfo.outputPath('3-record-verified.png'), fullPage: true });
});

test('a write the wallet cannot pay for fails with a readable reason, stays in the outbox and can be retried', async ({ page }) => {
	const { rpcUrl } = chainConfig();
	const anvil = createTestClient({ mode: 'anvil', transport: http(rpcUrl) });
	await page.goto('/datanets/new');
	await page.getByLabel('Name').fill('Outbox test');
	await page.getByLabel('Summary').fill('One record to publish');
	await page.getByRole('button', { name: 'Create Datanet' }).click();
	await page.getByRole('link', { name: 'Add', exact: true }).click();
	await page.getByLabel('Text', { exact: true }).fill('Swifts sleep on the wing.');
	await page.getByRole('button', { name: 'Add record' }).click();
	await expect(page.getByRole('status').filter({ hasText: /^Added/ })).toBeVisible();
	await page.getByRole('link', { name: 'Onchain', exact: true }).click();

	// The last demo account, emptied: its first write cannot pay for gas.
	await page.getByRole('button', { name: 'Connect wallet' }).click();
	const { devAccounts } = chainConfig();
	const poor = devAccounts[devAccounts.length - 1].address;
	await anvil.setBalance({ address: poor, value: 0n });
	await page.getByLabel(/Dev wallet/).selectOption(poor);
	await page.getByRole('button', { name: 'Use the dev wallet' }).click();
	await page.getByRole('button', { name: 'Publish onchain' }).click();
	const entry = page.locator('li[data-kind="datanet-create"]');
	await expect(entry.getByTestId('outbox-status')).toHaveText(/failed|queued/);
	await expect(entry).toContainText(/fund|OPEN|gas/i);

	// Funded again, a retry sends it and it confirms; the entry was never lost.
	await anvil.setBalance({ address: poor, value: 10n ** 20n });
	const retry = entry.getByRole('button', { name: 'Retry' });
	if (await retry.isVisible()) await retry.click();
	await expect(entry.getByTestId('outbox-status')).toHaveText('confirmed', { timeout: 60_000 });
	await page.goto('/activity');
	await expect(page.locator('li[data-kind="datanet-create"]').filter({ hasText: 'Outbox test' })).toBeVisible();
});
