// The record format: `{ v: 1, kind, fields }` serialised as canonical JSON (keys sorted, no whitespace, strings NFC,
// LF newlines, trimmed), so the same content always gives the same bytes and the same CID. Strings with lone UTF-16
// surrogates are rejected rather than silently turned into U+FFFD by the UTF-8 encoder, which would change the content.
// Ingest calls canonicalRecord, which validates, serialises and builds the text in one pass (it is on the per-record
// hot path); canonicalJson stays the general, obviously-correct definition the fast path is tested against.
import { InvalidRecordError } from './errors';

export type RecordKind = 'text' | 'instruction' | 'qa';

export type RecordContent = { v: 1; kind: RecordKind; fields: Record<string, string> };

const encoder = new TextEncoder();

/** Largest allowed record, measured on its canonical bytes. */
export const MAX_RECORD_BYTES = 32 * 1024;

// Field order here is the reading order used by recordText (instruction, then input, then response).
const FIELDS: Record<RecordKind, { order: string[]; required: string[]; optional: string[] }> = {
	text: { order: ['text'], required: ['text'], optional: [] },
	instruction: { order: ['instruction', 'input', 'response'], required: ['instruction', 'response'], optional: ['input'] },
	qa: { order: ['question', 'answer'], required: ['question', 'answer'], optional: [] }
};

// Per-kind values that canonicalRecord would otherwise rebuild for every record: the allowed names, the "expected
// fields" text of error messages, and the field names in canonical JSON order (UTF-16 code unit order, as in
// canonicalJson).
const KIND_INFO = Object.fromEntries(
	(Object.keys(FIELDS) as RecordKind[]).map((kind) => {
		const { order, required, optional } = FIELDS[kind];
		const info = {
			known: new Set([...required, ...optional]),
			expected: [...required, ...optional.map((f) => `${f} (optional)`)].join(', '),
			jsonOrder: [...order].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
		};
		return [kind, info];
	})
) as Record<RecordKind, { known: Set<string>; expected: string; jsonOrder: string[] }>;

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

const LONE_SURROGATE = /\p{Cs}/u;

// Text made only of code units below U+0300 (Latin-1 and the spacing modifiers) is already NFC (no combining marks,
// no surrogates), so one scan for such text and '\r' lets the common case skip normalize() and the regexes.
function needsFullNormalization(s: string): boolean {
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c >= 0x300 || c === 0x0d) return true;
	}
	return false;
}

function normalizeField(name: string, value: string): string {
	if (!needsFullNormalization(value)) return value.trim();
	if (LONE_SURROGATE.test(value))
		throw new InvalidRecordError('invalid-utf8', `Field "${name}" contains text that is not valid Unicode.`);
	return value.normalize('NFC').replace(/\r\n?/g, '\n').trim();
}

/** A validated record with its canonical bytes (what its CID is computed from) and its recordText. */
export type CanonicalRecord = { content: RecordContent; bytes: Uint8Array; text: string };

/**
 * Validates raw fields for a kind and returns the canonical content, its canonical bytes and its text in one pass, or
 * throws InvalidRecordError (same reasons and messages as canonicalize).
 */
export function canonicalRecord(kind: RecordKind, rawFields: Record<string, unknown>): CanonicalRecord {
	const spec = specFor(kind);
	const { known, expected, jsonOrder } = KIND_INFO[kind];
	if (typeof rawFields !== 'object' || rawFields === null || Array.isArray(rawFields))
		throw new InvalidRecordError('wrong-fields', `Record fields must be an object with: ${expected}.`);

	const present: Record<string, string> = {};
	let anyText = false;
	for (const name of Object.keys(rawFields)) {
		if (!known.has(name))
			throw new InvalidRecordError('wrong-fields', `Unknown field "${name}"; ${kind} records have: ${expected}.`);
		const value = rawFields[name];
		if (value === undefined || value === null) continue;
		if (typeof value !== 'string')
			throw new InvalidRecordError(
				'wrong-fields',
				`Field "${name}" must be a string, not ${Array.isArray(value) ? 'an array' : typeof value}; ` +
					`${kind} records have: ${expected}.`
			);
		const normalized = normalizeField(name, value);
		present[name] = normalized;
		if (normalized !== '') anyText = true;
	}

	if (!anyText) throw new InvalidRecordError('empty', 'The record is empty.');

	const fields: Record<string, string> = {};
	for (const name of spec.required) {
		if (present[name] === undefined)
			throw new InvalidRecordError('wrong-fields', `Missing field "${name}"; ${kind} records have: ${expected}.`);
		if (present[name] === '')
			throw new InvalidRecordError('wrong-fields', `Field "${name}" is empty; ${kind} records have: ${expected}.`);
		fields[name] = present[name];
	}
	for (const name of spec.optional) if (present[name]) fields[name] = present[name];

	// canonicalJson(content), specialised to the fixed shape {"fields":{...},"kind":...,"v":1}: the property test in
	// record.test.ts checks the two agree byte for byte.
	let members = '';
	for (const name of jsonOrder) {
		if (fields[name] === undefined) continue;
		members += `${members === '' ? '' : ','}"${name}":${JSON.stringify(fields[name])}`;
	}
	const json = `{"fields":{${members}},"kind":"${kind}","v":1}`;
	const bytes = encoder.encode(json);
	if (bytes.length > MAX_RECORD_BYTES)
		throw new InvalidRecordError(
			'too-large',
			`The record is ${formatKiB(bytes.length)} (${bytes.length} bytes); the limit is ${formatKiB(MAX_RECORD_BYTES)}.`
		);

	let text = '';
	for (const name of spec.order) {
		if (fields[name] === undefined) continue;
		text = text === '' ? fields[name] : `${text}\n${fields[name]}`;
	}
	return { content: { v: 1, kind, fields }, bytes, text };
}

/** Validates raw fields for a kind and returns the canonical record content, or throws InvalidRecordError. */
export function canonicalize(kind: RecordKind, rawFields: Record<string, unknown>): RecordContent {
	return canonicalRecord(kind, rawFields).content;
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
