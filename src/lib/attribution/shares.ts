// From weighted records to contributor shares in basis points summing to exactly 10,000. A group of near-duplicate
// records counts as one record of its heaviest member's weight, split evenly over the group's distinct contributors, so
// copies never add credit; every sum runs in a sorted order, so the result does not depend on the input's order.
import { BaseError } from '../core/errors';

/** Basis points in a whole. */
export const TOTAL_BPS = 10_000;

/** Shares below this many basis points (0.5%) are dropped, smallest first and one at a time, their weight going to the
 * rest in proportion. */
export const DEFAULT_MINIMUM_SHARE_BPS = 50;

/** One record's attribution weight and who contributed it. */
export type WeightedRecord = { record: string; contributor: string; weight: number };

/** A contributor's share in basis points. */
export type ContributorShare = { contributor: string; bps: number };

export type ContributorSharesParameters = {
	/** Weights per record; a record listed several times (by one contributor) adds its weights. */
	records: readonly WeightedRecord[];
	/** Groups of near-duplicate record ids; overlapping groups are joined, ids not in `records` are ignored. */
	duplicateGroups?: readonly (readonly string[])[];
	/** Smallest share kept, in basis points (default DEFAULT_MINIMUM_SHARE_BPS). */
	minimumShareBps?: number;
};

export class SharesError extends BaseError {
	override name = 'SharesError';
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Turns record weights into per-contributor basis points (largest remainders, ties to the smaller contributor id). */
export function contributorShares({ records, duplicateGroups = [], minimumShareBps = DEFAULT_MINIMUM_SHARE_BPS }: ContributorSharesParameters): ContributorShare[] {
	if (!Number.isInteger(minimumShareBps) || minimumShareBps < 0 || minimumShareBps > TOTAL_BPS) {
		throw new SharesError('The minimum share must be an integer number of basis points from 0 to 10,000.', { details: String(minimumShareBps) });
	}
	const units = duplicateUnits(recordWeights(records), duplicateGroups);

	// Each unit's weight goes in equal parts to its distinct contributors; units run in order of their first record id.
	const weightOf = new Map<string, number>();
	for (const unit of units) {
		const weight = Math.max(...unit.map((r) => r.weight));
		const contributors = [...new Set(unit.map((r) => r.contributor))];
		for (const c of contributors) weightOf.set(c, (weightOf.get(c) ?? 0) + weight / contributors.length);
	}
	// Ascending weight, ties by descending id, so the minimum-share loop drops from the front.
	const kept = [...weightOf].filter(([, w]) => w > 0).sort(([a, x], [b, y]) => x - y || byString(b, a));
	while (kept.length > 1 && (TOTAL_BPS * kept[0][1]) / sum(kept) < minimumShareBps) kept.shift();
	return largestRemainder(kept);
}

// Sums the weights per record id (in sorted order), checking that a record keeps one contributor.
function recordWeights(records: readonly WeightedRecord[]): Map<string, WeightedRecord> {
	const sorted = [...records].sort((a, b) => byString(a.record, b.record) || a.weight - b.weight);
	const out = new Map<string, WeightedRecord>();
	for (const { record, contributor, weight } of sorted) {
		if (!Number.isFinite(weight) || weight < 0) throw new SharesError('A weight must be a finite non-negative number.', { details: `record ${record}: ${weight}` });
		const seen = out.get(record);
		if (seen && seen.contributor !== contributor) {
			throw new SharesError('A record is listed with two contributors.', { details: `record ${record}: ${seen.contributor}, ${contributor}` });
		}
		out.set(record, { record, contributor, weight: (seen?.weight ?? 0) + weight });
	}
	return out;
}

// Joins overlapping groups (union-find) and returns every record in exactly one unit, units sorted by first record id.
function duplicateUnits(weights: Map<string, WeightedRecord>, groups: readonly (readonly string[])[]): WeightedRecord[][] {
	const parent = new Map<string, string>();
	const root = (id: string): string => {
		let r = id;
		while (parent.get(r) !== r) r = parent.get(r) as string;
		parent.set(id, r);
		return r;
	};
	for (const id of weights.keys()) parent.set(id, id);
	for (const group of groups) {
		const members = group.filter((id) => weights.has(id));
		for (let i = 1; i < members.length; i++) {
			const [a, b] = [root(members[0]), root(members[i])].sort(byString);
			parent.set(b, a);
		}
	}
	const units = new Map<string, WeightedRecord[]>();
	for (const [id, record] of [...weights].sort(([a], [b]) => byString(a, b))) {
		const unit = units.get(root(id)) ?? [];
		unit.push(record);
		units.set(root(id), unit);
	}
	return [...units.values()];
}

function sum(entries: [string, number][]): number {
	let total = 0;
	for (const [, w] of entries) total += w;
	return total;
}

// Floors of the exact quotas, then one more basis point to each of the largest remainders until the total is 10,000.
function largestRemainder(entries: [string, number][]): ContributorShare[] {
	if (entries.length === 0) return [];
	const total = sum(entries);
	const quotas = entries.map(([contributor, w]) => {
		const quota = (TOTAL_BPS * w) / total;
		return { contributor, bps: Math.floor(quota), remainder: quota - Math.floor(quota) };
	});
	let missing = TOTAL_BPS - quotas.reduce((s, q) => s + q.bps, 0);
	const byRemainder = [...quotas].sort((a, b) => b.remainder - a.remainder || byString(a.contributor, b.contributor));
	for (let i = 0; missing > 0; i = (i + 1) % byRemainder.length, missing--) byRemainder[i].bps++;
	return quotas.map(({ contributor, bps }) => ({ contributor, bps })).sort((a, b) => b.bps - a.bps || byString(a.contributor, b.contributor));
}
