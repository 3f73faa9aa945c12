// `npm run bench:influence`: scoring an influence index of N = 10,000 and 100,000 projected gradients at k = 2,048
// (f16), on the CPU in Node (attribution/influence/score.ts), and in headless Chromium on WebGPU
// (influence/webgpu/score.ts) and on the CPU again (a same-process ratio), plus topK(100); and the index build in Node
// (projected gradients of real WordNet records on tiny, against a one-at-a-time full backward). Prints a table, writes
// bench/results/influence.json. One function (measureScoring) runs in both places, loading this tree's TypeScript
// through one Vite dev server (ssrLoadModule in Node, the page's import() in Chromium), as in bench-spans.mjs. Every
// figure is the median of its runs after a warm-up, with a new query each run; the gradients are seeded N(0, 1) halves
// drawn by an integer hash from a table of 65,536 normals (fast enough for 205M values in the page). Under SwiftShader
// (no GPU) the WebGPU figures are CPU emulation: read them as a check that the path works, not as GPU speed.
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchPagePlugin, benchServer, evaluateInBenchPage, freePort, launchBenchBrowser } from './bench/page.mjs';

const root = new URL('..', import.meta.url).pathname;
const K = 2048;
const SIZES = [10_000, 100_000];
const TOP = 100;
// Timed runs per figure (after one warm-up); SwiftShader takes seconds a score at 100k, so WebGPU gets the minimum.
const RUNS = { cpu: 7, webgpu: 5, topK: 7 };
// WebGPU's default maxStorageBufferBindingSize: the largest size is also scored in chunks of at most this, as on a
// device with default limits (requestGPU asks for the adapter's, and SwiftShader's hold 100k x 2,048 in one buffer).
const DEFAULT_BINDING_BYTES = 128 * 2 ** 20;
// WebGPU workgroup layouts compared at the smallest size (threads a row x rows a workgroup); the first is the default.
const LAYOUTS = [[16, 16], [64, 1], [32, 8], [4, 64]];

/**
 * @typedef {{ k: number, sizes: number[], top: number, runs: typeof RUNS, layouts: number[][], defaultBindingBytes: number, webgpu: boolean }} ScoringPlan
 * @typedef {{ rows: number, cpuMs: number, cpuRunsMs: number[], topKMs: number,
 *   webgpu: { createMs: number, chunks: number, ms: number, runsMs: number[], maxError: number } | null }} SizeResult
 */

/**
 * Runs in Node and in the page: builds the largest matrix once (the smaller sizes are prefixes of it), then per size
 * times scoreCpu, topK and, when plan.webgpu, WebGPUScorer.create and score, then score at the smallest size with each of
 * plan.layouts, and at the largest in chunks of plan.defaultBindingBytes. maxError is the largest
 * |webgpu - cpu| / sum_j |g_j q_j| over the last run's scores. Everything it returns is plain JSON.
 * @param {(path: string) => Promise<any>} load
 * @param {ScoringPlan} plan
 */
