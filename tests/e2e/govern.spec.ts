// The Stake & vote page on a phone-sized screen against the e2e server's local chain: a demo account connects the dev
// wallet through the page, wraps OPEN into votes and bonds OPEN as an agent; then, from Node, a fresh account wraps
// enough WOPEN to propose slashing that agent through OpenGovernor, the chain's clock moves past the voting delay, and
// the page shows the proposal Active with its decoded call and records the account's For vote through the outbox.
// The chain may keep state between runs, so every amount is read from the chain rather than assumed.
import { CHAIN_JSON } from '../../playwright.config';
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createPublicClient, createTestClient, createWalletClient, encodeFunctionData, http, keccak256, parseEther, parseEventLogs, toHex, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { agentStakingAbi, openGovernorAbi, wOpenAbi } from '../../src/lib/chain/abi';
import { localChain } from '../../src/lib/chain/networks';
import { formatOpen } from '../../src/lib/chain/rewards';
import { short } from '../../src/lib/ui/format';

type ChainJson = { rpcUrl: string; contracts: Record<'WOpen' | 'OpenGovernor' | 'AgentStaking', Address>; devAccounts: { label: string; address: Address }[] };

function chainClients() {
	const config: ChainJson = JSON.parse(readFileSync(CHAIN_JSON, 'utf8'));
	const chain = localChain(config.rpcUrl);
	const pub = createPublicClient({ chain, transport: http(config.rpcUrl) });
	const anvil = createTestClient({ chain, mode: 'anvil', transport: http(config.rpcUrl) });
	return { config, chain, pub, anvil };
}

/** The account's WOPEN votes and its active bond, as the contracts hold them now. */
async function holdings(account: Address) {
	const { config, pub } = chainClients();
	const [votes, stake] = await Promise.all([
		pub.readContract({ address: config.contracts.WOpen, abi: wOpenAbi, functionName: 'getVotes', args: [account] }),
		pub.readContract({ address: config.contracts.AgentStaking, abi: agentStakingAbi, functionName: 'stakeOf', args: [account] })
	]);
	return { votes, bonded: stake.bonded };
}

/** From a fresh account funded by anvil: wraps the proposal threshold's WOPEN and proposes to slash `agent` by
 * `amount`; returns the proposal id, its snapshot and its description's title. */
