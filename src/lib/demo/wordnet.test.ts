// The WordNet demo data as Node code sees it (tests, evaluations and benchmarks load it this way).
import { describe, expect, it } from 'vitest';
import { DEMO_CONTRIBUTOR_COUNT, DEMO_DATANETS, GUIDED_DEMO_LEXNAME, demoContributorIndex, demoDatanetId, parseDataFile, synsetText } from './wordnet';
import { allSynsets, synsetsOf } from './wordnet.node';

describe('WordNet demo data', () => {
	it('parses a data line into lemmas and gloss', () => {
		const line = '01323958 05 n 02 wolf 0 Canis_lupus 0 002 @ 01322983 n 0000 | any of various predatory carnivorous canines  ';
		const [s] = parseDataFile(`  1 This software and database is being provided\n${line}\n`);
		expect(s).toEqual({ offset: '01323958', lexname: 'noun.animal', lemmas: ['wolf', 'Canis lupus'], gloss: 'any of various predatory carnivorous canines' });
		expect(synsetText(s)).toBe('wolf, Canis lupus: any of various predatory carnivorous canines');
	});

	it('gives at least 8 domain Datanets and 30,000 records, and a small one for the guided demo', () => {
		expect(DEMO_DATANETS.length).toBeGreaterThanOrEqual(9);
		const sizes = DEMO_DATANETS.filter((d) => d.lexname !== GUIDED_DEMO_LEXNAME).map((d) => synsetsOf(d.lexname).length);
		for (const n of sizes) expect(n).toBeGreaterThan(500);
		// Small enough to train on and attribute in a minute or two, large enough for a dozen contributors.
		const guided = synsetsOf(GUIDED_DEMO_LEXNAME).length;
		expect(guided).toBeGreaterThanOrEqual(50);
		expect(guided).toBeLessThanOrEqual(300);
		expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(30_000);
		expect(allSynsets().length).toBeGreaterThan(100_000);
	});

	it('finds the wolf among the animals', () => {
		const wolf = synsetsOf('noun.animal').find((s) => s.lemmas.includes('wolf'));
		expect(wolf?.gloss).toMatch(/predatory carnivorous canine/);
	});

	it('spreads records over all 12 simulated contributors, unevenly and deterministically', () => {
		const counts = new Array(DEMO_CONTRIBUTOR_COUNT).fill(0);
		for (const s of synsetsOf('noun.animal')) counts[demoContributorIndex(s.offset, s.lexname)]++;
		expect(counts.every((c) => c > 0)).toBe(true);
		expect(counts[0]).toBeGreaterThan(3 * counts[11]);
		expect(demoContributorIndex('01323958', 'noun.animal')).toBe(demoContributorIndex('01323958', 'noun.animal'));
	});

	it('has fixed, distinct Datanet ids', () => {
		const ids = DEMO_DATANETS.map((d) => demoDatanetId(d.lexname));
		expect(new Set(ids).size).toBe(ids.length);
		for (const id of ids) expect(id).toMatch(/^0x[0-9a-f]{64}$/);
	});
});
