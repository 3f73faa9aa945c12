// The guided demo on the home page, the whole way, on the built app and its local chain: the demo Datanets loaded,
// tiny trained on "Weather verbs" in the trainer worker (a reload mid-run resumes from the checkpoint), an answer
// asked, its influence attribution shown, the Datanet published, the model registered and the answer paid through the
// outbox with the dev wallet, then on a 390 x 844 phone the credited contributors' balances, one of them opened on the
// Rewards page and claimed by that contributor. A screenshot of every step lands in the test output (the README's).
import { CHAIN_JSON } from '../../playwright.config';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createPublicClient, http, type Address } from 'viem';
import { attributionLedgerAbi } from '../../src/lib/chain/abi';
import { localChain } from '../../src/lib/chain/networks';
import { formatOpen } from '../../src/lib/chain/rewards';

type ChainJson = { rpcUrl: string; contracts: Record<'AttributionLedger', Address>; devAccounts: { label: string; address: Address }[] };

function chainJson(): ChainJson {
	return JSON.parse(readFileSync(CHAIN_JSON, 'utf8'));
}

async function claimable(account: Address): Promise<bigint> {
	const config = chainJson();
	const pub = createPublicClient({ chain: localChain(config.rpcUrl), transport: http(config.rpcUrl) });
	return pub.readContract({ address: config.contracts.AttributionLedger, abi: attributionLedgerAbi, functionName: 'claimable', args: [account] });
}

const noStickyHeader = 'header { position: static !important; }';

