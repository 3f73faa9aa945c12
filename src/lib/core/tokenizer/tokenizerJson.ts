// Saves and loads a BpeTokenizer in the Hugging Face `tokenizer.json` format (BPE model, ByteLevel pre-tokenizer and
// decoder). Loading accepts only settings whose encoding this module reproduces exactly, and names the first field that
// is not, rather than loading a tokenizer that would silently encode differently from the library that wrote it.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { canonicalJson } from '../record';
import { BpeTokenizer, TokenizerError, UNICODE_TO_BYTE, byteLevelString, type AddedToken, type BpeModel } from './bpe';

type ByteLevelJson = { type: 'ByteLevel'; add_prefix_space: boolean; trim_offsets: boolean; use_regex: boolean };

/** The `tokenizer.json` document this module writes. */
export type TokenizerJson = {
	version: '1.0';
	truncation: null;
	padding: null;
	added_tokens: { id: number; content: string; single_word: false; lstrip: false; rstrip: false; normalized: false; special: boolean }[];
	normalizer: null;
	pre_tokenizer: ByteLevelJson;
	post_processor: null;
	decoder: ByteLevelJson;
	model: {
		type: 'BPE';
		dropout: null;
		unk_token: null;
		continuing_subword_prefix: null;
		end_of_word_suffix: null;
		fuse_unk: false;
		byte_fallback: false;
		ignore_merges: false;
		vocab: Record<string, number>;
		merges: [string, string][];
	};
};

const encoder = new TextEncoder();

/** Returns the tokenizer as a `tokenizer.json` document; added tokens are in both `model.vocab` and `added_tokens`, as GPT-2's are. */
export function toTokenizerJson(tokenizer: BpeTokenizer): TokenizerJson {
	const { tokenBytes, merges, addedTokens } = tokenizer.model;
	const addedContent = new Map(addedTokens.map((t) => [t.id, t.content]));
	const strings = tokenBytes.map((bytes, id) => addedContent.get(id) ?? byteLevelString(bytes));
	const vocab: Record<string, number> = {};
	strings.forEach((s, id) => (vocab[s] = id));
	return {
		version: '1.0',
		truncation: null,
		padding: null,
		added_tokens: [...addedTokens]
			.sort((a, b) => a.id - b.id)
			.map((t) => ({
				id: t.id,
				content: t.content,
				single_word: false,
				lstrip: false,
				rstrip: false,
				normalized: false,
				special: t.special
			})),
		normalizer: null,
		pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
		post_processor: null,
		decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
		model: {
			type: 'BPE',
			dropout: null,
			unk_token: null,
			continuing_subword_prefix: null,
			end_of_word_suffix: null,
			fuse_unk: false,
			byte_fallback: false,
			ignore_merges: false,
			vocab,
			merges: merges.map(([left, right]) => [strings[left], strings[right]])
		}
	};
}

/** Serialises the tokenizer to `tokenizer.json` text. */
export function saveTokenizerJson(tokenizer: BpeTokenizer): string {
	return JSON.stringify(toTokenizerJson(tokenizer));
}

/** Hex sha2-256 of the tokenizer's canonical `tokenizer.json`: the same tokenizer gives the same hash however its file was formatted. */
export function tokenizerHash(tokenizer: BpeTokenizer): string {
	return bytesToHex(sha256(encoder.encode(canonicalJson(toTokenizerJson(tokenizer)))));
}

