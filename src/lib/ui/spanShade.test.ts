import { describe, expect, it } from 'vitest';
import { SHADE_MAX_PERCENT, SHADE_MIN_PERCENT, spanShade, textSegments } from './spanShade';

describe('spanShade', () => {
	it('shades rarer spans more strongly, from the weakest to the strongest shade', () => {
		const shades = [2, 5, 9, 14].map((r) => spanShade(r, 2, 14));
		expect(shades[0]).toBe(SHADE_MIN_PERCENT);
		expect(shades[3]).toBe(SHADE_MAX_PERCENT);
		for (let i = 1; i < shades.length; i++) expect(shades[i]).toBeGreaterThan(shades[i - 1]);
	});

	it('gives equally rare spans the strongest shade and clamps rarities outside the range', () => {
		expect(spanShade(3, 3, 3)).toBe(SHADE_MAX_PERCENT);
		expect(spanShade(-1, 0, 10)).toBe(SHADE_MIN_PERCENT);
		expect(spanShade(99, 0, 10)).toBe(SHADE_MAX_PERCENT);
	});
});

describe('textSegments', () => {
	it('covers the text with plain and highlighted pieces', () => {
		expect(textSegments(10, [{ charStart: 2, charEnd: 5, rarity: 1 }])).toEqual([
			{ start: 0, end: 2, span: null },
			{ start: 2, end: 5, span: 0 },
			{ start: 5, end: 10, span: null }
		]);
		expect(textSegments(4, [])).toEqual([{ start: 0, end: 4, span: null }]);
	});

	it('gives an overlap to the rarer span and joins its pieces', () => {
		const spans = [
			{ charStart: 0, charEnd: 6, rarity: 5 },
			{ charStart: 4, charEnd: 9, rarity: 2 }
		];
		expect(textSegments(9, spans)).toEqual([
			{ start: 0, end: 6, span: 0 },
			{ start: 6, end: 9, span: 1 }
		]);
		expect(textSegments(9, spans.map((s, i) => ({ ...s, rarity: i })))).toEqual([
			{ start: 0, end: 4, span: 0 },
			{ start: 4, end: 9, span: 1 }
		]);
	});

	it('splits a common span around a rarer one inside it and clips ranges to the text', () => {
		expect(textSegments(8, [{ charStart: -3, charEnd: 12, rarity: 1 }, { charStart: 3, charEnd: 5, rarity: 4 }])).toEqual([
			{ start: 0, end: 3, span: 0 },
			{ start: 3, end: 5, span: 1 },
			{ start: 5, end: 8, span: 0 }
		]);
	});
});
