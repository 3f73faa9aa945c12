// Folds an adapter into a copy of its base weights, W + scale * B A per targeted layer and block, so inference and
// checkpoint export run a plain GPT with no hook. Each entry of B A is summed in float64 and added once, so a float32
// merge differs from the hooked model only by float32 rounding. Shapes: OC outputs, C_in inputs, r rank, P params.
import { parameterCount } from '../config';
import type { Floats } from '../cpu/floats';
import { parameterLayout } from '../params';
import { LoraAdapterError } from './errors';
import { loraTargetShape, type LoraAdapter, type LoraPair } from './lora';

/** Returns the base parameters (P) with the adapter's updates added, in a new buffer of the same element type. */
export function mergeLora<T extends Floats>(baseParams: T, adapter: LoraAdapter): T {
	const P = parameterCount(adapter.model);
	if (baseParams.length !== P) {
		throw new LoraAdapterError('The adapter cannot be merged: the base weights do not fit its base config.', {
			details: `The base has ${baseParams.length} parameters; the adapter's base config has ${P}.`
		});
	}
	const merged = baseParams.slice() as T;
	const layout = parameterLayout(adapter.model);
	const { nLayer: L, nEmbd: C } = adapter.model;
	const r = adapter.config.rank;
	for (const target of adapter.config.targets) {
		const { A, B } = adapter.weights[target] as LoraPair;
		const { inFeatures: Cin, outFeatures: OC, baseWeight } = loraTargetShape(target, C);
		for (let l = 0; l < L; l++) {
			const w = layout[baseWeight].offset + l * OC * Cin; // (OC,C_in)
			const a = l * r * Cin; // (r,C_in)
			const b = l * OC * r; // (OC,r)
			for (let o = 0; o < OC; o++) {
				for (let c = 0; c < Cin; c++) {
					let sum = 0;
					for (let k = 0; k < r; k++) sum += B[b + o * r + k] * A[a + k * Cin + c];
					merged[w + o * Cin + c] += adapter.scale * sum;
				}
			}
		}
	}
	return merged;
}
