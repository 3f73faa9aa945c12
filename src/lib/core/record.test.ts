import { describe, expect, it } from 'vitest';
import { InvalidRecordError, type InvalidReason } from './errors';
import { canonicalBytes, canonicalize, canonicalJson, fieldsForKind, MAX_RECORD_BYTES, recordText, type RecordKind } from './record';

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
