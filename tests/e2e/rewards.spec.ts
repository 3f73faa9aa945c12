// The Rewards page on a phone-sized screen against the e2e server's local chain: answers are recorded from Node (a
// published Datanet, a model with a fee, two attributed inferences crediting two demo contributors), then a contributor
// sees the credits, claims through the dev wallet, and claims for the other contributor while paying the gas itself.
// The chain may keep state between runs, so every amount is read from the chain rather than assumed.
import { CHAIN_JSON } from '../../playwright.config';
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createPublicClient, createWalletClient, http, keccak256, parseEther, parseEventLogs, toHex, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { LOCAL_DEPLOYER_KEY } from '../../scripts/chain/deploy.mjs';
import { attributionLedgerAbi, datanetRegistryAbi, modelRegistryAbi } from '../../src/lib/chain/abi';
import { localChain } from '../../src/lib/chain/networks';
import { formatOpen } from '../../src/lib/chain/rewards';
import { short } from '../../src/lib/ui/format';

type ChainJson = { rpcUrl: string; contracts: Record<'DatanetRegistry' | 'ModelRegistry' | 'AttributionLedger', Address>; devAccounts: { label: string; address: Address }[] };

const FEE = parseEther('0.05');

function chainClients() {
	const config: ChainJson = JSON.parse(readFileSync(CHAIN_JSON, 'utf8'));
	const chain = localChain(config.rpcUrl);
	const pub = createPublicClient({ chain, transport: http(config.rpcUrl) });
	const deployer = createWalletClient({ chain, transport: http(config.rpcUrl), account: privateKeyToAccount(LOCAL_DEPLOYER_KEY as Hex) });
	return { config, pub, deployer };
}

/** Publishes a Datanet, registers a model on it and records two answers that credit `contributors`; returns the model
 * id and the answers' output hashes. */
async function recordAnswers(contributors: [Address, Address]) {
	const { config, pub, deployer } = chainClients();
	const { DatanetRegistry, ModelRegistry, AttributionLedger } = config.contracts;
	const salt = `${Date.now()}-${Math.random()}`;
	const mined = async (hash: Hex) => {
		const receipt = await pub.waitForTransactionReceipt({ hash, pollingInterval: 50 });
		expect(receipt.status).toBe('success');
		return receipt;
	};
	const created = await mined(
		await deployer.writeContract({ address: DatanetRegistry, abi: datanetRegistryAbi, functionName: 'createDatanet', args: [keccak256(toHex(`datanet ${salt}`)), 0, []] })
	);
	const [{ args: { datanetId } }] = parseEventLogs({ abi: datanetRegistryAbi, eventName: 'DatanetCreated', logs: created.logs });
	await mined(await deployer.writeContract({ address: DatanetRegistry, abi: datanetRegistryAbi, functionName: 'publish', args: [datanetId] }));
	const registered = await mined(
		await deployer.writeContract({
			address: ModelRegistry,
			abi: modelRegistryAbi,
			functionName: 'register',
			args: [[datanetId], keccak256(toHex(`training ${salt}`)), keccak256(toHex(`weights ${salt}`)), keccak256(toHex(`model ${salt}`)), FEE]
		})
	);
	const [{ args: { modelId } }] = parseEventLogs({ abi: modelRegistryAbi, eventName: 'ModelRegistered', logs: registered.logs });
	const outputs: Hex[] = [];
	for (const [i, weights] of [[6000, 4000], [2500, 7500]].entries()) {
		const outputHash = keccak256(toHex(`answer ${salt} ${i}`));
		await mined(
			await deployer.writeContract({
				address: AttributionLedger,
				abi: attributionLedgerAbi,
				functionName: 'recordInference',
				args: [modelId, outputHash, contributors, weights, 1],
				value: FEE
			})
		);
		outputs.push(outputHash);
	}
	return { modelId, outputs };
}

async function claimable(account: Address) {
	const { config, pub } = chainClients();
	return pub.readContract({ address: config.contracts.AttributionLedger, abi: attributionLedgerAbi, functionName: 'claimable', args: [account] });
}

/** Fails on horizontal scrolling and on controls smaller than 44 x 44 px inside the page's main content. */
async function expectFitsPhone(page: Page, what: string) {
	const overflow = await page.evaluate(() => {
		const width = document.documentElement.clientWidth;
		const wide = [...document.body.querySelectorAll('*')].filter((el) => el.getBoundingClientRect().right > width + 0.5);
		return { by: document.documentElement.scrollWidth - width, wide: wide.map((el) => el.outerHTML.slice(0, 80)).slice(-5) };
	});
	expect(overflow.by, `${what}: horizontal overflow from ${overflow.wide.join('\n')}`).toBeLessThanOrEqual(0);
	const small = await page.locator('main').evaluate((main) =>
		[...main.querySelectorAll('button, input, select, a.button')]
			.map((el) => ({ el, r: el.getBoundingClientRect() }))
			.filter(({ r }) => r.width > 0 && r.height > 0 && (r.width < 44 || r.height < 44))
			.map(({ el, r }) => `${el.outerHTML.slice(0, 60)} ${Math.round(r.width)}x${Math.round(r.height)}`)
	);
	expect(small, `${what}: tap targets under 44 px`).toEqual([]);
}

