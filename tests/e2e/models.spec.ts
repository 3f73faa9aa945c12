// Training in the browser, end to end on the built app: a Datanet of real WordNet animal synsets imported as JSONL,
// tiny trained in the trainer worker, the tab reloaded mid-run, training resumed from the last OPFS checkpoint and
// finished; the answer traced to the training records that shaped it (influence index built in the attribution
// worker as training finished), its receipt verified, exported, and failing verification once altered; then the model exported as a zip and imported back, whose answers cannot be traced to training records
// (it brought none). A configuration too large for the device, and a Datanet with no approved records, give clear
// errors and lose nothing. A trained model is fine-tuned with a LoRA adapter, and the merged result answers.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { parseDataFile, synsetText } from '../../src/lib/demo/wordnet';
import { wordnetDictDir } from '../../src/lib/demo/wordnet.node';

// The first noun.animal synsets as "lemma, lemma: gloss" JSONL: the demo Datanet's record text.
function animalJsonl(count: number): string {
	const nouns = parseDataFile(readFileSync(join(wordnetDictDir(), 'data.noun'), 'utf8'));
	return nouns
		.filter((s) => s.lexname === 'noun.animal')
		.slice(0, count)
		.map((s) => JSON.stringify({ text: synsetText(s) }))
		.join('\n');
}

