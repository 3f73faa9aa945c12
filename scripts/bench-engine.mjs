// `npm run bench:engine`: the training engine's speed. In Node (the CPU path: cpu/gpt.ts with the WebAssembly SIMD
// matmul) and in headless Chromium (the WebGPU path: webgpu/gpt.ts) it measures training tokens/s per preset, greedy
// decode tokens/s and matmul GFLOP/s at 256, 512 and 1024; when Debian's python3-torch is installed it times the same
// training step of the same config in PyTorch on the CPU in the same run (scripts/bench-engine-torch.py) and reports
// the ratio. Prints a table, writes bench/results/engine.json. The TypeScript loads through one Vite dev server
// (ssrLoadModule in Node, the page's import() in Chromium), as in bench-spans.mjs. Every timing warms up first; the
// machine's 2 cores are shared, so the phases run one after another and ratios compare figures of the same run.
// Under SwiftShader (no GPU) the WebGPU figures are CPU emulation: read them only as ratios against the CPU path.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchPagePlugin, benchServer, evaluateInBenchPage, freePort, launchBenchBrowser } from './bench/page.mjs';

const root = new URL('..', import.meta.url).pathname;
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const MATMUL_SIZES = [256, 512, 1024];
const UPDATE = { learningRate: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1 };
// Per preset: batch shape, warm-up steps, then timed steps (at least `steps`, and at least `ms` of steps).
const TRAIN = {
	tiny: { B: 8, T: 128, warmup: 2, steps: 5, ms: 4000 },
	small: { B: 4, T: 256, warmup: 1, steps: 2, ms: 3000 }
};
// The WebGPU path under SwiftShader is slow: fewer steps, tiny only.
const TRAIN_WEBGPU = { tiny: { B: 8, T: 128, warmup: 1, steps: 3, ms: 0 } };
// PyTorch: per preset warm-up steps, timed seconds and windows (best window counts; at least 2 steps each).
const TORCH = { tiny: { warmup: 1, seconds: 6, windows: 3 }, small: { warmup: 1, seconds: 0, windows: 1 } };
// Greedy decode with the KV-cache decoders (src/lib/engine/infer): prefill a prompt, then `tokens` timed steps of one
// position each (the prefill and the first token are not timed), argmax of each step's logits. 96 steps keep the
// context (16 + 1 + 96) inside tiny's 128-position window, so no slide is timed, and give the CPU a timing window of
// tens of milliseconds rather than a few.
const DECODE = { preset: 'tiny', prompt: 16, tokens: 96 };
const DECODE_NOTE = 'KV cache (infer/cpu.ts, infer/webgpu.ts): prefill untimed, then one position per step (B=1), greedy; WebGPU reads back V logits per step, one submission each';
const TARGETS = { torch_over_cpu: 3 };
// The acceptance run made longer: tiny on the whole noun.animal demo Datanet (the set-up of
// src/lib/engine/train/trainer.learning.test.ts, which asserts 20% below the unigram baseline after 300 steps).
const LEARNING = { steps: Number(process.env.BENCH_LEARNING_STEPS ?? 1200), batchSize: 8, lr: 3e-3, minLr: 3e-4, warmupSteps: 20, evalEvery: 300, evalBatches: 16, seed: 1 };


/**
 * @typedef {{ B: number, T: number, warmup: number, steps: number, ms: number }} TrainPlan
 * @typedef {{ train: Record<string, TrainPlan>, matmulSizes: number[], update: typeof UPDATE, decode: typeof DECODE }} Plan
 * @typedef {{ tokS: number, steps: number, ms: number, loss: number }} TrainResult
 */

/**
 * Runs in Node: the CPU path. Deterministic batches (the same ids on both paths), the same seed as the WebGPU model.
 * @param {(path: string) => Promise<any>} load
 * @param {Plan} plan
 */
