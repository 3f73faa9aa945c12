// `npm run eval:attribution`: is influence attribution right? Measured against retraining, in Node on the CPU, with
// fixed seeds (src/lib/attribution/eval/harness.ts has the steps). A `tiny` base model pretrained on noun.plant, then
// fine-tuned on a noun.animal Datanet with planted facts: on all of it and on `models` random halves; then LDS of
// each method over held-out records and the full model's generations, how often a planted fact's record ranks first
// for its word, and the influence method's other settings on the same models. The fine-tunes train in two
// child processes (the machine's two cores), each loading the TypeScript through its own Vite server. Prints a table
// and writes bench/results/attribution.json.
//
// EVAL_CACHE=<dir> keeps the trained parameters there (keyed by the data and training config), so trying another
// attribution setting skips the training; EVAL_CONFIG='{"checkpoints":2}' overrides fields of the config (and then
// the results file is not written); EVAL_VARIANTS='[...]' replaces the influence settings measured beside the default;
// EVAL_REFERENCE=1 also scores with the exact references of eval/reference.ts (full per-example gradients, plain and
// under EK-FAC: what the index's projection and preconditioner stand in for; about 5 minutes per checkpoint);
// EVAL_LORA=1 fine-tunes LoRA adapters instead (harness.ts's LORA_EVAL_CONFIG), scores through them as the app's index
// of a LoRA run does and through the merged weights beside it, and writes bench/results/attribution-lora.json.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchServer } from './bench/page.mjs';

const root = new URL('..', import.meta.url).pathname;
const HARNESS = '/src/lib/attribution/eval/harness.ts';
// Influence settings measured beside the default (each field overrides the config's).
const VARIANTS = JSON.parse(process.env.EVAL_VARIANTS ?? JSON.stringify([
	{ checkpoints: 1 },
	{ checkpoints: 2 },
	{ fisher: { labels: 'records' } },
	{ fisher: { labels: 'records' }, checkpoints: 1 },
	{ preconditioner: { dampingRatio: 0.001 } },
	{ preconditioner: { dampingRatio: 0.1 } },
	{ preconditioner: { kind: 'identity' }, checkpoints: 1 }
]));

async function withLoader(/** @type {(load: (path: string) => Promise<any>) => Promise<void>} */ body) {
	const server = await benchServer({ name: 'eval-attribution' });
	try {
		await body((path) => server.ssrLoadModule(path));
	} finally {
		await server.close();
	}
}

/** @param {any} config */
function snapshotSteps(config) {
	const steps = config.train.steps;
	const c = config.snapshots;
	return Array.from({ length: c }, (_, i) => Math.round((steps * (i + 1)) / c));
}

// The job of subset j (0-based) trained with seed offset s: job 0 is the full model.
const subsetJob = (/** @type {any} */ config, /** @type {number} */ j, /** @type {number} */ s) => 1 + s * config.models + j;

