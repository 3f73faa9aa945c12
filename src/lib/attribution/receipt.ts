// The receipt of an attributed answer (DESIGN.md, Formats): which model answered (its onchain id when registered and
// its weights hash), hashes of the prompt and the answer, each method's parameters and top records, and the
// contributors' combined shares in basis points. It is deterministic: the same model, data and answer give the same
// receipt, so anyone can recompute it in their browser and compare (verifyReceipt). The texts ride along, so a receipt
// is all a verifier needs besides the model and its Datanets.
//
// The combination rule of the two methods: influence (which records moved the model toward this answer) carries
// INFLUENCE_WEIGHT of the credit and spans (which records hold the answer's words verbatim) the rest; a method that
// found nothing (no positive influence, no span) gives its part to the other. Each method's own shares are in basis
// points summing to 10,000; the combination weighs them and rounds again by largest remainders.
import { keccak256, stringToBytes, type Hex } from 'viem';
import { BaseError } from '../core/errors';
import type { AnswerSpansReturnType, QueryInfluenceApiReturnType } from './influence/api';
import { contributorShares, TOTAL_BPS, type ContributorShare } from './shares';

/** The receipt format's version. */
export const RECEIPT_VERSION = 1;

/** Influence's part of the combined credit when both methods found something. */
export const INFLUENCE_WEIGHT = 0.5;

/** The methodId recordInference logs: which methods made the shares (0: none found anything). */
export const METHOD_IDS = { spans: 1, influence: 2, combined: 3 } as const;

/** Scores are recomputed within this fraction of the largest recorded score (float sums in another order, e.g. a
 * GPU's); shares within this many basis points (a score that close can move one rounding step). */
export const SCORE_TOLERANCE = 1e-4;
export const BPS_TOLERANCE = 1;

/** A record a method ranked, with its score. */
export type ReceiptRecord = { cid: string; contributor: string; score: number };

/** One method's part of a receipt: its parameters, its top records and its own shares. */
export type ReceiptMethod = { name: 'influence' | 'spans'; parameters: Record<string, unknown>; top: ReceiptRecord[]; shares: ContributorShare[] };

export type Receipt = {
	v: typeof RECEIPT_VERSION;
	model: { runId: string; weightsHash: string; chainId: number | null; modelId: string | null };
	prompt: string;
	output: string;
	promptHash: Hex;
	outputHash: Hex;
	methods: ReceiptMethod[];
	combination: { rule: string; influenceWeight: number };
	/** Combined shares, descending, summing to 10,000 (empty when neither method found anything). */
	shares: ContributorShare[];
	methodId: number;
};

export class ReceiptError extends BaseError {
	override name = 'ReceiptError';
}

/** keccak256 of the text's UTF-8 bytes: the prompt and output hashes (the output's is recordInference's key). */
export function textHash(text: string): Hex {
	return keccak256(stringToBytes(text));
}

export type BuildReceiptParameters = {
	model: Receipt['model'];
	prompt: string;
	output: string;
	/** The methods that ran, each with its own shares (an empty list of shares: it found nothing). */
	methods: readonly ReceiptMethod[];
};

/** Builds the receipt: hashes, the methods in a fixed order, scores rounded to 9 significant digits, combined shares. */
export function buildReceipt({ model, prompt, output, methods }: BuildReceiptParameters): Receipt {
	if (methods.length === 0) throw new ReceiptError('A receipt needs at least one attribution method.');
	const ordered = [...methods].sort((a, b) => (a.name < b.name ? -1 : 1)).map((m) => ({ ...m, top: m.top.map((r) => ({ ...r, score: Number(r.score.toPrecision(9)) })) }));
	const found = ordered.filter((m) => m.shares.length > 0);
	const methodId = found.length === 2 ? METHOD_IDS.combined : found.length === 1 ? METHOD_IDS[found[0].name] : 0;
	return {
		v: RECEIPT_VERSION,
		model: { ...model },
		prompt,
		output,
		promptHash: textHash(prompt),
		outputHash: textHash(output),
		methods: ordered,
		combination: { rule: COMBINATION_RULE, influenceWeight: INFLUENCE_WEIGHT },
		shares: combineShares(found),
		methodId
	};
}

/** The receipt's part for an influence result: the method's parameters, top records and shares. */
export function influenceReceiptMethod(result: Pick<QueryInfluenceApiReturnType, 'method' | 'top' | 'shares'>): ReceiptMethod {
	return { name: 'influence', parameters: { ...result.method }, top: result.top.map(({ cid, contributor, score }) => ({ cid, contributor, score })), shares: result.shares };
}

/** How many source records a receipt lists for the span method. */
export const SPAN_RECEIPT_TOP = 10;

/** The receipt's part for an answer's spans: the method with its parameters, the source records by the span weight
 * each received (a span's weight split evenly over its sources, as the shares split it), and the shares. */
export function spansReceiptMethod(spans: Pick<AnswerSpansReturnType, 'method' | 'parameters' | 'spans' | 'shares'>): ReceiptMethod {
	const credit = new Map<string, ReceiptRecord>();
	for (const span of spans.spans) {
		for (const source of span.sources) {
			const entry = credit.get(source.cid) ?? { cid: source.cid, contributor: source.contributor, score: 0 };
			entry.score += span.weight / span.sources.length;
			credit.set(source.cid, entry);
		}
	}
	const top = [...credit.values()].sort((a, b) => b.score - a.score || (a.cid < b.cid ? -1 : 1)).slice(0, SPAN_RECEIPT_TOP);
	return { name: 'spans', parameters: { ...spans.method, ...spans.parameters }, top, shares: spans.shares };
}