async function measureCpu(load, plan) {
	const { gptConfig } = await load('/src/lib/engine/config.ts');
	const { createGPT, gptBackward, gptForward, gptUpdate, gptZeroGrad } = await load('/src/lib/engine/cpu/gpt.ts');
	const { matmulBackend, matmulForward } = await load('/src/lib/engine/cpu/matmul.ts');
	const fill = (/** @type {number} */ n, /** @type {number} */ seed) => {
		const a = new Float32Array(n);
		for (let i = 0; i < n; i++) a[i] = (((Math.imul(i + seed, 2654435761) >>> 0) % 2001) - 1000) / 1000;
		return a;
	};
	/** @type {Record<string, number>} */
	const matmul = {};
	for (const S of plan.matmulSizes) {
		const [inp, weight, bias, out] = [fill(S * S, 1), fill(S * S, 2), fill(S, 3), new Float32Array(S * S)];
		const run = () => matmulForward(out, inp, weight, bias, 1, S, S, S);
		run();
		let best = Infinity;
		for (let w = 0; w < 3; w++) {
			let n = 0;
			const t = performance.now();
			do {
				run();
				n++;
			} while (performance.now() - t < 400);
			best = Math.min(best, (performance.now() - t) / n);
		}
		matmul[S] = (2 * S ** 3) / (best / 1000) / 1e9;
	}
	/** @type {Record<string, TrainResult>} */
	const train = {};
	for (const [preset, { B, T, warmup, steps, ms }] of Object.entries(plan.train)) {
		const config = gptConfig(preset);
		const model = createGPT(config, { seed: 1 });
		const [inputs, targets] = batchIds(B, T, config.vocabSize);
		const step = () => {
			gptZeroGrad(model);
			const loss = gptForward(model, inputs, targets, B, T);
			gptBackward(model);
			gptUpdate(model, plan.update);
			return loss;
		};
		for (let i = 0; i < warmup; i++) step();
		let n = 0;
		let loss = NaN;
		const t = performance.now();
		while (n < steps || performance.now() - t < ms) {
			loss = step();
			n++;
		}
		const elapsed = performance.now() - t;
		train[preset] = { tokS: (B * T * n) / (elapsed / 1000), steps: n, ms: elapsed, loss };
	}
	// Greedy decode with the KV-cache decoder: the same procedure as the page's.
	const { createCpuDecoder } = await load('/src/lib/engine/infer/cpu.ts');
	const { argmax } = await load('/src/lib/engine/infer/sample.ts');
	const config = gptConfig(plan.decode.preset);
	const decoder = createCpuDecoder({ config, params: createGPT(config, { seed: 1 }).params });
	const context = decodePrompt(plan.decode.prompt, config.vocabSize);
	context.push(argmax(decoder.prefillSync(context))); // not timed
	const t = performance.now();
	for (let i = 0; i < plan.decode.tokens; i++) context.push(argmax(decoder.stepSync(context[context.length - 1])));
	const decodeMs = performance.now() - t;
	return {
		matmulBackend,
		matmul,
		train,
		decode: { tokS: plan.decode.tokens / (decodeMs / 1000), tokens: context.slice(plan.decode.prompt) }
	};

	/** @param {number} B @param {number} T @param {number} V */
	function batchIds(B, T, V) {
		const inputs = new Int32Array(B * T);
		const targets = new Int32Array(B * T);
		for (let i = 0; i < B * T; i++) {
			inputs[i] = (i * 7919) % V;
			targets[i] = (i * 104729 + 3) % V;
		}
		return [inputs, targets];
	}
	/** @param {number} n @param {number} V */
	function decodePrompt(n, V) {
		return Array.from({ length: n }, (_, i) => (i * 7919 + 11) % V);
	}
}

/**
 * Runs in the page: the WebGPU path, with the CPU's ids and seed. Counts queue.submit calls during the timed steps.
 * The decode runs the KV-cache decoder on the trained-model class's parameter buffer. Everything it returns is plain JSON.
 * @param {(path: string) => Promise<any>} load
 * @param {Plan} plan
 */
