// GPT-2-style byte-level BPE: text -> GPT-2 pre-tokens -> UTF-8 bytes -> merges, so any string round-trips and no token
// is ever unknown. Training counts pre-token frequencies once, then updates pair counts only in the words a merge touches,
// with a lazy max-heap (stale entries are re-pushed when popped) choosing the next pair.
import { BaseError } from '../errors';

export class TokenizerError extends BaseError {
	override name = 'TokenizerError';
}

// Whitespace is Unicode White_Space rather than JS's \s (which adds U+FEFF and drops U+0085) so pre-tokens match the
// Oniguruma `\s` of the Hugging Face ByteLevel pre-tokenizer.
/** GPT-2's pre-tokenizer: contractions, then letter, number and other runs (each with one optional leading space), then whitespace. */
export const PRE_TOKEN_PATTERN =
	/'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

/** GPT-2's byte-to-unicode map: printable Latin-1 bytes stand for themselves, the other 68 for U+0100 onwards. */
export const BYTE_TO_UNICODE: readonly string[] = (() => {
	const out: string[] = new Array(256);
	let next = 256;
	for (let b = 0; b < 256; b++) {
		const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
		out[b] = String.fromCharCode(printable ? b : next++);
	}
	return out;
})();

/** The inverse of BYTE_TO_UNICODE. */
export const UNICODE_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_UNICODE.map((c, b) => [c, b]));

/** The end-of-text token that separates records in a training stream. */
export const END_OF_TEXT = '<|endoftext|>';
/** The separator between the parts of a record (prompt and response). */
export const SEPARATOR = '<|sep|>';
/** The special tokens trainBpe adds by default; they get ids 256 and 257. */
export const DEFAULT_SPECIAL_TOKENS: readonly string[] = [END_OF_TEXT, SEPARATOR];

/** A token matched in raw text before pre-tokenization (Hugging Face's "added token"); `special` ones can be skipped on decode. */
export type AddedToken = { id: number; content: string; special: boolean };

/** Everything that defines a byte-level BPE tokenizer. */
export type BpeModel = {
	/** The bytes each token stands for, by id; an added token stands for its content's UTF-8. */
	tokenBytes: Uint8Array[];
	/** Merges in priority order, as [left id, right id, result id]. */
	merges: [number, number, number][];
	addedTokens: AddedToken[];
};

export type EncodeOptions = {
	/** Match added tokens' text (e.g. "<|endoftext|>") as those tokens; by default it is encoded as ordinary text. */
	allowSpecial?: boolean;
};

export type DecodeOptions = {
	/** Leave out added tokens marked special. */
	skipSpecial?: boolean;
};

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF, which the default decoder would silently drop.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const CACHE_LIMIT = 65_536;

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Returns a token's string in a tokenizer.json vocabulary: its bytes through BYTE_TO_UNICODE. */
export function byteLevelString(bytes: Uint8Array): string {
	let s = '';
	for (const b of bytes) s += BYTE_TO_UNICODE[b];
	return s;
}

/** Splits text into GPT-2 pre-tokens. */
export function preTokenize(text: string): string[] {
	return Array.from(text.matchAll(PRE_TOKEN_PATTERN), (m) => m[0]);
}

/** A byte-level BPE tokenizer: encodes text to ids and decodes ids back to text. */
export class BpeTokenizer {
	readonly model: BpeModel;
	/** Every id is below this. */
	readonly vocabSize: number;
	private readonly byteIds = new Uint32Array(256);
	/** Pair key (left * vocabSize + right) -> merge rank; a pair listed twice keeps its last rank, as in Hugging Face. */
	private readonly ranks = new Map<number, number>();
	private readonly addedIds = new Map<string, number>();
	private readonly special: Uint8Array;
	private readonly addedPattern: RegExp | null;
	private readonly cache = new Map<string, Uint32Array>();