test('the guided demo: load, train tiny, ask, attribute, pay and record, and claim the rewards on a phone', async ({ page }, testInfo) => {
	test.setTimeout(900_000);
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	let shots = 0;
	const shot = async (name: string, target: Page | Locator = page) => {
		const path = testInfo.outputPath(`demo-${++shots}-${name}.png`);
		await (target === page ? page.screenshot({ path, fullPage: true, style: noStickyHeader }) : target.screenshot({ path, style: noStickyHeader }));
	};
	const demo = page.getByTestId('guided-demo');
	const step = (title: string) => demo.getByRole('region', { name: title });
	const next = (title: string) => step(title).getByRole('button', { name: 'Next step' }).click();

	await page.goto('/');
	await expect(demo.getByRole('heading', { name: 'Guided demo' })).toBeVisible();

	// 1. The demo Datanets, loaded through the ingest worker.
	const load = step('Load the demo Datanets');
	await expect(load).toContainText('Nine community datasets built from WordNet');
	await load.getByRole('button', { name: 'Load the demo Datanets' }).click();
	await expect(load.getByText('The demo Datanets are stored here, among them “WordNet: Weather verbs”.')).toBeVisible({ timeout: 300_000 });
	await shot('loaded', demo);
	await next('Load the demo Datanets');

	// 2. tiny on Weather verbs, a few steps on the CPU; a reload mid-run resumes from the last checkpoint.
	const train = step('Train a tiny model');
	await expect(train).toContainText('learns the Weather verbs Datanet');
	// DEMO_STEPS=200 trains as long as the demo's default, for the README's screenshots.
	const steps = Number(process.env.DEMO_STEPS ?? 24);
	await train.getByLabel('Steps').fill(String(steps));
	await train.getByLabel('Device').selectOption('cpu');
	await train.getByRole('button', { name: 'Train tiny on “WordNet: Weather verbs”' }).click();
	const every = Math.ceil(steps / 8);
	await expect(train.getByTestId('checkpoint')).toHaveText(new RegExp(`saved at step (${[1, 2, 3, 4, 5].map((k) => k * every).join('|')})$`), { timeout: 120_000 });
	await shot('training', demo);
	await page.reload();
	await expect(train.getByRole('status').filter({ hasText: /Resumed from the checkpoint at step \d+/ })).toBeVisible({ timeout: 60_000 });
	await expect(train.getByTestId('run-status')).toHaveText('Finished.', { timeout: 240_000 });
	await expect(demo.getByTestId('demo-step-train')).toHaveClass(/done/);
	await shot('trained', demo);
	await next('Train a tiny model');

	// 3. Ask: a greedy continuation of "rain", streamed from the inference worker.
	const ask = step('Ask it');
	await expect(ask.getByLabel('Start of the text')).toHaveValue('rain');
	await ask.getByRole('button', { name: 'Ask' }).click();
	const answer = ask.getByTestId('demo-answer');
	await expect(demo.getByTestId('demo-step-ask')).toHaveClass(/done/, { timeout: 90_000 });
	const text = (await answer.textContent())!;
	expect(text.startsWith('rain')).toBe(true);
	expect(text.length).toBeGreaterThan('rain'.length);
	await shot('answered', demo);
	await next('Ask it');

	// 4. The records that shaped it, from the influence index the finished run built.
	const attribute = step('See where the answer came from');
	await attribute.getByRole('button', { name: 'Which records shaped this answer?' }).click();
	const influence = attribute.getByTestId('influence-result');
	await expect(influence).toBeVisible({ timeout: 300_000 });
	expect(await influence.getByTestId('influence-record').count()).toBeGreaterThanOrEqual(3);
	await expect(influence.getByTestId('influence-record').first()).toContainText('Weather verbs');
	const percents = (await influence.getByRole('table', { name: 'Contributor shares of this answer' }).locator('tbody tr').allTextContents()).map((row) => Number(row.match(/([\d.]+)%/)![1]));
	expect(percents.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 5);
	// Both methods: the answer's passages found verbatim in the training records (tap one for its sources), and the
	// rule that combines the two into the shares.
	const highlighted = attribute.getByTestId('answer-spans').locator('mark');
	if ((await highlighted.count()) > 0) {
		await highlighted.first().click();
		await expect(attribute.getByTestId('answer-spans')).toContainText(/source record/);
	}
	await expect(attribute.getByTestId('spans-method')).toContainText(/found verbatim in the [\d,]+ training records/);
	await expect(attribute.getByTestId('combination-rule')).toContainText('Influence carries 50% of the credit');
	await expect(attribute.getByTestId('receipt')).toHaveCount(0); // the receipt is the next step's
	await shot('attributed', demo);
	await next('See where the answer came from');

	// 5. Onchain with the dev wallet: publish the Datanet (three writes), register the model, pay for the answer.
	const record = step('Pay and record it onchain');
	await record.getByRole('button', { name: 'Use dev wallet' }).click();
	await record.getByRole('button', { name: 'Publish “WordNet: Weather verbs”' }).click();
	await expect(record.getByText(/“WordNet: Weather verbs” is published as Datanet #\d+/)).toBeVisible({ timeout: 90_000 });
	await record.getByTestId('model-register').click();
	await expect(record.getByTestId('receipt-pay')).toBeVisible({ timeout: 60_000 });
	await record.getByTestId('receipt-pay').click();
	await expect(record.getByTestId('receipt-recorded')).toContainText('Paid 0.01 OPEN', { timeout: 60_000 });
	await expect(demo.getByTestId('demo-step-record')).toHaveClass(/done/);
	await shot('recorded', demo);
	await next('Pay and record it onchain');

	// 6. On a phone: the credited contributors' balances, one opened on the Rewards page and claimed by its owner.
	await page.setViewportSize({ width: 390, height: 844 });
	const rewards = step('See the rewards');
	const credited = rewards.getByTestId('demo-credited');
	await expect(credited.first()).toContainText(/[\d.]+ OPEN claimable/);
	const first = credited.first();
	const contributor = (await first.locator('.mono').getAttribute('title')) as Address;
	const owed = await claimable(contributor);
	expect(owed).toBeGreaterThan(0n);
	await expect(first.getByTestId('demo-claimable')).toHaveText(`${formatOpen(owed)} OPEN claimable`);
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
	await shot('rewards', demo);

	await first.getByRole('link', { name: 'Rewards' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Rewards' })).toBeVisible();
	const main = page.getByRole('main');
	await expect(main.getByRole('textbox', { name: /^Address/ })).toHaveValue(contributor);
	await expect(main.getByTestId('claimable')).toHaveText(`${formatOpen(owed)} OPEN`);
	await expect(main.getByRole('list', { name: 'Credits' }).getByRole('listitem').first()).toContainText(text.slice('rain'.length).trim().slice(0, 12));
	// The contributor claims for itself: the dev wallet switches to that demo account.
	const account = chainJson().devAccounts.find((a) => a.address.toLowerCase() === contributor.toLowerCase())!;
	expect(account.label).toMatch(/^Demo contributor \d+$/);
	await page.getByRole('button', { name: /^Wallet 0x/ }).click();
	await page.getByRole('dialog', { name: 'Wallet' }).getByRole('button', { name: 'Disconnect' }).click();
	await main.getByLabel('Dev wallet (local chain only)').selectOption(account.address);
	await main.getByRole('button', { name: 'Use dev wallet' }).click();
	await expect(main.getByRole('textbox', { name: /^Address/ })).toHaveValue(contributor);
	await main.getByRole('button', { name: `Claim ${formatOpen(owed)} OPEN` }).click();
	await expect(main.getByTestId('claim-status')).toContainText('Confirmed', { timeout: 30_000 });
	await expect(main.getByTestId('claimable')).toHaveText('0 OPEN');
	expect(await claimable(contributor)).toBe(0n);
	await shot('claimed');

	// The Models page lists the demo's model as registered, with its fee.
	await page.goto('/models');
	await expect(page.getByTestId('run-registered')).toHaveText(/^registered as model #\d+, 0\.01 OPEN per answer$/);
	expect(errors).toEqual([]);
});