async function createDatanet(page: Page, name: string, policy: 'open' | 'curated') {
	await page.goto('/datanets/new');
	await page.getByLabel('Name').fill(name);
	await page.getByLabel('Summary').fill(`${name} for training`);
	await page.getByLabel('Access policy').selectOption(policy);
	await page.getByRole('button', { name: 'Create Datanet' }).click();
	await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

/** Chooses exactly one Datanet to train on, by its label in the form ("Name (N approved)"). */
async function trainOn(page: Page, label: string) {
	const group = page.getByRole('group', { name: 'Datanets' });
	for (const box of await group.getByRole('checkbox').all()) await box.uncheck();
	await group.getByRole('checkbox', { name: label }).check();
}

/** An open Datanet of the first `count` noun.animal synsets, imported as JSONL. */
async function animalDatanet(page: Page, name: string, count: number) {
	await createDatanet(page, name, 'open');
	await page.getByRole('link', { name: 'Import', exact: true }).click();
	const file = `${name.toLowerCase()}.jsonl`;
	await page.getByLabel(/^File/).setInputFiles({ name: file, mimeType: 'application/x-ndjson', buffer: Buffer.from(animalJsonl(count)) });
	await page.getByRole('button', { name: `Import ${file}` }).click();
	await expect(page.getByRole('region', { name: 'Import report' })).toContainText(`${count} records stored`, { timeout: 60_000 });
}

test('train tiny in the worker, reload mid-run, resume from the checkpoint, export and import', async ({ page }) => {
	test.setTimeout(600_000);
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));

	await animalDatanet(page, 'Animals', 200);

	await page.goto('/models');
	await trainOn(page, 'Animals (200 approved)');
	await page.getByLabel('Model size').selectOption('tiny');
	await page.getByLabel('Device').selectOption('cpu');
	await page.getByLabel('Steps').fill('40');
	await page.getByLabel('Batch size').fill('4');
	await page.getByLabel('Checkpoint every').fill('5');
	// Before anything runs: the data's size in tokens, what the run reads, and about how long it takes here.
	await expect(page.getByTestId('train-data')).toContainText(/This one has 200, about [\d,]+ tokens for this model size\./);
	await expect(page.getByTestId('train-estimate')).toContainText(/^40 steps × 4 windows of 128 tokens read 20,480 tokens, about [\d.]+ passes over the data: about .+ at [\d,]+ tokens\/s/);
	await page.getByRole('button', { name: 'Start training' }).click();
	await expect(page.getByTestId('backend')).toHaveText('on the CPU');
	await expect(page.getByTestId('checkpoint')).toHaveText(/saved at step (10|15|20|25|30)$/, { timeout: 120_000 });
	const before = Number((await page.getByTestId('checkpoint').textContent())!.match(/\d+/)![0]);
	await page.screenshot({ path: test.info().outputPath('training.png'), fullPage: true, style: 'header { position: static !important; }' });

	// A reload kills the worker mid-run; the page resumes the unfinished run from its last checkpoint.
	await page.reload();
	const resumed = page.getByRole('status').filter({ hasText: /Resumed from the checkpoint at step \d+/ });
	await expect(resumed).toBeVisible({ timeout: 60_000 });
	const from = Number((await resumed.textContent())!.match(/step (\d+)/)![1]);
	expect(from).toBeGreaterThanOrEqual(before);
	expect(from % 5).toBe(0);
	await expect(page.getByTestId('run-status')).toHaveText('Finished.', { timeout: 240_000 });
	// A finished run builds its influence index right away, with its progress in the training card.
	await expect(page.getByText(/^Preparing attribution/)).toBeVisible({ timeout: 30_000 });
	await expect(page.getByRole('progressbar', { name: /Step 40 of 40/ })).toBeVisible();
	const valLoss = Number(await page.getByTestId('val-loss').textContent());
	expect(valLoss).toBeGreaterThan(0);
	expect(valLoss).toBeLessThan(Math.log(512)); // below a uniform guess over the vocabulary
	await page.screenshot({ path: test.info().outputPath('finished.png'), fullPage: true, style: 'header { position: static !important; }' });
	await page.getByRole('region', { name: /^Training/ }).screenshot({ path: test.info().outputPath('training-card.png'), style: 'header { position: static !important; }' });

	// Try it: the finished model streams a greedy continuation of "wolf:" from the inference worker.
	await page.getByRole('button', { name: 'Load model' }).click();
	await expect(page.getByTestId('inference-backend')).toContainText(/On the (GPU|CPU)/, { timeout: 60_000 });
	await page.getByLabel('Start of the text').fill('wolf:');
	await page.getByLabel(/^Temperature/).fill('0');
	await page.getByLabel(/^Tokens/).fill('16');
	await page.getByRole('button', { name: 'Generate' }).click();
	await expect(page.getByText(/tokens at [\d.]+ tokens\/s/)).toBeVisible({ timeout: 60_000 });
	const generated = (await page.getByTestId('generated').textContent())!;
	expect(generated.startsWith('wolf:')).toBe(true);
	expect(generated.length).toBeGreaterThan('wolf:'.length);
	console.log(`greedy after "wolf:" in the browser: ${JSON.stringify(generated)}`);

	// Which records shaped it: the run's influence index is built in the attribution worker, then every training record
	// is scored for the answer; the top records, the contributors' shares and the method are shown.
	const tracing = Date.now();
	await page.getByRole('button', { name: 'Which records shaped this answer?' }).click();
	const influence = page.getByTestId('influence-result');
	await expect(influence).toBeVisible({ timeout: 300_000 });
	console.log(`influence index and query: ${((Date.now() - tracing) / 1000).toFixed(1)} s`);
	const texts = await influence.getByTestId('influence-text').allTextContents();
	expect(texts.length).toBeGreaterThanOrEqual(3);
	for (const text of texts) {
		expect(text.trim()).not.toBe('');
		expect(text).not.toContain('no longer in this browser');
	}
	await expect(influence.getByTestId('influence-record').first()).toContainText('Animals');
	const shareRows = influence.getByRole('table', { name: 'Contributor shares of this answer' }).locator('tbody tr');
	expect(await shareRows.count()).toBeGreaterThanOrEqual(1);
	const percents = (await shareRows.allTextContents()).map((row) => Number(row.match(/([\d.]+)%/)![1]));
	expect(percents.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 5);
	await expect(influence.getByTestId('influence-method')).toContainText(/projected gradients \(k = [\d,]+\)/);
	await expect(influence.getByTestId('influence-method')).toContainText(/scored on the (GPU \(WebGPU\)|CPU)/);
	// Beside influence, the answer's passages found verbatim in the training records, and the rule that combines both.
	await expect(influence.getByTestId('answer-spans')).toBeVisible();
	await expect(influence.getByTestId('spans-method')).toContainText(/found verbatim in the [\d,]+ training records/);
	await expect(influence.getByTestId('combination-rule')).toContainText('Influence carries 50% of the credit and verbatim spans 50%');
	// The answer's receipt: verified by recomputing it here, exported as JSON; the same file with altered shares fails
	// verification and names the difference.
	const receipt = influence.getByTestId('receipt');
	await receipt.getByTestId('receipt-verify').click();
	await expect(receipt.getByTestId('receipt-verified')).toBeVisible({ timeout: 120_000 });
	const [receiptFile] = await Promise.all([page.waitForEvent('download'), receipt.getByRole('button', { name: 'Export JSON' }).click()]);
	const receiptPath = test.info().outputPath('receipt.json');
	await receiptFile.saveAs(receiptPath);
	const exported = JSON.parse(readFileSync(receiptPath, 'utf8'));
	expect(exported).toMatchObject({ v: 1, prompt: 'wolf:', output: generated.slice('wolf:'.length), methods: [{ name: 'influence' }, { name: 'spans', parameters: { index: 'training-records' } }] });
	expect(exported.shares.reduce((s: number, x: { bps: number }) => s + x.bps, 0)).toBe(10_000);
	const altered = structuredClone(exported);
	altered.shares[0].bps -= 1000;
	altered.shares.push({ contributor: '0x' + 'ee'.repeat(20), bps: 1000 });
	await page.getByTestId('receipt-file').setInputFiles({ name: 'altered.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(altered)) });
	const mismatch = page.getByTestId('receipt-file-result').getByTestId('receipt-mismatch');
	await expect(mismatch).toContainText(`shares ${exported.shares[0].contributor.toLowerCase()}`, { timeout: 120_000 });
	await expect(mismatch).toContainText('shares 0x' + 'ee'.repeat(20));
	await expect(page.getByTestId('receipt-row')).toHaveCount(1);

	// The panel fits a 360 px phone: nothing scrolls sideways.
	await page.setViewportSize({ width: 360, height: 800 });
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
	await influence.screenshot({ path: test.info().outputPath('influence-360.png'), style: 'header { position: static !important; }' });
	await page.setViewportSize({ width: 1280, height: 720 });

	// Export: one zip with the three model files; import it back as a second model.
	const runs = page.getByTestId('run');
	await expect(runs).toHaveCount(1);
	await expect(runs.first()).toContainText('finished');
	const [download] = await Promise.all([page.waitForEvent('download'), runs.first().getByRole('button', { name: 'Export' }).click()]);
	const zipPath = test.info().outputPath('model.zip');
	await download.saveAs(zipPath);
	const entries = unzipSync(readFileSync(zipPath));
	expect(Object.keys(entries).sort()).toEqual(['config.json', 'tokenizer.json', 'weights.safetensors']);
	await page.getByLabel('Model files').setInputFiles(zipPath);
	await expect(page.getByRole('status').filter({ hasText: /Imported a model: 2 layers × 128/ })).toBeVisible();
	await expect(runs).toHaveCount(2);

	// An imported model brought no training data: asking which records shaped its answer says so.
	const tryCard = page.getByRole('region', { name: 'Try a model' });
	await tryCard.getByRole('combobox').selectOption((await tryCard.locator('option', { hasText: /step 0$/ }).getAttribute('value'))!);
	await tryCard.getByRole('button', { name: 'Load model' }).click();
	await expect(page.getByTestId('generated')).toHaveText('wolf:', { timeout: 60_000 });
	await page.getByRole('button', { name: 'Generate' }).click();
	await expect(page.getByText(/tokens at [\d.]+ tokens\/s/)).toBeVisible({ timeout: 60_000 });
	await page.getByRole('button', { name: 'Which records shaped this answer?' }).click();
	await expect(page.getByRole('alert').filter({ hasText: 'An imported model has no training records to attribute to' })).toBeVisible();
	await expect(page.getByTestId('influence-result')).toHaveCount(0);

	// A bad file is reported and nothing is stored.
	await page.getByLabel('Model files').setInputFiles({ name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(entries['config.json']) });
	await expect(page.getByText(/The model is missing weights.safetensors, tokenizer.json/)).toBeVisible();
	await expect(runs).toHaveCount(2);
	expect(errors).toEqual([]);
});

test('impossible configurations: too large for the device, or no approved records, say why and lose nothing', async ({ page }) => {
	await createDatanet(page, 'Awaiting review', 'curated');
	await page.getByRole('link', { name: 'Add', exact: true }).click();
	await page.getByLabel('Text', { exact: true }).fill('A record still waiting for a curator.');
	await page.getByRole('button', { name: 'Add record' }).click();
	await expect(page.getByRole('status').filter({ hasText: /^Added/ })).toBeVisible();
	await page.goto('/models');
	await trainOn(page, 'Awaiting review (0 approved)');

	// small at batch size 64 needs more memory than a tab gets: the form says so at once, and starting is refused.
	await page.getByLabel('Model size').selectOption('small');
	await page.getByLabel('Batch size').fill('64');
	await expect(page.getByTestId('preset-unavailable')).toContainText(/cannot train here: Needs about [\d.]+ GB at batch size 64, more than this device gives one tab/);
	await page.getByRole('button', { name: 'Start training' }).click();
	await expect(page.getByRole('alert').filter({ hasText: /The small model cannot train on this device: Needs about [\d.]+ GB/ })).toBeVisible();
	// Nothing is lost: the form keeps what was typed, and no run was made.
	await expect(page.getByLabel('Batch size')).toHaveValue('64');
	await expect(page.getByLabel('Model size')).toHaveValue('small');
	await expect(page.getByText('None yet: train one above, or import one below.')).toBeVisible();

	// At batch size 8 it fits; the Datanet has no approved record yet, which is the next thing said.
	await page.getByLabel('Batch size').fill('8');
	await expect(page.getByTestId('preset-unavailable')).toHaveCount(0);
	await page.getByRole('button', { name: 'Start training' }).click();
	await expect(page.getByText(/has no approved records yet/)).toBeVisible();
	await expect(page.getByText('None yet: train one above, or import one below.')).toBeVisible();
	await expect(page.getByRole('checkbox', { name: 'Awaiting review (0 approved)' })).toBeChecked();
});

test('fine-tune a trained model with a LoRA adapter; the run names its base, and the result answers', async ({ page }) => {
	test.setTimeout(300_000);
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	await animalDatanet(page, 'Birds', 30);

	await page.goto('/models');
	await trainOn(page, 'Birds (30 approved)');
	await page.getByLabel('Device').selectOption('cpu');
	await page.getByLabel('Steps').fill('8');
	await page.getByLabel('Batch size').fill('4');
	await page.getByLabel('Checkpoint every').fill('4');
	await page.getByRole('button', { name: 'Start training' }).click();
	await expect(page.getByTestId('run-status')).toHaveText('Finished.', { timeout: 120_000 });
	const runs = page.getByTestId('run');
	await expect(runs).toHaveCount(1);
	const baseId = (await runs.first().locator('strong.mono').textContent())!;

	// Start from the trained model: its size is kept (no model size to choose); LoRA rank 8 is the default.
	const startFrom = page.getByLabel('Start from');
	await startFrom.selectOption((await startFrom.locator('option', { hasText: `Fine-tune ${baseId}` }).textContent())!.trim());
	await expect(page.getByLabel('Training', { exact: true })).toHaveValue('lora');
	await expect(page.getByLabel('LoRA rank')).toHaveValue('8');
	await expect(page.getByLabel('Model size')).toBeHidden();
	await page.getByLabel('Steps').fill('6');
	await page.getByRole('button', { name: 'Start training' }).click();
	await expect(page.getByTestId('run-status')).toHaveText('Finished.', { timeout: 120_000 });
	await expect(runs).toHaveCount(2);
	const tuned = runs.filter({ has: page.getByTestId('run-method') });
	await expect(tuned.getByTestId('run-method')).toHaveText(`LoRA rank 8 of ${baseId}`);
	await expect(tuned).toContainText('step 6 of 6');
	// Its adapter exports alone, in PEFT's layout.
	const [adapterZip] = await Promise.all([page.waitForEvent('download'), tuned.getByRole('button', { name: 'Export adapter' }).click()]);
	const adapterPath = test.info().outputPath('adapter.zip');
	await adapterZip.saveAs(adapterPath);
	const adapterFiles = unzipSync(readFileSync(adapterPath));
	expect(Object.keys(adapterFiles).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
	expect(JSON.parse(new TextDecoder().decode(adapterFiles['adapter_config.json']))).toMatchObject({ peft_type: 'LORA', r: 8, lora_alpha: 16 });

	// The merged model answers like any other.
	const tryCard = page.getByRole('region', { name: 'Try a model' });
	const tunedId = (await tuned.locator('strong.mono').textContent())!;
	await tryCard.getByRole('combobox').selectOption((await tryCard.locator('option', { hasText: tunedId }).getAttribute('value'))!);
	await tryCard.getByRole('button', { name: 'Load model' }).click();
	await expect(page.getByTestId('inference-backend')).toContainText(/On the (GPU|CPU)/, { timeout: 60_000 });
	await page.getByLabel('Start of the text').fill('bird:');
	await page.getByRole('button', { name: 'Generate' }).click();
	await expect(page.getByText(/tokens at [\d.]+ tokens\/s/)).toBeVisible({ timeout: 60_000 });
	expect((await page.getByTestId('generated').textContent())!.length).toBeGreaterThan('bird:'.length);
	expect(errors).toEqual([]);
});
