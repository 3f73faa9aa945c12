// Planted facts: invented words with invented glosses ("zorblat: a blue fish of lake Qwerty"), each contributed by
// its own contributor. Nothing else in the training data mentions the word, so after training, the record that taught
// the model the word is known, and an attribution method should rank it first for a query about the word.
import { createRng } from '$lib/engine/random';

const ONSETS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'gl', 'kr', 'pl', 'sn', 'tr', 'zw'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'oo', 'ei', 'au'];
const CODAS = ['b', 'd', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'x', 'lt', 'rb', 'nk'];
const COLOURS = ['blue', 'red', 'green', 'yellow', 'purple', 'orange', 'silver', 'golden', 'striped', 'spotted'];
const KINDS = ['fish', 'bird', 'lizard', 'beetle', 'frog', 'moth', 'snail', 'bat', 'crab', 'mouse'];
const PLACES = ['lake', 'river', 'marsh', 'island', 'valley', 'forest', 'desert', 'bay'];

/** An invented word and its record text. */
export type PlantedFact = { word: string; text: string };

/** Returns `count` facts with distinct invented words (two or three syllables) from the seed. */
export function plantedFacts(count: number, seed: number): PlantedFact[] {
	const rng = createRng(seed);
	const pick = <T>(list: readonly T[]): T => list[Math.floor(rng.uniform() * list.length)];
	const syllable = () => pick(ONSETS) + pick(VOWELS);
	const seen = new Set<string>();
	const facts: PlantedFact[] = [];
	while (facts.length < count) {
		const word = syllable() + (rng.uniform() < 0.5 ? syllable() : '') + syllable() + pick(CODAS);
		if (seen.has(word)) continue;
		seen.add(word);
		const place = syllable() + pick(CODAS);
		const name = place[0].toUpperCase() + place.slice(1);
		facts.push({ word, text: `${word}: a ${pick(COLOURS)} ${pick(KINDS)} of ${pick(PLACES)} ${name}` });
	}
	return facts;
}