	/** Checks the model's consistency (every byte has a token, merges concatenate, added tokens distinct) and indexes it. */
	constructor(model: BpeModel) {
		const V = model.tokenBytes.length;
		this.model = model;
		this.vocabSize = V;
		this.special = new Uint8Array(V);
		for (const t of model.addedTokens) {
			if (!Number.isInteger(t.id) || t.id < 0 || t.id >= V) {
				throw invalid(`added token ${JSON.stringify(t.content)} has id ${t.id}, outside 0..${V - 1}`);
			}
			if (t.content === '') throw invalid(`added token ${t.id} is empty`);
			if (this.addedIds.has(t.content)) throw invalid(`added token ${JSON.stringify(t.content)} appears twice`);
			this.addedIds.set(t.content, t.id);
			if (t.special) this.special[t.id] = 1;
		}
		const added = new Map(model.addedTokens.map((t) => [t.id, t.content]));
		const byString = new Map<string, number>();
		const seenByte = new Uint8Array(256);
		for (let id = 0; id < V; id++) {
			const bytes = model.tokenBytes[id];
			if (!added.has(id) && bytes.length === 0) throw invalid(`token ${id} is empty`);
			const key = added.get(id) ?? byteLevelString(bytes);
			const other = byString.get(key);
			if (other !== undefined) throw invalid(`tokens ${other} and ${id} are the same string ${JSON.stringify(key)}`);
			byString.set(key, id);
			if (bytes.length === 1 && !added.has(id)) {
				this.byteIds[bytes[0]] = id;
				seenByte[bytes[0]] = 1;
			}
		}
		const missing = seenByte.indexOf(0);
		if (missing >= 0) throw invalid(`no token stands for the byte 0x${missing.toString(16).padStart(2, '0')}`);
		model.merges.forEach(([left, right, result], rank) => {
			for (const id of [left, right, result]) {
				if (!Number.isInteger(id) || id < 0 || id >= V || added.has(id)) {
					throw invalid(`merge ${rank} refers to id ${id}, which is not a vocabulary token`);
				}
			}
			const joined = latin1(model.tokenBytes[left]) + latin1(model.tokenBytes[right]);
			if (joined !== latin1(model.tokenBytes[result])) throw invalid(`merge ${rank} does not produce token ${result}`);
			this.ranks.set(left * V + right, rank);
		});
		const contents = model.addedTokens.map((t) => t.content).sort((a, b) => b.length - a.length);
		this.addedPattern = contents.length ? new RegExp(contents.map(escapeRegExp).join('|'), 'gu') : null;
	}

	/** Returns the id of an added token such as END_OF_TEXT, or undefined when the tokenizer has none by that text. */
	tokenId(content: string): number | undefined {
		return this.addedIds.get(content);
	}

	/** Encodes text to token ids; lone surrogates become U+FFFD, as in TextEncoder. */
	encode(text: string, { allowSpecial = false }: EncodeOptions = {}): Uint32Array {
		const out: number[] = [];
		if (!allowSpecial || !this.addedPattern) {
			this.encodeOrdinary(text, out);
			return Uint32Array.from(out);
		}
		let start = 0;
		for (const m of text.matchAll(this.addedPattern)) {
			this.encodeOrdinary(text.slice(start, m.index), out);
			out.push(this.addedIds.get(m[0])!);
			start = m.index + m[0].length;
		}
		this.encodeOrdinary(text.slice(start), out);
		return Uint32Array.from(out);
	}