async function measureScoring(load, plan) {
	const { scoreCpu, topK } = await load('/src/lib/attribution/influence/score.ts');
	const { toFloat16Bits } = await load('/src/lib/engine/checkpoint/float16.ts');
	const { createRng } = await load('/src/lib/engine/random.ts');
	const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
	const { k } = plan;

	// 65,536 seeded normals as halves, then each value picks one by a murmur3-finalised hash of its position.
	const rng = createRng(1);
	const normals = Uint16Array.from({ length: 65536 }, () => toFloat16Bits(rng.normal()));
	const largest = Math.max(...plan.sizes);
	const bits = new Uint16Array(largest * k);
	for (let i = 0; i < bits.length; i++) {
		let h = Math.imul(i, 0x9e3779b1) ^ 0x5bd1e995;
		h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
		h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
		bits[i] = normals[(h ^ (h >>> 16)) >>> 16];
	}
	const query = (/** @type {number} */ seed) => {
		const r = createRng(seed);
		return Float32Array.from({ length: k }, () => r.normal());
	};
	/** @param {number} runs @param {(run: number) => unknown} fn */
	const timeRuns = async (runs, fn) => {
		await fn(0);
		const ms = [];
		for (let r = 1; r <= runs; r++) {
			const t = performance.now();
			await fn(r);
			ms.push(performance.now() - t);
		}
		return ms;
	};

	let device = null;
	let adapter = null;
	/** @type {string[]} */
	const gpuErrors = [];
	if (plan.webgpu) {
		const { requestGPU } = await load('/src/lib/engine/webgpu/device.ts');
		const gpu = await requestGPU({ onError: (/** @type {any} */ e) => gpuErrors.push(String(e.details ?? e.message)) });
		device = gpu.device;
		const info = gpu.adapterInfo;
		adapter = { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description, isFallbackAdapter: info.isFallbackAdapter ?? null };
	}

	/** @type {SizeResult[]} */
	const sizes = [];
	for (const rows of plan.sizes) {
		console.log(`  N = ${rows}, k = ${k}`);
		const matrix = { rows, k, bits: bits.subarray(0, rows * k) };
		const out = new Float32Array(rows);
		const cpuRunsMs = await timeRuns(plan.runs.cpu, (r) => scoreCpu(matrix, query(100 + r), out));
		const topKMs = median(await timeRuns(plan.runs.topK, () => topK(out, plan.top)));
		let webgpu = null;
		if (device) {
			const { WebGPUScorer } = await load('/src/lib/attribution/influence/webgpu/score.ts');
			const t = performance.now();
			const scorer = await WebGPUScorer.create({ device, matrix });
			const createMs = performance.now() - t;
			/** @type {Float32Array} */
			let scores = new Float32Array(0);
			const runsMs = await timeRuns(plan.runs.webgpu, async (r) => {
				scores = await scorer.score(query(200 + r));
			});
			scorer.destroy();
			// The last query against the CPU, and against the same sum of |terms| the browser test bounds.
			const last = query(200 + plan.runs.webgpu);
			const cpu = scoreCpu(matrix, last);
			const abs = scoreCpu({ rows, k, bits: matrix.bits.map((h) => h & 0x7fff) }, last.map(Math.abs));
			let maxError = 0;
			for (let i = 0; i < rows; i++) maxError = Math.max(maxError, Math.abs(scores[i] - cpu[i]) / abs[i]);
			webgpu = { createMs, chunks: scorer.chunkCount, ms: median(runsMs), runsMs, maxError };
		}
		sizes.push({ rows, cpuMs: median(cpuRunsMs), cpuRunsMs, topKMs, webgpu });
	}
	/** @type {Record<string, number>} */
	const layouts = {};
	let defaultChunks = null;
	if (device) {
		const { WebGPUScorer } = await load('/src/lib/attribution/influence/webgpu/score.ts');
		console.log(`  N = ${largest} in chunks of at most ${plan.defaultBindingBytes} bytes`);
		const chunked = await WebGPUScorer.create({ device, matrix: { rows: largest, k, bits }, maxChunkBytes: plan.defaultBindingBytes });
		defaultChunks = { chunks: chunked.chunkCount, ms: median(await timeRuns(plan.runs.webgpu, (r) => chunked.score(query(400 + r)))) };
		chunked.destroy();
		const rows = Math.min(...plan.sizes);
		const matrix = { rows, k, bits: bits.subarray(0, rows * k) };
		for (const [threadsPerRow, rowsPerGroup] of plan.layouts) {
			console.log(`  layout ${threadsPerRow} x ${rowsPerGroup} at N = ${rows}`);
			const scorer = await WebGPUScorer.create({ device, matrix, layout: { threadsPerRow, rowsPerGroup } });
			layouts[`${threadsPerRow}x${rowsPerGroup}`] = median(await timeRuns(plan.runs.webgpu, (r) => scorer.score(query(300 + r))));
			scorer.destroy();
		}
	}
	device?.destroy();
	return { sizes, adapter, gpuErrors, layouts, defaultChunks };
}

