import { describe, expect, it } from 'vitest';
import { decodedLines, lines, streamOf } from './lines';

const utf8 = (s: string) => new TextEncoder().encode(s);

async function collect(stream: ReadableStream<Uint8Array>): Promise<[number, string][]> {
	const out: [number, string][] = [];
	for await (const l of lines(stream)) out.push([l.line, new TextDecoder('utf-8', { ignoreBOM: true }).decode(l.bytes)]);
	return out;
}

// Every way of cutting `bytes` into two chunks, plus one byte per chunk.
function splits(bytes: Uint8Array): Uint8Array[][] {
	const out: Uint8Array[][] = [[bytes], Array.from(bytes, (b) => Uint8Array.of(b))];
	for (let i = 0; i <= bytes.length; i++) out.push([bytes.slice(0, i), bytes.slice(i)]);
	return out;
}

describe('lines', () => {
	it('splits on LF and CRLF, keeps empty lines, and yields a last line without LF', async () => {
		expect(await collect(streamOf(utf8('a\r\nb\n\nc')))).toEqual([
			[1, 'a'],
			[2, 'b'],
			[3, ''],
			[4, 'c']
		]);
		expect(await collect(streamOf(utf8('a\n')))).toEqual([[1, 'a']]);
		expect(await collect(streamOf(utf8('')))).toEqual([]);
		expect(await collect(streamOf(utf8('\n')))).toEqual([[1, '']]);
		// A lone CR is not a line break; only a CR right before LF (or at the end) is dropped.
		expect(await collect(streamOf(utf8('a\rb\r')))).toEqual([[1, 'a\rb']]);
	});

	it('drops a UTF-8 BOM only at the start of the file', async () => {
		expect(await collect(streamOf(utf8('\ufeffa\n\ufeffb')))).toEqual([
			[1, 'a'],
			[2, '\ufeffb']
		]);
		expect(await collect(streamOf(utf8('\ufeff')))).toEqual([]);
		expect(await collect(streamOf(utf8('\ufeffx')))).toEqual([[1, 'x']]);
	});

	it('gives the same lines for every chunking', async () => {
		const bytes = utf8('\ufeffhé\r\nwörld 😀\n\r\nlast');
		const expected = [
			[1, 'hé'],
			[2, 'wörld 😀'],
			[3, ''],
			[4, 'last']
		];
		for (const chunks of splits(bytes)) expect(await collect(streamOf(...chunks))).toEqual(expected);
	});

	it('does not keep references into chunks that the producer may reuse', async () => {
		const buffer = utf8('abc');
		const stream = streamOf(buffer, utf8('\nxyz'));
		const got: Uint8Array[] = [];
		for await (const l of lines(stream)) {
			got.push(l.bytes);
			buffer.fill(0);
		}
		expect(new TextDecoder().decode(got[0])).toBe('abc');
	});

	it('cancels the source when the consumer stops early', async () => {
		let cancelled = false;
		const stream = new ReadableStream<Uint8Array>({
			pull: (c) => c.enqueue(utf8('line\n'.repeat(10))),
			cancel: () => void (cancelled = true)
		});
		for await (const l of lines(stream)) if (l.line === 3) break;
		expect(cancelled).toBe(true);
	});
});

describe('decodedLines', () => {
	it('marks lines that are not UTF-8 and keeps going', async () => {
		const bytes = Uint8Array.from([...utf8('ok\n'), 0xff, 0xfe, 0x0a, ...utf8('é\n'), 0xc3, 0x0a, ...utf8('end')]);
		const out = [];
		for await (const l of decodedLines(streamOf(bytes))) out.push(l);
		expect(out.map((l) => [l.line, l.valid])).toEqual([
			[1, true],
			[2, false],
			[3, true],
			[4, false],
			[5, true]
		]);
		expect(out[2].text).toBe('é');
		expect(out[1].text).toBe('\ufffd\ufffd');
	});

	it('decodes a multi-byte character split across chunks', async () => {
		const bytes = utf8('😀\n');
		for (const chunks of splits(bytes)) {
			const out = [];
			for await (const l of decodedLines(streamOf(...chunks))) out.push(l);
			expect(out).toEqual([{ line: 1, text: '😀', valid: true }]);
		}
	});
});
