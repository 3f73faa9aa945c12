import { describe, expect, it } from 'vitest';
import { InvalidRecordError, type InvalidReason } from './errors';
import {
	canonicalBytes,
	canonicalize,
	canonicalJson,
	canonicalRecord,
	fieldsForKind,
	MAX_RECORD_BYTES,
	recordText,
	type RecordContent,
	type RecordKind
} from './record';

function reasonOf(kind: RecordKind, fields: Record<string, unknown>): { reason: InvalidReason; message: string } {
	try {
		canonicalize(kind, fields);
	} catch (e) {
		if (e instanceof InvalidRecordError) return { reason: e.reason, message: e.shortMessage };
		throw e;
	}
	throw new Error('expected canonicalize to throw');
}

describe('canonicalize', () => {
	it('normalises NFC, newlines and surrounding whitespace', () => {
		const c = canonicalize('text', { text: '  Cafe\u0301\r\nline two\rline three\n\n ' });
		expect(c).toEqual({ v: 1, kind: 'text', fields: { text: 'Caf\u00e9\nline two\nline three' } });
	});

	it('gives identical bytes for equivalent input', () => {
		const a = canonicalBytes(canonicalize('qa', { question: 'Why?\r\n', answer: 'Because.' }));
		const b = canonicalBytes(canonicalize('qa', { answer: ' Because.', question: 'Why?' }));
		expect(a).toEqual(b);
		expect(new TextDecoder().decode(a)).toBe('{"fields":{"answer":"Because.","question":"Why?"},"kind":"qa","v":1}');
	});

	it('drops an empty optional input and keeps a non-empty one', () => {
		expect(canonicalize('instruction', { instruction: 'Add', input: '  ', response: '3' }).fields).toEqual({
			instruction: 'Add',
			response: '3'
		});
		expect(canonicalize('instruction', { instruction: 'Add', input: null, response: '3' }).fields).toEqual({
			instruction: 'Add',
			response: '3'
		});
		expect(canonicalize('instruction', { instruction: 'Add', input: '1 2', response: '3' }).fields.input).toBe('1 2');
	});

	it('rejects an all-empty record as empty', () => {
		expect(reasonOf('text', { text: ' \n\t ' }).reason).toBe('empty');
		expect(reasonOf('qa', { question: '', answer: ' ' }).reason).toBe('empty');
		expect(reasonOf('qa', {}).reason).toBe('empty');
	});

	it('rejects missing, empty, unknown and non-string fields, naming the field and the expected ones', () => {
		const missing = reasonOf('qa', { question: 'q' });
		expect(missing.reason).toBe('wrong-fields');
		expect(missing.message).toContain('"answer"');
		expect(missing.message).toContain('question, answer');
		const empty = reasonOf('qa', { question: 'q', answer: '  ' });
		expect(empty).toMatchObject({ reason: 'wrong-fields' });
		expect(empty.message).toContain('"answer"');
		const unknown = reasonOf('text', { text: 'a', title: 'b' });
		expect(unknown.reason).toBe('wrong-fields');
		expect(unknown.message).toContain('"title"');
		expect(unknown.message).toContain('text');
		const number = reasonOf('instruction', { instruction: 'a', response: 42 });
		expect(number.reason).toBe('wrong-fields');
		expect(number.message).toContain('"response"');
		expect(number.message).toContain('instruction, response, input (optional)');
		expect(reasonOf('text', ['a'] as unknown as Record<string, unknown>).reason).toBe('wrong-fields');
		expect(reasonOf('poem' as RecordKind, { text: 'a' }).reason).toBe('wrong-fields');
		expect(reasonOf('toString' as RecordKind, { text: 'a' }).reason).toBe('wrong-fields');
		expect(reasonOf('text', JSON.parse('{"text":"a","__proto__":"x"}')).reason).toBe('wrong-fields');
	});

	it('rejects lone surrogates instead of silently replacing them', () => {
		expect(reasonOf('text', { text: 'ok \ud800 broken' }).reason).toBe('invalid-utf8');
		expect(canonicalize('text', { text: 'emoji \ud83d\ude00' }).fields.text).toBe('emoji \u{1f600}');
	});

	it('enforces MAX_RECORD_BYTES on the canonical bytes, and says the size', () => {
		const overhead = canonicalBytes({ v: 1, kind: 'text', fields: { text: '' } }).length;
		const fits = 'a'.repeat(MAX_RECORD_BYTES - overhead);
		expect(canonicalBytes(canonicalize('text', { text: fits })).length).toBe(MAX_RECORD_BYTES);
		const tooBig = reasonOf('text', { text: fits + 'a' });
		expect(tooBig.reason).toBe('too-large');
		expect(tooBig.message).toContain(`${MAX_RECORD_BYTES + 1} bytes`);
		// Multi-byte characters and JSON escapes count in bytes, not characters.
		expect(reasonOf('text', { text: '\u00e9'.repeat(MAX_RECORD_BYTES / 2) }).reason).toBe('too-large');
		expect(reasonOf('text', { text: '"'.repeat(MAX_RECORD_BYTES / 2) }).reason).toBe('too-large');
	});
});

