// `npm test`: every layer in turn (type check, unit, browser, end to end), each counted, then one summed line
// "N passed, M failed". A layer that cannot run counts as a failure, so a broken set-up never looks green.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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

// 3. Browser tests in headless Chromium (WebGPU on its software adapter).
vitestLayer('browser (chromium)', 'browser');

// 4. End to end on the built app.
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
