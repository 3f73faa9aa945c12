// `npm run bench:spans`: the span index at 1M and 10M byte tokens of WordNet records (every synset's "lemmas: gloss",
// then variants of them until 10M), built in Node and in headless Chromium, against libdivsufsort on the same symbols.
// Prints a table, writes bench/results/spans.json. One function (measureSpans) runs in both places, loading this tree's
// TypeScript through one Vite dev server (ssrLoadModule in Node, the page's import() in Chromium); every SA-IS number is
// the best of BUILD_REPS runs, and ratios compare runs from the same invocation (the machine's 2 cores are shared).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright';
import { createServer } from 'vite';
import { benchPagePlugin, freePort } from './bench/page.mjs';

const root = new URL('..', import.meta.url).pathname;
const SIZES = [1_000_000, 10_000_000];
const BUILD_REPS = Number(process.env.BENCH_REPS ?? 3);
const ANSWER_TOKENS = 500;
const TRACE_REPS = 5;
const COUNT_QUERIES = 4_000;
const COUNT_BATCH = 20;
const TARGETS = { bytes_per_token: 6.2, ratio: 0.5, trace_ms: 100, count_us: 50 };
const OPTIMIZE = ['@noble/hashes/sha2.js', '@noble/hashes/utils.js', 'multiformats/bases/base32', 'multiformats/cid'];

// The C side: reads n bytes, builds their suffix array with divsufsort BUILD_REPS times, prints the best seconds, and
// writes the last suffix array (int32, little-endian) so this script can check it equals ours.
const DIVSUFSORT_HARNESS = `
#include <divsufsort.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
	FILE *f = fopen(argv[1], "rb");
	if (!f) return 2;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	sauchar_t *t = malloc(n);
	saidx_t *sa = malloc(n * sizeof(saidx_t));
	if (fread(t, 1, n, f) != (size_t)n) return 3;
	fclose(f);
	double best = 1e30;
	for (int r = 0; r < atoi(argv[2]); r++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		if (divsufsort(t, sa, (saidx_t)n) != 0) return 4;
		clock_gettime(CLOCK_MONOTONIC, &b);
		double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9;
		if (s < best) best = s;
	}
	FILE *o = fopen(argv[3], "wb");
	fwrite(sa, sizeof(saidx_t), n, o);
	fclose(o);
	printf("%.6f\\n", best);
	return 0;
}
`;


/** A seeded generator of floats in [0, 1). @param {number} seed */
function rng(seed) {
	return () => {
		seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
		return seed / 2 ** 32;
	};
}

/** @typedef {{ text: string, cid: string, contributor: string, datanetId: string }} BenchRecord */

/**
 * The records: WordNet's synsets in file order, then variant passes (lemmas in reverse, the gloss's clauses rotated,
 * a pass number in front) until the byte tokens with one separator between records reach the largest size.
 * @param {(path: string) => Promise<any>} load
 */
async function buildRecords(load) {
	const node = await load('/src/lib/demo/wordnet.node.ts');
	const wordnet = await load('/src/lib/demo/wordnet.ts');
	const { recordCidString } = await load('/src/lib/core/cid.ts');
	/** @type {{ lemmas: string[], gloss: string, lexname: string, offset: string }[]} */
	const synsets = node.allSynsets();
	const encoder = new TextEncoder();
	const contributors = Array.from({ length: wordnet.DEMO_CONTRIBUTOR_COUNT }, (_, i) => '0x' + (i + 1).toString(16).padStart(40, '0'));
	/** @type {BenchRecord[]} */
	const records = [];
	let tokens = -1;
	for (let pass = 0; tokens < SIZES[SIZES.length - 1]; pass++) {
		for (let i = 0; i < synsets.length && tokens < SIZES[SIZES.length - 1]; i++) {
			const s = synsets[i];
			const text = pass === 0 ? wordnet.synsetText(s) : `(${pass}) ${[...s.lemmas].reverse().join(', ')}: ${rotateClauses(s.gloss, pass)}`;
			const bytes = encoder.encode(text);
			records.push({ text, cid: recordCidString(bytes), contributor: contributors[wordnet.demoContributorIndex(s.offset, s.lexname)], datanetId: wordnet.demoDatanetId(s.lexname) });
			tokens += bytes.length + 1;
		}
	}
	return records;
}