/**
 * Index build in Node (the attribution worker runs the same CPU GPT): tiny with a 512-token BPE over `records`
 * noun.animal records, LoGra projected gradients in batches of 8 with the frozen backward, the preconditioner fit and
 * the f16 matrix; against the naive route on the first `baseline` records in the same process, one example at a time
 * with a full backward (every weight gradient formed, before any projection).
 * @param {(path: string) => Promise<any>} load
 * @param {{ records: number, baseline: number }} plan
 */
async function measureIndexBuild(load, { records, baseline }) {
	const { synsetsOf } = await load('/src/lib/demo/wordnet.node.ts');
	const { synsetText } = await load('/src/lib/demo/wordnet.ts');
	const { trainBpe, END_OF_TEXT } = await load('/src/lib/core/tokenizer/bpe.ts');
	const { gptConfig } = await load('/src/lib/engine/config.ts');
	const { createGPT, gptBackward, gptForward } = await load('/src/lib/engine/cpu/gpt.ts');
	const { buildInfluenceIndex, fisherPasses, DEFAULT_FISHER } = await load('/src/lib/attribution/influence/index.ts');
	const { SNAPSHOTS_PER_RUN } = await load('/src/lib/engine/train/runStore.ts');
	const texts = synsetsOf('noun.animal').slice(0, records).map(synsetText);
	const tokenizer = trainBpe(texts, { vocabSize: 512 });
	const eot = tokenizer.tokenId(END_OF_TEXT);
	const examples = texts.map((text, i) => ({ cid: `r${i}`, contributor: '', datanetId: null, tokens: Int32Array.from([eot, ...tokenizer.encode(text), eot]) }));
	const tokens = examples.reduce((s, e) => s + e.tokens.length - 1, 0);
	const model = createGPT(gptConfig('tiny', { vocabSize: tokenizer.vocabSize }), { seed: 1 });
	// The app's default build: SNAPSHOTS_PER_RUN checkpoints (one model's weights stand in for each; the work is the
	// same), each with the records' gradients and the Fisher's drawn-label passes.
	const checkpoints = Array.from({ length: SNAPSHOTS_PER_RUN }, (_, i) => ({ model, step: i, weightsHash: `0x${i}` }));
	buildInfluenceIndex({ checkpoints: checkpoints.slice(0, 1), examples: examples.slice(0, 16) }); // warm-up
	const t0 = performance.now();
	const index = buildInfluenceIndex({ checkpoints, examples });
	const buildMs = performance.now() - t0;
	const passes = SNAPSHOTS_PER_RUN * (records + fisherPasses(records, DEFAULT_FISHER));
	const t1 = performance.now();
	for (const { tokens: t } of examples.slice(0, baseline)) {
		const T = Math.min(t.length - 1, model.config.blockSize); // (the index's windows cover longer records; few are)
		gptForward(model, t.subarray(0, T), t.subarray(1, T + 1), 1, T);
		gptBackward(model);
	}
	const naiveMs = performance.now() - t1;
	return {
		records,
		tokens,
		k: index.meta.k,
		buildMs,
		examplesPerS: (records * 1000) / buildMs,
		passesPerS: (passes * 1000) / buildMs,
		checkpoints: SNAPSHOTS_PER_RUN,
		draws: DEFAULT_FISHER.draws,
		naiveExamplesPerS: (baseline * 1000) / naiveMs,
		bytes: index.gradients.bits.byteLength
	};
}

