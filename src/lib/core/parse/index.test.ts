import { describe, expect, it } from 'vitest';
import { MAX_RECORD_BYTES } from '../record';
import { csvHeader, parseStream, sniffFormat, toRecord, type ImportFormat, type ParsedItem, type ParseOptions } from './index';
import { streamOf } from './lines';

const utf8 = (s: string) => new TextEncoder().encode(s);
const bytesOf = (...parts: (string | number[])[]) =>
	Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...utf8(p)] : p)));

async function parse(input: string | Uint8Array, format: ImportFormat, opts: ParseOptions = { kind: 'text' }, chunks?: Uint8Array[]) {
	const stream = chunks ? streamOf(...chunks) : streamOf(typeof input === 'string' ? utf8(input) : input);
	const out: ParsedItem[] = [];
	for await (const item of parseStream(stream, format, opts)) out.push(item);
	return out;
}

const text = (line: number, t: string): ParsedItem => ({ line, kind: 'text', fields: { text: t } });
const err = (line: number, reason: string) => ({ line, error: expect.objectContaining({ reason }) });

describe('txt', () => {
	it('makes one record per paragraph, numbered by its first line', async () => {
		const input = 'First para\nstill first\n\n\n  \nSecond\r\n\r\nThird\n';
		expect(await parse(input, 'txt')).toEqual([text(1, 'First para\nstill first'), text(6, 'Second'), text(8, 'Third')]);
	});

	it('rejects only the paragraph with invalid UTF-8', async () => {
		const input = bytesOf('good one\n\nbad ', [0xff], ' here\nmore\n\nlast');
		const items = await parse(input, 'txt');
		expect(items).toEqual([text(1, 'good one'), err(3, 'invalid-utf8'), text(6, 'last')]);
		expect('error' in items[1] && items[1].error.message).toContain('Line 3');
	});

	it('gives one wrong-fields error when the Datanet kind is not text', async () => {
		const items = await parse('a\n\nb', 'txt', { kind: 'qa' });
		expect(items).toEqual([err(1, 'wrong-fields')]);
		expect('error' in items[0] && items[0].error.message).toMatch(/JSONL or CSV/);
	});

	it('stops keeping the text of a huge paragraph and reports it as too large', async () => {
		const huge = ('x'.repeat(999) + '\n').repeat(200);
		const items = await parse(`small\n\n${huge}\nafter`, 'txt');
		expect(items).toEqual([text(1, 'small'), err(3, 'too-large'), text(204, 'after')]);
	});
});

describe('md', () => {
	it('splits at ATX headings, keeping the heading line and a non-empty preamble', async () => {
		const input = '\n\nIntro text\n\n# Title\nBody\n\nMore body\n## Sub\n####### not a heading\n#hashtag not a heading\n   ### Indented\n';
		expect(await parse(input, 'md')).toEqual([
			text(3, 'Intro text\n'),
			text(5, '# Title\nBody\n\nMore body'),
			text(9, '## Sub\n####### not a heading\n#hashtag not a heading'),
			text(12, '   ### Indented')
		]);
	});

	it('skips an empty preamble and keeps heading-only sections', async () => {
		expect(await parse('\n \n# A\n# B\n', 'md')).toEqual([text(3, '# A'), text(4, '# B')]);
	});

	it('does not split at # lines inside fenced code blocks', async () => {
		const input = '# Setup\n```bash\n# install\nnpm i\n```\n~~~\n# still code\n~~~\n# Next\ntext';
		const items = await parse(input, 'md');
		expect(items.map((i) => i.line)).toEqual([1, 9]);
		expect(items[0]).toEqual(text(1, '# Setup\n```bash\n# install\nnpm i\n```\n~~~\n# still code\n~~~'));
	});

	it('rejects the section with invalid UTF-8 and continues', async () => {
		const input = bytesOf('# A\nok\n# B\n', [0xc3, 0x28], '\n# C\nfine');
		expect(await parse(input, 'md')).toEqual([text(1, '# A\nok'), err(3, 'invalid-utf8'), text(5, '# C\nfine')]);
	});

	it('refuses non-text kinds', async () => {
		expect(await parse('# A', 'md', { kind: 'instruction' })).toEqual([err(1, 'wrong-fields')]);
	});
});