async function measureWebGPU(load, plan) {
	const { gptConfig } = await load('/src/lib/engine/config.ts');
	const { requestGPU } = await load('/src/lib/engine/webgpu/device.ts');
	const { KernelCache } = await load('/src/lib/engine/webgpu/kernels.ts');
	const { createMatmul } = await load('/src/lib/engine/webgpu/matmul.ts');
	const { createTensor } = await load('/src/lib/engine/webgpu/buffers.ts');
	const { createWebGPUGPT } = await load('/src/lib/engine/webgpu/gpt.ts');
	const { createWebGPUDecoder } = await load('/src/lib/engine/infer/webgpu.ts');
	const { argmax } = await load('/src/lib/engine/infer/sample.ts');
	/** @type {string[]} */
	const gpuErrors = [];
	const gpu = await requestGPU({ onError: (/** @type {any} */ e) => gpuErrors.push(String(e.details ?? e.message)) });
	const device = gpu.device;
	const info = gpu.adapterInfo;
	const adapter = {
		vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
		isFallbackAdapter: info.isFallbackAdapter ?? null
	};
	let submits = 0;
	const submit = device.queue.submit.bind(device.queue);
	device.queue.submit = (/** @type {any} */ buffers) => {
		submits++;
		submit(buffers);
	};
	const cache = new KernelCache(device);
	const fill = (/** @type {number} */ n, /** @type {number} */ seed) => {
		const a = new Float32Array(n);
		for (let i = 0; i < n; i++) a[i] = (((Math.imul(i + seed, 2654435761) >>> 0) % 2001) - 1000) / 1000;
		return a;
	};
	/** @type {Record<string, number>} */
	const matmul = {};
	for (const S of plan.matmulSizes) {
		console.log(`  matmul ${S}`);
		const op = await createMatmul(cache, { B: 1, T: S, C: S, OC: S });
		const [inp, weight, bias, out] = [createTensor(device, 'inp', fill(S * S, 1)), createTensor(device, 'w', fill(S * S, 2)), createTensor(device, 'b', fill(S, 3)), createTensor(device, 'out', S * S)];
		const run = async (/** @type {number} */ k) => {
			const encoder = device.createCommandEncoder();
			for (let i = 0; i < k; i++) op.forward(encoder, { out, inp, weight, bias });
			device.queue.submit([encoder.finish()]);
			await device.queue.onSubmittedWorkDone();
		};
		await run(1);
		let t = performance.now();
		await run(1);
		const k = Math.max(1, Math.min(64, Math.round(600 / Math.max(1, performance.now() - t))));
		let best = Infinity;
		for (let w = 0; w < 2; w++) {
			t = performance.now();
			await run(k);
			best = Math.min(best, (performance.now() - t) / k);
		}
		matmul[S] = (2 * S ** 3) / (best / 1000) / 1e9;
		for (const b of [inp, weight, bias, out]) b.destroy();
	}
	/** @type {Record<string, TrainResult & { submitsPerStep: number }>} */
	const train = {};
	for (const [preset, { B, T, warmup, steps, ms }] of Object.entries(plan.train)) {
		const config = gptConfig(preset);
		console.log(`  train ${preset}`);
		const model = await createWebGPUGPT(cache, { config, seed: 1 });
		const [inputs, targets] = batchIds(B, T, config.vocabSize);
		const batch = { inputs, targets, B, T };
		for (let i = 0; i < warmup; i++) await model.trainStep(batch, plan.update);
		await model.readLoss();
		const before = submits;
		let n = 0;
		const t = performance.now();
		while (n < steps || performance.now() - t < ms) {
			await model.trainStep(batch, plan.update);
			n++;
			if (n >= steps) await device.queue.onSubmittedWorkDone();
		}
		await device.queue.onSubmittedWorkDone();
		const elapsed = performance.now() - t;
		const submitsPerStep = (submits - before) / n;
		train[preset] = { tokS: (B * T * n) / (elapsed / 1000), steps: n, ms: elapsed, loss: await model.readLoss(), submitsPerStep };
		await model.destroy();
	}
	console.log('  decode');
	const config = gptConfig(plan.decode.preset);
	// The CPU's weights: createWebGPUGPT initialises them from the same seed as createGPT.
	const model = await createWebGPUGPT(cache, { config, seed: 1 });
	const decoder = await createWebGPUDecoder(cache, { config, params: model.params });
	const context = decodePrompt(plan.decode.prompt, config.vocabSize);
	context.push(argmax(await decoder.prefill(context))); // not timed
	const t = performance.now();
	for (let i = 0; i < plan.decode.tokens; i++) context.push(argmax(await decoder.step(context[context.length - 1])));
	const decodeMs = performance.now() - t;
	decoder.destroy();
	await model.destroy();
	device.destroy();
	return {
		adapter,
		matmul,
		train,
		decode: { tokS: plan.decode.tokens / (decodeMs / 1000), tokens: context.slice(plan.decode.prompt) },
		gpuErrors
	};

	/** @param {number} B @param {number} T @param {number} V */
	function batchIds(B, T, V) {
		const inputs = new Int32Array(B * T);
		const targets = new Int32Array(B * T);
		for (let i = 0; i < B * T; i++) {
			inputs[i] = (i * 7919) % V;
			targets[i] = (i * 104729 + 3) % V;
		}
		return [inputs, targets];
	}
	/** @param {number} n @param {number} V */
	function decodePrompt(n, V) {
		return Array.from({ length: n }, (_, i) => (i * 7919 + 11) % V);
	}
}

