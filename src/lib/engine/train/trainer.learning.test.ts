import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordCidString } from '$lib/core/cid';
import { canonicalRecord } from '$lib/core/record';
import { trainBpe } from '$lib/core/tokenizer/bpe';
import { parseDataFile, synsetText } from '$lib/demo/wordnet';
import { wordnetDictDir } from '$lib/demo/wordnet.node';
import { gptConfig } from '../config';
import { prepareData, unigramBaseline, type TrainingRecord } from './data';
import { templateText } from './template';
import { Trainer, trainConfig } from './trainer';

// A quick real-data check of the whole loop: the first 300 noun.animal synsets ("lemma, lemma: gloss"), a 512-token
// BPE, and a model small enough to beat the unigram baseline in a few seconds on two cores.
function animalRecords(count: number): TrainingRecord[] {
	const nouns = parseDataFile(readFileSync(join(wordnetDictDir(), 'data.noun'), 'utf8'));
	return nouns
		.filter((s) => s.lexname === 'noun.animal')
		.slice(0, count)
		.map((s) => {
			const { content, bytes } = canonicalRecord('text', { text: synsetText(s) });
			return { cid: recordCidString(bytes), content };
		});
}

describe('Trainer on WordNet noun.animal', () => {
	it('brings the validation loss 5% below the unigram baseline', async () => {
		const records = animalRecords(300);
		const tokenizer = trainBpe(records.map((r) => templateText(r.content)), { vocabSize: 512 });
		const schedule = { steps: 100, lr: 3e-3, minLr: 3e-4, warmupSteps: 10 };
		const config = trainConfig({ ...schedule, batchSize: 8, evalEvery: 1000, evalBatches: 16, seed: 1 });
		const data = prepareData(records, tokenizer, { validationFraction: config.validationFraction, seed: config.seed });
		const model = gptConfig('tiny', { vocabSize: tokenizer.vocabSize, blockSize: 64, nLayer: 1, nHead: 4, nEmbd: 64 });
		const baseline = unigramBaseline(data.train.tokens, data.validation.tokens, tokenizer.vocabSize);
		const trainer = new Trainer(model, data, config);
		const started = performance.now();
		const before = trainer.evaluate()!;
		await trainer.run();
		const after = trainer.evaluate()!;
		console.log(
			`noun.animal: ${data.train.tokens.length} train / ${data.validation.tokens.length} validation tokens; ` +
				`unigram ${baseline.toFixed(3)}, val ${before.toFixed(3)} -> ${after.toFixed(3)} nats/token ` +
				`in ${config.steps} steps, ${((performance.now() - started) / 1000).toFixed(1)} s`
		);
		expect(after).toBeLessThan(0.95 * baseline);
	}, 120_000); // about 10 s alone on 2 cores; the margin is for a loaded machine
});
