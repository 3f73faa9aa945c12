// Receipts: the combination rule, determinism, verification against a recomputation (an altered share fails with the
// difference named; float noise within the tolerance passes), and parsing an exported file.
import { describe, expect, it } from 'vitest';
import { buildReceipt, combineShares, INFLUENCE_WEIGHT, METHOD_IDS, parseReceipt, spansReceiptMethod, textHash, verifyReceipt, type ReceiptMethod } from './receipt';

const A = '0x' + 'a1'.repeat(20);
const B = '0x' + 'b2'.repeat(20);
const C = '0x' + 'c3'.repeat(20);
const model = { runId: 'run-1', weightsHash: '0x' + '11'.repeat(32), chainId: 31337, modelId: '4' };

const influence: ReceiptMethod = {
	name: 'influence',
	parameters: { k: 9216, checkpoints: 4, topK: 10 },
	top: [
		{ cid: 'bafk-1', contributor: A, score: 2.5 },
		{ cid: 'bafk-2', contributor: B, score: 1.5 }
	],
	shares: [{ contributor: A, bps: 6250 }, { contributor: B, bps: 3750 }]
};
const spans: ReceiptMethod = {
	name: 'spans',
	parameters: { minLength: 1, keep: 2 },
	top: [{ cid: 'bafk-3', contributor: C, score: 7 }],
	shares: [{ contributor: C, bps: 10_000 }]
};

describe('combineShares', () => {
	it('weighs influence and spans by the rule, and gives a silent method\'s part to the other', () => {
		expect(INFLUENCE_WEIGHT).toBe(0.5);
		expect(combineShares([influence, spans])).toEqual([{ contributor: C, bps: 5000 }, { contributor: A, bps: 3125 }, { contributor: B, bps: 1875 }]);
		expect(combineShares([influence, { ...spans, shares: [] }])).toEqual(influence.shares);
		expect(combineShares([{ ...influence, shares: [] }, spans])).toEqual(spans.shares);
		expect(combineShares([])).toEqual([]);
		// A contributor credited by both methods adds both parts.
		expect(combineShares([influence, { ...spans, shares: [{ contributor: A, bps: 10_000 }] }])).toEqual([{ contributor: A, bps: 8125 }, { contributor: B, bps: 1875 }]);
	});
});

describe('buildReceipt and verifyReceipt', () => {
	const receipt = buildReceipt({ model, prompt: 'wolf:', output: ' a wild dog', methods: [spans, influence] });

	it('is deterministic, orders the methods, hashes the texts and names the methods used', () => {
		expect(buildReceipt({ model, prompt: 'wolf:', output: ' a wild dog', methods: [influence, spans] })).toEqual(receipt);
		expect(receipt.methods.map((m) => m.name)).toEqual(['influence', 'spans']);
		expect(receipt.promptHash).toBe(textHash('wolf:'));
		expect(receipt.outputHash).toMatch(/^0x[0-9a-f]{64}$/);
		expect(receipt.outputHash).not.toBe(textHash(' a wild cat'));
		expect(receipt.shares.reduce((s, x) => s + x.bps, 0)).toBe(10_000);
		expect(receipt.methodId).toBe(METHOD_IDS.combined);
		expect(buildReceipt({ model, prompt: 'p', output: 'o', methods: [influence, { ...spans, shares: [] }] }).methodId).toBe(METHOD_IDS.influence);
		expect(() => buildReceipt({ model, prompt: 'p', output: 'o', methods: [] })).toThrow(/at least one attribution method/);
	});

	it('passes its own recomputation, and float noise below the tolerance', () => {
		expect(verifyReceipt(receipt, receipt)).toEqual({ ok: true, differences: [] });
		const noisy = buildReceipt({ model, prompt: 'wolf:', output: ' a wild dog', methods: [{ ...influence, top: influence.top.map((t) => ({ ...t, score: t.score * (1 + 1e-6) })) }, spans] });
		expect(verifyReceipt(receipt, noisy).ok).toBe(true);
	});

	it('fails an altered receipt and names each difference', () => {
		const altered = structuredClone(receipt);
		altered.shares = [{ contributor: C, bps: 4000 }, { contributor: A, bps: 4125 }, { contributor: B, bps: 1875 }];
		const result = verifyReceipt(altered, receipt);
		expect(result.ok).toBe(false);
		expect(result.differences).toEqual([
			{ field: `shares ${A}`, recorded: '4125 bps', recomputed: '3125 bps' },
			{ field: `shares ${C}`, recorded: '4000 bps', recomputed: '5000 bps' }
		]);
		const otherOutput = { ...structuredClone(receipt), output: ' a tame dog' };
		expect(verifyReceipt(otherOutput, receipt).differences.map((d) => d.field)).toContain('outputHash');
		const newcomer = structuredClone(receipt);
		newcomer.shares.push({ contributor: '0x' + 'dd'.repeat(20), bps: 0 });
		expect(verifyReceipt(newcomer, receipt).ok).toBe(false);
		const otherWeights = buildReceipt({ model: { ...model, weightsHash: '0x' + '22'.repeat(32) }, prompt: 'wolf:', output: ' a wild dog', methods: [influence, spans] });
		expect(verifyReceipt(receipt, otherWeights).differences.map((d) => d.field)).toEqual(['model.weightsHash']);
	});

	it('round-trips through its JSON export and rejects files that are not receipts', () => {
		expect(parseReceipt(JSON.stringify(receipt))).toEqual(receipt);
		expect(() => parseReceipt('{')).toThrow(/not JSON/);
		expect(() => parseReceipt('{"v":9}')).toThrow(/version this app reads/);
		expect(() => parseReceipt(JSON.stringify({ ...receipt, shares: [{ contributor: A, bps: 'x' }] }))).toThrow(/wrong types/);
	});
});

describe('spansReceiptMethod', () => {
	it('credits each source record with its spans\' weight split evenly over their sources, most credited first', () => {
		const source = (cid: string, contributor: string) => ({ cid, contributor, datanetId: 'd', record: 0, offset: 0, score: 1, context: { before: '', match: '', after: '' } });
		const span = (weight: number, sources: ReturnType<typeof source>[]) => ({ start: 0, end: 1, length: 1, charStart: 0, charEnd: 1, text: 'x', weight, sources, rarity: weight });
		const method = { name: 'maximal-spans+bm25' as const, index: 'training-records' as const, records: 3, tokenizerHash: '0xabc' };
		const parameters = { responseTokens: 5, minLength: 1, keep: 2, sourcesPerSpan: 10, contextTokens: 32, minimumShareBps: 0, nearDuplicateGroups: 0 };
		const shares = [{ contributor: A, bps: 7500 }, { contributor: B, bps: 2500 }];
		const m = spansReceiptMethod({ method, parameters, shares, spans: [span(4, [source('bafk-1', A), source('bafk-2', B)]), span(1, [source('bafk-1', A)]), span(2, [source('bafk-3', C)])] as never });
		expect(m.name).toBe('spans');
		expect(m.parameters).toEqual({ ...method, ...parameters });
		// bafk-1: 4/2 + 1 = 3; bafk-2: 4/2 = 2; bafk-3: 2 (ties by CID).
		expect(m.top).toEqual([{ cid: 'bafk-1', contributor: A, score: 3 }, { cid: 'bafk-2', contributor: B, score: 2 }, { cid: 'bafk-3', contributor: C, score: 2 }]);
		expect(m.shares).toBe(shares);
		expect(spansReceiptMethod({ method, parameters, shares: [], spans: [] }).top).toEqual([]);
	});
});