/** The gloss's "; "-separated clauses rotated by `by`. @param {string} gloss @param {number} by */
function rotateClauses(gloss, by) {
	const parts = gloss.split('; ');
	const k = by % parts.length;
	return [...parts.slice(k), ...parts.slice(0, k)].join('; ');
}

/** How many leading records make at least `size` tokens. @param {BenchRecord[]} records @param {number} size */
function recordsFor(records, size) {
	const encoder = new TextEncoder();
	let tokens = -1;
	let r = 0;
	while (tokens < size && r < records.length) tokens += encoder.encode(records[r++].text).length + 1;
	return r;
}

/**
 * A 500-token answer (ASCII, so one byte token a character) that quotes clauses of some records and paraphrases
 * others (words of a clause with neighbours swapped and one dropped), joined by connecting phrases.
 * @param {BenchRecord[]} records
 */
function makeAnswer(records) {
	const next = rng(7);
	const connectors = [' In other words, ', ' Also, ', ' That is: ', ' Put simply, ', ' Similarly, '];
	let answer = '';
	for (let k = 0; answer.length < ANSWER_TOKENS + 200; k++) {
		const { text } = records[Math.floor(next() * records.length)];
		if (!/^[\x20-\x7e]*$/.test(text)) continue;
		const gloss = text.slice(text.indexOf(': ') + 2).split('; ')[0];
		let piece = gloss;
		if (k % 2 === 1) {
			const words = gloss.split(' ');
			for (let i = 0; i + 1 < words.length; i += 3) [words[i], words[i + 1]] = [words[i + 1], words[i]];
			if (words.length > 4) words.splice(Math.floor(next() * words.length), 1);
			piece = words.join(' ');
		}
		answer += (answer ? connectors[k % connectors.length] : '') + piece + '.';
	}
	return answer.slice(0, ANSWER_TOKENS);
}

/**
 * Runs in Node and in the page: builds the index at each size, then measures size, trace and count at the largest.
 * Loads modules through `load`; everything it returns is plain JSON.
 * @param {(path: string) => Promise<any>} load
 * @param {() => Promise<BenchRecord[]>} getRecords
 * @param {{ sizes: number[], recordCounts: number[], reps: number, answer: string, prompt: string, traceReps: number, countQueries: number, countBatch: number }} config
 */
