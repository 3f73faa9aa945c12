// Tests of the tokenizer.json format: save -> load gives identical encodings and hash, malformed files are rejected by
// name, and the committed fixture matches both today's trainer and the Hugging Face `tokenizers` library's encodings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataFile, synsetText } from '../../demo/wordnet';
import { wordnetDictDir } from '../../demo/wordnet.node';
import { TokenizerError, trainBpe } from './bpe';
import { loadTokenizerJson, saveTokenizerJson, toTokenizerJson, tokenizerHash } from './tokenizerJson';

const synsets = parseDataFile(readFileSync(join(wordnetDictDir(), 'data.noun'), 'utf8'));
const animalTexts = synsets.filter((s) => s.lexname === 'noun.animal').map(synsetText);
const tokenizer = trainBpe(animalTexts, { vocabSize: 1024 });
const fixtureText = readFileSync(join(import.meta.dirname, 'fixtures/noun-animal-1024.tokenizer.json'), 'utf8');
const hf: { cases: { text: string; ids: number[]; decoded: string }[] } = JSON.parse(
	readFileSync(join(import.meta.dirname, 'fixtures/hf-encodings.json'), 'utf8')
);
const samples = [...synsets.filter((_, i) => i % 50 === 0).map((s) => s.gloss), ...hf.cases.map((c) => c.text)];

/** A fresh copy of the tokenizer's JSON document, to break in one place. */
const doc = () => structuredClone(toTokenizerJson(tokenizer)) as unknown as Record<string, Record<string, unknown>>;

describe('save and load', () => {
	it('loads to a tokenizer with identical encodings, file and hash', () => {
		const loaded = loadTokenizerJson(saveTokenizerJson(tokenizer));
		for (const s of samples) expect(loaded.encode(s, { allowSpecial: true })).toEqual(tokenizer.encode(s, { allowSpecial: true }));
		expect(saveTokenizerJson(loaded)).toBe(saveTokenizerJson(tokenizer));
		expect(tokenizerHash(loaded)).toBe(tokenizerHash(tokenizer));
		expect(tokenizerHash(tokenizer)).toMatch(/^[0-9a-f]{64}$/);
	});

	it('keys the hash on the tokenizer, not on the file formatting or merge notation', () => {
		const d = doc();
		d.model.merges = (d.model.merges as [string, string][]).map(([a, b]) => `${a} ${b}`);
		const loaded = loadTokenizerJson(JSON.stringify(d, null, 2));
		expect(tokenizerHash(loaded)).toBe(tokenizerHash(tokenizer));
		expect(tokenizerHash(trainBpe(animalTexts, { vocabSize: 1000 }))).not.toBe(tokenizerHash(tokenizer));
	});
});

describe('the committed fixture', () => {
	it('is what trainBpe produces today on noun.animal at vocabulary 1,024', () => {
		expect(saveTokenizerJson(tokenizer)).toBe(fixtureText);
	});

	it('encodes and decodes exactly like the Hugging Face tokenizers library', () => {
		const loaded = loadTokenizerJson(fixtureText);
		for (const c of hf.cases) {
			expect(Array.from(loaded.encode(c.text, { allowSpecial: true })), c.text).toEqual(c.ids);
			expect(loaded.decode(c.ids)).toBe(c.decoded);
		}
	});
});

describe('malformed files', () => {
	const rejects = (value: unknown, message: RegExp) => {
		const load = () => loadTokenizerJson(typeof value === 'string' ? value : JSON.stringify(value));
		expect(load).toThrow(TokenizerError);
		expect(load).toThrow(message);
	};

	it('rejects text that is not JSON, or not an object', () => {
		rejects('{"model": ', /not JSON/);
		rejects('[1, 2]', /the document must be an object/);
	});

	it('rejects models and pipelines it would not encode like the writer did', () => {
		rejects({ ...doc(), model: { ...doc().model, type: 'WordPiece' } }, /model\.type is "WordPiece"/);
		rejects({ ...doc(), pre_tokenizer: { type: 'Metaspace' } }, /pre_tokenizer "Metaspace"; only ByteLevel/);
		rejects({ ...doc(), decoder: null }, /decoder is missing/);
		rejects({ ...doc(), normalizer: { type: 'NFC' } }, /normalizer must be null/);
		rejects({ ...doc(), model: { ...doc().model, dropout: 0.1 } }, /dropout/);
		rejects({ ...doc(), model: { ...doc().model, ignore_merges: true } }, /ignore_merges must be false/);
	});

	it('rejects a broken vocabulary', () => {
		const d = doc();
		delete d.model.vocab;
		rejects(d, /model\.vocab must be an object/);
		const gap = doc();
		delete (gap.model.vocab as Record<string, number>)['Ġthe'];
		rejects(gap, /no token has id \d+; ids must run from 0 without gaps/);
		const dup = doc();
		(dup.model.vocab as Record<string, number>)['zzzz'] = 5;
		rejects(dup, /gives id 5 to both/);
		const foreign = doc();
		(foreign.model.vocab as Record<string, number>)['wolf 🐺'] = 1024;
		rejects(foreign, /not a byte-level character/);
		const negative = doc();
		(negative.model.vocab as Record<string, number>)['Ā'] = -1;
		rejects(negative, /ids are non-negative integers/);
		const noByte = doc();
		const vocab = noByte.model.vocab as Record<string, number>;
		delete vocab['Ā'];
		vocab['ĀĀĀĀĀ'] = 0;
		rejects(noByte, /no token stands for the byte 0x00/);
	});

	it('rejects bad merges and added tokens', () => {
		const unknown = doc();
		(unknown.model.merges as unknown[]).push(['zq', 'x']);
		rejects(unknown, /model\.merges\[\d+\] .* uses "zq", which is not in model\.vocab/);
		const shape = doc();
		(shape.model.merges as unknown[])[3] = 'a b c';
		rejects(shape, /model\.merges\[3\] is "a b c"/);
		const clash = doc() as unknown as { added_tokens: { id: number }[] };
		clash.added_tokens[0].id = 65;
		rejects(clash, /added_tokens\[0\] \("<\|endoftext\|>"\) has id 65, which model\.vocab gives to "A"/);
		const strip = doc() as unknown as { added_tokens: { lstrip: boolean }[] };
		strip.added_tokens[1].lstrip = true;
		rejects(strip, /added_tokens\[1\]\.lstrip is not supported/);
	});
});
