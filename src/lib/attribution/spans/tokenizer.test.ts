import { describe, expect, it } from 'vitest';
import { trainBpe } from '../../core/tokenizer/bpe';
import { loadTokenizerJson, saveTokenizerJson, tokenizerHash } from '../../core/tokenizer/tokenizerJson';
import { SegmentedSpanIndex } from './segmented';
import { nounGlosses } from './testText.node';
import { bpeSpanTokenizer, byteSegmentation, byteTokenizer, TokenizerError } from './tokenizer';
import { traceSpans } from './trace';

describe('byteTokenizer', () => {
	it('round-trips UTF-8 text through byte ids', () => {
		for (const text of ['', 'plain ascii', 'café, 你好, 🙂']) {
			const ids = byteTokenizer.encode(text);
			expect(ids).toBeInstanceOf(Uint16Array);
			expect(Array.from(ids)).toEqual(Array.from(new TextEncoder().encode(text)));
			expect(byteTokenizer.decode(ids)).toBe(text);
		}
		expect(byteTokenizer.vocabSize).toBe(256);
		expect(byteTokenizer.hash).toMatch(/^[0-9a-f]{64}$/);
		expect(() => byteTokenizer.decode([256])).toThrow(TokenizerError);
		const ids = byteTokenizer.encode('a b. c');
		expect(byteTokenizer.segment(ids)).toEqual(byteSegmentation(ids));
	});
});

describe('byteSegmentation', () => {
	it('puts boundaries everywhere except inside a word, and never inside a UTF-8 character', () => {
		const ids = byteTokenizer.encode('ab, é!');
		const { wordBoundary } = byteSegmentation(ids);
		// a b , ' ' 0xC3 0xA9 !   -> positions 0..7
		expect(Array.from(wordBoundary)).toEqual([1, 0, 1, 1, 1, 0, 1, 1]);
	});

	it('ends sentences at . ! ? before a space or the end, and at newlines', () => {
		const ids = byteTokenizer.encode('Pi is 3.14. Yes! Ok?\nno');
		const ends = Array.from(byteSegmentation(ids).sentenceEnd).flatMap((f, i) => (f ? [i] : []));
		expect(ends).toEqual([10, 15, 19, 20]);
	});
});

describe('bpeSpanTokenizer', () => {
	const glosses = nounGlosses(1500);
	const bpe = trainBpe(glosses, { vocabSize: 1024 });
	const tokenizer = bpeSpanTokenizer(bpe);
	const encoder = new TextEncoder();

	it('round-trips text through 16-bit ids and is keyed by the tokenizer.json hash', () => {
		expect(tokenizer.vocabSize).toBe(1024);
		expect(tokenizer.hash).toBe(tokenizerHash(bpe));
		expect(bpeSpanTokenizer(loadTokenizerJson(saveTokenizerJson(bpe))).hash).toBe(tokenizer.hash);
		for (const text of [...glosses.slice(0, 200), '', 'café, 你好, 🙂', 'line one.\n\nline two!  ']) {
			const ids = tokenizer.encode(text);
			expect(ids).toBeInstanceOf(Uint16Array);
			expect(ids.every((id) => id < tokenizer.vocabSize)).toBe(true);
			expect(tokenizer.decode(ids)).toBe(text);
		}
		// Merges make the BPE text several times shorter than its bytes.
		const text = glosses.slice(0, 200).join('\n');
		expect(tokenizer.encode(text).length).toBeLessThan(encoder.encode(text).length / 2);
		expect(() => tokenizer.segment([1024])).toThrow(TokenizerError);
	});

	it('segments as byteSegmentation does at token edges, on WordNet glosses', () => {
		const texts = [...glosses.slice(1000, 1300), 'a résumé of 3.14 naïve ideas. Really?\nYes! ok.)', '  leading spaces... and \u00e9\u0301 combining'];
		for (const text of texts) {
			const ids = tokenizer.encode(text);
			const starts = [0];
			for (const id of ids) starts.push(starts[starts.length - 1] + bpe.model.tokenBytes[id].length);
			const bytes = byteSegmentation(encoder.encode(text));
			const { wordBoundary, sentenceEnd } = tokenizer.segment(ids);
			expect(Array.from(wordBoundary)).toEqual(starts.map((b) => bytes.wordBoundary[b]));
			expect(Array.from(sentenceEnd)).toEqual(Array.from(ids, (_, i) => (bytes.sentenceEnd.subarray(starts[i], starts[i + 1]).includes(1) ? 1 : 0)));
		}
	});

	it('puts a boundary before a pre-token with a leading space and none inside a word split into several tokens', () => {
		const word = 'hippopotamuses';
		const ids = tokenizer.encode(`the ${word} swam.`);
		const pieces = Array.from(ids, (id) => tokenizer.decode([id]));
		const { wordBoundary, sentenceEnd } = tokenizer.segment(ids);
		const at = pieces.findIndex((p) => p.startsWith(' h'));
		let end = at + 1;
		while (!pieces[end].startsWith(' ')) end++;
		expect(pieces.slice(at, end).join('')).toBe(` ${word}`);
		expect(end - at).toBeGreaterThan(1);
		expect(wordBoundary[at]).toBe(1);
		expect(Array.from(wordBoundary.subarray(at + 1, end))).toEqual(new Array(end - at - 1).fill(0));
		expect(wordBoundary[end]).toBe(1);
		expect(sentenceEnd[ids.length - 1]).toBe(1);
		// A character outside the merges is several byte tokens, which never split.
		const snow = tokenizer.encode('☃');
		expect(snow.length).toBe(3);
		expect(Array.from(tokenizer.segment(snow).wordBoundary)).toEqual([1, 0, 0, 1]);
	});

	it('traces quotes as the byte tokenizer does, on a line of their own or after a space', () => {
		const records = glosses.slice(0, 400).map((text, i) => ({ cid: `g${i}`, contributor: `0x${String(i % 4).padStart(40, '0')}`, datanetId: 'wordnet', text }));
		// The second quote follows a space, so its first word is the token " the"; records are indexed after a leading
		// space (segment.ts), so the record starting "the act" holds that token too and the span starts at "the".
		expect(glosses[301].startsWith('the act of')).toBe(true);
		const response = `As they say:\n${glosses[17]}\nAlso ${glosses[301]}`;
		const quoted = (t: typeof tokenizer) => {
			const index = SegmentedSpanIndex.empty(t).withRecords(records, t);
			const { spans } = traceSpans(index, { prompt: '', response, tokenizer: t });
			for (const s of spans) expect(response.slice(s.charStart, s.charEnd)).toBe(s.text);
			return spans.filter((s) => s.text.length > 30).map((s) => [s.text, s.sources.map((x) => x.cid)]);
		};
		const expected = [
			[glosses[17], ['g17']],
			[glosses[301], ['g301']]
		];
		expect(quoted(byteTokenizer)).toEqual(expected);
		expect(quoted(tokenizer)).toEqual(expected);
	});
});
