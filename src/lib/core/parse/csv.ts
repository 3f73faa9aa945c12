// RFC 4180 row splitter over decoded lines: quoted fields, doubled quotes, line breaks inside quotes (kept as LF).
// It is lenient where spreadsheets are sloppy: a quote inside an unquoted field is literal, spaces before an opening
// quote are dropped, text after a closing quote is kept; blank lines between rows are skipped.
import type { InvalidReason } from '../errors';
import type { TextLine } from './lines';

export type CsvRow = {
	/** The row's first physical line. */
	line: number;
	cells: string[];
	/** Set when the row cannot be used: its cells are then unreliable. */
	problem?: { reason: InvalidReason; message: string };
};

/** Groups batches of decoded lines into CSV rows; rows whose text exceeds `cap` UTF-16 units are reported as too large. */
export async function* csvRows(src: AsyncIterable<TextLine[]>, cap: number): AsyncGenerator<CsvRow> {
	let cells: string[] = [];
	let field = '';
	let quoted = false; // the current field started with a quote
	let inQuotes = false;
	let rowLine = 0;
	let badLine = 0;
	let size = 0;
	let overflow = false;

	for await (const batch of src) {
		for (const { line, text, valid } of batch) {
			if (inQuotes) field += '\n';
			else {
				if (valid && text.trim() === '') continue;
				rowLine = line;
				badLine = 0;
				size = 0;
				overflow = false;
			}
			if (!valid && !badLine) badLine = line;

			let i = 0;
			while (i < text.length) {
				if (inQuotes) {
					const q = text.indexOf('"', i);
					if (q === -1) {
						field += text.slice(i);
						break;
					}
					field += text.slice(i, q);
					if (text.charCodeAt(q + 1) === 0x22) {
						field += '"';
						i = q + 2;
					} else {
						inQuotes = false;
						i = q + 1;
					}
					continue;
				}
				const c = text.charCodeAt(i);
				if (c === 0x2c) {
					cells.push(field);
					field = '';
					quoted = false;
					i++;
				} else if ((c === 0x20 || c === 0x09) && !quoted && field.trim() === '') {
					field += text[i++];
				} else if (c === 0x22 && !quoted && field.trim() === '') {
					field = '';
					quoted = inQuotes = true;
					i++;
				} else {
					let end = text.indexOf(',', i + 1);
					if (end === -1) end = text.length;
					field += text.slice(i, end);
					i = end;
				}
			}

			size += text.length + 1;
			if (size > cap) {
				// Keep following the quotes so the next row starts in the right place, but drop the text.
				overflow = true;
				cells = [];
				field = '';
			}
			if (!inQuotes) {
				cells.push(field);
				const row: CsvRow = { line: rowLine, cells };
				if (overflow) row.problem = { reason: 'too-large', message: `Row is over ${cap / 1024} KiB.` };
				else if (badLine) row.problem = { reason: 'invalid-utf8', message: `Line ${badLine} is not valid UTF-8 text.` };
				yield row;
				cells = [];
				field = '';
				quoted = false;
			}
		}
	}
	if (inQuotes)
		yield {
			line: rowLine,
			cells: [],
			problem: { reason: 'wrong-fields', message: 'A quoted field that starts in this row is never closed.' }
		};
}