async function measureSpans(load, getRecords, config) {
	const { buildSpanIndex } = await load('/src/lib/attribution/spans/index.ts');
	const { suffixArray } = await load('/src/lib/attribution/spans/sais.ts');
	const { buildBm25Corpus } = await load('/src/lib/attribution/spans/bm25.ts');
	const { SegmentedSpanIndex } = await load('/src/lib/attribution/spans/segmented.ts');
	const { traceSpans } = await load('/src/lib/attribution/spans/trace.ts');
	const { byteTokenizer } = await load('/src/lib/attribution/spans/tokenizer.ts');
	const { segmentParts, serializeSegment } = await load('/src/lib/attribution/spans/persist.ts');
	const all = await getRecords();
	const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
	const builds = [];
	let index;
	let records = all;
	for (let s = 0; s < config.sizes.length; s++) {
		records = all.slice(0, config.recordCounts[s]);
		const encoded = records.map((r) => byteTokenizer.encode(r.text));
		const buildMs = [];
		const saisMs = [];
		for (let r = 0; r < config.reps; r++) {
			let t = performance.now();
			index = buildSpanIndex({ records: encoded, vocabSize: byteTokenizer.vocabSize });
			buildMs.push(performance.now() - t);
			t = performance.now();
			suffixArray(index.tokens, byteTokenizer.vocabSize + 1);
			saisMs.push(performance.now() - t);
		}
		builds.push({ size: config.sizes[s], records: records.length, tokens: index.tokens.length, buildMs: Math.min(...buildMs), saisMs: Math.min(...saisMs), buildMsAll: buildMs, saisMsAll: saisMs });
	}

	// The whole index as the app stores it: one serialised segment. bytes_per_token is that blob's length (header,
	// tokens, suffix array, record starts, record table, the JSON tables and BM25 statistics: everything a reload
	// needs) over the record tokens (separators excluded); the parts are read from the blob's header and sum to it.
	const segment = { index, records: records.map(({ cid, contributor, datanetId }) => ({ cid, contributor, datanetId })), bm25: buildBm25Corpus(records.map((r) => r.text)), tokenizerHash: byteTokenizer.hash };
	const blob = serializeSegment(segment);
	const parts = segmentParts(blob);
	const size = {
		recordTokens: index.tokenCount,
		total: blob.length,
		pointerWidth: index.suffixArray.width,
		tokens: parts.tokens,
		suffixArray: parts.suffixArray,
		recordStarts: parts.recordStarts,
		recordTable: parts.recordTable,
		metadata: parts.header + parts.json
	};
	if (Object.values(parts).reduce((a, b) => a + b, 0) !== blob.length) throw new Error('the segment parts do not add up to the blob');

	const segmented = new SegmentedSpanIndex({ segments: [segment], vocabSize: byteTokenizer.vocabSize, tokenizerHash: byteTokenizer.hash });
	const traceMs = [];
	let traced;
	for (let r = 0; r < config.traceReps; r++) {
		const t = performance.now();
		traced = traceSpans(segmented, { prompt: config.prompt, response: config.answer, tokenizer: byteTokenizer });
		traceMs.push(performance.now() - t);
	}

	// Random n-grams of 1 to 12 tokens read from the index itself (none holds a separator), timed in batches so the
	// page's coarse clock still resolves them; the figure is the median batch's time a query.
	let seed = 11;
	const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
	const T = index.tokens;
	const queries = [];
	while (queries.length < config.countQueries) {
		const at = Math.floor(next() * (T.length - 12));
		const gram = T.slice(at, at + 1 + Math.floor(next() * 12));
		if (!gram.includes(byteTokenizer.vocabSize)) queries.push(gram);
	}
	const batchUs = [];
	let found = 0;
	for (let q = 0; q < queries.length; q += config.countBatch) {
		const t = performance.now();
		for (let k = q; k < q + config.countBatch; k++) found += segmented.count(queries[k]) > 0 ? 1 : 0;
		batchUs.push(((performance.now() - t) * 1000) / config.countBatch);
	}
	return {
		results: {
			builds,
			size,
			trace: { firstMs: traceMs[0], p50Ms: median(traceMs), spans: traced.spans.length, sources: traced.spans.reduce((/** @type {number} */ a, /** @type {{ sources: unknown[] }} */ s) => a + s.sources.length, 0), contributors: traced.shares.length },
			count: { p50Us: median(batchUs), queries: queries.length, allFound: found === queries.length }
		},
		index
	};
}

/** Compiles the harness against libdivsufsort and times it on `bytes`; null (with the reason) when it cannot. */
function divsufsort(/** @type {Uint8Array} */ bytes, /** @type {string} */ dir) {
	const source = join(dir, 'harness.c');
	const binary = join(dir, 'harness');
	writeFileSync(source, DIVSUFSORT_HARNESS);
	try {
		execFileSync('cc', ['-O2', '-o', binary, source, '-ldivsufsort'], { stdio: 'pipe' });
	} catch (e) {
		return { seconds: null, sa: null, error: `could not compile against libdivsufsort (apt-get install -y libdivsufsort-dev): ${String(/** @type {any} */ (e).stderr ?? e).trim().split('\n')[0]}` };
	}
	const input = join(dir, 'text.bin');
	const output = join(dir, 'sa.bin');
	writeFileSync(input, bytes);
	const seconds = Number(execFileSync(binary, [input, String(BUILD_REPS), output], { encoding: 'utf8' }).trim());
	const raw = readFileSync(output);
	return { seconds, sa: new Int32Array(raw.buffer, raw.byteOffset, raw.length / 4), error: null };
}

