// Span attribution of one answer: the response's maximal matching spans, up to 10 source records per span with context,
// ranked by BM25 against prompt + response, and contributor shares. A span weighs its self-information -logProbability
// (nats): it grows with length and rarity, and a product with the length would count the length twice.
import { contributorShares, DEFAULT_MINIMUM_SHARE_BPS, type ContributorShare, type WeightedRecord } from '../shares';
import { bm25Score, words } from './bm25';
import { SpanIndexError } from './index';
import { maximalSpans, type MatchSpan } from './maximal';
import { spanText, type RecordMeta } from './segment';
import type { SegmentedSpanIndex } from './segmented';
import type { Tokenizer } from './tokenizer';

export type TraceSpansOptions = {
	/** Shortest span, in tokens (default 1). */
	minLength?: number;
	/** How many spans to keep (default ceil(0.05 L)). */
	keep?: number;
	/** Source records per span (default 10): the earliest records containing it. */
	sourcesPerSpan?: number;
	/** Tokens of context on each side of a match, trimmed to word boundaries (default 32). */
	contextTokens?: number;
	/** Groups of near-duplicate record CIDs; records with one CID always form a group. */
	nearDuplicates?: readonly (readonly string[])[];
	/** Smallest contributor share kept, in basis points (default DEFAULT_MINIMUM_SHARE_BPS). */
	minimumShareBps?: number;
};

export type TraceSpansParameters = {
	prompt: string;
	response: string;
	/** The tokenizer the index was built with. */
	tokenizer: Tokenizer;
	options?: TraceSpansOptions;
};

/** A source record of a span: who it came from, where the span occurs in it, its BM25 score and the text around it. */
export type SpanSource = RecordMeta & {
	/** Global record number in the index. */
	record: number;
	/** Token offset of the match inside the record. */
	offset: number;
	score: number;
	context: { before: string; match: string; after: string };
};

/** A kept span: token range [start, end), character range [charStart, charEnd) of the response, weight and sources. */
export type TracedSpan = MatchSpan & { charStart: number; charEnd: number; text: string; weight: number; sources: SpanSource[] };

/** The parameters a trace ran with, every default filled in: what a receipt records beside the method. */
export type TraceSpansParametersUsed = {
	/** Tokens in the response. */
	responseTokens: number;
	minLength: number;
	keep: number;
	sourcesPerSpan: number;
	contextTokens: number;
	minimumShareBps: number;
	/** Groups of near-duplicate CIDs that were given. */
	nearDuplicateGroups: number;
};

export type TraceSpansReturnType = { spans: TracedSpan[]; shares: ContributorShare[]; parameters: TraceSpansParametersUsed };