/**
 * Trains tiny on noun.animal for LEARNING.steps in Node and reports the validation loss against the unigram baseline,
 * with greedy continuations of a few prompts from the KV-cache decoder.
 * @param {(path: string) => Promise<any>} load
 */
async function measureLearning(load) {
	const { readFileSync } = await import('node:fs');
	const { recordCidString } = await load('/src/lib/core/cid.ts');
	const { canonicalRecord } = await load('/src/lib/core/record.ts');
	const { trainBpe } = await load('/src/lib/core/tokenizer/bpe.ts');
	const { parseDataFile, synsetText } = await load('/src/lib/demo/wordnet.ts');
	const { wordnetDictDir } = await load('/src/lib/demo/wordnet.node.ts');
	const { gptConfig } = await load('/src/lib/engine/config.ts');
	const { prepareData, unigramBaseline } = await load('/src/lib/engine/train/data.ts');
	const { templateText } = await load('/src/lib/engine/train/template.ts');
	const { Trainer, trainConfig } = await load('/src/lib/engine/train/trainer.ts');
	const { createCpuDecoder } = await load('/src/lib/engine/infer/cpu.ts');
	const { generate } = await load('/src/lib/engine/infer/generate.ts');
	const nouns = parseDataFile(readFileSync(join(wordnetDictDir(), 'data.noun'), 'utf8'));
	const records = nouns
		.filter((/** @type {any} */ x) => x.lexname === 'noun.animal')
		.map((/** @type {any} */ x) => {
			const { content, bytes } = canonicalRecord('text', { text: synsetText(x) });
			return { cid: recordCidString(bytes), content };
		});
	const tokenizer = trainBpe(records.map((/** @type {any} */ r) => templateText(r.content)), { vocabSize: 512 });
	const config = trainConfig(LEARNING);
	const data = prepareData(records, tokenizer, { validationFraction: config.validationFraction, seed: config.seed });
	const model = gptConfig('tiny', { vocabSize: tokenizer.vocabSize });
	const baseline = unigramBaseline(data.train.tokens, data.validation.tokens, tokenizer.vocabSize);
	const trainer = new Trainer(model, data, config);
	/** @type {{ step: number, loss: number }[]} */
	const validation = [];
	const t = performance.now();
	await trainer.run({
		onProgress: (/** @type {any} */ p) => {
			if (p.valLoss === undefined) return;
			validation.push({ step: p.step, loss: p.valLoss });
			console.log(`  noun.animal step ${p.step}: validation ${p.valLoss.toFixed(3)} (unigram ${baseline.toFixed(3)})`);
		}
	});
	const seconds = (performance.now() - t) / 1000;
	/** @type {Record<string, string>} */
	const greedy = {};
	for (const prompt of ['wolf:', 'eagle:', 'salmon:']) {
		const decoder = createCpuDecoder({ config: model, params: trainer.model.params });
		greedy[prompt] = (await generate({ decoder, tokenizer, prompt, maxNewTokens: 32, sampling: { temperature: 0 } })).text;
	}
	const last = validation.at(-1)?.loss ?? NaN;
	return { records: records.length, steps: config.steps, seconds, baseline, validation, last, belowPct: 100 * (1 - last / baseline), greedy };
}

