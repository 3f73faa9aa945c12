// IEEE 754 binary16 <-> binary32 conversion, for F16 tensors in safetensors files. Halves are kept as raw bits in a
// Uint16Array (Float16Array is not in every browser yet); float32 -> float16 rounds to nearest, ties to even, from the
// float32's bits, so a value never goes through float64 and cannot be rounded twice.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds a number to float32 and then to the nearest float16 (ties to even); returns the half's 16 bits. */
export function toFloat16Bits(x: number): number {
	f32[0] = x;
	const bits = u32[0];
	const sign = (bits >>> 16) & 0x8000;
	const exponent = (bits >>> 23) & 0xff;
	const mantissa = bits & 0x7fffff;
	if (exponent === 0xff) return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200 | (mantissa >>> 13));
	const halfExponent = exponent - 127 + 15;
	if (halfExponent >= 0x1f) return sign | 0x7c00;
	if (halfExponent > 0) {
		// Normal half: drop 13 mantissa bits; a carry out of the mantissa correctly bumps the exponent (up to infinity).
		const half = (halfExponent << 10) | (mantissa >>> 13);
		const rest = mantissa & 0x1fff;
		return sign | (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? half + 1 : half);
	}
	// Subnormal half (units of 2^-24): shift the full significand right; below 2^-25 everything rounds to zero.
	const shift = 126 - exponent;
	if (shift > 24) return sign;
	const significand = mantissa | 0x800000;
	const half = significand >>> shift;
	const rest = significand & ((1 << shift) - 1);
	const halfway = 1 << (shift - 1);
	return sign | (rest > halfway || (rest === halfway && (half & 1) === 1) ? half + 1 : half);
}

/** Returns the value of a float16 given as its 16 bits (exact: every half is a float32). */
export function fromFloat16Bits(h: number): number {
	const sign = h & 0x8000 ? -1 : 1;
	const exponent = (h >>> 10) & 0x1f;
	const mantissa = h & 0x3ff;
	if (exponent === 0) return sign * mantissa * 2 ** -24;
	if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
	return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Converts float32 values to float16 bits, element by element. */
export function float32ToFloat16(values: Float32Array): Uint16Array {
	const out = new Uint16Array(values.length);
	for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]);
	return out;
}

/** Converts float16 bits to float32 values, element by element. */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
	const out = new Float32Array(bits.length);
	for (let i = 0; i < bits.length; i++) out[i] = fromFloat16Bits(bits[i]);
	return out;
}
