// Streaming import parsers (txt, md, jsonl, csv) that turn a byte stream into raw records with line numbers. They
// only split and decode; validation is canonicalize's job (see toRecord). Bad input never stops a parse: each bad
// line, paragraph, section or row becomes an error item and the rest continue; only a file-wide problem (a kind the
// format cannot produce, a CSV mapping that does not fit the header) gives one error item and ends the parse.
import { InvalidRecordError, type InvalidReason } from '../errors';
import { canonicalize, fieldsForKind, MAX_RECORD_BYTES, type RecordContent, type RecordKind } from '../record';
import { csvRows } from './csv';
import { decodedBatches, type TextLine } from './lines';

export type { TextLine } from './lines';

export type ImportFormat = 'txt' | 'md' | 'jsonl' | 'csv';

export type ParsedItem =
	| { line: number; kind: RecordKind; fields: Record<string, unknown> }
	| { line: number; error: { reason: InvalidReason; message: string } };

export type ParseOptions = {
	/** The Datanet's record kind; every item must have it. */
	kind: RecordKind;
	/** CSV only: record field -> column name. Default: columns named like the kind's fields (case-insensitive). */
	csvMapping?: Record<string, string>;
};

// Blocks (paragraphs, sections) longer than this in UTF-16 units cannot canonicalize under MAX_RECORD_BYTES (UTF-8 is
// never shorter), save for unusual amounts of leading/trailing whitespace; past it we stop keeping their text.
export const BLOCK_CAP = 2 * MAX_RECORD_BYTES;

function error(line: number, reason: InvalidReason, message: string): ParsedItem {
	return { line, error: { reason, message } };
}

const notUtf8 = (line: number) => `Line ${line} is not valid UTF-8 text.`;

/** Parses an import file into raw records (or per-item errors), streaming, in file order. */
export function parseStream(
	stream: ReadableStream<Uint8Array>,
	format: ImportFormat,
	opts: ParseOptions
): AsyncGenerator<ParsedItem> {
	// A plain function returning the format's generator, rather than `yield*` into it: every generator layer adds
	// awaits per item, and this one would add nothing else.
	switch (format) {
		case 'txt':
		case 'md':
			return parseBlocks(decodedBatches(stream), opts.kind, format);
		case 'jsonl':
			return parseJsonl(decodedBatches(stream), opts.kind);
		case 'csv':
			return parseCsv(decodedBatches(stream), opts);
		default:
			throw new TypeError(`parseStream: unknown format "${String(format)}"`);
	}
}

// A paragraph (txt) or section (md) being collected.
class Block {
	readonly first: number;
	private parts: string[] = [];
	private size = 0;
	private badLine = 0;
	private hasText = false;

	constructor(first: number) {
		this.first = first;
	}

	push(l: TextLine): void {
		if (!l.valid && !this.badLine) this.badLine = l.line;
		if (l.text.trim()) this.hasText = true;
		this.size += l.text.length + 1;
		if (this.size <= BLOCK_CAP) this.parts.push(l.text);
	}

	get empty(): boolean {
		return !this.hasText && !this.badLine;
	}

	item(what: string): ParsedItem {
		if (this.badLine) return error(this.first, 'invalid-utf8', `${what} skipped: ${notUtf8(this.badLine)}`);
		if (this.size > BLOCK_CAP)
			return error(
				this.first,
				'too-large',
				`${what} is over ${BLOCK_CAP / 1024} KiB; the record limit is ${MAX_RECORD_BYTES / 1024} KiB.`
			);
		return { line: this.first, kind: 'text', fields: { text: this.parts.join('\n') } };
	}
}

const HEADING = /^ {0,3}#{1,6}(?:[ \t]|$)/;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

// txt: paragraphs separated by blank lines. md: sections starting at ATX headings; a `#` line inside a fenced code
// block (``` or ~~~) is code, not a heading.
async function* parseBlocks(
	src: AsyncGenerator<TextLine[]>,
	kind: RecordKind,
	format: 'txt' | 'md'
): AsyncGenerator<ParsedItem> {
	const what = format === 'txt' ? 'Paragraph' : 'Section';
	if (kind !== 'text') {
		await src.return(undefined);
		const name = format === 'txt' ? 'Plain text' : 'Markdown';
		const message = `${name} files make "text" records, but this Datanet holds "${kind}" records; import a JSONL or CSV file.`;
		yield error(1, 'wrong-fields', message);
		return;
	}
	let block: Block | null = null;
	let fence: { char: string; length: number } | null = null;
	for await (const batch of src) {
		for (const l of batch) {
			const blank = l.valid && l.text.trim() === '';
			if (format === 'txt') {
				if (blank) {
					if (block) yield block.item(what);
					block = null;
					continue;
				}
			} else {
				const f = l.text.match(FENCE);
				if (fence) {
					if (f && f[1][0] === fence.char && f[1].length >= fence.length && !f[2].trim()) fence = null;
				} else if (f && !(f[1][0] === '`' && f[2].includes('`'))) {
					fence = { char: f[1][0], length: f[1].length };
				} else if (HEADING.test(l.text)) {
					if (block && !block.empty) yield block.item(what);
					block = new Block(l.line);
				}
				if (blank && (!block || block.empty)) continue; // blank lines before the first content
			}
			block ??= new Block(l.line);
			block.push(l);
		}
	}
	if (block && !block.empty) yield block.item(what);
}

