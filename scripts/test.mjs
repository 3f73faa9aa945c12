// `npm test`: every layer in turn (type check, unit, contracts, integration, browser, end to end), each counted, then
// one summed line "N passed, M failed". A layer that cannot run counts as a failure, so a broken set-up never looks
// green. forge runs once: its JSON report gives both the test counts and the unit tests' gas for the snapshot check.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compareGas, gasFromForgeJson, parseSnapshot } from './chain/gas-snapshot.mjs';
import { chromiumPath, ensureSetup, root } from './setup.mjs';

ensureSetup();
process.env.CHROMIUM_PATH = chromiumPath();
const results = join(root, 'test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const layers = [];

function sh(cmd, args, env = {}) {
	const t0 = Date.now();
	const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
	return { code: r.status ?? 1, s: ((Date.now() - t0) / 1000).toFixed(0) };
}

function readJson(file) {
	try {
		return JSON.parse(readFileSync(file, 'utf8'));
	} catch {
		return null;
	}
}

function vitestLayer(name, project) {
	const out = join(results, `${project}.json`);
	const r = sh('vitest', ['run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
	const j = readJson(out);
	if (!j) return layers.push({ name, passed: 0, failed: 1, note: `no report (exit ${r.code})`, s: r.s });
	const failed = j.numFailedTests + (r.code !== 0 && j.numFailedTests === 0 ? 1 : 0);
	layers.push({ name, passed: j.numPassedTests, failed, note: r.code ? `exit ${r.code}` : '', s: r.s });
}

// 1. Type check (one test: svelte-check over the whole project).
{
	const r = sh('svelte-kit', ['sync']);
	const c = r.code === 0 ? sh('svelte-check', ['--tsconfig', './tsconfig.json', '--fail-on-warnings', '--output', 'human']) : r;
	layers.push({ name: 'type check', passed: c.code === 0 ? 1 : 0, failed: c.code === 0 ? 0 : 1, note: '', s: c.s });
}

// 2. Unit tests in Node.
vitestLayer('unit (node)', 'unit');

// 3. Contracts: forge test (unit, fuzz, invariant) and the committed gas snapshot (a rise over 5% fails).
{
	const forge = join(root, 'node_modules/@foundry-rs/forge-linux-amd64/bin/forge');
	const t0 = Date.now();
	const r = spawnSync(forge, ['test', '--json'], { cwd: join(root, 'contracts'), encoding: 'utf8', maxBuffer: 1 << 28 });
	const s = ((Date.now() - t0) / 1000).toFixed(0);
	let json = null;
	try {
		json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
	} catch {
		console.error(r.stdout.slice(-4000), r.stderr.slice(-4000));
	}
	if (!json) layers.push({ name: 'contracts (forge)', passed: 0, failed: 1, note: `no report (exit ${r.status})`, s });
	else {
		let passed = 0, failed = 0;
		for (const [suite, res] of Object.entries(json))
			for (const [name, t] of Object.entries(res.test_results)) {
				if (t.status === 'Success') passed++;
				else {
					failed++;
					console.error(`FAIL ${suite} ${name}: ${t.reason ?? t.status}${t.counterexample ? ` (counterexample ${JSON.stringify(t.counterexample)})` : ''}`);
				}
			}
		console.log(`forge: ${passed} passed, ${failed} failed`);
		layers.push({ name: 'contracts (forge)', passed, failed, note: '', s });
		const snapFile = join(root, 'contracts/.gas-snapshot');
		const cmp = compareGas(existsSync(snapFile) ? parseSnapshot(readFileSync(snapFile, 'utf8')) : new Map(), gasFromForgeJson(json), 5);
		for (const x of cmp.rises) console.error(`gas rise over 5%: ${x.name} ${x.before} -> ${x.gas} (+${x.pct.toFixed(1)}%)`);
		for (const x of cmp.falls) console.log(`gas fell: ${x.name} ${x.before} -> ${x.gas} (${x.pct.toFixed(1)}%)`);
		if (cmp.added.length || cmp.removed.length) console.log(`gas snapshot is stale (${cmp.added.length} new, ${cmp.removed.length} removed tests): npm run gas:snapshot`);
		const ok = existsSync(snapFile) && cmp.rises.length === 0;
		layers.push({ name: 'gas snapshot', passed: ok ? 1 : 0, failed: ok ? 0 : 1, note: existsSync(snapFile) ? '' : 'no contracts/.gas-snapshot', s: '0' });
	}
}

// 4. Integration: Vitest + viem against a real anvil with the contracts deployed (tests/integration/global-setup.ts).
vitestLayer('integration (anvil)', 'integration');

// 5. Browser tests in headless Chromium (WebGPU on its software adapter).
vitestLayer('browser (chromium)', 'browser');

// 6. End to end on the built app.
{
	const b = sh('node', ['scripts/build.mjs']);
	if (b.code !== 0) layers.push({ name: 'end to end', passed: 0, failed: 1, note: 'build failed', s: b.s });
	else {
		const out = join(results, 'e2e.json');
		const r = sh('playwright', ['test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
		const j = readJson(out);
		if (!j) layers.push({ name: 'end to end', passed: 0, failed: 1, note: `no report (exit ${r.code})`, s: r.s });
		else {
			const passed = j.stats.expected + (j.stats.flaky ?? 0);
			const failed = j.stats.unexpected + (r.code !== 0 && j.stats.unexpected === 0 ? 1 : 0);
			layers.push({ name: 'end to end', passed, failed, note: j.stats.skipped ? `${j.stats.skipped} skipped` : '', s: r.s });
		}
	}
}

const passed = layers.reduce((a, l) => a + l.passed, 0);
const failed = layers.reduce((a, l) => a + l.failed, 0);
console.log('\nlayer                 passed  failed  seconds');
for (const l of layers) console.log(`${l.name.padEnd(20)} ${String(l.passed).padStart(7)} ${String(l.failed).padStart(7)} ${l.s.padStart(8)}  ${l.note}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