/** Finds the response's spans in the index, their source records, and the contributors' shares of the credit. */
export function traceSpans(index: SegmentedSpanIndex, { prompt, response, tokenizer, options = {} }: TraceSpansParameters): TraceSpansReturnType {
	const { minLength = 1, keep, sourcesPerSpan = 10, contextTokens = 32, nearDuplicates = [], minimumShareBps = DEFAULT_MINIMUM_SHARE_BPS } = options;
	if (tokenizer.hash !== index.tokenizerHash) {
		throw new SpanIndexError('The index was built with another tokenizer.', { details: `${tokenizer.hash}; index ${index.tokenizerHash}` });
	}
	for (const [name, value] of [['sourcesPerSpan', sourcesPerSpan], ['contextTokens', contextTokens]] as const) {
		if (!Number.isInteger(value) || value < 0) throw new SpanIndexError(`${name} must be a non-negative integer.`, { details: String(value) });
	}
	const spaced = spanText(response); // as the records were tokenized: see segment.ts
	const tokens = tokenizer.encode(spaced.text);
	const kept = keep ?? Math.ceil(0.05 * tokens.length);
	const matches = maximalSpans(index, { tokens, segmentation: tokenizer.segment(tokens), minLength, keep: kept });
	const queryTerms = new Set(words(`${prompt}\n${response}`));
	const scores = new Map<number, number>();
	const scoreOf = (record: number) => {
		let score = scores.get(record);
		if (score === undefined) {
			score = bm25Score(index.bm25, queryTerms, words(tokenizer.decode(index.recordTokens(record))));
			scores.set(record, score);
		}
		return score;
	};

	const spans = matches.map((span): TracedSpan => {
		const ngram = tokens.subarray(span.start, span.end);
		const sources = index.locateRecords(ngram, sourcesPerSpan).map(({ record, offset }): SpanSource => ({
			...index.record(record),
			record,
			offset,
			score: scoreOf(record),
			context: sourceContext(index, tokenizer, record, offset, ngram.length, contextTokens)
		}));
		sources.sort((a, b) => b.score - a.score || a.record - b.record);
		// Offsets in the spaced text without the span's outer whitespace (a pre-token's space), mapped back to the response.
		const decoded = tokenizer.decode(ngram);
		const from = tokenizer.decode(tokens.subarray(0, span.start)).length + decoded.length - decoded.trimStart().length;
		const charStart = spaced.original(from);
		const charEnd = spaced.original(from + decoded.trim().length);
		const text = response.slice(charStart, charEnd);
		return { ...span, charStart, charEnd, text, weight: -span.logProbability, sources };
	});
	const { records, duplicateGroups } = spanRecordWeights(spans, nearDuplicates);
	const parameters = { responseTokens: tokens.length, minLength, keep: kept, sourcesPerSpan, contextTokens, minimumShareBps, nearDuplicateGroups: nearDuplicates.length };
	return { spans, shares: contributorShares({ records, duplicateGroups, minimumShareBps }), parameters };
}

/**
 * Each span's weight split evenly over its sources, as weighted records keyed by global record number, with the
 * duplicate groups: records sharing a CID, and the records carrying each group of near-duplicate CIDs.
 */
export function spanRecordWeights(
	spans: readonly Pick<TracedSpan, 'weight' | 'sources'>[],
	nearDuplicates: readonly (readonly string[])[] = []
): { records: WeightedRecord[]; duplicateGroups: string[][] } {
	const records: WeightedRecord[] = [];
	const recordsOf = new Map<string, Set<string>>();
	for (const { weight, sources } of spans) {
		for (const s of sources) {
			records.push({ record: String(s.record), contributor: s.contributor, weight: weight / sources.length });
			recordsOf.set(s.cid, (recordsOf.get(s.cid) ?? new Set<string>()).add(String(s.record)));
		}
	}
	const sameCid = [...recordsOf.values()].filter((g) => g.size > 1).map((g) => [...g]);
	const near = nearDuplicates.map((group) => group.flatMap((cid) => [...(recordsOf.get(cid) ?? [])]));
	return { records, duplicateGroups: [...sameCid, ...near] };
}

// The match inside its record with up to `contextTokens` tokens either side, the window's edges moved inwards to word
// boundaries (segmenting one token beyond each edge, so the edge's flag sees both of its neighbours).
function sourceContext(index: SegmentedSpanIndex, tokenizer: Tokenizer, record: number, offset: number, length: number, contextTokens: number): SpanSource['context'] {
	const recordTokens = index.recordTokens(record);
	const end = offset + length;
	const from = Math.max(0, offset - contextTokens);
	const to = Math.min(recordTokens.length, end + contextTokens);
	const padFrom = Math.max(0, from - 1);
	const { wordBoundary } = tokenizer.segment(recordTokens.subarray(padFrom, Math.min(recordTokens.length, to + 1)));
	let start = from;
	while (start < offset && !wordBoundary[start - padFrom]) start++;
	let stop = to;
	while (stop > end && !wordBoundary[stop - padFrom]) stop--;
	// A record's tokens start with spanText's space, which is not the record's: drop it.
	const before = tokenizer.decode(recordTokens.subarray(start, offset));
	const match = tokenizer.decode(recordTokens.subarray(offset, end));
	const unspace = (piece: string) => (start === 0 && piece.startsWith(' ') ? piece.slice(1) : piece);
	return {
		before: unspace(before),
		match: start === 0 && before === '' ? unspace(match) : match,
		after: tokenizer.decode(recordTokens.subarray(end, stop))
	};
}
