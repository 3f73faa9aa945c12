// A small seeded PRNG for parameter init and tests: mulberry32 (32-bit state, Math.imul only) plus Box-Muller normals.
// Determinism across engines matters more than statistical strength here: the same seed gives the same weights.

/** A seeded stream of uniform and normal numbers. */
export type Rng = {
	/** Uniform in [0, 1). */
	uniform(): number;
	/** Standard normal (Box-Muller; one draw uses two uniforms, no cached spare). */
	normal(): number;
};

/** Creates a deterministic random stream from a 32-bit seed. */
export function createRng(seed: number): Rng {
	let state = seed >>> 0;
	const uniform = () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const normal = () => {
		const u1 = 1 - uniform();
		const u2 = uniform();
		return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
	};
	return { uniform, normal };
}

/** murmur3's finaliser over (seed, index): a seed per index whose streams are unrelated to their neighbours'. */
export function mixSeed(seed: number, index: number): number {
	let h = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
	h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
	h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
	return (h ^ (h >>> 16)) >>> 0;
}