describe('canonicalJson', () => {
	it('sorts keys recursively and writes no whitespace', () => {
		expect(canonicalJson({ b: [3, { z: 1, a: null }], a: 'x', c: true })).toBe('{"a":"x","b":[3,{"a":null,"z":1}],"c":true}');
	});

	it('sorts by UTF-16 code units and escapes like JSON', () => {
		expect(canonicalJson({ é: 1, z: 2, Z: 3, 'a\n': 4 })).toBe('{"Z":3,"a\\n":4,"z":2,"é":1}');
	});

	it('skips undefined properties and rejects non-JSON values', () => {
		expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
		expect(() => canonicalJson({ a: Number.NaN })).toThrow(TypeError);
		expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
	});

	it('parses back to an equal value', () => {
		const value = { v: 1, kind: 'qa', fields: { question: 'q "quoted" \\ \u2028', answer: '\u{1f600}' } };
		expect(JSON.parse(canonicalJson(value))).toEqual(value);
	});
});

describe('recordText and fieldsForKind', () => {
	it('joins fields in reading order', () => {
		expect(recordText(canonicalize('instruction', { response: 'R', input: 'I', instruction: 'Q' }))).toBe('Q\nI\nR');
		expect(recordText(canonicalize('instruction', { response: 'R', instruction: 'Q' }))).toBe('Q\nR');
		expect(recordText(canonicalize('qa', { answer: 'A', question: 'Q' }))).toBe('Q\nA');
	});

	it('lists fields per kind', () => {
		expect(fieldsForKind('text')).toEqual({ required: ['text'], optional: [] });
		expect(fieldsForKind('instruction')).toEqual({ required: ['instruction', 'response'], optional: ['input'] });
		expect(fieldsForKind('qa')).toEqual({ required: ['question', 'answer'], optional: [] });
		fieldsForKind('qa').required.push('mutated');
		expect(fieldsForKind('qa').required).toEqual(['question', 'answer']);
	});
});