// Child mode: train jobs shard, shard + shards, ... (job 0 is the full model, then every subset per seed) into dir.
async function child(/** @type {string} */ dir, /** @type {number} */ shard, /** @type {number} */ shards) {
	const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
	await withLoader(async (load) => {
		const h = await load(HARNESS);
		const { allSynsets } = await load('/src/lib/demo/wordnet.node.ts');
		const data = h.evalData(allSynsets(), config);
		const masks = h.subsetMasks(data.train.length, config);
		const base = config.base ? new Float32Array(readFileSync(join(dir, 'base.f32')).buffer.slice(0)) : null;
		for (let job = shard; job <= config.models * config.seeds; job += shards) {
			const file = join(dir, `job-${job}.f32`);
			if (existsSync(file)) continue;
			const t0 = Date.now();
			const subset = (job - 1) % config.models;
			const seedOffset = Math.floor((job - 1) / config.models);
			const { params, snapshots, adapters } = job === 0 ? h.trainModel(data, null, config, snapshotSteps(config), base) : h.trainModel(data, masks[subset], config, [], base, seedOffset);
			// A LoRA full model's adapters go first: the model's file is what marks the job done.
			if (job === 0 && adapters) writeWhole(join(dir, 'job-0.adapters.f32'), adapters);
			writeWhole(file, job === 0 ? snapshots : [params]);
			console.log(`  model ${job} of ${config.models * config.seeds} trained in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
		}
	});
}

// Parameter arrays back to back in one file, by rename: a killed run leaves no half-written file behind.
function writeWhole(/** @type {string} */ file, /** @type {Float32Array[]} */ arrays) {
	const out = new Float32Array(arrays.reduce((s, p) => s + p.length, 0));
	let o = 0;
	for (const p of arrays) out.set(p, (o += p.length) - p.length);
	writeFileSync(file + '.tmp', new Uint8Array(out.buffer));
	renameSync(file + '.tmp', file);
}

function run(/** @type {string[]} */ args) {
	return new Promise((resolve, reject) => {
		const p = spawn(process.execPath, [new URL(import.meta.url).pathname, ...args], { stdio: 'inherit' });
		p.on('exit', (code) => (code === 0 ? resolve(undefined) : reject(new Error(`trainer process exited with ${code}`))));
	});
}

async function main() {
	const t0 = Date.now();
	let config;
	let result;
	await withLoader(async (load) => {
		const h = await load(HARNESS);
		config = { ...h.DEFAULT_EVAL_CONFIG, ...(process.env.EVAL_LORA ? h.LORA_EVAL_CONFIG : {}), ...JSON.parse(process.env.EVAL_CONFIG ?? '{}') };
		const trainingKey = createHash('sha256')
			.update(JSON.stringify([config.lexname, config.base, config.records, config.heldOut, config.planted, config.models, config.subsetFraction, config.vocabSize, config.model, config.train, config.snapshots, config.seed]))
			.update(config.seeds === 1 ? '' : `seeds ${config.seeds}`)
			.update(config.lora ? `lora ${JSON.stringify(config.lora)}` : '')
			.digest('hex')
			.slice(0, 16);
		const dir = process.env.EVAL_CACHE ? join(process.env.EVAL_CACHE, trainingKey) : mkdtempSync(join(tmpdir(), 'eval-attribution-'));
		mkdirSync(dir, { recursive: true });
		writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
		const shards = Math.max(1, Math.min(2, cpus().length));
		const { allSynsets } = await load('/src/lib/demo/wordnet.node.ts');
		const data = h.evalData(allSynsets(), config);
		const tBase = Date.now();
		if (config.base && !existsSync(join(dir, 'base.f32'))) {
			console.log(`Pretraining the base model on ${config.base.lexname}...`);
			writeFileSync(join(dir, 'base.f32'), new Uint8Array(h.trainBase(data, config).buffer));
		}
		const baseSeconds = (Date.now() - tBase) / 1000;
		console.log(`Training the full model and ${config.models} subset models (${config.seeds} seeds each) in ${shards} processes...`);
		const tTrain = Date.now();
		await Promise.all(Array.from({ length: shards }, (_, s) => run(['--child', dir, String(s), String(shards)])));
		const trainSeconds = (Date.now() - tTrain) / 1000;

		const masks = h.subsetMasks(data.train.length, config);
		const P = h.modelWith(data, new Float32Array(0)).params.length;
		const read = (/** @type {number} */ job) => new Float32Array(readFileSync(join(dir, `job-${job}.f32`)).buffer.slice(0));
		const full = read(0);
		const snapshots = Array.from({ length: config.snapshots }, (_, c) => h.modelWith(data, full.subarray(c * P, (c + 1) * P)));
		const finalModel = snapshots[snapshots.length - 1];
		// The checkpoints scored: the snapshots, or a LoRA fine-tune's base with each snapshot's adapter attached.
		const base = config.lora ? new Float32Array(readFileSync(join(dir, 'base.f32')).buffer.slice(0)) : null;
		const adapterParams = config.lora ? new Float32Array(readFileSync(join(dir, 'job-0.adapters.f32')).buffer.slice(0)) : null;
		const evalCheckpoints = snapshots.map((model, c) => {
			if (!adapterParams || !base) return { model };
			const size = adapterParams.length / config.snapshots;
			return h.loraCheckpoint(data, config, base, adapterParams.subarray(c * size, (c + 1) * size));
		});
		const lastOf = (/** @type {any[]} */ list, /** @type {number} */ c) => list.slice(list.length - Math.min(c, list.length));
		const lastSnapshots = (/** @type {number} */ c) => lastOf(evalCheckpoints, c);
		const checkpoints = lastSnapshots(config.checkpoints);
		const queries = h.evalQueries(finalModel, data, config);
		const tScore = Date.now();
		const scores = h.methodScores(checkpoints, data, queries, config);
		const scoreSeconds = (Date.now() - tScore) / 1000;
		// Each subset's loss per query under each seed's model; the metrics use their mean.
		const perSeed = Array.from({ length: config.seeds }, (_, s) => masks.map((_, j) => h.queryLosses(h.modelWith(data, read(subsetJob(config, j, s))), queries)));
		const lossesOf = (/** @type {Float64Array[][]} */ seeds) => queries.map((_, q) => Float64Array.from(masks, (_, j) => seeds.reduce((sum, per) => sum + per[j][q], 0) / seeds.length));
		const losses = lossesOf(perSeed);
		// The same against the first seed's models only (what one training run per subset would measure).
		const metrics1 = h.evalMetrics(scores, data, queries, masks, lossesOf(perSeed.slice(0, 1)));
		const metrics = h.evalMetrics(scores, data, queries, masks, losses);
		// Other settings of the influence method on the same models and queries (what the default was chosen from).
		const variants = [];
		for (const v of VARIANTS) {
			const cfg = { ...config, projection: { ...config.projection, ...v.projection }, preconditioner: { ...config.preconditioner, ...v.preconditioner }, fisher: { ...config.fisher, ...v.fisher } };
			const used = lastSnapshots(v.checkpoints ?? config.checkpoints);
			const m = h.evalMetrics(h.methodScores(used, data, queries, cfg), data, queries, masks, losses);
			variants.push({ ...v, checkpoints: used.length, lds: m.lds.influence, lds_by_query_kind: Object.fromEntries(Object.entries(m.ldsByKind).map(([kind, x]) => [kind, x.influence])), planted_top1: m.plantedTop1.influence });
			console.log(`  variant ${JSON.stringify(v)}: LDS ${m.lds.influence.toFixed(3)}, planted top-1 ${m.plantedTop1.influence.toFixed(3)}`);
		}
		// The exact references, when asked (EVAL_REFERENCE=1): the same layers' full gradients, plain and under EK-FAC.
		let reference = null;
		if (process.env.EVAL_REFERENCE) {
			console.log(`Exact references over ${checkpoints.length} checkpoints (full per-example gradients, EK-FAC)...`);
			const tRef = Date.now();
			const ref = h.referenceMethodScores(lastOf(snapshots, config.checkpoints), data, queries, config, (/** @type {number} */ done, /** @type {number} */ total) => console.log(`  checkpoint ${done} of ${total}`));
			const refLds = h.methodLds(ref, queries, masks, losses);
			const refLds1 = h.methodLds(ref, queries, masks, lossesOf(perSeed.slice(0, 1)));
			reference = {
				lds_identity_exact: refLds.identity,
				lds_ekfac_exact: refLds.ekfac,
				lds_one_seed: refLds1,
				planted_top1: h.methodPlantedTop1(ref, data, queries),
				seconds: (Date.now() - tRef) / 1000
			};
		}
		// A LoRA fine-tune's influence through every (merged) weight instead of its adapter, on the same models.
		let loraWeights = null;
		if (config.lora) {
			const m = h.evalMetrics(h.methodScores(lastOf(snapshots, config.checkpoints).map((model) => ({ model })), data, queries, config), data, queries, masks, losses);
			loraWeights = { lds: m.lds.influence, lds_identity: m.lds.identity, planted_top1: m.plantedTop1.influence };
			console.log(`  through the merged weights instead of the adapter: LDS ${m.lds.influence.toFixed(3)} (identity ${m.lds.identity.toFixed(3)}), planted top-1 ${m.plantedTop1.influence.toFixed(3)}`);
		}
		if (!process.env.EVAL_CACHE) rmSync(dir, { recursive: true, force: true });
		const ldsQueries = queries.filter((q) => q.kind !== 'planted').length;
		result = {
			lds: metrics.lds.influence,
			lds_identity: metrics.lds.identity,
			lds_cosine: metrics.lds.cosine,
			lds_bm25: metrics.lds.bm25,
			lds_random: metrics.lds.random,
			lds_over_identity: metrics.lds.influence / metrics.lds.identity,
			lds_one_seed: metrics1.lds,
			lds_by_query_kind: metrics.ldsByKind,
			variants,
			...(reference ? { reference } : {}),
			...(loraWeights ? { lora_through_weights: loraWeights } : {}),
			planted_top1: metrics.plantedTop1.influence,
			planted_top1_by_method: metrics.plantedTop1,
			planted_share_top1: metrics.plantedShareTop1,
			planted_learned: metrics.plantedLearned,
			queries: ldsQueries,
			planted_queries: queries.length - ldsQueries,
			models: config.models,
			seeds_per_model: config.seeds,
			training_records: data.train.length,
			full_model_loss_on_queries: Array.from(h.queryLosses(finalModel, queries)).reduce((a, b) => a + b, 0) / queries.length,
			generation_examples: queries.filter((q) => q.kind === 'generation').slice(0, 3).map((q) => q.text),
			planted_examples: queries.filter((q) => q.kind === 'planted').slice(0, 3).map((q) => ({ fact: q.text, generated: q.generated })),
			config,
			base_seconds: baseSeconds,
			train_seconds: trainSeconds,
			score_seconds: scoreSeconds,
			// The evaluation's own time; the optional reference's is reference.seconds.
			total_seconds: (Date.now() - t0) / 1000 - (reference?.seconds ?? 0),
			machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`,
			measured_at: new Date().toISOString().slice(0, 10)
		};
	});
	const r = /** @type {any} */ (result);
	const f = (/** @type {number} */ x) => x.toFixed(3);
	console.log(`\n| method | LDS (${r.queries} queries, ${r.models} models x ${r.seeds_per_model} seeds) | LDS against the first seed only | planted top-1 (${r.planted_queries}) |`);
	console.log('|---|---|---|---|');
	for (const m of ['influence', 'identity', 'cosine', 'bm25', 'random']) {
		const name = m === 'influence' ? `influence (${r.config.lora ? 'LoRA adapter, ' : ''}${r.config.checkpoints} checkpoints, ${r.config.preconditioner.kind} Fisher of ${r.config.fisher.labels} labels, damping ${r.config.preconditioner.dampingRatio})` : m;
		console.log(`| ${name} | ${f(r[m === 'influence' ? 'lds' : `lds_${m}`])} | ${f(r.lds_one_seed[m])} | ${f(r.planted_top1_by_method[m])} |`);
	}
	if (r.reference) {
		console.log(`| exact gradient dot product (no projection) | ${f(r.reference.lds_identity_exact)} | ${f(r.reference.lds_one_seed.identity)} | ${f(r.reference.planted_top1.identity)} |`);
		console.log(`| EK-FAC, exact (no projection, damping ${r.config.preconditioner.dampingRatio}) | ${f(r.reference.lds_ekfac_exact)} | ${f(r.reference.lds_one_seed.ekfac)} | ${f(r.reference.planted_top1.ekfac)} |`);
	}
	if (r.lora_through_weights) console.log(`| influence through the merged weights instead of the adapter | ${f(r.lora_through_weights.lds)} | | ${f(r.lora_through_weights.planted_top1)} |`);
	console.log(`\nLDS by query kind: ${JSON.stringify(r.lds_by_query_kind, (_, v) => (typeof v === 'number' ? Number(v.toFixed(3)) : v))}`);
	console.log(`Planted: record ranks first ${f(r.planted_top1)}, its contributor has the largest share ${f(r.planted_share_top1)}; the model reproduces ${f(r.planted_learned)} of the facts.`);
	console.log(`Targets: lds >= 0.40 (${r.lds >= 0.4 ? 'met' : 'missed'}), lds >= 2 x identity (${r.lds >= 2 * r.lds_identity ? 'met' : 'missed'}), planted_top1 >= 0.90 (${r.planted_top1 >= 0.9 ? 'met' : 'missed'}).`);
	console.log(`Base ${r.base_seconds.toFixed(0)} s, training ${r.train_seconds.toFixed(0)} s, scoring ${r.score_seconds.toFixed(0)} s, total ${r.total_seconds.toFixed(0)} s.`);
	if (!process.env.EVAL_CONFIG) {
		const name = r.config.lora ? 'attribution-lora.json' : 'attribution.json';
		mkdirSync(join(root, 'bench/results'), { recursive: true });
		writeFileSync(join(root, 'bench/results', name), JSON.stringify(r, null, '\t') + '\n');
		console.log(`Wrote bench/results/${name}`);
	}
}

if (process.argv[2] === '--child') await child(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
else await main();