/**
 * PyTorch's figures (null with the reason when /usr/bin/python3 has no torch).
 * @param {Record<string, any>} configs preset -> GPTConfig
 * @returns {{ torch: string | null, threads: number | null, blas: string | null, results: Record<string, { tok_s: number, tok_s_1thread: number | null }>, error: string | null }}
 */
function measureTorch(configs) {
	const none = (/** @type {string} */ error) => ({ torch: null, threads: null, blas: null, results: {}, error });
	if (!existsSync(PYTHON)) return none(`${PYTHON} not found`);
	try {
		execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
	} catch {
		return none(`${PYTHON} has no torch (apt-get install -y python3-torch)`);
	}
	const jobs = Object.entries(TORCH).map(([preset, t]) => ({ preset, config: configs[preset], B: TRAIN[/** @type {keyof typeof TRAIN} */ (preset)].B, T: TRAIN[/** @type {keyof typeof TRAIN} */ (preset)].T, ...t }));
	const out = execFileSync(PYTHON, [join(root, 'scripts/bench-engine-torch.py'), JSON.stringify(jobs)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	return { ...JSON.parse(out.trim().split('\n').pop() ?? '{}'), error: null };
}

async function main() {
	const t0 = Date.now();
	const port = await freePort();
	const server = await benchServer({ name: 'bench-engine', port, plugins: [benchPagePlugin('bench:engine')] });
	let browser;
	try {
		await server.listen();
		const load = (/** @type {string} */ path) => server.ssrLoadModule(path);
		const { gptConfig } = await load('/src/lib/engine/config.ts');
		const configs = Object.fromEntries(Object.keys(TRAIN).map((p) => [p, gptConfig(p)]));

		console.log('CPU path in Node (matmul, train tiny and small, decode)...');
		const cpu = await measureCpu(load, { train: TRAIN, matmulSizes: MATMUL_SIZES, update: UPDATE, decode: DECODE });

		console.log(`tiny on noun.animal in Node, ${LEARNING.steps} steps...`);
		const learning = await measureLearning(load);

		console.log(`PyTorch on the CPU (${PYTHON})...`);
		const torch = measureTorch(configs);
		if (torch.error) console.log(`  skipped: ${torch.error}`);

		console.log('WebGPU path in headless Chromium (matmul, train tiny, decode)...');
		/** @type {any} */
		let web = null;
		/** @type {string | null} */
		let webError = null;
		try {
			browser = await launchBenchBrowser();
			const plan = { train: TRAIN_WEBGPU, matmulSizes: MATMUL_SIZES, update: UPDATE, decode: DECODE };
			web = await evaluateInBenchPage(browser, port, measureWebGPU, plan);
		} catch (e) {
			webError = String(/** @type {any} */ (e)?.message ?? e).split('\n')[0];
			console.log(`  WebGPU part failed: ${webError}`);
			web = null;
		}

		const r1 = (/** @type {number | null | undefined} */ x) => (x == null ? null : Math.round(x));
		const r2 = (/** @type {number | null | undefined} */ x) => (x == null ? null : +x.toFixed(2));
		const ratio = (/** @type {number | null | undefined} */ a, /** @type {number | null | undefined} */ b) => (a == null || !b ? null : +(a / b).toFixed(3));
		const tt = torch.results;
		/** @type {Record<string, any>} */
		const r = {
			cpu_train_tok_s_tiny: r1(cpu.train.tiny.tokS),
			cpu_train_tok_s_small: r1(cpu.train.small.tokS),
			torch_cpu_train_tok_s_tiny: r1(tt.tiny?.tok_s),
			torch_cpu_train_tok_s_small: r1(tt.small?.tok_s),
			torch_over_cpu_tiny: ratio(tt.tiny?.tok_s, cpu.train.tiny.tokS),
			torch_over_cpu_small: ratio(tt.small?.tok_s, cpu.train.small.tokS),
			torch_over_cpu_target: TARGETS.torch_over_cpu,
			torch_1thread_train_tok_s_tiny: r1(tt.tiny?.tok_s_1thread),
			torch_1thread_train_tok_s_small: r1(tt.small?.tok_s_1thread),
			torch_version: torch.torch,
			torch_threads: torch.threads,
			torch_blas: torch.blas,
			torch_error: torch.error,
			webgpu_train_tok_s_tiny: r1(web?.train.tiny.tokS),
			webgpu_over_cpu_train_tiny: ratio(web?.train.tiny.tokS, cpu.train.tiny.tokS),
			cpu_decode_tok_s_tiny: r2(cpu.decode.tokS),
			webgpu_decode_tok_s_tiny: r2(web?.decode.tokS),
			webgpu_over_cpu_decode_tiny: ratio(web?.decode.tokS, cpu.decode.tokS),
			decode_note: DECODE_NOTE,
			decode_tokens_match: web ? JSON.stringify(web.decode.tokens) === JSON.stringify(cpu.decode.tokens) : null,
			decode_prompt_tokens: DECODE.prompt,
			decode_new_tokens: DECODE.tokens
		};
		for (const S of MATMUL_SIZES) {
			r[`matmul_gflops_${S}_cpu`] = r2(cpu.matmul[S]);
			r[`matmul_gflops_${S}_webgpu`] = r2(web?.matmul[S]);
		}
		Object.assign(r, {
			cpu_matmul_backend: cpu.matmulBackend,
			one_submission_per_step: web ? web.train.tiny.submitsPerStep === 1 : null,
			submissions_per_step: web ? web.train.tiny.submitsPerStep : null,
			adapter: web ? web.adapter.description || [web.adapter.vendor, web.adapter.architecture, web.adapter.device].filter(Boolean).join(' ') : null,
			adapter_info: web?.adapter ?? null,
			webgpu_error: webError,
			train_shapes: Object.fromEntries(Object.entries(TRAIN).map(([p, { B, T }]) => [p, { B, T }])),
			cpu_train_steps: Object.fromEntries(Object.entries(cpu.train).map(([p, x]) => [p, x.steps])),
			webgpu_train_steps_tiny: web?.train.tiny.steps ?? null,
			cpu_train_loss: Object.fromEntries(Object.entries(cpu.train).map(([p, x]) => [p, r2(x.loss)])),
			webgpu_train_loss_tiny: r2(web?.train.tiny.loss),
			noun_animal_steps: learning.steps,
			noun_animal_records: learning.records,
			noun_animal_unigram: +learning.baseline.toFixed(3),
			noun_animal_validation: learning.validation.map((v) => ({ step: v.step, loss: +v.loss.toFixed(3) })),
			noun_animal_below_unigram_pct: +learning.belowPct.toFixed(1),
			noun_animal_train_seconds: r1(learning.seconds),
			noun_animal_greedy: learning.greedy,
			node: process.version,
			chromium: browser ? browser.version() : null,
			date: new Date().toISOString()
		});

		const ok = (/** @type {boolean} */ met) => (met ? 'met' : 'MISSED');
		const na = (/** @type {unknown} */ x, unit = '') => (x == null ? 'n/a' : `${x}${unit}`);
		const sw = web?.adapter.isFallbackAdapter ? ' (software adapter: ratio only)' : '';
		/** @type {string[][]} */
		const rows = [];
		for (const p of /** @type {const} */ (['tiny', 'small'])) {
			const { B, T } = TRAIN[p];
			const q = r[`torch_over_cpu_${p}`];
			rows.push([`train ${p} (B=${B}, T=${T}), CPU`, na(r[`cpu_train_tok_s_${p}`], ' tok/s'), `${cpu.train[p].steps} steps after ${TRAIN[p].warmup} warm-up; matmul ${cpu.matmulBackend}`]);
			rows.push([`  PyTorch ${torch.torch ?? ''} CPU, same step`, na(r[`torch_cpu_train_tok_s_${p}`], ' tok/s'), q == null ? `n/a: ${torch.error}` : `torch/ours ${q}x; target <= ${TARGETS.torch_over_cpu}: ${ok(q <= TARGETS.torch_over_cpu)}; ${torch.threads} thread(s), BLAS ${torch.blas}`]);
		}
		rows.push(['train tiny (B=8, T=128), WebGPU', na(r.webgpu_train_tok_s_tiny, ' tok/s'), web ? `${r.webgpu_over_cpu_train_tiny}x CPU${sw}; ${web.train.tiny.steps} steps` : `n/a: ${webError}`]);
		rows.push([`tiny on noun.animal, ${learning.steps} steps, CPU`, `val ${learning.last.toFixed(3)}`, `${learning.belowPct.toFixed(1)}% below unigram ${learning.baseline.toFixed(3)} (acceptance: >= 20% at 300 steps); ${learning.seconds.toFixed(0)} s`]);
		rows.push(['  greedy after "wolf:"', JSON.stringify(learning.greedy['wolf:']), '']);
		rows.push(['decode tiny, CPU', na(r.cpu_decode_tok_s_tiny, ' tok/s'), DECODE_NOTE]);
		rows.push(['decode tiny, WebGPU', na(r.webgpu_decode_tok_s_tiny, ' tok/s'), web ? `${r.webgpu_over_cpu_decode_tiny}x CPU${sw}; same tokens as CPU: ${r.decode_tokens_match}` : 'n/a']);
		for (const S of MATMUL_SIZES) {
			rows.push([`matmul ${S}^3, CPU`, `${r[`matmul_gflops_${S}_cpu`]} GFLOP/s`, `forward, ${cpu.matmulBackend}`]);
			rows.push([`matmul ${S}^3, WebGPU`, na(r[`matmul_gflops_${S}_webgpu`], ' GFLOP/s'), web ? `${ratio(web.matmul[S], cpu.matmul[S])}x CPU${sw}` : 'n/a']);
		}
		rows.push(['submissions per train step, WebGPU', na(r.submissions_per_step), r.one_submission_per_step == null ? 'n/a' : `target 1: ${ok(r.one_submission_per_step)}`]);
		rows.push(['adapter', na(r.adapter), web ? `fallback: ${web.adapter.isFallbackAdapter}` : '']);
		const w = [0, 1].map((i) => Math.max(...rows.map((row) => row[i].length)));
		console.log(`\nengine benchmark, Node ${process.version}, ${r.chromium ? `Chromium ${r.chromium}` : 'no Chromium'}\n`);
		console.log(`${'metric'.padEnd(w[0])}  ${'value'.padStart(w[1])}  target / ratio`);
		for (const [a, b, c] of rows) console.log(`${a.padEnd(w[0])}  ${b.padStart(w[1])}  ${c}`);
		const out = join(root, 'bench/results');
		mkdirSync(out, { recursive: true });
		writeFileSync(join(out, 'engine.json'), JSON.stringify(r, null, '\t') + '\n');
		console.log(`\nwrote bench/results/engine.json (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
	} finally {
		await browser?.close();
		await server.close();
	}
}

await main();