/** Loads a tokenizer from `tokenizer.json` text (or its parsed value), throwing a TokenizerError that names what is wrong. */
export function loadTokenizerJson(json: string | unknown): BpeTokenizer {
	let doc: unknown = json;
	if (typeof json === 'string') {
		try {
			doc = JSON.parse(json);
		} catch (e) {
			throw malformed(`it is not JSON (${e instanceof Error ? e.message : String(e)})`, e);
		}
	}
	const root = object(doc, 'the document');
	for (const field of ['truncation', 'padding', 'normalizer']) {
		if (root[field] != null) throw malformed(`${field} must be null; this app does not apply one`);
	}
	if (root.post_processor != null && object(root.post_processor, 'post_processor').type !== 'ByteLevel') {
		throw malformed(`post_processor ${describeType(root.post_processor)} is not supported; only null or ByteLevel`);
	}
	const preTokenizer = byteLevel(root.pre_tokenizer, 'pre_tokenizer');
	if (preTokenizer.add_prefix_space === true) throw malformed('pre_tokenizer.add_prefix_space must be false');
	if (preTokenizer.use_regex === false) throw malformed('pre_tokenizer.use_regex must be true');
	byteLevel(root.decoder, 'decoder');

	const model = object(root.model, 'model');
	if (model.type !== 'BPE') throw malformed(`model.type is ${JSON.stringify(model.type)}; expected "BPE"`);
	if (model.dropout != null && model.dropout !== 0) throw malformed('model.dropout must be null: dropout makes encoding random');
	for (const field of ['continuing_subword_prefix', 'end_of_word_suffix']) {
		if (model[field] != null && model[field] !== '') throw malformed(`model.${field} must be null or ""`);
	}
	for (const field of ['byte_fallback', 'ignore_merges']) {
		if (model[field] === true) throw malformed(`model.${field} must be false`);
	}

	const vocab = object(model.vocab, 'model.vocab');
	const strings: string[] = [];
	for (const [s, id] of Object.entries(vocab)) {
		if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
			throw malformed(`model.vocab[${JSON.stringify(s)}] is ${JSON.stringify(id)}; ids are non-negative integers`);
		}
		if (strings[id] !== undefined) {
			throw malformed(`model.vocab gives id ${id} to both ${JSON.stringify(strings[id])} and ${JSON.stringify(s)}`);
		}
		strings[id] = s;
	}

	if (!Array.isArray(root.added_tokens)) throw malformed('added_tokens must be an array');
	const addedTokens: AddedToken[] = root.added_tokens.map((raw, i) => {
		const t = object(raw, `added_tokens[${i}]`);
		if (!Number.isInteger(t.id) || (t.id as number) < 0) throw malformed(`added_tokens[${i}].id is ${JSON.stringify(t.id)}`);
		if (typeof t.content !== 'string' || t.content === '') throw malformed(`added_tokens[${i}].content must be a non-empty string`);
		for (const flag of ['single_word', 'lstrip', 'rstrip']) {
			if (t[flag] === true) throw malformed(`added_tokens[${i}].${flag} is not supported`);
		}
		const id = t.id as number;
		if (strings[id] !== undefined && strings[id] !== t.content) {
			const owner = JSON.stringify(strings[id]);
			throw malformed(`added_tokens[${i}] (${JSON.stringify(t.content)}) has id ${id}, which model.vocab gives to ${owner}`);
		}
		strings[id] = t.content;
		return { id, content: t.content, special: t.special === true };
	});

	const addedIds = new Set(addedTokens.map((t) => t.id));
	const idOf = new Map<string, number>();
	const tokenBytes: Uint8Array[] = [];
	for (let id = 0; id < strings.length; id++) {
		const s = strings[id];
		if (s === undefined) throw malformed(`no token has id ${id}; ids must run from 0 without gaps`);
		idOf.set(s, id);
		tokenBytes.push(addedIds.has(id) ? encoder.encode(s) : byteLevelBytes(s, id));
	}

	if (!Array.isArray(model.merges)) throw malformed('model.merges must be an array');
	const merges: [number, number, number][] = model.merges.map((m, rank) => {
		const parts = typeof m === 'string' ? m.split(' ') : m;
		if (!Array.isArray(parts) || parts.length !== 2 || parts.some((p) => typeof p !== 'string' || p === '')) {
			throw malformed(`model.merges[${rank}] is ${JSON.stringify(m)}; expected "left right" or ["left", "right"]`);
		}
		const [left, right] = parts as string[];
		const ids = [left, right, left + right].map((s) => idOf.get(s));
		const unknown = [left, right, left + right].find((_, k) => ids[k] === undefined);
		if (unknown !== undefined) {
			throw malformed(`model.merges[${rank}] (${JSON.stringify(m)}) uses ${JSON.stringify(unknown)}, which is not in model.vocab`);
		}
		return ids as [number, number, number];
	});

	const bpe: BpeModel = { tokenBytes, merges, addedTokens };
	try {
		return new BpeTokenizer(bpe);
	} catch (e) {
		if (e instanceof TokenizerError) throw malformed(e.details ?? e.shortMessage, e);
		throw e;
	}
}

function malformed(details: string, cause?: unknown): TokenizerError {
	return new TokenizerError('This tokenizer.json cannot be loaded.', {
		details,
		cause,
		hint: 'Use a byte-level BPE tokenizer.json (GPT-2 style), such as one exported by this app.'
	});
}

function object(value: unknown, what: string): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(`${what} must be an object`);
	return value as Record<string, unknown>;
}

function describeType(value: unknown): string {
	return JSON.stringify((value as { type?: unknown }).type ?? null);
}

function byteLevel(value: unknown, what: string): Record<string, unknown> {
	if (value == null || object(value, what).type !== 'ByteLevel') {
		throw malformed(`${what} ${value == null ? 'is missing' : describeType(value)}; only ByteLevel is supported`);
	}
	return value as Record<string, unknown>;
}

function byteLevelBytes(s: string, id: number): Uint8Array {
	const chars = Array.from(s);
	const bytes = new Uint8Array(chars.length);
	chars.forEach((c, i) => {
		const b = UNICODE_TO_BYTE.get(c);
		if (b === undefined) {
			throw malformed(`model.vocab token ${id} (${JSON.stringify(s)}) has ${JSON.stringify(c)}, which is not a byte-level character`);
		}
		bytes[i] = b;
	});
	return bytes;
}