// The canonicalize of before canonicalRecord, kept verbatim as the reference the fast path must match exactly.
const REFERENCE_FIELDS: Record<string, { required: string[]; optional: string[] }> = {
	text: { required: ['text'], optional: [] },
	instruction: { required: ['instruction', 'response'], optional: ['input'] },
	qa: { required: ['question', 'answer'], optional: [] }
};
function referenceCanonicalize(kind: RecordKind, rawFields: Record<string, unknown>): RecordContent {
	if (typeof kind !== 'string' || !Object.hasOwn(REFERENCE_FIELDS, kind))
		throw new InvalidRecordError('wrong-fields', `Unknown record kind "${String(kind)}"; expected text, instruction or qa.`);
	const spec = REFERENCE_FIELDS[kind];
	const expected = [...spec.required, ...spec.optional.map((f) => `${f} (optional)`)].join(', ');
	if (typeof rawFields !== 'object' || rawFields === null || Array.isArray(rawFields))
		throw new InvalidRecordError('wrong-fields', `Record fields must be an object with: ${expected}.`);
	const known = new Set([...spec.required, ...spec.optional]);
	const present: Record<string, string> = {};
	for (const [name, value] of Object.entries(rawFields)) {
		if (!known.has(name)) throw new InvalidRecordError('wrong-fields', `Unknown field "${name}"; ${kind} records have: ${expected}.`);
		if (value === undefined || value === null) continue;
		if (typeof value !== 'string')
			throw new InvalidRecordError(
				'wrong-fields',
				`Field "${name}" must be a string, not ${Array.isArray(value) ? 'an array' : typeof value}; ${kind} records have: ${expected}.`
			);
		if (/\p{Cs}/u.test(value)) throw new InvalidRecordError('invalid-utf8', `Field "${name}" contains text that is not valid Unicode.`);
		present[name] = value.normalize('NFC').replace(/\r\n?/g, '\n').trim();
	}
	if (Object.values(present).every((v) => v === '')) throw new InvalidRecordError('empty', 'The record is empty.');
	const fields: Record<string, string> = {};
	for (const name of spec.required) {
		if (present[name] === undefined) throw new InvalidRecordError('wrong-fields', `Missing field "${name}"; ${kind} records have: ${expected}.`);
		if (present[name] === '') throw new InvalidRecordError('wrong-fields', `Field "${name}" is empty; ${kind} records have: ${expected}.`);
		fields[name] = present[name];
	}
	for (const name of spec.optional) if (present[name]) fields[name] = present[name];
	const content: RecordContent = { v: 1, kind, fields };
	const size = new TextEncoder().encode(canonicalJson(content)).length;
	if (size > MAX_RECORD_BYTES) {
		const kib = (n: number) => `${(n / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
		throw new InvalidRecordError('too-large', `The record is ${kib(size)} (${size} bytes); the limit is ${kib(MAX_RECORD_BYTES)}.`);
	}
	return content;
}

function outcome<T>(f: () => T): { ok: T } | { reason: InvalidReason; message: string } {
	try {
		return { ok: f() };
	} catch (e) {
		if (e instanceof InvalidRecordError) return { reason: e.reason, message: e.shortMessage };
		throw e;
	}
}

function rng(seed: number) {
	return () => {
		seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
		return seed / 2 ** 32;
	};
}

// Pieces chosen to hit every branch: JSON escapes, U+2028/9, DEL, Latin-1, the U+0300 boundary, combining marks that
// NFC composes, CR/CRLF, Unicode spaces trim removes, astral characters and lone surrogates.
const PIECES = [
	'a', 'Z', '0', ' ', '  ', '\t', '\n', '\r', '\r\n', '"', '\\', '/', '\u0000', '\u001f', '\u007f', '\u00a0', '\u00e9',
	'\u00ff', '\u02ff', '\u0300', 'e\u0301', 'A\u030a', '\u1e9b\u0323', '\u2028', '\u2029', '\u3000', '\ufeff', '\uffff',
	'\u{1f600}', '\u{10ffff}', '\ud800', '\udfff', '你好', 'Ω', '\u212b', 'word', 'The river floods. '
];
function randomString(r: () => number, maxPieces: number): string {
	let s = '';
	const n = Math.floor(r() * maxPieces);
	for (let i = 0; i < n; i++) s += r() < 0.5 ? 'plain text ' : PIECES[Math.floor(r() * PIECES.length)];
	return s;
}
const NAMES = ['text', 'instruction', 'input', 'response', 'question', 'answer', 'title', '__proto__'];
// Mostly the kind's own fields (in random order, some missing), now and then a foreign one.
function randomFields(r: () => number, kind: RecordKind): Record<string, unknown> {
	const own = REFERENCE_FIELDS[kind] ? [...REFERENCE_FIELDS[kind].required, ...REFERENCE_FIELDS[kind].optional] : [];
	const names = NAMES.filter((name) => (own.includes(name) ? r() < 0.92 : r() < 0.02)).sort(() => r() - 0.5);
	const fields: Record<string, unknown> = {};
	for (const name of names) {
		const q = r();
		const value = q < 0.03 ? null : q < 0.05 ? 42 : q < 0.06 ? ['x'] : q < 0.07 ? undefined : randomString(r, 12);
		Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
	}
	return fields;
}

describe('canonicalRecord', () => {
	it('returns the content, canonical bytes and text of canonicalize, canonicalBytes and recordText', () => {
		const r = canonicalRecord('instruction', { response: ' 3 ', instruction: 'Add\r\n1 and 2', input: 'x' });
		expect(r.content).toEqual(canonicalize('instruction', { response: ' 3 ', instruction: 'Add\r\n1 and 2', input: 'x' }));
		expect(r.bytes).toEqual(canonicalBytes(r.content));
		expect(r.text).toBe(recordText(r.content));
		expect(new TextDecoder().decode(r.bytes)).toBe('{"fields":{"input":"x","instruction":"Add\\n1 and 2","response":"3"},"kind":"instruction","v":1}');
	});

	it('matches the reference canonicalize, canonicalJson and recordText on 20,000 random records (property)', () => {
		const r = rng(2024);
		const kinds: RecordKind[] = ['text', 'instruction', 'qa'];
		const seen = new Map<string, number>();
		for (let n = 0; n < 20_000; n++) {
			const kind = r() < 0.01 ? ('poem' as RecordKind) : kinds[Math.floor(r() * kinds.length)];
			const fields = randomFields(r, kind);
			const expected = outcome(() => referenceCanonicalize(kind, fields));
			const actual = outcome(() => canonicalRecord(kind, fields));
			if ('ok' in expected) {
				expect(actual).toHaveProperty('ok');
				const { content, bytes, text } = (actual as { ok: ReturnType<typeof canonicalRecord> }).ok;
				expect(content).toStrictEqual(expected.ok);
				expect(Object.keys(content.fields)).toEqual(Object.keys(expected.ok.fields));
				expect(bytes).toEqual(new TextEncoder().encode(canonicalJson(expected.ok)));
				expect(text).toBe(recordText(expected.ok));
				seen.set('ok', (seen.get('ok') ?? 0) + 1);
			} else {
				expect(actual).toEqual(expected);
				seen.set(expected.reason, (seen.get(expected.reason) ?? 0) + 1);
			}
		}
		// every outcome is exercised, valid records most of all
		for (const k of ['ok', 'wrong-fields', 'empty', 'invalid-utf8']) expect(seen.get(k) ?? 0, k).toBeGreaterThan(100);
		expect(seen.get('ok')).toBeGreaterThan(5000);
	});

	it('matches the reference at the size limit, in bytes of escapes and multi-byte characters', () => {
		const overhead = canonicalBytes({ v: 1, kind: 'text', fields: { text: '' } }).length;
		for (const unit of ['a', '"', '\u00e9', '\u20ac', '\u{1f600}', '\u0000']) {
			const perUnit = new TextEncoder().encode(JSON.stringify(unit).slice(1, -1)).length;
			const fits = Math.floor((MAX_RECORD_BYTES - overhead) / perUnit);
			for (const count of [fits - 1, fits, fits + 1]) {
				const fields = { text: `x${unit.repeat(count)}` };
				expect(outcome(() => canonicalRecord('text', fields).content)).toEqual(outcome(() => referenceCanonicalize('text', fields)));
			}
		}
	});

	it('keeps canonicalize an alias of its content', () => {
		expect(canonicalize('qa', { question: 'Q', answer: 'A' })).toStrictEqual(canonicalRecord('qa', { question: 'Q', answer: 'A' }).content);
	});
});