/** The rule in one sentence, as the app shows it. */
export const COMBINATION_RULE = `Influence carries ${INFLUENCE_WEIGHT * 100}% of the credit and verbatim spans ${(1 - INFLUENCE_WEIGHT) * 100}%; a method that found nothing gives its part to the other.`;

/** Weighs each method's shares by the rule and rounds to basis points summing to 10,000. */
export function combineShares(methods: readonly Pick<ReceiptMethod, 'name' | 'shares'>[]): ContributorShare[] {
	const found = methods.filter((m) => m.shares.length > 0);
	if (found.length === 0) return [];
	const weightOf = (name: ReceiptMethod['name']) => (found.length === 1 ? 1 : name === 'influence' ? INFLUENCE_WEIGHT : 1 - INFLUENCE_WEIGHT);
	const records = found.flatMap((m) => m.shares.map((s) => ({ record: `${m.name}:${s.contributor}`, contributor: s.contributor, weight: (weightOf(m.name) * s.bps) / TOTAL_BPS })));
	return contributorShares({ records, minimumShareBps: 0 });
}

/** One way a receipt differs from its recomputation. */
export type ReceiptDifference = { field: string; recorded: string; recomputed: string };

/** Whether a recorded receipt matches its recomputation, and every difference found. */
export type ReceiptVerification = { ok: boolean; differences: ReceiptDifference[] };

/** Compares a recorded receipt with one recomputed from the same model, data, prompt and output. */
export function verifyReceipt(recorded: Receipt, recomputed: Receipt): ReceiptVerification {
	const differences: ReceiptDifference[] = [];
	const same = (field: string, a: unknown, b: unknown) => {
		const x = JSON.stringify(a);
		const y = JSON.stringify(b);
		if (x !== y) differences.push({ field, recorded: x, recomputed: y });
	};
	same('v', recorded.v, recomputed.v);
	same('model.weightsHash', recorded.model.weightsHash, recomputed.model.weightsHash);
	same('promptHash', recorded.promptHash, textHash(recorded.prompt));
	same('outputHash', recorded.outputHash, textHash(recorded.output));
	same('methodId', recorded.methodId, recomputed.methodId);
	same('methods', recorded.methods.map((m) => m.name), recomputed.methods.map((m) => m.name));
	for (const m of recorded.methods) {
		const r = recomputed.methods.find((x) => x.name === m.name);
		if (!r) continue;
		same(`${m.name}.parameters`, m.parameters, r.parameters);
		same(`${m.name}.top`, m.top.map((t) => t.cid), r.top.map((t) => t.cid));
		const scale = Math.max(1e-30, ...m.top.map((t) => Math.abs(t.score)));
		m.top.forEach((t, i) => {
			const other = r.top[i];
			if (other && other.cid === t.cid && Math.abs(other.score - t.score) > SCORE_TOLERANCE * scale) differences.push({ field: `${m.name}.top[${i}].score`, recorded: String(t.score), recomputed: String(other.score) });
		});
		sharesDiffer(`${m.name}.shares`, m.shares, r.shares, differences);
	}
	sharesDiffer('shares', recorded.shares, recomputed.shares, differences);
	const total = recorded.shares.reduce((s, x) => s + x.bps, 0);
	if (recorded.shares.length > 0 && total !== TOTAL_BPS) differences.push({ field: 'shares total', recorded: String(total), recomputed: String(TOTAL_BPS) });
	return { ok: differences.length === 0, differences };
}

// A contributor whose basis points differ by more than BPS_TOLERANCE (or who is on one side only) is a difference.
function sharesDiffer(field: string, recorded: readonly ContributorShare[], recomputed: readonly ContributorShare[], out: ReceiptDifference[]): void {
	const a = new Map(recorded.map((s) => [s.contributor.toLowerCase(), s.bps]));
	const b = new Map(recomputed.map((s) => [s.contributor.toLowerCase(), s.bps]));
	for (const contributor of [...new Set([...a.keys(), ...b.keys()])].sort()) {
		const x = a.get(contributor) ?? 0;
		const y = b.get(contributor) ?? 0;
		if (Math.abs(x - y) > BPS_TOLERANCE || a.has(contributor) !== b.has(contributor)) out.push({ field: `${field} ${contributor}`, recorded: `${x} bps`, recomputed: `${y} bps` });
	}
}

/** Parses a receipt file (its JSON export), checking its shape; a clear error names what is wrong. */
export function parseReceipt(json: string): Receipt {
	let value: unknown;
	try {
		value = JSON.parse(json);
	} catch (e) {
		throw new ReceiptError('This file is not JSON.', { details: e instanceof Error ? e.message : String(e) });
	}
	const r = value as Partial<Receipt>;
	if (!r || typeof r !== 'object' || r.v !== RECEIPT_VERSION) throw new ReceiptError('This is not a Ledgerlight receipt of a version this app reads.', { details: `v: ${JSON.stringify((r as { v?: unknown } | null)?.v)}` });
	const problems: string[] = [];
	if (typeof r.prompt !== 'string') problems.push('prompt');
	if (typeof r.output !== 'string') problems.push('output');
	if (!r.model || typeof r.model.runId !== 'string' || typeof r.model.weightsHash !== 'string') problems.push('model');
	if (!Array.isArray(r.methods) || r.methods.some((m) => !m || (m.name !== 'influence' && m.name !== 'spans') || !Array.isArray(m.top) || !Array.isArray(m.shares))) problems.push('methods');
	if (!Array.isArray(r.shares) || r.shares.some((s) => !s || typeof s.contributor !== 'string' || !Number.isInteger(s.bps))) problems.push('shares');
	if (problems.length) throw new ReceiptError('The receipt is missing fields or has the wrong types.', { details: problems.join(', ') });
	return r as Receipt;
}
