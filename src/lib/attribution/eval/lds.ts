// The linear datamodeling score (LDS, Park et al. 2023, as dattri and TRAK compute it): models are retrained on random
// subsets S_j of the training records; for a query z an attribution method predicts g(z, S_j) = sum of its scores over
// S_j, and LDS(z) is the Spearman rank correlation between g and the query's measured benefit (minus its loss) over
// j. The reported score is the mean over queries. Spearman here ranks with average ranks for ties (a method that
// scores every record alike gets 0, not an arbitrary order).

/** Ranks starting at 1, ties getting the mean of their positions. */
export function ranks(values: ArrayLike<number>): Float64Array {
	const n = values.length;
	const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
	const out = new Float64Array(n);
	for (let i = 0; i < n; ) {
		let j = i;
		while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
		const rank = (i + j) / 2 + 1;
		for (let p = i; p <= j; p++) out[order[p]] = rank;
		i = j + 1;
	}
	return out;
}

/** Pearson correlation; 0 when either side is constant. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
	const n = x.length;
	let mx = 0;
	let my = 0;
	for (let i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= n;
	my /= n;
	let sxy = 0;
	let sxx = 0;
	let syy = 0;
	for (let i = 0; i < n; i++) {
		sxy += (x[i] - mx) * (y[i] - my);
		sxx += (x[i] - mx) ** 2;
		syy += (y[i] - my) ** 2;
	}
	return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rank correlation. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
	return pearson(ranks(x), ranks(y));
}

/** What lds() needs: per query the n record scores, per model the subset it was trained on, per query the M losses. */
export type LdsParameters = {
	/** (Q) score vectors of length n: higher means the record helps the query more. */
	scores: readonly ArrayLike<number>[];
	/** (M) membership masks of length n: 1 where the record was in the model's training subset. */
	subsets: readonly Uint8Array[];
	/** (Q) loss vectors of length M: the query's loss under each subset model. */
	losses: readonly ArrayLike<number>[];
};

/** Returns the mean LDS and each query's. */
export function lds({ scores, subsets, losses }: LdsParameters): { mean: number; perQuery: number[] } {
	const perQuery = scores.map((s, q) => {
		const predicted = subsets.map((mask) => {
			let sum = 0;
			for (let i = 0; i < mask.length; i++) if (mask[i]) sum += s[i];
			return sum;
		});
		const benefit = Array.from(losses[q], (l) => -l);
		return spearman(predicted, benefit);
	});
	return { mean: perQuery.reduce((a, b) => a + b, 0) / Math.max(1, perQuery.length), perQuery };
}
