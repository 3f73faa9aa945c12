import { describe, expect, it } from 'vitest';
import { float16ToFloat32, float32ToFloat16, fromFloat16Bits, toFloat16Bits } from './float16';

describe('toFloat16Bits', () => {
	it('converts zeros, normals, the largest half and infinities', () => {
		expect(toFloat16Bits(0)).toBe(0x0000);
		expect(toFloat16Bits(-0)).toBe(0x8000);
		expect(toFloat16Bits(1)).toBe(0x3c00);
		expect(toFloat16Bits(-2)).toBe(0xc000);
		expect(toFloat16Bits(0.333251953125)).toBe(0x3555);
		expect(toFloat16Bits(65504)).toBe(0x7bff);
		expect(toFloat16Bits(Infinity)).toBe(0x7c00);
		expect(toFloat16Bits(-Infinity)).toBe(0xfc00);
		expect(toFloat16Bits(1e10)).toBe(0x7c00);
	});

	it('keeps NaN a NaN (quiet, sign kept)', () => {
		const isNaNHalf = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
		expect(isNaNHalf(toFloat16Bits(NaN))).toBe(true);
		const f = new Float32Array(new Uint32Array([0xff800001]).buffer)[0]; // negative signalling NaN, lowest payload bit
		expect(toFloat16Bits(f) & 0x8000).toBe(0x8000);
		expect(isNaNHalf(toFloat16Bits(f))).toBe(true);
	});

	it('converts subnormals, rounding to the nearest multiple of 2^-24', () => {
		expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
		expect(toFloat16Bits(-(2 ** -24))).toBe(0x8001);
		expect(toFloat16Bits(1023 * 2 ** -24)).toBe(0x03ff);
		expect(toFloat16Bits(2 ** -14)).toBe(0x0400);
		expect(toFloat16Bits(2 ** -26)).toBe(0x0000);
		expect(toFloat16Bits(2 ** -25 * (1 + 2 ** -23))).toBe(0x0001); // just above half of the smallest subnormal
		expect(toFloat16Bits(1e-45)).toBe(0x0000); // a float32 subnormal
	});

	it('rounds ties to even, in normals, in subnormals, across the exponent and into infinity', () => {
		expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // between 0x3c00 (even) and 0x3c01
		expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // between 0x3c01 and 0x3c02 (even)
		expect(toFloat16Bits(1 + 2 ** -11 + 2 ** -23)).toBe(0x3c01); // just above the tie
		expect(toFloat16Bits(2 ** -25)).toBe(0x0000); // between 0 (even) and 0x0001
		expect(toFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // between 0x0001 and 0x0002 (even)
		expect(toFloat16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // 0x03ff.5 carries into the smallest normal
		expect(toFloat16Bits(2 - 2 ** -11)).toBe(0x4000); // 0x3bff.5 carries into the next exponent
		expect(toFloat16Bits(65520)).toBe(0x7c00); // between 65504 (odd mantissa) and 65536: overflows
		expect(toFloat16Bits(65519.99609375)).toBe(0x7bff);
	});

	it('rounds the float32 value, not the float64 one: no double rounding', () => {
		// 1 + 2^-11 + 2^-30 rounds to float32 1 + 2^-11 (a tie, so 0x3c00); direct float64 -> float16 would give 0x3c01.
		expect(toFloat16Bits(1 + 2 ** -11 + 2 ** -30)).toBe(0x3c00);
	});
});

describe('fromFloat16Bits', () => {
	it('decodes zeros, subnormals, normals, infinities and NaN', () => {
		expect(Object.is(fromFloat16Bits(0x0000), 0)).toBe(true);
		expect(Object.is(fromFloat16Bits(0x8000), -0)).toBe(true);
		expect(fromFloat16Bits(0x0001)).toBe(2 ** -24);
		expect(fromFloat16Bits(0x83ff)).toBe(-1023 * 2 ** -24);
		expect(fromFloat16Bits(0x3c00)).toBe(1);
		expect(fromFloat16Bits(0x7bff)).toBe(65504);
		expect(fromFloat16Bits(0xfc00)).toBe(-Infinity);
		expect(fromFloat16Bits(0x7e00)).toBeNaN();
	});

	it('round-trips every non-NaN half exactly', () => {
		const all = Uint16Array.from({ length: 65536 }, (_, h) => h).filter((h) => !Number.isNaN(fromFloat16Bits(h)));
		expect(float32ToFloat16(float16ToFloat32(all))).toEqual(all);
	});
});