async function proposeSlash(agent: Address, amount: bigint) {
	const { config, chain, pub, anvil } = chainClients();
	const { WOpen, OpenGovernor, AgentStaking } = config.contracts;
	const proposer = privateKeyToAccount(generatePrivateKey());
	const wallet = createWalletClient({ chain, account: proposer, transport: http(config.rpcUrl) });
	const mined = async (hash: Hex) => {
		const receipt = await pub.waitForTransactionReceipt({ hash, pollingInterval: 50 });
		expect(receipt.status).toBe('success');
		return receipt;
	};
	const threshold = await pub.readContract({ address: OpenGovernor, abi: openGovernorAbi, functionName: 'proposalThreshold' });
	await anvil.setBalance({ address: proposer.address, value: threshold + parseEther('10') });
	await mined(await wallet.writeContract({ address: WOpen, abi: wOpenAbi, functionName: 'deposit', value: threshold }));
	// The Governor counts the proposer's votes one second before the proposal: let the clock pass the deposit.
	await anvil.increaseTime({ seconds: 2 });
	await anvil.mine({ blocks: 1 });

	const title = `Slash agent ${short(agent)} for misattributed answers`;
	const evidence = keccak256(toHex(`evidence ${Date.now()} ${Math.random()}`));
	const slash = encodeFunctionData({ abi: agentStakingAbi, functionName: 'slash', args: [agent, amount, evidence, proposer.address] });
	const receipt = await mined(
		await wallet.writeContract({
			address: OpenGovernor,
			abi: openGovernorAbi,
			functionName: 'propose',
			args: [[AgentStaking], [0n], [slash], `# ${title}\n\nEvidence ${evidence}: the agent's answers credited the wrong records.`]
		})
	);
	const [{ args: created }] = parseEventLogs({ abi: openGovernorAbi, eventName: 'ProposalCreated', logs: receipt.logs });
	return { proposalId: created.proposalId, snapshot: created.voteStart, title };
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

test('on a phone: wrap OPEN into votes, bond as an agent, and vote For a slashing proposal', async ({ browser }, testInfo) => {
	test.setTimeout(240_000);
	const { config, pub, anvil } = chainClients();
	const me = config.devAccounts.find((a) => a.label === 'Demo contributor 7')!;
	// Each run spends 7 OPEN of this account; a chain kept over many runs tops it up.
	if ((await pub.getBalance({ address: me.address })) < parseEther('50')) await anvil.setBalance({ address: me.address, value: parseEther('100') });
	const before = await holdings(me.address);

	const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
	const page = await context.newPage();
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	await page.goto('/govern');
	await expect(page.getByRole('heading', { level: 1, name: 'Stake & vote' })).toBeVisible();
	await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Govern' })).toHaveAttribute('aria-current', 'page');
	const main = page.getByRole('main');
	await expect(main.getByTestId('no-wallet')).toBeVisible();
	await expectFitsPhone(page, 'no wallet');

	// The dev wallet, as the demo account, through the page.
	await main.getByLabel('Dev wallet (local chain only)').selectOption(me.address);
	await main.getByRole('button', { name: 'Use dev wallet' }).click();
	await expect(page.getByRole('button', { name: /^Wallet 0x/ })).toBeVisible();
	const power = main.getByRole('region', { name: 'Voting power' });
	await expect(power.getByTestId('votes')).toHaveText(formatOpen(before.votes));
	if (before.votes > 0n) await expect(power.getByTestId('delegate')).toHaveText('Yourself');

	// Amounts that cannot be wrapped say why, and the button stays off.
	const amount = power.getByLabel(/^Amount/);
	const wrapButton = power.getByRole('button', { name: /^Wrap/ }).last();
	for (const [text, message] of [
		['abc', 'Not an amount: use digits and at most one dot, like 2.5.'],
		['0', 'Enter an amount above 0.'],
		['1000000', /^That is more than your OPEN balance \(/]
	] as const) {
		await amount.fill(text);
		await expect(power.getByText(message)).toBeVisible();
		await expect(amount).toHaveAttribute('aria-invalid', 'true');
		await expect(wrapButton).toBeDisabled();
	}

	// Unwrapping is checked against the WOPEN balance instead.
	const action = power.getByRole('group', { name: 'Action' });
	await action.getByRole('button', { name: 'Unwrap', exact: true }).click();
	await expect(power.getByText(/^That is more than your WOPEN balance \(/)).toBeVisible();
	await action.getByRole('button', { name: 'Wrap', exact: true }).click();
	await expect(action.getByRole('button', { name: 'Wrap', exact: true })).toHaveAttribute('aria-pressed', 'true');

	await amount.fill('5');
	await power.getByRole('button', { name: 'Wrap 5 OPEN' }).click();
	await expect(power.getByTestId('wrap-status')).toHaveAttribute('data-status', 'confirmed', { timeout: 30_000 });
	const wrapped = before.votes + parseEther('5');
	await expect(power.getByTestId('votes')).toHaveText(formatOpen(wrapped));
	await expect(power.getByTestId('delegate')).toHaveText('Yourself');
	expect((await holdings(me.address)).votes).toBe(wrapped);

	// Bond 2 OPEN as an agent.
	const stake = main.getByRole('region', { name: 'Agent stake' });
	await stake.getByLabel(/^Amount/).fill('2');
	await stake.getByRole('button', { name: 'Bond 2 OPEN' }).click();
	await expect(stake.getByTestId('stake-status')).toHaveAttribute('data-status', 'confirmed', { timeout: 30_000 });
	const bonded = before.bonded + parseEther('2');
	await expect(stake.getByTestId('bonded')).toHaveText(formatOpen(bonded));
	expect((await holdings(me.address)).bonded).toBe(bonded);
	await expect(stake.getByTestId('slash-cap')).toContainText(`${formatOpen(bonded / 2n)} OPEN`);
	await expectFitsPhone(page, 'wrapped and bonded');
	await page.screenshot({ path: testInfo.outputPath('govern-1-wrapped-bonded.png'), fullPage: true });

	// From Node: a slashing proposal against this agent, and the clock past the voting delay.
	const { proposalId, snapshot, title } = await proposeSlash(me.address, parseEther('1'));
	const { OpenGovernor } = config.contracts;
	const delay = await pub.readContract({ address: OpenGovernor, abi: openGovernorAbi, functionName: 'votingDelay' });
	await anvil.increaseTime({ seconds: Number(delay) + 60 });
	await anvil.mine({ blocks: 1 });
	expect(await pub.readContract({ address: OpenGovernor, abi: openGovernorAbi, functionName: 'state', args: [proposalId] })).toBe(1); // Active
	const weight = await pub.readContract({ address: OpenGovernor, abi: openGovernorAbi, functionName: 'getVotes', args: [me.address, snapshot] });
	expect(weight).toBe(wrapped);

	await page.reload();
	await expect(page.getByRole('button', { name: /^Wallet 0x/ })).toBeVisible(); // the dev wallet came back by itself
	const card = main.locator(`[data-testid="proposal"][data-proposal-id="${proposalId}"]`);
	await expect(card.getByRole('heading', { name: title })).toBeVisible({ timeout: 30_000 });
	await expect(card.getByTestId('proposal-state')).toHaveText('Active');
	const call = card.getByTestId('proposal-call');
	await expect(call).toContainText('AgentStaking.slash(agent, amount, evidenceHash, reporter)');
	await expect(call).toContainText(`${me.address} (you)`);
	await expect(call).toContainText('1 OPEN');
	await expect(card.getByTestId('tally-for')).toHaveText('0');
	await expect(card).toContainText(`Your vote counts ${formatOpen(weight)} WOPEN.`);
	await card.scrollIntoViewIfNeeded();
	await expectFitsPhone(page, 'an active proposal');
	await page.screenshot({ path: testInfo.outputPath('govern-2-proposal-active.png'), fullPage: true });
	await card.screenshot({ path: testInfo.outputPath('govern-2-proposal-card.png') });

	await card.getByRole('group', { name: 'Your vote' }).getByRole('button', { name: 'For', exact: true }).click();
	await expect(card.getByTestId('vote-status')).toHaveAttribute('data-status', 'confirmed', { timeout: 30_000 });
	await expect(card.getByTestId('tally-for')).toHaveText(formatOpen(weight));
	await expect(card.getByTestId('voted')).toHaveText(`You voted For with ${formatOpen(weight)} WOPEN.`);
	await expect(card.getByRole('button', { name: 'For', exact: true })).toHaveCount(0);
	const [, forVotes] = await pub.readContract({ address: OpenGovernor, abi: openGovernorAbi, functionName: 'proposalVotes', args: [proposalId] });
	expect(forVotes).toBe(weight);
	expect(await pub.readContract({ address: OpenGovernor, abi: openGovernorAbi, functionName: 'hasVoted', args: [proposalId, me.address] })).toBe(true);
	await expectFitsPhone(page, 'after voting');
	await page.screenshot({ path: testInfo.outputPath('govern-3-voted.png'), fullPage: true });
	expect(errors).toEqual([]);
	await context.close();
});
