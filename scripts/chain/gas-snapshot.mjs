// The committed gas snapshot (contracts/.gas-snapshot, forge's format: `Contract:test_name() (gas: N)`) compared
// with the gas of the unit tests of a `forge test --json` run, so `npm test` runs forge once. Only a rise over the
// tolerance fails: a fall is reported so the snapshot can be refreshed (`npm run gas:snapshot`).

/** Parses forge's .gas-snapshot text into a Map of `Contract:test()` -> gas (fuzz and invariant lines are skipped). */
export function parseSnapshot(text) {
	const out = new Map();
	for (const line of text.split('\n')) {
		const m = /^(\S+:\S+\)) \(gas: (\d+)\)$/.exec(line.trim());
		if (m) out.set(m[1], Number(m[2]));
	}
	return out;
}

/** Collects the unit tests' gas from `forge test --json` output as a Map of `Contract:test()` -> gas. */
export function gasFromForgeJson(json) {
	const out = new Map();
	for (const [suite, s] of Object.entries(json)) {
		const contract = suite.split(':').pop();
		for (const [name, t] of Object.entries(s.test_results)) if (t.kind?.Unit) out.set(`${contract}:${name}`, t.kind.Unit.gas);
	}
	return out;
}

/**
 * Compares gas with the snapshot; returns `{ rises, falls, added, removed }` where a rise is over `tolerancePct`.
 * @param {Map<string, number>} committed
 * @param {Map<string, number>} current
 */
export function compareGas(committed, current, tolerancePct = 5) {
	const rises = [], falls = [], added = [], removed = [];
	for (const [name, gas] of current) {
		const before = committed.get(name);
		if (before === undefined) added.push(name);
		else if (gas > before * (1 + tolerancePct / 100)) rises.push({ name, before, gas, pct: (100 * (gas - before)) / before });
		else if (gas < before) falls.push({ name, before, gas, pct: (100 * (gas - before)) / before });
	}
	for (const name of committed.keys()) if (!current.has(name)) removed.push(name);
	return { rises, falls, added, removed };
}
