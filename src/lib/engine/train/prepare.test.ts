import { describe, expect, it } from 'vitest';
import { saveTokenizerJson } from '$lib/core/tokenizer/tokenizerJson';
import { EngineConfigError } from '../errors';
import { TrainingDataError } from './errors';
import { prepareTrainingRun } from './prepare';
import { sentenceRecords } from './test-fixtures';

const RECORDS = sentenceRecords(40);
const SMALL = { tokenizer: { vocabSize: 300 }, model: { overrides: { blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 32 } }, train: { seed: 3 } };

describe('prepareTrainingRun', () => {
	it('is deterministic whatever the record order, and sizes the model to the tokenizer', () => {
		const a = prepareTrainingRun(RECORDS, SMALL);
		const b = prepareTrainingRun([...RECORDS].reverse(), SMALL);
		expect(saveTokenizerJson(b.tokenizer)).toBe(saveTokenizerJson(a.tokenizer));
		expect(b.data.train.tokens).toEqual(a.data.train.tokens);
		expect(b.data.validation.cids).toEqual(a.data.validation.cids);
		expect(a.tokenizer.vocabSize).toBe(300);
		expect(a.model).toMatchObject({ vocabSize: 300, blockSize: 16, nLayer: 1, nEmbd: 32 });
		expect(a.train.seed).toBe(3);
		expect(a.data.validation.cids).toHaveLength(4); // validationFraction 0.1 of 40
	});

	it('uses a given tokenizer.json as it is', () => {
		const { tokenizer } = prepareTrainingRun(RECORDS, SMALL);
		const other = prepareTrainingRun(RECORDS.slice(0, 20), { ...SMALL, tokenizer: { json: saveTokenizerJson(tokenizer) } });
		expect(saveTokenizerJson(other.tokenizer)).toBe(saveTokenizerJson(tokenizer));
	});

	it('rejects no records, bad configs, a vocabulary below the tokenizer\'s and too little text', () => {
		expect(() => prepareTrainingRun([], SMALL)).toThrow(TrainingDataError);
		expect(() => prepareTrainingRun([], SMALL)).toThrow(/no approved records/);
		expect(() => prepareTrainingRun(RECORDS, { ...SMALL, train: { stepz: 1 } })).toThrow(EngineConfigError);
		expect(() => prepareTrainingRun(RECORDS, { ...SMALL, model: { overrides: { nLayers: 2 } as never } })).toThrow(/Unknown model config key: nLayers/);
		expect(() => prepareTrainingRun(RECORDS, { ...SMALL, model: { overrides: { ...SMALL.model.overrides, vocabSize: 280 } } })).toThrow(/smaller than the tokenizer/);
		const long = { ...SMALL, model: { overrides: { ...SMALL.model.overrides, blockSize: 4096 } } };
		expect(() => prepareTrainingRun(RECORDS, long)).toThrow(/Too little training text/);
	});
});