test('a contributor sees the credits, claims on a phone, and claims for someone else', async ({ browser }, testInfo) => {
	test.setTimeout(180_000);
	const { config, pub } = chainClients();
	const me = config.devAccounts.find((a) => a.label === 'Demo contributor 3')!;
	const other = config.devAccounts.find((a) => a.label === 'Demo contributor 4')!;
	const { modelId, outputs } = await recordAnswers([me.address, other.address]);
	const mine = await claimable(me.address);
	expect(mine).toBeGreaterThan(0n);

	const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
	const page = await context.newPage();
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	await page.goto('/rewards');
	await expect(page.getByRole('heading', { level: 1, name: 'Rewards' })).toBeVisible();
	const main = page.getByRole('main');
	await expect(main.getByText('paste an address to see its rewards')).toBeVisible();

	// A bad address gets a clear error, and nothing is read for it.
	const field = main.getByRole('textbox', { name: /^Address/ });
	await field.fill('0x1234');
	await expect(main.getByText('An address has 40 hex digits after 0x; this one has 4.')).toBeVisible();
	await expect(field).toHaveAttribute('aria-invalid', 'true');
	// An address nothing was credited to says so.
	await field.fill(privateKeyToAccount(generatePrivateKey()).address);
	await expect(main.getByTestId('nothing-credited')).toBeVisible();
	await expect(main.getByTestId('claimable')).toHaveText('0 OPEN');

	// Connect the dev wallet as the contributor: the field follows the wallet.
	await main.getByLabel('Dev wallet (local chain only)').selectOption(me.address);
	await main.getByRole('button', { name: 'Use dev wallet' }).click();
	await expect(field).toHaveValue(me.address);
	await expect(main.getByTestId('claimable')).toHaveText(`${formatOpen(mine)} OPEN`);
	const credits = main.getByRole('list', { name: 'Credits' }).getByRole('listitem');
	expect(await credits.count()).toBeGreaterThanOrEqual(2);
	// Newest first: the second answer, then the first, each with its model and output hash.
	await expect(credits.nth(0)).toContainText(`Model #${modelId}`);
	await expect(credits.nth(0)).toContainText(short(outputs[1], 10, 6));
	await expect(credits.nth(1)).toContainText(short(outputs[0], 10, 6));
	await expectFitsPhone(page, 'before claiming');
	await page.screenshot({ path: testInfo.outputPath('rewards-before-claim.png'), fullPage: true });

	const before = await pub.getBalance({ address: me.address });
	await main.getByRole('button', { name: `Claim ${formatOpen(mine)} OPEN` }).click();
	await expect(main.getByTestId('claim-status')).toContainText('Confirmed', { timeout: 30_000 });
	await expect(main.getByTestId('claimable')).toHaveText('0 OPEN');
	const claims = main.getByRole('list', { name: 'Claims' }).getByRole('listitem');
	await expect(claims.first()).toContainText(`${formatOpen(mine)} OPEN claimed`);
	await expect(claims.first()).toContainText('By this address');
	expect(await claimable(me.address)).toBe(0n);
	const after = await pub.getBalance({ address: me.address });
	expect(after).toBeGreaterThan(before);
	expect(after - before).toBeLessThanOrEqual(mine); // the claim, less the gas this account paid
	await expectFitsPhone(page, 'after claiming');
	await page.screenshot({ path: testInfo.outputPath('rewards-after-claim.png'), fullPage: true });

	// Claiming for the other contributor: this wallet pays the gas, the other receives exactly its balance.
	const theirs = await claimable(other.address);
	expect(theirs).toBeGreaterThan(0n);
	const theirsBefore = await pub.getBalance({ address: other.address });
	await field.fill(other.address);
	await expect(main.getByTestId('claimable')).toHaveText(`${formatOpen(theirs)} OPEN`);
	await main.getByRole('button', { name: `Claim ${formatOpen(theirs)} OPEN for ${short(other.address)}` }).click();
	await expect(main.getByTestId('claim-status')).toContainText('Confirmed', { timeout: 30_000 });
	await expect(main.getByTestId('claimable')).toHaveText('0 OPEN');
	await expect(main.getByRole('list', { name: 'Claims' }).getByRole('listitem').first()).toContainText(`Gas paid by ${short(me.address)}`);
	expect((await pub.getBalance({ address: other.address })) - theirsBefore).toBe(theirs);
	await main.getByRole('button', { name: /^Use my wallet/ }).click();
	await expect(field).toHaveValue(me.address);
	await expectFitsPhone(page, 'claimed for someone else');
	expect(errors).toEqual([]);
	await context.close();
});
