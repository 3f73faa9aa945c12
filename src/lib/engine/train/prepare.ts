// From a training request to what the loop needs: the approved records of the chosen Datanets (read from IndexedDB as
// the span index reads them), the split, a tokenizer trained on the training side only (deterministic: BPE counts
// words, so record order does not matter) unless one is given, the model config sized to it, and the token streams.
import { trainBpe, type BpeTokenizer } from '$lib/core/tokenizer/bpe';
import { loadTokenizerJson } from '$lib/core/tokenizer/tokenizerJson';
import { getDatanet, mayContribute } from '$lib/store/datanets';
import { openLedgerDb } from '$lib/store/db';
import { forEachChunk } from '$lib/store/records';
import { GPT_PRESETS, DEFAULT_GPT_CONFIG, gptConfig, type GPTConfig, type GPTPreset } from '../config';
import { EngineConfigError } from '../errors';
import { splitRecords, tokenizeRecords, type TrainingData, type TrainingRecord } from './data';
import { TrainingDataError } from './errors';
import { templateBody } from './template';
import { trainConfig, type TrainConfig } from './trainer';

/** How the tokenizer is made: trained on the training records to vocabSize, or loaded from a tokenizer.json. */
export type TokenizerOptions = {
	/** Target vocabulary, specials included (default the model's vocabSize override, else the preset's). */
	vocabSize?: number;
	/** A tokenizer.json to use as it is instead of training one. */
	json?: string;
};

/** The model: a preset and the fields that differ (vocabSize defaults to the tokenizer's). */
export type ModelOptions = { preset?: GPTPreset; overrides?: Partial<GPTConfig> };

/** What prepareTrainingRun needs besides the records. */
export type PrepareTrainingRunParameters = {
	tokenizer?: TokenizerOptions;
	model?: ModelOptions;
	/** Training config overrides (checked by trainConfig). */
	train?: Readonly<Record<string, unknown>>;
};

/** Everything a run trains with. */
export type PreparedTrainingRun = {
	tokenizer: BpeTokenizer;
	model: GPTConfig;
	train: TrainConfig;
	data: TrainingData;
};

/** Reads the approved records of the Datanets that their policy admits, each CID once (the first Datanet in id
 * order that holds it). */
export async function readApprovedRecords(datanetIds: readonly string[], dbName?: string): Promise<TrainingRecord[]> {
	const db = await openLedgerDb(dbName);
	const seen = new Set<string>();
	const records: TrainingRecord[] = [];
	for (const datanetId of [...new Set(datanetIds)].sort()) {
		const datanet = await getDatanet(db, datanetId as `0x${string}`); // a NotFoundError names an unknown Datanet
		await forEachChunk(db, datanetId as `0x${string}`, (chunk) => {
			for (const r of chunk.records) {
				// Approved only, and of an allowlist Datanet only its admitted contributors' (the list may have shrunk).
				if (r.status !== 'approved' || !mayContribute(datanet, r.contributor) || seen.has(r.cid)) continue;
				seen.add(r.cid);
				records.push({ cid: r.cid, content: r.content });
			}
		});
	}
	return records;
}

/** Checks the configs, splits the records, trains (or loads) the tokenizer and tokenizes both sides; throws typed errors. */
export function prepareTrainingRun(records: readonly TrainingRecord[], { tokenizer: tokenizerOptions = {}, model: modelOptions = {}, train: trainOverrides = {} }: PrepareTrainingRunParameters): PreparedTrainingRun {
	const train = trainConfig(trainOverrides);
	const { preset = 'tiny', overrides = {} } = modelOptions;
	gptConfig(preset, overrides); // unknown keys and bad values fail before any tokenizer work
	if (records.length === 0) {
		throw new TrainingDataError('There are no approved records to train on.', {
			hint: 'Choose Datanets with approved records, or approve pending records first.'
		});
	}
	const split = splitRecords(records, { validationFraction: train.validationFraction, seed: train.seed });
	const presetVocab = { ...DEFAULT_GPT_CONFIG, ...GPT_PRESETS[preset] }.vocabSize;
	const tokenizer = tokenizerOptions.json !== undefined
		? loadTokenizerJson(tokenizerOptions.json)
		: trainBpe(split.train.map((r) => templateBody(r.content)), { vocabSize: tokenizerOptions.vocabSize ?? overrides.vocabSize ?? presetVocab });
	const model = gptConfig(preset, { ...overrides, vocabSize: overrides.vocabSize ?? tokenizer.vocabSize });
	if (model.vocabSize < tokenizer.vocabSize) {
		throw new EngineConfigError('The model\'s vocabulary is smaller than the tokenizer\'s.', {
			details: `Model vocabSize ${model.vocabSize}; the tokenizer has ${tokenizer.vocabSize} tokens.`,
			hint: 'Leave the model\'s vocabSize unset to take the tokenizer\'s.'
		});
	}
	const data = { train: tokenizeRecords(split.train, tokenizer), validation: tokenizeRecords(split.validation, tokenizer) };
	if (data.train.tokens.length < model.blockSize + 1) {
		throw new TrainingDataError('Too little training text for one window.', {
			details: `${data.train.tokens.length} training tokens; a window of this model needs ${model.blockSize + 1}.`,
			hint: 'Add records or use a model with a shorter blockSize.'
		});
	}
	return { tokenizer, model, train, data };
}
