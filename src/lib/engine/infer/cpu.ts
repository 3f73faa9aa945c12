// The CPU decoder: a GPT forward that runs only the new positions, keeping every layer's keys and values in a cache so
// each step costs one position's matmuls plus attention over the cache. Prefill and step are the same pass over T new
// rows at positions pos..pos+T-1; weights are a flat buffer in params.ts's layout, so any trained or imported model
// runs. Shapes: T new rows, C channels, V vocab, L layers, NH heads, HS = C/NH head size, maxT blockSize.
import { type GPTConfig, parameterCount } from '../config';
import { embeddingForward } from '../cpu/embedding';
import { geluForward } from '../cpu/gelu';
import { layernormForward } from '../cpu/layernorm';
import { matmulForward } from '../cpu/matmul';
import { residualForward } from '../cpu/residual';
import { EngineConfigError, EngineInputError } from '../errors';
import { parameterLayout, parameterViews, type ParameterTensors } from '../params';
import { checkTokens, type Decoder, promptWindow, slideContext } from './decoder';

/** Options for createCpuDecoder. */
export type CreateCpuDecoderParameters = {
	config: GPTConfig;
	/** All parameters, (P) in params.ts's layout; read, never written (the decoder keeps a reference). */
	params: Float32Array;
};

const LAYER_KEYS = [
	'ln1w', 'ln1b', 'qkvw', 'qkvb', 'attprojw', 'attprojb', 'ln2w', 'ln2b', 'fcw', 'fcb', 'fcprojw', 'fcprojb'
] as const;

type LayerWeights = Record<(typeof LAYER_KEYS)[number], Float32Array>;

/** A decoder whose cache and scratch are Float32Arrays sized once for blockSize positions. */
export class CpuDecoder implements Decoder {
	readonly backend = 'cpu';
	readonly config: GPTConfig;
	/** Keys of every cached position, (L,NH,maxT,HS). */
	readonly keys: Float32Array;
	/** Values of every cached position, (L,NH,maxT,HS). */
	readonly values: Float32Array;
	private readonly weights: ParameterTensors;
	private readonly layers: LayerWeights[];
	private readonly tokens: number[] = [];
	// Scratch for up to maxT new rows.
	private readonly ids: Int32Array; // (maxT)
	private readonly x: Float32Array; // (maxT,C) residual stream
	private readonly ln: Float32Array; // (maxT,C)
	private readonly mean: Float32Array; // (maxT)
	private readonly rstd: Float32Array; // (maxT)
	private readonly qkv: Float32Array; // (maxT,3C)
	private readonly y: Float32Array; // (maxT,C) attention output
	private readonly proj: Float32Array; // (maxT,C)
	private readonly fch: Float32Array; // (maxT,4C)
	private readonly fchGelu: Float32Array; // (maxT,4C)
	private readonly scores: Float64Array; // (maxT) one query's attention weights
	private readonly logits: Float32Array; // (V)

	/** Use createCpuDecoder, which checks the parameter count. */
	constructor(config: GPTConfig, params: Float32Array) {
		const { vocabSize: V, blockSize: maxT, nLayer: L, nEmbd: C } = config;
		this.config = config;
		this.weights = parameterViews(params, parameterLayout(config)) as ParameterTensors;
		this.layers = Array.from({ length: L }, (_, l) => {
			const out = {} as LayerWeights;
			for (const key of LAYER_KEYS) {
				const size = this.weights[key].length / L;
				out[key] = this.weights[key].subarray(l * size, (l + 1) * size) as Float32Array;
			}
			return out;
		});
		this.keys = new Float32Array(L * maxT * C);
		this.values = new Float32Array(L * maxT * C);
		this.ids = new Int32Array(maxT);
		this.x = new Float32Array(maxT * C);
		this.ln = new Float32Array(maxT * C);
		this.mean = new Float32Array(maxT);
		this.rstd = new Float32Array(maxT);
		this.qkv = new Float32Array(maxT * 3 * C);
		this.y = new Float32Array(maxT * C);
		this.proj = new Float32Array(maxT * C);
		this.fch = new Float32Array(maxT * 4 * C);
		this.fchGelu = new Float32Array(maxT * 4 * C);
		this.scores = new Float64Array(maxT);
		this.logits = new Float32Array(V);
	}

	get length(): number {
		return this.tokens.length;
	}

	async prefill(tokens: ArrayLike<number>): Promise<Float32Array> {
		return this.prefillSync(tokens);
	}

	async step(token: number): Promise<Float32Array> {
		return this.stepSync(token);
	}

	/** prefill without the Promise, for callers on the CPU (tests, benchmarks). */
	prefillSync(tokens: ArrayLike<number>): Float32Array {
		const window = promptWindow(tokens, this.config.blockSize);
		checkTokens(window, this.config.vocabSize);
		this.tokens.length = 0;
		return this.forward(window);
	}

