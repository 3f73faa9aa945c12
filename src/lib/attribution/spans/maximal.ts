// OLMoTrace's maximal matching spans of a response: spans that occur verbatim in the index, start and end on word
// boundaries, do not cross a sentence end and are not contained in another such span; the rarest (lowest product of
// unigram probabilities) ceil(0.05 L) of them are kept. Occurrence is closed under taking sub-spans, so the longest
// qualifying span from each start is the only candidate there, and a sweep over starts finds the maximal ones.
import { SpanIndexError } from './index';
import type { Segmentation } from './tokenizer';

/** A kept span: tokens [start, end) of the response, and the natural log of its unigram probability. */
export type MatchSpan = { start: number; end: number; logProbability: number };

/** What maximal spans need from an index (one SpanIndex or a segmented one). */
export type SpanMatcher = {
	longestMatchAt(query: ArrayLike<number>, i: number): number;
	readonly unigramCounts: Uint32Array;
	readonly tokenCount: number;
};

export type MaximalSpansParameters = {
	/** The response's token ids. */
	tokens: ArrayLike<number>;
	/** Its word boundaries and sentence ends. */
	segmentation: Segmentation;
	/** Shortest span kept, in tokens (default 1). */
	minLength?: number;
	/** How many spans to keep (default ceil(0.05 L)). */
	keep?: number;
};

/** Finds the response's maximal matching spans and returns the rarest of them in text order. */
export function maximalSpans(index: SpanMatcher, { tokens, segmentation, minLength = 1, keep }: MaximalSpansParameters): MatchSpan[] {
	const L = tokens.length;
	const { wordBoundary, sentenceEnd } = segmentation;
	if (wordBoundary.length !== L + 1 || sentenceEnd.length !== L) {
		throw new SpanIndexError('The segmentation does not match the response.', {
			details: `${L} tokens, ${wordBoundary.length} word-boundary flags, ${sentenceEnd.length} sentence-end flags`
		});
	}
	if (!Number.isInteger(minLength) || minLength < 1) throw new SpanIndexError('minLength must be a positive integer.', { details: String(minLength) });
	const kept = keep ?? Math.ceil(0.05 * L);
	if (!Number.isInteger(kept) || kept < 0) throw new SpanIndexError('keep must be a non-negative integer.', { details: String(keep) });

	// sentenceCap[s]: the furthest end of a span from s that does not cross a sentence end (it may end on one).
	const sentenceCap = new Int32Array(L);
	for (let s = L - 1, cap = L; s >= 0; s--) {
		if (sentenceEnd[s]) cap = s + 1;
		sentenceCap[s] = cap;
	}

	const spans: MatchSpan[] = [];
	let reach = 0;
	for (let s = 0; s < L; s++) {
		if (!wordBoundary[s]) continue;
		let end = Math.min(s + index.longestMatchAt(tokens, s), sentenceCap[s]);
		while (end > s && !wordBoundary[end]) end--;
		// Only a span reaching past every earlier start's span is not contained in one of them.
		if (end - s < minLength || end <= reach) continue;
		reach = end;
		spans.push({ start: s, end, logProbability: logUnigramProbability(index, tokens, s, end) });
	}

	const rarest = spans.sort((a, b) => a.logProbability - b.logProbability || a.start - b.start).slice(0, kept);
	return rarest.sort((a, b) => a.start - b.start);
}

function logUnigramProbability(index: SpanMatcher, tokens: ArrayLike<number>, start: number, end: number): number {
	let sum = 0;
	for (let i = start; i < end; i++) sum += Math.log(index.unigramCounts[tokens[i]] / index.tokenCount);
	return sum;
}
