import { describe, expect, it } from 'vitest';
import { compareGas, gasFromForgeJson, parseSnapshot } from './gas-snapshot.mjs';

describe('gas snapshot', () => {
	const snap = parseSnapshot('A:test_x() (gas: 1000)\nA:test_y() (gas: 2000)\nA:testFuzz_z(uint256) (runs: 256, μ: 1, ~: 1)\n');

	it('parses unit lines and skips fuzz lines', () => {
		expect([...snap]).toEqual([['A:test_x()', 1000], ['A:test_y()', 2000]]);
	});

	it('fails a rise over the tolerance only', () => {
		const r = compareGas(snap, new Map([['A:test_x()', 1050], ['A:test_y()', 2101], ['A:test_new()', 5]]), 5);
		expect(r.rises.map((x) => x.name)).toEqual(['A:test_y()']);
		expect(r.added).toEqual(['A:test_new()']);
		expect(r.removed).toEqual([]);
	});

	it('reports falls and removed tests without failing them', () => {
		const r = compareGas(snap, new Map([['A:test_x()', 900]]));
		expect(r.rises).toEqual([]);
		expect(r.falls[0]).toMatchObject({ name: 'A:test_x()', before: 1000, gas: 900 });
		expect(r.removed).toEqual(['A:test_y()']);
	});

	it('reads unit gas from forge --json output', () => {
		const json = { 'test/A.t.sol:A': { test_results: { 'test_x()': { kind: { Unit: { gas: 7 } } }, 'testFuzz_z(uint256)': { kind: { Fuzz: {} } } } } };
		expect([...gasFromForgeJson(json)]).toEqual([['A:test_x()', 7]]);
	});
});