	/** step without the Promise. */
	stepSync(token: number): Float32Array {
		checkTokens([token], this.config.vocabSize);
		if (this.tokens.length === 0) throw new EngineInputError('step needs a prefill first.');
		if (this.tokens.length === this.config.blockSize) return this.prefillSync(slideContext(this.tokens, token, this.config.blockSize));
		return this.forward([token]);
	}

	destroy(): void {
		this.tokens.length = 0;
	}

	// Runs T new tokens at positions pos..pos+T-1 (pos = cached length), appends their keys and values to the cache,
	// and returns a copy of the last row's logits.
	private forward(tokens: readonly number[]): Float32Array {
		const { vocabSize: V, nLayer: L, nEmbd: C } = this.config;
		const T = tokens.length;
		const pos = this.tokens.length;
		const rows = (a: Float32Array, width: number) => a.subarray(0, T * width);
		const [x, ln, qkv, y, proj, fch, fchGelu] = [
			rows(this.x, C), rows(this.ln, C), rows(this.qkv, 3 * C), rows(this.y, C), rows(this.proj, C),
			rows(this.fch, 4 * C), rows(this.fchGelu, 4 * C)
		];
		const w = this.weights;
		this.ids.set(tokens);
		embeddingForward(x, this.ids, w.wte, w.wpe.subarray(pos * C), 1, T, C);
		for (let l = 0; l < L; l++) {
			const p = this.layers[l];
			layernormForward(ln, this.mean, this.rstd, x, p.ln1w, p.ln1b, 1, T, C);
			matmulForward(qkv, ln, p.qkvw, p.qkvb, 1, T, C, 3 * C);
			this.attend(l, pos, T);
			matmulForward(proj, y, p.attprojw, p.attprojb, 1, T, C, C);
			residualForward(x, x, proj, T * C);
			layernormForward(ln, this.mean, this.rstd, x, p.ln2w, p.ln2b, 1, T, C);
			matmulForward(fch, ln, p.fcw, p.fcb, 1, T, C, 4 * C);
			geluForward(fchGelu, fch, T * 4 * C);
			matmulForward(proj, fchGelu, p.fcprojw, p.fcprojb, 1, T, 4 * C, C);
			residualForward(x, x, proj, T * C);
		}
		// Only the last row needs the final LayerNorm and the head.
		const last = x.subarray((T - 1) * C, T * C);
		const lnLast = ln.subarray(0, C);
		layernormForward(lnLast, this.mean, this.rstd, last, w.lnfw, w.lnfb, 1, 1, C);
		matmulForward(this.logits, lnLast, w.wte, null, 1, 1, C, V);
		this.tokens.push(...tokens);
		return this.logits.slice();
	}

	// Writes rows 0..T-1 of this.qkv's keys and values into layer l's cache at positions pos.., then computes each row's
	// causal attention over the cache into this.y, as cpu/attention.ts does over a whole sequence.
	private attend(l: number, pos: number, T: number): void {
		const { blockSize: maxT, nHead: NH, nEmbd: C } = this.config;
		const HS = C / NH;
		const C3 = 3 * C;
		const scale = 1 / Math.sqrt(HS);
		const { qkv, y, keys, values, scores } = this;
		for (let t = 0; t < T; t++) {
			for (let h = 0; h < NH; h++) {
				const cache = ((l * NH + h) * maxT + pos + t) * HS;
				const src = t * C3 + h * HS;
				for (let i = 0; i < HS; i++) {
					keys[cache + i] = qkv[src + C + i];
					values[cache + i] = qkv[src + 2 * C + i];
				}
			}
		}
		for (let t = 0; t < T; t++) {
			const n = pos + t + 1; // positions this row attends to
			for (let h = 0; h < NH; h++) {
				const q = t * C3 + h * HS;
				const head = (l * NH + h) * maxT * HS;
				let max = -Infinity;
				for (let t2 = 0; t2 < n; t2++) {
					const k = head + t2 * HS;
					let s = 0;
					for (let i = 0; i < HS; i++) s += qkv[q + i] * keys[k + i];
					s *= scale;
					scores[t2] = s;
					if (s > max) max = s;
				}
				let sum = 0;
				for (let t2 = 0; t2 < n; t2++) {
					const e = Math.exp(scores[t2] - max);
					scores[t2] = e;
					sum += e;
				}
				const o = t * C + h * HS;
				for (let i = 0; i < HS; i++) y[o + i] = 0;
				for (let t2 = 0; t2 < n; t2++) {
					const v = head + t2 * HS;
					const a = scores[t2] / sum;
					for (let i = 0; i < HS; i++) y[o + i] += a * values[v + i];
				}
			}
		}
	}
}

/** Creates a CPU decoder over a model's parameters; throws EngineConfigError when their count does not fit the config. */
export function createCpuDecoder({ config, params }: CreateCpuDecoderParameters): CpuDecoder {
	const P = parameterCount(config);
	if (params.length !== P) {
		throw new EngineConfigError('The parameters do not fit the model config.', {
			details: `Expected ${P} floats for this config, got ${params.length}.`
		});
	}
	return new CpuDecoder(config, params);
}
