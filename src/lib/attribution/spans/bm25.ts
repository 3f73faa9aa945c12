// Okapi BM25 (k1 = 1.2, b = 0.75) for re-ranking a span's source records against prompt + response. The IDF is
// Lucene's ln(1 + (N - n + 0.5) / (n + 0.5)), which never goes negative, so a query word a record contains always
// raises its score, even a word most records contain; corpus statistics are integers, so they merge exactly.

/** Corpus statistics: document count, total words, and in how many documents each word occurs. */
export type Bm25Corpus = {
	readonly documents: number;
	readonly totalWords: number;
	readonly documentFrequencies: ReadonlyMap<string, number>;
};

/** BM25's free parameters. */
export type Bm25Parameters = { k1: number; b: number };

/** The standard parameters. */
export const BM25_DEFAULTS: Bm25Parameters = { k1: 1.2, b: 0.75 };

const WORD = /[\p{L}\p{N}]+/gu;

/** The text's words: maximal runs of letters and digits, NFC-normalized and lower-cased. */
export function words(text: string): string[] {
	return text.normalize('NFC').toLowerCase().match(WORD) ?? [];
}

/** Computes the statistics of a corpus from its documents' texts. */
export function buildBm25Corpus(texts: Iterable<string>): Bm25Corpus {
	const documentFrequencies = new Map<string, number>();
	let documents = 0;
	let totalWords = 0;
	for (const text of texts) {
		const terms = words(text);
		documents++;
		totalWords += terms.length;
		for (const term of new Set(terms)) documentFrequencies.set(term, (documentFrequencies.get(term) ?? 0) + 1);
	}
	return { documents, totalWords, documentFrequencies };
}

/** The statistics of the union of disjoint corpora (the counts add). */
export function mergeBm25Corpora(corpora: readonly Bm25Corpus[]): Bm25Corpus {
	const documentFrequencies = new Map<string, number>();
	let documents = 0;
	let totalWords = 0;
	for (const corpus of corpora) {
		documents += corpus.documents;
		totalWords += corpus.totalWords;
		for (const [term, n] of corpus.documentFrequencies) documentFrequencies.set(term, (documentFrequencies.get(term) ?? 0) + n);
	}
	return { documents, totalWords, documentFrequencies };
}

/** Scores a document (its words) against the distinct query terms; 0 when nothing matches. */
export function bm25Score(corpus: Bm25Corpus, queryTerms: ReadonlySet<string>, documentWords: readonly string[], { k1, b }: Bm25Parameters = BM25_DEFAULTS): number {
	if (corpus.documents === 0 || corpus.totalWords === 0) return 0;
	const frequencies = new Map<string, number>();
	for (const w of documentWords) if (queryTerms.has(w)) frequencies.set(w, (frequencies.get(w) ?? 0) + 1);
	const N = corpus.documents;
	const lengthNorm = k1 * (1 - b + (b * documentWords.length * N) / corpus.totalWords);
	let score = 0;
	// Sorted terms fix the summation order, so the score does not depend on the order of the document's words.
	for (const [term, f] of [...frequencies].sort(([a], [b]) => (a < b ? -1 : 1))) {
		const n = corpus.documentFrequencies.get(term) ?? 0;
		const idf = Math.log(1 + (N - n + 0.5) / (n + 0.5));
		score += (idf * f * (k1 + 1)) / (f + lengthNorm);
	}
	return score;
}