function isObject(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// jsonl: one JSON object per non-blank line, either the fields themselves or a `{ kind, fields }` envelope.
async function* parseJsonl(src: AsyncGenerator<TextLine[]>, kind: RecordKind): AsyncGenerator<ParsedItem> {
	for await (const batch of src) {
		for (const { line, text, valid } of batch) {
			if (!valid) {
				yield error(line, 'invalid-utf8', notUtf8(line));
				continue;
			}
			if (!text.trim()) continue;
			let value: unknown;
			try {
				value = JSON.parse(text);
			} catch (e) {
				yield error(line, 'invalid-json', `Invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
				continue;
			}
			if (!isObject(value)) {
				const found = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
				yield error(line, 'wrong-fields', `Expected a JSON object, found ${found}.`);
				continue;
			}
			if ('kind' in value && 'fields' in value) {
				if (value.kind !== kind)
					yield error(line, 'wrong-fields', `This is a "${String(value.kind)}" record; this Datanet holds "${kind}" records.`);
				else if (!isObject(value.fields)) yield error(line, 'wrong-fields', '"fields" must be a JSON object.');
				else yield { line, kind, fields: value.fields };
			} else yield { line, kind, fields: value };
		}
	}
}

// Resolves record field -> column index, or explains why the mapping cannot work for this header.
function columnIndexes(header: string[], opts: ParseOptions): Map<string, number> | string {
	const { required, optional } = fieldsForKind(opts.kind);
	const known = [...required, ...optional];
	const columns = header.map((h) => `"${h}"`).join(', ');
	const indexes = new Map<string, number>();
	if (opts.csvMapping) {
		for (const [field, column] of Object.entries(opts.csvMapping)) {
			if (!known.includes(field)) return `"${field}" is not a field of ${opts.kind} records (${known.join(', ')}).`;
			const i = header.indexOf(column);
			if (i === -1) return `Column "${column}" (for field "${field}") is not in the header: ${columns}.`;
			indexes.set(field, i);
		}
	} else {
		for (const field of known) {
			const i = header.findIndex((h) => h.toLowerCase() === field);
			if (i !== -1) indexes.set(field, i);
		}
	}
	const missing = required.filter((f) => !indexes.has(f));
	if (missing.length)
		return (
			`No column for field${missing.length > 1 ? 's' : ''} ${missing.map((f) => `"${f}"`).join(', ')}; ` +
			`the header has ${columns}. Choose which column holds each field.`
		);
	return indexes;
}

// csv: RFC 4180 with a header row; rows are mapped to fields through columnIndexes.
async function* parseCsv(src: AsyncGenerator<TextLine[]>, opts: ParseOptions): AsyncGenerator<ParsedItem> {
	const rows = csvRows(src, BLOCK_CAP);
	const first = await rows.next();
	if (first.done) return;
	const head = first.value;
	const header = head.cells.map((h) => h.trim());
	const indexes = head.problem ? `The header row is unreadable: ${head.problem.message}` : columnIndexes(header, opts);
	if (typeof indexes === 'string') {
		await rows.return(undefined);
		yield error(head.line, 'wrong-fields', indexes);
		return;
	}
	for await (const row of rows) {
		if (row.problem) yield error(row.line, row.problem.reason, row.problem.message);
		else if (row.cells.length !== header.length)
			yield error(row.line, 'wrong-fields', `Expected ${header.length} columns, found ${row.cells.length}.`);
		else {
			const fields: Record<string, string> = {};
			for (const [field, i] of indexes) fields[field] = row.cells[i];
			yield { line: row.line, kind: opts.kind, fields };
		}
	}
}

/** Reads only the first CSV row (the header, cells trimmed) and cancels the rest of the stream. */
export async function csvHeader(stream: ReadableStream<Uint8Array>): Promise<string[]> {
	const rows = csvRows(decodedBatches(stream), BLOCK_CAP);
	try {
		const first = await rows.next();
		return first.done ? [] : first.value.cells.map((h) => h.trim());
	} finally {
		await rows.return(undefined);
	}
}

const EXTENSIONS: Record<string, ImportFormat> = {
	txt: 'txt',
	text: 'txt',
	md: 'md',
	markdown: 'md',
	jsonl: 'jsonl',
	ndjson: 'jsonl',
	csv: 'csv'
};

/** Guesses the import format from a file name's extension, or null when it is not one we read. */
export function sniffFormat(fileName: string): ImportFormat | null {
	const dot = fileName.lastIndexOf('.');
	if (dot === -1) return null;
	const ext = fileName.slice(dot + 1).toLowerCase();
	return Object.hasOwn(EXTENSIONS, ext) ? EXTENSIONS[ext] : null;
}

/** Canonicalizes a parsed item, turning a parse error or an InvalidRecordError into `{ ok: false }`. */
export function toRecord(
	item: ParsedItem
): { ok: true; content: RecordContent } | { ok: false; line: number; reason: InvalidReason; message: string } {
	if ('error' in item) return { ok: false, line: item.line, ...item.error };
	try {
		return { ok: true, content: canonicalize(item.kind, item.fields) };
	} catch (e) {
		if (e instanceof InvalidRecordError) return { ok: false, line: item.line, reason: e.reason, message: e.shortMessage };
		throw e;
	}
}