/** The tokens as bytes, renumbering the ids that occur in order (fewer than 256 occur), so the suffix order is kept. */
function asBytes(/** @type {ArrayLike<number>} */ tokens, /** @type {number} */ alphabet) {
	const rank = new Int32Array(alphabet).fill(-1);
	for (let i = 0; i < tokens.length; i++) rank[tokens[i]] = 0;
	let used = 0;
	for (let c = 0; c < alphabet; c++) if (rank[c] === 0) rank[c] = used++;
	if (used > 256) return null;
	const bytes = new Uint8Array(tokens.length);
	for (let i = 0; i < tokens.length; i++) bytes[i] = rank[tokens[i]];
	return bytes;
}

async function main() {
	const t0 = Date.now();
	const port = await freePort();
	/** @type {string} */
	let recordsJson = '[]';
	const server = await createServer({
		configFile: false,
		root,
		cacheDir: join(root, 'node_modules/.vite-bench-spans'),
		logLevel: 'warn',
		optimizeDeps: { include: OPTIMIZE },
		server: { host: '127.0.0.1', port, strictPort: true, hmr: false },
		plugins: [benchPagePlugin('bench:spans', { 'records.json': () => recordsJson })]
	});
	const dir = mkdtempSync(join(tmpdir(), 'bench-spans-'));
	let browser;
	try {
		await server.listen();
		const load = (/** @type {string} */ path) => server.ssrLoadModule(path);
		const records = await buildRecords(load);
		recordsJson = JSON.stringify(records);
		const answer = makeAnswer(records);
		const config = {
			sizes: SIZES, recordCounts: SIZES.map((s) => recordsFor(records, s)), reps: BUILD_REPS, answer,
			prompt: 'Explain these words in plain English.', traceReps: TRACE_REPS, countQueries: COUNT_QUERIES, countBatch: COUNT_BATCH
		};

		console.log(`records: ${records.length}; building in Node...`);
		const { results: nodeRun, index } = await measureSpans(load, async () => records, config);

		console.log('libdivsufsort on the same symbols...');
		const dss = [];
		for (let s = 0; s < SIZES.length; s++) {
			const { index: small } = s === SIZES.length - 1 ? { index } : { index: (await load('/src/lib/attribution/spans/index.ts')).buildSpanIndex({ records: records.slice(0, config.recordCounts[s]).map((r) => new TextEncoder().encode(r.text)), vocabSize: 256 }) };
			const bytes = asBytes(small.tokens, 257);
			if (!bytes) throw new Error('more than 256 distinct token ids: cannot compare with divsufsort on bytes');
			const r = divsufsort(bytes, dir);
			let identical = null;
			if (r.sa) {
				const ours = small.suffixArray;
				identical = r.sa.length === ours.length;
				for (let i = 0; identical && i < r.sa.length; i++) identical = r.sa[i] === ours.at(i);
			}
			dss.push({ seconds: r.seconds, identical, error: r.error });
		}

		console.log('building in Chromium...');
		browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--enable-unsafe-webgpu', '--disable-background-networking'] });
		const page = await browser.newPage();
		/** @type {string[]} */
		const errors = [];
		page.on('pageerror', (e) => errors.push(e.message));
		let loads = 0;
		page.on('load', () => loads++);
		await page.goto(`http://127.0.0.1:${port}/__bench/`);
		const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
		const pageRun = await page.evaluate(
			`(${measureSpans.toString()})((p) => import(p), () => fetch('/__bench/records.json').then((r) => r.json()), ${JSON.stringify(config)}).then((r) => r.results)`
		);
		if (loads !== 1) throw new Error(`the page reloaded during the benchmark (${loads} loads); add the new dependency to OPTIMIZE`);
		if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);

		const mbs = (/** @type {number} */ tokens, /** @type {number} */ ms) => +(tokens / 1e6 / (ms / 1000)).toFixed(2);
		const ratio = (/** @type {number} */ a, /** @type {number | null} */ b) => (b ? +(a / b).toFixed(3) : null);
		const last = SIZES.length - 1;
		const dssMbs = dss.map((d, s) => (d.seconds ? mbs(nodeRun.builds[s].tokens, d.seconds * 1000) : null));
		/** @type {Record<string, unknown>} */
		const result = {};
		for (let s = 0; s < SIZES.length; s++) {
			const tag = `${SIZES[s] / 1e6}M`;
			const [nb, pb] = [nodeRun.builds[s], /** @type {any} */ (pageRun).builds[s]];
			Object.assign(result, {
				[`tokens_${tag}`]: nb.tokens,
				[`records_${tag}`]: nb.records,
				[`build_mb_s_${tag}`]: mbs(nb.tokens, nb.buildMs),
				[`build_tokens_per_s_${tag}`]: Math.round(nb.tokens / (nb.buildMs / 1000)),
				[`sais_mb_s_${tag}`]: mbs(nb.tokens, nb.saisMs),
				[`divsufsort_mb_s_${tag}`]: dssMbs[s],
				[`sais_vs_divsufsort_${tag}`]: ratio(mbs(nb.tokens, nb.saisMs), dssMbs[s]),
				[`build_vs_divsufsort_${tag}`]: ratio(mbs(nb.tokens, nb.buildMs), dssMbs[s]),
				[`divsufsort_identical_sa_${tag}`]: dss[s].identical,
				[`chromium_build_mb_s_${tag}`]: mbs(pb.tokens, pb.buildMs),
				[`chromium_sais_mb_s_${tag}`]: mbs(pb.tokens, pb.saisMs),
				[`chromium_vs_node_build_${tag}`]: ratio(mbs(pb.tokens, pb.buildMs), mbs(nb.tokens, nb.buildMs)),
				[`build_ms_runs_${tag}`]: nb.buildMsAll.map(Math.round),
				[`chromium_build_ms_runs_${tag}`]: pb.buildMsAll.map(Math.round)
			});
		}
		const pr = /** @type {any} */ (pageRun);
		Object.assign(result, {
			bytes_per_token: +(nodeRun.size.total / nodeRun.size.recordTokens).toFixed(3),
			pointer_width: nodeRun.size.pointerWidth,
			bytes_per_token_parts: Object.fromEntries(['tokens', 'suffixArray', 'recordStarts', 'recordTable', 'metadata'].map((k) => [k, +(/** @type {any} */ (nodeRun.size)[k] / nodeRun.size.recordTokens).toFixed(3)])),
			index_bytes_10M: nodeRun.size.total,
			trace_500_ms_10M: +nodeRun.trace.p50Ms.toFixed(1),
			trace_500_first_ms_10M: +nodeRun.trace.firstMs.toFixed(1),
			trace_500_spans: nodeRun.trace.spans,
			trace_500_sources: nodeRun.trace.sources,
			chromium_trace_500_ms_10M: +pr.trace.p50Ms.toFixed(1),
			count_us_p50_10M: +nodeRun.count.p50Us.toFixed(2),
			chromium_count_us_p50_10M: +pr.count.p50Us.toFixed(2),
			count_queries: nodeRun.count.queries,
			chromium_cross_origin_isolated: isolated,
			divsufsort_error: dss[last].error,
			reps: BUILD_REPS,
			node: process.version,
			browser: `Chromium ${browser.version()}`,
			date: new Date().toISOString()
		});

		const r = /** @type {Record<string, any>} */ (result);
		const ok = (/** @type {boolean} */ met) => (met ? 'met' : 'MISSED');
		const saisRatio = r[`sais_vs_divsufsort_${SIZES[last] / 1e6}M`];
		/** @type {string[][]} */
		const rows = [];
		for (let s = 0; s < SIZES.length; s++) {
			const tag = `${SIZES[s] / 1e6}M`;
			rows.push([`build ${tag} (${r[`records_${tag}`]} records), Node`, `${r[`build_mb_s_${tag}`]} MB/s`, `${(r[`build_tokens_per_s_${tag}`] / 1e6).toFixed(2)}M tokens/s; 1 token = 1 text byte`]);
			rows.push([`  SA-IS alone, Node`, `${r[`sais_mb_s_${tag}`]} MB/s`, '']);
			rows.push([`  libdivsufsort, same symbols`, r[`divsufsort_mb_s_${tag}`] === null ? 'n/a' : `${r[`divsufsort_mb_s_${tag}`]} MB/s`, r[`divsufsort_mb_s_${tag}`] === null ? dss[s].error ?? '' : `ours ${r[`sais_vs_divsufsort_${tag}`]}x (build ${r[`build_vs_divsufsort_${tag}`]}x); same SA: ${r[`divsufsort_identical_sa_${tag}`]}${s === last ? `; target >= ${TARGETS.ratio}x: ${ok(saisRatio !== null && saisRatio >= TARGETS.ratio)}` : ''}`]);
			rows.push([`  build, Chromium`, `${r[`chromium_build_mb_s_${tag}`]} MB/s`, `${r[`chromium_vs_node_build_${tag}`]}x Node; SA-IS alone ${r[`chromium_sais_mb_s_${tag}`]} MB/s`]);
		}
		const parts = Object.entries(r.bytes_per_token_parts).map(([k, v]) => `${k} ${v}`).join(', ');
		rows.push(['bytes per token, whole index', String(r.bytes_per_token), `target <= ${TARGETS.bytes_per_token}: ${ok(r.bytes_per_token <= TARGETS.bytes_per_token)}; ${r.pointer_width}-byte pointers; ${parts}`]);
		rows.push([`trace ${ANSWER_TOKENS}-token answer, 10M, p50`, `${r.trace_500_ms_10M} ms`, `target < ${TARGETS.trace_ms}: ${ok(r.trace_500_ms_10M < TARGETS.trace_ms)}; first ${r.trace_500_first_ms_10M} ms; ${r.trace_500_spans} spans, ${r.trace_500_sources} sources`]);
		rows.push(['  trace, Chromium, p50', `${r.chromium_trace_500_ms_10M} ms`, '']);
		rows.push(['count(), 10M, p50', `${r.count_us_p50_10M} us`, `target < ${TARGETS.count_us}: ${ok(r.count_us_p50_10M < TARGETS.count_us)}; ${COUNT_QUERIES} random 1-12-grams in batches of ${COUNT_BATCH}`]);
		rows.push(['  count(), Chromium, p50', `${r.chromium_count_us_p50_10M} us`, `cross-origin isolated: ${isolated}`]);
		const w = [0, 1].map((i) => Math.max(...rows.map((row) => row[i].length)));
		console.log(`\nspan index benchmark, Node ${process.version}, ${result.browser}, best of ${BUILD_REPS} builds\n`);
		for (const [a, b, c] of rows) console.log(`${a.padEnd(w[0])}  ${b.padStart(w[1])}  ${c}`);
		const out = join(root, 'bench/results');
		mkdirSync(out, { recursive: true });
		writeFileSync(join(out, 'spans.json'), JSON.stringify(result, null, '\t') + '\n');
		console.log(`\nwrote bench/results/spans.json (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
	} finally {
		rmSync(dir, { recursive: true, force: true });
		await browser?.close();
		await server.close();
	}
}

await main();
