// From approved records to batches: a seeded split BY RECORD (so no record's text is on both sides), one token stream
// per split with every example closed by <|endoftext|>, and a counter-based sampler: the windows of optimizer step i
// come from a PRNG seeded by (seed, i), so resuming needs only the step, and B*accum windows split into micro-batches
// are exactly the windows of one B*accum batch. Shapes: B batch (windows), T time (tokens per window), V vocab.
import type { RecordContent } from '$lib/core/record';
import { END_OF_TEXT, type BpeTokenizer } from '$lib/core/tokenizer/bpe';
import { IGNORE_INDEX } from '../cpu/crossEntropy';
import { createRng, mixSeed } from '../random';
import { TrainingDataError } from './errors';
import { templateBody } from './template';

/** An approved record with its content id. */
export type TrainingRecord = { cid: string; content: RecordContent };

/** Options of splitRecords. */
export type SplitOptions = {
	/** Share of the records held out for validation, in [0, 1). */
	validationFraction: number;
	/** Seed of the shuffle that picks the validation records. */
	seed: number;
};

/** Records on each side of the split, each side in CID order. */
export type RecordSplit = { train: TrainingRecord[]; validation: TrainingRecord[] };

/** One split as tokens: record i is tokens[offsets[i], offsets[i + 1]), its <|endoftext|> included. */
export type TokenStream = {
	tokens: Int32Array; // (N)
	cids: string[]; // (n records)
	offsets: Int32Array; // (n + 1)
};

/** Both splits as token streams. */
export type TrainingData = { train: TokenStream; validation: TokenStream };

/** A batch of B windows: inputs[b, t] = stream[s_b + t], targets[b, t] = stream[s_b + t + 1] (or IGNORE_INDEX). */
export type TokenBatch = {
	inputs: Int32Array; // (B,T)
	targets: Int32Array; // (B,T)
};

const byCid = (a: TrainingRecord, b: TrainingRecord) => (a.cid < b.cid ? -1 : a.cid > b.cid ? 1 : 0);

/** Splits records into train and validation by a seeded shuffle of the CID-sorted list (input order does not matter). */
export function splitRecords(records: readonly TrainingRecord[], { validationFraction, seed }: SplitOptions): RecordSplit {
	if (!(validationFraction >= 0 && validationFraction < 1)) {
		throw new TrainingDataError('The validation fraction must be at least 0 and below 1.', {
			details: `Got ${validationFraction}.`
		});
	}
	const sorted = [...records].sort(byCid);
	for (let i = 1; i < sorted.length; i++) {
		if (sorted[i].cid === sorted[i - 1].cid) {
			throw new TrainingDataError('A record appears twice in the training set.', { details: `CID ${sorted[i].cid}.` });
		}
	}
	const n = sorted.length;
	// At least one record on each side whenever there are two records and any validation was asked for.
	const nValidation = validationFraction === 0 || n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * validationFraction)));
	const order = sorted.slice();
	const rng = createRng(seed);
	for (let i = n - 1; i > 0; i--) {
		const j = Math.floor(rng.uniform() * (i + 1));
		[order[i], order[j]] = [order[j], order[i]];
	}
	return { train: order.slice(nValidation).sort(byCid), validation: order.slice(0, nValidation).sort(byCid) };
}

/** Tokenizes records in order through the template into one stream, each record closed by the <|endoftext|> id. */
export function tokenizeRecords(records: readonly TrainingRecord[], tokenizer: BpeTokenizer): TokenStream {
	const endOfText = tokenizer.tokenId(END_OF_TEXT);
	if (endOfText === undefined) {
		throw new TrainingDataError(`The tokenizer has no ${END_OF_TEXT} token.`, {
			hint: 'Train the tokenizer with the default special tokens.'
		});
	}
	const parts = records.map((r) => tokenizer.encode(templateBody(r.content)));
	const offsets = new Int32Array(records.length + 1);
	for (let i = 0; i < parts.length; i++) offsets[i + 1] = offsets[i] + parts[i].length + 1;
	const tokens = new Int32Array(offsets[records.length]);
	for (let i = 0; i < parts.length; i++) {
		tokens.set(parts[i], offsets[i]);
		tokens[offsets[i + 1] - 1] = endOfText;
	}
	return { tokens, cids: records.map((r) => r.cid), offsets };
}

/** Splits the records and tokenizes both sides. */
export function prepareData(records: readonly TrainingRecord[], tokenizer: BpeTokenizer, options: SplitOptions): TrainingData {
	const { train, validation } = splitRecords(records, options);
	return { train: tokenizeRecords(train, tokenizer), validation: tokenizeRecords(validation, tokenizer) };
}

/** Draws the B training windows of draw `index` (an optimizer step): uniform starts from a PRNG seeded by (seed, index). */
export function sampleBatch(tokens: Int32Array, B: number, T: number, seed: number, index: number): TokenBatch {
	const starts = tokens.length - T; // a window needs T + 1 tokens
	if (starts < 1) {
		throw new TrainingDataError('Too little training text for one window.', {
			details: `${tokens.length} tokens; a window needs ${T + 1}.`,
			hint: 'Add records or use a model with a shorter block size.'
		});
	}
	const rng = createRng(mixSeed(seed, index));
	const inputs = new Int32Array(B * T);
	const targets = new Int32Array(B * T);
	for (let b = 0; b < B; b++) {
		const s = Math.floor(rng.uniform() * starts);
		inputs.set(tokens.subarray(s, s + T), b * T);
		targets.set(tokens.subarray(s + 1, s + T + 1), b * T);
	}
	return { inputs, targets };
}

/** Cuts a stream into consecutive windows (stride T, every token after the first predicted once), B per batch, in
 * order; at most maxBatches. Padding in the last window and batch has IGNORE_INDEX targets. */
export function validationBatches(tokens: Int32Array, B: number, T: number, maxBatches: number): TokenBatch[] {
	const windows = Math.ceil((tokens.length - 1) / T);
	const batches: TokenBatch[] = [];
	for (let w0 = 0; w0 < windows && batches.length < maxBatches; w0 += B) {
		const inputs = new Int32Array(B * T);
		const targets = new Int32Array(B * T).fill(IGNORE_INDEX);
		for (let b = 0; b < B && w0 + b < windows; b++) {
			const s = (w0 + b) * T;
			const inp = tokens.subarray(s, Math.min(s + T, tokens.length - 1));
			inputs.set(inp, b * T);
			targets.set(tokens.subarray(s + 1, s + 1 + inp.length), b * T);
		}
		batches.push({ inputs, targets });
	}
	return batches;
}

/** Cross-entropy in nats/token, on the validation tokens the model predicts (all but the first), of a unigram model
 * fit on the training tokens with add-one smoothing over the vocabulary: the floor a language model must beat. */
export function unigramBaseline(trainTokens: Int32Array, valTokens: Int32Array, vocabSize: number): number {
	const counts = new Float64Array(vocabSize);
	for (const t of trainTokens) counts[t]++;
	const logTotal = Math.log(trainTokens.length + vocabSize);
	let sum = 0;
	for (let i = 1; i < valTokens.length; i++) sum += logTotal - Math.log(counts[valTokens[i]] + 1);
	return valTokens.length < 2 ? NaN : sum / (valTokens.length - 1);
}
