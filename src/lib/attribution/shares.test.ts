import { describe, expect, it } from 'vitest';
import { contributorShares, SharesError, TOTAL_BPS, type ContributorShare, type WeightedRecord } from './shares';
import { rng } from './spans/testText.node';

const total = (shares: ContributorShare[]) => shares.reduce((s, x) => s + x.bps, 0);
const asMap = (shares: ContributorShare[]) => new Map(shares.map((s) => [s.contributor, s.bps]));

function randomCase(next: () => number): { records: WeightedRecord[]; duplicateGroups: string[][] } {
	const records = Array.from({ length: 1 + Math.floor(next() * 10) }, (_, i) => ({
		record: `r${i}`,
		contributor: `0x${Math.floor(next() * 5)}`,
		weight: next() < 0.15 ? 0 : next() * 10
	}));
	const duplicateGroups = Array.from({ length: Math.floor(next() * 3) }, () => Array.from({ length: 2 + Math.floor(next() * 3) }, () => `r${Math.floor(next() * 12)}`));
	return { records, duplicateGroups };
}

function shuffle<T>(next: () => number, items: readonly T[]): T[] {
	const out = [...items];
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(next() * (i + 1));
		[out[i], out[j]] = [out[j], out[i]];
	}
	return out;
}

describe('contributorShares', () => {
	it('splits by weight with largest remainders and deterministic ties', () => {
		const shares = contributorShares({
			records: [
				{ record: 'a', contributor: '0xb', weight: 1 },
				{ record: 'b', contributor: '0xa', weight: 1 },
				{ record: 'c', contributor: '0xc', weight: 1 }
			]
		});
		expect(shares).toEqual([{ contributor: '0xa', bps: 3334 }, { contributor: '0xb', bps: 3333 }, { contributor: '0xc', bps: 3333 }]);
		expect(contributorShares({ records: [{ record: 'a', contributor: '0xa', weight: 3 }, { record: 'b', contributor: '0xb', weight: 1 }, { record: 'c', contributor: '0xa', weight: 0 }] })).toEqual([
			{ contributor: '0xa', bps: 7500 },
			{ contributor: '0xb', bps: 2500 }
		]);
		expect(contributorShares({ records: [{ record: 'a', contributor: '0xa', weight: 0 }] })).toEqual([]);
		expect(contributorShares({ records: [] })).toEqual([]);
	});

	it('counts a near-duplicate group once, at its heaviest member, split over its distinct contributors', () => {
		const records = [
			{ record: 'orig', contributor: '0xa', weight: 4 },
			{ record: 'copy1', contributor: '0xb', weight: 4 },
			{ record: 'copy2', contributor: '0xb', weight: 3 },
			{ record: 'other', contributor: '0xc', weight: 4 }
		];
		// Without grouping 0xb would get 7/15; grouped, the group weighs 4, half to 0xa and half to 0xb.
		expect(contributorShares({ records, duplicateGroups: [['orig', 'copy1'], ['copy2', 'copy1', 'missing']] })).toEqual([
			{ contributor: '0xc', bps: 5000 },
			{ contributor: '0xa', bps: 2500 },
			{ contributor: '0xb', bps: 2500 }
		]);
	});

	it('drops shares below the minimum and gives their weight to the rest in proportion', () => {
		const records = [
			{ record: 'a', contributor: '0xa', weight: 60 },
			{ record: 'b', contributor: '0xb', weight: 39.6 },
			{ record: 'c', contributor: '0xc', weight: 0.4 }
		];
		expect(contributorShares({ records, minimumShareBps: 0 }).map((s) => s.bps)).toEqual([6000, 3960, 40]);
		expect(contributorShares({ records })).toEqual([{ contributor: '0xa', bps: 6024 }, { contributor: '0xb', bps: 3976 }]);
		// Equal shares all below the minimum: drop one at a time (the later id first) until the rest reach it.
		const equal = ['0xa', '0xb', '0xc'].map((contributor) => ({ record: contributor, contributor, weight: 1 }));
		expect(contributorShares({ records: equal, minimumShareBps: 4000 })).toEqual([{ contributor: '0xa', bps: 5000 }, { contributor: '0xb', bps: 5000 }]);
	});

	it('rejects negative or non-finite weights, a record with two contributors, and a bad minimum', () => {
		expect(() => contributorShares({ records: [{ record: 'a', contributor: '0xa', weight: -1 }] })).toThrow(SharesError);
		expect(() => contributorShares({ records: [{ record: 'a', contributor: '0xa', weight: Number.NaN }] })).toThrow(SharesError);
		expect(() => contributorShares({ records: [{ record: 'a', contributor: '0xa', weight: 1 }, { record: 'a', contributor: '0xb', weight: 1 }] })).toThrow(SharesError);
		expect(() => contributorShares({ records: [], minimumShareBps: 1.5 })).toThrow(SharesError);
	});

	it('always sums to 10,000, never goes negative, respects the minimum and ignores input order', () => {
		const next = rng(51);
		for (let c = 0; c < 500; c++) {
			const { records, duplicateGroups } = randomCase(next);
			const minimumShareBps = [0, 50, 1000, 3000][c % 4];
			const shares = contributorShares({ records, duplicateGroups, minimumShareBps });
			if (records.some((r) => r.weight > 0)) expect(total(shares)).toBe(TOTAL_BPS);
			else expect(shares).toEqual([]);
			for (const s of shares) expect(s.bps).toBeGreaterThanOrEqual(minimumShareBps);
			const reordered = contributorShares({ records: shuffle(next, records), duplicateGroups: shuffle(next, duplicateGroups.map((g) => shuffle(next, g))), minimumShareBps });
			expect(reordered).toEqual(shares);
			// Without groups, dropping below the minimum equals leaving those contributors out with no minimum.
			if (duplicateGroups.length === 0) {
				const kept = new Set(shares.map((s) => s.contributor));
				expect(contributorShares({ records: records.filter((r) => kept.has(r.contributor)), minimumShareBps: 0 })).toEqual(shares);
			}
		}
	});

	it('never gives a contributor more than its own records plus the weight of the groups it is in', () => {
		const next = rng(52);
		for (let c = 0; c < 500; c++) {
			const { records, duplicateGroups } = randomCase(next);
			const shares = asMap(contributorShares({ records, duplicateGroups, minimumShareBps: 0 }));
			// Oracle units: join groups naively until stable; each unit weighs its heaviest member.
			const unitOf = new Map(records.map((r) => [r.record, new Set([r.record])]));
			for (const g of duplicateGroups) {
				const members = g.filter((id) => unitOf.has(id));
				const joined = new Set(members.flatMap((id) => [...(unitOf.get(id) as Set<string>)]));
				for (const id of joined) unitOf.set(id, joined);
			}
			const units = [...new Set(unitOf.values())].map((ids) => records.filter((r) => ids.has(r.record)));
			const unitWeight = (u: WeightedRecord[]) => Math.max(...u.map((r) => r.weight));
			const all = units.reduce((s, u) => s + unitWeight(u), 0);
			if (all === 0) continue;
			for (const [contributor, bps] of shares) {
				const bound = units.filter((u) => u.some((r) => r.contributor === contributor)).reduce((s, u) => s + unitWeight(u), 0);
				expect(bps).toBeLessThanOrEqual(Math.floor((TOTAL_BPS * bound) / all) + 1);
			}
			// Extra copies of a record by its own contributor, grouped with it, change nothing.
			const r = records[Math.floor(next() * records.length)];
			const copies = [1, 2].map((k) => ({ ...r, record: `${r.record}-copy${k}`, weight: r.weight * next() }));
			const grouped = [...duplicateGroups, [r.record, ...copies.map((x) => x.record)]];
			expect(contributorShares({ records: [...records, ...copies], duplicateGroups: grouped, minimumShareBps: 0 })).toEqual(
				contributorShares({ records, duplicateGroups: grouped, minimumShareBps: 0 })
			);
		}
	});
});
