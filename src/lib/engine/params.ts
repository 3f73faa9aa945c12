// All GPT parameters in one flat buffer with named views (llm.c's ParameterTensors), so the optimizer, gradient
// clipping and checkpoints see one array, and the gradients share the same layout. Init is GPT-2's: normal(0, 0.02)
// for matrices and tables, the two residual projections scaled by 1/sqrt(2 nLayer), biases 0, LayerNorm gains 1.
import { parameterSizes, type GPTConfig, type ParameterSizes } from './config';
import type { Floats } from './cpu/floats';
import { createRng } from './random';

/** A parameter tensor's name. */
export type ParameterName = keyof ParameterSizes;

/** Views into a flat buffer, one per parameter tensor (shapes in ParameterSizes). */
export type ParameterTensors = Record<ParameterName, Floats>;

/** Tensors that weight decay applies to: the matrices and embedding tables, not biases or LayerNorm parameters. */
export const DECAYED_PARAMETERS: ReadonlySet<ParameterName> = new Set(['wte', 'wpe', 'qkvw', 'attprojw', 'fcw', 'fcprojw']);

/** Where each tensor starts in the flat buffer, and its size. */
export type ParameterLayout = Record<ParameterName, { offset: number; size: number }>;

/** Lays the tensors out back to back in ParameterSizes order. */
export function parameterLayout(config: GPTConfig): ParameterLayout {
	const layout = {} as ParameterLayout;
	let offset = 0;
	for (const [name, size] of Object.entries(parameterSizes(config)) as [ParameterName, number][]) {
		layout[name] = { offset, size };
		offset += size;
	}
	return layout;
}

/** Creates the named views over a flat buffer laid out by parameterLayout. */
export function parameterViews(buffer: Floats, layout: ParameterLayout): ParameterTensors {
	const views = {} as ParameterTensors;
	for (const [name, { offset, size }] of Object.entries(layout) as [ParameterName, ParameterLayout[ParameterName]][]) {
		views[name] = buffer.subarray(offset, offset + size);
	}
	return views;
}

/** Fills the views with GPT-2's initialisation from a seeded PRNG (same seed, same weights). */
export function initParameters(views: ParameterTensors, config: GPTConfig, seed: number): void {
	const rng = createRng(seed);
	const residualStd = 0.02 / Math.sqrt(2 * config.nLayer);
	const normal = (view: Floats, std: number) => {
		for (let i = 0; i < view.length; i++) view[i] = std * rng.normal();
	};
	normal(views.wte, 0.02);
	normal(views.wpe, 0.02);
	normal(views.qkvw, 0.02);
	normal(views.attprojw, residualStd);
	normal(views.fcw, 0.02);
	normal(views.fcprojw, residualStd);
	for (const name of ['ln1w', 'ln2w', 'lnfw'] as const) views[name].fill(1);
	for (const name of ['ln1b', 'qkvb', 'attprojb', 'ln2b', 'fcb', 'fcprojb', 'lnfb'] as const) views[name].fill(0);
}