describe('jsonl', () => {
	it('accepts plain field objects and { kind, fields } envelopes, skipping blank lines', async () => {
		const input = '{"question":"Q1","answer":"A1"}\n\n  \n{"v":1,"kind":"qa","fields":{"question":"Q2","answer":"A2"}}\r\n';
		expect(await parse(input, 'jsonl', { kind: 'qa' })).toEqual([
			{ line: 1, kind: 'qa', fields: { question: 'Q1', answer: 'A1' } },
			{ line: 4, kind: 'qa', fields: { question: 'Q2', answer: 'A2' } }
		]);
	});

	it('reports invalid JSON with the parser message, wrong kinds and non-objects, then continues', async () => {
		const input = [
			'{"text":"ok"}',
			'{"text": "unterminated',
			'{"kind":"qa","fields":{"question":"q","answer":"a"}}',
			'[1,2]',
			'"just a string"',
			'{"kind":"text","fields":"nope"}',
			'{"text":"last"}'
		].join('\n');
		const items = await parse(input, 'jsonl');
		expect(items).toEqual([
			{ line: 1, kind: 'text', fields: { text: 'ok' } },
			err(2, 'invalid-json'),
			err(3, 'wrong-fields'),
			err(4, 'wrong-fields'),
			err(5, 'wrong-fields'),
			err(6, 'wrong-fields'),
			{ line: 7, kind: 'text', fields: { text: 'last' } }
		]);
		const invalid = items[1] as { error: { message: string } };
		expect(invalid.error.message).toMatch(/^Invalid JSON: .*(string|JSON)/i);
		expect((items[2] as { error: { message: string } }).error.message).toContain('"qa"');
	});

	it('handles a BOM and invalid UTF-8 per line', async () => {
		const input = bytesOf('\ufeff{"text":"a"}\n{"text":"', [0xe2, 0x82], '"}\n{"text":"b"}');
		expect(await parse(input, 'jsonl')).toEqual([
			{ line: 1, kind: 'text', fields: { text: 'a' } },
			err(2, 'invalid-utf8'),
			{ line: 3, kind: 'text', fields: { text: 'b' } }
		]);
	});
});

describe('csv', () => {
	const qa = { kind: 'qa' } as const;

	it('parses quotes, doubled quotes, commas and newlines inside quotes, numbering rows by their first line', async () => {
		const input = 'question,answer\r\n"Why, though?","Because ""reasons"""\r\n"multi\r\nline",x\nplain,"a\n\nb"\nlast,row';
		expect(await parse(input, 'csv', qa)).toEqual([
			{ line: 2, kind: 'qa', fields: { question: 'Why, though?', answer: 'Because "reasons"' } },
			{ line: 3, kind: 'qa', fields: { question: 'multi\nline', answer: 'x' } },
			{ line: 5, kind: 'qa', fields: { question: 'plain', answer: 'a\n\nb' } },
			{ line: 8, kind: 'qa', fields: { question: 'last', answer: 'row' } }
		]);
	});

	it('maps columns by name (case-insensitive) or through csvMapping, ignoring other columns', async () => {
		const input = 'ID, Question ,Answer\n1,q,a\n';
		expect(await parse(input, 'csv', qa)).toEqual([{ line: 2, kind: 'qa', fields: { question: 'q', answer: 'a' } }]);
		const mapped = await parse('prompt,completion,extra\np,c,e', 'csv', {
			kind: 'instruction',
			csvMapping: { instruction: 'prompt', response: 'completion' }
		});
		expect(mapped).toEqual([{ line: 2, kind: 'instruction', fields: { instruction: 'p', response: 'c' } }]);
	});

	it('gives one error when the mapping does not fit the header', async () => {
		const noColumn = await parse('q,a\n1,2\n3,4', 'csv', { kind: 'qa', csvMapping: { question: 'q', answer: 'missing' } });
		expect(noColumn).toEqual([err(1, 'wrong-fields')]);
		expect((noColumn[0] as { error: { message: string } }).error.message).toContain('"missing"');
		const unmapped = await parse('prompt,completion\n1,2', 'csv', qa);
		expect(unmapped).toEqual([err(1, 'wrong-fields')]);
		expect((unmapped[0] as { error: { message: string } }).error.message).toMatch(/"question", "answer".*"prompt", "completion"/);
		const badField = await parse('a,b\n1,2', 'csv', { kind: 'qa', csvMapping: { question: 'a', answer: 'b', title: 'a' } });
		expect(badField).toEqual([err(1, 'wrong-fields')]);
	});

	it('reports wrong column counts, invalid UTF-8 and unclosed quotes per row', async () => {
		const input = bytesOf('question,answer\nonly one\na,b,c\n"bad ', [0xff], '\nstill bad",x\nok,fine\n"never closed,x\nmore');
		expect(await parse(input, 'csv', qa)).toEqual([
			err(2, 'wrong-fields'),
			err(3, 'wrong-fields'),
			err(4, 'invalid-utf8'),
			{ line: 6, kind: 'qa', fields: { question: 'ok', answer: 'fine' } },
			err(7, 'wrong-fields')
		]);
	});

	it('is lenient with spaces before quotes and stray quotes, and skips blank lines', async () => {
		const input = 'question,answer\n\n  "q1" , say "hi"\n\n';
		expect(await parse(input, 'csv', qa)).toEqual([{ line: 3, kind: 'qa', fields: { question: 'q1 ', answer: ' say "hi"' } }]);
	});

	it('yields nothing for an empty file and reads the header alone', async () => {
		expect(await parse('', 'csv', qa)).toEqual([]);
		expect(await csvHeader(streamOf(utf8('\ufeff a ,"b, c"\r\n1,2\n')))).toEqual(['a', 'b, c']);
		expect(await csvHeader(streamOf(utf8('')))).toEqual([]);
	});

	it('csvHeader stops reading after the first row', async () => {
		let pulls = 0;
		let cancelled = false;
		const stream = new ReadableStream<Uint8Array>({
			pull: (c) => {
				pulls++;
				c.enqueue(utf8(pulls === 1 ? 'question,answer\n' : 'x,y\n'.repeat(1000)));
			},
			cancel: () => void (cancelled = true)
		});
		expect(await csvHeader(stream)).toEqual(['question', 'answer']);
		expect(cancelled).toBe(true);
		expect(pulls).toBeLessThan(5);
	});
});