	/** Decodes token ids to text; byte sequences that are not valid UTF-8 (possible for arbitrary ids) become U+FFFD. */
	decode(ids: ArrayLike<number>, { skipSpecial = false }: DecodeOptions = {}): string {
		const parts: Uint8Array[] = [];
		let length = 0;
		for (let i = 0; i < ids.length; i++) {
			const id = ids[i];
			if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
				throw new TokenizerError('Cannot decode an unknown token id.', {
					details: `id ${id} at position ${i}; the vocabulary has ${this.vocabSize} tokens`
				});
			}
			if (skipSpecial && this.special[id]) continue;
			parts.push(this.model.tokenBytes[id]);
			length += this.model.tokenBytes[id].length;
		}
		const bytes = new Uint8Array(length);
		let offset = 0;
		for (const p of parts) {
			bytes.set(p, offset);
			offset += p.length;
		}
		return decoder.decode(bytes);
	}

	private encodeOrdinary(text: string, out: number[]): void {
		for (const m of text.matchAll(PRE_TOKEN_PATTERN)) {
			const word = m[0];
			let ids = this.cache.get(word);
			if (!ids) {
				ids = this.encodeWord(word);
				if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
				this.cache.set(word, ids);
			}
			for (const id of ids) out.push(id);
		}
	}

	/** Applies merges to one pre-token: repeatedly the lowest-ranked adjacent pair, at every place it occurs, left to right. */
	private encodeWord(word: string): Uint32Array {
		const V = this.vocabSize;
		let symbols = Array.from(encoder.encode(word), (b) => this.byteIds[b]);
		while (symbols.length > 1) {
			let best = -1;
			for (let i = 0; i + 1 < symbols.length; i++) {
				const rank = this.ranks.get(symbols[i] * V + symbols[i + 1]);
				if (rank !== undefined && (best < 0 || rank < best)) best = rank;
			}
			if (best < 0) break;
			const [left, right, result] = this.model.merges[best];
			const merged: number[] = [];
			for (let i = 0; i < symbols.length; i++) {
				if (symbols[i] === left && symbols[i + 1] === right) {
					merged.push(result);
					i++;
				} else merged.push(symbols[i]);
			}
			symbols = merged;
		}
		return Uint32Array.from(symbols);
	}
}

function invalid(details: string): TokenizerError {
	return new TokenizerError('The tokenizer is inconsistent.', { details });
}

export type TrainBpeOptions = {
	/** Total tokens including the 256 bytes and the special tokens; training stops earlier if no pair reaches minFrequency. */
	vocabSize: number;
	/** A pair is merged only if it occurs at least this often (default 2: a pair seen once is memorised, not learned). */
	minFrequency?: number;
	/** Added tokens, with ids from 256 in this order (default DEFAULT_SPECIAL_TOKENS). */
	specialTokens?: readonly string[];
};

/**
 * Trains a byte-level BPE tokenizer on texts: ids 0-255 are the bytes, then the special tokens, then one token per merge
 * (a merge that spells an existing token reuses its id, as Hugging Face's trainer does).
 * Each step merges the most frequent adjacent pair within pre-tokens; a tie goes to the pair with the smaller left id,
 * then the smaller right id. Word counts make the result independent of the texts' order.
 */
