import { describe, expect, it } from 'vitest';
import { spanText } from './segment';

describe('spanText', () => {
	it('puts a space before the first word and each word that starts a line, and maps offsets back', () => {
		const text = 'wolf: a dog\nfox\n\n  owl\n';
		const { text: spaced, original } = spanText(text);
		expect(spaced).toBe(' wolf: a dog\n fox\n\n  owl\n');
		// Every character of the spaced text that is not an inserted space maps back to the same character.
		const inserted = new Set([0, 13]);
		for (let i = 0; i < spaced.length; i++) if (!inserted.has(i)) expect(text[original(i)]).toBe(spaced[i]);
		expect(original(0)).toBe(0); // an inserted space maps to the character after it
		expect(original(13)).toBe(12);
		expect(original(spaced.length)).toBe(text.length);
	});

	it('leaves text that already starts with whitespace alone, and spaces the empty text', () => {
		expect(spanText(' a\n b').text).toBe(' a\n b');
		expect(spanText('').text).toBe(' ');
		expect(spanText('').original(1)).toBe(0);
	});
});