describe('chunk boundaries', () => {
	const cases: [ImportFormat, ParseOptions, Uint8Array][] = [
		['txt', { kind: 'text' }, bytesOf('\ufeffPara é\r\none\r\n\r\n', [0xff], '\n\n😀 two\n')],
		['md', { kind: 'text' }, bytesOf('pre\n# Hé\nbody\r\n```\n# code\n```\n## B\n', [0xc3], '\n# C')],
		['jsonl', { kind: 'qa' }, bytesOf('\ufeff{"question":"q","answer":"é"}\r\n\nnot json\n{"question":"😀","answer":"a"}')],
		['csv', { kind: 'qa' }, bytesOf('\ufeffquestion,answer\r\n"a\r\nb","c ""d"""\r\nx,', [0xff], '\r\n"é",😀')]
	];
	for (const [format, opts, bytes] of cases) {
		it(`${format}: every split point and byte-by-byte chunks give the same items`, async () => {
			const expected = await parse(bytes, format, opts);
			expect(expected.length).toBeGreaterThanOrEqual(3);
			expect(await parse(bytes, format, opts, Array.from(bytes, (b) => Uint8Array.of(b)))).toEqual(expected);
			for (let i = 0; i <= bytes.length; i++)
				expect(await parse(bytes, format, opts, [bytes.slice(0, i), bytes.slice(i)])).toEqual(expected);
		});
	}
});

describe('sniffFormat', () => {
	it('recognises extensions case-insensitively', () => {
		expect(sniffFormat('notes.TXT')).toBe('txt');
		expect(sniffFormat('README.markdown')).toBe('md');
		expect(sniffFormat('data.v2.ndjson')).toBe('jsonl');
		expect(sniffFormat('sheet.csv')).toBe('csv');
		expect(sniffFormat('data.json')).toBeNull();
		expect(sniffFormat('Makefile')).toBeNull();
		expect(sniffFormat('x.constructor')).toBeNull();
	});
});

describe('toRecord', () => {
	it('canonicalizes good items and converts errors', () => {
		expect(toRecord({ line: 4, kind: 'text', fields: { text: ' hi\r\n' } })).toEqual({
			ok: true,
			content: { v: 1, kind: 'text', fields: { text: 'hi' } }
		});
		expect(toRecord({ line: 5, kind: 'qa', fields: { question: 'q' } })).toMatchObject({ ok: false, line: 5, reason: 'wrong-fields' });
		expect(toRecord({ line: 6, kind: 'text', fields: { text: 'x'.repeat(MAX_RECORD_BYTES) } })).toMatchObject({
			ok: false,
			reason: 'too-large'
		});
		expect(toRecord({ line: 7, error: { reason: 'invalid-json', message: 'bad' } })).toEqual({
			ok: false,
			line: 7,
			reason: 'invalid-json',
			message: 'bad'
		});
	});
});

describe('throughput', () => {
	it('parses 20 MB of JSONL well above 50k lines/s', async () => {
		const line = (i: number) => JSON.stringify({ question: `Question number ${i} about rivers and markets?`, answer: `Answer ${i}: ${'lorem ipsum '.repeat(12)}` }) + '\n';
		const lines: string[] = [];
		let size = 0;
		for (let i = 0; size < 20 * 1024 * 1024; i++) {
			lines.push(line(i));
			size += lines[i].length;
		}
		const bytes = utf8(lines.join(''));
		const chunkSize = 64 * 1024;
		const chunks: Uint8Array[] = [];
		for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(bytes.subarray(at, at + chunkSize));
		const t0 = performance.now();
		let count = 0;
		for await (const item of parseStream(streamOf(...chunks), 'jsonl', { kind: 'qa' })) if ('fields' in item) count++;
		const seconds = (performance.now() - t0) / 1000;
		const rate = count / seconds;
		console.log(`jsonl parse: ${Math.round(rate).toLocaleString('en')} lines/s, ${(bytes.length / 1e6 / seconds).toFixed(1)} MB/s (${count} lines, ${(bytes.length / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s)`);
		expect(count).toBe(lines.length);
		expect(rate).toBeGreaterThan(50_000);
	});
});