export function trainBpe(texts: Iterable<string>, options: TrainBpeOptions): BpeTokenizer {
	const { vocabSize, minFrequency = 2, specialTokens = DEFAULT_SPECIAL_TOKENS } = options;
	const base = 256 + specialTokens.length;
	if (!Number.isInteger(vocabSize) || vocabSize < base || vocabSize > 65_536) {
		throw new TokenizerError('Invalid vocabulary size.', {
			details: `vocabSize ${vocabSize}; it must be an integer from ${base} to 65536`
		});
	}
	if (!Number.isInteger(minFrequency) || minFrequency < 1) {
		throw new TokenizerError('Invalid minimum frequency.', { details: `minFrequency ${minFrequency}; it must be a positive integer` });
	}

	const wordCounts = new Map<string, number>();
	for (const text of texts) for (const m of text.matchAll(PRE_TOKEN_PATTERN)) wordCounts.set(m[0], (wordCounts.get(m[0]) ?? 0) + 1);
	const words: Int32Array[] = [];
	const lengths: number[] = [];
	const counts: number[] = [];
	for (const [word, count] of wordCounts) {
		const bytes = encoder.encode(word);
		words.push(Int32Array.from(bytes));
		lengths.push(bytes.length);
		counts.push(count);
	}

	const V = vocabSize;
	const pairCounts = new Map<number, number>();
	const pairWords = new Map<number, number[]>();
	const addPair = (key: number, delta: number, w: number) => {
		pairCounts.set(key, (pairCounts.get(key) ?? 0) + delta);
		if (delta > 0) {
			const list = pairWords.get(key);
			if (list) list.push(w);
			else pairWords.set(key, [w]);
		}
	};
	for (let w = 0; w < words.length; w++) {
		for (let i = 0; i + 1 < lengths[w]; i++) addPair(words[w][i] * V + words[w][i + 1], counts[w], w);
	}
	const heap = new PairHeap();
	for (const [key, count] of pairCounts) heap.push(count, key);

	const tokenBytes: Uint8Array[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
	for (const s of specialTokens) tokenBytes.push(encoder.encode(s));
	const idOfBytes = new Map(tokenBytes.slice(0, 256).map((bytes, id) => [latin1(bytes), id]));
	const specialSet = new Set(specialTokens);
	const forbidden = new Set<number>();
	const merges: [number, number, number][] = [];
	const visited = new Int32Array(words.length).fill(-1);

	while (tokenBytes.length < vocabSize && heap.size > 0) {
		const { count, key } = heap.pop();
		if (forbidden.has(key)) continue;
		const current = pairCounts.get(key) ?? 0;
		if (current !== count) {
			if (current > 0) heap.push(current, key);
			continue;
		}
		if (count < minFrequency) break;
		const left = Math.floor(key / V);
		const right = key % V;
		const bytes = new Uint8Array(tokenBytes[left].length + tokenBytes[right].length);
		bytes.set(tokenBytes[left]);
		bytes.set(tokenBytes[right], tokenBytes[left].length);
		// A merge that would spell a special token's text is dropped: the vocabulary would hold that string twice.
		if (specialSet.has(byteLevelString(bytes))) {
			forbidden.add(key);
			continue;
		}
		let result = idOfBytes.get(latin1(bytes));
		if (result === undefined) {
			result = tokenBytes.length;
			tokenBytes.push(bytes);
			idOfBytes.set(latin1(bytes), result);
		}
		const rank = merges.length;
		merges.push([left, right, result]);

		const created = new Set<number>();
		for (const w of pairWords.get(key)!) {
			if (visited[w] === rank) continue;
			visited[w] = rank;
			const s = words[w];
			const n = lengths[w];
			const c = counts[w];
			let out = 0;
			for (let i = 0; i < n; i++) {
				if (s[i] === left && i + 1 < n && s[i + 1] === right) {
					if (out > 0) {
						addPair(s[out - 1] * V + left, -c, w);
						addPair(s[out - 1] * V + result, c, w);
						created.add(s[out - 1] * V + result);
					}
					if (i + 2 < n) {
						addPair(right * V + s[i + 2], -c, w);
						addPair(result * V + s[i + 2], c, w);
						created.add(result * V + s[i + 2]);
					}
					s[out++] = result;
					i++;
				} else s[out++] = s[i];
			}
			lengths[w] = out;
		}
		pairCounts.delete(key);
		pairWords.delete(key);
		for (const k of created) {
			const c = pairCounts.get(k) ?? 0;
			if (c > 0) heap.push(c, k);
		}
	}
	const addedTokens = specialTokens.map((content, i) => ({ id: 256 + i, content, special: true }));
	return new BpeTokenizer({ tokenBytes, merges, addedTokens });
}

/** A binary max-heap of (count, pair key): higher count first, then the smaller key. */
class PairHeap {
	private counts: number[] = [];
	private keys: number[] = [];

	get size(): number {
		return this.counts.length;
	}

	push(count: number, key: number): void {
		this.counts.push(count);
		this.keys.push(key);
		let i = this.counts.length - 1;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (!this.before(i, parent)) break;
			this.swap(i, parent);
			i = parent;
		}
	}

	pop(): { count: number; key: number } {
		const top = { count: this.counts[0], key: this.keys[0] };
		const lastCount = this.counts.pop()!;
		const lastKey = this.keys.pop()!;
		if (this.counts.length > 0) {
			this.counts[0] = lastCount;
			this.keys[0] = lastKey;
			let i = 0;
			for (;;) {
				const l = 2 * i + 1;
				const r = l + 1;
				let best = i;
				if (l < this.counts.length && this.before(l, best)) best = l;
				if (r < this.counts.length && this.before(r, best)) best = r;
				if (best === i) break;
				this.swap(i, best);
				i = best;
			}
		}
		return top;
	}

	private before(i: number, j: number): boolean {
		return this.counts[i] > this.counts[j] || (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j]);
	}

	private swap(i: number, j: number): void {
		[this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
		[this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
	}
}
