// The record format: `{ v: 1, kind, fields }` serialised as canonical JSON (keys sorted, no whitespace, strings NFC,
// LF newlines, trimmed), so the same content always gives the same bytes and the same CID. Strings with lone UTF-16
// surrogates are rejected rather than silently turned into U+FFFD by the UTF-8 encoder, which would change the content.
import { InvalidRecordError } from './errors';

export type RecordKind = 'text' | 'instruction' | 'qa';

export type RecordContent = { v: 1; kind: RecordKind; fields: Record<string, string> };

/** Largest allowed record, measured on its canonical bytes. */
export const MAX_RECORD_BYTES = 32 * 1024;

// Field order here is the reading order used by recordText (instruction, then input, then response).
const FIELDS: Record<RecordKind, { order: string[]; required: string[]; optional: string[] }> = {
	text: { order: ['text'], required: ['text'], optional: [] },
	instruction: { order: ['instruction', 'input', 'response'], required: ['instruction', 'response'], optional: ['input'] },
	qa: { order: ['question', 'answer'], required: ['question', 'answer'], optional: [] }
};

function specFor(kind: RecordKind) {
	if (typeof kind !== 'string' || !Object.hasOwn(FIELDS, kind))
		throw new InvalidRecordError('wrong-fields', `Unknown record kind "${String(kind)}"; expected text, instruction or qa.`);
	return FIELDS[kind];
}

/** Lists the required and optional field names of a record kind. */
export function fieldsForKind(kind: RecordKind): { required: string[]; optional: string[] } {
	const spec = specFor(kind);
	return { required: [...spec.required], optional: [...spec.optional] };
}

function expected(kind: RecordKind): string {
	const { required, optional } = FIELDS[kind];
	return [...required, ...optional.map((f) => `${f} (optional)`)].join(', ');
}

const LONE_SURROGATE = /\p{Cs}/u;

function normalizeString(s: string): string {
	return s.normalize('NFC').replace(/\r\n?/g, '\n').trim();
}

/** Validates raw fields for a kind and returns the canonical record content, or throws InvalidRecordError. */
export function canonicalize(kind: RecordKind, rawFields: Record<string, unknown>): RecordContent {
	const spec = specFor(kind);
	if (typeof rawFields !== 'object' || rawFields === null || Array.isArray(rawFields))
		throw new InvalidRecordError('wrong-fields', `Record fields must be an object with: ${expected(kind)}.`);

	const known = new Set([...spec.required, ...spec.optional]);
	const present: Record<string, string> = {};
	for (const [name, value] of Object.entries(rawFields)) {
		if (!known.has(name))
			throw new InvalidRecordError('wrong-fields', `Unknown field "${name}"; ${kind} records have: ${expected(kind)}.`);
		if (value === undefined || value === null) continue;
		if (typeof value !== 'string')
			throw new InvalidRecordError(
				'wrong-fields',
				`Field "${name}" must be a string, not ${Array.isArray(value) ? 'an array' : typeof value}; ` +
					`${kind} records have: ${expected(kind)}.`
			);
		if (LONE_SURROGATE.test(value))
			throw new InvalidRecordError('invalid-utf8', `Field "${name}" contains text that is not valid Unicode.`);
		present[name] = normalizeString(value);
	}

	if (Object.values(present).every((v) => v === '')) throw new InvalidRecordError('empty', 'The record is empty.');

	const fields: Record<string, string> = {};
	for (const name of spec.required) {
		if (present[name] === undefined)
			throw new InvalidRecordError('wrong-fields', `Missing field "${name}"; ${kind} records have: ${expected(kind)}.`);
		if (present[name] === '')
			throw new InvalidRecordError('wrong-fields', `Field "${name}" is empty; ${kind} records have: ${expected(kind)}.`);
		fields[name] = present[name];
	}
	for (const name of spec.optional) if (present[name]) fields[name] = present[name];

	const content: RecordContent = { v: 1, kind, fields };
	const size = canonicalBytes(content).length;
	if (size > MAX_RECORD_BYTES)
		throw new InvalidRecordError(
			'too-large',
			`The record is ${formatKiB(size)} (${size} bytes); the limit is ${formatKiB(MAX_RECORD_BYTES)}.`
		);
	return content;
}

function formatKiB(bytes: number): string {
	return `${(bytes / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
}

/** Serialises a JSON value with keys sorted recursively (UTF-16 code unit order) and no whitespace. */
export function canonicalJson(value: unknown): string {
	if (value === null) return 'null';
	switch (typeof value) {
		case 'string':
		case 'boolean':
			return JSON.stringify(value);
		case 'number':
			if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
			return JSON.stringify(value);
		case 'object': {
			if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
			const entries = Object.entries(value as Record<string, unknown>)
				.filter(([, v]) => v !== undefined)
				.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
			return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
		}
		default:
			throw new TypeError(`canonicalJson: cannot serialise a ${typeof value}`);
	}
}

const encoder = new TextEncoder();

/** Returns the UTF-8 bytes of a record's canonical JSON: the bytes its CID is computed from. */
export function canonicalBytes(content: RecordContent): Uint8Array {
	return encoder.encode(canonicalJson(content));
}

/** Joins a record's field values with newlines in reading order, for search, MinHash and display. */
export function recordText(content: RecordContent): string {
	const order = Object.hasOwn(FIELDS, content.kind) ? FIELDS[content.kind].order : Object.keys(content.fields).sort();
	return order
		.map((name) => content.fields[name])
		.filter((v): v is string => typeof v === 'string' && v !== '')
		.join('\n');
}