async function main() {
	const t0 = Date.now();
	const port = await freePort();
	const server = await benchServer({ name: 'bench-influence', port, plugins: [benchPagePlugin('bench:influence')] });
	let browser;
	try {
		await server.listen();
		const load = (/** @type {string} */ path) => server.ssrLoadModule(path);
		/** @type {ScoringPlan} */
		const plan = { k: K, sizes: SIZES, top: TOP, runs: RUNS, layouts: LAYOUTS, defaultBindingBytes: DEFAULT_BINDING_BYTES, webgpu: false };

		console.log('CPU scoring in Node...');
		const node = await measureScoring(load, plan);

		console.log('Index build in Node...');
		const build = await measureIndexBuild(load, { records: 1000, baseline: 200 });

		console.log('WebGPU and CPU scoring in headless Chromium...');
		/** @type {any} */
		let web = null;
		/** @type {string | null} */
		let webError = null;
		try {
			browser = await launchBenchBrowser();
			web = await evaluateInBenchPage(browser, port, measureScoring, { ...plan, webgpu: true });
		} catch (e) {
			webError = String(/** @type {any} */ (e)?.message ?? e).split('\n')[0];
			console.log(`  browser part failed: ${webError}`);
			web = null;
		}

		const r1 = (/** @type {number | null | undefined} */ x) => (x == null ? null : +x.toFixed(1));
		const r3 = (/** @type {number | null | undefined} */ x) => (x == null ? null : +x.toFixed(3));
		const ratio = (/** @type {number | null | undefined} */ a, /** @type {number | null | undefined} */ b) => (a == null || !b ? null : +(a / b).toFixed(3));
		const label = (/** @type {number} */ n) => `${n / 1000}k`;
		const info = web?.adapter;
		const adapter = info ? info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') : null;
		const cpu = cpus();
		/** @type {Record<string, any>} */
		const r = {};
		for (const [s, rows] of SIZES.entries()) {
			const n = node.sizes[s];
			const w = web?.sizes[s];
			const key = `${label(rows)}_k${K}`;
			Object.assign(r, {
				[`score_ms_${key}_cpu`]: r1(n.cpuMs),
				[`score_ms_${key}_webgpu`]: r1(w?.webgpu?.ms),
				[`score_ms_${key}_chromium_cpu`]: r1(w?.cpuMs),
				[`webgpu_over_chromium_cpu_${key}`]: ratio(w?.cpuMs, w?.webgpu?.ms),
				[`topk${TOP}_ms_${label(rows)}_cpu`]: r3(n.topKMs),
				[`topk${TOP}_ms_${label(rows)}_chromium`]: r3(w?.topKMs),
				[`webgpu_create_ms_${key}`]: r1(w?.webgpu?.createMs),
				[`webgpu_chunks_${key}`]: w?.webgpu?.chunks ?? null,
				[`webgpu_max_error_${key}`]: w?.webgpu ? +w.webgpu.maxError.toExponential(2) : null
			});
		}
		const smallest = `${label(Math.min(...SIZES))}_k${K}`;
		const largest = `${label(Math.max(...SIZES))}_k${K}`;
		r[`score_ms_${largest}_webgpu_default_limits`] = r1(web?.defaultChunks?.ms);
		r[`webgpu_chunks_${largest}_default_limits`] = web?.defaultChunks?.chunks ?? null;
		r[`webgpu_layout_ms_${smallest}`] = web ? Object.fromEntries(Object.entries(web.layouts).map(([name, ms]) => [name, r1(ms)])) : null;
		Object.assign(r, {
			index_examples_per_s: r1(build.examplesPerS),
			index_gradient_passes_per_s: r1(build.passesPerS),
			index_tokens_per_s: r1((build.tokens * 1000) / build.buildMs),
			index_naive_full_backward_examples_per_s: r1(build.naiveExamplesPerS),
			index_pass_over_naive: ratio(build.passesPerS, build.naiveExamplesPerS),
			index_bytes_per_record: build.bytes / build.records,
			index_note: `the app's default build: tiny (512-token BPE), ${build.records} noun.animal records (${build.tokens} tokens), ${build.checkpoints} checkpoints, each with the records' projected gradients and ${build.draws} drawn-label passes per record for the Fisher (rows of k = ${build.k}), batches of 8 with the frozen backward, preconditioner and f16 included; a gradient pass is one record's projected gradient at one checkpoint; naive = one example at a time with a full backward (no projection), same process`,
		});
		Object.assign(r, {
			runs: RUNS,
			score_note: 'median of the runs after one warm-up, a new query each run; WebGPU is one submission (query write, dispatches, readback map) per score',
			error_note: 'webgpu_max_error: max |webgpu - cpu| / sum_j |g_j q_j| over the last query',
			adapter,
			adapter_info: info ?? null,
			webgpu_error: webError,
			machine: `${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB; no GPU, so WebGPU is SwiftShader (CPU emulation): its figures check the path, they are not GPU speed`,
			node: process.version,
			chromium: browser ? browser.version() : null,
			measured_at: new Date().toISOString()
		});

		const na = (/** @type {unknown} */ x, unit = '') => (x == null ? 'n/a' : `${x}${unit}`);
		/** @type {string[][]} */
		const rows = [];
		for (const [s, n] of SIZES.entries()) {
			const key = `${label(n)}_k${K}`;
			const w = web?.sizes[s]?.webgpu;
			rows.push([`score N=${label(n)} k=${K}, CPU (Node)`, na(r[`score_ms_${key}_cpu`], ' ms'), `median of ${RUNS.cpu}`]);
			rows.push([`score N=${label(n)} k=${K}, CPU (Chromium)`, na(r[`score_ms_${key}_chromium_cpu`], ' ms'), `median of ${RUNS.cpu}`]);
			rows.push([`score N=${label(n)} k=${K}, WebGPU`, na(r[`score_ms_${key}_webgpu`], ' ms'), w ? `median of ${RUNS.webgpu}; ${r[`webgpu_over_chromium_cpu_${key}`]}x Chromium CPU; ${w.chunks} chunk(s); upload ${r[`webgpu_create_ms_${key}`]} ms; max error ${r[`webgpu_max_error_${key}`]}` : `n/a: ${webError}`]);
			rows.push([`topK(${TOP}) of ${label(n)}, Node / Chromium`, `${na(r[`topk${TOP}_ms_${label(n)}_cpu`])} / ${na(r[`topk${TOP}_ms_${label(n)}_chromium`])} ms`, `median of ${RUNS.topK}`]);
		}
		if (web) {
			rows.push([`score N=${label(Math.max(...SIZES))} k=${K}, WebGPU, 128 MiB chunks`, na(r[`score_ms_${largest}_webgpu_default_limits`], ' ms'), `median of ${RUNS.webgpu}; ${r[`webgpu_chunks_${largest}_default_limits`]} chunks, as under default limits`]);
			const layouts = Object.entries(r[`webgpu_layout_ms_${smallest}`]).map(([name, ms]) => `${name} ${ms}`).join(', ');
			rows.push([`WebGPU layouts at ${smallest} (lanes x rows)`, `${layouts} ms`, `median of ${RUNS.webgpu}; default ${LAYOUTS[0].join('x')}`]);
		}
		rows.push([`index build, tiny, ${build.records} records, ${build.checkpoints} checkpoints, k=${build.k}`, `${r.index_examples_per_s} records/s`, `${r.index_gradient_passes_per_s} gradient passes/s, ${r.index_pass_over_naive}x one-at-a-time full backward (${r.index_naive_full_backward_examples_per_s} ex/s); ${r.index_bytes_per_record} B/record`]);
		rows.push(['adapter', na(adapter), info ? `fallback: ${info.isFallbackAdapter}` : '']);
		const width = [0, 1].map((i) => Math.max(...rows.map((row) => row[i].length)));
		console.log(`\ninfluence scoring benchmark, Node ${process.version}, ${r.chromium ? `Chromium ${r.chromium}` : 'no Chromium'}\n`);
		console.log(`${'metric'.padEnd(width[0])}  ${'value'.padStart(width[1])}  notes`);
		for (const [a, b, c] of rows) console.log(`${a.padEnd(width[0])}  ${b.padStart(width[1])}  ${c}`);
		const out = join(root, 'bench/results');
		mkdirSync(out, { recursive: true });
		writeFileSync(join(out, 'influence.json'), JSON.stringify(r, null, '\t') + '\n');
		console.log(`\nwrote bench/results/influence.json (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
	} finally {
		await browser?.close();
		await server.close();
	}
}

await main();
